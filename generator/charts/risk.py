"""Risk charts: rolling volatility, rolling beta and correlation, drawdowns.

All three take the metric series already computed (:mod:`generator.metrics.risk`,
:func:`generator.metrics.drawdown`) over the whole history and show the last ``years`` of them up to
``as_of``. Data is one row per session with one column per line (folded into series by
Vega-Lite), fitted to the plot's width (:func:`~generator.charts.daily_rows`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from generator.charts import (
    BASIS,
    HOVER_DATE,
    SESSION_DAY,
    crosshair,
    daily_rows,
    table,
    time_x,
)
from generator.charts.theme import DEFAULT, colors_of
from generator.config import Theme

TIMES = "\N{MULTIPLICATION SIGN}"
ZERO_RULE = {"strokeDash": [3, 3], "opacity": 0.8}
CONCAT_WIDTH = 680
"""Panel width inside a vertical concat: with the y-axis labels it fits the page's ~760 px."""


def windowed(frame: pd.DataFrame, as_of: pd.Timestamp, years: int) -> pd.DataFrame:
    """Rows from ``as_of - years`` to ``as_of`` that hold at least one value."""
    return frame.loc[as_of - pd.DateOffset(years=years) : as_of].dropna(how="all")


def wide_data(frame: pd.DataFrame, digits: int = 4) -> tuple[pd.DataFrame, str]:
    """A wide frame as chart rows (``date`` as ``YYYY-MM-DD``), fitted to the plot's width, and
    its frequency label (:func:`~generator.charts.daily_rows`)."""
    thinned, frequency = daily_rows(frame)
    data = thinned.round(digits).rename_axis("date").reset_index()
    data["date"] = data["date"].dt.strftime(SESSION_DAY)
    return data, frequency


def folded_lines(
    data: pd.DataFrame,
    labels: Mapping[str, str],
    *,
    y_title: str,
    y_format: str,
    colors: Sequence[str],
    mark: str = "line",
    legend: bool = True,
    y_scale: alt.Scale | None = None,
    theme: Theme,
    hover: str = "hover",
) -> alt.LayerChart:
    """Columns ``labels`` (key -> legend label) of ``data`` drawn as one line (or area) each,
    coloured by ``colors`` in order (reused from the first when there are more lines), with a
    crosshair that gives every line's value at the session nearest the pointer (its selection
    named ``hover``, which must differ between the panels of one chart)."""
    keys = list(labels)
    domain = list(labels.values())
    color = alt.Color(
        "series:N",
        scale=alt.Scale(domain=domain, range=[colors[i % len(colors)] for i in range(len(domain))]),
        sort=domain,
        legend=alt.Legend(title=None, orient="top", direction="horizontal", labelLimit=300)
        if legend
        else None,
    )
    base = (
        alt.Chart(data)
        .transform_fold(keys, as_=["key", "value"])
        .transform_filter("isValid(datum.value)")
        .transform_calculate(series=f"{json.dumps(dict(labels))}[datum.key]")
    )
    marked = (
        base.mark_area(opacity=0.3, line={"strokeWidth": 1.4}, interpolate="linear")
        if mark == "area"
        else base.mark_line(strokeWidth=1.6, interpolate="linear")
    )
    lines = marked.encode(
        x=time_x(data["date"]),
        y=alt.Y(
            "value:Q",
            title=y_title,
            axis=alt.Axis(format=y_format),
            scale=y_scale if y_scale is not None else alt.Scale(zero=False),
            stack=None if mark == "area" else alt.Undefined,
        ),
        color=color,
        tooltip=[
            alt.Tooltip("date:T", title="Session", format=HOVER_DATE),
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("value:Q", title=y_title, format=y_format),
        ],
    )
    rule = crosshair(data, {k: (v, y_format) for k, v in labels.items()}, theme=theme, name=hover)
    return alt.layer(lines, rule)


def zero_rule(value: float = 0.0, theme: Theme = DEFAULT) -> alt.Chart:
    """A dashed horizontal reference line, in the theme's neutral colour."""
    return (
        alt.Chart(alt.Data(values=[{"y": value}]))
        .mark_rule(color=theme.neutral, **ZERO_RULE)
        .encode(y="y:Q")
    )


def _keys(columns: Sequence[str]) -> dict[str, str]:
    """Safe field names (``s0``, ``s1`` …) for arbitrary symbols such as ``^TNX``."""
    return {f"s{i}": str(c) for i, c in enumerate(columns)}


def volatility_table(
    volatility: pd.DataFrame, *, as_of: pd.Timestamp, years: int = 5
) -> pd.DataFrame:
    """The volatility chart's data, every session it spans: each symbol's rolling annualised
    volatility (a fraction: 0.2 is 20 %)."""
    shown = windowed(volatility, as_of, years)
    return table(shown, {s: f"{s} volatility" for s in shown.columns})


def beta_corr_table(
    stats: Mapping[str, pd.DataFrame], *, benchmark: str, as_of: pd.Timestamp, years: int = 5
) -> pd.DataFrame:
    """The beta and correlation chart's data, every session it spans: each symbol's rolling
    beta against ``benchmark`` and its correlation with it."""
    beta = windowed(pd.DataFrame({s: stats[s]["beta"] for s in stats}), as_of, years)
    corr = windowed(pd.DataFrame({s: stats[s]["corr"] for s in stats}), as_of, years)
    both = beta.add_prefix("beta:").join(corr.add_prefix("corr:"), how="outer")
    labels = {f"beta:{s}": f"{s} beta vs {benchmark}" for s in stats}
    labels |= {f"corr:{s}": f"{s} correlation with {benchmark}" for s in stats}
    return table(both, labels)


