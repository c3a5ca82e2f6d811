"""Index member lists from the issuers' public holdings files.

An index's members are the holdings of a fund that tracks it: iShares publishes each fund's
holdings as a CSV download (IWM for the Russell 2000, IVV for the S&P 500, IJH for the S&P 400),
Invesco the QQQ's (the Nasdaq-100). :func:`parse` reads either format, keeps the equities and
writes them as the ``ticker,sector`` list the Breadth page reads (:mod:`generator.members`),
with a sidecar ``.json`` saying where and when the list came from.

The files are made for spreadsheets, not programs: iShares puts a preamble (the fund's name,
"Fund Holdings as of", inception date…) above the header and a disclaimer under the rows, and
lists cash, futures and money-market lines beside the stocks; Invesco has one header line and a
date per row. Tickers are written as exchanges write them (``BRK.B``); Yahoo spells them
``BRK-B``. A file that looks wrong (no header it can read, too few members, a list shrinking
by more than :data:`MAX_SHRINK`) is refused with one line and the previous list kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import inert
from generator.errors import DataError
from generator.members import HEADER, LIST_DATE, read_members
from generator.store import atomic_write

if TYPE_CHECKING:
    from generator.project import Project

MAX_SHRINK = 0.2
"""A refreshed list with fewer than 80 % of the previous list's members is refused: a fund does
not lose a fifth of its holdings in a week, a truncated download does."""


@dataclass(frozen=True)
class Holding:
    ticker: str
    """As Yahoo spells it (:func:`yahoo_symbol`)."""
    name: str
    sector: str
    weight: float | None
    """Percent of the fund."""


@dataclass(frozen=True)
class Holdings:
    fund: str
    as_of: dt.date | None
    """The date the issuer gives the holdings."""
    stocks: tuple[Holding, ...]


TICKER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,14}")
"""What a stock's Yahoo symbol looks like; any other holding line (cash, a future, a blank
ticker, text a spreadsheet would run) is not a member."""


def yahoo_symbol(ticker: str) -> str:
    """An exchange ticker as Yahoo writes it: ``BRK.B`` and ``BF/B`` -> ``BRK-B``, ``BF-B``;
    ``""`` for anything that is not a stock's ticker."""
    symbol = ticker.strip().upper().replace(".", "-").replace("/", "-").replace(" ", "")
    return symbol if TICKER.fullmatch(symbol) else ""


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("%", "").strip())
    except ValueError:
        return None


def _rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in row]
        for row in csv.reader(text.lstrip("\ufeff").splitlines())
        if any(cell.strip() for cell in row)
    ]


def _header(rows: list[list[str]], first: str, needed: set[str], source: str) -> int:
    """The index of the header row (the first whose first cell is ``first``); a header without
    the ``needed`` columns is refused, naming them."""
    for i, row in enumerate(rows):
        if row and row[0] == first:
            missing = needed - set(row)
            if missing:
                raise DataError(
                    f"{source}: the holdings header lacks {', '.join(sorted(missing))} "
                    f"(found {', '.join(row)})"
                )
            return i
    raise DataError(f"{source}: no holdings header (a row starting '{first},') found")


def _unique(stocks: list[Holding]) -> tuple[Holding, ...]:
    """Each ticker once (a second share line of one company is the same member), in order."""
    seen: dict[str, Holding] = {}
    for stock in stocks:
        seen.setdefault(stock.ticker, stock)
    return tuple(seen.values())


def parse_ishares(text: str, source: str) -> Holdings:
    """An iShares holdings CSV: the equities, as of its "Fund Holdings as of" date."""
    rows = _rows(text)
    as_of = None
    for row in rows[:12]:
        if row[0].lower() == "fund holdings as of" and len(row) > 1:
            try:
                as_of = dt.datetime.strptime(row[1], "%b %d, %Y").date()
            except ValueError:
                raise DataError(f"{source}: unreadable holdings date {row[1]!r}") from None
    at = _header(rows, "Ticker", {"Ticker", "Name", "Asset Class"}, source)
    header = rows[at]
    stocks = []
    for row in rows[at + 1 :]:
        if len(row) < len(header):
            if row[0].lower() == "fund holdings as of":
                break  # a fund of funds: its look-through section follows
            continue  # the disclaimer under the rows
        cell = dict(zip(header, row, strict=False))
        ticker = yahoo_symbol(cell["Ticker"])
        if cell["Asset Class"] != "Equity" or not ticker:
            continue
        stocks.append(
            Holding(
                ticker, cell["Name"], cell.get("Sector", ""), _number(cell.get("Weight (%)", ""))
            )
        )
    return Holdings(rows[0][0] if rows else "", as_of, _unique(stocks))


