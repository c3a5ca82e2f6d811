/* Live Vega-Lite charts for Rotation Monitor.
 *
 * Each chart is a <div class="rm-chart"> holding a static SVG fallback (shown without JS). The
 * spec sits next to it (name.svg -> name.vl.json). A caption may follow the div
 * (p.rm-chart__about): the live chart is announced by the image's alt text and its summary.
 * Material's instant navigation swaps page content without a reload and only re-runs scripts
 * inside the content, so rendering hangs off
 * Material's document$ observable (first load and every navigation), and a MutationObserver on
 * the palette attribute re-renders when the reader toggles dark mode. Everything is served by the
 * site itself: vegaEmbed comes from assets/vega/vega-bundle.js, never from a CDN, loaded only by
 * pages that have a chart. Where scripts run, the static images stay hidden and unfetched (the
 * theme marks the page "rm-js"), and a chart that cannot be drawn live gets "rm-chart--failed",
 * which shows its static image again.
 *
 * Colours of text, grid and axes come from the chart theme of rotation.yml, which the build
 * publishes beside this file as chart-theme.json: a Vega-Lite config for the light scheme and
 * one for the dark. It is fetched once per page load (instant navigation keeps this script and
 * its promise alive) and the config of the scheme the page shows is applied at each render.
 *
 * The pages' Content-Security-Policy (generator/csp.py) allows no eval and no inline style, so
 * every embed runs with EMBED: Vega's expression interpreter (ast: true; vega-embed then takes
 * the vega-interpreter bundled with it) instead of compiling expressions with new Function, and
 * neither vega-embed nor vega-tooltip injects its <style> element: rotation.css holds the rules.
 *
 * Charts re-flow to the width they get instead of being scaled down (a 680 px chart shrunk to a
 * phone's 350 px shows 5 px text): fit() adapts a copy of the spec to its container before each
 * render, and a change of width re-renders. Side-by-side panels wrap into as many columns as fit
 * (one on a phone, each panel then as wide as the column), fixed widths shrink to the container,
 * a chart marked square in its usermeta (the rotation graph) gets a height equal to its plot
 * width, a title wraps at its spaces and subtitle lines at their " · " separators, horizontal
 * legends wrap into columns, and quarterly time ticks too close to label (a phone showing four
 * years) become half-yearly or yearly, so that the years stay on the axis. Text sizes come from the chart theme (11 px or more), so they stay readable. A chart is drawn
 * when it comes near the screen (IntersectionObserver), one at a time.
 */
