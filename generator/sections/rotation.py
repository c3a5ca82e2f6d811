"""Sectors: weekly relative rotation graphs of each configured group against a benchmark, their
quadrant tables and returns relative to the benchmark (``rotation:`` in rotation.yml)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from generator import calendar
from generator.charts import rrg as rrg_charts
from generator.config import Config, slug
from generator.formatting import NA, Metric, fmt_date, fmt_pct, fmt_pp, json_date, json_number
from generator.metrics import rrg
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
class RotationGroup:
    name: str
    points: pd.DataFrame
    table: pd.DataFrame
    missing: Mapping[str, str]
    relative: pd.DataFrame
    """Symbols x periods: each symbol's return minus the benchmark's."""


def params(report: Report) -> rrg.RRGParams:
    cfg = report.config.rotation
    assert cfg is not None
    return rrg.RRGParams(window=cfg.window, momentum_lag=cfg.momentum_lag, tail=cfg.tail)


def compute(report: Report, members: MemberPrices) -> tuple[RotationGroup, ...] | None:
    cfg = report.config.rotation
    if cfg is None:
        return None
    p = params(report)
    weekly = rrg.weekly_closes(report.prices)
    if not weekly.empty and calendar.week_ends(report.as_of, report.as_of).empty:
        # The week in progress makes no point: a one-session "week" would move symbols between
        # quadrants and back. The graph stands at the last completed week until this one ends.
        weekly = weekly.iloc[:-1]
    bench = report.returns.loc[cfg.benchmark] if cfg.benchmark in report.returns.index else None
    out = []
    for group in cfg.groups:
        points = rrg.rrg_points(weekly, cfg.benchmark, group.symbols, p)
        present_ = [s for s in group.symbols if s in report.returns.index]
        relative = report.returns.loc[present_] - bench if bench is not None else pd.DataFrame()
        out.append(
            RotationGroup(
                group.name,
                points,
                rrg.rrg_table(points, report.as_of),
                rrg.rrg_missing(weekly, cfg.benchmark, group.symbols, p),
                relative,
            )
        )
    return tuple(out) or None


def rrg_figure(group: RotationGroup, snap: Snapshot, *, summary: str = "") -> Figure:
    """A group's relative rotation graph (the Sectors page, and the weekly post's second chart,
    which has no ``summary``: its text says the week's quadrant moves)."""
    report = snap.report
    cfg = report.config.rotation
    assert cfg is not None
    return Figure(
        f"rrg-{slug(group.name)}",
        f"{group.name} relative rotation graph",
        partial(
            rrg_charts.rrg_chart,
            group.points,
            names(report),
            as_of=report.as_of,
            params=params(report),
            benchmark=cfg.benchmark,
            title=f"{group.name}: relative rotation vs {cfg.benchmark}",
            theme=report.config.theme,
            colors=charted_colors(snap, group.points["symbol"].unique()),
        ),
        summary=summary,
        table=partial(
            rrg_charts.rrg_table,
            group.points,
            names(report),
            as_of=report.as_of,
            params=params(report),
        ),
    )


def rrg_summary(doc: Mapping[str, Any], g: int, missing: Iterable[str] = ()) -> Markup:
    """Which symbols of group ``g`` of the document's ``rotation`` sit in each quadrant, as of
    the latest week of the graph (a symbol whose latest point is older says its week), and which
    symbols have no point (``missing``)."""
    at = f"rotation.{g}.symbols"
    rows = doc["rotation"][g]["symbols"]
    parts: list[Markup] = []
    latest = max((r["week"] for r in rows if r["week"]), default=None)
    if latest:
        first = next(j for j, r in enumerate(rows) if r["week"] == latest)
        parts.append(
            captions.sentence("In the week to {}:", Metric(doc, f"{at}.{first}.week", "date"))
        )

    def shown(j: int, row: Mapping[str, Any]) -> Markup:
        if row["week"] and row["week"] != latest:
            return captions.sentence(
                "{} (week to {})", row["symbol"], Metric(doc, f"{at}.{j}.week", "date")
            )
        return captions.sentence("{}", row["symbol"])

    for quadrant in (*rrg.QUADRANTS, None):
        members = [shown(j, r) for j, r in enumerate(rows) if r["quadrant"] == quadrant]
        if quadrant is None:
            if members:
                parts.append(captions.sentence("No quadrant: {}.", captions.join(members, ", ")))
            continue
        listed = captions.join(members, ", ") if members else "none"
        parts.append(captions.sentence("{}: {}.", quadrant, listed))
    if missing:
        parts.append(captions.sentence("No point: {}.", captions.join(missing, ", ")))
    return captions.join(parts)


def charted(config: Config) -> list[tuple[str, ...]]:
    """Each group's symbols share a rotation graph."""
    return [g.symbols for g in config.rotation.groups] if config.rotation else []


def present(groups: tuple[RotationGroup, ...] | None, snap: Snapshot) -> View:
    report = snap.report
    display, periods = names(report), list(report.config.periods)
    out: list[dict[str, Any]] = []
    figures = []
    for g, group in enumerate(groups or ()):
        figure = rrg_figure(group, snap, summary=rrg_summary(snap.document, g, group.missing))
        figures.append(figure)
        at = f"rotation.{g}.symbols"
        table = [
            {
                "symbol": sym,
                "name": display.get(sym, sym),
                "quadrant": row["quadrant"],
                "previous": "" if pd.isna(row["previous_quadrant"]) else row["previous_quadrant"],
                "changed": bool(row["changed"]),
                "rs_ratio": Metric(snap.document, f"{at}.{j}.rs_ratio", "decimal"),
                "rs_momentum": Metric(snap.document, f"{at}.{j}.rs_momentum", "decimal"),
                "heading": NA if pd.isna(row["heading"]) else f"{row['heading']:.0f}°",
                "week": fmt_date(row["date"]),
            }
            for j, (sym, row) in enumerate(group.table.iterrows())
        ]
        relative = [
            {
                "symbol": sym,
                "name": display.get(sym, sym),
                "ytd": fmt_pct(report.returns.at[sym, "YTD"]) if "YTD" in periods else NA,
                "relative": [fmt_pp(group.relative.at[sym, p]) for p in periods],
            }
            for sym in group.relative.index
        ]
        out.append(
            {
                "name": group.name,
                "key": slug(group.name),
                "chart": figure.ref,
                "table": table,
                "relative": relative,
                "missing": [{"symbol": s, "reason": r} for s, r in group.missing.items()],
            }
        )
    return View({"rotation": out}, tuple(figures))


def export(groups: tuple[RotationGroup, ...] | None, snap: Snapshot) -> list[dict[str, Any]]:
    """Each group's latest point per symbol, for ``metrics.json``."""
    return [
        {
            "group": g.name,
            "symbols": [
                {
                    "symbol": sym,
                    "week": json_date(row["date"]),
                    "quadrant": row["quadrant"],
                    "previous_quadrant": None
                    if pd.isna(row["previous_quadrant"])
                    else row["previous_quadrant"],
                    "rs_ratio": json_number(row["rs_ratio"], 4),
                    "rs_momentum": json_number(row["rs_momentum"], 4),
                }
                for sym, row in g.table.iterrows()
            ],
        }
        for g in groups or ()
    ]


SECTION = Section(
    name="rotation",
    page=Page(
        "sectors.md",
        "pages/sectors.md.j2",
        "Sectors",
        "Rotation",
        summary="Which sectors lead, weaken, lag or improve against the market, week by week",
    ),
    compute=compute,
    charted=charted,
    present=present,
    export=export,
)
