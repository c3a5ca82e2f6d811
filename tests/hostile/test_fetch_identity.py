"""Hostile data under ``rotation fetch``: another symbol's bars, another currency, a swapped file,
a re-scale that is not one. Through the fake Yahoo session and through ``--source csv:DIR``.

Each case starts from a store filled at ``NOW`` (history to Friday 2026-11-20) and refreshes it a
week later (``LATER``, target Friday 2026-11-27). It asserts the exact outcome of each symbol and
that a refused refresh leaves the store file byte-identical.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fakeyahoo import YahooEnv, chart_payload
from generator import calendar
from generator.config import DataPolicy
from generator.errors import DataError
from generator.fetch import Outcome, update_store
from generator.store import PriceStore

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

NOW = pd.Timestamp("2026-11-23 17:00", tz="UTC")
LATER = pd.Timestamp("2026-11-30 17:00", tz="UTC")
POLICY = DataPolicy(retries=3, backoff_seconds=5.0, overlap_sessions=10)


def days(start: str, end: str) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in calendar.sessions(pd.Timestamp(start), pd.Timestamp(end))]


HISTORY = days("2026-11-02", "2026-11-20")  # 15 sessions
NEXT_WEEK = days("2026-11-23", "2026-11-27")  # 4 sessions
DATES = HISTORY + NEXT_WEEK
OVERLAP = "2026-11-09..2026-11-20 (10 sessions)"  # the last 10 stored sessions

# Two ETFs with different daily returns; half steps are exact in binary.
IWN = [100.0 + 0.5 * i for i in range(len(DATES))]
IWF = [300.0 + (1.5 if i % 2 else -0.5) * i for i in range(len(DATES))]


def no_wait(seconds: float) -> None:
    raise AssertionError(f"no retry expected, asked to wait {seconds} s")


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return PriceStore(tmp_path / "store")


def snapshot(store: PriceStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(store.root.iterdir())}


def yahoo(store: PriceStore, env: YahooEnv, payloads: Mapping[str, dict], now: pd.Timestamp):
    session = env.session(payloads)
    _, outcomes = update_store(
        store, list(payloads), "yahoo", policy=POLICY, session=session, now=now, sleep=no_wait
    )
    return outcomes, session


def first_fetch(store: PriceStore, env: YahooEnv, **kwargs: Any) -> dict[str, bytes]:
    """IWN and IWF stored to 2026-11-20, as Yahoo gave them (ETF, USD)."""
    yahoo(
        store,
        env,
        {
            "IWN": chart_payload("IWN", HISTORY, IWN[:15], instrument_type="ETF", **kwargs),
            "IWF": chart_payload("IWF", HISTORY, IWF[:15], instrument_type="ETF"),
        },
        NOW,
    )
    return snapshot(store)


def later(iwn: dict, env: YahooEnv, store: PriceStore):
    """The refresh a week later: IWN as given, IWF as it should be."""
    return yahoo(
        store,
        env,
        {"IWN": iwn, "IWF": chart_payload("IWF", DATES, IWF, instrument_type="ETF")},
        LATER,
    )


# -- identity of the data Yahoo answers with -------------------------------------------------------


def test_first_fetch_records_symbol_currency_and_instrument_type(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    first_fetch(store, yahoo_env)

    meta = store.meta("IWN")
    assert (meta.symbol, meta.currency, meta.instrument_type) == ("IWN", "USD", "ETF")


def test_wrong_symbols_chart_is_refused_and_the_store_kept(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    before = first_fetch(store, yahoo_env)
    # Yahoo answers IWN's request with IWF's chart (its meta says IWF).
    outcomes, _ = later(chart_payload("IWF", DATES, IWF, instrument_type="ETF"), yahoo_env, store)

    assert outcomes == [
        Outcome("IWN", "failed", "Yahoo answered IWN with the chart of IWF"),
        Outcome("IWF", "updated", "4 new sessions"),
    ]
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]


def test_wrong_symbols_bars_under_the_right_name_are_a_conflict(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    before = first_fetch(store, yahoo_env)
    # IWF's closes, labelled IWN: only the daily returns tell.
    outcomes, session = later(
        chart_payload("IWN", DATES, IWF, instrument_type="ETF"), yahoo_env, store
    )

    assert outcomes == [
        Outcome(
            "IWN",
            "failed",
            f"yahoo closes for IWN conflict with its stored history over the overlap {OVERLAP}: "
            "their daily returns differ (up to 6.92% apart beyond one constant factor), so they "
            "are not the same series re-scaled; the stored history is kept",
        ),
        Outcome("IWF", "updated", "4 new sessions"),
    ]
    assert len(session.data_requests("IWN")) == 1  # no whole-history re-fetch
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"currency": "GBp"},
            "yahoo now gives IWN in currency GBp, the stored history is in USD: not the same "
            "instrument or unit; the stored history is kept",
        ),
        (
            {"instrument_type": "MUTUALFUND"},
            "yahoo now gives IWN in instrument type MUTUALFUND, the stored history is in ETF: not "
            "the same instrument or unit; the stored history is kept",
        ),
    ],
    ids=["currency", "instrument-type"],
)
def test_another_currency_or_type_fails_the_symbol_and_keeps_its_history(
    yahoo_env: YahooEnv, store: PriceStore, change: dict, reason: str
) -> None:
    before = first_fetch(store, yahoo_env)
    iwn = chart_payload("IWN", DATES, IWN, **{"instrument_type": "ETF", **change})

    outcomes, _ = later(iwn, yahoo_env, store)

    assert outcomes == [
        Outcome("IWN", "failed", reason),
        Outcome("IWF", "updated", "4 new sessions"),
    ]
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]


def test_an_older_file_without_currency_gets_it_recorded(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    closes = pd.Series(IWN[:15], index=pd.DatetimeIndex(HISTORY, dtype="datetime64[ns]"))
    store.write("IWN", closes, source="yahoo", fetched_at=NOW.to_pydatetime())
    assert store.meta("IWN").currency == ""

    outcomes, _ = yahoo(
        store, yahoo_env, {"IWN": chart_payload("IWN", DATES, IWN, instrument_type="ETF")}, LATER
    )

    assert outcomes == [Outcome("IWN", "updated", "4 new sessions")]
    assert (store.meta("IWN").currency, store.meta("IWN").instrument_type) == ("USD", "ETF")


# -- re-scale or conflict --------------------------------------------------------------------------


def test_a_genuine_rescale_of_the_whole_history_is_accepted(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    first_fetch(store, yahoo_env)
    adjusted = [c * 0.98 for c in IWN]  # a dividend: every close scaled by one factor

    outcomes, session = later(
        chart_payload("IWN", DATES, IWN, adjusted, instrument_type="ETF"), yahoo_env, store
    )

    assert outcomes == [
        Outcome("IWN", "refetched", "adjusted history re-scaled"),
        Outcome("IWF", "updated", "4 new sessions"),
    ]
    assert len(session.data_requests("IWN")) == 2  # the overlap, then the whole history
    assert store.read("IWN").tolist() == adjusted


def test_a_rescaled_overlap_whose_whole_history_is_not_the_same_series_is_refused(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    before = first_fetch(store, yahoo_env)
    # The overlap is IWN x 0.98, but the sessions before it are another series.
    adjusted = [
        c * 0.98 if d >= "2026-11-09" else 50.0 + i
        for i, (d, c) in enumerate(zip(DATES, IWN, strict=True))
    ]

    outcomes, session = later(
        chart_payload("IWN", DATES, IWN, adjusted, instrument_type="ETF"), yahoo_env, store
    )

    assert outcomes[0] == Outcome(
        "IWN",
        "failed",
        "yahoo closes for IWN conflict with its stored history over the whole re-fetched "
        "history 2026-11-02..2026-11-20 (15 sessions): their daily returns differ (up to 48.98% "
        "apart beyond one constant factor), so they are not the same series re-scaled; the "
        "stored history is kept",
    )
    assert len(session.data_requests("IWN")) == 2
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]


def test_a_jump_of_100_times_is_refused_as_a_change_of_unit(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    before = first_fetch(store, yahoo_env)
    pence = [c * 100 for c in IWN]  # the same returns, quoted in pence

    outcomes, _ = later(chart_payload("IWN", DATES, pence, instrument_type="ETF"), yahoo_env, store)

    assert outcomes[0] == Outcome(
        "IWN",
        "failed",
        f"yahoo closes for IWN are 100 times its stored history over the overlap {OVERLAP}: a "
        "jump beyond [1/3, 3] is a change of unit or instrument (pence for pounds?), not a "
        "dividend re-scale; the stored history is kept (after a large split, remove its store "
        "file to fetch it anew)",
    )
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]


def test_an_overlap_without_a_common_session_is_a_conflict(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    before = first_fetch(store, yahoo_env)
    # Yahoo lost every session before 2026-11-23: nothing to compare the new week with.
    outcomes, _ = later(
        chart_payload("IWN", NEXT_WEEK, IWN[15:], instrument_type="ETF"), yahoo_env, store
    )

    assert outcomes[0] == Outcome(
        "IWN",
        "failed",
        "yahoo closes for IWN share no session with its stored history (2026-11-02..2026-11-20) "
        "in the overlap from 2026-11-23..2026-11-27: cannot check they are the same series; "
        "the stored history is kept",
    )
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]


# -- a swapped store file ------------------------------------------------------------------------


def test_a_store_file_copied_over_another_symbols_is_refused(
    yahoo_env: YahooEnv, store: PriceStore
) -> None:
    first_fetch(store, yahoo_env)
    shutil.copyfile(store.path("IWF"), store.path("IWN"))  # a valid file: its checksum is fine
    swapped = store.path("IWN").read_bytes()
    reason = (
        f"{store.path('IWN')}: holds the history of 'IWF', not of 'IWN' (a store file copied "
        "over another?); remove it to fetch IWN again"
    )

    with pytest.raises(DataError) as info:
        store.read("IWN")
    assert str(info.value) == reason
    with pytest.raises(DataError) as info:
        store.meta("IWN")
    assert str(info.value) == reason
    loaded = store.load(["IWN", "IWF"])
    assert loaded.missing == {"IWN": reason.replace(f"{store.root}/", "")}
    assert list(loaded.series) == ["IWF"]

    outcomes, session = later(
        chart_payload("IWN", DATES, IWN, instrument_type="ETF"), yahoo_env, store
    )

    assert outcomes == [
        Outcome("IWN", "failed", reason),
        Outcome("IWF", "updated", "4 new sessions"),
    ]
    assert session.data_requests("IWN") == []
    assert store.path("IWN").read_bytes() == swapped


# -- the same rule for --source csv:DIR ----------------------------------------------------------


def write_csv(folder: Path, symbol: str, dates: Sequence[str], values: Sequence[float]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{d},{v!r}\n" for d, v in zip(dates, values, strict=True))
    (folder / f"{symbol}.csv").write_text("Date,Close\n" + rows, encoding="utf-8")


def csv_import(store: PriceStore, folder: Path) -> list[Outcome]:
    _, outcomes = update_store(store, ["IWN", "IWF"], f"csv:{folder}", policy=POLICY, sleep=no_wait)
    return outcomes


@pytest.fixture
def csv_store(tmp_path: Path, store: PriceStore) -> Callable[[list[float]], tuple]:
    """Import IWN and IWF to 2026-11-20 from one folder, then IWN as given (and IWF as it was,
    extended) from a second folder; return the second import's outcomes and the bytes before."""

    def run(iwn: list[float]) -> tuple[list[Outcome], dict[str, bytes], Path]:
        first = tmp_path / "first"
        write_csv(first, "IWN", HISTORY, IWN[:15])
        write_csv(first, "IWF", HISTORY, IWF[:15])
        assert [o.action for o in csv_import(store, first)] == ["new", "new"]
        before = snapshot(store)
        second = tmp_path / "second"
        write_csv(second, "IWN", DATES, iwn)
        write_csv(second, "IWF", DATES, IWF)
        return csv_import(store, second), before, second

    return run


