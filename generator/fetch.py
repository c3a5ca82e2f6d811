"""Refreshing the local price store: only what is missing or stale, in batches, with retries.

For each symbol the plan is one of:

* **current**: its last stored session is the target session; nothing to ask for;
* **incremental**: ask from ``overlap_sessions`` before its last stored session. If the overlap
  agrees with the store (within ``rescale_tolerance``) the new sessions are merged in; if not,
  the provider has re-scaled the adjusted history (a dividend or split since the last fetch), so
  the whole history is fetched again and replaces the stored one;
* **new**: the whole history.

Failed symbols are retried, only them, with exponential backoff; a reason that says the symbol
does not exist is not retried. If the very first request finds the provider unreachable
(no DNS, no route), the refresh stops at once with a :class:`SourceError` and the store is
untouched. Each symbol is written atomically, so a crash leaves every file either old or new.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import pandas as pd
from tqdm import tqdm

from generator import calendar
from generator.config import DataPolicy
from generator.errors import DataError, SourceError
from generator.frame import LoadResult
from generator.sources import Source
from generator.store import PriceStore

if TYPE_CHECKING:
    from generator.project import Project
    from generator.validate import RunReport

log = logging.getLogger(__name__)

HISTORY_START = dt.date(1990, 1, 2)

Action = Literal["current", "updated", "refetched", "new", "failed"]

PERMANENT = ("delisted", "no data found", "no timezone found", "not found", "no such")
UNREACHABLE = (
    "could not resolve host",
    "dnserror",
    "failed to connect",
    "connection refused",
    "network is unreachable",
    "no route to host",
)


class Download(Protocol):
    """A provider: closes for ``symbols`` from ``start`` to ``end`` (exclusive), and failures."""

    def __call__(
        self, symbols: list[str], start: dt.date, end: dt.date
    ) -> tuple[pd.DataFrame, Mapping[str, str]]: ...


@dataclass(frozen=True)
class Outcome:
    symbol: str
    action: Action
    detail: str = ""


TRANSIENT = (
    "timed out",
    "timeout",
    "rate limit",
    "too many requests",
    "jsondecodeerror",
    "expecting value",
    "temporarily",
    "connection",
    "database is locked",
)


def is_permanent(reason: str) -> bool:
    """A reason that says the symbol does not exist, and nothing that says the request failed.

    yfinance reports a timed-out timezone probe as "possibly delisted; no timezone found
    (timezone lookup failed: Read timed out)": the transient cause wins.
    """
    text = reason.lower()
    return any(w in text for w in PERMANENT) and not any(w in text for w in TRANSIENT)


def is_unreachable(reason: str) -> bool:
    return any(word in reason.lower() for word in UNREACHABLE)


def progress_bar(total: int, label: str) -> tqdm:
    """A progress bar on an interactive terminal; silent in CI and in logs."""
    quiet = not sys.stderr.isatty() or bool(os.environ.get("CI"))
    return tqdm(total=total, desc=label, unit="symbol", disable=quiet, leave=False)


def _start_of_overlap(last: pd.Timestamp, overlap: int) -> pd.Timestamp:
    window = calendar.sessions(last - pd.Timedelta(days=overlap * 2 + 14), last)
    return window[-overlap] if len(window) >= overlap else window[0]


def refresh(
    store: PriceStore,
    symbols: Sequence[str],
    download: Download,
    *,
    target: pd.Timestamp,
    policy: DataPolicy,
    source: str,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[Outcome]:
    """Bring ``symbols`` in ``store`` up to ``target``; return what happened to each."""
    outcomes: dict[str, Outcome] = {}
    starts: dict[str, pd.Timestamp] = {}
    for symbol in symbols:
        try:
            meta = store.meta(symbol)
        except DataError as exc:
            log.warning("%s; fetching its whole history again", exc)
            meta = None
        if meta is None:
            starts[symbol] = pd.Timestamp(HISTORY_START)
        elif pd.Timestamp(meta.last_session) >= target:
            outcomes[symbol] = Outcome(symbol, "current")
        else:
            starts[symbol] = _start_of_overlap(
                pd.Timestamp(meta.last_session), policy.overlap_sessions
            )
    end = (target + pd.Timedelta(days=1)).date()
    with progress_bar(len(starts), f"fetch {source}") as bar:
        fetched, failures = _fetch_all(starts, download, end, policy=policy, sleep=sleep, bar=bar)
    rescaled = []
    for symbol, got in fetched.items():
        series = got[got.index <= target].dropna()
        if series.empty:
            failures[symbol] = f"no sessions on or before {target:%Y-%m-%d}"
            continue
        try:
            stored = store.read(symbol) if starts[symbol] != pd.Timestamp(HISTORY_START) else None
        except DataError as exc:  # footer readable, data not: fetch the whole history again
            log.warning("%s; fetching its whole history again", exc)
            rescaled.append(symbol)
            continue
        if stored is None:
            store.write(symbol, series, source=source, fetched_at=now())
            outcomes[symbol] = Outcome(symbol, "new", f"{len(series)} sessions")
            continue
        merged = merge(stored, series, policy.rescale_tolerance)
        if merged is None:
            rescaled.append(symbol)
            continue
        store.write(symbol, merged, source=source, fetched_at=now())
        added = len(merged) - len(stored)
        outcomes[symbol] = Outcome(symbol, "updated", f"{added} new sessions")
    if rescaled:
        log.info("history re-scaled for %s: fetching it whole", ", ".join(rescaled))
        whole, refailed = _fetch_all(
            dict.fromkeys(rescaled, pd.Timestamp(HISTORY_START)),
            download,
            end,
            policy=policy,
            sleep=sleep,
            bar=None,
        )
        failures.update(refailed)
        for symbol, got in whole.items():
            store.write(symbol, got[got.index <= target], source=source, fetched_at=now())
            outcomes[symbol] = Outcome(symbol, "refetched", "adjusted history re-scaled")
    for symbol, reason in failures.items():
        outcomes[symbol] = Outcome(symbol, "failed", reason)
    return [outcomes[s] for s in symbols]


def merge(stored: pd.Series, fresh: pd.Series, tolerance: float) -> pd.Series | None:
    """Fresh sessions merged over the stored ones, or ``None`` if the two disagree.

    Disagreement in the overlap beyond ``tolerance`` (relative) means the provider re-scaled the
    adjusted history; so does an overlap with no common session at all, which cannot be checked.
    """
    common = stored.index.intersection(fresh.index)
    if common.empty:
        return None
    drift = (fresh.loc[common] / stored.loc[common] - 1.0).abs().max()
    if drift > tolerance:
        return None
    return fresh.combine_first(stored).sort_index()


def _fetch_all(
    starts: Mapping[str, pd.Timestamp],
    download: Download,
    end: dt.date,
    *,
    policy: DataPolicy,
    sleep: Callable[[float], None],
    bar: tqdm | None,
) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Download in batches of symbols sharing a start date; retry the failed ones."""
    got: dict[str, pd.Series] = {}
    failed: dict[str, str] = {}
    by_start: dict[pd.Timestamp, list[str]] = {}
    for symbol, start in starts.items():
        by_start.setdefault(start, []).append(symbol)
    first_call = True
    for start, group in sorted(by_start.items()):
        for i in range(0, len(group), policy.batch_size):
            batch = group[i : i + policy.batch_size]
            pending = batch
            for attempt in range(policy.retries + 1):
                if attempt:
                    wait = policy.backoff_seconds * 2 ** (attempt - 1)
                    log.info("retry %d for %d symbols in %.0f s", attempt, len(pending), wait)
                    sleep(wait)
                prices, failures = download(pending, start.date(), end)
                if first_call and failures and len(failures) == len(pending):
                    reasons = list(failures.values())
                    if all(is_unreachable(r) for r in reasons):
                        raise SourceError(f"cannot reach the provider: {reasons[0]}")
                first_call = False
                for symbol in pending:
                    if symbol in prices.columns and prices[symbol].notna().any():
                        got[symbol] = prices[symbol].dropna()
                        failed.pop(symbol, None)
                    else:
                        failed[symbol] = failures.get(symbol, "no data returned")
                pending = [s for s in pending if s in failed and not is_permanent(failed[s])]
                if not pending:
                    break
            if bar is not None:
                bar.update(len(batch))
    return got, failed


