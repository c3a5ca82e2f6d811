"""The whole build on sample data, and its all-or-nothing publishing."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import project_copy
from generator.build import BuildOptions, build
from generator.charts import TIME_LABELS
from generator.errors import BuildError
from generator.formatting import FORMATS, lookup
from generator.sources.sample import SAMPLE_END
from tests_support import SECTION_PAGES, SPAN, data_rows, latest_date

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("build"),
    pytest.mark.usefixtures("stand_in_exports"),
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One sample build for the module's tests that only read it (a build takes about 20 s)."""
    root = project_copy(tmp_path_factory.mktemp("built") / "project")
    return root, build(BuildOptions(config_path=root / "rotation.yml"))


@pytest.fixture
def built_copy(built, tmp_path):
    """A copy of the module's build that a test may change (a later build, an override)."""
    root, result = built
    copy = tmp_path / "project"
    shutil.copytree(root, copy, symlinks=True)
    return copy, result


def test_sample_build_produces_the_site(built):
    root, result = built
    site = root / "site"
    assert result.as_of.date() == SAMPLE_END
    assert result.site_dir == site
    for page in (
        "index.html",
        "pairs/index.html",
        "data-status/index.html",
        "methodology/index.html",
    ):
        assert (site / page).is_file(), page
    charts = sorted(p.name for p in (site / "charts").glob("*.vl.json"))
    assert {
        "ratio-iwn-vs-iwf.vl.json",
        "ratio-qqq-vs-iwm.vl.json",
        "style-box.vl.json",
        "rrg-sectors.vl.json",
        "rrg-size-and-style.vl.json",
        "breadth-equal-weight.vl.json",
        "rates-yields.vl.json",
        "risk-volatility.vl.json",
        "history-ratio.vl.json",
        "watchlist.vl.json",
    } <= set(charts)
    assert len(charts) == result.charts
    for spec in charts:
        stem = spec.removesuffix(".vl.json")
        assert (site / "charts" / f"{stem}.svg").read_text().startswith("<svg")
    # Every chart of a page has its data beside it, linked from the caption under it.
    captioned = set()
    for page in SECTION_PAGES:
        soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
        for img in soup.select(".rm-chart img"):
            svg = ((site / page).parent / img["src"]).resolve()
            caption = img.find_parent(class_="rm-chart").find_next_sibling()
            assert caption is not None, (page, svg.name)
            assert "rm-chart__about" in caption["class"], (page, svg.name)
            assert caption.select_one(".rm-chart__summary").get_text(strip=True), (page, svg.name)
            (link,) = caption.find_all("a")
            assert link.get_text() == "Data (CSV)"
            data = ((site / page).parent / link["href"]).resolve()
            assert data == svg.with_suffix(".csv"), page
            assert data.read_text(encoding="utf-8").startswith(("date,", "period,")), data.name
            captioned.add(data.name)
    assert captioned == {f"{s.removesuffix('.vl.json')}.csv" for s in charts}
    assert (site / "assets/vega/vega-bundle.js").stat().st_size > 500_000
    leftovers = sorted(p.name for p in root.glob(".build/*"))
    assert leftovers == ["docs", "mkdocs.yml", "rotation.lock", "run-report.json"], (
        "temporary folders cleaned up"
    )
    assert not list(root.glob(".site-*")), "temporary sites cleaned up"
    report = json.loads((root / ".build" / "run-report.json").read_text())
    assert report["counts"] == {"ok": 41, "stale": 0, "failed": 0}
    assert report["expected_session"] == f"{SAMPLE_END:%Y-%m-%d}"
    assert (site / "run-report.json").read_text() == (
        root / ".build" / "run-report.json"
    ).read_text()


