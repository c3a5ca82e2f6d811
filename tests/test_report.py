"""Tests of generator.report: build_report and as_of_session on a small hand-built price frame.

Every expected number is worked out by hand from the frame in :func:`make_prices`.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from generator.config import Config
from generator.errors import DataError
from generator.metrics import Streak
from generator.report import Report, build_report
from generator.validate import as_of_session as resolve
from tests_support import run_report

NAN = math.nan
AS_OF = pd.Timestamp("2024-02-05")  # Monday
# Anchors as of 2024-02-05:
#   1W  2024-01-29 (Mon, a session)
#   1M  2024-01-05 (Fri, a session)
#   YTD 2023-12-31 (Sun) -> last close of 2023: Fri 2023-12-29
SESSIONS = [
    "2023-12-28",
    "2023-12-29",
    "2024-01-02",
    "2024-01-05",
    "2024-01-29",
    "2024-02-01",
    "2024-02-02",
    "2024-02-05",
]
AFTER = ["2024-02-06", "2024-02-07"]

# fmt: off
CLOSES = {
    #        12-28  12-29  01-02  01-05  01-29  02-01  02-02  02-05
    "SPY":  [90.0,  100.0, 105.0, 110.0, 100.0, NAN,   125.0, 121.0],
    "IWN":  [40.0,  50.0,  52.0,  51.0,  60.0,  63.0,  66.0,  69.0],
    "IWF":  [80.0,  100.0, 100.0, 100.0, 100.0, NAN,   90.0,  80.0],
    "^TNX": [4.00,  4.25,  4.30,  4.20,  4.10,  4.05,  4.00,  NAN],
    "XLE":  [NAN] * 8,  # a column without a single close
    "NEW":  [NAN] * 8,  # starts trading after the as-of session
}
# Rows after the as-of session: wild values that would change every number if they leaked in.
CLOSES_AFTER = {
    "SPY":  [1000.0, 5.0],
    "IWN":  [1.0,    900.0],
    "IWF":  [500.0,  NAN],
    "^TNX": [9.99,   0.01],
    "XLE":  [NAN,    NAN],
    "NEW":  [10.0,   11.0],
}
# fmt: on


def make_prices(*, after: bool = False) -> pd.DataFrame:
    """A price frame in the canonical shape; ``after`` adds rows after the as-of session.

    KRE is in the config but absent from the frame (the source reported it missing).
    """
    days = SESSIONS + AFTER if after else SESSIONS
    data = {s: v + CLOSES_AFTER[s] if after else v for s, v in CLOSES.items()}
    index = pd.DatetimeIndex([pd.Timestamp(d) for d in days], name="date").astype("datetime64[ns]")
    return pd.DataFrame(data, index=index, dtype="float64")


def make_config(**changes: object) -> Config:
    raw: dict[str, object] = {
        "benchmark": "SPY",
        "universe": [
            {"symbol": "SPY", "name": "S&P 500", "group": "Broad market"},
            {"symbol": "IWN", "name": "Russell 2000 Value", "group": "Style box"},
            {"symbol": "IWF", "name": "Russell 1000 Growth", "group": "Style box"},
            {"symbol": "^TNX", "name": "10-year yield", "group": "Rates", "kind": "yield"},
            {"symbol": "XLE", "name": "Energy", "group": "Sectors"},
            {"symbol": "KRE", "name": "Regional banks", "group": "Sectors"},
            {"symbol": "NEW", "name": "A recent listing", "group": "Other"},
        ],
        "pairs": [
            {"a": "IWN", "b": "IWF", "label": "Small value vs large growth"},
            {"a": "IWN", "b": "SPY", "label": "Small value vs the S&P 500"},
        ],
        "periods": ["1W", "1M", "YTD"],
        "metrics": {"ma_short": 2, "ma_long": 3, "chart_years": 1},
    }
    raw.update(changes)
    return Config.model_validate(raw)


def report_for(prices: pd.DataFrame, config: Config | None = None) -> Report:
    return build_report(
        config or make_config(),
        prices,
        AS_OF,
        source="test frame",
        is_sample=False,
        status=run_report((config or make_config()).symbols, failed={"KRE": "not found"}),
    )


@pytest.fixture(scope="module")
def report() -> Report:
    return report_for(make_prices())


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# ---------------------------------------------------------------------------------------------
# returns and last
# ---------------------------------------------------------------------------------------------


def test_report_returns_rows_are_present_symbols_in_universe_order(report: Report) -> None:
    assert list(report.returns.index) == ["SPY", "IWN", "IWF", "^TNX"]
    assert list(report.returns.columns) == ["1W", "1M", "YTD"]


def test_report_returns_of_prices_are_hand_computed_total_returns(report: Report) -> None:
    r = report.returns
    # SPY: end 121; anchors 100 (01-29), 110 (01-05), 100 (12-29).
    assert r.loc["SPY"].tolist() == pytest.approx([0.21, 0.10, 0.21])
    # IWN: end 69; anchors 60, 51, 50.
    assert r.loc["IWN"].tolist() == pytest.approx([69 / 60 - 1, 69 / 51 - 1, 69 / 50 - 1])
    # IWF: end 80; every anchor 100.
    assert r.loc["IWF"].tolist() == pytest.approx([-0.2, -0.2, -0.2])


def test_report_returns_of_a_yield_are_point_changes_not_percents(report: Report) -> None:
    # ^TNX has no close on the as-of session: end is its 02-02 level, 4.00.
    # 1W: 4.00 - 4.10; 1M: 4.00 - 4.20; YTD: 4.00 - 4.25 (points, not 4.00 / 4.25 - 1).
    assert report.returns.loc["^TNX"].tolist() == pytest.approx([-0.10, -0.20, -0.25])
    assert report.returns.loc["^TNX", "YTD"] != pytest.approx(4.00 / 4.25 - 1)


def test_report_last_close_date_and_drawdown_per_symbol(report: Report) -> None:
    last = report.last
    assert list(last.index) == ["SPY", "IWN", "IWF", "^TNX"]
    assert last["close"].tolist() == [121.0, 69.0, 80.0, 4.00]
    assert [pd.Timestamp(d) for d in last["date"]] == [
        AS_OF,
        AS_OF,
        AS_OF,
        day("2024-02-02"),  # the yield's own last close, not the as-of session
    ]
    # SPY peak 125 -> 121/125 - 1; IWN at its high; IWF peak 100 -> 80/100 - 1.
    assert last.loc[["SPY", "IWN", "IWF"], "drawdown"].tolist() == pytest.approx(
        [-0.032, 0.0, -0.2]
    )
    assert math.isnan(last.loc["^TNX", "drawdown"])  # no drawdown for a rate


def test_report_symbols_without_prices_have_no_numbers(report: Report) -> None:
    for symbol in ("KRE", "XLE", "NEW"):
        assert symbol not in report.returns.index
        assert symbol not in report.last.index
    assert report.status.status_of("KRE").reason == "not found"


def test_report_prices_end_at_the_as_of_session(report: Report) -> None:
    assert report.as_of == AS_OF
    assert report.prices.index[-1] == AS_OF
    assert report.source == "test frame"
    assert report.is_sample is False


# ---------------------------------------------------------------------------------------------
# pairs
# ---------------------------------------------------------------------------------------------


def test_pair_returns_are_each_sides_return_and_spread_is_a_minus_b(report: Report) -> None:
    first, second = report.pairs
    assert report.headline is first
    assert (first.pair.a, first.pair.b) == ("IWN", "IWF")
    iwn = [69 / 60 - 1, 69 / 51 - 1, 69 / 50 - 1]
    assert list(first.returns.index) == ["1W", "1M", "YTD"]
    assert first.returns["a"].tolist() == pytest.approx(iwn)
    assert first.returns["b"].tolist() == pytest.approx([-0.2, -0.2, -0.2])
    assert first.returns["spread"].tolist() == pytest.approx([x + 0.2 for x in iwn])
    assert second.returns["b"].tolist() == pytest.approx([0.21, 0.10, 0.21])
    assert second.returns["spread"].tolist() == pytest.approx(
        [iwn[0] - 0.21, iwn[1] - 0.10, iwn[2] - 0.21]
    )


def test_pair_ratio_uses_common_sessions_rebased_to_100_with_moving_averages(
    report: Report,
) -> None:
    ratio = report.pairs[0].ratio
    # IWF has no close on 02-01: that session is not on the ratio line.
    assert list(ratio.index) == [day(d) for d in SESSIONS if d != "2024-02-01"]
    # IWN/IWF: 0.5 0.5 0.52 0.51 0.6 66/90 69/80, rebased to 100 at 12-28 (0.5):
    # 100, 100, 104, 102, 120, 146.67, 172.5.
    raw = [40 / 80, 50 / 100, 52 / 100, 51 / 100, 60 / 100, 66 / 90, 69 / 80]
    expected = [100 * x / raw[0] for x in raw]
    assert ratio["ratio"].tolist() == pytest.approx(expected)
    assert ratio["ratio"].tolist() == pytest.approx([100, 100, 104, 102, 120, 440 / 3, 172.5])
    assert math.isnan(ratio["ma_short"].iloc[0])  # NaN until the window of 2 is full
    assert ratio["ma_short"].iloc[-1] == pytest.approx((expected[-2] + expected[-1]) / 2)
    assert ratio["ma_long"].iloc[:2].isna().all()
    assert ratio["ma_long"].iloc[-1] == pytest.approx(sum(expected[-3:]) / 3)
    assert report.pairs[0].ratio_high == AS_OF
    assert report.pairs[0].ratio_drawdown == 0.0


def test_pair_ratio_drawdown_and_high_of_second_pair(report: Report) -> None:
    pair = report.pairs[1]
    # IWN/SPY on common sessions (SPY has no close on 02-01): the high is 60/100 on 01-29.
    assert pair.ratio_high == day("2024-01-29")
    assert pair.ratio_drawdown == pytest.approx((69 / 121) / (60 / 100) - 1)


def test_pair_streaks_match_hand_computed_beats(report: Report) -> None:
    # IWN vs IWF daily moves on common sessions:
    #   12-29 +25 % vs +25 % (tie)  01-02 +3.8 % vs 0 (a)   01-05 -1.9 % vs 0 (b)
    #   01-29 +17.6 % vs 0 (a)      02-02 +10 % vs -10 % (a) 02-05 +4.5 % vs -11.1 % (a)
    pair = report.pairs[0]
    assert pair.a_beats.current == Streak(3, day("2024-01-29"), AS_OF)
    assert pair.a_beats.record == Streak(3, day("2024-01-29"), AS_OF)
    assert pair.a_beats.rank == 1
    assert pair.a_beats.runs == 2
    assert pair.b_beats.current == Streak(0)
    assert pair.b_beats.rank is None
    assert pair.b_beats.record == Streak(1, day("2024-01-05"), day("2024-01-05"))
    assert pair.b_beats.runs == 1


def test_pair_with_a_symbol_without_prices_by_as_of_is_skipped() -> None:
    config = make_config(pairs=[{"a": "IWN", "b": "IWF"}, {"a": "NEW", "b": "SPY"}])
    report = report_for(make_prices(after=True), config)
    assert [pr.pair.key for pr in report.pairs] == ["iwn-vs-iwf"]
    assert [p.key for p in report.skipped_pairs] == ["new-vs-spy"]


def test_pair_with_fewer_than_two_common_sessions_raises_data_error() -> None:
    prices = make_prices()
    prices["IWF"] = [NAN] * 7 + [80.0]
    with pytest.raises(DataError, match=r"pair IWN/IWF: fewer than two common sessions"):
        report_for(prices)


# ---------------------------------------------------------------------------------------------
# as_of_session (generator.validate): the session a report is as of
# ---------------------------------------------------------------------------------------------


def as_of_session(prices: pd.DataFrame, benchmark: str, requested: pd.Timestamp | None):
    closes = prices[benchmark] if benchmark in prices else pd.Series(dtype="float64")
    return resolve(closes, benchmark, requested)


@pytest.mark.parametrize(
    ("requested", "session"),
    [
        ("2024-02-05", "2024-02-05"),  # a session
        ("2024-02-04", "2024-02-02"),  # Sunday -> Friday
        ("2024-02-01", "2024-01-29"),  # other symbols trade, the benchmark has no close
        ("2024-01-20", "2024-01-05"),
        ("2023-12-28", "2023-12-28"),  # the very first session
        ("2030-01-01", "2024-02-07"),  # after all data -> the last benchmark close
    ],
)
def test_as_of_session_is_last_benchmark_close_on_or_before_requested(
    requested: str, session: str
) -> None:
    assert as_of_session(make_prices(after=True), "SPY", day(requested)) == day(session)


def test_as_of_session_without_request_is_last_benchmark_close() -> None:
    assert as_of_session(make_prices(), "SPY", None) == AS_OF
    prices = make_prices(after=True)
    prices.loc[day("2024-02-07"), "SPY"] = NAN  # other symbols trade on the last row
    assert as_of_session(prices, "SPY", None) == day("2024-02-06")


def test_as_of_session_before_all_data_raises_naming_benchmark_and_first_session() -> None:
    with pytest.raises(DataError) as info:
        as_of_session(make_prices(), "SPY", day("2023-12-01"))
    message = str(info.value)
    assert "SPY" in message
    assert "2023-12-28" in message
    assert "2023-12-01" in message


def test_as_of_session_benchmark_without_prices_raises_data_error() -> None:
    with pytest.raises(DataError, match=r"XLE: the benchmark has no prices"):
        as_of_session(make_prices(), "XLE", None)


# ---------------------------------------------------------------------------------------------
# no look-ahead
# ---------------------------------------------------------------------------------------------


def test_rows_after_as_of_change_no_number_in_the_report(report: Report) -> None:
    longer = report_for(make_prices(after=True))
    pd.testing.assert_frame_equal(longer.prices, report.prices)
    pd.testing.assert_frame_equal(longer.returns, report.returns)
    pd.testing.assert_frame_equal(longer.last, report.last)
    assert longer.as_of == report.as_of
    for got, expected in zip(longer.pairs, report.pairs, strict=True):
        assert got.pair == expected.pair
        pd.testing.assert_frame_equal(got.returns, expected.returns)
        pd.testing.assert_frame_equal(got.ratio, expected.ratio)
        assert got.a_beats == expected.a_beats
        assert got.b_beats == expected.b_beats
        assert got.ratio_drawdown == expected.ratio_drawdown
        assert got.ratio_high == expected.ratio_high


def test_pair_returns_use_common_sessions_only() -> None:
    """If one side has no close on the as-of day, neither side's move that day enters the spread."""
    config = Config.model_validate(
        {
            "universe": [{"symbol": "SPY", "name": "S"}, {"symbol": "AAA", "name": "A"}],
            "pairs": [{"a": "AAA", "b": "SPY"}],
            "periods": ["1W"],
        }
    )
    idx = pd.bdate_range("2024-03-01", periods=8)
    prices = pd.DataFrame(
        {
            "SPY": [100.0] * 8,
            "AAA": [100.0] * 7 + [110.0],
        },
        index=idx,
    )
    prices.loc[idx[-1], "SPY"] = float("nan")
    report = build_report(
        config, prices, idx[-1], source="t", is_sample=False, status=run_report(config.symbols)
    )
    pair = report.pairs[0]
    assert pair.returns.at["1W", "a"] == 0.0
    assert pair.returns.at["1W", "spread"] == 0.0
    # The universe table still shows AAA's own last close.
    assert report.returns.at["AAA", "1W"] == pytest.approx(0.10)
