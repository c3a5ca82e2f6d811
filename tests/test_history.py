"""Tests of generator.metrics.history and generator.charts.history.

Expected values are worked out by hand. Most episode tests use ``ma_weeks=2``: the average of the
last two weekly closes is below this week's close exactly when the ratio rose this week, so the
side of each week can be read off the list of values ("a" = up, "b" = down, "=" = tie).
"""

from __future__ import annotations

import functools
import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
import vl_convert
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import metrics
from generator.chartfiles import chart_files
from generator.charts import BASIS, SESSION_DAY
from generator.charts.history import history_chart, ratio_drawdown_chart
from generator.formatting import fmt_pct
from generator.metrics.history import (
    EpisodeRule,
    Regime,
    current_regime,
    drawdown_table,
    episodes,
    pair_episodes,
    ratio_lines,
    regime_states,
    streak_records,
    weekly_closes,
)
from generator.sections.history import drawdown_summary, regime_summary
from generator.sources.sample import sample_prices
from tests_support import (
    as_drawn,
    chart_rows,
    csv_rows,
    figure_named,
    plain,
    sample_report,
    sig6,
    snapshot_of,
)

FAST = settings(max_examples=60, deadline=None)
NAT = pd.NaT
TWO = EpisodeRule(ma_weeks=2, min_confirm=2, min_weeks=3)


def fridays(n: int, start: str = "2024-01-05") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="W-FRI", name="date").astype("datetime64[ns]")


def weekly(values: list[float], start: str = "2024-01-05") -> pd.Series:
    return pd.Series(values, index=fridays(len(values), start), dtype="float64")


def sessions(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n, name="date").astype("datetime64[ns]")


W = fridays(12)  # W[i] = week i of the hand-made weekly series


# ---------------------------------------------------------------------------------------------
# EpisodeRule, weekly closes
# ---------------------------------------------------------------------------------------------


def test_rule_defaults_and_validation() -> None:
    rule = EpisodeRule()
    assert (rule.ma_weeks, rule.min_confirm, rule.min_weeks) == (40, 4, 26)
    assert "40-week average" in rule.describe()
    for bad in ({"ma_weeks": 1}, {"min_confirm": 0}, {"min_weeks": 0}):
        with pytest.raises(ValueError, match="must be at least"):
            EpisodeRule(**bad)


def test_weekly_closes_take_each_weeks_last_real_session() -> None:
    days = pd.DatetimeIndex(
        [
            "2024-03-25",
            "2024-03-26",
            "2024-03-28",  # Thursday: Good Friday 2024-03-29 is a holiday
            "2024-04-01",
            "2024-04-04",
            "2024-04-05",  # no close (NaN): the week ends on Thursday's close
            "2024-04-08",  # a week under way: its close so far is Monday's
        ],
        name="date",
    )
    series = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 7.0], index=days)
    got = weekly_closes(series)
    assert list(got.index.strftime("%Y-%m-%d")) == ["2024-03-28", "2024-04-04", "2024-04-08"]
    assert got.tolist() == [3.0, 5.0, 7.0]


# ---------------------------------------------------------------------------------------------
# Episodes and the "as of" regime, on hand-made weekly series
# ---------------------------------------------------------------------------------------------

# Weeks:   0    1    2    3    4    5    6    7    8
# Side:    -    a    a    b    a    a    b    b    b
# The one-week dip in week 3 is absorbed; weeks 6-7 confirm "b" at week 7, dated from week 6.
BASIC = [100.0, 101.0, 102.0, 101.0, 102.0, 103.0, 102.0, 101.0, 100.0]


def test_episodes_absorb_a_short_crossing_and_date_the_new_one_from_its_first_week() -> None:
    got = episodes(weekly(BASIC), TWO)
    assert got["leader"].tolist() == ["a", "b"]
    assert got["start"].tolist() == [W[1], W[6]]
    assert got["end"].iloc[0] == W[5]
    assert pd.isna(got["end"].iloc[1])  # ongoing
    assert got["confirmed"].tolist() == [W[2], W[7]]
    assert got["weeks"].tolist() == [5, 3]
    assert got["sustained"].tolist() == [True, True]
    # From the close before the start (week 0, then week 5) to the end (week 5, then week 8).
    assert got["ratio_change"].tolist() == pytest.approx([103 / 100 - 1, 100 / 103 - 1])


