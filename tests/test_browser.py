"""The built site in a real browser: live charts, instant navigation, dark mode, no third parties.

One build from the built-in sample data, served by ``http.server`` on 127.0.0.1 and driven with
Debian's Chromium through Playwright. Every request, console message and page error of every page
is recorded in one journal, which the last two tests check (running any flow that no earlier test
ran in this process, so that they also hold on their own).

The site, the browser and the journal are session-scoped although only this module uses them:
``make test`` distributes tests by file (``--dist loadfile``, in file order), so this module
runs on one worker and each site is built once; ``xdist_group`` is not relied on (with pytest
9.2 and pytest-xdist 3.8, ``--dist loadgroup`` ignores it, pytest-xdist#1386).

The site is served where its configured ``site.url`` says it lives: Material's instant navigation
only intercepts a click when the link's URL is in ``sitemap.xml``, and it rewrites only the
protocol and hostname of the sitemap entries to the current location's, never the port or the
path. A site built for ``https://example.github.io/rotation-monitor/`` but served at
``http://127.0.0.1:PORT/`` therefore falls back to full page loads. So the fixture keeps the path
of the configured URL (``/rotation-monitor/``), serves the site under it, and builds with
``site.url`` set to ``http://127.0.0.1:PORT/rotation-monitor/``, as it is on GitHub Pages.

Set ``ROTATION_SCREENSHOTS`` to a folder to keep screenshots of Home (light, dark, without
JavaScript) and of Pairs after an instant navigation, whole pages and each chart on its own.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import html
import http.server
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Response,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import REPO, project_copy
from generator.build import BuildOptions, build
from generator.config import load_config
from generator.posts import BackfillOptions, backfill
from tests_support import FIXTURE_CONFIG, stand_in_exports

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

POST_WEEKS = 2
"""Weekly posts written before each build, so the posts' pages and the digest are checked too."""
TIMEOUT_MS = 20_000
LIVE_TIMEOUT_MS = 15_000  # a chart renders in well under a second; this is for a loaded machine

# Data marks vega-embed drew: paths (lines, areas, bars and symbols all are) with real geometry.
DRAWN = """(svg) => [...svg.querySelectorAll("g.role-mark path")]
  .filter((path) => (path.getAttribute("d") || "").length > 10).length"""

# A chart is live (given a tag, in a new SVG): the class is set and vega-embed's SVG holds drawn
# data marks.
LIVE = f"""(el, tag) => {{
  const svg = el.querySelector(".rm-chart__live.vega-embed > svg.marks");
  return el.classList.contains("rm-chart--live") && svg !== null && ({DRAWN})(svg) > 0
    && (!tag || svg.dataset.rmTag !== tag);
}}"""

# Every .rm-chart is live. charts.js draws a chart as it comes near the screen, so the first
# chart still waiting is scrolled to the top of the screen, as a reader scrolling down would (the
# ones after it within half a screen are queued meanwhile; centred, with each waiting chart
# keeping its 300 px, they were queued one by one and two walks took 26 s longer).
ALL_LIVE = f"""([expected, tag]) => {{
  const charts = [...document.querySelectorAll(".rm-chart")];
  const waiting = charts.find((el) => !({LIVE})(el, tag));
  if (waiting) waiting.scrollIntoView({{block: "start"}});
  return charts.length === expected && !waiting;
}}"""

# The page's first chart is live; until it is, it is scrolled to (a reader going straight to it).
FIRST_LIVE = f"""() => {{
  const first = document.querySelector(".rm-chart");
  if (!first) return false;
  if (({LIVE})(first, null)) return true;
  first.scrollIntoView({{block: "center"}});
  return false;
}}"""

# Per chart: the live SVG's size, drawn marks, axis label colour; how many fallbacks show.
CHART_STATE = f"""(el) => {{
  const svg = el.querySelector(".rm-chart__live svg.marks");
  const label = svg.querySelector(".role-axis-label text");
  const box = svg.getBoundingClientRect();
  return {{
    width: box.width,
    height: box.height,
    drawn: ({DRAWN})(svg),
    labelFill: label && label.getAttribute("fill"),
    name: el.querySelector(".rm-chart__live").getAttribute("aria-label"),
    alt: el.querySelector("img").alt,
    summary: (el.nextElementSibling?.querySelector(".rm-chart__summary")?.textContent || "").trim(),
    imagesShown: [...el.querySelectorAll("img")].filter((i) => i.offsetParent !== null).length,
  }};
}}"""


