"""Render the report into the files of the generated docs folder.

Templates receive formatted strings and small records built here, never DataFrames: the wording
and layout of a page are the template's business, the numbers and their formats are this module's.
One Jinja environment with ``StrictUndefined`` (a typo in a template fails the build instead of
printing nothing) searches the user's override folder before the default templates.

:func:`render_site` gathers every output file in memory (Markdown, chart specs, static SVG
fallbacks, the vega bundle, ``build.json``); the build writes them only once all of them exist.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import jinja2
import pandas as pd
import vl_convert as vlc
from markupsafe import Markup, escape
from PIL import Image

from generator import __version__, charts, export, reference, views
from generator.charts import theme as chart_theme
from generator.config import Theme
from generator.errors import BuildError
from generator.formatting import (
    NA,
    fmt_bp,
    fmt_date,
    fmt_long_date,
    fmt_pct,
    fmt_pp,
    fmt_sessions,
)
from generator.metrics import Streak, StreakSummary
from generator.report import PairReport, Report
from generator.sections import Sections

log = logging.getLogger(__name__)

VL_VERSION = "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
STATIC_WIDTH = 760
VEGA_BUNDLE = "assets/vega/vega-bundle.js"
CHART_THEME = "assets/chart-theme.json"
"""The live charts' light and dark Vega-Lite config, read by ``site_src/assets/charts.js``."""
BLOG_INDEX = "blog/index.md"
"""The weekly posts' index: authored (site_src/blog/index.md), listed by the blog plugin."""


@dataclass(frozen=True)
class Page:
    """A generated page: its file in the generated folder, template, nav title and nav section."""

    file: str
    template: str
    title: str
    section: str | None = None


