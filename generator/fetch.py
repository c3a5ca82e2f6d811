"""Refreshing the local price store: only what is missing or stale, in batches, with retries.

For each symbol the plan is one of:

* **current**: its last stored session is the target session; nothing to ask for;
* **incremental**: ask from ``overlap_sessions`` before its last stored session. If the overlap
  agrees with the store (within ``rescale_tolerance``) the new sessions are merged in. If the
  fresh closes are the stored ones times *one constant factor*, the provider has re-scaled the
  adjusted history (a dividend or split since the last fetch): the whole history is fetched
  again, checked to be the stored one times a factor too, and replaces it. Anything else is a
  **conflict** (see :func:`compare`): the symbol fails and its stored history is kept;
* **new**: the whole history.

A symbol is also failed, its history kept, when its stored file records another symbol, or when
the provider now gives it another currency or instrument type than the stored history has.

Failures are retried by *kind* (:data:`generator.frame.FailureKind`, decided by the provider's
adapter from what its requests got, never from message text): transient and unknown ones are
retried, only them, for ``retries`` rounds with exponential backoff and jitter; a permanent one
(an unknown symbol) is not. If the very first request finds the provider unreachable (no DNS,
connection refused) for every symbol, the refresh stops at once with a :class:`SourceError`.
While the provider refuses *every* request with HTTP 429 (a rate-limit storm), the refresh waits,
doubling, until ``retry_budget_seconds`` of waiting are spent, then stops with one
:class:`SourceError`. All waiting in one refresh counts against that budget. A part of a fetch
with a time budget of its own (:class:`PhaseBudget`: the breadth lists' members) asks for no
batch once it is spent and stops at once under such a storm. Each symbol is written atomically,
so a crash leaves every file either old or new.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import pandas as pd
from tqdm import tqdm

from generator import calendar, workdir
from generator.config import DataPolicy
from generator.errors import DataError, SourceError
from generator.frame import Failure, LoadResult
from generator.memberstore import MemberStore
from generator.sources import YAHOO_LABEL, Source
from generator.store import ClosesStore, PriceStore, StoredMeta, StoreIdentityError

if TYPE_CHECKING:
    from generator.project import Project
    from generator.validate import RunReport

log = logging.getLogger(__name__)

HISTORY_START = dt.date(1990, 1, 2)
MEMBER_HISTORY_YEARS = 5
"""Years of history fetched for a new member of a breadth list: the Breadth page uses four
(``pipeline.BREADTH_YEARS``), a post two before its session; a year to spare. A fork's first
members fetch asks for about 1,250 sessions per stock, not up to 36 years."""

Action = Literal["current", "updated", "refetched", "new", "failed"]

MAX_FACTOR = 3.0
"""The largest re-scale (either way) taken for a dividend or split adjustment (:func:`compare`)."""

JITTER = 0.25
"""Each retry wait is its nominal value times a random factor in [1, 1 + JITTER]: clients that
failed together do not all come back at the same instant."""

_random = random.Random()


@dataclass(frozen=True)
class Fetched:
    """What a provider returned for one request of several symbols."""

    prices: pd.DataFrame
    """A price frame; a symbol without any close is left out."""
    failures: Mapping[str, Failure] = field(default_factory=dict)
    """Every requested symbol left out of ``prices``, with why."""
    listings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per delivered symbol, the ``currency`` and ``instrument_type`` the provider gave (if any)."""


class Download(Protocol):
    """A provider: closes for ``symbols`` from ``start`` to ``end`` (exclusive), and failures.

    It returns a :class:`Fetched`; a plain ``(prices, {symbol: reason})`` pair is accepted too,
    its failures then being of ``unknown`` kind (retried).
    """

    def __call__(
        self, symbols: list[str], start: dt.date, end: dt.date
    ) -> Fetched | tuple[pd.DataFrame, Mapping[str, str | Failure]]: ...


