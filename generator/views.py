"""What the section pages show: their charts, and their numbers as formatted strings.

The renderer (:mod:`generator.render`) turns these into files; templates receive only the
formatted values built here.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from generator import charts
from generator.charts import breadth as breadth_charts
from generator.charts import history as history_charts
from generator.charts import rates as rates_charts
from generator.charts import risk as risk_charts
from generator.charts import rrg as rrg_charts
from generator.charts import stylebox as stylebox_charts
from generator.charts import watchlist as watchlist_charts
from generator.config import Pair, slug
from generator.formatting import NA
from generator.formatting import fmt_date as _date
from generator.formatting import fmt_pct as _pct
from generator.formatting import fmt_pp as _pp
from generator.metrics import groups, rrg
from generator.report import Report, pair_report
from generator.sections import Sections, history_rule

STYLE_TITLES = {"russell": "Russell", "sp": "S&P", "vanguard": "Vanguard", "custom": "Custom"}


def _names(report: Report) -> dict[str, str]:
    return {inst.symbol: inst.name for inst in report.config.universe}


def _breadth_pair(report: Report) -> Pair | None:
    cfg = report.config.breadth
    if cfg is None:
        return None
    return Pair(a=cfg.equal_weight, b=cfg.cap_weight, label="Equal weight vs cap weight")


# --- charts


def section_charts(report: Report, sections: Sections) -> dict[str, alt.TopLevelMixin]:
    """Every chart of the section pages, keyed by file stem, in the configured chart theme."""
    cfg, as_of, names = report.config, report.as_of, _names(report)
    theme = cfg.theme
    out: dict[str, alt.TopLevelMixin] = {}
    if sections.style is not None:
        out["style-box"] = stylebox_charts.stylebox_chart(
            sections.style.grid,
            as_of=as_of,
            periods=list(cfg.periods),
            title=f"{STYLE_TITLES[sections.style.preset]} style box: total return by period",
            theme=theme,
        )
    if cfg.rotation is not None:
        params = rrg.RRGParams(
            window=cfg.rotation.window,
            momentum_lag=cfg.rotation.momentum_lag,
            tail=cfg.rotation.tail,
        )
        for group in sections.rotation:
            out[f"rrg-{slug(group.name)}"] = rrg_charts.rrg_chart(
                group.points,
                names,
                as_of=as_of,
                params=params,
                benchmark=cfg.rotation.benchmark,
                title=f"{group.name}: relative rotation vs {cfg.rotation.benchmark}",
                theme=theme,
            )
    for item in sections.breadth:
        if item.coverage is None:
            continue
        members = item.coverage.priced
        out[f"breadth-{slug(item.name)}-above"] = breadth_charts.percent_above_chart(
            item.frames,
            list_name=item.name,
            as_of=as_of,
            members=members,
            min_eligible=cfg.breadth.min_members,
            theme=theme,
        )
        out[f"breadth-{slug(item.name)}-ad"] = breadth_charts.advance_decline_chart(
            item.advance_decline, list_name=item.name, as_of=as_of, members=members, theme=theme
        )
    pair = _breadth_pair(report)
    if pair is not None:
        out["breadth-equal-weight"] = charts.ratio_chart(
            pair_report(cfg, report.prices, as_of, pair),
            as_of=as_of,
            years=cfg.metrics.chart_years,
            ma_short=cfg.metrics.ma_short,
            ma_long=cfg.metrics.ma_long,
            theme=theme,
        )
    if sections.rates is not None:
        out["rates-yields"] = rates_charts.yields_chart(
            sections.rates.yields,
            as_of=as_of,
            long=cfg.rates.long,
            short=cfg.rates.short,
            theme=theme,
        )
        out["rates-sensitivity"] = rates_charts.sensitivity_chart(
            sections.rates.sensitivity,
            yield_symbol=cfg.rates.long,
            as_of=as_of,
            window=cfg.rates.window,
            theme=theme,
        )
    if sections.risk is not None:
        r = sections.risk
        out["risk-volatility"] = risk_charts.volatility_chart(
            r.volatility, as_of=as_of, window=cfg.risk.vol_window, theme=theme
        )
        out["risk-beta"] = risk_charts.beta_corr_chart(
            r.beta_corr,
            benchmark=cfg.benchmark,
            as_of=as_of,
            window=cfg.risk.beta_window,
            theme=theme,
        )
        out["risk-drawdown"] = risk_charts.drawdown_chart(r.drawdowns, as_of=as_of, theme=theme)
    if sections.history:
        h = sections.history[0]
        out["history-ratio"] = history_charts.history_chart(
            h.ratio, h.episodes, a=h.a, b=h.b, as_of=as_of, rule=history_rule(cfg), theme=theme
        )
        out["history-drawdown"] = history_charts.ratio_drawdown_chart(
            h.ratio, a=h.a, b=h.b, as_of=as_of, theme=theme
        )
    if cfg.watchlist:
        out["watchlist"] = watchlist_charts.watchlist_chart(
            report.prices,
            {g.name: list(g.symbols) for g in cfg.watchlist},
            names,
            as_of=as_of,
            start=groups.ytd_start(as_of),
            theme=theme,
        )
    return out


# --- contexts


def _chart(name: str, alt_text: str) -> dict[str, str]:
    return {"name": name, "alt": alt_text}


def _style_context(report: Report, sections: Sections) -> dict[str, Any] | None:
    style = sections.style
    if style is None:
        return None
    periods = list(report.config.periods)
    cells = style.grid.set_index(["size", "style", "period"])
    rows = []
    for size in ("Large", "Mid", "Small"):
        for kind in ("Value", "Core", "Growth"):
            first = cells.loc[(size, kind, periods[0])]
            rows.append(
                {
                    "size": size,
                    "style": kind,
                    "symbol": first["symbol"],
                    "cells": [_pct(cells.loc[(size, kind, p), "value"]) for p in periods],
                    "note": next(
                        (n for p in periods if (n := cells.loc[(size, kind, p), "note"])), ""
                    ),
                }
            )
    spreads = []
    for (spread, scope), frame in style.spreads.groupby(["spread", "scope"], sort=False):
        by_period = frame.set_index("period")
        spreads.append(
            {
                "spread": spread,
                "scope": scope,
                "legs": f"{frame['long'].iloc[0]} minus {frame['short'].iloc[0]}",
                "cells": [_pp(by_period.at[p, "value"]) for p in periods],
                "note": next((n for n in frame["note"] if n), ""),
            }
        )
    return {
        "title": STYLE_TITLES[style.preset],
        "chart": _chart("style-box", "Style box heatmaps by period"),
        "rows": rows,
        "spreads": spreads,
    }


def _rotation_context(report: Report, sections: Sections) -> list[dict[str, Any]]:
    names, periods = _names(report), list(report.config.periods)
    out = []
    for group in sections.rotation:
        table = [
            {
                "symbol": sym,
                "name": names.get(sym, sym),
                "quadrant": row["quadrant"],
                "previous": "" if pd.isna(row["previous_quadrant"]) else row["previous_quadrant"],
                "changed": bool(row["changed"]),
                "rs_ratio": f"{row['rs_ratio']:.2f}",
                "rs_momentum": f"{row['rs_momentum']:.2f}",
                "heading": NA if pd.isna(row["heading"]) else f"{row['heading']:.0f}°",
                "week": _date(row["date"]),
            }
            for sym, row in group.table.iterrows()
        ]
        relative = [
            {
                "symbol": sym,
                "name": names.get(sym, sym),
                "ytd": _pct(report.returns.at[sym, "YTD"]) if "YTD" in periods else NA,
                "relative": [_pp(group.relative.at[sym, p]) for p in periods],
            }
            for sym in group.relative.index
        ]
        out.append(
            {
                "name": group.name,
                "key": slug(group.name),
                "chart": _chart(f"rrg-{slug(group.name)}", f"{group.name} relative rotation graph"),
                "table": table,
                "relative": relative,
                "missing": [{"symbol": s, "reason": r} for s, r in group.missing.items()],
            }
        )
    return out


def _breadth_context(report: Report, sections: Sections) -> dict[str, Any] | None:
    cfg = report.config.breadth
    if cfg is None:
        return None
    lists = []
    for item in sections.breadth:
        if item.coverage is None:
            lists.append({"name": item.name, "problem": item.problem})
            continue
        latest = {
            w: frame["share"].dropna().iloc[-1] if frame["share"].notna().any() else float("nan")
            for w, frame in item.frames.items()
        }
        ad = item.advance_decline["line"]
        month = ad.loc[: report.as_of - pd.DateOffset(months=1)]
        lists.append(
            {
                "name": item.name,
                "problem": "",
                "key": slug(item.name),
                "coverage": item.coverage.summary(),
                "above": [
                    {"window": str(w), "share": NA if pd.isna(v) else f"{v * 100:.0f}%"}
                    for w, v in latest.items()
                ],
                "ad_month": NA if month.empty else f"{ad.iloc[-1] - month.iloc[-1]:+,.0f}",
                "chart_above": _chart(
                    f"breadth-{slug(item.name)}-above", f"{item.name}: members above averages"
                ),
                "chart_ad": _chart(f"breadth-{slug(item.name)}-ad", f"{item.name}: A-D line"),
            }
        )
    return {
        "lists": lists,
        "windows": [str(w) for w in cfg.windows],
        "equal_weight": cfg.equal_weight,
        "cap_weight": cfg.cap_weight,
        "ratio_chart": _chart("breadth-equal-weight", f"{cfg.equal_weight} / {cfg.cap_weight}"),
    }


def _rates_context(report: Report, sections: Sections) -> dict[str, Any] | None:
    r = sections.rates
    if r is None:
        return None
    cfg = report.config.rates
    last = r.yields.ffill().iloc[-1]
    sens = next(iter(r.sensitivity.values())).dropna()
    return {
        "long": cfg.long,
        "short": cfg.short,
        "long_level": f"{last[cfg.long]:.2f}%",
        "short_level": f"{last[cfg.short]:.2f}%",
        "slope": f"{r.slope.dropna().iloc[-1] * 100:+.0f} bp",
        "window": str(cfg.window),
        "pair": next(iter(r.sensitivity)),
        "corr": NA if sens.empty else f"{sens['corr'].iloc[-1]:+.2f}",
        "beta": NA if sens.empty else f"{sens['beta'].iloc[-1] * 1000:+.2f}% per +10 bp",
        "chart_yields": _chart("rates-yields", "Treasury yields and curve slope"),
        "chart_sensitivity": _chart("rates-sensitivity", "Ratio sensitivity to yield changes"),
    }


def _risk_context(report: Report, sections: Sections) -> dict[str, Any] | None:
    r = sections.risk
    if r is None:
        return None
    rows = []
    for sym in r.symbols:
        vol = r.volatility[sym].dropna()
        stats = r.beta_corr.get(sym)
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
                "drawdown": _pct(r.drawdowns[sym].dropna().iloc[-1]),
                "max_drawdown": _pct(r.drawdowns[sym].min()),
            }
        )
    cfg = report.config.risk
    return {
        "rows": rows,
        "vol_window": str(cfg.vol_window),
        "beta_window": str(cfg.beta_window),
        "chart_volatility": _chart("risk-volatility", "Rolling volatility"),
        "chart_beta": _chart("risk-beta", "Rolling beta and correlation"),
        "chart_drawdown": _chart("risk-drawdown", "Drawdowns"),
    }


def _history_context(report: Report, sections: Sections) -> dict[str, Any] | None:
    if not sections.history:
        return None
    head = sections.history[0]
    who = {"a": head.a, "b": head.b, None: "nobody yet"}
    regime = head.regime
    episodes = [
        {
            "leader": who[e["leader"]],
            "start": _date(e["start"]),
            "end": _date(e["end"]) or "ongoing",
            "weeks": str(int(e["weeks"])),
            "sustained": "yes" if e["sustained"] else "no",
            "ratio": _pct(e["ratio_change"]),
            "a": _pct(e["a_return"]),
            "b": _pct(e["b_return"]),
        }
        for _, e in head.episodes.iloc[::-1].iterrows()
    ]
    records = [
        {
            "pair": f"{h.a} vs {h.b}",
            "key": slug(f"{h.a}-vs-{h.b}"),
            "a": h.a,
            "b": h.b,
            "rows": [
                {
                    "side": h.a if r["side"] == "a" else h.b,
                    "rank": str(int(r["rank"])),
                    "length": str(int(r["length"])),
                    "start": _date(r["start"]),
                    "end": _date(r["end"]) + (" (ongoing)" if r["ongoing"] else ""),
                    "ratio": _pct(r["ratio_change"]),
                }
                for _, r in h.records.iterrows()
            ],
        }
        for h in sections.history
    ]
    drawdowns = [
        {
            "peak": _date(d["peak"]),
            "trough": _date(d["trough"]),
            "recovery": _date(d["recovery"]) or "not recovered",
            "depth": _pct(d["depth"]),
        }
        for _, d in head.drawdowns.iterrows()
    ]
    return {
        "a": head.a,
        "b": head.b,
        "first": _date(head.ratio.index[0]),
        "rule": history_rule(report.config).describe(),
        "leader": who[regime.leader],
        "since": _date(regime.since),
        "confirmed": _date(regime.confirmed),
        "weeks": str(regime.weeks),
        "change": _pct(regime.ratio_change),
        "episodes": episodes,
        "records": records,
        "drawdowns": drawdowns,
        "chart_ratio": _chart(
            "history-ratio", f"{head.a} / {head.b} since {head.ratio.index[0]:%Y}"
        ),
        "chart_drawdown": _chart("history-drawdown", f"{head.a} / {head.b} drawdown"),
    }


def _watchlist_context(report: Report, sections: Sections) -> dict[str, Any] | None:
    averages = sections.watchlist
    if averages is None:
        return None
    names, periods = _names(report), list(report.config.periods)
    by = averages.set_index(["group", "period"])
    out = []
    for group in report.config.watchlist:
        out.append(
            {
                "name": group.name,
                "average": [_pct(by.at[(group.name, p), "value"]) for p in periods],
                "members": [
                    {
                        "symbol": s,
                        "name": names[s],
                        "returns": [
                            _pct(report.returns.at[s, p]) if s in report.returns.index else NA
                            for p in periods
                        ],
                    }
                    for s in group.symbols
                ],
            }
        )
    return {"groups": out, "chart": _chart("watchlist", "Watchlist groups, rebased to 100")}


def section_context(report: Report, sections: Sections) -> dict[str, Any]:
    return {
        "style": _style_context(report, sections),
        "rotation": _rotation_context(report, sections),
        "breadth": _breadth_context(report, sections),
        "rates": _rates_context(report, sections),
        "risk": _risk_context(report, sections),
        "history": _history_context(report, sections),
        "watchlist": _watchlist_context(report, sections),
    }
