"""Tests of the relative rotation graph: weekly labels, RS-Ratio / RS-Momentum, table and chart.

Expected numbers are worked out by hand or with plain arithmetic (``statistics``) in the test,
never by calling the function under test.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import math
import re
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.calendar import sessions
from generator.chartfiles import chart_files
from generator.charts import BASIS, MAX_POINTS
from generator.charts.rrg import (
    HEIGHT,
    LAYOUT_WIDTH,
    QUADRANT_COLORS,
    rrg_chart,
)
from generator.charts.theme import DEFAULT
from generator.config import load_config, slug
from generator.formatting import Metric
from generator.metrics.rrg import (
    RRGParams,
    heading,
    quadrant,
    rrg_missing,
    rrg_points,
    rrg_table,
    weekly_closes,
)
from generator.sections.rotation import rrg_summary
from tests_support import (
    FIXTURE_CONFIG,
    as_drawn,
    chart_rows,
    csv_rows,
    figure_named,
    plain,
    sample_report,
    sig6,
    snapshot_of,
)

FAST = settings(max_examples=30, deadline=None)
SLOW = settings(max_examples=15, deadline=None)
SECTORS = ["XLK", "XLF", "XLE", "XLV", "XLY", "XLP", "XLU", "XLB", "XLRE", "XLC", "XLI"]
STYLE = ["IWD", "IWB", "IWF", "IWS", "IWR", "IWP", "IWN", "IWM", "IWO"]


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day)


def frame(index: pd.DatetimeIndex, columns: dict[str, list[float]]) -> pd.DataFrame:
    index = pd.DatetimeIndex(index, name="date").astype("datetime64[ns]")
    return pd.DataFrame(columns, index=index, dtype="float64")


def fridays(n: int, start: str = "2020-01-03") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="7D", name="date")


def random_walks(steps: list[list[int]], start: str = "2020-01-03") -> pd.DataFrame:
    """Weekly prices from integer log-returns in basis points, one list per column."""
    n = len(steps[0])
    cols = {f"S{i}": 100.0 * np.exp(np.cumsum(np.array(s) / 1e4)) for i, s in enumerate(steps)}
    return frame(fridays(n, start), cols)


def z_last(values: list[float]) -> float:
    """Plain z-score of the last value against its window (sample std, ddof = 1)."""
    return (values[-1] - statistics.mean(values)) / statistics.stdev(values)


def week_friday(day: pd.Timestamp) -> pd.Timestamp:
    """The Friday ending the Saturday-to-Friday week of ``day`` (independent of pandas periods)."""
    return day + pd.Timedelta(days=(4 - day.weekday()) % 7)


# --- weekly closes -------------------------------------------------------------------------------


def test_good_friday_week_is_labelled_thursday() -> None:
    days = sessions(dt.date(2026, 3, 23), dt.date(2026, 4, 17))
    assert ts("2026-04-03") not in days  # Good Friday 2026: no session
    prices = frame(days, {"A": list(range(1, len(days) + 1))})
    weekly = weekly_closes(prices)
    assert list(weekly.index) == [
        ts("2026-03-27"),
        ts("2026-04-02"),
        ts("2026-04-10"),
        ts("2026-04-17"),
    ]
    assert weekly.index.name == "date"
    assert weekly.loc["2026-04-02", "A"] == prices.loc["2026-04-02", "A"]
    # The pitfall being avoided: pandas labels that week with the holiday.
    assert ts("2026-04-03") in prices.resample("W-FRI").last().index


def test_holiday_weeks_thanksgiving_juneteenth_independence_day() -> None:
    days = sessions(dt.date(2025, 11, 17), dt.date(2025, 12, 5))
    assert ts("2025-11-27") not in days  # Thanksgiving (Thursday); Friday 28 is a half day
    weekly = weekly_closes(frame(days, {"A": np.arange(len(days), dtype=float) + 1}))
    assert list(weekly.index) == [ts("2025-11-21"), ts("2025-11-28"), ts("2025-12-05")]
    # Four sessions in Thanksgiving week, the last close is Friday's.
    assert weekly.loc["2025-11-28", "A"] == 1.0 + list(days).index(ts("2025-11-28"))

    days = sessions(dt.date(2026, 6, 15), dt.date(2026, 7, 10))
    weekly = weekly_closes(frame(days, {"A": np.ones(len(days))}))
    # Juneteenth (Fri 19 June) and Independence Day observed (Fri 3 July): Thursday labels.
    assert list(weekly.index) == [
        ts("2026-06-18"),
        ts("2026-06-26"),
        ts("2026-07-02"),
        ts("2026-07-10"),
    ]


def test_week_in_progress_is_labelled_with_its_last_session() -> None:
    days = sessions(dt.date(2026, 7, 20), dt.date(2026, 7, 29))  # ends on a Wednesday
    weekly = weekly_closes(frame(days, {"A": np.arange(len(days), dtype=float) + 1}))
    assert list(weekly.index) == [ts("2026-07-24"), ts("2026-07-29")]
    assert weekly.iloc[-1]["A"] == len(days)


def test_weekly_close_per_symbol_with_gaps() -> None:
    days = pd.DatetimeIndex(["2026-07-06", "2026-07-07", "2026-07-10", "2026-07-13", "2026-07-14"])
    prices = frame(
        days,
        {
            "A": [1.0, 2.0, math.nan, 4.0, 5.0],  # no close on Friday: Tuesday's close stands
            "B": [math.nan, math.nan, math.nan, 7.0, math.nan],  # nothing in week 1
            "C": [1.0, 1.0, 1.0, 1.0, 1.0],  # Friday 10 July is a session
        },
    )
    weekly = weekly_closes(prices)
    assert list(weekly.index) == [ts("2026-07-10"), ts("2026-07-14")]
    assert weekly.loc["2026-07-10", "A"] == 2.0
    assert math.isnan(weekly.loc["2026-07-10", "B"])
    assert weekly.loc["2026-07-14"].tolist() == [5.0, 7.0, 1.0]
    # A row where nothing closed is not a session: it does not label its week.
    with_holiday_row = pd.concat(
        [
            prices,
            frame(
                pd.DatetimeIndex(["2026-07-17"]),
                {"A": [math.nan], "B": [math.nan], "C": [math.nan]},
            ),
        ]
    )
    assert list(weekly_closes(with_holiday_row).index) == [ts("2026-07-10"), ts("2026-07-14")]
    assert weekly_closes(prices.iloc[:0]).empty


ALL_SESSIONS = sessions(dt.date(2025, 1, 2), dt.date(2026, 12, 31))


@FAST
@given(
    start=st.integers(0, len(ALL_SESSIONS) - 40),
    length=st.integers(1, 120),
    keep=st.lists(st.booleans(), min_size=120, max_size=120),
)
def test_weekly_labels_are_the_last_session_of_each_week(
    start: int, length: int, keep: list[bool]
) -> None:
    """Over 2025-2026 NYSE sessions (Good Friday, Thanksgiving, Juneteenth, July 4 included),
    with arbitrary sessions missing from the data: each label is the week's latest date present."""
    days = ALL_SESSIONS[start : start + length]
    days = days[np.array(keep[: len(days)])]
    assume(len(days) > 0)
    weekly = weekly_closes(frame(days, {"A": np.arange(len(days), dtype=float)}))
    expected: dict[pd.Timestamp, pd.Timestamp] = {}
    for day in days:
        expected[week_friday(day)] = max(expected.get(week_friday(day), day), day)
    assert list(weekly.index) == sorted(expected.values())
    assert all(day <= week_friday(day) for day in weekly.index)
    # Each week's close is the close on its label session (the column has no gaps).
    assert weekly["A"].tolist() == [float(list(days).index(d)) for d in weekly.index]


