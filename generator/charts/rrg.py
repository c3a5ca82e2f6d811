"""The relative rotation graph: RS-Ratio across, RS-Momentum up, one tail per symbol.

Points come from :func:`generator.metrics.rrg.rrg_points`; this module only draws them. Quadrant
tints are low-opacity fills and every text colour is either a symbol's mid-tone colour (the
theme's categorical palette) or the theme's axis text, so the chart reads on the light page, on
the dark one and in the static SVG fallback alike.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

import altair as alt
import numpy as np
import pandas as pd

from generator.charts import BASIS, SESSION_DAY, significant
from generator.charts.theme import DEFAULT, colors_of
from generator.config import Theme
from generator.metrics.rrg import CENTRE, RRGParams

HEIGHT = 460
X_TITLE = "RS-Ratio (relative trend)"
Y_TITLE = "RS-Momentum (change of the trend)"
LAYOUT_WIDTH = 700
"""Plot width assumed when placing head labels (the page sets the real, container width)."""

QUADRANT_COLORS = {
    "Leading": "#2e9e5b",
    "Weakening": "#d4a017",
    "Lagging": "#d64545",
    "Improving": "#3b7fd4",
}
"""The quadrants' meaning (green leads, red lags), not the site's brand: not themed."""
QUADRANT_OPACITY = 0.1

_CHAR_WIDTH = 7.0
_LABEL_HEIGHT = 12.0
_GAP = 7.0
# Candidate label positions around a head: (dx, dy, align, baseline), dy down as on screen; a
# "+" marks the same compass point one step further out, for crowded heads.
_COMPASS = {
    "E": (1.0, 0.0, "left", "middle"),
    "NE": (0.7, -0.7, "left", "bottom"),
    "N": (0.0, -1.0, "center", "bottom"),
    "NW": (-0.7, -0.7, "right", "bottom"),
    "W": (-1.0, 0.0, "right", "middle"),
    "SW": (-0.7, 0.7, "right", "top"),
    "S": (0.0, 1.0, "center", "top"),
    "SE": (0.7, 0.7, "left", "top"),
}
_POSITIONS = {
    name + suffix: (round(ux * gap, 1), round(uy * gap, 1), align, baseline)
    for suffix, gap in (("", _GAP), ("+", 2 * _GAP))
    for name, (ux, uy, align, baseline) in _COMPASS.items()
}
_ANGLES = {"E": 0, "NE": 45, "N": 90, "NW": 135, "W": 180, "SW": 225, "S": 270, "SE": 315}


def _half_width(values: pd.Series) -> float:
    """Half the axis span: every point inside, with a margin, never under 1.5 index points."""
    if values.empty:
        return 2.0
    return max(1.5, float((values - CENTRE).abs().max()) * 1.1 + 0.3)


def _ticks(half: float) -> list[float]:
    """Tick values symmetric about 100, at most four on each side."""
    step = next(s for s in (0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 50.0) if half / s <= 4.5)
    k = int(half // step)
    return [round(CENTRE + i * step, 6) for i in range(-k, k + 1)]


def _box(px: float, py: float, pos: str, text: str) -> tuple[float, float, float, float]:
    """Pixel box (left, top, right, bottom) of a label placed at ``pos`` around (px, py)."""
    dx, dy, align, baseline = _POSITIONS[pos]
    w, h = _CHAR_WIDTH * len(text), _LABEL_HEIGHT
    x, y = px + dx, py + dy
    left = {"left": x, "center": x - w / 2, "right": x - w}[align]
    top = {"top": y, "middle": y - h / 2, "bottom": y - h}[baseline]
    return left, top, left + w, top + h


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _segment_samples(
    tails: pd.DataFrame, to_px: Callable[[float, float], tuple[float, float]]
) -> list[tuple[float, float]]:
    """Points every few pixels along each tail, so a label can avoid sitting on a line."""
    samples = []
    for _, rows in tails.groupby("symbol", sort=False):
        pts = [to_px(x, y) for x, y in zip(rows["x"], rows["y"], strict=True)]
        for (ax, ay), (bx, by) in itertools.pairwise(pts):
            k = max(1, int(math.hypot(bx - ax, by - ay) // 5))
            samples += [(ax + (bx - ax) * i / k, ay + (by - ay) * i / k) for i in range(1, k)]
    return samples


def _place_labels(tails: pd.DataFrame, heads: pd.DataFrame, hx: float, hy: float) -> dict[str, str]:
    """A position (key of :data:`_POSITIONS`) for each head's label, chosen greedily.

    Costs, in the pixel space of a plot :data:`LAYOUT_WIDTH` x :data:`HEIGHT`: overlap with the
    labels already placed, with the heads, the quadrant names in the corners, tail points and
    tail lines, and running off the plot; a mild preference for the direction the symbol moves
    in (its tail lies behind it) and for the near positions.
    """

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (
            (x - (CENTRE - hx)) / (2 * hx) * LAYOUT_WIDTH,
            ((CENTRE + hy) - y) / (2 * hy) * HEIGHT,
        )

    def hits(box: tuple[float, float, float, float], pts: list[tuple[float, float]]) -> int:
        return sum(
            1 for x, y in pts if box[0] - 2 <= x <= box[2] + 2 and box[1] - 2 <= y <= box[3] + 2
        )

    dots = [to_px(x, y) for x, y in zip(tails["x"], tails["y"], strict=True)]
    lines = _segment_samples(tails, to_px)
    head_px = {h.symbol: to_px(h.x, h.y) for h in heads.itertuples()}
    head_boxes = {s: (x - 6, y - 6, x + 6, y + 6) for s, (x, y) in head_px.items()}
    corners = [
        (0, 0, 90, 24),
        (LAYOUT_WIDTH - 100, 0, LAYOUT_WIDTH, 24),
        (0, HEIGHT - 24, 90, HEIGHT),
        (LAYOUT_WIDTH - 100, HEIGHT - 24, LAYOUT_WIDTH, HEIGHT),
    ]
    placed: list[tuple[float, float, float, float]] = []
    chosen: dict[str, str] = {}
    # Outermost heads first: they have the least room; the crowded centre is placed last.
    order = heads.assign(d=np.hypot(heads["x"] - CENTRE, heads["y"] - CENTRE)).sort_values(
        "d", ascending=False, kind="stable"
    )
    for head in order.itertuples():
        px, py = head_px[head.symbol]
        prev = tails[(tails["symbol"] == head.symbol) & (tails["step"] == head.step - 1)]
        if prev.empty:
            forward = 45.0
        else:
            qx, qy = to_px(prev["x"].iloc[0], prev["y"].iloc[0])
            forward = math.degrees(math.atan2(qy - py, px - qx))
        best, best_cost = next(iter(_POSITIONS)), math.inf
        for pos in _POSITIONS:
            box = _box(px, py, pos, head.symbol)
            cost = 10.0 * sum(_overlap(box, other) for other in placed)
            cost += 10.0 * sum(
                _overlap(box, other) for s, other in head_boxes.items() if s != head.symbol
            )
            cost += 10.0 * sum(_overlap(box, other) for other in corners)
            cost += 60.0 * hits(box, dots) + 12.0 * hits(box, lines)
            outside = max(0.0, -box[0]) + max(0.0, box[2] - LAYOUT_WIDTH)
            outside += max(0.0, -box[1]) + max(0.0, box[3] - HEIGHT)
            cost += 400.0 * outside
            turn = abs((_ANGLES[pos.rstrip("+")] - forward + 180.0) % 360.0 - 180.0)
            cost += turn / 6.0 + (10.0 if pos.endswith("+") else 0.0)
            if cost < best_cost:
                best, best_cost = pos, cost
        chosen[head.symbol] = best
        placed.append(_box(px, py, best, head.symbol))
    return chosen


def _tails(
    points: pd.DataFrame, as_of: pd.Timestamp, tail: int
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """The points the graph draws (the last ``tail`` weeks up to ``as_of``, by symbol in the
    order given, then by week), those weeks, and the symbols with a point up to ``as_of``."""
    upto = points[points["date"] <= as_of]
    weeks = np.sort(upto["date"].unique())[-tail:]
    symbols = list(dict.fromkeys(upto["symbol"]))
    rank = {s: i for i, s in enumerate(symbols)}
    tails = upto[upto["date"].isin(weeks)]
    tails = tails.iloc[np.lexsort((tails["date"].to_numpy(), tails["symbol"].map(rank).to_numpy()))]
    return tails, weeks, symbols


def rrg_table(
    points: pd.DataFrame, names: Mapping[str, str], *, as_of: pd.Timestamp, params: RRGParams
) -> pd.DataFrame:
    """The graph's data, one row per symbol and week of its tail (the head last): the week's
    last session, the symbol, its name, RS-Ratio, RS-Momentum and quadrant."""
    tails, _, _ = _tails(points, as_of, params.tail)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(tails["date"]).dt.strftime("%Y-%m-%d").to_numpy(),
            "symbol": tails["symbol"].astype(str).to_numpy(),
            "name": [names.get(s, s) for s in tails["symbol"]],
            "RS-Ratio": significant(tails["rs_ratio"]),
            "RS-Momentum": significant(tails["rs_momentum"]),
            "quadrant": tails["quadrant"].astype(str).to_numpy(),
        }
    )


def rrg_chart(
    points: pd.DataFrame,
    names: Mapping[str, str],
    *,
    as_of: pd.Timestamp,
    params: RRGParams,
    benchmark: str,
    title: str,
    theme: Theme = DEFAULT,
    colors: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """The classic RRG: quadrant tints, one tail per symbol over the last ``params.tail`` weeks
    and a labelled head at the symbol's latest week on or before ``as_of``.

    ``points`` is the output of ``rrg_points`` (all weeks; rows after ``as_of`` are dropped here).
    To show a week still in progress, compute the points from prices cut at ``as_of``. The tails
    cover the last ``params.tail`` weekly dates of all points up to ``as_of``; a symbol whose
    data stopped earlier keeps the points it has in that span (its head is then an older week,
    which its tooltip shows), and a symbol with none is left out. Axes are centred on 100 with a
    symmetric span covering every point drawn. Symbols take their site colours (``colors``, see
    :func:`generator.charts.theme.colors_of`).
    """
    tails, weeks, symbols = _tails(points, as_of, params.tail)
    data = pd.DataFrame(
        {
            "symbol": tails["symbol"].astype(str).to_numpy(),
            "name": [names.get(s, s) for s in tails["symbol"]],
            "week": pd.to_datetime(tails["date"]).dt.strftime(SESSION_DAY).to_numpy(),
            "x": tails["rs_ratio"].round(3).to_numpy(),
            "y": tails["rs_momentum"].round(3).to_numpy(),
            "quadrant": tails["quadrant"].astype(str).to_numpy(),
        }
    )
    data["step"] = data.groupby("symbol").cumcount()
    heads = data.groupby("symbol", sort=False).tail(1).copy()
    hx, hy = _half_width(data["x"]), _half_width(data["y"])
    spots = _place_labels(data, heads, hx, hy)
    heads["dx"] = [_POSITIONS[spots[s]][0] for s in heads["symbol"]]
    heads["dy"] = [_POSITIONS[spots[s]][1] for s in heads["symbol"]]
    heads["align"] = [_POSITIONS[spots[s]][2] for s in heads["symbol"]]
    heads["baseline"] = [_POSITIONS[spots[s]][3] for s in heads["symbol"]]

    x_scale = alt.Scale(domain=[CENTRE - hx, CENTRE + hx], nice=False, zero=False)
    y_scale = alt.Scale(domain=[CENTRE - hy, CENTRE + hy], nice=False, zero=False)
    x_axis = alt.Axis(values=_ticks(hx), format=".1~f", grid=False)
    y_axis = alt.Axis(values=_ticks(hy), format=".1~f", grid=False)
    x_enc = alt.X("x:Q", title=X_TITLE, scale=x_scale, axis=x_axis)
    y_enc = alt.Y("y:Q", title=Y_TITLE, scale=y_scale, axis=y_axis)

    lo_x, hi_x, lo_y, hi_y = CENTRE - hx, CENTRE + hx, CENTRE - hy, CENTRE + hy
    quads = pd.DataFrame(
        [
            ("Leading", CENTRE, hi_x, CENTRE, hi_y, hi_x, hi_y, "right", "top"),
            ("Weakening", CENTRE, hi_x, lo_y, CENTRE, hi_x, lo_y, "right", "bottom"),
            ("Lagging", lo_x, CENTRE, lo_y, CENTRE, lo_x, lo_y, "left", "bottom"),
            ("Improving", lo_x, CENTRE, CENTRE, hi_y, lo_x, hi_y, "left", "top"),
        ],
        columns=["quadrant", "x", "x2", "y", "y2", "lx", "ly", "align", "baseline"],
    )
    quad_color = alt.Color(
        "quadrant:N",
        scale=alt.Scale(domain=list(QUADRANT_COLORS), range=list(QUADRANT_COLORS.values())),
        legend=None,
    )
    background = (
        alt.Chart(quads)
        .mark_rect(opacity=QUADRANT_OPACITY)
        .encode(x=x_enc, x2="x2:Q", y=y_enc, y2="y2:Q", color=quad_color, tooltip=alt.value(None))
    )
    quad_labels = (
        alt.Chart(quads)
        .mark_text(
            fontSize=13,
            fontWeight="bold",
            opacity=0.9,
            align=alt.expr("datum.align"),
            baseline=alt.expr("datum.baseline"),
            dx=alt.expr("datum.align == 'left' ? 6 : -6"),
            dy=alt.expr("datum.baseline == 'top' ? 6 : -6"),
        )
        .encode(
            x=alt.X("lx:Q", scale=x_scale, axis=x_axis, title=X_TITLE),
            y=alt.Y("ly:Q", scale=y_scale, axis=y_axis, title=Y_TITLE),
            text="quadrant:N",
            color=quad_color,
            tooltip=alt.value(None),
        )
    )
    centre_lines = alt.Chart(pd.DataFrame({"c": [CENTRE]})).mark_rule(
        color=theme.neutral, strokeWidth=1, opacity=0.6
    ).encode(x=alt.X("c:Q", scale=x_scale, axis=x_axis, title=X_TITLE)) + alt.Chart(
        pd.DataFrame({"c": [CENTRE]})
    ).mark_rule(color=theme.neutral, strokeWidth=1, opacity=0.6).encode(
        y=alt.Y("c:Q", scale=y_scale, axis=y_axis, title=Y_TITLE)
    )

    color = alt.Color(
        "symbol:N",
        scale=alt.Scale(domain=symbols, range=colors_of(symbols, colors, theme)),
        legend=None,
    )
    tooltip = [
        alt.Tooltip("symbol:N", title="Symbol"),
        alt.Tooltip("name:N", title="Name"),
        # The label as text: parsing a date-only string gives UTC midnight, which a local-time
        # format would show as the previous day west of Greenwich.
        alt.Tooltip("week:T", title="Week (last session)", format="%Y-%m-%d"),
        alt.Tooltip("x:Q", title="RS-Ratio", format=".2f"),
        alt.Tooltip("y:Q", title="RS-Momentum", format=".2f"),
        alt.Tooltip("quadrant:N", title="Quadrant"),
    ]
    base = alt.Chart(data).encode(x=x_enc, y=y_enc, color=color)
    # A trail widens towards the head, so the direction of travel reads without arrows.
    tail_lines = base.mark_trail(opacity=0.7).encode(
        order=alt.Order("step:Q"),
        detail="symbol:N",
        size=alt.Size(
            "step:Q", scale=alt.Scale(domain=[0, params.tail - 1], range=[0.5, 3]), legend=None
        ),
    )
    tail_dots = base.mark_circle(size=20, opacity=0.85).encode(tooltip=tooltip)
    head_base = alt.Chart(heads).encode(x=x_enc, y=y_enc, color=color)
    head_dots = head_base.mark_circle(size=110, opacity=1).encode(tooltip=tooltip)
    head_labels = head_base.mark_text(
        fontSize=11,
        fontWeight="bold",
        dx=alt.expr("datum.dx"),
        dy=alt.expr("datum.dy"),
        align=alt.expr("datum.align"),
        baseline=alt.expr("datum.baseline"),
    ).encode(text="symbol:N", tooltip=tooltip)

    latest = pd.Timestamp(weeks[-1]) if len(weeks) else None
    as_of_text = f"as of {as_of:%Y-%m-%d}"
    if latest is not None and latest != as_of:
        as_of_text += f" (latest completed week {latest:%Y-%m-%d})"
    basis = BASIS[0].lower() + BASIS[1:]
    m = params.momentum_lag
    change = "week-on-week change" if m == 1 else f"{m}-week rate of change"
    subtitle = [
        f"Weekly closes, {basis} vs {benchmark} · {as_of_text} · RRG-style approximation",
        f"RS-Ratio: z-score of RS = 100·symbol/{benchmark} over {params.window} weeks · "
        f"RS-Momentum: z-score of the RS-Ratio's {change} over {params.window} weeks · "
        f"tail {params.tail} weeks",
    ]
    return (
        alt.layer(
            background,
            quad_labels,
            centre_lines,
            tail_lines,
            tail_dots,
            head_dots,
            head_labels,
        )
        .resolve_scale(color="independent")
        .properties(
            width="container",
            height=HEIGHT,
            title=alt.Title(title, subtitle=subtitle, anchor="start"),
            # Read by assets/charts.js: on a narrow screen the plot stays square (its height
            # follows its width), so the quadrants keep their shape.
            usermeta={"square": True},
        )
    )
