"""Fault injection for ``rotation fetch``: yfinance's real code under a fake Yahoo, end to end.

Faults come in through the ``session=`` seam (``fakeyahoo.FakeYahooSession``: canned chart JSON,
404 for unknown symbols, 429, empty and non-JSON bodies, timeouts, DNS failures), so the whole
chain runs: yfinance's requests and parsing, the adapter's failure reasons, the refresh plan,
retries with backoff, the overlap merge, the atomic store, validation, the run report and the
fail-closed policy. ``sleep`` is always a recorder (never a real wait) and ``now`` is fixed:

* ``NOW``, Monday 2026-11-23 17:00 UTC, before the close: the last completed session is Friday
  2026-11-20;
* ``LATER``, Monday 2026-11-30 17:00 UTC: the last completed session is Friday 2026-11-27 (a half
  day; Thanksgiving, Thursday 2026-11-26, is closed).

Expected values are typed in by hand, never recomputed from the fake's payloads.
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from curl_cffi.requests.exceptions import DNSError

from fakeyahoo import (
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
from generator import calendar
from generator import fetch as fetch_module
from generator.config import DataPolicy
from generator.errors import DataError, SourceError
from generator.fetch import Outcome, refresh, run_fetch, update_store
from generator.frame import Failure
from generator.layout import RUN_REPORT
from generator.store import PriceStore
from generator.validate import check_series

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

NOW = pd.Timestamp("2026-11-23 17:00", tz="UTC")
LATER = pd.Timestamp("2026-11-30 17:00", tz="UTC")
MIDNIGHT = datetime.time(0, 0)
POLICY = DataPolicy(retries=3, backoff_seconds=5.0, overlap_sessions=10)

GONE = "possibly delisted; no timezone found"
RATE_LIMITED = "YFRateLimitError: Too Many Requests. Rate limited. Try after a while."


def days(start: str, end: str) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in calendar.sessions(pd.Timestamp(start), pd.Timestamp(end))]


HISTORY = days("2026-11-02", "2026-11-20")  # three weeks, 15 sessions
NEXT_WEEK = days("2026-11-23", "2026-11-27")  # 4 sessions: Thanksgiving is closed
assert len(HISTORY) == 15
assert NEXT_WEEK == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"]


def closes(n: int, first: float) -> list[float]:
    """Half steps: exact in binary, so stored values compare with ``==``."""
    return [first + 0.5 * i for i in range(n)]


def payload(symbol: str, dates: Sequence[str], first: float = 100.0, **kwargs: Any) -> dict:
    return chart_payload(symbol, dates, closes(len(dates), first), **kwargs)


def at_midnight(day: str) -> str:
    """``period1``/``period2`` as yfinance sends them: midnight New York, epoch seconds."""
    return str(epoch(day, MIDNIGHT))


class Sleeps:
    """A fake ``sleep``: records each wait and how many requests the session had seen by then."""

    def __init__(self, session: FakeYahooSession | None = None) -> None:
        self.session = session
        self.waits: list[float] = []
        self.marks: list[int] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.marks.append(len(self.session.requests) if self.session is not None else 0)

    def rounds(self) -> list[set[str]]:
        """Symbols asked about in each round of requests (split at each wait)."""
        assert self.session is not None
        edges = [0, *self.marks, len(self.session.requests)]
        return [
            {r.symbol for r in self.session.requests[lo:hi] if r.symbol is not None}
            for lo, hi in itertools.pairwise(edges)
        ]


def fetch(
    store: PriceStore,
    symbols: list[str],
    session: FakeYahooSession,
    *,
    now: pd.Timestamp = NOW,
    policy: DataPolicy = POLICY,
):
    sleeps = Sleeps(session)
    result, outcomes = update_store(
        store, symbols, "yahoo", policy=policy, session=session, now=now, sleep=sleeps
    )
    return result, outcomes, sleeps


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return PriceStore(tmp_path / "store")


@pytest.fixture(autouse=True)
def _no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact waits: these tests check the backoff schedule; tests/hostile checks the jitter."""
    monkeypatch.setattr(fetch_module, "JITTER", 0.0)


def snapshot(store: PriceStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(store.root.iterdir())}


# -- unknown symbols, rate limits, transient faults ---------------------------------------------


