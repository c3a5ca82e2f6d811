"""Chart files: each figure's Vega-Lite spec for the live chart, its static SVG fallback and,
for feeds and e-mail, a PNG; plus the vega bundle the site serves itself (no CDN)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import vl_convert as vlc
from PIL import Image

from generator.charts import theme as chart_theme
from generator.config import Theme
from generator.errors import BuildError

if TYPE_CHECKING:
    from generator.sections.base import Figure

VL_VERSION = "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
STATIC_WIDTH = 760
VEGA_BUNDLE = "assets/vega/vega-bundle.js"
CHART_THEME = "assets/chart-theme.json"
"""The live charts' light and dark Vega-Lite config, read by ``site_src/assets/charts.js``."""


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def local_dates(node: Any) -> Any:
    """Session dates as local date-times (``2026-07-31T00:00:00``) throughout a spec's data.

    Browsers parse a bare ISO date as UTC midnight and Vega shows times in the reader's zone,
    so in New York a session would read as the evening before. A date-time without an offset is
    parsed as local midnight, which shows as the session's own date everywhere.
    """
    if isinstance(node, dict):
        return {k: local_dates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [local_dates(v) for v in node]
    if isinstance(node, str) and _DATE.match(node):
        return node + "T00:00:00"
    return node


def chart_files(
    name: str, chart: alt.Chart, *, png: bool = False, theme: Theme = chart_theme.DEFAULT
) -> dict[str, bytes]:
    """The spec of the live chart and its static SVG fallback; with ``png``, also a PNG.

    The PNG is for where neither SVG nor JavaScript can go: feed readers and e-mail clients.
    ``theme`` gives the text and line colours of the SVG and the PNG; the spec carries none (the
    live chart takes them from ``assets/chart-theme.json`` for the reader's scheme).
    """
    spec = chart.to_dict(validate=True)
    spec = {**spec, **{k: local_dates(spec[k]) for k in ("datasets", "data") if k in spec}}
    static = {**spec, "width": STATIC_WIDTH}
    options = {"vl_version": VL_VERSION, "allowed_base_urls": []}
    try:
        files = {
            f"charts/{name}.vl.json": json.dumps(spec, separators=(",", ":")).encode(),
            f"charts/{name}.svg": vlc.vegalite_to_svg(
                static, config=chart_theme.fallback_config(theme), **options
            ).encode(),
        }
        if png:
            image = vlc.vegalite_to_png(
                static, scale=2, config=chart_theme.png_config(theme), **options
            )
            files[f"charts/{name}.png"] = small_png(image)
    except ValueError as exc:
        # vl-convert's message carries the JavaScript stack: its first line says what failed.
        reason = next((line for line in str(exc).splitlines() if line.startswith("Error")), "")
        reason = reason or str(exc).strip().splitlines()[0]
        raise BuildError(f"chart {name}: Vega-Lite could not render it ({reason})") from None
    return files


def small_png(image: bytes, colors: int = 64) -> bytes:
    """The PNG reduced to a palette of ``colors``: a seventh of the bytes, no visible change.

    vl-convert writes 24-bit PNGs with light compression (about 330 KiB for a line chart at
    twice the density); a chart has a few colours and their anti-aliasing, which 64 cover
    (measured: 334 -> 46 KiB for a ratio chart, 395 -> 60 KiB for a rotation graph).
    """
    with Image.open(io.BytesIO(image)) as im:
        reduced = im.convert("RGB").quantize(
            colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def vega_bundle(cache_dir: Path) -> bytes:
    """vega, vega-lite and vega-embed in one file matching Altair's Vega-Lite version.

    Served by the site itself (no CDN). Building it takes seconds, so it is cached per version.
    """
    cached = cache_dir / f"vega-bundle-{VL_VERSION}-vlconvert-{vlc.__version__}.js"
    if not cached.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(vlc.javascript_bundle(vl_version=VL_VERSION), encoding="utf-8")
        tmp.replace(cached)
    return cached.read_bytes()


def figure_files(figures: Iterable[Figure], *, theme: Theme, png: bool = False) -> dict[str, bytes]:
    """Spec and static fallback (and with ``png`` a PNG) of every figure.

    Sequential on purpose: vl-convert serialises conversions internally, so threads only add
    overhead (measured: 2.2 s sequential against 2.7 s with two threads for five charts).
    """
    files: dict[str, bytes] = {}
    for figure in figures:
        files |= chart_files(figure.name, figure.chart, png=png, theme=theme)
    return files
