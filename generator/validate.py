"""Data validation: every requested symbol ends as ``ok``, ``stale`` or ``failed``.

Runs on every build and fetch, whatever the source, against the NYSE calendar. Checks that can be
repaired without guessing (a missing close, a non-positive close, a bar for a session still in
progress) drop the bad rows and record an *issue*; checks that make a series unusable (no data,
duplicate dates, a yield quoted in the wrong units) mark the symbol *failed*. A symbol whose last
session is older than the session the source should reach is *stale*.

The result is a :class:`RunReport`: machine-readable JSON and a short human summary.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from generator import calendar
from generator.config import Config, DataPolicy
from generator.errors import DataError
from generator.frame import LoadResult

Status = Literal["ok", "stale", "failed"]
SHOWN_DATES = 3


@dataclass(frozen=True)
class SymbolReport:
    symbol: str
    status: Status
    reason: str = ""
    """Why it failed, or how far behind a stale symbol is."""
    first_session: str | None = None
    last_session: str | None = None
    sessions_behind: int = 0
    issues: tuple[str, ...] = ()
    """Data-quality findings that were repaired or are only worth knowing."""


@dataclass(frozen=True)
class RunReport:
    source: str
    expected_session: str
    created_at: str
    symbols: tuple[SymbolReport, ...] = field(default_factory=tuple)

    def status_of(self, symbol: str) -> SymbolReport:
        return next(s for s in self.symbols if s.symbol == symbol)

    def with_status(self, status: Status) -> list[SymbolReport]:
        return [s for s in self.symbols if s.status == status]

    def to_json(self) -> str:
        counts = {k: len(self.with_status(k)) for k in ("ok", "stale", "failed")}
        return json.dumps({**asdict(self), "counts": counts}, indent=2) + "\n"

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    def log(self, logger: logging.Logger, path: Path) -> None:
        """The first summary line at INFO, each stale or failed symbol at WARNING."""
        first, *problems = self.summary().splitlines()
        logger.info("%s (run report: %s)", first, path)
        for line in problems:
            logger.warning("%s", line.strip())

    def summary(self) -> str:
        """A few lines for a terminal or a workflow log."""
        ok, stale, failed = (self.with_status(k) for k in ("ok", "stale", "failed"))
        lines = [
            f"{len(self.symbols)} symbols from {self.source}, expected through "
            f"{self.expected_session}: {len(ok)} ok, {len(stale)} stale, {len(failed)} failed"
        ]
        lines += [f"  stale  {s.symbol}: {s.reason}" for s in stale]
        lines += [f"  failed {s.symbol}: {s.reason}" for s in failed]
        return "\n".join(lines)


def _dates(days: pd.DatetimeIndex | list[pd.Timestamp]) -> str:
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in list(days)[:SHOWN_DATES])
    more = len(days) - SHOWN_DATES
    return shown + (f" and {more} more" if more > 0 else "")


def check_series(
    symbol: str,
    raw: pd.Series | None,
    *,
    kind: str,
    expected: pd.Timestamp,
    policy: DataPolicy,
    completed: pd.Timestamp | None = None,
    failure: str = "",
    today: pd.Timestamp | None = None,
) -> tuple[pd.Series | None, SymbolReport]:
    """Validate one symbol's closes; return the cleaned series (``None`` if failed) and its report.

    ``expected`` is the session the source should reach; ``completed``, when given, is the last
    completed session: a row after it is a bar for a session in progress and is dropped.
    ``failure`` is the source's reason when it returned nothing, or why a refresh failed when
    older data is still there (then the symbol is judged on that data, and the reason kept).
    ``today`` is the run's date: a row dated after it cannot be a close and is dropped, as is a
    close that is not a finite number.
    """
    if raw is None or raw.dropna().empty:
        return None, SymbolReport(symbol, "failed", failure or "no data")
    issues: list[str] = [f"refresh failed: {failure}"] if failure else []
    series = raw.astype("float64")
    if series.index.has_duplicates:
        dup = series.index[series.index.duplicated()]
        return None, SymbolReport(symbol, "failed", f"duplicate dates: {_dates(dup)}")
    if not series.index.is_monotonic_increasing:
        issues.append("dates out of order (sorted)")
        series = series.sort_index()
    if today is not None and (series.index > today).any():
        future = series.index[series.index > today]
        issues.append(f"dropped {len(future)} rows dated after today: {_dates(future)}")
        series = series[series.index <= today]
    infinite = series.index[np.isinf(series.to_numpy())]
    if len(infinite):
        issues.append(f"dropped {len(infinite)} non-finite closes: {_dates(infinite)}")
        series = series[~np.isinf(series.to_numpy())]
    if completed is not None and (series.index > completed).any():
        late = series.index[series.index > completed]
        issues.append(f"dropped a bar for a session in progress: {_dates(late)}")
        series = series[series.index <= completed]
    gaps = series.index[series.isna()]
    if len(gaps):
        issues.append(f"{len(gaps)} missing closes: {_dates(gaps)}")
        series = series.dropna()
    if kind == "yield":
        low, high = policy.yield_range
        wild = series[(series < low) | (series > high)]
        if len(wild):
            return None, SymbolReport(
                symbol,
                "failed",
                f"yield {wild.iloc[0]:g} on {wild.index[0]:%Y-%m-%d} is outside the plausible "
                f"range {low:g} to {high:g} percent (wrong units?)",
            )
    else:
        bad = series.index[series <= 0]
        if len(bad):
            issues.append(f"dropped {len(bad)} non-positive closes: {_dates(bad)}")
            series = series[series > 0]
        moves = series.pct_change().iloc[1:]
        jumps = moves[moves.abs() > policy.max_daily_move]
        for day, move in jumps.items():
            issues.append(f"one-day move of {move:+.0%} on {day:%Y-%m-%d} (no split recorded)")
    if series.empty:
        return None, SymbolReport(symbol, "failed", "no valid closes left", issues=tuple(issues))
    first, last = series.index[0], series.index[-1]
    if kind != "yield":  # rates follow the bond market's calendar, not the NYSE's
        missing = calendar.sessions(first, last).difference(series.index)
        if len(missing):
            issues.append(f"{len(missing)} NYSE sessions missing: {_dates(missing)}")
    behind = len(calendar.sessions(last + pd.Timedelta(days=1), expected)) if last < expected else 0
    status: Status = "stale" if behind else "ok"
    reason = f"last session {last:%Y-%m-%d}, {behind} behind {expected:%Y-%m-%d}" if behind else ""
    report = SymbolReport(
        symbol,
        status,
        reason,
        first_session=f"{first:%Y-%m-%d}",
        last_session=f"{last:%Y-%m-%d}",
        sessions_behind=behind,
        issues=tuple(issues),
    )
    return series, report


def validate(
    series: Mapping[str, pd.Series],
    failures: Mapping[str, str],
    kinds: Mapping[str, str],
    *,
    source: str,
    expected: pd.Timestamp,
    policy: DataPolicy,
    completed: pd.Timestamp | None = None,
    now: dt.datetime | None = None,
) -> tuple[dict[str, pd.Series], RunReport]:
    """Check every symbol of ``kinds`` (in its order); return the usable series and the report."""
    clean: dict[str, pd.Series] = {}
    reports = []
    today = run_date(now)
    for symbol, kind in kinds.items():
        result, report = check_series(
            symbol,
            series.get(symbol),
            kind=kind,
            expected=expected,
            policy=policy,
            completed=completed,
            failure=failures.get(symbol, ""),
            today=today,
        )
        if result is not None:
            clean[symbol] = result
        reports.append(report)
    created = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return clean, RunReport(source, f"{expected:%Y-%m-%d}", created, tuple(reports))


def run_date(now: dt.datetime | None = None) -> pd.Timestamp:
    """Today (UTC) as a session date: no close can be dated after it."""
    return pd.Timestamp((now or dt.datetime.now(dt.UTC)).date())


def newest_session(
    series: Mapping[str, pd.Series], today: pd.Timestamp | None = None
) -> pd.Timestamp | None:
    """The newest date with a close across ``series``, up to ``today`` (default: the run's
    date): what a file source should reach. A row dated in the future in one file is ignored
    here (and dropped from its symbol), so it cannot make every other symbol look stale."""
    today = run_date() if today is None else today
    lasts = [
        s.index[s.index <= today].max()
        for s in (ser.dropna() for ser in series.values())
        if (s.index <= today).any()
    ]
    return max(lasts) if lasts else None


def as_of_session(
    closes: pd.Series, benchmark: str, requested: pd.Timestamp | None
) -> pd.Timestamp:
    """The session a run is as of: the benchmark's last close on or before ``requested`` (or at
    all). The one place this is decided, for the site, every weekly post and validation."""
    closes = closes.dropna().sort_index()
    if closes.empty:
        raise DataError(f"{benchmark}: the benchmark has no prices")
    if requested is None:
        return closes.index[-1]
    eligible = closes.loc[:requested]
    if eligible.empty:
        raise DataError(
            f"--as-of {requested:%Y-%m-%d} is before the first session of {benchmark} "
            f"({closes.index[0]:%Y-%m-%d})"
        )
    return eligible.index[-1]


def check_load(
    loaded: LoadResult, config: Config, requested: pd.Timestamp | None
) -> tuple[dict[str, pd.Series], RunReport]:
    """Validate a source's result for ``config`` as of ``requested`` (no row after it is looked at).

    The session the data should reach is the NYSE session on or before ``requested`` when given,
    else the source's own target (the last completed session for Yahoo), else the newest session
    found in the data (a CSV folder or the store).
    """
    bench = loaded.series.get(config.benchmark)
    if requested is not None and bench is not None and not bench.dropna().empty:
        as_of_session(bench, config.benchmark, requested)  # fails early on a date before all data
    series = {
        s: (ser[ser.index <= requested] if requested is not None else ser)
        for s, ser in loaded.series.items()
    }
    if requested is not None:
        window = calendar.sessions(requested - pd.Timedelta(days=14), requested)
        expected = window[-1] if len(window) else requested
    else:
        expected = loaded.expected or newest_session(series)
    if expected is None:
        raise DataError(f"{loaded.origin}: no prices for any symbol of the universe")
    kinds = {inst.symbol: inst.kind for inst in config.universe}
    return validate(
        series,
        loaded.missing,
        kinds,
        source=loaded.source,
        expected=expected,
        policy=config.data,
        completed=loaded.completed,
    )


def enforce_policy(config: Config, report: RunReport) -> None:
    """Fail closed: raise :class:`DataError` when the report is not good enough to publish."""
    pair = config.headline_pair
    roles = {config.benchmark: "benchmark", pair.a: "headline pair", pair.b: "headline pair"}
    for symbol, role in roles.items():
        status = report.status_of(symbol)
        if status.status == "failed":
            raise DataError(f"{symbol} ({role}) failed: {status.reason}")
        if status.status == "stale":
            raise DataError(f"{symbol} ({role}) is stale: {status.reason}")
    failed = report.with_status("failed")
    share = len(failed) / len(report.symbols)
    if share > config.data.max_failed_share:
        names = ", ".join(f"{s.symbol} ({s.reason})" for s in failed[:3])
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        raise DataError(
            f"{len(failed)} of {len(report.symbols)} symbols failed, more than "
            f"data.max_failed_share {config.data.max_failed_share:.0%}: {names}{more}"
        )