def site_pages(report: Report, sections: Sections) -> list[Page]:
    """The generated pages, in navigation order; a section's page exists only if configured."""
    cfg = report.config
    rotation = [
        Page("pairs.md", "pages/pairs.md.j2", "Pairs", "Rotation"),
        Page("style-box.md", "pages/style-box.md.j2", "Style box", "Rotation")
        if sections.style
        else None,
        Page("sectors.md", "pages/sectors.md.j2", "Sectors", "Rotation")
        if sections.rotation
        else None,
        Page("breadth.md", "pages/breadth.md.j2", "Breadth", "Rotation") if cfg.breadth else None,
        Page("rates.md", "pages/rates.md.j2", "Rates", "Rotation") if sections.rates else None,
        Page("risk.md", "pages/risk.md.j2", "Risk", "Rotation"),
    ]
    return [
        Page("index.md", "pages/home.md.j2", "Home"),
        *(p for p in rotation if p is not None),
        *([Page("watchlist.md", "pages/watchlist.md.j2", "Watchlist")] if cfg.watchlist else []),
        Page("history.md", "pages/history.md.j2", "History"),
        Page("data-status.md", "pages/data-status.md.j2", "Data", "About"),
        Page("methodology.md", "pages/methodology.md.j2", "Methodology", "About"),
        Page("downloads.md", "pages/downloads.md.j2", "Downloads", "About"),
        Page("configuration.md", "pages/configuration.md.j2", "Configuration", "About"),
    ]


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs ``nav`` for the generated pages: top-level pages and sections, in order."""
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {}
    for page in pages:
        if page.file == "index.md":
            nav += [{page.title: page.file}, {"Weekly": BLOG_INDEX}]
            continue
        entry = {page.title: page.file}
        if page.section is None:
            nav.append(entry)
        elif page.section in sections:
            sections[page.section].append(entry)
        else:
            sections[page.section] = [entry]
            nav.append({page.section: sections[page.section]})
    return nav


# --- formatting


def md_cell(value: Any) -> Markup:
    """Escape a value for HTML and for a Markdown table cell (``|`` would split the cell)."""
    if isinstance(value, Markup):
        return value
    return Markup(str(escape(value)).replace("|", "&#124;"))


# --- Jinja environment


def make_environment(templates: Path, overrides: Path | None = None) -> jinja2.Environment:
    """The one Jinja environment: ``StrictUndefined``, HTML escaping, overrides searched first.

    A template in ``overrides`` replaces the default of the same name. To change only part of a
    default, an override extends it under the ``default:`` prefix, e.g.
    ``{% extends "default:pages/home.md.j2" %}`` (extending its own name would recurse).
    """
    defaults = jinja2.FileSystemLoader(str(templates))
    search = [jinja2.FileSystemLoader(str(overrides))] if overrides and overrides.is_dir() else []
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [*search, defaults, jinja2.PrefixLoader({"default": defaults}, delimiter=":")]
        ),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=md_cell,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=fmt_pct, pp=fmt_pp, bp=fmt_bp, date=fmt_date)
    return env


# --- chart files


@dataclass(frozen=True)
class ChartRef:
    """What a template needs to place a chart: file stem and alternative text."""

    name: str
    alt: str


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def local_dates(node: Any) -> Any:
    """Session dates as local date-times (``2026-07-31T00:00:00``) throughout a spec's data.

    Browsers parse a bare ISO date as UTC midnight and Vega shows times in the reader's zone,
    so in New York a session would read as the evening before. A date-time without an offset is
    parsed as local midnight, which shows as the session's own date everywhere.
    """
    if isinstance(node, dict):
        return {k: local_dates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [local_dates(v) for v in node]
    if isinstance(node, str) and _DATE.match(node):
        return node + "T00:00:00"
    return node


def chart_files(
    name: str, chart: alt.Chart, *, png: bool = False, theme: Theme = chart_theme.DEFAULT
) -> dict[str, bytes]:
    """The spec of the live chart and its static SVG fallback; with ``png``, also a PNG.

    The PNG is for where neither SVG nor JavaScript can go: feed readers and e-mail clients.
    ``theme`` gives the text and line colours of the SVG and the PNG; the spec carries none (the
    live chart takes them from ``assets/chart-theme.json`` for the reader's scheme).
    """
    spec = chart.to_dict(validate=True)
    spec = {**spec, **{k: local_dates(spec[k]) for k in ("datasets", "data") if k in spec}}
    static = {**spec, "width": STATIC_WIDTH}
    options = {"vl_version": VL_VERSION, "allowed_base_urls": []}
    try:
        files = {
            f"charts/{name}.vl.json": json.dumps(spec, separators=(",", ":")).encode(),
            f"charts/{name}.svg": vlc.vegalite_to_svg(
                static, config=chart_theme.fallback_config(theme), **options
            ).encode(),
        }
        if png:
            image = vlc.vegalite_to_png(
                static, scale=2, config=chart_theme.png_config(theme), **options
            )
            files[f"charts/{name}.png"] = small_png(image)
    except ValueError as exc:
        raise BuildError(f"chart {name}: Vega-Lite could not render it ({exc})") from None
    return files


def small_png(image: bytes, colors: int = 64) -> bytes:
    """The PNG reduced to a palette of ``colors``: a seventh of the bytes, no visible change.

    vl-convert writes 24-bit PNGs with light compression (about 330 KiB for a line chart at
    twice the density); a chart has a few colours and their anti-aliasing, which 64 cover
    (measured: 334 -> 46 KiB for a ratio chart, 395 -> 60 KiB for a rotation graph).
    """
    with Image.open(io.BytesIO(image)) as im:
        reduced = im.convert("RGB").quantize(
            colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def vega_bundle(cache_dir: Path) -> bytes:
    """vega, vega-lite and vega-embed in one file matching Altair's Vega-Lite version.

    Served by the site itself (no CDN). Building it takes seconds, so it is cached per version.
    """
    cached = cache_dir / f"vega-bundle-{VL_VERSION}-vlconvert-{vlc.__version__}.js"
    if not cached.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(vlc.javascript_bundle(vl_version=VL_VERSION), encoding="utf-8")
        tmp.replace(cached)
    return cached.read_bytes()


# --- page contexts


def _streak(s: Streak) -> dict[str, str]:
    return {
        "length": fmt_sessions(s.length),
        "n": str(s.length),
        "start": fmt_date(s.start),
        "end": fmt_date(s.end),
    }


def _streaks(summary: StreakSummary) -> dict[str, Any]:
    return {
        "current": _streak(summary.current),
        "record": _streak(summary.record),
        "rank": "" if summary.rank is None else f"#{summary.rank} of {summary.runs}",
        "active": summary.current.length > 0,
    }


def _pair_context(pr: PairReport, report: Report) -> dict[str, Any]:
    cfg = report.config
    pair = pr.pair
    a_name, b_name = cfg.instrument(pair.a).name, cfg.instrument(pair.b).name
    leader = pair.a if pr.a_beats.current.length else pair.b
    streak = pr.a_beats if leader == pair.a else pr.b_beats
    last = pr.ratio.iloc[-1]
    return {
        "key": pair.key,
        "a": pair.a,
        "b": pair.b,
        "a_name": a_name,
        "b_name": b_name,
        "label": pair.label or f"{a_name} vs {b_name}",
        "chart": ChartRef(f"ratio-{pair.key}", f"{pair.a} / {pair.b} relative strength line"),
        "returns": [
            {"period": p, "a": fmt_pct(r["a"]), "b": fmt_pct(r["b"]), "spread": fmt_pp(r["spread"])}
            for p, r in pr.returns.iterrows()
        ],
        "ytd_a": fmt_pct(pr.returns.at["YTD", "a"]) if "YTD" in pr.returns.index else NA,
        "ytd_b": fmt_pct(pr.returns.at["YTD", "b"]) if "YTD" in pr.returns.index else NA,
        "ytd_gap": fmt_pp(pr.returns.at["YTD", "spread"]) if "YTD" in pr.returns.index else NA,
        "a_streaks": _streaks(pr.a_beats),
        "b_streaks": _streaks(pr.b_beats),
        "leader": leader,
        "leader_streak": _streaks(streak),
        "ratio": f"{last['ratio']:.2f}",
        "above_short": _above(last["ratio"], last["ma_short"]),
        "above_long": _above(last["ratio"], last["ma_long"]),
        "ratio_drawdown": fmt_pct(pr.ratio_drawdown),
        "ratio_high": fmt_date(pr.ratio_high),
        "first_session": fmt_date(pr.ratio.index[0]),
    }


def _above(value: float, average: float) -> str:
    if pd.isna(average):
        return NA
    return "above" if value > average else "below"


def _kpi_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for inst in report.config.universe:
        status = report.status.status_of(inst.symbol)
        row = {
            "symbol": inst.symbol,
            "name": inst.name,
            "group": inst.group,
            "status": status.status,
            "mark": {"ok": "", "stale": " †", "failed": " ‡"}[status.status],
        }
        if inst.symbol not in report.returns.index:
            rows.append(
                row | {"last": NA, "cells": [NA] * len(report.config.periods), "drawdown": NA}
            )
            continue
        rets = report.returns.loc[inst.symbol]
        last = report.last.loc[inst.symbol]
        is_yield = inst.kind == "yield"
        rows.append(
            row
            | {
                "last": f"{last['close']:.2f}%" if is_yield else f"{last['close']:,.2f}",
                "cells": [
                    (fmt_bp if is_yield else fmt_pct)(rets[p]) for p in report.config.periods
                ],
                "drawdown": NA if is_yield else fmt_pct(last["drawdown"]),
            }
        )
    return rows


def _data_status(report: Report) -> dict[str, Any]:
    """Every symbol's validation result, for the Data page and the warnings on Home."""
    run = report.status
    names = {inst.symbol: inst.name for inst in report.config.universe}
    rows = [
        {
            "symbol": s.symbol,
            "name": names[s.symbol],
            "status": s.status,
            "reason": s.reason,
            "first": s.first_session or NA,
            "last": s.last_session or NA,
            "issues": list(s.issues),
        }
        for s in run.symbols
    ]
    return {
        "expected": run.expected_session,
        "checked_at": run.created_at,
        "counts": {k: str(len(run.with_status(k))) for k in ("ok", "stale", "failed")},
        "rows": rows,
        "stale": [r for r in rows if r["status"] == "stale"],
        "failed": [r for r in rows if r["status"] == "failed"],
        "with_issues": [r for r in rows if r["issues"]],
        "skipped_pairs": [f"{p.a} vs {p.b}" for p in report.skipped_pairs],
    }


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by their ``group``, groups in order of first appearance (the config's)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    return [{"name": name, "rows": members} for name, members in groups.items()]


def page_context(
    report: Report,
    sections: Sections,
    *,
    latest_post: Mapping[str, str] | None = None,
    downloads: list[str] | None = None,
    has_feed: bool = False,
) -> dict[str, Any]:
    """Everything the page templates may use, as formatted values.

    ``latest_post`` links the newest weekly post from Home; ``downloads`` names the data files
    published beside the pages; ``has_feed`` says whether ``feed.xml`` exists (it needs a URL).
    """
    cfg = report.config
    return {
        "site": {"title": cfg.site.title, "description": cfg.site.description},
        "as_of": fmt_date(report.as_of),
        "as_of_long": fmt_long_date(report.as_of),
        "source": report.source,
        "is_sample": report.is_sample,
        "basis": charts.BASIS,
        "benchmark": cfg.benchmark,
        "periods": list(cfg.periods),
        "params": {
            "ma_short": str(cfg.metrics.ma_short),
            "ma_long": str(cfg.metrics.ma_long),
            "chart_years": str(cfg.metrics.chart_years),
            "rrg_window": str(cfg.rotation.window) if cfg.rotation else "",
            "rrg_lag": str(cfg.rotation.momentum_lag) if cfg.rotation else "",
            "rrg_tail": str(cfg.rotation.tail) if cfg.rotation else "",
        },
        "headline": _pair_context(report.headline, report),
        "pairs": [_pair_context(pr, report) for pr in report.pairs],
        "kpi_groups": _grouped(_kpi_rows(report)),
        "data": _data_status(report),
        **views.section_context(report, sections),
        "latest_post": latest_post,
        "has_feed": has_feed,
        "downloads": downloads or [],
        "schema_fields": export.schema_fields(),
        "config_reference": reference.reference(),
        "version": __version__,
    }


# --- the whole generated folder


def build_charts(report: Report) -> dict[str, alt.Chart]:
    params = report.config.metrics
    return {
        f"ratio-{pr.pair.key}": charts.ratio_chart(
            pr,
            as_of=report.as_of,
            years=params.chart_years,
            ma_short=params.ma_short,
            ma_long=params.ma_long,
            theme=report.config.theme,
        )
        for pr in report.pairs
    }


def render_pages(
    env: jinja2.Environment, context: Mapping[str, Any], pages: list[Page]
) -> dict[str, bytes]:
    """Render each page's template with ``context``.

    Any failure inside a template (a syntax error, an undefined name, a filter given the wrong
    value, a missing include) becomes a :class:`BuildError` naming the template file and line,
    so a user who wrote an override knows where to look without reading a traceback. An error
    raised outside any template is a bug in the generator and propagates as it is.
    """
    out = {}
    for page in pages:
        target, template = page.file, page.template
        try:
            text = env.get_template(template).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"{exc.filename}: line {exc.lineno}: {exc.message}") from None
        except Exception as exc:
            where = template_location(exc)
            if where is None:
                if isinstance(exc, jinja2.TemplateNotFound):
                    raise BuildError(f"template not found: {exc.name}") from None
                raise
            filename, line = where
            inside = "" if filename.endswith(template) else f" (rendering {template})"
            raise BuildError(f"{filename}: line {line}: {_reason(exc)}{inside}") from None
        out[target] = text.encode()
    return out


def template_location(exc: BaseException) -> tuple[str, int] | None:
    """File and line of the innermost template frame of ``exc``'s traceback, if any.

    Jinja rewrites the traceback of an error raised while rendering: each frame of compiled
    template code is replaced by one whose file is the template's and whose line is the
    template's line (its globals hold ``__jinja_exception__``). The innermost is where the error
    happened, e.g. the included partial rather than the page that included it.
    """
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _reason(exc: BaseException) -> str:
    """One line saying what went wrong: Jinja's own message, else the exception's type and
    text (``ZeroDivisionError: division by zero``)."""
    if isinstance(exc, jinja2.TemplateNotFound):
        text = f"template not found: {exc.name}"
    elif isinstance(exc, jinja2.TemplateError) and exc.message:
        text = exc.message
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def render_charts(report: Report, sections: Sections) -> dict[str, bytes]:
    """Spec and static fallback of every chart.

    Sequential on purpose: vl-convert serialises conversions internally, so threads only add
    overhead (measured: 2.2 s sequential against 2.7 s with two threads for five charts).
    """
    files: dict[str, bytes] = {}
    every = build_charts(report) | views.section_charts(report, sections)
    for name, chart in every.items():
        files.update(chart_files(name, chart, theme=report.config.theme))
    return files


def site_files(
    report: Report, pages: list[Page], *, cache_dir: Path, feed: bool = False
) -> dict[str, bytes]:
    """The vega bundle, the live charts' theme and ``build.json`` (the facts the MkDocs hooks
    show on every page)."""
    cfg = report.config
    info = {
        "title": cfg.site.title,
        "url": cfg.site.url,
        "author": cfg.site.author,
        "description": cfg.site.description,
        "as_of": fmt_date(report.as_of),
        "source": report.source,
        "sample": report.is_sample,
        "generator": f"rotation-monitor {__version__}",
        "nav": navigation(pages),
        "feed": feed,
    }
    return {
        VEGA_BUNDLE: vega_bundle(cache_dir),
        CHART_THEME: chart_theme.theme_file(cfg.theme),
        "build.json": json.dumps(info, indent=2).encode(),
        "run-report.json": report.status.to_json().encode(),
    }
