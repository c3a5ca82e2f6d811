"""Long-run history of a pair: leadership episodes, streak records and ratio drawdowns.

Leadership is read from the **ratio line** ``A / B`` (common sessions, :func:`ratio_line`) on
**weekly closes**: the close of the last session of each calendar week (Monday-Sunday), labelled
with that real session's date (a Good-Friday week is labelled Thursday, never a holiday). When the
data end mid-week, the last week's close is the newest session's close: as of a Wednesday, the
week so far ends on Wednesday. That last point is provisional (Friday's close will replace it),
which is a revision of an unfinished week, not look-ahead.

The episode rule (:class:`EpisodeRule`, defaults in brackets)
-------------------------------------------------------------
* ``side(w)`` = "a" when the weekly ratio is **above** its simple moving average over the last
  ``ma_weeks`` [40] weekly closes (about 200 sessions), "b" when **below**; a tie (within
  :data:`TIE_TOLERANCE`, relative) is no side.
  Weeks before the average's window is full have no side and belong to no episode.
* **Hysteresis**: the leader changes only when ``side`` is the other one for ``min_confirm`` [4]
  *consecutive* weeks; a crossing that lasts fewer weeks (or a tie week, which breaks the count) is
  absorbed by the current episode. The first leader also needs ``min_confirm`` weeks on one side.
* An **episode** is a maximal stretch of weeks with one leader. Its ``start`` is back-dated to the
  **first week of the confirmed crossing**, its ``confirmed`` date is the week the crossing
  reached ``min_confirm`` weeks. Consecutive episodes are contiguous: one ends the week before the
  next starts; the ongoing (last) episode has ``end = NaT``.
* Episodes shorter than ``min_weeks`` [26] are **kept and flagged** ``sustained = False`` (not
  dropped): dropping them would leave holes in the history and break the chain of ratio changes
  (the changes of consecutive episodes compound to the ratio's total change). An ongoing episode
  shorter than ``min_weeks`` is "not sustained yet".
* ``ratio_change`` of an episode = ratio at its last weekly close / ratio at the weekly close just
  before its start - 1 (the change over the weeks it covers).

Look-ahead
----------
The back-dated ``start`` uses later data to label the past: for ``min_confirm - 1`` weeks after a
crossing began, a reader at the time still saw the old leader. That is right for a **history**
table and says nothing about what was known then. What was known then is :func:`regime_states` /
:func:`current_regime`: the leader *as of* each week, computed from that week's data and earlier
only (the back-dated ``since`` of a confirmed leader is in the past, so it is known at the time).
Appending data after a date D never changes the states up to D, nor any episode whose end was
confirmed by D (its successor's ``confirmed`` date is <= D); the tests check both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.metrics import (
    TIE_TOLERANCE,
    aligned,
    drawdown,
    moving_average,
    outperformance,
    ratio_line,
    rrg,
    top_runs,
)

Side = str
"""``"a"`` (the pair's first symbol leads) or ``"b"`` (the second leads)."""


@dataclass(frozen=True)
class EpisodeRule:
    """Parameters of the leadership-episode rule (see the module docstring for the full rule)."""

    ma_weeks: int = 40
    """Window of the simple moving average of the weekly ratio: 40 weeks, about 200 sessions."""
    min_confirm: int = 4
    """Consecutive weeks on the other side that change the leader; shorter crossings are noise."""
    min_weeks: int = 26
    """Episodes shorter than this (half a year) are flagged ``sustained = False``."""

    def __post_init__(self) -> None:
        if self.ma_weeks < 2:
            raise ValueError(f"ma_weeks must be at least 2, got {self.ma_weeks}")
        if self.min_confirm < 1:
            raise ValueError(f"min_confirm must be at least 1, got {self.min_confirm}")
        if self.min_weeks < 1:
            raise ValueError(f"min_weeks must be at least 1, got {self.min_weeks}")

    def describe(self) -> str:
        """One line for subtitles and the Methodology page."""
        return (
            f"leader = ratio above/below its {self.ma_weeks}-week average, "
            f"changes after {self.min_confirm} weeks on the other side; "
            f"episodes under {self.min_weeks} weeks not sustained"
        )


def weekly_closes(series: pd.Series) -> pd.Series:
    """The last non-missing value of each calendar week, at its real date.

    One series through :func:`generator.metrics.rrg.weekly_closes`, so the history and the
    rotation graphs share one definition of a week (a holiday Friday gives Thursday's date).
    """
    clean = series.dropna()
    if clean.empty:
        return clean
    name = clean.name if clean.name is not None else "value"
    weekly = rrg.weekly_closes(clean.rename(name).to_frame())[name]
    return weekly.rename(series.name)


def ratio_lines(ratio: pd.Series, ma_weeks: int) -> pd.DataFrame:
    """The ratio's weekly closes rebased to 100 on its first daily close (``ratio``), and their
    ``ma_weeks``-week moving average (``ma``, the average the episode rule reads)."""
    daily = ratio.dropna()
    weekly = weekly_closes(daily)
    scale = 100.0 / daily.iloc[0]
    return pd.DataFrame({"ratio": weekly * scale, "ma": moving_average(weekly, ma_weeks) * scale})


# ---------------------------------------------------------------------------------------------
# Leadership: causal weekly states, then the history of episodes
# ---------------------------------------------------------------------------------------------

_STATE_COLUMNS = ["ratio", "ma", "side", "leader", "since", "confirmed", "challenger", "pending"]


@dataclass(frozen=True)
class _Walk:
    """The rule run once over the weekly closes: per-week states and the confirmed crossings."""

    weekly: pd.Series
    rows: list[tuple]
    crossings: list[tuple[Side, int, int]]
    """``(side, first week of the crossing, week it was confirmed)`` as positions, in order."""


def _walk(ratio: pd.Series, rule: EpisodeRule) -> _Walk:
    weekly = weekly_closes(ratio).astype("float64")
    means = moving_average(weekly, rule.ma_weeks).to_numpy()
    values, dates = weekly.to_numpy(), weekly.index
    rows: list[tuple] = []
    crossings: list[tuple[Side, int, int]] = []
    leader: Side | None = None
    since = confirmed = None
    challenger: Side | None = None
    pending, pending_start = 0, -1
    for i in range(len(weekly)):
        r, m = values[i], means[i]
        side: Side | None = None
        if not np.isnan(m) and abs(r / m - 1.0) > TIE_TOLERANCE:
            side = "a" if r > m else "b"
        if side is None or side == leader:
            challenger, pending = None, 0
        else:
            if side == challenger:
                pending += 1
            else:
                challenger, pending, pending_start = side, 1, i
            if pending >= rule.min_confirm:
                leader, since, confirmed = side, dates[pending_start], dates[i]
                crossings.append((side, pending_start, i))
                challenger, pending = None, 0
        rows.append((r, m, side, leader, since, confirmed, challenger, pending))
    return _Walk(weekly, rows, crossings)


def regime_states(ratio: pd.Series, rule: EpisodeRule = EpisodeRule()) -> pd.DataFrame:
    """The leadership state **as of** each weekly close, from that week's data and earlier only.

    Columns: ``ratio`` (weekly close), ``ma`` (its ``ma_weeks`` average, ``NaN`` until full),
    ``side`` (``"a"``/``"b"`` = above/below the average, ``None`` before the window is full or on
    a tie), ``leader`` (confirmed leader as of that week, ``None`` before the first confirmation),
    ``since`` (back-dated start of the leader's episode, already in the past at that week),
    ``confirmed`` (the week that leadership was confirmed), ``challenger`` and ``pending`` (the
    other side and how many consecutive weeks it has been there, 0 when no crossing is under way).
    """
    walk = _walk(ratio, rule)
    out = pd.DataFrame.from_records(walk.rows, columns=_STATE_COLUMNS, index=walk.weekly.index)
    dtypes = {"ratio": "float64", "ma": "float64", "pending": "int64"}
    dtypes |= dict.fromkeys(("since", "confirmed"), "datetime64[ns]")
    out = out.astype(dtypes)
    for column in ("side", "leader", "challenger"):  # None (not NaN) where there is no side
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


_EPISODE_COLUMNS = {
    "leader": "object",
    "start": "datetime64[ns]",
    "end": "datetime64[ns]",
    "confirmed": "datetime64[ns]",
    "weeks": "int64",
    "sustained": "bool",
    "ratio_change": "float64",
}


def episodes(ratio: pd.Series, rule: EpisodeRule = EpisodeRule()) -> pd.DataFrame:
    """Every leadership episode of the ratio line, oldest first (the rule: module docstring).

    Columns: ``leader`` (``"a"``/``"b"``), ``start`` (back-dated to the first week of the
    crossing), ``end`` (last weekly close of the episode; ``NaT`` for the ongoing one),
    ``confirmed`` (the week the crossing was confirmed), ``weeks`` (weekly closes covered, through
    the last one for the ongoing episode), ``sustained`` (``weeks >= min_weeks``), ``ratio_change``
    (fraction, from the weekly close before ``start`` to ``end`` or the last close).

    A series shorter than ``ma_weeks + min_confirm - 1`` weeks has no episode (an empty frame with
    these columns).
    """
    walk = _walk(ratio, rule)
    weekly, dates = walk.weekly.to_numpy(), walk.weekly.index
    rows = []
    for k, (leader, start, conf) in enumerate(walk.crossings):
        ongoing = k == len(walk.crossings) - 1
        end = len(weekly) - 1 if ongoing else walk.crossings[k + 1][1] - 1
        rows.append(
            {
                "leader": leader,
                "start": dates[start],
                "end": pd.NaT if ongoing else dates[end],
                "confirmed": dates[conf],
                "weeks": end - start + 1,
                "sustained": end - start + 1 >= rule.min_weeks,
                "ratio_change": weekly[end] / weekly[start - 1] - 1.0,
            }
        )
    return pd.DataFrame(rows, columns=list(_EPISODE_COLUMNS)).astype(_EPISODE_COLUMNS)


def pair_episodes(a: pd.Series, b: pd.Series, rule: EpisodeRule = EpisodeRule()) -> pd.DataFrame:
    """:func:`episodes` of ``ratio_line(a, b)`` plus each side's total return over each episode.

    ``a_return`` and ``b_return`` run over the same closes as ``ratio_change`` (the weekly close
    before ``start`` to ``end``, or the last close), on common sessions only, so
    ``(1 + a_return) / (1 + b_return) - 1 == ratio_change``.
    """
    both = aligned(a, b)
    table = episodes(ratio_line(both["a"], both["b"]), rule)
    weekly = weekly_closes(both["a"]).index  # both columns are complete on common sessions
    a_ret, b_ret = [], []
    for row in table.itertuples():
        start = weekly.get_loc(row.start)
        end = weekly[-1] if pd.isna(row.end) else row.end
        base = weekly[start - 1]
        a_ret.append(both.at[end, "a"] / both.at[base, "a"] - 1.0)
        b_ret.append(both.at[end, "b"] / both.at[base, "b"] - 1.0)
    return table.assign(
        a_return=pd.Series(a_ret, index=table.index, dtype="float64"),
        b_return=pd.Series(b_ret, index=table.index, dtype="float64"),
    )


@dataclass(frozen=True)
class Regime:
    """Who leads as of the last weekly close, from data up to then only."""

    as_of: pd.Timestamp | None
    """The last weekly close (the newest session); ``None`` for an empty series."""
    leader: Side | None
    """``"a"``/``"b"``; ``None`` before any leadership is confirmed (too little history)."""
    since: pd.Timestamp | None
    """First week of the crossing that made ``leader`` lead (back-dated start of the episode)."""
    confirmed: pd.Timestamp | None
    """The week that crossing reached ``min_confirm`` weeks."""
    weeks: int
    """Weekly closes from ``since`` through ``as_of``; 0 without a leader."""
    ratio_change: float
    """Ratio change from the close before ``since`` to ``as_of`` (``NaN`` without a leader)."""
    ratio_vs_ma: float
    """Ratio / its moving average - 1 at ``as_of`` (``NaN`` until the window is full)."""
    challenger: Side | None
    """The other side when a crossing is under way but not yet confirmed."""
    pending: int
    """Consecutive weeks of that crossing so far (confirmation needs ``min_confirm``)."""


def current_regime(ratio: pd.Series, rule: EpisodeRule = EpisodeRule()) -> Regime:
    """The leader as of the last weekly close, since when, and any crossing under way."""
    walk = _walk(ratio, rule)
    if not walk.rows:
        return Regime(None, None, None, None, 0, np.nan, np.nan, None, 0)
    r, m, _side, leader, since, confirmed, challenger, pending = walk.rows[-1]
    as_of = walk.weekly.index[-1]
    vs_ma = float(r / m - 1.0)
    if leader is None:
        return Regime(as_of, None, None, None, 0, np.nan, vs_ma, challenger, pending)
    start = walk.crossings[-1][1]
    return Regime(
        as_of=as_of,
        leader=leader,
        since=since,
        confirmed=confirmed,
        weeks=len(walk.rows) - start,
        ratio_change=float(r / walk.weekly.iloc[start - 1] - 1.0),
        ratio_vs_ma=vs_ma,
        challenger=challenger,
        pending=pending,
    )


# ---------------------------------------------------------------------------------------------
# Daily streak records
# ---------------------------------------------------------------------------------------------


def streak_records(a: pd.Series, b: pd.Series, n: int = 10) -> pd.DataFrame:
    """The ``n`` longest runs of daily beats for each side, longest first.

    A beats B on a common session when its daily total return is higher
    (:func:`outperformance`; a tie beats neither side). Columns: ``side`` (``"a"`` rows first,
    then ``"b"``), ``rank`` (1 = longest; equal lengths share a rank, as on Pairs: 1, 2, 2,
    4; rows of equal length are listed earlier first),
    ``start``/``end`` (first and last session of the run), ``length`` (sessions),
    ``ratio_change`` (A/B from the close before ``start`` to ``end``: positive for A's runs,
    negative for B's), ``ongoing`` (the run reaches the last common session).
    """
    both = aligned(a, b)
    rel = both["a"] / both["b"]
    frames = []
    for side, flags in (("a", outperformance(a, b)), ("b", outperformance(b, a))):
        top = top_runs(flags, n).reset_index(drop=True)
        before = rel.index.get_indexer(top["start"]) - 1  # a run starts on the 2nd session or later
        change = rel.loc[top["end"]].to_numpy() / rel.iloc[before].to_numpy() - 1.0
        frames.append(
            top.assign(
                side=side,
                rank=top["length"].rank(method="min", ascending=False).astype("int64"),
                ratio_change=change,
                ongoing=top["end"] == rel.index[-1] if len(rel) else False,
            )
        )
    columns = ["side", "rank", "start", "end", "length", "ratio_change", "ongoing"]
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.astype(
        {"rank": "int64", "length": "int64", "ratio_change": "float64", "ongoing": "bool"}
    )


# ---------------------------------------------------------------------------------------------
# Drawdowns
# ---------------------------------------------------------------------------------------------


def drawdown_table(series: pd.Series, n: int = 5) -> pd.DataFrame:
    """The ``n`` deepest drawdown episodes of a series, deepest first.

    An episode is a maximal run of sessions below the running peak (:func:`drawdown` < 0), so
    episodes never overlap and one long fall counts once however many lows it makes. Columns:
    ``peak`` (the last session at the peak before the fall), ``trough`` (the lowest close of the
    run; the earliest if repeated), ``recovery`` (the first session back at or above the peak,
    ``NaT`` while the drawdown is ongoing), ``depth`` (trough / peak - 1, a negative fraction),
    ``sessions`` (from the peak to the recovery, or to the last session if ongoing). Equal depths
    are ordered earlier first. Missing values are skipped, as in :func:`drawdown`.
    """
    dd = drawdown(series)
    values = dd.to_numpy()
    below = values < 0
    columns = {
        "peak": "datetime64[ns]",
        "trough": "datetime64[ns]",
        "recovery": "datetime64[ns]",
        "depth": "float64",
        "sessions": "int64",
    }
    if not below.any():
        return pd.DataFrame({c: [] for c in columns}).astype(columns)
    padded = np.concatenate([[False], below, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    firsts, lasts = edges[::2], edges[1::2] - 1
    dates = dd.index
    rows = []
    for first, last in zip(firsts, lasts, strict=True):
        # The first value is its own peak (drawdown 0), so every run starts at position >= 1.
        trough = first + int(np.argmin(values[first : last + 1]))
        recovered = last + 1 < len(values)
        rows.append(
            {
                "peak": dates[first - 1],
                "trough": dates[trough],
                "recovery": dates[last + 1] if recovered else pd.NaT,
                "depth": values[trough],
                "sessions": (last + 1 if recovered else last) - (first - 1),
            }
        )
    table = pd.DataFrame(rows, columns=list(columns)).astype(columns)
    return table.sort_values(["depth", "peak"], kind="stable").head(n).reset_index(drop=True)
