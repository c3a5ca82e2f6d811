"""Long-run history charts of a pair: the ratio with its leadership episodes, and its drawdown.

Both charts plot **weekly closes** (the last session of each week, a real close, never an average)
so 26 years fit in about 1,400 rows. The caller passes the ratio cut at the as-of session and the
episodes computed from that same cut series (:func:`generator.metrics.history.episodes`); the
charts also drop anything dated after ``as_of``.
"""

from __future__ import annotations

import json
import math

import altair as alt
import numpy as np
import pandas as pd

from generator.charts import BASIS, MAX_POINTS, SESSION_DAY, crosshair, table, thin, time_x
from generator.charts.theme import DEFAULT
from generator.config import Theme
from generator.metrics.history import EpisodeRule, weekly_closes

LEADER_COLORS = {"a": "#1f9e89", "b": "#8e63c7"}
"""Episode shading: teal when A leads, violet when B leads. Mid-tone hues at low opacity read on
both the light and the dark page, and stay apart from the theme's default indigo line and deep
orange average. Not themed: they mean "who leads", not the site's brand."""
SHADE_OPACITY = {"sustained": 0.24, "short": 0.10}
"""Sustained episodes are shaded more strongly than short ones (fewer than ``min_weeks``)."""
SHADE_FIELDS = ["start", "until", "leader", "length"]


def _day(value: pd.Timestamp) -> str:
    return value.strftime(SESSION_DAY)


