"""Paths and helpers importable by test modules (conftest holds the fixtures)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REPO_CONFIG = REPO / "rotation.yml"


def run_report(symbols, failed=None, stale=None, expected="2026-07-31"):
    """A RunReport saying every symbol is ok but those given as failed or stale (symbol: reason)."""
    from generator.validate import RunReport, SymbolReport

    failed, stale = failed or {}, stale or {}
    rows = tuple(
        SymbolReport(s, "failed", failed[s])
        if s in failed
        else SymbolReport(s, "stale", stale[s], sessions_behind=1)
        if s in stale
        else SymbolReport(s, "ok")
        for s in symbols
    )
    return RunReport("test", expected, "2026-08-01T00:00:00+00:00", rows)


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def data_rows(spec: dict) -> list[dict]:
    """Every inline data row of a spec, wherever the chart keeps it (datasets or data.values)."""
    rows: list[dict] = []
    for values in spec.get("datasets", {}).values():
        rows += values

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                rows.extend(data["values"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return rows


def latest_date(rows: list[dict]) -> str:
    dates = [v[:10] for r in rows for v in r.values() if isinstance(v, str) and ISO_DATE.match(v)]
    return max(dates, default="")  # the style box has periods, not dates
