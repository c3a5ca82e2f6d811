"""Tests of the style box: grid reshaping with explicit n/a cells, the spreads, the heatmap.

Expected numbers are worked out by hand from the small frames below, never with the functions
under test.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import metrics
from generator.chartfiles import chart_files
from generator.charts import BASIS
from generator.charts.stylebox import cell_label, stylebox_chart, stylebox_table
from generator.config import PRESET_TITLES, PRESETS, RUSSELL, SP, VANGUARD
from generator.formatting import fmt_pct
from generator.frame import tidy
from generator.metrics.stylebox import (
    DIAGONAL,
    OVERALL,
    SIZES,
    SMALL_MINUS_LARGE,
    STYLES,
    VALUE_MINUS_GROWTH,
    check_grid,
    style_grid,
    style_spreads,
    symbols_of,
)
from generator.sections.stylebox import stylebox_summary
from generator.sources.csvdir import load_csv_dir
from generator.sources.sample import sample_prices
from tests_support import (
    as_drawn,
    chart_rows,
    csv_rows,
    figure_named,
    plain,
    sample_report,
    sig6,
    snapshot_of,
)

NAN = math.nan
FAST = settings(max_examples=30, deadline=None)
AS_OF = pd.Timestamp("2026-07-31")
IWS_REASON = "no file /data/prices/IWS.csv"

# Russell returns by hand (fractions); IWS is absent (as in the real data), IWR too young for 1Y.
HAND = pd.DataFrame(
    {
        "YTD": {
            "IWD": 0.20,
            "IWB": 0.10,
            "IWF": 0.00,
            "IWR": 0.14,
            "IWP": 0.02,
            "IWN": 0.23,
            "IWM": 0.19,
            "IWO": 0.15,
        },
        "1Y": {
            "IWD": 0.30,
            "IWB": 0.18,
            "IWF": 0.08,
            "IWR": NAN,
            "IWP": -0.03,
            "IWN": 0.40,
            "IWM": 0.34,
            "IWO": 0.28,
        },
    }
)


def cell(grid: pd.DataFrame, symbol: str, period: str) -> pd.Series:
    rows = grid[(grid["symbol"] == symbol) & (grid["period"] == period)]
    assert len(rows) == 1
    return rows.iloc[0]


def spread(table: pd.DataFrame, name: str, scope: str, period: str) -> pd.Series:
    rows = table[
        (table["spread"] == name) & (table["scope"] == scope) & (table["period"] == period)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------
# presets
# ---------------------------------------------------------------------------------------------


def test_presets_are_three_by_three_grids_of_distinct_funds() -> None:
    assert RUSSELL == (("IWD", "IWB", "IWF"), ("IWS", "IWR", "IWP"), ("IWN", "IWM", "IWO"))
    assert SP == (("IVE", "IVV", "IVW"), ("IJJ", "IJH", "IJK"), ("IJS", "IJR", "IJT"))
    assert VANGUARD == (("VTV", "VV", "VUG"), ("VOE", "VO", "VOT"), ("VBR", "VB", "VBK"))
    assert set(PRESETS) == {"russell", "sp", "vanguard"}  # the config's preset names
    assert set(PRESET_TITLES) == set(PRESETS)
    for grid in PRESETS.values():
        assert len(set(symbols_of(grid))) == 9
    assert SIZES == ("Large", "Mid", "Small")
    assert STYLES == ("Value", "Core", "Growth")


@pytest.mark.parametrize(
    "grid", [(("A", "B", "C"), ("D", "E", "F")), (("A", "B"), ("C", "D"), ("E", "F"))]
)
def test_a_grid_that_is_not_three_by_three_is_refused(grid: tuple) -> None:
    with pytest.raises(ValueError, match="3 rows"):
        check_grid(grid)


# ---------------------------------------------------------------------------------------------
# style_grid
# ---------------------------------------------------------------------------------------------


def test_style_grid_lays_out_every_cell_and_period_in_order() -> None:
    grid = style_grid(HAND, RUSSELL, {"IWS": IWS_REASON})
    assert list(grid.columns) == ["size", "style", "symbol", "period", "value", "note"]
    assert len(grid) == 9 * 2
    first = grid.iloc[:9]
    assert list(first["period"]) == ["YTD"] * 9
    assert list(first["size"]) == ["Large"] * 3 + ["Mid"] * 3 + ["Small"] * 3
    assert list(first["style"]) == ["Value", "Core", "Growth"] * 3
    assert list(first["symbol"]) == ["IWD", "IWB", "IWF", "IWS", "IWR", "IWP", "IWN", "IWM", "IWO"]
    assert cell(grid, "IWN", "YTD")["value"] == 0.23
    assert cell(grid, "IWN", "YTD")["note"] == ""


def test_an_absent_fund_is_an_na_cell_with_the_loaders_reason_in_every_period() -> None:
    grid = style_grid(HAND, RUSSELL, {"IWS": IWS_REASON})
    for period in ("YTD", "1Y"):
        iws = cell(grid, "IWS", period)
        assert math.isnan(iws["value"])
        assert iws["note"] == IWS_REASON
        assert (iws["size"], iws["style"]) == ("Mid", "Value")


def test_an_absent_fund_without_a_given_reason_still_says_why() -> None:
    grid = style_grid(HAND, RUSSELL, {})
    assert cell(grid, "IWS", "YTD")["note"] == "no prices"


def test_a_fund_too_young_for_a_period_is_na_with_the_anchor_named() -> None:
    grid = style_grid(HAND, RUSSELL, {"IWS": IWS_REASON}, as_of=AS_OF)
    young = cell(grid, "IWR", "1Y")
    assert math.isnan(young["value"])
    assert young["note"] == "no close on or before the 1Y anchor (2025-07-31)"
    assert cell(grid, "IWR", "YTD")["value"] == 0.14  # has a YTD value: only 1Y is n/a
    without_date = style_grid(HAND, RUSSELL, {})
    assert cell(without_date, "IWR", "1Y")["note"] == "no close on or before the 1Y anchor"


def test_a_zero_return_is_a_value_not_a_missing_cell() -> None:
    grid = style_grid(HAND, RUSSELL, {"IWS": IWS_REASON})
    iwf = cell(grid, "IWF", "YTD")
    assert iwf["value"] == 0.0
    assert iwf["note"] == ""


@FAST
@given(
    absent=st.sets(st.sampled_from(symbols_of(RUSSELL))),
    nan_mask=st.lists(st.booleans(), min_size=9, max_size=9),
    values=st.lists(st.floats(-0.9, 3.0), min_size=9, max_size=9),
)
def test_style_grid_never_drops_a_cell_and_every_nan_has_a_reason(
    absent: set[str], nan_mask: list[bool], values: list[float]
) -> None:
    symbols = symbols_of(RUSSELL)
    returns = pd.DataFrame(
        {"1M": [NAN if m else v for m, v in zip(nan_mask, values, strict=True)]}, index=symbols
    ).drop(index=sorted(absent))
    reasons = {s: f"reason for {s}" for s in absent}
    grid = style_grid(returns, RUSSELL, reasons)
    assert len(grid) == 9
    for symbol, masked, value in zip(symbols, nan_mask, values, strict=True):
        row = cell(grid, symbol, "1M")
        if symbol in absent:
            assert math.isnan(row["value"])
            assert row["note"] == f"reason for {symbol}"
        elif masked:
            assert math.isnan(row["value"])
            assert "1M anchor" in row["note"]
        else:
            assert row["value"] == value
            assert row["note"] == ""


# ---------------------------------------------------------------------------------------------
# style_spreads
# ---------------------------------------------------------------------------------------------


def test_spreads_by_hand_with_a_complete_grid() -> None:
    full = HAND.copy()
    full.loc["IWS"] = [0.16, 0.25]
    table = style_spreads(style_grid(full, RUSSELL, {}))
    expected = {
        (SMALL_MINUS_LARGE, "Value"): 0.23 - 0.20,
        (SMALL_MINUS_LARGE, "Core"): 0.19 - 0.10,
        (SMALL_MINUS_LARGE, "Growth"): 0.15 - 0.00,
        (SMALL_MINUS_LARGE, OVERALL): 0.19 - 0.10,  # the Core column: IWM - IWB
        (VALUE_MINUS_GROWTH, "Large"): 0.20 - 0.00,
        (VALUE_MINUS_GROWTH, "Mid"): 0.16 - 0.02,
        (VALUE_MINUS_GROWTH, "Small"): 0.23 - 0.15,
        # (0.20 + 0.16 + 0.23) / 3 - (0.00 + 0.02 + 0.15) / 3 = 0.59 / 3 - 0.17 / 3 = 0.14
        (VALUE_MINUS_GROWTH, OVERALL): 0.14,
        (DIAGONAL, OVERALL): 0.23 - 0.00,
    }
    for (name, scope), value in expected.items():
        row = spread(table, name, scope, "YTD")
        assert row["value"] == pytest.approx(value, abs=1e-12), (name, scope)
        assert row["note"] == ""
    overall = spread(table, VALUE_MINUS_GROWTH, OVERALL, "YTD")
    assert (overall["long"], overall["short"]) == ("IWD+IWS+IWN", "IWF+IWP+IWO")
    core = spread(table, SMALL_MINUS_LARGE, OVERALL, "YTD")
    assert (core["long"], core["short"]) == ("IWM", "IWB")


def test_a_spread_with_a_missing_input_is_nan_with_a_note_and_the_others_are_unaffected() -> None:
    table = style_spreads(style_grid(HAND, RUSSELL, {"IWS": IWS_REASON}))
    mid = spread(table, VALUE_MINUS_GROWTH, "Mid", "YTD")
    assert math.isnan(mid["value"])
    assert mid["note"] == f"needs IWS (Mid Value): {IWS_REASON}"
    overall = spread(table, VALUE_MINUS_GROWTH, OVERALL, "YTD")
    assert math.isnan(overall["value"])  # never an average over the rows that happen to exist
    assert "IWS" in overall["note"]
    assert spread(table, VALUE_MINUS_GROWTH, "Large", "YTD")["value"] == pytest.approx(0.20)
    assert spread(table, SMALL_MINUS_LARGE, OVERALL, "YTD")["value"] == pytest.approx(0.09)


def test_a_spread_is_nan_in_the_period_where_its_input_is_too_young() -> None:
    table = style_spreads(style_grid(HAND, RUSSELL, {"IWS": IWS_REASON}))
    # IWR has no 1Y value; no spread uses the Mid Core cell, so 1Y Small - Large is still there.
    assert spread(table, SMALL_MINUS_LARGE, "Core", "1Y")["value"] == pytest.approx(0.34 - 0.18)
    young = HAND.copy()
    young.loc["IWM", "1Y"] = NAN
    table = style_spreads(style_grid(young, RUSSELL, {"IWS": IWS_REASON}))
    row = spread(table, SMALL_MINUS_LARGE, OVERALL, "1Y")
    assert math.isnan(row["value"])
    assert row["note"].startswith("needs IWM (Small Core): no close on or before the 1Y anchor")
    assert spread(table, SMALL_MINUS_LARGE, OVERALL, "YTD")["value"] == pytest.approx(0.09)


# ---------------------------------------------------------------------------------------------
# the heatmap
# ---------------------------------------------------------------------------------------------


def test_cell_labels() -> None:
    assert cell_label(0.1234) == "+12.3%"
    assert cell_label(-0.05) == "-5.0%"
    assert cell_label(0.0) == "+0.0%"
    assert cell_label(NAN) == "n/a"


def panel_values(spec: dict, index: int) -> list[dict]:
    layer = spec["hconcat"][index]["layer"][0]
    data = layer.get("data") or spec["hconcat"][index].get("data")
    if "values" in data:
        return data["values"]
    return spec["datasets"][data["name"]]


def test_heatmap_spec_has_one_panel_per_period_with_labels_notes_and_tooltips() -> None:
    grid = style_grid(HAND, RUSSELL, {"IWS": IWS_REASON}, as_of=AS_OF)
    chart = stylebox_chart(grid, as_of=AS_OF, periods=["YTD", "1Y"], title="Russell style box")
    spec = chart.to_dict()
    assert len(spec["hconcat"]) == 2
    assert spec["title"]["text"] == "Russell style box"
    subtitle = spec["title"]["subtitle"]
    assert BASIS in subtitle[0]
    assert "as of 2026-07-31" in subtitle[0]
    assert f"n/a — IWS: {IWS_REASON} (all periods)" in subtitle
    assert "n/a — IWR: no close on or before the 1Y anchor (2025-07-31) (1Y)" in subtitle
    ytd = {row["symbol"]: row for row in panel_values(spec, 0)}
    assert len(ytd) == 9
    assert ytd["IWN"]["label"] == "+23.0%"
    assert ytd["IWF"]["label"] == "+0.0%"
    assert ytd["IWS"]["label"] == "n/a"
    assert ytd["IWS"]["value"] is None
    assert ytd["IWS"]["note"] == IWS_REASON
    one_year = {row["symbol"]: row for row in panel_values(spec, 1)}
    assert one_year["IWR"]["label"] == "n/a"
    rect = spec["hconcat"][0]["layer"][0]
    assert rect["mark"]["type"] == "rect"
    tooltip_fields = {t["field"] for t in rect["encoding"]["tooltip"]}
    assert {"symbol", "note", "label", "period"} <= tooltip_fields
    # a diverging scale centred on 0: symmetric domain through 0 (YTD's largest move is 0.23)
    scale = rect["encoding"]["color"]["condition"]["scale"]
    assert scale["domain"] == [-0.23, 0.0, 0.23]
    text = spec["hconcat"][0]["layer"][1]
    assert text["encoding"]["text"]["field"] == "label"


def test_heatmap_renders_to_svg_under_the_size_limit() -> None:
    grid = style_grid(HAND, RUSSELL, {"IWS": IWS_REASON}, as_of=AS_OF)
    chart = stylebox_chart(grid, as_of=AS_OF, periods=["YTD", "1Y"], title="Russell style box")
    files = chart_files("stylebox", chart)
    assert files["charts/stylebox.svg"].startswith(b"<svg")
    assert b"n/a" in files["charts/stylebox.svg"]
    assert len(files["charts/stylebox.vl.json"]) < 300_000


def test_heatmap_from_sample_prices_without_iws() -> None:
    periods = ["1W", "1M", "3M", "YTD", "1Y"]
    prices = sample_prices(symbols_of(RUSSELL)).drop(columns=["IWS"]).loc[:AS_OF]
    returns = metrics.period_returns(prices, AS_OF, periods)
    grid = style_grid(returns, RUSSELL, {"IWS": IWS_REASON}, as_of=AS_OF)
    assert grid.loc[grid["symbol"] != "IWS", "value"].notna().all()
    spec = stylebox_chart(grid, as_of=AS_OF, periods=periods, title="Russell").to_dict()
    assert len(spec["hconcat"]) == 5
    assert [p["title"]["text"] for p in spec["hconcat"]] == periods
    assert len(json.dumps(spec)) < 300_000


# ---------------------------------------------------------------------------------------------
# real data: IWS has no file in the shared folder
# ---------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_russell_box_shows_iws_as_na_with_the_missing_file(shared_prices: Path) -> None:
    symbols = symbols_of(RUSSELL)
    loaded = load_csv_dir(shared_prices, symbols)
    assert set(loaded.missing) == {"IWS"}
    prices = tidy(pd.DataFrame(dict(loaded.series)), symbols).loc[:AS_OF]
    returns = metrics.period_returns(prices, AS_OF, ["YTD", "1Y"])
    grid = style_grid(returns, RUSSELL, loaded.missing, as_of=AS_OF)
    iws = cell(grid, "IWS", "YTD")
    assert math.isnan(iws["value"])
    assert iws["note"] == "no file IWS.csv in the CSV folder"
    assert grid.loc[grid["symbol"] != "IWS", "value"].notna().all()
    table = style_spreads(grid)
    assert math.isnan(spread(table, VALUE_MINUS_GROWTH, OVERALL, "YTD")["value"])
    assert not math.isnan(spread(table, VALUE_MINUS_GROWTH, "Large", "YTD")["value"])
    assert not math.isnan(spread(table, SMALL_MINUS_LARGE, OVERALL, "YTD")["value"])
    chart = stylebox_chart(grid, as_of=AS_OF, periods=["YTD", "1Y"], title="Russell style box")
    files = chart_files("stylebox-real", chart)
    assert b"IWS" in files["charts/stylebox-real.svg"]


# --- the Style box page's caption and data


@functools.cache
def sample_style():
    snap = snapshot_of(sample_report(as_of=pd.Timestamp("2026-07-31")), members={}, only=("style",))
    return snap, figure_named(snap.present()[1], "style-box")


def _doc(values: list[list[float | None]]) -> dict:
    """A document of nine cells (Large Value to Small Growth, symbols S0..S8) over 1Y and 1W."""
    cells = [
        {"size": size, "style": style, "symbol": f"S{3 * i + j}", "returns": {}}
        for i, size in enumerate(SIZES)
        for j, style in enumerate(STYLES)
    ]
    for cell, (year, week) in zip(cells, values, strict=True):
        cell["returns"] = {"1W": week, "1Y": year}
    return {"style": {"cells": cells}}


RETURN_OR_NONE = st.none() | st.floats(-0.9, 3.0, allow_nan=False)


@given(st.lists(st.tuples(RETURN_OR_NONE, RETURN_OR_NONE), min_size=9, max_size=9))
@FAST
def test_a_style_box_summary_names_the_highest_and_lowest_cells_that_have_a_return(values):
    doc = _doc(values)
    text = plain(stylebox_summary(doc, ["1W", "1Y"]))
    assert "n/a" not in text
    cells = doc["style"]["cells"]

    def name(i: int) -> str:
        return f"{cells[i]['size']} {cells[i]['style']} (S{i})"

    for k, words in ((0, "the past year"), (1, "the past week")):
        valued = [(v[k], i) for i, v in enumerate(values) if v[k] is not None]
        if not valued:
            assert f"No fund has a return over {words}." in text
        elif len(valued) == 1:
            (value, i), *_ = valued
            assert f"Over {words} only {name(i)} has a return, {fmt_pct(value)}." in text
        else:
            said = re.search(
                rf"Over {words} (.+?) returned most, (\S+), and (.+?) least, (\S+)\.", text
            )
            assert said, text
            best = next(i for i in range(9) if name(i) == said[1])
            worst = next(i for i in range(9) if name(i) == said[3])
            assert values[best][k] == max(v for v, _ in valued)
            assert values[worst][k] == min(v for v, _ in valued)
            assert (said[2], said[4]) == (fmt_pct(values[best][k]), fmt_pct(values[worst][k]))


def test_the_style_box_summary_is_read_from_the_document():
    snap, figure = sample_style()
    cells = snap.document["style"]["cells"]
    sentences = []
    for period, words in (("1Y", "the past year"), ("1W", "the past week")):
        ranked = sorted(cells, key=lambda c: c["returns"][period])
        best, worst = ranked[-1], ranked[0]
        sentences.append(
            f"Over {words} {best['size']} {best['style']} ({best['symbol']}) returned most, "
            f"{fmt_pct(best['returns'][period])}, and {worst['size']} {worst['style']} "
            f"({worst['symbol']}) least, {fmt_pct(worst['returns'][period])}."
        )
    assert plain(figure.summary) == " ".join(sentences)


def test_the_style_box_csv_holds_every_panels_cells_as_drawn():
    snap, figure = sample_style()
    rows = csv_rows(figure)
    assert list(rows[0]) == ["period", "size", "style", "symbol", "total return", "note"]
    periods = list(snap.config.periods)
    assert [(r["period"], r["size"], r["style"]) for r in rows] == [
        (p, size, style) for p in periods for size in SIZES for style in STYLES
    ]
    returns = snap.report.returns
    drawn = {(r["period"], r["symbol"]): r["value"] for r in chart_rows(figure) if "ink" in r}
    assert len(drawn) == len(rows) == 45
    for row in rows:
        value = returns.at[row["symbol"], row["period"]]
        assert float(row["total return"]) == sig6(value)
        assert as_drawn(row["total return"], drawn[row["period"], row["symbol"]], 6)
        assert row["note"] == ""


def test_a_cell_without_a_return_is_empty_in_the_csv_with_its_reason():
    grid = style_grid(
        pd.DataFrame({"1W": [0.01], "1Y": [0.1]}, index=["IWD"]),
        RUSSELL,
        {"IWS": "no file IWS.csv"},
    )
    table = stylebox_table(grid, periods=["1Y", "1W"])
    assert list(table["period"]) == ["1Y"] * 9 + ["1W"] * 9
    iws = table[table["symbol"] == "IWS"]
    assert iws["total return"].isna().all()
    assert set(iws["note"]) == {"no file IWS.csv"}
    assert list(table.loc[table["symbol"] == "IWD", "total return"]) == [0.1, 0.01]
