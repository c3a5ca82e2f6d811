"""The style box: a 3 x 3 grid of size (Large / Mid / Small) by style (Value / Core / Growth) funds.

This reshapes period returns (from :func:`generator.metrics.period_returns`) into the grid and
derives the two spreads everybody quotes, Small - Large and Value - Growth.

Missing data is a cell, not a hole: a fund without prices (no file, failed validation) or without a
close on or before a period's anchor (too young for ``1Y``) gives a cell whose value is ``NaN``
and whose ``note`` says why. It is never dropped and never shown as 0.

Spreads (definitions printed on the Methodology page)
-----------------------------------------------------
All spreads are **arithmetic differences of period total returns**, ``r_A - r_B``, in fractions
(0.05 = 5 percentage points), as in J.P. Morgan's Guide to the Markets and StockCharts PerfCharts.

* **Small - Large**, per style column: Small Value - Large Value (IWN - IWD), Small Core - Large
  Core (IWM - IWB), Small Growth - Large Growth (IWO - IWF). The **overall** Small - Large is the
  **Core** column: a core fund holds its whole size segment (Russell 2000 vs Russell 1000), so
  IWM - IWB is "small caps vs large caps" as the market quotes it, without a style tilt and
  without counting value and growth twice (a row average would add Core to its own halves).
* **Value - Growth**, per size row: Large (IWD - IWF), Mid (IWS - IWP), Small (IWN - IWO). The
  **overall** Value - Growth is the equal-weight average of the three rows, which is the same as
  (mean of the Value column) - (mean of the Growth column): there is no all-cap value or growth
  fund in the grid, and equal weights keep the overall from being just the large-cap row.
* **Small Value - Large Growth** (IWN - IWF): the diagonal of the box, the "Great Rotation" pair.

A spread whose input is missing is ``NaN`` with a note naming the missing fund and its reason;
an average is never taken over the rows that happen to be available.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from generator.metrics import period_anchor

SIZES: tuple[str, str, str] = ("Large", "Mid", "Small")
STYLES: tuple[str, str, str] = ("Value", "Core", "Growth")

GRID_COLUMNS = ["size", "style", "symbol", "period", "value", "note"]
SPREAD_COLUMNS = ["spread", "scope", "long", "short", "period", "value", "note"]

MINUS = "\N{MINUS SIGN}"
SMALL_MINUS_LARGE = f"Small {MINUS} Large"
VALUE_MINUS_GROWTH = f"Value {MINUS} Growth"
DIAGONAL = f"Small Value {MINUS} Large Growth"
OVERALL = "Overall"


def check_grid(grid: Sequence[Sequence[str]]) -> None:
    """Raise ``ValueError`` unless ``grid`` is 3 rows (Large, Mid, Small) of 3 symbols."""
    if len(grid) != len(SIZES) or any(len(row) != len(STYLES) for row in grid):
        raise ValueError(
            "a style box is 3 rows (Large, Mid, Small) of 3 symbols (Value, Core, Growth), "
            f"got {[list(row) for row in grid]}"
        )


def symbols_of(grid: Sequence[Sequence[str]]) -> list[str]:
    """The grid's nine symbols, row by row (Large Value first)."""
    check_grid(grid)
    return [symbol for row in grid for symbol in row]


