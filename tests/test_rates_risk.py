"""Tests of the rates and risk metrics and charts.

Hand-computed values on small frames first (every expected number is worked out in the comments,
never with the function under test), then Hypothesis properties (no look-ahead, invariance to
rescaling), then the charts through their specs.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import metrics
from generator.chartfiles import chart_files, chart_spec
from generator.charts import BASIS, MAX_POINTS, PLOT_WIDTH, TIME_LABELS
from generator.charts.rates import (
    MINUS,
    RATES_BASIS,
    sensitivity_chart,
    yields_chart,
    yields_table,
)
from generator.charts.risk import beta_corr_chart, drawdown_chart, volatility_chart
from generator.formatting import fmt_bp, fmt_pct
from generator.frame import tidy
from generator.metrics.rates import curve_slope, rolling_sensitivity, yield_changes_bp
from generator.metrics.risk import log_returns, rolling_beta_corr, rolling_volatility
from generator.sections.rates import sensitivity_summary, yields_summary
from generator.sections.risk import beta_summary, drawdown_summary, volatility_summary
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
FAST = settings(max_examples=40, deadline=None)
AS_OF = pd.Timestamp("2026-07-31")


def sessions(n: int, start: str = "2024-01-02") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n, name="date").astype("datetime64[ns]")


def from_log_returns(returns: list[float], start: float = 100.0, begin: str = "2024-01-02"):
    """A close series whose daily log returns are ``returns`` (first close = ``start``)."""
    levels = start * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    return pd.Series(levels, index=sessions(len(levels), begin), dtype="float64")


def series(days: list[str], values: list[float]) -> pd.Series:
    index = pd.DatetimeIndex(days, name="date").astype("datetime64[ns]")
    return pd.Series(values, index=index, dtype="float64")


# ---------------------------------------------------------------------------------------------
# rolling volatility
# ---------------------------------------------------------------------------------------------


def test_volatility_of_two_returns_by_hand() -> None:
    # Returns 0.01 then 0.03: sample std of two numbers = |0.03 - 0.01| / sqrt(2) = 0.02 / sqrt(2);
    # annualised: 0.02 / sqrt(2) * sqrt(252) = 0.02 * sqrt(126).
    vol = rolling_volatility(from_log_returns([0.01, 0.03]), window=2)
    assert len(vol) == 2
    assert math.isnan(vol.iloc[0])  # one return: window not full
    assert vol.iloc[1] == pytest.approx(0.02 * math.sqrt(126), rel=1e-9)


def test_volatility_of_an_alternating_sequence_by_hand() -> None:
    # Returns +1 %, -1 %, +1 %, -1 %, +1 %: every 4-window has mean 0 and sum of squares 4e-4,
    # so std = sqrt(4e-4 / 3) = 0.01 * sqrt(4 / 3); annualised * sqrt(252) = 0.01 * sqrt(336).
    vol = rolling_volatility(from_log_returns([0.01, -0.01, 0.01, -0.01, 0.01]), window=4)
    assert vol.iloc[:3].isna().all()
    expected = 0.01 * math.sqrt(336)
    assert vol.iloc[3] == pytest.approx(expected, rel=1e-9)
    assert vol.iloc[4] == pytest.approx(expected, rel=1e-9)
    assert vol.name == "volatility"


def test_volatility_spans_a_gap_in_the_closes_instead_of_inventing_a_zero_return() -> None:
    # 100 -> (gap) -> 110 -> 121: two returns of ln(1.1) each, identical -> std 0.
    prices = series(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"], [100, NAN, 110, 121])
    vol = rolling_volatility(prices, window=2)
    assert list(vol.index) == list(pd.to_datetime(["2024-01-04", "2024-01-05"]))
    assert vol.iloc[-1] == pytest.approx(0.0, abs=1e-12)
    assert log_returns(prices).iloc[0] == pytest.approx(math.log(1.1))


def test_volatility_needs_a_full_window_and_a_sane_window() -> None:
    assert rolling_volatility(from_log_returns([0.01, 0.02]), window=63).isna().all()
    with pytest.raises(ValueError, match="window"):
        rolling_volatility(from_log_returns([0.01, 0.02]), window=1)


def test_volatility_matches_pandas_rolling_std_on_random_closes() -> None:
    rng = np.random.default_rng(7)
    prices = from_log_returns(list(rng.normal(0, 0.012, 300)))
    expected = np.log(prices).diff().rolling(63).std().iloc[1:] * math.sqrt(252)
    got = rolling_volatility(prices, window=63)
    pd.testing.assert_series_equal(got, expected, check_names=False, rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# rolling beta and correlation
# ---------------------------------------------------------------------------------------------

# Benchmark returns x and asset returns y for a 4-return window:
#   x = 0.01, 0.02, -0.01, 0.00   mean 0.005   deviations  .005  .015 -.015 -.005
#   y = 0.02, 0.03, -0.01, 0.00   mean 0.010   deviations  .010  .020 -.020 -.010
#   sum dx*dy = .00005 + .0003 + .0003 + .00005 = .0007
#   sum dx^2  = .000025 + .000225 + .000225 + .000025 = .0005
#   sum dy^2  = .0001 + .0004 + .0004 + .0001 = .001
#   beta = .0007 / .0005 = 1.4;  corr = .0007 / sqrt(.0005 * .001) = 0.7 * sqrt(2)
X = [0.01, 0.02, -0.01, 0.00]
Y = [0.02, 0.03, -0.01, 0.00]
BETA = 1.4
CORR = 0.7 * math.sqrt(2)


def test_four_point_beta_and_correlation_by_hand() -> None:
    got = rolling_beta_corr(from_log_returns(Y, 50.0), from_log_returns(X, 400.0), window=4)
    assert list(got.columns) == ["beta", "corr"]
    assert len(got) == 4
    assert got.iloc[:3].isna().all().all()
    assert got["beta"].iloc[-1] == pytest.approx(BETA, rel=1e-9)
    assert got["corr"].iloc[-1] == pytest.approx(CORR, rel=1e-9)


def test_beta_uses_only_sessions_where_both_trade() -> None:
    # On the common sessions the closes are those of X and Y, so beta is 1.4 again. The asset's
    # extra session (01-04, a spike to 999) and its close on 01-10, where the benchmark is NaN,
    # are not common sessions: pairing them would change the result.
    b = from_log_returns(X, 400.0).to_numpy()
    a = from_log_returns(Y, 50.0).to_numpy()
    common = ["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-08", "2024-01-09"]
    bench = series([*common, "2024-01-10"], [*b, NAN])
    asset = series(
        [common[0], common[1], "2024-01-04", *common[2:], "2024-01-10"],
        [a[0], a[1], 999.0, a[2], a[3], a[4], 7.0],
    )
    got = rolling_beta_corr(asset, bench, window=4)
    assert list(got.index) == list(pd.to_datetime(common[1:]))
    assert got["beta"].iloc[-1] == pytest.approx(BETA, rel=1e-9)
    assert got["corr"].iloc[-1] == pytest.approx(CORR, rel=1e-9)


def test_flat_windows_give_explicit_nan_or_zero() -> None:
    flat = from_log_returns([0.0, 0.0, 0.0])
    moving = from_log_returns([0.01, -0.02, 0.03])
    against_flat = rolling_beta_corr(moving, flat, window=3)
    assert math.isnan(against_flat["beta"].iloc[-1])  # no benchmark variance: undefined
    assert math.isnan(against_flat["corr"].iloc[-1])
    flat_asset = rolling_beta_corr(flat, moving, window=3)
    assert flat_asset["beta"].iloc[-1] == 0.0  # the asset does not move with the benchmark
    assert math.isnan(flat_asset["corr"].iloc[-1])


def test_beta_matches_pandas_rolling_cov_over_var_on_random_returns() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(0, 0.01, 400)
    y = 1.3 * x + rng.normal(0, 0.006, 400)
    asset, bench = from_log_returns(list(y)), from_log_returns(list(x))
    ra, rb = np.log(asset).diff().iloc[1:], np.log(bench).diff().iloc[1:]
    got = rolling_beta_corr(asset, bench, window=126)
    expected_beta = ra.rolling(126).cov(rb) / rb.rolling(126).var()
    expected_corr = ra.rolling(126).corr(rb)
    pd.testing.assert_series_equal(got["beta"], expected_beta, check_names=False, rtol=1e-7)
    pd.testing.assert_series_equal(got["corr"], expected_corr, check_names=False, rtol=1e-7)


# ---------------------------------------------------------------------------------------------
# rates
# ---------------------------------------------------------------------------------------------


def test_curve_slope_on_common_sessions_only() -> None:
    days = ["2026-07-27", "2026-07-28", "2026-07-29", "2026-07-30"]
    tnx = series(days, [4.25, 4.30, 4.20, 4.10])
    irx = series(["2026-07-27", "2026-07-29", "2026-07-30"], [3.80, 3.85, 4.30])  # no 07-28
    slope = curve_slope(tnx, irx)
    assert list(slope.index) == list(pd.to_datetime(["2026-07-27", "2026-07-29", "2026-07-30"]))
    # 4.25 - 3.80 = 0.45; 4.20 - 3.85 = 0.35; 4.10 - 4.30 = -0.20 (inverted)
    np.testing.assert_allclose(slope.to_numpy(), [0.45, 0.35, -0.20], atol=1e-12)
    assert slope.name == "slope"


def test_yield_changes_are_differences_in_basis_points() -> None:
    days = ["2026-07-27", "2026-07-28", "2026-07-29", "2026-07-30"]
    changes = yield_changes_bp(series(days, [4.25, NAN, 4.10, 4.125]))
    # 4.25 -> 4.10 across the gap: -15 bp; 4.10 -> 4.125: +2.5 bp
    np.testing.assert_allclose(changes.to_numpy(), [-15.0, 2.5], atol=1e-9)


def test_rolling_sensitivity_by_hand() -> None:
    # Yield changes of 10, 20, -10, 0 bp (x = 1000 * X) and ratio log returns Y:
    # beta = 1.4 / 1000 = 0.0014 per bp, corr = 0.7 * sqrt(2) (unchanged by scaling x).
    ratio = from_log_returns(Y, 1.0)
    tnx = pd.Series([4.00, 4.10, 4.30, 4.20, 4.20], index=ratio.index)
    got = rolling_sensitivity(ratio, tnx, window=4)
    assert list(got.columns) == ["corr", "beta"]
    assert got["beta"].iloc[-1] == pytest.approx(0.0014, rel=1e-9)
    assert got["corr"].iloc[-1] == pytest.approx(CORR, rel=1e-9)
    assert got.iloc[:3].isna().all().all()


def test_rolling_sensitivity_skips_a_session_the_yield_lacks() -> None:
    # The yield has no value on the third session, so the ratio's two moves around it form one
    # return (0.03 + 0.02 = 0.05) paired with one change (4.10 -> 4.30: +20 bp).
    ratio = from_log_returns([0.02, 0.03, 0.02, 0.00, 0.01], 1.0)
    tnx = pd.Series([4.00, 4.10, NAN, 4.30, 4.30, 4.35], index=ratio.index)
    got = rolling_sensitivity(ratio, tnx, window=2)
    assert len(got) == 4  # 5 common sessions -> 4 pairs: (0.02, 10) (0.05, 20) (0, 0) (0.01, 5)
    assert math.isnan(got["beta"].iloc[0])
    # (0.02, 10), (0.05, 20): slope 0.03 / 10 bp = 0.003 per bp, on an exact line (corr 1)
    assert got["beta"].iloc[1] == pytest.approx(0.003, rel=1e-9)
    assert got["corr"].iloc[1] == pytest.approx(1.0)
    # (0.05, 20), (0, 0): 0.05 / 20 = 0.0025 per bp
    assert got["beta"].iloc[2] == pytest.approx(0.0025, rel=1e-9)


def test_rolling_sensitivity_of_a_flat_yield_is_nan() -> None:
    ratio = from_log_returns([0.01, -0.02, 0.03], 1.0)
    flat = pd.Series(4.0, index=ratio.index)
    got = rolling_sensitivity(ratio, flat, window=3)
    assert got.isna().all().all()


# ---------------------------------------------------------------------------------------------
# Hypothesis: no look-ahead and invariance to rescaling
# ---------------------------------------------------------------------------------------------

price_st = st.floats(min_value=0.5, max_value=2000.0, allow_nan=False)
maybe_price_st = price_st | st.just(NAN)
yield_st = st.floats(min_value=0.0, max_value=15.0, allow_nan=False) | st.just(NAN)


@st.composite
def frames(draw: st.DrawFn, rows_min: int = 2) -> pd.DataFrame:
    """Columns A, B (prices) and Y (a yield) on irregular dates, with holes."""
    gaps = draw(st.lists(st.integers(1, 5), min_size=rows_min, max_size=40))
    index = pd.DatetimeIndex(
        pd.Timestamp("2024-01-02") + pd.to_timedelta(np.cumsum([0, *gaps[1:]]), unit="D"),
        name="date",
    ).astype("datetime64[ns]")
    n = len(index)
    return pd.DataFrame(
        {
            "A": draw(st.lists(maybe_price_st, min_size=n, max_size=n)),
            "B": draw(st.lists(maybe_price_st, min_size=n, max_size=n)),
            "Y": draw(st.lists(yield_st, min_size=n, max_size=n)),
        },
        index=index,
        dtype="float64",
    )


@st.composite
def extended(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """(frame cut at D, frame plus arbitrary rows after D, D)."""
    base = draw(frames())
    more = draw(frames(rows_min=1))
    d = base.index[-1]
    more.index = d + (more.index - more.index[0]) + pd.Timedelta(days=1)
    return base, pd.concat([base, more]), d


@FAST
@given(data=extended(), window=st.integers(2, 6))
def test_no_look_ahead_in_rolling_volatility_beta_corr_sensitivity_and_slope(
    data: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp], window: int
) -> None:
    base, longer, d = data
    pd.testing.assert_series_equal(
        rolling_volatility(longer["A"], window).loc[:d], rolling_volatility(base["A"], window)
    )
    pd.testing.assert_frame_equal(
        rolling_beta_corr(longer["A"], longer["B"], window).loc[:d],
        rolling_beta_corr(base["A"], base["B"], window),
    )
    pd.testing.assert_frame_equal(
        rolling_sensitivity(longer["A"], longer["Y"], window).loc[:d],
        rolling_sensitivity(base["A"], base["Y"], window),
    )
    pd.testing.assert_series_equal(
        curve_slope(longer["Y"], longer["B"]).loc[:d], curve_slope(base["Y"], base["B"])
    )


@FAST
@given(
    frame=frames(),
    window=st.integers(2, 6),
    scale_a=st.floats(min_value=1e-3, max_value=1e3),
    scale_b=st.floats(min_value=1e-3, max_value=1e3),
    shift=st.floats(min_value=-3.0, max_value=3.0),
)
def test_rescaling_prices_changes_no_volatility_beta_correlation_or_sensitivity(
    frame: pd.DataFrame, window: int, scale_a: float, scale_b: float, shift: float
) -> None:
    a, b, y = frame["A"], frame["B"], frame["Y"]
    pd.testing.assert_series_equal(
        rolling_volatility(a * scale_a, window), rolling_volatility(a, window), atol=1e-9
    )
    got = rolling_beta_corr(a * scale_a, b * scale_b, window)
    ref = rolling_beta_corr(a, b, window)
    # A window that is exactly flat for one scaling can be flat to rounding only for the other.
    both = got.notna() & ref.notna()
    np.testing.assert_allclose(got[both].fillna(0), ref[both].fillna(0), rtol=1e-6, atol=1e-8)
    # A ratio rebased anywhere, and a yield level shifted by a constant, give the same sensitivity.
    got = rolling_sensitivity(a * scale_a, y + shift, window)
    ref = rolling_sensitivity(a, y, window)
    both = got.notna() & ref.notna()
    np.testing.assert_allclose(got[both].fillna(0), ref[both].fillna(0), rtol=1e-6, atol=1e-8)


@FAST
@given(frame=frames(), window=st.integers(2, 6))
def test_correlation_stays_within_minus_one_and_one(frame: pd.DataFrame, window: int) -> None:
    corr = rolling_beta_corr(frame["A"], frame["B"], window)["corr"].dropna()
    assert ((corr >= -1.0) & (corr <= 1.0)).all()


# ---------------------------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------------------------

PAIR = ["IWN", "IWF", "SPY", "^TNX", "^IRX"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return sample_prices(PAIR)


def leaves(chart: dict) -> list[dict]:
    """The single views of a (possibly nested) layer, in drawing order."""
    return (
        [leaf for part in chart["layer"] for leaf in leaves(part)] if "layer" in chart else [chart]
    )


def lines(chart: dict) -> dict:
    """The view that draws the series (lines or areas) of a panel."""
    return next(v for v in leaves(chart) if v["mark"]["type"] in ("line", "area"))


def dataset(spec: dict, chart: dict) -> list[dict]:
    """The rows a panel draws: its own data, a layer's, or (shared by the panels) the spec's."""

    def named(node: dict) -> list[dict]:
        own = [node["data"]] if "name" in node.get("data", {}) else []
        return own + [d for part in node.get("layer", []) for d in named(part)]

    found = named(chart)
    return spec["datasets"][(found[0] if found else spec["data"])["name"]]


def assert_crosshair(spec: dict, chart: dict, fields: set[str]) -> None:
    """A panel's crosshair: a rule shown at the session nearest the pointer (a ``hover``
    selection of the panel's own), its tooltip every series' value."""
    rule = next(
        v
        for v in leaves(chart)
        if v["mark"]["type"] == "rule" and "condition" in v["encoding"].get("opacity", {})
    )
    name = rule["encoding"]["opacity"]["condition"]["param"]
    assert name.startswith("hover")
    # Defined on the rule, or (in a concat) at the top naming the rule's view alone.
    params = [*rule.get("params", []), *spec.get("params", [])]
    (hover,) = [p for p in params if p["name"] == name]
    assert hover.get("views", [rule.get("name")]) == [rule.get("name")]
    assert hover["select"]["nearest"] is True
    assert {t["field"] for t in rule["encoding"]["tooltip"]} == {"date", *fields}


def all_rows(spec: dict) -> list[dict]:
    return [row for rows in spec["datasets"].values() for row in rows]


def check_common(spec: dict, files: dict[str, bytes], name: str) -> None:
    rows = all_rows(spec)
    assert rows
    assert max(row["date"][:10] for row in rows if "date" in row) <= f"{AS_OF:%Y-%m-%d}"
    for rows_ in spec["datasets"].values():
        assert len(rows_) <= MAX_POINTS
    assert files[f"charts/{name}.svg"].startswith(b"<svg")
    assert len(files[f"charts/{name}.vl.json"]) < 300_000


def slope_of(yields: pd.DataFrame) -> pd.Series:
    return curve_slope(yields["^TNX"], yields["^IRX"])


def test_yields_chart_has_levels_and_slope_panels_with_rates_basis(sample: pd.DataFrame) -> None:
    chart = yields_chart(sample, slope_of(sample), as_of=AS_OF, years=5)
    spec = chart.to_dict()
    files = chart_files("yields", chart)
    check_common(spec, files, "yields")
    subtitle = " ".join(spec["title"]["subtitle"])
    assert spec["title"]["subtitle"][0].startswith(RATES_BASIS)
    assert "Yield levels in percent; changes in basis points" in subtitle
    assert "as of 2026-07-31" in subtitle
    assert "discount-basis" in subtitle
    top, bottom = spec["vconcat"]
    assert lines(top)["encoding"]["y"]["field"] == "value"
    assert_crosshair(spec, top, {"long", "short"})
    assert_crosshair(spec, bottom, {"slope"})
    x = lines(top)["encoding"]["x"]
    assert (x["field"], x["type"], x["title"]) == ("date", "temporal", None)
    # Five years: a tick every year, each labelled with it.
    assert x["axis"] == {"labelExpr": TIME_LABELS, "tickCount": {"interval": "year", "step": 1}}
    rule, _slope = bottom["layer"]
    assert rule["mark"]["type"] == "rule"
    assert rule["data"]["values"] == [{"y": 0.0}]
    rows = dataset(spec, top)
    last = rows[-1]
    assert last["date"] == "2026-07-31T00:00:00"
    # the slope column is the difference of the two level columns, in basis points as on the
    # Rates table (4-decimal rounding of each)
    assert last["slope"] == pytest.approx((last["long"] - last["short"]) * 100, abs=2e-2)
    assert lines(bottom)["encoding"]["y"]["title"] == "Slope (bp)"
    assert "in basis points" in subtitle
    # Five years of daily sessions (1,255), drawn from about one per pixel column of the plot.
    assert len(rows) <= PLOT_WIDTH
    assert re.search(r"daily, [\d,]+ of 1,2\d\d sessions drawn \(highs and lows kept\)", subtitle)


def test_a_forks_yields_are_named_by_its_universe_and_only_a_discount_rate_is_flagged(
    sample: pd.DataFrame,
) -> None:
    """A fork charting the 30-year against the 5-year: the legend and the table name them as
    its universe does, and the subtitle says nothing of a discount basis (only ^IRX has one)."""
    yields = sample.rename(columns={"^TNX": "^TYX", "^IRX": "^FVX"})
    names = {"^TYX": "30-year Treasury yield", "^FVX": "5-year Treasury yield"}
    slope = curve_slope(yields["^TYX"], yields["^FVX"])
    spec = yields_chart(
        yields, slope, as_of=AS_OF, long="^TYX", short="^FVX", names=names
    ).to_dict()
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "discount" not in subtitle
    assert f"Slope = ^TYX {MINUS} ^FVX" in subtitle
    labels = json.dumps(spec)
    assert "^TYX (30-year Treasury yield)" in labels
    assert "^FVX (5-year Treasury yield)" in labels
    assert "10-year" not in labels
    assert "13-week" not in labels
    table = yields_table(yields, slope, as_of=AS_OF, long="^TYX", short="^FVX", names={})
    assert list(table.columns) == ["date", "^TYX, %", "^FVX, %", f"Slope ^TYX {MINUS} ^FVX (bp)"]


def test_yields_chart_draws_a_long_history_at_the_plots_width(sample: pd.DataFrame) -> None:
    spec = yields_chart(sample, slope_of(sample), as_of=AS_OF, years=30).to_dict()
    assert "sessions drawn (highs and lows kept)" in spec["title"]["subtitle"][0]
    assert all(len(rows) <= PLOT_WIDTH + 10 for rows in spec["datasets"].values())


def test_sensitivity_chart_shows_beta_in_percent_per_ten_bp(sample: pd.DataFrame) -> None:
    ratio = metrics.ratio_line(sample["IWN"], sample["IWF"])
    sens = rolling_sensitivity(ratio, sample["^TNX"], 63)
    chart = sensitivity_chart({"IWN/IWF": sens}, yield_symbol="^TNX", as_of=AS_OF, window=63)
    spec = chart.to_dict()
    files = chart_files("sensitivity", chart)
    check_common(spec, files, "sensitivity")
    subtitle = " ".join(spec["title"]["subtitle"])
    assert RATES_BASIS in subtitle
    assert "63-session windows" in subtitle
    top, bottom = spec["vconcat"]
    beta_rows = dataset(spec, bottom)
    last = beta_rows[-1]
    assert last["date"] == "2026-07-31T00:00:00"
    # beta per 1 bp (log return) x 100 (percent) x 10 (bp) = beta x 1000
    assert last["s0"] == pytest.approx(sens["beta"].loc[AS_OF] * 1000, abs=1e-4)
    assert lines(bottom)["encoding"]["y"]["title"] == "% per +10 bp"
    corr_rows = dataset(spec, top)
    assert corr_rows[-1]["s0"] == pytest.approx(sens["corr"].loc[AS_OF], abs=1e-4)


def test_risk_charts_label_basis_as_of_and_windows(sample: pd.DataFrame) -> None:
    vol = pd.DataFrame({s: rolling_volatility(sample[s], 63) for s in ("IWN", "IWF")})
    stats = {s: rolling_beta_corr(sample[s], sample["SPY"], 126) for s in ("IWN", "IWF")}
    dd = pd.DataFrame({s: metrics.drawdown(sample[s]) for s in ("IWN", "IWF")})
    charts = {
        "vol": volatility_chart(vol, as_of=AS_OF, window=63),
        "betacorr": beta_corr_chart(stats, benchmark="SPY", as_of=AS_OF, window=126),
        "drawdown": drawdown_chart(dd, as_of=AS_OF),
    }
    for name, chart in charts.items():
        spec = chart.to_dict()
        check_common(spec, chart_files(name, chart), name)
        subtitle = " ".join(spec["title"]["subtitle"])
        assert BASIS in subtitle, name
        assert "as of 2026-07-31" in subtitle, name
    vol_spec = charts["vol"].to_dict()
    assert vol_spec["width"] == "container"
    assert "63 sessions \N{MULTIPLICATION SIGN} √252" in " ".join(vol_spec["title"]["subtitle"])
    last = all_rows(vol_spec)[-1]
    assert last["s0"] == pytest.approx(vol["IWN"].loc[AS_OF], abs=1e-4)
    bc_spec = charts["betacorr"].to_dict()
    assert "126-session windows" in " ".join(bc_spec["title"]["subtitle"])
    assert len(bc_spec["vconcat"]) == 2
    dd_spec = charts["drawdown"].to_dict()
    assert len(dd_spec["vconcat"]) == 2
    assert lines(dd_spec["vconcat"][0])["mark"]["type"] == "area"
    assert_crosshair(dd_spec, dd_spec["vconcat"][0], {"s0"})
    assert_crosshair(vol_spec, vol_spec, {"s0", "s1"})
    assert_crosshair(bc_spec, bc_spec["vconcat"][1], {"s0", "s1"})
    assert max(row["s0"] for row in all_rows(dd_spec) if row.get("s0") is not None) <= 0.0


# ---------------------------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_rates_and_risk_as_of_2026_07_31(shared_prices: Path) -> None:
    loaded = load_csv_dir(shared_prices, PAIR)
    assert not loaded.missing
    prices = tidy(pd.DataFrame(dict(loaded.series)), PAIR).loc[:AS_OF]
    slope = curve_slope(prices["^TNX"], prices["^IRX"])
    assert slope.index[-1] == AS_OF
    assert slope.iloc[-1] == pytest.approx(prices["^TNX"].iloc[-1] - prices["^IRX"].iloc[-1])
    sens = rolling_sensitivity(metrics.ratio_line(prices["IWN"], prices["IWF"]), prices["^TNX"], 63)
    assert -1.0 <= sens["corr"].iloc[-1] <= 1.0
    vol = rolling_volatility(prices["IWN"], 63)
    assert 0.05 < vol.iloc[-1] < 0.8
    for chart in (
        yields_chart(prices, slope, as_of=AS_OF),
        sensitivity_chart({"IWN/IWF": sens}, yield_symbol="^TNX", as_of=AS_OF, window=63),
    ):
        assert len(json.dumps(chart.to_dict())) < 300_000


# ---------------------------------------------------------------------------------------------
# the Rates and Risk pages' captions and data
# ---------------------------------------------------------------------------------------------


@functools.cache
def sample_rates_risk():
    """The sample's rates and risk sections as of :data:`AS_OF` (prices run past it)."""
    snap = snapshot_of(sample_report(as_of=AS_OF), members={}, only=("rates", "risk"))
    return snap, snap.present()[1]


