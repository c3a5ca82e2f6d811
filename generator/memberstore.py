"""The members' price store: every member's closes in one columnar dataset, one file per year.

Why not the universe's file per symbol (:mod:`generator.store`): breadth reads thousands of
members at once, and opening, checking and converting thousands of small files costs seconds
where one long, sorted, dictionary-encoded table costs a fraction of one. Why one file per
calendar year: the weekly refresh only adds rows to the current year, so only that file (and the
manifest) change in the weekly commit; a year whose rows are unchanged keeps its file byte for byte.

Layout of the folder:

* ``<year>-<digest>.parquet``: ``symbol`` (dictionary-encoded), ``date`` (``date32``), ``close``
  (``float64``), sorted by symbol then date; the digest is of the rows, so a file's name says
  what it holds and a changed year is a new file;
* ``manifest.json``: the files of the dataset with the sha256 of their bytes, and each symbol's
  metadata (source, fetch time, first and last session, currency, instrument type).

A write is all or nothing: new year files are written under new names, then the manifest is
replaced atomically, and only then are the files it no longer names removed. A killed run leaves
the previous manifest and every file it names intact (and at worst an unnamed file, removed by the
next write). Every read checks each file against its sha256 in the manifest, so a damaged or
swapped file is an error naming it, never another symbol's history.

Writes are buffered: :meth:`MemberStore.write` records one symbol's new history and
:meth:`MemberStore.flush` (called by :func:`generator.fetch.refresh` when it is done, whatever
happened) writes the dataset once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from generator.errors import DataError
from generator.frame import LoadResult
from generator.members import frame_of_arrays, member_frame
from generator.store import PREFIX, SUFFIX, PriceStore, StoredMeta, atomic_write, stored

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = 1
_SCHEMA = pa.schema(
    [
        ("symbol", pa.dictionary(pa.int32(), pa.string())),
        ("date", pa.date32()),
        ("close", pa.float64()),
    ]
)


Arrays = dict[str, tuple[np.ndarray, np.ndarray]]
"""Symbol -> (its sessions as ``datetime64[D]``, ascending; its closes as ``float64``)."""


@dataclasses.dataclass(frozen=True)
class _Year:
    """One year's rows as written to its file: sorted by symbol, then date."""

    names: list[str]
    """The symbols with rows this year, sorted (the file's dictionary)."""
    codes: np.ndarray
    days: np.ndarray
    closes: np.ndarray

    def digest(self) -> str:
        """A digest of the rows (not of the file's bytes, which depend on the writer)."""
        h = hashlib.sha256("\0".join(self.names).encode())
        for array in (self.codes.astype("int32"), self.days.astype("int64"), self.closes):
            h.update(array.tobytes())
        return h.hexdigest()


