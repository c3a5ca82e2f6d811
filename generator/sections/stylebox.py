"""Style box: the 3x3 size x style return matrix per period, with Small - Large and
Value - Growth spreads (``style_box:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from generator.charts import stylebox as stylebox_charts
from generator.formatting import Metric, json_number
from generator.metrics import stylebox
from generator.metrics.stylebox import SIZES, STYLES
from generator.report import Report
from generator.sections import captions
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
        summary=stylebox_summary(snap.document, periods),
        table=partial(stylebox_charts.stylebox_table, style.grid, periods=periods),
    )
    doc = snap.document["style"]
    rows = [
        {
            "size": cell["size"],
            "style": cell["style"],
            "symbol": cell["symbol"],
            "cells": [
                Metric(snap.document, f"style.cells.{i}.returns.{p}", "pct") for p in periods
            ],
            "note": cell["note"],
        }
        for i, cell in enumerate(doc["cells"])
    ]
    spreads = [
        {
            "spread": spread["spread"],
            "scope": spread["scope"],
            "legs": f"{spread['long']} minus {spread['short']}",
            "cells": [
                Metric(snap.document, f"style.spreads.{i}.returns.{p}", "pp") for p in periods
            ],
            "note": spread["note"],
        }
        for i, spread in enumerate(doc["spreads"])
    ]
    context = {
        "title": TITLES[style.preset],
        "chart": figure.ref,
        "rows": rows,
        "spreads": spreads,
    }
    return View({"style": context}, (figure,))


def stylebox_summary(doc: Mapping[str, Any], periods: Sequence[str]) -> Markup:
    """The cells that returned most and least over the longest and the shortest period shown
    (the config's last and first), from the document's ``style`` cells; cells without a return
    over a period are left out of its comparison."""
    cells = doc["style"]["cells"]
    parts = []
    for period in dict.fromkeys([periods[-1], periods[0]]) if periods else ():
        over = captions.period_words(period)
        valued = [i for i, c in enumerate(cells) if c["returns"].get(period) is not None]

        def fund(i: int) -> Markup:
            c = cells[i]
            return captions.sentence("{} {} ({})", c["size"], c["style"], c["symbol"])

        def value(i: int, period: str = period) -> Metric:
            return Metric(doc, f"style.cells.{i}.returns.{period}", "pct")

        if not valued:
            parts.append(captions.sentence("No fund has a return over {}.", over))
        elif len(valued) == 1:
            (only,) = valued
            parts.append(
                captions.sentence(
                    "Over {} only {} has a return, {}.", over, fund(only), value(only)
                )
            )
        else:
            ranked = sorted(valued, key=lambda i, period=period: cells[i]["returns"][period])
            best, worst = ranked[-1], ranked[0]
            parts.append(
                captions.sentence(
                    "Over {} {} returned most, {}, and {} least, {}.",
                    over,
                    fund(best),
                    value(best),
                    fund(worst),
                    value(worst),
                )
            )
    return captions.join(parts)


def export(style: StyleBox | None, snap: Snapshot) -> dict[str, Any] | None:
    """The nine cells (Large to Small, Value to Growth) and the spreads, for ``metrics.json``.
    A cell's ``note`` says why a return is ``null``; the first period's note is the cell's."""
    if style is None:
        return None
    periods = list(snap.config.periods)
    cells = style.grid.set_index(["size", "style", "period"])
    out_cells = []
    for size in SIZES:
        for kind in STYLES:
            notes = [cells.at[(size, kind, p), "note"] for p in periods]
            out_cells.append(
                {
                    "size": size,
                    "style": kind,
                    "symbol": cells.at[(size, kind, periods[0]), "symbol"],
                    "returns": {
                        p: json_number(cells.at[(size, kind, p), "value"]) for p in periods
                    },
                    "note": next((n for n in notes if n), ""),
                }
            )
    spreads = []
    for (spread, scope), frame in style.spreads.groupby(["spread", "scope"], sort=False):
        by_period = frame.set_index("period")
        spreads.append(
            {
                "spread": spread,
                "scope": scope,
                "long": frame["long"].iloc[0],
                "short": frame["short"].iloc[0],
                "returns": {p: json_number(by_period.at[p, "value"]) for p in periods},
                "note": next((n for n in frame["note"] if n), ""),
            }
        )
    return {"preset": style.preset, "cells": out_cells, "spreads": spreads}


SECTION = Section(
    name="style",
    page=Page(
        "style-box.md",
        "pages/style-box.md.j2",
        "Style box",
        "Rotation",
        summary="Nine funds, small to large and value to growth: where the returns are",
    ),
    compute=compute,
    present=present,
    export=export,
)
