"""Claims measured against the data: each as of its own date, with no later price.

A claim (:mod:`generator.claims`) is measured at the last session on or before its date, from
prices cut there, with the site's own definitions: a return is the total return from the last
close on or before the period's anchor (:func:`generator.metrics.period_returns`), a spread the
difference of two such returns, a streak the sessions in a row one daily return beat the other
(:func:`generator.metrics.outperformance`, ties beat neither), its rank its place among all the
runs of that side up to the date (1 = longest, ties share), a breadth share the members above
their own average (:func:`generator.metrics.breadth.percent_above_ma`).

A claim that does not hold is often a stale one: so the sessions around its date on which it
would have held are searched, each measured as of itself, never past the report's session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from generator.claims import Claim, Measure
from generator.metrics import (
    outperformance,
    period_anchor,
    period_returns,
    streak_summary,
    valuation,
)
from generator.metrics.breadth import percent_above_ma

NEAR_SESSIONS = 63
"""Sessions searched on each side of a claim's date for the dates it held: about three months."""
CLOSE = 1e-9
"""Float noise allowed at the edge of a tolerance (0.089 - 0.0005 is not exactly 0.0885)."""

Status = Literal["holds", "does not hold", "cannot be checked"]
NO_VALUATION = "no valuation snapshots: valuation is not configured in rotation.yml"
UNSTATED_BASIS = (
    "the snapshots hold Yahoo's fund P/E, which does not say whether its earnings are trailing "
    "or forward: claim a P/E discount"
)
ONLY_PE = (
    "the snapshots keep a readable P/E only (Yahoo's other ratios cannot be told from their "
    "reciprocals)"
)


@dataclass(frozen=True)
class Alternative:
    """The claim's comparison said of another measure (another fund, another period)."""

    measure: Measure
    value: float | None
    holds: bool | None
    reason: str = ""


@dataclass(frozen=True)
class Held:
    """Sessions in a row on which a claim held: the first, the last, and how many sessions the
    nearest of them lies from the claim's own (negative: before it; 0: the run holds it)."""

    first: pd.Timestamp
    last: pd.Timestamp
    offset: int


@dataclass(frozen=True)
class Verdict:
    """What the data say of one claim, as of its date."""

    claim: Claim
    status: Status
    session: pd.Timestamp | None
    """The session measured: the claim's date, or the last session before it."""
    value: float | None
    reason: str = ""
    """Why it cannot be checked; empty otherwise."""
    searched: tuple[pd.Timestamp, pd.Timestamp] | None = None
    """The first and last session searched for dates the claim held."""
    held: tuple[Held, ...] = ()
    """Runs of sessions in the search on which the claim held, in date order."""
    closest: tuple[pd.Timestamp, float] | None = None
    """Where it held on none of them: the session whose value came closest, and that value."""
    alternatives: tuple[Alternative, ...] = ()


@dataclass(frozen=True)
class Data:
    """What claims are measured from: the report's prices (sessions x symbols, cut at the
    report's session), each breadth list's member prices (or why there are none) and the
    fewest eligible members a breadth share needs."""

    prices: pd.DataFrame
    members: Mapping[str, pd.DataFrame | str]
    min_members: int = 1
    valuation: pd.DataFrame | None = None
    """The valuation snapshots (:mod:`generator.valuation`), or ``None`` when none are kept."""


def holds(claim: Claim, value: float | None) -> bool:
    """Whether ``value`` satisfies the claim's comparison (a missing value never does)."""
    if value is None or np.isnan(value):
        return False
    target = claim.value
    if claim.op == "=":
        return abs(value - target) <= claim.tolerance + CLOSE
    return {
        ">=": value >= target - CLOSE,
        "<=": value <= target + CLOSE,
        ">": value > target,
        "<": value < target,
    }[claim.op]


