"""Index member lists (``ticker,sector`` CSV files) and the price frame of their members.

A member list is the membership of an index *today* (e.g. the shared data's lists are as of
August 2026), not a point-in-time history: breadth computed over past sessions from it has
survivorship bias (members that were dropped are missing, later entrants are counted early), and
every page showing it says so.

Tickers are kept exactly as written (Yahoo spelling: ``BRK-B``, not ``BRK.B``); only surrounding
spaces are removed. They are looked up as file names by the ``csv:DIR`` source, which refuses any
name that would leave its folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from generator.config import SYMBOL_MAX
from generator.errors import DataError

if TYPE_CHECKING:
    from generator.config import Breadth

HEADER = ["ticker", "sector"]
LIST_DATE = "holdings_as_of"
"""The key of a list's sidecar (``<list>.json``, written by ``rotation members``) giving the
day its holdings were taken."""
_FORBIDDEN = frozenset(" \t/\\")


@dataclass(frozen=True)
class Member:
    """One member of an index list; ``sector`` is ``""`` when the list gives none."""

    ticker: str
    sector: str


def read_members(path: Path) -> list[Member]:
    """The members of a ``ticker,sector`` CSV file, in file order.

    The header must be exactly ``ticker,sector``; ``sector`` may be empty (or the second field
    absent). Blank lines are skipped. Raises :class:`DataError` with a one-line message naming the
    file (and the line) for a missing or unreadable file, an empty file, a wrong header, a row with
    more than two fields, an empty or malformed ticker, or a ticker listed twice.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{path}: member list not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a member list") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DataError(f"{path}: cannot read the member list ({reason})") from None
    if not text.strip():
        raise DataError(f"{path}: empty file (expected a header 'ticker,sector' and rows)")
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise DataError(f"{path}: not a CSV file ({exc})") from None
    lines = [(n, row) for n, row in enumerate(rows, start=1) if any(f.strip() for f in row)]
    if not lines:
        raise DataError(f"{path}: empty file (expected a header 'ticker,sector' and rows)")
    header_line, header = lines[0]
    if [f.strip() for f in header] != HEADER:
        raise DataError(
            f"{path}: line {header_line}: expected the header 'ticker,sector', "
            f"found {','.join(header)!r}"
        )
    members: list[Member] = []
    seen: dict[str, int] = {}
    for n, row in lines[1:]:
        if len(row) > len(HEADER):
            raise DataError(
                f"{path}: line {n}: expected 2 fields (ticker,sector), found {len(row)}"
            )
        ticker = row[0].strip()
        sector = row[1].strip() if len(row) > 1 else ""
        if not ticker:
            raise DataError(f"{path}: line {n}: empty ticker")
        if len(ticker) > SYMBOL_MAX:
            raise DataError(
                f"{path}: line {n}: ticker {ticker[:24]!r}... is longer than {SYMBOL_MAX} "
                "characters"
            )
        if _FORBIDDEN.intersection(ticker):
            raise DataError(f"{path}: line {n}: ticker {ticker!r} contains a space or a slash")
        if ticker in seen:
            raise DataError(
                f"{path}: line {n}: duplicate ticker {ticker} (first on line {seen[ticker]})"
            )
        seen[ticker] = n
        members.append(Member(ticker, sector))
    if not members:
        raise DataError(f"{path}: no members after the header")
    return members


def read_member_lists(breadth: Breadth, root: Path) -> dict[str, list[str] | DataError]:
    """Each breadth list's tickers, by list name, or why its file cannot be used.

    The one reader of the lists, for the build's member prices and the fetch alike. A bad file
    is returned, not raised: it leaves that list without numbers (its page says why), never the
    whole run.
    """
    out: dict[str, list[str] | DataError] = {}
    for item in breadth.lists:
        path = root / item.file
        try:
            out[item.name] = [m.ticker for m in read_members(path)]
        except DataError as exc:
            # Published on the Breadth page: the file as rotation.yml names it, not where the
            # build machine keeps it.
            out[item.name] = DataError(str(exc).replace(str(path), item.file))
    return out


def member_frame(
    series: Mapping[str, pd.Series],
    tickers: Sequence[str],
    *,
    start: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The price frame of ``tickers`` (in that order) from each member's own close series.

    Rows: every date on which at least one of the tickers has a close, from ``start`` on (the
    shared data's member prices begin on 2023-01-03, while a few members have decades of
    history: pass the first session the breadth history should cover to keep the frame small).
    Tickers absent from ``series`` are left out (:func:`generator.metrics.breadth.coverage`
    counts them). Values are copied as they are, NaN and non-positive closes included: the
    breadth metrics treat a non-positive close as no close.

    Built with one sorted union of dates and a ``searchsorted`` per member: for the ~2,800
    members of the shared lists this takes a fraction of a second, where aligning the series
    with ``pd.DataFrame(dict)`` takes seconds. Raises :class:`DataError` for a series with a
    date twice (validation should have failed that symbol).
    """
    arrays = {}
    for ticker in tickers:
        if ticker not in series:
            continue
        s = series[ticker]
        index = s.index
        if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
            index = index.tz_localize(None)
        # Plain numpy from here: pandas' per-index checks cost ~1 ms a member.
        days = np.asarray(index, dtype="datetime64[ns]").astype("datetime64[D]")
        arrays[ticker] = (days, s.to_numpy(dtype="float64"))
    return frame_of_arrays(arrays, tickers, start=start)


def frame_of_arrays(
    arrays: Mapping[str, tuple[np.ndarray, np.ndarray]],
    tickers: Sequence[str],
    *,
    start: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """:func:`member_frame` of members given as (``datetime64[D]`` days, closes) arrays: the
    members store reads its rows this way, without a pandas object per member."""
    present = [t for t in tickers if t in arrays]
    cut = None if start is None else np.datetime64(pd.Timestamp(start).date(), "D")
    stamps: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for ticker in present:
        days, vals = arrays[ticker]
        if cut is not None:
            keep = days >= cut
            days, vals = days[keep], vals[keep]
        ordered = days if (days[1:] > days[:-1]).all() else np.sort(days)
        if (ordered[1:] == ordered[:-1]).any():
            dup = ordered[1:][ordered[1:] == ordered[:-1]][0]
            raise DataError(f"{ticker}: date {dup} appears twice")
        stamps.append(days)
        values.append(vals)
    dates = (
        np.sort(pd.unique(np.concatenate(stamps).view("int64"))).view("datetime64[D]")
        if stamps
        else np.array([], "datetime64[D]")
    )
    # Filled member by member in (members x dates) order, pandas' own block layout: each write is
    # contiguous and the frame takes the transpose without copying.
    out = np.full((len(present), len(dates)), np.nan)
    for j, (days, vals) in enumerate(zip(stamps, values, strict=True)):
        out[j, np.searchsorted(dates, days)] = vals
    out = out.T
    filled = ~np.isnan(out).all(axis=1)  # the price-frame shape: no row without any close
    index = pd.DatetimeIndex(dates[filled].astype("datetime64[ns]"), name="date")
    return pd.DataFrame(out[filled], index=index, columns=list(present))


def list_date(path: Path) -> str | None:
    """The day the list at ``path`` was taken, from its sidecar ``path.json``: ``None`` without
    one, or when it gives no day (the config's ``members_as_of`` then dates the list)."""
    try:
        day = json.loads(path.with_suffix(".json").read_text(encoding="utf-8")).get(LIST_DATE)
        return dt.date.fromisoformat(day).isoformat()
    except (OSError, ValueError, AttributeError, TypeError):
        return None
