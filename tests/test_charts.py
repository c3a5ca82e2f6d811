"""The helpers every chart module shares (generator/charts/__init__.py): fitting a daily series
to the plot's width."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.charts import PLOT_WIDTH, daily_rows, fit_width


def _sessions(n: int) -> pd.DatetimeIndex:
    return pd.bdate_range("2021-01-04", periods=n)


@st.composite
def daily_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    """A wide frame of 1-3 random-walk columns with runs of missing values, and a width."""
    n = draw(st.integers(2, 1500))
    width = draw(st.integers(10, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    columns = {}
    for name in ("a", "b", "c")[: draw(st.integers(1, 3))]:
        values = 100 + np.cumsum(rng.normal(0, 1, n))
        for _ in range(draw(st.integers(0, 3))):  # gaps: a run of sessions without a value
            start = int(rng.integers(0, n))
            values[start : start + int(rng.integers(1, 30))] = np.nan
        columns[name] = values
    return pd.DataFrame(columns, index=_sessions(n)), width


@settings(max_examples=150, deadline=None)
@given(daily_frames())
def test_a_fitted_series_keeps_its_ends_extremes_gaps_and_values(case) -> None:
    frame, width = case
    shown = fit_width(frame, width=width)
    if len(frame) <= width:
        assert shown is frame
        return
    positions = frame.index.get_indexer(shown.index)
    assert (np.diff(positions) > 0).all()  # real sessions, in order, none twice
    pd.testing.assert_frame_equal(shown, frame.iloc[positions])  # whole rows, values untouched
    assert positions[0] == 0
    assert positions[-1] == len(frame) - 1
    transitions = sum(int(np.diff(frame[c].isna().to_numpy()).sum()) for c in frame)
    assert len(shown) <= width + 2 + 2 * transitions + 2 * frame.shape[1]
    for name in frame:
        column = frame[name]
        if column.notna().any():
            assert column.idxmax() in shown.index
            assert column.idxmin() in shown.index
        # No line is drawn across a gap: two drawn neighbours with values have none missing
        # between them.
        missing = column.isna().to_numpy()
        for i, j in itertools.pairwise(positions):
            if not missing[i] and not missing[j]:
                assert not missing[i:j].any(), (name, i, j)


def test_a_fitted_series_keeps_its_shape() -> None:
    """A sine wave over 1,255 sessions drawn from 700 of them: linear interpolation between the
    drawn sessions stays within 1 % of the wave's range at every session."""
    n = 1255
    frame = pd.DataFrame({"y": np.sin(np.linspace(0, 12 * np.pi, n))}, index=_sessions(n))
    shown = fit_width(frame)
    assert len(shown) <= PLOT_WIDTH
    positions = frame.index.get_indexer(shown.index)
    redrawn = np.interp(np.arange(n), positions, shown["y"].to_numpy())
    assert np.abs(redrawn - frame["y"].to_numpy()).max() < 0.02


def test_the_subtitle_says_how_many_sessions_are_drawn() -> None:
    short = pd.DataFrame({"y": np.arange(300.0)}, index=_sessions(300))
    assert daily_rows(short) == (short, "daily")
    long = pd.DataFrame({"y": np.sin(np.arange(1255.0) / 9)}, index=_sessions(1255))
    shown, words = daily_rows(long)
    assert words == f"daily, {len(shown):,} of 1,255 sessions drawn (highs and lows kept)"
    assert len(shown) < 1255
