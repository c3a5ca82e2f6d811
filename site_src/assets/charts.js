/* Live Vega-Lite charts for Rotation Monitor.
 *
 * Each chart is a <div class="rm-chart"> holding a static SVG fallback (shown without JS). The
 * spec sits next to it (name.svg -> name.vl.json). Material's instant navigation swaps page
 * content without a reload and only re-runs scripts inside the content, so rendering hangs off
 * Material's document$ observable (first load and every navigation), and a MutationObserver on
 * the palette attribute re-renders when the reader toggles dark mode. Everything is served by the
 * site itself: vegaEmbed comes from assets/vega/vega-bundle.js, never from a CDN.
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
 */
(function () {
  "use strict";
  let views = [];
  let generation = 0;

  // Beside this script. Resolved now: document.currentScript is only set while it first runs.
  const self = document.currentScript || document.querySelector('script[src$="assets/charts.js"]');
  const themeUrl = new URL("chart-theme.json", self.src).href;
  let themePromise = null;

  const EMBED = {
    actions: false,
    renderer: "svg",
    ast: true,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };

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

  async function renderAll() {
    const mine = ++generation;
    views.forEach((v) => v.finalize());
    views = [];
    const charts = document.querySelectorAll(".rm-chart");
    if (!charts.length) return;
    const options = await embedOptions();
    if (mine !== generation) return;
    for (const el of charts) {
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
        const result = await window.vegaEmbed(target, el.rmSpec, options);
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
