"""Relative Rotation Graph (RRG-style) coordinates from weekly closes.

This is an **RRG-style approximation**, not Julius de Kempenaer's JdK RS-Ratio / RS-Momentum
(those formulas are proprietary and include a cross-sectional normalisation no open clone
reproduces). What is computed, for a symbol ``A`` against a benchmark ``B``:

1. **Weekly closes** (:func:`weekly_closes`): the last adjusted close of each calendar week (weeks
   end on Friday), labelled with the week's last real session, so a Good Friday week is labelled
   Thursday and never carries a date on which nothing traded.
2. **Relative strength** ``RS_t = 100 · A_t / B_t`` on the weeks where both have a close.
3. **RS-Ratio** ``RSR_t = 100 + (RS_t - mean_n(RS)) / std_n(RS)``: a rolling z-score of RS over the
   last ``n`` weeks (``t`` included), ``std`` with ``ddof = 1`` (sample standard deviation).
   Above 100 = RS is above its recent average (relative uptrend).
4. **Rate of change** ``ROC_t = 100 · (RSR_t / RSR_{t-m} - 1)``, a *rolling* ``m``-week change.
5. **RS-Momentum** ``RSM_t = 100 + (ROC_t - mean_n(ROC)) / std_n(ROC)``, same ``n`` and ``ddof``.
   Above 100 = RS-Ratio's ``m``-week change is above its average over the window (the relative
   trend is gaining strength).

Why the rolling ROC (notes, §1.4): the popular open clones take the ROC against a **fixed** base
``B`` (``100 · (RSR_t / B - 1)``). That is a positive affine map of RSR, and a z-score is invariant
under positive affine maps, so their RS-Momentum is just ``100 + z_n(RS-Ratio)`` whatever the base:
the base-period parameter does nothing. The ``m``-week change used here depends on where RS-Ratio
was ``m`` weeks ago, which is the momentum the axis is meant to show.

Why ``m = 4`` (:attr:`RRGParams.momentum_lag`, the notes suggest 1-4 weeks): measured on the 19
sector and style ETFs against SPY, weekly 2005-2026, ``n = 10``. With ``m = 1`` RS-Momentum is the
z-score of one week's change of RS-Ratio, which is close to white noise (lag-1 autocorrelation
-0.07), so the tails zigzag up and down every week. The autocorrelation rises to 0.41, 0.54 and
0.61 for ``m`` = 2, 3 and 4 (RS-Ratio itself: 0.74), and the tails get straighter (net
displacement over path length of an 8-week tail: 0.23, 0.28, 0.31, 0.32). The price is a delay:
the momentum turn lags a turn of RS-Ratio by about ``m / 2`` weeks. Four weeks (a month) is the
longest lag the notes suggest and reads plainly: "RS-Ratio's change over the last month, compared
with the last ten weeks". ``n = 10`` weeks (a quarter) is the 10-week RS-Ratio of the spec the
notes cite (§1.2 G) and keeps the warm-up short.

No look-ahead: every value at week ``t`` uses weeks ``≤ t`` only (rolling windows, never a
full-sample normalisation), so a point, once computed, never moves when later weeks arrive.
Scaling either price series by a constant changes nothing (z-scores are scale-free).

Edge cases, explicitly:

* Only weeks where both the symbol and the benchmark have a close count; windows count those
  weeks (a week missing from one of them is skipped, never filled).
* A point exists only when both RS-Ratio and RS-Momentum are defined, which needs
  :attr:`RRGParams.min_weeks` common weeks (``2n - 1 + m``, 23 with the defaults). A symbol that
  is absent or has fewer weeks produces **no rows** (never zeros); :func:`rrg_missing` says why.
* A window whose values do not vary (standard deviation at most 1e-9 of the window's largest
  absolute value, and for ROC at most 1e-9 percentage points) has no z-score: the week gets no
  point, and since the RS-Ratio also feeds the momentum window, neither do the next weeks whose
  windows include it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from generator.metrics import aligned

WEEK_RULE = "W-FRI"
"""Calendar weeks ending on Friday (Saturday to Friday)."""

QUADRANTS = ("Leading", "Weakening", "Lagging", "Improving")
"""Clockwise, the order of an ideal rotation."""

CENTRE = 100.0
DDOF = 1
FLAT_RTOL = 1e-9
"""A window whose standard deviation is at most this fraction of its largest absolute value is
flat: its z-score would be floating-point noise divided by floating-point noise."""
ROC_FLAT_ATOL = 1e-9
"""The same, in percentage points, for the ROC window (ROC is centred on 0, so a relative
threshold alone would accept noise around a flat RS-Ratio)."""


@dataclass(frozen=True)
class RRGParams:
    """Parameters of the RRG, in weeks."""

    window: int = 10
    """``n``: weeks in the rolling z-scores of RS (RS-Ratio) and of ROC (RS-Momentum)."""
    momentum_lag: int = 4
    """``m``: RS-Momentum is based on the change of RS-Ratio over ``m`` weeks."""
    tail: int = 8
    """Weekly points drawn per symbol on the chart, the head (latest week) included."""

    def __post_init__(self) -> None:
        if self.window < 3:
            raise ValueError(f"window must be at least 3 weeks, got {self.window}")
        if self.momentum_lag < 1:
            raise ValueError(f"momentum_lag must be at least 1 week, got {self.momentum_lag}")
        if self.tail < 1:
            raise ValueError(f"tail must be at least 1 week, got {self.tail}")

    @property
    def min_weeks(self) -> int:
        """Common weeks needed for a first point: RS-Ratio needs ``n``, ROC ``m`` more, RS-Momentum
        ``n - 1`` more ROC values."""
        return 2 * self.window - 1 + self.momentum_lag


def weekly_closes(prices: pd.DataFrame) -> pd.DataFrame:
    """One row per calendar week (Saturday-Friday): each symbol's last close in that week.

    The row is labelled with the week's **last session in the data** (the latest date of the week
    on which at least one symbol closed), not with the Friday: pandas' ``resample("W-FRI")``
    labels a Good Friday week with the holiday although it holds Thursday's close. A week still
    in progress (the data end midweek) is labelled with its last session so far. Rows where no
    symbol has a close are not sessions and are ignored. A symbol with no close in a week is
    ``NaN`` that week; with closes but none on the last session, it takes its last close of the
    week. Index named ``date``; columns as in ``prices``.
    """
    sessions = prices.dropna(how="all")
    if sessions.empty:
        empty = pd.DatetimeIndex([], name="date", dtype="datetime64[ns]")
        return pd.DataFrame(columns=prices.columns, index=empty, dtype="float64")
    week = sessions.index.to_period(WEEK_RULE)
    closes = sessions.groupby(week).last()  # last non-NaN close of each column
    labels = sessions.index.to_series().groupby(week).max()
    closes.index = pd.DatetimeIndex(
        labels.loc[closes.index].to_numpy(), name="date", dtype="datetime64[ns]"
    )
    return closes.astype("float64")


def _rolling_z(values: np.ndarray, n: int, atol: float) -> np.ndarray:
    """``(x_t - mean) / std`` over the last ``n`` values (``ddof`` = :data:`DDOF`).

    ``NaN`` for the first ``n - 1`` values, for windows holding a ``NaN`` and for flat windows
    (std ≤ ``max(atol, FLAT_RTOL · max|x|)``). Two-pass per window, so each value depends on its
    own window only.
    """
    out = np.full(values.shape, np.nan)
    if len(values) < n:
        return out
    windows = sliding_window_view(values, n)
    mean = windows.mean(axis=1)
    std = windows.std(axis=1, ddof=DDOF)
    scale = np.abs(windows).max(axis=1)
    flat = ~(std > np.maximum(atol, FLAT_RTOL * scale))  # NaN std counts as flat
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (windows[:, -1] - mean) / std
    z[flat] = np.nan
    out[n - 1 :] = z
    return out


def ratio_bounds(window: int) -> tuple[float, float]:
    """The range an RS-Ratio (or RS-Momentum) can take over a ``window`` of n weeks: the z-score
    of the latest of n values with the sample standard deviation is at most (n - 1) / sqrt(n)
    in size (97.15 to 102.85 for 10 weeks), whatever the prices."""
    reach = (window - 1) / math.sqrt(window)
    return CENTRE - reach, CENTRE + reach


def quadrant(rs_ratio: float, rs_momentum: float) -> str:
    """The RRG quadrant of a point.

    Ties go up and right: a coordinate **equal to 100 counts as ≥ 100**, so (100, 100), the
    benchmark itself, is Leading and (100, 99) is Weakening. ``NaN`` raises ``ValueError``.
    """
    if math.isnan(rs_ratio) or math.isnan(rs_momentum):
        raise ValueError(f"no quadrant for an undefined point ({rs_ratio}, {rs_momentum})")
    if rs_ratio >= CENTRE:
        return "Leading" if rs_momentum >= CENTRE else "Weakening"
    return "Improving" if rs_momentum >= CENTRE else "Lagging"


def _quadrants(rs_ratio: np.ndarray, rs_momentum: np.ndarray) -> np.ndarray:
    right, up = rs_ratio >= CENTRE, rs_momentum >= CENTRE
    return np.select(
        [right & up, right & ~up, ~right & ~up], ["Leading", "Weakening", "Lagging"], "Improving"
    )


POINT_COLUMNS = ["date", "symbol", "rs", "rs_ratio", "rs_momentum", "quadrant"]


def _check_benchmark(weekly: pd.DataFrame, benchmark: str) -> None:
    if benchmark not in weekly.columns or not weekly[benchmark].notna().any():
        raise ValueError(f"benchmark {benchmark}: no weekly closes, so no RRG can be drawn")


def _symbol_points(a: pd.Series, b: pd.Series, params: RRGParams) -> pd.DataFrame:
    both = aligned(a, b)
    if (both <= 0).any().any():
        raise ValueError("RRG needs positive closes (adjusted prices), found a close <= 0")
    rs = 100.0 * both["a"].to_numpy() / both["b"].to_numpy()
    rs_ratio = CENTRE + _rolling_z(rs, params.window, atol=0.0)
    m = params.momentum_lag
    roc = np.full(rs_ratio.shape, np.nan)
    roc[m:] = 100.0 * (rs_ratio[m:] / rs_ratio[:-m] - 1.0)
    rs_momentum = CENTRE + _rolling_z(roc, params.window, atol=ROC_FLAT_ATOL)
    frame = pd.DataFrame(
        {"date": both.index, "rs": rs, "rs_ratio": rs_ratio, "rs_momentum": rs_momentum}
    )
    return frame[frame["rs_ratio"].notna() & frame["rs_momentum"].notna()]


def rrg_points(
    weekly: pd.DataFrame, benchmark: str, symbols: Sequence[str], params: RRGParams
) -> pd.DataFrame:
    """The RRG coordinates of each symbol against ``benchmark``, every week they are defined.

    ``weekly`` comes from :func:`weekly_closes`. Returns a long frame with columns ``date`` (the
    week's label), ``symbol``, ``rs`` (``100 · A / B``), ``rs_ratio``, ``rs_momentum`` and
    ``quadrant`` (:func:`quadrant`); symbols in the order given (duplicates and the benchmark
    itself dropped), dates ascending. Formula in the module docstring. A symbol absent from
    ``weekly`` or with too little history has no rows (see :func:`rrg_missing`). Raises
    ``ValueError`` when the benchmark has no closes at all.
    """
    _check_benchmark(weekly, benchmark)
    frames = []
    for symbol in dict.fromkeys(symbols):
        if symbol == benchmark or symbol not in weekly.columns:
            continue
        frame = _symbol_points(weekly[symbol], weekly[benchmark], params)
        frames.append(frame.assign(symbol=symbol))
    if not frames:
        frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in POINT_COLUMNS})
        frame["date"] = frame["date"].astype("datetime64[ns]")
        frame["symbol"] = frame["symbol"].astype(str)
        frame["quadrant"] = frame["quadrant"].astype(str)
        return frame
    points = pd.concat(frames, ignore_index=True)
    points["date"] = points["date"].astype("datetime64[ns]")
    points["quadrant"] = _quadrants(points["rs_ratio"].to_numpy(), points["rs_momentum"].to_numpy())
    return points[POINT_COLUMNS]


def rrg_missing(
    weekly: pd.DataFrame, benchmark: str, symbols: Sequence[str], params: RRGParams
) -> dict[str, str]:
    """Why each requested symbol has no RRG point: ``{symbol: reason}`` (plotted ones absent).

    The rule: a symbol is plotted when it has at least :attr:`RRGParams.min_weeks` weeks with a
    close in common with the benchmark and non-flat windows; otherwise the reason says which
    condition failed, so a page can list the symbols it leaves out.
    """
    _check_benchmark(weekly, benchmark)
    reasons: dict[str, str] = {}
    for symbol in dict.fromkeys(symbols):
        if symbol == benchmark:
            reasons[symbol] = "the benchmark itself"
            continue
        if symbol not in weekly.columns or not weekly[symbol].notna().any():
            reasons[symbol] = "no price data"
            continue
        common = len(aligned(weekly[symbol], weekly[benchmark]))
        if common < params.min_weeks:
            reasons[symbol] = (
                f"{common} weeks with a close in common with {benchmark}, {params.min_weeks} needed"
            )
        elif _symbol_points(weekly[symbol], weekly[benchmark], params).empty:
            reasons[symbol] = f"relative strength to {benchmark} too flat for a z-score"
    return reasons


TABLE_COLUMNS = [
    "date",
    "rs_ratio",
    "rs_momentum",
    "quadrant",
    "previous_quadrant",
    "changed",
    "heading",
    "distance",
    "stale",
]


def heading(d_ratio: float, d_momentum: float) -> float:
    """Direction of a move on the RRG in degrees, ``[0, 360)``: 0° = east (RS-Ratio rising),
    counter-clockwise, so 0-90° is north-east (both rising: the strong direction), 180° west.

    Measured in index points on both axes (as on a chart with equal axis scales). ``NaN`` for no
    move at all.
    """
    if d_ratio == 0 and d_momentum == 0:
        return math.nan
    return math.degrees(math.atan2(d_momentum, d_ratio)) % 360.0


def rrg_table(points: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each symbol's latest point on or before ``as_of``, indexed by symbol (order of ``points``).

    Columns: ``date`` (that point's week), ``rs_ratio``, ``rs_momentum``, ``quadrant``,
    ``previous_quadrant`` (the symbol's previous point, normally one week earlier; missing,
    ``NaN``, if it has none), ``changed`` (quadrant differs from the previous one; ``False``
    without one),
    ``heading`` (:func:`heading` of the last tail segment; ``NaN`` without one), ``distance``
    (Euclidean distance from (100, 100) in index points) and ``stale`` (the symbol's latest point
    is older than the latest week of any symbol, e.g. its data stopped).
    """
    upto = points[points["date"] <= as_of]
    rows = {}
    latest = upto["date"].max() if not upto.empty else None
    for symbol, rows_of_symbol in upto.groupby("symbol", sort=False):
        ordered = rows_of_symbol.sort_values("date")
        head = ordered.iloc[-1]
        prev = ordered.iloc[-2] if len(ordered) > 1 else None
        rows[symbol] = {
            "date": head["date"],
            "rs_ratio": head["rs_ratio"],
            "rs_momentum": head["rs_momentum"],
            "quadrant": head["quadrant"],
            "previous_quadrant": None if prev is None else prev["quadrant"],
            "changed": prev is not None and prev["quadrant"] != head["quadrant"],
            "heading": math.nan
            if prev is None
            else heading(
                head["rs_ratio"] - prev["rs_ratio"], head["rs_momentum"] - prev["rs_momentum"]
            ),
            "distance": math.hypot(head["rs_ratio"] - CENTRE, head["rs_momentum"] - CENTRE),
            "stale": bool(head["date"] < latest),
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=TABLE_COLUMNS)
    table.index.name = "symbol"
    return table.astype(
        {
            "date": "datetime64[ns]",
            "rs_ratio": "float64",
            "rs_momentum": "float64",
            "heading": "float64",
            "distance": "float64",
            "changed": "bool",
            "stale": "bool",
        }
    )