# --- hand-computed RS-Ratio / RS-Momentum ---------------------------------------------------------


def test_hand_computed_window_3() -> None:
    """RS = 100·A/B with B = 50: 100, 102, 101, 103, 102, 101, 100.

    RS-Ratio (window 3, ddof 1), each window a permutation of three consecutive integers, so the
    sample std is 1 and the z-score of the last value is -1, 0 or 1:
      w2 (100,102,101) -> 100;  w3 (102,101,103) -> 101;  w4 (101,103,102) -> 100;
      w5 (103,102,101) -> 99;   w6 (102,101,100) -> 99.
    ROC (m = 1): w3 = 100·(101/100 - 1) = 1;  w4 = 100·(100/101 - 1) = -0.990099…;
      w5 = 100·(99/100 - 1) = -1;  w6 = 0.
    RS-Momentum: w5 = 100 + z(1, -0.990099, -1) = 99.4184…;
      w6 = 100 + z(-0.990099, -1, 0) = 101.1547….
    """
    rs = [100.0, 102.0, 101.0, 103.0, 102.0, 101.0, 100.0]
    weekly = frame(fridays(7), {"A": [r / 2 for r in rs], "B": [50.0] * 7})
    params = RRGParams(window=3, momentum_lag=1)
    assert params.min_weeks == 6
    points = rrg_points(weekly, "B", ["A"], params)
    assert list(points.columns) == ["date", "symbol", "rs", "rs_ratio", "rs_momentum", "quadrant"]
    assert list(points["date"]) == list(fridays(7)[5:])
    roc = [1.0, 100 * (100 / 101 - 1), -1.0, 0.0]
    assert roc[1] == pytest.approx(-0.990099, abs=1e-6)
    assert points["rs"].tolist() == pytest.approx([101.0, 100.0])
    assert points["rs_ratio"].tolist() == pytest.approx([99.0, 99.0])
    expected_mom = [100 + z_last(roc[0:3]), 100 + z_last(roc[1:4])]
    assert expected_mom == pytest.approx([99.41836, 101.15466], abs=1e-5)
    assert points["rs_momentum"].tolist() == pytest.approx(expected_mom, abs=1e-12)
    assert points["quadrant"].tolist() == ["Lagging", "Improving"]

    table = rrg_table(points, ts("2030-01-01"))
    row = table.loc["A"]
    assert row["date"] == fridays(7)[6]
    assert (row["quadrant"], row["previous_quadrant"], row["changed"]) == (
        "Improving",
        "Lagging",
        True,
    )
    assert row["heading"] == pytest.approx(90.0)  # RS-Ratio unchanged, RS-Momentum up: north
    assert row["distance"] == pytest.approx(math.hypot(1.0, expected_mom[1] - 100))
    assert not row["stale"]


