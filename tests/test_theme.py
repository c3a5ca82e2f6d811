"""The chart theme: configured in rotation.yml, validated, and found in every chart it colours."""

from __future__ import annotations

import functools
import io
import itertools
import json
import math
import re

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from generator import chartfiles, render
from generator.charts import theme as chart_theme
from generator.charts.theme import (
    DEFAULT,
    assign_colors,
    balanced_blend,
    colors_of,
    contrast,
    legibility,
)
from generator.config import Theme, load_config
from generator.errors import ConfigError
from tests_support import FIXTURE_CONFIG, REPO, sample_report, snapshot_of

CUSTOM = {
    "primary": "#aa3377",
    "accent": "#117733",
    "neutral": "#777788",
    "series": ["#332288", "#44aa99", "#999933", "#cc6677", "#882255", "#6699cc"],
    "light": {"text": "#101820", "muted": "#505a64", "background": "#fafafa"},
    "dark": {"text": "#e8e0d0", "background": "#202020"},
}
HEX = re.compile(r"#[0-9a-f]{6}\b")
OLD_BRAND = {"#2f6fd0", "#e0861a"}
"""The blue and orange the charts hard-coded before the theme existed."""


def config_with(tmp_path, theme: object):
    data = yaml.safe_load(FIXTURE_CONFIG.read_text())
    data["theme"] = theme
    for item in data["breadth"]["lists"]:
        item["file"] = str((REPO / item["file"]).resolve())
    path = tmp_path / "rotation.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def theme_problems(tmp_path, theme: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(config_with(tmp_path, theme))
    return info.value.problems


THEMES = {"default": DEFAULT, "custom": Theme.model_validate(CUSTOM)}


@functools.cache
def chart_specs(name: str) -> dict[str, dict]:
    """Every chart spec of the sample site drawn in ``THEMES[name]``, by file name (drawn once
    for the tests of this file: a few seconds per theme)."""
    config = load_config(FIXTURE_CONFIG).model_copy(update={"theme": THEMES[name]})
    report = sample_report(config, as_of=pd.Timestamp("2026-07-31"))
    _, figures = snapshot_of(report).present()
    return {f.name: chartfiles.chart_spec(f.chart) for f in figures}


def chart_colours(name: str) -> dict[str, set[str]]:
    """Every hex colour in every chart spec of the sample site drawn in ``THEMES[name]``."""
    return {f: set(HEX.findall(json.dumps(spec))) for f, spec in chart_specs(name).items()}


# --- the config


def test_theme_is_optional_and_defaults_to_the_site_palette(tmp_path):
    data = yaml.safe_load(FIXTURE_CONFIG.read_text())
    data.pop("theme", None)
    path = tmp_path / "rotation.yml"
    path.write_text(yaml.safe_dump(data))
    assert load_config(path).theme == DEFAULT
    assert load_config(FIXTURE_CONFIG).theme == DEFAULT, "rotation.yml spells out the defaults"


def test_configured_colours_are_read_and_normalised(tmp_path):
    theme = load_config(
        config_with(tmp_path, {"primary": "#AB3", "dark": {"text": "#E8E0D0"}})
    ).theme
    assert theme.primary == "#aabb33"
    assert theme.dark.text == "#e8e0d0"
    assert theme.dark.grid == DEFAULT.dark.grid, "an unset key of a scheme keeps its default"
    assert theme.light == DEFAULT.light
    assert theme.palette[:2] == ("#aabb33", DEFAULT.accent)


@pytest.mark.parametrize(
    ("theme", "expected"),
    [
        (
            {"light": {"text": "red"}},
            "theme.light.text: 'red' is not a hex colour (#rrggbb or #rgb, e.g. #3f51b5)",
        ),
        ({"accent": "#12345"}, "theme.accent: '#12345' is not a hex colour"),
        ({"series": ["#123456", "blue"]}, "theme.series[1]: 'blue' is not a hex colour"),
        # `primary: #5d6cc0` unquoted: YAML reads a comment, the key arrives empty.
        ({"primary": None}, 'theme.primary: no colour: write it in quotes, e.g. "#5d6cc0"'),
        ({"series": []}, "theme.series: "),
        ({"dark": {"txt": "#ffffff"}}, "theme.dark.txt: unknown key (did you mean 'text'?)"),
    ],
)
def test_invalid_colour_names_the_key(tmp_path, theme, expected):
    found = theme_problems(tmp_path, theme)
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_unquoted_colour_in_yaml_is_explained(tmp_path):
    path = config_with(tmp_path, {})
    path.write_text(path.read_text().replace("theme: {}", "theme:\n  primary: #5d6cc0\n"))
    with pytest.raises(ConfigError, match=r"theme\.primary: no colour: write it in quotes"):
        load_config(path)


