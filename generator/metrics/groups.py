"""Watchlist groups: equal-weight averages of a few names, and their rebased total-return lines.

* A group's period return is the **equal-weight mean** of its members' period returns, over the
  members that have a value for that period; the count is reported beside it, so "+8 % (2 of 3)"
  never passes for the whole group. No member with a value: ``NaN``.
* A rebased line is ``100 * P_t / P_start`` where ``P_start`` is the member's last close on or
  before ``start`` (the same anchoring as the period returns: with ``start`` = 31 December of the
  previous year, the line's last value is ``100 * (1 + YTD)``). A member without a close on or
  before ``start`` has no line (it is reported, not rebased to a later day).
* The group's line is the equal-weight mean of its members' rebased lines, i.e. a portfolio that
  put the same amount in each member at ``start`` and never rebalanced; on its last day it equals
  ``100 * (1 + group average return since start)``. A member's own gap (a holiday on its home
  exchange) carries its last close forward for up to :data:`GAP_FILL_LIMIT` sessions, so the
  average does not jump when one member skips a day; longer gaps drop the member from the
  average on those sessions (the count column says how many members a point averages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from generator.metrics import last_close

WATCHLIST_GROUPS: dict[str, tuple[str, ...]] = {
    "Regional banks": ("FSBC", "LOB", "KRE"),
    "Small industrials": ("ATRO", "PRLB"),
    "Energy": ("DEC",),
    "Mega-cap growth": ("MSFT", "AMZN", "NVDA", "AAPL", "GOOGL", "META"),
    "SaaS": ("CRM", "IGV"),
    "Legacy hardware": ("INTC",),
}
"""The names of the story, by group (the default watchlist)."""

GAP_FILL_LIMIT = 3
"""Sessions a member's last close may be carried forward inside a group line."""

GROUP_COLUMNS = ["group", "period", "value", "count", "members", "missing"]


def ytd_start(as_of: pd.Timestamp) -> pd.Timestamp:
    """31 December of the year before ``as_of``: rebasing there makes a line read as YTD."""
    return pd.Timestamp(as_of.year - 1, 12, 31)


def group_averages(returns: pd.DataFrame, groups: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Equal-weight mean of each group's members' period returns, counting members with a value.

    ``returns`` is symbols x periods (fractions, from :func:`generator.metrics.period_returns`); a
    member absent from it counts as having no value. Long form: ``group``, ``period``, ``value``
    (``NaN`` when no member has one), ``count`` (members averaged), ``members`` (group size),
    ``missing`` (comma-separated members without a value, ``""`` if none).
    """
    rows = []
    for period in returns.columns:
        for group, members in groups.items():
            values = {
                m: float(returns.at[m, period]) if m in returns.index else np.nan for m in members
            }
            present = [v for v in values.values() if not np.isnan(v)]
            missing = ", ".join(m for m, v in values.items() if np.isnan(v))
            value = float(np.mean(present)) if present else np.nan
            rows.append((group, str(period), value, len(present), len(members), missing))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS).astype(
        {"value": "float64", "count": "int64", "members": "int64"}
    )


def rebased(prices: pd.DataFrame, start: pd.Timestamp, as_of: pd.Timestamp) -> pd.DataFrame:
    """``100 * P_t / P_start`` for each column, on the sessions from the start session to ``as_of``.

    The start session is the last row on or before ``start`` (the first row after it if there is
    none); ``P_start`` is each column's last close on or before ``start``. Columns without one are
    all ``NaN``. A column's own ``NaN`` rows stay ``NaN`` here. ``start`` after ``as_of`` is an
    error (there is nothing to rebase yet).
    """
    if start > as_of:
        raise ValueError(f"rebase start {start:%Y-%m-%d} is after the as-of {as_of:%Y-%m-%d}")
    upto = prices.loc[:as_of]
    base = last_close(upto, start)
    before = upto.index[upto.index <= start]
    first = before[-1] if len(before) else upto.index[0] if len(upto) else start
    window = upto.loc[first:]
    return 100.0 * window / base


def group_line(lines: pd.DataFrame) -> pd.DataFrame:
    """The equal-weight mean of rebased member lines, with the count of members it averages.

    Each member's last value is carried forward over at most :data:`GAP_FILL_LIMIT` sessions of
    its own gaps (never before its first value). Columns ``value`` and ``count``; ``value`` is
    ``NaN`` where no member has a value.
    """
    filled = lines.ffill(limit=GAP_FILL_LIMIT)
    count = filled.notna().sum(axis=1)
    value = filled.mean(axis=1, skipna=True).where(count > 0)
    return pd.DataFrame({"value": value, "count": count.astype("int64")}, index=lines.index)


def group_lines(
    prices: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    start: pd.Timestamp,
    as_of: pd.Timestamp,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every member rebased to 100 at ``start`` (:func:`rebased`, up to ``as_of``), and each
    group's :func:`group_line` over its members that have a line (groups with none are left
    out)."""
    members = [m for g in groups.values() for m in g if m in prices.columns]
    window = rebased(prices[list(dict.fromkeys(members))], start, as_of) if members else None
    if window is None:
        return pd.DataFrame(), {}
    averages = {}
    for group, names in groups.items():
        have = [m for m in names if m in window.columns and window[m].notna().any()]
        if have:
            averages[group] = group_line(window[have])
    return window, averages
