"""Claims: the story's numbers tested against the data (``claims:`` in rotation.yml).

Each claim (:mod:`generator.claims`) is measured as of its own date by
:func:`generator.metrics.claims.check`, beside other funds of the same style-box cell and the
alternatives the claim names; the page gives the verdict, the value, and when the claim would
have held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator.claims import Measure, parse
from generator.config import PRESETS, ClaimEntry, Config
from generator.formatting import FORMATS as FORMATS_BY_NAME
from generator.formatting import Metric, json_date, json_number
from generator.metrics import claims as checks
from generator.report import Report
from generator.sections.base import MemberPrices, Page, Section, View

if TYPE_CHECKING:
    from generator.snapshot import Snapshot

FORMATS = {
    "return": "pct2",
    "spread": "pp2",
    "streak": "sessions",
    "rank": "ordinal",
    "breadth": "percent",
    "valuation": "percent",
}
"""How each measure's value reads: returns and spreads to a hundredth of a point, as claims
are often written to a tenth."""


def _same_cell() -> dict[str, list[str]]:
    """Each preset fund -> the funds that fill its cell in the other presets (IWF: IVW, VUG)."""
    cells: dict[str, list[str]] = {}
    for grid in PRESETS.values():
        for r, row in enumerate(grid):
            for c, symbol in enumerate(row):
                cells.setdefault(symbol, []).extend(
                    g[r][c] for g in PRESETS.values() if g[r][c] != symbol
                )
    return cells


SAME_CELL = _same_cell()


def equivalents(measure: Measure, config: Config) -> list[Measure]:
    """The measure said of the funds that fill the same style-box cell in the other presets
    (IWF: IVW and VUG), one side at a time, where they are in the universe: "large-cap growth"
    is several funds, and a claim may have been measured on another."""
    universe = set(config.symbols)
    out = []
    for i, symbol in enumerate(measure.symbols):
        for other in SAME_CELL.get(symbol, []):
            if other in universe and other not in measure.symbols:
                symbols = (*measure.symbols[:i], other, *measure.symbols[i + 1 :])
                out.append(replace(measure, symbols=symbols))
    return out


def _alternatives(entry: ClaimEntry, config: Config) -> list[Measure]:
    measure = parse(entry.claim).measure
    named = list(entry.measures)
    return named + [m for m in equivalents(measure, config) if m not in named]


def needs_members(config: Config) -> bool:
    """Whether a claim (or an alternative) measures a breadth list."""
    return any(
        m.kind == "breadth"
        for entry in config.claims
        for m in (parse(entry.claim).measure, *entry.measures)
    )


def _member_frames(config: Config, members: MemberPrices) -> dict[str, pd.DataFrame | str]:
    """Each breadth list's member prices, or why it has none."""
    if config.breadth is None:
        return {}
    out: dict[str, pd.DataFrame | str] = {}
    for item in config.breadth.lists:
        prices, _, problem = members.get(item.name, (None, [], "member prices not loaded"))
        out[item.name] = prices if prices is not None else problem
    return out


def compute(report: Report, members: MemberPrices) -> tuple[checks.Verdict, ...] | None:
    config = report.config
    if not config.claims:
        return None
    data = checks.Data(
        report.prices,
        _member_frames(config, members),
        config.breadth.min_members if config.breadth else 1,
        report.valuation,
    )
    return tuple(
        checks.check(
            parse(entry.claim),
            data,
            report.as_of,
            alternatives=_alternatives(entry, config),
        )
        for entry in config.claims
    )


def _number(kind: str, value: float | None) -> Any:
    if value is None:
        return None
    return int(value) if kind in ("streak", "rank") else json_number(value)


def display(kind: str, value: float | None) -> str:
    """A measured value as the page shows it (for the terminal's table)."""
    return FORMATS_BY_NAME[FORMATS[kind]](_number(kind, value))


def export(data: tuple[checks.Verdict, ...] | None, snap: Snapshot) -> list[dict[str, Any]] | None:
    if data is None:
        return None
    entries = snap.report.config.claims
    out = []
    for entry, verdict in zip(entries, data, strict=True):
        claim = verdict.claim
        kind = claim.measure.kind
        out.append(
            {
                "claim": claim.text,
                "source": entry.source,
                "kind": kind,
                "measure": claim.measure.text,
                "date": json_date(claim.date),
                "session": json_date(verdict.session),
                "op": claim.op,
                "claimed": _number(kind, claim.value),
                "tolerance": _number(kind, claim.tolerance),
                "unit": claim.measure.unit,
                "value": _number(kind, verdict.value),
                "verdict": verdict.status,
                "reason": verdict.reason,
                "searched": None
                if verdict.searched is None
                else {"from": json_date(verdict.searched[0]), "to": json_date(verdict.searched[1])},
                "held": [
                    {"from": json_date(h.first), "to": json_date(h.last), "offset": h.offset}
                    for h in verdict.held
                ],
                "closest": None
                if verdict.closest is None
                else {
                    "session": json_date(verdict.closest[0]),
                    "value": _number(kind, verdict.closest[1]),
                },
                "alternatives": [
                    {
                        "measure": alt.measure.text,
                        "value": _number(kind, alt.value),
                        "holds": alt.holds,
                        "reason": alt.reason,
                    }
                    for alt in verdict.alternatives
                ],
            }
        )
    return out


def _nearest(held: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The runs a reader reads first: those nearest the claim's date, at most five, in date
    order (a claim true on 40 scattered days is better summed up than listed)."""
    return sorted(sorted(held, key=lambda h: abs(h["offset"]))[:5], key=lambda h: h["from"])


def present(data: tuple[checks.Verdict, ...] | None, snap: Snapshot) -> View:
    if data is None:
        return View({"claims": None})
    doc = snap.document
    rows = []
    for i, row in enumerate(doc["claims"]):
        fmt = FORMATS[row["kind"]]

        def metric(path: str, fmt: str = fmt, i: int = i) -> Metric:
            return Metric(doc, f"claims.{i}.{path}", fmt)

        rows.append(
            {
                "claim": row["claim"],
                "source": row["source"],
                "kind": row["kind"],
                "verdict": row["verdict"],
                "reason": row["reason"],
                "date": row["date"],
                "session": row["session"],
                "moved": row["session"] is not None and row["session"] != row["date"],
                "value": metric("value"),
                "tolerance": row["tolerance"],
                "searched": row["searched"],
                "held": _nearest(row["held"]),
                "held_total": len(row["held"]),
                "closest": row["closest"]
                and {
                    "session": row["closest"]["session"],
                    "value": metric("closest.value"),
                },
                "alternatives": [
                    {
                        "measure": alt["measure"],
                        "holds": alt["holds"],
                        "reason": alt["reason"],
                        "value": metric(f"alternatives.{j}.value"),
                    }
                    for j, alt in enumerate(row["alternatives"])
                ],
            }
        )
    counts = {
        status: sum(r["verdict"] == status for r in rows)
        for status in ("holds", "does not hold", "cannot be checked")
    }
    return View({"claims": {"rows": rows, "counts": counts, "near": checks.NEAR_SESSIONS}})


SECTION = Section(
    name="claims",
    page=Page(
        "claims.md",
        "pages/claims.md.j2",
        "Claims",
        summary="The story's numbers measured against the data, each as of its own date",
    ),
    compute=compute,
    present=present,
    export=export,
)