def _as_fetched(answer: Fetched | tuple[pd.DataFrame, Mapping[str, str | Failure]]) -> Fetched:
    if isinstance(answer, Fetched):
        return answer
    prices, reasons = answer
    failures = {s: r if isinstance(r, Failure) else Failure(str(r)) for s, r in reasons.items()}
    return Fetched(prices, failures)


@dataclass(frozen=True)
class Outcome:
    symbol: str
    action: Action
    detail: str = ""


def progress_bar(total: int, label: str) -> tqdm:
    """A progress bar on an interactive terminal; silent in CI and in logs."""
    quiet = not sys.stderr.isatty() or bool(os.environ.get("CI"))
    return tqdm(total=total, desc=label, unit="symbol", disable=quiet, leave=False)


def _start_of_overlap(last: pd.Timestamp, overlap: int) -> pd.Timestamp:
    window = calendar.sessions(last - pd.Timedelta(days=overlap * 2 + 14), last)
    return window[-overlap] if len(window) >= overlap else window[0]


@dataclass(frozen=True)
class PhaseBudget:
    """A part of a fetch with a wall-clock budget of its own (the breadth lists' members, after
    the universe): it asks for no batch after ``deadline`` on ``clock`` and waits for no retry
    past it, and a rate-limit storm stops it at once instead of being waited out. What it did
    not fetch keeps its stored prices, so the next run goes on from there."""

    seconds: float
    deadline: float
    clock: Callable[[], float]
    setting: str
    """The config key of ``seconds``, for the message."""

    @classmethod
    def starting_now(
        cls, seconds: float, setting: str, clock: Callable[[], float] = time.monotonic
    ) -> PhaseBudget:
        return cls(seconds, clock() + seconds, clock, setting)

    def left(self) -> float:
        return self.deadline - self.clock()


@dataclass
class _Waiting:
    """The time one refresh spends waiting to retry, against ``retry_budget_seconds``; and the
    phase's own budget, if it has one."""

    budget: float
    waited: float = 0.0
    answered: bool = False
    """Whether the provider has delivered any symbol in this refresh: until it has, HTTP 429 for
    every request is a refusal of the whole run (a storm), not one symbol's bad luck."""
    phase: PhaseBudget | None = None


def _usable(got: pd.Series, target: pd.Timestamp) -> pd.Series:
    """The closes of a download worth storing: finite, on or before the target session (a
    session in progress, or a row dated in the future, is never stored)."""
    series = got[got.index <= target].dropna()
    return series[np.isfinite(series.to_numpy())]


