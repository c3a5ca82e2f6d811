"""Daily adjusted closes from Yahoo Finance, through yfinance 1.7.0.

This is the only module in the project that imports yfinance. Everything yfinance-specific lives
here, so an upgrade is reviewed in one file and checked by the contract tests in
``tests/test_sources_yahoo.py``. The rest of the pipeline sees a canonical price frame (see
:mod:`generator.sources`) plus one line of text per symbol that came back empty.

Why the call looks the way it does:

* every ``yf.download`` argument is passed explicitly, because its defaults changed across
  releases (``auto_adjust`` became True in 0.2.51 and silently dropped ``Adj Close``);
* yfinance upper-cases symbols but does not strip them, and de-duplicates them with ``set()``,
  so symbols are normalised here and results mapped back to the caller's exact spelling;
* yfinance never raises for a failed symbol: it inserts all-NaN columns and *logs* the reason on
  the ``yfinance`` logger at ERROR. Failures are therefore detected twice, from the frame (no
  adjusted close at all) and from those log records (for the reason);
* ``YfData.cache_get`` is an in-process LRU of HTTP responses, including failed ones, so it is
  cleared before each download: a retry must really ask Yahoo again;
* yfinance's messages do not say *why* a request failed: a 503, a timeout, an empty or an HTML
  body all end as "possibly delisted". So each download taps yfinance's one request method
  (``YfData.get``) and records, per symbol, what every request really got: an HTTP status, an
  exception class, an empty or unreadable body, or a usable chart answer. A failed symbol's
  :data:`~generator.frame.FailureKind` (retry it, give up, or stop the run) is decided from
  that record, never from message text; the chart answer's ``meta`` also gives the symbol's
  currency and instrument type, and the symbol Yahoo actually answered for.
"""

from __future__ import annotations

import ast
import datetime
import json
import logging
import re
import socket
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pandas as pd
import requests as _requests
import yfinance as yf
from curl_cffi.const import CurlECode
from curl_cffi.requests import exceptions as _curl
from pandas.errors import Pandas4Warning
from urllib3 import exceptions as _urllib3
from yfinance import base as _yf_base
from yfinance import cache as _yf_cache
from yfinance.data import SingletonMeta, YfData
from yfinance.exceptions import YFException, YFRateLimitError

from generator.errors import DataError, SourceError
from generator.frame import FailureKind, tidy

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

YF_LOGGER = "yfinance"
"""Name of the logger yfinance reports per-symbol failures on (multi.py, scrapers/history.py)."""

NO_DATA = "no data returned"
"""Reason used when a symbol has no adjusted close and yfinance logged nothing about it."""

_MAX_REASON = 300

# The summary yfinance logs at the end of download() (multi.py):
#   "\n2 Failed downloads:"                               (header, skipped)
#   "['ZZZZ', 'QQQQ']: possibly delisted; no timezone found"
#   "['AAA']: YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')"
# The list is the repr of the upper-cased symbols sharing one reason.
_SUMMARY = re.compile(r"^\[(?P<symbols>[^\]]*)\]: (?P<reason>.*)$", re.DOTALL)
# Details logged by the timezone probe (base.py), the only place the cause of a transport error
# (timeout, bad JSON) is kept; the summary then only says "no timezone found".
_TZ_DETAIL = re.compile(
    r"^(?:Failed to get ticker|Could not get exchangeTimezoneName for ticker) "
    r"'(?P<symbol>[^']+)' reason: (?P<reason>.*)$",
    re.DOTALL,
)
# ``repr(exc)`` as stored by multi._download_one for exceptions it catches.
_EXC_REPR = re.compile(r"^(?P<cls>[A-Za-z_]\w*)\((?P<arg>(?P<q>['\"]).*(?P=q))\)$", re.DOTALL)
# yfinance.utils.is_isin: download() would resolve such a string over the network and rename
# the column back to the ISIN, so it is refused here instead.
_ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")