def test_every_number_on_the_pages_is_the_number_in_the_published_metrics_json(built):
    """Numbers the site states are read from the dashboard document, and say where: each
    ``data-metric`` span of the built HTML shows the value at its path, formatted its way."""
    _, result = built
    doc = json.loads((result.site_dir / "metrics.json").read_text(encoding="utf-8"))
    found = {}
    for page in SECTION_PAGES:
        spans = SPAN.findall((result.site_dir / page).read_text(encoding="utf-8"))
        found[page] = {path for path, _, _ in spans}
        for path, fmt, shown in spans:
            assert FORMATS[fmt](lookup(doc, path)) == html.unescape(shown), (page, path)
    universe = len(doc["universe"]) * (len(doc["parameters"]["periods"]) + 1)
    assert len(found["index.html"]) >= universe + 3
    assert "pairs.0.returns.YTD.spread" in found["index.html"]
    pairs = {
        f"pairs.{i}.returns.{p}.spread" for i, x in enumerate(doc["pairs"]) for p in x["returns"]
    }
    assert pairs <= found["pairs/index.html"]
    claims = {f"claims.{i}.value" for i in range(len(doc["claims"]))}
    assert claims <= found["claims/index.html"]
    rrg = {
        f"rotation.{g}.symbols.{j}.rs_momentum"
        for g, x in enumerate(doc["rotation"])
        for j in range(len(x["symbols"]))
    }
    assert rrg <= found["sectors/index.html"]
    assert {f"breadth.{i}.share" for i in range(len(doc["breadth"]))} <= found["breadth/index.html"]
    periods = doc["parameters"]["periods"]
    style = {f"style.cells.{i}.returns.{p}" for i in range(9) for p in periods}
    assert style <= found["style-box/index.html"]
    assert {"rates.long_level", "rates.slope", "rates.corr", "rates.beta"} <= found[
        "rates/index.html"
    ]
    risk = {f"risk.symbols.{i}.max_drawdown" for i in range(len(doc["risk"]["symbols"]))}
    assert risk <= found["risk/index.html"]
    watch = {
        f"watchlist.{g}.averages.{p}.value" for g in range(len(doc["watchlist"])) for p in periods
    }
    assert watch <= found["watchlist/index.html"]
    head = doc["history"]["pairs"][0]
    history = {f"history.pairs.0.episodes.{k}.ratio_change" for k in range(len(head["episodes"]))}
    history |= {
        f"history.pairs.{i}.records.{k}.length"
        for i, pair in enumerate(doc["history"]["pairs"])
        for k in range(len(pair["records"]))
    }
    assert history <= found["history/index.html"]


def test_every_page_says_sample_and_as_of(built):
    root, _ = built
    for page in ("index.html", "pairs/index.html", "methodology/index.html"):
        html = (root / "site" / page).read_text()
        assert "Sample data — not market data." in html, page
        assert f"{SAMPLE_END:%Y-%m-%d}" in html


def test_chart_specs_are_small_labelled_and_stop_at_as_of(built):
    root, result = built
    as_of = f"{result.as_of:%Y-%m-%d}"
    for path in (root / "site" / "charts").glob("*.vl.json"):
        spec = json.loads(path.read_text())
        rows = data_rows(spec)
        assert rows, path.name
        assert len(rows) <= 3000 * 4, path.name  # at most 3,000 rows per dataset
        assert latest_date(rows) <= as_of, path.name
        assert path.stat().st_size < 300_000, path.name
        title = spec["title"]
        subtitle = (
            " ".join(title["subtitle"])
            if isinstance(title["subtitle"], list)
            else title["subtitle"]
        )
        assert "adjusted closes" in subtitle or "Yield levels" in subtitle, path.name
        assert f"as of {as_of}" in subtitle, path.name
        if path.name.startswith("ratio-"):
            assert latest_date(rows) == as_of


def _time_axes(node: object) -> list[dict]:
    """Every x encoding on a time field in a spec, wherever it sits (layers, concats)."""
    found = []
    if isinstance(node, dict):
        x = node.get("encoding", {}).get("x") if isinstance(node.get("encoding"), dict) else None
        if isinstance(x, dict) and x.get("type") == "temporal":
            found.append(x)
        for child in node.values():
            found += _time_axes(child)
    elif isinstance(node, list):
        for child in node:
            found += _time_axes(child)
    return found


def test_every_time_axis_shows_years(built):
    """A reader of a three-year chart sees which year a month belongs to (labels from
    charts.TIME_LABELS), on every chart with a time axis."""
    root, _ = built
    charts = 0
    for path in (root / "site" / "charts").glob("*.vl.json"):
        axes = [x for x in _time_axes(json.loads(path.read_text())) if x["field"] == "date"]
        if not axes:
            continue
        charts += 1
        # Layers share one axis: the layer that draws it says how; none says otherwise.
        labels = {x["axis"].get("labelExpr") for x in axes if "axis" in x}
        assert labels == {TIME_LABELS}, (path.name, labels)
    assert charts >= 20