def _rates_doc(**changes) -> dict:
    rates = {
        "long": "^TNX",
        "short": "^IRX",
        "long_level": 4.2,
        "short_level": 4.0,
        "slope": 0.2,
        "window": 63,
        "pair": "A / B",
        "corr": 0.3,
        "beta": 0.0005,
    }
    universe = [
        {"symbol": "^TNX", "name": "10-year Treasury yield"},
        {"symbol": "^IRX", "name": "13-week Treasury bill yield"},
    ]
    return {"rates": rates | changes, "universe": universe}


@given(st.none() | st.floats(-3.0, 3.0, allow_nan=False))
@FAST
def test_the_curve_is_called_inverted_only_for_a_slope_below_zero(slope):
    text = plain(yields_summary(_rates_doc(slope=slope)))
    assert text.startswith(
        "The 10-year Treasury yield (^TNX) closed at 4.20% and the 13-week Treasury bill yield "
        "(^IRX) at 4.00%."
    )
    assert "n/a" not in text
    if slope is None:
        assert text.endswith("No slope: no session with both yields.")
        return
    shown = fmt_bp(slope)
    assert f"The slope ^TNX {MINUS} ^IRX is {shown}: the curve is " in text
    assert text.endswith("inverted.") == (slope < 0 and shown != "0 bp")
    assert text.endswith("flat.") == (shown == "0 bp")
    assert text.endswith("upward sloping.") == (slope > 0 and shown != "0 bp")


