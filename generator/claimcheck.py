"""``rotation check-claims``: the claims' verdicts in the terminal, before they are published.

A writer drafting a story tests its numbers here: the claims of ``rotation.yml`` (or of a draft
file) measured exactly as the Claims page measures them (:func:`generator.sections.claims
.compute`, on the prices and member lists a build would read), printed as a table. Verdicts are
the output, not failures: only a claim the grammar or the config refuses is an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from generator import inert, pipeline, valuation
from generator.config import load_claims
from generator.errors import ConfigError
from generator.metrics.claims import Verdict
from generator.project import Project
from generator.report import build_report
from generator.sections import claims as section
from generator.sources import SAMPLE, Source
from generator.store import PriceStore


@dataclass(frozen=True)
class CheckOptions:
    config_path: Path = Path("rotation.yml")
    source: Source | str = SAMPLE
    file: Path | None = None
    """A draft's claims instead of rotation.yml's."""
    as_of: dt.date | None = None


@dataclass(frozen=True)
class Checked:
    as_of: pd.Timestamp
    source: str
    verdicts: tuple[Verdict, ...]


def check_claims(options: CheckOptions) -> Checked:
    """Every claim's verdict as of the data's last session (or ``as_of``)."""
    source = Source.of(options.source)
    project = Project.load(options.config_path)
    config = project.config
    if options.file is not None:
        config = load_claims(options.file, config)
    if not config.claims:
        where = options.file or options.config_path
        raise ConfigError(str(where), ["claims: no claims to check"])
    loaded = pipeline.load_prices(
        source, config.symbols, store=PriceStore(project.store), policy=config.data
    )
    requested = pd.Timestamp(options.as_of) if options.as_of else None
    checked = pipeline.check_prices(loaded, config, requested)
    members = {}
    if section.needs_members(config):
        start = checked.as_of - pd.DateOffset(years=pipeline.BREADTH_YEARS)
        members = pipeline.load_member_prices(project, source, start=start)
    history, _ = valuation.history_for(project, loaded.is_sample, checked.as_of)
    report = build_report(
        config,
        checked.prices,
        checked.as_of,
        source=loaded.source,
        is_sample=loaded.is_sample,
        status=checked.status,
        valuation=history,
    )
    verdicts = section.compute(report, members) or ()
    return Checked(checked.as_of, loaded.source, verdicts)


def _value(verdict: Verdict, value: float | None) -> str:
    return section.display(verdict.claim.measure.kind, value)


def table(checked: Checked) -> str:
    """The verdicts as a plain-text table: claim, value measured, verdict, and when it held."""
    rows = [("CLAIM", "DATA", "VERDICT", "NOTE")]
    for v in checked.verdicts:
        note = v.reason
        if not note and v.status == "does not hold":
            if v.held:
                nearest = min(v.held, key=lambda h: abs(h.offset))
                span = f"{nearest.first:%Y-%m-%d}" + (
                    f" to {nearest.last:%Y-%m-%d}" if nearest.last != nearest.first else ""
                )
                note = f"held {span}"
            elif v.closest is not None:
                note = f"closest {_value(v, v.closest[1])} on {v.closest[0]:%Y-%m-%d}"
        alternatives = [
            f"{a.measure.text} {_value(v, a.value)}{' holds' if a.holds else ''}"
            for a in v.alternatives
            if a.value is not None
        ]
        if alternatives:
            note = "; ".join([note, *alternatives] if note else alternatives)
        rows.append(
            (inert.terminal(v.claim.text), _value(v, v.value), v.status, inert.terminal(note))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        "  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].ljust(widths[2]), r[3]])
        for r in rows
    ]
    head = f"Claims as of {checked.as_of:%Y-%m-%d}, {checked.source}:"
    return "\n".join([inert.terminal(head), *(line.rstrip() for line in lines)])