@dataclass
class Journal:
    """Everything every page did, across the browser tests of this process."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)  # page, type, url
    broken: list[tuple[str, str]] = field(default_factory=list)  # url, HTTP status or failure
    console: list[tuple[str, str, str]] = field(default_factory=list)  # page, type, text
    errors: list[tuple[str, str]] = field(default_factory=list)  # page, error
    flows: set[str] = field(default_factory=set)
    """The flows started so far (the journal tests run the others themselves)."""
    violations: list[str] = field(default_factory=list)
    """Content-Security-Policy violations the pages reported (see :func:`_guard`)."""
    dialogs: list[tuple[str, str]] = field(default_factory=list)  # page, alert/confirm text
    transferred: list[tuple[str, int]] = field(default_factory=list)  # url, bytes as sent

    def watch(self, page: Page) -> Page:
        page.on("request", lambda r: self.requests.append((page.url, r.resource_type, r.url)))
        page.on("response", self._response)
        # ERR_ABORTED is the browser cancelling a load it no longer needs (content swapped).
        page.on(
            "requestfailed",
            lambda r: r.failure != "net::ERR_ABORTED" and self.broken.append((r.url, r.failure)),
        )
        page.on("console", lambda m: self.console.append((page.url, m.type, _describe(m))))
        page.on("pageerror", lambda e: self.errors.append((page.url, f"{e.name}: {e.message}")))
        page.on("dialog", self._dialog)
        return page

    def guard(self, context: BrowserContext) -> BrowserContext:
        """Record every ``securitypolicyviolation`` event of the context's pages.

        Playwright's init script and binding run outside the page's policy; instant navigation
        keeps the document, so the listener stays for the pages it shows.
        """
        context.expose_function("__rmViolation", self._violation)
        context.add_init_script(CSP_WATCH)
        return context

    def _violation(self, text: str) -> None:
        self.violations.append(text)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append((dialog.page.url if dialog.page else "", dialog.message))
        dialog.dismiss()

    def _response(self, response: Response) -> None:
        self.transferred.append((response.url, int(response.headers.get("content-length", 0))))
        if response.status >= 400:
            self.broken.append((response.url, str(response.status)))


CSP_WATCH = """document.addEventListener("securitypolicyviolation", (e) => window.__rmViolation(
  `${location.href}: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:` +
  `${e.lineNumber} ${(e.sample || "").slice(0, 80)}`));"""
"""Reports each violation of the page's Content-Security-Policy to the journal."""


def _describe(message: ConsoleMessage) -> str:
    where = message.location
    return f"{message.text} ({where.get('url')}:{where.get('lineNumber')})"


@dataclass(frozen=True)
class Site:
    origin: str
    home: str
    charts: dict[str, int]
    """How many ``.rm-chart`` containers the built HTML of each page URL holds."""
    policy: str
    """The Content-Security-Policy the build wrote into the pages (that of Home)."""

    @property
    def pairs(self) -> str:
        return self.home + "pairs/"

    def count(self, url: str) -> int:
        found = self.charts.get(url, 0)
        assert found > 0, f"the built page {url} has no .rm-chart to test"
        return found


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """The site's files, gzipped for a browser that accepts it, as GitHub Pages serves them (so
    that what a page transfers is what a reader's browser would)."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file():
            super().do_GET()
            return
        body = _gzipped(path)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@functools.cache
def _gzipped(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser dropping a connection it no longer needs is not a test failure


@contextlib.contextmanager
def _served_build(
    root: Path,
    source: str = "sample",
    edit: Callable[[dict], None] | None = None,
    *,
    stand_in_images: bool = False,
) -> Iterator[Site]:
    """Build into ``root`` from ``source``; serve it at the path of the configured site URL.
    ``edit`` changes the project's config (read from and written back to rotation.yml) first.
    With ``stand_in_images``, the charts' static images are made by
    :class:`tests_support.StandInExporter` (for a site whose live charts are all drawn, so that
    no static image is ever fetched: the walks check it)."""
    www = root / "www"
    www.mkdir()
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(www)))
    try:
        site_config = yaml.safe_load(FIXTURE_CONFIG.read_text())["site"]
        prefix = "/" + urlsplit(site_config["url"]).path.strip("/")
        prefix = prefix.rstrip("/") + "/"
        origin = f"http://127.0.0.1:{server.server_port}"
        project = project_copy(root / "project", {"site": {**site_config, "url": origin + prefix}})
        if edit is not None:
            config = yaml.safe_load((project / "rotation.yml").read_text())
            edit(config)
            (project / "rotation.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        with pytest.MonkeyPatch.context() as mp, contextlib.ExitStack() as images:
            if stand_in_images:
                images.enter_context(stand_in_exports())
            mp.setenv("NO_MKDOCS_2_WARNING", "1")
            mp.setenv(
                "ROTATION_CACHE_DIR", os.environ.get("ROTATION_CACHE_DIR", str(REPO / ".cache"))
            )
            site_dir = www.joinpath(*prefix.strip("/").split("/"))
            backfill(BackfillOptions(project / "rotation.yml", source, weeks=POST_WEEKS))
            build(
                BuildOptions(config_path=project / "rotation.yml", source=source, site_dir=site_dir)
            )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Site(
                origin=origin,
                home=origin + prefix,
                charts=_count_charts(site_dir, origin + prefix),
                policy=_policy(site_dir / "index.html"),
            )
        finally:
            server.shutdown()
            thread.join(timeout=5)
    finally:
        server.server_close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample-data site, built once."""
    with _served_build(tmp_path_factory.mktemp("browser")) as served:
        yield served


