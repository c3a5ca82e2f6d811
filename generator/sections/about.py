"""The About pages that hold no market numbers of their own: Methodology (every formula and
parameter), Downloads (the ``metrics.json`` schema, field by field) and Configuration (every key
of rotation.yml, generated from the config model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator import reference, schema
from generator.sections.base import FORKERS, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


def _downloads(data: None, snap: Snapshot) -> View:
    return View({"schema_fields": schema.fields()})


def _configuration(data: None, snap: Snapshot) -> View:
    return View({"config_reference": reference.reference()})


METHODOLOGY = Section(
    name="methodology",
    page=Page(
        "methodology.md",
        "pages/methodology.md.j2",
        "Methodology",
        "About",
        summary="How every number is computed: price basis, periods, averages, rotation, breadth",
    ),
    always=True,
)
DOWNLOADS = Section(
    name="downloads",
    page=Page(
        "downloads.md",
        "pages/downloads.md.j2",
        "Downloads",
        "About",
        summary="Every number on the site as JSON and CSV files, with what each field means",
    ),
    present=_downloads,
    always=True,
)
CONFIGURATION = Section(
    name="configuration",
    page=Page(
        "configuration.md",
        "pages/configuration.md.j2",
        "Configuration",
        FORKERS,
        summary="Every key of rotation.yml, for those who publish their own site",
    ),
    present=_configuration,
    always=True,
)
