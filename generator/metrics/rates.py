"""Rates: the curve slope and how a relative-strength line moves with yields.

Yields (``^TNX``, ``^IRX``) are percent **levels** (4.25 = 4.25 %). Their moves are differences,
never percent returns: a change of ``0.10`` in the level is ``10`` basis points (bp).

* ``^TNX`` is the 10-year Treasury note yield (CBOE index, yield to maturity).
* ``^IRX`` is the 13-week Treasury bill rate on a **discount basis** (the auction's discount
  rate, not a bond-equivalent yield). The discount rate sits *below* the bill's bond-equivalent
  yield (``365 d / (360 - 91 d)``: about 9 bp below at 3.7 %, 10 bp at 4 %), so ``^TNX - ^IRX``
  overstates a like-for-like slope by about that much. The chart's subtitle says so.

Both functions use only the sessions on which both series have a value (no filled gaps) and are
causal: the value at session *t* depends on data up to *t* only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.metrics import aligned
from generator.metrics.risk import rolling_regression

SENSITIVITY_WINDOW = 63
"""About three months of sessions."""
BP_PER_POINT = 100.0
"""Basis points in one percentage point of yield."""
BETA_DISPLAY_BP = 10.0
"""Charts show beta as the ratio's move (in %) per this many bp of yield change."""
DISCOUNT_BASIS = frozenset({"^IRX"})
"""Yahoo's yield indexes quoted as a bill's discount rate, not a yield: a slope against one of
them reads about 10 bp steep (see above). The Rates page says so only for these."""


def curve_slope(long: pd.Series, short: pd.Series) -> pd.Series:
    """``long - short`` in percentage points (e.g. ``^TNX - ^IRX``), on common sessions only.

    A session where either yield is missing is left out (not filled). Positive = upward-sloping
    curve, negative = inverted. Multiply by 100 for basis points.
    """
    both = aligned(long, short)
    return (both["a"] - both["b"]).rename("slope")


def yield_changes_bp(levels: pd.Series) -> pd.Series:
    """Daily change of a percent yield in basis points: ``100 * (y_t - y_{t-1})``.

    Between consecutive sessions with a value; indexed by the later session.
    """
    clean = levels.dropna()
    return (BP_PER_POINT * clean.diff()).iloc[1:]


def rolling_sensitivity(
    ratio: pd.Series, yield_level: pd.Series, window: int = SENSITIVITY_WINDOW
) -> pd.DataFrame:
    """Rolling correlation and beta of a ratio's daily log returns on a yield's daily bp changes.

    On the sessions where both have a value, ``r_t = ln(R_t / R_{t-1})`` for the ratio ``R`` (e.g.
    IWN/IWF) and ``dy_t = 100 * (y_t - y_{t-1})`` bp for the yield; over the last ``window`` pairs:

    * ``corr`` = Pearson correlation of ``r`` and ``dy``;
    * ``beta`` = ``Cov(r, dy) / Var(dy)``: the ratio's log return **per 1 bp** of yield change
      (``-0.0004`` = the ratio falls about 0.04 % per 1 bp rise; charts show ``beta * 1000``,
      i.e. % per 10 bp).

    Only full windows (``NaN`` before ``window`` pairs exist); a window in which the yield does not
    move has no beta or correlation (``NaN``). Rescaling the ratio (any rebasing) changes nothing.
    Indexed by the common sessions from the second one on.
    """
    both = aligned(ratio, yield_level)
    r = np.log(both["a"] / both["a"].shift(1)).iloc[1:]
    dy = (BP_PER_POINT * both["b"].diff()).iloc[1:]
    out = rolling_regression(r, dy, window)
    return out[["corr", "beta"]]
