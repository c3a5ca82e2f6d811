/* The reader's conveniences for Rotation Monitor: tables reachable with the keyboard and
 * sortable by any column, and a name for the theme's page-loading progress bar (Material's has
 * none, which screen readers announce as an unnamed progress bar).
 *
 * Material wraps a wide table in a scroll area (.md-typeset__scrollwrap); a keyboard user can
 * only scroll it if it can take focus, so each gets tabindex="0", the role of a region and the
 * name of the heading above it. A table of more than three rows gets a sort button in every
 * header cell: numbers sort by value ("+1.2%", "-35 bp", "1,234"; "n/a" and blanks always last),
 * other text alphabetically; a third press restores the page's order. aria-sort tells screen
 * readers the current order. Runs on Material's document$ (first load and every instant
 * navigation); no inline style, no eval (the pages' Content-Security-Policy allows neither).
 */
(function () {
  "use strict";

  const MIN_ROWS = 4;

  /* The number a cell shows, or null: signs, units, thousands separators and the † ‡ marks
   * are dropped. */
  function numberOf(text) {
    const cleaned = text
      .replace(/\u2212/g, "-")
      .replace(/[,%†‡\s]|pp|bp|×/g, "")
      .replace(/^\+/, "");
    if (!/^-?\d*\.?\d+$/.test(cleaned)) return null;
    return Number(cleaned);
  }

  function heading(el) {
    for (let node = el.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) return node.textContent.replace(/¶$/, "").trim();
    }
    return el.parentElement && el.parentElement !== document.body ? heading(el.parentElement) : "";
  }

  function focusable(table) {
    const wrap = table.closest(".md-typeset__scrollwrap");
    if (!wrap || wrap.hasAttribute("tabindex")) return;
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", heading(wrap) || "Table");
  }

  function sortable(table) {
    const body = table.tBodies[0];
    const head = table.tHead && table.tHead.rows[0];
    if (!body || !head || body.rows.length < MIN_ROWS || table.rmSortable) return;
    table.rmSortable = true;
    const original = [...body.rows];
    [...head.cells].forEach((th, column) => {
      if (!th.textContent.trim()) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "rm-sort";
      button.title = `Sort by ${th.textContent.trim()}`;
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", () => {
        const next = { none: "descending", descending: "ascending", ascending: "none" }[
          th.getAttribute("aria-sort") || "none"
        ];
        [...head.cells].forEach((cell) => cell.removeAttribute("aria-sort"));
        let rows = original;
        if (next !== "none") {
          th.setAttribute("aria-sort", next);
          const sign = next === "descending" ? -1 : 1;
          const keyed = original.map((row) => {
            const text = (row.cells[column] || {}).textContent || "";
            return { row, text: text.trim(), value: numberOf(text.trim()) };
          });
          const numeric = keyed.some((k) => k.value !== null);
          keyed.sort((a, b) => {
            if (numeric) {
              if (a.value === null || b.value === null) return (a.value === null) - (b.value === null);
              return sign * (a.value - b.value);
            }
            if (!a.text || !b.text) return !a.text - !b.text;
            return sign * a.text.localeCompare(b.text);
          });
          rows = keyed.map((k) => k.row);
        }
        rows.forEach((row) => body.appendChild(row));
      });
    });
  }

  function enhance() {
    const progress = document.querySelector(".md-progress");
    if (progress && !progress.hasAttribute("aria-label")) {
      progress.setAttribute("aria-label", "Loading the page");
    }
    document.querySelectorAll(".md-typeset table:not([class])").forEach((table) => {
      focusable(table);
      sortable(table);
    });
  }

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(enhance);
  } else {
    document.addEventListener("DOMContentLoaded", enhance);
  }
})();