def test_without_hysteresis_every_crossing_is_an_episode_and_short_ones_are_flagged() -> None:
    got = episodes(weekly(BASIC), EpisodeRule(ma_weeks=2, min_confirm=1, min_weeks=3))
    assert got["leader"].tolist() == ["a", "b", "a", "b"]
    assert got["start"].tolist() == [W[1], W[3], W[4], W[6]]
    assert got["weeks"].tolist() == [2, 1, 2, 3]
    assert got["sustained"].tolist() == [False, False, False, True]
    assert got["ratio_change"].tolist() == pytest.approx(
        [102 / 100 - 1, 101 / 102 - 1, 103 / 101 - 1, 100 / 103 - 1]
    )


def test_a_tie_week_breaks_a_crossing_under_way() -> None:
    # Sides: - a a b = b b  -> the crossing that counts starts in week 5, not week 3.
    got = episodes(weekly([100, 101, 102, 101, 101, 100, 99]), TWO)
    assert got["leader"].tolist() == ["a", "b"]
    assert got["start"].tolist() == [W[1], W[5]]
    assert got["end"].iloc[0] == W[4]
    assert got["weeks"].tolist() == [4, 2]
    assert got["sustained"].tolist() == [True, False]  # the ongoing one is under 3 weeks so far


def test_the_first_leader_also_needs_confirmation() -> None:
    # Sides: - a b b  -> week 1 belongs to no episode.
    got = episodes(weekly([100, 101, 100, 99]), TWO)
    assert got["leader"].tolist() == ["b"]
    assert got["start"].tolist() == [W[2]]
    assert got["ratio_change"].tolist() == pytest.approx([99 / 101 - 1])


def test_a_series_shorter_than_the_window_has_no_episode_and_no_leader() -> None:
    rule = EpisodeRule()  # 40-week average, 4 weeks to confirm
    short = weekly([100 + i for i in range(39)])
    assert episodes(short, rule).empty
    assert list(episodes(short, rule).columns) == [
        "leader",
        "start",
        "end",
        "confirmed",
        "weeks",
        "sustained",
        "ratio_change",
    ]
    regime = current_regime(short, rule)
    assert regime.leader is None
    assert regime.weeks == 0
    assert math.isnan(regime.ratio_vs_ma)
    # Window full after 40 weeks, but three weeks above the average do not confirm a leader.
    almost = weekly([100 + i for i in range(42)])
    assert episodes(almost, rule).empty
    regime = current_regime(almost, rule)
    assert (regime.leader, regime.challenger, regime.pending) == (None, "a", 3)
    assert regime.ratio_vs_ma == pytest.approx(141 / (sum(range(102, 142)) / 40) - 1)
    assert current_regime(pd.Series([], dtype="float64"), rule).as_of is None


def test_current_regime_is_what_was_known_that_week() -> None:
    ratio = weekly(BASIC)
    now = current_regime(ratio, TWO)
    assert now == Regime(
        as_of=W[8],
        leader="b",
        since=W[6],
        confirmed=W[7],
        weeks=3,
        ratio_change=pytest.approx(100 / 103 - 1),
        ratio_vs_ma=pytest.approx(100 / 100.5 - 1),
        challenger=None,
        pending=0,
    )
    # As of week 6 the reader still saw "a" leading, with a one-week crossing under way; the
    # history table later dates "b" from that same week.
    then = current_regime(ratio.loc[: W[6]], TWO)
    assert (then.leader, then.since, then.weeks) == ("a", W[1], 6)
    assert (then.challenger, then.pending) == ("b", 1)
    states = regime_states(ratio, TWO)
    assert states["leader"].tolist() == [None, None, "a", "a", "a", "a", "a", "b", "b"]
    assert states["side"].tolist() == [None, "a", "a", "b", "a", "a", "b", "b", "b"]
    assert states["pending"].tolist() == [0, 1, 0, 1, 0, 0, 1, 0, 0]


