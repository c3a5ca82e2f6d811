"""Tests of the watchlist: group averages, rebased lines, the small-multiples chart.

Expected numbers are worked out by hand in the comments, never with the function under test.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import metrics
from generator.chartfiles import chart_files
from generator.charts import BASIS, MAX_POINTS
from generator.charts.watchlist import watchlist_chart
from generator.config import load_config
from generator.export import frame_csv
from generator.formatting import fmt_pct
from generator.frame import tidy
from generator.metrics.groups import (
    GAP_FILL_LIMIT,
    WATCHLIST_GROUPS,
    group_averages,
    group_line,
    group_lines,
    rebased,
    ytd_start,
)
from generator.sections.watchlist import watchlist_summary
from generator.sources.csvdir import load_csv_dir
from generator.sources.sample import sample_prices
from tests_support import (
    FIXTURE_CONFIG,
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


def draw(prices, groups, names, *, as_of, start):
    """The watchlist chart as its section draws it: lines computed first, then drawn."""
    window, lines = group_lines(prices, groups, start=start, as_of=as_of)
    return watchlist_chart(window, lines, groups, names, as_of=as_of, start=start)


FAST = settings(max_examples=30, deadline=None)
AS_OF = pd.Timestamp("2026-07-31")


def frame(days: list[str], columns: dict[str, list[float]]) -> pd.DataFrame:
    index = pd.DatetimeIndex(days, name="date").astype("datetime64[ns]")
    return pd.DataFrame(columns, index=index, dtype="float64")


# ---------------------------------------------------------------------------------------------
# group_averages
# ---------------------------------------------------------------------------------------------


def test_default_groups() -> None:
    assert WATCHLIST_GROUPS == {
        "Regional banks": ("FSBC", "LOB", "KRE"),
        "Small industrials": ("ATRO", "PRLB"),
        "Energy": ("DEC",),
        "Mega-cap growth": ("MSFT", "AMZN", "NVDA", "AAPL", "GOOGL", "META"),
        "SaaS": ("CRM", "IGV"),
        "Legacy hardware": ("INTC",),
    }


def test_group_average_counts_only_members_with_a_value() -> None:
    returns = pd.DataFrame(
        {"YTD": {"A": 0.10, "B": 0.30, "C": NAN, "D": -0.05}, "1Y": {"A": 0.2, "B": NAN}}
    )
    groups = {"G1": ["A", "B", "C"], "G2": ["D", "E"], "G3": ["E"]}
    got = group_averages(returns, groups).set_index(["group", "period"])
    assert list(got.columns) == ["value", "count", "members", "missing"]
    g1 = got.loc[("G1", "YTD")]
    assert g1["value"] == pytest.approx(0.20)  # (0.10 + 0.30) / 2: C has no value
    assert (g1["count"], g1["members"], g1["missing"]) == (2, 3, "C")
    g2 = got.loc[("G2", "YTD")]
    assert g2["value"] == pytest.approx(-0.05)  # D alone: E is not in the returns at all
    assert (g2["count"], g2["missing"]) == (1, "E")
    g3 = got.loc[("G3", "YTD")]
    assert math.isnan(g3["value"])  # nobody to average: NaN, never 0
    assert g3["count"] == 0
    g1y = got.loc[("G1", "1Y")]
    assert g1y["value"] == pytest.approx(0.2)
    assert (g1y["count"], g1y["missing"]) == (1, "B, C")
    assert got.loc[("G2", "1Y"), "count"] == 0


# ---------------------------------------------------------------------------------------------
# rebased lines and the group line
# ---------------------------------------------------------------------------------------------

DAYS = ["2025-12-30", "2025-12-31", "2026-01-02", "2026-01-05", "2026-01-06"]


def test_rebased_starts_at_the_last_close_on_or_before_start() -> None:
    prices = frame(
        DAYS,
        {
            "A": [90.0, 50.0, 55.0, 60.0, 40.0],
            "B": [NAN, NAN, 20.0, 22.0, 24.0],  # no close on or before the start: no line
            "C": [10.0, NAN, 11.0, NAN, 12.0],  # gap on the start day: its 12-30 close is P_start
        },
    )
    got = rebased(prices, pd.Timestamp("2025-12-31"), pd.Timestamp("2026-01-05"))
    assert list(got.index) == list(pd.to_datetime(DAYS[1:4]))  # from the start session to as-of
    np.testing.assert_allclose(got["A"], [100.0, 110.0, 120.0])
    assert got["B"].isna().all()
    np.testing.assert_allclose(got["C"], [NAN, 110.0, NAN])
    # a start that is not a session (a Saturday) anchors at the last session before it
    weekend = rebased(prices, pd.Timestamp("2026-01-03"), pd.Timestamp("2026-01-06"))
    assert weekend.index[0] == pd.Timestamp("2026-01-02")
    np.testing.assert_allclose(weekend["A"], [100.0, 60 / 55 * 100, 40 / 55 * 100])
    np.testing.assert_allclose(weekend["B"], [100.0, 110.0, 120.0])


def test_group_line_is_the_mean_of_members_with_a_short_gap_carried() -> None:
    index = pd.bdate_range("2026-01-02", periods=7, name="date")
    lines = pd.DataFrame(
        {
            "A": [100.0, 110.0, NAN, 130.0, NAN, NAN, NAN],
            "B": [100.0, 90.0, 80.0, 70.0, 60.0, 50.0, 40.0],
        },
        index=index,
    )
    got = group_line(lines)
    # A's gap on day 3 is carried (110); after day 4 A is carried for GAP_FILL_LIMIT = 3 sessions
    assert GAP_FILL_LIMIT == 3
    np.testing.assert_allclose(
        got["value"], [100.0, 100.0, 95.0, 100.0, 95.0, 90.0, 85.0]
    )  # (130 + 60) / 2 = 95, (130 + 50) / 2 = 90, (130 + 40) / 2 = 85
    assert list(got["count"]) == [2, 2, 2, 2, 2, 2, 2]
    longer = pd.concat(
        [lines, pd.DataFrame({"A": [NAN], "B": [30.0]}, index=[index[-1] + pd.offsets.BDay()])]
    )
    tail = group_line(longer).iloc[-1]
    assert (tail["value"], tail["count"]) == (30.0, 1)  # A's close is 4 sessions old: dropped


@FAST
@given(
    values=st.lists(
        st.floats(min_value=1.0, max_value=500.0) | st.just(NAN), min_size=6, max_size=40
    ),
    cut=st.integers(5, 39),
)
def test_no_look_ahead_rebased_and_group_line(values: list[float], cut: int) -> None:
    index = pd.bdate_range("2025-12-24", periods=len(values), name="date")  # [5] = 12-31
    prices = pd.DataFrame({"A": values, "B": values[::-1]}, index=index, dtype="float64")
    d = index[min(cut, len(index) - 1)]
    start = pd.Timestamp("2025-12-31")
    cut_only = rebased(prices.loc[:d], start, d)
    pd.testing.assert_frame_equal(rebased(prices, start, d), cut_only)
    pd.testing.assert_frame_equal(rebased(prices, start, index[-1]).loc[:d], cut_only)
    pd.testing.assert_frame_equal(
        group_line(rebased(prices, start, index[-1])).loc[:d], group_line(cut_only)
    )


def test_a_start_after_the_as_of_is_refused() -> None:
    prices = frame(DAYS, {"A": [1.0, 2.0, 3.0, 4.0, 5.0]})
    with pytest.raises(ValueError, match="after the as-of"):
        rebased(prices, pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-02"))


# ---------------------------------------------------------------------------------------------
# the chart
# ---------------------------------------------------------------------------------------------

NAMES = {"KRE": "SPDR S&P Regional Banking", "MSFT": "Microsoft"}


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    symbols = [s for members in WATCHLIST_GROUPS.values() for s in members]
    return sample_prices(symbols)


def rows_of(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()  # every panel shares one dataset
    return rows


def test_watchlist_chart_panels_lines_and_labels(sample: pd.DataFrame) -> None:
    start = ytd_start(AS_OF)
    chart = draw(sample, WATCHLIST_GROUPS, NAMES, as_of=AS_OF, start=start)
    spec = chart.to_dict()
    assert [p["title"]["text"] for p in spec["concat"]] == list(WATCHLIST_GROUPS)
    subtitle = spec["title"]["subtitle"]
    assert BASIS in subtitle[0]
    assert "as of 2026-07-31" in subtitle[0]
    assert "2025-12-31" in subtitle[0]
    rows = rows_of(spec)
    lines = len(rows[0]) - 1  # minus the date
    # 15 members + an average for each of the 4 groups with more than one member
    assert lines == 15 + 4
    assert len(rows) * lines <= MAX_POINTS
    assert rows[0]["date"] == "2025-12-31T00:00:00"
    assert all(value == 100.0 for key, value in rows[0].items() if key != "date")
    assert rows[-1]["date"] == "2026-07-31T00:00:00"
    assert max(row["date"][:10] for row in rows) <= "2026-07-31"  # sample runs to November
    # the group line ends at 100 * (1 + the group's YTD average) (all members have YTD values)
    ytd = metrics.period_returns(sample.loc[:AS_OF], AS_OF, ["YTD"])
    averages = group_averages(ytd, WATCHLIST_GROUPS).set_index("group")
    (mega_average,) = spec["concat"][3]["layer"][2]["transform"][0]["fold"]
    assert rows[-1][mega_average] == pytest.approx(
        100 * (1 + averages.loc["Mega-cap growth", "value"]), abs=0.01
    )
    # Data columns have neutral keys (names from the config are never Vega field paths); each
    # layer's calculated series maps them back to the symbol or "Group average".
    assert all(re.fullmatch(r"c\d+", key) for key in rows[0] if key != "date")
    banks = spec["concat"][0]
    assert banks["title"]["subtitle"][0].startswith("average ")
    assert "(3 of 3 members)" in banks["title"]["subtitle"][0]
    members, average = banks["layer"][1], banks["layer"][2]

    def shown(layer: dict) -> list[str]:
        series = next(t for t in layer["transform"] if t.get("as") == "series")["calculate"]
        labels = json.loads(series.removesuffix("[datum.key]"))
        return [labels[key] for key in layer["transform"][0]["fold"]]

    assert shown(members) == ["FSBC", "LOB", "KRE"]
    assert shown(average) == ["Group average"]
    assert average["mark"]["strokeWidth"] > members["mark"]["strokeWidth"]
    tooltip = {t["field"] for t in members["encoding"]["tooltip"]}
    assert {"date", "name", "value", "change"} <= tooltip
    energy = spec["concat"][2]
    # A group of one has no separate average line: the 100 rule, its member, the crosshair.
    assert [layer["mark"]["type"] for layer in energy["layer"]] == ["rule", "line", "rule"]
    # The crosshair: every line of the panel at the session nearest the pointer, a selection
    # per panel.
    hover = banks["layer"][3]
    assert hover["encoding"]["opacity"]["condition"]["param"] == "hover_0"
    assert [t["title"] for t in hover["encoding"]["tooltip"]] == [
        "Session",
        "FSBC",
        "LOB",
        "KRE",
        "Group average",
    ]
    # Each panel's own selection, naming that panel's rule alone (none merged across panels).
    rules = [panel["layer"][-1] for panel in spec["concat"]]
    assert [p["name"] for p in spec["params"]] == [f"hover_{i}" for i in range(len(rules))]
    assert [p["views"] for p in spec["params"]] == [[rule["name"]] for rule in rules]
    files = chart_files("watchlist", chart)
    assert files["charts/watchlist.svg"].startswith(b"<svg")
    assert len(files["charts/watchlist.vl.json"]) < 300_000


def test_watchlist_names_members_and_groups_without_prices(sample: pd.DataFrame) -> None:
    groups = {"Banks": ["KRE", "NOPE"], "Ghosts": ["GHOST"], "Young": ["MSFT", "NEWCO"]}
    prices = sample[["KRE", "MSFT"]].assign(
        NEWCO=sample["MSFT"].where(sample.index >= pd.Timestamp("2026-03-02"))
    )
    spec = draw(prices, groups, NAMES, as_of=AS_OF, start=ytd_start(AS_OF)).to_dict()
    assert [p["title"]["text"] for p in spec["concat"]] == ["Banks", "Young"]
    assert spec["concat"][0]["title"]["subtitle"] == [
        spec["concat"][0]["title"]["subtitle"][0],
        "no line: NOPE",
    ]
    assert "(1 of 2 members)" in spec["concat"][0]["title"]["subtitle"][0]
    assert "no line: NEWCO" in spec["concat"][1]["title"]["subtitle"]  # no close by the start
    assert "No prices for any member: Ghosts" in spec["title"]["subtitle"]


def test_a_long_window_is_thinned_to_weekly_and_keeps_the_start(sample: pd.DataFrame) -> None:
    start = pd.Timestamp("2024-07-31")
    spec = draw(sample, WATCHLIST_GROUPS, NAMES, as_of=AS_OF, start=start).to_dict()
    assert "weekly points" in spec["title"]["subtitle"][0]
    rows = rows_of(spec)
    assert len(rows) * (len(rows[0]) - 1) <= MAX_POINTS
    assert rows[0]["date"] == "2024-07-31T00:00:00"  # the base session survives the thinning
    assert rows[-1]["date"] == "2026-07-31T00:00:00"


def test_no_member_with_prices_is_an_error(sample: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no member"):
        draw(sample, {"G": ["GHOST"]}, {}, as_of=AS_OF, start=ytd_start(AS_OF))


@pytest.mark.realdata
def test_real_watchlist_as_of_2026_07_31(shared_prices: Path) -> None:
    symbols = [s for members in WATCHLIST_GROUPS.values() for s in members]
    loaded = load_csv_dir(shared_prices, symbols)
    assert not loaded.missing
    prices = tidy(pd.DataFrame(dict(loaded.series)), symbols)
    ytd = metrics.period_returns(prices.loc[:AS_OF], AS_OF, ["YTD"])
    table = group_averages(ytd, WATCHLIST_GROUPS)
    assert (table["count"] == table["members"]).all()
    chart = draw(prices, WATCHLIST_GROUPS, NAMES, as_of=AS_OF, start=ytd_start(AS_OF))
    files = chart_files("watchlist-real", chart)
    assert len(files["charts/watchlist-real.vl.json"]) < 300_000


# --- the Watchlist page's caption and data

SESSION = pd.Timestamp("2026-07-31")
HOSTILE = '=HYPERLINK("http://evil.example","x")'


@functools.cache
def sample_watchlist(config_path: str = str(FIXTURE_CONFIG)):
    report = sample_report(load_config(Path(config_path)), as_of=SESSION)
    snap = snapshot_of(report, members={}, only=("watchlist",))
    return snap, figure_named(snap.present()[1], "watchlist")


def test_the_watchlist_caption_gives_each_groups_ytd_average_from_the_document():
    snap, figure = sample_watchlist()
    groups = snap.document["watchlist"]
    assert all(g["averages"]["YTD"]["count"] == len(g["symbols"]) for g in groups)  # the sample
    listed = ", ".join(f"{g['group']} {fmt_pct(g['averages']['YTD']['value'])}" for g in groups)
    assert plain(figure.summary) == f"Year to date, each group's average return: {listed}."


def test_a_group_without_every_member_or_any_average_says_so():
    def group(name, value, count, symbols):
        return {
            "group": name,
            "symbols": symbols,
            "averages": {"YTD": {"value": value, "count": count, "missing": []}},
        }

    doc = {
        "parameters": {"periods": ["1W", "YTD"]},
        "watchlist": [
            group("Banks", 0.1, 2, ["A", "B", "C"]),
            group("*Empty*", None, 0, ["D"]),
            group("Energy", -0.05, 1, ["E"]),
        ],
    }
    assert plain(watchlist_summary(doc)) == (
        "Year to date, each group's average return: Banks +10.0% (2 of 3 members), "
        "Energy -5.0%. No average yet for *Empty*."
    )
    assert "&#42;Empty&#42;" in str(watchlist_summary(doc))  # text, never emphasis
    doc["parameters"]["periods"] = ["1W", "1Y"]
    assert plain(watchlist_summary(doc)) == (
        "The groups' year-to-date averages are not among the periods."
    )


def test_the_watchlist_csv_is_every_panels_lines_as_drawn():
    snap, figure = sample_watchlist()
    rows = csv_rows(figure)
    expected = ["date"]
    for g in snap.config.watchlist:
        expected += [f"{g.name}: {s} (start = 100)" for s in g.symbols]
        if len(g.symbols) > 1:
            expected.append(f"{g.name}: group average (start = 100)")
    assert list(rows[0]) == expected
    start = ytd_start(SESSION)
    assert rows[0]["date"] == f"{snap.report.prices.loc[:start].index[-1]:%Y-%m-%d}"
    assert all(float(v) == 100.0 for k, v in rows[0].items() if k != "date")
    assert rows[-1]["date"] == "2026-07-31"
    prices = snap.report.prices
    for g, group in enumerate(snap.document["watchlist"]):
        for s in group["symbols"]:
            close = prices[s].loc[:start].dropna().iloc[-1]
            assert float(rows[-1][f"{group['group']}: {s} (start = 100)"]) == sig6(
                100 * prices.at[SESSION, s] / close
            )
        if len(group["symbols"]) > 1:
            average = float(rows[-1][f"{group['group']}: group average (start = 100)"])
            value = group["averages"]["YTD"]["value"]
            assert average == pytest.approx(100 * (1 + value), abs=1e-3), g
    # The chart's last session, every line to its 2 decimals (the chart keys columns c0, c1…).
    drawn = max(chart_rows(figure), key=lambda r: r.get("date", ""))
    assert drawn["date"].startswith("2026-07-31")
    values = [float(v) for k, v in rows[-1].items() if k != "date"]
    shown = [drawn[f"c{i}"] for i in range(len(values)) if f"c{i}" in drawn]
    assert len(shown) == len(values)  # no symbol is in two groups here: one column per line
    assert all(as_drawn(str(v), c, 2) for v, c in zip(values, shown, strict=True))


def test_a_hostile_group_name_is_text_in_the_watchlist_csv(tmp_path):
    config = yaml.safe_load(FIXTURE_CONFIG.read_text())
    config["watchlist"][0]["name"] = HOSTILE
    path = tmp_path / "rotation.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    _, figure = sample_watchlist(str(path))
    text = frame_csv(figure.table()).decode()
    header = next(csv.reader(io.StringIO(text)))
    assert f"'{HOSTILE}: KRE (start = 100)" in header
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
    assert HOSTILE.replace('"', "&#34;") in str(figure.summary)  # shown, as text
