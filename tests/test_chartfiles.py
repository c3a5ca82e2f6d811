"""Chart exports: the static SVG/PNG of a spec is made once and re-used by content."""

from __future__ import annotations

import functools
import io
import json
import os
import time

import altair as alt
import pandas as pd
import pytest
from jsonschema import ValidationError
from PIL import Image

from generator import chartfiles
from generator.chartfiles import (
    EMAIL_WIDTH,
    PNG_SCALE,
    ExportCache,
    chart_files,
    chart_spec,
    email_spec,
    figure_files,
    figure_recipe,
    spec_files,
    without_hover,
    wrap_lines,
)
from generator.charts import VALIDATE_ENV, crosshair, draw
from generator.charts import theme as chart_theme
from generator.sections.base import Figure


def line(values: list[float]) -> alt.Chart:
    data = pd.DataFrame({"date": ["2026-01-05", "2026-01-06", "2026-01-07"], "v": values})
    return alt.Chart(data).mark_line().encode(x="date:T", y="v:Q")


def test_an_export_is_made_once_and_reused_for_the_same_spec_and_theme(tmp_path):
    cache = ExportCache(tmp_path)
    first = chart_files("a", line([1, 2, 3]), png=True, cache=cache)
    assert (cache.hits, cache.misses) == (0, 2)
    again = chart_files("b", line([1, 2, 3]), png=True, cache=cache)
    assert (cache.hits, cache.misses) == (2, 2)
    assert again["charts/b.svg"] == first["charts/a.svg"]
    assert again["charts/b.png"] == first["charts/a.png"]
    assert first == chart_files("a", line([1, 2, 3]), png=True)  # the same bytes as uncached


def test_another_spec_or_theme_is_another_export(tmp_path):
    cache = ExportCache(tmp_path)
    plain = chart_files("a", line([1, 2, 3]), cache=cache)["charts/a.svg"]
    other = chart_files("a", line([1, 2, 4]), cache=cache)["charts/a.svg"]
    dark = chart_theme.DEFAULT.model_copy(update={"primary": "#123456"})
    themed = chart_files("a", line([1, 2, 3]), theme=dark, cache=cache)["charts/a.svg"]
    assert (cache.hits, cache.misses) == (0, 3)
    assert len({plain, other, themed}) == 3


def test_the_stand_in_exporter_keeps_what_byte_for_byte_checks_need(tmp_path):
    """The tests' stand-in for vl-convert (tests_support.StandInExporter): the same spec and theme
    give the same bytes, another spec or theme other bytes, its PNG is a PNG, and the cache never
    serves its images to a build that uses vl-convert itself (nor the other way round)."""
    from tests_support import stand_in_exports

    cache = ExportCache(tmp_path)
    real = chart_files("a", line([1, 2, 3]), png=True, cache=cache)
    with stand_in_exports():
        stand_in = chart_files("a", line([1, 2, 3]), png=True, cache=cache)
        assert (cache.hits, cache.misses) == (0, 4)
        assert stand_in["charts/a.svg"] != real["charts/a.svg"]
        assert stand_in == chart_files("a", line([1, 2, 3]), png=True, cache=cache)
        other = chart_files("a", line([1, 2, 4]), png=True, cache=cache)
        dark = chart_theme.DEFAULT.model_copy(update={"primary": "#123456"})
        themed = chart_files("a", line([1, 2, 3]), png=True, theme=dark, cache=cache)
        for kind in ("svg", "png"):
            images = {
                stand_in[f"charts/a.{kind}"],
                other[f"charts/a.{kind}"],
                themed[f"charts/a.{kind}"],
            }
            assert len(images) == 3, kind
        with Image.open(io.BytesIO(stand_in["charts/a.png"])) as image:
            assert image.format == "PNG"
    assert chart_files("a", line([1, 2, 3]), png=True, cache=cache) == real


def hovered_lines(days: int = 60) -> alt.LayerChart:
    """Two lines and their crosshair, as the site's line charts are drawn."""
    dates = pd.bdate_range("2026-01-05", periods=days).strftime("%Y-%m-%d")
    data = pd.DataFrame({"date": dates, "a": range(days), "b": range(days, 0, -1)})
    lines = (
        alt.Chart(data)
        .transform_fold(["a", "b"], as_=["key", "value"])
        .mark_line()
        .encode(x="date:T", y="value:Q", color="key:N")
    )
    hover = crosshair(data, {"a": ("A", ".1f"), "b": ("B", ".1f")}, theme=chart_theme.DEFAULT)
    return alt.layer(lines, hover)