def parse_invesco(text: str, source: str) -> Holdings:
    """An Invesco holdings CSV: the common stocks, as of the rows' (latest) date."""
    rows = _rows(text)
    at = _header(rows, "Fund Ticker", {"Fund Ticker", "Holding Ticker", "Name"}, source)
    header = rows[at]
    stocks, dates, funds = [], set(), set()
    for row in rows[at + 1 :]:
        cell = dict(zip(header, row, strict=False))
        ticker = yahoo_symbol(cell.get("Holding Ticker", ""))
        if not ticker or cell.get("Class of Shares", "Common Stock") != "Common Stock":
            continue
        funds.add(cell["Fund Ticker"])
        if cell.get("Date"):
            try:
                dates.add(dt.datetime.strptime(cell["Date"], "%m/%d/%Y").date())
            except ValueError:
                raise DataError(f"{source}: unreadable holdings date {cell['Date']!r}") from None
        stocks.append(
            Holding(ticker, cell["Name"], cell.get("Sector", ""), _number(cell.get("Weight", "")))
        )
    if len(funds) > 1:
        raise DataError(f"{source}: holdings of several funds ({', '.join(sorted(funds))})")
    return Holdings(next(iter(funds), ""), max(dates, default=None), _unique(stocks))


PARSERS: dict[str, Callable[[str, str], Holdings]] = {
    "ishares": parse_ishares,
    "invesco": parse_invesco,
}
"""The holdings formats, by issuer (``breadth.lists[].holdings.issuer``)."""


def check(holdings: Holdings, previous: Sequence[str], *, min_members: int, source: str) -> None:
    """Refuse a list that looks wrong: fewer than ``min_members`` stocks, or fewer than
    ``1 - MAX_SHRINK`` of the ``previous`` list's."""
    found = len(holdings.stocks)
    if found < min_members:
        raise DataError(
            f"{source}: {found} stocks in the holdings, expected at least {min_members} "
            "(a truncated download?); the previous list is kept"
        )
    if previous and found < (1 - MAX_SHRINK) * len(previous):
        raise DataError(
            f"{source}: {found} stocks against {len(previous)} in the previous list, a fall of "
            f"more than {MAX_SHRINK:.0%}; the previous list is kept"
        )


def previous_tickers(path: Path) -> list[str]:
    """The tickers of the list now at ``path`` (none when there is no readable list)."""
    try:
        return [m.ticker for m in read_members(path)]
    except DataError:
        return []


def write_list(path: Path, holdings: Holdings, *, url: str, fetched_at: dt.datetime) -> None:
    """The ``ticker,sector`` list at ``path`` and its sidecar ``path.json`` (fund, holdings
    date, where and when fetched, how many members), each replaced whole."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([stock.ticker, inert.csv_cell(stock.sector)] for stock in holdings.stocks)
    kept = "the previous list is kept"
    data = text.getvalue().encode()
    atomic_write(path, lambda handle: handle.write(data), store="member list", kept=kept)
    sidecar = {
        "fund": holdings.fund,
        LIST_DATE: holdings.as_of.isoformat() if holdings.as_of else None,
        "source": url,
        "fetched_at": fetched_at.isoformat(timespec="seconds"),
        "members": len(holdings.stocks),
    }
    note = (json.dumps(sidecar, indent=1) + "\n").encode()
    atomic_write(
        path.with_suffix(".json"), lambda handle: handle.write(note), store="member list", kept=kept
    )


def download(url: str, timeout: float = 30.0) -> str:
    """The text at ``url`` (the issuers serve their files to browsers; a plain client with a
    browser's user agent gets them too)."""
    import requests

    try:
        response = requests.get(
            url, timeout=timeout, headers={"User-Agent": "Mozilla/5.0 (rotation-monitor)"}
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        raise DataError(f"{url}: download failed ({exc})") from None
    return response.content.decode("utf-8-sig", errors="replace")


@dataclass(frozen=True)
class Refreshed:
    name: str
    path: Path
    members: int
    as_of: dt.date | None


def refresh(
    project: Project,
    *,
    files: Mapping[str, Path] | None = None,
    fetch: Callable[[str], str] = download,
    now: dt.datetime | None = None,
) -> list[Refreshed]:
    """Refresh every configured list that names its ``holdings``: from ``files[name]`` when
    given (a file downloaded by hand), else from its URL. Each list is checked before it
    replaces the old one; a list that fails keeps its file, and after the others are done the
    failures are raised as one :class:`DataError` line."""
    breadth = project.config.breadth
    lists = [item for item in (breadth.lists if breadth else ()) if item.holdings]
    if not lists:
        raise DataError(f"{project.config_path}: no breadth list names its holdings to refresh")
    unknown = sorted(set(files or {}) - {item.name for item in lists})
    if unknown:
        raise DataError(f"--file: no list named {', '.join(unknown)} has holdings to refresh")
    now = now or dt.datetime.now(dt.UTC)
    done, failed = [], []
    for item in lists:
        assert item.holdings is not None
        path = project.locate(item.file)
        given = (files or {}).get(item.name)
        source = str(given) if given else item.holdings.url
        try:
            text = _read(given) if given else fetch(item.holdings.url)
            parsed = PARSERS[item.holdings.issuer](text, source)
            check(
                parsed,
                previous_tickers(path),
                min_members=item.holdings.min_members,
                source=f"{item.name} ({source})",
            )
            write_list(path, parsed, url=source, fetched_at=now)
        except DataError as exc:
            failed.append(str(exc))
            continue
        done.append(Refreshed(item.name, path, len(parsed.stocks), parsed.as_of))
    if failed:
        raise DataError("; ".join(failed))
    return done


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
