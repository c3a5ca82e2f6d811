"""Risk: rolling volatility, rolling beta and correlation, on daily log returns.

Definitions (printed on the Methodology page):

* Daily log return of a close series ``P``: ``r_t = ln(P_t / P_{t-1})`` between consecutive
  sessions on which the series has a close (a gap of its own is spanned, never filled with 0).
* Rolling volatility over ``n`` returns: ``sqrt(252) * std(r_{t-n+1} .. r_t)``, the sample standard
  deviation (``ddof=1``) annualised with 252 sessions a year.
* Rolling beta and correlation of ``y`` on ``x`` over ``n`` returns: ``beta = Cov(y, x) / Var(x)``
  and Pearson ``corr = Cov(y, x) / (sd(y) sd(x))``, both computed on returns (not prices) over the
  **same** ``n`` sessions. For two price series the returns are taken on the sessions on which
  **both** have a close, so a holiday in one market never pairs a two-day move with a one-day move.
* Only full windows: a value needs ``n`` returns (``n + 1`` closes); before that it is ``NaN``.
* Degenerate windows are explicit: if ``x`` does not move in a window, beta and correlation are
  ``NaN`` (undefined); if only ``y`` is flat, beta is ``0`` and correlation ``NaN``.

Every function is causal: the value at session *t* uses returns up to *t* only. Each window is
computed directly from its own values (two-pass mean then deviations), not by a running update,
so a value never depends on how much history precedes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from generator.metrics import aligned

SESSIONS_PER_YEAR = 252
VOL_WINDOW = 63
"""About three months of sessions: the usual horizon for a risk panel (one quarter)."""
BETA_WINDOW = 126
"""About six months of sessions: long enough for a stable beta, short enough to show regimes."""


def log_returns(prices: pd.Series) -> pd.Series:
    """``ln(P_t / P_{t-1})`` between consecutive closes of the series (``NaN`` rows dropped first).

    Indexed by the later session of each pair, so the first close has no return.
    """
    clean = prices.dropna()
    return np.log(clean / clean.shift(1)).iloc[1:]


def rolling_volatility(prices: pd.Series, window: int = VOL_WINDOW) -> pd.Series:
    """Annualised volatility: ``sqrt(252) * std(daily log returns over window sessions)``.

    Sample standard deviation (``ddof=1``); ``NaN`` until ``window`` returns exist. Indexed by the
    sessions on which ``prices`` has a close, from the second one on. Scaling the prices by a
    constant changes nothing (log returns are scale-free).
    """
    _check_window(window, minimum=2)
    returns = log_returns(prices)
    values = returns.to_numpy(dtype="float64")
    out = np.full(len(values), np.nan)
    if len(values) >= window:
        windows = sliding_window_view(values, window)
        out[window - 1 :] = windows.std(axis=1, ddof=1) * np.sqrt(SESSIONS_PER_YEAR)
    return pd.Series(out, index=returns.index, name="volatility")


def rolling_regression(y: pd.Series, x: pd.Series, window: int) -> pd.DataFrame:
    """Rolling ``beta`` (of ``y`` on ``x``) and ``corr`` of two already-computed change series.

    ``y`` and ``x`` must share their index (the caller aligns them); a ``NaN`` anywhere in a window
    makes that window ``NaN``. ``beta = Cov(y, x) / Var(x)`` (units of ``y`` per unit of ``x``),
    ``corr`` = Pearson correlation. See the module docstring for flat windows.
    """
    _check_window(window, minimum=2)
    if not y.index.equals(x.index):
        raise ValueError("rolling_regression: y and x must have the same index")
    n = len(y)
    beta = np.full(n, np.nan)
    corr = np.full(n, np.nan)
    if n >= window:
        yw = sliding_window_view(y.to_numpy(dtype="float64"), window)
        xw = sliding_window_view(x.to_numpy(dtype="float64"), window)
        dy = yw - yw.mean(axis=1, keepdims=True)
        dx = xw - xw.mean(axis=1, keepdims=True)
        cov = (dy * dx).sum(axis=1)
        var_x = (dx * dx).sum(axis=1)
        var_y = (dy * dy).sum(axis=1)
        # Exactly flat windows (max == min): the mean of equal numbers can carry a rounding
        # residue, so "no variance" is decided on the raw values, not on var == 0.
        flat_x = np.ptp(xw, axis=1) == 0
        flat_y = np.ptp(yw, axis=1) == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            b = np.where(flat_x, np.nan, np.where(flat_y, 0.0, cov / var_x))
            c = np.where(flat_x | flat_y, np.nan, cov / np.sqrt(var_x * var_y))
        beta[window - 1 :] = b
        corr[window - 1 :] = np.clip(c, -1.0, 1.0)
    return pd.DataFrame({"beta": beta, "corr": corr}, index=y.index)


def rolling_beta_corr(
    asset: pd.Series, bench: pd.Series, window: int = BETA_WINDOW
) -> pd.DataFrame:
    """Rolling beta and correlation of ``asset`` against ``bench`` on daily log returns.

    Returns are taken between consecutive sessions on which **both** have a close; columns ``beta``
    (``Cov(r_asset, r_bench) / Var(r_bench)``) and ``corr``; ``NaN`` until ``window`` common
    returns exist. Indexed by the common sessions from the second one on.
    """
    both = aligned(asset, bench)
    r_asset = np.log(both["a"] / both["a"].shift(1)).iloc[1:]
    r_bench = np.log(both["b"] / both["b"].shift(1)).iloc[1:]
    return rolling_regression(r_asset, r_bench, window)


def _check_window(window: int, *, minimum: int) -> None:
    if int(window) != window or window < minimum:
        raise ValueError(f"window must be an integer >= {minimum}, got {window!r}")