def _policy(page: Path) -> str:
    found = re.findall(
        r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page.read_text()
    )
    assert len(found) == 1, f"{page}: {len(found)} Content-Security-Policy meta tags"
    return html.unescape(found[0])


def _count_charts(site_dir: Path, home: str) -> dict[str, int]:
    counts = {}
    for page in site_dir.rglob("index.html"):
        url = home + page.parent.relative_to(site_dir).as_posix() + "/"
        counts[url.replace("/./", "/")] = page.read_text(encoding="utf-8").count('class="rm-chart"')
    return counts


@pytest.fixture(scope="session")
def journal() -> Journal:
    return Journal()


@dataclass
class Tab:
    """One page of a fresh browser context, with the steps the flows are made of."""

    page: Page
    site: Site
    journal: Journal

    def wait_live(self, expected: int, *, replacing: str | None = None) -> list[dict]:
        """Wait for ``expected`` live charts (in new SVGs, if ``replacing`` tagged the old)."""
        try:
            self.page.wait_for_function(
                ALL_LIVE, arg=[expected, replacing], timeout=LIVE_TIMEOUT_MS
            )
        except PlaywrightTimeoutError:
            charts = self.page.locator(".rm-chart").evaluate_all(
                "(els) => els.map((el) => el.className + ': ' + el.innerHTML.slice(0, 200))"
            )
            problems = self.journal.console + self.journal.errors
            pytest.fail(
                f"{self.page.url}: expected {expected} live charts within {LIVE_TIMEOUT_MS} ms; "
                f"charts: {charts}; console and page errors: {problems}"
            )
        return self.page.locator(".rm-chart").evaluate_all(f"(els) => els.map({CHART_STATE})")

    def open_home(self) -> list[dict]:
        self.page.goto(self.site.home)
        return self.wait_live(self.site.count(self.site.home))

    def click_nav(self, url: str) -> None:
        """Click the navigation tab (or, failing that, nav link) that leads to ``url``."""
        links = self.page.locator("a.md-tabs__link:visible, a.md-nav__link:visible")
        index = links.evaluate_all("(links, url) => links.findIndex((a) => a.href === url)", url)
        assert index >= 0, f"no visible navigation link to {url}"
        links.nth(index).click()
        self.page.wait_for_url(url)

    def toggle_palette(self, scheme: str) -> None:
        self.page.locator("[data-md-component=palette] label:visible").click()
        self.page.wait_for_function(
            "(scheme) => document.body.getAttribute('data-md-color-scheme') === scheme", arg=scheme
        )

    def tag_svgs(self, tag: str) -> None:
        self.page.evaluate(
            "(tag) => document.querySelectorAll('.rm-chart__live svg.marks')"
            ".forEach((svg) => { svg.dataset.rmTag = tag; })",
            tag,
        )

    def screenshot(self, name: str) -> None:
        """The page as ``name.png`` and each chart as ``name-chart<N>.png``, if asked for."""
        folder = os.environ.get("ROTATION_SCREENSHOTS")
        if not folder:
            return
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.page.mouse.move(0, 0)  # no tooltip left over from the last click
        self.page.screenshot(path=out / f"{name}.png", full_page=True)
        charts = self.page.locator(".rm-chart")
        for i in range(charts.count()):
            charts.nth(i).screenshot(path=out / f"{name}-chart{i + 1}.png")


@pytest.fixture
def new_tab(browser: Browser, site: Site, journal: Journal) -> Iterator[Callable[..., Tab]]:
    """Factory: a page in a fresh context (fresh profile), recorded in the journal."""
    contexts = []

    def make(**options: object) -> Tab:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, color_scheme="light", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return Tab(journal.watch(journal.guard(context).new_page()), site, journal)

    yield make
    for context in contexts:
        context.close()


# --------------------------------------------------------------------------------------- flows


def flow_home(tab: Tab) -> None:
    for state in tab.open_home():
        assert state["drawn"] > 0, state
        assert state["width"] > 600, state  # fills the content column (width: container)
        assert state["height"] > 300, state
        assert state["imagesShown"] == 0, "static fallback still shown beside the live chart"
        # Announced by what it shows and what its data say now, not as "Vega visualization".
        assert state["alt"], state
        assert state["summary"], state
        assert state["name"] == f"{state['alt']}. {state['summary']}", state
    tab.screenshot("home-light")


