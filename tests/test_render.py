"""Rendering: golden Markdown from sample data, escaping, strict templates, overrides."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd
import pytest

from generator import chartfiles, formatting, render, templating
from generator.config import load_config
from generator.errors import BuildError
from generator.sections.base import ChartRef
from tests_support import FIXTURE_CONFIG, REPO, sample_report, snapshot_of

GOLDEN = Path(__file__).parent / "golden"


def pages(report, overrides=None) -> dict[str, str]:
    env = templating.make_environment(REPO / "templates", overrides)
    snap = snapshot_of(report)
    context, _ = render.page_context(snap)
    out = templating.render_pages(env, context, snap.pages())
    return {name: content.decode() for name, content in out.items()}


@functools.cache
def latest_context() -> tuple[dict, tuple]:
    """The sample's page context as of its last session, computed once for the module."""
    snap = snapshot_of(sample_report())
    context, _ = render.page_context(snap)
    return context, tuple(snap.pages())


def render_only(overrides: Path, *files: str) -> dict[str, str]:
    """Only the named pages, with ``overrides`` searched first: a template test renders the
    page it is about, never the whole report again."""
    context, every = latest_context()
    env = templating.make_environment(REPO / "templates", overrides)
    chosen = [p for p in every if p.file in files]
    assert len(chosen) == len(files)
    out = templating.render_pages(env, context, chosen)
    return {name: content.decode() for name, content in out.items()}


@functools.cache
def golden_pages() -> dict[str, str]:
    """Every page as of 2026-07-31, rendered once for all the golden comparisons."""
    return pages(sample_report(as_of=pd.Timestamp("2026-07-31")))


@pytest.mark.parametrize(
    "name",
    [
        "index.md",
        "pairs.md",
        "style-box.md",
        "valuation.md",
        "sectors.md",
        "breadth.md",
        "rates.md",
        "risk.md",
        "watchlist.md",
        "history.md",
        "claims.md",
        "data-status.md",
        "methodology.md",
        "downloads.md",
        "configuration.md",
    ],
)
def test_pages_match_golden_files(name, update_golden):
    """Rendered Markdown is stable; run `pytest --update-golden` after an intended change."""
    got = golden_pages()[name]
    golden = GOLDEN / name
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got)
    assert got == golden.read_text()


def test_config_strings_are_escaped(tmp_path):
    text = FIXTURE_CONFIG.read_text().replace(
        "name: Russell 2000 Value,", "name: '<script>alert(1)</script> | x',"
    )
    path = tmp_path / "rotation.yml"
    path.write_text(text)
    out = pages(sample_report(load_config(path)))
    assert "<script>" not in out["index.md"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#124; x" in out["index.md"]


@pytest.mark.parametrize(
    ("value", "pct", "pp", "bp"),
    [
        (0.1234, "+12.3%", "+12.3 pp", "+12 bp"),
        (-0.0004, "0.0%", "0.0 pp", "0 bp"),  # rounds to zero: no sign to read as a move
        (0.0004, "0.0%", "0.0 pp", "0 bp"),
        (-0.0006, "-0.1%", "-0.1 pp", "0 bp"),
        (-0.006, "-0.6%", "-0.6 pp", "-1 bp"),
        (float("nan"), "n/a", "n/a", "n/a"),
    ],
)
def test_number_formats(value, pct, pp, bp):
    assert formatting.fmt_pct(value) == pct
    assert formatting.fmt_pp(value) == pp
    assert formatting.fmt_bp(value) == bp


def test_override_folder_is_searched_first(tmp_path):
    override = tmp_path / "overrides" / "pages"
    override.mkdir(parents=True)
    (override / "methodology.md.j2").write_text(
        '{% extends "default:pages/methodology.md.j2" %}\n'
        "{% block intro %}Our own words.{% endblock %}\n"
    )
    partial = tmp_path / "overrides" / "partials"
    partial.mkdir()
    (partial / "asof.md.j2").write_text("Custom as-of line: {{ as_of }}\n")
    out = render_only(tmp_path / "overrides", "methodology.md", "index.md")
    assert "Our own words." in out["methodology.md"]
    assert "## Period returns" in out["methodology.md"], "the rest is inherited"
    assert "Custom as-of line: 2026-11-20" in out["methodology.md"]
    assert "Custom as-of line: 2026-11-20" in out["index.md"]


def test_undefined_variable_fails_the_build(tmp_path):
    override = tmp_path / "pages"
    override.mkdir()
    (override / "pairs.md.j2").write_text("{{ no_such_value }}\n")
    with pytest.raises(
        BuildError, match=r"pages/pairs\.md\.j2: line 1: .no_such_value. is undefined$"
    ):
        render_only(tmp_path, "pairs.md")


def test_chart_dates_are_local_midnight_so_no_reader_sees_the_day_before():
    import json

    import altair as alt

    frame = pd.DataFrame({"date": ["2026-07-30", "2026-07-31"], "v": [1.0, 2.0]})
    chart = alt.Chart(frame).mark_line().encode(x="date:T", y="v:Q")
    spec = json.loads(chartfiles.chart_files("t", chart)["charts/t.vl.json"])
    rows = next(iter(spec["datasets"].values()))
    assert [r["date"] for r in rows] == ["2026-07-30T00:00:00", "2026-07-31T00:00:00"]
    assert chartfiles.local_dates({"note": "2026-07-31 close", "n/a": "n/a"}) == {
        "note": "2026-07-31 close",
        "n/a": "n/a",
    }


def test_every_markdown_table_has_one_row_per_line():
    """A table row glued to the next (a template eating a newline) renders as a paragraph."""
    for name, text in golden_pages().items():
        blocks: list[list[str]] = []
        previous = ""
        for line in text.splitlines():
            if line.startswith("|"):
                if not previous.startswith("|"):
                    blocks.append([])
                blocks[-1].append(line)
            previous = line
        for block in blocks:
            assert len(block) >= 2, f"{name}: one-line table {block[0][:60]}"
            assert block[1].startswith(("|:-", "|-")), f"{name}: no separator {block[0][:60]}"
            widths = {row.count("|") for row in block}
            assert len(widths) == 1, f"{name}: rows of different widths in {block[0][:60]}"


def _override(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("# Pairs\n\n{{ nope }}\n", 3, "'nope' is undefined"),
        ("# Pairs\n{{ pairs[0].nope }}\n", 2, "'dict object' has no attribute 'nope'"),
        (
            '# Pairs\n\n\n{{ "abc" | pct }}\n',
            4,
            "ValueError: Unknown format code 'f' for object of type 'str'",
        ),
        ("{% for p in pairs %}\n{{ loop.index // 0 }}\n{% endfor %}\n", 2, "ZeroDivisionError: "),
        ('# Pairs\n{% include "partials/nope.md.j2" %}\n', 2, "template not found: "),
    ],
)
def test_runtime_error_in_an_override_names_its_file_and_line(tmp_path, text, line, reason):
    path = _override(tmp_path / "overrides", "pages/pairs.md.j2", text)
    with pytest.raises(BuildError) as info:
        render_only(tmp_path / "overrides", "pairs.md")
    assert str(info.value).startswith(f"{path}: line {line}: {reason}"), str(info.value)
    assert "\n" not in str(info.value)


