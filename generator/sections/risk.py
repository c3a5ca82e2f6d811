"""Risk: rolling volatility, beta and correlation against the benchmark, and drawdowns of the
headline pair's two sides and the benchmark (``risk:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from generator import metrics
from generator.charts import risk as risk_charts
from generator.formatting import NA, fmt_pct
from generator.metrics import risk
from generator.report import Report
from generator.sections.base import Figure, MemberPrices, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


@dataclass(frozen=True)
class Risk:
    symbols: tuple[str, ...]
    volatility: pd.DataFrame
    beta_corr: Mapping[str, pd.DataFrame]
    drawdowns: pd.DataFrame


def compute(report: Report, members: MemberPrices) -> Risk:
    cfg = report.config
    pair = cfg.headline_pair
    symbols = tuple(dict.fromkeys((pair.a, pair.b, cfg.benchmark)))
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
            ),
        ),
        Figure(
            "risk-drawdown",
            "Drawdowns",
            partial(risk_charts.drawdown_chart, data.drawdowns, as_of=as_of, theme=theme),
        ),
    )
    rows = []
    for sym in data.symbols:
        vol = data.volatility[sym].dropna()
        stats = data.beta_corr.get(sym)
        stats = stats.dropna() if stats is not None else None
        rows.append(
            {
                "symbol": sym,
                "vol": NA if vol.empty else f"{vol.iloc[-1] * 100:.1f}%",
                "beta": "1.00 (benchmark)"
                if stats is None
                else (NA if stats.empty else f"{stats['beta'].iloc[-1]:.2f}"),
                "corr": ""
                if stats is None
                else (NA if stats.empty else f"{stats['corr'].iloc[-1]:.2f}"),
                "drawdown": fmt_pct(data.drawdowns[sym].dropna().iloc[-1]),
                "max_drawdown": fmt_pct(data.drawdowns[sym].min()),
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


SECTION = Section(
    name="risk",
    page=Page("risk.md", "pages/risk.md.j2", "Risk", "Rotation"),
    compute=compute,
    present=present,
)
