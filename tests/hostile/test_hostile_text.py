"""Text from rotation.yml is inert in every output: pages, charts, feed, e-mail and CSV.

One build from a config whose every text field carries an attack: attribute injection through
``attr_list``, links and images in Markdown, raw HTML, a line break that would start a heading, a
Jinja expression, characters that break Vega field names, and spreadsheet formulas. Each output
must show the text as text and run or fetch nothing.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from generator.build import BuildOptions, build
from generator.posts import BackfillOptions, backfill

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("build")]

PAYLOADS = {
    "attr": "Evil {: onmouseover=alert(4) }",
    "link": "[click](javascript:alert(5))",
    "image": "![x](http://evil.example/x.png)",
    "html": "<img src=x onerror=alert(6)>",
    "heading": "Two\n# Injected heading",
    "jinja": "{{ 7*7 }} {% raw %}",
    "vega": 'O\'Brien [A].b "q"',
    "formula": '=HYPERLINK("http://evil.example","x")',
}
"""Each attack, keyed by what it tries."""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    from conftest import project_copy

    root = project_copy(tmp_path_factory.mktemp("hostile") / "project")
    config = yaml.safe_load((root / "rotation.yml").read_text())
    attacks = iter(PAYLOADS.values())
    for item in config["universe"]:
        if item["symbol"] in ("IWN", "IWF", "XLK", "XLE", "KRE", "MSFT", "SPY", "IWM"):
            item["name"] = next(attacks, PAYLOADS["attr"])
    for item in config["universe"]:
        if item["group"] == "Regional banks":
            item["group"] = PAYLOADS["link"]
    config["site"] |= {
        "title": PAYLOADS["attr"],
        "author": PAYLOADS["html"],
        "description": PAYLOADS["image"],
    }
    config["pairs"][0]["label"] = PAYLOADS["heading"]
    config["pairs"][1]["label"] = PAYLOADS["jinja"]
    config["rotation"]["groups"][0]["name"] = PAYLOADS["vega"]
    config["rotation"]["groups"][1]["name"] = PAYLOADS["link"]
    config["breadth"]["lists"][0]["name"] = PAYLOADS["formula"]
    config["watchlist"][0]["name"] = PAYLOADS["vega"]
    config["watchlist"][1]["name"] = PAYLOADS["html"]
    for claim, attack in zip(config["claims"], ("heading", "link", "html", "jinja"), strict=False):
        claim["source"] = PAYLOADS[attack]
    config["valuation"]["discounts"] = [
        {"label": PAYLOADS["link"], "a": "IWM", "b": "IWB"},
        {"label": PAYLOADS["formula"], "a": "IJR", "b": "SPY"},
    ]
    breadth_claim = f"{PAYLOADS['formula']} above 200-day on 2026-07-01 >= 50 %"
    config["claims"].append({"claim": breadth_claim, "source": PAYLOADS["image"]})
    (root / "rotation.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    backfill(BackfillOptions(config_path=root / "rotation.yml", weeks=1))
    build(BuildOptions(config_path=root / "rotation.yml", site_url="https://example.org/rm/"))
    return root / "site"


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._in_heading = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_heading:
            self.headings[-1] += data


def parse(path: Path) -> Elements:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_no_page_gains_a_handler_a_link_an_image_or_a_heading(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) >= 15
    for page in pages:
        doc = parse(page)
        for tag, attrs in doc.tags:
            handlers = [name for name in attrs if name.startswith("on")]
            assert handlers == [], (page, tag, attrs)
            for name in ("href", "src", "action", "formaction"):
                value = (attrs.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:text")), (page, tag, attrs)
                assert "evil.example" not in value, (page, tag, attrs)
        assert not any(
            "Injected heading" in h and h.strip().startswith("Injected") for h in doc.headings
        ), page


def test_the_attacks_read_as_text_where_they_are_shown(hostile_site):
    home = " ".join(parse(hostile_site / "index.html").text)
    for key in ("attr", "link", "image", "html", "vega"):
        assert PAYLOADS[key] in home, key
    pairs = " ".join(parse(hostile_site / "pairs" / "index.html").text)
    assert "Two # Injected heading" in pairs
    assert PAYLOADS["jinja"] in pairs
    sectors = " ".join(parse(hostile_site / "sectors" / "index.html").text)
    assert PAYLOADS["vega"] in sectors
    watchlist = " ".join(parse(hostile_site / "watchlist" / "index.html").text)
    assert PAYLOADS["vega"] in watchlist
    assert PAYLOADS["html"] in watchlist
    claims = " ".join(parse(hostile_site / "claims" / "index.html").text)
    for key in ("link", "html", "jinja", "image", "formula"):
        assert PAYLOADS[key] in claims, key
    valuation = " ".join(parse(hostile_site / "valuation" / "index.html").text)
    for key in ("link", "formula"):
        assert PAYLOADS[key] in valuation, key


def test_charts_with_hostile_names_are_valid_vega_lite(hostile_site):
    """Every chart was exported to SVG by vl-convert (which fails on a broken spec), and the
    names reach the specs as data, never as field paths or expressions."""
    specs = sorted((hostile_site / "charts").glob("*.vl.json"))
    assert specs
    for spec in specs:
        assert spec.with_suffix("").with_suffix(".svg").is_file(), spec
        json.loads(spec.read_text(encoding="utf-8"))


def test_csv_cells_never_start_a_formula(hostile_site):
    tables = sorted(hostile_site.glob("**/*.csv"))
    assert any(t.parent.name == "charts" for t in tables)  # the charts' data too
    for table in tables:
        for row in csv.reader(io.StringIO(table.read_text(encoding="utf-8"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (table.name, cell)
                if cell.startswith("-"):
                    float(cell)  # a negative number, nothing else
    breadth = (hostile_site / "breadth.csv").read_text(encoding="utf-8")
    assert "'" + PAYLOADS["formula"].replace('"', '""') in breadth


def test_feed_and_digest_show_text_only(hostile_site):
    channel = ET.parse(hostile_site / "feed.xml").getroot().find("channel")
    assert channel.findtext("title") == f"Sample data — {PAYLOADS['attr']}: weekly reports"
    items = channel.findall("item")
    assert len(items) == 1
    description = items[0].findtext("description")
    item = Elements()
    item.feed(description)
    assert [a for _, attrs in item.tags for a in attrs if a.startswith("on")] == []
    assert not [t for t, _ in item.tags if t in {"script", "iframe", "object"}]
    images = [attrs.get("src") or "" for t, attrs in item.tags if t == "img"]
    assert all(src.startswith("https://example.org/rm/") for src in images), images
    digest = parse(hostile_site / "digest.html")
    assert [a for _, attrs in digest.tags for a in attrs if a.startswith("on")] == []
    assert not [t for t, _ in digest.tags if t in {"script", "iframe", "object"}]
    assert PAYLOADS["attr"] in " ".join(digest.text)


def test_a_chart_vega_cannot_render_is_one_line_naming_it():
    import altair as alt

    from generator.chartfiles import chart_files
    from generator.errors import BuildError

    broken = alt.Chart(alt.Data(values=[{"a": 1}])).mark_line().encode(y="O'Brien:Q")
    with pytest.raises(BuildError) as info:
        chart_files("broken", broken)
    message = str(info.value)
    assert message.startswith("chart broken: Vega-Lite could not render it (Error: ")
    assert "\n" not in message
    assert "cdn.jsdelivr" not in message