def _temporal_fields(node: object) -> set[str]:
    """Every field a spec reads as a time (encodings, tooltips), wherever it sits."""
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "temporal" and isinstance(node.get("field"), str):
            found.add(node["field"])
        for child in node.values():
            found |= _temporal_fields(child)
    elif isinstance(node, list):
        for child in node:
            found |= _temporal_fields(child)
    return found


def test_chart_dates_are_the_same_day_in_every_time_zone(built):
    """A date-only string is midnight UTC to a browser: a reader in New York would see every
    session a day early. Chart data write sessions as local midnight (charts.SESSION_DAY)."""
    root, _ = built
    checked = 0
    for path in (root / "site" / "charts").glob("*.vl.json"):
        spec = json.loads(path.read_text())
        fields = _temporal_fields(spec)
        for row in data_rows(spec):
            for field in fields & set(row):
                value = row[field]
                if value not in (None, "ongoing"):
                    checked += 1
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", value), (path.name, value)
    assert checked > 1000


def test_as_of_cuts_every_chart(project):
    root = project()
    result = build(
        BuildOptions(config_path=root / "rotation.yml", as_of=SAMPLE_END.replace(month=3, day=8))
    )
    # 2026-03-08 is a Sunday: the report is as of the Friday before.
    assert f"{result.as_of:%Y-%m-%d}" == "2026-03-06"
    for path in (root / "site" / "charts").glob("*.vl.json"):
        assert latest_date(data_rows(json.loads(path.read_text()))) <= "2026-03-06", path.name
    assert "Friday 6 March 2026" in (root / "site" / "index.html").read_text()


def test_failed_mkdocs_build_keeps_the_previous_site(built_copy):
    root, _ = built_copy
    before_site = snapshot(root / "site")
    before_docs = snapshot(root / ".build" / "docs")
    # An authored page on a generated page's URL is refused.
    (root / "site_src" / "pairs.md").write_text("# Mine\n")
    with pytest.raises(BuildError, match=r"pairs\.md would overwrite the generated page"):
        build(BuildOptions(config_path=root / "rotation.yml"))
    assert snapshot(root / "site") == before_site
    assert snapshot(root / ".build" / "docs") == before_docs
    assert not [p for p in root.iterdir() if p.name.startswith(".site-")]


def test_template_error_names_file_and_line_and_writes_nothing(built_copy):
    root, _ = built_copy
    before = snapshot(root / "site")
    override = root / "overrides" / "pages"
    override.mkdir(parents=True)
    (override / "pairs.md.j2").write_text("# Pairs\n\n{% for p in pairs %}\n{{ p.a }\n")
    with pytest.raises(BuildError) as info:
        build(BuildOptions(config_path=root / "rotation.yml"))
    assert str(info.value).startswith(f"{override / 'pairs.md.j2'}: line 4:")
    assert snapshot(root / "site") == before


def test_authored_page_joins_the_navigation(project):
    root = project()
    (root / "site_src" / "notes.md").write_text("# My notes\n\nHand-written.\n")
    build(BuildOptions(config_path=root / "rotation.yml"))
    home = (root / "site" / "index.html").read_text()
    assert 'href="notes/"' in home
    assert (root / "site" / "notes" / "index.html").is_file()
    assert "Hand-written." in (root / "site" / "notes" / "index.html").read_text()


READER_PAGES = (*SECTION_PAGES[1:], "blog/index.html", "data-status/index.html")
FORKER_PAGES = ("configuration/index.html", "for-forkers/customise/index.html")


def _home_links(site: Path) -> tuple[set[str], set[str]]:
    """The pages Home's article links to, and those its "What's on this site" table lists, as
    paths from the site's root (``pairs/``)."""
    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.md-content__inner")
    assert article is not None
    heading = article.find("h2", id="whats-on-this-site")
    assert heading is not None

    def paths(area: Any) -> set[str]:
        return {
            a["href"].split("#")[0].removeprefix("./").removesuffix("index.html")
            for a in area.find_all("a", href=True)
        }

    return paths(article), paths(heading.find_next("table"))


