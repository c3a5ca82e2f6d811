"""The chart theme: the configured colours (``theme`` in ``rotation.yml``) as Vega-Lite configs.

A chart is drawn in three places, each with its own background, so the colours are split in two:

* **Data colours** (``primary``, ``accent``, ``neutral``, the categorical ``palette``) are part of
  the chart: chart functions take the theme as an argument (default :data:`DEFAULT`, the site's
  palette) and write the colours into the spec. The same spec and static image serve the light
  and the dark scheme, so these must be mid-tones, legible on both; :func:`legibility` says
  which are not.
* **Text and line colours** (titles, axis labels, grid, axis lines) are *not* in the spec: they
  belong to the background the chart sits on, so they are a Vega-Lite ``config`` applied where
  the chart is drawn. Live charts get :func:`vega_config` for the reader's scheme from
  ``assets/chart-theme.json`` (:func:`theme_file`, read once by ``charts.js``, re-applied on the
  dark toggle); the static SVG fallback, which one file serves on both backgrounds, gets
  :func:`fallback_config`; the PNGs for e-mail and feed readers, drawn on white, get
  :func:`png_config`.

Passing the theme in (rather than setting a module-level default at build start) keeps chart
functions pure: the same arguments give the same spec, in the build, in a weekly post and in a
test, whatever ran before.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from generator.config import DarkColors, LightColors, Theme

DEFAULT = Theme()
"""The site's palette: Material indigo and deep orange, Material's text shades."""

MIN_CONTRAST = 3.0
"""WCAG's minimum contrast for graphics (a line, a symbol) against what is around it."""

Scheme = Literal["light", "dark"]

TEXT_SIZE = 11
"""The smallest text of any chart, in CSS pixels (Vega-Lite's defaults go down to 10)."""

EMAIL_TEXT_SIZE = 12
"""The smallest text of the PNGs, in pixels at the width a mailer shows them (mail is read on
phones, with no zoom on an image)."""


def vega_config(theme: Theme, scheme: Scheme, *, size: int = TEXT_SIZE) -> dict[str, Any]:
    """The Vega-Lite config of charts shown on ``scheme``'s page background.

    The background stays transparent (the page shows through, whatever the scheme) and the view
    has no frame, like the static fallback. ``range.category`` and ``mark.color`` make any chart
    that names no colour of its own use the theme's palette too.
    """
    colors: LightColors | DarkColors = theme.light if scheme == "light" else theme.dark
    return _config(
        text=colors.text,
        muted=colors.muted,
        grid=colors.grid,
        domain=colors.domain,
        theme=theme,
        size=size,
    )


def fallback_config(theme: Theme) -> dict[str, Any]:
    """The config of the static SVG fallback, one image for both backgrounds.

    Its ink is the blend of the light and the dark text colour that has the same contrast on
    both page backgrounds (with the defaults, about 4:1 on each); grid and axis lines are that
    ink, the grid faint. A second, dark rendering would double the slowest step of the build for
    readers without JavaScript.
    """
    ink = balanced_blend(
        theme.light.text, theme.dark.text, theme.light.background, theme.dark.background
    )
    config = _config(text=ink, muted=ink, grid=ink, domain=ink, theme=theme)
    config["axis"]["gridOpacity"] = 0.3
    return config


def png_config(theme: Theme) -> dict[str, Any]:
    """The config of the PNG charts of the feed and the e-mail digest: the light scheme, drawn
    on its background (mail and feed readers mostly show a white page, and a chart with its own
    white background reads on a dark one too), its smallest text :data:`EMAIL_TEXT_SIZE`."""
    return {
        **vega_config(theme, "light", size=EMAIL_TEXT_SIZE),
        "background": theme.light.background,
    }


def theme_file(theme: Theme) -> bytes:
    """``assets/chart-theme.json``: the light and the dark config, which ``charts.js`` reads once
    and applies to every live chart for the scheme the reader is on."""
    document = {"light": vega_config(theme, "light"), "dark": vega_config(theme, "dark")}
    return (json.dumps(document, indent=1) + "\n").encode()


