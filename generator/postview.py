"""A post's words and numbers, from its ``metrics.json`` alone.

The post page, the feed item and the e-mail digest all take their text from here, so each number
they state is a value of the document, tied to its place in it
(:class:`generator.formatting.Metric`).
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd

from generator import story
from generator.archive import post_title
from generator.config import Config
from generator.formatting import Metric, fmt_gap, fmt_long_date
from generator.layout import post_slug

PAGES = {
    "pairs": ("pairs/", "Pairs"),
    "breadth": ("breadth/", "Breadth"),
    "sectors": ("sectors/", "Sectors"),
}
"""The site pages a post's facts link to: path from the site's root, title."""
POST_TO_ROOT = "../../"
"""From a post's page (``blog/week-2026-07-31/``) to the site's root."""
FULL_WEEK = 5


def post_context(doc: dict[str, Any], config: Config, root: str = POST_TO_ROOT) -> dict[str, Any]:
    """Formatted values for the post template, every number taken from ``doc``; links to the
    site's pages start at ``root`` (relative on the post's page, the site's URL in the feed and
    the e-mail)."""
    doc = with_format_2_fields(doc)
    names = {inst.symbol: inst.name for inst in config.universe}
    week = doc["week"]
    pairs = []
    for i, p in enumerate(week["pairs"]):
        at = f"week.pairs.{i}"
        k, pair_doc = next((k, x) for k, x in enumerate(doc["pairs"]) if x["key"] == p["key"])
        label = pair_doc["label"] or f"{names[p['a']]} vs {names[p['b']]}"
        other = p["b"] if p["leader"] == p["a"] else p["a"]
        pairs.append(
            {
                "key": p["key"],
                "a": p["a"],
                "b": p["b"],
                "label": label,
                "return_a": Metric(doc, f"{at}.return_a", "pct"),
                "return_b": Metric(doc, f"{at}.return_b", "pct"),
                "spread": Metric(doc, f"{at}.spread", "pp"),
                "gap": Metric(doc, f"{at}.spread", "gap"),
                "beat": _direction(p["spread"]),
                "before": Metric(doc, f"{at}.previous_spread", "gap"),
                "before_beat": _direction(p["previous_spread"]),
                "ytd_gap": Metric(doc, f"{at}.ytd_gap", "pp"),
                "ytd_size": Metric(doc, f"{at}.ytd_gap", "gap"),
                "ytd_lead": _direction(p["ytd_gap"]),
                "leader": p["leader"] or "",
                "other": other,
                "streak": Metric(doc, f"{at}.streak.length", "sessions"),
                "streak_start": Metric(doc, f"{at}.streak.start", "date"),
                "started": p["started"],
                "record": p["record"],
                "since": Metric(doc, f"pairs.{k}.first_session", "date"),
                "ended": [
                    {
                        "side": e["side"],
                        "other": p["b"] if e["side"] == p["a"] else p["a"],
                        "length": Metric(doc, f"{at}.ended.{j}.length", "sessions"),
                        "end": Metric(doc, f"{at}.ended.{j}.end", "date"),
                        "rank": Metric(doc, f"{at}.ended.{j}.rank", "ordinal"),
                        "runs": Metric(doc, f"{at}.ended.{j}.runs", "int"),
                        "best": Metric(doc, f"{at}.ended.{j}.best_before.length", "sessions"),
                        "best_end": Metric(doc, f"{at}.ended.{j}.best_before.end", "date"),
                        "beat_best": e["length"] > e["best_before"]["length"],
                    }
                    for j, e in enumerate(p["ended"])
                ],
                "high_52w": Metric(doc, f"{at}.high_52w", "date") if p["high_52w"] else None,
                "low_52w": Metric(doc, f"{at}.low_52w", "date") if p["low_52w"] else None,
                "ma_cross": p["ma_cross"],
            }
        )
    moves = [{**m, "name": names.get(m["symbol"], m["symbol"])} for m in week["quadrant_moves"]]
    breadth = {
        i: {
            "list": b["list"],
            "window": Metric(doc, f"week.breadth.{i}.window", "int"),
            "share": Metric(doc, f"week.breadth.{i}.share", "share"),
            "previous": Metric(doc, f"week.breadth.{i}.previous", "share"),
            "change": Metric(doc, f"week.breadth.{i}.change", "pp"),
            "size": Metric(doc, f"week.breadth.{i}.change", "gap"),
            "rose": b["change"] > 0,
        }
        for i, b in enumerate(week["breadth"])
        if b["share"] is not None and b["change"] is not None
    }
    links = {page: {"href": root + path, "title": title} for page, (path, title) in PAGES.items()}

    def told(fact: story.Fact) -> dict[str, Any]:
        """A fact with what its sentence needs (``posts/fact.html.j2`` words it): the pair, run,
        breadth row or quadrant move it is about, and, for a fact told with others of its kind,
        all of them (``pairs``, ``moves``)."""
        out: dict[str, Any] = {"kind": fact.kind, **links[fact.page]}
        places = [p.split(".") for p in (fact.at, *fact.others)]
        if places[0][1] == "pairs":
            out["pairs"] = [pairs[int(p[2])] for p in places]
            out["pair"] = out["pairs"][0]
            if len(places[0]) > 3:
                out["run"] = out["pair"]["ended"][int(places[0][4])]
        elif places[0][1] == "breadth":
            out["breadth"] = breadth[int(places[0][2])]
        else:
            out["moves"] = [moves[int(p[2])] for p in places]
            out["move"] = out["moves"][0]
        return out

    told_story = story.story(doc, config.weekly)
    session = pd.Timestamp(doc["as_of"])
    return {
        "site": {"title": config.site.title},
        "title": post_title(session),
        "slug": post_slug(session),
        "as_of": doc["as_of"],
        "as_of_long": fmt_long_date(session),
        "start": week["start"],
        "source": doc["source"],
        "is_sample": doc["sample"],
        "basis": doc["basis"],
        "sessions": Metric(doc, "week.sessions", "sessions"),
        "short_week": week["sessions"] is not None and week["sessions"] < FULL_WEEK,
        "headline": pairs[0],
        "pairs": pairs,
        "quadrant_moves": moves,
        "breadth": list(breadth.values()),
        "valuation": _valuation(doc),
        "as_of_metric": Metric(doc, "as_of", "date"),
        "lead": [told(f) for f in told_story.lead],
        "also": [told(f) for f in told_story.also],
        "more": told_story.more,
        "more_pages": [links[p] for p in sorted({f.page for f in told_story.more})],
        "params": {
            "ma_short": Metric(doc, "parameters.ma_short", "int"),
            "ma_long": Metric(doc, "parameters.ma_long", "int"),
            "chart_years": str(config.weekly.chart_years),
            "min_streak": Metric(doc, "parameters.min_streak", "int"),
            "top_runs": config.weekly.top_runs,
        },
    }


def _valuation(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The discounts the post's document holds (only from snapshots taken by its session; none
    in a post written before the first snapshot)."""
    found = doc.get("valuation") or {"discounts": []}
    return [
        {
            "label": d["label"],
            "a": d["a"],
            "b": d["b"],
            "date": Metric(doc, f"valuation.discounts.{i}.date", "date"),
            "pe_a": Metric(doc, f"valuation.discounts.{i}.pe_a", "decimal"),
            "pe_b": Metric(doc, f"valuation.discounts.{i}.pe_b", "decimal"),
            "gap": Metric(doc, f"valuation.discounts.{i}.discount", "gap_pct"),
        }
        for i, d in enumerate(found["discounts"])
        if d["date"] is not None
    ]