def test_unknown_symbol_fails_permanently_without_retries(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    session = yahoo_env.session({"SPY": payload("SPY", HISTORY), "IWN": payload("IWN", HISTORY)})

    result, outcomes, sleeps = fetch(store, ["SPY", "ZZZZ", "IWN"], session)

    assert outcomes == [
        Outcome("SPY", "new", "15 sessions"),
        Outcome("ZZZZ", "failed", GONE),
        Outcome("IWN", "new", "15 sessions"),
    ]
    assert sleeps.waits == []
    # Yahoo answered 404 to the timezone probe; no data request, no retry.
    assert session.data_requests("ZZZZ") == []
    assert {r.status for r in session.chart_requests("ZZZZ")} == {404}
    assert store.symbols() == ["IWN", "SPY"]
    assert result.missing == {"ZZZZ": GONE}
    assert list(result.series) == ["SPY", "IWN"]
    assert result.series["IWN"].tolist() == closes(15, 100.0)
    assert (result.expected, result.completed) == (pd.Timestamp("2026-11-20"),) * 2


def test_rate_limit_then_ok_retries_only_the_failed_symbol(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in ("SPY", "IWN", "IWF")},
        faults={"IWN": rate_limited(times=2)},  # yfinance itself retries a 429 once
    )

    _, outcomes, sleeps = fetch(store, ["SPY", "IWN", "IWF"], session)

    assert [o.action for o in outcomes] == ["new", "new", "new"]
    assert sleeps.waits == [5.0]
    first, second = sleeps.rounds()
    assert first == {"SPY", "IWN", "IWF"}
    assert second == {"IWN"}
    assert [len(session.data_requests(s)) for s in ("SPY", "IWN", "IWF")] == [1, 1, 1]
    assert store.read("IWN").tolist() == closes(15, 100.0)


@pytest.mark.parametrize(
    ("policy", "waits"),
    [
        (POLICY, [5.0, 10.0, 20.0]),
        (DataPolicy(retries=2, backoff_seconds=1.5), [1.5, 3.0]),
        (DataPolicy(retries=0), []),
    ],
    ids=["3-retries", "2-retries", "no-retry"],
)
def test_rate_limit_forever_fails_after_every_retry_round(
    yahoo_env: YahooEnv, store: PriceStore, policy: DataPolicy, waits: list[float]
) -> None:
    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in ("SPY", "IWN")}, faults={"IWN": rate_limited()}
    )

    result, outcomes, sleeps = fetch(store, ["SPY", "IWN"], session, policy=policy)

    assert outcomes == [
        Outcome("SPY", "new", "15 sessions"),
        Outcome("IWN", "failed", RATE_LIMITED),
    ]
    assert sleeps.waits == waits
    assert sleeps.rounds() == [{"SPY", "IWN"}] + [{"IWN"}] * len(waits)
    assert {r.status for r in session.chart_requests("IWN")} == {429}
    assert store.symbols() == ["SPY"]
    assert result.missing == {"IWN": RATE_LIMITED}


# What the request really got, as the adapter reports it (yfinance's own text, "possibly
# delisted; no timezone found (timezone lookup failed: Expecting value...)", hid the cause).
TRANSIENT = {
    "timeout": (timeout, "Timeout: Read timed out. (read timeout=30)"),
    "empty-body": (empty_body, "HTTP 200 OK from Yahoo with an empty body"),
    "not-json": (
        not_json,
        "HTTP 200 OK from Yahoo with a body that is not JSON: "
        "'<html><body>Something went wrong</body><'",
    ),
}


@pytest.mark.parametrize(("fault", "detail"), TRANSIENT.values(), ids=list(TRANSIENT))
def test_transient_fault_is_retried_and_then_succeeds(
    yahoo_env: YahooEnv,
    store: PriceStore,
    caplog: pytest.LogCaptureFixture,
    fault,
    detail: str,
) -> None:
    # Two hits: the timezone probe and yfinance's quoteSummary fallback both fail once.
    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in ("SPY", "IWN")}, faults={"IWN": fault(times=2)}
    )

    with caplog.at_level(logging.WARNING, logger="generator.sources.yahoo"):
        _, outcomes, sleeps = fetch(store, ["SPY", "IWN"], session)

    failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Yahoo: IWN")]
    assert len(failed) == 1  # the first round only
    assert failed[0].startswith("Yahoo: IWN failed: ")
    assert failed[0].endswith(detail)

    assert outcomes == [Outcome("SPY", "new", "15 sessions"), Outcome("IWN", "new", "15 sessions")]
    assert sleeps.waits == [5.0]
    assert sleeps.rounds() == [{"SPY", "IWN"}, {"IWN"}]
    assert store.read("IWN").tolist() == closes(15, 100.0)


@pytest.mark.parametrize(("fault", "detail"), TRANSIENT.values(), ids=list(TRANSIENT))
def test_transient_fault_forever_fails_with_the_last_reason(
    yahoo_env: YahooEnv, store: PriceStore, fault, detail: str
) -> None:
    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in ("SPY", "IWN")}, faults={"IWN": fault()}
    )

    result, outcomes, sleeps = fetch(store, ["SPY", "IWN"], session)

    reason = detail
    assert outcomes == [Outcome("SPY", "new", "15 sessions"), Outcome("IWN", "failed", reason)]
    assert sleeps.waits[0] == 5.0  # retried at least once
    assert store.symbols() == ["SPY"]
    assert result.missing == {"IWN": reason}


