"""Risk: rolling volatility, beta and correlation against the benchmark, and drawdowns of the
headline pair's two sides and the benchmark (``risk:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator import metrics
from generator.charts import risk as risk_charts
from generator.config import Config
from generator.formatting import Metric, json_number
from generator.metrics import risk
from generator.report import Report
from generator.sections.base import Figure, MemberPrices, Page, Section, View, charted_colors

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


@dataclass(frozen=True)
class Risk:
    symbols: tuple[str, ...]
    volatility: pd.DataFrame
    beta_corr: Mapping[str, pd.DataFrame]
    drawdowns: pd.DataFrame


def charted(config: Config) -> list[tuple[str, ...]]:
    """The headline pair's two sides and the benchmark, on every chart of the page."""
    pair = config.headline_pair
    return [tuple(dict.fromkeys((pair.a, pair.b, config.benchmark)))]


def compute(report: Report, members: MemberPrices) -> Risk:
    cfg = report.config
    (symbols,) = charted(cfg)
    prices = report.prices
    return Risk(
        symbols,
        pd.DataFrame({s: risk.rolling_volatility(prices[s], cfg.risk.vol_window) for s in symbols}),
        {
            s: risk.rolling_beta_corr(prices[s], prices[cfg.benchmark], cfg.risk.beta_window)
            for s in symbols
            if s != cfg.benchmark
        },
        pd.DataFrame({s: metrics.drawdown(prices[s]) for s in symbols}),
    )


def present(data: Risk, snap: Snapshot) -> View:
    cfg = snap.report.config
    as_of, theme = snap.report.as_of, cfg.theme
    colors = charted_colors(snap, data.symbols)
    figures = (
        Figure(
            "risk-volatility",
            "Rolling volatility",
            partial(
                risk_charts.volatility_chart,
                data.volatility,
                as_of=as_of,
                window=cfg.risk.vol_window,
                theme=theme,
                colors=colors,
            ),
        ),
        Figure(
            "risk-beta",
            "Rolling beta and correlation",
            partial(
                risk_charts.beta_corr_chart,
                data.beta_corr,
                benchmark=cfg.benchmark,
                as_of=as_of,
                window=cfg.risk.beta_window,
                theme=theme,
                colors=colors,
            ),
        ),
        Figure(
            "risk-drawdown",
            "Drawdowns",
            partial(
                risk_charts.drawdown_chart,
                data.drawdowns,
                as_of=as_of,
                theme=theme,
                colors=colors,
            ),
        ),
    )
    doc = snap.document
    rows = []
    for i, row in enumerate(doc["risk"]["symbols"]):

        def metric(key: str, fmt: str, i: int = i) -> Metric:
            return Metric(doc, f"risk.symbols.{i}.{key}", fmt)

        benchmark = row["symbol"] == cfg.benchmark
        rows.append(
            {
                "symbol": row["symbol"],
                "vol": metric("volatility", "percent"),
                "beta": "1.00 (benchmark)" if benchmark else metric("beta", "decimal"),
                "corr": "" if benchmark else metric("corr", "decimal"),
                "drawdown": metric("from_peak", "pct"),
                "max_drawdown": metric("max_drawdown", "pct"),
            }
        )
    context = {
        "rows": rows,
        "vol_window": str(cfg.risk.vol_window),
        "beta_window": str(cfg.risk.beta_window),
        "chart_volatility": figures[0].ref,
        "chart_beta": figures[1].ref,
        "chart_drawdown": figures[2].ref,
    }
    return View({"risk": context}, figures)


def _last(series: pd.Series) -> float | None:
    values = series.dropna()
    return json_number(values.iloc[-1]) if len(values) else None


def export(data: Risk, snap: Snapshot) -> dict[str, Any]:
    """Each symbol's latest volatility, beta and correlation against the benchmark (``null``
    for the benchmark itself) and drawdowns, for ``metrics.json``."""
    cfg = snap.config
    symbols = []
    for sym in data.symbols:
        stats = data.beta_corr.get(sym)
        both = None if stats is None else stats.dropna()  # the last session with both
        symbols.append(
            {
                "symbol": sym,
                "volatility": _last(data.volatility[sym]),
                "beta": None if both is None else _last(both["beta"]),
                "corr": None if both is None else _last(both["corr"]),
                "from_peak": _last(data.drawdowns[sym]),
                "max_drawdown": json_number(data.drawdowns[sym].min()),
            }
        )
    return {
        "vol_window": cfg.risk.vol_window,
        "beta_window": cfg.risk.beta_window,
        "symbols": symbols,
    }


SECTION = Section(
    name="risk",
    page=Page(
        "risk.md",
        "pages/risk.md.j2",
        "Risk",
        "Rotation",
        summary="Volatility, beta, correlation and the falls from peak of every symbol",
    ),
    compute=compute,
    charted=charted,
    present=present,
    export=export,
)
