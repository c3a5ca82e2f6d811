"""The valuation history: weekly snapshots of the funds' holdings averages, append-only.

Fundamentals cannot be fetched for a past date: Yahoo answers with today's averages only. So
the history is what this project saw on each day it asked, kept in a committed CSV
(``valuation.file``, one row per date, fund and field) that only ever grows: a snapshot adds
the rows of its day and never edits an earlier one, so a page or a post as of a date reads
exactly what was known by then, and nothing is back-filled with later fundamentals.

``rotation valuation`` takes the snapshot (the weekly workflow runs it after the prices). It is
fail-soft: a fund Yahoo does not answer for is left out of that day and named in the status
file beside the history (``<file>.json``: when the last snapshot ran and what failed), which
the page shows; the history is never rewritten, and the price run never fails because of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from generator.errors import DataError
from generator.metrics.valuation import PE
from generator.project import Project
from generator.store import atomic_write

log = logging.getLogger(__name__)

HEADER = ("date", "symbol", "field", "value", "source")
YAHOO = "Yahoo Finance fund holdings averages"
"""The provider a row names: Yahoo's quoteSummary ``topHoldings.equityHoldings``."""

Fetch = Callable[[Sequence[str]], Mapping[str, "dict[str, float] | str"]]


@dataclass(frozen=True)
class SnapshotResult:
    day: dt.date
    path: Path
    written: int
    """Rows added."""
    kept: int
    """Rows of the day already in the history (a second run the same day adds nothing)."""
    failed: dict[str, str] = field(default_factory=dict)
    """Fund -> why Yahoo gave nothing for it."""


def empty_history() -> pd.DataFrame:
    """A history with no snapshot yet."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in HEADER}).astype(
        {"date": "datetime64[ns]", "value": "float64"}
    )


def read_history(path: Path) -> pd.DataFrame:
    """The history as a frame (``date`` as timestamps), empty with the columns when there is no
    file yet. A file that is not this history is a :class:`DataError` naming it and the line."""
    if not path.exists():
        return empty_history()
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if tuple(next(reader, ())) != HEADER:
            raise DataError(f"{path}: line 1 must be {','.join(HEADER)}")
        for line, row in enumerate(reader, start=2):
            try:
                day, symbol, name, value, source = row
                number = float(value)
                if not math.isfinite(number):
                    raise ValueError(value)
                rows.append((dt.date.fromisoformat(day), symbol, name, number, source))
            except ValueError:
                raise DataError(
                    f"{path}: line {line} is not date,symbol,field,value,source"
                ) from None
    frame = pd.DataFrame(rows, columns=list(HEADER))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


SAMPLE = "synthetic valuation (sample data)"
"""The provider the sample's made-up history names."""
_SAMPLE_PE = {
    "IWM": 26.0,
    "IWN": 15.0,
    "IWO": 38.0,
    "IWB": 25.0,
    "IWD": 18.0,
    "IWF": 34.0,
    "IWR": 21.0,
    "IWS": 17.0,
    "IWP": 30.0,
    "SPY": 25.5,
    "IJR": 16.5,
    "MDY": 18.5,
}


SAMPLE_START = pd.Timestamp("2026-01-02")
"""The sample's first snapshot: each later one's value is the same whatever the session asked
about, so a sample post and the sample site agree."""


def sample_history(funds: Sequence[str], as_of: pd.Timestamp) -> pd.DataFrame:
    """A made-up weekly history for the sample site (each Friday from :data:`SAMPLE_START` to
    ``as_of``), deterministic per fund (seeded by its name), labelled :data:`SAMPLE`: the
    Valuation page can be seen without a fetch, and no reader takes it for Yahoo's."""
    days = pd.date_range(SAMPLE_START, as_of, freq="W-FRI")
    rows = []
    for symbol in funds:
        rng = np.random.default_rng(zlib.crc32(symbol.encode()))
        base = _SAMPLE_PE.get(symbol, 15 + 20 * rng.random())
        walk = base * np.exp(np.cumsum(rng.normal(0, 0.015, len(days))))
        for day, value in zip(days, walk, strict=True):
            rows.append((day, symbol, PE, round(float(value), 2), SAMPLE))
    return pd.DataFrame(rows, columns=list(HEADER)).astype({"value": "float64"})


