"""History: the headline ratio since inception with its leadership episodes and drawdowns, and
the streak records of every pair (``history:`` in rotation.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator import metrics
from generator.charts import history as history_charts
from generator.config import Config, slug
from generator.formatting import fmt_date, fmt_pct
from generator.metrics import history
from generator.report import Report
from generator.sections.base import Figure, MemberPrices, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


@dataclass(frozen=True)
class PairHistory:
    a: str
    b: str
    ratio: pd.Series
    episodes: pd.DataFrame
    regime: history.Regime
    records: pd.DataFrame
    drawdowns: pd.DataFrame
    """The five deepest drawdowns of the ratio, deepest first."""
    lines: pd.DataFrame
    """Weekly ratio rebased to 100 and its moving average (:func:`history.ratio_lines`)."""
    drawdown: pd.Series
    """The ratio's daily drawdown from its running peak."""


def rule(config: Config) -> history.EpisodeRule:
    cfg = config.history
    return history.EpisodeRule(
        ma_weeks=cfg.ma_weeks, min_confirm=cfg.min_confirm, min_weeks=cfg.min_weeks
    )


def compute(report: Report, members: MemberPrices) -> tuple[PairHistory, ...]:
    cfg = report.config.history
    episode_rule = rule(report.config)
    out = []
    for pr in report.pairs:
        a, b = report.prices[pr.pair.a], report.prices[pr.pair.b]
        ratio = pr.ratio["ratio"]
        out.append(
            PairHistory(
                pr.pair.a,
                pr.pair.b,
                ratio,
                history.pair_episodes(a, b, episode_rule),
                history.current_regime(ratio, episode_rule),
                history.streak_records(a, b, cfg.records),
                history.drawdown_table(ratio, 5),
                history.ratio_lines(ratio, episode_rule.ma_weeks),
                metrics.drawdown(ratio),
            )
        )
    return tuple(out)


def present(data: tuple[PairHistory, ...], snap: Snapshot) -> View:
    if not data:
        return View({"history": None})
    report = snap.report
    as_of, theme = report.as_of, report.config.theme
    head = data[0]
    episode_rule = rule(report.config)
    figures = (
        Figure(
            "history-ratio",
            f"{head.a} / {head.b} since {head.ratio.index[0]:%Y}",
            partial(
                history_charts.history_chart,
                head.lines,
                head.episodes,
                a=head.a,
                b=head.b,
                first=head.ratio.index[0],
                as_of=as_of,
                rule=episode_rule,
                theme=theme,
            ),
        ),
        Figure(
            "history-drawdown",
            f"{head.a} / {head.b} drawdown",
            partial(
                history_charts.ratio_drawdown_chart,
                head.drawdown,
                head.drawdowns,
                a=head.a,
                b=head.b,
                as_of=as_of,
                theme=theme,
            ),
        ),
    )
    who = {"a": head.a, "b": head.b, None: "nobody yet"}
    regime = head.regime
    episodes = [
        {
            "leader": who[e["leader"]],
            "start": fmt_date(e["start"]),
            "end": fmt_date(e["end"]) or "ongoing",
            "weeks": str(int(e["weeks"])),
            "sustained": "yes" if e["sustained"] else "no",
            "ratio": fmt_pct(e["ratio_change"]),
            "a": fmt_pct(e["a_return"]),
            "b": fmt_pct(e["b_return"]),
        }
        for _, e in head.episodes.iloc[::-1].iterrows()
    ]
    records = [
        {
            "pair": f"{h.a} vs {h.b}",
            "key": slug(f"{h.a}-vs-{h.b}"),
            "a": h.a,
            "b": h.b,
            "rows": [
                {
                    "side": h.a if r["side"] == "a" else h.b,
                    "rank": str(int(r["rank"])),
                    "length": str(int(r["length"])),
                    "start": fmt_date(r["start"]),
                    "end": fmt_date(r["end"]) + (" (ongoing)" if r["ongoing"] else ""),
                    "ratio": fmt_pct(r["ratio_change"]),
                }
                for _, r in h.records.iterrows()
            ],
        }
        for h in data
    ]
    drawdowns = [
        {
            "peak": fmt_date(d["peak"]),
            "trough": fmt_date(d["trough"]),
            "recovery": fmt_date(d["recovery"]) or "not recovered",
            "depth": fmt_pct(d["depth"]),
        }
        for _, d in head.drawdowns.iterrows()
    ]
    context: dict[str, Any] = {
        "a": head.a,
        "b": head.b,
        "first": fmt_date(head.ratio.index[0]),
        "rule": episode_rule.describe(),
        "leader": who[regime.leader],
        "since": fmt_date(regime.since),
        "confirmed": fmt_date(regime.confirmed),
        "weeks": str(regime.weeks),
        "change": fmt_pct(regime.ratio_change),
        "episodes": episodes,
        "records": records,
        "drawdowns": drawdowns,
        "chart_ratio": figures[0].ref,
        "chart_drawdown": figures[1].ref,
    }
    return View({"history": context}, figures)


SECTION = Section(
    name="history",
    page=Page("history.md", "pages/history.md.j2", "History"),
    compute=compute,
    present=present,
    always=True,
)