def _log_ticks(low: float, high: float) -> list[float]:
    """Round tick values (1, 1.5, 2, 3, 4, 5, 7 times a power of ten) spanning ``[low, high]``."""
    ticks = []
    for power in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 1.5, 2, 3, 4, 5, 7):
            value = round(mantissa * 10.0**power, 10)
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _dated_records(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.rename_axis("date").reset_index()
    out["date"] = out["date"].dt.strftime(SESSION_DAY)
    return out


def _episode_rows(
    episodes: pd.DataFrame, *, a: str, b: str, last: pd.Timestamp
) -> list[dict[str, object]]:
    """One rectangle per episode, from its start to the next episode's start (no gaps). The
    episodes' dates, lengths and changes are the History page's table; the chart tells who led
    when (the crosshair's "Who leads")."""
    shown = episodes[episodes["start"] <= last].reset_index(drop=True)
    rows = []
    for i, ep in shown.iterrows():
        until = last if i == len(shown) - 1 else shown.at[i + 1, "start"]
        rows.append(
            {
                "start": _day(ep["start"]),
                "until": _day(until),
                "leader": f"{a if ep['leader'] == 'a' else b} leads",
                "length": "sustained" if ep["sustained"] else "short",
            }
        )
    return rows


def history_table(
    lines: pd.DataFrame,
    episodes: pd.DataFrame,
    *,
    a: str,
    b: str,
    as_of: pd.Timestamp,
    rule: EpisodeRule,
) -> pd.DataFrame:
    """The history chart's data, every week it spans: the ratio and its average (start = 100)
    at each week's last session, and the shaded episode the week falls in (``A leads``; empty
    before the first)."""
    lines = lines.loc[:as_of]
    out = table(
        lines,
        {"ratio": f"{a} / {b} (start = 100)", "ma": f"{rule.ma_weeks}-week average (start = 100)"},
    )
    out["episode"] = _leaders(lines.index, episodes, a=a, b=b)
    return out


def _leaders(dates: pd.DatetimeIndex, episodes: pd.DataFrame, *, a: str, b: str) -> list[str]:
    """Who led at each of ``dates`` ("IWN leads since 2001-04-27"; empty before the first
    episode): the last episode started on or before it, as the shading runs from an episode's
    start to the next one's."""
    which = np.searchsorted(episodes["start"].to_numpy(), dates.to_numpy(), side="right") - 1
    labels = [
        f"{a if ep.leader == 'a' else b} leads since {ep.start:%Y-%m-%d}"
        for ep in episodes.itertuples()
    ]
    return [labels[i] if i >= 0 else "" for i in which]


def ratio_drawdown_table(
    drawdown: pd.Series, *, a: str, b: str, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The drawdown chart's data, every week it spans: how far the ratio stood below its
    running peak (a fraction, 0 at a peak) at each week's last session."""
    weekly = weekly_closes(drawdown.loc[:as_of]).to_frame("drawdown")
    return table(weekly, {"drawdown": f"{a} / {b} below its peak"})


def history_chart(
    lines: pd.DataFrame,
    episodes: pd.DataFrame,
    *,
    a: str,
    b: str,
    first: pd.Timestamp,
    as_of: pd.Timestamp,
    rule: EpisodeRule,
    theme: Theme = DEFAULT,
) -> alt.LayerChart:
    """The ratio ``a / b`` since its start (weekly, log scale), its average and its episodes.

    ``lines`` is :func:`generator.metrics.history.ratio_lines` of the ratio up to ``as_of``
    (rebased to 100 on ``first``, its first common session). Log scale, because over decades the
    ratio moves by multiples: equal heights are equal percentage moves, so a 30 % swing in 2001
    looks as large as one in 2025. The line takes the theme's primary colour, the average its
    accent.
    """
    weeks = thin(lines, MAX_POINTS)
    data = _dated_records(weeks.round(3))
    # Who led in each week drawn, for the crosshair (which takes the pointer from the shading).
    data["episode"] = [who or "none yet" for who in _leaders(weeks.index, episodes, a=a, b=b)]
    labels = {"ratio": f"{a} / {b}", "ma": f"{rule.ma_weeks}-week average"}
    # A little room above and below the line (multiplicative, as the scale is logarithmic).
    low, high = lines.min().min() / 1.08, lines.max().max() * 1.08
    domain = list(labels.values())
    line_legend = alt.Legend(title=None, orient="top", direction="horizontal")
    line_layer = (
        alt.Chart(data)
        .transform_fold(list(labels), as_=["key", "value"])
        .transform_filter("isValid(datum.value)")
        .transform_calculate(series=f"{json.dumps(labels)}[datum.key]")
        .mark_line(strokeWidth=1.6)
        .encode(
            x=time_x(lines.index),
            y=alt.Y(
                "value:Q",
                title="Ratio (start = 100, log scale)",
                scale=alt.Scale(type="log", domain=[round(low, 3), round(high, 3)], nice=False),
                axis=alt.Axis(values=_log_ticks(low, high), format="~r"),
            ),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=domain, range=[theme.primary, theme.accent]),
                legend=line_legend,
                sort=domain,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3]]),
                legend=line_legend,
                sort=domain,
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Week's last session", format="%Y-%m-%d"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title="Value", format=".2f"),
            ],
        )
    )
    shades = _episode_rows(episodes, a=a, b=b, last=lines.index[-1])
    leader_domain = [f"{a} leads", f"{b} leads"]
    shade_layer = (
        alt.Chart(pd.DataFrame(shades, columns=SHADE_FIELDS))
        .mark_rect()
        .encode(
            x=alt.X("start:T"),
            x2="until:T",
            color=alt.Color(
                "leader:N",
                scale=alt.Scale(domain=leader_domain, range=list(LEADER_COLORS.values())),
                legend=alt.Legend(title=None, orient="top", direction="horizontal"),
            ),
            opacity=alt.Opacity(
                "length:N",
                scale=alt.Scale(domain=list(SHADE_OPACITY), range=list(SHADE_OPACITY.values())),
                legend=None,
            ),
        )
    )
    hover = crosshair(
        data,
        {"ratio": (labels["ratio"], ".2f"), "ma": (labels["ma"], ".2f")},
        theme=theme,
        notes={"episode": "Who leads"},
    )
    frequency = "weekly closes" if len(data) == len(lines) else "monthly closes"
    return (
        alt.layer(shade_layer, line_layer, hover)
        .resolve_scale(color="independent", strokeDash="independent")
        .properties(
            width="container",
            height=340,
            title=alt.Title(
                f"{a} / {b} since {first:%Y}: who led, and for how long",
                subtitle=[
                    f"{BASIS} · {frequency} · start = 100 on {first:%Y-%m-%d} · "
                    f"as of {as_of:%Y-%m-%d} · log scale",
                    f"Shading: {a} leads while the ratio is above its {rule.ma_weeks}-week "
                    f"average, {b} while below; a crossing counts after {rule.min_confirm} weeks",
                    f"and is dated from its first week; paler = episode under "
                    f"{rule.min_weeks} weeks",
                ],
                anchor="start",
            ),
        )
    )


