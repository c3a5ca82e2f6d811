"""Assemble the report: every number the pages show, computed once from the as-of prices.

The report is plain numbers and frames (formatting is the renderer's job). It is built from a
price frame already cut at the as-of session, so nothing in it can look ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from generator import metrics
from generator.config import Config, Pair
from generator.errors import DataError
from generator.metrics.valuation import known_by
from generator.validate import RunReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairReport:
    pair: Pair
    returns: pd.DataFrame
    """Periods as rows; columns ``a``, ``b`` (total returns) and ``spread`` (a - b)."""
    ratio: pd.DataFrame
    """Full common history: columns ``ratio`` (rebased to 100), ``ma_short``, ``ma_long``."""
    a_beats: metrics.StreakSummary
    b_beats: metrics.StreakSummary
    ratio_drawdown: float
    ratio_high: pd.Timestamp


@dataclass(frozen=True)
class Report:
    config: Config
    as_of: pd.Timestamp
    source: str
    is_sample: bool
    prices: pd.DataFrame
    """Adjusted closes up to and including ``as_of``."""
    returns: pd.DataFrame
    """Symbols x periods: total returns for prices, changes in percentage points for yields."""
    last: pd.DataFrame
    """Per symbol: ``close`` (last close on or before as-of), ``date`` of it, ``drawdown``."""
    pairs: tuple[PairReport, ...]
    """Pairs whose two symbols have prices; the others are in ``skipped_pairs``."""
    status: RunReport
    """What validation said of every symbol: ok, stale (how far behind) or failed (why)."""
    skipped_pairs: tuple[Pair, ...] = ()
    valuation: pd.DataFrame | None = None
    """The valuation snapshots taken on or before ``as_of`` (:mod:`generator.valuation`);
    ``None`` when none are kept."""
    valuation_status: Mapping[str, Any] = field(default_factory=dict)
    """What the last snapshot taken by ``as_of`` said: its day and the funds that failed."""

    @property
    def headline(self) -> PairReport:
        wanted = self.config.headline_pair
        return next(pr for pr in self.pairs if pr.pair == wanted)


def build_report(
    config: Config,
    prices: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    source: str,
    is_sample: bool,
    status: RunReport,
    valuation: pd.DataFrame | None = None,
    valuation_status: Mapping[str, Any] | None = None,
) -> Report:
    """Compute every metric the pages show from ``prices`` cut at ``as_of`` (and the valuation
    snapshots taken by then).

    A pair with a symbol lacking prices is skipped (and listed), never computed on a gap; the
    fail-closed policy has already made sure the headline pair is there.
    """
    prices = prices.loc[:as_of]
    periods = list(config.periods)
    kinds = {inst.symbol: inst.kind for inst in config.universe}
    present = [s for s in config.symbols if s in prices.columns and prices[s].notna().any()]
    price_syms = [s for s in present if kinds[s] == "price"]
    yield_syms = [s for s in present if kinds[s] == "yield"]
    returns = pd.concat(
        [
            metrics.period_returns(prices[price_syms], as_of, periods),
            metrics.period_changes(prices[yield_syms], as_of, periods),
        ]
    ).reindex(present)
    last = pd.DataFrame(
        {
            "close": metrics.last_close(prices[present], as_of),
            "date": prices[present].apply(lambda s: s.last_valid_index()),
            "drawdown": pd.Series(
                {s: metrics.drawdown(prices[s]).iloc[-1] for s in price_syms}, dtype="float64"
            ),
        }
    ).reindex(present)
    has = set(present)
    pair_reports = tuple(
        pair_report(config, prices, as_of, pair)
        for pair in config.pairs
        if pair.a in has and pair.b in has
    )
    return Report(
        config=config,
        as_of=as_of,
        source=source,
        is_sample=is_sample,
        prices=prices,
        returns=returns,
        last=last,
        pairs=pair_reports,
        status=status,
        skipped_pairs=tuple(p for p in config.pairs if p.a not in has or p.b not in has),
        valuation=None if valuation is None else known_by(valuation, as_of),
        valuation_status=valuation_status or {},
    )


def pair_report(
    config: Config, prices: pd.DataFrame, as_of: pd.Timestamp, pair: Pair
) -> PairReport:
    for sym in (pair.a, pair.b):
        if sym not in prices.columns or prices[sym].dropna().empty:
            raise DataError(
                f"{sym}: no prices for pair {pair.a}/{pair.b} on or before {as_of:%Y-%m-%d}"
            )
    a, b = prices[pair.a], prices[pair.b]
    ratio = metrics.ratio_line(a, b)
    if len(ratio) < 2:
        raise DataError(f"pair {pair.a}/{pair.b}: fewer than two common sessions")
    params = config.metrics
    ratio_frame = pd.DataFrame(
        {
            "ratio": ratio,
            "ma_short": metrics.moving_average(ratio, params.ma_short),
            "ma_long": metrics.moving_average(ratio, params.ma_long),
        }
    )
    # Common sessions only, like the ratio line: a close one side lacks must not move the spread.
    common = metrics.aligned(a, b)
    rets = metrics.period_returns(common, as_of, list(config.periods)).T
    returns = pd.DataFrame({"a": rets["a"], "b": rets["b"]})
    returns["spread"] = returns["a"] - returns["b"]
    beats = metrics.outperformance(a, b)
    dd = metrics.drawdown(ratio)
    return PairReport(
        pair=pair,
        returns=returns,
        ratio=ratio_frame,
        a_beats=metrics.streak_summary(beats),
        b_beats=metrics.streak_summary(metrics.outperformance(b, a)),
        ratio_drawdown=float(dd.iloc[-1]),
        ratio_high=ratio.idxmax(),
    )