def test_hand_computed_momentum_lag_2() -> None:
    """Same RS, m = 2: ROC w4 = 100·(100/100 - 1) = 0, w5 = 100·(99/101 - 1),
    w6 = 100·(99/100 - 1)."""
    rs = [100.0, 102.0, 101.0, 103.0, 102.0, 101.0, 100.0]
    weekly = frame(fridays(7), {"A": rs, "B": [100.0] * 7})
    points = rrg_points(weekly, "B", ["A"], RRGParams(window=3, momentum_lag=2))
    roc = [0.0, 100 * (99 / 101 - 1), -1.0]
    assert list(points["date"]) == [fridays(7)[6]]
    assert points["rs_momentum"].iloc[0] == pytest.approx(100 + z_last(roc), abs=1e-12)


def test_quadrant_ties_and_nan() -> None:
    assert quadrant(101, 101) == "Leading"
    assert quadrant(101, 99) == "Weakening"
    assert quadrant(99, 99) == "Lagging"
    assert quadrant(99, 101) == "Improving"
    # Exactly 100 counts as >= 100.
    assert quadrant(100, 100) == "Leading"
    assert quadrant(100, 99.99) == "Weakening"
    assert quadrant(99.99, 100) == "Improving"
    with pytest.raises(ValueError, match="undefined"):
        quadrant(math.nan, 100)


def test_heading_convention() -> None:
    assert heading(1, 0) == pytest.approx(0.0)
    assert heading(1, 1) == pytest.approx(45.0)
    assert heading(0, 1) == pytest.approx(90.0)
    assert heading(-1, 0) == pytest.approx(180.0)
    assert heading(0, -1) == pytest.approx(270.0)
    assert heading(1, -1) == pytest.approx(315.0)
    assert math.isnan(heading(0, 0))


def test_params_validation() -> None:
    assert RRGParams() == RRGParams(window=10, momentum_lag=4, tail=8)
    assert RRGParams().min_weeks == 23
    for key, bad in (("window", 2), ("momentum_lag", 0), ("tail", 0)):
        with pytest.raises(ValueError, match=key):
            RRGParams(**{key: bad})


# --- missing data ---------------------------------------------------------------------------------


def test_missing_and_short_symbols_have_no_rows_and_a_reason() -> None:
    params = RRGParams(window=3, momentum_lag=1)  # 6 weeks needed
    n = 12
    rng = np.random.default_rng(1)
    walk = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    weekly = frame(
        fridays(n),
        {
            "SPY": 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n))),
            "OK": walk,
            "SHORT": [math.nan] * 7 + list(walk[7:]),  # 5 weeks
            "LATE": [math.nan] * 6 + list(walk[6:]),  # 6 weeks: exactly one point
            "FLAT": [100.0] * n,
            "EMPTY": [math.nan] * n,
        },
    )
    weekly["FLAT"] = weekly["SPY"] * 2  # constant relative strength
    symbols = ["OK", "SHORT", "LATE", "FLAT", "EMPTY", "GONE", "SPY", "OK"]
    points = rrg_points(weekly, "SPY", symbols, params)
    assert list(dict.fromkeys(points["symbol"])) == ["OK", "LATE"]
    assert (points["symbol"] == "OK").sum() == n - 5
    assert list(points.loc[points["symbol"] == "LATE", "date"]) == [fridays(n)[-1]]
    assert points[["rs", "rs_ratio", "rs_momentum"]].notna().all().all()
    assert not (points[["rs_ratio", "rs_momentum"]] == 0).any().any()
    reasons = rrg_missing(weekly, "SPY", symbols, params)
    assert set(reasons) == {"SHORT", "FLAT", "EMPTY", "GONE", "SPY"}
    assert reasons["SHORT"] == "5 weeks with a close in common with SPY, 6 needed"
    assert "flat" in reasons["FLAT"]
    assert reasons["EMPTY"] == reasons["GONE"] == "no price data"
    assert reasons["SPY"] == "the benchmark itself"
    with pytest.raises(ValueError, match="benchmark QQQ"):
        rrg_points(weekly, "QQQ", ["OK"], params)
    with pytest.raises(ValueError, match="benchmark EMPTY"):
        rrg_missing(weekly, "EMPTY", ["OK"], params)
    empty = rrg_points(weekly, "SPY", ["GONE"], params)
    assert empty.empty
    assert list(empty.columns) == list(points.columns)