@dataclass(frozen=True)
class YahooResult:
    """What :func:`download_closes` found."""

    prices: pd.DataFrame
    """Canonical price frame of adjusted closes, columns in the caller's spelling; symbols without
    any close are left out."""
    failures: dict[str, str]
    """Caller's symbol -> one-line reason, for every requested symbol left out of ``prices``."""
    kinds: dict[str, FailureKind] = field(default_factory=dict)
    """Caller's symbol -> what kind of failure it was, for every symbol in ``failures``."""
    listings: dict[str, dict[str, str]] = field(default_factory=dict)
    """Caller's symbol -> ``currency`` and ``instrument_type`` as Yahoo's chart answer gave them
    (only those it gave), for symbols in ``prices``."""


def normalise_symbol(symbol: str) -> str:
    """Return the spelling Yahoo is asked for: stripped and upper-cased.

    yfinance upper-cases but does not strip list items, so ``"AAPL "`` would be requested as is
    and fail (yfinance issue #2614).
    """
    return symbol.strip().upper()


def download_closes(
    symbols: Sequence[str],
    start: datetime.date,
    end: datetime.date,
    *,
    session: requests.Session | None = None,
    timeout: float = 30.0,
    threads: int = 4,
) -> YahooResult:
    """Download daily adjusted closes for ``symbols`` from ``start`` up to, not including, ``end``.

    ``end`` is exclusive (yfinance semantics): pass the day *after* the last session wanted, so
    that a session still in progress is never requested by accident. Both dates are read as
    midnight in each symbol's exchange timezone.

    Symbols are requested stripped and upper-cased; each result is returned under every caller
    spelling that normalises to it (``" brk-b"`` and ``"BRK-B"`` cost one request). ``session``
    is handed to yfinance, which keeps it in a process-wide singleton (``None`` lets yfinance build
    its own ``curl_cffi`` session, which is what production should do). ``timeout`` is the
    per-request timeout in seconds and ``threads`` the number of symbols fetched concurrently.

    A symbol that fails does not raise: it is missing from ``prices`` and listed in ``failures``.
    :class:`~generator.errors.SourceError` is raised only when yfinance refuses to start (e.g. an
    unsupported ``session``); :class:`~generator.errors.DataError` when its output no longer has
    the shape this adapter relies on.
    """
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
    if start >= end:
        raise ValueError(f"empty date range: start {start} is not before end {end} (exclusive)")

    spellings = list(dict.fromkeys(symbols))
    failures: dict[str, str] = {}
    requested: dict[str, list[str]] = {}
    for spelling in spellings:
        symbol = normalise_symbol(spelling)
        if not symbol:
            failures[spelling] = "empty symbol"
        elif _ISIN.match(symbol):
            failures[spelling] = "looks like an ISIN; give the Yahoo symbol instead"
        else:
            requested.setdefault(symbol, []).append(spelling)

    adjusted = pd.DataFrame(index=pd.DatetimeIndex([]))
    reasons: dict[str, str] = {}
    answers: dict[str, list[_Answer]] = {}
    if requested:
        raw, reasons, answers = _download(
            list(requested), start=start, end=end, session=session, timeout=timeout, threads=threads
        )
        adjusted = _adjusted_closes(raw)

    kinds: dict[str, FailureKind] = dict.fromkeys(failures, "permanent")
    listings: dict[str, dict[str, str]] = {}
    columns: dict[str, pd.Series] = {}
    for symbol, callers in requested.items():
        series = adjusted[symbol] if symbol in adjusted.columns else None
        seen = answers.get(symbol, [])
        meta = _chart_meta(seen)
        answered_for = str(meta.get("symbol") or symbol)
        if series is not None and series.notna().any() and answered_for.upper() != symbol:
            # The chart answer is about another instrument: its closes must never be stored
            # under this symbol, whatever they look like.
            series = None
            reasons[symbol] = f"Yahoo answered {symbol} with the chart of {answered_for}"
            seen = [_Answer("chart", "permanent", reasons[symbol])]
        if series is None or not series.notna().any():
            kind, reason = _failure(seen, reasons.get(symbol, NO_DATA))
            for spelling in callers:
                failures[spelling] = reason
                kinds[spelling] = kind
            continue
        if symbol in reasons:
            log.warning("Yahoo: %s returned prices despite an error: %s", symbol, reasons[symbol])
        listing = {
            name: str(meta[key])
            for name, key in (("currency", "currency"), ("instrument_type", "instrumentType"))
            if meta.get(key)
        }
        for spelling in callers:
            columns[spelling] = series
            listings[spelling] = listing
    frame = pd.DataFrame(columns, index=adjusted.index)
    prices = tidy(frame, [s for s in spellings if s in columns])
    ordered = {s: failures[s] for s in spellings if s in failures}
    log.info("Yahoo: %d of %d symbols returned prices", len(columns), len(spellings))
    for spelling, reason in ordered.items():
        log.warning("Yahoo: %s failed: %s", spelling, reason)
    return YahooResult(prices, ordered, {s: kinds[s] for s in ordered}, listings)


