"""Pairs: each configured pair's relative-strength line, period returns and winning runs.

The pairs' numbers are the core of the report (:mod:`generator.report` computes them, since the
posts and every other section rely on them); this section presents them, on the Pairs page and, for
the headline pair, on Home.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from generator import charts
from generator.formatting import NA, Metric, lookup
from generator.report import PairReport, Report
from generator.sections import captions
from generator.sections.base import Figure, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


def ratio_figure(pr: PairReport, report: Report, *, years: int, summary: str = "") -> Figure:
    """The relative-strength line of a pair over ``years``, with its moving averages (a weekly
    post's has no ``summary``: its text says the week)."""
    params = report.config.metrics
    return Figure(
        f"ratio-{pr.pair.key}",
        f"{pr.pair.a} / {pr.pair.b} relative strength line",
        partial(
            charts.ratio_chart,
            pr,
            as_of=report.as_of,
            years=years,
            ma_short=params.ma_short,
            ma_long=params.ma_long,
            theme=report.config.theme,
        ),
        summary=summary,
        table=partial(
            charts.ratio_table,
            pr,
            as_of=report.as_of,
            years=years,
            ma_short=params.ma_short,
            ma_long=params.ma_long,
        ),
    )


def _streaks(doc: Mapping[str, Any], at: str) -> dict[str, Any]:
    """A side's current and record runs, from its ``a_beats``/``b_beats`` entry at ``at``."""

    def run(which: str) -> dict[str, Metric]:
        return {
            "length": Metric(doc, f"{at}.{which}.length", "sessions"),
            "start": Metric(doc, f"{at}.{which}.start", "date"),
            "end": Metric(doc, f"{at}.{which}.end", "date"),
        }

    current = run("current")
    rank = lookup(doc, f"{at}.rank")
    return {
        "current": current,
        "record": run("record"),
        "rank": ""
        if rank is None
        else Markup("#{} of {}").format(
            Metric(doc, f"{at}.rank", "int"), Metric(doc, f"{at}.runs", "int")
        ),
        "active": current["length"].value > 0,
    }


def _above(flag: bool | None) -> str:
    return NA if flag is None else "above" if flag else "below"


def pair_context(
    doc: Mapping[str, Any], index: int, report: Report, figure: Figure
) -> dict[str, Any]:
    """One pair as the templates show it (the Pairs page, and Home for the headline pair), every
    number read from the ``pairs.<index>`` entry of the dashboard document."""
    cfg = report.config
    at = f"pairs.{index}"
    entry = lookup(doc, at)
    a, b = entry["a"], entry["b"]
    a_name, b_name = cfg.instrument(a).name, cfg.instrument(b).name
    a_streaks, b_streaks = _streaks(doc, f"{at}.a_beats"), _streaks(doc, f"{at}.b_beats")
    leader = a if a_streaks["active"] else b

    def ytd(side: str) -> Metric | str:
        return (
            Metric(doc, f"{at}.returns.YTD.{side}", FORMAT[side])
            if "YTD" in entry["returns"]
            else NA
        )

    return {
        "key": entry["key"],
        "a": a,
        "b": b,
        "a_name": a_name,
        "b_name": b_name,
        "label": entry["label"] or f"{a_name} vs {b_name}",
        "chart": figure.ref,
        "returns": [
            {"period": period}
            | {side: Metric(doc, f"{at}.returns.{period}.{side}", FORMAT[side]) for side in FORMAT}
            for period in entry["returns"]
        ],
        "ytd_a": ytd("a"),
        "ytd_b": ytd("b"),
        "ytd_gap": ytd("spread"),
        "a_streaks": a_streaks,
        "b_streaks": b_streaks,
        "leader": leader,
        "leader_streak": a_streaks if leader == a else b_streaks,
        "ratio": Metric(doc, f"{at}.ratio", "decimal"),
        "above_short": _above(entry["above_ma_short"]),
        "above_long": _above(entry["above_ma_long"]),
        "ratio_drawdown": Metric(doc, f"{at}.ratio_drawdown", "pct"),
        "ratio_high": Metric(doc, f"{at}.ratio_high", "date"),
        "first_session": Metric(doc, f"{at}.first_session", "date"),
    }


FORMAT = {"a": "pct", "b": "pct", "spread": "pp"}
"""How a period's returns and their spread read."""


def present(data: None, snap: Snapshot) -> View:
    report = snap.report
    params = report.config.metrics
    doc = snap.document
    period = captions.summary_period(report.config.periods)

    def described(i: int) -> Markup:
        def read(path: str, fmt: str) -> Metric:
            return Metric(doc, f"pairs.{i}.{path}", fmt)

        return captions.ratio_summary(
            doc["pairs"][i], read, period=period, ma_short=params.ma_short, ma_long=params.ma_long
        )

    figures = [
        ratio_figure(pr, report, years=params.chart_years, summary=described(i))
        for i, pr in enumerate(report.pairs)
    ]
    contexts = [pair_context(snap.document, i, report, figure) for i, figure in enumerate(figures)]
    headline = next(c for c in contexts if c["key"] == report.config.headline_pair.key)
    return View({"headline": headline, "pairs": contexts}, tuple(figures))


SECTION = Section(
    name="pairs",
    page=Page(
        "pairs.md",
        "pages/pairs.md.j2",
        "Pairs",
        "Rotation",
        summary="Small against large, value against growth: each pair's ratio and its trend",
    ),
    present=present,
    always=True,
)