def drawdown_table(drawdowns: pd.DataFrame, *, as_of: pd.Timestamp, years: int = 5) -> pd.DataFrame:
    """The drawdown chart's data, every session it spans: each symbol's fall from its highest
    close so far (a fraction, 0 at a peak)."""
    shown = windowed(drawdowns, as_of, years)
    return table(shown, {s: f"{s} below peak" for s in shown.columns})


def volatility_chart(
    volatility: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    window: int,
    years: int = 5,
    theme: Theme = DEFAULT,
    colors: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """Rolling annualised volatility, one line per column (symbol), as fractions (0.2 = 20 %),
    each symbol in its site colour (``colors``, see :func:`generator.charts.theme.colors_of`)."""
    shown = windowed(volatility, as_of, years)
    keys = _keys(shown.columns)
    data, frequency = wide_data(shown.set_axis(list(keys), axis=1))
    lines = folded_lines(
        data,
        keys,
        y_title="Annualised volatility",
        y_format=".0%",
        colors=colors_of(list(keys.values()), colors, theme),
        theme=theme,
    )
    return lines.properties(
        width="container",
        height=260,
        title=alt.Title(
            f"Rolling volatility: {', '.join(keys.values())}",
            subtitle=[
                f"{BASIS} · as of {as_of:%Y-%m-%d} · last {years} years · {frequency}",
                f"Standard deviation of daily log returns over {window} sessions {TIMES} √252",
            ],
            anchor="start",
        ),
    )


def beta_corr_chart(
    stats: Mapping[str, pd.DataFrame],
    *,
    benchmark: str,
    as_of: pd.Timestamp,
    window: int,
    years: int = 5,
    theme: Theme = DEFAULT,
    colors: Mapping[str, str] | None = None,
) -> alt.VConcatChart:
    """Rolling beta (top) and correlation (bottom) of each symbol against ``benchmark``, each
    symbol in its site colour.

    ``stats`` maps a symbol to its :func:`generator.metrics.risk.rolling_beta_corr` frame.
    """
    keys = _keys(list(stats))
    beta = pd.DataFrame({k: stats[s]["beta"] for k, s in keys.items()})
    corr = pd.DataFrame({k: stats[s]["corr"] for k, s in keys.items()})
    beta_data, frequency = wide_data(windowed(beta, as_of, years))
    corr_data, _ = wide_data(windowed(corr, as_of, years))
    line_colors = colors_of(list(stats), colors, theme)
    top = alt.layer(
        zero_rule(1.0, theme),
        folded_lines(
            beta_data,
            keys,
            y_title=f"Beta vs {benchmark}",
            y_format=".2f",
            colors=line_colors,
            theme=theme,
            hover="hover_beta",
        ),
    ).properties(width=CONCAT_WIDTH, height=180)
    bottom = alt.layer(
        zero_rule(0.0, theme),
        folded_lines(
            corr_data,
            keys,
            y_title=f"Correlation with {benchmark}",
            y_format=".2f",
            colors=line_colors,
            legend=False,
            y_scale=alt.Scale(domainMax=1, zero=True),
            theme=theme,
            hover="hover_corr",
        ),
    ).properties(width=CONCAT_WIDTH, height=120)
    return alt.vconcat(top, bottom, spacing=10).properties(
        title=alt.Title(
            f"Rolling beta and correlation vs {benchmark}",
            subtitle=[
                f"{BASIS} · as of {as_of:%Y-%m-%d} · last {years} years · {frequency}",
                f"Daily log returns on sessions where both trade, {window}-session windows",
                f"Beta = Cov(asset, {benchmark}) / Var({benchmark}), dashed at 1; "
                "correlation axis from 0 (or lower) to 1",
            ],
            anchor="start",
        )
    )


def drawdown_chart(
    drawdowns: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    years: int = 5,
    theme: Theme = DEFAULT,
    colors: Mapping[str, str] | None = None,
) -> alt.VConcatChart:
    """Drawdown from the running peak (fractions, ≤ 0): one area panel per column (symbol, in its
    site colour), stacked, on a shared scale (overlapping translucent areas of two colours mix
    into an unreadable grey).
    """
    shown = windowed(drawdowns, as_of, years)
    since = ", ".join(
        f"{name} since {drawdowns[name].first_valid_index():%Y-%m-%d}"
        for name in drawdowns.columns
        if drawdowns[name].notna().any()
    )
    keys = _keys(shown.columns)
    data, frequency = wide_data(shown.set_axis(list(keys), axis=1))
    line_colors = colors_of(list(keys.values()), colors, theme)
    panels = [
        folded_lines(
            data,
            {key: label},
            y_title=f"{label} below peak",
            y_format=".0%",
            colors=[line_colors[i]],
            mark="area",
            legend=False,
            y_scale=alt.Scale(domainMax=0),
            theme=theme,
            hover=f"hover_{key}",
        ).properties(width=CONCAT_WIDTH, height=110)
        for i, (key, label) in enumerate(keys.items())
    ]
    return (
        alt.vconcat(*panels, spacing=8)
        .resolve_scale(y="shared", color="independent")
        .properties(
            title=alt.Title(
                f"Drawdown: {', '.join(keys.values())}",
                subtitle=[
                    f"{BASIS} · as of {as_of:%Y-%m-%d} · last {years} years · {frequency}",
                    "Fall from the highest close so far; peaks counted from the first close in "
                    f"the data ({since})",
                ],
                anchor="start",
            ),
        )
    )
