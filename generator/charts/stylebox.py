"""The style-box heatmap: one 3 x 3 grid (size x style) per period, side by side.

Every period is drawn (no selector), so the static SVG shows the same as the live chart. Each
period has its own colour scale, symmetric around 0 (the strongest cell of that period sets the
ends): a week's moves would otherwise be invisible next to a year's. The number in the cell is the
reading; the colour only ranks the cells within the period.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from generator.charts import BASIS, significant
from generator.charts.theme import DEFAULT
from generator.config import Theme
from generator.metrics.stylebox import SIZES, STYLES

# The cell colours mean up and down, not the site's brand: they are not themed. The theme's
# neutral grey draws the cell borders and the cells without a value.
NEGATIVE = "#c8553d"
"""Falling cells: a muted red."""
POSITIVE = "#2f7fb8"
"""Rising cells: a muted blue (red/blue stays readable for red-green colour blindness)."""
NEUTRAL = "#b9bdc4"
"""Zero: a mid grey, a cell on both a white and a near-black page."""
INK = {"dark": "#1d2026", "light": "#ffffff"}
"""Text inside a cell, chosen against the cell's own fill (never the page's)."""
STRONG = 0.45
"""Above this share of the period's largest move, a cell is dark enough for white text."""

CELL = 56
PANEL_WIDTH = 3 * CELL
PANEL_HEIGHT = 3 * CELL


def cell_label(value: float) -> str:
    """``0.1234`` -> ``+12.3%``; ``NaN`` -> ``n/a``."""
    return "n/a" if np.isnan(value) else f"{value * 100:+.1f}%"


def _panel_data(grid_frame: pd.DataFrame, period: str) -> tuple[list[dict], float]:
    cells = grid_frame[grid_frame["period"] == period]
    extent = float(np.nanmax(np.abs(cells["value"]))) if cells["value"].notna().any() else 0.0
    extent = extent if extent > 0 else 0.01
    records = []
    for row in cells.itertuples(index=False):
        valid = not np.isnan(row.value)
        records.append(
            {
                "size": row.size,
                "style": row.style,
                "symbol": row.symbol,
                "period": row.period,
                "value": round(float(row.value), 6) if valid else None,
                "label": cell_label(row.value),
                "ink": ("light" if abs(row.value) > STRONG * extent else "dark") if valid else "na",
                "note": row.note if row.note else "—",
            }
        )
    return records, extent


def _panel(grid_frame: pd.DataFrame, period: str, *, first: bool, theme: Theme) -> alt.LayerChart:
    records, extent = _panel_data(grid_frame, period)
    base = alt.Chart(pd.DataFrame(records)).encode(
        x=alt.X(
            "style:N",
            sort=list(STYLES),
            title=None,
            axis=alt.Axis(orient="top", labelAngle=0, ticks=False, domain=False, labelPadding=4),
        ),
        y=alt.Y(
            "size:N",
            sort=list(SIZES),
            title=None,
            axis=alt.Axis(ticks=False, domain=False, labels=first, labelPadding=4),
        ),
        tooltip=[
            alt.Tooltip("symbol:N", title="Fund"),
            alt.Tooltip("size:N", title="Size"),
            alt.Tooltip("style:N", title="Style"),
            alt.Tooltip("period:N", title="Period"),
            alt.Tooltip("label:N", title="Total return"),
            alt.Tooltip("note:N", title="Note"),
        ],
    )
    fill = alt.Color(
        "value:Q",
        scale=alt.Scale(
            domain=[-extent, 0.0, extent],
            range=[NEGATIVE, NEUTRAL, POSITIVE],
            clamp=True,
            interpolate="lab",
        ),
        legend=None,
    )
    rects = base.mark_rect(stroke=theme.neutral, strokeOpacity=0.35, strokeWidth=1).encode(
        # A cell without a value: the theme's neutral grey, drawn faint.
        color=alt.condition("isValid(datum.value)", fill, alt.value(theme.neutral)),
        opacity=alt.condition("isValid(datum.value)", alt.value(1.0), alt.value(0.18)),
    )
    text = base.mark_text(fontSize=11, fontWeight="bold", baseline="middle").encode(
        text=alt.Text("label:N"),
        color=alt.Color(
            "ink:N",
            scale=alt.Scale(
                domain=["dark", "light", "na"], range=[INK["dark"], INK["light"], "#7c8089"]
            ),
            legend=None,
        ),
    )
    symbols = base.mark_text(fontSize=11, baseline="top", dy=10, opacity=0.85).encode(
        text=alt.Text("symbol:N"),
        color=alt.Color(
            "ink:N",
            scale=alt.Scale(
                domain=["dark", "light", "na"], range=[INK["dark"], INK["light"], "#7c8089"]
            ),
            legend=None,
        ),
    )
    return (
        alt.layer(rects, text, symbols)
        .resolve_scale(color="independent")
        .properties(
            width=PANEL_WIDTH,
            height=PANEL_HEIGHT,
            title=alt.Title(
                period, anchor="middle", fontSize=12, subtitle=[f"±{extent * 100:.1f}%"]
            ),
        )
    )


