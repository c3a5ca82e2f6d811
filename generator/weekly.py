"""What happened in a week: the facts a weekly post states, computed as of the week's last session.

Everything here comes from a :class:`~generator.report.Report` (prices cut at the session) and its
rotation and breadth sections, so a week's facts can never depend on a later price. "The week"
runs from the close of the previous week's last session to the close of this week's last
session, the same weeks as the rotation graphs.

Like :mod:`generator.sections`, this holds numbers and dates; wording is the template's business
and formats are :mod:`generator.formatting`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from generator import calendar, metrics
from generator.metrics import Streak
from generator.report import PairReport, Report

if TYPE_CHECKING:
    from generator.sections.breadth import MemberBreadth
    from generator.sections.rotation import RotationGroup

HIGH_LOW_WINDOW = pd.DateOffset(years=1)
"""A ratio close is a 52-week high (low) if no close in the year before it was higher (lower)."""


@dataclass(frozen=True)
class EndedRun:
    """A run of one side broken during the week, judged against the side's history."""

    side: str
    """The symbol that had been winning."""
    run: Streak
    rank: int
    """1 = the longest of the side's runs up to the session (ties share a rank), as on Pairs."""
    runs: int
    """How many runs the side has had up to the session."""
    best_before: Streak
    """The longest run of the side that ended before this one began (``Streak(0)``: none): the
    record it beat, equalled or fell short of."""


@dataclass(frozen=True)
class PairWeek:
    """One pair over the week."""

    key: str
    a: str
    b: str
    label: str
    return_a: float
    return_b: float
    spread: float
    """``return_a - return_b``: positive when ``a`` beat ``b`` over the week."""
    previous_spread: float
    """The same spread over the week before (NaN without one): what this week compares with."""
    ytd_gap: float
    leader: str
    """The side on a winning run at the session (``""`` after a tie)."""
    streak: Streak
    """The leader's current run of sessions beating the other side."""
    started: bool
    """The run began during the week."""
    record: bool
    """The run is the longest in the pair's history (or ties it)."""
    rank: int | None
    """Where the current run ranks among the leader's runs (1 = the longest; ``None``: no run)."""
    runs: int
    """How many runs the leader has had, the current one included."""
    ended: tuple[EndedRun, ...]
    """Runs of at least ``min_streak`` sessions broken during the week. A run's ``end`` is its
    last winning session, so it can be the previous week's last session."""
    high_52w: pd.Timestamp | None
    """The first session of the week on which the ratio closed at a 52-week high."""
    low_52w: pd.Timestamp | None
    ma_cross: str | None
    """``"above"`` when the ratio closed the week above its long average after closing the
    previous week below it (or level), ``"below"`` the other way round, else ``None``."""


@dataclass(frozen=True)
class QuadrantMove:
    group: str
    symbol: str
    previous: str
    current: str


@dataclass(frozen=True)
class BreadthWeek:
    list_name: str
    window: int
    share: float
    previous: float
    """The share at the previous week's last session."""

    @property
    def change(self) -> float:
        return self.share - self.previous


@dataclass(frozen=True)
class Week:
    session: pd.Timestamp
    previous: pd.Timestamp
    """The previous week's last session: where the week's returns start."""
    sessions: int
    """NYSE sessions in the week (after ``previous``, up to ``session``): 5, or fewer in a week
    with a holiday."""
    pairs: tuple[PairWeek, ...]
    quadrant_moves: tuple[QuadrantMove, ...]
    breadth: tuple[BreadthWeek, ...]

    @property
    def headline(self) -> PairWeek:
        return self.pairs[0]


