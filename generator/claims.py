"""The claims grammar: a sentence of a story, written so that the data can test it.

A story about the rotation says things like "Russell 2000 Value is up 8.9 % this year" or "small
caps beat the S&P 500 for 14 sessions in a row". Written in this grammar, each becomes a claim
the Claims page and ``rotation check-claims`` measure against the prices as of the claim's own
date::

    IWN YTD on 2026-03-09 = +8.9 %                  a period return (1W 1M 3M 6M YTD 1Y 3Y 5Y)
    IWN - IWF YTD on 2026-03-09 = +14 pp ± 0.5      a spread of two returns (spaces around -)
    IWM over SPY streak on 2026-01-22 = 14 sessions sessions in a row IWM's daily return beat SPY's
    IWM over SPY streak rank on 2026-01-22 = 1      that run's rank among all runs (1 = longest)
    Nasdaq-100 above 200-day on 2026-03-09 >= 50 %  a breadth list's share above its average
    IWM vs SPY P/E discount on 2026-03-09 = 31 %    a valuation discount

The comparison is ``=`` (within a tolerance), ``>=``, ``<=``, ``>`` or ``<`` (also ``≈``, ``≥``,
``≤``). Without ``± x``, an ``=`` holds within half a unit of the last digit written: ``+8.9 %``
holds from 8.85 % to 8.95 %, ``14 sessions`` only for 14. Units are fixed by the measure (a
return in ``%``, a spread in ``pp``, a streak in ``sessions``, a rank in none) and may be left
out; a wrong one is refused, so a spread is never read as a return.

This module only reads the words (it is used while the config is validated, so it imports no
metrics); :mod:`generator.metrics.claims` measures them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

PERIODS = ("1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y")
"""The periods a return or a spread may be measured over (calendar anchored, as on Pairs)."""

Kind = Literal["return", "spread", "streak", "rank", "breadth", "valuation"]
UNITS: dict[str, str] = {
    "return": "%",
    "spread": "pp",
    "streak": "sessions",
    "rank": "",
    "breadth": "%",
    "valuation": "%",
}
"""The one unit each measure is written in."""
SCALE = {"%": 100, "pp": 100, "sessions": 1, "": 1}
"""Written value / document value: a return of +8.9 % is 0.089 in ``metrics.json``."""
VALUATION_BASES = ("forward P/E", "trailing P/E", "P/E", "P/B", "P/S")
OPERATORS = {"=": "=", "≈": "=", ">=": ">=", "≥": ">=", "<=": "<=", "≤": "<=", ">": ">", "<": "<"}
EXAMPLE = "IWN YTD on 2026-03-09 = +8.9 %"
FIRST_YEAR, LAST_YEAR = 1900, 2199
"""The years a claim's date may have (pandas' timestamps end in 2262)."""

_SYMBOL = r"[A-Za-z0-9^][A-Za-z0-9^.=\-]{0,20}"
_PERIOD = "|".join(PERIODS)
_SUBJECTS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("spread", re.compile(rf"(?P<a>{_SYMBOL})\s+[-\u2212]\s+(?P<b>{_SYMBOL})\s+(?P<period>\S+)")),
    ("rank", re.compile(rf"(?P<a>{_SYMBOL})\s+over\s+(?P<b>{_SYMBOL})\s+streak\s+rank")),
    ("streak", re.compile(rf"(?P<a>{_SYMBOL})\s+over\s+(?P<b>{_SYMBOL})\s+streak")),
    ("breadth", re.compile(r"(?P<list>.+?)\s+above\s+(?P<window>\d{1,4})-(?:day|session)")),
    (
        "valuation",
        re.compile(
            rf"(?P<a>{_SYMBOL})\s+vs\s+(?P<b>{_SYMBOL})\s+"
            rf"(?P<basis>{'|'.join(re.escape(b) for b in VALUATION_BASES)})\s+discount",
            re.IGNORECASE,
        ),
    ),
    ("return", re.compile(rf"(?P<a>{_SYMBOL})\s+(?P<period>\S+)")),
)
_CLAIM = re.compile(
    r"(?P<subject>.+?)\s+on\s+(?P<date>\S+)\s*(?P<op>>=|<=|[=≈≥≤<>])\s*"
    r"(?P<value>[+\-\u2212]?\d+(?:\.\d+)?)\s*(?P<unit>%|pp|sessions?)?"
    r"(?:\s*(?:±|\+/-)\s*(?P<tol>\d+(?:\.\d+)?)\s*(?P<tol_unit>%|pp|sessions?)?)?"
)


class ClaimSyntaxError(ValueError):
    """A claim the grammar cannot read; the message says what to write instead."""


@dataclass(frozen=True)
class Measure:
    """What a claim measures: a kind and its symbols (``a`` first), period, list or basis."""

    kind: Kind
    symbols: tuple[str, ...] = ()
    period: str = ""
    list_name: str = ""
    window: int = 0
    basis: str = ""

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    @property
    def text(self) -> str:
        """The measure as the grammar writes it (``IWN - IWF YTD``)."""
        if self.kind == "return":
            return f"{self.symbols[0]} {self.period}"
        if self.kind == "spread":
            return f"{self.symbols[0]} - {self.symbols[1]} {self.period}"
        if self.kind in ("streak", "rank"):
            rank = " rank" if self.kind == "rank" else ""
            return f"{self.symbols[0]} over {self.symbols[1]} streak{rank}"
        if self.kind == "breadth":
            return f"{self.list_name} above {self.window}-day"
        return f"{self.symbols[0]} vs {self.symbols[1]} {self.basis} discount"


@dataclass(frozen=True)
class Claim:
    """A parsed claim. ``value`` and ``tolerance`` are in the document's units (a fraction for
    ``%`` and ``pp``: +8.9 % is 0.089; sessions and ranks as they are)."""

    measure: Measure
    date: dt.date
    op: str
    value: float
    tolerance: float
    written: str
    """The value as the claim wrote it (``+8.9``), so that its text keeps its precision."""
    tolerance_written: str = ""

    @property
    def text(self) -> str:
        """The claim as the grammar writes it, whatever spacing or symbols it was given with."""
        unit = self.measure.unit
        suffix = f" {unit}" if unit else ""
        tolerance = f" ± {self.tolerance_written}" if self.tolerance_written else ""
        value = f"{self.written}{suffix}{tolerance}"
        return f"{self.measure.text} on {self.date:%Y-%m-%d} {self.op} {value}"

    def with_measure(self, measure: Measure) -> Claim:
        """The same claim said of another measure (an alternative fund)."""
        return replace(self, measure=measure)


def parse_measure(text: str) -> Measure:
    """The measure of a claim (the words before ``on``), or :class:`ClaimSyntaxError`."""
    words = " ".join(text.split())
    for kind, pattern in _SUBJECTS:
        found = pattern.fullmatch(words)
        if found is None:
            continue
        parts = found.groupdict()
        period = parts.get("period") or ""
        if kind in ("return", "spread") and period.upper() not in PERIODS:
            raise ClaimSyntaxError(
                f"{period!r} is not a period: write one of {', '.join(PERIODS)} (e.g. {EXAMPLE!r})"
            )
        symbols = tuple(s.upper() for s in (parts.get("a"), parts.get("b")) if s)
        if kind in ("spread", "streak", "rank", "valuation") and symbols[0] == symbols[1]:
            raise ClaimSyntaxError(f"{words!r} compares {symbols[0]} with itself")
        basis = parts.get("basis") or ""
        basis = next((b for b in VALUATION_BASES if b.lower() == basis.lower()), basis)
        window = int(parts.get("window") or 0)
        if kind == "breadth" and window < 1:
            raise ClaimSyntaxError(f"{words!r}: an average of at least 1 session")
        return Measure(
            kind,
            symbols,
            period=period.upper(),
            list_name=(parts.get("list") or "").strip(),
            window=window,
            basis=basis,
        )
    raise ClaimSyntaxError(
        f"{words!r} is not a measure: write a return ('IWN YTD'), a spread ('IWN - IWF YTD'), "
        "a streak ('IWM over SPY streak' or 'IWM over SPY streak rank'), a breadth share "
        "('Nasdaq-100 above 200-day') or a valuation discount ('IWM vs SPY P/E discount')"
    )


def parse(text: str) -> Claim:
    """A claim of the grammar above, or :class:`ClaimSyntaxError` saying what is wrong."""
    words = " ".join(str(text).split())
    found = _CLAIM.fullmatch(words)
    if found is None:
        raise ClaimSyntaxError(
            f"{words!r} is not a claim: write what, 'on' a date, a comparison and a value, "
            f"e.g. {EXAMPLE!r}"
        )
    measure = parse_measure(found["subject"])
    try:
        date = dt.date.fromisoformat(found["date"])
    except ValueError:
        raise ClaimSyntaxError(
            f"{found['date']!r} is not a date: write it as YYYY-MM-DD (2026-03-09)"
        ) from None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise ClaimSyntaxError(
            f"{found['date']!r} is not a date of market data: write one from {FIRST_YEAR} to "
            f"{LAST_YEAR}"
        )
    unit = measure.unit
    for given in (found["unit"], found["tol_unit"]):
        if given is not None and given.rstrip("s") != unit.rstrip("s"):
            wanted = f"in {unit}" if unit else "a plain number"
            raise ClaimSyntaxError(
                f"{measure.text!r} is measured {wanted}, not in {given}"
                + (" (a spread of two returns is in pp)" if measure.kind == "spread" else "")
            )
    written = found["value"].replace("\u2212", "-")
    if measure.kind in ("streak", "rank") and "." in written:
        raise ClaimSyntaxError(f"{measure.text!r} is a whole number of sessions, not {written}")
    scale = SCALE[unit]
    op = OPERATORS[found["op"]]
    value = float(Decimal(written) / scale)
    tolerance = (
        float(Decimal(found["tol"]) / scale)
        if found["tol"] is not None
        else _default_tolerance(written, measure.kind, op) / scale
    )
    if op != "=" and found["tol"] is not None:
        raise ClaimSyntaxError(f"a tolerance (± {found['tol']}) goes with '=', not with {op!r}")
    return Claim(measure, date, op, value, tolerance, written, found["tol"] or "")


def _default_tolerance(written: str, kind: str, op: str) -> float:
    """Half a unit of the last digit written (``8.9`` -> 0.05); none for a count or a bound."""
    if op != "=" or kind in ("streak", "rank"):
        return 0.0
    decimals = len(written.partition(".")[2])
    return float(Decimal(5) / Decimal(10) ** (decimals + 1))
