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
  cleared before each download: a retry must really ask Yahoo again.
"""

from __future__ import annotations

import ast
import datetime
import logging
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yfinance as yf
from pandas.errors import Pandas4Warning
from yfinance import base as _yf_base
from yfinance import cache as _yf_cache
from yfinance.data import SingletonMeta, YfData
from yfinance.exceptions import YFException

from generator.errors import DataError, SourceError
from generator.frame import tidy

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
    if requested:
        raw, reasons = _download(
            list(requested), start=start, end=end, session=session, timeout=timeout, threads=threads
        )
        adjusted = _adjusted_closes(raw)

    columns: dict[str, pd.Series] = {}
    for symbol, callers in requested.items():
        series = adjusted[symbol] if symbol in adjusted.columns else None
        if series is None or not series.notna().any():
            for spelling in callers:
                failures[spelling] = reasons.get(symbol, NO_DATA)
            continue
        if symbol in reasons:
            log.warning("Yahoo: %s returned prices despite an error: %s", symbol, reasons[symbol])
        for spelling in callers:
            columns[spelling] = series
    frame = pd.DataFrame(columns, index=adjusted.index)
    prices = tidy(frame, [s for s in spellings if s in columns])
    ordered = {s: failures[s] for s in spellings if s in failures}
    log.info("Yahoo: %d of %d symbols returned prices", len(columns), len(spellings))
    for spelling, reason in ordered.items():
        log.warning("Yahoo: %s failed: %s", spelling, reason)
    return YahooResult(prices, ordered)


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
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Call ``yf.download`` with every argument explicit; return its frame and logged reasons."""
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
    return raw, _reasons(collector.records, set(symbols), caller_thread)


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
