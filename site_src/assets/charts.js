/* Live Vega-Lite charts for Rotation Monitor.
 *
 * Each chart is a <div class="rm-chart"> holding a static SVG fallback (shown without JS). The
 * spec sits next to it (name.svg -> name.vl.json). Material's instant navigation swaps page
 * content without a reload and only re-runs scripts inside the content, so rendering hangs off
 * Material's document$ observable (first load and every navigation), and a MutationObserver on
 * the palette attribute re-renders when the reader toggles dark mode. Everything is served by the
 * site itself: vegaEmbed comes from assets/vega/vega-bundle.js, never from a CDN.
 */
(function () {
  "use strict";
  let views = [];
  let generation = 0;

  const isDark = () => document.body.getAttribute("data-md-color-scheme") === "slate";

  function specUrl(el) {
    const img = el.querySelector("img");
    return img.src.split("#")[0].replace(/\.svg$/, ".vl.json");
  }

  async function renderAll() {
    const mine = ++generation;
    views.forEach((v) => v.finalize());
    views = [];
    for (const el of document.querySelectorAll(".rm-chart")) {
      try {
        if (!el.rmSpec) {
          const response = await fetch(specUrl(el));
          if (!response.ok) throw new Error(`${response.status} for ${response.url}`);
          el.rmSpec = await response.json();
        }
        if (mine !== generation) return;
        let target = el.querySelector(".rm-chart__live");
        if (!target) {
          target = document.createElement("div");
          target.className = "rm-chart__live";
          el.appendChild(target);
        }
        const result = await window.vegaEmbed(target, el.rmSpec, {
          actions: false,
          renderer: "svg",
          theme: isDark() ? "dark" : undefined,
          config: { background: null },
        });
        if (mine !== generation) {
          result.finalize();
          return;
        }
        views.push(result);
        el.classList.add("rm-chart--live");
      } catch (err) {
        el.classList.remove("rm-chart--live");
        console.error("Rotation Monitor: chart failed to render:", err);
      }
    }
  }

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(renderAll);
  } else {
    document.addEventListener("DOMContentLoaded", renderAll);
  }
  new MutationObserver(renderAll).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-md-color-scheme"],
  });
})();