def test_pair_episodes_add_each_sides_return_on_common_sessions() -> None:
    b_close = [50.0, 50, 51, 51, 51, 51, 52, 52, 52]
    a_close = [r * c / 100 for r, c in zip(BASIC, b_close, strict=True)]  # a / b follows BASIC
    a = weekly(a_close)
    b = weekly(b_close)
    # A close on a session B lacks (the Monday after the last week) is not a common session.
    a.loc[pd.Timestamp("2024-03-11")] = 999.0
    got = pair_episodes(a, b, TWO)
    assert got["start"].tolist() == [W[1], W[6]]
    assert got["a_return"].tolist() == pytest.approx(
        [a_close[5] / 50 - 1, a_close[8] / a_close[5] - 1]
    )
    assert got["b_return"].tolist() == pytest.approx([51 / 50 - 1, 52 / 51 - 1])
    assert ((1 + got["a_return"]) / (1 + got["b_return"]) - 1).tolist() == pytest.approx(
        got["ratio_change"].tolist()
    )


def test_episodes_read_daily_input_on_weekly_closes() -> None:
    # Daily closes whose Friday values are BASIC; the mid-week values are noise the rule ignores.
    days = pd.bdate_range("2024-01-01", periods=45, name="date")
    values = pd.Series(500.0, index=days)
    values[days.day_of_week == 4] = BASIC
    got = episodes(values, TWO)
    assert got["start"].tolist() == [W[1], W[6]]


# ---------------------------------------------------------------------------------------------
# Streak records
# ---------------------------------------------------------------------------------------------


def test_streak_records_on_a_hand_made_pattern() -> None:
    days = sessions(11)
    # Session:  0    1    2    3    4    5    6    7    8    9    10
    # Beats:    -    A    A    B    A    A    A    tie  B    B    A
    a = pd.Series([100.0, 101, 102, 101, 102, 103, 104, 104, 103, 102, 103], index=days)
    b = pd.Series(100.0, index=days)
    got = streak_records(a, b, n=3)
    assert got["side"].tolist() == ["a", "a", "a", "b", "b"]
    assert got["rank"].tolist() == [1, 2, 3, 1, 2]
    assert got["length"].tolist() == [3, 2, 1, 2, 1]
    assert got["start"].tolist() == [days[4], days[1], days[10], days[8], days[3]]
    assert got["end"].tolist() == [days[6], days[2], days[10], days[9], days[3]]
    assert got["ongoing"].tolist() == [False, False, True, False, False]
    assert got["ratio_change"].tolist() == pytest.approx(
        [104 / 101 - 1, 102 / 100 - 1, 103 / 102 - 1, 102 / 104 - 1, 101 / 102 - 1]
    )


def test_runs_of_equal_length_share_a_rank_as_on_pairs() -> None:
    days = sessions(9)
    # Beats:  -  A  A  B  A  A  B  A  B: A's runs 2, 2, 1 -> ranks 1, 1, 3 (earlier listed first)
    a = pd.Series([100.0, 101, 102, 101, 102, 103, 102, 103, 102], index=days)
    got = streak_records(a, pd.Series(100.0, index=days), n=3)
    mine = got[got["side"] == "a"]
    assert mine["rank"].tolist() == [1, 1, 3]
    assert mine["start"].tolist() == [days[1], days[4], days[7]]


def test_streak_records_use_common_sessions_only() -> None:
    days = sessions(5)
    a = pd.Series([100.0, 101, 102, 103, 104], index=days)
    b = pd.Series([100.0, 100, np.nan, 100, 100], index=days)  # session 2 is not common
    got = streak_records(a, b, n=5)
    assert got["length"].tolist() == [3]  # sessions 1, 3, 4
    assert got["start"].tolist() == [days[1]]
    assert streak_records(a.iloc[:1], b.iloc[:1]).empty


# ---------------------------------------------------------------------------------------------
# Drawdown table
# ---------------------------------------------------------------------------------------------