def test_weeks_missing_for_one_side_are_skipped_not_filled() -> None:
    """A week without a close for the symbol is left out; the windows count the common weeks."""
    params = RRGParams(window=3, momentum_lag=1)
    rs = [100.0, 102.0, 101.0, 103.0, 102.0, 101.0, 100.0]
    holed = [rs[0], rs[1], math.nan, rs[2], rs[3], rs[4], rs[5], rs[6]]
    weekly = frame(fridays(8), {"A": holed, "B": [100.0] * 8})
    points = rrg_points(weekly, "B", ["A"], params)
    # The same two points as the hand-computed test, one week later.
    assert points["rs_ratio"].tolist() == pytest.approx([99.0, 99.0])
    assert list(points["date"]) == list(fridays(8)[6:])


def test_table_as_of_stale_and_single_point() -> None:
    points = pd.DataFrame(
        {
            "date": [
                ts("2026-07-10"),
                ts("2026-07-17"),
                ts("2026-07-24"),
                ts("2026-07-17"),
                ts("2026-07-17"),
            ],
            "symbol": ["A", "A", "A", "B", "C"],
            "rs": [1.0] * 5,
            "rs_ratio": [100.5, 101.0, 99.0, 98.0, 100.0],
            "rs_momentum": [100.5, 102.0, 98.0, 99.0, 100.0],
            "quadrant": ["Leading", "Leading", "Lagging", "Lagging", "Leading"],
        }
    )
    table = rrg_table(points, ts("2026-07-21"))  # the 07-24 week is after as-of
    assert list(table.index) == ["A", "B", "C"]
    a = table.loc["A"]
    assert a["date"] == ts("2026-07-17")
    assert (a["quadrant"], a["previous_quadrant"], a["changed"]) == ("Leading", "Leading", False)
    assert a["heading"] == pytest.approx(math.degrees(math.atan2(1.5, 0.5)))  # 71.57°
    assert a["distance"] == pytest.approx(math.sqrt(1 + 4))
    b = table.loc["B"]
    assert pd.isna(b["previous_quadrant"])
    assert not b["changed"]
    assert math.isnan(b["heading"])
    assert table["stale"].tolist() == [False, False, False]
    later = rrg_table(points, ts("2026-07-24"))
    assert later["stale"].tolist() == [False, True, True]
    assert later.loc["A", "heading"] == pytest.approx(180 + math.degrees(math.atan2(4, 2)))


# --- properties -----------------------------------------------------------------------------------

steps = st.integers(-600, 600)


@st.composite
def weekly_frames(draw: st.DrawFn, min_weeks: int = 24, max_weeks: int = 50) -> pd.DataFrame:
    n = draw(st.integers(min_weeks, max_weeks))
    cols = [draw(st.lists(steps, min_size=n, max_size=n)) for _ in range(3)]
    weekly = random_walks(cols)
    holes = draw(st.lists(st.integers(0, n - 1), max_size=4))
    weekly.iloc[holes, 1] = math.nan  # S1 misses a few weeks
    return weekly


def assert_same_points(a: pd.DataFrame, b: pd.DataFrame, atol: float = 1e-9) -> None:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert a[["date", "symbol"]].equals(b[["date", "symbol"]])
    for col in ("rs_ratio", "rs_momentum"):
        np.testing.assert_allclose(a[col], b[col], rtol=0, atol=atol)
    clear = ((a["rs_ratio"] - 100).abs() > 1e-6) & ((a["rs_momentum"] - 100).abs() > 1e-6)
    assert a.loc[clear, "quadrant"].tolist() == b.loc[clear, "quadrant"].tolist()


PARAMS = st.builds(RRGParams, window=st.integers(3, 8), momentum_lag=st.integers(1, 4))


@SLOW
@given(weekly=weekly_frames(), cut=st.integers(1, 50), params=PARAMS)
def test_later_weeks_never_move_earlier_points(
    weekly: pd.DataFrame, cut: int, params: RRGParams
) -> None:
    cut = min(cut, len(weekly))
    full = rrg_points(weekly, "S0", ["S1", "S2"], params)
    part = rrg_points(weekly.iloc[:cut], "S0", ["S1", "S2"], params)
    end = weekly.index[cut - 1]
    assert_same_points(part, full[full["date"] <= end], atol=0)


@SLOW
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, len(ALL_SESSIONS) - 1),
    extra=st.floats(0.5, 2.0),
)
def test_no_look_ahead_from_daily_data(seed: int, cut: int, extra: float) -> None:
    """Points computed from daily data cut at session D equal, up to D, those computed after
    arbitrary sessions are appended; only the week in progress at D may differ."""
    rng = np.random.default_rng(seed)
    n = len(ALL_SESSIONS)
    prices = frame(
        ALL_SESSIONS,
        {s: 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n))) for s in ("SPY", "A", "B")},
    )
    day = ALL_SESSIONS[cut]
    tampered = prices.copy()
    tampered.loc[tampered.index > day] *= extra  # anything may happen after D
    params = RRGParams()
    cut_points = rrg_points(weekly_closes(prices.loc[:day]), "SPY", ["A", "B"], params)
    full_points = rrg_points(weekly_closes(tampered), "SPY", ["A", "B"], params)
    known = full_points[full_points["date"] <= day]
    assert set(known["date"]) <= set(cut_points["date"])
    assert_same_points(cut_points[cut_points["date"].isin(known["date"])], known, atol=0)
    # The cut data end in a (possibly partial) week labelled D.
    if not cut_points.empty:
        assert cut_points["date"].max() == day


