"""The watchlist: one small panel per group, each member rebased to 100, with the group average.

Each member's total-return line is ``100 * P_t / P_start`` (``P_start`` = its last close on or
before ``start``, e.g. 31 December of the previous year so the lines read as YTD). The group's
equal-weight average (a portfolio with equal amounts in each member at ``start``, never
rebalanced; see :mod:`generator.metrics.groups`) is the thick line. All panels share one dataset
(one row per session, one column per line), thinned to weekly closes when sessions x lines would
exceed :data:`MAX_POINTS` points.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from generator.charts import (
    BASIS,
    HOVER_DATE,
    MAX_POINTS,
    SESSION_DAY,
    crosshair,
    table,
    thin,
    time_x,
)
from generator.charts.theme import DEFAULT, colors_of
from generator.config import Theme

PANEL_WIDTH = 196
PANEL_HEIGHT = 150
COLUMNS = 3
AVERAGE_LABEL = "Group average"


def _key(group: str) -> str:
    return f"avg:{group}"


Panel = tuple[str, list[str], list[str]]
"""A group's panel: its name, the members drawn and those without a line."""


def _lines(
    window: pd.DataFrame,
    averages: Mapping[str, pd.DataFrame],
    groups: Mapping[str, Sequence[str]],
    start: pd.Timestamp,
) -> tuple[pd.DataFrame, list[Panel], list[str]]:
    """Every line the panels draw (one column per member, keyed by symbol, and one per group
    average of two or more, keyed :func:`_key`), the panels, and the groups without any line."""
    lines: dict[str, pd.Series] = {}
    panels: list[Panel] = []
    empty: list[str] = []
    for group, members in groups.items():
        have = [m for m in members if m in window.columns and window[m].notna().any()]
        without = [m for m in members if m not in have]
        if not have:
            empty.append(group)
            continue
        for m in have:
            lines[m] = window[m]
        if len(have) > 1:
            lines[_key(group)] = averages[group]["value"]
        panels.append((group, have, without))
    if not panels:
        raise ValueError(f"watchlist: no member of any group has a close on or before {start}")
    wide = pd.DataFrame(lines)
    return wide.loc[:, ~wide.columns.duplicated()], panels, empty


def watchlist_table(
    window: pd.DataFrame,
    averages: Mapping[str, pd.DataFrame],
    groups: Mapping[str, Sequence[str]],
    *,
    as_of: pd.Timestamp,
    start: pd.Timestamp,
) -> pd.DataFrame:
    """The panels' data, every session they span: per group, each member with a line and the
    group's average, rebased to 100 at ``start`` as drawn, headed ``group: symbol``."""
    wide, panels, _ = _lines(window, averages, groups, start)
    wide = wide.loc[: pd.Timestamp(as_of)]
    columns: dict[str, pd.Series] = {}
    for group, have, _ in panels:
        for m in have:
            columns[f"{group}: {m} (start = 100)"] = wide[m]
        if len(have) > 1:
            columns[f"{group}: {AVERAGE_LABEL.lower()} (start = 100)"] = wide[_key(group)]
    return table(pd.DataFrame(columns, index=wide.index), {c: c for c in columns})


