"""Chart files: each figure's Vega-Lite spec for the live chart, its static SVG fallback and,
for feeds and e-mail, a PNG; plus the vega bundle the site serves itself (no CDN)."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import pickle
import re
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd
import vl_convert as vlc
from altair.utils import schemapi
from PIL import Image

import generator
from generator.charts import checking_specs
from generator.charts import theme as chart_theme
from generator.config import Theme
from generator.errors import BuildError
from generator.export import frame_csv

if TYPE_CHECKING:
    from generator.sections.base import Figure

log = logging.getLogger(__name__)

VL_VERSION = "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
STATIC_WIDTH = 760
EMAIL_WIDTH = 552
"""The width, in CSS pixels, a PNG is laid out for and shown at: a 600 px e-mail less its
margins. The PNG holds twice the pixels (sharp on a phone's screen)."""
PNG_SCALE = 2
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


_VALID: set[str] = set()
"""Digests of the specs this process found valid."""


def chart_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec; checked against the schema when
    :data:`generator.charts.VALIDATE_ENV` is set.

    The check is Altair's own (jsonschema over the whole spec) and takes as long as drawing the
    charts does, so production builds skip it: the tests check every chart the site and the posts
    draw, on the sample and on real data, and a spec that vl-convert cannot render still fails
    the build. A spec already found valid in this process is not checked again.
    """
    with schemapi.debug_mode(False):  # see generator.charts.draw
        spec = chart.to_dict(validate=False)
    if checking_specs():
        shape = _shape(spec)
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
        if digest not in _VALID:
            type(chart).validate(shape)
            _VALID.add(digest)
    return spec


_ROWS_CHECKED = 5


def _shape(spec: Any) -> Any:
    """``spec`` with every inline dataset cut to its first rows: the schema says the same of any
    row (a JSON value), so checking thousands of them costs seconds and finds nothing more."""
    if isinstance(spec, dict):
        return {
            k: {n: rows[:_ROWS_CHECKED] for n, rows in v.items()}
            if k == "datasets" and isinstance(v, dict)
            else v[:_ROWS_CHECKED]
            if k == "values" and isinstance(v, list)
            else _shape(v)
            for k, v in spec.items()
        }
    if isinstance(spec, list):
        return [_shape(v) for v in spec]
    return spec


class ExportCache:
    """Chart specs and their static exports (SVG, PNG) kept by the hash of everything that
    makes them (for a spec, its :func:`figure_recipe`).

    vl-convert takes most of a build's chart time, and most charts are the same from one build
    to the next (a post's charts never change, the site's change once a week). The key covers
    the spec, the theme's config, the output's options and the versions of Vega-Lite and
    vl-convert, so an entry is only ever re-used for the very bytes it was made from. Entries are
    written atomically, touched when used, and those unused for :data:`MAX_AGE_DAYS` are pruned.
    """

    MAX_AGE_DAYS = 30

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "exports"
        self.hits = self.misses = 0

    def get_or_make(self, kind: str, parts: Any, make: Callable[[], bytes]) -> bytes:
        material = json.dumps(
            [kind, VL_VERSION, vlc.__version__, parts], sort_keys=True, separators=(",", ":")
        )
        digest = hashlib.sha256(material.encode()).hexdigest()
        path = self.folder / digest[:2] / f"{digest}.{kind}"
        try:
            data = path.read_bytes()
            os.utime(path)
            self.hits += 1
            return data
        except OSError:
            pass
        data = make()
        self.misses += 1
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                f.write(data)
            os.replace(f.name, path)
        except OSError as exc:  # a read-only or full cache costs time, never the build
            log.debug("chart export not cached: %s", exc)
        return data

    def prune(self, now: float | None = None) -> int:
        """Remove entries unused for :data:`MAX_AGE_DAYS` (and temporary files); return how
        many."""
        cutoff = (now or time.time()) - self.MAX_AGE_DAYS * 86400
        removed = 0
        for path in self.folder.glob("*/*"):
            try:
                if path.suffix == ".tmp" or path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def chart_files(
    name: str,
    chart: alt.TopLevelMixin,
    *,
    png: bool = False,
    theme: Theme = chart_theme.DEFAULT,
    cache: ExportCache | None = None,
) -> dict[str, bytes]:
    """The spec of the live chart and its static SVG fallback; with ``png``, also a PNG
    (:func:`spec_files` of the chart's spec)."""
    return spec_files(name, chart_spec(chart), png=png, theme=theme, cache=cache)


def spec_files(
    name: str,
    spec: dict[str, Any],
    *,
    png: bool = False,
    theme: Theme = chart_theme.DEFAULT,
    cache: ExportCache | None = None,
) -> dict[str, bytes]:
    """The spec of the live chart and its static SVG fallback; with ``png``, also a PNG.

    The PNG is for where neither SVG nor JavaScript can go: feed readers and e-mail clients.
    ``theme`` gives the text and line colours of the SVG and the PNG; the spec carries none (the
    live chart takes them from ``assets/chart-theme.json`` for the reader's scheme). With a
    ``cache``, an export made before from the same spec and theme is re-used.
    """
    spec = {**spec, **{k: local_dates(spec[k]) for k in ("datasets", "data") if k in spec}}
    still = without_hover(spec)
    static = {**still, "width": STATIC_WIDTH}
    options = {"vl_version": VL_VERSION, "allowed_base_urls": []}

    def export(kind: str, config: dict[str, Any], make: Callable[[], bytes]) -> bytes:
        if cache is None:
            return make()
        return cache.get_or_make(kind, [static, config], make)

    try:
        svg_config = chart_theme.fallback_config(theme)
        files = {
            f"charts/{name}.vl.json": json.dumps(spec, separators=(",", ":")).encode(),
            f"charts/{name}.svg": export(
                "svg",
                svg_config,
                lambda: vlc.vegalite_to_svg(static, config=svg_config, **options).encode(),
            ),
        }
        if png:
            png_config = chart_theme.png_config(theme)
            narrow = email_spec(still)
            files[f"charts/{name}.png"] = export(
                "png",
                [narrow, png_config],
                lambda: small_png(
                    vlc.vegalite_to_png(narrow, scale=PNG_SCALE, config=png_config, **options)
                ),
            )
    except ValueError as exc:
        # vl-convert's message carries the JavaScript stack: its first line says what failed.
        reason = next((line for line in str(exc).splitlines() if line.startswith("Error")), "")
        reason = reason or str(exc).strip().splitlines()[0]
        raise BuildError(f"chart {name}: Vega-Lite could not render it ({reason})") from None
    return files


def without_hover(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without what only a pointer uses: its hover selections and the layers they
    draw (:func:`generator.charts.crosshair`), for the static images.

    An image cannot be hovered, and a crosshair's invisible layer holds a Voronoi cell per
    session: measured on a 512-session ratio chart, it made the SVG 267 KB instead of 39 KB and
    took 0.55 s of the PNG's 0.65 s, for the same pixels.
    """
    selections = [param for param in spec.get("params", ()) if "select" in param]
    views = {view for param in selections for view in param.get("views", ())}
    if not views:
        return spec

    def strip(node: Any) -> Any:
        if isinstance(node, list):
            return [strip(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {
            key: value if key in ("data", "datasets", "values") else strip(value)
            for key, value in node.items()
        }
        if isinstance(out.get("layer"), list):
            out["layer"] = [layer for layer in out["layer"] if layer.get("name") not in views]
        return out

    out = strip({key: value for key, value in spec.items() if key != "params"})
    if kept := [param for param in spec["params"] if "select" not in param]:
        out["params"] = kept
    return out


def email_spec(spec: dict[str, Any], width: int = EMAIL_WIDTH) -> dict[str, Any]:
    """``spec`` laid out ``width`` pixels wide in all (axes and legend included), for the PNG a
    mailer or feed reader shows at that width, so that its text (at least
    :data:`~generator.charts.theme.EMAIL_TEXT_SIZE`) is shown at its size, never scaled down.
    Subtitles wrap at their `` · `` separators, a chart marked square in its usermeta keeps a
    square plot, and any text mark set smaller is raised. Side-by-side panels keep their layout
    (a post draws none).
    """
    minimum = chart_theme.EMAIL_TEXT_SIZE
    out = _raise_font_sizes(spec, minimum)
    if any(key in out for key in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        return {**out, "width": STATIC_WIDTH}
    out["width"] = width
    out["autosize"] = {"type": "fit-x", "contains": "padding"}
    if (spec.get("usermeta") or {}).get("square"):
        out["height"] = width - 80  # the plot about as tall as it is wide, beside its y axis
    if "layer" in out:
        out["layer"] = [{k: v for k, v in layer.items() if k != "width"} for layer in out["layer"]]
    if isinstance(out.get("title"), dict) and out["title"].get("subtitle"):
        fits = width * 10 // (minimum * 6)  # characters of about 0.6 em
        out["title"] = {**out["title"], "subtitle": wrap_lines(out["title"]["subtitle"], fits)}
    return out


def _raise_font_sizes(node: Any, minimum: int) -> Any:
    """A copy of a spec with every ``fontSize`` below ``minimum`` raised to it (data kept as is)."""
    if isinstance(node, dict):
        return {
            key: value
            if key in ("data", "datasets", "values")
            else max(value, minimum)
            if key == "fontSize" and isinstance(value, int | float)
            else _raise_font_sizes(value, minimum)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_raise_font_sizes(value, minimum) for value in node]
    return node


def wrap_lines(lines: str | list[str], fits: int) -> list[str]:
    """Lines of at most ``fits`` characters: each broken at its `` · `` separators first, then a
    part still too long at its spaces (as ``assets/charts.js`` wraps a live chart's subtitle)."""
    out: list[str] = []
    for line in [lines] if isinstance(lines, str) else lines:
        current = ""
        for part in str(line).split(" · "):
            joined = f"{current} · {part}" if current else part
            if len(joined) <= fits:
                current = joined
                continue
            if current:
                out.append(current + " ·")
            pieces = textwrap.wrap(part, fits) or [""]
            out.extend(pieces[:-1])
            current = pieces[-1]
        if current:
            out.append(current)
    return out


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


def figure_files(
    figures: Iterable[Figure],
    *,
    theme: Theme,
    png: bool = False,
    tables: bool = False,
    cache: ExportCache | None = None,
) -> dict[str, bytes]:
    """Spec and static fallback (and with ``png`` a PNG) of every figure; with ``tables``, its
    data as ``charts/<name>.csv`` too (the site's charts link theirs; a weekly post's files stay
    as its format made them).

    Sequential on purpose: vl-convert serialises conversions internally, so threads only add
    overhead (measured: 2.2 s sequential against 2.7 s with two threads for five charts).
    """
    files: dict[str, bytes] = {}
    for figure in figures:
        if tables and figure.table is not None:
            files[f"charts/{figure.csv}"] = frame_csv(figure.table())
        recipe = None if cache is None else figure_recipe(figure.draw)
        if recipe is None:
            spec = chart_spec(figure.chart)
        else:
            made = cache.get_or_make("spec", recipe, lambda f=figure: _spec_bytes(f.chart))
            spec = json.loads(made)
        files |= spec_files(figure.name, spec, png=png, theme=theme, cache=cache)
    return files


def _spec_bytes(chart: alt.TopLevelMixin) -> bytes:
    return json.dumps(chart_spec(chart), separators=(",", ":")).encode()


@functools.cache
def _code_digest() -> str:
    """A digest of the generator's own source and the versions of the libraries that shape a
    spec: any change to either makes every cached spec a miss."""
    digest = hashlib.sha256(f"{alt.__version__} {pd.__version__}".encode())
    package = Path(generator.__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def figure_recipe(draw: Callable[[], alt.TopLevelMixin]) -> str | None:
    """What a figure's spec is made from, as a digest: the chart function (named, and by the
    generator's source), its arguments (pickled: data frames, parameters, the theme) and whether
    specs are being checked; ``None`` when that cannot be told (not a :func:`functools.partial`
    of a module-level function, or arguments that do not pickle), and the chart is then drawn.

    Drawing a site's charts with Altair takes seconds, mostly in its deep copies of the chart
    objects, and the same data draw the same spec: a rebuild after a template or config edit,
    a post rebuilt for the feed, and the tests' many builds of the sample site re-use them. A
    difference of pickling only costs a miss, never a wrong hit: equal bytes are equal inputs.
    """
    if not isinstance(draw, functools.partial) or "<locals>" in draw.func.__qualname__:
        return None
    try:
        material = pickle.dumps(
            (
                draw.func.__module__,
                draw.func.__qualname__,
                draw.args,
                sorted(draw.keywords.items()),
            ),
            protocol=5,
        )
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    digest = hashlib.sha256(material)
    digest.update(f"{_code_digest()} checked={checking_specs()}".encode())
    return digest.hexdigest()