def style_grid(
    returns: pd.DataFrame,
    grid: Sequence[Sequence[str]],
    reasons: Mapping[str, str],
    *,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The grid in long form: one row per cell and period.

    ``returns`` is symbols x periods (fractions), as from
    :func:`generator.metrics.period_returns`; ``grid`` is 3 rows of 3 symbols (see
    :data:`generator.config.RUSSELL`); ``reasons`` maps a symbol without prices to why (e.g. the
    loader's ``"no file .../IWS.csv"``).

    Columns: ``size``, ``style``, ``symbol``, ``period``, ``value``, ``note``; rows ordered by
    period (as in ``returns``), then size, then style. ``note`` is ``""`` for a cell with a value;
    for a ``NaN`` cell it says why:

    * symbol absent from ``returns``: ``reasons[symbol]``, or ``"no prices"`` if not given;
    * symbol present but no value for the period: ``reasons[symbol]`` if given, else "no close on
      or before the <period> anchor" (with the anchor date when ``as_of`` is given), the only way
      :func:`period_returns` yields ``NaN`` for a symbol with prices.
    """
    check_grid(grid)
    periods = [str(p) for p in returns.columns]
    rows = []
    for period in periods:
        for size, row in zip(SIZES, grid, strict=True):
            for style, symbol in zip(STYLES, row, strict=True):
                if symbol in returns.index:
                    value = float(returns.at[symbol, period])
                    if np.isnan(value):
                        note = reasons.get(symbol) or _no_anchor_note(period, as_of)
                    else:
                        note = ""
                else:
                    value = np.nan
                    note = reasons.get(symbol) or "no prices"
                rows.append((size, style, symbol, period, value, note))
    return pd.DataFrame(rows, columns=GRID_COLUMNS).astype({"value": "float64"})


def _no_anchor_note(period: str, as_of: pd.Timestamp | None) -> str:
    if as_of is None:
        return f"no close on or before the {period} anchor"
    anchor = period_anchor(pd.Timestamp(as_of), period)
    return f"no close on or before the {period} anchor ({anchor:%Y-%m-%d})"


def _spread(
    cells: pd.DataFrame,
    *,
    name: str,
    scope: str,
    longs: Sequence[tuple[str, str]],
    shorts: Sequence[tuple[str, str]],
    period: str,
) -> tuple:
    """``mean(long cells) - mean(short cells)``; ``NaN`` with a note if any input is missing."""
    picked = [cells.loc[(period, size, style)] for size, style in (*longs, *shorts)]
    missing = [c for c in picked if np.isnan(c["value"])]
    long_syms = "+".join(cells.loc[(period, s, t), "symbol"] for s, t in longs)
    short_syms = "+".join(cells.loc[(period, s, t), "symbol"] for s, t in shorts)
    if missing:
        note = "; ".join(
            f"needs {c['symbol']} ({c.name[1]} {c.name[2]}): {c['note']}" for c in missing
        )
        return (name, scope, long_syms, short_syms, period, np.nan, note)
    long_mean = np.mean([cells.loc[(period, s, t), "value"] for s, t in longs])
    short_mean = np.mean([cells.loc[(period, s, t), "value"] for s, t in shorts])
    return (name, scope, long_syms, short_syms, period, float(long_mean - short_mean), "")


def style_spreads(grid_frame: pd.DataFrame) -> pd.DataFrame:
    """Small - Large, Value - Growth and the diagonal, per period, from :func:`style_grid`.

    Long form: ``spread`` (:data:`SMALL_MINUS_LARGE`, :data:`VALUE_MINUS_GROWTH`,
    :data:`DIAGONAL`), ``scope`` (the style column, the size row, or :data:`OVERALL`), ``long`` and
    ``short`` (the symbols, ``+``-joined for averages), ``period``, ``value`` (fraction; 0.05 =
    +5 pp), ``note`` (why a value is ``NaN``, else ``""``). Definitions in the module docstring.
    """
    cells = grid_frame.set_index(["period", "size", "style"])
    periods = list(dict.fromkeys(grid_frame["period"]))
    # (spread, scope, long cells, short cells): the definitions of the module docstring.
    specs: list[tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]] = [
        *((SMALL_MINUS_LARGE, style, [("Small", style)], [("Large", style)]) for style in STYLES),
        (SMALL_MINUS_LARGE, OVERALL, [("Small", "Core")], [("Large", "Core")]),
        *((VALUE_MINUS_GROWTH, size, [(size, "Value")], [(size, "Growth")]) for size in SIZES),
        (
            VALUE_MINUS_GROWTH,
            OVERALL,
            [(size, "Value") for size in SIZES],
            [(size, "Growth") for size in SIZES],
        ),
        (DIAGONAL, OVERALL, [("Small", "Value")], [("Large", "Growth")]),
    ]
    rows = [
        _spread(cells, name=name, scope=scope, longs=longs, shorts=shorts, period=period)
        for period in periods
        for name, scope, longs, shorts in specs
    ]
    return pd.DataFrame(rows, columns=SPREAD_COLUMNS).astype({"value": "float64"})
