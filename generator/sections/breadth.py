"""Breadth: how many stocks take part. Per member list, the share of members above their moving
averages and the advance-decline line; and the equal-weight / cap-weight ratio (``breadth:`` in
rotation.yml)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from generator import charts
from generator.charts import breadth as breadth_charts
from generator.config import Pair, slug
from generator.errors import DataError
from generator.export import pair_entry
from generator.formatting import FORMATS, NA, Metric, fmt_date, json_number, lookup
from generator.metrics import breadth
from generator.report import PairReport, Report, pair_report
from generator.sections import captions
from generator.sections.base import Figure, MemberPrices, Page, Section, View, reasons

if TYPE_CHECKING:
    from generator.snapshot import Snapshot


@dataclass(frozen=True)
class MemberBreadth:
    name: str
    frames: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    advance_decline: pd.DataFrame | None = None
    coverage: breadth.Coverage | None = None
    problem: str = ""
    """Why this list has no numbers (file missing or unreadable)."""


@dataclass(frozen=True)
class Breadth:
    lists: tuple[MemberBreadth, ...]
    equal_weight: PairReport | None
    """The equal-weight / cap-weight pair, or ``None`` (``equal_weight_problem`` says why)."""
    equal_weight_problem: str = ""


def member_breadth(report: Report, members: MemberPrices) -> tuple[MemberBreadth, ...]:
    """Breadth of each member list, from member prices up to the report's session."""
    cfg = report.config.breadth
    if cfg is None:
        return ()
    out = []
    for item in cfg.lists:
        prices, tickers, problem = members.get(item.name, (None, [], "member prices not loaded"))
        if prices is None:
            out.append(MemberBreadth(item.name, problem=problem))
            continue
        prices = prices.loc[: report.as_of]
        frames, advance_decline = breadth.breadth_measures(
            prices, cfg.windows, min_eligible=cfg.min_members
        )
        out.append(
            MemberBreadth(
                item.name, frames, advance_decline, breadth.coverage(prices, tickers, report.as_of)
            )
        )
    return tuple(out)


def equal_weight_pair(report: Report) -> tuple[PairReport | None, str]:
    """The equal-weight / cap-weight ratio, or why there is none: a symbol that failed
    validation (the policy tolerates a few) leaves this chart out, never the whole build."""
    cfg = report.config.breadth
    assert cfg is not None
    pair = Pair(a=cfg.equal_weight, b=cfg.cap_weight, label="Equal weight vs cap weight")
    why = reasons(report)
    for symbol in (pair.a, pair.b):
        if symbol in why:
            return None, f"{symbol} failed: {why[symbol]}"
    try:
        return pair_report(report.config, report.prices, report.as_of, pair), ""
    except DataError as exc:
        return None, str(exc)


def compute(report: Report, members: MemberPrices) -> Breadth | None:
    if report.config.breadth is None:
        return None
    ratio, problem = equal_weight_pair(report)
    return Breadth(member_breadth(report, members), ratio, problem)


def present(data: Breadth | None, snap: Snapshot) -> View:
    cfg = snap.report.config.breadth
    if data is None or cfg is None:
        return View({"breadth": None})
    report = snap.report
    theme = report.config.theme
    figures: list[Figure] = []
    lists: list[dict[str, Any]] = []
    exported = {(row["list"], row["window"]): i for i, row in enumerate(snap.document["breadth"])}
    listed = {member_list.name: member_list for member_list in cfg.lists}
    for item in data.lists:
        if item.coverage is None or item.advance_decline is None:
            lists.append({"name": item.name, "problem": item.problem})
            continue
        members = item.coverage.priced
        ad = item.advance_decline.loc[: report.as_of]
        month = ad["line"].loc[: report.as_of - pd.DateOffset(months=1)]
        change = None if month.empty else ad["line"].iloc[-1] - month.iloc[-1]
        above = Figure(
            f"breadth-{slug(item.name)}-above",
            f"{item.name}: members above averages",
            partial(
                breadth_charts.percent_above_chart,
                item.frames,
                list_name=item.name,
                as_of=report.as_of,
                members=members,
                min_eligible=cfg.min_members,
                theme=theme,
            ),
            summary=above_summary(snap.document, item.name, list(item.frames)),
            table=partial(breadth_charts.percent_above_table, item.frames, as_of=report.as_of),
        )
        ad_chart = Figure(
            f"breadth-{slug(item.name)}-ad",
            f"{item.name}: A-D line",
            partial(
                breadth_charts.advance_decline_chart,
                item.advance_decline,
                list_name=item.name,
                as_of=report.as_of,
                members=members,
                theme=theme,
            ),
            summary=ad_summary(ad, None if month.empty else month.index[-1], change),
            table=partial(
                breadth_charts.advance_decline_table, item.advance_decline, as_of=report.as_of
            ),
        )
        figures += [above, ad_chart]
        # The shares and the A-D line are those of the last session with member prices: said
        # when it is not the report's (the members' prices were not refreshed to it).
        data_to = "" if ad.empty or ad.index[-1] == report.as_of else fmt_date(ad.index[-1])
        lists.append(
            {
                "name": item.name,
                "problem": "",
                "key": slug(item.name),
                "coverage": item.coverage.summary(),
                "behind": item.coverage.behind(),
                "data_to": data_to,
                # The sample's members are synthetic, whatever the list files say.
                "members_as_of": "" if report.is_sample else listed[item.name].members_as_of or "",
                "above": [
                    {
                        "window": str(w),
                        "share": Metric(
                            snap.document, f"breadth.{exported[item.name, w]}.share", "share"
                        )
                        if (item.name, w) in exported
                        else NA,
                    }
                    for w in item.frames
                ],
                "ad_month": NA if change is None else f"{change:+,.0f}",
                "chart_above": above.ref,
                "chart_ad": ad_chart.ref,
            }
        )
    ratio = None
    if data.equal_weight is not None:
        params = report.config.metrics
        entry = pair_entry(data.equal_weight)

        def read(path: str, fmt: str) -> str:
            return FORMATS[fmt](lookup(entry, path))

        ratio = Figure(
            "breadth-equal-weight",
            f"{cfg.equal_weight} / {cfg.cap_weight}",
            partial(
                charts.ratio_chart,
                data.equal_weight,
                as_of=report.as_of,
                years=params.chart_years,
                ma_short=params.ma_short,
                ma_long=params.ma_long,
                theme=theme,
            ),
            # Not a pair of the document: its numbers are the section's own, as text.
            summary=captions.ratio_summary(
                entry,
                read,
                period=captions.summary_period(report.config.periods),
                ma_short=params.ma_short,
                ma_long=params.ma_long,
            ),
            table=partial(
                charts.ratio_table,
                data.equal_weight,
                as_of=report.as_of,
                years=params.chart_years,
                ma_short=params.ma_short,
                ma_long=params.ma_long,
            ),
        )
        figures.append(ratio)
    context = {
        "lists": lists,
        "windows": [str(w) for w in cfg.windows],
        "equal_weight": cfg.equal_weight,
        "cap_weight": cfg.cap_weight,
        "ratio_chart": ratio.ref if ratio else None,
        "ratio_problem": data.equal_weight_problem,
    }
    return View({"breadth": context}, tuple(figures))