def flow_instant_nav(tab: Tab) -> None:
    page, site, requests = tab.page, tab.site, tab.journal.requests
    tab.open_home()
    page.evaluate("window.__rmMarker = 1")
    before = len(requests)

    tab.click_nav(site.pairs)
    states = tab.wait_live(site.count(site.pairs))
    assert page.evaluate("window.__rmMarker") == 1, (
        "clicking the Pairs link reloaded the page instead of an instant navigation: Material only "
        "intercepts links listed in sitemap.xml, i.e. under site_url (port and path included)"
    )
    documents = [url for _, kind, url in requests[before:] if kind == "document"]
    assert documents == [], f"full page load(s) instead of instant navigation: {documents}"
    fetched = [kind for _, kind, url in requests[before:] if url == site.pairs]
    assert fetched in (["xhr"], ["fetch"]), f"Pairs fetched as {fetched}, not by Material's XHR"
    for state in states:
        assert state["drawn"] > 0, state
        assert state["width"] > 600, state
        assert state["imagesShown"] == 0, state
    tab.screenshot("pairs-instant")

    tab.click_nav(site.home)
    tab.wait_live(site.count(site.home))
    assert page.evaluate("window.__rmMarker") == 1, "going back to Home reloaded the page"
    assert [url for _, kind, url in requests[before:] if kind == "document"] == []


def flow_dark(tab: Tab) -> None:
    theme = load_config(FIXTURE_CONFIG).theme
    light = tab.open_home()
    assert tab.page.locator("body").get_attribute("data-md-color-scheme") == "default"

    tab.tag_svgs("light")
    tab.toggle_palette("slate")
    dark = tab.wait_live(len(light), replacing="light")
    assert any(state["labelFill"] for state in light), "no chart with axis labels to compare"
    for before, after in zip(light, dark, strict=True):
        assert after["imagesShown"] == 0
        if before["labelFill"]:
            # The configured chart theme (assets/chart-theme.json): light axis labels on
            # Material's slate background, dark ones on white.
            assert luminance(after["labelFill"]) > 0.5 > luminance(before["labelFill"]), (
                before["labelFill"],
                after["labelFill"],
            )
            assert (before["labelFill"], after["labelFill"]) == (theme.light.text, theme.dark.text)
    tab.screenshot("home-dark")

    tab.tag_svgs("dark")
    tab.toggle_palette("default")
    again = tab.wait_live(len(light), replacing="dark")
    assert [s["labelFill"] for s in again] == [s["labelFill"] for s in light]


def flow_no_js(tab: Tab) -> None:
    """Without JavaScript the static SVG fallback of every chart shows, fully loaded."""
    tab.page.goto(tab.site.home)
    charts = tab.page.locator(".rm-chart")
    assert charts.count() == tab.site.count(tab.site.home)
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        shown = chart.locator("img:visible")
        assert shown.count() >= 1, chart.inner_html()
        for j in range(shown.count()):
            image = shown.nth(j)
            size = image.evaluate("(img) => img.complete ? img.naturalWidth : 0")
            assert size > 0, f"{image.get_attribute('src')} did not load"
            assert image.bounding_box()["width"] > 600
        assert chart.locator(".rm-chart__live").count() == 0
    tab.screenshot("home-nojs")


def flow_search(tab: Tab) -> None:
    """Search (lunr in Material's worker) finds a page, and its result opens it in place."""
    page, site, requests = tab.page, tab.site, tab.journal.requests
    tab.open_home()
    page.evaluate("window.__rmMarker = 1")
    before = len(requests)
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").press_sequentially("rotation graph")
    results = page.locator(".md-search-result__item a.md-search-result__link")
    results.first.wait_for()
    target = results.first.get_attribute("href")
    results.first.click()
    page.wait_for_url(lambda url: url.split("#")[0] != site.home)
    assert page.evaluate("window.__rmMarker") == 1, f"opening {target} reloaded the page"
    assert [url for _, kind, url in requests[before:] if kind == "document"] == []


def flow_tooltip(tab: Tab) -> None:
    """A chart's tooltip shows on hover, styled by rotation.css (vega-tooltip injects none)."""
    page, site = tab.page, tab.site
    page.goto(site.home + "sectors/")
    tab.wait_live(site.count(site.home + "sectors/"))
    point = page.locator(".rm-chart__live g.mark-symbol path").first
    point.scroll_into_view_if_needed()
    point.hover(force=True)
    page.wait_for_function(
        "(id) => document.getElementById(id)?.classList.contains('visible')",
        arg="vg-tooltip-element",
    )
    tip = page.locator("#vg-tooltip-element")
    assert "RS-Ratio" in tip.inner_text()
    assert tip.evaluate("(el) => getComputedStyle(el).position") == "fixed"

    # A line chart needs no exact hit: anywhere over the plot, the nearest session's values.
    tab.open_home()
    page.mouse.move(0, 0)
    chart = page.locator(".rm-chart__live svg.marks").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.8)
    page.wait_for_function(
        "() => /Session/.test(document.getElementById('vg-tooltip-element')?.textContent)"
    )
    text = tip.inner_text()
    assert re.search(r"Session\s+(Mon|Tue|Wed|Thu|Fri) \d{1,2} [A-Z][a-z]{2} 20\d\d", text), text
    assert "average" in text, text