@SLOW
@given(
    weekly=weekly_frames(),
    scale=st.sampled_from([0.01, 0.37, 3.0, 1234.5]),
    which=st.sampled_from(["S0", "S1"]),
    params=PARAMS,
)
def test_scaling_a_price_series_changes_nothing(
    weekly: pd.DataFrame, scale: float, which: str, params: RRGParams
) -> None:
    base = rrg_points(weekly, "S0", ["S1", "S2"], params)
    scaled = weekly.copy()
    scaled[which] *= scale
    moved = rrg_points(scaled, "S0", ["S1", "S2"], params)
    assert_same_points(base, moved, atol=1e-6)


def rolling_z(series: pd.Series, n: int) -> pd.Series:
    """A test-side rolling z-score (pandas rolling, ddof 1), independent of the module's."""
    roll = series.rolling(n, min_periods=n)
    return (series - roll.mean()) / roll.std(ddof=1)


def sine_weekly(weeks: int = 120) -> pd.DataFrame:
    """A constructed relative-strength cycle: RS swings with a 26-week period around a trend."""
    t = np.arange(weeks)
    rs = 100 * np.exp(
        0.001 * t + 0.04 * np.sin(2 * np.pi * t / 26) + 0.01 * np.sin(2 * np.pi * t / 7)
    )
    return frame(fridays(weeks), {"A": rs, "B": np.full(weeks, 100.0)})


def test_fixed_base_roc_would_make_momentum_a_rescaled_ratio() -> None:
    """§1.4 of the notes, shown on a constructed cycle: with ROC against a fixed base, momentum is
    100 + z(RS-Ratio) whatever the base; the rolling m-week ROC used here is something else."""
    params = RRGParams(window=10, momentum_lag=4)
    points = rrg_points(sine_weekly(), "B", ["A"], params).set_index("date")
    rsr = points["rs_ratio"]
    z_of_ratio = 100 + rolling_z(rsr, 10)
    for base in (rsr.iloc[0], 97.0, 104.5):  # "52 weeks back", or any other fixed base
        fixed = 100 + rolling_z(100 * (rsr / base - 1), 10)
        np.testing.assert_allclose(fixed.dropna(), z_of_ratio.dropna(), atol=1e-9)
    ours = points["rs_momentum"].loc[z_of_ratio.dropna().index]
    assert (ours - z_of_ratio.dropna()).abs().max() > 0.5
    # ... and it is not an affine function of RS-Ratio either.
    design = np.c_[points["rs_ratio"], np.ones(len(points))]
    coef, *_ = np.linalg.lstsq(design, points["rs_momentum"].to_numpy(), rcond=None)
    assert np.abs(design @ coef - points["rs_momentum"].to_numpy()).max() > 0.5
    # Unlike a fixed base, the lag matters.
    other = rrg_points(sine_weekly(), "B", ["A"], RRGParams(window=10, momentum_lag=2))
    common = other.set_index("date")["rs_momentum"].loc[points.index]
    assert (common - points["rs_momentum"]).abs().max() > 0.1
    # The cycle rotates: both RS-Momentum signs occur while RS-Ratio is above 100.
    right = points[points["rs_ratio"] > 100.5]
    assert (right["rs_momentum"] > 100).any()
    assert (right["rs_momentum"] < 100).any()


@SLOW
@given(weekly=weekly_frames(min_weeks=40), params=PARAMS)
def test_momentum_is_not_affine_in_ratio(weekly: pd.DataFrame, params: RRGParams) -> None:
    points = rrg_points(weekly, "S0", ["S2"], params)
    assume(len(points) >= 10)
    y = points["rs_momentum"].to_numpy()
    design = np.c_[points["rs_ratio"], np.ones(len(points))]
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    assert np.abs(design @ coef - y).max() > 1e-6


# --- chart ---------------------------------------------------------------------------------------


def sector_points(weeks: int = 60, as_of_week: int = -1) -> tuple[pd.DataFrame, pd.Timestamp]:
    rng = np.random.default_rng(7)
    days = fridays(weeks, "2025-03-07")
    cols = {s: 100 * np.exp(np.cumsum(rng.normal(0, 0.025, weeks))) for s in ["SPY", *SECTORS]}
    weekly = frame(days, cols)
    return rrg_points(weekly, "SPY", SECTORS, RRGParams()), days[as_of_week]


def layer_data(spec: dict) -> list[list[dict]]:
    return [spec["datasets"][layer["data"]["name"]] for layer in spec["layer"] if "data" in layer]


