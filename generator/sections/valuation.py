"""Valuation: the funds' P/E from the weekly snapshots, by size and style, and the discounts
the story is about (``valuation:`` in rotation.yml).

Every number comes from a snapshot taken on or before the report's session
(:mod:`generator.valuation`); the page names each cell's provider and day, and says which funds
the last snapshot missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator.config import RUSSELL
from generator.formatting import Metric, json_date, json_number
from generator.metrics import valuation as values
from generator.metrics.stylebox import SIZES, STYLES
from generator.report import Report
from generator.sections.base import MemberPrices, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot

HISTORY_ROWS = 12
"""Snapshots listed on the page, newest first (the CSV download holds them all)."""


@dataclass(frozen=True)
class Valuation:
    cells: tuple[tuple[str, str, str, values.Reading | None], ...]
    """(size, style, fund, its latest P/E reading or none), Large to Small, Value to Growth."""
    discounts: tuple[tuple[str, str, str, pd.DataFrame], ...]
    """(label, a, b, a's discount to b at each day both were snapshotted)."""
    failed: dict[str, str]
    taken: str | None


def compute(report: Report, members: MemberPrices) -> Valuation | None:
    cfg = report.config.valuation
    if cfg is None or report.valuation is None:
        return None
    history, as_of = report.valuation, report.as_of
    grid = report.config.style_box.cells if report.config.style_box else RUSSELL
    cells = tuple(
        (size, style, fund, values.latest_pe(history, fund, as_of))
        for size, row in zip(SIZES, grid, strict=True)
        for style, fund in zip(STYLES, row, strict=True)
    )
    discounts = tuple(
        (d.label, d.a, d.b, values.discount_history(history, d.a, d.b, as_of))
        for d in cfg.discounts
    )
    status = report.valuation_status
    return Valuation(cells, discounts, dict(status.get("failed", {})), status.get("taken"))


def export(data: Valuation | None, snap: Snapshot) -> dict[str, Any] | None:
    """The P/E of each style-box fund and each configured discount, latest and over time."""
    if data is None:
        return None
    cells = [
        {
            "size": size,
            "style": style,
            "symbol": fund,
            "pe": json_number(reading.value) if reading else None,
            "date": json_date(reading.day) if reading else None,
            "source": reading.source if reading else "",
        }
        for size, style, fund, reading in data.cells
    ]
    discounts = []
    for label, a, b, frame in data.discounts:
        latest = values.latest(frame, snap.report.as_of)
        discounts.append(
            {
                "label": label,
                "a": a,
                "b": b,
                "date": json_date(latest["date"]) if latest is not None else None,
                "pe_a": json_number(latest["pe_a"]) if latest is not None else None,
                "pe_b": json_number(latest["pe_b"]) if latest is not None else None,
                "discount": json_number(latest["discount"]) if latest is not None else None,
                "history": [
                    {"date": json_date(r.date), "discount": json_number(r.discount)}
                    for r in frame.itertuples(index=False)
                ],
            }
        )
    days = {h["date"] for d in discounts for h in d["history"]}
    return {
        "latest": max((c["date"] for c in cells if c["date"]), default=None),
        "taken": data.taken,
        "failed": data.failed,
        "snapshots": len(days),
        "cells": cells,
        "discounts": discounts,
    }


def present(data: Valuation | None, snap: Snapshot) -> View:
    if data is None:
        return View({"valuation": None})
    doc = snap.document

    def metric(path: str, fmt: str) -> Metric:
        return Metric(doc, f"valuation.{path}", fmt)

    rows = []
    for size in SIZES:
        cells = []
        for i, cell in enumerate(doc["valuation"]["cells"]):
            if cell["size"] == size:
                cells.append({**cell, "pe": metric(f"cells.{i}.pe", "decimal")})
        rows.append({"size": size, "cells": cells})
    sources = sorted({c["source"] for c in doc["valuation"]["cells"] if c["source"]})
    discounts = [
        {
            "label": d["label"],
            "a": d["a"],
            "b": d["b"],
            "date": d["date"],
            "pe_a": metric(f"discounts.{i}.pe_a", "decimal"),
            "pe_b": metric(f"discounts.{i}.pe_b", "decimal"),
            "discount": metric(f"discounts.{i}.discount", "gap_pct"),
        }
        for i, d in enumerate(doc["valuation"]["discounts"])
    ]
    days = sorted(
        {h["date"] for d in doc["valuation"]["discounts"] for h in d["history"]}, reverse=True
    )[:HISTORY_ROWS]
    history = []
    for day in days:
        row = []
        for i, d in enumerate(doc["valuation"]["discounts"]):
            j = next((j for j, h in enumerate(d["history"]) if h["date"] == day), None)
            row.append(
                metric(f"discounts.{i}.history.{j}.discount", "gap_pct") if j is not None else ""
            )
        history.append({"date": day, "cells": row})
    return View(
        {
            "valuation": {
                "rows": rows,
                "styles": STYLES,
                "sources": sources,
                "discounts": discounts,
                "history": history,
                "snapshots": doc["valuation"]["snapshots"],
                "failed": sorted(doc["valuation"]["failed"].items()),
                "taken": doc["valuation"]["taken"],
                "latest": doc["valuation"]["latest"],
                "stale_days": values.STALE_DAYS,
            }
        }
    )


SECTION = Section(
    name="valuation",
    page=Page(
        "valuation.md",
        "pages/valuation.md.j2",
        "Valuation",
        "Rotation",
        summary="Price/earnings of small and large, value and growth funds, and their gaps",
    ),
    compute=compute,
    present=present,
    export=export,
)