def refresh(
    store: ClosesStore,
    symbols: Sequence[str],
    download: Download,
    *,
    target: pd.Timestamp,
    policy: DataPolicy,
    source: str,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    history_start: dt.date = HISTORY_START,
    phase: PhaseBudget | None = None,
) -> list[Outcome]:
    """Bring ``symbols`` in ``store`` up to ``target``; return what happened to each. A symbol
    the store lacks (or whose history was re-scaled) is fetched from ``history_start``.

    Raises :class:`SourceError` when the provider cannot be reached at all, or keeps refusing
    every request (HTTP 429) past the retry time budget (with a ``phase`` budget: at once), or
    when the ``phase`` budget is spent; in the latter cases what was fetched before is stored
    first, and nothing else is touched. Whatever happens, what was fetched is flushed to the
    store (the members' store writes its dataset once, here).
    """
    first = pd.Timestamp(history_start)
    with _flushed(store):
        outcomes: dict[str, Outcome] = {}
        starts: dict[str, pd.Timestamp] = {}
        new: set[str] = set()  # symbols the store lacks: fetched whole from ``first``
        metas: dict[str, StoredMeta] = {}
        for symbol in symbols:
            try:
                meta = store.meta(symbol)
            except StoreIdentityError as exc:
                outcomes[symbol] = Outcome(symbol, "failed", str(exc))
                continue
            except DataError as exc:
                log.warning("%s; fetching its whole history again", exc)
                meta = None
            if meta is None:
                starts[symbol] = first
                new.add(symbol)
                continue
            metas[symbol] = meta
            if pd.Timestamp(meta.last_session) >= target:
                outcomes[symbol] = Outcome(symbol, "current")
            else:
                starts[symbol] = _start_of_overlap(
                    pd.Timestamp(meta.last_session), policy.overlap_sessions
                )
        end = (target + pd.Timedelta(days=1)).date()
        waiting = _Waiting(policy.retry_budget_seconds, phase=phase)

        def fetch_all(plan: Mapping[str, pd.Timestamp], bar: tqdm | None):
            return _fetch_all(
                plan, download, end, policy=policy, sleep=sleep, bar=bar, waiting=waiting
            )

        def write(symbol: str, closes: pd.Series, listing: Mapping[str, str]) -> None:
            old = metas.get(symbol)
            store.write(
                symbol,
                closes,
                source=source,
                fetched_at=now(),
                currency=listing.get("currency") or (old.currency if old else ""),
                instrument_type=listing.get("instrument_type")
                or (old.instrument_type if old else ""),
            )

        with progress_bar(len(starts), f"fetch {source}") as bar:
            fetched, failures, stop = fetch_all(starts, bar)
        rescaled: dict[str, pd.Series | None] = {}
        for symbol, (got, listing) in fetched.items():
            series = _usable(got, target)
            if series.empty:
                failures[symbol] = Failure(f"no sessions on or before {target:%Y-%m-%d}")
                continue
            changed = _listing_change(symbol, metas.get(symbol), listing, source)
            if changed:
                failures[symbol] = Failure(changed, "permanent")
                continue
            try:
                stored = store.read(symbol) if starts[symbol] != first else None
            except StoreIdentityError as exc:
                failures[symbol] = Failure(str(exc), "permanent")
                continue
            except DataError as exc:  # footer readable, data not: fetch the whole history again
                log.warning("%s; fetching its whole history again", exc)
                rescaled[symbol] = None
                continue
            if stored is None:
                write(symbol, series, listing)
                outcomes[symbol] = Outcome(symbol, "new", f"{len(series)} sessions")
                continue
            verdict = compare(symbol, stored, series, policy.rescale_tolerance, source=source)
            if verdict.conflict:
                log.warning("%s", verdict.conflict)
                failures[symbol] = Failure(verdict.conflict, "permanent")
            elif verdict.factor is not None:
                log.info("%s: adjusted history re-scaled by %.6f", symbol, verdict.factor)
                rescaled[symbol] = stored
            else:
                merged = series.combine_first(stored).sort_index()
                write(symbol, merged, listing)
                added = len(merged) - len(stored)
                outcomes[symbol] = Outcome(symbol, "updated", f"{added} new sessions")
        if rescaled and stop is None:
            log.info("history re-scaled for %s: fetching it whole", ", ".join(rescaled))
            whole, refailed, stop = fetch_all(dict.fromkeys(rescaled, first), None)
            failures.update(refailed)
            for symbol, (got, listing) in whole.items():
                series = _usable(got, target)
                stored = rescaled[symbol]
                changed = _listing_change(symbol, metas.get(symbol), listing, source)
                if changed:
                    failures[symbol] = Failure(changed, "permanent")
                    continue
                if stored is not None:
                    verdict = compare(
                        symbol, stored, series, policy.rescale_tolerance, source=source, whole=True
                    )
                    if verdict.conflict:
                        log.warning("%s", verdict.conflict)
                        failures[symbol] = Failure(verdict.conflict, "permanent")
                        continue
                write(symbol, series, listing)
                outcomes[symbol] = Outcome(symbol, "refetched", "adjusted history re-scaled")
        for symbol, failure in failures.items():
            outcomes[symbol] = Outcome(symbol, "failed", failure.reason)
        if stop is not None:
            raise stop
        return [outcomes[s] for s in symbols]


@contextlib.contextmanager
def _flushed(store: ClosesStore) -> Iterator[None]:
    """Whatever happens inside, what was written is flushed to the store at the end (the
    members' store writes its dataset once, here)."""
    try:
        yield
    finally:
        store.flush()