@pytest.mark.parametrize(("fault", "detail"), TRANSIENT.values(), ids=list(TRANSIENT))
def test_transient_fault_forever_is_retried_every_round(
    yahoo_env: YahooEnv, store: PriceStore, fault, detail: str
) -> None:
    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in ("SPY", "IWN")}, faults={"IWN": fault()}
    )

    _, outcomes, sleeps = fetch(store, ["SPY", "IWN"], session)

    assert outcomes[1].action == "failed"
    assert sleeps.waits == [5.0, 10.0, 20.0]


def test_timeouts_on_several_new_symbols_all_recover_on_retry(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    symbols = ["SPY", "IWN", "IWF", "QQQ"]
    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in symbols},
        faults={s: timeout(times=2) for s in symbols[1:]},
    )

    _, outcomes, sleeps = fetch(store, symbols, session)

    assert [o.action for o in outcomes] == ["new"] * 4
    # Without the quoteSummary fallback a symbol spends one fault per round, so two rounds.
    assert sleeps.waits in ([5.0], [5.0, 10.0])


# -- the provider unreachable --------------------------------------------------------------------

DNS_REASON = (
    "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. See "
    "https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)


def test_provider_unreachable_stops_at_once_and_leaves_the_store_untouched(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    symbols = ["SPY", "IWN", "IWF"]
    fetch(store, symbols[:2], yahoo_env.session({s: payload(s, HISTORY) for s in symbols}))
    before = snapshot(store)
    # A week later the DNS is gone: curl_cffi raises DNSError for every request.
    dns = DNSError(DNS_REASON)
    session = yahoo_env.session(
        {s: payload(s, HISTORY + NEXT_WEEK) for s in symbols},
        faults={s: Fault(raises=dns) for s in symbols},
    )
    sleeps = Sleeps(session)

    with pytest.raises(SourceError) as info:
        update_store(
            store, symbols, "yahoo", policy=POLICY, session=session, now=LATER, sleep=sleeps
        )

    assert str(info.value) == f"cannot reach the provider: DNSError: {DNS_REASON}"
    assert sleeps.waits == []
    assert snapshot(store) == before


class FakeProvider:
    """A ``Download`` answering from a script: per call, the prices and the failure reasons."""

    def __init__(
        self, answers: Sequence[tuple[dict[str, pd.Series], dict[str, str | Failure]]]
    ) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[list[str], datetime.date, datetime.date]] = []

    def __call__(self, symbols: list[str], start: datetime.date, end: datetime.date):
        self.calls.append((list(symbols), start, end))
        series, reasons = self.answers.pop(0)
        frame = pd.DataFrame({s: series[s] for s in symbols if s in series}, dtype="float64")
        return frame, {s: r for s, r in reasons.items() if s in symbols}


def week(values: Sequence[float], dates: Sequence[str] = HISTORY[-5:]) -> pd.Series:
    return pd.Series(list(values), index=pd.DatetimeIndex(dates, dtype="datetime64[ns]"))


def run_refresh(store: PriceStore, symbols: list[str], provider, **policy: Any):
    sleeps = Sleeps()
    outcomes = refresh(
        store,
        symbols,
        provider,
        target=pd.Timestamp("2026-11-20"),
        policy=POLICY.model_copy(update=policy),
        source="yahoo",
        sleep=sleeps,
    )
    return outcomes, sleeps.waits


@pytest.mark.parametrize(
    "reason",
    [
        "Could not resolve host: query2.finance.yahoo.com",
        "DNSError: Failed to perform, curl: (6) Could not resolve host",
        "ConnectionError: Failed to connect to query2.finance.yahoo.com port 443",
        "Network is unreachable",
    ],
)
def test_unreachable_on_the_first_request_raises_source_error(
    store: PriceStore, reason: str
) -> None:
    # The kind is the adapter's verdict from the exception class (DNSError, refused connection):
    # the text alone decides nothing any more.
    failure = Failure(reason, "unreachable")
    provider = FakeProvider([({}, {"SPY": failure, "IWN": failure})])

    with pytest.raises(SourceError, match=r"^cannot reach the provider: "):
        run_refresh(store, ["SPY", "IWN"], provider)

    assert len(provider.calls) == 1
    assert not store.root.exists()


def test_unreachable_for_some_symbols_only_is_an_ordinary_failure(store: PriceStore) -> None:
    dns = Failure("Could not resolve host: query2.finance.yahoo.com", "unreachable")
    ok = week([1.0, 2.0, 3.0, 4.0, 5.0])
    provider = FakeProvider([({"SPY": ok}, {"IWN": dns}), ({}, {"IWN": dns})])

    outcomes, waits = run_refresh(store, ["SPY", "IWN"], provider, retries=1)

    assert outcomes == [Outcome("SPY", "new", "5 sessions"), Outcome("IWN", "failed", dns.reason)]
    assert waits == [5.0]
    assert [c[0] for c in provider.calls] == [["SPY", "IWN"], ["IWN"]]


def test_unreachable_after_a_first_good_batch_is_not_fatal(store: PriceStore) -> None:
    dns = Failure("Could not resolve host: query2.finance.yahoo.com", "unreachable")
    ok = week([1.0, 2.0, 3.0, 4.0, 5.0])
    provider = FakeProvider([({"SPY": ok}, {}), ({}, {"IWN": dns}), ({}, {"IWN": dns})])

    outcomes, waits = run_refresh(store, ["SPY", "IWN"], provider, batch_size=1, retries=1)

    assert outcomes == [Outcome("SPY", "new", "5 sessions"), Outcome("IWN", "failed", dns.reason)]
    assert waits == [5.0]
    assert store.symbols() == ["SPY"]


# -- partial bars, gaps ---------------------------------------------------------------------------


class LiveBarSession(FakeYahooSession):
    """Yahoo appending today's live bar whatever ``period2`` says (yfinance issue #2895 family)."""

    def _chart(self, url: str, symbol: str, query: Mapping[str, str]) -> requests.Response:
        return super()._chart(url, symbol, {k: v for k, v in query.items() if k != "period2"})


def test_bar_of_the_session_in_progress_is_never_stored(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    dates = [*HISTORY, "2026-11-23"]  # Monday's bar, the session still trading at NOW
    half_filled = [*closes(15, 100.0), None]
    session = LiveBarSession(
        {
            # Half-filled: null prices, volume already counted.
            "SPY": chart_payload(
                "SPY",
                dates,
                half_filled,
                opens=half_filled,
                highs=half_filled,
                lows=half_filled,
                volumes=[1000] * 16,
            ),
            # A live price for the session in progress.
            "IWN": chart_payload("IWN", dates, closes(16, 50.0)),
        }
    )
    yahoo_env.sessions.append(session)

    result, outcomes, _ = fetch(store, ["SPY", "IWN"], session)

    assert [o.detail for o in outcomes] == ["15 sessions", "15 sessions"]
    for symbol, first in (("SPY", 100.0), ("IWN", 50.0)):
        assert store.meta(symbol).last_session == "2026-11-20"
        assert store.read(symbol).tolist() == closes(15, first)
        assert result.series[symbol].index[-1] == pd.Timestamp("2026-11-20")
    # Asked up to, not including, the day after the last completed session.
    assert {r.params["period2"] for r in session.data_requests()} == {at_midnight("2026-11-21")}


def test_half_filled_bar_of_the_last_session_is_dropped_and_reported_stale(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    half_filled = [*closes(14, 100.0), None]  # Friday's bar came without prices
    session = yahoo_env.session(
        {
            "SPY": payload("SPY", HISTORY),
            "IWN": chart_payload("IWN", HISTORY, half_filled, volumes=[1000] * 15),
        }
    )

    result, outcomes, _ = fetch(store, ["SPY", "IWN"], session)

    assert outcomes[1] == Outcome("IWN", "new", "14 sessions")
    assert store.meta("IWN").last_session == "2026-11-19"
    _, report = check_series(
        "IWN",
        result.series["IWN"],
        kind="price",
        expected=result.expected,
        policy=POLICY,
        completed=result.completed,
    )
    assert (report.status, report.sessions_behind) == ("stale", 1)
    assert report.reason == "last session 2026-11-19, 1 behind 2026-11-20"


def test_refresh_never_stores_a_bar_after_the_target(store: PriceStore) -> None:
    # A provider that ignores ``end``: its last bar is Monday's, after the target Friday.
    provider = FakeProvider(
        [({"SPY": week([1.0, 2.0, 3.0, 4.0, 5.0, 9.0], [*HISTORY[-5:], "2026-11-23"])}, {})]
    )

    outcomes, _ = run_refresh(store, ["SPY"], provider)

    assert outcomes == [Outcome("SPY", "new", "5 sessions")]
    assert store.read("SPY").tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert provider.calls[0][2] == datetime.date(2026, 11, 21)  # end is exclusive


def test_sessions_missing_at_yahoo_are_reported_then_filled_by_the_overlap(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    gap = [d for d in HISTORY if d != "2026-11-18"]
    values = dict(zip(HISTORY, closes(15, 100.0), strict=True))
    first = yahoo_env.session(
        {
            "SPY": payload("SPY", HISTORY),
            "IWN": chart_payload("IWN", gap, [values[d] for d in gap]),
        }
    )

    result, outcomes, _ = fetch(store, ["SPY", "IWN"], first)

    assert outcomes[1] == Outcome("IWN", "new", "14 sessions")
    assert pd.Timestamp("2026-11-18") not in store.read("IWN").index
    _, report = check_series(
        "IWN", result.series["IWN"], kind="price", expected=result.expected, policy=POLICY
    )
    assert report.status == "ok"
    assert report.issues == ("1 NYSE sessions missing: 2026-11-18",)

    # A week later Yahoo has the session again; the overlap window (from 2026-11-09) covers it.
    dates = HISTORY + NEXT_WEEK
    second = yahoo_env.session({s: payload(s, dates) for s in ("SPY", "IWN")})

    result, outcomes, _ = fetch(store, ["SPY", "IWN"], second, now=LATER)

    assert outcomes == [
        Outcome("SPY", "updated", "4 new sessions"),
        Outcome("IWN", "updated", "5 new sessions"),
    ]
    assert store.read("IWN").tolist() == closes(19, 100.0)
    assert list(store.read("IWN").index.strftime("%Y-%m-%d")) == dates
    _, report = check_series(
        "IWN", result.series["IWN"], kind="price", expected=result.expected, policy=POLICY
    )
    assert (report.status, report.issues) == ("ok", ())


# -- incremental refresh and re-scaled history ---------------------------------------------------


def test_incremental_refresh_asks_from_the_overlap_and_appends(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    fetch(store, ["SPY"], yahoo_env.session({"SPY": payload("SPY", HISTORY)}))
    first_meta = store.meta("SPY")
    session = yahoo_env.session({"SPY": payload("SPY", HISTORY + NEXT_WEEK)})

    result, outcomes, sleeps = fetch(store, ["SPY"], session, now=LATER)

    assert outcomes == [Outcome("SPY", "updated", "4 new sessions")]
    assert sleeps.waits == []
    (request,) = session.data_requests("SPY")
    # The 10 sessions of the overlap end on the last stored one, 2026-11-20: from 2026-11-09.
    assert request.params["period1"] == at_midnight("2026-11-09")
    assert request.params["period2"] == at_midnight("2026-11-28")
    back = store.read("SPY")
    assert list(back.index.strftime("%Y-%m-%d")) == HISTORY + NEXT_WEEK
    assert back.tolist() == closes(19, 100.0)
    meta = store.meta("SPY")
    assert (meta.first_session, meta.last_session, meta.source) == (
        "2026-11-02",
        "2026-11-27",
        "yahoo",
    )
    assert first_meta.last_session == "2026-11-20"
    assert datetime.datetime.fromisoformat(meta.fetched_at) >= datetime.datetime.fromisoformat(
        first_meta.fetched_at
    )
    pd.testing.assert_series_equal(result.series["SPY"], back)


def test_current_symbols_are_not_asked_again(yahoo_env: YahooEnv, store: PriceStore) -> None:
    fetch(store, ["SPY"], yahoo_env.session({"SPY": payload("SPY", HISTORY)}))
    before = snapshot(store)
    session = yahoo_env.session({"SPY": payload("SPY", HISTORY), "IWN": payload("IWN", HISTORY)})

    _, outcomes, _ = fetch(store, ["SPY", "IWN"], session)

    assert outcomes == [Outcome("SPY", "current"), Outcome("IWN", "new", "15 sessions")]
    assert session.data_requests("SPY") == []
    assert snapshot(store)["sym-SPY.parquet"] == before["sym-SPY.parquet"]


def test_fetched_at_is_the_given_now(yahoo_env: YahooEnv, store: PriceStore) -> None:
    fetch(store, ["SPY"], yahoo_env.session({"SPY": payload("SPY", HISTORY)}))

    assert store.meta("SPY").fetched_at == "2026-11-23T17:00:00+00:00"


def test_dividend_that_rescales_history_refetches_it_whole(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    fetch(
        store, ["SPY", "IWN"], yahoo_env.session({s: payload(s, HISTORY) for s in ("SPY", "IWN")})
    )
    dates = HISTORY + NEXT_WEEK
    raw = closes(19, 100.0)
    # SPY goes ex-dividend on 2026-11-23: Yahoo scales every earlier adjusted close by 0.98.
    adjusted = [c * 0.98 if d < "2026-11-23" else c for d, c in zip(dates, raw, strict=True)]
    # IWN's overlap moves by far less than rescale_tolerance (1e-4): an ordinary update.
    nudged = [c * (1 + 1e-6) for c in raw]
    session = yahoo_env.session(
        {
            "SPY": chart_payload("SPY", dates, raw, adjusted, dividends={"2026-11-23": 2.0}),
            "IWN": chart_payload("IWN", dates, raw, nudged),
        }
    )

    _, outcomes, sleeps = fetch(store, ["SPY", "IWN"], session, now=LATER)

    assert outcomes == [
        Outcome("SPY", "refetched", "adjusted history re-scaled"),
        Outcome("IWN", "updated", "4 new sessions"),
    ]
    assert sleeps.waits == []
    assert [r.params["period1"] for r in session.data_requests("SPY")] == [
        at_midnight("2026-11-09"),  # the overlap, which disagreed
        at_midnight("1990-01-02"),  # then the whole history
    ]
    assert len(session.data_requests("IWN")) == 1
    spy = store.read("SPY")
    assert list(spy.index.strftime("%Y-%m-%d")) == dates
    assert spy.tolist() == adjusted  # every date, including those before the overlap
    assert store.meta("SPY").first_session == "2026-11-02"
    iwn = store.read("IWN")
    # Before the overlap the stored closes stay; from it on, the fresh ones replace them.
    assert iwn.tolist() == raw[:5] + nudged[5:]


def test_rescaled_symbol_whose_refetch_fails_keeps_its_old_history(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    fetch(store, ["SPY"], yahoo_env.session({"SPY": payload("SPY", HISTORY)}))
    before = snapshot(store)
    dates = HISTORY + NEXT_WEEK
    raw = closes(19, 100.0)
    session = yahoo_env.session({"SPY": chart_payload("SPY", dates, raw, [c * 0.98 for c in raw])})
    answer = session._chart

    def throttled_after_the_overlap(url, symbol, query):
        # The overlap request gets through; from then on Yahoo throttles (the whole history).
        session.faults["SPY"] = rate_limited()
        return answer(url, symbol, query)

    session._chart = throttled_after_the_overlap  # type: ignore[method-assign]

    _, outcomes, sleeps = fetch(store, ["SPY"], session, now=LATER)

    assert outcomes == [Outcome("SPY", "failed", RATE_LIMITED)]
    assert sleeps.waits == [5.0, 10.0, 20.0]
    assert snapshot(store) == before


# -- run_fetch: run report and the fail-closed policy --------------------------------------------

UNIVERSE = ["SPY", "IWN", "IWF", "QQQ", "^TNX"]
RUN_DATES = days("2026-11-09", "2026-11-27")  # 14 sessions up to LATER's target


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "rotation.yml"
    path.write_text(
        "benchmark: SPY\n"
        "universe:\n"
        "  - {symbol: SPY, name: S&P 500}\n"
        "  - {symbol: IWN, name: Russell 2000 Value}\n"
        "  - {symbol: IWF, name: Russell 1000 Growth}\n"
        "  - {symbol: QQQ, name: Nasdaq-100}\n"
        "  - {symbol: ^TNX, name: 10-year Treasury yield, kind: yield}\n"
        "pairs:\n"
        "  - {a: IWN, b: IWF}\n"
        "data: {retries: 2, backoff_seconds: 2.0}\n",
        encoding="utf-8",
    )
    return path


def run_payloads(ends: Mapping[str, str] | None = None, drop: Sequence[str] = ()) -> dict:
    """Full data for the universe; a symbol in ``ends`` stops on that date; ``drop`` unknown."""
    ends = ends or {}
    out = {}
    for i, symbol in enumerate(UNIVERSE):
        if symbol in drop:
            continue
        dates = [d for d in RUN_DATES if d <= ends.get(symbol, "9999")]
        if symbol == "^TNX":
            out[symbol] = chart_payload(
                symbol, dates, [4.0 + 0.01 * k for k in range(len(dates))], instrument_type="INDEX"
            )
        else:
            out[symbol] = payload(symbol, dates, first=100.0 * (i + 1))
    return out


def report_json(tmp_path: Path) -> dict:
    return json.loads((tmp_path / RUN_REPORT).read_text(encoding="utf-8"))


def run(tmp_path: Path, session: FakeYahooSession) -> tuple[Sleeps, Any]:
    sleeps = Sleeps(session)
    result = run_fetch(write_config(tmp_path), "yahoo", session=session, now=LATER, sleep=sleeps)
    return sleeps, result


def test_run_fetch_reports_a_lagging_symbol_stale_counted_on_the_nyse_calendar(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    session = yahoo_env.session(run_payloads(ends={"QQQ": "2026-11-24"}))

    sleeps, result = run(tmp_path, session)

    assert [o.action for o in result.outcomes] == ["new"] * 5
    assert sleeps.waits == []
    qqq = result.run_report.status_of("QQQ")
    # 2026-11-25 and 2026-11-27: Thanksgiving does not count.
    assert (qqq.status, qqq.sessions_behind) == ("stale", 2)
    assert qqq.reason == "last session 2026-11-24, 2 behind 2026-11-27"
    data = report_json(tmp_path)
    assert data["counts"] == {"ok": 4, "stale": 1, "failed": 0}
    assert data["expected_session"] == "2026-11-27"
    assert data["source"] == "Yahoo Finance adjusted closes (yfinance)"
    assert [s["symbol"] for s in data["symbols"]] == UNIVERSE
    assert PriceStore(tmp_path / "data" / "store").symbols() == sorted(UNIVERSE)


def test_run_fetch_fails_closed_when_the_headline_pair_is_stale(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    session = yahoo_env.session(run_payloads(ends={"IWF": "2026-11-24"}))

    with pytest.raises(DataError) as info:
        run(tmp_path, session)

    assert str(info.value) == (
        "IWF (headline pair) is stale: last session 2026-11-24, 2 behind 2026-11-27"
    )
    data = report_json(tmp_path)  # written before the policy refused
    assert data["counts"] == {"ok": 4, "stale": 1, "failed": 0}
    assert data["symbols"][2]["status"] == "stale"
    # The store keeps what was fetched; nothing is published.
    assert PriceStore(tmp_path / "data" / "store").meta("IWF").last_session == "2026-11-24"
    assert not (tmp_path / "site").exists()
    assert sorted(p.name for p in (tmp_path / ".build").iterdir()) == [
        "rotation.lock",
        "run-report.json",
    ]


def test_run_fetch_fails_closed_when_too_many_symbols_failed(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    session = yahoo_env.session(run_payloads(drop=["QQQ"]))

    with pytest.raises(DataError) as info:
        run(tmp_path, session)

    assert str(info.value) == (
        f"1 of 5 symbols failed, more than data.max_failed_share 10%: QQQ ({GONE})"
    )
    data = report_json(tmp_path)
    assert data["counts"] == {"ok": 4, "stale": 0, "failed": 1}
    assert data["symbols"][3] == {
        "symbol": "QQQ",
        "status": "failed",
        "reason": GONE,
        "first_session": None,
        "last_session": None,
        "sessions_behind": 0,
        "issues": [],
    }
    assert not (tmp_path / "site").exists()


def test_run_fetch_fails_closed_when_the_benchmark_stays_rate_limited(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    session = yahoo_env.session(run_payloads(), faults={"SPY": rate_limited()})

    with pytest.raises(DataError) as info:
        run(tmp_path, session)

    assert str(info.value) == f"SPY (benchmark) failed: {RATE_LIMITED}"
    assert session.unexpected == []
    data = report_json(tmp_path)
    assert data["counts"] == {"ok": 4, "stale": 0, "failed": 1}
    assert data["symbols"][0]["reason"] == RATE_LIMITED


def test_run_fetch_waits_by_the_configured_backoff(yahoo_env: YahooEnv, tmp_path: Path) -> None:
    session = yahoo_env.session(run_payloads(), faults={"QQQ": rate_limited(times=2)})

    sleeps, result = run(tmp_path, session)

    assert sleeps.waits == [2.0]  # data.backoff_seconds in the config
    assert [o.action for o in result.outcomes] == ["new"] * 5
    assert report_json(tmp_path)["counts"] == {"ok": 5, "stale": 0, "failed": 0}


def test_a_failed_refresh_over_stored_data_is_kept_as_an_issue(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    first = yahoo_env.session(run_payloads())
    sleeps = Sleeps(first)
    run_fetch(write_config(tmp_path), "yahoo", session=first, now=NOW, sleep=sleeps)
    # A week later QQQ is throttled: its stored data (to 2026-11-20) is judged, and is stale.
    session = yahoo_env.session(run_payloads(), faults={"QQQ": rate_limited()})

    _, result = run(tmp_path, session)

    qqq = result.run_report.status_of("QQQ")
    assert qqq.status == "stale"
    assert qqq.reason == "last session 2026-11-20, 4 behind 2026-11-27"
    assert qqq.issues == (f"refresh failed: {RATE_LIMITED}",)
    actions = [o.action for o in result.outcomes]
    assert actions == ["updated", "updated", "updated", "failed", "updated"]


def test_a_new_member_is_fetched_for_the_years_breadth_uses_only(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    """A breadth list's new member is asked for five years before the target session (the
    Breadth page uses four), a universe symbol for its whole history; a stored member only for
    the overlap."""
    from generator.fetch import MEMBER_HISTORY_YEARS
    from generator.memberstore import MemberStore

    members = MemberStore(tmp_path / "members")
    session = yahoo_env.session({"AAA": payload("AAA", HISTORY)})
    sleeps = Sleeps(session)
    update_store(
        members,
        ["AAA"],
        "yahoo",
        policy=POLICY,
        session=session,
        now=NOW,
        sleep=sleeps,
        history_years=MEMBER_HISTORY_YEARS,
    )
    assert MEMBER_HISTORY_YEARS == 5
    assert [r.params["period1"] for r in session.data_requests("AAA")] == [
        at_midnight("2021-11-20")  # the target session, 2026-11-20, less five years
    ]
    assert members.load(["AAA"]).series["AAA"].index[0] == pd.Timestamp("2026-11-02")
    later = yahoo_env.session({"AAA": payload("AAA", HISTORY + NEXT_WEEK)})
    update_store(
        members,
        ["AAA"],
        "yahoo",
        policy=POLICY,
        session=later,
        now=LATER,
        sleep=Sleeps(later),
        history_years=MEMBER_HISTORY_YEARS,
    )
    assert [r.params["period1"] for r in later.data_requests("AAA")] == [at_midnight("2026-11-09")]


# -- the members phase: a time budget of its own, stopped at once by a rate-limit storm ----------

MEMBERS = ["AAA", "BBB", "CCC", "DDD", "EEE"]


class RequestClock:
    """A fake monotonic clock: ``per_symbol`` seconds pass with each symbol the session has
    been asked about (a slow provider), and each fake sleep's seconds."""

    def __init__(self, session: FakeYahooSession, sleeps: Sleeps, per_symbol: float) -> None:
        self.session, self.sleeps, self.per_symbol = session, sleeps, per_symbol

    def __call__(self) -> float:
        asked = {r.symbol for r in self.session.requests if r.symbol is not None}
        return self.per_symbol * len(asked) + sum(self.sleeps.waits)


def test_the_members_phase_stops_at_its_time_budget_and_keeps_what_it_fetched(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    """Batches of two, 100 s a member, a 250 s budget: the third batch is not asked for; the
    two fetched batches are stored, the fifth member is left as it was, and the error says so
    with the setting's name."""
    from generator.fetch import PhaseBudget
    from generator.memberstore import MemberStore

    members = MemberStore(tmp_path / "members")
    session = yahoo_env.session({s: payload(s, HISTORY) for s in MEMBERS})
    sleeps = Sleeps(session)
    clock = RequestClock(session, sleeps, per_symbol=100.0)
    phase = PhaseBudget.starting_now(250.0, "data.members_budget_seconds", clock)
    with pytest.raises(SourceError) as info:
        update_store(
            members,
            MEMBERS,
            "yahoo",
            policy=POLICY.model_copy(update={"batch_size": 2}),
            session=session,
            now=NOW,
            sleep=sleeps,
            phase=phase,
        )
    assert str(info.value) == (
        "its time budget (data.members_budget_seconds: 250 s) is spent: 1 symbol not fetched, "
        "their stored data unchanged; the next run goes on from there"
    )
    assert {r.symbol for r in session.requests} - {None} == {"AAA", "BBB", "CCC", "DDD"}
    assert MemberStore(tmp_path / "members").symbols() == ["AAA", "BBB", "CCC", "DDD"]
    assert sleeps.waits == []


def test_a_retry_that_would_end_past_the_members_budget_is_not_waited_for(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    """A member that times out would be retried after 5 s; with 3 s of the budget left the
    phase does not wait: that member fails, the others are stored."""
    from generator.fetch import PhaseBudget
    from generator.memberstore import MemberStore

    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in MEMBERS[:3]}, faults={"CCC": timeout()}
    )
    sleeps = Sleeps(session)
    clock = RequestClock(session, sleeps, per_symbol=1.0)
    phase = PhaseBudget.starting_now(6.0, "data.members_budget_seconds", clock)
    members = MemberStore(tmp_path / "members")
    _, outcomes = update_store(
        members,
        MEMBERS[:3],
        "yahoo",
        policy=POLICY,
        session=session,
        now=NOW,
        sleep=sleeps,
        phase=phase,
    )
    assert [o.action for o in outcomes] == ["new", "new", "failed"]
    assert sleeps.waits == []
    assert members.symbols() == ["AAA", "BBB"]


def test_a_rate_limit_storm_stops_the_members_at_once_never_the_universe(
    yahoo_env: YahooEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Yahoo answers the universe, then refuses every member with HTTP 429: the fetch passes
    with the universe stored and its run report written, the members phase waits for nothing
    and says so in one warning, and the members' store is not created."""
    config = write_config(tmp_path)
    (tmp_path / "members.csv").write_text("ticker,sector\nAAA,\nBBB,\nCCC,\n", encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text
        + "breadth:\n  equal_weight: QQQ\n  lists:\n    - {name: Tiny index, file: members.csv}\n",
        encoding="utf-8",
    )
    session = yahoo_env.session(
        run_payloads(), faults={s: rate_limited() for s in ("AAA", "BBB", "CCC")}
    )
    sleeps = Sleeps(session)
    with caplog.at_level(logging.WARNING, logger="generator.fetch"):
        result = run_fetch(config, "yahoo", session=session, now=LATER, sleep=sleeps)
    assert [o.action for o in result.outcomes] == ["new"] * 5
    assert report_json(tmp_path)["counts"] == {"ok": 5, "stale": 0, "failed": 0}
    assert result.members == []
    assert sleeps.waits == []
    assert [r.getMessage() for r in caplog.records if r.name == "generator.fetch"] == [
        "members not all refreshed (breadth uses the prices stored): Yahoo is rate-limiting: it "
        "answered HTTP 429 to every request, so this part of the fetch stopped at once; "
        "3 symbols not fetched, their stored data unchanged; the next run goes on from there"
    ]
    assert not (tmp_path / "data" / "members").exists()


def test_a_members_budget_of_zero_fetches_no_member(
    yahoo_env: YahooEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path)
    (tmp_path / "members.csv").write_text("ticker,sector\nAAA,\n", encoding="utf-8")
    text = config.read_text(encoding="utf-8").replace(
        "data: {retries: 2, backoff_seconds: 2.0}", "data: {members_budget_seconds: 0}"
    )
    config.write_text(
        text
        + "breadth:\n  equal_weight: QQQ\n  lists:\n    - {name: Tiny index, file: members.csv}\n",
        encoding="utf-8",
    )
    session = yahoo_env.session(run_payloads())
    with caplog.at_level(logging.WARNING, logger="generator.fetch"):
        result = run_fetch(config, "yahoo", session=session, now=LATER, sleep=Sleeps(session))
    assert result.members == []
    assert "AAA" not in {r.symbol for r in session.requests}
    assert [r.getMessage() for r in caplog.records if r.name == "generator.fetch"] == [
        "members not refreshed: data.members_budget_seconds is 0"
    ]
