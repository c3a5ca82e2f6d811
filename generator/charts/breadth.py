"""Breadth charts: the share of an index's members above their moving averages, and the
cumulative advance-decline line (see :mod:`generator.metrics.breadth` for the rules).

Member lists are today's members, so both charts carry a survivorship-bias note.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import altair as alt
import pandas as pd

from generator.charts import BASIS, SESSION_DAY, crosshair, daily_rows, table, time_x
from generator.charts.theme import DEFAULT
from generator.config import Theme
from generator.metrics.breadth import MIN_ELIGIBLE

MINUS = "\N{MINUS SIGN}"
SURVIVORSHIP = "today's members: survivorship bias (past leavers missing, joiners counted early)"


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows with the date as ``YYYY-MM-DD`` and missing values as JSON null (never NaN)."""
    data = frame.rename_axis("date").reset_index()
    data["date"] = data["date"].dt.strftime(SESSION_DAY)
    return data.astype(object).where(data.notna(), None).to_dict(orient="records")


def _windows_title(windows: list[int]) -> str:
    """'50- and 200-day', or '50-day' for one window."""
    if len(windows) == 1:
        return f"{windows[0]}-day"
    return ", ".join(f"{w}-" for w in windows[:-1]) + f" and {windows[-1]}-day"


def _members_line(list_name: str, members: int) -> str:
    return f"{members:,} {list_name} members · {SURVIVORSHIP}"


def _above_wide(
    frames: Mapping[int, pd.DataFrame], as_of: pd.Timestamp, digits: int | None = None
) -> pd.DataFrame:
    """The shares above each window's average in percent (``p<window>``, rounded to ``digits``
    decimals if given) and the members counted (``n<window>``), from the first session with a
    share for any window to ``as_of``: the rows the chart draws."""
    windows = sorted(frames, key=int)
    shares = {w: frames[w]["share"] * 100 for w in windows}
    wide = pd.DataFrame(
        {
            **{f"p{w}": v if digits is None else v.round(digits) for w, v in shares.items()},
            **{f"n{w}": frames[w]["eligible"] for w in windows},
        }
    )
    wide = wide.loc[: pd.Timestamp(as_of)]
    has_share = wide[[f"p{w}" for w in windows]].notna().any(axis=1)
    if has_share.any():
        wide = wide.loc[has_share.idxmax() :]
    return wide


def percent_above_table(frames: Mapping[int, pd.DataFrame], *, as_of: pd.Timestamp) -> pd.DataFrame:
    """The chart's data, every session it spans: per window, the share of members above their
    average (in percent, empty where too few count) and how many members were counted."""
    windows = sorted(frames, key=int)
    wide = _above_wide(frames, as_of).astype({f"n{w}": "Int64" for w in windows})
    labels = {f"p{w}": f"Above {w}-day average (%)" for w in windows}
    labels |= {f"n{w}": f"Members counted, {w}-day" for w in windows}
    return table(wide, labels)


def percent_above_chart(
    frames: Mapping[int, pd.DataFrame],
    *,
    list_name: str,
    as_of: pd.Timestamp,
    members: int,
    min_eligible: int = MIN_ELIGIBLE,
    theme: Theme = DEFAULT,
) -> alt.LayerChart:
    """% of members above their own moving averages over time, one line per window, 0-100 %.

    ``frames`` maps each window (sessions) to its :func:`~generator.metrics.breadth.
    percent_above_ma` result. The chart starts at the first session with a share for any window,
    stops at ``as_of`` and has a 50 % rule (above it: most members are in uptrends). Sessions
    without a share (fewer than ``min_eligible`` eligible members, the value the frames were
    computed with) are gaps, never zeros. The shortest window takes the theme's accent and the
    next its primary colour, as the short and long averages do on the ratio charts.
    """
    windows = sorted(frames, key=int)
    keys = {w: f"p{w}" for w in windows}
    wide = _above_wide(frames, as_of, digits=1)
    shown, frequency = daily_rows(wide, list(keys.values()))
    labels = {keys[w]: f"Above {w}-day average" for w in windows}
    domain = list(labels.values())
    line_colors = [theme.accent, theme.primary, *theme.series]
    windows_text = " and ".join(str(w) for w in windows)
    title = f"{list_name}: % of members above their {_windows_title(windows)} averages"
    rows = pd.DataFrame(_records(shown))
    lines = (
        alt.Chart(rows)
        .transform_fold(list(labels), as_=["key", "value"])
        .transform_filter("isValid(datum.value)")
        .transform_calculate(
            series=f"{json.dumps(labels)}[datum.key]",
            eligible="datum['n' + substring(datum.key, 1)]",
        )
        .mark_line(strokeWidth=1.6)
        .encode(
            x=time_x(shown.index),
            y=alt.Y(
                "value:Q",
                title="% of members above average",
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=[0, 25, 50, 75, 100]),
            ),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(
                    domain=domain,
                    range=[line_colors[i % len(line_colors)] for i in range(len(domain))],
                ),
                legend=alt.Legend(title=None, orient="top", direction="horizontal"),
                sort=domain,
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Session", format="%Y-%m-%d"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title="% above", format=".1f"),
                alt.Tooltip("eligible:Q", title="Members counted", format=","),
            ],
        )
    )
    rule = (
        alt.Chart(alt.Data(values=[{"y": 50}]))
        .mark_rule(color=theme.neutral, strokeDash=[4, 3], strokeWidth=1)
        .encode(y="y:Q")
    )
    hover = crosshair(
        rows,
        {keys[w]: (f"{labels[keys[w]]}, %", ".1f") for w in windows},
        theme=theme,
    )
    start = shown.index[0] if len(shown) else pd.Timestamp(as_of)
    return alt.layer(rule, lines, hover).properties(
        width="container",
        height=280,
        title=alt.Title(
            title,
            subtitle=[
                f"{BASIS} · as of {pd.Timestamp(as_of):%Y-%m-%d} · {frequency} "
                f"from {start:%Y-%m-%d}",
                f"Share of members closing above the simple average of their own last "
                f"{windows_text} closes · dashed: 50 %",
                f"A member counts once it has a full window of closes; gaps where fewer than "
                f"{min_eligible} count",
                _members_line(list_name, members),
            ],
            anchor="start",
        ),
    )


