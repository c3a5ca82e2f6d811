"""Valuation from the snapshot history: each fund's P/E, and one fund's discount to another.

The history (:mod:`generator.valuation`) holds Yahoo's numbers as they were reported on each
day a snapshot was taken; these functions read a P/E from them (:func:`pe`) and never use a
snapshot taken after the session they are asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PE = "price_earnings"
"""The history's field of a fund's price/earnings (as Yahoo gives it)."""
STALE_DAYS = 14
"""A snapshot older than this on the session asked about is too old to stand for it."""


def pe(raw: float | None) -> float | None:
    """A fund's price/earnings from Yahoo's number: Yahoo gives some funds' P/E as its
    reciprocal, the earnings yield (0.0569 for a P/E of 17.6), and others' as the P/E itself
    (20.6). No diversified fund has a P/E under 1 or an earnings yield of 100 % or more, so a
    number under 1 is read as the yield and inverted; zero or a negative number (losses) gives
    none."""
    if raw is None or pd.isna(raw) or raw <= 0:
        return None
    return float(raw) if raw >= 1 else 1.0 / float(raw)


@dataclass(frozen=True)
class Reading:
    """A fund's P/E as of a session: the snapshot's day, its value and who reported it."""

    day: pd.Timestamp
    value: float
    source: str


def pe_series(history: pd.DataFrame, symbol: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """One fund's P/E at each snapshot taken on or before ``as_of``: columns ``date``, ``pe``,
    ``source`` (snapshots where Yahoo's number gives no P/E are left out)."""
    rows = history[
        (history["symbol"] == symbol) & (history["field"] == PE) & (history["date"] <= as_of)
    ]
    values = rows["value"].map(pe)
    kept = values.notna()
    return pd.DataFrame(
        {
            "date": rows["date"][kept].to_numpy(),
            "pe": values[kept].astype(float).to_numpy(),
            "source": rows["source"][kept].to_numpy(),
        }
    )


def latest_pe(history: pd.DataFrame, symbol: str, as_of: pd.Timestamp) -> Reading | None:
    """The fund's P/E from its last snapshot on or before ``as_of``, if one is at most
    :data:`STALE_DAYS` old."""
    last = latest(pe_series(history, symbol, as_of), as_of)
    if last is None:
        return None
    return Reading(pd.Timestamp(last["date"]), float(last["pe"]), str(last["source"]))


def known_by(history: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The snapshots taken on or before ``as_of``: what a report of that session may show."""
    return history[history["date"] <= as_of]


def discount(pe_a: float, pe_b: float) -> float:
    """How much cheaper ``a`` is than ``b`` on P/E, as a fraction: ``pe_a / pe_b - 1``
    (-0.31 is a 31 % discount, +0.10 a 10 % premium)."""
    return pe_a / pe_b - 1.0


def discount_history(history: pd.DataFrame, a: str, b: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """``a``'s discount to ``b`` on each day both were snapshotted, up to ``as_of``: columns
    ``date``, ``pe_a``, ``pe_b``, ``discount``."""
    both = pe_series(history, a, as_of).merge(
        pe_series(history, b, as_of), on="date", suffixes=("_a", "_b")
    )
    return pd.DataFrame(
        {
            "date": both["date"],
            "pe_a": both["pe_a"],
            "pe_b": both["pe_b"],
            "discount": discount(both["pe_a"], both["pe_b"]),
        }
    )


def latest(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series | None:
    """The last row of a dated history (``date`` column) if it is at most :data:`STALE_DAYS`
    old on ``as_of``."""
    if frame.empty or as_of - frame["date"].iloc[-1] > pd.Timedelta(days=STALE_DAYS):
        return None
    return frame.iloc[-1]