def test_a_missing_yield_or_sensitivity_is_said_to_be_missing():
    assert plain(yields_summary(_rates_doc(long_level=None))) == (
        f"The 13-week Treasury bill yield (^IRX) closed at 4.00%. The slope ^TNX {MINUS} ^IRX "
        "is +20 bp: the curve is upward sloping."
    )
    assert plain(sensitivity_summary(_rates_doc(corr=None, beta=None))) == (
        "No 63-session correlation of A / B with ^TNX yet: too few common sessions."
    )
    assert plain(sensitivity_summary(_rates_doc(beta=-0.000004))).endswith(
        "a beta of -0.00% per +10 bp: the ratio hardly moved when yields rose."
    )


def test_the_rates_captions_read_the_document():
    snap, figures = sample_rates_risk()
    rates = snap.document["rates"]
    slope = fmt_bp(rates["slope"])
    curve = "inverted" if rates["slope"] < 0 else "upward sloping"
    assert plain(figure_named(figures, "rates-yields").summary) == (
        f"The 10-year Treasury yield (^TNX) closed at {rates['long_level']:.2f}% and the 13-week "
        f"Treasury bill yield (^IRX) at {rates['short_level']:.2f}%. The slope ^TNX {MINUS} ^IRX "
        f"is {slope}: the curve is {curve}."
    )
    tended = "rise" if rates["beta"] > 0 else "fall"
    assert plain(figure_named(figures, "rates-sensitivity").summary) == (
        f"Over the last 63 sessions, the daily moves of IWN / IWF had a correlation of "
        f"{rates['corr']:+.2f} with daily changes of ^TNX, and a beta of "
        f"{rates['beta'] * 1000:+.2f}% per +10 bp: the ratio tended to {tended} when yields rose."
    )