def test_static_images_leave_out_the_crosshair_and_show_the_same_pixels():
    """What only a pointer uses (the hover selection, its rule and Voronoi cells) is not in the
    static SVG and PNG; the lines are, and the PNG's pixels are those of the whole spec."""
    spec = chart_spec(hovered_lines())
    still = without_hover(spec)
    assert "params" not in still
    assert [layer["mark"]["type"] for layer in still["layer"]] == ["line"]
    assert spec["params"][0]["select"]["nearest"] is True  # the live chart's spec is untouched
    files = spec_files("a", spec, png=True)
    assert "voronoi" not in files["charts/a.svg"].decode()
    assert "role-mark" in files["charts/a.svg"].decode()
    assert json.loads(files["charts/a.vl.json"])["params"] == spec["params"]
    variable = {"name": "other", "value": 1}  # a parameter that is not a selection stays
    kept = without_hover(spec | {"params": [variable, *spec["params"]]})
    assert kept["params"] == [variable]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chartfiles, "without_hover", lambda spec: spec)
        assert "voronoi" in spec_files("a", spec)["charts/a.svg"].decode()
        assert spec_files("a", spec, png=True)["charts/a.png"] == files["charts/a.png"]


def test_unused_entries_are_pruned_and_used_ones_kept(tmp_path):
    cache = ExportCache(tmp_path)
    chart_files("a", line([1, 2, 3]), cache=cache)
    chart_files("b", line([3, 2, 1]), cache=cache)
    old, recent = sorted(cache.folder.glob("*/*.svg"))
    stale = time.time() - (ExportCache.MAX_AGE_DAYS + 1) * 86400
    os.utime(old, (stale, stale))
    (old.parent / "x.tmp").write_bytes(b"half")
    assert cache.prune() == 2
    assert sorted(cache.folder.glob("*/*")) == [recent]


def test_a_cache_that_cannot_be_written_costs_time_not_the_build(tmp_path):
    (tmp_path / "exports").write_text("a file where the folder should be")
    cache = ExportCache(tmp_path)
    files = chart_files("a", line([1, 2, 3]), cache=cache)
    assert files["charts/a.svg"].startswith(b"<svg")
    assert cache.misses == 1


def test_a_spec_against_the_schema_fails_where_specs_are_checked(monkeypatch):
    """Drawing skips Altair's checks of every object; the whole spec is checked instead, once,
    with its datasets cut to their first rows (their rows are any JSON to the schema)."""
    data = pd.DataFrame({"a": range(100), "b": range(100)})
    bad = draw(lambda: alt.Chart(data).mark_point().encode(x=alt.X("a:Q", bin="often")))
    monkeypatch.setenv(VALIDATE_ENV, "0")
    assert chart_spec(bad)["encoding"]["x"]["bin"] == "often"
    monkeypatch.setenv(VALIDATE_ENV, "1")
    with pytest.raises(ValidationError, match="often"):
        chart_spec(bad)
    good = chart_spec(draw(lambda: alt.Chart(data).mark_point().encode(x="a:Q", y="b:Q")))
    (rows,) = good["datasets"].values()
    assert len(rows) == 100


def series_line(values: list[float], *, title: str = "") -> alt.Chart:
    """A chart function at module level, as the sections' are."""
    return line(values).properties(title=title)


def test_a_figure_drawn_from_the_same_recipe_is_not_drawn_again(tmp_path, monkeypatch):
    cache = ExportCache(tmp_path)
    calls = []

    def figure(values: list[float], title: str = "t") -> Figure:
        calls.append(values)
        return Figure("a", "a line", functools.partial(series_line, values, title=title))

    first = figure_files([figure([1, 2, 3])], theme=chart_theme.DEFAULT, cache=cache)
    drawn = []
    monkeypatch.setattr(Figure, "chart", property(lambda f: drawn.append(f) or f.draw()))
    again = figure_files([figure([1, 2, 3])], theme=chart_theme.DEFAULT, cache=cache)
    assert again == first == figure_files([figure([1, 2, 3])], theme=chart_theme.DEFAULT)
    assert len(drawn) == 1  # only the uncached call above drew it
    figure_files([figure([1, 2, 4])], theme=chart_theme.DEFAULT, cache=cache)
    figure_files([figure([1, 2, 3], title="u")], theme=chart_theme.DEFAULT, cache=cache)
    assert len(drawn) == 3  # another argument is another recipe


