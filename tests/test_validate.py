"""Validation: every symbol ends ``ok``, ``stale`` or ``failed``, and the policy fails closed.

Series are built by hand around Good Friday 2026 (Friday 2026-04-03, NYSE closed), so that session
counts cross a holiday. Expected messages are typed in full: they are what a maintainer reads in the
weekly log and in ``.build/run-report.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from generator.config import Config, DataPolicy, Instrument, Pair
from generator.errors import DataError
from generator.validate import (
    RunReport,
    SymbolReport,
    check_series,
    enforce_policy,
    newest_session,
    validate,
)
from tests_support import run_report

POLICY = DataPolicy()
# NYSE sessions around Easter 2026; Good Friday 2026-04-03 is a holiday.
SESSIONS = ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02", "2026-04-06", "2026-04-07"]
EXPECTED = pd.Timestamp("2026-04-06")


def series(dates: list[str], values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.DatetimeIndex(dates, dtype="datetime64[ns]"), dtype=float)


def check(raw: pd.Series | None, kind: str = "price", **kwargs):
    kwargs.setdefault("expected", EXPECTED)
    return check_series("AAA", raw, kind=kind, policy=POLICY, **kwargs)


# -- check_series --------------------------------------------------------------------------------


def test_complete_series_is_ok_and_the_holiday_is_not_a_gap() -> None:
    raw = series(SESSIONS[:5], [100.0, 101.0, 102.0, 103.0, 104.0])

    clean, report = check(raw)

    assert report == SymbolReport(
        "AAA",
        "ok",
        "",
        first_session="2026-03-30",
        last_session="2026-04-06",
        sessions_behind=0,
        issues=(),
    )
    pd.testing.assert_series_equal(clean, raw)


@pytest.mark.parametrize(
    ("last", "behind"),
    [("2026-04-02", 1), ("2026-04-01", 2), ("2026-03-31", 3)],
    ids=["thursday-before-good-friday", "wednesday", "tuesday"],
)
def test_stale_counts_sessions_behind_on_the_nyse_calendar(last: str, behind: int) -> None:
    dates = [d for d in SESSIONS if d <= last]
    raw = series(dates, [100.0 + i for i in range(len(dates))])

    clean, report = check(raw)

    assert report.status == "stale"
    assert report.sessions_behind == behind
    assert report.reason == f"last session {last}, {behind} behind 2026-04-06"
    assert report.last_session == last
    assert report.issues == ()
    assert clean is not None  # a stale symbol is still usable
    pd.testing.assert_series_equal(clean, raw)


def test_duplicate_dates_fail_the_symbol() -> None:
    raw = series(
        ["2026-03-30", "2026-03-31", "2026-03-31", "2026-04-01"], [100.0, 101.0, 101.5, 102.0]
    )

    clean, report = check(raw)

    assert clean is None
    assert report == SymbolReport("AAA", "failed", "duplicate dates: 2026-03-31")


def test_unsorted_dates_are_sorted_with_an_issue() -> None:
    raw = series(
        ["2026-04-01", "2026-03-30", "2026-04-06", "2026-03-31", "2026-04-02"],
        [102.0, 100.0, 104.0, 101.0, 103.0],
    )

    clean, report = check(raw)

    assert report.status == "ok"
    assert report.issues == ("dates out of order (sorted)",)
    assert list(clean.index.strftime("%Y-%m-%d")) == SESSIONS[:5]
    assert clean.tolist() == [100.0, 101.0, 102.0, 103.0, 104.0]


def test_missing_closes_are_dropped_with_an_issue() -> None:
    raw = series(SESSIONS[:5], [100.0, np.nan, 102.0, 103.0, 104.0])

    clean, report = check(raw)

    assert report.status == "ok"
    assert report.issues == (
        "1 missing closes: 2026-03-31",
        "1 NYSE sessions missing: 2026-03-31",
    )
    kept = ["2026-03-30", "2026-04-01", "2026-04-02", "2026-04-06"]
    assert list(clean.index.strftime("%Y-%m-%d")) == kept


def test_non_positive_closes_are_dropped_with_an_issue() -> None:
    raw = series(SESSIONS[:5], [100.0, 0.0, -3.0, 101.0, 102.0])

    clean, report = check(raw)

    assert report.status == "ok"
    assert report.issues == (
        "dropped 2 non-positive closes: 2026-03-31, 2026-04-01",
        "2 NYSE sessions missing: 2026-03-31, 2026-04-01",
    )
    assert clean.tolist() == [100.0, 101.0, 102.0]


def test_only_non_positive_closes_fail_the_symbol() -> None:
    raw = series(SESSIONS[:4], [0.0, -1.0, 0.0, -2.0])

    clean, report = check(raw)

    assert clean is None
    assert report == SymbolReport(
        "AAA",
        "failed",
        "no valid closes left",
        issues=("dropped 4 non-positive closes: 2026-03-30, 2026-03-31, 2026-04-01 and 1 more",),
    )


def test_a_big_one_day_move_is_only_an_issue() -> None:
    raw = series(SESSIONS[:5], [100.0, 150.0, 151.0, 75.5, 76.0])

    clean, report = check(raw)

    assert report.status == "ok"
    assert report.issues == (
        "one-day move of +50% on 2026-03-31 (no split recorded)",
        "one-day move of -50% on 2026-04-02 (no split recorded)",
    )
    pd.testing.assert_series_equal(clean, raw)


def test_a_move_within_the_limit_is_not_an_issue() -> None:
    raw = series(SESSIONS[:5], [100.0, 139.0, 100.0, 100.0, 100.0])  # +39%, then -28%

    assert check(raw)[1].issues == ()


def test_yield_outside_the_plausible_range_fails_as_wrong_units() -> None:
    raw = series(SESSIONS[:5], [4.2, 4.3, 42.5, 4.4, 4.5])  # ^TNX quoted x10 one day

    clean, report = check(raw, kind="yield")

    assert clean is None
    assert report == SymbolReport(
        "AAA",
        "failed",
        "yield 42.5 on 2026-04-01 is outside the plausible range -1 to 25 percent (wrong units?)",
    )


def test_yields_keep_zero_and_negative_levels_and_skip_the_nyse_gap_check() -> None:
    # ^IRX near zero; the bond market has no close on 2026-04-01 in this made-up series.
    raw = series(["2026-03-30", "2026-03-31", "2026-04-02", "2026-04-06"], [0.05, 0.0, -0.2, 0.1])

    clean, report = check(raw, kind="yield")

    assert report.status == "ok"
    assert report.issues == ()
    pd.testing.assert_series_equal(clean, raw)


def test_missing_nyse_sessions_are_listed() -> None:
    one_gap = series(["2026-03-30", "2026-03-31", "2026-04-02", "2026-04-06"], [10.0, 11, 12, 13])
    # 25 sessions from 2026-03-02 to 2026-04-06 (22 in March, 3 in April), 3 of them present.
    many_gaps = series(["2026-03-02", "2026-03-10", "2026-04-06"], [10.0, 11.0, 12.0])

    assert check(one_gap)[1].issues == ("1 NYSE sessions missing: 2026-04-01",)
    assert check(many_gaps)[1].issues == (
        "22 NYSE sessions missing: 2026-03-03, 2026-03-04, 2026-03-05 and 19 more",
    )


def test_a_bar_after_the_completed_session_is_dropped() -> None:
    raw = series(SESSIONS, [100.0, 101.0, 102.0, 103.0, 104.0, 105.0])

    clean, report = check(raw, completed=EXPECTED)

    assert report.status == "ok"
    assert report.last_session == "2026-04-06"
    assert report.issues == ("dropped a bar for a session in progress: 2026-04-07",)
    assert clean.index[-1] == EXPECTED
    assert len(clean) == 5


def test_without_completed_a_later_bar_is_kept() -> None:
    raw = series(SESSIONS, [100.0, 101.0, 102.0, 103.0, 104.0, 105.0])

    clean, report = check(raw)  # a CSV folder: no notion of a session in progress

    assert report.last_session == "2026-04-07"
    assert (report.status, report.sessions_behind, report.issues) == ("ok", 0, ())
    assert len(clean) == 6


@pytest.mark.parametrize(
    "raw",
    [None, series([], []), series(SESSIONS[:2], [np.nan, np.nan])],
    ids=["absent", "empty", "all-nan"],
)
def test_no_data_fails_with_the_sources_reason(raw: pd.Series | None) -> None:
    assert check(raw)[1] == SymbolReport("AAA", "failed", "no data")
    assert check(raw, failure="possibly delisted; no timezone found") == (
        None,
        SymbolReport("AAA", "failed", "possibly delisted; no timezone found"),
    )


def test_a_failed_refresh_over_old_data_is_kept_as_an_issue() -> None:
    raw = series(SESSIONS[:4], [100.0, 101.0, 102.0, 103.0])

    clean, report = check(raw, failure="YFRateLimitError: Too Many Requests.")

    assert report.status == "stale"
    assert report.reason == "last session 2026-04-02, 1 behind 2026-04-06"
    assert report.issues == ("refresh failed: YFRateLimitError: Too Many Requests.",)
    pd.testing.assert_series_equal(clean, raw)


def test_integer_closes_come_back_as_float() -> None:
    raw = pd.Series([100, 101], index=pd.DatetimeIndex(["2026-04-02", "2026-04-06"]))

    clean, _ = check(raw)

    assert clean.dtype == np.dtype("float64")


# -- validate and the run report ------------------------------------------------------------------


def _validate():
    data = {
        "SPY": series(SESSIONS[:5], [600.0, 601.0, 602.0, 603.0, 604.0]),
        "IWN": series(SESSIONS[:4], [180.0, 181.0, 182.0, 183.0]),
        "^TNX": series(SESSIONS[:5], [4.1, 4.2, 4.3, 4.4, 4.5]),
    }
    kinds = {"SPY": "price", "GONE": "price", "IWN": "price", "^TNX": "yield"}
    return validate(
        data,
        {"GONE": "possibly delisted; no timezone found"},
        kinds,
        source="test source",
        expected=EXPECTED,
        policy=POLICY,
        now=dt.datetime(2026, 4, 7, 12, 0, tzinfo=dt.UTC),
    )


def test_validate_reports_every_symbol_in_order_and_returns_the_usable_ones() -> None:
    clean, report = _validate()

    assert list(clean) == ["SPY", "IWN", "^TNX"]
    assert [(s.symbol, s.status) for s in report.symbols] == [
        ("SPY", "ok"),
        ("GONE", "failed"),
        ("IWN", "stale"),
        ("^TNX", "ok"),
    ]
    assert (report.source, report.expected_session, report.created_at) == (
        "test source",
        "2026-04-06",
        "2026-04-07T12:00:00+00:00",
    )
    assert report.status_of("GONE").reason == "possibly delisted; no timezone found"


def test_run_report_json_has_counts_and_every_field() -> None:
    _, report = _validate()

    data = json.loads(report.to_json())

    assert data["counts"] == {"ok": 2, "stale": 1, "failed": 1}
    assert data["source"] == "test source"
    assert data["expected_session"] == "2026-04-06"
    assert data["symbols"][2] == {
        "symbol": "IWN",
        "status": "stale",
        "reason": "last session 2026-04-02, 1 behind 2026-04-06",
        "first_session": "2026-03-30",
        "last_session": "2026-04-02",
        "sessions_behind": 1,
        "issues": [],
    }
    assert report.to_json().endswith("}\n")


def test_run_report_write_creates_the_folder(tmp_path) -> None:
    _, report = _validate()
    path = tmp_path / ".build" / "run-report.json"

    report.write(path)

    assert json.loads(path.read_text())["counts"]["failed"] == 1


def test_run_report_summary_lines() -> None:
    _, report = _validate()

    assert report.summary().splitlines() == [
        "4 symbols from test source, expected through 2026-04-06: 2 ok, 1 stale, 1 failed",
        "  stale  IWN: last session 2026-04-02, 1 behind 2026-04-06",
        "  failed GONE: possibly delisted; no timezone found",
    ]


def test_newest_session_ignores_empty_series() -> None:
    data = {
        "A": series(SESSIONS[:3], [1.0, 2.0, 3.0]),
        "B": series(SESSIONS[:5], [1.0, 2.0, 3.0, 4.0, np.nan]),
        "C": series([], []),
    }
    assert newest_session(data) == pd.Timestamp("2026-04-02")
    assert newest_session({"C": series([], [])}) is None


# -- enforce_policy -------------------------------------------------------------------------------

UNIVERSE = ["SPY", "IWN", "IWF", "QQQ", "IWM", "XLK", "XLF", "XLE", "XLV", "XLU"]


def config(**data) -> Config:
    """Only what enforce_policy reads (benchmark, headline pair, data policy), built without the
    cross-section checks, so these tests do not depend on the report's other sections."""
    return Config.model_construct(
        benchmark="SPY",
        universe=tuple(Instrument(symbol=s, name=s) for s in UNIVERSE),
        pairs=(Pair(a="IWN", b="IWF"),),
        headline=0,
        data=DataPolicy(**data),
    )