def luminance(colour: str) -> float:
    """Relative luminance of ``#rgb`` / ``#rrggbb`` (0 black, 1 white)."""
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


FLOWS: dict[str, tuple[Callable[[Tab], None], dict[str, bool]]] = {
    "home": (flow_home, {}),
    "instant": (flow_instant_nav, {}),
    "dark": (flow_dark, {}),
    "nojs": (flow_no_js, {"java_script_enabled": False}),
    "search": (flow_search, {}),
    "tooltip": (flow_tooltip, {}),
}


def run_flow(name: str, new_tab: Callable[..., Tab], journal: Journal) -> None:
    flow, options = FLOWS[name]
    journal.flows.add(name)
    flow(new_tab(**options))


# --------------------------------------------------------------------------------------- tests


def test_home_chart_renders_live(new_tab, journal: Journal) -> None:
    run_flow("home", new_tab, journal)


def test_instant_navigation_renders_charts(new_tab, journal: Journal) -> None:
    run_flow("instant", new_tab, journal)


def test_dark_toggle_rerenders_charts(new_tab, journal: Journal) -> None:
    run_flow("dark", new_tab, journal)


def test_static_fallback_without_javascript(new_tab, journal: Journal) -> None:
    run_flow("nojs", new_tab, journal)


def test_search_opens_a_result_in_place(new_tab, journal: Journal) -> None:
    run_flow("search", new_tab, journal)


def test_chart_tooltip_shows(new_tab, journal: Journal) -> None:
    run_flow("tooltip", new_tab, journal)


def _every_flow(new_tab: Callable[..., Tab], journal: Journal) -> None:
    """Run the flows no earlier test in this process ran (e.g. when run on their own)."""
    for name in [name for name in FLOWS if name not in journal.flows]:
        run_flow(name, new_tab, journal)


def test_no_request_leaves_the_site(new_tab, site: Site, journal: Journal) -> None:
    _every_flow(new_tab, journal)
    assert journal.requests
    foreign = sorted(
        {url for _, _, url in journal.requests if not url.startswith(site.origin + "/")}
    )
    assert foreign == [], f"requests outside {site.origin}: {foreign}"
    assert journal.broken == []


def test_no_console_errors(new_tab, journal: Journal) -> None:
    _every_flow(new_tab, journal)
    assert [entry for entry in journal.console if entry[1] == "error"] == []
    assert journal.errors == []


def test_no_content_security_policy_violation(new_tab, journal: Journal) -> None:
    """Charts, instant navigation, the palette toggle, search and tooltips all work under the
    pages' policy (no eval, no inline style, no inline script but the theme's, hashed): the
    browser reports no violation and logs nothing about the policy."""
    _every_flow(new_tab, journal)
    assert journal.violations == []
    assert [c for c in journal.console if "Content Security Policy" in c[2]] == []


CSP_METAS = """() => [...document.querySelectorAll("meta[http-equiv]")]
  .filter((m) => m.httpEquiv.toLowerCase() === "content-security-policy").map((m) => m.content)"""


def test_the_policy_refuses_an_injected_inline_script(browser, site: Site) -> None:
    """The checks of violations can fail: an inline script added to a page is refused and
    reported. (That the policy refuses eval cannot be shown from here: code Playwright runs may
    eval whatever the policy says; the exact policy is checked in tests/test_csp.py.)"""
    journal = Journal()
    context = journal.guard(browser.new_context())
    try:
        page = journal.watch(context.new_page())
        page.goto(site.home)
        assert page.evaluate(CSP_METAS) == [site.policy]
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__rmRan = 1"; document.head.append(s); }"""
        )
        assert page.evaluate("() => window.__rmRan") is None
        for _ in range(50):  # the report reaches Python through a binding, a moment later
            if journal.violations:
                break
            page.wait_for_timeout(100)
    finally:
        context.close()
    assert any("script-src" in v and "inline" in v for v in journal.violations), journal.violations


AXE = REPO / "tests" / "node_modules" / "axe-core" / "axe.min.js"
AXE_PAGES = (
    "",
    "pairs/",
    "sectors/",
    "valuation/",
    "breadth/",
    "history/",
    "claims/",
    "data-status/",
    "methodology/",
    "downloads/",
    "configuration/",
    "for-forkers/maintaining/",
    "blog/",
)
"""The pages axe checks (with the first post): one of each kind, a few seconds each."""
AXE_RULES = {
    "light": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "dark": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
}
"""All of WCAG 2.1 A and AA in the light scheme; in the dark only what the scheme changes."""
AXE_RUN = """(only) => axe.run(
  {exclude: [".rm-chart__live"]}, {runOnly: only, resultTypes: ["violations"]}
).then((r) =>
  r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => [v.id, v.nodes.length, v.nodes[0].target.join(" ")]))"""
