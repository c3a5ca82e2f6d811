"""How numbers and dates read on the pages: one definition for every page and section."""

from __future__ import annotations

import pandas as pd

NA = "n/a"


def fmt_pct(value: float, digits: int = 1, *, signed: bool = True) -> str:
    """``0.1234`` -> ``+12.3%``; ``NaN`` -> ``n/a``."""
    if pd.isna(value):
        return NA
    return f"{value * 100:{'+' if signed else ''}.{digits}f}%"


def fmt_pp(value: float, digits: int = 1) -> str:
    """A difference of two returns in percentage points: ``0.05`` -> ``+5.0 pp``."""
    return NA if pd.isna(value) else f"{value * 100:+.{digits}f} pp"


def fmt_bp(change_in_points: float) -> str:
    """A yield change given in percentage points, in basis points: ``-0.12`` -> ``-12 bp``."""
    return NA if pd.isna(change_in_points) else f"{change_in_points * 100:+.0f} bp"


def fmt_date(value: object) -> str:
    """A session as ``2026-07-31``; empty for a missing date (``None``, ``NaT``)."""
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def fmt_long_date(value: pd.Timestamp) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def fmt_sessions(n: int) -> str:
    return f"{n} session{'s' if n != 1 else ''}"


JSON_DIGITS = 8
"""Decimals kept for a number in ``metrics.json`` (``0.0123`` is +1.23 %)."""


def json_number(value: object, digits: int = JSON_DIGITS) -> float | None:
    """A JSON number: rounded, ``None`` for NaN or missing (never a made-up value)."""
    if value is None or pd.isna(value):
        return None
    rounded = round(float(value), digits)  # type: ignore[arg-type]
    return 0.0 if rounded == 0 else rounded  # no "-0.0" in the file


def json_date(value: object) -> str | None:
    """A session as ``2026-07-31`` in JSON; ``None`` for a missing date."""
    return fmt_date(value) or None
