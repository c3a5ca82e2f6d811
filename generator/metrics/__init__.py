"""Rotation metrics: pure functions on price frames and series, no I/O.

Conventions, stated once and printed on the Methodology page:

* Prices are adjusted closes, so every return is a **total return** (dividends reinvested).
* Period returns are **calendar-anchored**: the return over ``1M`` as of session *t* runs from the
  last close on or before *t* minus one calendar month to the last close on or before *t*. ``YTD``
  starts from the last close of the previous calendar year. A symbol without a close on or before
  the anchor (it did not trade yet) has no return for that period (``NaN``), never a made-up one.
* Pair metrics use only the sessions on which **both** symbols have a close, so a holiday or a
  gap in one series never fabricates a move in the other.
* Nothing here looks past the last row it is given: the caller truncates the data at the report's
  as-of session, and every function is causal (rolling windows, cumulative maxima).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PERIOD_OFFSETS: dict[str, pd.DateOffset] = {
    "1W": pd.DateOffset(weeks=1),
    "1M": pd.DateOffset(months=1),
    "3M": pd.DateOffset(months=3),
    "6M": pd.DateOffset(months=6),
    "1Y": pd.DateOffset(years=1),
    "3Y": pd.DateOffset(years=3),
    "5Y": pd.DateOffset(years=5),
}


def period_anchor(as_of: pd.Timestamp, period: str) -> pd.Timestamp:
    """The calendar date whose last close on or before it starts ``period`` as of ``as_of``."""
    if period == "YTD":
        return pd.Timestamp(as_of.year - 1, 12, 31)
    return as_of - PERIOD_OFFSETS[period]


def last_close(prices: pd.DataFrame, on_or_before: pd.Timestamp) -> pd.Series:
    """Each symbol's last close on or before a date (``NaN`` if it had none yet)."""
    window = prices.loc[:on_or_before]
    if window.empty:
        return pd.Series(np.nan, index=prices.columns, dtype="float64")
    return window.ffill().iloc[-1]


def period_returns(prices: pd.DataFrame, as_of: pd.Timestamp, periods: list[str]) -> pd.DataFrame:
    """Total return of each symbol over each period, as a fraction (0.05 = +5 %).

    Rows are symbols, columns periods. Returns ``NaN`` where the symbol has no close on or before
    the period's anchor.
    """
    end = last_close(prices, as_of)
    return pd.DataFrame(
        {p: end / last_close(prices, period_anchor(as_of, p)) - 1.0 for p in periods},
        index=prices.columns,
    )


def period_changes(levels: pd.DataFrame, as_of: pd.Timestamp, periods: list[str]) -> pd.DataFrame:
    """Change of each level (a yield in percent) over each period, in the level's own units.

    Yields are rates, not prices: their change is a difference, never a percent return.
    Multiply by 100 for basis points.
    """
    end = last_close(levels, as_of)
    return pd.DataFrame(
        {p: end - last_close(levels, period_anchor(as_of, p)) for p in periods},
        index=levels.columns,
    )


def aligned(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """The sessions on which both series have a close, as columns ``a`` and ``b``."""
    return pd.concat({"a": a, "b": b}, axis=1, sort=True).dropna()


def ratio_line(a: pd.Series, b: pd.Series) -> pd.Series:
    """Relative strength ``a / b`` on common sessions, rebased to 100 at the first of them."""
    both = aligned(a, b)
    ratio = both["a"] / both["b"]
    if ratio.empty:
        return ratio
    return 100.0 * ratio / ratio.iloc[0]


def moving_average(series: pd.Series, window: int) -> pd.Series:
    """Simple moving average over ``window`` observations; ``NaN`` until the window is full."""
    return series.rolling(window, min_periods=window).mean()


def drawdown(series: pd.Series) -> pd.Series:
    """Fall from the running peak, as a fraction (-0.2 = 20 % below the highest close so far)."""
    clean = series.dropna()
    return clean / clean.cummax() - 1.0


TIE_TOLERANCE = 1e-12
"""Log-ratio changes this small are ties: far below any quoted price's precision."""


def outperformance(a: pd.Series, b: pd.Series) -> pd.Series:
    """For each common session after the first: did ``a``'s daily return beat ``b``'s?

    A tie is not a beat. Computed as the change of ``log(a / b)``, which compares the two daily
    returns; a change within :data:`TIE_TOLERANCE` is a tie, because equal percentage moves
    (9.00 -> 9.90 against 70 -> 77) leave a floating-point residue of about 1e-16.
    """
    both = aligned(a, b)
    rel = np.log(both["a"] / both["b"]).diff().iloc[1:]
    return rel > TIE_TOLERANCE


@dataclass(frozen=True)
class Streak:
    """A run of consecutive sessions; ``length`` 0 means no run (and no dates)."""

    length: int
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None


@dataclass(frozen=True)
class StreakSummary:
    """The current run, the record run and where the current one ranks among all runs."""

    current: Streak
    record: Streak
    rank: int | None
    """1 = the longest run in the history (ties share a rank); ``None`` when no current run."""
    runs: int
    """How many runs the history holds, the current one included."""


def runs(flags: pd.Series) -> pd.DataFrame:
    """Every maximal run of ``True`` in a boolean series: columns ``start``, ``end``, ``length``."""
    values = flags.to_numpy(dtype=bool)
    if not values.any():
        return pd.DataFrame({"start": [], "end": [], "length": []}).astype(
            {"start": "datetime64[ns]", "end": "datetime64[ns]", "length": "int64"}
        )
    padded = np.concatenate([[False], values, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    starts, stops = edges[::2], edges[1::2] - 1
    index = flags.index
    return pd.DataFrame(
        {"start": index[starts], "end": index[stops], "length": (stops - starts + 1)}
    )


def streak_summary(flags: pd.Series) -> StreakSummary:
    """Current and record runs of ``True`` in ``flags`` (e.g. sessions A beat B)."""
    table = runs(flags)
    if table.empty:
        return StreakSummary(Streak(0), Streak(0), None, 0)
    best = table.loc[table["length"].idxmax()]  # idxmax: the earliest of equal-length records
    record = Streak(int(best["length"]), best["start"], best["end"])
    last = table.iloc[-1]
    if bool(flags.iloc[-1]):
        current = Streak(int(last["length"]), last["start"], last["end"])
        rank = 1 + int((table["length"] > current.length).sum())
    else:
        current, rank = Streak(0), None
    return StreakSummary(current, record, rank, len(table))


def top_runs(flags: pd.Series, n: int = 10) -> pd.DataFrame:
    """The ``n`` longest runs, longest first (earlier first among equals)."""
    return runs(flags).sort_values(["length", "start"], ascending=[False, True]).head(n)