def test_error_in_an_overridden_block_names_the_override(tmp_path):
    path = _override(
        tmp_path / "overrides",
        "pages/methodology.md.j2",
        '{% extends "default:pages/methodology.md.j2" %}\n'
        "{% block intro %}\n"
        "Our words.\n"
        "{{ params.nope }}\n"
        "{% endblock %}\n",
    )
    with pytest.raises(BuildError) as info:
        render_only(tmp_path / "overrides", "methodology.md")
    assert str(info.value) == f"{path}: line 4: 'dict object' has no attribute 'nope'"


def test_error_in_an_included_partial_names_the_partial_and_the_page(tmp_path):
    path = _override(tmp_path / "overrides", "partials/asof.md.j2", "As of {{ as_of }}\n{{ x }}\n")
    with pytest.raises(BuildError) as info:
        render_only(tmp_path / "overrides", "index.md")
    assert str(info.value) == (f"{path}: line 2: 'x' is undefined (rendering pages/home.md.j2)")


def test_only_errors_raised_in_a_template_are_located():
    assert templating.template_location(ValueError("no template involved")) is None


CHART = re.compile(r"!\[[^\]]*\]\(charts/([\w-]+)\.svg\)\{ loading=lazy \}\n</div>\n(.*)\n")
CAPTION = re.compile(
    r'<p class="rm-chart__about" markdown><span class="rm-chart__summary">(.+)</span> '
    r"\[Data \(CSV\)\]\(charts/([\w-]+)\.csv\)</p>"
)


def test_every_chart_of_a_page_has_its_caption_and_csv_link():
    """Under each chart: its summary (numbers as spans of the document) and a Markdown link to
    its data, which `mkdocs build --strict` checks."""
    seen = images = 0
    for name, text in golden_pages().items():
        images += len(re.findall(r"\]\(charts/[\w-]+\.svg\)", text))
        for chart, after in CHART.findall(text):
            caption = CAPTION.fullmatch(after)
            assert caption, (name, chart, after)
            assert caption[2] == chart
            assert "n/a" not in caption[1]
            seen += 1
    assert seen == images == 26  # every chart of the pages (Home shows the headline ratio too)
    pairs = golden_pages()["pairs.md"]
    assert (
        '<span class="rm-chart__summary">Over the past year IWN returned <span class="rm-num '
        'rm-up" data-metric="pairs.0.returns.1Y.a" data-format="pct">+17.9%</span> and IWF '
    ) in pairs
    assert "[Data (CSV)](charts/ratio-iwn-vs-iwf.csv)</p>" in pairs


def test_a_chart_without_summary_or_data_has_no_caption():
    env = templating.make_environment(REPO / "templates")
    template = env.get_template("partials/chart.md.j2")
    bare = template.render(chart=ChartRef("x", "A line"))
    assert (
        bare == '<div class="rm-chart" markdown>\n![A line](charts/x.svg){ loading=lazy }\n</div>\n'
    )
    only_data = template.render(chart=ChartRef("x", "A line", csv="x.csv"))
    assert only_data.endswith(
        '<p class="rm-chart__about" markdown>[Data (CSV)](charts/x.csv)</p>\n'
    )
