"""History: the headline ratio since inception with its leadership episodes and drawdowns, and
the streak records of every pair (``history:`` in rotation.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from generator import metrics
from generator.charts import history as history_charts
from generator.config import Config, slug
from generator.formatting import Metric, json_date, json_number
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
    doc = snap.document
    pairs = doc["history"]["pairs"]
    who = {"a": head.a, "b": head.b, None: "nobody yet"}

    def metric(path: str, fmt: str) -> Metric:
        return Metric(doc, f"history.pairs.{path}", fmt)

    first = pairs[0]
    episodes = [
        {
            "leader": who[e["leader"]],
            "start": metric(f"0.episodes.{k}.start", "date"),
            "end": metric(f"0.episodes.{k}.end", "date") if e["end"] else "ongoing",
            "weeks": metric(f"0.episodes.{k}.weeks", "int"),
            "sustained": "yes" if e["sustained"] else "no",
            "ratio": metric(f"0.episodes.{k}.ratio_change", "pct"),
            "a": metric(f"0.episodes.{k}.a_return", "pct"),
            "b": metric(f"0.episodes.{k}.b_return", "pct"),
        }
        for k, e in reversed(list(enumerate(first["episodes"])))
    ]
    records = [
        {
            "pair": f"{h['a']} vs {h['b']}",
            "key": slug(f"{h['a']}-vs-{h['b']}"),
            "a": h["a"],
            "b": h["b"],
            "rows": [
                {
                    "side": h[r["side"]],
                    "rank": metric(f"{i}.records.{k}.rank", "int"),
                    "length": metric(f"{i}.records.{k}.length", "int"),
                    "start": metric(f"{i}.records.{k}.start", "date"),
                    "end": metric(f"{i}.records.{k}.end", "date"),
                    "ongoing": r["ongoing"],
                    "ratio": metric(f"{i}.records.{k}.ratio_change", "pct"),
                }
                for k, r in enumerate(h["records"])
            ],
        }
        for i, h in enumerate(pairs)
    ]
    drawdowns = [
        {
            "peak": metric(f"0.drawdowns.{k}.peak", "date"),
            "trough": metric(f"0.drawdowns.{k}.trough", "date"),
            "recovery": metric(f"0.drawdowns.{k}.recovery", "date")
            if d["recovery"]
            else "not recovered",
            "depth": metric(f"0.drawdowns.{k}.depth", "pct"),
        }
        for k, d in enumerate(first["drawdowns"])
    ]
    regime = first["regime"]
    context: dict[str, Any] = {
        "a": head.a,
        "b": head.b,
        "first": metric("0.first_session", "date"),
        "rule": episode_rule.describe(),
        "leader": who[regime["leader"]],
        "since": metric("0.regime.since", "date"),
        "confirmed": metric("0.regime.confirmed", "date"),
        "weeks": metric("0.regime.weeks", "int"),
        "change": metric("0.regime.ratio_change", "pct"),
        "episodes": episodes,
        "records": records,
        "drawdowns": drawdowns,
        "chart_ratio": figures[0].ref,
        "chart_drawdown": figures[1].ref,
    }
    return View({"history": context}, figures)


def _rows(frame: pd.DataFrame, dates: tuple[str, ...], numbers: tuple[str, ...]) -> list[dict]:
    """A table's rows for JSON: dates as ``YYYY-MM-DD`` (``null`` if missing), numbers rounded,
    integers and flags as they are, other columns as text."""
    out = []
    for _, row in frame.iterrows():
        item: dict[str, Any] = {}
        for column, value in row.items():
            if column in dates:
                item[column] = json_date(value)
            elif column in numbers:
                item[column] = json_number(value)
            elif isinstance(value, bool | np.bool_):
                item[column] = bool(value)
            elif isinstance(value, int | np.integer):
                item[column] = int(value)
            else:
                item[column] = value
        out.append(item)
    return out


def export(data: tuple[PairHistory, ...], snap: Snapshot) -> dict[str, Any]:
    """Every pair's leadership regime, episodes (oldest first), five deepest drawdowns of the
    ratio and streak records, for ``metrics.json``."""
    cfg = snap.config.history
    return {
        "rule": {
            "ma_weeks": cfg.ma_weeks,
            "min_confirm": cfg.min_confirm,
            "min_weeks": cfg.min_weeks,
        },
        "pairs": [
            {
                "a": h.a,
                "b": h.b,
                "first_session": json_date(h.ratio.index[0]),
                "regime": {
                    "leader": h.regime.leader,
                    "since": json_date(h.regime.since),
                    "confirmed": json_date(h.regime.confirmed),
                    "weeks": h.regime.weeks,
                    "ratio_change": json_number(h.regime.ratio_change),
                },
                "episodes": _rows(
                    h.episodes,
                    ("start", "end", "confirmed"),
                    ("ratio_change", "a_return", "b_return"),
                ),
                "drawdowns": _rows(h.drawdowns, ("peak", "trough", "recovery"), ("depth",)),
                "records": _rows(h.records, ("start", "end"), ("ratio_change",)),
            }
            for h in data
        ],
    }


SECTION = Section(
    name="history",
    page=Page(
        "history.md",
        "pages/history.md.j2",
        "History",
        summary="Every past leadership regime of the headline pairs, its length and depth",
    ),
    compute=compute,
    present=present,
    export=export,
    always=True,
)
