"""Home: the headline pair (from the Pairs section) and every symbol's returns, by group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from generator.formatting import NA, fmt_bp, fmt_pct
from generator.report import Report
from generator.sections.base import Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot

MARKS = {"ok": "", "stale": " †", "failed": " ‡"}
"""What follows a symbol whose data is stale or missing (explained on the page)."""


def kpi_rows(report: Report) -> list[dict[str, Any]]:
    """One row per symbol of the universe, in config order: last close and period returns."""
    rows = []
    periods = report.config.periods
    for inst in report.config.universe:
        status = report.status.status_of(inst.symbol)
        row = {
            "symbol": inst.symbol,
            "name": inst.name,
            "group": inst.group,
            "status": status.status,
            "mark": MARKS[status.status],
        }
        if inst.symbol not in report.returns.index:
            rows.append(row | {"last": NA, "cells": [NA] * len(periods), "drawdown": NA})
            continue
        rets = report.returns.loc[inst.symbol]
        last = report.last.loc[inst.symbol]
        is_yield = inst.kind == "yield"
        rows.append(
            row
            | {
                "last": f"{last['close']:.2f}%" if is_yield else f"{last['close']:,.2f}",
                "cells": [(fmt_bp if is_yield else fmt_pct)(rets[p]) for p in periods],
                "drawdown": NA if is_yield else fmt_pct(last["drawdown"]),
            }
        )
    return rows


def grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by their ``group``, groups in order of first appearance (the config's)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    return [{"name": name, "rows": members} for name, members in groups.items()]


def present(data: None, snap: Snapshot) -> View:
    return View({"kpi_groups": grouped(kpi_rows(snap.report))})


SECTION = Section(
    name="home",
    page=Page("index.md", "pages/home.md.j2", "Home"),
    present=present,
    always=True,
)