"""axe-core's serious and critical violations, each with a first node. The live charts are
left out (their thousands of marks would double the time); their names are checked by
:func:`flow_home`."""


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def _axe(page: Page, scheme: str) -> list:
    """axe-core's serious and critical violations on the page. Evaluated through the
    DevTools protocol, so the page's Content-Security-Policy stays on. Without axe-core (a
    checkout where ``npm ci --prefix tests`` never ran) the check is skipped, except in CI."""
    assert AXE.is_file(), f"axe-core not installed at {AXE}: .ci/run installs it"
    page.evaluate(_axe_source())
    return page.evaluate(AXE_RUN, AXE_RULES[scheme])


READABLE = """(el) => {
  const svg = el.querySelector(".rm-chart__live svg.marks");
  const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
  return [...svg.querySelectorAll("text")]
    .filter((t) => t.textContent.trim() && t.getBBox().width > 0)
    .map((t) => [t.textContent.slice(0, 40), parseFloat(getComputedStyle(t).fontSize) * scale])
    .filter(([, size]) => size < 11 - 0.01);
}"""
"""Per chart: the texts drawn smaller than 11 CSS pixels (font size times the SVG's scale)."""

LAID_OUT = """(el) => {
  const svg = el.querySelector(".rm-chart__live svg.marks");
  const width = svg.width.baseVal.value;
  const problems = [...svg.querySelectorAll("text")]
    .filter((t) => t.textContent.trim() && t.getBBox().width > 0)
    .filter((t) => t.getBBox().x + t.getBBox().width + t.getCTM().e > width + 1)
    .map((t) => "runs off the chart: " + t.textContent.slice(0, 40));
  const year = /\\b\\d{4}\\b/;
  for (const axis of svg.querySelectorAll("g.role-axis")) {
    if (!/time scale/.test(axis.getAttribute("aria-label") || "")) continue;
    const labels = [...axis.querySelectorAll(".role-axis-label text")];
    const shown = labels.filter((t) => t.getAttribute("opacity") !== "0");
    const years = (texts) => texts.filter((t) => year.test(t.textContent)).length;
    if (years(shown) < Math.min(2, years(labels))) {
      problems.push("time axis without its years: " + shown.map((t) => t.textContent).join(", "));
    }
  }
  return problems;
}"""
"""Per chart: text that runs past the SVG's right edge (cut off), and time axes that span
more than one year yet show one year label or none (Vega hides overlapping labels, and with
them, where the first tick is not a January, every label that carries a year)."""

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

RESERVED_PX = 300
"""The height rotation.css keeps for a chart not yet drawn."""
HEIGHTS = """(selector) => [...document.querySelectorAll(selector)]
  .map((el) => el.getBoundingClientRect().height)"""


