"""Watchlist: the story's names by group, each group's average return per period and a small
chart per group (``watchlist:`` in rotation.yml)."""

from __future__ import annotations

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


def compute(report: Report, members: MemberPrices) -> pd.DataFrame | None:
    """Group averages (group, period, value, count, members, missing)."""
    if not report.config.watchlist:
        return None
    return groups.group_averages(
        report.returns, {g.name: list(g.symbols) for g in report.config.watchlist}
    )


def present(averages: pd.DataFrame | None, snap: Snapshot) -> View:
    report = snap.report
    if averages is None:
        return View({"watchlist": None})
    display, periods = names(report), list(report.config.periods)
    figure = Figure(
        "watchlist",
        "Watchlist groups, rebased to 100",
        partial(
            watchlist_charts.watchlist_chart,
            report.prices,
            {g.name: list(g.symbols) for g in report.config.watchlist},
            display,
            as_of=report.as_of,
            start=groups.ytd_start(report.as_of),
            theme=report.config.theme,
        ),
    )
    by = averages.set_index(["group", "period"])
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
