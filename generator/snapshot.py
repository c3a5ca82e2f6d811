"""One snapshot per as-of session: every number the site or a weekly post shows for that session.

:func:`take` computes the report of the pairs (:mod:`generator.report`) and then each registered
section's data from prices already cut at the session, so nothing in a snapshot can look ahead.
The site build takes one snapshot (latest or ``--as-of``), the backfill one per week; nothing else
computes metrics. Presentation (:meth:`Snapshot.present`) only formats and draws what is here.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from generator.config import Config
from generator.report import Report, build_report
from generator.sections.base import Figure, MemberPrices, Page, Section, symbol_colors
from generator.validate import RunReport


@dataclass(frozen=True)
class Snapshot:
    report: Report
    data: Mapping[str, Any]
    """Section name -> what its ``compute`` returned (``None``: not configured)."""
    registry: tuple[Section, ...]
    """The sections taken, in navigation order."""
    colors: Mapping[str, str]
    """Each charted symbol's colour, from every section of the site (not only those taken), so
    a symbol has one colour on every page and post."""

    @property
    def config(self) -> Config:
        return self.report.config

    @property
    def as_of(self) -> pd.Timestamp:
        return self.report.as_of

    def pages(self) -> list[Page]:
        """The generated pages, in navigation order: a section's page exists if configured."""
        return [
            s.page
            for s in self.registry
            if s.page is not None and s.has_page(self.data.get(s.name))
        ]

    def present(self) -> tuple[dict[str, Any], tuple[Figure, ...]]:
        """Every section's template values, merged, and every chart of the pages."""
        context: dict[str, Any] = {}
        figures: list[Figure] = []
        for section in self.registry:
            if section.present is None:
                continue
            view = section.present(self.data.get(section.name), self)
            context |= view.context
            figures += view.figures
        names = [f.name for f in figures]
        duplicated = {n for n in names if names.count(n) > 1}
        if duplicated:
            raise ValueError(f"two charts share a file name: {sorted(duplicated)}")
        return context, tuple(figures)

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        """The dashboard's ``metrics.json``: the numbers every site page states are read from
        here (:class:`generator.formatting.Metric`), so a page says what the download holds."""
        from generator.export import document

        return document(self)

    def exports(self) -> dict[str, Any]:
        """Each exporting section's part of ``metrics.json``, in registry order."""
        return {
            s.name: s.export(self.data.get(s.name), self)
            for s in self.registry
            if s.export is not None
        }


def take(
    config: Config,
    prices: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    members: MemberPrices,
    source: str,
    is_sample: bool,
    status: RunReport,
    registry: tuple[Section, ...],
    only: Collection[str] | None = None,
    valuation: pd.DataFrame | None = None,
    valuation_status: Mapping[str, Any] | None = None,
) -> Snapshot:
    """The snapshot as of ``as_of`` with the sections of ``registry`` (the site's are
    :data:`generator.registry.REGISTRY`); ``only`` limits the sections computed (a weekly post
    needs the rotation graphs and breadth, not the 25-year history)."""
    report = build_report(
        config,
        prices,
        as_of,
        source=source,
        is_sample=is_sample,
        status=status,
        valuation=valuation,
        valuation_status=valuation_status,
    )
    chosen = tuple(s for s in registry if only is None or s.name in only)
    data = {s.name: s.compute(report, members) for s in chosen}
    return Snapshot(report, data, chosen, symbol_colors(config, registry))