def _every_page(
    browser: Browser,
    site: Site,
    journal: Journal,
    *,
    width: int = 1280,
    scheme: str = "light",
    axe: bool = True,
    charted_only: bool = False,
    weigh: bool = False,
    visit: Callable[[Tab], None] | None = None,
) -> None:
    """Every page (and the 404 page) at ``width`` CSS pixels in the ``scheme`` the reader's
    system prefers: one Content-Security-Policy meta tag with the site's policy, no sideways
    scrolling of the page, its charts all live with no text under 11 px and none cut off at
    the chart's edge, years on their time axes (:data:`LAID_OUT`), no violation, no error, no
    request elsewhere; with ``axe``, no serious or critical accessibility violation
    on :data:`AXE_PAGES` and the first post (axe-core, installed by ``.ci/run``). With
    ``charted_only``, only the pages with charts (another site's data changes nothing else).
    With ``weigh``, each page is loaded as on a first visit (no cache) and what it transferred,
    gzipped, is written to :data:`REPORTS` ``/page-weights.json`` and the page's own part held
    to :data:`PAGE_BUDGET`. ``visit`` does more on each page once it has passed (another check
    then shares the walk instead of loading every page again)."""
    axe = axe and (AXE.is_file() or bool(os.environ.get("CI")))
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = Tab(journal.watch(journal.guard(context).new_page()), site, journal)
        pages = {url: n for url, n in site.charts.items() if n}
        assert len(pages) >= 9 + POST_WEEKS, pages  # Home, Pairs, the seven sections, posts
        assert sum("/blog/week-" in url for url in pages) == POST_WEEKS, pages
        first_post = min(u for u in pages if "/blog/week-" in u).removeprefix(site.home)
        accessibility: dict[str, list] = {}
        weights: dict[str, dict[str, int]] = {}
        if weigh:
            cdp = context.new_cdp_session(tab.page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        for url, expected in sorted(site.charts.items()):
            if charted_only and not expected:
                continue
            start = len(journal.transferred)
            tab.page.goto(url)
            assert tab.page.evaluate(CSP_METAS) == [site.policy], url
            if expected:
                # A chart not yet drawn keeps the room of the smallest one drawn (rotation.css),
                # so the page does not jump when it is; and none drawn is smaller than that.
                pending = tab.page.evaluate(HEIGHTS, ".rm-chart:not(.rm-chart--live)")
                assert all(h >= RESERVED_PX for h in pending), (url, width, pending)
                states = tab.wait_live(expected)
                drawn = tab.page.evaluate(HEIGHTS, ".rm-chart")
                assert all(h >= RESERVED_PX for h in drawn), (url, width, drawn)
                assert all(s["drawn"] for s in states), (url, states)
                assert all(s["imagesShown"] == 0 for s in states), (url, states)
                small = tab.page.locator(".rm-chart").evaluate_all(f"els => els.map({READABLE})")
                assert not any(small), (url, width, small)
                laid_out = tab.page.locator(".rm-chart").evaluate_all(f"els => els.map({LAID_OUT})")
                assert not any(laid_out), (url, width, laid_out)
            wanted = "slate" if scheme == "dark" else "default"
            assert tab.page.locator("body").get_attribute("data-md-color-scheme") == wanted
            assert tab.page.evaluate(OVERFLOW) <= 0, (url, width, "the page scrolls sideways")
            path = url.removeprefix(site.home)
            if axe and (path in AXE_PAGES or path == first_post):
                accessibility[path] = _axe(tab.page, scheme)
            name = path.strip("/").replace("/", "_") or "home"
            tab.screenshot(f"{width}-{scheme}-{name}")
            if weigh:
                weights[path or "/"] = _weight(journal.transferred[start:], site.home)
            if visit is not None:
                visit(tab)
        tab.page.goto(site.home + "404.html")  # what GitHub Pages serves for a missing page
        assert tab.page.evaluate(CSP_METAS) == [site.policy]
    finally:
        context.close()
    if axe:
        assert set(accessibility) == {*AXE_PAGES, first_post}, sorted(accessibility)
        assert {path: found for path, found in accessibility.items() if found} == {}
    assert journal.violations == []
    assert journal.errors == []
    assert [c for c in journal.console if c[1] == "error"] == []
    foreign = {url for _, _, url in journal.requests if not url.startswith(site.origin + "/")}
    assert foreign == set()
    assert journal.broken == []
    # Live charts replace their static images, which are therefore never fetched.
    assert [url for _, _, url in journal.requests if STATIC_CHART.search(url)] == []
    if weigh:
        _report("page-weights.json", weights)
        heavy = {path: w for path, w in weights.items() if w["page"] > PAGE_BUDGET}
        assert heavy == {}, f"pages of their own over {PAGE_BUDGET} bytes gzipped"


PAGE_BUDGET = 150_000
"""What a page may transfer, gzipped, beyond what every page shares (the vega bundle of the
pages with charts, Material's and the site's scripts and styles, the search index): the cost of
each page a reader opens after the first."""

REPORTS = Path(os.environ.get("ROTATION_REPORTS") or REPO / ".cache" / "reports")
"""Where the browser tests write what they measured (page weights, slow-phone timings)."""


def _weight(transferred: list[tuple[str, int]], home: str) -> dict[str, int]:
    """Bytes a first visit of a page transferred: the vega bundle; what every page shares and a
    browser keeps after the first page (Material's and the site's scripts and styles, the search
    index and its worker); and what is the page's own (its HTML, its charts' specs)."""
    weight = {"bundle": 0, "shared": 0, "page": 0, "requests": len(transferred)}
    for url, size in transferred:
        path = url.removeprefix(home)
        kind = "bundle" if path.endswith("/vega-bundle.js") else "page"
        if kind == "page" and path.startswith(("assets/", "search/")):
            kind = "shared"
        weight[kind] += size
    return weight


def _report(name: str, document: dict) -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / name).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


STATIC_CHART = re.compile(r"/charts/[^/]+\.svg$")


