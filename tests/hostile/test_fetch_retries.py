"""Hostile faults of the network under ``rotation fetch``: every one through the fake Yahoo session.

yfinance's real code runs under :class:`fakeyahoo.FakeYahooSession` (the ``session=`` seam), so
each fault reaches the fetch the way production sees it: a status and a body, or an exception
raised by the session. Each case asserts the exact outcome: the action and reason of every
symbol, the waits (never real: ``sleep`` is a recorder), the store's bytes, or the exact error.

Faults that pass ("then success") last until the fetch first waits: Yahoo recovers meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from curl_cffi.requests.exceptions import DNSError

from fakeyahoo import (
    FakeYahooSession,
    Fault,
    YahooEnv,
    chart_payload,
    empty_body,
    rate_limited,
    timeout,
)
from generator import calendar
from generator import fetch as fetch_module
from generator.config import DataPolicy
from generator.errors import DataError, SourceError
from generator.fetch import Outcome, run_fetch, update_store
from generator.store import PriceStore

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

NOW = pd.Timestamp("2026-11-23 17:00", tz="UTC")  # last completed session: Fri 2026-11-20
LATER = pd.Timestamp("2026-11-30 17:00", tz="UTC")  # last completed session: Fri 2026-11-27
POLICY = DataPolicy(retries=3, backoff_seconds=5.0, overlap_sessions=10)
RATE_LIMITED = "YFRateLimitError: Too Many Requests. Rate limited. Try after a while."


def days(start: str, end: str) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in calendar.sessions(pd.Timestamp(start), pd.Timestamp(end))]


HISTORY = days("2026-11-02", "2026-11-20")  # 15 sessions
NEXT_WEEK = days("2026-11-23", "2026-11-27")  # 4 sessions


def closes(n: int, first: float) -> list[float]:
    return [first + 0.5 * i for i in range(n)]


def payload(symbol: str, dates: Sequence[str], first: float = 100.0, **kwargs: Any) -> dict:
    return chart_payload(symbol, dates, closes(len(dates), first), **kwargs)


class Waits:
    """A fake ``sleep``: records each wait and runs ``on_wait`` (Yahoo recovering meanwhile)."""

    def __init__(self, on_wait: Callable[[], None] | None = None) -> None:
        self.waits: list[float] = []
        self.on_wait = on_wait

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.on_wait is not None:
            self.on_wait()


def assert_backoff(waits: Sequence[float], nominal: Sequence[float]) -> None:
    """Each wait is its nominal backoff plus at most 25 % jitter."""
    assert len(waits) == len(nominal), waits
    for wait, base in zip(waits, nominal, strict=True):
        assert base <= wait <= base * 1.25, (waits, nominal)


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return PriceStore(tmp_path / "store")


def snapshot(store: PriceStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(store.root.iterdir())}


def fetch(store, symbols, session, waits, *, now=NOW, policy=POLICY):
    return update_store(
        store, symbols, "yahoo", policy=policy, session=session, now=now, sleep=waits
    )


RESET = "Failed to perform, curl: (56) Recv failure: Connection reset by peer"
REFUSED = (
    "Failed to perform, curl: (7) Failed to connect to query2.finance.yahoo.com port 443 after "
    "3 ms: Couldn't connect to server"
)
DNS = (
    "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. See "
    "https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)
GARBAGE = b"\xff\xfe\xfd\xfc"  # no UTF-8, no JSON

# fault, the reason the symbol fails with when the fault lasts
TRANSIENT: dict[str, tuple[Fault, str]] = {
    "500": (Fault(500, "Internal Server Error"), "HTTP 500 Internal Server Error from Yahoo"),
    "502": (Fault(502, "<html>Bad Gateway</html>"), "HTTP 502 Bad Gateway from Yahoo"),
    "503": (Fault(503, "Service Unavailable"), "HTTP 503 Service Unavailable from Yahoo"),
    "timeout": (timeout(), "Timeout: Read timed out. (read timeout=30)"),
    "connection-reset": (
        Fault(raises=CurlConnectionError(RESET, code=56)),
        f"ConnectionError: {RESET}",
    ),
    "empty-body": (empty_body(), "HTTP 200 OK from Yahoo with an empty body"),
    "garbage-body": (
        Fault(200, GARBAGE),
        "HTTP 200 OK from Yahoo with a body that is not JSON: '\ufffd\ufffd\ufffd\ufffd'",
    ),
    "invalid-json": (
        Fault(200, '{"chart": {"result": [{"meta": '),
        """HTTP 200 OK from Yahoo with a body that is not JSON: '{"chart": {"result": [{"meta":'""",
    ),
}


@pytest.mark.parametrize("stored", [False, True], ids=["new-symbol", "weekly-refresh"])
@pytest.mark.parametrize(("fault", "reason"), TRANSIENT.values(), ids=list(TRANSIENT))
def test_transient_fault_then_success_is_retried_and_stored(
    yahoo_env: YahooEnv, store: PriceStore, fault: Fault, reason: str, stored: bool
) -> None:
    """A new symbol meets the fault at yfinance's timezone probe; a stored one (the weekly run:
    its timezone is cached) at the data request, which yfinance reports "possibly delisted"."""
    now, dates, detail = NOW, HISTORY, "15 sessions"
    if stored:
        first = yahoo_env.session({s: payload(s, HISTORY) for s in ("SPY", "IWN")})
        fetch(store, ["SPY", "IWN"], first, Waits())
        now, dates, detail = LATER, HISTORY + NEXT_WEEK, "4 new sessions"
    session = yahoo_env.session(
        {s: payload(s, dates) for s in ("SPY", "IWN")}, faults={"IWN": fault}
    )
    waits = Waits(on_wait=session.faults.clear)

    result, outcomes = fetch(store, ["SPY", "IWN"], session, waits, now=now)

    action = "updated" if stored else "new"
    assert outcomes == [Outcome("SPY", action, detail), Outcome("IWN", action, detail)]
    assert_backoff(waits.waits, [5.0])
    assert store.read("IWN").tolist() == closes(len(dates), 100.0)
    assert result.missing == {}


@pytest.mark.parametrize(("fault", "reason"), TRANSIENT.values(), ids=list(TRANSIENT))
def test_transient_fault_forever_fails_after_every_retry_with_its_real_cause(
    yahoo_env: YahooEnv, store: PriceStore, fault: Fault, reason: str
) -> None:
    fetch(
        store,
        ["SPY", "IWN"],
        yahoo_env.session({s: payload(s, HISTORY) for s in ("SPY", "IWN")}),
        Waits(),
    )
    before = snapshot(store)
    session = yahoo_env.session(
        {s: payload(s, HISTORY + NEXT_WEEK) for s in ("SPY", "IWN")}, faults={"IWN": fault}
    )
    waits = Waits()

    result, outcomes = fetch(store, ["SPY", "IWN"], session, waits, now=LATER)

    assert outcomes == [
        Outcome("SPY", "updated", "4 new sessions"),
        Outcome("IWN", "failed", reason),
    ]
    assert_backoff(waits.waits, [5.0, 10.0, 20.0])
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]
    # The refresh failed; the stored history is still there (validation then judges it stale).
    assert result.missing == {"IWN": reason}
    assert result.series["IWN"].index[-1] == pd.Timestamp("2026-11-20")


def test_rate_limit_then_success_is_retried(yahoo_env: YahooEnv, store: PriceStore) -> None:
    session = yahoo_env.session(
        {s: payload(s, HISTORY) for s in ("SPY", "IWN")}, faults={"IWN": rate_limited()}
    )
    waits = Waits(on_wait=session.faults.clear)

    _, outcomes = fetch(store, ["SPY", "IWN"], session, waits)

    assert outcomes == [Outcome("SPY", "new", "15 sessions"), Outcome("IWN", "new", "15 sessions")]
    assert_backoff(waits.waits, [5.0])


def test_rate_limit_storm_stops_the_run_within_the_budget_and_keeps_the_store(
    yahoo_env: YahooEnv, store: PriceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "JITTER", 0.0, raising=False)  # exact seconds in the message
    symbols = ["SPY", "IWN", "IWF"]
    fetch(store, symbols, yahoo_env.session({s: payload(s, HISTORY) for s in symbols}), Waits())
    before = snapshot(store)
    session = yahoo_env.session(
        {s: payload(s, HISTORY + NEXT_WEEK) for s in symbols},
        faults={s: rate_limited() for s in symbols},
    )
    waits = Waits()
    policy = POLICY.model_copy(update={"retry_budget_seconds": 100.0})

    with pytest.raises(SourceError) as info:
        fetch(store, symbols, session, waits, now=LATER, policy=policy)

    assert str(info.value) == (
        "Yahoo is rate-limiting: it answered HTTP 429 to every request and still did after 75 s "
        "of waiting in total (data.retry_budget_seconds: 100); 3 symbols not fetched, their "
        "stored data unchanged; run the fetch again later"
    )
    assert "\n" not in str(info.value)
    # Past `retries` (3): a storm is waited out by the budget, 5+10+20+40 s; 80 more would not fit.
    assert waits.waits == [5.0, 10.0, 20.0, 40.0]
    assert snapshot(store) == before


def test_rate_limit_storm_waits_with_jitter_inside_the_budget(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    session = yahoo_env.session({}, faults={"SPY": rate_limited()})
    waits = Waits()

    with pytest.raises(
        SourceError,
        match=r"^Yahoo is rate-limiting: .*\(data\.retry_budget_seconds: 300\); 1 symbol not",
    ):
        fetch(store, ["SPY"], session, waits)

    # Nominal 5, 10, 20, 40, 80 (155 s); the next, 160, would pass 300 s.
    assert_backoff(waits.waits, [5.0, 10.0, 20.0, 40.0, 80.0])
    assert sum(waits.waits) <= 300.0
    assert len(set(waits.waits)) == 5
    assert not store.root.exists()


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (DNSError(DNS), f"DNSError: {DNS}"),
        (CurlConnectionError(REFUSED, code=7), f"ConnectionError: {REFUSED}"),
    ],
    ids=["dns-failure", "connection-refused"],
)
def test_unreachable_provider_stops_at_once(
    yahoo_env: YahooEnv, store: PriceStore, error: Exception, text: str
) -> None:
    symbols = ["SPY", "IWN", "IWF"]
    fetch(store, symbols[:2], yahoo_env.session({s: payload(s, HISTORY) for s in symbols}), Waits())
    before = snapshot(store)
    session = yahoo_env.session(
        {s: payload(s, HISTORY + NEXT_WEEK) for s in symbols},
        faults={s: Fault(raises=error) for s in symbols},
    )
    waits = Waits()

    with pytest.raises(SourceError) as info:
        fetch(store, symbols, session, waits, now=LATER)

    assert str(info.value) == f"cannot reach the provider: {text}"
    assert waits.waits == []
    assert snapshot(store) == before


def test_unknown_symbol_is_permanent_and_not_retried(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    session = yahoo_env.session({"SPY": payload("SPY", HISTORY)})
    waits = Waits()

    _, outcomes = fetch(store, ["SPY", "ZZZZ"], session, waits)

    assert outcomes == [
        Outcome("SPY", "new", "15 sessions"),
        Outcome("ZZZZ", "failed", "possibly delisted; no timezone found"),
    ]
    assert waits.waits == []
    assert session.data_requests("ZZZZ") == []


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "rotation.yml"
    path.write_text(
        "benchmark: SPY\n"
        "universe:\n"
        "  - {symbol: SPY, name: S&P 500}\n"
        "  - {symbol: IWN, name: Russell 2000 Value}\n"
        "  - {symbol: IWF, name: Russell 1000 Growth}\n"
        "pairs:\n"
        "  - {a: IWN, b: IWF}\n"
        "data: {retries: 2, backoff_seconds: 2.0}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "fault", [Fault(503, "Service Unavailable"), timeout()], ids=["503", "timeout"]
)
def test_a_transient_error_on_the_benchmark_no_longer_aborts_the_weekly_run(
    yahoo_env: YahooEnv, tmp_path: Path, fault: Fault
) -> None:
    symbols = ("SPY", "IWN", "IWF")
    dates = days("2026-11-02", "2026-11-27")
    first = yahoo_env.session({s: payload(s, dates[:-4]) for s in symbols})
    run_fetch(write_config(tmp_path), "yahoo", session=first, now=NOW, sleep=Waits())
    # The next week's run: Yahoo answers the benchmark's data request with a transient fault.
    session = yahoo_env.session({s: payload(s, dates) for s in symbols}, faults={"SPY": fault})
    waits = Waits(on_wait=session.faults.clear)

    result = run_fetch(write_config(tmp_path), "yahoo", session=session, now=LATER, sleep=waits)

    assert [o.action for o in result.outcomes] == ["updated", "updated", "updated"]
    assert_backoff(waits.waits, [2.0])
    assert result.run_report.status_of("SPY").status == "ok"


def test_a_benchmark_rate_limited_for_good_still_fails_closed(
    yahoo_env: YahooEnv, tmp_path: Path
) -> None:
    dates = days("2026-11-09", "2026-11-27")
    session = yahoo_env.session(
        {s: payload(s, dates) for s in ("SPY", "IWN", "IWF")}, faults={"SPY": rate_limited()}
    )

    with pytest.raises(DataError) as info:
        run_fetch(write_config(tmp_path), "yahoo", session=session, now=LATER, sleep=Waits())

    assert str(info.value) == f"SPY (benchmark) failed: {RATE_LIMITED}"


def test_the_fake_raises_what_production_would(yahoo_env: YahooEnv) -> None:
    """The faults above are the transport's own exception classes, not look-alikes."""
    assert isinstance(requests.Timeout("x"), OSError)
    assert issubclass(DNSError, CurlConnectionError)
    session = FakeYahooSession({}, faults={"SPY": Fault(raises=DNSError(DNS))})
    with pytest.raises(DNSError):
        session.get("https://query2.finance.yahoo.com/v8/finance/chart/SPY")