def measure_at(measure: Measure, data: Data, session: pd.Timestamp) -> tuple[float | None, str]:
    """The measure's value as of ``session`` from data cut there, or ``None`` and why not."""
    if measure.kind == "valuation":
        return _discount_at(measure, data, session)
    if measure.kind == "breadth":
        return _breadth_at(measure, data, session)
    first = {s: _first(data, s) if s in data.prices else None for s in measure.symbols}
    missing = [s for s, day in first.items() if day is None]
    if missing:
        return None, f"{missing[0]} has no prices in this run"
    cut = data.prices.loc[:session, list(measure.symbols)]
    late = [s for s, day in first.items() if day > session]
    if late:
        return None, f"{late[0]} has no close on or before {session:%Y-%m-%d}"
    if measure.kind in ("return", "spread"):
        returns = period_returns(cut, session, [measure.period])[measure.period]
        values = [returns[s] for s in measure.symbols]
        if any(np.isnan(v) for v in values):
            short = measure.symbols[int(np.argmax([np.isnan(v) for v in values]))]
            return None, (
                f"{short} has no close before the start of {measure.period} as of "
                f"{session:%Y-%m-%d} (its prices start {first[short]:%Y-%m-%d})"
            )
        value = values[0] - values[1] if measure.kind == "spread" else values[0]
        return float(value), ""
    a, b = (cut[s].dropna() for s in measure.symbols)
    summary = streak_summary(outperformance(a, b))
    if measure.kind == "streak":
        return float(summary.current.length), ""
    if summary.rank is None:
        return None, (
            f"{measure.symbols[0]} did not beat {measure.symbols[1]} on {session:%Y-%m-%d}, so "
            "no run was going on to rank"
        )
    return float(summary.rank), ""


def _discount_at(measure: Measure, data: Data, session: pd.Timestamp) -> tuple[float | None, str]:
    """``a``'s P/E discount to ``b`` as a claim states it (0.31: a P/E 31 % lower; a premium is
    negative), from the last snapshot of both on or before ``session`` (at most
    :data:`~generator.metrics.valuation.STALE_DAYS` old)."""
    if data.valuation is None:
        return None, NO_VALUATION
    if measure.basis in ("forward P/E", "trailing P/E"):
        return None, UNSTATED_BASIS
    if measure.basis != "P/E":
        return None, ONLY_PE
    a, b = measure.symbols
    row = valuation.latest(valuation.discount_history(data.valuation, a, b, session), session)
    if row is None:
        return None, (
            f"no snapshot of both {a} and {b} in the {valuation.STALE_DAYS} days to "
            f"{session:%Y-%m-%d}"
        )
    return -float(row["discount"]), ""


def _first(data: Data, symbol: str) -> pd.Timestamp | None:
    series = data.prices[symbol]
    index = series.first_valid_index()
    return None if index is None else pd.Timestamp(index)


def _breadth_at(measure: Measure, data: Data, session: pd.Timestamp) -> tuple[float | None, str]:
    prices = data.members.get(measure.list_name)
    if prices is None:
        return None, f"no member list named {measure.list_name!r}"
    if isinstance(prices, str):
        return None, f"{measure.list_name}: {prices}"
    shares = percent_above_ma(prices.loc[:session], measure.window, min_eligible=data.min_members)
    if shares.empty or shares.index[-1] != session or np.isnan(shares["share"].iloc[-1]):
        return None, (
            f"{measure.list_name}: too few members with {measure.window} sessions of prices on "
            f"{session:%Y-%m-%d} (member prices loaded from {_start(prices)})"
        )
    return float(shares["share"].iloc[-1]), ""


def _start(prices: pd.DataFrame) -> str:
    return f"{prices.index[0]:%Y-%m-%d}" if len(prices.index) else "nowhere"


