"""The built site in a real browser: live charts, instant navigation, dark mode, no third parties.

One build from the built-in sample data per module, served by ``http.server`` on 127.0.0.1 and
driven with Debian's Chromium through Playwright. Every request, console message and page error
of every page is recorded in one journal, which the last two tests check.

The site is served where its configured ``site.url`` says it lives: Material's instant navigation
only intercepts a click when the link's URL is in ``sitemap.xml``, and it rewrites only the
protocol and hostname of the sitemap entries to the current location's, never the port or the
path. A site built for ``https://example.github.io/rotation-monitor/`` but served at
``http://127.0.0.1:PORT/`` therefore falls back to full page loads. So the fixture keeps the path
of the configured URL (``/rotation-monitor/``), serves the site under it, and builds with
``site.url`` set to ``http://127.0.0.1:PORT/rotation-monitor/``, as it is on GitHub Pages.

Set ``ROTATION_SCREENSHOTS`` to a folder to keep screenshots of Home (light and dark) and of Pairs
after an instant navigation.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import REPO, project_copy
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from generator.build import BuildOptions, build

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
HOME_CHARTS = 1
PAIRS_CHARTS = 5

# Every .rm-chart is live: the class is set and vega-embed's SVG holds a drawn line.
ALL_LIVE = """(expected) => {
  const charts = [...document.querySelectorAll(".rm-chart")];
  return charts.length === expected && charts.every((el) => {
    const svg = el.querySelector(".rm-chart__live.vega-embed > svg.marks");
    const line = svg && svg.querySelector("g.mark-line path");
    return el.classList.contains("rm-chart--live") && line && line.getAttribute("d").length > 20;
  });
}"""

# Per chart: the live SVG's size, line count and colours, and whether the fallbacks show.
CHART_STATE = """(el) => {
  const svg = el.querySelector(".rm-chart__live svg.marks");
  const label = svg.querySelector(".role-axis-label text");
  const box = svg.getBoundingClientRect();
  return {
    live: el.classList.contains("rm-chart--live"),
    width: box.width,
    height: box.height,
    lines: svg.querySelectorAll("g.mark-line path").length,
    labelFill: label.getAttribute("fill"),
    imagesShown: [...el.querySelectorAll("img")].filter((i) => i.offsetParent !== null).length,
    svgTag: svg.dataset.rmTag || null,
  };
}"""


@dataclass
class Journal:
    """Everything every page did, across all tests of the module."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)  # page, type, url
    failed: list[tuple[str, str]] = field(default_factory=list)
    console: list[tuple[str, str, str]] = field(default_factory=list)  # page, type, text
    errors: list[tuple[str, str]] = field(default_factory=list)
    flows: set[str] = field(default_factory=set)

    def watch(self, page: Page) -> Page:
        here = lambda: page.url  # noqa: E731 (the page's URL when the event fires)
        page.on("request", lambda r: self.requests.append((here(), r.resource_type, r.url)))
        page.on("requestfailed", lambda r: self.failed.append((r.url, r.failure or "")))
        page.on("console", lambda m: self.console.append((here(), m.type, _describe(m))))
        page.on("pageerror", lambda e: self.errors.append((here(), f"{e.name}: {e.message}")))
        return page


def _describe(message: ConsoleMessage) -> str:
    where = message.location
    return f"{message.text} ({where.get('url')}:{where.get('lineNumber')})"