def _listing_change(
    symbol: str, stored: StoredMeta | None, listing: Mapping[str, str], source: str
) -> str:
    """Why the fresh data is not the stored instrument (another currency or type), or ``""``.

    A value either side does not give (a CSV folder, a file from before these fields) is not
    compared: the first fetch that gives it records it.
    """
    if stored is None:
        return ""
    for key, what in (("currency", "currency"), ("instrument_type", "instrument type")):
        old, new = getattr(stored, key), listing.get(key, "")
        if old and new and old != new:
            return (
                f"{source} now gives {symbol} in {what} {new}, the stored history is in {old}: "
                "not the same instrument or unit; the stored history is kept"
            )
    return ""


@dataclass(frozen=True)
class Verdict:
    """How fresh closes relate to the stored ones: the same, re-scaled, or in conflict."""

    factor: float | None = None
    """The constant factor fresh/stored of a re-scale; ``None`` when they agree as they are."""
    conflict: str = ""
    """Why they cannot be the same series (one line naming symbol, dates and size); ``""`` if
    they can."""


def compare(
    symbol: str,
    stored: pd.Series,
    fresh: pd.Series,
    tolerance: float,
    *,
    source: str = "the provider",
    whole: bool = False,
) -> Verdict:
    """Whether ``fresh`` closes can be ``stored``'s series, as they are or times one factor.

    Over their common sessions, the ratios fresh/stored must all lie within ``tolerance``
    (relative) of their median: the same daily returns. Then a median within ``tolerance`` of 1
    means they agree; any other median is a re-scale of the adjusted history by that factor. A
    dividend scales every close before its ex-date by the same factor (slightly below 1), and
    so does a split (by its ratio: 2:1 halves all earlier closes); neither changes a daily
    return, so a genuine re-scale is exactly "the same series times a constant".

    Different daily returns are a conflict: another instrument's data (IWF's bars for IWN), or
    bad data. So is an overlap without any common session, which cannot be checked. So is a
    factor outside [1/MAX_FACTOR, MAX_FACTOR]: adjusted closes are re-scaled by dividends by a
    few percent at most, and the 2:1 and 3:1 splits (and reverse splits) that are by far the
    most common stay inside that range, whereas a change of quote unit (pence for pounds, x100)
    or a different share class keeps the daily returns and jumps by far more. Such a jump is
    refused even when a large split explains it; the reason says so, and removing the file has
    the next fetch take the whole new history.

    ``whole``: ``fresh`` is the whole history re-fetched after a re-scale was seen (wording).
    """
    common = stored.index.intersection(fresh.index)
    what = "whole re-fetched history" if whole else "overlap"
    if common.empty:
        return Verdict(
            conflict=(
                f"{source} closes for {symbol} share no session with its stored history "
                f"({stored.index[0]:%Y-%m-%d}..{stored.index[-1]:%Y-%m-%d}) in the {what} from "
                f"{fresh.index[0]:%Y-%m-%d}..{fresh.index[-1]:%Y-%m-%d}: cannot check they are "
                "the same series; the stored history is kept"
            )
        )
    ratios = fresh.loc[common] / stored.loc[common]
    factor = float(ratios.median())
    span = f"{common[0]:%Y-%m-%d}..{common[-1]:%Y-%m-%d} ({len(common)} sessions)"
    if not (factor > 0 and pd.notna(factor)):
        return Verdict(
            conflict=f"{source} closes for {symbol} over the {what} {span} are not positive "
            "multiples of the stored ones; the stored history is kept"
        )
    spread = float((ratios / factor - 1.0).abs().max())
    if spread > tolerance:
        return Verdict(
            conflict=(
                f"{source} closes for {symbol} conflict with its stored history over the {what} "
                f"{span}: their daily returns differ (up to {spread:.2%} apart beyond one "
                "constant factor), so they are not the same series re-scaled; the stored "
                "history is kept"
            )
        )
    if abs(factor - 1.0) <= tolerance:
        return Verdict()
    if not 1.0 / MAX_FACTOR <= factor <= MAX_FACTOR:
        return Verdict(
            conflict=(
                f"{source} closes for {symbol} are {factor:.4g} times its stored history over "
                f"the {what} {span}: a jump beyond [1/{MAX_FACTOR:g}, {MAX_FACTOR:g}] is a change "
                "of unit or instrument (pence for pounds?), not a dividend re-scale; the stored "
                f"history is kept (after a large split, remove its store file to fetch it anew)"
            )
        )
    return Verdict(factor=factor)


