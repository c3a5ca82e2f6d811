"""The members' columnar store: what is written is read back, a year unchanged keeps its file,
a damaged or interrupted write never loses or mixes histories."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import DataError
from generator.members import member_frame
from generator.memberstore import MANIFEST, MemberStore
from generator.store import PriceStore

FETCHED = dt.datetime(2026, 8, 1, 12, tzinfo=dt.UTC)


def closes(start: str, end: str, seed: int) -> pd.Series:
    days = pd.bdate_range(start, end, name="date").astype("datetime64[ns]")
    values = 100 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 0.01, len(days))))
    return pd.Series(values, index=days)


def store_with(root, histories: dict[str, pd.Series]) -> MemberStore:
    store = MemberStore(root)
    for symbol, series in histories.items():
        store.write(symbol, series, source="test", fetched_at=FETCHED)
    store.flush()
    return store


def test_what_is_written_is_read_back_by_a_new_reader(tmp_path):
    histories = {
        "AAA": closes("2023-01-02", "2026-07-31", 1),
        "BRK-B": closes("2024-03-01", "2026-07-31", 2),
        "^X": closes("2023-01-02", "2023-06-30", 3),
    }
    store_with(tmp_path, histories)
    again = MemberStore(tmp_path)
    loaded = again.load(["AAA", "BRK-B", "^X", "NOPE"])
    assert set(loaded.series) == {"AAA", "BRK-B", "^X"}
    for symbol, series in histories.items():
        pd.testing.assert_series_equal(
            loaded.series[symbol], series, check_names=False, check_freq=False
        )
    assert loaded.missing == {"NOPE": "not in the members store"}
    assert again.meta("BRK-B").last_session == "2026-07-31"
    assert again.symbols() == ["AAA", "BRK-B", "^X"]
    years = sorted(p.name[:4] for p in tmp_path.glob("*.parquet"))
    assert years == ["2023", "2024", "2025", "2026"]


def test_a_week_added_rewrites_only_the_current_year(tmp_path):
    full = closes("2023-01-02", "2026-07-31", 1)
    store = store_with(tmp_path, {"AAA": full[:-5], "BBB": closes("2023-01-02", "2026-07-31", 2)})
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.parquet")}
    store.write("AAA", full, source="test", fetched_at=FETCHED)
    store.flush()
    after = {p.name: p.read_bytes() for p in tmp_path.glob("*.parquet")}
    kept = set(before) & set(after)
    assert sorted(n[:4] for n in kept) == ["2023", "2024", "2025"]
    assert all(before[n] == after[n] for n in kept)
    assert [n[:4] for n in set(after) - kept] == ["2026"]
    assert len(MemberStore(tmp_path).read("AAA")) == len(full)


def test_a_damaged_file_fails_the_load_naming_it(tmp_path):
    store_with(tmp_path, {"AAA": closes("2025-01-02", "2026-07-31", 1)})
    victim = next(tmp_path.glob("2025-*.parquet"))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    loaded = MemberStore(tmp_path).load(["AAA"])
    assert loaded.series == {}
    assert str(victim) in loaded.missing["AAA"]
    assert "damaged" in loaded.missing["AAA"]


def test_a_file_swapped_for_another_years_fails_instead_of_shifting_history(tmp_path):
    store_with(tmp_path, {"AAA": closes("2025-01-02", "2026-07-31", 1)})
    y2025, y2026 = sorted(tmp_path.glob("*.parquet"))
    y2025.write_bytes(y2026.read_bytes())
    with pytest.raises(DataError, match="sha256 differs from the manifest"):
        MemberStore(tmp_path).read("AAA")


def test_a_failed_write_leaves_the_previous_dataset(tmp_path, monkeypatch):
    first = closes("2025-01-02", "2026-07-31", 1)
    store_with(tmp_path, {"AAA": first})
    manifest = (tmp_path / MANIFEST).read_text()
    store = MemberStore(tmp_path)
    store.write("AAA", closes("2020-01-02", "2026-07-31", 9), source="test", fetched_at=FETCHED)
    import generator.memberstore as module

    calls = []

    def failing(rows, handle):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(rows, handle)

    real = module._write_parquet
    monkeypatch.setattr(module, "_write_parquet", failing)
    with pytest.raises(
        DataError,
        match=r"parquet: cannot write \(No space left on device\); the members store is unchanged",
    ):
        store.flush()
    assert (tmp_path / MANIFEST).read_text() == manifest
    pd.testing.assert_series_equal(
        MemberStore(tmp_path).read("AAA"), first, check_names=False, check_freq=False
    )
    named = {e["file"] for e in json.loads(manifest)["files"].values()}
    assert {p.name for p in tmp_path.glob("*.parquet")} == named


def test_per_symbol_files_of_the_earlier_format_are_read_then_imported(tmp_path):
    old = PriceStore(tmp_path)
    series = closes("2024-01-02", "2026-07-31", 4)
    old.write("OLD", series, source="csv:x", fetched_at=FETCHED, currency="USD")
    store = MemberStore(tmp_path)
    assert set(store.load(["OLD"]).series) == {"OLD"}
    store.write("NEW", closes("2026-01-02", "2026-07-31", 5), source="test", fetched_at=FETCHED)
    store.flush()
    assert not list(tmp_path.glob("sym-*"))
    again = MemberStore(tmp_path)
    assert set(again.load(["OLD", "NEW"]).series) == {"OLD", "NEW"}
    assert again.meta("OLD").currency == "USD"


def test_an_unreadable_manifest_is_one_line_naming_it(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(DataError, match=rf"{MANIFEST}: unreadable members store manifest"):
        MemberStore(tmp_path).symbols()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.text("ABCXYZ^-.", min_size=1, max_size=5),
        st.lists(st.integers(0, 2000), min_size=1, max_size=40, unique=True),
        min_size=1,
        max_size=6,
    )
)
def test_any_histories_round_trip(tmp_path_factory, offsets):
    root = tmp_path_factory.mktemp("members")
    histories = {
        symbol: pd.Series(
            np.arange(1, len(days) + 1, dtype="float64") * 1.5,
            index=pd.DatetimeIndex(
                sorted(pd.Timestamp("2021-01-01") + pd.Timedelta(days=d) for d in days)
            ),
        )
        for symbol, days in offsets.items()
    }
    store_with(root, histories)
    loaded = MemberStore(root).load(list(histories))
    assert loaded.missing == {}
    for symbol, series in histories.items():
        got = loaded.series[symbol]
        assert got.index.equals(series.index)
        assert np.array_equal(got.to_numpy(), series.to_numpy())


def test_the_frame_is_the_member_frame_of_the_stored_series(tmp_path):
    """The build reads the members' frame straight from the rows: the same frame as aligning
    each member's series (order of the list, start cut, members without prices left out)."""
    histories = {
        "AAA": closes("2023-01-02", "2026-07-31", 1),
        "BBB": closes("2024-03-01", "2026-07-31", 2),
        "CCC": closes("2023-01-02", "2023-06-30", 3),
    }
    store = store_with(tmp_path, histories)
    tickers = ["CCC", "NOPE", "BBB", "AAA"]
    start = pd.Timestamp("2023-03-01")
    got = MemberStore(tmp_path).frame(tickers, start=start)
    expected = member_frame(store.load(tickers).series, tickers, start=start)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.columns) == ["CCC", "BBB", "AAA"]
    assert got.index[0] >= start


def test_a_damaged_store_fails_the_frame_naming_the_file(tmp_path):
    store_with(tmp_path, {"AAA": closes("2026-01-02", "2026-07-31", 1)})
    victim = next(tmp_path.glob("2026-*.parquet"))
    victim.write_bytes(victim.read_bytes()[:-100])
    with pytest.raises(DataError, match=rf"{victim}: damaged members store file"):
        MemberStore(tmp_path).frame(["AAA"])
