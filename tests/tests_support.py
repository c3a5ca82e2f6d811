"""Paths and helpers importable by test modules (conftest holds the fixtures)."""

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