def test_the_risk_captions_read_the_document():
    snap, figures = sample_rates_risk()
    rows = snap.document["risk"]["symbols"]
    assert [r["symbol"] for r in rows] == ["IWN", "IWF", "SPY"]
    iwn, iwf, spy = rows
    assert plain(figure_named(figures, "risk-volatility").summary) == (
        f"Annualised volatility over the last 63 sessions: IWN {iwn['volatility']:.1%}, "
        f"IWF {iwf['volatility']:.1%} and SPY {spy['volatility']:.1%}."
    )
    assert plain(figure_named(figures, "risk-beta").summary) == (
        f"Against SPY over the last 126 sessions: IWN beta {iwn['beta']:.2f} (correlation "
        f"{iwn['corr']:.2f}) and IWF beta {iwf['beta']:.2f} (correlation {iwf['corr']:.2f})."
    )
    assert plain(figure_named(figures, "risk-drawdown").summary) == (
        "From the highest close so far: "
        + ", ".join(f"{r['symbol']} {fmt_pct(r['from_peak'])}" for r in rows[:2])
        + f" and SPY {fmt_pct(spy['from_peak'])}."
    )


def test_a_risk_number_missing_leaves_its_symbol_out_and_says_so():
    doc = {
        "risk": {
            "vol_window": 63,
            "beta_window": 126,
            "symbols": [
                {"symbol": "A", "volatility": None, "beta": None, "corr": None, "from_peak": 0.0},
                {"symbol": "B", "volatility": 0.2, "beta": 1.5, "corr": 0.5, "from_peak": -0.1},
                {"symbol": "C", "volatility": 0.1, "beta": None, "corr": None, "from_peak": None},
            ],
        }
    }
    assert plain(volatility_summary(doc)) == (
        "Annualised volatility over the last 63 sessions: B 20.0% and C 10.0%. "
        "No volatility yet for A."
    )
    assert plain(beta_summary(doc, "C")) == (
        "Against C over the last 126 sessions: B beta 1.50 (correlation 0.50). No beta yet for A."
    )
    assert plain(drawdown_summary(doc)) == (
        "From the highest close so far: A at its high and B -10.0%. No drawdown yet for C."
    )