def yahoo_download(session=None) -> Download:
    """The Yahoo provider, through the adapter (the only importer of yfinance)."""
    from generator.sources.yahoo import download_closes

    def download(symbols: list[str], start: dt.date, end: dt.date):
        result = download_closes(symbols, start, end, session=session)
        return result.prices, result.failures

    return download


def series_download(series: Mapping[str, pd.Series], missing: Mapping[str, str]) -> Download:
    """A provider over series already read (a CSV folder), so imports take the same path."""

    def download(symbols: list[str], start: dt.date, end: dt.date):
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
        cut = {
            s: series[s][(series[s].index >= lo) & (series[s].index < hi)]
            for s in symbols
            if s in series
        }
        frame = pd.DataFrame(cut) if cut else pd.DataFrame(dtype="float64")
        reasons = {s: missing.get(s, "no data") for s in symbols if s not in series}
        return frame, reasons

    return download


def fetch_source(value: Source | str) -> Source:
    """The source ``rotation fetch`` reads: ``yahoo`` or ``csv:DIR`` (the others have no store
    to fill), parsed once."""
    try:
        source = Source.of(value)
    except SourceError:
        source = None
    if source is None or source.kind not in ("yahoo", "csv"):
        raise SourceError(f"rotation fetch takes --source yahoo or csv:DIR, not {str(value)!r}")
    return source


