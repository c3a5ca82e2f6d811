"""Tests of the style box: grid reshaping with explicit n/a cells, the spreads, the heatmap.

Expected numbers are worked out by hand from the small frames below, never with the functions
under test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import metrics
from generator.chartfiles import chart_files
from generator.charts import BASIS
from generator.charts.stylebox import cell_label, stylebox_chart
from generator.config import PRESET_TITLES, PRESETS, RUSSELL, SP, VANGUARD
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
from generator.sources.csvdir import load_csv_dir
from generator.sources.sample import sample_prices

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
