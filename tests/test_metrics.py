"""Tests of generator.metrics: hand-computed values on small frames, then Hypothesis properties.

Every expected number below is worked out by hand (or with plain arithmetic in the test), never by
calling the function under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import metrics
from generator.metrics import Streak, StreakSummary

NAN = math.nan
FAST = settings(max_examples=40, deadline=None)


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day)


def dates(*days: str) -> pd.DatetimeIndex:
    """A price-frame index: tz-naive ``datetime64[ns]`` named ``date``."""
    return pd.DatetimeIndex([pd.Timestamp(d) for d in days], name="date").astype("datetime64[ns]")


def price_frame(days: list[str], columns: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=dates(*days), dtype="float64")


def series(days: list[str], values: list[float]) -> pd.Series:
    return pd.Series(values, index=dates(*days), dtype="float64")


def flag_series(values: list[bool], start: str = "2024-01-01") -> pd.Series:
    index = pd.bdate_range(start, periods=len(values), name="date").astype("datetime64[ns]")
    return pd.Series(values, index=index, dtype=bool)


# ---------------------------------------------------------------------------------------------
# period_anchor / last_close
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "period", "anchor"),
    [
        ("2024-07-11", "1W", "2024-07-04"),
        ("2024-03-31", "1M", "2024-02-29"),  # month end clipped to the shorter month
        ("2024-05-31", "3M", "2024-02-29"),
        ("2024-08-31", "6M", "2024-02-29"),
        ("2024-03-15", "YTD", "2023-12-31"),
        ("2025-01-02", "YTD", "2024-12-31"),
        ("2024-02-29", "1Y", "2023-02-28"),
        ("2024-07-15", "3Y", "2021-07-15"),
        ("2024-07-15", "5Y", "2019-07-15"),
    ],
)
def test_period_anchor_is_the_calendar_date_one_period_back(
    as_of: str, period: str, anchor: str
) -> None:
    assert metrics.period_anchor(ts(as_of), period) == ts(anchor)


def test_last_close_takes_each_symbols_own_last_close_and_nan_before_any_data() -> None:
    prices = price_frame(
        ["2024-01-02", "2024-01-03", "2024-01-04"],
        {"A": [1.0, 2.0, NAN], "B": [NAN, 5.0, 6.0], "C": [NAN, NAN, NAN]},
    )
    got = metrics.last_close(prices, ts("2024-01-06"))
    assert got["A"] == 2.0  # gap on the last day: its previous close
    assert got["B"] == 6.0
    assert math.isnan(got["C"])
    before = metrics.last_close(prices, ts("2024-01-01"))
    assert list(before.index) == ["A", "B", "C"]
    assert before.isna().all()


# ---------------------------------------------------------------------------------------------
# period_returns / period_changes: calendar anchoring on a hand-built frame
# ---------------------------------------------------------------------------------------------

AS_OF = ts("2024-07-15")  # Monday
# Anchors as of 2024-07-15:
#   1W  2024-07-08 (Mon, a session)
#   1M  2024-06-15 (Sat)  -> last close on or before: Fri 2024-06-14
#   3M  2024-04-15 (Mon, a session)
#   YTD 2023-12-31 (Sun)  -> last close of 2023: Fri 2023-12-29
#   1Y  2023-07-15 (Sat)  -> Fri 2023-07-14
DAYS = [
    "2023-07-13",
    "2023-07-14",
    "2023-07-17",
    "2023-12-28",
    "2023-12-29",
    "2024-01-02",
    "2024-04-12",
    "2024-04-15",
    "2024-06-13",
    "2024-06-14",
    "2024-06-17",
    "2024-07-05",
    "2024-07-08",
    "2024-07-12",
    "2024-07-15",
]
# The anchor sessions hold "nice" values; every neighbour holds a decoy that would give a very
# different return if the wrong session were picked.
PRICES = price_frame(
    DAYS,
    {
        "A": [3, 48, 7, 11, 60, 1000, 13, 80, 5, 96, 999, 17, 100, 110, 120],
        # starts trading on 2024-01-02, after the YTD and 1Y anchors
        "B": [NAN, NAN, NAN, NAN, NAN, 50, 51, 40, 52, 64, 53, 54, 32, 55, 80],
        # a gap on the 1M anchor session (2024-06-14) and on the as-of session itself
        "C": [10, 20, 11, 12, 25, 13, 14, 40, 25, NAN, 15, 16, 40, 50, NAN],
    },
)
PERIODS = ["1W", "1M", "3M", "YTD", "1Y"]


def test_period_returns_match_hand_computed_calendar_anchored_values() -> None:
    got = metrics.period_returns(PRICES, AS_OF, PERIODS)
    assert list(got.index) == ["A", "B", "C"]
    assert list(got.columns) == PERIODS
    # A: end 120; anchors 100, 96 (Fri before a Saturday anchor), 80, 60 (Dec 29), 48.
    assert got.loc["A"].tolist() == pytest.approx(
        [120 / 100 - 1, 120 / 96 - 1, 120 / 80 - 1, 120 / 60 - 1, 120 / 48 - 1]
    )
    assert got.loc["A"].tolist() == pytest.approx([0.2, 0.25, 0.5, 1.0, 1.5])


def test_period_return_on_a_weekend_anchor_uses_the_last_close_before_it() -> None:
    got = metrics.period_returns(PRICES, AS_OF, ["1M", "1Y"])
    # 1M anchor Sat 2024-06-15 -> Fri 06-14 (96), not Mon 06-17 (999).
    assert got.loc["A", "1M"] == pytest.approx(0.25)
    # 1Y anchor Sat 2023-07-15 -> Fri 07-14 (48), not Mon 07-17 (7).
    assert got.loc["A", "1Y"] == pytest.approx(1.5)


def test_period_return_on_a_holiday_anchor_uses_the_session_before_the_holiday() -> None:
    # 2024-07-04 (Thursday) is a US market holiday; 1W as of Thu 07-11 anchors on it.
    prices = price_frame(
        ["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-05", "2024-07-08", "2024-07-11"],
        {"A": [1.0, 2.0, 4.0, 1000.0, 3.0, 5.0]},
    )
    got = metrics.period_returns(prices, ts("2024-07-11"), ["1W"])
    assert got.loc["A", "1W"] == pytest.approx(5 / 4 - 1)


def test_ytd_base_is_last_close_of_previous_year_when_dec_31_is_not_a_session() -> None:
    got = metrics.period_returns(PRICES, AS_OF, ["YTD"])
    # Dec 31 2023 is a Sunday: base is Fri Dec 29 (60), not Jan 2 2024 (1000) nor Dec 28 (11).
    assert got.loc["A", "YTD"] == pytest.approx(1.0)


def test_ytd_base_is_dec_31_close_when_dec_31_is_a_session() -> None:
    prices = price_frame(
        ["2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03"], {"A": [10.0, 8.0, 9.0, 10.0]}
    )
    got = metrics.period_returns(prices, ts("2025-01-03"), ["YTD"])
    assert got.loc["A", "YTD"] == pytest.approx(10 / 8 - 1)


def test_symbol_starting_after_the_anchor_has_nan_return_not_a_made_up_one() -> None:
    got = metrics.period_returns(PRICES, AS_OF, PERIODS)
    assert math.isnan(got.loc["B", "YTD"])
    assert math.isnan(got.loc["B", "1Y"])
    # The periods it does cover are exact: end 80; anchors 32, 64, 40.
    assert got.loc["B", ["1W", "1M", "3M"]].tolist() == pytest.approx([1.5, 0.25, 1.0])


def test_symbol_with_gaps_uses_its_own_last_close_on_or_before_each_date() -> None:
    got = metrics.period_returns(PRICES, AS_OF, PERIODS)
    # End: no close on 07-15, so 07-12 (50). 1M anchor session 06-14 is a gap -> 06-13 (25).
    assert got.loc["C"].tolist() == pytest.approx(
        [50 / 40 - 1, 50 / 25 - 1, 50 / 40 - 1, 50 / 25 - 1, 50 / 20 - 1]
    )


def test_period_returns_as_of_a_non_session_uses_last_close_on_or_before_it() -> None:
    # Sunday 2024-07-14: end is Fri 07-12 (110); 1W anchor Sun 07-07 -> Fri 07-05 (17).
    got = metrics.period_returns(PRICES, ts("2024-07-14"), ["1W"])
    assert got.loc["A", "1W"] == pytest.approx(110 / 17 - 1)


def test_period_changes_of_a_yield_are_differences_in_points() -> None:
    levels = price_frame(
        ["2024-06-14", "2024-07-08", "2024-07-12", "2024-07-15"],
        {"^TNX": [4.50, 4.25, 4.40, 4.10]},
    )
    got = metrics.period_changes(levels, AS_OF, ["1W", "1M"])
    assert got.loc["^TNX", "1W"] == pytest.approx(-0.15)  # 4.10 - 4.25, not -3.5 %
    assert got.loc["^TNX", "1M"] == pytest.approx(-0.40)  # 4.10 - 4.50


def test_period_changes_are_nan_before_the_first_level() -> None:
    levels = price_frame(["2024-07-08", "2024-07-15"], {"^IRX": [5.0, 5.25]})
    got = metrics.period_changes(levels, AS_OF, ["1W", "1M"])
    assert got.loc["^IRX", "1W"] == pytest.approx(0.25)
    assert math.isnan(got.loc["^IRX", "1M"])


# ---------------------------------------------------------------------------------------------
# aligned / ratio_line / moving_average / drawdown
# ---------------------------------------------------------------------------------------------

PAIR_DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]


def test_aligned_keeps_only_sessions_where_both_have_a_close() -> None:
    a = series(PAIR_DAYS, [NAN, 10.0, 12.0, 11.0, 15.0])
    b = series(PAIR_DAYS, [5.0, 5.0, NAN, 10.0, 10.0])
    got = metrics.aligned(a, b)
    assert list(got.columns) == ["a", "b"]
    assert list(got.index) == [ts("2024-01-03"), ts("2024-01-05"), ts("2024-01-08")]
    assert got["a"].tolist() == [10.0, 11.0, 15.0]
    assert got["b"].tolist() == [5.0, 10.0, 10.0]


def test_ratio_line_is_rebased_to_100_on_the_first_common_session() -> None:
    a = series(PAIR_DAYS, [NAN, 10.0, 12.0, 11.0, 15.0])
    b = series(PAIR_DAYS, [5.0, 5.0, NAN, 10.0, 10.0])
    got = metrics.ratio_line(a, b)
    # Common sessions: 01-03 (10/5 = 2), 01-05 (1.1), 01-08 (1.5) -> 100, 55, 75.
    assert list(got.index) == [ts("2024-01-03"), ts("2024-01-05"), ts("2024-01-08")]
    assert got.tolist() == pytest.approx([100.0, 55.0, 75.0])


def test_ratio_line_without_common_sessions_is_empty() -> None:
    a = series(PAIR_DAYS[:2], [1.0, NAN])
    b = series(PAIR_DAYS[:2], [NAN, 2.0])
    assert metrics.ratio_line(a, b).empty


def test_moving_average_is_nan_until_the_window_is_full_then_exact_means() -> None:
    s = series(PAIR_DAYS, [1.0, 2.0, 3.0, 4.0, 10.0])
    got = metrics.moving_average(s, 3)
    assert got.iloc[:2].isna().all()
    assert got.iloc[2:].tolist() == pytest.approx([2.0, 3.0, 17 / 3])
    assert got.index.equals(s.index)


def test_drawdown_exact_values_and_a_new_high_resets_to_zero() -> None:
    days = [*PAIR_DAYS, "2024-01-09", "2024-01-10"]
    s = series(days, [100.0, 80.0, 90.0, 120.0, 60.0, NAN, 130.0])
    got = metrics.drawdown(s)
    # The NaN session is dropped, not filled.
    assert list(got.index) == [ts(d) for d in days if d != "2024-01-09"]
    assert got.tolist() == pytest.approx([0.0, -0.2, -0.1, 0.0, -0.5, 0.0])


# ---------------------------------------------------------------------------------------------
# outperformance
# ---------------------------------------------------------------------------------------------


def test_outperformance_flags_each_common_session_after_the_first_and_a_tie_is_not_a_beat() -> None:
    # Daily returns a: +10 %, 0, +10 %, 0;  b: +10 % (tie), -9.1 %, 0, +10 %.
    a = series(PAIR_DAYS, [100.0, 110.0, 110.0, 121.0, 121.0])
    b = series(PAIR_DAYS, [50.0, 55.0, 50.0, 50.0, 55.0])
    got = metrics.outperformance(a, b)
    assert list(got.index) == [ts(d) for d in PAIR_DAYS[1:]]
    assert got.tolist() == [False, True, True, False]
    assert metrics.outperformance(b, a).tolist() == [False, False, False, True]


def test_outperformance_both_unchanged_is_a_tie_for_both_sides() -> None:
    a = series(PAIR_DAYS[:3], [7.3, 7.3, 7.3])
    b = series(PAIR_DAYS[:3], [19.1, 19.1, 19.1])
    assert metrics.outperformance(a, b).tolist() == [False, False]
    assert metrics.outperformance(b, a).tolist() == [False, False]


def test_outperformance_equal_percentage_moves_in_decimal_prices_are_a_tie() -> None:
    a = series(PAIR_DAYS[:2], [9.00, 9.90])
    b = series(PAIR_DAYS[:2], [70.00, 77.00])
    assert 9.90 / 9.00 - 1 == 77.00 / 70.00 - 1  # the daily returns compare equal
    assert metrics.outperformance(a, b).tolist() == [False]
    assert metrics.outperformance(b, a).tolist() == [False]


def test_outperformance_gap_in_one_series_creates_no_move() -> None:
    # b dips on 01-03 while a has no close: with a filled forward, a would "beat" on 01-03.
    a = series(PAIR_DAYS[:4], [100.0, NAN, 100.0, 100.0])
    b = series(PAIR_DAYS[:4], [100.0, 90.0, 100.0, 100.0])
    got = metrics.outperformance(a, b)
    assert list(got.index) == [ts("2024-01-04"), ts("2024-01-05")]
    assert got.tolist() == [False, False]
    assert metrics.outperformance(b, a).tolist() == [False, False]


def test_outperformance_across_a_gap_compares_common_session_to_common_session() -> None:
    a = series(PAIR_DAYS[:3], [100.0, 105.0, 110.0])
    b = series(PAIR_DAYS[:3], [100.0, NAN, 100.0])
    got = metrics.outperformance(a, b)
    assert list(got.index) == [ts("2024-01-04")]
    assert got.tolist() == [True]  # +10 % over the two sessions vs 0 %


# ---------------------------------------------------------------------------------------------
# runs / streak_summary / top_runs
# ---------------------------------------------------------------------------------------------

#                     d0    d1    d2     d3    d4     d5     d6    d7    d8    d9     d10   d11
FLAGS = flag_series([True, True, False, True, False, False, True, True, True, False, True, True])
FD = FLAGS.index  # business days from Mon 2024-01-01


def test_runs_lists_every_maximal_run_with_start_end_and_length() -> None:
    got = metrics.runs(FLAGS)
    assert list(got.columns) == ["start", "end", "length"]
    assert list(zip(got["start"], got["end"], got["length"], strict=True)) == [
        (FD[0], FD[1], 2),
        (FD[3], FD[3], 1),
        (FD[6], FD[8], 3),
        (FD[10], FD[11], 2),
    ]
    assert FD[0] == ts("2024-01-01")
    assert FD[11] == ts("2024-01-16")


def test_streak_summary_current_run_when_last_flag_is_true() -> None:
    got = metrics.streak_summary(FLAGS)
    assert got.current == Streak(2, FD[10], FD[11])
    assert got.record == Streak(3, FD[6], FD[8])
    assert got.rank == 2  # one run (3) is longer than the current one (2)
    assert got.runs == 4


def test_streak_summary_no_current_run_when_last_flag_is_false() -> None:
    flags = flag_series([*FLAGS.tolist(), False])
    got = metrics.streak_summary(flags)
    assert got.current == Streak(0)
    assert got.current.start is None
    assert got.current.end is None
    assert got.rank is None
    assert got.record == Streak(3, FD[6], FD[8])
    assert got.runs == 4


def test_streak_summary_record_is_earliest_of_equal_longest_runs_and_current_ties_rank_1() -> None:
    flags = flag_series([True, True, True, False, True, False, True, True, True])
    d = flags.index
    got = metrics.streak_summary(flags)
    assert got.record == Streak(3, d[0], d[2])  # the earlier of the two runs of 3
    assert got.current == Streak(3, d[6], d[8])
    assert got.rank == 1  # equal to the record: shares rank 1
    assert got.runs == 3


def test_streak_summary_rank_counts_only_strictly_longer_runs() -> None:
    # Runs: 2, 2, 1, 1 (current). Two runs are longer -> rank 3, shared with the other run of 1.
    flags = flag_series([True, True, False, True, True, False, True, False, True])
    got = metrics.streak_summary(flags)
    assert got.current.length == 1
    assert got.rank == 3
    assert got.record == Streak(2, flags.index[0], flags.index[1])
    assert got.runs == 4


def test_streak_summary_of_all_false_flags_has_no_runs() -> None:
    got = metrics.streak_summary(flag_series([False, False, False]))
    assert got == StreakSummary(Streak(0), Streak(0), None, 0)
    assert metrics.runs(flag_series([False, False])).empty


def test_streak_summary_and_runs_of_empty_flags() -> None:
    empty = pd.Series([], index=pd.DatetimeIndex([], name="date"), dtype=bool)
    assert metrics.streak_summary(empty) == StreakSummary(Streak(0), Streak(0), None, 0)
    table = metrics.runs(empty)
    assert table.empty
    assert list(table.columns) == ["start", "end", "length"]


def test_top_runs_longest_first_and_earlier_first_among_equals() -> None:
    got = metrics.top_runs(FLAGS)
    assert list(zip(got["start"], got["length"], strict=True)) == [
        (FD[6], 3),
        (FD[0], 2),
        (FD[10], 2),
        (FD[3], 1),
    ]
    top2 = metrics.top_runs(FLAGS, n=2)
    assert list(top2["start"]) == [FD[6], FD[0]]


# ---------------------------------------------------------------------------------------------
# Hypothesis properties
# ---------------------------------------------------------------------------------------------

ALL_PERIODS = ["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y"]
OFFSETS = {
    "1W": pd.DateOffset(days=7),
    "1M": pd.DateOffset(months=1),
    "3M": pd.DateOffset(months=3),
    "6M": pd.DateOffset(months=6),
    "1Y": pd.DateOffset(years=1),
    "3Y": pd.DateOffset(years=3),
}

prices_st = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)
maybe_price_st = prices_st | st.just(NAN)
# Integer-valued prices: a tie in daily returns is then an exact tie in floating point, and a
# non-tie differs by far more than rounding, so the sign of a move is well defined.
int_price_st = st.integers(min_value=1, max_value=1_000).map(float)


def index_from_gaps(gaps: list[int], start: str = "2020-01-01") -> pd.DatetimeIndex:
    """Sorted unique dates ``start + cumsum(gaps)`` days (gaps >= 1)."""
    first = pd.Timestamp(start)
    days = np.cumsum(gaps)
    return pd.DatetimeIndex([first + pd.Timedelta(days=int(d)) for d in days], name="date").astype(
        "datetime64[ns]"
    )


@st.composite
def frames(draw: st.DrawFn, values: st.SearchStrategy[float], min_rows: int = 1) -> pd.DataFrame:
    """A two-column price frame on irregular dates spanning up to ~3 years."""
    gaps = draw(st.lists(st.integers(1, 45), min_size=min_rows, max_size=30))
    n = len(gaps)
    cols = {c: draw(st.lists(values, min_size=n, max_size=n)) for c in ("A", "B")}
    return pd.DataFrame(cols, index=index_from_gaps(gaps), dtype="float64")


@st.composite
def extended(
    draw: st.DrawFn, values: st.SearchStrategy[float]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """(base cut at D, base plus arbitrary rows after D, D)."""
    base = draw(frames(values, min_rows=2))
    d = base.index[-1]
    gaps = draw(st.lists(st.integers(1, 30), min_size=1, max_size=15))
    extra_index = index_from_gaps(gaps, start=str(d.date()))
    extra = pd.DataFrame(
        {c: draw(st.lists(values, min_size=len(gaps), max_size=len(gaps))) for c in ("A", "B")},
        index=extra_index,
        dtype="float64",
    )
    return base, pd.concat([base, extra]), d


def anchor(as_of: pd.Timestamp, period: str) -> pd.Timestamp:
    if period == "YTD":
        return pd.Timestamp(as_of.year - 1, 12, 31)
    return as_of - OFFSETS[period]


@FAST
@given(
    gaps=st.lists(st.integers(1, 30), min_size=1, max_size=40),
    level=prices_st,
    holes=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_constant_prices_give_zero_return_for_every_covered_period(
    gaps: list[int], level: float, holes: list[bool]
) -> None:
    index = index_from_gaps(gaps)
    values = [NAN if hole and i else level for i, hole in enumerate(holes[: len(index)])]
    prices = pd.DataFrame({"A": values}, index=index, dtype="float64")
    as_of = index[-1]
    got = metrics.period_returns(prices, as_of, ALL_PERIODS)
    first = index[0]
    for period in ALL_PERIODS:
        value = got.loc["A", period]
        if first > anchor(as_of, period):
            assert math.isnan(value), period
        else:
            assert value == 0.0, period


@FAST
@given(frame=frames(maybe_price_st), scale=st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_a_price_series_changes_no_period_return(frame: pd.DataFrame, scale: float) -> None:
    as_of = frame.index[-1]
    scaled = frame.assign(A=frame["A"] * scale)
    pd.testing.assert_frame_equal(
        metrics.period_returns(scaled, as_of, ALL_PERIODS),
        metrics.period_returns(frame, as_of, ALL_PERIODS),
        rtol=1e-9,
        atol=1e-12,
    )


@FAST
@given(frame=frames(maybe_price_st), scale=st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_a_price_series_changes_no_ratio_line(frame: pd.DataFrame, scale: float) -> None:
    a, b = frame["A"], frame["B"]
    expected = metrics.ratio_line(a, b)
    pd.testing.assert_series_equal(metrics.ratio_line(a * scale, b), expected, rtol=1e-9)
    pd.testing.assert_series_equal(metrics.ratio_line(a, b * scale), expected, rtol=1e-9)


@FAST
@given(frame=frames(int_price_st | st.just(NAN)), power=st.integers(-8, 8), scale_a=st.booleans())
def test_scaling_a_price_series_changes_no_streak(
    frame: pd.DataFrame, power: int, scale_a: bool
) -> None:
    # Scaling by a power of two is exact in floating point, so this checks the logic, not rounding.
    scale = 2.0**power
    a, b = frame["A"], frame["B"]
    x, y = (a * scale, b) if scale_a else (a, b * scale)
    pd.testing.assert_series_equal(metrics.outperformance(x, y), metrics.outperformance(a, b))
    assert metrics.streak_summary(metrics.outperformance(x, y)) == metrics.streak_summary(
        metrics.outperformance(a, b)
    )
    assert metrics.streak_summary(metrics.outperformance(y, x)) == metrics.streak_summary(
        metrics.outperformance(b, a)
    )


@FAST
@given(values=st.lists(st.booleans(), max_size=60))
def test_runs_partition_the_true_flags_into_disjoint_ordered_maximal_runs(
    values: list[bool],
) -> None:
    flags = flag_series(values)
    table = metrics.runs(flags)
    assert int(table["length"].sum()) == sum(values)
    pos = {d: i for i, d in enumerate(flags.index)}
    previous_end = -2
    for start, end, length in zip(table["start"], table["end"], table["length"], strict=True):
        i, j = pos[start], pos[end]
        assert j - i + 1 == length >= 1
        assert all(values[i : j + 1])  # a run is all True
        assert i > previous_end + 1  # disjoint, ordered, and not adjacent to the previous run
        assert i == 0 or not values[i - 1]  # maximal on the left
        assert j == len(values) - 1 or not values[j + 1]  # maximal on the right
        previous_end = j


@FAST
@given(values=st.lists(st.booleans(), max_size=60))
def test_current_streak_equals_the_count_of_trailing_true_flags(values: list[bool]) -> None:
    trailing = 0
    for v in reversed(values):
        if not v:
            break
        trailing += 1
    got = metrics.streak_summary(flag_series(values))
    assert got.current.length == trailing
    assert (got.rank is None) == (trailing == 0)
    lengths = []
    count = 0
    for v in [*values, False]:
        if v:
            count += 1
        elif count:
            lengths.append(count)
            count = 0
    assert got.runs == len(lengths)
    assert got.record.length == max(lengths, default=0)
    if trailing:
        assert got.rank == 1 + sum(1 for n in lengths if n > trailing)


@FAST
@given(data=extended(maybe_price_st))
def test_no_look_ahead_period_returns_ignore_rows_after_as_of(
    data: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    base, longer, d = data
    pd.testing.assert_frame_equal(
        metrics.period_returns(longer, d, ALL_PERIODS), metrics.period_returns(base, d, ALL_PERIODS)
    )
    pd.testing.assert_frame_equal(
        metrics.period_changes(longer, d, ALL_PERIODS), metrics.period_changes(base, d, ALL_PERIODS)
    )


@FAST
@given(data=extended(maybe_price_st), window=st.integers(1, 6))
def test_no_look_ahead_ratio_line_moving_average_and_drawdown(
    data: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp], window: int
) -> None:
    base, longer, d = data
    pd.testing.assert_series_equal(
        metrics.ratio_line(longer["A"], longer["B"]).loc[:d],
        metrics.ratio_line(base["A"], base["B"]),
    )
    pd.testing.assert_series_equal(
        metrics.moving_average(longer["A"], window).loc[:d],
        metrics.moving_average(base["A"], window),
    )
    pd.testing.assert_series_equal(
        metrics.drawdown(longer["A"]).loc[:d], metrics.drawdown(base["A"])
    )


@FAST
@given(data=extended(maybe_price_st))
def test_no_look_ahead_outperformance_and_streak_summary(
    data: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    base, longer, d = data
    flags_long = metrics.outperformance(longer["A"], longer["B"]).loc[:d]
    flags_base = metrics.outperformance(base["A"], base["B"])
    pd.testing.assert_series_equal(flags_long, flags_base)
    assert metrics.streak_summary(flags_long) == metrics.streak_summary(flags_base)
