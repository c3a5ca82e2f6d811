"""Tests of generator.report: build_report and as_of_session on a small hand-built price frame.

Every expected number is worked out by hand from the frame in :func:`make_prices`. The ratio
charts' captions and data tables (Pairs, Home) are checked on the sample at the end.
"""

from __future__ import annotations

import functools
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import Config
from generator.errors import DataError
from generator.formatting import FORMATS, fmt_pct, lookup
from generator.metrics import Streak
from generator.report import Report, build_report
from generator.sections import captions
from generator.validate import as_of_session as resolve
from tests_support import (
    SPAN,
    as_drawn,
    chart_rows,
    csv_rows,
    figure_named,
    plain,
    run_report,
    sig6,
)

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


# --- the ratio chart's caption and data (Pairs, Home)

SAMPLE_AS_OF = pd.Timestamp("2026-07-31")
"""A sample session with four months of prices after it (the sample runs to November)."""


@functools.cache
def sample_pairs():
    """The sample's Pairs and Home views as of :data:`SAMPLE_AS_OF` (no other section)."""
    from tests_support import sample_report, snapshot_of

    snap = snapshot_of(sample_report(as_of=SAMPLE_AS_OF), members={}, only=("pairs", "home"))
    return snap, *snap.present()


def _plain_read(entry):
    """A pair entry's numbers as text (what the Breadth page's equal-weight ratio uses)."""
    return lambda path, fmt: FORMATS[fmt](lookup(entry, path))


def _entry(ra, rb, short, long) -> dict:
    return {
        "a": "AAA",
        "b": "BBB",
        "returns": {"1Y": {"a": ra, "b": rb, "spread": None}},
        "above_ma_short": short,
        "above_ma_long": long,
    }


RETURN = st.none() | st.floats(-0.95, 5.0, allow_nan=False)
FLAG = st.none() | st.booleans()


@given(ra=RETURN, rb=RETURN, short=FLAG, long=FLAG)
@settings(max_examples=300, deadline=None)
def test_a_ratio_summary_is_true_of_every_number_it_states(ra, rb, short, long):
    entry = _entry(ra, rb, short, long)
    text = plain(
        captions.ratio_summary(entry, _plain_read(entry), period="1Y", ma_short=50, ma_long=200)
    )
    assert "n/a" not in text
    if ra is not None and rb is not None:
        change = (1 + ra) / (1 + rb)
        assert text.startswith(
            f"Over the past year AAA returned {fmt_pct(ra)} and BBB {fmt_pct(rb)}, "
            f"so the AAA / BBB ratio "
        )
        assert ("ratio rose." in text) == (change > 1)
        assert ("ratio fell." in text) == (change < 1)
    else:
        assert "rose" not in text
        assert "fell" not in text
        missing = [s for s, r in (("AAA", ra), ("BBB", rb)) if r is None]
        verb = "has" if len(missing) == 1 else "have"
        assert text.startswith(f"{' and '.join(missing)} {verb} no return over the past year.")
    assert ("above both its 50- and 200-session averages" in text) == (short is True is long)
    assert ("below both its 50- and 200-session averages" in text) == (short is False is long)
    assert ("above its 50-session average" in text) == (short is True and long is not True)
    assert ("below its 200-session average" in text) == (long is False and short is not False)
    assert ("no 200-session average yet" in text) == (long is None and short is not None)
    assert ("no 50-session average yet" in text) == (short is None and long is not None)
    assert ("no 50- or 200-session average yet" in text) == (short is None and long is None)


def test_a_ratio_summary_without_the_period_says_only_where_the_ratio_closed():
    entry = _entry(0.1, 0.2, True, False)
    text = plain(
        captions.ratio_summary(entry, _plain_read(entry), period="5Y", ma_short=50, ma_long=200)
    )
    assert text == (
        "The AAA / BBB ratio closed above its 50-session average and below its 200-session average."
    )


def test_every_ratio_chart_summarises_its_pair_from_the_document():
    """Each Pairs chart's summary, worked out here from the document's numbers: both 1Y
    returns, the ratio's direction from them, the averages from the flags; Home's headline
    chart is the Pairs page's, with the same caption."""
    snap, context, figures = sample_pairs()
    doc = snap.document
    for i, entry in enumerate(doc["pairs"]):
        figure = figure_named(figures, f"ratio-{entry['key']}")
        a, b = entry["a"], entry["b"]
        ra, rb = entry["returns"]["1Y"]["a"], entry["returns"]["1Y"]["b"]
        moved = "rose" if (1 + ra) / (1 + rb) > 1 else "fell"
        both = {True: "above", False: "below"}
        assert entry["above_ma_short"] == entry["above_ma_long"]  # the sample's case, here
        assert plain(figure.summary) == (
            f"Over the past year {a} returned {fmt_pct(ra)} and {b} {fmt_pct(rb)}, so the "
            f"{a} / {b} ratio {moved}. It closed {both[entry['above_ma_short']]} both its "
            "50- and 200-session averages."
        )
        # Every number of the caption is a span of the document.
        for path, fmt, shown in SPAN.findall(str(figure.summary)):
            assert path.startswith(f"pairs.{i}.returns.1Y.")
            assert FORMATS[fmt](lookup(doc, path)) == shown
        assert figure.ref.summary == figure.summary
        assert figure.ref.csv == f"ratio-{entry['key']}.csv"
    assert context["headline"]["chart"] == figure_named(figures, "ratio-iwn-vs-iwf").ref


def test_a_ratio_charts_csv_is_its_window_up_to_the_session_as_drawn():
    snap, _, figures = sample_pairs()
    report = snap.report
    pr = report.headline
    figure = figure_named(figures, "ratio-iwn-vs-iwf")
    rows = csv_rows(figure)
    columns = {
        "ratio": "IWN / IWF (start = 100)",
        "ma_short": "50-session average (start = 100)",
        "ma_long": "200-session average (start = 100)",
    }
    assert list(rows[0]) == ["date", *columns.values()]
    # Three years up to the session, every session, rebased to 100 on the first.
    window = pr.ratio.loc[SAMPLE_AS_OF - pd.DateOffset(years=3) : SAMPLE_AS_OF]
    assert [r["date"] for r in rows] == [f"{d:%Y-%m-%d}" for d in window.index]
    assert rows[-1]["date"] == "2026-07-31"
    assert float(rows[0][columns["ratio"]]) == 100.0
    last = window.iloc[-1] * 100 / window["ratio"].iloc[0]
    for key, column in columns.items():
        assert float(rows[-1][column]) == sig6(last[key])
    # ... and the chart's last point (drawn to 3 decimals).
    drawn = max(chart_rows(figure), key=lambda r: r.get("date", ""))
    assert drawn["date"].startswith("2026-07-31")
    for key, column in columns.items():
        assert as_drawn(rows[-1][column], drawn[key], 3)