def test_every_reader_page_is_one_click_from_home_and_linked_to_its_neighbours(built):
    """Home's body links every reader's page (none hides behind the phone drawer or search),
    not the pages for forkers; every section page has the sidebar and previous/next links, and
    the guides and Configuration share one "For forkers" section."""
    root, _ = built
    site = root / "site"
    linked, listed = _home_links(site)
    assert {page.removesuffix("index.html") for page in READER_PAGES} <= listed, sorted(listed)
    assert not {page.removesuffix("index.html") for page in FORKER_PAGES} & listed
    assert "for-forkers/customise/" in linked  # one line under the table points forkers there
    for page in SECTION_PAGES[1:]:
        soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
        assert soup.select_one(".md-footer__link--prev") is not None, page
        sidebar = soup.select_one(".md-sidebar--primary")
        assert sidebar is not None, page
        assert not sidebar.has_attr("hidden"), page
    nav = yaml.safe_load((root / ".build" / "mkdocs.yml").read_text())["nav"]
    forkers = next(entry["For forkers"] for entry in nav if "For forkers" in entry)
    assert forkers == [
        {"Configuration": "configuration.md"},
        "for-forkers/customise.md",
        "for-forkers/maintaining.md",
        "for-forkers/publish.md",
    ]
    assert not any("Guide" in entry for entry in nav if isinstance(entry, dict))


def test_every_page_has_a_link_preview(built):
    """Open Graph meta, so a shared link shows the page's title and what the site is."""
    root, _ = built
    site = root / "site"
    for page in (*SECTION_PAGES, "blog/index.html"):
        soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
        meta = {m["property"]: m["content"] for m in soup.select("meta[property]")}
        assert meta["og:site_name"] == "Rotation Monitor", page
        assert meta["og:title"], page
        assert meta["og:description"].startswith("Weekly report on the rotation"), page
        assert meta["og:url"].startswith("https://example.github.io/rotation-monitor/"), page
    pairs = BeautifulSoup((site / "pairs/index.html").read_text(encoding="utf-8"), "html.parser")
    assert pairs.select_one('meta[property="og:title"]')["content"] == "Pairs"


def test_section_pages_rank_above_reference_pages_in_search(built):
    """Material's search boosts a page by its front matter: a symbol or a concept finds the
    section that shows it before the Data page and the guides that mention it."""
    root, _ = built
    index = json.loads((root / "site" / "search" / "search_index.json").read_text())
    boost = {
        doc["location"]: doc.get("boost") for doc in index["docs"] if "#" not in doc["location"]
    }
    assert boost["sectors/"] == boost["pairs/"] == 2
    assert boost["data-status/"] == boost["configuration/"] == 0.5
    assert boost["for-forkers/customise/"] == 0.5


def test_only_pages_with_charts_load_the_chart_bundle_and_no_source_map_ships(built):
    root, _ = built
    site = root / "site"
    assert not list(site.rglob("*.map"))
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        named = re.findall(r"<[^>]*vega-bundle[^>]*>", html)
        # A page with charts names the bundle for the theme's script to fetch early; no other.
        expected = ['<meta name="rm-preload" content="'] if 'class="rm-chart"' in html else []
        assert [tag[: len('<meta name="rm-preload" content="')] for tag in named] == expected
    script = (site / "assets" / "charts.js").read_text()
    assert 'new URL("vega/vega-bundle.js", self.src)' in script


SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_config_text_is_shown_as_text_on_every_page(project):
    """Names, labels and the site's own title, author and description from rotation.yml are text:
    no page of the built site, Material's header and meta tags included, runs them as HTML."""
    root = project()
    config = yaml.safe_load((root / "rotation.yml").read_text())
    for item in config["universe"]:
        if item["symbol"] in ("IWN", "XLK", "KRE"):
            item["name"] = f"{SCRIPT} {item['name']}"
    config["site"] |= {
        "title": f"{SCRIPT} Monitor",
        "author": SCRIPT,
        "description": f'{SCRIPT} "quoted" & more',
    }
    config["pairs"][0]["label"] = f"{SCRIPT} headline"
    config["watchlist"][0]["name"] = f"{SCRIPT} banks"
    config["rotation"]["groups"][1]["name"] = f"{SCRIPT} styles"
    (root / "rotation.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    build(BuildOptions(config_path=root / "rotation.yml"))
    pages = sorted((root / "site").rglob("*.html"))
    assert len(pages) >= 15
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert ESCAPED in html, f"{page}: the site title is in every page's header"
        assert "&amp;lt;script" not in html, f"{page}: escaped twice"
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert f"{ESCAPED} Russell 2000 Value" in home
    assert f"{ESCAPED} headline" in home
    assert f'content="{ESCAPED} &#34;quoted&#34; &amp; more"' in home
    watchlist = (root / "site" / "watchlist" / "index.html").read_text(encoding="utf-8")
    assert f"{ESCAPED} banks" in watchlist


ZENSICAL = Path(
    os.environ.get("ROTATION_ZENSICAL")
    or Path(__file__).parent.parent / ".venv-zensical/bin/zensical"
)


def test_zensical_builds_every_page_mkdocs_builds(built, tmp_path):
    """The same docs and config built by Zensical (Material's successor, which runs no MkDocs
    hooks or plugins of ours): every page MkDocs wrote exists. .ci/run installs it in its own
    venv."""
    if not ZENSICAL.is_file():
        pytest.skip(f"Zensical not installed at {ZENSICAL} (.ci/run installs it; see its pin)")
    root, _ = built
    derived = yaml.safe_load((root / ".build" / "mkdocs.yml").read_text())
    # Zensical wants the config at the project root and the site inside it.
    derived |= {"INHERIT": "mkdocs.yml", "docs_dir": ".build/docs", "site_dir": "zensical-site"}
    (root / "zensical.yml").write_text(yaml.safe_dump(derived, sort_keys=False))
    done = subprocess.run(
        [str(ZENSICAL), "build", "--strict", "-f", "zensical.yml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    mkdocs_pages = {p.relative_to(root / "site") for p in (root / "site").rglob("*.html")}
    zensical_pages = {
        p.relative_to(root / "zensical-site") for p in (root / "zensical-site").rglob("*.html")
    }
    assert Path("index.html") in mkdocs_pages
    assert mkdocs_pages - zensical_pages == set()
    home = (root / "zensical-site" / "index.html").read_text()
    assert "Sample data — not market data." in home  # the theme override and extra.rotation


# ------------------------------------------------------------------ Content-Security-Policy

POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)
"""The pages' policy exactly (generator/csp.py says why each source is there)."""
META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


def _executable_inline(page: str) -> list[str]:
    """Inline scripts that run: no src, no type or a JavaScript one (JSON is data)."""
    found = []
    for attrs, body in INLINE_SCRIPT.findall(page):
        kind = re.search(r'\btype="([^"]*)"', attrs)
        if "src=" not in attrs and (kind is None or "javascript" in kind.group(1)):
            found.append(body)
    return found


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_page_has_the_exact_policy_and_allows_its_inline_scripts(built):
    site = built[0] / "site"
    pages = sorted(p for p in site.rglob("*.html") if p.name != "digest.html")  # an e-mail
    assert len(pages) >= 15
    policies = set()
    scripts = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        metas = META.findall(text)
        assert len(metas) == 1, page
        head = text[: text.index("</head>")]
        assert head.index("Content-Security-Policy") < head.index("<script"), page
        assert head.index("Content-Security-Policy") < head.index('<link rel="stylesheet"'), page
        policies.add(metas[0])
        inline = _executable_inline(text)
        assert inline, page  # Material's own: __md_scope, the palette
        scripts.update(inline)
        for script in inline:
            assert _sha256(script) in metas[0].split("; ")[1].split(), (page, script[:60])
    assert len(policies) == 1, "every page has the same policy"
    hashes = " ".join(sorted(_sha256(script) for script in scripts))
    assert policies == {POLICY.format(hashes=hashes)}


def test_the_pages_hold_nothing_the_policy_refuses(built):
    """No inline style (attribute or element), no inline handler, no javascript: URL: under the
    policy these would silently do nothing (table alignment is an align attribute)."""
    site = built[0] / "site"
    for page in sorted(p for p in site.rglob("*.html") if p.name != "digest.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<[a-z][^>]*\sstyle=", text), page
        assert "<style" not in text, page
        assert not re.search(r"<[a-z][^>]*\son[a-z]+=", text), page
        assert "javascript:" not in text.lower(), page
    pairs = (site / "pairs" / "index.html").read_text(encoding="utf-8")
    assert '<td align="right">' in pairs