def test_csv_genuine_rescale_is_accepted(csv_store, store: PriceStore) -> None:
    adjusted = [c * 0.98 for c in IWN]

    outcomes, _, _ = csv_store(adjusted)

    assert outcomes == [
        Outcome("IWN", "refetched", "adjusted history re-scaled"),
        Outcome("IWF", "updated", "4 new sessions"),
    ]
    assert store.read("IWN").tolist() == adjusted


def test_csv_conflict_fails_and_keeps_the_store(csv_store, store: PriceStore) -> None:
    outcomes, before, folder = csv_store(IWF)  # IWF's closes in IWN.csv

    assert outcomes == [
        Outcome(
            "IWN",
            "failed",
            f"csv:{folder} closes for IWN conflict with its stored history over the overlap "
            f"{OVERLAP}: their daily returns differ (up to 6.92% apart beyond one constant "
            "factor), so they are not the same series re-scaled; the stored history is kept",
        ),
        Outcome("IWF", "updated", "4 new sessions"),
    ]
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]


def test_csv_jump_of_100_times_is_refused(csv_store, store: PriceStore) -> None:
    outcomes, before, folder = csv_store([c * 100 for c in IWN])

    assert outcomes[0] == Outcome(
        "IWN",
        "failed",
        f"csv:{folder} closes for IWN are 100 times its stored history over the overlap "
        f"{OVERLAP}: a jump beyond [1/3, 3] is a change of unit or instrument (pence for "
        "pounds?), not a dividend re-scale; the stored history is kept (after a large split, "
        "remove its store file to fetch it anew)",
    )
    assert snapshot(store)["sym-IWN.parquet"] == before["sym-IWN.parquet"]
