"""The Yahoo adapter, offline, through yfinance 1.7.0's real request and parsing code.

Only the HTTP session is fake (``fakeyahoo.FakeYahooSession``); yfinance still builds the URLs,
does the cookie/crumb handshake, probes timezones, parses the chart JSON, applies start/end and
logs failures. Expected values are typed in by hand, never recomputed from the fake's payloads.
"""

from __future__ import annotations

import datetime
import inspect
import logging
import socket

import numpy as np
import pandas as pd
import pytest
import requests
import yfinance as yf
from curl_cffi import requests as curl_requests

from fakeyahoo import (
    NOT_FOUND,
    FakeYahooSession,
    Fault,
    YahooEnv,
    chart_payload,
    empty_body,
    epoch,
    not_json,
    rate_limited,
    timeout,
)
from generator.errors import SourceError
from generator.sources.yahoo import _open_tz_cache, download_closes, normalise_symbol

# yfinance 1.7.0 uses ``inplace=`` that pandas 3.1 deprecates, and enables DeprecationWarnings
# for its own modules; that is upstream noise, not something these tests check.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

D = datetime.date
_MIDNIGHT = datetime.time(0, 0)
WEEK = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"]
START, END = D(2024, 1, 2), D(2024, 1, 10)


def payloads() -> dict[str, dict]:
    """A stock with a dividend, a yield index and a share class with a split, over one week."""
    return {
        "AAA": chart_payload(
            "AAA",
            WEEK,
            closes=[100.0, 101.0, 102.0, 103.0, 104.0, 105.0],
            adjcloses=[99.0, 100.0, 101.5, 103.0, 104.0, 105.0],
            dividends={"2024-01-05": 0.5},
        ),
        "^TNX": chart_payload(
            "^TNX",
            WEEK,
            closes=[3.946, 3.907, 3.991, 4.049, 4.005, 4.018],
            instrument_type="INDEX",
            exchange="CGI",
            volumes=[0] * 6,
        ),
        "BRK-B": chart_payload(
            "BRK-B",
            WEEK,
            closes=[360.0, 361.0, 362.0, 363.0, 364.0, 365.0],
            adjcloses=[360.0, 361.0, 362.0, 363.0, 364.0, 365.0],
            splits={"2024-01-08": (2, 1)},
        ),
    }


def dates(*days: str) -> pd.DatetimeIndex:
    """The canonical index for ``days``."""
    return pd.DatetimeIndex(list(days), dtype="datetime64[ns]", name="date")


def download(session: FakeYahooSession, symbols: list[str], start=START, end=END, **kwargs):
    return download_closes(symbols, start, end, session=session, **kwargs)


