"""The About pages that hold no market numbers of their own: Methodology (every formula and
parameter), Downloads (the ``metrics.json`` schema, field by field) and Configuration (every key
of rotation.yml, generated from the config model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator import reference, schema
from generator.sections.base import Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


def _downloads(data: None, snap: Snapshot) -> View:
    return View({"schema_fields": schema.fields()})


def _configuration(data: None, snap: Snapshot) -> View:
    return View({"config_reference": reference.reference()})


METHODOLOGY = Section(
    name="methodology",
    page=Page("methodology.md", "pages/methodology.md.j2", "Methodology", "About"),
    always=True,
)
DOWNLOADS = Section(
    name="downloads",
    page=Page("downloads.md", "pages/downloads.md.j2", "Downloads", "About"),
    present=_downloads,
    always=True,
)
CONFIGURATION = Section(
    name="configuration",
    page=Page("configuration.md", "pages/configuration.md.j2", "Configuration", "About"),
    present=_configuration,
    always=True,
)