def with_format_2_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with the week's fields that posts of format 1 lack (the build still reads an
    archived post's document for the feed and the e-mail) set to ``null``: nothing is said of
    what such a post never held (no short week, no week before, no rank of an ended run)."""
    out = copy.deepcopy(doc)
    week = out["week"]
    week.setdefault("sessions", None)
    for pair in week["pairs"]:
        for key in ("previous_spread", "rank", "ma_cross"):
            pair.setdefault(key, None)
        pair.setdefault("runs", 0)
        for run in pair["ended"]:
            run.setdefault("rank", None)
            run.setdefault("runs", None)
            run.setdefault("best_before", {"length": 0, "start": None, "end": None})
    return out


def _direction(value: float | None) -> str:
    """``"up"``, ``"down"`` or ``"level"`` (``None``: missing), as the spread reads at the
    text's precision: a gap shown as 0.0 pp is level, whatever its sign."""
    if value is None:
        return "missing"
    if fmt_gap(value) == fmt_gap(0.0):
        return "level"
    return "up" if value > 0 else "down"


def chart_alt(name: str, a: str, b: str, as_of: str) -> str:
    """The alternative text of a post's chart (the page, the feed and the e-mail use it)."""
    if name.startswith("ratio-"):
        return f"{a} / {b} relative strength, as of {as_of}"
    return f"Relative rotation graph, as of {as_of}"
