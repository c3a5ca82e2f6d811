"""The site's sections, in navigation order: the one list the build, the posts, the export and
the nav iterate over. A section is one module of :mod:`generator.sections` (see
:mod:`generator.sections.base`); adding one is that module, its template and its entry here."""

from __future__ import annotations

from generator.sections import (
    about,
    breadth,
    claims,
    data_status,
    history,
    home,
    pairs,
    rates,
    risk,
    rotation,
    stylebox,
    valuation,
    watchlist,
)
from generator.sections.base import Section

REGISTRY: tuple[Section, ...] = (
    home.SECTION,
    pairs.SECTION,
    stylebox.SECTION,
    valuation.SECTION,
    rotation.SECTION,
    breadth.SECTION,
    rates.SECTION,
    risk.SECTION,
    watchlist.SECTION,
    history.SECTION,
    claims.SECTION,
    data_status.SECTION,
    about.METHODOLOGY,
    about.DOWNLOADS,
    about.CONFIGURATION,
)