def stylebox_table(grid_frame: pd.DataFrame, *, periods: Sequence[str]) -> pd.DataFrame:
    """The heatmaps' data, one row per panel and cell (periods in the chart's order, then
    Large to Small, Value to Growth): the fund, its total return (a fraction: 0.1234 is
    +12.34 %, empty for n/a) and why a cell has none."""
    cells = grid_frame[grid_frame["period"].isin(periods)]
    order = {p: i for i, p in enumerate(periods)}
    cells = cells.iloc[np.argsort(cells["period"].map(order).to_numpy(), kind="stable")]
    return pd.DataFrame(
        {
            "period": cells["period"].astype(str).to_numpy(),
            "size": cells["size"].astype(str).to_numpy(),
            "style": cells["style"].astype(str).to_numpy(),
            "symbol": cells["symbol"].astype(str).to_numpy(),
            "total return": significant(cells["value"]),
            "note": cells["note"].astype(str).to_numpy(),
        }
    )


def stylebox_chart(
    grid_frame: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    periods: Sequence[str],
    title: str,
    theme: Theme = DEFAULT,
) -> alt.HConcatChart:
    """One heatmap per period (from :func:`generator.metrics.stylebox.style_grid`), side by side.

    Cells show the total return as text ("+12.3%", "n/a"); the tooltip adds the fund and why a
    cell is n/a; the subtitle lists the n/a cells with their reasons so the static image says it
    too. Colour: blue up, red down, grey at 0, scaled per period (the ``±`` under each period is
    the full-colour end).
    """
    missing = grid_frame[grid_frame["value"].isna() & grid_frame["period"].isin(periods)]
    reasons: dict[str, list[str]] = {}
    for row in missing.itertuples(index=False):
        key = f"{row.symbol}: {row.note}"
        reasons.setdefault(key, []).append(row.period)
    subtitle = [
        f"{BASIS} · as of {as_of:%Y-%m-%d} · calendar-anchored periods (YTD from the last close "
        f"of {as_of.year - 1})",
        "Rows: size; columns: style. Colour scaled per period, centred on 0: blue up, red down, "
        "full colour at the ± under the period",
    ]
    for key, ps in reasons.items():
        which = "all periods" if len(ps) == len(periods) else ", ".join(ps)
        subtitle.append(f"n/a — {key} ({which})")
    panels = [_panel(grid_frame, p, first=i == 0, theme=theme) for i, p in enumerate(periods)]
    return (
        alt.hconcat(*panels, spacing=8)
        .resolve_scale(color="independent")
        .properties(title=alt.Title(title, subtitle=subtitle, anchor="start"))
    )
