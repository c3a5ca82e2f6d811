"""The built-in synthetic price source: contract, determinism, calendar, and the story it tells."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import time

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

from generator.sources.sample import SAMPLE_END, SAMPLE_START, sample_prices

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Deliberately not sorted: yields, late starters, single stocks and an unknown ticker mixed in.
CORE = [
    "IWN", "IWF", "SPY", "^TNX", "XLRE", "IWM", "RSP", "IWD", "QQQ", "^IRX", "XLC", "META",
    "KRE", "TLT", "GLD", "NVDA", "INTC", "FSBC", "ZQXJ",
]  # fmt: skip


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return sample_prices(CORE)


def _xnys_sessions() -> pd.DatetimeIndex:
    cal = xcals.get_calendar("XNYS", start=SAMPLE_START.isoformat(), end=SAMPLE_END.isoformat())
    return pd.DatetimeIndex(cal.sessions_in_range(SAMPLE_START.isoformat(), SAMPLE_END.isoformat()))


def _last_on_or_before(series: pd.Series, day: str) -> float:
    return float(series.loc[:day].dropna().iloc[-1])


def _growth(series: pd.Series, start: str, end: str) -> float:
    """Return from the last close on or before ``start`` to the last close on or before ``end``."""
    return _last_on_or_before(series, end) / _last_on_or_before(series, start) - 1


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(np.ascontiguousarray(frame.to_numpy()).tobytes()).hexdigest()


# --- the price-frame contract ------------------------------------------------------------------


def test_frame_matches_the_contract(prices: pd.DataFrame) -> None:
    index = prices.index
    assert isinstance(index, pd.DatetimeIndex)
    assert index.name == "date"
    assert index.dtype == np.dtype("datetime64[ns]")
    assert index.tz is None
    assert index.is_monotonic_increasing
    assert index.is_unique
    assert (index == index.normalize()).all()
    assert list(prices.columns) == CORE
    assert (prices.dtypes == np.float64).all()
    assert index[0] == pd.Timestamp(SAMPLE_START)
    assert index[-1] == pd.Timestamp(SAMPLE_END)


def test_every_requested_symbol_gets_a_series_and_repeats_are_dropped() -> None:
    frame = sample_prices(["GLD", "SPY", "GLD"])
    assert list(frame.columns) == ["GLD", "SPY"]
    assert frame.notna().all().all()


def test_no_symbols_gives_an_empty_canonical_frame() -> None:
    frame = sample_prices([])
    assert frame.empty
    assert frame.index.name == "date"
    assert frame.index.dtype == np.dtype("datetime64[ns]")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="after end"):
        sample_prices(["SPY"], start=dt.date(2020, 1, 2), end=dt.date(2019, 1, 2))
    with pytest.raises(TypeError):
        sample_prices("SPY")


# --- determinism --------------------------------------------------------------------------------


def test_identical_across_calls(prices: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(sample_prices(CORE), prices)


def test_a_symbol_does_not_depend_on_the_others_requested(prices: pd.DataFrame) -> None:
    crowd = [f"X{i:03d}" for i in range(200)]
    alone = sample_prices(["IWN"])["IWN"]  # rows start on IWN's first day: no all-NaN rows
    assert alone.index[0] == pd.Timestamp("2000-07-28")
    among_many = sample_prices([*crowd[:100], "IWN", *crowd[100:]])["IWN"]
    pd.testing.assert_series_equal(alone, among_many.dropna())
    pd.testing.assert_series_equal(alone, prices["IWN"].dropna())
    # Unknown symbols too, whatever their position in the request.
    pd.testing.assert_series_equal(
        sample_prices(["ZQXJ"])["ZQXJ"], sample_prices([*crowd[:10], "ZQXJ"])["ZQXJ"]
    )


def test_start_and_end_select_rows_without_changing_values(prices: pd.DataFrame) -> None:
    window = sample_prices(CORE, start=dt.date(2015, 6, 1), end=dt.date(2016, 6, 30))
    assert window.index[0] == pd.Timestamp("2015-06-01")
    assert window.index[-1] == pd.Timestamp("2016-06-30")
    pd.testing.assert_frame_equal(window, prices.loc["2015-06-01":"2016-06-30"])


def test_same_series_in_another_process_with_another_hash_seed(prices: pd.DataFrame) -> None:
    code = (
        "import hashlib, numpy as np\n"
        "from generator.sources.sample import sample_prices\n"
        f"f = sample_prices({CORE!r})\n"
        "print(hashlib.sha256(np.ascontiguousarray(f.to_numpy()).tobytes()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == _digest(prices)


# --- calendar and inception --------------------------------------------------------------------


def test_rows_are_exactly_the_nyse_sessions(prices: pd.DataFrame) -> None:
    sessions = _xnys_sessions()
    assert prices.index.isin(sessions).all()
    assert len(prices) == len(sessions)  # SPY trades from the first day: no session is skipped
    for closed in ["2026-04-03", "2001-09-11", "2012-10-29", "2025-12-25", "2026-01-01"]:
        assert pd.Timestamp(closed) not in prices.index, closed  # Good Friday, 9/11, Sandy, ...
    assert pd.Timestamp("2026-04-02") in prices.index


@pytest.mark.parametrize(
    ("symbol", "first_day"),
    [
        ("XLRE", "2015-10-08"),
        ("XLC", "2018-06-19"),
        ("RSP", "2003-05-01"),
        ("KRE", "2006-06-22"),
        ("META", "2012-05-18"),
        ("IWN", "2000-07-28"),
        ("IWF", "2000-05-26"),
        ("SPY", SAMPLE_START.isoformat()),
    ],
)
def test_funds_start_on_their_inception_day(
    prices: pd.DataFrame, symbol: str, first_day: str
) -> None:
    series = prices[symbol]
    start = pd.Timestamp(first_day)
    assert series.loc[: start - pd.Timedelta(days=1)].isna().all()
    assert series.loc[start:].notna().all()
    assert series.first_valid_index() == start


# --- values -------------------------------------------------------------------------------------


def test_prices_are_positive_and_plausible(prices: pd.DataFrame) -> None:
    equities = prices.drop(columns=["^TNX", "^IRX"])
    values = equities.to_numpy()
    assert (values[~np.isnan(values)] > 0).all()
    spy = prices["SPY"]
    assert spy.min() > 20
    assert spy.max() < 800
    assert 50 < spy.iloc[0] < 200
    assert 400 < spy.iloc[-1] < 800
    # Daily moves of broad funds are percent-sized, not nonsense.
    daily = equities[["SPY", "IWN", "IWF", "TLT"]].pct_change(fill_method=None).abs()
    assert daily.max().max() < 0.25


def test_unknown_symbols_get_plausible_distinct_series() -> None:
    frame = sample_prices(["ZQXJ", "ACME.X", "BRK-B"])
    assert frame.notna().all().all()
    assert (frame > 0).all().all()
    assert frame.nunique().min() > 1000
    returns = np.log(frame).diff().dropna()
    vols = returns.std() * np.sqrt(252)
    assert ((vols > 0.08) & (vols < 0.8)).all(), vols
    assert returns.corr().to_numpy()[np.triu_indices(3, 1)].max() < 0.99


def test_yields_are_percent_levels(prices: pd.DataFrame) -> None:
    more = sample_prices(["^FVX", "^TYX"])
    for series in [prices["^TNX"], prices["^IRX"], more["^FVX"], more["^TYX"]]:
        assert series.notna().all()
        assert ((series > 0) & (series < 20)).all()
        # Changes are in percentage points, a few basis points a day, never price-like jumps.
        assert series.diff().abs().max() < 1.0
    tnx, irx = prices["^TNX"], prices["^IRX"]
    assert 1.0 < tnx.median() < 6.0
    assert irx.loc["2010":"2014"].max() < 0.5  # near zero after 2008
    assert irx.loc["2021"].max() < 0.5
    assert 3.5 < irx.loc["2023-07":"2024-06"].median() < 6.0
    assert irx.loc["2026"].mean() < irx.loc["2024"].mean()  # easing


def test_falling_yields_go_with_small_cap_strength_in_2026(prices: pd.DataFrame) -> None:
    ratio = np.log(prices["IWN"] / prices["IWF"]).diff()
    change = prices["^TNX"].diff()
    assert ratio.loc["2026"].corr(change.loc["2026"]) < -0.2


# --- the story ----------------------------------------------------------------------------------


def test_the_great_rotation_in_2026(prices: pd.DataFrame) -> None:
    def ytd(symbol: str) -> float:
        return _growth(prices[symbol], "2025-12-31", SAMPLE_END.isoformat())

    assert ytd("IWN") - ytd("IWF") > 0.15
    assert ytd("IWN") > 0.10
    assert ytd("IWM") > ytd("SPY")
    assert ytd("RSP") > ytd("SPY")
    assert ytd("IWD") > ytd("IWF")
    assert ytd("QQQ") < ytd("IWM")


def test_large_growth_led_for_years_before(prices: pd.DataFrame) -> None:
    iwn = _growth(prices["IWN"], "2009-12-31", "2024-12-31")
    iwf = _growth(prices["IWF"], "2009-12-31", "2024-12-31")
    assert iwf > iwn + 1.0  # cumulative 2010-2024, clearly
    # And small value led in the early years.
    assert _growth(prices["IWN"], "2000-07-28", "2006-12-29") > _growth(
        prices["IWF"], "2000-07-28", "2006-12-29"
    )


def test_the_rotation_is_a_noisy_climb_not_a_straight_line(prices: pd.DataFrame) -> None:
    ratio = (prices["IWN"] / prices["IWF"]).loc["2026"]
    up_days = (ratio.diff().dropna() > 0).mean()
    assert 0.45 < up_days < 0.65
    drawdown = (ratio / ratio.cummax() - 1).min()
    assert drawdown < -0.02


def test_market_has_the_crashes_and_a_realistic_drift(prices: pd.DataFrame) -> None:
    spy = prices["SPY"]
    years = len(spy) / 252
    cagr = (spy.iloc[-1] / spy.iloc[0]) ** (1 / years) - 1
    vol = np.log(spy).diff().std() * np.sqrt(252)
    assert 0.05 < cagr < 0.10
    assert 0.14 < vol < 0.22
    assert spy.loc["2008-09":"2009-03"].min() / spy.loc["2007"].max() < 0.6
    covid_low = spy.loc["2020-02-20":"2020-04-30"].min()
    assert covid_low / spy.loc["2020-01":"2020-02-19"].max() < 0.75
    assert spy.loc["2021"].max() > spy.loc["2020-01":"2020-02-19"].max()  # and recovery


# --- speed --------------------------------------------------------------------------------------


def test_500_symbols_are_fast(prices: pd.DataFrame) -> None:
    symbols = [f"M{i:03d}" for i in range(500)]
    began = time.perf_counter()
    frame = sample_prices(symbols)
    elapsed = time.perf_counter() - began
    assert frame.shape == (len(_xnys_sessions()), 500)
    assert elapsed < 5.0, f"500 symbols took {elapsed:.2f}s"
