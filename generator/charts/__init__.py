"""Charts: functions that return Altair charts, nothing else.

Every chart carries its own labels (price basis, as-of session, parameters) in its title and
subtitle, so a chart copied out of the page still says what it shows. A daily series longer than
a plot is wide is drawn from about one session per pixel column, its highs and lows kept
(:func:`daily_rows`); weekly and monthly series are thinned by calendar (:func:`thin`) so that no
spec ships more than :data:`MAX_POINTS` rows. Colours come from the chart theme passed in
(:mod:`generator.charts.theme`; the site's palette by default).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd
from altair.utils import schemapi
from tsdownsample import MinMaxLTTBDownsampler

from generator.charts.theme import DEFAULT
from generator.config import Theme

if TYPE_CHECKING:
    from generator.report import PairReport

MAX_POINTS = 3000
BASIS = "Total return from adjusted closes"

SESSION_DAY = "%Y-%m-%dT00:00:00"
"""How chart data write a session's date: that day's midnight wherever the chart is read. A
browser reads a date-only ISO string (``2026-11-20``) as midnight UTC, which a reader west of
Greenwich would see as the day before, in tooltips and against the axis; a time without a zone
is local midnight, the same calendar day everywhere."""

VALIDATE_ENV = "ROTATION_VALIDATE_SPECS"
"""Set to ``1`` to check every chart against the Vega-Lite schema (the tests do)."""


def checking_specs() -> bool:
    return os.environ.get(VALIDATE_ENV) == "1"


def draw(make: Callable[[], alt.TopLevelMixin]) -> alt.TopLevelMixin:
    """Call a chart function without Altair's construction-time checks: by default Altair
    validates every schema object as it is made, which costs about a third of drawing a site's
    charts. The whole spec is checked once instead, in the tests
    (:func:`generator.chartfiles.chart_spec` with :data:`VALIDATE_ENV` set)."""
    with schemapi.debug_mode(False):
        return make()


TIME_LABELS = (
    "month(datum.value) == 0 ? timeFormat(datum.value, '%Y')"
    " : datum.index == 0 ? timeFormat(datum.value, '%b %Y')"
    " : timeFormat(datum.value, '%b')"
)
"""Time-axis labels that carry the year: a year's first tick reads ``2026``, the first label
``Aug 2025`` if it falls mid-year, the others the month (``Mar``)."""


def time_x(dates: pd.Index | pd.Series, **axis: Any) -> alt.X:
    """The x encoding of a time axis over ``dates`` (the sessions drawn): no title, labels with
    the year (:data:`TIME_LABELS`) on ticks that always include January: quarters up to four
    years, then years (every 2nd past 12 years, every 5th past 30). Left to itself, Vega picks
    ticks such as Dec, Feb, Apr… that never show a year. ``axis`` adds to the axis."""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)))
    years = (stamps.max() - stamps.min()).days / 365.25 if len(stamps) else 0.0
    if years <= 4:
        ticks = {"interval": "month", "step": 3}
    else:
        ticks = {"interval": "year", "step": 1 if years <= 12 else 2 if years <= 30 else 5}
    return alt.X(
        "date:T", title=None, axis=alt.Axis(labelExpr=TIME_LABELS, tickCount=ticks, **axis)
    )


HOVER_DATE = "%a %-d %b %Y"
"""How a tooltip writes a session: ``Fri 20 Nov 2026``."""


def crosshair(
    data: pd.DataFrame | alt.Data,
    fields: Mapping[str, tuple[str, str]],
    *,
    theme: Theme,
    name: str = "hover",
    notes: Mapping[str, str] | None = None,
) -> alt.Chart:
    """A vertical rule at the session nearest the pointer, with every series of that session in
    its tooltip: the layer to add to a line chart over wide rows (``date`` and one field per
    series). A mouse need not hit the line, and a tap on a touch screen shows it too (pointer
    events). ``fields`` maps each field to its tooltip title and number format, ``notes`` a text
    field to its title. Given the same rows as the lines, the spec holds them once (Altair shares
    identical datasets).

    Each panel of a concatenated chart needs its own ``name``: Altair merges selections of the
    same name across panels, and with three or more it lists views that do not exist.
    """
    nearest = alt.selection_point(
        name=name,
        nearest=True,
        on="pointerover",
        clear="pointerout",
        fields=["date"],
        empty=False,
    )
    tooltip = (
        [alt.Tooltip("date:T", title="Session", format=HOVER_DATE)]
        + [
            alt.Tooltip(f"{field}:Q", title=title, format=fmt)
            for field, (title, fmt) in fields.items()
        ]
        + [
            # format="" only steers Vega-Lite 5 to the voronoi's ``datum.datum`` for a text
            # field: without a format it reads ``datum``, and the tooltip says "undefined".
            alt.Tooltip(f"{field}:N", title=title, format="")
            for field, title in (notes or {}).items()
        ]
    )
    return (
        alt.Chart(data)
        .mark_rule(color=theme.neutral, strokeWidth=1)
        .encode(
            x="date:T",
            opacity=alt.condition(nearest, alt.value(0.8), alt.value(0)),
            tooltip=tooltip,
        )
        .add_params(nearest)
    )


def thin(frame: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """Keep at most ``max_rows`` rows: weekly (last session of each week), then monthly.

    Each kept row is a real session's values, never an average, so a point on the chart is a
    close that happened.
    """
    for rule in ("W-FRI", "ME"):
        if len(frame) <= max_rows:
            break
        last_dates = frame.index.to_series().groupby(pd.Grouper(freq=rule)).max().dropna()
        frame = frame.loc[last_dates.to_numpy()]
    return frame


PLOT_WIDTH = 700
"""The widest a chart's plot is drawn, in CSS pixels (the content column at desktop width less
the y axis). A line shows at most one value per pixel column, so a longer daily series is drawn
from about this many sessions: the reader sees the same line, and the browser draws it in about
half the time (the sample site's Risk page, three charts of 1,255 sessions: 2.7 s in headless
Chromium, 1.3 s fitted)."""


def fit_width(
    frame: pd.DataFrame, columns: Sequence[str] | None = None, width: int = PLOT_WIDTH
) -> pd.DataFrame:
    """About ``width`` of ``frame``'s rows (``width`` shared between ``columns``, every column
    by default), chosen so that each column keeps its shape: MinMaxLTTB (tsdownsample) takes
    each bucket's extremes, then the points that make the largest triangles. Each column's
    highest and lowest values are always kept, so a drawdown's trough or a ratio's peak is drawn
    on its session at its value. Rows are whole sessions (every column's value where any column
    needs the row); the first and last are kept, and so are both sides of each run of missing
    values, so that a gap stays a gap."""
    if len(frame) <= width:
        return frame
    names = list(columns if columns is not None else frame.columns)
    share = max(width // max(len(names), 1), 3)
    keep = np.zeros(len(frame), dtype=bool)
    keep[[0, -1]] = True
    for name in names:
        values = frame[name].to_numpy(dtype=float)
        missing = np.isnan(values)
        present = np.flatnonzero(~missing)
        edges = np.flatnonzero(np.diff(missing))
        keep[edges] = keep[edges + 1] = True
        if len(present) <= share:
            keep[present] = True
            continue
        chosen = MinMaxLTTBDownsampler().downsample(
            present.astype(np.float64), values[present], n_out=share
        )
        keep[present[chosen.astype(np.intp)]] = True
        keep[present[[values[present].argmin(), values[present].argmax()]]] = True
    return frame.loc[keep]


def daily_rows(
    frame: pd.DataFrame, columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, str]:
    """The rows of a daily series a chart draws (:func:`fit_width`) and the words for its
    subtitle: ``daily``, or how many sessions of how many are drawn (its table and CSV keep every
    session)."""
    shown = fit_width(frame, columns)
    if len(shown) == len(frame):
        return frame, "daily"
    return shown, f"daily, {len(shown):,} of {len(frame):,} sessions drawn (highs and lows kept)"


TABLE_DIGITS = 6
"""Significant digits of a number in a chart's data table: more than any chart shows, fewer than
the float noise of a computation (``73.1623`` rather than ``73.16231913123401``)."""


def significant(values: Any, digits: int = TABLE_DIGITS) -> list[float | None]:
    """``values`` rounded to ``digits`` significant digits, as the shortest floats that say them
    (never ``-0.0``); ``None`` for a missing value."""
    out: list[float | None] = []
    for value in values:
        if value is None or pd.isna(value):
            out.append(None)
        else:
            out.append(float(f"{float(value):.{digits}g}") + 0.0)
    return out


def table(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """A chart's data as a reader's table: ``date`` (``YYYY-MM-DD``), then column ``key`` of
    ``frame`` headed ``labels[key]`` for each series drawn, in the legend's order. Numbers keep
    :data:`TABLE_DIGITS` significant digits; integer columns (counts) stay integers."""
    out = pd.DataFrame({"date": pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")})
    for key, label in labels.items():
        column = frame[key]
        if pd.api.types.is_integer_dtype(column.dtype):
            out[label] = column.to_numpy()
        else:
            out[label] = pd.Series(significant(column), dtype="object")
    return out


def _ratio_window(report: PairReport, *, as_of: pd.Timestamp, years: int) -> pd.DataFrame:
    """The ratio and its moving averages over the ``years`` up to ``as_of``, rebased to 100 on
    the window's first session: what the ratio chart draws."""
    window = report.ratio.loc[as_of - pd.DateOffset(years=years) : as_of]
    return window * (100.0 / window["ratio"].iloc[0])