def _symbols(n: int) -> str:
    return f"{n} symbol{'' if n == 1 else 's'}"


def _rate_limit_stop(waiting: _Waiting, policy: DataPolicy, left: Sequence[str]) -> SourceError:
    if waiting.phase is not None:
        return SourceError(
            "Yahoo is rate-limiting: it answered HTTP 429 to every request, so this part of the "
            f"fetch stopped at once; {_symbols(len(left))} not fetched, their stored data "
            "unchanged; the next run goes on from there"
        )
    return SourceError(
        f"Yahoo is rate-limiting: it answered HTTP 429 to every request and still did after "
        f"{waiting.waited:.0f} s of waiting in total (data.retry_budget_seconds: "
        f"{policy.retry_budget_seconds:g}); {_symbols(len(left))} not fetched, their stored data "
        "unchanged; run the fetch again later"
    )


def _phase_stop(phase: PhaseBudget, left: Sequence[str]) -> SourceError:
    return SourceError(
        f"its time budget ({phase.setting}: {phase.seconds:g} s) is spent: "
        f"{_symbols(len(left))} not fetched, their stored data unchanged; the next run goes on "
        "from there"
    )


def _fetch_all(
    starts: Mapping[str, pd.Timestamp],
    download: Download,
    end: dt.date,
    *,
    policy: DataPolicy,
    sleep: Callable[[float], None],
    bar: tqdm | None,
    waiting: _Waiting,
) -> tuple[dict[str, tuple[pd.Series, Mapping[str, str]]], dict[str, Failure], SourceError | None]:
    """Download in batches of symbols sharing a start date; retry the failed ones.

    Returns each fetched symbol's closes and listing, each failed symbol's last failure, and the
    error that stopped the fetch early (a rate-limit storm past the time budget), if any: the
    caller stores what was fetched before raising it.

    Retry rounds: a batch's transient (and unknown) failures are asked again, after an
    exponential wait with jitter, for at most ``policy.retries`` rounds. While the provider has
    delivered nothing in this refresh and refuses every request with HTTP 429 (a storm), a round
    counts as none: it asks the whole run to slow down, which no symbol can help, so the wait
    goes on doubling, bounded only by the budget. Once it has delivered something, a 429 for some
    symbols is a passing throttle, retried like any transient failure. Every wait must fit in
    what is left of the budget; when the next does not, retrying stops: the symbols left fail,
    or, if the provider was refusing every request, the whole fetch stops.
    """
    got: dict[str, tuple[pd.Series, Mapping[str, str]]] = {}
    failed: dict[str, Failure] = {}
    by_start: dict[pd.Timestamp, list[str]] = {}
    for symbol, start in starts.items():
        by_start.setdefault(start, []).append(symbol)
    batches = [
        (start, group[i : i + policy.batch_size])
        for start, group in sorted(by_start.items())
        for i in range(0, len(group), policy.batch_size)
    ]
    first_call = True

    def _left(number: int) -> list[str]:
        """The symbols of this and the later batches not fetched: left as they are."""
        return [s for _, b in batches[number:] for s in b if s not in got]

    phase = waiting.phase
    for number, (start, batch) in enumerate(batches):
        if phase is not None and phase.left() <= 0:
            return got, failed, _phase_stop(phase, _left(number))
        pending = batch
        rounds = doublings = 0
        while True:
            answer = _as_fetched(download(pending, start.date(), end))
            prices, failures = answer.prices, answer.failures
            if (
                first_call
                and len(failures) == len(pending)
                and all(f.kind == "unreachable" for f in failures.values())
            ):
                reason = next(iter(failures.values())).reason
                raise SourceError(f"cannot reach the provider: {reason}")
            first_call = False
            for symbol in pending:
                if symbol in prices.columns and prices[symbol].notna().any():
                    got[symbol] = (prices[symbol].dropna(), answer.listings.get(symbol, {}))
                    failed.pop(symbol, None)
                else:
                    failed[symbol] = failures.get(symbol, Failure("no data returned"))
            refused = all(s in failed and failed[s].kind == "rate-limited" for s in pending)
            waiting.answered = waiting.answered or any(s in got for s in pending)
            storm = refused and not waiting.answered
            pending = [s for s in pending if s in failed and failed[s].kind != "permanent"]
            if not pending:
                break
            if storm and phase is not None:
                return got, failed, _rate_limit_stop(waiting, policy, _left(number))
            if policy.retries == 0 or (not storm and rounds >= policy.retries):
                if storm:
                    return got, failed, _rate_limit_stop(waiting, policy, _left(number))
                break
            nominal = policy.backoff_seconds * 2**doublings
            wait = nominal * (1.0 + JITTER * _random.random())
            if phase is not None and wait > phase.left():
                log.warning(
                    "time budget (%s %g s) too short for another retry: %d symbols not retried",
                    phase.setting,
                    phase.seconds,
                    len(pending),
                )
                break
            if waiting.waited + wait > waiting.budget:
                if refused:
                    return got, failed, _rate_limit_stop(waiting, policy, _left(number))
                log.warning(
                    "retry time budget (data.retry_budget_seconds %g) spent: %d symbols not "
                    "retried again",
                    waiting.budget,
                    len(pending),
                )
                break
            log.info(
                "retry %d for %d symbols in %.1f s%s",
                doublings + 1,
                len(pending),
                wait,
                " (rate-limited)" if refused else "",
            )
            sleep(wait)
            waiting.waited += wait
            doublings += 1
            if not storm:
                rounds += 1
        if bar is not None:
            bar.update(len(batch))
    return got, failed, None


