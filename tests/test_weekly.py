"""The facts of a week (generator.weekly) and the calendar's week ends, on hand-made prices whose
answers are worked out here independently."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import calendar, metrics, weekly
from generator.config import Pair, load_config
from generator.report import pair_report
from generator.sections.breadth import MemberBreadth
from generator.sections.rotation import RotationGroup
from tests_support import FIXTURE_CONFIG

T = pd.Timestamp
CONFIG = load_config(FIXTURE_CONFIG)
PAIR = Pair(a="IWN", b="IWF")


def test_week_ends_are_each_weeks_last_real_session():
    ends = calendar.week_ends("2026-03-23", "2026-04-12")
    # Good Friday (3 April 2026) closes the market: that week ends on the Thursday.
    assert list(ends) == [T("2026-03-27"), T("2026-04-02"), T("2026-04-10")]
    # Independence Day observed on Friday 3 July 2026.
    assert list(calendar.week_ends("2026-06-29", "2026-07-03")) == [T("2026-07-02")]


def test_a_week_in_progress_has_no_end_yet():
    assert list(calendar.week_ends("2026-07-20", "2026-07-29")) == [T("2026-07-24")]
    assert calendar.week_ends("2026-07-27", "2026-07-30").empty


def test_week_return_runs_from_the_last_close_on_or_before_each_end():
    s = pd.Series(
        [100.0, 104.0, np.nan, 110.0],
        index=pd.to_datetime(["2026-01-08", "2026-01-09", "2026-01-12", "2026-01-13"]),
    )
    assert weekly.week_return(s, T("2026-01-11"), T("2026-01-12")) == pytest.approx(0.0)
    assert weekly.week_return(s, T("2026-01-09"), T("2026-01-13")) == pytest.approx(110 / 104 - 1)
    assert math.isnan(weekly.week_return(s, T("2026-01-01"), T("2026-01-13")))


def prices_from_moves(moves: str, start: str = "2026-01-02") -> pd.DataFrame:
    """IWF flat at 100; IWN starts at 50 and moves x1.01 on '+' and x0.99 on '-'."""
    days = calendar.sessions(T(start), T(start) + pd.Timedelta(days=3 * len(moves) + 10))
    days = days[: len(moves) + 1]
    a = 50.0 * np.cumprod([1.0] + [1.01 if m == "+" else 0.99 for m in moves])
    return pd.DataFrame({"IWN": a, "IWF": 100.0}, index=days)


def the_week(prices: pd.DataFrame, session: str, min_streak: int = 3) -> weekly.PairWeek:
    session = T(session)
    cut = prices.loc[:session]
    previous = calendar.week_ends(session - pd.Timedelta(days=14), session)[-2]
    pr = pair_report(CONFIG, cut, session, PAIR)
    return weekly.pair_week(pr, cut, previous, session, min_streak=min_streak)


def test_a_hand_made_week():
    # Sessions from Fri 2 Jan 2026: week of 9 Jan all up, week of 16 Jan down, down, up, up, up.
    prices = prices_from_moves("+++++--+++")
    week = the_week(prices, "2026-01-16")
    assert week.return_a == pytest.approx(0.99**2 * 1.01**3 - 1)
    assert week.return_b == 0.0
    assert week.spread == pytest.approx(week.return_a)
    # The week before (to Friday 9 January) IWN rose five sessions in a row and IWF stayed flat.
    assert week.previous_spread == pytest.approx(1.01**5 - 1)
    # The run of five ahead (5-9 Jan) was broken on Monday 12 Jan: told, though its last
    # session is the previous week's; IWF's two-session run (12-13 Jan) is under min_streak.
    # It is IWN's longest of its two runs so far (the second still going), with none before it.
    assert week.ended == (
        weekly.EndedRun(
            PAIR.a,
            metrics.Streak(5, T("2026-01-05"), T("2026-01-09")),
            rank=1,
            runs=2,
            best_before=metrics.Streak(0),
        ),
    )
    assert week.leader == "IWN"
    assert week.streak == metrics.Streak(3, T("2026-01-14"), T("2026-01-16"))
    assert week.started
    assert not week.record
    assert (week.rank, week.runs) == (2, 2)
    # 1.01^6 * 0.99^2 passes 1.01^5 only on Friday (Thursday is a hair below the 9 Jan high).
    assert week.high_52w == T("2026-01-16")
    assert week.low_52w is None


def test_a_record_run_and_a_short_ended_run_when_min_streak_allows_it():
    prices = prices_from_moves("++-+++++++")
    week = the_week(prices, "2026-01-16", min_streak=2)
    assert week.record
    assert week.streak == metrics.Streak(7, T("2026-01-08"), T("2026-01-16"))
    assert week.ended == ()  # the two-session run ended in the week of 9 Jan, not this one
    earlier = the_week(prices, "2026-01-09", min_streak=2)
    run = metrics.Streak(2, T("2026-01-05"), T("2026-01-06"))
    assert [(e.side, e.run) for e in earlier.ended] == [(PAIR.a, run)]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="+-", min_size=12, max_size=40), st.integers(1, 4))
def test_ended_runs_match_a_plain_loop(moves, min_streak):
    prices = prices_from_moves(moves)
    ends = calendar.week_ends(prices.index[6], prices.index[-1])
    for session in ends:
        week = the_week(prices, f"{session:%Y-%m-%d}", min_streak)
        previous = calendar.week_ends(session - pd.Timedelta(days=14), session)[-2]
        days = prices.loc[:session].index
        beats = [m == "+" for m in moves[: len(days) - 1]]
        expected = []
        for side, flags in (("IWN", beats), ("IWF", [not b for b in beats])):
            # Every run of the side up to the session: (length, first index, last index).
            runs, run = [], 0
            for i, flag in enumerate([*flags, False]):
                if flag:
                    run += 1
                    continue
                if run:
                    runs.append((run, i - run, i - 1))
                run = 0
            for length, first, last in runs:
                broken = last + 1 < len(flags)  # the session after its last one is a loss
                if broken and previous < days[last + 2] <= session and length >= min_streak:
                    earlier = [n for n, _, end in runs if end < first]
                    rank = 1 + sum(n > length for n, _, _ in runs)
                    expected.append(
                        (side, length, days[last + 1], rank, len(runs), max(earlier, default=0))
                    )
        got = sorted(
            (e.side, e.run.length, e.run.end, e.rank, e.runs, e.best_before.length)
            for e in week.ended
        )
        assert got == sorted(expected)


def test_a_short_week_counts_its_sessions():
    # Good Friday (3 April 2026) and Independence Day observed (Friday 3 July) close the market.
    assert weekly.sessions_in_week(T("2026-03-27"), T("2026-04-02")) == 4
    assert weekly.sessions_in_week(T("2026-06-26"), T("2026-07-02")) == 4
    assert weekly.sessions_in_week(T("2026-03-20"), T("2026-03-27")) == 5


@pytest.mark.parametrize(
    ("moves", "expected"),
    [
        # IWN falls for 40 sessions, then rises: the ratio crosses its average from below.
        ("-" * 40 + "+" * 30, {"above"}),
        ("+" * 40 + "-" * 30, {"below"}),
        ("+" * 70, set()),
    ],
)
def test_the_ratio_crossing_its_long_average_is_told_in_the_week_it_happens(moves, expected):
    """Each week's ``ma_cross`` against the ratio and its average worked out here: the side of
    the average at the week's close differs from the side at the previous week's close."""
    config = CONFIG.model_copy(
        update={"metrics": CONFIG.metrics.model_copy(update={"ma_short": 5, "ma_long": 20})}
    )
    prices = prices_from_moves(moves)
    ratio = prices["IWN"] / prices["IWF"]
    average = ratio.rolling(20).mean()
    ends = calendar.week_ends(prices.index[25], prices.index[-1])
    told = set()
    for before, session in itertools.pairwise(ends):
        cut = prices.loc[:session]
        pr = pair_report(config, cut, session, PAIR)
        week = weekly.pair_week(pr, cut, before, session, min_streak=3)
        was = ratio[before] - average[before]
        now = ratio[session] - average[session]
        crossed = "above" if was <= 0 < now else "below" if was >= 0 > now else None
        assert week.ma_cross == crossed, session
        told |= {crossed} - {None}
    assert told == expected


def test_quadrant_moves_only_for_this_weeks_points():
    table = pd.DataFrame(
        {
            "date": [T("2026-07-31"), T("2026-07-31"), T("2026-07-24")],
            "quadrant": ["Leading", "Lagging", "Improving"],
            "previous_quadrant": ["Improving", "Lagging", "Lagging"],
            "changed": [True, False, True],
            "stale": [False, False, True],
        },
        index=pd.Index(["XLE", "XLK", "XLU"], name="symbol"),
    )
    group = RotationGroup("Sectors", pd.DataFrame(), table, {}, pd.DataFrame())
    moves = weekly.quadrant_moves((group,), T("2026-07-31"))
    assert moves == [weekly.QuadrantMove("Sectors", "XLE", "Improving", "Leading")]


def test_breadth_week_compares_with_the_previous_weeks_close():
    days = pd.to_datetime(["2026-07-23", "2026-07-24", "2026-07-30", "2026-07-31"])
    frame = pd.DataFrame(
        {"share": [0.40, 0.45, 0.50, 0.55], "eligible": 100, "above": [40, 45, 50, 55]},
        index=days,
    )
    item = MemberBreadth("Russell 2000", {200: frame})
    (b,) = weekly.breadth_weeks((item,), T("2026-07-24"))
    assert (b.share, b.previous) == (0.55, 0.45)
    assert b.change == pytest.approx(0.10)