def week_return(prices: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Total return from the last close on or before ``start`` to the last on or before ``end``."""
    closes = prices.dropna()
    before, upto = closes.loc[:start], closes.loc[:end]
    if before.empty or upto.empty:
        return math.nan
    return float(upto.iloc[-1] / before.iloc[-1] - 1.0)


def _ended_runs(
    side: str, flags: pd.Series, previous: pd.Timestamp, session: pd.Timestamp, min_length: int
) -> list[EndedRun]:
    """Runs of ``True`` broken during the week: their last session is the previous week's last
    session or later, and they are not the run still going at ``session``. Each is ranked among
    all runs up to ``session`` (the one still going included) and set against the longest run
    that ended before it began."""
    table = metrics.runs(flags.loc[:session])
    if table.empty:
        return []
    going = bool(flags.loc[:session].iloc[-1])
    done = table.iloc[:-1] if going else table
    mask = (done["end"] >= previous) & (done["end"] < session) & (done["length"] >= min_length)
    out = []
    for r in done[mask].itertuples():
        before = table[table["end"] < r.start]
        best = before.loc[before["length"].idxmax()] if not before.empty else None
        out.append(
            EndedRun(
                side,
                Streak(int(r.length), r.start, r.end),
                rank=1 + int((table["length"] > r.length).sum()),
                runs=len(table),
                best_before=(
                    Streak(int(best["length"]), best["start"], best["end"])
                    if best is not None
                    else Streak(0)
                ),
            )
        )
    return out


def _ma_cross(ratio: pd.DataFrame, previous: pd.Timestamp, session: pd.Timestamp) -> str | None:
    """Whether the ratio crossed its long average over the week, closing on the other side of
    it than at the previous week's close (see :attr:`PairWeek.ma_cross`)."""
    gap = (ratio["ratio"] - ratio["ma_long"]).dropna()
    before, now = gap.loc[:previous], gap.loc[:session]
    if before.empty or now.empty or now.index[-1] <= previous:
        return None
    if before.iloc[-1] <= 0 < now.iloc[-1]:
        return "above"
    if before.iloc[-1] >= 0 > now.iloc[-1]:
        return "below"
    return None


def _extreme(ratio: pd.Series, previous: pd.Timestamp, *, high: bool) -> pd.Timestamp | None:
    """First session after ``previous`` whose ratio close is the extreme of the year up to it."""
    for day, value in ratio.loc[previous:].iloc[1:].items():
        year = ratio.loc[day - HIGH_LOW_WINDOW : day]
        if (value >= year.max()) if high else (value <= year.min()):
            return day
    return None


def pair_week(
    pr: PairReport,
    prices: pd.DataFrame,
    previous: pd.Timestamp,
    session: pd.Timestamp,
    *,
    min_streak: int,
) -> PairWeek:
    pair = pr.pair
    common = metrics.aligned(prices[pair.a], prices[pair.b])
    ret_a = week_return(common["a"], previous, session)
    ret_b = week_return(common["b"], previous, session)
    before = calendar.previous_week_end(previous)
    previous_spread = (
        week_return(common["a"], before, previous) - week_return(common["b"], before, previous)
        if before is not None
        else math.nan
    )
    a_flags = metrics.outperformance(prices[pair.a], prices[pair.b])
    b_flags = metrics.outperformance(prices[pair.b], prices[pair.a])
    if pr.a_beats.current.length:
        leader, summary = pair.a, pr.a_beats
    elif pr.b_beats.current.length:
        leader, summary = pair.b, pr.b_beats
    else:
        leader, summary = "", None
    streak = summary.current if summary else Streak(0)
    ended = _ended_runs(pair.a, a_flags, previous, session, min_streak)
    ended += _ended_runs(pair.b, b_flags, previous, session, min_streak)
    ytd = pr.returns.at["YTD", "spread"] if "YTD" in pr.returns.index else math.nan
    ratio = pr.ratio["ratio"]
    return PairWeek(
        key=pair.key,
        a=pair.a,
        b=pair.b,
        label=pair.label,
        return_a=ret_a,
        return_b=ret_b,
        spread=ret_a - ret_b,
        previous_spread=previous_spread,
        ytd_gap=float(ytd),
        leader=leader,
        streak=streak,
        started=streak.length > 0 and streak.start > previous,
        record=summary is not None and summary.rank == 1,
        rank=summary.rank if summary else None,
        runs=summary.runs if summary else 0,
        ended=tuple(sorted(ended, key=lambda item: item.run.end)),
        high_52w=_extreme(ratio, previous, high=True),
        low_52w=_extreme(ratio, previous, high=False),
        ma_cross=_ma_cross(pr.ratio, previous, session),
    )


def quadrant_moves(groups: tuple[RotationGroup, ...], session: pd.Timestamp) -> list[QuadrantMove]:
    """Symbols whose quadrant at this week's point differs from last week's."""
    out = []
    for group in groups:
        for symbol, row in group.table.iterrows():
            if row["changed"] and not row["stale"] and row["date"] == session:
                out.append(
                    QuadrantMove(group.name, symbol, row["previous_quadrant"], row["quadrant"])
                )
    return out


def breadth_weeks(lists: tuple[MemberBreadth, ...], previous: pd.Timestamp) -> list[BreadthWeek]:
    """Each list's share above each average at the session and at the previous week's end."""
    out = []
    for item in lists:
        for window, frame in item.frames.items():
            share = frame["share"]
            if share.empty:
                continue
            before = share.loc[:previous]
            out.append(
                BreadthWeek(
                    item.name,
                    window,
                    float(share.iloc[-1]),
                    float(before.iloc[-1]) if not before.empty else math.nan,
                )
            )
    return out


def sessions_in_week(previous: pd.Timestamp, session: pd.Timestamp) -> int:
    """NYSE sessions after ``previous`` up to ``session``: 5 in a full week."""
    return len(calendar.sessions(previous + pd.Timedelta(days=1), session))


def week_facts(
    report: Report,
    rotation: tuple[RotationGroup, ...],
    breadth: tuple[MemberBreadth, ...],
    previous: pd.Timestamp,
) -> Week:
    """The week ending at the report's session; the headline pair comes first."""
    session = report.as_of
    min_streak = report.config.weekly.min_streak
    ordered = sorted(report.pairs, key=lambda pr: pr.pair != report.config.headline_pair)
    return Week(
        session=session,
        previous=previous,
        sessions=sessions_in_week(previous, session),
        pairs=tuple(
            pair_week(pr, report.prices, previous, session, min_streak=min_streak) for pr in ordered
        ),
        quadrant_moves=tuple(quadrant_moves(rotation, session)),
        breadth=tuple(breadth_weeks(breadth, previous)),
    )
