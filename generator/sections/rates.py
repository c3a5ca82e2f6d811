"""Rates: the 10-year and 13-week yields, the curve slope, and how the headline ratio moves with
yield changes (``rates:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator.charts import rates as rates_charts
from generator.config import Config
from generator.formatting import Metric, json_number
from generator.metrics import rates
from generator.report import Report
from generator.sections.base import Figure, MemberPrices, Page, Section, View, charted_colors

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


@dataclass(frozen=True)
class Rates:
    yields: pd.DataFrame
    slope: pd.Series
    sensitivity: Mapping[str, pd.DataFrame]
    """Ratio label -> rolling correlation and beta against yield changes."""


def compute(report: Report, members: MemberPrices) -> Rates | None:
    cfg = report.config.rates
    if cfg is None or not {cfg.long, cfg.short} <= set(report.returns.index):
        return None
    yields = report.prices[[cfg.long, cfg.short]]
    pair = report.headline
    label = f"{pair.pair.a} / {pair.pair.b}"
    sensitivity = {
        label: rates.rolling_sensitivity(pair.ratio["ratio"], yields[cfg.long], cfg.window)
    }
    return Rates(yields, rates.curve_slope(yields[cfg.long], yields[cfg.short]), sensitivity)


def charted(config: Config) -> list[tuple[str, ...]]:
    """The two yields share the levels chart."""
    return [(config.rates.long, config.rates.short)] if config.rates else []


def present(data: Rates | None, snap: Snapshot) -> View:
    cfg = snap.report.config.rates
    if data is None or cfg is None:
        return View({"rates": None})
    as_of, theme = snap.report.as_of, snap.report.config.theme
    yields = Figure(
        "rates-yields",
        "Treasury yields and curve slope",
        partial(
            rates_charts.yields_chart,
            data.yields,
            data.slope,
            as_of=as_of,
            long=cfg.long,
            short=cfg.short,
            theme=theme,
            colors=charted_colors(snap, (cfg.long, cfg.short)),
        ),
    )
    sensitivity = Figure(
        "rates-sensitivity",
        "Ratio sensitivity to yield changes",
        partial(
            rates_charts.sensitivity_chart,
            data.sensitivity,
            yield_symbol=cfg.long,
            as_of=as_of,
            window=cfg.window,
            theme=theme,
        ),
    )
    doc = snap.document

    def metric(key: str, fmt: str) -> Metric:
        return Metric(doc, f"rates.{key}", fmt)

    context = {
        "long": cfg.long,
        "short": cfg.short,
        "long_level": metric("long_level", "level"),
        "short_level": metric("short_level", "level"),
        "slope": metric("slope", "bp"),
        "window": str(cfg.window),
        "pair": doc["rates"]["pair"],
        "corr": metric("corr", "signed"),
        "beta": metric("beta", "per10bp"),
        "chart_yields": yields.ref,
        "chart_sensitivity": sensitivity.ref,
    }
    return View({"rates": context}, (yields, sensitivity))


def export(data: Rates | None, snap: Snapshot) -> dict[str, Any] | None:
    """The latest yields, slope and the headline ratio's sensitivity, for ``metrics.json``."""
    cfg = snap.config.rates
    if data is None or cfg is None:
        return None
    last = data.yields.ffill().iloc[-1]
    slope = data.slope.dropna()
    label, frame = next(iter(data.sensitivity.items()))
    sens = frame.dropna()
    return {
        "long": cfg.long,
        "short": cfg.short,
        "long_level": json_number(last[cfg.long]),
        "short_level": json_number(last[cfg.short]),
        "slope": json_number(slope.iloc[-1]) if len(slope) else None,
        "window": cfg.window,
        "pair": label,
        "corr": json_number(sens["corr"].iloc[-1]) if len(sens) else None,
        "beta": json_number(sens["beta"].iloc[-1]) if len(sens) else None,
    }


SECTION = Section(
    name="rates",
    page=Page(
        "rates.md",
        "pages/rates.md.j2",
        "Rates",
        "Rotation",
        summary="Treasury yields, the curve's slope and how the pairs move with them",
    ),
    compute=compute,
    charted=charted,
    present=present,
    export=export,
)
