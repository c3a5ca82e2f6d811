"""The ``csv:DIR`` source: a folder of ``<SYMBOL>.csv`` files with columns ``Date,Close``.

This is the format of ``../shared/market-data/prices`` and of what users export from elsewhere.
The file name is the Yahoo symbol as is (``^TNX.csv``, ``BRK-B.csv``), so a symbol is looked up
by exact name and never used to build a path outside the folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from generator.errors import DataError, SourceError
from generator.frame import LoadResult
from generator.sources import CSV_LABEL

log = logging.getLogger(__name__)

COLUMNS = ["Date", "Close"]


def load_csv_dir(folder: Path, symbols: Sequence[str]) -> LoadResult:
    """Read the closes of ``symbols`` from ``folder``.

    An absent or unreadable file makes that symbol missing, with the reason (file and line);
    whether the build can go on without it is the fail-closed policy's decision.
    """
    if not folder.is_dir():
        raise SourceError(f"csv:{folder}: not a folder")
    series: dict[str, pd.Series] = {}
    missing: dict[str, str] = {}
    for symbol in symbols:
        path = folder / f"{symbol}.csv"
        # A symbol is a name inside the folder, never a path: refuse anything that escapes it.
        if path.parent != folder or not path.is_file():
            missing[symbol] = f"no file {symbol}.csv in the CSV folder"
            continue
        try:
            series[symbol] = read_close_csv(path)
        except DataError as exc:
            # Reasons are published (Data status, Style box notes): the file, not the folder.
            missing[symbol] = str(exc).replace(f"{folder}{os.sep}", "")
    log.info("csv:%s: read %d of %d symbols", folder, len(series), len(symbols))
    return LoadResult(series, CSV_LABEL, missing, where=f"CSV folder {folder}")


def read_close_csv(path: Path) -> pd.Series:
    """One ``Date,Close`` file as a float series indexed by date.

    Raises :class:`DataError` naming the file and the first bad line: a report must never be
    built on silently dropped rows. An empty ``Close`` cell is a gap (``NaN``), not an error.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: empty file (expected a header 'Date,Close' and rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a CSV file ({str(exc).splitlines()[0]})") from None
    if list(raw.columns[:2]) != COLUMNS:
        raise DataError(f"{path}: expected columns Date,Close, found {','.join(raw.columns)}")
    if raw.empty:
        raise DataError(f"{path}: no rows after the header")
    dates = pd.to_datetime(raw["Date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    closes = pd.to_numeric(raw["Close"].str.strip().replace("", "nan"), errors="coerce")
    bad_date = dates.isna()
    bad_close = closes.isna() & raw["Close"].str.strip().ne("")
    if bad_date.any() or bad_close.any():
        row = int((bad_date | bad_close).to_numpy().argmax())
        what = "date" if bad_date.iloc[row] else "close"
        value = raw.iloc[row]["Date" if what == "date" else "Close"]
        raise DataError(f"{path}: line {row + 2}: unreadable {what} {value!r}")
    series = pd.Series(closes.to_numpy(dtype="float64"), index=pd.DatetimeIndex(dates))
    if series.index.has_duplicates:
        dup = series.index[series.index.duplicated()][0]
        raise DataError(f"{path}: date {dup:%Y-%m-%d} appears twice")
    return series