# --- the colours themselves


def test_default_theme_is_legible_on_both_schemes():
    assert legibility(DEFAULT) == []
    for scheme in (DEFAULT.light, DEFAULT.dark):
        assert contrast(scheme.text, scheme.background) >= 7.0
        assert contrast(scheme.muted, scheme.background) >= 4.5
    assert len(set(DEFAULT.palette)) == len(DEFAULT.palette) >= 13
    assert len(set(DEFAULT.series)) >= 11, "a rotation graph of the 11 sectors in 11 colours"


def _lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour: the space where distance is how different colours look."""
    linear = [c / 255 for c in (int(colour[i : i + 2], 16) for i in (1, 3, 5))]
    r, g, b = (((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in linear)
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def test_default_colours_are_told_apart_and_no_symbol_looks_like_a_role():
    """Every default data colour is at least 18 CIE76 units from every other (about a step of
    a categorical palette; the grey series colour the palette had was 5.5 from the neutral), so
    a symbol's line is not read as a reference line or an average. (The blue it had, 19.9 from
    the primary indigo, passed this bound but was the same hue: it went for a green.)"""
    colours = {"primary": DEFAULT.primary, "accent": DEFAULT.accent, "neutral": DEFAULT.neutral}
    colours |= {f"series[{i}]": c for i, c in enumerate(DEFAULT.series)}
    close = [
        (a, b, round(math.dist(_lab(colours[a]), _lab(colours[b])), 1))
        for a, b in itertools.combinations(colours, 2)
        if math.dist(_lab(colours[a]), _lab(colours[b])) < 18
    ]
    assert close == []
    assert math.dist(_lab("#8a8f98"), _lab("#8c8c8c")) < 18  # the check catches the old grey


def test_legibility_names_each_colour_lost_on_a_background():
    pale = DEFAULT.model_copy(update={"series": ("#ffeb3b", "#2ca02c"), "accent": "#202530"})
    problems = legibility(pale)
    assert len(problems) == 2, problems
    assert problems[0].startswith("theme.accent: #202530 has a contrast of 1.")
    assert "on the dark background #1e2129" in problems[0]
    assert problems[1].startswith("theme.series[0]: #ffeb3b has a contrast of 1.")
    assert "on the light background #ffffff" in problems[1]


@pytest.mark.parametrize(
    ("a", "b", "on_a", "on_b"),
    [
        (DEFAULT.light.text, DEFAULT.dark.text, DEFAULT.light.background, DEFAULT.dark.background),
        ("#000000", "#ffffff", "#ffffff", "#000000"),
        ("#101820", "#e8e0d0", "#fafafa", "#202020"),
    ],
)
def test_fallback_ink_has_the_same_contrast_on_both_backgrounds(a, b, on_a, on_b):
    ink = balanced_blend(a, b, on_a, on_b)
    assert contrast(ink, on_a) == pytest.approx(contrast(ink, on_b), rel=0.03)
    assert contrast(ink, on_a) >= 3.0


# --- where the theme goes


def test_every_brand_colour_of_every_chart_comes_from_the_theme():
    default, custom, theme = chart_colours("default"), chart_colours("custom"), THEMES["custom"]
    assert set(default) == set(custom)
    brand = {DEFAULT.primary, DEFAULT.accent, DEFAULT.neutral, *DEFAULT.series}
    for name, colours in custom.items():
        assert not colours & (brand | OLD_BRAND), f"{name}: default colours left in a themed chart"
    themed = [name for name, colours in default.items() if colours & {DEFAULT.primary}]
    for name in themed:
        assert theme.primary in custom[name], name
    assert {"ratio-iwn-vs-iwf", "breadth-equal-weight", "watchlist", "history-ratio"} <= set(themed)
    assert {"history-drawdown", "rates-yields"} <= set(themed)
    ratio = custom["ratio-iwn-vs-iwf"]
    assert {theme.primary, theme.accent, theme.neutral} <= ratio
    assert set(theme.series) <= custom["rrg-sectors"], "11 sectors take all 6 series colours"
    assert set(theme.series[:3]) <= custom["risk-volatility"]


def test_text_colours_are_not_in_specs_but_in_the_theme_file():
    """Text and grid colours depend on the reader's scheme: the live chart takes them from
    assets/chart-theme.json, never from its spec (which serves both schemes)."""
    custom, theme = chart_colours("custom"), THEMES["custom"]
    scheme_colours = {theme.light.text, theme.light.muted, theme.dark.text}
    assert not any(colours & scheme_colours for colours in custom.values())
    document = json.loads(chart_theme.theme_file(theme))
    assert document["light"]["axis"]["labelColor"] == "#101820"
    assert document["light"]["title"]["subtitleColor"] == "#505a64"
    assert document["dark"]["axis"]["labelColor"] == "#e8e0d0"
    assert document["dark"]["axis"]["gridColor"] == DEFAULT.dark.grid
    assert document["light"]["range"]["category"][:3] == ["#aa3377", "#117733", "#332288"]
    assert document["light"]["background"] == document["dark"]["background"] == "transparent"


def test_site_files_publish_the_configured_theme(tmp_path):
    config = load_config(config_with(tmp_path, CUSTOM))
    report = sample_report(config)
    snap = snapshot_of(report, members={}, only=())
    files = render.site_files(snap, cache_dir=REPO / ".cache")
    published = json.loads(files[chartfiles.CHART_THEME])
    assert published == json.loads(chart_theme.theme_file(config.theme))
    assert published["dark"]["title"]["color"] == "#e8e0d0"


def test_static_images_use_the_theme_for_both_backgrounds():
    import altair as alt

    theme = Theme.model_validate(CUSTOM)
    frame = pd.DataFrame({"date": ["2026-07-30", "2026-07-31"], "v": [1.0, 2.0]})
    chart = alt.Chart(frame).mark_line().encode(x="date:T", y="v:Q").properties(title="T")
    files = chartfiles.chart_files("t", chart, png=True, theme=theme)
    svg = files["charts/t.svg"].decode()
    ink = chart_theme.fallback_config(theme)["axis"]["labelColor"]
    assert ink == balanced_blend("#101820", "#e8e0d0", "#fafafa", "#202020")
    assert f'fill="{ink}"' in svg
    assert "#101820" not in svg, "the SVG serves the dark page too: no light-only ink"
    with Image.open(io.BytesIO(files["charts/t.png"])) as image:
        corner = image.convert("RGB").getpixel((1, 1))
    assert corner == (0xFA, 0xFA, 0xFA), "PNGs for mail and feeds are drawn on light.background"


# --- one colour per symbol

SYMBOLS = st.lists(st.sampled_from("ABCDEFGHIJKL"), min_size=1, max_size=6, unique=True)


@given(groups=st.lists(SYMBOLS, min_size=1, max_size=6))
def test_symbols_of_one_chart_differ_while_the_palette_has_room(groups):
    palette = ("#000001", "#000002", "#000003", "#000004", "#000005", "#000006")
    colors = assign_colors(groups, palette)
    assert set(colors) == {s for g in groups for s in g}
    assert set(colors.values()) <= set(palette)
    beside = {s: {t for g in groups if s in g for t in g} - {s} for s in colors}
    if max(map(len, beside.values())) < len(palette):
        for group in groups:
            assert len({colors[s] for s in group}) == len(group), (group, colors)
    assert assign_colors(groups, palette) == colors, "the same groups, the same colours"


def test_a_chart_of_more_symbols_than_colours_reuses_the_least_used():
    colors = assign_colors([("A", "B", "C", "D", "E")], ("#000001", "#000002"))
    assert list(colors.values()) == ["#000001", "#000002", "#000001", "#000002", "#000001"]


def test_a_symbol_without_a_site_colour_takes_the_series_in_order():
    assert colors_of(["X", "Y"], {"Y": "#123456"}, DEFAULT) == [DEFAULT.series[0], "#123456"]
    assert colors_of(["X", "Y"], None, DEFAULT) == list(DEFAULT.series[:2])


def symbol_colours(spec: object) -> list[tuple[str, str]]:
    """Every (domain value, colour) pair of the colour scales in ``spec``."""
    found: list[tuple[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            scale = node.get("scale") if node.get("field") in {"symbol", "series"} else None
            if isinstance(scale, dict) and "domain" in scale and "range" in scale:
                found.extend(zip(scale["domain"], scale["range"], strict=False))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_each_symbol_has_one_colour_on_every_chart_of_the_site():
    """IWN was orange on Risk, gold on the size-and-style graph; now one colour everywhere, and
    never a colour that means a ratio, an average or a reference line."""
    symbols = load_config(FIXTURE_CONFIG).symbols
    seen: dict[str, set[str]] = {}
    where: dict[str, set[str]] = {}
    for name, spec in chart_specs("default").items():
        for label, colour in symbol_colours(spec):
            if label in symbols:
                seen.setdefault(label, set()).add(colour)
                where.setdefault(label, set()).add(name)
    assert {s: c for s, c in seen.items() if len(c) > 1} == {}
    assert {"risk-volatility", "risk-beta", "rrg-size-and-style"} <= where["IWN"]
    assert seen["IWN"] == {DEFAULT.series[0]}
    assert seen["IWF"] == {DEFAULT.series[1]}
    roles = {DEFAULT.primary, DEFAULT.accent, DEFAULT.neutral}
    assert not set().union(*seen.values()) & roles
    assert len(seen) >= 25, sorted(seen)