def test_adjusted_closes_for_several_symbols(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    result = download(session, ["AAA", "^TNX", "BRK-B"])

    expected = pd.DataFrame(
        {
            "AAA": [99.0, 100.0, 101.5, 103.0, 104.0, 105.0],
            "^TNX": [3.946, 3.907, 3.991, 4.049, 4.005, 4.018],
            "BRK-B": [360.0, 361.0, 362.0, 363.0, 364.0, 365.0],
        },
        index=dates(*WEEK),
    )
    # tidy() lets pandas infer a freq (BusinessDay here); the contract does not define one.
    pd.testing.assert_frame_equal(result.prices, expected, check_freq=False)
    assert result.failures == {}


def test_prices_follow_the_price_frame_contract(yahoo_env: YahooEnv) -> None:
    result = download(yahoo_env.session(payloads()), ["BRK-B", "AAA"])

    index = result.prices.index
    assert isinstance(index, pd.DatetimeIndex)
    assert index.dtype == np.dtype("datetime64[ns]")
    assert index.tz is None
    assert index.name == "date"
    assert index.is_monotonic_increasing
    assert index.is_unique
    assert (index == index.normalize()).all()
    assert list(result.prices.columns) == ["BRK-B", "AAA"]
    assert result.prices.columns.name is None
    assert (result.prices.dtypes == np.dtype("float64")).all()


def test_columns_keep_the_callers_spelling(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    result = download(session, [" brk-b", "^TNX", "BRK-B", "aaa ", "^TNX"])

    assert list(result.prices.columns) == [" brk-b", "^TNX", "BRK-B", "aaa "]
    assert result.prices[" brk-b"].tolist() == [360.0, 361.0, 362.0, 363.0, 364.0, 365.0]
    pd.testing.assert_series_equal(
        result.prices[" brk-b"], result.prices["BRK-B"], check_names=False
    )
    assert result.prices["aaa "].iloc[0] == 99.0
    # Each normalised symbol is requested once, spelled as Yahoo expects it.
    assert sorted(r.symbol for r in session.data_requests()) == ["AAA", "BRK-B", "^TNX"]
    assert any("/v8/finance/chart/%5ETNX?" in r.url for r in session.data_requests())


def test_normalise_symbol() -> None:
    assert normalise_symbol(" brk-b ") == "BRK-B"
    assert normalise_symbol("^tnx") == "^TNX"
    assert normalise_symbol("DX-Y.NYB") == "DX-Y.NYB"


def test_unknown_symbol_fails_alone(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    result = download(session, ["AAA", "ZZZZ", "^TNX"])

    assert list(result.prices.columns) == ["AAA", "^TNX"]
    assert len(result.prices) == 6
    assert list(result.failures) == ["ZZZZ"]
    # Yahoo answers 404 to the timezone probe; yfinance 1.7.0 reports only the consequence.
    assert result.failures["ZZZZ"] == "possibly delisted; no timezone found"
    assert {r.status for r in session.chart_requests("ZZZZ")} == {404}
    assert "['ZZZZ']: possibly delisted; no timezone found" in yahoo_env.messages()


def test_symbol_that_404s_once_its_timezone_is_known_reports_yahoos_reason(
    yahoo_env: YahooEnv,
) -> None:
    session = yahoo_env.session(payloads())
    assert download(session, ["AAA"]).failures == {}  # caches AAA's timezone
    del session.payloads["AAA"]  # now delisted: Yahoo answers 404 with a reason

    result = download(session, ["AAA"])

    assert result.prices.empty
    assert result.failures == {"AAA": "No data found, symbol may be delisted"}
    assert session.chart_requests("AAA")[-1].params["period1"] == str(
        epoch("2024-01-02", _MIDNIGHT)
    )


@pytest.mark.parametrize(
    ("fault", "reason", "kind"),
    [
        (
            rate_limited(),
            "YFRateLimitError: Too Many Requests. Rate limited. Try after a while.",
            "rate-limited",
        ),
        (timeout(), "Timeout: Read timed out. (read timeout=30)", "transient"),
        (empty_body(), "HTTP 200 OK from Yahoo with an empty body", "transient"),
        (
            not_json(),
            "HTTP 200 OK from Yahoo with a body that is not JSON: "
            "'<html><body>Something went wrong</body><'",
            "transient",
        ),
        # yfinance itself never reports the HTTP status (it reads the body as JSON and fails,
        # then says "possibly delisted"): the adapter's tap on its requests does.
        (Fault(503, "Service Unavailable"), "HTTP 503 Service Unavailable from Yahoo", "transient"),
    ],
    ids=["429", "timeout", "empty-body", "not-json", "503"],
)
def test_faults_become_failure_reasons(
    yahoo_env: YahooEnv, fault: Fault, reason: str, kind: str
) -> None:
    session = yahoo_env.session(payloads(), faults={"BRK-B": fault})

    result = download(session, ["AAA", "BRK-B"])

    assert list(result.prices.columns) == ["AAA"]
    assert result.failures == {"BRK-B": reason}
    assert result.kinds == {"BRK-B": kind}


def test_every_symbol_failing_returns_empty_prices(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session({}, faults={"QQQQ": rate_limited()})

    result = download(session, ["ZZZZ", "qqqq", " "])

    assert result.prices.shape == (0, 0)
    assert result.prices.index.dtype == np.dtype("datetime64[ns]")
    assert result.prices.index.name == "date"
    assert list(result.failures) == ["ZZZZ", "qqqq", " "]
    assert "no timezone found" in result.failures["ZZZZ"]
    assert "Rate limited" in result.failures["qqqq"]
    assert result.failures[" "] == "empty symbol"


def test_end_is_exclusive_and_start_inclusive(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    result = download(session, ["AAA"], start=D(2024, 1, 3), end=D(2024, 1, 5))

    assert list(result.prices.index) == list(dates("2024-01-03", "2024-01-04"))
    assert result.prices["AAA"].tolist() == [100.0, 101.5]
    (request,) = session.data_requests("AAA")
    # Dates go out as midnight in the exchange's timezone: 05:00 UTC in New York winter.
    assert request.params["period1"] == str(epoch("2024-01-03", _MIDNIGHT)) == "1704258000"
    assert request.params["period2"] == str(epoch("2024-01-05", _MIDNIGHT)) == "1704430800"


def test_bar_with_null_close_is_dropped(yahoo_env: YahooEnv) -> None:
    half_filled = chart_payload(
        "HALF",
        WEEK,
        closes=[10.0, 11.0, None, 13.0, 14.0, None],
        adjcloses=[10.0, 11.0, None, 13.0, 14.0, None],
        opens=[10.0, 11.0, None, 13.0, 14.0, None],
        highs=[10.0, 11.0, None, 13.0, 14.0, None],
        lows=[10.0, 11.0, None, 13.0, 14.0, None],
        volumes=[100, 100, 5000, 100, 100, 7000],  # Yahoo keeps volume on half-filled bars
    )
    session = yahoo_env.session({**payloads(), "HALF": half_filled})

    alone = download(session, ["HALF"])
    together = download(session, ["HALF", "AAA"])

    expected = ["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-08"]
    assert list(alone.prices.index) == list(dates(*expected))
    assert alone.prices["HALF"].tolist() == [10.0, 11.0, 13.0, 14.0]
    assert len(together.prices) == 6
    assert together.prices["HALF"].isna().tolist() == [False, False, True, False, False, True]


def test_symbol_with_only_null_closes_has_no_data(yahoo_env: YahooEnv) -> None:
    empty = chart_payload("NULL", WEEK[:2], closes=[None, None], volumes=[10, 10])
    session = yahoo_env.session({**payloads(), "NULL": empty})

    result = download(session, ["AAA", "NULL"])

    assert list(result.prices.columns) == ["AAA"]
    assert result.failures == {"NULL": "no data returned"}  # yfinance logs nothing for this


def test_window_without_sessions_is_reported_per_symbol(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    result = download(session, ["AAA"], start=D(2024, 1, 6), end=D(2024, 1, 8))  # a weekend

    assert result.prices.empty
    assert result.failures["AAA"].startswith("possibly delisted; no price data found")


def test_other_exchanges_keep_their_local_dates(yahoo_env: YahooEnv) -> None:
    london = chart_payload(
        "VOD.L",
        ["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-08", "2024-01-09"],
        closes=[69.1, 69.5, 70.2, 70.0, 69.8],
        tz="Europe/London",
        currency="GBp",
        exchange="LSE",
        bar_time=datetime.time(8, 0),
    )
    session = yahoo_env.session({**payloads(), "VOD.L": london})

    result = download(session, ["AAA", "VOD.L"])

    assert list(result.prices.index) == list(dates(*WEEK))
    assert result.prices["VOD.L"].tolist()[:2] == [69.1, 69.5]
    assert np.isnan(result.prices.loc["2024-01-04", "VOD.L"])
    assert result.prices.loc["2024-01-05", "VOD.L"] == 70.2
    (request,) = session.data_requests("VOD.L")
    assert request.params["period1"] == str(epoch("2024-01-02", _MIDNIGHT, "Europe/London"))


def test_retry_asks_yahoo_again(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads(), faults={"AAA": Fault(500, "oops")})
    assert "AAA" in download(session, ["AAA"]).failures
    del session.faults["AAA"]

    # yfinance caches responses (failed ones too) in an in-process LRU; the adapter clears it.
    result = download(session, ["AAA"])

    assert result.failures == {}
    assert result.prices["AAA"].iloc[-1] == 105.0


def test_rate_limited_crumb_is_not_fatal(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads(), crumb_fault=rate_limited())

    result = download(session, ["AAA"])

    assert result.failures == {}
    # (yfinance 1.7.0 then keeps the 429 body as the crumb and sends it on later requests; the
    # chart endpoint does not check it. Not pinned here: a fix upstream should not fail us.)
    assert "Crumb fetch rate-limited (HTTP 429), continuing without crumb" in yahoo_env.messages(
        logging.WARNING
    )


def test_isin_is_refused_without_a_request(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    result = download(session, ["US0378331005", "AAA"])

    assert list(result.prices.columns) == ["AAA"]
    assert "ISIN" in result.failures["US0378331005"]
    assert all(r.symbol != "US0378331005" for r in session.requests)


def test_timeout_is_passed_to_the_data_request(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    download(session, ["AAA"], timeout=7.5, threads=1)

    assert [r.timeout for r in session.data_requests("AAA")] == [7.5]


def test_unsupported_session_raises_source_error(yahoo_env: YahooEnv) -> None:
    class CachingSession(FakeYahooSession):
        cache = object()  # what requests_cache sessions have; yfinance refuses them

    with pytest.raises(SourceError, match=r"^Yahoo download could not start: YFDataException: "):
        download(CachingSession(payloads()), ["AAA"])


def test_bad_date_range_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="empty date range"):
        download_closes(["AAA"], D(2024, 1, 5), D(2024, 1, 5))
    with pytest.raises(TypeError, match=r"datetime\.date"):
        download_closes(["AAA"], datetime.datetime(2024, 1, 2), D(2024, 1, 5))  # type: ignore[arg-type]


def test_state_is_reset_between_runs(yahoo_env: YahooEnv) -> None:
    from generator.sources.yahoo import reset_yfinance_state

    first = yahoo_env.session(payloads())
    download(first, ["AAA"])
    assert (yahoo_env.cache_dir / "tkr-tz.db").exists()
    seen = len(first.requests)

    elsewhere = yahoo_env.cache_dir.parent / "second-cache"
    reset_yfinance_state(elsewhere)
    second = yahoo_env.session(payloads())
    result = download(second, ["AAA"])

    assert result.failures == {}
    assert len(first.requests) == seen  # the dropped singleton no longer uses the old session
    # A fresh timezone cache in the new folder: the probe runs again.
    assert [r.params.get("range") for r in second.chart_requests("AAA")] == ["1d", None]
    assert (elsewhere / "tkr-tz.db").exists()


# -- the fake never reaches the network ---------------------------------------------------------


def test_fake_session_refuses_unknown_urls() -> None:
    session = FakeYahooSession(payloads())
    with pytest.raises(AssertionError, match="unexpected request"):
        session.get("https://example.com/")
    with pytest.raises(AssertionError, match="must not be reached"):
        session.send(requests.Request("GET", "https://example.com/").prepare())
    assert [r.endpoint for r in session.unexpected] == ["unexpected"]


def test_no_real_transport_is_used(yahoo_env: YahooEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("real network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    monkeypatch.setattr(curl_requests.Session, "request", refuse)  # libcurl has its own sockets
    session = yahoo_env.session(payloads())

    result = download(session, ["AAA", "^TNX", "ZZZZ"])

    assert list(result.prices.columns) == ["AAA", "^TNX"]
    assert {r.endpoint for r in session.requests} <= {
        "cookie",
        "crumb",
        "consent",
        "chart",
        "quoteSummary",
        "quote",
        "timeseries",
    }


def test_unknown_symbol_answer_is_yahoos_404() -> None:
    response = FakeYahooSession({}).get("https://query2.finance.yahoo.com/v8/finance/chart/ZZZZ")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# -- contract: the raw yfinance output the adapter relies on ------------------------------------


def _raw_download(symbols: list[str], session: object) -> pd.DataFrame:
    """``yf.download`` as the adapter calls it, after the adapter's one-time opening of
    yfinance's timezone cache: two threads racing to create a fresh cache fail a symbol with
    ``database is locked`` now and then, which these format tests are not about."""
    _open_tz_cache()
    return yf.download(symbols, session=session, **_DOWNLOAD_ARGS)


_DOWNLOAD_ARGS = {
    "start": START,
    "end": END,
    "actions": True,
    "threads": 2,
    "ignore_tz": True,
    "group_by": "column",
    "auto_adjust": False,
    "back_adjust": False,
    "repair": False,
    "keepna": False,
    "progress": False,
    "period": None,
    "interval": "1d",
    "prepost": False,
    "rounding": False,
    "timeout": 30.0,
    "multi_level_index": True,
}


def test_yfinance_version_and_download_signature_are_pinned() -> None:
    assert yf.__version__ == "1.7.0"
    parameters = set(inspect.signature(yf.download).parameters)
    assert parameters == {"tickers", "session", *_DOWNLOAD_ARGS}


def test_raw_download_shape(yahoo_env: YahooEnv) -> None:
    session = yahoo_env.session(payloads())

    raw = _raw_download(["AAA", "BRK-B", "ZZZZ"], session)

    assert isinstance(raw.columns, pd.MultiIndex)
    assert list(raw.columns.names) == ["Price", "Ticker"]
    prices = set(raw.columns.get_level_values("Price"))
    assert {"Adj Close", "Close", "Dividends", "Stock Splits"} <= prices
    assert set(raw.columns.get_level_values("Ticker")) == {"AAA", "BRK-B", "ZZZZ"}
    assert isinstance(raw.index, pd.DatetimeIndex)
    assert raw.index.tz is None
    assert raw.index.name == "Date"
    assert raw.index.dtype.kind == "M"
    adjusted = raw.xs("Adj Close", axis=1, level="Price")
    assert adjusted["AAA"].tolist() == [99.0, 100.0, 101.5, 103.0, 104.0, 105.0]
    assert adjusted["ZZZZ"].isna().all()  # a failed ticker is all-NaN columns, not an exception
    assert raw[("Dividends", "AAA")].loc["2024-01-05"] == 0.5
    assert raw[("Stock Splits", "BRK-B")].loc["2024-01-08"] == 2.0


def test_raw_download_when_everything_fails(yahoo_env: YahooEnv) -> None:
    raw = _raw_download(["ZZZZ", "QQQQ"], yahoo_env.session({}))

    assert raw.shape[0] == 0
    # The format the adapter parses: "<list repr of symbols>: <reason>", in thread-finish order.
    summaries = [m for m in yahoo_env.messages() if m.startswith("[")]
    assert summaries in (
        ["['ZZZZ', 'QQQQ']: possibly delisted; no timezone found"],
        ["['QQQQ', 'ZZZZ']: possibly delisted; no timezone found"],
    )
    assert "\n2 Failed downloads:" in yahoo_env.messages()
