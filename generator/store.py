"""The local price store: one Parquet file per symbol, written atomically.

Why Parquet files rather than a database: a store is read whole and written one symbol at a time,
so a file per symbol makes every write independent and atomic (write a temporary file, fsync,
rename over the old one: a crash leaves the previous file intact), needs no server, diffs cleanly
per symbol when the weekly workflow commits it back, and is read by pandas and pyarrow directly.

Each file holds ``date`` and ``close`` columns plus metadata: the symbol as spelled, the source,
the fetch time and, where the source gives them, the currency and instrument type. File names use
a reversible encoding that is safe on every file system (``^TNX`` -> ``sym-%5ETNX.parquet``;
``CON``, ``../x`` and lower case are all safe).

The file name is not trusted for identity: every read compares the symbol recorded *inside* the
file with the one asked for, so a valid file of IWF copied over IWN's (its checksum is fine: it
covers the data, not the name) fails IWN instead of being read as IWN's history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import unquote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from generator.errors import DataError
from generator.frame import LoadResult
from generator.sources import provider_label
from generator.workdir import STORE_TMP_PREFIX

log = logging.getLogger(__name__)

PREFIX, SUFFIX = "sym-", ".parquet"
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_META_KEY = b"rotation"


def encode_symbol(symbol: str) -> str:
    """A file name for ``symbol``: upper-case letters, digits and ``-`` as is, all else ``%XX``."""
    body = "".join(
        ch if ch in _PLAIN else "".join(f"%{b:02X}" for b in ch.encode()) for ch in symbol
    )
    return f"{PREFIX}{body}{SUFFIX}"


def decode_symbol(filename: str) -> str:
    """Inverse of :func:`encode_symbol`."""
    if not (filename.startswith(PREFIX) and filename.endswith(SUFFIX)):
        raise ValueError(f"not a store file name: {filename!r}")
    return unquote(filename[len(PREFIX) : -len(SUFFIX)], errors="strict")


@dataclass(frozen=True)
class StoredMeta:
    symbol: str
    source: str
    fetched_at: str
    first_session: str
    last_session: str
    checksum: str = ""
    """sha256 of the dates and closes: a flipped byte that still decodes is caught on read."""
    currency: str = ""
    """The currency the source quotes the closes in (Yahoo's ``USD``, ``GBp``...); ``""`` when the
    source does not say (a CSV folder) or the file predates this field."""
    instrument_type: str = ""
    """The source's instrument type (Yahoo's ``ETF``, ``EQUITY``, ``INDEX``...); ``""`` likewise."""

    @classmethod
    def from_json(cls, raw: bytes | str) -> StoredMeta:
        """Parse the metadata; fields this version does not know (a newer writer) are ignored."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("metadata is not an object")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class StoreIdentityError(DataError):
    """A store file records another symbol than the one its name (and the caller) stands for."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checksum(closes: pd.Series) -> str:
    index = closes.index.astype("datetime64[ns]").asi8.tobytes()
    return hashlib.sha256(index + closes.to_numpy(dtype="float64").tobytes()).hexdigest()


def _check_identity(path: Path, asked: str, recorded: str) -> None:
    if recorded != asked:
        raise StoreIdentityError(
            f"{path}: holds the history of {recorded!r}, not of {asked!r} (a store file copied "
            f"over another?); remove it to fetch {asked} again"
        )


def atomic_write(
    target: Path, fill: Callable[[BinaryIO], object], *, store: str, kept: str
) -> None:
    """Write ``target`` through a temporary file beside it, fsync it, rename it over ``target``
    and fsync the folder: the old file stays until the rename, which survives a power loss.
    ``store`` names the store when the folder cannot be written at all; ``kept`` says what a
    failed write leaves. A killed run's temporary is removed at the next start
    (:mod:`generator.workdir`)."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=STORE_TMP_PREFIX, suffix=target.suffix)
    except OSError as exc:
        raise DataError(f"{folder}: cannot write the {store} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a store is shared like any data file
        os.replace(tmp, target)
        _fsync_dir(folder)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DataError(f"{target}: cannot write ({exc.strerror or exc}); {kept}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stored(
    symbol: str,
    closes: pd.Series,
    *,
    source: str,
    fetched_at: dt.datetime,
    currency: str = "",
    instrument_type: str = "",
) -> tuple[pd.Series, StoredMeta]:
    """A history as a store keeps it (sorted, without gaps) and its metadata; an empty history,
    or one with a date twice, is refused (one line naming the symbol)."""
    closes = closes.dropna().sort_index()
    if closes.empty:
        raise DataError(f"{symbol}: refusing to store an empty history")
    if closes.index.has_duplicates:
        raise DataError(f"{symbol}: refusing to store a history with a date twice")
    return closes, StoredMeta(
        symbol=symbol,
        source=source,
        fetched_at=fetched_at.isoformat(timespec="seconds"),
        first_session=f"{closes.index[0]:%Y-%m-%d}",
        last_session=f"{closes.index[-1]:%Y-%m-%d}",
        checksum=_checksum(closes),
        currency=currency,
        instrument_type=instrument_type,
    )


class ClosesStore(Protocol):
    """What a refresh and a load need of a store: the universe's :class:`PriceStore` and the
    members' :class:`generator.memberstore.MemberStore` both are one."""

    root: Path

    def meta(self, symbol: str) -> StoredMeta | None: ...
    def read(self, symbol: str) -> pd.Series | None: ...
    def load(self, symbols: Sequence[str], *, require_any: bool = False) -> LoadResult: ...
    def write(
        self,
        symbol: str,
        closes: pd.Series,
        *,
        source: str,
        fetched_at: dt.datetime,
        currency: str = "",
        instrument_type: str = "",
    ) -> None: ...
    def flush(self) -> None: ...


class PriceStore:
    """A folder of per-symbol Parquet files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, symbol: str) -> Path:
        return self.root / encode_symbol(symbol)

    def symbols(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            decode_symbol(p.name) for p in self.root.iterdir() if p.name.startswith(PREFIX)
        )

    def prune(self, keep: Iterable[str]) -> list[str]:
        """Remove the files of the stored symbols not in ``keep`` (symbols taken out of the
        universe); return them. The store's history is in git, so nothing is lost for good."""
        wanted = set(keep)
        removed = [symbol for symbol in self.symbols() if symbol not in wanted]
        for symbol in removed:
            self.path(symbol).unlink(missing_ok=True)
        if removed:
            _fsync_dir(self.root)
        return removed

    def meta(self, symbol: str) -> StoredMeta | None:
        """The metadata of ``symbol``'s file, or ``None`` if it was never stored.

        Raises :class:`StoreIdentityError` if the file records another symbol.
        """
        path = self.path(symbol)
        if not path.is_file():
            return None
        try:
            raw = pq.read_schema(path).metadata[_META_KEY]
            meta = StoredMeta.from_json(raw)
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException) as exc:
            raise DataError(f"{path}: unreadable store file ({exc})") from None
        _check_identity(path, symbol, meta.symbol)
        return meta

    def read(self, symbol: str) -> pd.Series | None:
        """The stored closes of ``symbol``, or ``None`` if it was never stored.

        Raises :class:`DataError` for a damaged file and :class:`StoreIdentityError` for a file
        that records another symbol.
        """
        found = self._read(symbol)
        return None if found is None else found[0]

    def _read(self, symbol: str) -> tuple[pd.Series, StoredMeta] | None:
        path = self.path(symbol)
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path, page_checksum_verification=True)
            frame = table.to_pandas()
            series = pd.Series(
                frame["close"].to_numpy(dtype="float64"),
                index=pd.DatetimeIndex(frame["date"], name="date").astype("datetime64[ns]"),
                name=symbol,
            )
            meta = StoredMeta.from_json(table.schema.metadata[_META_KEY])
        except (OSError, pa.ArrowException, KeyError, ValueError, TypeError) as exc:
            raise DataError(f"{path}: unreadable store file ({exc})") from None
        if meta.checksum != _checksum(series):
            raise DataError(f"{path}: unreadable store file (checksum mismatch: damaged data)")
        _check_identity(path, symbol, meta.symbol)
        return series, meta

    def load(self, symbols: Sequence[str], *, require_any: bool = False) -> LoadResult:
        """The stored closes of ``symbols``; absent or unreadable files are reported missing.

        ``require_any``: raise if none of them is stored (an offline build from an empty store).
        """
        series: dict[str, pd.Series] = {}
        missing: dict[str, str] = {}
        providers: dict[str, None] = {}
        for symbol in symbols:
            try:
                found = self._read(symbol)
            except DataError as exc:
                # Reasons are published (Data status): the file, not the store's folder.
                missing[symbol] = str(exc).replace(f"{self.root}{os.sep}", "")
                continue
            if found is None:
                missing[symbol] = "not in the price store"
            else:
                series[symbol] = found[0]
                providers[provider_label(found[1].source)] = None
        if require_any and not series:
            raise DataError(
                f"the price store {self.root} has none of the {len(symbols)} symbols: run "
                "`rotation fetch --source yahoo` (or --source csv:DIR) first"
            )
        label = " and ".join(providers) or "the local price store"
        return LoadResult(series, label, missing, where=f"local price store {self.root}")

    def flush(self) -> None:
        """Nothing to do: :meth:`write` has already replaced the symbol's file."""

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
        """Replace ``symbol``'s history atomically (the old file stays until the rename)."""
        closes, meta = stored(
            symbol,
            closes,
            source=source,
            fetched_at=fetched_at,
            currency=currency,
            instrument_type=instrument_type,
        )
        table = pa.table(
            {"date": pa.array(closes.index.astype("datetime64[ns]")), "close": closes.to_numpy()}
        ).replace_schema_metadata({_META_KEY: json.dumps(meta.__dict__).encode()})
        atomic_write(
            self.path(symbol),
            lambda handle: pq.write_table(
                table, handle, compression="zstd", write_page_checksum=True
            ),
            store="price store",
            kept="the previous file is unchanged",
        )
        log.debug("stored %s: %d sessions to %s", symbol, len(closes), meta.last_session)