def update_store(
    store: PriceStore,
    symbols: list[str],
    source: Source,
    *,
    policy: DataPolicy,
    session=None,
    now: pd.Timestamp | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[LoadResult, list[Outcome]]:
    """Refresh the store from ``yahoo`` or import ``csv:DIR`` into it; then read it back.

    Yahoo is brought up to the last completed NYSE session; a CSV folder up to the newest session
    found in its files. Either way the data goes through the same refresh path (overlap check,
    atomic writes) and comes back as a :class:`LoadResult` of the store, with every failure.
    """
    source = fetch_source(source)
    if source.kind == "yahoo":
        target = completed = calendar.last_completed_session(now)
        download, label = yahoo_download(session), "Yahoo Finance (yfinance)"
    else:
        from generator.sources.csvdir import load_csv_dir
        from generator.validate import newest_session

        assert source.folder is not None
        files = load_csv_dir(source.folder, symbols)
        target, completed = newest_session(files.series), None
        if target is None:
            raise SourceError(f"{source}: none of the {len(symbols)} symbols has a usable file")
        download, label = series_download(files.series, files.missing), files.source
        policy = policy.model_copy(update={"retries": 0})  # a missing file stays missing
    clock = now.to_pydatetime if now is not None else (lambda: dt.datetime.now(dt.UTC))
    outcomes = refresh(
        store,
        symbols,
        download,
        target=target,
        policy=policy,
        source=source.label,
        sleep=sleep,
        now=clock,
    )
    loaded = store.load(symbols)
    failures = {o.symbol: o.detail for o in outcomes if o.action == "failed"}
    result = LoadResult(
        loaded.series,
        f"{label}, local store",
        {**loaded.missing, **failures},
        expected=target,
        completed=completed,
    )
    return result, outcomes


def describe(outcomes: Sequence[Outcome]) -> str:
    """``3 new, 35 updated, 2 current, 1 re-fetched, 0 failed``."""
    counts = dict.fromkeys(("new", "updated", "current", "refetched", "failed"), 0)
    for outcome in outcomes:
        counts[outcome.action] += 1
    return ", ".join(f"{n} {'re-fetched' if a == 'refetched' else a}" for a, n in counts.items())


@dataclass(frozen=True)
class FetchResult:
    outcomes: list[Outcome]
    run_report: RunReport
    seconds: float
    members: list[Outcome] = field(default_factory=list)
    """The breadth lists' members, refreshed after the universe (never fatal)."""


def run_fetch(
    config_path: Path,
    source: Source | str,
    *,
    session=None,
    now: pd.Timestamp | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """``rotation fetch``: refresh the store, validate it, write the run report, apply the policy.

    The store keeps what was fetched even when the policy then fails: every file in it is a
    complete, checked download, and the next run starts from there.
    """
    from generator.project import Project
    from generator.validate import check_load, enforce_policy

    started = time.perf_counter()
    source = fetch_source(source)
    project = Project.load(config_path)
    config = project.config
    store = PriceStore(project.store)
    loaded, outcomes = update_store(
        store, config.symbols, source, policy=config.data, session=session, now=now, sleep=sleep
    )
    _, report = check_load(loaded, config, None)
    report.write(project.run_report)
    report.log(log, project.run_report)
    enforce_policy(config, report)
    members = fetch_members(project, source, session=session, now=now, sleep=sleep)
    return FetchResult(outcomes, report, time.perf_counter() - started, members)


def fetch_members(
    project: Project,
    source: Source,
    *,
    session=None,
    now: pd.Timestamp | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Refresh the breadth lists' member prices into their own store (``members_store``).

    Done after the universe passed the policy, and never fatal: breadth rests on whatever
    members have prices, and its page states the coverage. An unreadable list is logged and
    skipped (the build says the same on the Breadth page).
    """
    from generator.members import read_member_lists

    config = project.config
    if config.breadth is None:
        return []
    tickers: dict[str, None] = {}
    for name, listed in read_member_lists(config.breadth, project.root).items():
        if isinstance(listed, DataError):
            log.warning("breadth list %s skipped: %s", name, listed)
        else:
            tickers.update(dict.fromkeys(listed))
    if not tickers:
        return []
    store = PriceStore(project.members_store)
    try:
        _, outcomes = update_store(
            store, list(tickers), source, policy=config.data, session=session, now=now, sleep=sleep
        )
    except (SourceError, DataError) as exc:
        log.warning("members not refreshed (the breadth pages keep the stored prices): %s", exc)
        return []
    return outcomes