def test_chart_spec() -> None:
    points, last = sector_points()
    as_of = last - pd.Timedelta(days=14)  # two weeks of points lie after as-of
    params = RRGParams()
    names = {"XLK": "Technology"}
    chart = rrg_chart(
        points, names, as_of=as_of, params=params, benchmark="SPY", title="Sectors vs SPY"
    )
    spec = chart.to_dict()
    assert spec["title"]["text"] == "Sectors vs SPY"
    assert spec["title"]["anchor"] == "start"
    subtitle = " ".join(spec["title"]["subtitle"])
    assert BASIS.lower() in subtitle.lower()
    assert f"as of {as_of:%Y-%m-%d}" in subtitle
    assert "vs SPY" in subtitle
    assert "over 10 weeks" in subtitle
    assert "4-week rate of change" in subtitle
    assert "tail 8 weeks" in subtitle
    assert spec["width"] == "container"
    assert spec["height"] >= 400

    tails = spec["datasets"][spec["layer"][3]["data"]["name"]]
    heads = spec["datasets"][spec["layer"][5]["data"]["name"]]
    assert len(tails) == 11 * 8
    assert len(heads) == 11
    assert all(row["week"][:10] <= f"{as_of:%Y-%m-%d}" for row in tails)
    assert {row["week"] for row in heads} == {f"{as_of:%Y-%m-%d}T00:00:00"}
    assert {row["symbol"] for row in heads} == set(SECTORS)
    xlk = next(r for r in heads if r["symbol"] == "XLK")
    assert xlk["name"] == "Technology"
    assert next(r for r in heads if r["symbol"] == "XLF")["name"] == "XLF"  # no name: the symbol
    assert sum(len(rows) for rows in layer_data(spec)) <= MAX_POINTS

    line = spec["layer"][3]
    assert line["mark"]["type"] == "trail"
    assert line["encoding"]["order"]["field"] == "step"
    assert line["encoding"]["x"]["field"] == "x"
    assert line["encoding"]["x"]["type"] == "quantitative"
    for row_symbol in SECTORS:
        steps_ = [r["step"] for r in tails if r["symbol"] == row_symbol]
        weeks_ = [r["week"] for r in tails if r["symbol"] == row_symbol]
        assert steps_ == list(range(8))
        assert weeks_ == sorted(weeks_)
    tooltip = {t["title"] for t in spec["layer"][5]["encoding"]["tooltip"]}
    assert tooltip == {
        "Symbol",
        "Name",
        "Week (last session)",
        "RS-Ratio",
        "RS-Momentum",
        "Quadrant",
    }
    color = spec["layer"][5]["encoding"]["color"]["scale"]
    assert color["domain"] == SECTORS
    assert len(set(color["range"])) == 11
    assert spec["resolve"]["scale"]["color"] == "independent"

    # Axes centred on 100, symmetric, covering every point.
    x_dom = spec["layer"][3]["encoding"]["x"]["scale"]["domain"]
    y_dom = spec["layer"][3]["encoding"]["y"]["scale"]["domain"]
    for dom, key in ((x_dom, "x"), (y_dom, "y")):
        assert dom[0] + dom[1] == pytest.approx(200.0)
        assert all(dom[0] < r[key] < dom[1] for r in tails)

    quads = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert [q["quadrant"] for q in quads] == list(QUADRANT_COLORS)
    assert len(set(DEFAULT.palette)) >= 12, "the default theme colours 12 symbols apart"


def test_chart_renders_and_labels_do_not_collide() -> None:
    points, as_of = sector_points()
    chart = rrg_chart(points, {}, as_of=as_of, params=RRGParams(), benchmark="SPY", title="Sectors")
    files = chart_files("rrg-sectors", chart)
    assert files["charts/rrg-sectors.svg"].startswith(b"<svg")
    assert len(files["charts/rrg-sectors.vl.json"]) < 300_000
    spec = json.loads(files["charts/rrg-sectors.vl.json"])
    heads = spec["datasets"][spec["layer"][5]["data"]["name"]]
    assert {h["align"] for h in heads} <= {"left", "center", "right"}
    assert all(abs(h["dx"]) <= 14 and abs(h["dy"]) <= 14 for h in heads)
    # No two label boxes overlap on a plot of the width the layout assumes (7 px a character).
    x_dom = spec["layer"][3]["encoding"]["x"]["scale"]["domain"]
    y_dom = spec["layer"][3]["encoding"]["y"]["scale"]["domain"]
    boxes = []
    for h in heads:
        px = (h["x"] - x_dom[0]) / (x_dom[1] - x_dom[0]) * LAYOUT_WIDTH + h["dx"]
        py = (y_dom[1] - h["y"]) / (y_dom[1] - y_dom[0]) * HEIGHT + h["dy"]
        w = 7.0 * len(h["symbol"])
        left = {"left": px, "center": px - w / 2, "right": px - w}[h["align"]]
        top = {"top": py, "middle": py - 6, "bottom": py - 12}[h["baseline"]]
        boxes.append((left, top, left + w, top + 12))
    for a, b in itertools.combinations(boxes, 2):
        assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])


