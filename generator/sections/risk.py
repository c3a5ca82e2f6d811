"""Risk: rolling volatility, beta and correlation against the benchmark, and drawdowns of the
headline pair's two sides and the benchmark (``risk:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from generator import metrics
from generator.charts import risk as risk_charts
from generator.config import Config
from generator.formatting import Metric, json_number
from generator.metrics import risk
from generator.report import Report
from generator.sections import captions
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
    doc = snap.document
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
            summary=volatility_summary(doc),
            table=partial(risk_charts.volatility_table, data.volatility, as_of=as_of),
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
            summary=beta_summary(doc, cfg.benchmark),
            table=partial(
                risk_charts.beta_corr_table, data.beta_corr, benchmark=cfg.benchmark, as_of=as_of
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
            summary=drawdown_summary(doc),
            table=partial(risk_charts.drawdown_table, data.drawdowns, as_of=as_of),
        ),
    )
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


def _each(
    rows: list[tuple[int, str]], clause: Callable[[int], Markup]
) -> tuple[list[Markup], list[str]]:
    """``clause(i)`` of each symbol ``(i, symbol)`` of the document's ``risk.symbols`` whose
    numbers ``clause`` reads are there (it returns an empty markup when one is ``None``), and
    the symbols without."""
    said, without = [], []
    for i, symbol in rows:
        text = clause(i)
        if text:
            said.append(text)
        else:
            without.append(symbol)
    return said, without


def _symbols(doc: Mapping[str, Any]) -> list[tuple[int, str]]:
    return [(i, row["symbol"]) for i, row in enumerate(doc["risk"]["symbols"])]


def _none_yet(what: str, without: list[str]) -> list[Markup]:
    return (
        [captions.sentence("No {} yet for {}.", what, captions.listing(without))] if without else []
    )


def volatility_summary(doc: Mapping[str, Any]) -> Markup:
    """Each symbol's latest rolling volatility, from the document's ``risk``."""
    rows = doc["risk"]["symbols"]

    def clause(i: int) -> Markup:
        if rows[i]["volatility"] is None:
            return Markup("")
        metric = Metric(doc, f"risk.symbols.{i}.volatility", "percent")
        return captions.sentence("{} {}", rows[i]["symbol"], metric)

    said, without = _each(_symbols(doc), clause)
    window = Metric(doc, "risk.vol_window", "int")
    first = [
        captions.sentence(
            "Annualised volatility over the last {} sessions: {}.", window, captions.listing(said)
        )
    ]
    return captions.join([*(first if said else []), *_none_yet("volatility", without)])


def beta_summary(doc: Mapping[str, Any], benchmark: str) -> Markup:
    """Each symbol's latest rolling beta against the benchmark and its correlation with it,
    from the document's ``risk`` (the benchmark itself has neither)."""
    rows = doc["risk"]["symbols"]

    def clause(i: int) -> Markup:
        if rows[i]["beta"] is None or rows[i]["corr"] is None:
            return Markup("")
        return captions.sentence(
            "{} beta {} (correlation {})",
            rows[i]["symbol"],
            Metric(doc, f"risk.symbols.{i}.beta", "decimal"),
            Metric(doc, f"risk.symbols.{i}.corr", "decimal"),
        )

    others = [(i, s) for i, s in _symbols(doc) if s != benchmark]
    said, without = _each(others, clause)
    window = Metric(doc, "risk.beta_window", "int")
    first = [
        captions.sentence(
            "Against {} over the last {} sessions: {}.", benchmark, window, captions.listing(said)
        )
    ]
    return captions.join([*(first if said else []), *_none_yet("beta", without)])


def drawdown_summary(doc: Mapping[str, Any]) -> Markup:
    """How far each symbol closed below its highest close so far, from the document's
    ``risk`` ("at its high" when exactly 0)."""
    rows = doc["risk"]["symbols"]

    def clause(i: int) -> Markup:
        value = rows[i]["from_peak"]
        if value is None:
            return Markup("")
        if value == 0:
            return captions.sentence("{} at its high", rows[i]["symbol"])
        metric = Metric(doc, f"risk.symbols.{i}.from_peak", "pct")
        return captions.sentence("{} {}", rows[i]["symbol"], metric)

    said, without = _each(_symbols(doc), clause)
    first = [captions.sentence("From the highest close so far: {}.", captions.listing(said))]
    return captions.join([*(first if said else []), *_none_yet("drawdown", without)])


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