def _years(arrays: Arrays) -> dict[int, _Year]:
    """The rows of ``arrays`` cut into calendar years (one concatenation, then one mask each)."""
    names = sorted(arrays)
    if not names:
        return {}
    lengths = [len(arrays[n][0]) for n in names]
    codes = np.repeat(np.arange(len(names), dtype="int32"), lengths)
    days = np.concatenate([arrays[n][0] for n in names])
    closes = np.concatenate([arrays[n][1] for n in names])
    years = days.astype("datetime64[Y]").astype("int64") + 1970
    out = {}
    for year in np.unique(years):
        keep = years == year
        used, local = np.unique(codes[keep], return_inverse=True)
        out[int(year)] = _Year(
            [names[i] for i in used], local.astype("int32"), days[keep], closes[keep]
        )
    return out


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class MemberStore:
    """The members' closes: one Parquet file per year and a manifest (module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._manifest: dict | None = None
        self._pending: dict[str, tuple[pd.Series, StoredMeta]] = {}
        self._rows: Arrays | None = None

    # -- reading ---------------------------------------------------------------------------

    def _read_manifest(self) -> dict:
        if self._manifest is None:
            path = self.root / MANIFEST
            if not path.is_file():
                self._manifest = {"format": FORMAT, "files": {}, "symbols": {}}
            else:
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    if data.get("format") != FORMAT:
                        raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
                    data["files"], data["symbols"]
                except (OSError, ValueError, KeyError, AttributeError) as exc:
                    raise DataError(f"{path}: unreadable members store manifest ({exc})") from None
                self._manifest = data
        return self._manifest

    def symbols(self) -> list[str]:
        return sorted(set(self._read_manifest()["symbols"]) | set(self._pending))

    def meta(self, symbol: str) -> StoredMeta | None:
        if symbol in self._pending:
            return self._pending[symbol][1]
        raw = self._read_manifest()["symbols"].get(symbol)
        return None if raw is None else StoredMeta.from_json(json.dumps(raw))

    def _arrays(self, wanted: set[str] | None = None) -> Arrays:
        """The stored rows of each symbol (of ``wanted`` ones only, if given)."""
        if self._rows is None:
            self._rows = self._read_rows()
        if wanted is None:
            return dict(self._rows)
        return {s: self._rows[s] for s in wanted if s in self._rows}

    def _read_rows(self) -> Arrays:
        """Every symbol's stored rows, each file checked against the manifest first: read once
        per store object (a refresh reads many symbols' histories one by one)."""
        files = self._read_manifest()["files"]
        codes: list[np.ndarray] = [np.array([], "int64")]
        days: list[np.ndarray] = [np.array([], "datetime64[D]")]
        closes: list[np.ndarray] = [np.array([], "float64")]
        names: dict[str, int] = {}
        for year in sorted(files, key=int):  # year order: each symbol's dates stay ascending
            entry = files[year]
            path = self.root / entry["file"]
            try:
                if _file_sha256(path) != entry["sha256"]:
                    raise DataError(
                        f"{path}: damaged members store file (sha256 differs from the manifest); "
                        "remove the folder to fetch the members again"
                    )
                table = pq.read_table(path).combine_chunks()
                symbol = table.column("symbol").chunk(0)
                local = [names.setdefault(n, len(names)) for n in symbol.dictionary.to_pylist()]
                codes.append(np.asarray(local, dtype="int64")[symbol.indices.to_numpy()])
                days.append(table.column("date").to_numpy().astype("datetime64[D]"))
                closes.append(table.column("close").to_numpy())
            except (OSError, pa.ArrowException, IndexError) as exc:
                raise DataError(f"{path}: unreadable members store file ({exc})") from None
        code, day, close = np.concatenate(codes), np.concatenate(days), np.concatenate(closes)
        # A stable sort keeps each symbol's years in order; on 16-bit codes it is a radix sort.
        small = code.astype("uint16") if len(names) <= 1 << 16 else code
        order = np.argsort(small, kind="stable")
        code, day, close = code[order], day[order], close[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else []
        ends = np.r_[starts[1:], len(code)] if len(code) else []
        by_code = {c: n for n, c in names.items()}
        return {
            by_code[int(code[a])]: (day[a:b], close[a:b]) for a, b in zip(starts, ends, strict=True)
        }

    @staticmethod
    def _series(arrays: Arrays) -> dict[str, pd.Series]:
        """Each symbol's closes as a series indexed by ``datetime64[ns]`` dates.

        One index for all symbols, sliced: building thousands of indexes one by one would
        cost more than reading the files."""
        if not arrays:
            return {}
        days = np.concatenate([d for d, _ in arrays.values()])
        index = pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")
        out, at = {}, 0
        for symbol, (d, closes) in arrays.items():
            out[symbol] = pd.Series(closes, index=index[at : at + len(d)], name=symbol, copy=False)
            at += len(d)
        return out

    def frame(self, tickers: Sequence[str], *, start: pd.Timestamp | None = None) -> pd.DataFrame:
        """The price frame of the stored ``tickers`` from ``start`` on, as
        :func:`generator.members.member_frame` builds it from series, straight from the rows.
        Raises :class:`DataError` for a damaged or unreadable file."""
        if self._legacy_files():
            return member_frame(self._legacy().load(tickers).series, tickers, start=start)
        arrays = self._arrays(set(tickers))
        arrays |= {t: _arrays_of(self._pending[t][0]) for t in tickers if t in self._pending}
        return frame_of_arrays(arrays, tickers, start=start)

    def read(self, symbol: str) -> pd.Series | None:
        """The stored closes of ``symbol``, or ``None`` if it was never stored."""
        if symbol in self._pending:
            return self._pending[symbol][0]
        if symbol not in self._read_manifest()["symbols"]:
            return None
        return self._series(self._arrays({symbol})).get(symbol)

    def load(self, symbols: Sequence[str], *, require_any: bool = False) -> LoadResult:
        """The stored closes of ``symbols``; a symbol not stored is reported missing. A damaged
        file fails them all (one line naming the file): the members are one dataset."""
        if self._legacy_files():
            return self._legacy().load(symbols, require_any=require_any)
        stored = set(self._read_manifest()["symbols"]) | set(self._pending)
        wanted = set(symbols) & stored
        try:
            found = self._series(self._arrays(wanted - set(self._pending))) if wanted else {}
        except DataError as exc:
            return LoadResult(
                {}, "members store", dict.fromkeys(symbols, str(exc)), where=str(self.root)
            )
        found |= {s: self._pending[s][0] for s in wanted & set(self._pending)}
        missing = {s: "not in the members store" for s in symbols if s not in found}
        if require_any and not found:
            raise DataError(f"the members store {self.root} has none of the {len(symbols)} symbols")
        return LoadResult(
            {s: found[s] for s in symbols if s in found},
            "members store",
            missing,
            where=f"members store {self.root}",
        )

    # -- the per-symbol files of earlier versions -------------------------------------------

    def _legacy_files(self) -> list[Path]:
        """Per-symbol files of the store before this format (imported at the next write)."""
        if (self.root / MANIFEST).is_file() or not self.root.is_dir():
            return []
        return [p for p in self.root.iterdir() if p.name.startswith(PREFIX)]

    def _legacy(self) -> PriceStore:
        return PriceStore(self.root)

    # -- writing ---------------------------------------------------------------------------

    def write(
        self,
        symbol: str,
        closes: pd.Series,
        *,
        source: str,
        fetched_at: dt.datetime,
        currency: str = "",
        instrument_type: str = "",
    ) -> None:
        """Replace ``symbol``'s history at the next :meth:`flush`."""
        closes, meta = stored(
            symbol,
            closes,
            source=source,
            fetched_at=fetched_at,
            currency=currency,
            instrument_type=instrument_type,
        )
        self._pending[symbol] = (closes, meta)

    def flush(self) -> None:
        """Write the pending histories: changed years as new files, then the manifest."""
        legacy = self._legacy_files()
        if not self._pending and not legacy:
            return
        pending, self._pending = self._pending, {}
        manifest = self._read_manifest()
        arrays = {s: v for s, v in self._arrays().items() if s not in pending}
        metas = {s: m for s, m in manifest["symbols"].items() if s not in pending}
        if legacy:  # import the per-symbol files of the earlier format once
            old = self._legacy()
            for symbol in old.symbols():
                if symbol in pending:
                    continue
                try:
                    series, meta = old.read(symbol), old.meta(symbol)
                except DataError as exc:
                    log.warning("%s: not imported into the members store (%s)", symbol, exc)
                    continue
                if series is not None and meta is not None:
                    arrays[symbol] = _arrays_of(series)
                    metas[symbol] = dataclasses.asdict(meta) | {"checksum": ""}
        for symbol, (series, meta) in pending.items():
            arrays[symbol] = _arrays_of(series)
            metas[symbol] = dataclasses.asdict(meta)
        self._write(_years(arrays), dict(sorted(metas.items())), manifest["files"])
        for path in legacy:
            path.unlink(missing_ok=True)
        log.debug("members store: %d symbols written, %d in all", len(pending), len(metas))

    def _write(self, years: dict[int, _Year], metas: dict, previous: dict) -> None:
        files: dict[str, dict] = {}
        written: list[Path] = []
        try:
            for year, part in years.items():
                name = f"{year}-{part.digest()[:16]}{SUFFIX}"
                old = previous.get(str(year))
                if old and old["file"] == name and (self.root / name).is_file():
                    files[str(year)] = old
                    continue
                path = self.root / name
                _atomic(path, lambda handle, part=part: _write_parquet(part, handle))
                written.append(path)
                files[str(year)] = {
                    "file": name,
                    "sha256": _file_sha256(path),
                    "rows": len(part.days),
                }
            manifest = {"format": FORMAT, "files": files, "symbols": metas}
            text = json.dumps(manifest, indent=1) + "\n"
            _atomic(self.root / MANIFEST, lambda handle: handle.write(text.encode()))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        self._manifest, self._rows = manifest, None
        named = {entry["file"] for entry in files.values()}
        for path in self.root.iterdir():
            stale = path.suffix == SUFFIX and not path.name.startswith(PREFIX)
            if stale and path.name not in named:
                path.unlink(missing_ok=True)


def _atomic(target: Path, fill: Callable[[BinaryIO], object]) -> None:
    atomic_write(target, fill, store="members store", kept="the members store is unchanged")


def _arrays_of(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    days = np.asarray(series.index, dtype="datetime64[ns]").astype("datetime64[D]")
    return days, series.to_numpy(dtype="float64")


def _write_parquet(year: _Year, handle) -> None:
    table = pa.table(
        {
            "symbol": pa.DictionaryArray.from_arrays(
                pa.array(year.codes, pa.int32()), pa.array(year.names, pa.string())
            ),
            "date": pa.array(year.days, pa.date32()),
            "close": pa.array(year.closes, pa.float64()),
        },
        schema=_SCHEMA,
    )
    pq.write_table(table, handle, compression="zstd", write_page_checksum=True)