def reset_yfinance_state(cache_dir: Path) -> None:
    """Put yfinance's process-wide state back to a clean start, with its caches in ``cache_dir``.

    yfinance keeps state across calls that makes one download depend on the previous one: the
    ``YfData`` singleton (session, cookie, crumb, cookie strategy), the ``YfData.cache_get`` LRU
    of HTTP responses (failed ones included), the SQLite ticker-timezone and cookie caches, and a
    counter that lets only the first two failed timezone lookups per process fall back to the
    quote endpoints. Tests call this around each test; a long-running process may call it
    between runs. Do not call it while a download is running in another thread.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    yf.set_tz_cache_location(str(cache_dir))
    # set_tz_cache_location only closes the databases: cache objects created earlier keep their
    # handle, which peewee silently reopens at the *old* path. Drop them so the next use opens
    # the new location.
    _yf_cache._TzCacheManager._tz_cache = None
    _yf_cache._CookieCacheManager._Cookie_cache = None
    _yf_cache._ISINCacheManager._isin_cache = None
    YfData.cache_get.cache_clear()
    with SingletonMeta._lock:
        SingletonMeta._instances.pop(YfData, None)
    _yf_base._tz_info_fetch_ctr = 0


class _ErrorRecords(logging.Handler):
    """Collects the ERROR records yfinance emits while one download runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _download(
    symbols: list[str],
    *,
    start: datetime.date,
    end: datetime.date,
    session: requests.Session | None,
    timeout: float,
    threads: int,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, list[_Answer]]]:
    """Call ``yf.download`` with every argument explicit; return its frame, the reasons it
    logged and what each of its requests got, per symbol."""
    yf_logger = logging.getLogger(YF_LOGGER)
    if not yf_logger.isEnabledFor(logging.ERROR):
        log.warning("the %r logger is silenced above ERROR: failure reasons unavailable", YF_LOGGER)
    collector = _ErrorRecords()
    yf_logger.addHandler(collector)
    caller_thread = threading.get_ident()
    try:
        with warnings.catch_warnings():
            # yfinance 1.7.0 uses pandas' deprecated ``inplace=``; that noise would fill every
            # weekly log without telling the maintainer anything about the data.
            warnings.filterwarnings("ignore", category=Pandas4Warning, module="yfinance")
            YfData.cache_get.cache_clear()
            _open_tz_cache()
            with _tapped(symbols, session) as tap:
                raw = yf.download(
                    symbols,
                    start=start,
                    end=end,
                    actions=True,
                    threads=threads,
                    ignore_tz=True,
                    group_by="column",
                    auto_adjust=False,
                    back_adjust=False,
                    repair=False,
                    keepna=False,
                    progress=False,
                    period=None,
                    interval="1d",
                    prepost=False,
                    rounding=False,
                    timeout=timeout,
                    session=session,
                    multi_level_index=True,
                )
    except YFException as exc:
        raise SourceError(f"Yahoo download could not start: {_describe(exc)}") from exc
    finally:
        yf_logger.removeHandler(collector)
    return raw, _reasons(collector.records, set(symbols), caller_thread), tap.answers


