"""An offline Yahoo Finance for tests: canned v8 chart JSON behind a fake ``requests.Session``.

The fake sits *under* yfinance, at the HTTP session it accepts through ``session=``, so tests go
through yfinance's real request building, cookie/crumb handshake, timezone probe, JSON parsing,
date handling and error reporting. Only the network is replaced.

What yfinance 1.7.0 asks for (data.py, base.py, scrapers/history.py, scrapers/quote.py):

* ``https://fc.yahoo.com`` (cookie) then ``https://query1.finance.yahoo.com/v1/test/getcrumb``;
  after any HTTP status >= 400 it toggles to the "csrf" strategy: ``https://guce.yahoo.com/consent``
  (a page without a csrfToken makes it fall back to "basic" again) and
  ``https://query2.finance.yahoo.com/v1/test/getcrumb``, then repeats the failed request once;
* ``https://query2.finance.yahoo.com/v8/finance/chart/<SYM>`` with ``range=1d`` (timezone probe,
  the first time a symbol is seen), then with ``period1``/``period2`` epoch seconds (the data);
* when the timezone probe fails, for the first two such symbols per process only (``Ticker.info``
  as a fallback): ``/v10/finance/quoteSummary/<SYM>``,
  ``https://query1.finance.yahoo.com/v7/finance/quote?symbols=<SYM>`` and
  ``https://query1.finance.yahoo.com/ws/fundamentals-timeseries/v1/finance/timeseries/<SYM>``.

Every other request raises ``AssertionError`` and is recorded as ``unexpected``. yfinance catches
*every* exception per symbol (the assertion becomes that symbol's failure reason), so tests must
also check :attr:`FakeYahooSession.unexpected`; sessions made by ``yahoo_env.session()`` are
checked at teardown. Nothing here can reach the network.
"""

from __future__ import annotations

import copy
import datetime
import http
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from curl_cffi.requests.exceptions import HTTPError as CurlHTTPError

from generator.sources.yahoo import reset_yfinance_state

DateLike = datetime.date | str

VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]

NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}
"""Yahoo's answer for a symbol it does not know (HTTP 404)."""

_CRUMB = "\0crumb"  # fault-counter key of the getcrumb endpoint; no symbol looks like it

US_OPEN = datetime.time(9, 30)
US_CLOSE = datetime.time(16, 0)


def _as_date(value: DateLike) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def epoch(day: DateLike, at: datetime.time = US_OPEN, tz: str = "America/New_York") -> int:
    """Epoch seconds of ``day`` at exchange-local time ``at``: how Yahoo stamps a daily bar."""
    return int(datetime.datetime.combine(_as_date(day), at, tzinfo=ZoneInfo(tz)).timestamp())


def _trading_period(start: int, end: int, tz: str) -> dict[str, Any]:
    moment = datetime.datetime.fromtimestamp(start, ZoneInfo(tz))
    offset = moment.utcoffset() or datetime.timedelta(0)
    return {
        "timezone": moment.tzname(),
        "start": start,
        "end": end,
        "gmtoffset": int(offset.total_seconds()),
    }