def _panel_rows(spec: dict, panel: int) -> list[dict]:
    """The dated rows a panel of a vertical concat draws (its named datasets)."""
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and "name" in data:
                names.add(data["name"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(spec["vconcat"][panel])
    return [r for n in names for r in spec["datasets"][n] if "date" in r]


def _last_drawn(figure, field: str) -> dict:
    """The last row of the chart's data that has ``field`` (a panel's own dataset)."""
    return max((r for r in chart_rows(figure) if field in r), key=lambda r: r["date"])


def test_the_rates_and_risk_csvs_stop_at_the_session_and_end_as_the_charts_do():
    snap, figures = sample_rates_risk()
    rates, data = snap.document["rates"], snap.data["rates"]

    yields = csv_rows(figure_named(figures, "rates-yields"))
    columns = ["^TNX (10-year Treasury yield), %", "^IRX (13-week Treasury bill yield), %"]
    assert list(yields[0]) == ["date", *columns, f"Slope ^TNX {MINUS} ^IRX (bp)"]
    assert yields[-1]["date"] == "2026-07-31"
    assert yields[0]["date"] >= f"{AS_OF - pd.DateOffset(years=5):%Y-%m-%d}"
    long_level = float(yields[-1][columns[0]])
    assert long_level == sig6(data.yields.at[AS_OF, "^TNX"]) == rates["long_level"]
    assert float(yields[-1][f"Slope ^TNX {MINUS} ^IRX (bp)"]) == sig6(rates["slope"] * 100)
    drawn = _last_drawn(figure_named(figures, "rates-yields"), "slope")
    assert drawn["date"].startswith("2026-07-31")
    assert as_drawn(yields[-1][columns[1]], drawn["short"], 4)

    figure = figure_named(figures, "rates-sensitivity")
    sens = csv_rows(figure)
    corr, beta = "IWN / IWF correlation with ^TNX changes", "IWN / IWF % per +10 bp of ^TNX"
    assert list(sens[0]) == ["date", corr, beta]
    assert sens[-1]["date"] == "2026-07-31"
    assert float(sens[-1][corr]) == sig6(rates["corr"])
    assert float(sens[-1][beta]) == sig6(rates["beta"] * 1000)
    spec = chart_spec(figure.chart)
    for panel, column in enumerate((corr, beta)):  # top: correlation, bottom: beta
        drawn = max(_panel_rows(spec, panel), key=lambda r: r["date"])
        assert drawn["date"].startswith("2026-07-31")
        assert as_drawn(sens[-1][column], drawn["s0"], 4)

    for name, field, header in (
        ("risk-volatility", "volatility", "{} volatility"),
        ("risk-drawdown", "from_peak", "{} below peak"),
    ):
        figure = figure_named(figures, name)
        table = csv_rows(figure)
        assert list(table[0]) == ["date"] + [header.format(s) for s in ("IWN", "IWF", "SPY")]
        assert table[-1]["date"] == "2026-07-31"
        drawn = _last_drawn(figure, "s0")
        for k, row in enumerate(snap.document["risk"]["symbols"]):
            cell = table[-1][header.format(row["symbol"])]
            assert abs(float(cell) - row[field]) <= 5e-6 * max(1, abs(row[field])), name
            assert as_drawn(cell, drawn[f"s{k}"], 4), name

    figure = figure_named(figures, "risk-beta")
    table = csv_rows(figure)
    assert list(table[0]) == [
        "date",
        "IWN beta vs SPY",
        "IWF beta vs SPY",
        "IWN correlation with SPY",
        "IWF correlation with SPY",
    ]
    assert table[-1]["date"] == "2026-07-31"
    for row in snap.document["risk"]["symbols"][:2]:
        assert float(table[-1][f"{row['symbol']} beta vs SPY"]) == sig6(row["beta"])
        assert float(table[-1][f"{row['symbol']} correlation with SPY"]) == sig6(row["corr"])
