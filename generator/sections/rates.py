"""Rates: a long and a short Treasury yield (the 10-year and the 13-week bill by default), the
curve slope, and how the headline ratio moves with
yield changes (``rates:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from generator.charts import rates as rates_charts
from generator.charts.rates import MINUS
from generator.config import Config
from generator.formatting import Metric, json_number
from generator.metrics import rates
from generator.report import Report
from generator.sections import captions
from generator.sections.base import (
    Figure,
    MemberPrices,
    Page,
    Section,
    View,
    charted_colors,
    names,
)

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
    named = {s: n for s, n in names(snap.report).items() if s in (cfg.long, cfg.short)}
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
            names=named,
            theme=theme,
            colors=charted_colors(snap, (cfg.long, cfg.short)),
        ),
        summary=yields_summary(snap.document),
        table=partial(
            rates_charts.yields_table,
            data.yields,
            data.slope,
            as_of=as_of,
            long=cfg.long,
            short=cfg.short,
            names=named,
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
        summary=sensitivity_summary(snap.document),
        table=partial(
            rates_charts.sensitivity_table, data.sensitivity, yield_symbol=cfg.long, as_of=as_of
        ),
    )
    doc = snap.document

    def metric(key: str, fmt: str) -> Metric:
        return Metric(doc, f"rates.{key}", fmt)

    context = {
        "long": cfg.long,
        "short": cfg.short,
        "long_name": named.get(cfg.long, ""),
        "short_name": named.get(cfg.short, ""),
        "discount_basis": cfg.short in rates.DISCOUNT_BASIS,
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


def yields_summary(doc: Mapping[str, Any]) -> Markup:
    """Where the two yields closed and the curve's slope between them, from the document's
    ``rates``, each yield named as in its ``universe``: inverted when the slope is below 0, flat
    when it rounds to 0 bp. A yield or a slope the document does not hold is said to be
    missing."""
    rates_ = doc["rates"]
    named = {item["symbol"]: item["name"] for item in doc["universe"]}

    def metric(key: str, fmt: str) -> Metric:
        return Metric(doc, f"rates.{key}", fmt)

    levels: list[Markup] = []
    for side in ("long", "short"):
        if rates_[f"{side}_level"] is not None:
            symbol = rates_[side]
            label = f"{named[symbol]} ({symbol})" if named.get(symbol) else symbol
            levels.append(
                captions.sentence(
                    "the {} at {}" if levels else "The {} closed at {}",
                    label,
                    metric(f"{side}_level", "level"),
                )
            )
    parts = [captions.sentence("{}.", captions.listing(levels))] if levels else []
    slope = rates_["slope"]
    if slope is None:
        parts.append(captions.sentence("No slope: no session with both yields."))
    else:
        shown = metric("slope", "bp")
        curve = "flat" if shown.text == "0 bp" else "inverted" if slope < 0 else "upward sloping"
        parts.append(
            captions.sentence(
                "The slope {} {} {} is {}: the curve is {}.",
                rates_["long"],
                MINUS,
                rates_["short"],
                shown,
                curve,
            )
        )
    return captions.join(parts)


def sensitivity_summary(doc: Mapping[str, Any]) -> Markup:
    """The headline ratio's latest rolling correlation with daily changes of the long yield and
    its beta, from the document's ``rates``, and which way the ratio tended to move when yields
    rose (the beta's sign; "hardly" when it rounds to 0.00 %)."""
    rates_ = doc["rates"]

    def metric(key: str, fmt: str) -> Metric:
        return Metric(doc, f"rates.{key}", fmt)

    window, pair, long = metric("window", "int"), rates_["pair"], rates_["long"]
    if rates_["corr"] is None or rates_["beta"] is None:
        return captions.sentence(
            "No {}-session correlation of {} with {} yet: too few common sessions.",
            window,
            pair,
            long,
        )
    beta = metric("beta", "per10bp")
    if beta.text.startswith(("+0.00%", "-0.00%", "0.00%")):
        tended = "hardly moved when yields rose"
    else:
        tended = captions.direction(rates_["beta"], "tended to rise", "tended to fall")
        tended += " when yields rose"
    return captions.sentence(
        "Over the last {} sessions, the daily moves of {} had a correlation of {} with daily "
        "changes of {}, and a beta of {}: the ratio {}.",
        window,
        pair,
        metric("corr", "signed"),
        long,
        beta,
        tended,
    )


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