def test_a_clean_report_passes() -> None:
    enforce_policy(config(), run_report(UNIVERSE))


@pytest.mark.parametrize(
    ("failed", "stale", "message"),
    [
        ({"SPY": "no data"}, {}, "SPY (benchmark) failed: no data"),
        ({}, {"SPY": "last session x"}, "SPY (benchmark) is stale: last session x"),
        ({"IWN": "no data"}, {}, "IWN (headline pair) failed: no data"),
        ({}, {"IWF": "last session y"}, "IWF (headline pair) is stale: last session y"),
    ],
)
def test_benchmark_and_headline_pair_must_be_ok(failed, stale, message) -> None:
    with pytest.raises(DataError, match=rf"^{re.escape(message)}$"):
        enforce_policy(config(), run_report(UNIVERSE, failed=failed, stale=stale))


def test_benchmark_and_headline_are_checked_before_the_share_rule() -> None:
    failed = dict.fromkeys(["QQQ", "IWM", "XLK", "XLF", "XLE", "IWF"], "no data")

    with pytest.raises(DataError, match=r"^IWF \(headline pair\) failed: no data$"):
        enforce_policy(config(), run_report(UNIVERSE, failed=failed))


def test_benchmark_is_checked_before_the_headline_pair() -> None:
    report = run_report(UNIVERSE, failed={"IWN": "no data"}, stale={"SPY": "behind"})

    with pytest.raises(DataError, match=r"^SPY \(benchmark\) is stale"):
        enforce_policy(config(), report)