def test_chart_with_a_stale_symbol_and_an_empty_one() -> None:
    points, as_of = sector_points()
    points = points[
        ~((points["symbol"] == "XLE") & (points["date"] > as_of - pd.Timedelta(days=21)))
    ]
    chart = rrg_chart(points, {}, as_of=as_of, params=RRGParams(tail=4), benchmark="SPY", title="t")
    spec = chart.to_dict()
    heads = spec["datasets"][spec["layer"][5]["data"]["name"]]
    xle = next(h for h in heads if h["symbol"] == "XLE")
    # Its last point, three weeks back, is the only one inside the 4-week tail: an older head.
    assert xle["week"] == f"{as_of - pd.Timedelta(days=21):%Y-%m-%d}T00:00:00"
    assert sum(1 for r in layer_data(spec)[3] if r["symbol"] == "XLE") == 1
    assert "tail 4 weeks" in " ".join(spec["title"]["subtitle"])
    empty = rrg_chart(
        points.iloc[:0], {}, as_of=as_of, params=RRGParams(), benchmark="SPY", title="t"
    )
    assert chart_files("empty", empty)["charts/empty.svg"].startswith(b"<svg")


@pytest.mark.realdata
def test_real_data_sectors_and_style(shared_prices) -> None:
    from generator.sources.csvdir import read_close_csv

    symbols = ["SPY", *SECTORS, *STYLE]
    closes = {
        s: read_close_csv(shared_prices / f"{s}.csv")
        for s in symbols
        if (shared_prices / f"{s}.csv").is_file()
    }
    prices = pd.DataFrame(closes).sort_index().rename_axis("date").loc[:"2026-07-31"]
    weekly = weekly_closes(prices)
    assert weekly.index[-1] == ts("2026-07-31")
    assert ts("2026-04-02") in weekly.index  # Good Friday week
    params = RRGParams()
    for group in (SECTORS, STYLE):
        points = rrg_points(weekly, "SPY", group, params)
        table = rrg_table(points, ts("2026-07-31"))
        present = [s for s in group if s in closes]
        assert list(table.index) == present
        assert (table["date"] == ts("2026-07-31")).all()
        assert set(rrg_missing(weekly, "SPY", group, params)) == set(group) - set(present)


# --- the Sectors page's caption and data


@functools.cache
def sample_rotation(config_path: str = str(FIXTURE_CONFIG)):
    """The sample's rotation section as of 2026-07-31 (its graphs and the document)."""
    report = sample_report(load_config(Path(config_path)), as_of=ts("2026-07-31"))
    snap = snapshot_of(report, members={}, only=("rotation",))
    return snap, snap.present()[1]


QUADRANT_LINE = re.compile(r"(Leading|Weakening|Lagging|Improving|No quadrant): ([^.]*)\.")


def _listed(text: str) -> dict[str, list[str]]:
    """Each quadrant's symbols as a summary lists them (a stale week's note dropped)."""
    out = {}
    for q, items in QUADRANT_LINE.findall(text):
        out[q] = [] if items == "none" else [i.split(" (")[0] for i in items.split(", ")]
    return out


@given(
    st.lists(
        st.tuples(
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4),
            st.sampled_from([*QUADRANT_COLORS, None]),
            st.sampled_from(["2026-07-24", "2026-07-31"]),
        ),
        max_size=12,
        unique_by=lambda r: r[0],
    )
)
@FAST
def test_a_rotation_summary_names_each_symbol_once_in_its_quadrant(rows):
    doc = {
        "rotation": [
            {
                "group": "G",
                "symbols": [{"symbol": s, "quadrant": q, "week": w} for s, q, w in rows],
            }
        ]
    }
    text = plain(rrg_summary(doc, 0, {"ZZZZZ": "no prices"}))
    listed = _listed(text)
    for q in QUADRANT_COLORS:
        assert listed[q] == [s for s, quad, _ in rows if quad == q]
    assert listed.get("No quadrant", []) == [s for s, quad, _ in rows if quad is None]
    assert text.endswith("No point: ZZZZZ.")
    if rows:
        latest = max(w for _, _, w in rows)
        assert text.startswith(f"In the week to {latest}:")
        for s, _, w in rows:
            assert (f"{s} (week to {w})" in text) == (w != latest)
    assert "n/a" not in text


def test_each_rotation_graph_says_its_quadrants_from_the_document():
    snap, figures = sample_rotation()
    doc = snap.document
    for group in doc["rotation"]:
        figure = figure_named(figures, f"rrg-{slug(group['group'])}")
        rows = group["symbols"]
        assert {r["week"] for r in rows} == {"2026-07-31"}  # the sample: no stale symbol
        expected = "In the week to 2026-07-31: " + " ".join(
            f"{q}: {', '.join(r['symbol'] for r in rows if r['quadrant'] == q) or 'none'}."
            for q in ("Leading", "Weakening", "Lagging", "Improving")
        )
        assert plain(figure.summary) == expected
        listed = [s for symbols in _listed(expected).values() for s in symbols]
        assert sorted(listed) == sorted(r["symbol"] for r in rows)


