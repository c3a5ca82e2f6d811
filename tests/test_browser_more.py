"""The browser checks that need a site of their own: one built from real prices, and one whose
names carry injection payloads. A file apart from ``test_browser.py`` so that ``make test``
(``--dist loadfile``) can run the two sets of browser tests on both workers at once; the
helpers, the flows and the browser fixture are ``test_browser``'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import CSP_METAS, TIMEOUT_MS, Journal, Site, Tab, _every_page, _served_build

from conftest import one_list_breadth

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory, shared_prices: Path) -> Iterator[Site]:
    """The site built from ../shared/market-data (skipped where that folder is absent)."""
    with _served_build(
        tmp_path_factory.mktemp("browser-real"),
        f"csv:{shared_prices}",
        lambda config: config.update(one_list_breadth()),
    ) as served:
        yield served


def test_every_page_renders_all_charts_on_real_data(browser, real_site: Site) -> None:
    # The sample site's pages are checked by axe and without charts; the real data's use the
    # same templates, and their charts are what real prices change.
    _every_page(browser, real_site, Journal(), axe=False, charted_only=True)


# ------------------------------------------------------------------------------ hostile text

HOSTILE = {
    "html": "<img src=x onerror=alert(1)>",
    "attr": "Evil {: onmouseover=alert(4) }",
    "link": "[x](javascript:alert(5))",
    "image": "![x](http://evil.example/x.png)",
    "script": "<script>alert(7)</script>",
}
"""Names that try to run or fetch something (as in tests/hostile/test_hostile_text.py)."""


def _hostile(config: dict) -> None:
    payloads = list(HOSTILE.values())
    named = ("SPY", "IWN", "IWF", "XLK", "XLE", "KRE", "MSFT", "IWM", "QQQ", "XLF")
    for i, item in enumerate(i for i in config["universe"] if i["symbol"] in named):
        item["name"] = payloads[i % len(payloads)]
    for item in config["universe"]:
        if item["group"] == "Regional banks":
            item["group"] = HOSTILE["link"]
    config["site"] |= {"author": HOSTILE["html"], "description": HOSTILE["image"]}
    config["pairs"][0]["label"] = HOSTILE["attr"]
    config["pairs"][1]["label"] = HOSTILE["html"]
    config["rotation"]["groups"][0]["name"] = HOSTILE["script"]
    config["watchlist"][0]["name"] = HOSTILE["attr"]


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample-data site with injection payloads in its names, labels and site fields."""
    with _served_build(tmp_path_factory.mktemp("browser-hostile"), edit=_hostile) as served:
        yield served


# The innermost elements whose text shows a payload, with their markup; each is hovered, then
# clicked, unless the same markup was tried on an earlier page (the tabs, the header).
SHOWING = """() => [...document.querySelectorAll(".md-main *, .md-header *, .md-tabs *")]
  .filter((el) => el.offsetParent !== null && /alert\\(|evil\\.example/.test(el.textContent)
    && ![...el.children].some((c) => /alert\\(|evil\\.example/.test(c.textContent)))
  .map((el, i) => [i, el.outerHTML, el])
  .map(([i, markup, el]) => { el.dataset.rmHostile = String(i); return [i, markup]; })"""


INTERNAL_LINK = """(el, origin) => {
  const link = el.closest("a[href]");
  return link !== null && link.href.startsWith(origin);
}"""


def test_hostile_text_runs_nothing_and_fetches_nothing(browser, hostile_site: Site) -> None:
    """On every page of a site whose names carry script, handlers, links and images: hovering
    and clicking the text (and the charts' marks, for their tooltips) opens no dialog, breaks
    no policy and requests nothing from another host."""
    site, journal = hostile_site, Journal()
    context = journal.guard(browser.new_context(viewport={"width": 1280, "height": 900}))
    context.set_default_timeout(TIMEOUT_MS)
    shown, tried = 0, set()
    try:
        tab = Tab(journal.watch(context.new_page()), site, journal)
        for url, expected in sorted(site.charts.items()):
            tab.page.goto(url)
            assert tab.page.evaluate(CSP_METAS) == [site.policy], url
            if expected:
                tab.wait_live(expected)
            marks = tab.page.locator(".rm-chart__live g.mark-symbol path")
            for i in range(min(marks.count(), 3)):
                marks.nth(i).hover(force=True)
            found = tab.page.evaluate(SHOWING)
            shown += len(found)
            fresh = [i for i, markup in found if markup not in tried]
            tried.update(markup for _, markup in found)
            for i in fresh[:12]:
                element = tab.page.locator(f"[data-rm-hostile='{i}']")
                element.hover(force=True)
                # A link to a page of the site (a nav entry named by config) is only hovered;
                # anything else is clicked: a javascript: or off-site link would show.
                if not element.evaluate(INTERNAL_LINK, site.origin + "/"):
                    element.click(force=True)
    finally:
        context.close()
    assert shown > 20, "the payloads are not shown where the test looks for them"
    assert journal.dialogs == []
    assert journal.violations == []
    assert journal.errors == []
    foreign = {url for _, _, url in journal.requests if not url.startswith(site.origin + "/")}
    assert foreign == set()
    assert journal.broken == []
