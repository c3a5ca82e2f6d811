"""The report's sections beyond pairs: style box, rotation graphs, breadth, rates, risk, history,
watchlist. Each is computed from the report's as-of prices with the pure functions of
:mod:`generator.metrics`, and only when ``rotation.yml`` configures it.

Like :mod:`generator.report`, this holds numbers and frames; formatting is the renderer's job.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from generator import metrics
from generator.config import Config
from generator.metrics import breadth, groups, history, rates, risk, rrg, stylebox
from generator.report import Report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StyleSection:
    grid: pd.DataFrame
    spreads: pd.DataFrame
    preset: str


@dataclass(frozen=True)
class RotationGroup:
    name: str
    points: pd.DataFrame
    table: pd.DataFrame
    missing: Mapping[str, str]
    relative: pd.DataFrame
    """Symbols x periods: each symbol's return minus the benchmark's."""


@dataclass(frozen=True)
class MemberBreadth:
    name: str
    frames: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    advance_decline: pd.DataFrame | None = None
    coverage: breadth.Coverage | None = None
    problem: str = ""
    """Why this list has no numbers (file missing or unreadable)."""


@dataclass(frozen=True)
class RatesSection:
    yields: pd.DataFrame
    slope: pd.Series
    sensitivity: Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class RiskSection:
    symbols: tuple[str, ...]
    volatility: pd.DataFrame
    beta_corr: Mapping[str, pd.DataFrame]
    drawdowns: pd.DataFrame


@dataclass(frozen=True)
class PairHistory:
    a: str
    b: str
    ratio: pd.Series
    episodes: pd.DataFrame
    regime: history.Regime
    records: pd.DataFrame
    drawdowns: pd.DataFrame


@dataclass(frozen=True)
class Sections:
    style: StyleSection | None = None
    rotation: tuple[RotationGroup, ...] = ()
    breadth: tuple[MemberBreadth, ...] = ()
    rates: RatesSection | None = None
    risk: RiskSection | None = None
    history: tuple[PairHistory, ...] = ()
    watchlist: pd.DataFrame | None = None
    """Group averages (group, period, value, count, members, missing)."""


def reasons(report: Report) -> dict[str, str]:
    """Why each symbol without numbers has none, from the run report."""
    return {s.symbol: s.reason for s in report.status.symbols if s.status == "failed"}


def style_section(report: Report) -> StyleSection | None:
    box = report.config.style_box
    if box is None:
        return None
    grid = stylebox.style_grid(report.returns, box.cells, reasons(report), as_of=report.as_of)
    return StyleSection(grid, stylebox.style_spreads(grid), box.preset)


def rotation_groups(report: Report) -> tuple[RotationGroup, ...]:
    cfg = report.config.rotation
    if cfg is None:
        return ()
    params = rrg.RRGParams(window=cfg.window, momentum_lag=cfg.momentum_lag, tail=cfg.tail)
    weekly = rrg.weekly_closes(report.prices)
    bench = report.returns.loc[cfg.benchmark] if cfg.benchmark in report.returns.index else None
    out = []
    for group in cfg.groups:
        points = rrg.rrg_points(weekly, cfg.benchmark, group.symbols, params)
        present = [s for s in group.symbols if s in report.returns.index]
        relative = report.returns.loc[present] - bench if bench is not None else pd.DataFrame()
        out.append(
            RotationGroup(
                group.name,
                points,
                rrg.rrg_table(points, report.as_of),
                rrg.rrg_missing(weekly, cfg.benchmark, group.symbols, params),
                relative,
            )
        )
    return tuple(out)


def breadth_lists(
    report: Report, members: Mapping[str, tuple[pd.DataFrame | None, list[str], str]]
) -> tuple[MemberBreadth, ...]:
    """Breadth of each member list; ``members`` maps list name to (prices, tickers, problem)."""
    cfg = report.config.breadth
    if cfg is None:
        return ()
    out = []
    for item in cfg.lists:
        prices, tickers, problem = members[item.name]
        if prices is None:
            out.append(MemberBreadth(item.name, problem=problem))
            continue
        prices = prices.loc[: report.as_of]
        frames = {
            w: breadth.percent_above_ma(prices, w, min_eligible=cfg.min_members)
            for w in cfg.windows
        }
        out.append(
            MemberBreadth(
                item.name,
                frames,
                breadth.advance_decline(prices),
                breadth.coverage(prices, tickers, report.as_of),
            )
        )
    return tuple(out)


def rates_section(report: Report) -> RatesSection | None:
    cfg = report.config.rates
    if cfg is None or not {cfg.long, cfg.short} <= set(report.returns.index):
        return None
    yields = report.prices[[cfg.long, cfg.short]]
    pair = report.headline
    label = f"{pair.pair.a} / {pair.pair.b}"
    sensitivity = {
        label: rates.rolling_sensitivity(pair.ratio["ratio"], yields[cfg.long], cfg.window)
    }
    return RatesSection(yields, rates.curve_slope(yields[cfg.long], yields[cfg.short]), sensitivity)


def risk_section(report: Report) -> RiskSection:
    cfg = report.config
    pair = cfg.headline_pair
    symbols = tuple(dict.fromkeys((pair.a, pair.b, cfg.benchmark)))
    prices = report.prices
    return RiskSection(
        symbols,
        pd.DataFrame({s: risk.rolling_volatility(prices[s], cfg.risk.vol_window) for s in symbols}),
        {
            s: risk.rolling_beta_corr(prices[s], prices[cfg.benchmark], cfg.risk.beta_window)
            for s in symbols
            if s != cfg.benchmark
        },
        pd.DataFrame({s: metrics.drawdown(prices[s]) for s in symbols}),
    )


def pair_histories(report: Report) -> tuple[PairHistory, ...]:
    cfg = report.config.history
    rule = history_rule(report.config)
    out = []
    for pr in report.pairs:
        a, b = report.prices[pr.pair.a], report.prices[pr.pair.b]
        ratio = pr.ratio["ratio"]
        out.append(
            PairHistory(
                pr.pair.a,
                pr.pair.b,
                ratio,
                history.pair_episodes(a, b, rule),
                history.current_regime(ratio, rule),
                history.streak_records(a, b, cfg.records),
                history.drawdown_table(ratio, 5),
            )
        )
    return tuple(out)


def watchlist_averages(report: Report) -> pd.DataFrame | None:
    if not report.config.watchlist:
        return None
    members = {g.name: list(g.symbols) for g in report.config.watchlist}
    return groups.group_averages(report.returns, members)


def build_sections(
    report: Report, members: Mapping[str, tuple[pd.DataFrame | None, list[str], str]]
) -> Sections:
    """Every configured section, computed from the report's as-of prices."""
    return Sections(
        style=style_section(report),
        rotation=rotation_groups(report),
        breadth=breadth_lists(report, members),
        rates=rates_section(report),
        risk=risk_section(report),
        history=pair_histories(report),
        watchlist=watchlist_averages(report),
    )


def history_rule(config: Config) -> history.EpisodeRule:
    cfg = config.history
    return history.EpisodeRule(
        ma_weeks=cfg.ma_weeks, min_confirm=cfg.min_confirm, min_weeks=cfg.min_weeks
    )