def test_drawdown_table_counts_one_fall_once_and_leaves_an_ongoing_one_open() -> None:
    days = sessions(11)
    # Clean positions after the gap:  0    1   2   -    3   4    5    6   7    8   9
    series = pd.Series([100.0, 90, 95, np.nan, 80, 100, 110, 99, 105, 77, 90], index=days)
    got = drawdown_table(series, n=5)
    assert len(got) == 2  # the -10 % dips inside each fall are not episodes of their own
    first, second = got.iloc[0], got.iloc[1]
    # Deepest first: the fall from 110 that has not recovered.
    assert (first["peak"], first["trough"]) == (days[6], days[9])
    assert pd.isna(first["recovery"])
    assert first["depth"] == pytest.approx(77 / 110 - 1)
    assert first["sessions"] == 4
    # Back to exactly the old peak (100) counts as recovered.
    assert (second["peak"], second["trough"], second["recovery"]) == (days[0], days[4], days[5])
    assert second["depth"] == pytest.approx(-0.2)
    assert second["sessions"] == 4
    assert len(drawdown_table(series, n=1)) == 1


def test_drawdown_table_orders_equal_depths_by_date_and_is_empty_without_a_fall() -> None:
    days = sessions(5)
    got = drawdown_table(pd.Series([100.0, 90, 100, 90, 100], index=days))
    assert got["peak"].tolist() == [days[0], days[2]]
    assert got["recovery"].tolist() == [days[2], days[4]]
    assert drawdown_table(pd.Series([1.0, 2, 3], index=sessions(3))).empty


positive = st.floats(min_value=1.0, max_value=1000.0, allow_nan=False)


@FAST
@given(values=st.lists(positive, min_size=1, max_size=60), n=st.integers(1, 8))
def test_drawdown_table_properties(values: list[float], n: int) -> None:
    series = pd.Series(values, index=sessions(len(values)))
    got = drawdown_table(series, n=n)
    everything = drawdown_table(series, n=len(values))
    assert len(got) <= n
    assert (got["depth"] < 0).all()
    assert got["depth"].is_monotonic_increasing  # deepest (most negative) first
    assert got.equals(everything.head(n))
    if len(everything):
        assert everything["depth"].iloc[0] == pytest.approx(metrics.drawdown(series).min())
    # Non-overlapping, in time order: each episode ends (recovers) before the next peak.
    spans = everything.sort_values("peak")
    last = series.index[-1]
    for (_, earlier), (_, later) in zip(
        spans.iloc[:-1].iterrows(), spans.iloc[1:].iterrows(), strict=True
    ):
        assert (
            earlier["peak"]
            < earlier["trough"]
            <= (last if pd.isna(earlier["recovery"]) else earlier["recovery"])
        )
        assert not pd.isna(earlier["recovery"])  # only the last one can be ongoing
        assert earlier["recovery"] <= later["peak"]


# ---------------------------------------------------------------------------------------------
# No look-ahead: appending data after D changes nothing known at D
# ---------------------------------------------------------------------------------------------

SMALL = EpisodeRule(ma_weeks=3, min_confirm=2, min_weeks=3)
level = st.floats(min_value=50.0, max_value=150.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    head=st.lists(level, min_size=10, max_size=160),
    tail=st.lists(level, min_size=1, max_size=40),
)
def test_nothing_known_at_d_changes_when_data_after_d_is_appended(
    head: list[float], tail: list[float]
) -> None:
    days = sessions(len(head) + len(tail), start="2024-01-03")
    cut = pd.Series(head, index=days[: len(head)])
    full = pd.concat([cut, pd.Series(tail, index=days[len(head) :])])
    d = cut.index[-1]
    # D's week is finished in the appended data only if the next row is in a later week.
    week_done = days[len(head)].to_period("W") != d.to_period("W")

    before, after = regime_states(cut, SMALL), regime_states(full, SMALL)
    complete = before.iloc[: len(before) if week_done else len(before) - 1]
    pd.testing.assert_frame_equal(complete, after.iloc[: len(complete)])

    ended_before, ended_after = episodes(cut, SMALL), episodes(full, SMALL)
    # An episode has ended once its successor is confirmed. If that happened in D's unfinished
    # week, the week's close may still change, so only earlier confirmations are final.
    successor_confirmed = ended_before["confirmed"].shift(-1)
    final = ended_before["end"].notna() & (week_done | (successor_confirmed < before.index[-1]))
    known = ended_before[final]
    pd.testing.assert_frame_equal(known, ended_after.iloc[: len(known)])

    if week_done:
        then, row = current_regime(cut, SMALL), after.loc[d]
        assert then.leader == row["leader"]
        if then.leader is not None:
            assert (then.since, then.confirmed) == (row["since"], row["confirmed"])
            # The later history lists the episode that led at D from the same start.
            match = ended_after[ended_after["start"] == then.since]
            assert match["leader"].tolist() == [then.leader]