def test_failed_share_exactly_at_the_threshold_passes() -> None:
    enforce_policy(config(), run_report(UNIVERSE, failed={"XLU": "no data"}))  # 1 of 10 = 10%


def test_failed_share_above_the_threshold_fails_with_counts() -> None:
    report = run_report(UNIVERSE, failed={"XLU": "no data", "XLE": "429"})

    with pytest.raises(DataError) as info:
        enforce_policy(config(), report)

    # Named in the report's (universe) order.
    assert str(info.value) == (
        "2 of 10 symbols failed, more than data.max_failed_share 10%: XLE (429), XLU (no data)"
    )


def test_failed_share_message_names_three_and_counts_the_rest() -> None:
    failed = dict.fromkeys(["QQQ", "IWM", "XLK", "XLF", "XLE"], "no data")

    with pytest.raises(DataError) as info:
        enforce_policy(config(), run_report(UNIVERSE, failed=failed))

    assert str(info.value) == (
        "5 of 10 symbols failed, more than data.max_failed_share 10%: "
        "QQQ (no data), IWM (no data), XLK (no data) and 2 more"
    )


def test_stale_symbols_do_not_count_towards_the_failed_share() -> None:
    stale = dict.fromkeys(["QQQ", "IWM", "XLK", "XLF", "XLE"], "behind")

    enforce_policy(config(), run_report(UNIVERSE, stale=stale))


def test_threshold_is_configurable() -> None:
    report = run_report(UNIVERSE, failed={"XLU": "no data"})

    enforce_policy(config(max_failed_share=0.1), report)
    with pytest.raises(DataError, match=r"more than data.max_failed_share 0%"):
        enforce_policy(config(max_failed_share=0.0), report)


def test_run_report_helper_matches_the_real_type() -> None:
    # The enforce_policy tests above lean on tests_support.run_report; keep it honest.
    assert isinstance(run_report(["A"]), RunReport)