def above_summary(doc: Mapping[str, Any], list_name: str, windows: Sequence[int]) -> Markup:
    """How many of a list's members counted closed above each of their averages, from the
    document's ``breadth`` rows; a window without a share says why."""
    where = {(row["list"], row["window"]): i for i, row in enumerate(doc["breadth"])}
    shares: list[Markup] = []
    without: list[Markup] = []
    for w in windows:
        i = where.get((list_name, w))
        if i is None:
            without.append(captions.sentence("No {}-day share: no member counted.", w))
            continue

        def metric(key: str, fmt: str, i: int = i) -> Metric:
            return Metric(doc, f"breadth.{i}.{key}", fmt)

        if doc["breadth"][i]["share"] is None:
            without.append(
                captions.sentence(
                    "No {}-day share: too few members counted ({}).", w, metric("eligible", "int")
                )
            )
            continue
        shares.append(
            captions.sentence(
                "{} of {} members ({}) closed above their {}-day average"
                if not shares
                else "{} of {} ({}) above their {}-day average",
                metric("above", "int"),
                metric("eligible", "int"),
                metric("share", "share"),
                w,
            )
        )
    first = [captions.sentence("{}.", captions.listing(shares))] if shares else []
    return captions.join([*first, *without])


def ad_summary(ad: pd.DataFrame, since: pd.Timestamp | None, change: float | None) -> Markup:
    """The A-D line's move over the past month (``change``, since the session ``since``, as the
    page's table states it) and the last session's advances and declines, from the section's
    computed line (the document does not hold it)."""
    parts = []
    if change is not None and since is not None:
        moved = (
            captions.sentence("{} by {}", captions.direction(change), f"{abs(change):,.0f}")
            if change
            else "was unchanged"
        )
        parts.append(
            captions.sentence(
                "Over the past month (since {}) the A-D line {}.", fmt_date(since), moved
            )
        )
    if len(ad):
        last = ad.iloc[-1]
        parts.append(
            captions.sentence(
                "On {}, {} members advanced, {} declined and {} were unchanged.",
                fmt_date(ad.index[-1]),
                *(f"{int(last[k]):,}" for k in ("advances", "declines", "unchanged")),
            )
        )
    return captions.join(parts)


def export(data: Breadth | None, snap: Snapshot) -> list[dict[str, Any]]:
    """The latest share above each average per list, for ``metrics.json``."""
    rows = []
    for item in data.lists if data else ():
        for window, frame in item.frames.items():
            if frame.empty:
                continue
            last = frame.iloc[-1]
            rows.append(
                {
                    "list": item.name,
                    "window": window,
                    "share": json_number(last["share"]),
                    "eligible": int(last["eligible"]),
                    "above": int(last["above"]),
                }
            )
    return rows


SECTION = Section(
    name="breadth",
    page=Page(
        "breadth.md",
        "pages/breadth.md.j2",
        "Breadth",
        "Rotation",
        summary="How many stocks of each index are above their averages; the advance-decline line",
    ),
    compute=compute,
    present=present,
    export=export,
)