@FAST
@given(values=st.lists(level, min_size=10, max_size=200))
def test_episodes_are_contiguous_and_their_changes_compound_to_the_whole(
    values: list[float],
) -> None:
    ratio = pd.Series(values, index=sessions(len(values)))
    got = episodes(ratio, SMALL)
    if got.empty:
        return
    weeks = weekly_closes(ratio)
    position = {date: i for i, date in enumerate(weeks.index)}
    for i in range(len(got) - 1):
        assert position[got["end"].iloc[i]] + 1 == position[got["start"].iloc[i + 1]]
        assert got["leader"].iloc[i] != got["leader"].iloc[i + 1]
    assert got["weeks"].sum() == len(weeks) - position[got["start"].iloc[0]]
    base = weeks.iloc[position[got["start"].iloc[0]] - 1]
    assert float(np.prod(1 + got["ratio_change"])) == pytest.approx(weeks.iloc[-1] / base)
    assert (got["sustained"] == (got["weeks"] >= SMALL.min_weeks)).all()
    assert (got["confirmed"] - got["start"] >= pd.Timedelta(0)).all()


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------


def datasets(spec: dict) -> list[list[dict]]:
    """The rows of each layer, in layer order (Altair moves inline frames to ``datasets``)."""
    return [spec["datasets"][layer["data"]["name"]] for layer in spec["layer"]]


@pytest.fixture(scope="module")
def sample_ratio() -> pd.Series:
    prices = sample_prices(["IWN", "IWF"])
    return metrics.ratio_line(prices["IWN"], prices["IWF"])


def ratio_history_chart(ratio: pd.Series, eps: pd.DataFrame, **kwargs):
    """The History page's ratio chart of ``ratio`` up to ``as_of``, as its section draws it."""
    cut = ratio.dropna().loc[: kwargs["as_of"]]
    lines = ratio_lines(cut, kwargs["rule"].ma_weeks)
    return history_chart(lines, eps, first=cut.index[0], **kwargs)


def drawdown_chart_of(ratio: pd.Series, *, as_of: pd.Timestamp, **kwargs):
    """The History page's drawdown chart of ``ratio`` up to ``as_of``, as its section draws it."""
    cut = ratio.dropna().loc[:as_of]
    return ratio_drawdown_chart(
        metrics.drawdown(cut), drawdown_table(cut, 5), as_of=as_of, **kwargs
    )