def _open_tz_cache() -> None:
    """Create and open yfinance's timezone cache on this thread, before its workers start.

    yfinance initialises the SQLite cache lazily and without a lock: on a fresh cache folder
    (a new CI runner, a new container) several download threads race to switch the new database
    to WAL mode and some symbols fail with ``OperationalError: database is locked`` (seen in
    5-10 of 100 offline runs with 4 threads). One lookup here does that setup once.
    """
    try:
        _yf_cache.get_tz_cache().lookup("^GSPC")
    except Exception as exc:  # best effort: yfinance copes (per symbol) without the cache
        log.debug("could not open the yfinance timezone cache: %s", _describe(exc))


def _describe(exc: BaseException) -> str:
    """One line naming the exception type and its message."""
    return _one_line(f"{type(exc).__name__}: {exc}")


def _one_line(text: str) -> str:
    """Collapse whitespace and cap the length, so a reason fits one line of a report."""
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


def _readable(reason: str) -> str:
    """Turn ``YFRateLimitError('Too Many ...')`` (a stored repr) into ``YFRateLimitError: ...``."""
    match = _EXC_REPR.match(reason.strip())
    if match:
        try:
            message = ast.literal_eval(match["arg"])
        except (ValueError, SyntaxError):
            return reason
        return f"{match['cls']}: {message}"
    return reason


def _reasons(
    records: list[logging.LogRecord], symbols: set[str], caller_thread: int
) -> dict[str, str]:
    """Per-symbol failure reasons from yfinance's ERROR records of one download call.

    The summary lines are logged by download() itself, on the calling thread; filtering on that
    thread keeps a concurrent download elsewhere in the process from leaking its failures in.
    Timezone-probe details come from worker threads and are matched on the symbol.
    """
    summary: dict[str, str] = {}
    details: dict[str, list[str]] = {}
    for record in records:
        message = record.getMessage().strip()
        match = _SUMMARY.match(message)
        if match and record.thread == caller_thread:
            try:
                named = ast.literal_eval(f"[{match['symbols']}]")
            except (ValueError, SyntaxError):
                continue
            for symbol in named:
                if symbol in symbols:
                    summary[symbol] = _readable(match["reason"])
            continue
        match = _TZ_DETAIL.match(message)
        if match and match["symbol"] in symbols:
            details.setdefault(match["symbol"], []).append(match["reason"])
    reasons: dict[str, str] = {}
    for symbol in summary.keys() | details.keys():
        reason = summary.get(symbol, "")
        extra = [d for d in details.get(symbol, []) if d not in reason]
        if extra:
            lookup = f"timezone lookup failed: {'; '.join(extra)}"
            reason = f"{reason} ({lookup})" if reason else lookup
        reasons[symbol] = _one_line(reason)
    return reasons


def _adjusted_closes(raw: pd.DataFrame) -> pd.DataFrame:
    """The ``Adj Close`` block of a ``yf.download`` frame: one column per upper-cased symbol.

    Levels are selected by name, never by position. When every symbol failed, yfinance returns
    zero rows (its columns vary), which is answered with an empty frame.
    """
    if not isinstance(raw, pd.DataFrame):
        raise DataError(f"yfinance returned {type(raw).__name__}, expected a DataFrame")
    columns = raw.columns
    shape_ok = isinstance(columns, pd.MultiIndex) and {"Price", "Ticker"} <= set(columns.names)
    if shape_ok and "Adj Close" in columns.get_level_values("Price"):
        adjusted = raw.xs("Adj Close", axis=1, level="Price")
        adjusted.columns = [str(c) for c in adjusted.columns]
        return adjusted.astype("float64")
    if raw.shape[0] == 0:
        return pd.DataFrame(index=pd.DatetimeIndex([]))
    raise DataError(
        "yfinance output changed: expected column levels ['Price', 'Ticker'] with 'Adj Close', "
        f"got levels {list(columns.names)}"
    )


