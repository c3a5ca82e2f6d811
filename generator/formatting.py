"""How numbers and dates read on the pages: one definition for every page and section.

A number the text states is a :class:`Metric`: a value of a ``metrics.json`` document (the
dashboard's for the site, a post's own for the post), formatted one of the :data:`FORMATS` ways
and tied to its place in the document, so the published text can only say what the published
data holds, and a test (or a reader's script) can check each number against it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

NA = "n/a"


def _signed_fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals and its sign, except a value that rounds to zero, which
    has none: ``0.0``, never ``-0.0`` or ``+0.0`` (a sign the reader would take for a move)."""
    text = f"{value:+z.{digits}f}"
    return text[1:] if float(text) == 0 else text


def fmt_pct(value: float, digits: int = 1, *, signed: bool = True) -> str:
    """``0.1234`` -> ``+12.3%``; ``-0.0001`` -> ``0.0%``; ``NaN`` -> ``n/a``."""
    if pd.isna(value):
        return NA
    if not signed:
        return f"{value * 100:z.{digits}f}%"
    return f"{_signed_fixed(value * 100, digits)}%"


def fmt_pp(value: float, digits: int = 1) -> str:
    """A difference of two returns in percentage points: ``0.05`` -> ``+5.0 pp``."""
    return NA if pd.isna(value) else f"{_signed_fixed(value * 100, digits)} pp"


def fmt_gap(value: float, digits: int = 1) -> str:
    """The size of a difference in percentage points, for a sentence whose verb carries the
    direction ("trailed by 0.7 pp", never "lagged by -0.7 pp"): ``-0.007`` -> ``0.7 pp``."""
    return NA if pd.isna(value) else f"{abs(value) * 100:z.{digits}f} pp"


def fmt_ordinal(n: int | None) -> str:
    """``1`` -> ``1st``, ``12`` -> ``12th``, ``23`` -> ``23rd``."""
    if n is None:
        return NA
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_bp(change_in_points: float) -> str:
    """A yield change given in percentage points, in basis points: ``-0.12`` -> ``-12 bp``."""
    return NA if pd.isna(change_in_points) else f"{_signed_fixed(change_in_points * 100, 0)} bp"


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


def _level(value: float | None) -> str:
    """A yield level: ``4.25`` -> ``4.25%``."""
    return NA if value is None or pd.isna(value) else f"{value:.2f}%"


def _decimal(value: float | None) -> str:
    """A ratio or price: ``1234.5`` -> ``1,234.50``."""
    return NA if value is None or pd.isna(value) else f"{value:,.2f}"


def _signed(value: float | None) -> str:
    """A correlation: ``-0.123`` -> ``-0.12``."""
    return NA if value is None or pd.isna(value) else f"{value:+.2f}"


def _per_10bp(beta: float | None) -> str:
    """A log return per 1 bp of yield change, as the move per 10 bp: ``-0.0004`` -> ``-0.40%
    per +10 bp`` (see :func:`generator.metrics.rates.rolling_sensitivity`)."""
    return NA if beta is None or pd.isna(beta) else f"{beta * 1000:+.2f}% per +10 bp"


FORMATS: dict[str, Callable[[Any], str]] = {
    "pct": fmt_pct,
    "pct2": functools.partial(fmt_pct, digits=2),
    "gap_pct": fmt_pct,
    "pp": fmt_pp,
    "pp2": functools.partial(fmt_pp, digits=2),
    "gap": fmt_gap,
    "ordinal": fmt_ordinal,
    "bp": fmt_bp,
    "share": functools.partial(fmt_pct, digits=0, signed=False),
    "percent": functools.partial(fmt_pct, signed=False),
    "signed": _signed,
    "per10bp": _per_10bp,
    "sessions": lambda n: NA if n is None else fmt_sessions(n),
    "date": lambda v: v or "",
    "int": lambda n: NA if n is None else str(n),
    "level": _level,
    "decimal": _decimal,
}
"""How each kind of number reads; the names appear in ``data-format``."""

SIGNED = frozenset({"pct", "pct2", "pp", "pp2", "bp"})
"""The formats of a change (a return, a spread, a move in a yield), whose sign the page colours;
not correlations or sensitivities, whose sign is no gain or loss, nor a valuation gap
(``gap_pct``: cheaper is neither good nor bad news)."""


def lookup(doc: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of a document (``pairs.0.returns.YTD.a``)."""
    value: Any = doc
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


class Metric:
    """A number as the text shows it, tied to its place in a ``metrics.json`` document.

    Renders as ``<span class="rm-num rm-up" data-metric="pairs.0.returns.YTD.spread"
    data-format="pp">+1.2 pp</span>``: a change that reads as a gain is ``rm-up``, as a loss
    ``rm-down`` (taken from the text: a value that rounds to zero reads ``0.0%``, with no sign
    and no colour), which the style sheet colours; the sign stays, so colour is never the only
    cue.
    """

    def __init__(self, doc: Mapping[str, Any], path: str, fmt: str) -> None:
        self.value = lookup(doc, path)
        self.text = FORMATS[fmt](self.value)
        self.path, self.fmt = path, fmt

    def __html__(self) -> Markup:
        sign = self.text[:1] if self.fmt in SIGNED else ""
        tone = {"+": " rm-up", "-": " rm-down"}.get(sign, "")
        return Markup(
            f'<span class="rm-num{tone}" data-metric="{escape(self.path)}" '
            f'data-format="{self.fmt}">{escape(self.text)}</span>'
        )

    def __str__(self) -> str:
        return self.text
