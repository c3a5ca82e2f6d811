"""A post's words and numbers, from its ``metrics.json`` alone.

The post page, the feed item and the e-mail digest all take their text from here, so each number
they state is a value of the document, tied to its place in it
(:class:`generator.formatting.Metric`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from generator.archive import post_title
from generator.config import Config
from generator.formatting import Metric, fmt_long_date
from generator.layout import post_slug


def post_context(doc: dict[str, Any], config: Config) -> dict[str, Any]:
    """Formatted values for the post template, every number taken from ``doc``."""
    names = {inst.symbol: inst.name for inst in config.universe}
    week = doc["week"]
    pairs = []
    for i, p in enumerate(week["pairs"]):
        at = f"week.pairs.{i}"
        pair_doc = next(x for x in doc["pairs"] if x["key"] == p["key"])
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
                "beat": p["spread"] is not None and p["spread"] > 0,
                "even": p["spread"] == 0,
                "ytd_gap": Metric(doc, f"{at}.ytd_gap", "pp"),
                "leader": p["leader"] or "",
                "other": other,
                "streak": Metric(doc, f"{at}.streak.length", "sessions"),
                "streak_start": Metric(doc, f"{at}.streak.start", "date"),
                "started": p["started"],
                "record": p["record"],
                "ended": [
                    {
                        "side": e["side"],
                        "other": p["b"] if e["side"] == p["a"] else p["a"],
                        "length": Metric(doc, f"{at}.ended.{j}.length", "sessions"),
                        "end": Metric(doc, f"{at}.ended.{j}.end", "date"),
                    }
                    for j, e in enumerate(p["ended"])
                ],
                "high_52w": Metric(doc, f"{at}.high_52w", "date") if p["high_52w"] else None,
                "low_52w": Metric(doc, f"{at}.low_52w", "date") if p["low_52w"] else None,
            }
        )
    moves = [{**m, "name": names.get(m["symbol"], m["symbol"])} for m in week["quadrant_moves"]]
    breadth = [
        {
            "list": b["list"],
            "window": Metric(doc, f"week.breadth.{i}.window", "int"),
            "share": Metric(doc, f"week.breadth.{i}.share", "share"),
            "change": Metric(doc, f"week.breadth.{i}.change", "pp"),
        }
        for i, b in enumerate(week["breadth"])
        if b["share"] is not None and b["change"] is not None
    ]
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
        "headline": pairs[0],
        "pairs": pairs,
        "quadrant_moves": moves,
        "breadth": breadth,
        "params": {
            "ma_short": str(config.metrics.ma_short),
            "ma_long": str(config.metrics.ma_long),
            "chart_years": str(config.weekly.chart_years),
            "min_streak": Metric(doc, "parameters.min_streak", "int"),
        },
    }


def chart_alt(name: str, a: str, b: str, as_of: str) -> str:
    """The alternative text of a post's chart (the page, the feed and the e-mail use it)."""
    if name.startswith("ratio-"):
        return f"{a} / {b} relative strength, as of {as_of}"
    return f"Relative rotation graph, as of {as_of}"