def _config(
    *, text: str, muted: str, grid: str, domain: str, theme: Theme, size: int = TEXT_SIZE
) -> dict[str, Any]:
    return {
        "background": "transparent",
        "view": {"stroke": None},
        "axis": {
            "labelColor": text,
            "titleColor": muted,
            "gridColor": grid,
            "domainColor": domain,
            "tickColor": domain,
            "labelFontSize": size,
            "titleFontSize": size + 1,
        },
        "legend": {
            "labelColor": text,
            "titleColor": muted,
            "labelFontSize": size,
            "titleFontSize": size + 1,
        },
        "title": {"color": text, "subtitleColor": muted, "fontSize": 15, "subtitleFontSize": 12},
        "header": {
            "labelColor": text,
            "titleColor": text,
            "labelFontSize": size + 1,
            "titleFontSize": size + 1,
        },
        "text": {"fontSize": size},
        "range": {"category": list(theme.palette)},
        "mark": {"color": theme.primary},
    }


# --- one colour per symbol


def assign_colors(groups: Iterable[Sequence[str]], palette: Sequence[str]) -> dict[str, str]:
    """One colour per symbol for all charts at once, so that a symbol keeps its colour from page
    to page while the lines of one chart stay apart.

    ``groups`` are the sets of symbols drawn together in one chart. Symbols are coloured in the
    order they first appear, each with the first colour of ``palette`` that no symbol ever drawn
    beside it already has (greedy colouring of the graph "shares a chart"): the symbols of a chart
    differ whenever none is drawn beside as many symbols as the palette has colours. A symbol
    beside more takes the colour its neighbours use least.
    """
    neighbours: dict[str, set[str]] = {}
    for group in groups:
        for symbol in group:
            neighbours.setdefault(symbol, set()).update(s for s in group if s != symbol)
    colors: dict[str, str] = {}
    for symbol, beside in neighbours.items():
        used = Counter(colors[s] for s in beside if s in colors)
        colors[symbol] = min(palette, key=lambda c: (used[c], palette.index(c)))
    return colors


def colors_of(symbols: Sequence[str], colors: Mapping[str, str] | None, theme: Theme) -> list[str]:
    """The colour of each of ``symbols``: from the site's ``colors`` (symbol -> colour), and for a
    symbol it lacks (a chart drawn on its own, in a test or a notebook) the theme's ``series`` in
    order."""
    own = assign_colors([symbols], theme.series)
    return [(colors or {}).get(s, own[s]) for s in symbols]


# --- contrast


def _rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` (as the config normalises every colour) as three 0-255 channels."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def blend(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from ``a`` to ``b`` (0: ``a``, 1: ``b``), per sRGB channel."""
    mixed = (round(x + (y - x) * t) for x, y in zip(_rgb(a), _rgb(b), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def balanced_blend(a: str, b: str, on_a: str, on_b: str) -> str:
    """The blend of ``a`` and ``b`` whose contrast on ``on_a`` equals its contrast on ``on_b``.

    ``a`` is the ink made for background ``on_a`` and ``b`` for ``on_b``: going from ``a`` to
    ``b`` the contrast on ``on_a`` falls and on ``on_b`` rises, so bisection finds where they
    meet (to well under one step of a colour channel after 30 halvings).
    """
    low, high = 0.0, 1.0
    for _ in range(30):
        mid = (low + high) / 2
        ink = blend(a, b, mid)
        if contrast(ink, on_a) > contrast(ink, on_b):
            low = mid
        else:
            high = mid
    return blend(a, b, (low + high) / 2)


def legibility(theme: Theme) -> list[str]:
    """Every data colour with less than :data:`MIN_CONTRAST` on either page background.

    Data colours are drawn in the one spec and the one static image both schemes share, so a
    colour that vanishes on one background cannot be fixed per scheme. The build logs these as
    warnings: a deliberate choice stays possible.
    """
    colors = {
        "theme.primary": theme.primary,
        "theme.accent": theme.accent,
        "theme.neutral": theme.neutral,
        **{f"theme.series[{i}]": c for i, c in enumerate(theme.series)},
    }
    problems = []
    for key, color in colors.items():
        for scheme, background in (
            ("light", theme.light.background),
            ("dark", theme.dark.background),
        ):
            ratio = contrast(color, background)
            if ratio < MIN_CONTRAST:
                problems.append(
                    f"{key}: {color} has a contrast of {ratio:.1f}:1 on the {scheme} background "
                    f"{background} (lines need {MIN_CONTRAST:.0f}:1 to stand out)"
                )
    return problems
