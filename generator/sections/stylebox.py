"""Style box: the 3x3 size x style return matrix per period, with Small - Large and
Value - Growth spreads (``style_box:`` in rotation.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator.charts import stylebox as stylebox_charts
from generator.formatting import fmt_pct, fmt_pp
from generator.metrics import stylebox
from generator.report import Report
from generator.sections.base import Figure, MemberPrices, Page, Section, View, reasons

if TYPE_CHECKING:
    from generator.snapshot import Snapshot

TITLES = {"russell": "Russell", "sp": "S&P", "vanguard": "Vanguard", "custom": "Custom"}


@dataclass(frozen=True)
class StyleBox:
    grid: pd.DataFrame
    spreads: pd.DataFrame
    preset: str


def compute(report: Report, members: MemberPrices) -> StyleBox | None:
    box = report.config.style_box
    if box is None:
        return None
    grid = stylebox.style_grid(report.returns, box.cells, reasons(report), as_of=report.as_of)
    return StyleBox(grid, stylebox.style_spreads(grid), box.preset)


def present(style: StyleBox | None, snap: Snapshot) -> View:
    if style is None:
        return View({"style": None})
    cfg = snap.report.config
    periods = list(cfg.periods)
    figure = Figure(
        "style-box",
        "Style box heatmaps by period",
        partial(
            stylebox_charts.stylebox_chart,
            style.grid,
            as_of=snap.report.as_of,
            periods=periods,
            title=f"{TITLES[style.preset]} style box: total return by period",
            theme=cfg.theme,
        ),
    )
    cells = style.grid.set_index(["size", "style", "period"])
    rows = []
    for size in ("Large", "Mid", "Small"):
        for kind in ("Value", "Core", "Growth"):
            first = cells.loc[(size, kind, periods[0])]
            rows.append(
                {
                    "size": size,
                    "style": kind,
                    "symbol": first["symbol"],
                    "cells": [fmt_pct(cells.loc[(size, kind, p), "value"]) for p in periods],
                    "note": next(
                        (n for p in periods if (n := cells.loc[(size, kind, p), "note"])), ""
                    ),
                }
            )
    spreads: list[dict[str, Any]] = []
    for (spread, scope), frame in style.spreads.groupby(["spread", "scope"], sort=False):
        by_period = frame.set_index("period")
        spreads.append(
            {
                "spread": spread,
                "scope": scope,
                "legs": f"{frame['long'].iloc[0]} minus {frame['short'].iloc[0]}",
                "cells": [fmt_pp(by_period.at[p, "value"]) for p in periods],
                "note": next((n for n in frame["note"] if n), ""),
            }
        )
    context = {
        "title": TITLES[style.preset],
        "chart": figure.ref,
        "rows": rows,
        "spreads": spreads,
    }
    return View({"style": context}, (figure,))


SECTION = Section(
    name="style",
    page=Page("style-box.md", "pages/style-box.md.j2", "Style box", "Rotation"),
    compute=compute,
    present=present,
)
