"""Data: every symbol's validation result (ok, stale or failed, and why), and the pairs skipped.

Home shows the stale and failed ones as warnings; the Data page lists them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.formatting import NA
from generator.sections.base import Page, Section, View, names

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


def present(data: None, snap: Snapshot) -> View:
    report = snap.report
    run = report.status
    display = names(report)
    rows = [
        {
            "symbol": s.symbol,
            "name": display[s.symbol],
            "status": s.status,
            "reason": s.reason,
            "first": s.first_session or NA,
            "last": s.last_session or NA,
            "issues": list(s.issues),
        }
        for s in run.symbols
    ]
    return View(
        {
            "data": {
                "expected": run.expected_session,
                "checked_at": run.created_at,
                "counts": {k: str(len(run.with_status(k))) for k in ("ok", "stale", "failed")},
                "rows": rows,
                "stale": [r for r in rows if r["status"] == "stale"],
                "failed": [r for r in rows if r["status"] == "failed"],
                "with_issues": [r for r in rows if r["issues"]],
                "skipped_pairs": [f"{p.a} vs {p.b}" for p in report.skipped_pairs],
            }
        }
    )


SECTION = Section(
    name="data",
    page=Page(
        "data-status.md",
        "pages/data-status.md.j2",
        "Data",
        "About",
        summary="Where the prices come from, how fresh each symbol is, and what is missing",
    ),
    present=present,
    always=True,
)
