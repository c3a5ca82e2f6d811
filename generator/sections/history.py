"""History: the headline ratio since inception with its leadership episodes and drawdowns, and
the streak records of every pair (``history:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from generator import metrics
from generator.charts import history as history_charts
from generator.config import Config, slug
from generator.formatting import Metric, json_date, json_number
from generator.metrics import history
from generator.report import Report
from generator.sections import captions
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
    doc = snap.document
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
            summary=regime_summary(doc),
            table=partial(
                history_charts.history_table,
                head.lines,
                head.episodes,
                a=head.a,
                b=head.b,
                as_of=as_of,
                rule=episode_rule,
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
            summary=drawdown_summary(doc),
            table=partial(
                history_charts.ratio_drawdown_table, head.drawdown, a=head.a, b=head.b, as_of=as_of
            ),
        ),
    )
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


def regime_summary(doc: Mapping[str, Any]) -> Markup:
    """Who leads the first pair now, since which week and for how many weeks, and how the
    ratio moved since, from the document's ``history`` regime (no leader: none is said)."""
    head = doc["history"]["pairs"][0]
    regime = head["regime"]
    a, b = head["a"], head["b"]
    if regime["leader"] is None:
        return captions.sentence("Neither {} nor {} leads yet under the episode rule.", a, b)

    def metric(key: str, fmt: str) -> Metric:
        return Metric(doc, f"history.pairs.0.regime.{key}", fmt)

    leader, other = (a, b) if regime["leader"] == "a" else (b, a)
    parts = [
        captions.sentence(
            "{} has led {} since the week to {} (confirmed in the week to {}): {} {}.",
            leader,
            other,
            metric("since", "date"),
            metric("confirmed", "date"),
            metric("weeks", "int"),
            "week" if regime["weeks"] == 1 else "weeks",
        )
    ]
    change = regime["ratio_change"]
    if change is not None:
        parts.append(
            captions.sentence(
                "Over those weeks the {} / {} ratio {} ({}).",
                a,
                b,
                captions.direction(change),
                metric("ratio_change", "pct"),
            )
        )
    return captions.join(parts)


def drawdown_summary(doc: Mapping[str, Any]) -> Markup:
    """How far the first pair's ratio closed below its peak, and its deepest fall with whether
    it recovered, from the document's ``pairs`` and ``history`` (the same ratio, from daily
    closes)."""
    pair, head = doc["pairs"][0], doc["history"]["pairs"][0]
    ratio = f"{head['a']} / {head['b']}"
    parts = []
    if pair["ratio_drawdown"] is not None:
        if pair["ratio_drawdown"] == 0:
            parts.append(captions.sentence("The {} ratio closed at its peak.", ratio))
        else:
            parts.append(
                captions.sentence(
                    "The {} ratio closed {} from its peak of {}.",
                    ratio,
                    Metric(doc, "pairs.0.ratio_drawdown", "pct"),
                    Metric(doc, "pairs.0.ratio_high", "date"),
                )
            )
    if head["drawdowns"]:
        deepest = head["drawdowns"][0]

        def metric(key: str, fmt: str) -> Metric:
            return Metric(doc, f"history.pairs.0.drawdowns.0.{key}", fmt)

        recovered = (
            captions.sentence("recovered by {}", metric("recovery", "date"))
            if deepest["recovery"]
            else "not recovered"
        )
        parts.append(
            captions.sentence(
                "Its deepest fall, {} from {} to {}, is {}.",
                metric("depth", "pct"),
                metric("peak", "date"),
                metric("trough", "date"),
                recovered,
            )
        )
    return captions.join(parts)


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
