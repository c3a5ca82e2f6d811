"""The price store: round trips, safe file names, and faults of the store itself.

Faults are injected at the file system (a truncated or garbage file, a damaged page) and at the
write path (a disk that fills midway, a failing rename or fsync, an interrupt). Each asserts the
exact message, that the previous file still reads its old data, and that no temporary file is left.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import generator.store as store_module
from generator.config import DataPolicy
from generator.errors import DataError
from generator.fetch import HISTORY_START, Outcome, refresh, series_download
from generator.store import PriceStore, StoredMeta, decode_symbol, encode_symbol

FETCHED = dt.datetime(2026, 11, 23, 17, 0, 5, 123456, tzinfo=dt.UTC)
SAFE_NAME = re.compile(r"^[A-Za-z0-9%._-]+$")


def closes(start: str = "2026-10-01", n: int = 20, first: float = 100.0) -> pd.Series:
    """``n`` weekday closes with awkward decimals (nothing that round-trips by luck)."""
    days = pd.bdate_range(start, periods=n)
    values = first + np.arange(n) / 7.0
    return pd.Series(values, index=pd.DatetimeIndex(days, dtype="datetime64[ns]"))


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return PriceStore(tmp_path / "store")


def stored(store: PriceStore, symbol: str = "AAA", series: pd.Series | None = None) -> pd.Series:
    series = closes() if series is None else series
    store.write(symbol, series, source="csv:prices", fetched_at=FETCHED)
    return series


def leftovers(store: PriceStore) -> list[str]:
    """Everything in the store folder that is not a symbol file (temporary files)."""
    return sorted(p.name for p in store.root.iterdir() if not p.name.startswith("sym-"))


# -- round trip ----------------------------------------------------------------------------------


def test_write_then_read_round_trips_values_index_and_metadata(store: PriceStore) -> None:
    series = stored(store)

    back = store.read("AAA")

    assert back.tolist() == series.tolist()  # exact floats, no rounding
    assert back.index.equals(series.index)
    assert back.index.dtype == np.dtype("datetime64[ns]")
    assert back.index.name == "date"
    assert back.index.tz is None
    assert back.dtype == np.dtype("float64")
    assert back.name == "AAA"
    meta = store.meta("AAA")
    assert meta == StoredMeta(
        symbol="AAA",
        source="csv:prices",
        fetched_at="2026-11-23T17:00:05+00:00",
        first_session="2026-10-01",
        last_session="2026-10-28",
        checksum=meta.checksum,
    )
    assert len(meta.checksum) == 64
    assert store.symbols() == ["AAA"]
    assert leftovers(store) == []


def test_write_sorts_and_drops_missing_closes(store: PriceStore) -> None:
    series = closes(n=5)
    series.iloc[2] = np.nan

    store.write("AAA", series.iloc[::-1], source="yahoo", fetched_at=FETCHED)

    back = store.read("AAA")
    assert list(back.index.strftime("%Y-%m-%d")) == [
        "2026-10-01",
        "2026-10-02",
        "2026-10-06",
        "2026-10-07",
    ]
    assert (store.meta("AAA").first_session, store.meta("AAA").last_session) == (
        "2026-10-01",
        "2026-10-07",
    )


def test_write_replaces_the_whole_history(store: PriceStore) -> None:
    stored(store, series=closes(n=30))
    newer = closes(start="2026-11-02", n=3, first=50.0)

    store.write("AAA", newer, source="yahoo", fetched_at=FETCHED + dt.timedelta(days=7))

    pd.testing.assert_series_equal(
        store.read("AAA"), newer.rename_axis("date").rename("AAA"), check_freq=False
    )
    meta = store.meta("AAA")
    assert (meta.source, meta.fetched_at, meta.first_session) == (
        "yahoo",
        "2026-11-30T17:00:05+00:00",
        "2026-11-02",
    )


def test_absent_symbol_reads_as_none_and_loads_as_missing(store: PriceStore) -> None:
    assert store.read("AAA") is None
    assert store.meta("AAA") is None
    assert store.symbols() == []  # the folder does not even exist yet
    loaded = store.load(["AAA"])
    assert loaded.series == {}
    assert loaded.missing == {"AAA": "not in the price store"}
    with pytest.raises(DataError, match=r"has none of the 1 symbols: run `rotation fetch"):
        store.load(["AAA"], require_any=True)


@pytest.mark.parametrize("series", [closes().iloc[:0], closes(n=3) * np.nan], ids=["empty", "nan"])
def test_write_refuses_an_empty_history_and_keeps_the_old_file(
    store: PriceStore, series: pd.Series
) -> None:
    old = stored(store)
    before = store.path("AAA").read_bytes()

    with pytest.raises(DataError, match=r"^AAA: refusing to store an empty history$"):
        store.write("AAA", series, source="yahoo", fetched_at=FETCHED)

    assert store.path("AAA").read_bytes() == before
    assert store.read("AAA").tolist() == old.tolist()
    assert leftovers(store) == []


# -- file names ----------------------------------------------------------------------------------

NAMES = {
    "^TNX": "sym-%5ETNX.parquet",
    "BRK-B": "sym-BRK-B.parquet",
    "../../etc": "sym-%2E%2E%2F%2E%2E%2F%65%74%63.parquet",
    "CON": "sym-CON.parquet",
    "con": "sym-%63%6F%6E.parquet",
    "a/b": "sym-%61%2F%62.parquet",
    "ÄÖ": "sym-%C3%84%C3%96.parquet",
    "EURUSD=X": "sym-EURUSD%3DX.parquet",
}


@pytest.mark.parametrize(("symbol", "name"), NAMES.items(), ids=list(NAMES))
def test_symbol_file_names(symbol: str, name: str) -> None:
    assert encode_symbol(symbol) == name
    assert decode_symbol(name) == symbol


def test_awkward_symbols_are_stored_inside_the_store_and_listed_back(store: PriceStore) -> None:
    for i, symbol in enumerate(NAMES):
        stored(store, symbol, closes(first=10.0 + i))

    assert store.symbols() == sorted(NAMES)
    assert sorted(p.name for p in store.root.iterdir()) == sorted(NAMES.values())
    for i, symbol in enumerate(NAMES):
        assert store.path(symbol).parent == store.root
        assert store.read(symbol).iloc[0] == 10.0 + i
        assert store.meta(symbol).symbol == symbol
    assert not (store.root.parent.parent / "etc").exists()


def test_names_that_are_not_store_files_are_refused() -> None:
    for name in ("AAA.parquet", "sym-AAA.csv", ".tmp-abc.parquet"):
        with pytest.raises(ValueError, match="not a store file name"):
            decode_symbol(name)


@given(st.text(max_size=40))
def test_any_text_round_trips_through_a_safe_file_name(symbol: str) -> None:
    name = encode_symbol(symbol)

    assert decode_symbol(name) == symbol
    assert SAFE_NAME.match(name)
    assert "/" not in name
    assert name.startswith("sym-")
    assert name.endswith(".parquet")
    assert ".." not in name


@given(st.text(max_size=12), st.text(max_size=12))
def test_different_symbols_never_share_a_name_even_case_insensitively(a: str, b: str) -> None:
    assume(a != b)
    assert encode_symbol(a).casefold() != encode_symbol(b).casefold()


def test_case_variants_get_distinct_names() -> None:
    names = [encode_symbol(s) for s in ("BRK-B", "brk-b", "Brk-B", "BRK-b")]
    assert len({n.lower() for n in names}) == 4


# -- damaged files -------------------------------------------------------------------------------


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": truncate,
    "garbage": lambda p: p.write_bytes(b"this is not a parquet file\n" * 20),
    "empty": lambda p: p.write_bytes(b""),
    "footer-lost": lambda p: p.write_bytes(p.read_bytes()[:-8]),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=list(DAMAGE))
def test_damaged_file_raises_data_error_naming_the_file(
    store: PriceStore, damage: Callable[[Path], None]
) -> None:
    stored(store)
    path = store.path("AAA")
    damage(path)

    for read in (store.read, store.meta):
        with pytest.raises(DataError) as info:
            read("AAA")
        assert str(info.value).startswith(f"{path}: unreadable store file (")


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=list(DAMAGE))
def test_load_reports_a_damaged_symbol_missing_with_the_reason(
    store: PriceStore, damage: Callable[[Path], None]
) -> None:
    stored(store, "AAA")
    good = stored(store, "BBB")
    damage(store.path("AAA"))

    loaded = store.load(["AAA", "BBB"])

    assert list(loaded.series) == ["BBB"]
    assert loaded.series["BBB"].tolist() == good.tolist()
    assert list(loaded.missing) == ["AAA"]
    # A reason is published (Data status): the file's name in the store, not the machine's path.
    assert loaded.missing["AAA"].startswith("sym-AAA.parquet: unreadable store file (")


class Recorder:
    """A ``series_download`` provider that records each call (symbols, start, end)."""

    def __init__(self, data: dict[str, pd.Series]) -> None:
        self.inner = series_download(data, {})
        self.calls: list[tuple[list[str], dt.date, dt.date]] = []

    def __call__(self, symbols: list[str], start: dt.date, end: dt.date):
        self.calls.append((list(symbols), start, end))
        return self.inner(symbols, start, end)


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=list(DAMAGE))
def test_refresh_repairs_a_damaged_file_by_fetching_its_whole_history(
    store: PriceStore, damage: Callable[[Path], None]
) -> None:
    full = closes(n=40)  # 2026-10-01 .. 2026-11-25
    stored(store, "AAA", full.iloc[:30])
    stored(store, "BBB", full.iloc[:30])
    damage(store.path("AAA"))
    provider = Recorder({"AAA": full, "BBB": full})

    outcomes = refresh(
        store,
        ["AAA", "BBB"],
        provider,
        target=full.index[-1],
        policy=DataPolicy(overlap_sessions=5),
        source="csv:prices",
        sleep=pytest.fail,
    )

    assert outcomes == [
        Outcome("AAA", "new", "40 sessions"),
        Outcome("BBB", "updated", "10 new sessions"),
    ]
    assert [(symbols, start) for symbols, start, _ in provider.calls] == [
        (["AAA"], HISTORY_START),
        (["BBB"], dt.date(2026, 11, 5)),  # 5 sessions up to the last stored, 2026-11-11
    ]
    for symbol in ("AAA", "BBB"):
        assert store.read(symbol).tolist() == full.tolist()
        assert store.meta(symbol).last_session == "2026-11-25"


def damage_first_page(path: Path) -> None:
    """Zero the first page header: the footer (and so the metadata) still reads."""
    data = bytearray(path.read_bytes())
    data[4:20] = bytes(16)
    path.write_bytes(bytes(data))


def test_damaged_page_with_a_readable_footer_is_an_error_on_read(store: PriceStore) -> None:
    stored(store)
    damage_first_page(store.path("AAA"))

    assert store.meta("AAA").last_session == "2026-10-28"  # the footer is intact
    with pytest.raises(DataError, match=r"unreadable store file \(Couldn't deserialize thrift"):
        store.read("AAA")
    assert "AAA" in store.load(["AAA"]).missing


def test_refresh_repairs_a_file_whose_footer_reads_but_whose_data_does_not(
    store: PriceStore,
) -> None:
    full = closes(n=40)
    stored(store, "AAA", full.iloc[:30])
    damage_first_page(store.path("AAA"))

    outcomes = refresh(
        store,
        ["AAA"],
        series_download({"AAA": full}, {}),
        target=full.index[-1],
        policy=DataPolicy(overlap_sessions=5),
        source="csv:prices",
        sleep=pytest.fail,
    )

    assert [o.action for o in outcomes] in (["new"], ["refetched"])
    assert store.read("AAA").tolist() == full.tolist()


def test_a_parquet_file_of_another_shape_is_a_data_error(store: PriceStore) -> None:
    store.root.mkdir(parents=True)
    table = pa.table({"date": pa.array(closes().index), "price": closes().to_numpy()})
    pq.write_table(table, store.path("AAA"))

    with pytest.raises(DataError, match="unreadable store file"):
        store.read("AAA")
    assert "AAA" in store.load(["AAA"]).missing


def test_a_flipped_byte_never_changes_closes_silently(store: PriceStore) -> None:
    series = closes(n=20) + np.random.default_rng(1).random(20)  # incompressible decimals
    stored(store, series=series)
    path = store.path("AAA")
    original = path.read_bytes()
    changed = []
    for offset in range(4, len(original) - 8, 5):
        data = bytearray(original)
        data[offset] ^= 0xFF
        path.write_bytes(bytes(data))
        try:
            back = store.read("AAA")
        except Exception:  # noticed (whether as DataError is another test's business)
            continue
        if back.tolist() != series.tolist() or not back.index.equals(series.index):
            changed.append(offset)

    assert changed == []


def test_a_damaged_column_name_is_a_data_error(store: PriceStore) -> None:
    stored(store)
    path = store.path("AAA")
    original = path.read_bytes()
    footer = original[len(original) - 8 - int.from_bytes(original[-8:-4], "little") :]
    at = len(original) - len(footer) + footer.index(b"close")

    data = bytearray(original)
    data[at] = 0xFF  # not UTF-8; the thrift structure is unchanged
    path.write_bytes(bytes(data))

    with pytest.raises(DataError, match="unreadable store file"):
        store.read("AAA")


# -- interrupted and failing writes --------------------------------------------------------------


def assert_old_file_kept(store: PriceStore, old: pd.Series, before: bytes) -> None:
    assert store.path("AAA").read_bytes() == before
    assert store.read("AAA").tolist() == old.tolist()
    assert store.meta("AAA").last_session == "2026-10-28"
    assert leftovers(store) == []


def cannot_write(store: PriceStore, reason: str) -> str:
    return re.escape(
        f"{store.path('AAA')}: cannot write ({reason}); the previous file is unchanged"
    )


def test_write_interrupted_midway_keeps_the_previous_file(
    store: PriceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = stored(store)
    before = store.path("AAA").read_bytes()
    real_write_table = pq.write_table
    partial: list[int] = []

    def half_then_fail(table, where, **kwargs):
        buffer = io.BytesIO()
        real_write_table(table, buffer, **kwargs)
        where.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        partial.append(where.tell())
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(store_module.pq, "write_table", half_then_fail)

    with pytest.raises(DataError, match=rf"^{cannot_write(store, 'Input/output error')}$"):
        store.write("AAA", closes(n=40), source="yahoo", fetched_at=FETCHED)

    assert partial  # half a file really was written, to the temporary file
    assert partial[0] > 0
    assert_old_file_kept(store, old, before)


class FullDisk(io.FileIO):
    """A file on a disk that fills up after ``room`` bytes."""

    room = 200

    def write(self, data) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def test_disk_full_during_the_write_keeps_the_previous_file(
    store: PriceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = stored(store)
    before = store.path("AAA").read_bytes()
    monkeypatch.setattr(store_module.os, "fdopen", lambda fd, mode: FullDisk(fd, "wb"))

    with pytest.raises(DataError, match=rf"^{cannot_write(store, 'No space left on device')}$"):
        store.write("AAA", closes(n=200), source="yahoo", fetched_at=FETCHED)

    assert_old_file_kept(store, old, before)


def test_disk_full_on_a_new_symbol_leaves_nothing(
    store: PriceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored(store, "BBB")
    monkeypatch.setattr(store_module.os, "fdopen", lambda fd, mode: FullDisk(fd, "wb"))

    with pytest.raises(DataError, match="No space left on device"):
        store.write("AAA", closes(n=200), source="yahoo", fetched_at=FETCHED)

    assert store.symbols() == ["BBB"]
    assert leftovers(store) == []
    assert store.read("AAA") is None


@pytest.mark.parametrize(
    ("target", "error", "reason"),
    [
        ("replace", PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        ("fsync", OSError(errno.EIO, "Input/output error"), "Input/output error"),
    ],
)
def test_failing_rename_or_fsync_keeps_the_previous_file(
    store: PriceStore,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    error: OSError,
    reason: str,
) -> None:
    old = stored(store)
    before = store.path("AAA").read_bytes()

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(store_module.os, target, fail)

    with pytest.raises(DataError, match=rf"^{cannot_write(store, reason)}$"):
        store.write("AAA", closes(n=40), source="yahoo", fetched_at=FETCHED)

    monkeypatch.undo()
    assert_old_file_kept(store, old, before)


def test_interrupt_during_the_write_removes_the_temporary_file_and_propagates(
    store: PriceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = stored(store)
    before = store.path("AAA").read_bytes()

    def interrupted(table, where, **kwargs):
        where.write(b"PAR1 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module.pq, "write_table", interrupted)

    with pytest.raises(KeyboardInterrupt):
        store.write("AAA", closes(n=40), source="yahoo", fetched_at=FETCHED)

    assert_old_file_kept(store, old, before)


def test_store_folder_that_cannot_be_created_is_a_data_error(tmp_path: Path) -> None:
    blocker = tmp_path / "store"
    blocker.write_text("a file where the store folder should be")
    store = PriceStore(blocker)

    with pytest.raises(
        DataError,
        match=rf"^{re.escape(str(blocker))}: cannot write the price store \(File exists\)$",
    ):
        store.write("AAA", closes(), source="yahoo", fetched_at=FETCHED)


def test_temporary_files_are_not_symbols(store: PriceStore) -> None:
    stored(store)
    (store.root / ".tmp-abandoned.parquet").write_bytes(b"half")  # left by a killed process

    assert store.symbols() == ["AAA"]
    assert store.read("AAA") is not None
