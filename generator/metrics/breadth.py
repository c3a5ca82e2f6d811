"""Market breadth of an index's members: % above a moving average, the advance-decline line,
and how many members the numbers actually rest on.

Input is a price frame whose columns are the members of one list (adjusted closes, NaN where a
member has no close). Rules, stated once and printed on the Methodology page:

* **A close** is a finite, strictly positive value. NaN, infinite, zero and negative closes
  (the shared data has a member quoted at 0.0 before its US listing) are *no close*: the member
  is left out on that session, never counted as a fall to zero.
* **Member moving average**: the simple average of the member's *own* last ``window`` closes,
  the current session's included (StockCharts' ``$SPXA50R`` / ``$SPXA200R`` definition). A gap
  in one member's history is skipped over (its last ``window`` closes reach further back), not
  filled: no price is invented.
* **Eligible** for ``percent_above_ma`` on session *t*: the member has a close on *t* and at least
  ``window`` closes up to and including *t*. **Above**: close strictly greater than its average,
  beyond a relative :data:`~generator.metrics.TIE_TOLERANCE` (1e-12) that absorbs floating-point
  residue, so a member whose price did not move is never "above". The share is ``above /
  eligible``; with fewer than ``min_eligible`` eligible members (default 20) it is NaN, because
  a share of a handful of stocks is not a breadth reading.
* **Advance / decline** on session *t* (a row of the frame): the member has a close on *t* and on
  the previous row *t-1*; it advances if the close rose by more than a relative 1e-12, declines
  if it fell by more, and is unchanged otherwise. A member with a gap does not count on the
  missing session nor on the first session after it (the move across a gap is not one day's).
  The first row has no previous session: all counts are 0 there, so the line starts at 0.
* **A-D line**: the cumulative sum of ``advances - declines`` from the first row of the frame.
  Its level depends on where the frame starts; its trend is the information.

Every value at session *t* uses only rows up to *t* (cumulative sums, trailing windows): cutting
the frame at *t* or appending later rows leaves it unchanged. Member lists are today's members,
so the history has survivorship bias; the charts say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.metrics import TIE_TOLERANCE

MIN_ELIGIBLE = 20
"""Fewest eligible members for a %-above share to be shown (below it the share is NaN)."""
WINDOWS = (50, 200)
"""The moving-average windows of the breadth charts, in sessions (StockCharts' 50 and 200)."""


def _closes(prices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The closes as a C-ordered (members x sessions) array, non-closes (NaN, inf, <= 0) set to
    NaN, and the close mask.

    Members are rows so that each member's history is contiguous in memory: the cumulative sums
    run along it (and it is pandas' own block layout, so the transpose is cheap).
    """
    values = np.array(prices.to_numpy(dtype="float64").T, order="C")
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(values) & (values > 0)
    values[~valid] = np.nan
    return values, valid


def _own_sma(values: np.ndarray, valid: np.ndarray, window: int) -> np.ndarray:
    """Each member's average of its own last ``window`` closes, set only where it is eligible.

    Arrays are (members x sessions). Sums are differences of cumulative sums of ``close - first
    close``: one pass over the frame whatever the window, and exact for a member whose price never
    moves (its deviations are all 0.0). Members with a gap inside their history (rare) take the
    same arithmetic on their closes alone, so both paths give bit-identical results for the same
    closes.
    """
    m, n = values.shape
    out = np.full((m, n), np.nan)
    if n == 0 or m == 0:
        return out
    count = valid.sum(axis=1)
    first = valid.argmax(axis=1)
    last = n - 1 - valid[:, ::-1].argmax(axis=1)
    contiguous = last - first + 1 == count
    ref = np.where(count > 0, values[np.arange(m), first], 0.0)
    enough = count >= window

    rows = np.flatnonzero(enough & contiguous)
    if len(rows):
        whole = len(rows) == m  # the usual case: every member qualifies, no fancy-index copies
        pick = slice(None) if whole else rows
        ref_col = ref[pick][:, None]
        dev = values[pick] - ref_col
        dev[~valid[pick]] = 0.0
        sums = np.empty((dev.shape[0], n + 1))
        sums[:, 0] = 0.0
        np.cumsum(dev, axis=1, out=sums[:, 1:])
        del dev
        # The averages are written where they go (no temporary of the frame's size when every
        # member qualifies): column j holds the window ending at session j + window - 1.
        mean = out[:, window - 1 :] if whole else np.empty((len(rows), n - window + 1))
        np.subtract(sums[:, window:], sums[:, :-window], out=mean)
        del sums
        mean /= window
        mean += ref_col
        # A contiguous member has a close on every session from its first to its last: its
        # window ending at session t is full when first + window - 1 <= t <= last, that is for
        # first <= j <= last - window + 1.
        firsts, lasts = first[pick], last[pick]
        for k in np.flatnonzero((firsts > 0) | (lasts < n - 1)):
            mean[k, : firsts[k]] = np.nan
            mean[k, lasts[k] - window + 2 :] = np.nan
        if not whole:
            out[rows, window - 1 :] = mean

    for i in np.flatnonzero(enough & ~contiguous):
        at = np.flatnonzero(valid[i])
        sums = np.concatenate([[0.0], np.cumsum(values[i, at] - ref[i])])
        out[i, at[window - 1 :]] = (sums[window:] - sums[:-window]) / window + ref[i]
    return out


def own_moving_average(prices: pd.DataFrame, window: int) -> pd.DataFrame:
    """Each member's simple average of its own last ``window`` closes (see the module rules).

    NaN where the member has no close that session or fewer than ``window`` closes so far.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 session, got {window}")
    values, valid = _closes(prices)
    sma = _own_sma(values, valid, window)
    return pd.DataFrame(sma.T, index=prices.index, columns=prices.columns)


def percent_above_ma(
    prices: pd.DataFrame, window: int, *, min_eligible: int = MIN_ELIGIBLE
) -> pd.DataFrame:
    """Per session, the share of eligible members whose close is above their own ``window`` SMA.

    Columns: ``share`` (0..1, NaN when ``eligible < min_eligible``), ``eligible`` (members with a
    close that session and ``window`` closes of history) and ``above`` (how many of them closed
    strictly above their average). Same index as ``prices``. Formula:
    ``share_t = #{i eligible at t : P_i,t > SMA_i,t} / #{i eligible at t}``.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 session, got {window}")
    values, valid = _closes(prices)
    return _percent_above(values, valid, window, min_eligible, prices.index)


def _percent_above(
    values: np.ndarray, valid: np.ndarray, window: int, min_eligible: int, index: pd.Index
) -> pd.DataFrame:
    sma = _own_sma(values, valid, window)
    eligible = ~np.isnan(sma)
    with np.errstate(invalid="ignore"):
        above = values - sma > TIE_TOLERANCE * sma  # False wherever sma is NaN
    n_eligible = eligible.sum(axis=0)
    n_above = above.sum(axis=0)
    shown = n_eligible >= max(min_eligible, 1)
    share = np.full(len(index), np.nan)
    share[shown] = n_above[shown] / n_eligible[shown]
    return pd.DataFrame(
        {"share": share, "eligible": n_eligible.astype("int64"), "above": n_above.astype("int64")},
        index=index,
    )


def breadth_measures(
    prices: pd.DataFrame, windows: Sequence[int], *, min_eligible: int = MIN_ELIGIBLE
) -> tuple[dict[int, pd.DataFrame], pd.DataFrame]:
    """:func:`percent_above_ma` for each of ``windows`` and :func:`advance_decline`, equal to
    them, from one read of the closes: each read copies and checks the whole frame (at 12,000
    members over 25 years, about a second apiece)."""
    if any(window < 1 for window in windows):
        raise ValueError(f"windows must be at least 1 session, got {list(windows)}")
    values, valid = _closes(prices)
    shares = {w: _percent_above(values, valid, w, min_eligible, prices.index) for w in windows}
    return shares, _advance_decline(values, valid, prices.index)


def advance_decline(prices: pd.DataFrame) -> pd.DataFrame:
    """Daily advances, declines and unchanged members, their net and the cumulative A-D line.

    Columns (all ``int64``): ``advances``, ``declines``, ``unchanged`` (members with a close on
    the session and on the previous row, see the module rules), ``net = advances - declines`` and
    ``line = cumsum(net)`` from the frame's first row (which has all counts 0).
    """
    values, valid = _closes(prices)
    return _advance_decline(values, valid, prices.index)


def _advance_decline(values: np.ndarray, valid: np.ndarray, index: pd.Index) -> pd.DataFrame:
    n = values.shape[1]
    counts = {k: np.zeros(n, dtype=np.int64) for k in ("advances", "declines", "unchanged")}
    if n > 1:
        both = valid[:, 1:] & valid[:, :-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            change = values[:, 1:] / values[:, :-1] - 1.0
        up = change > TIE_TOLERANCE  # False wherever either close is missing (NaN)
        down = change < -TIE_TOLERANCE
        counts["advances"][1:] = up.sum(axis=0)
        counts["declines"][1:] = down.sum(axis=0)
        counts["unchanged"][1:] = both.sum(axis=0) - counts["advances"][1:] - counts["declines"][1:]
    net = counts["advances"] - counts["declines"]
    return pd.DataFrame({**counts, "net": net, "line": np.cumsum(net)}, index=index)


@dataclass(frozen=True)
class Coverage:
    """How many of a list's members the breadth numbers rest on, for the page's honesty line."""

    as_of: pd.Timestamp
    listed: int
    """Members in today's list."""
    priced: int
    """Members with at least one close on or before ``as_of``."""
    on_as_of: int
    """Members with a close on the ``as_of`` session itself."""
    first_session: pd.Timestamp | None
    """The first session on which any member has a close (``None`` if none has)."""
    broad_from: pd.Timestamp | None
    """The first session on which :data:`BROAD_SHARE` of the members with prices have a close:
    where the history stops resting on a few early files (``None`` if no session does)."""
    broad_to: pd.Timestamp | None
    """The last such session: the ``as_of`` session itself unless the members' prices were not
    refreshed to it (``None`` if no session is broadly covered)."""
    without_prices: tuple[str, ...]
    """Listed members with no close at all up to ``as_of`` (no file, or not trading yet)."""
    non_positive: tuple[str, ...]
    """Members with at least one zero or negative close up to ``as_of`` (treated as no close)."""

    def summary(self) -> str:
        """One line for the page, e.g. '1,933 members listed; 1,933 with prices, ...'."""
        text = (
            f"{self.listed:,} members listed; {self.priced:,} with prices, "
            f"{self.on_as_of:,} with a close on {self.as_of:%Y-%m-%d}"
        )
        if self.first_session is not None:
            text += f"; prices from {self.first_session:%Y-%m-%d}"
            if self.broad_from is not None and self.broad_from != self.first_session:
                text += f" (for {BROAD_SHARE:.0%} of them from {self.broad_from:%Y-%m-%d})"
        if self.non_positive:
            n = len(self.non_positive)
            text += f"; {n} with zero or negative closes (left out on those sessions)"
        return text

    def behind(self) -> str:
        """What the page says when most members have no close on ``as_of`` (their prices were
        not refreshed to it), else ``""``."""
        if not self.priced or self.on_as_of >= BROAD_SHARE * self.priced:
            return ""
        text = (
            f"Only {self.on_as_of:,} of the {self.priced:,} members with prices have a close on "
            f"{self.as_of:%Y-%m-%d}: their prices were not refreshed to this session (the "
            "members' fetch stops at its time budget, or at once when Yahoo rate-limits; the "
            "next run catches up)."
        )
        if self.broad_to is not None:
            text += f" Most of them have closes up to {self.broad_to:%Y-%m-%d}."
        return text + " Each session's shares count the members with a close that session."


BROAD_SHARE = 0.9
"""The share of a list's members with prices that must have a close for a session to count as
broadly covered (:attr:`Coverage.broad_from`)."""


def coverage(prices: pd.DataFrame, members: Sequence[str], as_of: pd.Timestamp) -> Coverage:
    """Count the members of ``members`` that have closes in ``prices`` up to ``as_of``.

    ``prices`` may lack columns (members without a price file) and hold other columns (ignored).
    Only rows on or before ``as_of`` are read. ``as_of`` should be the report's as-of session:
    on a date that is not a row of ``prices``, ``on_as_of`` is 0.
    """
    as_of = pd.Timestamp(as_of)
    tickers = list(dict.fromkeys(members))
    present = [t for t in tickers if t in prices.columns]
    window = prices.loc[prices.index <= as_of, present]
    _, valid = _closes(window)
    with np.errstate(invalid="ignore"):
        non_positive = window.to_numpy(dtype="float64") <= 0
    has_close = valid.any(axis=1)
    on_day = (
        valid[:, -1] if len(window) and window.index[-1] == as_of else np.zeros(len(present), bool)
    )
    rows_with_close = np.flatnonzero(valid.any(axis=0))
    priced = {t for t, ok in zip(present, has_close, strict=True) if ok}
    broad = np.flatnonzero(valid.sum(axis=0) >= BROAD_SHARE * len(priced)) if priced else []
    return Coverage(
        as_of=as_of,
        listed=len(tickers),
        priced=len(priced),
        on_as_of=int(on_day.sum()),
        first_session=window.index[rows_with_close[0]] if len(rows_with_close) else None,
        broad_from=window.index[broad[0]] if len(broad) else None,
        broad_to=window.index[broad[-1]] if len(broad) else None,
        without_prices=tuple(t for t in tickers if t not in priced),
        non_positive=tuple(
            t for t, bad in zip(present, non_positive.any(axis=0), strict=True) if bad
        ),
    )
