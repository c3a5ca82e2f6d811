"""Which of a week's facts a weekly post tells, and in what order.

A week holds dozens of facts (every quadrant that flipped, every short run that ended); a
subscriber wants the few that matter. :func:`ranked` reads them from a post's ``metrics.json``
alone (so the feed and the e-mail rank an archived post as its page did) and scores each kind:

======================================  ===============  ===============
fact                                    headline pair    another pair
======================================  ===============  ===============
the current run is the longest on record       100              90
a run that ended ranks in ``top_runs``     95 - 5 (rank - 1)  85 - 5 (rank - 1)
the ratio closed at a one-year high/low         80              60
the ratio crossed its long average              75              55
a run of ``min_streak`` or more began      30 + sessions    30 + sessions
a shorter-ranked run ended                 20 + sessions/10 20 + sessions/10
======================================  ===============  ===============

A breadth share moving ``breadth_move`` or more scores 50 plus its move in percentage points
(at most 74); a symbol entering Leading on a rotation graph 45, leaving it 35, any other
quadrant change 10. Equal scores keep the document's order (pairs headline first).

The post opens with the headline pair's week, then the ``lead_items`` best facts scoring at
least :data:`LEAD_MIN`; "Also this week" lists the ``also_items`` next. Wording is the
templates' (``posts/fact.html.j2``); the thresholds are ``weekly:`` in ``rotation.yml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from generator.config import Weekly

LEAD_MIN = 40.0
"""A fact below this score (a quadrant flip, a short run) never makes the opening paragraph."""


@dataclass(frozen=True)
class Fact:
    """One fact of the week, pointing into the document."""

    kind: str
    """``record_run``, ``ended_run``, ``high``, ``low``, ``ma_cross``, ``run_began``,
    ``breadth``, ``entered_leading``, ``left_leading`` or ``quadrant``."""
    at: str
    """Its place in ``metrics.json``: ``week.pairs.0``, ``week.pairs.0.ended.1``,
    ``week.breadth.3`` or ``week.quadrant_moves.2``."""
    score: float
    page: str
    """The site page where a reader follows it up: ``pairs``, ``breadth`` or ``sectors``."""
    others: tuple[str, ...] = ()
    """The places of facts of the same kind told in the same sentence (other pairs at a
    one-year high, other symbols entering Leading on the same graph)."""


@dataclass(frozen=True)
class Story:
    lead: tuple[Fact, ...]
    also: tuple[Fact, ...]
    more: tuple[Fact, ...]
    """Facts told in neither (on their pages only)."""


def _pair_facts(i: int, pair: Mapping[str, Any], weekly: Weekly) -> list[Fact]:
    at, headline = f"week.pairs.{i}", i == 0
    facts = []
    length = pair["streak"]["length"]
    if pair["leader"] and pair["record"] and length >= weekly.min_streak:
        facts.append(Fact("record_run", at, 100.0 if headline else 90.0, "pairs"))
    elif pair["leader"] and pair["started"] and length >= weekly.min_streak:
        facts.append(Fact("run_began", at, 30.0 + length, "pairs"))
    for j, run in enumerate(pair["ended"]):
        if run["rank"] is not None and run["rank"] <= weekly.top_runs:
            score = (95.0 if headline else 85.0) - 5.0 * (run["rank"] - 1)
        else:
            score = 20.0 + run["length"] / 10
        facts.append(Fact("ended_run", f"{at}.ended.{j}", score, "pairs"))
    for kind in ("high", "low"):
        if pair[f"{kind}_52w"]:
            facts.append(Fact(kind, at, 80.0 if headline else 60.0, "pairs"))
    if pair["ma_cross"]:
        facts.append(Fact("ma_cross", at, 75.0 if headline else 55.0, "pairs"))
    return facts


def _breadth_facts(week: Mapping[str, Any], weekly: Weekly) -> list[Fact]:
    facts = []
    for i, row in enumerate(week["breadth"]):
        change = row["change"]
        if change is not None and row["share"] is not None and abs(change) >= weekly.breadth_move:
            score = 50.0 + min(abs(change) * 100, 24.0)
            facts.append(Fact("breadth", f"week.breadth.{i}", score, "breadth"))
    return facts


def _quadrant_facts(week: Mapping[str, Any]) -> list[Fact]:
    facts = []
    for i, move in enumerate(week["quadrant_moves"]):
        if move["current"] == "Leading":
            kind, score = "entered_leading", 45.0
        elif move["previous"] == "Leading":
            kind, score = "left_leading", 35.0
        else:
            kind, score = "quadrant", 10.0
        facts.append(Fact(kind, f"week.quadrant_moves.{i}", score, "sectors"))
    return facts


GROUPED = frozenset({"high", "low", "entered_leading", "left_leading"})
"""Kinds whose equal-scoring facts make one sentence ("The RSP / SPY and IWD / IWF ratios …")."""


def _grouped(facts: list[Fact], week: Mapping[str, Any]) -> list[Fact]:
    """Facts of a :data:`GROUPED` kind with the same score (and, for quadrant moves, the same
    rotation graph) joined into the first of them."""
    out: list[Fact] = []
    first: dict[tuple[Any, ...], int] = {}
    for fact in facts:
        if fact.kind not in GROUPED:
            out.append(fact)
            continue
        graph = ""
        if fact.at.startswith("week.quadrant_moves."):
            graph = week["quadrant_moves"][int(fact.at.rsplit(".", 1)[1])]["group"]
        key = (fact.kind, fact.score, graph)
        if key in first:
            lead = out[first[key]]
            out[first[key]] = replace(lead, others=(*lead.others, fact.at))
        else:
            first[key] = len(out)
            out.append(fact)
    return out


def ranked(doc: Mapping[str, Any], weekly: Weekly) -> list[Fact]:
    """Every fact of the post's week worth a line, most important first; facts of one kind and
    score told together (:func:`_grouped`)."""
    week = doc["week"]
    facts = [f for i, p in enumerate(week["pairs"]) for f in _pair_facts(i, p, weekly)]
    facts += _breadth_facts(week, weekly) + _quadrant_facts(week)
    # sorted is stable: equal scores keep the document's order
    return _grouped(sorted(facts, key=lambda f: -f.score), week)


def story(doc: Mapping[str, Any], weekly: Weekly) -> Story:
    """The facts of the opening paragraph, those of "Also this week", and how many are left."""
    facts = ranked(doc, weekly)
    lead = tuple(f for f in facts[: weekly.lead_items] if f.score >= LEAD_MIN)
    also = tuple(facts[len(lead) : len(lead) + weekly.also_items])
    return Story(lead, also, tuple(facts[len(lead) + len(also) :]))