def test_a_rotation_graphs_csv_is_its_tails_as_drawn():
    snap, figures = sample_rotation()
    doc = snap.document
    params = RRGParams(window=10, momentum_lag=4, tail=8)
    assert snap.config.rotation.tail == params.tail
    for g, group in enumerate(snap.data["rotation"]):
        figure = figure_named(figures, f"rrg-{slug(group.name)}")
        rows = csv_rows(figure)
        assert list(rows[0]) == ["date", "symbol", "name", "RS-Ratio", "RS-Momentum", "quadrant"]
        weeks = sorted(group.points.loc[group.points["date"] <= ts("2026-07-31"), "date"].unique())
        tail = {f"{pd.Timestamp(w):%Y-%m-%d}" for w in weeks[-params.tail :]}
        assert {r["date"] for r in rows} == tail
        assert max(r["date"] for r in rows) == "2026-07-31"
        names = {i.symbol: i.name for i in snap.config.universe}
        drawn = {(r["symbol"], r["week"][:10]): r for r in chart_rows(figure) if "week" in r}
        for j, head in enumerate(doc["rotation"][g]["symbols"]):
            mine = [r for r in rows if r["symbol"] == head["symbol"]]
            assert [r["date"] for r in mine] == sorted(tail)  # one row a week, oldest first
            last = mine[-1]
            assert (last["date"], last["quadrant"]) == (head["week"], head["quadrant"])
            assert last["name"] == names[head["symbol"]]
            point = group.points[
                (group.points["symbol"] == head["symbol"])
                & (group.points["date"] == ts(head["week"]))
            ].iloc[0]
            assert float(last["RS-Ratio"]) == sig6(point["rs_ratio"])
            assert float(last["RS-Momentum"]) == sig6(point["rs_momentum"])
            shown = drawn[(head["symbol"], head["week"])]
            assert as_drawn(last["RS-Ratio"], shown["x"], 3)
            assert as_drawn(last["RS-Momentum"], shown["y"], 3)
            assert Metric(doc, f"rotation.{g}.symbols.{j}.rs_ratio", "decimal").value == round(
                point["rs_ratio"], 4
            )


def test_a_hostile_name_is_text_in_the_rotation_csv(tmp_path):
    config = yaml.safe_load(FIXTURE_CONFIG.read_text())
    for item in config["universe"]:
        if item["symbol"] == "XLK":
            item["name"] = '=HYPERLINK("http://evil.example","x")'
    path = tmp_path / "rotation.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    _, figures = sample_rotation(str(path))
    rows = csv_rows(figure_named(figures, "rrg-sectors"))
    xlk = {r["name"] for r in rows if r["symbol"] == "XLK"}
    assert xlk == {'\'=HYPERLINK("http://evil.example","x")'}
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or float(cell) < 0, cell


def test_the_week_in_progress_makes_no_point_on_the_graph():
    """Built on Monday 2026-03-09, one session into the week: the graph, the table and the
    quadrant moves stand at the completed week to Friday 2026-03-06, exactly as a build on that
    Friday shows them; the chart says which week it shows."""
    from generator.sections import rotation
    from tests_support import sample_report, snapshot_of

    monday = snapshot_of(sample_report(as_of="2026-03-09"), members={}, only=("rotation",))
    friday = snapshot_of(sample_report(as_of="2026-03-06"), members={}, only=("rotation",))
    for mine, theirs in zip(monday.data["rotation"], friday.data["rotation"], strict=True):
        assert mine.points["date"].max() == pd.Timestamp("2026-03-06")
        pd.testing.assert_frame_equal(mine.points, theirs.points)
        pd.testing.assert_frame_equal(mine.table, theirs.table)
    spec = rotation.rrg_figure(monday.data["rotation"][0], monday).chart.to_dict()
    assert "as of 2026-03-09 (latest completed week 2026-03-06)" in spec["title"]["subtitle"][0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.2, 5.0, allow_nan=False), min_size=30, max_size=60),
    st.integers(3, 12),
)
def test_rs_ratio_and_momentum_stay_within_their_bounds(steps, window):
    """However the prices move, a z-score over ``window`` weeks keeps the RS-Ratio and the
    RS-Momentum within :func:`ratio_bounds` (the Methodology quotes them)."""
    from generator.metrics.rrg import ratio_bounds

    days = pd.date_range("2024-01-05", periods=len(steps), freq="W-FRI")
    weekly = pd.DataFrame({"SPY": 100.0, "A": 100 * np.cumprod(steps)}, index=days)
    weekly.index.name = "date"
    points = rrg_points(weekly, "SPY", ["A"], RRGParams(window=window, momentum_lag=1, tail=4))
    low, high = ratio_bounds(window)
    assert points["rs_ratio"].between(low - 1e-9, high + 1e-9).all()
    assert points["rs_momentum"].between(low - 1e-9, high + 1e-9).all()
    assert ratio_bounds(10) == pytest.approx((97.1539, 102.8461), abs=1e-4)