# -- what each request really got ---------------------------------------------------------------

_UNREACHABLE_CURL = frozenset(
    {CurlECode.COULDNT_RESOLVE_PROXY, CurlECode.COULDNT_RESOLVE_HOST, CurlECode.COULDNT_CONNECT}
)
"""curl codes of a request that never reached a server: no DNS, no route, connection refused."""


@dataclass(frozen=True)
class _Answer:
    """What one of yfinance's requests about a symbol got.

    ``kind`` is ``None`` for a usable answer (a chart answer's ``meta`` is kept), else what kind
    of failure it was; ``cause`` says what happened in one line.
    """

    endpoint: str
    kind: FailureKind | None
    cause: str
    meta: Mapping[str, Any] = field(default_factory=dict)


class _Tap:
    """The answers yfinance's requests got during one download, for the symbols it asked for."""

    def __init__(self, symbols: Sequence[str]) -> None:
        self.symbols = frozenset(symbols)
        self.answers: dict[str, list[_Answer]] = {}
        self._lock = threading.Lock()

    def note(self, symbol: str, answer: _Answer) -> None:
        if symbol in self.symbols:
            with self._lock:
                self.answers.setdefault(symbol, []).append(answer)


_TAPS: list[_Tap] = []
_TAPS_LOCK = threading.Lock()


@contextmanager
def _tapped(symbols: Sequence[str], session: requests.Session | None) -> Iterator[_Tap]:
    """Record what every request of the download about ``symbols`` gets back.

    yfinance sends all its Yahoo requests (chart, timezone probe, quote fallbacks) through
    ``YfData.get`` of its process-wide singleton (``cache_get`` calls it too), and lets the
    session's exceptions pass through it. The tap shadows that method on the instance for the
    time of the download; concurrent downloads share one tap method and each keeps its own
    symbols' answers.
    """
    tap = _Tap(symbols)
    # The singleton download() itself would set up; made here first so it can be tapped.
    data = YfData(session=session) if session is not None else YfData()
    with _TAPS_LOCK:
        _TAPS.append(tap)
        if "get" not in vars(data):
            data.get = _tapping(data.get)
    try:
        yield tap
    finally:
        with _TAPS_LOCK:
            _TAPS.remove(tap)
            if not _TAPS and "get" in vars(data):
                del data.get


def _tapping(get: Callable[..., Any]) -> Callable[..., Any]:
    """``YfData.get`` that also tells every active tap what the request got."""

    def tapped(url: str, params: Mapping[str, Any] | None = None, timeout: float = 30) -> Any:
        endpoint, symbol = _about(url, params)
        try:
            response = get(url, params, timeout)
        except BaseException as exc:
            if symbol is not None:
                _tell(symbol, _Answer(endpoint, _exception_kind(exc), _describe(exc)))
            raise
        if symbol is not None:
            _tell(symbol, _answer_of(endpoint, response))
        return response

    return tapped


def _tell(symbol: str, answer: _Answer) -> None:
    with _TAPS_LOCK:
        taps = list(_TAPS)
    for tap in taps:
        tap.note(symbol, answer)