def history_for(
    project: Project, is_sample: bool, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, dict]:
    """The history for a report as of ``as_of`` (the report keeps only the snapshots taken by
    its session), and the last snapshot's status if it was taken by then: the sample's made-up
    one for the sample source, the committed file otherwise (empty where there is none yet)."""
    cfg = project.config.valuation
    if cfg is None:
        return empty_history(), {}
    if is_sample:
        return sample_history(cfg.funds, as_of), {}
    path = project.locate(cfg.file)
    status = read_status(path)
    taken = status.get("taken")
    if not taken or pd.Timestamp(taken) > as_of:
        status = {}
    return read_history(path), status


def _rows_text(rows: Sequence[tuple[str, str, str, float, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows((d, s, f, repr(v), src) for d, s, f, v, src in rows)
    return out.getvalue().encode("utf-8")


def append(path: Path, day: dt.date, values: Mapping[str, Mapping[str, float]]) -> tuple[int, int]:
    """Add ``day``'s values (fund -> field -> value) to the history: the old file's bytes stay
    as they are, followed by the rows not already there for that day; all or nothing. Returns
    (rows written, rows already there)."""
    history = read_history(path)  # refuses to append to a file that is not the history
    have = {
        (s, f)
        for s, f in history.loc[
            history["date"] == pd.Timestamp(day), ["symbol", "field"]
        ].itertuples(index=False)
    }
    new = [
        (day.isoformat(), symbol, name, value, YAHOO)
        for symbol, fields in values.items()
        for name, value in sorted(fields.items())
        if (symbol, name) not in have
    ]
    kept = sum(len(fields) for fields in values.values()) - len(new)
    if not new:
        return 0, kept
    before = path.read_bytes() if path.exists() else ",".join(HEADER).encode() + b"\n"
    if not before.endswith(b"\n"):
        before += b"\n"

    def fill(handle: BinaryIO) -> None:
        handle.write(before + _rows_text(new))

    atomic_write(path, fill, store="the valuation history", kept="the history as it was")
    return len(new), kept


def status_path(path: Path) -> Path:
    return path.with_suffix(".json")


def read_status(path: Path) -> dict:
    """What the last snapshot said: its day and the failed funds; ``{}`` before the first, or
    when the file is not what ``take_snapshot`` writes (the page then says nothing of it)."""
    try:
        status = json.loads(status_path(path).read_text(encoding="utf-8"))
        dt.date.fromisoformat(status["taken"])
        failed = status.get("failed", {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in failed.items()):
            return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
    return status


def take_snapshot(project: Project, fetch: Fetch, today: dt.date | None = None) -> SnapshotResult:
    """Ask for every configured fund's averages and add what came back to the history; the
    funds that failed are logged and named in the status file, never written as values."""
    cfg = project.config.valuation
    assert cfg is not None, "the caller checks that valuation is configured"
    path = project.locate(cfg.file)
    day = today or dt.datetime.now(dt.UTC).date()
    answers = fetch(list(cfg.funds))
    values = {s: v for s, v in answers.items() if isinstance(v, dict)}
    failed = {s: v for s, v in answers.items() if isinstance(v, str)}
    written, kept = append(path, day, values)
    status = {"taken": day.isoformat(), "funds": list(cfg.funds), "failed": failed}

    def fill(handle: BinaryIO) -> None:
        handle.write((json.dumps(status, indent=1, sort_keys=True) + "\n").encode())

    atomic_write(status_path(path), fill, store="the valuation history", kept="the last status")
    for symbol, reason in failed.items():
        log.warning("valuation: %s: %s (left out of %s)", symbol, reason, day)
    return SnapshotResult(day, path, written, kept, failed)