def test_a_chart_that_cannot_be_drawn_live_shows_its_static_image(browser, site: Site) -> None:
    """Where the vega bundle does not arrive, every chart of the page shows its fallback."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.route("**/vega-bundle.js", lambda route: route.abort())
        page.goto(site.home + "pairs/")
        charts = page.locator(".rm-chart")
        assert charts.count() == site.count(site.home + "pairs/")
        for i in range(charts.count()):
            charts.nth(i).scroll_into_view_if_needed()  # charts are drawn as they come in sight
            page.locator(".rm-chart--failed").nth(i).wait_for()
            image = charts.nth(i).locator("img")
            image.evaluate("(img) => img.decode()")
            assert image.is_visible()
            assert image.evaluate("(img) => img.naturalWidth") > 0
    finally:
        context.close()


SLOW_PHONE = {
    "network": {
        "offline": False,
        "latency": 150,
        "downloadThroughput": 1_600_000 / 8,
        "uploadThroughput": 750_000 / 8,
    },
    "cpu": 4,
}
"""A slow phone: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trips, a CPU four times slower
than this machine's (Lighthouse's mobile profile)."""
SLOW_PAGES = ("", "pairs/", "breadth/")
SLOW_TARGET_MS = 5_000
"""The aim (issue #13), not yet met: see the report. The test holds each page to four times it."""


def test_the_first_chart_is_drawn_and_timed_on_a_slow_phone(browser, site: Site) -> None:
    """Home, Pairs and Breadth opened cold on :data:`SLOW_PHONE`, the reader scrolling straight
    to the first chart: the time from navigation to that chart drawn (the others are drawn as
    the reader scrolls on) is written to :data:`REPORTS` ``/slow-phone.json`` beside
    :data:`SLOW_TARGET_MS`. The bound is loose on purpose: a timing taken while the other test
    worker also drives a browser varies by seconds."""
    timings = {}
    for path in SLOW_PAGES:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
        )
        try:
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_PHONE["network"])
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOW_PHONE["cpu"]})
            page.goto(site.home + path, wait_until="commit")
            drawn = page.wait_for_function(
                f"() => ({FIRST_LIVE})() && performance.now()", timeout=4 * SLOW_TARGET_MS
            )
            timings[path or "/"] = round(drawn.json_value())
        finally:
            context.close()
    _report(
        "slow-phone.json",
        {"profile": SLOW_PHONE, "target_ms": SLOW_TARGET_MS, "first_chart_drawn_ms": timings},
    )
    assert sorted(timings) == sorted(p or "/" for p in SLOW_PAGES)


def test_every_page_renders_all_charts_on_sample_data(browser, site: Site) -> None:
    _every_page(browser, site, Journal(), weigh=True)


def test_every_page_reads_on_a_phone_in_the_dark(browser, site: Site) -> None:
    _every_page(browser, site, Journal(), width=390, scheme="dark")


DIGEST_LAYOUT = """() => ({
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  images: [...document.images].map((i) => [i.currentSrc, i.complete, i.naturalWidth, i.width]),
  small: [...document.querySelectorAll("p, td, th, li, span, a")]
    .filter((el) => el.textContent.trim() && parseFloat(getComputedStyle(el).fontSize) < 14)
    .map((el) => el.textContent.trim().slice(0, 40)),
})"""
"""The digest as laid out: sideways overflow, each image (source, loaded, its pixels, its
width on the screen) and any text under 14 px."""


@pytest.mark.parametrize("styles", ["inline styles", "styles stripped"])
def test_digest_fits_a_phone_and_a_desktop_mailer_without_scripts(browser, site: Site, styles):
    """The e-mail digest as mail clients show it, images by absolute URL and no JavaScript: at
    360 px (a phone) and 600 px (a desktop pane) nothing is wider than the screen, also where
    the mailer drops every style, and every PNG has twice the pixels it is shown at (where the
    styles are dropped the image fills the pane and still has 1.8 times)."""
    journal = Journal()
    context = browser.new_context(viewport={"width": 600, "height": 900}, java_script_enabled=False)
    try:
        page = journal.watch(context.new_page())
        if styles == "styles stripped":  # a mailer that keeps the markup and nothing else
            page.route(
                site.home + "digest.html",
                lambda route: route.fulfill(
                    response=(fetched := route.fetch()),
                    body=re.sub(r' style="[^"]*"', "", fetched.text()),
                ),
            )
        for width in (360, 600):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(site.home + "digest.html")
            page.wait_for_load_state("load")
            shown = page.evaluate(DIGEST_LAYOUT)
            assert shown["overflow"] <= 0, (width, styles, shown)
            assert len(shown["images"]) == 2, shown
            density = 2 if styles == "inline styles" else 1.8
            for src, done, pixels, on_screen in shown["images"]:
                assert src.startswith(site.home), src
                assert src.endswith(".png"), src
                assert done, src
                assert 0 < on_screen <= width, shown
                assert pixels >= density * on_screen, shown
            if styles == "inline styles":
                assert shown["small"] == [], shown["small"]
        assert page.eval_on_selector_all("script", "s => s.length") == 0
        assert page.eval_on_selector_all("link[rel=stylesheet], style", "s => s.length") == 0
    finally:
        context.close()
    # A browser asks for /favicon.ico by itself for a page that names none (a mailer does not).
    assert [b for b in journal.broken if not b[0].endswith("/favicon.ico")] == []
    assert {url for _, _, url in journal.requests if not url.startswith(site.origin + "/")} == set()