def _ad_frame(ad: pd.DataFrame, as_of: pd.Timestamp, min_counted: int) -> pd.DataFrame:
    """The sessions the A-D chart draws: from the first on which ``min_counted`` members count
    to ``as_of``, the line summed from that first session."""
    frame = ad.loc[: pd.Timestamp(as_of), ["line", "advances", "declines", "unchanged", "net"]]
    counted = frame[["advances", "declines", "unchanged"]].sum(axis=1)
    enough = counted >= max(min_counted, 1)
    if enough.any():
        # Start where enough members count; the line then sums from that session on.
        frame = frame.loc[enough.idxmax() :].copy()
        frame["line"] -= frame["line"].iloc[0] - frame["net"].iloc[0]
    return frame


def advance_decline_table(
    ad: pd.DataFrame, *, as_of: pd.Timestamp, min_counted: int = MIN_ELIGIBLE
) -> pd.DataFrame:
    """The A-D chart's data, every session it spans: the line as drawn (summed from its first
    session) and each session's advances, declines, unchanged members and net."""
    frame = _ad_frame(ad, as_of, min_counted)
    labels = {
        "line": "A-D line",
        "advances": "Advances",
        "declines": "Declines",
        "unchanged": "Unchanged",
        "net": f"Net (advances {MINUS} declines)",
    }
    return table(frame, labels)


def advance_decline_chart(
    ad: pd.DataFrame,
    *,
    list_name: str,
    as_of: pd.Timestamp,
    members: int,
    min_counted: int = MIN_ELIGIBLE,
    theme: Theme = DEFAULT,
) -> alt.Chart:
    """The cumulative advance-decline line of a list's members up to ``as_of``.

    ``ad`` is an :func:`~generator.metrics.breadth.advance_decline` result; the line's level is
    a sum from wherever the data starts, so only its direction is read (said in the subtitle).
    The chart starts at the first session on which at least ``min_counted`` members count (a
    frame reaching back to the few members with decades of history would otherwise draw decades
    of a handful of stocks) and shows the sum from that session. Tooltips give each session's
    advances, declines and unchanged members.
    """
    frame = _ad_frame(ad, as_of, min_counted)
    shown, frequency = daily_rows(frame, ["line"])
    start = frame.index[0] if len(frame) else pd.Timestamp(as_of)
    return (
        alt.Chart(pd.DataFrame(_records(shown)))
        .mark_line(strokeWidth=1.6, color=theme.primary)
        .encode(
            x=time_x(shown.index),
            y=alt.Y(
                "line:Q", title=f"Cumulative advances {MINUS} declines", scale=alt.Scale(zero=False)
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Session", format="%Y-%m-%d"),
                alt.Tooltip("line:Q", title="A-D line", format=","),
                alt.Tooltip("advances:Q", title="Advances", format=","),
                alt.Tooltip("declines:Q", title="Declines", format=","),
                alt.Tooltip("unchanged:Q", title="Unchanged", format=","),
                alt.Tooltip("net:Q", title="Net", format="+,"),
            ],
        )
        .properties(
            width="container",
            height=260,
            title=alt.Title(
                f"{list_name}: advance-decline line",
                subtitle=[
                    f"{BASIS} · as of {pd.Timestamp(as_of):%Y-%m-%d} · "
                    f"{frequency} · summed from {start:%Y-%m-%d}",
                    f"Advances {MINUS} declines per session, among members with a close "
                    "that session and the one before",
                    "Trend matters, not level: the level depends on the start date",
                    _members_line(list_name, members),
                ],
                anchor="start",
            ),
        )
    )
