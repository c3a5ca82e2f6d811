"""The browser checks that need a site of their own: one built from real prices whose names
carry injection payloads. A file apart from ``test_browser.py`` so that ``make test``
(``--dist loadfile``) can run the two sets of browser tests on both workers at once; the
helpers, the flows and the browser fixture are ``test_browser``'s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_browser import Journal, Site, Tab, _every_page, _served_build

from conftest import SHARED_PRICES, one_list_breadth

pytestmark = [pytest.mark.browser]


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
    """The site built from ../shared/market-data's prices (from the sample data in a fork
    without them) with injection payloads in its names, labels and site fields. One build and
    one walk serve both checks: the payloads are text, and what real prices change is charts.
    Its live charts are all drawn, so its static images are stand-ins (vl-convert's are checked
    on the sample site's, which the fallback test shows)."""
    real = SHARED_PRICES.is_dir()

    def edit(config: dict) -> None:
        _hostile(config)
        if real:
            config.update(one_list_breadth())

    source = f"csv:{SHARED_PRICES}" if real else "sample"
    folder = tmp_path_factory.mktemp("browser-hostile")
    with _served_build(folder, source, edit, stand_in_images=True) as served:
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


def test_every_page_draws_its_charts_and_runs_no_hostile_text(browser, hostile_site: Site) -> None:
    """Every page of the real-data site (the sample's in a fork), at 1280 px in the dark, passes
    :func:`test_browser._every_page`'s checks (its charts all drawn, no text under 11 px, the
    policy, no error, nothing fetched elsewhere); and there, hovering and clicking the text that
    shows a payload (and the charts' marks, for their tooltips) opens no dialog, breaks no
    policy and requests nothing from another host."""
    site, journal = hostile_site, Journal()
    shown, tried = 0, set()

    def poke(tab: Tab) -> None:
        nonlocal shown
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

    _every_page(browser, site, journal, scheme="dark", axe=False, visit=poke)
    assert shown > 20, "the payloads are not shown where the test looks for them"
    assert journal.dialogs == []