def ratio_drawdown_chart(
    drawdown: pd.Series,
    worst: pd.DataFrame,
    *,
    a: str,
    b: str,
    as_of: pd.Timestamp,
    theme: Theme = DEFAULT,
) -> alt.LayerChart:
    """How far the ratio ``a / b`` stands below its running peak (0 at the top), weekly.

    ``drawdown`` is :func:`generator.metrics.drawdown` of the daily ratio up to ``as_of`` (the
    running peak is the highest daily close so far), plotted at each week's last session;
    ``worst`` (:func:`generator.metrics.history.drawdown_table`, deepest first) marks the deepest
    daily point, since a weekly sample can miss a mid-week low. The area takes the theme's
    primary colour, the mark of the deepest point its accent.
    """
    weekly = weekly_closes(drawdown).to_frame("drawdown")
    data = _dated_records(thin(weekly, MAX_POINTS).round(4))
    worst = worst.head(1)
    area = (
        alt.Chart(data)
        .mark_area(
            line={"color": theme.primary, "strokeWidth": 1.2},
            color=theme.primary,
            opacity=0.35,
        )
        .encode(
            x=time_x(weekly.index),
            y=alt.Y(
                "drawdown:Q",
                title=f"{a} / {b} below its peak",
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domainMax=0),
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Week's last session", format="%Y-%m-%d"),
                alt.Tooltip("drawdown:Q", title="Below peak", format=".1%"),
            ],
        )
    )
    layers: list[alt.Chart] = [area]
    deepest = "no drawdown"
    if not worst.empty:
        w = worst.iloc[0]
        recovered = (
            "not recovered" if pd.isna(w["recovery"]) else f"recovered {w['recovery']:%Y-%m-%d}"
        )
        deepest = (
            f"deepest {w['depth']:.1%}: peak {w['peak']:%Y-%m-%d}, low {w['trough']:%Y-%m-%d}, "
            f"{recovered}"
        )
        point = {
            "date": _day(w["trough"]),
            "drawdown": round(float(w["depth"]), 4),
            "peak": f"{w['peak']:%Y-%m-%d}",  # text in the tooltip, not a time
            "recovery": recovered,
        }
        layers.append(
            alt.Chart(pd.DataFrame([point]))
            .mark_point(shape="triangle-up", size=70, filled=True, color=theme.accent)
            .encode(
                x="date:T",
                y="drawdown:Q",
                tooltip=[
                    alt.Tooltip("date:T", title="Deepest low", format="%Y-%m-%d"),
                    alt.Tooltip("drawdown:Q", title="Below peak", format=".1%"),
                    alt.Tooltip("peak:N", title="Peak"),
                    alt.Tooltip("recovery:N", title="Recovery"),
                ],
            )
        )
    frequency = "weekly closes" if len(data) == len(weekly) else "monthly closes"
    return alt.layer(*layers).properties(
        width="container",
        height=220,
        title=alt.Title(
            f"{a} / {b}: drawdown of the ratio from its running peak",
            subtitle=[
                f"{BASIS} · peak from daily closes, plotted at {frequency} · "
                f"as of {as_of:%Y-%m-%d}",
                f"{deepest} (daily); falling = {b} outperforms {a}",
            ],
            anchor="start",
        ),
    )
