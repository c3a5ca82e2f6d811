"""Home: the headline pair (from the Pairs section) and every symbol's returns, by group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from generator.formatting import NA, Metric
from generator.sections.base import FORKERS, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot

MARKS = {"ok": "", "stale": " †", "failed": " ‡"}
"""What follows a symbol whose data is stale or missing (explained on the page)."""


def kpi_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per symbol of the universe, in config order: last close, period returns and the
    fall from peak, read from the dashboard document (``n/a`` where it holds ``null``)."""
    rows = []
    for i, entry in enumerate(doc["universe"]):
        at = f"universe.{i}"
        is_yield = entry["kind"] == "yield"
        rows.append(
            {
                "symbol": entry["symbol"],
                "name": entry["name"],
                "group": entry["group"],
                "status": entry["status"],
                "mark": MARKS[entry["status"]],
                "last": Metric(doc, f"{at}.last_close", "level" if is_yield else "decimal"),
                "cells": [
                    Metric(doc, f"{at}.returns.{p}", "bp" if is_yield else "pct")
                    for p in entry["returns"]
                ],
                "drawdown": NA if is_yield else Metric(doc, f"{at}.from_peak", "pct"),
            }
        )
    return rows


def grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by their ``group``, groups in order of first appearance (the config's)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    return [{"name": name, "rows": members} for name, members in groups.items()]


def site_map(snap: Snapshot) -> list[dict[str, str]]:
    """Every reader's page but Home, in navigation order, with the line saying what it shows:
    Home's "what's on this site", so that every page is one click from the first."""
    return [
        {"title": p.title, "link": p.file, "summary": p.summary, "section": p.section or ""}
        for p in snap.pages()
        if p.file != SECTION.page.file and p.section != FORKERS
    ]


def present(data: None, snap: Snapshot) -> View:
    return View({"kpi_groups": grouped(kpi_rows(snap.document)), "site_map": site_map(snap)})


SECTION = Section(
    name="home",
    page=Page("index.md", "pages/home.md.j2", "Home"),
    present=present,
    always=True,
)
