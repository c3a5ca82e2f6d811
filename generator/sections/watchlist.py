"""Watchlist: the story's names by group, each group's average return per period and a small
chart per group (``watchlist:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from generator.charts import watchlist as watchlist_charts
from generator.formatting import NA, fmt_pct
from generator.metrics import groups
from generator.report import Report
from generator.sections.base import Figure, MemberPrices, Page, Section, View, names

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
        ),
    )
    by = data.averages.set_index(["group", "period"])
    out = [
        {
            "name": group.name,
            "average": [fmt_pct(by.at[(group.name, p), "value"]) for p in periods],
            "members": [
                {
                    "symbol": s,
                    "name": display[s],
                    "returns": [
                        fmt_pct(report.returns.at[s, p]) if s in report.returns.index else NA
                        for p in periods
                    ],
                }
                for s in group.symbols
            ],
        }
        for group in report.config.watchlist
    ]
    return View({"watchlist": {"groups": out, "chart": figure.ref}}, (figure,))


SECTION = Section(
    name="watchlist",
    page=Page("watchlist.md", "pages/watchlist.md.j2", "Watchlist"),
    compute=compute,
    present=present,
)