def _about(url: str, params: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """The endpoint a Yahoo request is for and the (upper-case) symbol it is about."""
    path = urlsplit(url).path
    for endpoint, prefix in (
        ("chart", "/v8/finance/chart/"),
        ("quoteSummary", "/v10/finance/quoteSummary/"),
    ):
        if path.startswith(prefix):
            return endpoint, unquote(path.removeprefix(prefix)).upper()
    if path == "/v7/finance/quote" and params and "symbols" in params:
        return "quote", str(params["symbols"]).upper()
    return "other", None


def _answer_of(endpoint: str, response: Any) -> _Answer:
    """Judge a response by its status and body: what yfinance itself never reports."""
    status = int(getattr(response, "status_code", 0) or 0)
    phrase = str(getattr(response, "reason", "") or "").strip()
    http = f"HTTP {status}{' ' + phrase if phrase else ''}"
    body = bytes(getattr(response, "content", b"") or b"")
    if status == 429:
        return _Answer(endpoint, "rate-limited", f"{http} from Yahoo")
    if status >= 500 or status == 408:
        return _Answer(endpoint, "transient", f"{http} from Yahoo")
    if not body.strip():
        kind: FailureKind = "permanent" if 400 <= status < 500 else "transient"
        return _Answer(endpoint, kind, f"{http} from Yahoo with an empty body")
    try:
        data = json.loads(body)
    except ValueError:
        snippet = _one_line(body[:40].decode("utf-8", "replace"))
        kind = "permanent" if 400 <= status < 500 else "transient"
        cause = f"{http} from Yahoo with a body that is not JSON: {snippet!r}"
        return _Answer(endpoint, kind, cause)
    if 400 <= status < 500:
        return _Answer(endpoint, "permanent", f"{http} from Yahoo: {_yahoo_error(data) or '-'}")
    if endpoint != "chart":
        return _Answer(endpoint, None, http)
    chart = data.get("chart") if isinstance(data, dict) else None
    if not isinstance(chart, dict):
        return _Answer(endpoint, "transient", f"{http} from Yahoo with JSON that is no chart")
    if chart.get("error"):
        return _Answer(endpoint, "permanent", f"{http} from Yahoo: {_yahoo_error(data) or '-'}")
    try:
        meta = chart["result"][0]["meta"]
    except (KeyError, IndexError, TypeError):
        meta = None
    if not isinstance(meta, dict):
        return _Answer(endpoint, "transient", f"{http} from Yahoo with a chart without meta")
    return _Answer(endpoint, None, http, meta)


def _yahoo_error(data: Any) -> str:
    """Yahoo's own description of an error answer (``{"chart": {"error": {...}}}``), if any."""
    if isinstance(data, dict):
        for value in data.values():
            error = value.get("error") if isinstance(value, dict) else None
            if isinstance(error, dict) and error.get("description"):
                return _one_line(str(error["description"]))
    return ""


def _exception_kind(exc: BaseException) -> FailureKind:
    """A failure kind from what the session (or yfinance) raised: its class, never its text.

    The exception and everything it wraps (``__cause__``, ``__context__``, exceptions among its
    ``args``, as ``requests`` wraps urllib3's) are looked at: a DNS failure or a refused
    connection anywhere in it means Yahoo is unreachable; a timeout or any other connection error
    (reset, closed, nothing received) is transient.
    """
    chain = _chain(exc)
    if any(isinstance(e, YFRateLimitError) for e in chain):
        return "rate-limited"
    for e in chain:
        if isinstance(e, _curl.DNSError | socket.gaierror | ConnectionRefusedError):
            return "unreachable"
        if isinstance(e, _curl.RequestException) and getattr(e, "code", 0) in _UNREACHABLE_CURL:
            return "unreachable"
        if isinstance(e, _urllib3.NewConnectionError):  # refused, no route, no name
            return "unreachable"
    transient = (
        TimeoutError,
        ConnectionError,  # the builtin: reset, aborted, broken pipe
        _curl.Timeout,
        _curl.ConnectionError,
        _curl.ChunkedEncodingError,
        _curl.IncompleteRead,
        _requests.Timeout,
        _requests.ConnectionError,
        _requests.exceptions.ChunkedEncodingError,
        _urllib3.ProtocolError,
        _urllib3.TimeoutError,
    )
    if any(isinstance(e, transient) for e in chain):
        return "transient"
    if any(isinstance(e, _curl.RequestException | _requests.RequestException) for e in chain):
        return "transient"  # any other transport failure of the HTTP client
    return "unknown"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps, each once."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        e = todo.pop()
        if any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [x for x in (e.__cause__, e.__context__) if x is not None]
        todo += [a for a in e.args if isinstance(a, BaseException)]
        reason = getattr(e, "reason", None)  # urllib3's MaxRetryError keeps the cause here
        if isinstance(reason, BaseException):
            todo.append(reason)
    return seen


def _failure(answers: Sequence[_Answer], logged: str) -> tuple[FailureKind, str]:
    """A failed symbol's kind and reason, from what its requests got (``logged``: yfinance's
    own reason, kept where it is right: an unknown symbol, a rate limit without an answer).

    Requests failing in several ways: a rate limit wins (the whole run must slow down), then a
    transient failure (the 404 of a fallback request after a timed-out probe proves nothing);
    unreachable only when every failed request was. A symbol whose requests were all answered
    usably, yet without prices, got a definitive answer: permanent.
    """
    failed = [a for a in answers if a.kind is not None]
    kinds = {a.kind for a in failed}
    if failed:
        if kinds == {"unreachable"}:
            kind: FailureKind = "unreachable"
        else:
            order: tuple[FailureKind, ...] = ("rate-limited", "transient", "unknown", "permanent")
            kind = next(k for k in order if k in kinds)
        if kind == "permanent":
            return kind, logged
        return kind, next(a.cause for a in failed if a.kind == kind)
    if answers:
        return "permanent", logged
    # No request about it at all: yfinance failed before asking (its exception's class, as
    # ``repr`` in its summary, is all there is).
    if logged.startswith(f"{YFRateLimitError.__name__}:"):
        return "rate-limited", logged
    return "unknown", logged


def _chart_meta(answers: Sequence[_Answer]) -> Mapping[str, Any]:
    """The ``meta`` of the last usable chart answer (the data request comes after the probe)."""
    for answer in reversed(answers):
        if answer.endpoint == "chart" and answer.kind is None and answer.meta:
            return answer.meta
    return {}


# ----------------------------------------------------------------------------- fund valuation

FUND_FIELDS = {
    "Price/Earnings": "price_earnings",
    "Price/Book": "price_book",
    "Price/Sales": "price_sales",
    "Price/Cashflow": "price_cashflow",
    "Median Market Cap": "median_market_cap",
    "3 Year Earnings Growth": "earnings_growth_3y",
}
"""The rows of yfinance's ``funds_data.equity_holdings`` (Yahoo's quoteSummary ``topHoldings
.equityHoldings``), by the field names the valuation history keeps; the category averages are
kept as ``<field>_category``."""


def fund_valuations(
    symbols: Sequence[str], *, session: requests.Session | None = None
) -> dict[str, dict[str, float] | str]:
    """Each fund's holdings averages as Yahoo reports them (``FUND_FIELDS``, the fund's and its
    category's), or one line saying why there are none: a failed request, an answer without
    fund data, or one whose averages are all empty. Values are Yahoo's raw numbers, not
    reinterpreted here (its P/E of a fund is sometimes the reciprocal, see
    :mod:`generator.valuation`)."""
    out: dict[str, dict[str, float] | str] = {}
    for symbol in symbols:
        wanted = normalise_symbol(symbol)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Pandas4Warning)
                frame = yf.Ticker(wanted, session=session).funds_data.equity_holdings
        except Exception as exc:  # yfinance raises HTTP, JSON and its own errors alike
            out[symbol] = _readable(_describe(exc))
            continue
        if frame is None or wanted not in getattr(frame, "columns", ()):
            out[symbol] = "Yahoo's answer holds no fund data"
            continue
        values: dict[str, float] = {}
        for row, name in FUND_FIELDS.items():
            if row not in frame.index:
                continue
            for column, key in ((wanted, name), ("Category Average", f"{name}_category")):
                value = frame.at[row, column] if column in frame.columns else None
                number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
                if pd.notna(number) and abs(float(number)) != float("inf"):
                    values[key] = float(number)
        out[symbol] = values or "Yahoo's answer holds no equity averages for this fund"
    return out