def _ratio_labels(report: PairReport, ma_short: int, ma_long: int) -> dict[str, str]:
    pair = report.pair
    return {
        "ratio": f"{pair.a} / {pair.b}",
        "ma_short": f"{ma_short}-session average",
        "ma_long": f"{ma_long}-session average",
    }


def ratio_table(
    report: PairReport, *, as_of: pd.Timestamp, years: int, ma_short: int, ma_long: int
) -> pd.DataFrame:
    """The ratio chart's data, every session of its window: the line and its averages, each
    rebased as drawn (start = 100)."""
    labels = _ratio_labels(report, ma_short, ma_long)
    rebased = _ratio_window(report, as_of=as_of, years=years)
    return table(rebased, {k: f"{v} (start = 100)" for k, v in labels.items()})


def ratio_chart(
    report: PairReport,
    *,
    as_of: pd.Timestamp,
    years: int,
    ma_short: int,
    ma_long: int,
    theme: Theme = DEFAULT,
) -> alt.LayerChart:
    """The relative-strength line of a pair with its two moving averages, rebased to 100.

    The line is the theme's primary colour, the short average its accent (dashed), the long one
    its neutral (dotted): the dashes keep them apart in print and for colour-blind readers.
    """
    pair = report.pair
    rebased = _ratio_window(report, as_of=as_of, years=years)
    labels = _ratio_labels(report, ma_short, ma_long)
    # Wide rows (one per session, short keys) folded into series by Vega-Lite: a third of the
    # bytes of a long table that repeats the date and label on every point.
    thinned, frequency = daily_rows(rebased)
    data = thinned.round(3).rename_axis("date").reset_index()
    data["date"] = data["date"].dt.strftime(SESSION_DAY)
    domain = list(labels.values())
    colors = {"ratio": theme.primary, "ma_short": theme.accent, "ma_long": theme.neutral}
    # Colour and dash share one legend (same field, same legend settings, so Vega-Lite merges them).
    legend = alt.Legend(title=None, orient="top", direction="horizontal")
    color = alt.Color(
        "series:N",
        scale=alt.Scale(domain=domain, range=[colors[k] for k in labels]),
        legend=legend,
        sort=domain,
    )
    lines = (
        alt.Chart(data)
        .transform_fold(list(labels), as_=["key", "value"])
        .transform_filter("isValid(datum.value)")
        .transform_calculate(series=f"{json.dumps(labels)}[datum.key]")
        .mark_line(strokeWidth=1.6, interpolate="linear")
        .encode(
            x=time_x(data["date"]),
            y=alt.Y(
                "value:Q", title="Relative strength (start = 100)", scale=alt.Scale(zero=False)
            ),
            color=color,
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=domain, range=[[1, 0], [5, 3], [2, 2]]),
                legend=legend,
                sort=domain,
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Session", format=HOVER_DATE),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title="Value", format=".2f"),
            ],
        )
    )
    hover = crosshair(data, {k: (v, ".2f") for k, v in labels.items()}, theme=theme)
    return alt.layer(lines, hover).properties(
        width="container",
        height=320,
        title=alt.Title(
            f"{pair.a} / {pair.b} relative strength",
            subtitle=[
                f"{BASIS} · rebased to 100 on {rebased.index[0]:%Y-%m-%d} · "
                f"as of {as_of:%Y-%m-%d} · {frequency}",
                f"Rising = {pair.a} outperforms {pair.b}; "
                f"moving averages over {ma_short} and {ma_long} sessions",
            ],
            anchor="start",
        ),
    )
