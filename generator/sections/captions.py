"""How a chart's summary reads: a sentence or two, under the chart, of what its data show now.

A summary is the chart's text alternative for every reader (and, with the chart's name, what a
screen reader announces for the live chart). It states numbers the document already holds
(:class:`~generator.formatting.Metric` spans, checked against ``metrics.json`` like every number
of the page) or, for a chart whose numbers the document does not hold, the section's computed
data formatted the same way. Words are chosen from the signs and comparisons of those numbers
("rose" for a positive return), never from a number that is missing: a ``None`` leaves its clause
out or says that there is none.

A summary is :class:`~markupsafe.Markup`: its numbers are spans, and every outside text (a symbol,
a group's name from ``rotation.yml``) is made inert for the Markdown page
(:func:`generator.inert.markdown`) before it is joined in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup

from generator import inert

PERIOD_WORDS = {
    "1W": "the past week",
    "1M": "the past month",
    "3M": "the past three months",
    "6M": "the past six months",
    "YTD": "the year to date",
    "1Y": "the past year",
    "3Y": "the past three years",
    "5Y": "the past five years",
}
"""How a period of the config reads in a sentence ("over the past year")."""


def sentence(template: str, *values: Any) -> Markup:
    """``template`` (the code's own words, with ``{}`` fields) filled with ``values``: a
    :class:`~generator.formatting.Metric` or other markup as it is, any other value as inert
    text, so a group named ``*x*`` reads as written and never as emphasis."""
    return Markup(template).format(*(inert.markdown(v) for v in values))


def join(parts: Iterable[Any], separator: str = " ") -> Markup:
    """Sentences (or list items) joined; empty ones left out."""
    return Markup(separator).join(inert.markdown(p) for p in parts if p)


def listing(items: Iterable[Any]) -> Markup:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [inert.markdown(i) for i in items]
    if len(items) <= 1:
        return Markup("").join(items)
    return Markup(", ").join(items[:-1]) + Markup(" and ") + items[-1]


def period_words(period: str) -> str:
    return PERIOD_WORDS.get(period, period)


def summary_period(periods: Iterable[str]) -> str | None:
    """The period a chart's summary speaks of: the past year when the config has it (the span a
    reader expects of "rose"), else the longest the config lists (its last)."""
    listed = list(periods)
    if "1Y" in listed:
        return "1Y"
    return listed[-1] if listed else None


def direction(
    value: float, up: str = "rose", down: str = "fell", flat: str = "was unchanged"
) -> str:
    """The word for a change of ``value``'s sign."""
    return up if value > 0 else down if value < 0 else flat


# --- a ratio chart's (the Pairs page, Home, the Breadth page's equal-weight ratio)


Read = Callable[[str, str], Any]
"""A number of a pair's entry as the summary shows it, from its path in the entry and its format:
a :class:`~generator.formatting.Metric` of the document, or the text of a number the document
does not hold."""


def ratio_summary(
    entry: Mapping[str, Any], read: Read, *, period: str | None, ma_short: int, ma_long: int
) -> Markup:
    """What a ratio chart shows now, from the pair's document entry (:func:`generator.export.
    pair_entry`): the two sides' returns over ``period`` and so the ratio's direction (it rose
    when ``(1 + a) / (1 + b) > 1``), and where it closed against its averages. A side without a
    return, or an average not yet defined, is said to have none, never given a direction."""
    a, b = entry["a"], entry["b"]
    ratio = f"{a} / {b}"
    parts: list[Markup] = []
    subject = f"The {ratio} ratio"
    returns = entry["returns"].get(period) if period else None
    if period and returns is not None:
        ra, rb = returns["a"], returns["b"]
        over = period_words(period)
        if ra is not None and rb is not None:
            parts.append(
                sentence(
                    "Over {} {} returned {} and {} {}, so the {} ratio {}.",
                    over,
                    a,
                    read(f"returns.{period}.a", "pct"),
                    b,
                    read(f"returns.{period}.b", "pct"),
                    ratio,
                    direction((1 + ra) / (1 + rb) - 1),
                )
            )
            subject = "It"
        else:
            missing = [side for side, r in ((a, ra), (b, rb)) if r is None]
            parts.append(
                sentence(
                    "{} {} no return over {}.",
                    listing(missing),
                    "has" if len(missing) == 1 else "have",
                    over,
                )
            )
    parts.append(
        _averages(subject, entry["above_ma_short"], entry["above_ma_long"], ma_short, ma_long)
    )
    return join(parts)


def _averages(
    subject: str, short: bool | None, long: bool | None, ma_short: int, ma_long: int
) -> Markup:
    """Where the ratio closed against its two averages (``None``: that average has too few
    sessions yet)."""
    side = {True: "above", False: "below"}
    if short is not None and short == long:
        return sentence(
            "{} closed {} both its {}- and {}-session averages.",
            subject,
            side[short],
            ma_short,
            ma_long,
        )
    known = [
        (side[flag], n) for flag, n in ((short, ma_short), (long, ma_long)) if flag is not None
    ]
    unknown = [n for flag, n in ((short, ma_short), (long, ma_long)) if flag is None]
    if not known:
        return sentence("{} has no {}- or {}-session average yet.", subject, ma_short, ma_long)
    closed = listing(sentence("{} its {}-session average", where, n) for where, n in known)
    if not unknown:
        return sentence("{} closed {}.", subject, closed)
    return sentence("{} closed {}; it has no {}-session average yet.", subject, closed, unknown[0])