def test_history_chart_spec(sample_ratio: pd.Series) -> None:
    as_of = pd.Timestamp("2025-06-30")  # a Monday: the last week is under way
    rule = EpisodeRule()
    cut = sample_ratio.loc[:as_of]
    eps = episodes(cut, rule)
    chart = ratio_history_chart(cut, eps, a="IWN", b="IWF", as_of=as_of, rule=rule)
    spec = chart.to_dict()
    assert spec["title"]["text"].startswith("IWN / IWF since 2000")
    subtitle = " ".join(spec["title"]["subtitle"])
    for part in (BASIS, "as of 2025-06-30", "40-week", "after 4 weeks", "under 26 weeks", "log"):
        assert part in subtitle
    shades, lines, hovered = datasets(spec)
    assert hovered is lines, "the crosshair shares the lines' rows"
    assert spec["layer"][0]["mark"]["type"] == "rect"
    assert spec["layer"][0]["encoding"]["x"]["type"] == "temporal"
    assert spec["layer"][0]["encoding"]["x2"]["field"] == "until"
    assert spec["layer"][1]["encoding"]["y"]["scale"]["type"] == "log"
    assert len(shades) == len(eps)
    assert [row["start"] for row in shades] == eps["start"].dt.strftime(SESSION_DAY).tolist()
    assert shades[-1]["until"] == "2025-06-30T00:00:00"
    # Shades are contiguous: each runs to the next one's start.
    assert all(s["until"] == t["start"] for s, t in itertools.pairwise(shades))
    assert {row["leader"] for row in shades} <= {"IWN leads", "IWF leads"}
    assert len(lines) == len(weekly_closes(cut))
    assert lines[-1]["date"] == "2025-06-30T00:00:00"
    assert max(row["date"][:10] for row in lines) <= "2025-06-30"
    assert max(row["start"] for row in shades) <= "2025-06-30"
    assert max(row["until"][:10] for row in shades) <= "2025-06-30"
    # The sample's IWN starts on Friday 2000-07-28, so the first weekly close is the base itself.
    assert (lines[0]["date"], lines[0]["ratio"]) == ("2000-07-28T00:00:00", 100.0)
    assert lines[1]["date"] == "2000-08-04T00:00:00"
    assert lines[1]["ratio"] == pytest.approx(100 * cut["2000-08-04"] / cut["2000-07-28"], abs=1e-3)
    # The crosshair says who led each week: the episode whose shading covers it.
    rule = spec["layer"][2]
    assert rule["mark"]["type"] == "rule"
    (hover,) = spec["params"]
    assert hover["select"]["nearest"] is True
    assert hover["views"] == [rule["name"]]
    assert [t["title"] for t in rule["encoding"]["tooltip"]] == [
        "Session",
        "IWN / IWF",
        "40-week average",
        "Who leads",
    ]
    # Compiled, the nearest-point cells read every field of the rule's row (a text field once
    # read ``datum`` and said "undefined").
    (cells,) = [m for m in vl_convert.vegalite_to_vega(spec)["marks"] if "voronoi" in m["name"]]
    shown = cells["encode"]["update"]["tooltip"]["signal"]
    assert 'datum.datum["episode"]' in shown
    assert 'datum["episode"]' not in shown.replace("datum.datum", "")
    first = f"{eps['start'].iloc[0]:%Y-%m-%d}"
    for row in lines:
        day = row["date"][:10]
        covering = [s for s in shades if s["start"][:10] <= day]
        expected = (
            f"{covering[-1]['leader']} since {covering[-1]['start'][:10]}" if covering else None
        )
        assert row["episode"] == (expected or "none yet"), row
    assert lines[0]["episode"] == "none yet"
    assert any(row["episode"].endswith(f"since {first}") for row in lines)
    last = eps.iloc[-1]
    leader = "IWN" if last["leader"] == "a" else "IWF"
    assert lines[-1]["episode"] == f"{leader} leads since {last['start']:%Y-%m-%d}"
    files = chart_files("history", chart)
    assert files["charts/history.svg"].startswith(b"<svg")
    assert len(files["charts/history.vl.json"]) < 300_000
    assert b"NaN" not in files["charts/history.vl.json"]  # missing averages are null


def test_ratio_drawdown_chart_spec() -> None:
    days = sessions(11)  # Mon 2024-01-01 .. Mon 2024-01-15
    ratio = pd.Series([100.0, 90, 95, 99, 80, 100, 110, 99, 105, 77, 90], index=days)
    as_of = days[-1]
    chart = drawdown_chart_of(ratio, a="IWM", b="SPY", as_of=as_of)
    spec = chart.to_dict()
    area, point = datasets(spec)
    # Week ends: Fri 2024-01-05 (80, -20 %), Fri 2024-01-12 (77 / 110 - 1), Mon 2024-01-15.
    assert [row["date"][:10] for row in area] == ["2024-01-05", "2024-01-12", "2024-01-15"]
    assert [row["drawdown"] for row in area] == pytest.approx(
        [-0.2, round(77 / 110 - 1, 4), round(90 / 110 - 1, 4)]
    )
    assert point == [
        {
            "date": "2024-01-12T00:00:00",
            "drawdown": round(77 / 110 - 1, 4),
            "peak": "2024-01-09",
            "recovery": "not recovered",
        }
    ]
    subtitle = " ".join(spec["title"]["subtitle"])
    for part in (BASIS, "as of 2024-01-15", "deepest -30.0%", "peak 2024-01-09", "not recovered"):
        assert part in subtitle
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domainMax"] == 0
    files = chart_files("history-drawdown", chart)
    assert files["charts/history-drawdown.svg"].startswith(b"<svg")
    cut = drawdown_chart_of(ratio, a="IWM", b="SPY", as_of=days[5]).to_dict()
    assert max(row["date"][:10] for rows in datasets(cut) for row in rows) <= "2024-01-08"


