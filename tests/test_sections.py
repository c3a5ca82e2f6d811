"""The section registry: a section is one module and one template, and one failed symbol
leaves its section's chart out (with the reason), never the build."""

from __future__ import annotations

import functools
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from generator import chartfiles, render, snapshot, templating
from generator.charts.theme import DEFAULT
from generator.formatting import fmt_pct
from generator.registry import REGISTRY
from generator.sections.base import Figure, Page, Section, View
from tests_support import REPO, run_report, sample_report, snapshot_of

AS_OF = pd.Timestamp("2026-07-31")


@functools.cache
def rsp_failed():
    """A sample snapshot in which RSP failed validation (1 of 41 symbols: the policy allows it)."""
    report = sample_report(as_of=AS_OF)
    prices = report.prices.drop(columns="RSP")
    status = run_report(report.config.symbols, failed={"RSP": "no data (possibly delisted)"})
    return snapshot.take(
        report.config,
        prices,
        AS_OF,
        members={},
        source="sample data",
        is_sample=True,
        status=status,
        registry=REGISTRY,
    )


def test_a_failed_equal_weight_symbol_leaves_out_its_chart_with_the_reason():
    snap = rsp_failed()
    assert "RSP" not in snap.report.returns.index
    breadth = snap.data["breadth"]
    assert breadth.equal_weight is None
    assert breadth.equal_weight_problem == "RSP failed: no data (possibly delisted)"
    context, figures = render.page_context(snap)
    assert "breadth-equal-weight" not in {f.name for f in figures}
    env = templating.make_environment(REPO / "templates")
    page = templating.render_pages(env, context, snap.pages())["breadth.md"].decode()
    assert (
        "**n/a**: no RSP / SPY ratio as of 2026-07-31 (RSP failed: no data (possibly delisted))."
        in page
    )
    assert "charts/breadth-equal-weight.svg" not in page


def test_the_equal_weight_ratio_is_drawn_when_both_symbols_have_prices():
    snap = snapshot_of(sample_report(as_of=AS_OF), members={}, only=("breadth",))
    assert snap.data["breadth"].equal_weight is not None
    _, figures = snap.present()
    assert "breadth-equal-weight" in {f.name for f in figures}


# --- adding a section: one module (here, this test's) and one template


def _leaders_compute(report, members) -> pd.Series:
    """The three best YTD returns of the universe."""
    return report.returns["YTD"].dropna().nlargest(3)


def _leaders_present(data: pd.Series, snap) -> View:
    figure = Figure(
        "leaders",
        "The three leaders this year",
        lambda: (
            alt.Chart(data.rename("ytd").rename_axis("symbol").reset_index())
            .mark_bar()
            .encode(x="ytd:Q", y=alt.Y("symbol:N", sort="-x"))
        ),
    )
    rows = [{"symbol": s, "ytd": fmt_pct(v)} for s, v in data.items()]
    return View({"leaders": {"rows": rows, "chart": figure.ref}}, (figure,))


LEADERS = Section(
    name="leaders",
    page=Page("leaders.md", "pages/leaders.md.j2", "Leaders", "Rotation"),
    compute=_leaders_compute,
    present=_leaders_present,
)

LEADERS_TEMPLATE = """# Leaders

{% for r in leaders.rows %}
- {{ r.symbol }}: {{ r.ytd }}
{% endfor %}

{% with chart = leaders.chart %}{% include "partials/chart.md.j2" %}{% endwith %}
"""


def test_a_new_section_is_one_module_and_one_template(tmp_path: Path):
    overrides = tmp_path / "overrides"
    (overrides / "pages").mkdir(parents=True)
    (overrides / "pages" / "leaders.md.j2").write_text(LEADERS_TEMPLATE)
    registry = (*REGISTRY[:2], LEADERS, *REGISTRY[2:])
    report = sample_report(as_of=AS_OF)
    snap = snapshot.take(
        report.config,
        report.prices,
        AS_OF,
        members={},
        source=report.source,
        is_sample=True,
        status=report.status,
        registry=registry,
    )
    assert snap.pages()[2] == LEADERS.page
    rotation = next(e["Rotation"] for e in render.navigation(snap.pages()) if "Rotation" in e)
    assert rotation[:2] == [{"Pairs": "pairs.md"}, {"Leaders": "leaders.md"}]
    env = templating.make_environment(REPO / "templates", overrides)
    context, figures = render.page_context(snap)
    files = templating.render_pages(env, context, [LEADERS.page])
    files |= chartfiles.figure_files([f for f in figures if f.name == "leaders"], theme=DEFAULT)
    page = files["leaders.md"].decode()
    best = report.returns["YTD"].dropna().sort_values(ascending=False)
    for symbol in best.index[:3]:
        assert f"- {symbol}: {fmt_pct(best[symbol])}" in page
    assert "![The three leaders this year](charts/leaders.svg)" in page
    assert files["charts/leaders.svg"].startswith(b"<svg")
    assert b'"mark":{"type":"bar"}' in files["charts/leaders.vl.json"]


def test_two_charts_with_one_file_name_are_refused():
    twice = Section(
        name="twice",
        page=None,
        present=lambda data, snap: View(
            {}, (Figure("style-box", "again", alt.Chart().mark_point),)
        ),
    )
    snap = snapshot_of(sample_report(as_of=AS_OF), members={}, only=("style", "twice"))
    snap = snapshot.Snapshot(snap.report, snap.data, (*snap.registry, twice), snap.colors)
    with pytest.raises(ValueError, match=r"two charts share a file name: \['style-box'\]"):
        snap.present()


def test_registry_names_and_page_files_are_unique():
    names = [s.name for s in REGISTRY]
    files = [s.page.file for s in REGISTRY if s.page]
    assert len(set(names)) == len(names)
    assert len(set(files)) == len(files)
    assert REGISTRY[0].page == Page("index.md", "pages/home.md.j2", "Home")