def yahoo_download(session=None) -> Download:
    """The Yahoo provider, through the adapter (the only importer of yfinance)."""
    from generator.sources.yahoo import download_closes

    def download(symbols: list[str], start: dt.date, end: dt.date) -> Fetched:
        result = download_closes(symbols, start, end, session=session)
        failures = {
            s: Failure(reason, result.kinds.get(s, "unknown"))
            for s, reason in result.failures.items()
        }
        return Fetched(result.prices, failures, result.listings)

    return download


def series_download(series: Mapping[str, pd.Series], missing: Mapping[str, str]) -> Download:
    """A provider over series already read (a CSV folder), so imports take the same path."""

    def download(symbols: list[str], start: dt.date, end: dt.date) -> Fetched:
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
        cut = {
            s: series[s][(series[s].index >= lo) & (series[s].index < hi)]
            for s in symbols
            if s in series
        }
        frame = pd.DataFrame(cut) if cut else pd.DataFrame(dtype="float64")
        # A file that is absent or unreadable stays so: asking again cannot help.
        failures = {
            s: Failure(missing.get(s, "no data"), "permanent") for s in symbols if s not in series
        }
        return Fetched(frame, failures)

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
    store: ClosesStore,
    symbols: list[str],
    source: Source,
    *,
    policy: DataPolicy,
    session=None,
    now: pd.Timestamp | None = None,
    sleep: Callable[[float], None] = time.sleep,
    history_years: int | None = None,
    phase: PhaseBudget | None = None,
) -> tuple[LoadResult, list[Outcome]]:
    """Refresh the store from ``yahoo`` or import ``csv:DIR`` into it; then read it back. With
    ``history_years``, a new symbol's history is fetched for that many years only (the members
    of the breadth lists: breadth uses a few years, not each stock's whole history); with
    ``phase``, within that budget (:class:`PhaseBudget`).

    Yahoo is brought up to the last completed NYSE session; a CSV folder up to the newest session
    found in its files. Either way the data goes through the same refresh path (overlap check,
    atomic writes) and comes back as a :class:`LoadResult` of the store, with every failure.
    """
    source = fetch_source(source)
    if source.kind == "yahoo":
        target = completed = calendar.last_completed_session(now)
        download, label = yahoo_download(session), YAHOO_LABEL
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
    history_start = (
        (target - pd.DateOffset(years=history_years)).date() if history_years else HISTORY_START
    )
    outcomes = refresh(
        store,
        symbols,
        download,
        target=target,
        policy=policy,
        source=source.label,
        sleep=sleep,
        now=clock,
        history_start=history_start,
        phase=phase,
    )
    loaded = store.load(symbols)
    failures = {o.symbol: o.detail for o in outcomes if o.action == "failed"}
    result = LoadResult(
        loaded.series,
        label,
        {**loaded.missing, **failures},
        expected=target,
        completed=completed,
        where=loaded.where,
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
    clock: Callable[[], float] = time.monotonic,
) -> FetchResult:
    """``rotation fetch``: refresh the store, validate it, write the run report, apply the policy.

    The store keeps what was fetched even when the policy then fails: every file in it is a
    complete, checked download, and the next run starts from there. Once the config is read, the
    run holds the project's lock (:func:`workdir.exclusive`).
    """
    from generator.project import Project

    started = time.perf_counter()
    source = fetch_source(source)
    project = Project.load(config_path)
    with workdir.exclusive(project, "fetch"):
        return _fetch(project, source, started, session=session, now=now, sleep=sleep, clock=clock)