def chart_payload(
    symbol: str,
    dates: Sequence[DateLike],
    closes: Sequence[float | None],
    adjcloses: Sequence[float | None] | None = None,
    *,
    tz: str = "America/New_York",
    currency: str = "USD",
    instrument_type: str = "EQUITY",
    exchange: str = "NYQ",
    bar_time: datetime.time = US_OPEN,
    opens: Sequence[float | None] | None = None,
    highs: Sequence[float | None] | None = None,
    lows: Sequence[float | None] | None = None,
    volumes: Sequence[int | None] | None = None,
    dividends: Mapping[DateLike, float] | None = None,
    splits: Mapping[DateLike, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """Yahoo's v8 chart JSON for daily bars of ``symbol``, as yfinance 1.7.0 parses it.

    ``closes``/``adjcloses`` may hold ``None`` (JSON null), as Yahoo sends for a half-filled bar.
    Open/high/low default to the close and volume to 1,000,000 (Yahoo keeps volume on a
    half-filled bar, which is why yfinance keeps such a row). Bars are stamped at ``bar_time``
    exchange-local (Yahoo uses the session open for US equities). Dividend and split events are
    keyed by their bar's timestamp, as Yahoo does.
    """
    days = [_as_date(d) for d in dates]
    n = len(days)
    if len(closes) != n:
        raise ValueError("dates and closes differ in length")
    adj = list(closes) if adjcloses is None else list(adjcloses)
    stamps = [epoch(d, bar_time, tz) for d in days]
    meta: dict[str, Any] = {
        "currency": currency,
        "symbol": symbol,
        "exchangeName": exchange,
        "fullExchangeName": exchange,
        "instrumentType": instrument_type,
        "firstTradeDate": stamps[0] if stamps else None,
        "regularMarketTime": stamps[-1] if stamps else None,
        "hasPrePostMarketData": instrument_type == "EQUITY",
        "exchangeTimezoneName": tz,
        "regularMarketPrice": next((c for c in reversed(closes) if c is not None), None),
        "chartPreviousClose": next((c for c in closes if c is not None), None),
        "priceHint": 2,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": list(VALID_RANGES),
    }
    if stamps:
        last = days[-1]
        open_ts, close_ts = epoch(last, US_OPEN, tz), epoch(last, US_CLOSE, tz)
        period = _trading_period(open_ts, close_ts, tz)
        meta["timezone"] = period["timezone"]
        meta["gmtoffset"] = period["gmtoffset"]
        meta["currentTradingPeriod"] = {
            "pre": _trading_period(open_ts - 5 * 3600 - 1800, open_ts, tz),
            "regular": period,
            "post": _trading_period(close_ts, close_ts + 4 * 3600, tz),
        }
    result: dict[str, Any] = {
        "meta": meta,
        "timestamp": stamps,
        "indicators": {
            "quote": [
                {
                    "open": list(opens) if opens is not None else list(closes),
                    "high": list(highs) if highs is not None else list(closes),
                    "low": list(lows) if lows is not None else list(closes),
                    "close": list(closes),
                    "volume": list(volumes) if volumes is not None else [1_000_000] * n,
                }
            ],
            "adjclose": [{"adjclose": adj}],
        },
    }
    events: dict[str, Any] = {}
    if dividends:
        events["dividends"] = {
            str(ts): {"amount": amount, "date": ts}
            for ts, amount in ((epoch(d, bar_time, tz), a) for d, a in dividends.items())
        }
    if splits:
        events["splits"] = {
            str(ts): {
                "date": ts,
                "numerator": num,
                "denominator": den,
                "splitRatio": f"{num}:{den}",
            }
            for ts, (num, den) in ((epoch(d, bar_time, tz), s) for d, s in splits.items())
        }
    if events:
        result["events"] = events
    return {"chart": {"result": [result], "error": None}}


def slice_chart(payload: Mapping[str, Any], lo: int | None, hi: int | None) -> dict[str, Any]:
    """The part of ``payload`` Yahoo returns for ``period1=lo`` .. ``period2=hi`` (hi exclusive).

    ``lo=None`` means "the last bar only" (the ``range=1d`` timezone probe). A window without bars
    keeps the meta and has no ``timestamp`` and empty indicator dicts, as Yahoo sends it.
    """
    out = copy.deepcopy(dict(payload))
    result = out["chart"]["result"][0]
    stamps: list[int] = result.get("timestamp", [])
    if lo is None:
        keep = [len(stamps) - 1] if stamps else []
    else:
        keep = [i for i, ts in enumerate(stamps) if lo <= ts and (hi is None or ts < hi)]
    if not keep:
        result.pop("timestamp", None)
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        result.pop("events", None)
        return out
    result["timestamp"] = [stamps[i] for i in keep]
    quote = result["indicators"]["quote"][0]
    for key, values in quote.items():
        quote[key] = [values[i] for i in keep]
    adjclose = result["indicators"]["adjclose"][0]
    adjclose["adjclose"] = [adjclose["adjclose"][i] for i in keep]
    kept = set(result["timestamp"])
    for kind, events in list(result.get("events", {}).items()):
        result["events"][kind] = {k: v for k, v in events.items() if v["date"] in kept}
    return out


class FakeHTTPError(requests.HTTPError, CurlHTTPError):
    """What ``raise_for_status`` raises: a ``requests`` *and* a ``curl_cffi`` HTTPError.

    yfinance imports ``HTTPError`` from its active backend (``curl_cffi`` when installed) and only
    catches that class. A plain ``requests`` error would escape those handlers and change which
    message yfinance reports, so the fake raises what production (curl_cffi) would.
    """

    def __init__(self, message: str, response: requests.Response) -> None:
        super().__init__(message)
        self.response = response
        self.request = None
        self.code = 0


class FakeResponse(requests.Response):
    """A ``requests.Response`` whose ``raise_for_status`` behaves like curl_cffi's."""

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise FakeHTTPError(f"HTTP Error {self.status_code}: {self.reason}", self)


@dataclass
class Fault:
    """How to misbehave for one symbol: a status/body, or an exception raised by the session.

    A fault applies to every request about its symbol (chart, quoteSummary, quote), as a real
    outage or throttle would. ``times`` limits it to the first N such requests; ``None`` is
    forever. ``body`` may be ``None`` (empty), ``str``/``bytes`` (sent as is) or JSON data.
    """

    status: int = 500
    body: str | bytes | Mapping[str, Any] | None = None
    raises: BaseException | type[BaseException] | None = None
    times: int | None = None


def rate_limited(times: int | None = None) -> Fault:
    """HTTP 429 with Yahoo's plain-text body."""
    return Fault(429, "Edge: Too Many Requests", times=times)


def timeout(times: int | None = None) -> Fault:
    """The session raises ``requests.Timeout``, as on a read timeout."""
    return Fault(raises=requests.Timeout("Read timed out. (read timeout=30)"), times=times)


def empty_body(times: int | None = None) -> Fault:
    """HTTP 200 with no body: Yahoo's throttling failure mode (yfinance PR #2861)."""
    return Fault(200, None, times=times)


def not_json(times: int | None = None) -> Fault:
    """HTTP 200 with an HTML page instead of JSON."""
    return Fault(200, "<html><body>Something went wrong</body></html>", times=times)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake answered (or refused)."""

    method: str
    url: str
    endpoint: str
    """cookie, crumb, consent, chart, quoteSummary, quote, timeseries or unexpected."""
    symbol: str | None
    params: dict[str, str]
    timeout: float | None
    status: int | None
    """HTTP status answered, or ``None`` when the fake raised instead."""


class FakeYahooSession(requests.Session):
    """A ``requests.Session`` that answers Yahoo's endpoints from canned chart payloads.

    ``payloads`` maps a Yahoo symbol (upper case, as yfinance requests it) to a full
    :func:`chart_payload`; each request gets the bars inside its ``period1``/``period2``.
    Unknown symbols get Yahoo's 404. ``faults`` (mutable, per symbol) override answers;
    ``crumb_fault`` overrides the getcrumb answer. ``requests`` lists what was asked, in order.
    """

    def __init__(
        self,
        payloads: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        faults: Mapping[str, Fault] | None = None,
        crumb: str = "fake-crumb",
        crumb_fault: Fault | None = None,
        funds: Mapping[str, Mapping[str, Any] | bytes] | None = None,
    ) -> None:
        super().__init__()
        self.payloads: dict[str, Mapping[str, Any]] = dict(payloads or {})
        self.funds: dict[str, Mapping[str, Any] | bytes] = dict(funds or {})
        """A fund's quoteSummary result (``fund_summary``), or raw bytes for a broken answer."""
        self.faults: dict[str, Fault] = dict(faults or {})
        self.crumb = crumb
        self.crumb_fault = crumb_fault
        self.requests: list[RecordedRequest] = []
        self._hits: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- what tests look at -------------------------------------------------------------------

    def chart_requests(self, symbol: str | None = None) -> list[RecordedRequest]:
        """Chart requests, optionally for one symbol, in the order received."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.endpoint == "chart" and (symbol is None or r.symbol == symbol)
            ]

    def data_requests(self, symbol: str | None = None) -> list[RecordedRequest]:
        """Chart requests for a date window (``period1``/``period2``), not timezone probes."""
        return [r for r in self.chart_requests(symbol) if "period1" in r.params]

    @property
    def unexpected(self) -> list[RecordedRequest]:
        """Requests the fake refused; yfinance swallows the AssertionError, so check this."""
        with self._lock:
            return [r for r in self.requests if r.endpoint == "unexpected"]

    # -- the network boundary -----------------------------------------------------------------

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        raise AssertionError(f"FakeYahooSession.send must not be reached: {request.url}")

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.update({k: str(v) for k, v in (params or {}).items()})
        endpoint, symbol = _route(parts.hostname or "", parts.path, query)
        full_url = requests.Request(method, url, params=params).prepare().url or url
        response: requests.Response | None = None
        try:
            response = self._answer(method, full_url, endpoint, symbol, query)
            return response
        finally:
            status = None if response is None else response.status_code
            recorded = RecordedRequest(
                method, full_url, endpoint, symbol, query, kwargs.get("timeout"), status
            )
            with self._lock:
                self.requests.append(recorded)

    def _answer(
        self,
        method: str,
        full_url: str,
        endpoint: str,
        symbol: str | None,
        query: Mapping[str, str],
    ) -> requests.Response:
        if endpoint == "unexpected":
            raise AssertionError(f"FakeYahooSession: unexpected request {method} {full_url}")
        if endpoint == "cookie":
            return _response(full_url, 200, "")
        if endpoint == "consent":
            # No csrfToken in the page: yfinance gives up on the csrf strategy and uses "basic".
            return _response(full_url, 200, "<html><body>consent</body></html>")
        if endpoint == "crumb":
            fault = self._active_fault(_CRUMB, self.crumb_fault)
            if fault is not None:
                return _faulty(full_url, fault)
            return _response(full_url, 200, self.crumb)
        assert symbol is not None
        fault = self._active_fault(symbol, self.faults.get(symbol))
        if fault is not None:
            return _faulty(full_url, fault)
        if endpoint == "chart":
            return self._chart(full_url, symbol, query)
        if endpoint == "quoteSummary" and "topHoldings" in query.get("modules", ""):
            return self._fund(full_url, symbol)
        return self._info(full_url, endpoint, symbol)

    def _fund(self, url: str, symbol: str) -> requests.Response:
        """``Ticker.funds_data``: the fund's canned quoteSummary result, or Yahoo's 404."""
        answer = self.funds.get(symbol)
        if answer is None:
            error = {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"}
            return _response(url, 404, {"quoteSummary": {"result": None, "error": error}})
        if isinstance(answer, bytes):
            return _response(url, 200, answer)
        return _response(url, 200, {"quoteSummary": {"result": [answer], "error": None}})

    def _active_fault(self, key: str, fault: Fault | None) -> Fault | None:
        """``fault`` unless it has already been used up (``times``); counts this use."""
        if fault is None:
            return None
        with self._lock:
            used = self._hits.get(key, 0)
            if fault.times is not None and used >= fault.times:
                return None
            self._hits[key] = used + 1
            return fault

    def _chart(self, url: str, symbol: str, query: Mapping[str, str]) -> requests.Response:
        payload = self.payloads.get(symbol)
        if payload is None:
            return _response(url, 404, NOT_FOUND)
        if "period1" in query:
            hi = int(query["period2"]) if "period2" in query else None
            return _response(url, 200, slice_chart(payload, int(query["period1"]), hi))
        if query.get("range") == "1d":
            return _response(url, 200, slice_chart(payload, None, None))
        return _response(url, 200, copy.deepcopy(dict(payload)))

    def _info(self, url: str, endpoint: str, symbol: str) -> requests.Response:
        payload = self.payloads.get(symbol)
        meta = payload["chart"]["result"][0]["meta"] if payload is not None else None
        if endpoint == "timeseries":
            # Only asked for trailingPegRatio; an empty result is a valid "no value".
            return _response(url, 200, {"timeseries": {"result": [], "error": None}})
        if endpoint == "quoteSummary":
            if meta is None:
                error = {
                    "code": "Not Found",
                    "description": f"Quote not found for symbol: {symbol}",
                }
                return _response(url, 404, {"quoteSummary": {"result": None, "error": error}})
            quote_type = {
                "symbol": symbol,
                "quoteType": meta["instrumentType"],
                "exchange": meta["exchangeName"],
                "timeZoneFullName": meta["exchangeTimezoneName"],
            }
            return _response(
                url, 200, {"quoteSummary": {"result": [{"quoteType": quote_type}], "error": None}}
            )
        found = (
            []
            if meta is None
            else [
                {
                    "symbol": symbol,
                    "currency": meta["currency"],
                    "exchangeTimezoneName": meta["exchangeTimezoneName"],
                }
            ]
        )
        return _response(url, 200, {"quoteResponse": {"result": found, "error": None}})


def fund_summary(
    symbol: str, equity: Mapping[str, float] | None, *, quote_type: str = "ETF"
) -> dict[str, Any]:
    """A fund's quoteSummary result with the modules ``funds_data`` asks for, its
    ``equityHoldings`` from ``equity`` (Yahoo's keys: ``priceToEarnings``, ``priceToEarningsCat``,
    ...; each as Yahoo writes numbers, ``{"raw": x, "fmt": ...}``); without ``equity``, no
    ``topHoldings`` module at all (a fund Yahoo has no holdings for)."""
    result: dict[str, Any] = {
        "quoteType": {"symbol": symbol, "quoteType": quote_type},
        "summaryProfile": {"longBusinessSummary": f"{symbol} fund"},
        "fundProfile": {"family": "iShares", "categoryName": "Small Blend", "legalType": "ETF"},
    }
    if equity is not None:
        result["topHoldings"] = {
            "stockPosition": {"raw": 0.99, "fmt": "99%"},
            "holdings": [],
            "equityHoldings": {k: {"raw": v, "fmt": str(v)} for k, v in equity.items()},
        }
    return result


def _route(host: str, path: str, query: Mapping[str, str]) -> tuple[str, str | None]:
    """Name the endpoint a request is for, and the symbol it is about."""
    yahoo_api = host in {"query1.finance.yahoo.com", "query2.finance.yahoo.com"}
    if host == "fc.yahoo.com":
        return "cookie", None
    if host in {"guce.yahoo.com", "consent.yahoo.com"}:
        return "consent", None
    if yahoo_api and path == "/v1/test/getcrumb":
        return "crumb", None
    if yahoo_api and path.startswith("/v8/finance/chart/"):
        return "chart", unquote(path.removeprefix("/v8/finance/chart/"))
    if yahoo_api and path.startswith("/v10/finance/quoteSummary/"):
        return "quoteSummary", unquote(path.removeprefix("/v10/finance/quoteSummary/"))
    if yahoo_api and path == "/v7/finance/quote" and "symbols" in query:
        return "quote", query["symbols"]
    timeseries = "/ws/fundamentals-timeseries/v1/finance/timeseries/"
    if yahoo_api and path.startswith(timeseries):
        return "timeseries", unquote(path.removeprefix(timeseries))
    return "unexpected", None


def _response(url: str, status: int, body: str | bytes | Mapping[str, Any] | None) -> FakeResponse:
    response = FakeResponse()
    response.status_code = status
    response.reason = http.HTTPStatus(status).phrase
    response.url = url
    response.encoding = "utf-8"
    if body is None:
        response._content = b""
    elif isinstance(body, bytes):
        response._content = body
    elif isinstance(body, str):
        response._content = body.encode()
        response.headers["Content-Type"] = "text/plain;charset=utf-8"
    else:
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json;charset=utf-8"
    return response


def _faulty(url: str, fault: Fault) -> FakeResponse:
    if fault.raises is not None:
        # A fresh exception per request: the same instance raised in several threads would share
        # (and overwrite) one traceback.
        raise copy.copy(fault.raises) if isinstance(fault.raises, BaseException) else fault.raises
    return _response(url, fault.status, fault.body)


# -- the fixture --------------------------------------------------------------------------------


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class YahooEnv:
    """What :func:`yahoo_env` gives a test: yfinance's cache folder, its log, a session maker."""

    cache_dir: Path
    records: list[logging.LogRecord] = field(default_factory=list)
    sessions: list[FakeYahooSession] = field(default_factory=list)

    def session(
        self,
        payloads: Mapping[str, Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> FakeYahooSession:
        """A :class:`FakeYahooSession` checked for unexpected requests when the test ends."""
        session = FakeYahooSession(payloads, **kwargs)
        self.sessions.append(session)
        return session

    def messages(self, level: int = logging.ERROR) -> list[str]:
        """Messages yfinance logged at exactly ``level``."""
        return [r.getMessage() for r in self.records if r.levelno == level]


@pytest.fixture
def yahoo_env(tmp_path: Path) -> Iterator[YahooEnv]:
    """Clean yfinance process state for one test, with its log captured and kept off the console.

    Before and after the test: caches in ``tmp_path``, response LRU cleared, ``YfData`` singleton
    (and the session it holds) dropped. Sessions made with ``env.session()`` must not have seen
    an unexpected request. The ``yfinance`` logger stops propagating meanwhile, so
    its ERROR lines land in ``records`` instead of on stderr; its level is left alone, because a
    raised level would also hide the records the adapter reads failure reasons from.
    """
    cache_dir = tmp_path / "yfinance-cache"
    reset_yfinance_state(cache_dir)
    logger = logging.getLogger("yfinance")
    handler = _ListHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    env = YahooEnv(cache_dir, handler.records)
    try:
        yield env
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        reset_yfinance_state(cache_dir)
    refused = [r.url for s in env.sessions for r in s.unexpected]
    assert not refused, f"yfinance made requests the fake does not know: {refused}"