def check(
    claim: Claim,
    data: Data,
    as_of: pd.Timestamp,
    *,
    alternatives: Sequence[Measure] = (),
    near: int = NEAR_SESSIONS,
) -> Verdict:
    """The verdict on ``claim`` from ``data`` (nothing after ``as_of``, the report's session, is
    used or searched): its value as of the claim's date, the sessions within ``near`` of it on
    which it held, and each alternative measure's value and whether it holds."""
    sessions = data.prices.index[data.prices.index <= as_of]
    date = pd.Timestamp(claim.date)
    if date > as_of:
        return Verdict(
            claim,
            "cannot be checked",
            None,
            None,
            f"dated after this report's session ({as_of:%Y-%m-%d}): its closes are not in yet",
        )
    before = sessions[sessions <= date]
    if before.empty:
        return Verdict(
            claim,
            "cannot be checked",
            None,
            None,
            f"dated before the first session of the data ({sessions[0]:%Y-%m-%d})",
        )
    session = before[-1]
    value, reason = measure_at(claim.measure, data, session)
    others = tuple(_alternative(claim, m, data, session) for m in alternatives)
    if value is None and not _no_run(claim.measure, data, session):
        return Verdict(claim, "cannot be checked", session, None, reason, alternatives=others)
    at = len(before) - 1
    low = max(0, at - near)
    window = sessions[low : at + near + 1]
    values = series(claim.measure, data, window)
    held = [bool(holds(claim, v)) for v in values]
    closest = None
    if not any(held):
        distance = np.abs(np.asarray(values, dtype=float) - claim.value)
        if not np.isnan(distance).all():
            best = int(np.nanargmin(distance))
            closest = (window[best], float(values[best]))
    return Verdict(
        claim,
        "holds" if holds(claim, value) else "does not hold",
        session,
        value,
        reason,
        searched=(window[0], window[-1]),
        held=_runs(window, held, at - low),
        closest=closest,
        alternatives=others,
    )


def _no_run(measure: Measure, data: Data, session: pd.Timestamp) -> bool:
    """A rank claimed for a streak that is not running on the session: the claim is false (no
    such run), not unmeasurable."""
    if measure.kind != "rank":
        return False
    length, _ = measure_at(replace(measure, kind="streak"), data, session)
    return length == 0


def _alternative(claim: Claim, measure: Measure, data: Data, session: pd.Timestamp) -> Alternative:
    value, reason = measure_at(measure, data, session)
    if value is None:
        return Alternative(measure, None, None, reason)
    return Alternative(measure, value, holds(claim.with_measure(measure), value))


def series(measure: Measure, data: Data, sessions: pd.DatetimeIndex) -> np.ndarray:
    """The measure at each of ``sessions`` (``NaN`` where it has none), equal to
    :func:`measure_at` session by session but computed in one pass: each definition is causal,
    so the value at a session uses no price after it."""
    if measure.kind == "valuation":
        out = [measure_at(measure, data, s)[0] for s in sessions]
        return np.asarray([np.nan if v is None else v for v in out], dtype=float)
    end = sessions[-1]
    if measure.kind == "breadth":
        prices = data.members.get(measure.list_name)
        if not isinstance(prices, pd.DataFrame):
            return np.full(len(sessions), np.nan)
        shares = percent_above_ma(prices.loc[:end], measure.window, min_eligible=data.min_members)
        return shares["share"].reindex(sessions).to_numpy(dtype=float)
    if any(s not in data.prices or _first(data, s) is None for s in measure.symbols):
        return np.full(len(sessions), np.nan)
    closes = [data.prices.loc[:end, s].dropna() for s in measure.symbols]
    if measure.kind in ("return", "spread"):
        anchors = pd.DatetimeIndex([period_anchor(t, measure.period) for t in sessions])
        returns = [
            c.asof(sessions).to_numpy(dtype=float) / c.asof(anchors).to_numpy(dtype=float) - 1.0
            for c in closes
        ]
        return returns[0] - returns[1] if measure.kind == "spread" else returns[0]
    flags = outperformance(*closes)
    common = max(pd.Timestamp(c.index[0]) for c in closes)  # the first session both trade
    out = []
    for session in sessions:
        summary = streak_summary(flags.loc[:session])
        value = summary.current.length if measure.kind == "streak" else summary.rank
        out.append(np.nan if value is None or session < common else value)
    return np.asarray(out, dtype=float)


def _runs(sessions: pd.DatetimeIndex, flags: Sequence[bool], at: int) -> tuple[Held, ...]:
    """Consecutive sessions on which ``flags`` is true, with their distance from ``at``."""
    out: list[Held] = []
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            last = i - 1
            offset = 0 if start <= at <= last else (last - at if last < at else start - at)
            out.append(Held(sessions[start], sessions[last], offset))
            start = None
    return tuple(out)