def test_history_charts_on_a_short_series_without_episodes() -> None:
    ratio = pd.Series(np.linspace(100, 120, 30), index=sessions(30))
    rule = EpisodeRule()
    chart = ratio_history_chart(
        ratio, episodes(ratio, rule), a="IWN", b="IWF", as_of=ratio.index[-1], rule=rule
    )
    shades, lines, _ = datasets(chart.to_dict())
    assert shades == []
    assert len(lines) == 6
    assert {row["episode"] for row in lines} == {"none yet"}
    spec = drawdown_chart_of(ratio, a="IWN", b="IWF", as_of=ratio.index[-1]).to_dict()
    assert len(spec["layer"]) == 1
    assert "no drawdown" in " ".join(spec["title"]["subtitle"])
    assert json.dumps(spec)


# ---------------------------------------------------------------------------------------------
# Real data: the story the site tells
# ---------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_headline_pair_story(shared_prices) -> None:
    from generator.sources.csvdir import read_close_csv

    as_of = pd.Timestamp("2026-07-31")
    iwn, iwf = (read_close_csv(shared_prices / f"{s}.csv").loc[:as_of] for s in ("IWN", "IWF"))
    ratio = metrics.ratio_line(iwn, iwf)
    assert current_regime(ratio, EpisodeRule()).leader == "a"
    assert current_regime(ratio.loc[:"2024-12-31"], EpisodeRule()).leader == "b"
    assert current_regime(ratio.loc[:"2005-06-30"], EpisodeRule()).leader == "a"
    table = episodes(ratio, EpisodeRule())
    growth = table[(table["leader"] == "b") & (table["start"] >= "2007-01-01")]
    assert growth["weeks"].max() > 150  # at least one growth run of about three years


# --- the History page's captions and data

SESSION = pd.Timestamp("2026-07-31")


@functools.cache
def sample_history():
    snap = snapshot_of(sample_report(as_of=SESSION), members={}, only=("history",))
    return snap, snap.present()[1]


def _history_doc(regime: dict, drawdown: float | None = -0.25, recovery: str | None = None):
    return {
        "pairs": [{"ratio_drawdown": drawdown, "ratio_high": "2020-02-14"}],
        "history": {
            "pairs": [
                {
                    "a": "AAA",
                    "b": "BBB",
                    "regime": {"since": "2026-05-01", "confirmed": "2026-05-22"} | regime,
                    "drawdowns": [
                        {
                            "peak": "2020-02-14",
                            "trough": "2020-03-20",
                            "recovery": recovery,
                            "depth": -0.3,
                        }
                    ],
                }
            ]
        },
    }


def test_the_history_captions_read_the_document():
    snap, figures = sample_history()
    doc = snap.document
    head = doc["history"]["pairs"][0]
    regime = head["regime"]
    assert regime["leader"] == "a"  # IWN leads in the sample as of 2026-07-31
    assert regime["ratio_change"] > 0
    assert plain(figure_named(figures, "history-ratio").summary) == (
        f"IWN has led IWF since the week to {regime['since']} (confirmed in the week to "
        f"{regime['confirmed']}): {regime['weeks']} weeks. Over those weeks the IWN / IWF ratio "
        f"rose ({fmt_pct(regime['ratio_change'])})."
    )
    deepest = head["drawdowns"][0]
    assert deepest["recovery"] is None
    assert plain(figure_named(figures, "history-drawdown").summary) == (
        f"The IWN / IWF ratio closed {fmt_pct(doc['pairs'][0]['ratio_drawdown'])} from its peak "
        f"of {doc['pairs'][0]['ratio_high']}. Its deepest fall, {fmt_pct(deepest['depth'])} from "
        f"{deepest['peak']} to {deepest['trough']}, is not recovered."
    )