def watchlist_chart(
    window: pd.DataFrame,
    averages: Mapping[str, pd.DataFrame],
    groups: Mapping[str, Sequence[str]],
    names: Mapping[str, str],
    *,
    as_of: pd.Timestamp,
    start: pd.Timestamp,
    theme: Theme = DEFAULT,
    colors: Mapping[str, str] | None = None,
) -> alt.ConcatChart:
    """Small multiples: per group, members rebased to 100 at ``start`` and their average.

    ``window`` and ``averages`` are :func:`generator.metrics.groups.group_lines` of the prices up
    to ``as_of``; ``names`` maps symbols to display names (for tooltips). A member with no
    prices, or no close on or before ``start``, gets no line and is named in its panel's
    subtitle; a group with no member left is listed in the chart subtitle. The average is the
    theme's primary colour; members take their site colours (``colors``, see
    :func:`generator.charts.theme.colors_of`), never the average's.
    """
    wide, panels_spec, empty = _lines(window, averages, groups, start)
    start_session = wide.index[0]
    budget = max(2, MAX_POINTS // wide.shape[1])
    thinned = thin(wide, budget - 1)
    if thinned.index[0] != start_session:  # weekly points keep each week's last session: put
        thinned = pd.concat([wide.iloc[:1], thinned])  # back the start, where every line is 100
    frequency = "daily" if len(thinned) == len(wide) else "weekly points"
    # Data columns get neutral keys: a symbol or a group name is text from the config, and a
    # field name with ".", "[" or a quote would be read by Vega as a path into nested data.
    safe = {column: f"c{i}" for i, column in enumerate(thinned.columns)}
    data = thinned.round(2).rename(columns=safe).rename_axis("date").reset_index()
    data["date"] = data["date"].dt.strftime(SESSION_DAY)

    panels = []
    for i, (group, have, without) in enumerate(panels_spec):
        average = averages[group]
        last = float(average["value"].dropna().iloc[-1])
        labels = {safe[m]: m for m in have}
        full_names = {safe[m]: names.get(m, m) for m in have}
        average_key = safe[_key(group)] if len(have) > 1 else None
        if average_key:
            labels[average_key] = AVERAGE_LABEL
            full_names[average_key] = f"{group}: {AVERAGE_LABEL.lower()}"
        n_now = int(average["count"].iloc[-1])
        sub = [f"average {last - 100:+.1f}% ({n_now} of {len(have) + len(without)} members)"]
        if without:
            sub.append(f"no line: {', '.join(without)}")
        panels.append(
            _panel(
                data,
                group,
                labels,
                full_names,
                average_key,
                member_colors=colors_of(have, colors, theme),
                subtitle=sub,
                theme=theme,
                hover=i,
            )
        )
    subtitle = [
        f"{BASIS} · as of {as_of:%Y-%m-%d} · each line = 100 at the last close on or before "
        f"{start:%Y-%m-%d} ({start_session:%Y-%m-%d}) · {frequency}",
        "Thickest line: the group's equal-weight average (equal amounts at the start, "
        "not rebalanced); dashed: 100",
    ]
    if empty:
        subtitle.append(f"No prices for any member: {', '.join(empty)}")
    return (
        alt.concat(*panels, columns=COLUMNS, spacing=14)
        .resolve_scale(color="independent", y="independent")
        .properties(title=alt.Title("Watchlist by group", subtitle=subtitle, anchor="start"))
    )


def _panel(
    data: pd.DataFrame,
    group: str,
    labels: dict[str, str],
    full_names: Mapping[str, str],
    average_key: str | None,
    *,
    member_colors: Sequence[str],
    subtitle: list[str],
    theme: Theme,
    hover: int,
) -> alt.LayerChart:
    """One group's panel; ``labels`` (legend) and ``full_names`` (tooltip) are keyed by data
    column, ``average_key`` is the group average's column (none for a group of one),
    ``member_colors`` the members' colours in order; ``hover`` numbers its crosshair's
    selection."""
    member_keys = [k for k in labels if k != average_key]
    average_keys = [average_key] if average_key else []
    domain = list(labels.values())
    colors = [*member_colors, *[theme.primary] * len(average_keys)]
    color = alt.Color(
        "series:N",
        scale=alt.Scale(domain=domain, range=colors),
        sort=domain,
        legend=alt.Legend(title=None, orient="bottom", columns=3, labelLimit=130, symbolSize=60),
    )
    tooltip = [
        alt.Tooltip("date:T", title="Session", format=HOVER_DATE),
        alt.Tooltip("name:N", title="Name"),
        alt.Tooltip("value:Q", title="Rebased", format=".1f"),
        alt.Tooltip("change:Q", title="Since start", format="+.1%"),
    ]

    def layer(fold: list[str], width: float) -> alt.Chart:
        return (
            alt.Chart(data)
            .transform_fold(fold, as_=["key", "value"])
            .transform_filter("isValid(datum.value)")
            .transform_calculate(
                series=f"{json.dumps(labels)}[datum.key]",
                name=f"{json.dumps(full_names)}[datum.key]",
                change="datum.value / 100 - 1",
            )
            .mark_line(interpolate="linear", strokeWidth=width)
            .encode(
                x=time_x(data["date"], labelFlush=True),
                # Flush end labels: a top tick's label never pokes above the plot and pushes
                # that panel's title up out of line with its neighbours'.
                y=alt.Y(
                    "value:Q",
                    title=None,
                    scale=alt.Scale(zero=False),
                    axis=alt.Axis(labelFlush=True, tickCount=5),
                ),
                color=color,
                tooltip=tooltip,
            )
        )

    base = (
        alt.Chart(alt.Data(values=[{"y": 100}]))
        .mark_rule(color=theme.neutral, strokeDash=[3, 3], opacity=0.7)
        .encode(y="y:Q")
    )
    # The average is its own layer, drawn last so it stays on top of the members. A group of one
    # has no separate average (it would hide its member): the member is drawn thicker instead.
    layers = [base, layer(member_keys, 1.3 if average_keys else 2.2)]
    if average_keys:
        layers.append(layer(average_keys, 3.2))
    # Every line of the panel at the session nearest the pointer (a selection of its own).
    fields = {k: (label, ".1f") for k, label in labels.items()}
    layers.append(crosshair(data, fields, theme=theme, name=f"hover_{hover}"))
    return alt.layer(*layers).properties(
        width=PANEL_WIDTH,
        height=PANEL_HEIGHT,
        title=alt.Title(group, subtitle=subtitle, anchor="start", fontSize=12, frame="group"),
    )
