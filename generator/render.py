"""The site's pages: one template context gathered from the snapshot, then every page rendered.

The context holds formatted strings and small records (each section's ``present``) plus the
facts every page shows (as-of session, source, parameters). :func:`render_site` gathers every
generated file in memory (Markdown, chart files, data files); the build writes
them only once all of them exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from generator import __version__, charts, layout
from generator.chartfiles import (
    CHART_THEME,
    VEGA_BUNDLE,
    ExportCache,
    figure_files,
    vega_bundle,
)
from generator.charts import theme as chart_theme
from generator.formatting import fmt_date, fmt_long_date
from generator.metrics import rrg
from generator.sections.base import Figure, Page
from generator.templating import render_pages

if TYPE_CHECKING:
    from generator.snapshot import Snapshot

log = logging.getLogger(__name__)


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs ``nav`` for the generated pages: top-level pages and sections, in order."""
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {}
    for page in pages:
        if page.file == "index.md":
            nav += [{page.title: page.file}, {"Weekly": layout.BLOG_INDEX}]
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


def base_context(snap: Snapshot) -> dict[str, Any]:
    """What every page may show besides its section's values: the session, source and
    parameters."""
    report, cfg = snap.report, snap.config
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
            "min_streak": str(cfg.weekly.min_streak),
            "top_runs": str(cfg.weekly.top_runs),
            "breadth_move": f"{cfg.weekly.breadth_move * 100:g} pp",
            "lead_items": str(cfg.weekly.lead_items),
            "also_items": str(cfg.weekly.also_items),
            "rrg_bounds": "{:.2f} to {:.2f}".format(*rrg.ratio_bounds(cfg.rotation.window))
            if cfg.rotation
            else "",
        },
        "version": __version__,
    }


def page_context(
    snap: Snapshot,
    *,
    latest_post: Mapping[str, str] | None = None,
    downloads: list[str] | None = None,
    has_feed: bool = False,
) -> tuple[dict[str, Any], tuple[Figure, ...]]:
    """Everything the page templates may use, as formatted values, and the charts they place.

    ``latest_post`` links the newest weekly post from Home; ``downloads`` names the data files
    published beside the pages; ``has_feed`` says whether ``feed.xml`` exists (it needs a URL).
    """
    values, figures = snap.present()
    context = base_context(snap) | values
    context |= {"latest_post": latest_post, "has_feed": has_feed, "downloads": downloads or []}
    return context, figures


def render_site(
    env: jinja2.Environment, snap: Snapshot, *, exports: ExportCache | None = None, **facts: Any
) -> dict[str, bytes]:
    """Every page and chart file of the site, from one context (``facts``: see
    :func:`page_context`); ``exports`` re-uses static chart exports made before."""
    context, figures = page_context(snap, **facts)
    files = figure_files(figures, theme=snap.config.theme, tables=True, cache=exports)
    return files | render_pages(env, context, snap.pages())


def site_files(snap: Snapshot, *, cache_dir: Path) -> dict[str, bytes]:
    """The vega bundle, the live charts' theme and the run report, served with the pages."""
    return {
        VEGA_BUNDLE: vega_bundle(cache_dir),
        CHART_THEME: chart_theme.theme_file(snap.config.theme),
        "run-report.json": snap.report.status.to_json().encode(),
    }


def site_facts(snap: Snapshot, *, feed: bool = False, social_image: str = "") -> dict[str, Any]:
    """What the theme shows on every page (title, as-of session, source, sample banner, feed
    link, the image of a link preview), for ``extra.rotation`` of the MkDocs config."""
    report, cfg = snap.report, snap.config
    return {
        "title": cfg.site.title,
        "url": cfg.site.url,
        "author": cfg.site.author,
        "description": cfg.site.description,
        "as_of": fmt_date(report.as_of),
        "source": report.source,
        "sample": report.is_sample,
        "generator": f"rotation-monitor {__version__}",
        "feed": feed,
        "social_image": social_image,
    }