def _fetch(
    project: Project,
    source: Source,
    started: float,
    *,
    session,
    now: pd.Timestamp | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> FetchResult:
    from generator.validate import check_load, enforce_policy

    config = project.config
    store = PriceStore(project.store)
    loaded, outcomes = update_store(
        store, config.symbols, source, policy=config.data, session=session, now=now, sleep=sleep
    )
    _, report = check_load(loaded, config, None)
    report.write(project.run_report)
    report.log(log, project.run_report)
    enforce_policy(config, report)
    removed = store.prune(config.symbols)
    if removed:
        log.info("removed from the price store (no longer in the universe): %s", ", ".join(removed))
    members = fetch_members(project, source, session=session, now=now, sleep=sleep, clock=clock)
    return FetchResult(outcomes, report, time.perf_counter() - started, members)


def fetch_members(
    project: Project,
    source: Source,
    *,
    session=None,
    now: pd.Timestamp | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Outcome]:
    """Refresh the breadth lists' member prices into their own store (``members_store``).

    Done after the universe passed the policy, and never fatal: breadth rests on whatever
    members have prices, and its page states the coverage. An unreadable list is logged and
    skipped (the build says the same on the Breadth page). The phase has a time budget of its
    own (``data.members_budget_seconds``) and stops at once under a rate-limit storm, so that
    a slow or refused members fetch can never hold up the universe's part of the run (the
    weekly workflow commits both after this command, within the job's time limit); what it
    did not fetch keeps its stored prices, and the next run goes on from there.
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
    seconds = config.data.members_budget_seconds
    if seconds <= 0:
        log.warning("members not refreshed: data.members_budget_seconds is 0")
        return []
    phase = PhaseBudget.starting_now(seconds, "data.members_budget_seconds", clock)
    store = MemberStore(project.members_store)
    try:
        _, outcomes = update_store(
            store,
            list(tickers),
            source,
            policy=config.data,
            session=session,
            now=now,
            sleep=sleep,
            history_years=MEMBER_HISTORY_YEARS,
            phase=phase,
        )
    except (SourceError, DataError) as exc:
        log.warning("members not all refreshed (breadth uses the prices stored): %s", exc)
        return []
    return outcomes