def test_a_history_caption_never_states_what_the_document_lacks():
    nobody = _history_doc({"leader": None, "since": None, "confirmed": None, "weeks": 0})
    nobody["history"]["pairs"][0]["regime"]["ratio_change"] = None
    assert plain(regime_summary(nobody)) == "Neither AAA nor BBB leads yet under the episode rule."
    b_leads = _history_doc({"leader": "b", "weeks": 1, "ratio_change": -0.02})
    assert plain(regime_summary(b_leads)) == (
        "BBB has led AAA since the week to 2026-05-01 (confirmed in the week to 2026-05-22): "
        "1 week. Over those weeks the AAA / BBB ratio fell (-2.0%)."
    )
    at_peak = _history_doc({"leader": "a", "weeks": 3, "ratio_change": 0.1}, 0.0, "2020-08-21")
    assert plain(drawdown_summary(at_peak)) == (
        "The AAA / BBB ratio closed at its peak. Its deepest fall, -30.0% from 2020-02-14 to "
        "2020-03-20, is recovered by 2020-08-21."
    )
    unknown = _history_doc({"leader": "a", "weeks": 3, "ratio_change": 0.1}, None)
    unknown["history"]["pairs"][0]["drawdowns"] = []
    assert plain(drawdown_summary(unknown)) == ""


def test_the_history_csvs_are_the_weekly_closes_up_to_the_session():
    snap, figures = sample_history()
    doc = snap.document
    head = snap.data["history"][0]
    figure = figure_named(figures, "history-ratio")
    rows = csv_rows(figure)
    ratio, average = "IWN / IWF (start = 100)", "40-week average (start = 100)"
    assert list(rows[0]) == ["date", ratio, average, "episode"]
    weeks = weekly_closes(head.ratio.loc[:SESSION])
    assert [r["date"] for r in rows] == [f"{d:%Y-%m-%d}" for d in weeks.index]
    assert rows[-1]["date"] == "2026-07-31"
    assert float(rows[0][ratio]) == 100.0 * weeks.iloc[0] / head.ratio.iloc[0]
    assert float(rows[-1][ratio]) == pytest.approx(doc["pairs"][0]["ratio"], rel=1e-6)
    assert rows[-1][average] != ""
    drawn = max(chart_rows(figure), key=lambda r: r.get("date", "") if "ratio" in r else "")
    assert drawn["date"].startswith("2026-07-31")
    assert as_drawn(rows[-1][ratio], drawn["ratio"], 3)
    assert as_drawn(rows[-1][average], drawn["ma"], 3)
    # Each episode's shading, week by week: from its first week to the next one's.
    by_date = {r["date"]: r["episode"] for r in rows}
    leaders = {"a": "IWN leads", "b": "IWF leads"}
    episodes_ = doc["history"]["pairs"][0]["episodes"]
    assert all(r["episode"] == "" for r in rows if r["date"] < episodes_[0]["start"])
    for episode, following in itertools.pairwise([*episodes_, None]):
        end = following["start"] if following else "9999"
        shaded = {r["episode"] for r in rows if episode["start"] <= r["date"] < end}
        assert shaded == {f"{leaders[episode['leader']]} since {episode['start']}"}, episode
    regime = doc["history"]["pairs"][0]["regime"]
    assert by_date["2026-07-31"] == f"{leaders[regime['leader']]} since {regime['since']}"

    figure = figure_named(figures, "history-drawdown")
    rows = csv_rows(figure)
    column = "IWN / IWF below its peak"
    assert list(rows[0]) == ["date", column]
    assert rows[-1]["date"] == "2026-07-31"
    assert float(rows[-1][column]) == pytest.approx(doc["pairs"][0]["ratio_drawdown"], rel=1e-5)
    deepest = doc["history"]["pairs"][0]["drawdowns"][0]["depth"]
    # Weekly points, never deeper than the daily low (rounding keeps the order).
    assert min(float(r[column]) for r in rows) >= sig6(deepest)
    drawn = max(chart_rows(figure), key=lambda r: r.get("date", "") if "peak" not in r else "")
    assert as_drawn(rows[-1][column], drawn["drawdown"], 4)