def test_a_recipe_needs_a_partial_of_a_module_function_with_arguments_that_pickle():
    recipe = figure_recipe(functools.partial(series_line, [1, 2, 3], title="t"))
    assert recipe == figure_recipe(functools.partial(series_line, [1, 2, 3], title="t"))
    assert recipe != figure_recipe(functools.partial(series_line, [1, 2, 3], title="u"))
    assert figure_recipe(lambda: series_line([1, 2, 3])) is None

    def local(values: list[float]) -> alt.Chart:
        return line(values)

    assert figure_recipe(functools.partial(local, [1, 2, 3])) is None
    assert figure_recipe(functools.partial(series_line, [1, 2, lambda: 3])) is None


def test_the_email_png_is_laid_out_at_the_width_it_is_shown_with_text_of_12_px():
    spec = {
        "title": {"text": "T", "subtitle": "Total return from adjusted closes · as of 2026-11-20"},
        "usermeta": {"square": True},
        "width": 680,
        "layer": [{"mark": {"type": "text", "fontSize": 9}, "width": 680}, {"mark": "line"}],
        "datasets": {"d": [{"fontSize": 1}]},
    }
    out = email_spec(spec, width=300)
    assert out["width"] == 300
    assert out["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert out["height"] == 220  # a square plot beside its y axis
    assert [layer.get("width") for layer in out["layer"]] == [None, None]
    assert out["layer"][0]["mark"]["fontSize"] == chart_theme.EMAIL_TEXT_SIZE
    assert out["datasets"] == spec["datasets"]  # data is never touched
    assert out["title"]["subtitle"] == ["Total return from adjusted closes ·", "as of 2026-11-20"]
    assert spec["width"] == 680
    assert spec["layer"][0]["width"] == 680


def test_the_email_png_is_twice_the_pixels_of_its_width():
    files = chart_files("a", line([1, 2, 3]), png=True)
    with Image.open(io.BytesIO(files["charts/a.png"])) as image:
        assert image.width == PNG_SCALE * EMAIL_WIDTH


def test_lines_wrap_at_separators_then_at_spaces():
    assert wrap_lines("aaa · bbb · ccc", 9) == ["aaa · bbb ·", "ccc"]
    assert wrap_lines(["one two three four", "x"], 9) == ["one two", "three", "four", "x"]
    assert wrap_lines("short", 9) == ["short"]


def test_a_figures_table_is_written_beside_its_chart_for_the_site_only():
    """With ``tables`` (the site) a figure's data is ``charts/<name>.csv``, as
    :func:`generator.export.frame_csv` writes it; without (a weekly post) there is none; the
    chart's own files are the same bytes either way, and its table is not made until asked."""
    made = []

    def table() -> pd.DataFrame:
        made.append(1)
        return pd.DataFrame(
            {"date": ["2026-01-05", "2026-01-06"], "A / B (start = 100)": [100.0, 101.5]}
        )

    figure = Figure("a", "a line", functools.partial(series_line, [1, 2, 3]), table=table)
    assert figure.ref.csv == "a.csv"
    assert made == []
    site = figure_files([figure], theme=chart_theme.DEFAULT, tables=True)
    post = figure_files([figure], theme=chart_theme.DEFAULT)
    assert set(site) == {"charts/a.vl.json", "charts/a.svg", "charts/a.csv"}
    assert set(post) == {"charts/a.vl.json", "charts/a.svg"}
    assert {k: v for k, v in site.items() if k in post} == post
    assert site["charts/a.csv"] == b"date,A / B (start = 100)\n2026-01-05,100.0\n2026-01-06,101.5\n"
    assert made == [1]
    plain = Figure("b", "no table", functools.partial(series_line, [1, 2, 3]))
    assert plain.ref.csv == ""
    assert set(figure_files([plain], theme=chart_theme.DEFAULT, tables=True)) == {
        "charts/b.vl.json",
        "charts/b.svg",
    }