@dataclass(frozen=True)
class Site:
    origin: str
    home: str

    @property
    def pairs(self) -> str:
        return self.home + "pairs/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser dropping a connection it no longer needs is not a test failure


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build once from the sample data and serve it at the path of the configured site URL."""
    root = tmp_path_factory.mktemp("browser")
    www = root / "www"
    www.mkdir()
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(www)))
    try:
        site_config = yaml.safe_load((REPO / "rotation.yml").read_text())["site"]
        prefix = "/" + urlsplit(site_config["url"]).path.strip("/")
        prefix = prefix.rstrip("/") + "/"
        origin = f"http://127.0.0.1:{server.server_port}"
        project = project_copy(
            root / "project", {"site": {**site_config, "url": origin + prefix}}
        )
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("NO_MKDOCS_2_WARNING", "1")
            mp.setenv("ROTATION_CACHE_DIR", os.environ.get("ROTATION_CACHE_DIR", str(REPO / ".cache")))
            build(
                BuildOptions(
                    config_path=project / "rotation.yml",
                    site_dir=www.joinpath(*prefix.strip("/").split("/")),
                )
            )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Site(origin=origin, home=origin + prefix)
        finally:
            server.shutdown()
            thread.join(timeout=5)
    finally:
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: apt-get install chromium (Playwright must not download one)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = _launch(p)
        yield browser
        browser.close()


def _launch(p: Playwright) -> Browser:
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def journal() -> Journal:
    return Journal()


@pytest.fixture
def new_page(browser: Browser, journal: Journal) -> Iterator[Callable[..., Page]]:
    """Factory: a page in a fresh context (fresh profile), recorded in the journal."""
    contexts = []

    def make(**options: object) -> Page:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, color_scheme="light", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return journal.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("ROTATION_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def wait_live(page: Page, expected: int) -> list[dict]:
    page.wait_for_function(ALL_LIVE, arg=expected)
    return page.locator(".rm-chart").evaluate_all(f"(els) => els.map({CHART_STATE})")


def open_home(page: Page, site: Site) -> list[dict]:
    page.goto(site.home)
    return wait_live(page, HOME_CHARTS)


def tag_svgs(page: Page, tag: str) -> None:
    page.evaluate(
        "(tag) => document.querySelectorAll('.rm-chart__live svg.marks')"
        ".forEach((svg) => { svg.dataset.rmTag = tag; })",
        tag,
    )


# --------------------------------------------------------------------------------------- flows


def flow_home(page: Page, site: Site) -> None:
    states = open_home(page, site)
    for state in states:
        assert state["live"]
        assert state["lines"] == 3, state  # the ratio and its two moving averages
        assert state["width"] > 600, state  # fills the content column (width: container)
        assert state["height"] > 300, state
        assert state["imagesShown"] == 0, f"static fallbacks still shown beside the live chart"
    screenshot(page, "home-light")


def flow_instant_nav(page: Page, site: Site, journal: Journal) -> None:
    open_home(page, site)
    page.evaluate("window.__rmMarker = 1")
    before = len(journal.requests)
    page.locator(".md-tabs__link", has_text="Pairs").click()
    page.wait_for_url(site.pairs)
    states = wait_live(page, PAIRS_CHARTS)
    assert page.evaluate("window.__rmMarker") == 1, (
        "clicking the Pairs tab reloaded the page instead of an instant navigation"
    )
    after_click = journal.requests[before:]
    documents = [url for _, kind, url in after_click if kind == "document"]
    assert documents == [], f"full page load(s) instead of instant navigation: {documents}"
    fetched = [kind for _, kind, url in after_click if url == site.pairs]
    assert fetched in (["xhr"], ["fetch"]), f"Pairs page fetched as {fetched}"
    assert all(s["live"] and s["lines"] == 3 and s["imagesShown"] == 0 for s in states), states
    screenshot(page, "pairs-instant")

    page.locator(".md-tabs__link", has_text="Home").click()
    page.wait_for_url(site.home)
    wait_live(page, HOME_CHARTS)
    assert page.evaluate("window.__rmMarker") == 1, "going back to Home reloaded the page"
    assert [url for _, kind, url in journal.requests[before:] if kind == "document"] == []


def flow_dark(page: Page, site: Site) -> None:
    light = open_home(page, site)
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"

    tag_svgs(page, "light")
    page.locator("[data-md-component=palette] label:visible").click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rm-chart__live svg.marks')]"
        ".every((svg) => svg.isConnected && !svg.dataset.rmTag)"
        " && document.querySelectorAll('.rm-chart--live').length > 0"
    )
    dark = wait_live(page, HOME_CHARTS)
    for before, after in zip(light, dark, strict=True):
        assert after["labelFill"] != before["labelFill"], "axis labels kept their light colour"
        assert luminance(after["labelFill"]) > 0.5 > luminance(before["labelFill"]), (
            before["labelFill"],
            after["labelFill"],
        )
        assert after["imagesShown"] == 0
    screenshot(page, "home-dark")

    tag_svgs(page, "dark")
    page.locator("[data-md-component=palette] label:visible").click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'default'")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rm-chart__live svg.marks')]"
        ".every((svg) => !svg.dataset.rmTag)"
    )
    again = wait_live(page, HOME_CHARTS)
    assert [s["labelFill"] for s in again] == [s["labelFill"] for s in light]


def flow_no_js(page: Page, site: Site) -> None:
    page.goto(site.home)
    charts = page.locator(".rm-chart")
    assert charts.count() == HOME_CHARTS
    for i in range(HOME_CHARTS):
        chart = charts.nth(i)
        light = chart.locator("img[src$='#only-light']")
        dark = chart.locator("img[src$='#only-dark']")
        print(chart.evaluate("e => e.outerHTML"), page.url)
        light.scroll_into_view_if_needed()
        assert light.is_visible()
        assert not dark.is_visible()
        assert light.evaluate("(img) => img.complete && img.naturalWidth") > 0
        assert chart.locator(".rm-chart__live").count() == 0


def luminance(colour: str) -> float:
    """Relative luminance of ``#rgb`` / ``#rrggbb`` (0 black, 1 white)."""
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# --------------------------------------------------------------------------------------- tests


def test_home_chart_renders_live(new_page, site: Site, journal: Journal) -> None:
    flow_home(new_page(), site)
    journal.flows.add("home")


def test_instant_navigation_renders_charts(new_page, site: Site, journal: Journal) -> None:
    flow_instant_nav(new_page(), site, journal)
    journal.flows.add("instant")


def test_dark_toggle_rerenders_charts(new_page, site: Site, journal: Journal) -> None:
    flow_dark(new_page(), site)
    journal.flows.add("dark")


def test_static_fallback_without_javascript(new_page, site: Site, journal: Journal) -> None:
    flow_no_js(new_page(java_script_enabled=False), site)
    journal.flows.add("nojs")


def _run_missing_flows(new_page, site: Site, journal: Journal) -> None:
    """When run on its own, go through the flows the earlier tests would have recorded."""
    if "home" not in journal.flows:
        flow_home(new_page(), site)
    if "instant" not in journal.flows:
        flow_instant_nav(new_page(), site, journal)
    if "dark" not in journal.flows:
        flow_dark(new_page(), site)
    if "nojs" not in journal.flows:
        flow_no_js(new_page(java_script_enabled=False), site)
    journal.flows |= {"home", "instant", "dark", "nojs"}


def test_no_request_leaves_the_site(new_page, site: Site, journal: Journal) -> None:
    _run_missing_flows(new_page, site, journal)
    assert journal.requests
    foreign = sorted({url for _, _, url in journal.requests if not url.startswith(site.origin + "/")})
    assert foreign == [], f"requests outside {site.origin}: {foreign}"
    assert journal.failed == []


def test_no_console_errors(new_page, site: Site, journal: Journal) -> None:
    _run_missing_flows(new_page, site, journal)
    errors = [entry for entry in journal.console if entry[1] == "error"]
    assert errors == []
    assert journal.errors == []