(function () {
  "use strict";
  let views = [];
  let generation = 0;
  let watcher = null;

  // Beside this script. Resolved now: document.currentScript is only set while it first runs.
  const self = document.currentScript || document.querySelector('script[src$="assets/charts.js"]');
  const themeUrl = new URL("chart-theme.json", self.src).href;
  const bundleUrl = new URL("vega/vega-bundle.js", self.src).href;
  let themePromise = null;
  let vegaPromise = null;

  const EMBED = {
    actions: false,
    renderer: "svg",
    ast: true,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };

  const AXIS_ROOM = 64; // what a y axis with labels and a title takes beside a plot
  const CHAR_WIDTH = 0.6; // a generous average glyph width of the chart font, in em
  const LEGEND_ITEM = 180; // the width of a legend entry such as "200-session average"
  const TITLE_SIZE = 15; // the chart theme's title and subtitle font sizes, in px
  const SUBTITLE_SIZE = 12;
  const TICK_ROOM = 36; // the least room a time-axis label needs beside the next, in px
  const MONTH_MS = 30.44 * 864e5;

  /* Words joined into lines of at most `fits` characters. */
  function wrapWords(text, fits) {
    const lines = [];
    let current = "";
    for (const word of text.split(" ")) {
      if (current && current.length + 1 + word.length > fits) {
        lines.push(current);
        current = word;
      } else current = current ? `${current} ${word}` : word;
    }
    return current ? [...lines, current] : lines;
  }

  /* A title wider than `width` wrapped at its spaces (an unwrapped one runs off the chart, and
   * Vega narrows the plot to make room for it); subtitle lines wrapped at their " · "
   * separators first, then a part still too long at its spaces. */
  function wrapTitle(title, width) {
    if (!title || typeof title !== "object") return title;
    const out = { ...title };
    const titleFits = Math.max(16, Math.floor(width / (TITLE_SIZE * CHAR_WIDTH)));
    if (typeof title.text === "string" && title.text.length > titleFits) {
      out.text = wrapWords(title.text, titleFits);
    }
    if (!title.subtitle) return out;
    const fits = Math.max(24, Math.floor(width / (SUBTITLE_SIZE * CHAR_WIDTH)));
    const lines = [];
    for (const line of [].concat(title.subtitle)) {
      let current = "";
      for (const part of String(line).split(" · ")) {
        const next = current ? `${current} · ${part}` : part;
        if (next.length <= fits) {
          current = next;
          continue;
        }
        if (current) lines.push(current + " ·");
        const pieces = wrapWords(part, fits);
        current = pieces.pop() || "";
        lines.push(...pieces);
      }
      if (current) lines.push(current);
    }
    return { ...out, subtitle: lines };
  }

  /* Months from the first to the last date in the spec's data (charts write each session's
   * date as an ISO string in a `date` field), or 0. */
  function monthsSpanned(spec) {
    let first = null;
    let last = null;
    for (const rows of Object.values(spec.datasets || {})) {
      for (const row of rows) {
        const date = row && row.date;
        if (typeof date !== "string") continue;
        if (first === null || date < first) first = date;
        if (last === null || date > last) last = date;
      }
    }
    return first === null ? 0 : (Date.parse(last) - Date.parse(first)) / MONTH_MS;
  }

  /* Quarterly time-axis ticks (generator/charts time_x) made half-yearly, or yearly, where a
   * plot `room` pixels wide cannot label every quarter: Vega would hide every other label,
   * and when the first tick is not a January, every label that carries a year. */
  function retick(node, months, room) {
    if (Array.isArray(node)) return node.map((n) => retick(n, months, room));
    if (!node || typeof node !== "object") return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "data" || key === "datasets" || key === "values") out[key] = value;
      else if (key === "tickCount" && value && value.interval === "month" && value.step === 3) {
        const fits = (step) => room / Math.max(1, months / step) >= TICK_ROOM;
        out[key] = fits(3) ? value : fits(6) ? { ...value, step: 6 } : { interval: "year", step: 1 };
      } else out[key] = retick(value, months, room);
    }
    return out;
  }

  /* Horizontal legends wrapped into as many columns as `width` holds (a legend does not wrap by
   * itself and is cut at the chart's edge). Returns a copy of `node`. */
  function wrapLegends(node, width) {
    if (Array.isArray(node)) return node.map((n) => wrapLegends(n, width));
    if (!node || typeof node !== "object") return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "data" || key === "datasets" || key === "values") out[key] = value;
      else if (key === "legend" && value && value.direction === "horizontal") {
        out[key] = { ...value, columns: Math.max(1, Math.floor(width / LEGEND_ITEM)) };
      } else out[key] = wrapLegends(value, width);
    }
    return out;
  }

  /* The width a view is drawn at, if it says one. */
  const widthOf = (view) => (typeof view.width === "number" ? view.width : null);

  /* A copy of `spec` drawn within `width` CSS pixels. */
  function fit(spec, width) {
    const narrow = width < 3 * LEGEND_ITEM + AXIS_ROOM;
    const out = { ...(narrow ? wrapLegends(spec, width) : spec), title: wrapTitle(spec.title, width) };
    const room = Math.max(160, width - AXIS_ROOM);
    const shrink = (view) => {
      const v = { ...view };
      if (widthOf(v) && v.width > room) v.width = room;
      if (v.vconcat) v.vconcat = v.vconcat.map(shrink);
      if (v.layer && widthOf(v) === null) v.layer = v.layer.map(shrink);
      return v;
    };
    const panels = out.hconcat || out.concat;
    if (panels) {
      const spacing = typeof out.spacing === "number" ? out.spacing : 10;
      const panelWidth = Math.max(...panels.map((p) => widthOf(p) || 0)) + AXIS_ROOM / 2;
      const perRow = Math.max(1, Math.floor((width - AXIS_ROOM / 2 + spacing) / (panelWidth + spacing)));
      const natural = out.concat ? out.columns || panels.length : panels.length;
      if (perRow < natural) {
        delete out.hconcat;
        // One column: every panel takes the width there is.
        out.concat = perRow === 1 ? panels.map((p) => ({ ...shrink(p), width: room })) : panels;
        out.columns = perRow;
      }
    }
    if (out.vconcat || widthOf(out)) Object.assign(out, shrink(out));
    const months = monthsSpanned(spec);
    if (months) Object.assign(out, retick(out, months, room));
    const square = (out.usermeta || {}).square;
    if (square && out.width === "container") {
      out.height = Math.min(out.height || room, Math.max(240, width - AXIS_ROOM));
    }
    return out;
  }

  const isDark = () => document.body.getAttribute("data-md-color-scheme") === "slate";

  function chartTheme() {
    if (!themePromise) {
      themePromise = fetch(themeUrl).then((response) => {
        if (!response.ok) throw new Error(`${response.status} for ${response.url}`);
        return response.json();
      });
    }
    return themePromise;
  }

  async function embedOptions() {
    try {
      const theme = await chartTheme();
      return { ...EMBED, config: theme[isDark() ? "dark" : "light"] };
    } catch (err) {
      // Without the theme, charts still render legibly with vega-embed's own light/dark theme.
      console.error("Rotation Monitor: chart theme not loaded:", err);
      themePromise = null;
      return {
        ...EMBED,
        theme: isDark() ? "dark" : undefined,
        config: { background: null },
      };
    }
  }

  function specUrl(el) {
    const img = el.querySelector("img");
    return img.src.split("#")[0].replace(/\.svg$/, ".vl.json");
  }

  /* The spec of a chart, fetched once per element (all of a page's at once). */
  function specOf(el) {
    if (!el.rmSpec) {
      el.rmSpec = fetch(specUrl(el)).then((response) => {
        if (!response.ok) throw new Error(`${response.status} for ${response.url}`);
        return response.json();
      });
      el.rmSpec.catch(() => (el.rmSpec = null));
    }
    return el.rmSpec;
  }

  /* vega-embed, loaded the first time a page has a chart: pages without charts never fetch the
   * bundle (about 880 KB), and instant navigation keeps it once loaded. */
  function vegaEmbed() {
    if (window.vegaEmbed) return Promise.resolve(window.vegaEmbed);
    if (!vegaPromise) {
      vegaPromise = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = bundleUrl;
        script.onload = () => resolve(window.vegaEmbed);
        script.onerror = () => {
          vegaPromise = null;
          script.remove();
          reject(new Error(`could not load ${bundleUrl}`));
        };
        document.head.appendChild(script);
      });
    }
    return vegaPromise;
  }

  /* What the live chart is announced as: its static image's alternative text (the name of
   * what it shows), then the summary of the caption under it (templates/partials/chart.md.j2),
   * if it has one (a weekly post's charts have none). */
  function describe(el) {
    const img = el.querySelector("img");
    const about = el.nextElementSibling;
    const summary =
      about && about.classList.contains("rm-chart__about")
        ? about.querySelector(".rm-chart__summary")
        : null;
    return [img ? img.alt : "", summary ? summary.textContent.trim() : ""]
      .filter(Boolean)
      .join(". ");
  }

  /* Draw one chart, if the render it belongs to is still the current one. */
  async function draw(el, mine) {
    if (mine !== generation) return;
    let embed, options, spec;
    try {
      [embed, options, spec] = await Promise.all([vegaEmbed(), embedOptions(), specOf(el)]);
    } catch (err) {
      console.error("Rotation Monitor: chart not loaded:", err);
      el.classList.add("rm-chart--failed");
      return;
    }
    if (mine !== generation) return;
    try {
      let target = el.querySelector(".rm-chart__live");
      if (!target) {
        target = document.createElement("div");
        target.className = "rm-chart__live";
        el.appendChild(target);
      }
      el.rmWidth = el.clientWidth;
      // The chart's text alternative (its static image's) and the summary of its caption
      // name the live SVG for screen readers (Vega writes a spec's description as the SVG's
      // aria-label).
      const description = describe(el);
      const drawn = { ...fit(spec, el.rmWidth), ...(description ? { description } : {}) };
      const result = await embed(target, drawn, options);
      if (mine !== generation) {
        result.finalize();
        return;
      }
      views.push(result);
      el.classList.remove("rm-chart--failed");
      el.classList.add("rm-chart--live");
    } catch (err) {
      el.classList.remove("rm-chart--live");
      el.classList.add("rm-chart--failed");
      console.error("Rotation Monitor: chart failed to render:", err);
    }
  }

  /* Render the page's charts as they come near the screen, one at a time: a chart out of sight
   * costs neither its spec's download nor the drawing until the reader scrolls to it (a phone
   * shows one or two of a page's nine), and the vega bundle starts loading at once. */
  function renderAll() {
    const mine = ++generation;
    views.forEach((v) => v.finalize());
    views = [];
    if (watcher) watcher.disconnect();
    const charts = [...document.querySelectorAll(".rm-chart")];
    if (!charts.length) return;
    vegaEmbed().catch(() => {});
    let queue = Promise.resolve();
    watcher = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          watcher.unobserve(entry.target);
          queue = queue.then(() => draw(entry.target, mine));
        }
      },
      { rootMargin: "50% 0px" },
    );
    charts.forEach((el) => watcher.observe(el));
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
  // A phone turned sideways or a window resized: re-flow when a chart's width really changed.
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      const changed = [...document.querySelectorAll(".rm-chart--live")].some(
        (el) => Math.abs(el.clientWidth - (el.rmWidth || 0)) > 24,
      );
      if (changed) renderAll();
    }, 200);
  });
})();
