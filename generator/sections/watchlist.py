"""Watchlist: the story's names by group, each group's average return per period and a small
chart per group (``watchlist:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from generator.charts import watchlist as watchlist_charts
from generator.config import Config
from generator.formatting import Metric, json_number
from generator.metrics import groups
from generator.report import Report
from generator.sections import captions
from generator.sections.base import (
    Figure,
    MemberPrices,
    Page,
    Section,
    View,
    charted_colors,
    names,
)

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


@dataclass(frozen=True)
class Watchlist:
    averages: pd.DataFrame
    """Group averages per period (group, period, value, count, members, missing)."""
    window: pd.DataFrame
    """Every member rebased to 100 at the year's start."""
    lines: Mapping[str, pd.DataFrame]
    """Each group's equal-weight line over the same window."""


def compute(report: Report, members: MemberPrices) -> Watchlist | None:
    if not report.config.watchlist:
        return None
    by_group = {g.name: list(g.symbols) for g in report.config.watchlist}
    window, lines = groups.group_lines(
        report.prices, by_group, start=groups.ytd_start(report.as_of), as_of=report.as_of
    )
    return Watchlist(groups.group_averages(report.returns, by_group), window, lines)


def charted(config: Config) -> list[tuple[str, ...]]:
    """Each group's members share a panel."""
    return [g.symbols for g in config.watchlist]


def present(data: Watchlist | None, snap: Snapshot) -> View:
    report = snap.report
    if data is None:
        return View({"watchlist": None})
    display, periods = names(report), list(report.config.periods)
    figure = Figure(
        "watchlist",
        "Watchlist groups, rebased to 100",
        partial(
            watchlist_charts.watchlist_chart,
            data.window,
            data.lines,
            {g.name: list(g.symbols) for g in report.config.watchlist},
            display,
            as_of=report.as_of,
            start=groups.ytd_start(report.as_of),
            theme=report.config.theme,
            colors=charted_colors(snap, (s for g in report.config.watchlist for s in g.symbols)),
        ),
        summary=watchlist_summary(snap.document),
        table=partial(
            watchlist_charts.watchlist_table,
            data.window,
            data.lines,
            {g.name: list(g.symbols) for g in report.config.watchlist},
            as_of=report.as_of,
            start=groups.ytd_start(report.as_of),
        ),
    )
    doc = snap.document
    where = {row["symbol"]: i for i, row in enumerate(doc["universe"])}
    out = [
        {
            "name": group["group"],
            "average": [Metric(doc, f"watchlist.{g}.averages.{p}.value", "pct") for p in periods],
            "members": [
                {
                    "symbol": s,
                    "name": display[s],
                    "returns": [
                        Metric(doc, f"universe.{where[s]}.returns.{p}", "pct") for p in periods
                    ],
                }
                for s in group["symbols"]
            ],
        }
        for g, group in enumerate(doc["watchlist"])
    ]
    return View({"watchlist": {"groups": out, "chart": figure.ref}}, (figure,))


def watchlist_summary(doc: Mapping[str, Any]) -> Markup:
    """Each group's average year-to-date return (the span the panels draw), from the
    document's ``watchlist``, with how many members it averages when some have none."""
    if "YTD" not in doc["parameters"]["periods"]:
        return captions.sentence("The groups' year-to-date averages are not among the periods.")
    said: list[Markup] = []
    without: list[str] = []
    for g, group in enumerate(doc["watchlist"]):
        average = group["averages"]["YTD"]
        if average["value"] is None:
            without.append(group["group"])
            continue
        at = f"watchlist.{g}.averages.YTD"
        clause = captions.sentence("{} {}", group["group"], Metric(doc, f"{at}.value", "pct"))
        if average["count"] < len(group["symbols"]):
            clause = captions.sentence(
                "{} ({} of {} members)",
                clause,
                Metric(doc, f"{at}.count", "int"),
                len(group["symbols"]),
            )
        said.append(clause)
    parts = []
    if said:
        parts.append(
            captions.sentence(
                "Year to date, each group's average return: {}.", captions.join(said, ", ")
            )
        )
    if without:
        parts.append(captions.sentence("No average yet for {}.", captions.join(without, ", ")))
    return captions.join(parts)


def export(data: Watchlist | None, snap: Snapshot) -> list[dict[str, Any]] | None:
    """Each group's members and equal-weight average return per period, for ``metrics.json``
    (members' own returns are in ``universe``)."""
    if data is None:
        return None
    by = data.averages.set_index(["group", "period"])
    return [
        {
            "group": group.name,
            "symbols": list(group.symbols),
            "averages": {
                p: {
                    "value": json_number(by.at[(group.name, p), "value"]),
                    "count": int(by.at[(group.name, p), "count"]),
                    "missing": [m for m in by.at[(group.name, p), "missing"].split(", ") if m],
                }
                for p in snap.config.periods
            },
        }
        for group in snap.config.watchlist
    ]


SECTION = Section(
    name="watchlist",
    page=Page(
        "watchlist.md",
        "pages/watchlist.md.j2",
        "Watchlist",
        summary="The groups of stocks you follow, against each other and the market",
    ),
    compute=compute,
    charted=charted,
    present=present,
    export=export,
)
