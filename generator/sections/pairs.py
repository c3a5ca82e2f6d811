"""Pairs: each configured pair's relative-strength line, period returns and winning runs.

The pairs' numbers are the core of the report (:mod:`generator.report` computes them, since the
posts and every other section rely on them); this section presents them, on the Pairs page and, for
the headline pair, on Home.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator import charts
from generator.formatting import NA, fmt_date, fmt_pct, fmt_pp, fmt_sessions
from generator.metrics import Streak, StreakSummary
from generator.report import PairReport, Report
from generator.sections.base import Figure, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


def ratio_figure(pr: PairReport, report: Report, *, years: int) -> Figure:
    """The relative-strength line of a pair over ``years``, with its moving averages."""
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
    )


def _streak(s: Streak) -> dict[str, str]:
    return {
        "length": fmt_sessions(s.length),
        "n": str(s.length),
        "start": fmt_date(s.start),
        "end": fmt_date(s.end),
    }


def _streaks(summary: StreakSummary) -> dict[str, Any]:
    return {
        "current": _streak(summary.current),
        "record": _streak(summary.record),
        "rank": "" if summary.rank is None else f"#{summary.rank} of {summary.runs}",
        "active": summary.current.length > 0,
    }


def _above(value: float, average: float) -> str:
    if pd.isna(average):
        return NA
    return "above" if value > average else "below"


def pair_context(pr: PairReport, report: Report, figure: Figure) -> dict[str, Any]:
    """One pair as the templates show it (the Pairs page, and Home for the headline pair)."""
    cfg = report.config
    pair = pr.pair
    a_name, b_name = cfg.instrument(pair.a).name, cfg.instrument(pair.b).name
    leader = pair.a if pr.a_beats.current.length else pair.b
    streak = pr.a_beats if leader == pair.a else pr.b_beats
    last = pr.ratio.iloc[-1]
    has_ytd = "YTD" in pr.returns.index
    return {
        "key": pair.key,
        "a": pair.a,
        "b": pair.b,
        "a_name": a_name,
        "b_name": b_name,
        "label": pair.label or f"{a_name} vs {b_name}",
        "chart": figure.ref,
        "returns": [
            {"period": p, "a": fmt_pct(r["a"]), "b": fmt_pct(r["b"]), "spread": fmt_pp(r["spread"])}
            for p, r in pr.returns.iterrows()
        ],
        "ytd_a": fmt_pct(pr.returns.at["YTD", "a"]) if has_ytd else NA,
        "ytd_b": fmt_pct(pr.returns.at["YTD", "b"]) if has_ytd else NA,
        "ytd_gap": fmt_pp(pr.returns.at["YTD", "spread"]) if has_ytd else NA,
        "a_streaks": _streaks(pr.a_beats),
        "b_streaks": _streaks(pr.b_beats),
        "leader": leader,
        "leader_streak": _streaks(streak),
        "ratio": f"{last['ratio']:.2f}",
        "above_short": _above(last["ratio"], last["ma_short"]),
        "above_long": _above(last["ratio"], last["ma_long"]),
        "ratio_drawdown": fmt_pct(pr.ratio_drawdown),
        "ratio_high": fmt_date(pr.ratio_high),
        "first_session": fmt_date(pr.ratio.index[0]),
    }


def present(data: None, snap: Snapshot) -> View:
    report = snap.report
    years = report.config.metrics.chart_years
    figures = [ratio_figure(pr, report, years=years) for pr in report.pairs]
    contexts = [pair_context(pr, report, f) for pr, f in zip(report.pairs, figures, strict=True)]
    headline = next(c for c in contexts if c["key"] == report.config.headline_pair.key)
    return View({"headline": headline, "pairs": contexts}, tuple(figures))


SECTION = Section(
    name="pairs",
    page=Page("pairs.md", "pages/pairs.md.j2", "Pairs", "Rotation"),
    present=present,
    always=True,
)
