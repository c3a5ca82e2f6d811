"""Breadth: member lists, % of members above their moving averages, the advance-decline line,
coverage and the two charts.

Expected numbers are worked out by hand in the comments (or by a plain loop written here), never
by calling the function under test.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.chartfiles import chart_files
from generator.charts import BASIS, PLOT_WIDTH
from generator.charts.breadth import MINUS, advance_decline_chart, percent_above_chart
from generator.config import slug
from generator.errors import DataError
from generator.formatting import fmt_pct
from generator.members import Member, member_frame, read_members
from generator.metrics.breadth import (
    advance_decline,
    breadth_measures,
    coverage,
    own_moving_average,
    percent_above_ma,
)
from generator.sections.breadth import above_summary
from tests_support import (
    REPO,
    as_drawn,
    chart_rows,
    csv_rows,
    figure_named,
    plain,
    sample_members,
    sample_report,
    sig6,
    snapshot_of,
)

NAN = math.nan
FAST = settings(max_examples=40, deadline=None)
MEMBERS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "market-data" / "members"


def sessions(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n, name="date").astype("datetime64[ns]")


def frame(columns: dict[str, list[float]], start: str = "2024-01-01") -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame(columns, index=sessions(n, start), dtype="float64")


def layer_rows(spec: dict, index: int = -1) -> list[dict]:
    """The rows of one layer: inline values, or the named dataset it refers to."""
    layer = spec["layer"][index] if "layer" in spec else spec
    data = layer.get("data") or spec["data"]
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


# ---------------------------------------------------------------------------------------------
# read_members
# ---------------------------------------------------------------------------------------------


def test_read_members_keeps_yahoo_spelling_order_and_empty_sectors(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    # A byte-order mark, an empty sector, a missing sector field, a blank line, padded fields.
    path.write_text(
        "\ufeffticker,sector\nBRK-B,Finance\nA,\n\n ^X ,  Energy Minerals \nZ\n", encoding="utf-8"
    )
    assert read_members(path) == [
        Member("BRK-B", "Finance"),
        Member("A", ""),
        Member("^X", "Energy Minerals"),
        Member("Z", ""),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("  \n\n", "empty file"),
        ("ticker,sector\n", "no members after the header"),
        ("symbol,sector\nAAPL,\n", "line 1: expected the header 'ticker,sector'"),
        ("ticker\nAAPL\n", "line 1: expected the header"),
        ("ticker,sector\nAAPL,Tech\n,Tech\n", "line 3: empty ticker"),
        ("ticker,sector\nAAPL,Tech\nMSFT,\nAAPL,Other\n", "line 4: duplicate ticker AAPL"),
        ("ticker,sector\nAAPL,Tech,extra\n", "line 2: expected 2 fields"),
        ("ticker,sector\nBRK B,Finance\n", "line 2: ticker 'BRK B' contains a space"),
        ("ticker,sector\n../etc,Finance\n", "contains a space or a slash"),
    ],
)
def test_read_members_rejects_bad_files_with_one_line_naming_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        read_members(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_duplicate_message_names_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("ticker,sector\nAAPL,\nMSFT,\nAAPL,\n")
    with pytest.raises(DataError, match=r"line 4: duplicate ticker AAPL \(first on line 2\)"):
        read_members(path)


def test_read_members_missing_file_folder_and_undecodable(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.csv: member list not found"):
        read_members(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_members(tmp_path)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"ticker,sector\n\xff\xfe\x00AAPL\n")
    with pytest.raises(DataError, match=r"bin\.csv: cannot read the member list"):
        read_members(binary)


@pytest.mark.realdata
def test_the_shared_member_lists_read_cleanly() -> None:
    if not MEMBERS_DIR.is_dir():
        pytest.skip(f"real member lists not found at {MEMBERS_DIR}")
    sizes = {p.stem: len(read_members(p)) for p in sorted(MEMBERS_DIR.glob("*.csv"))}
    assert set(sizes) == {"nasdaq100", "russell2000", "sp400", "sp500"}
    assert all(n > 90 for n in sizes.values())
    sp500 = read_members(MEMBERS_DIR / "sp500.csv")
    assert {m.sector for m in sp500} == {""}  # the S&P 500 list has no sectors
    assert "BRK-B" in {m.ticker for m in sp500}


# ---------------------------------------------------------------------------------------------
# member_frame
# ---------------------------------------------------------------------------------------------


def test_member_frame_unions_dates_in_ticker_order_and_skips_absent_members() -> None:
    d = pd.to_datetime
    series = {
        "B": pd.Series([2.0, 3.0], index=d(["2024-01-03", "2024-01-02"])),  # unsorted on purpose
        "A": pd.Series([1.0, NAN, 1.5], index=d(["2024-01-02", "2024-01-04", "2024-01-05"])),
        "C": pd.Series([7.0], index=d(["2023-12-29"])),
    }
    got = member_frame(series, ["A", "B", "C", "MISSING"])
    assert list(got.columns) == ["A", "B", "C"]
    assert got.index.name == "date"
    assert got.index.dtype == "datetime64[ns]"
    # 2024-01-04 has only A's NaN: no member has a close, so no row.
    assert [f"{x:%Y-%m-%d}" for x in got.index] == [
        "2023-12-29",
        "2024-01-02",
        "2024-01-03",
        "2024-01-05",
    ]
    expected = [[NAN, NAN, 7.0], [1.0, 3.0, NAN], [NAN, 2.0, NAN], [1.5, NAN, NAN]]
    np.testing.assert_array_equal(got.to_numpy(), np.array(expected))
    cut = member_frame(series, ["A", "B", "C"], start=pd.Timestamp("2024-01-03"))
    assert [f"{x:%Y-%m-%d}" for x in cut.index] == ["2024-01-03", "2024-01-05"]
    assert cut["C"].isna().all()


def test_member_frame_refuses_a_date_twice_and_handles_nothing() -> None:
    twice = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-02", "2024-01-02"]))
    with pytest.raises(DataError, match="X: date 2024-01-02 appears twice"):
        member_frame({"X": twice}, ["X"])
    empty = member_frame({}, ["X"])
    assert empty.shape == (0, 0)


# ---------------------------------------------------------------------------------------------
# own_moving_average / percent_above_ma
# ---------------------------------------------------------------------------------------------


def test_own_moving_average_skips_a_gap_instead_of_filling_it() -> None:
    prices = frame({"G": [1, 2, 3, 4, NAN, 6, 0, 9], "F": [NAN, 5, 5, 5, 5, 5, 5, 5]})
    sma = own_moving_average(prices, 3)
    # G's closes: 1, 2, 3, 4, (gap), 6, (zero = no close), 9.
    # Row 2: (1+2+3)/3 = 2; row 3: (2+3+4)/3 = 3; row 5: (3+4+6)/3 = 13/3; row 7: (4+6+9)/3.
    expected_g = [NAN, NAN, 2.0, 3.0, NAN, 13 / 3, NAN, 19 / 3]
    np.testing.assert_allclose(sma["G"].to_numpy(), expected_g, rtol=1e-15)
    # F's first close is on row 1: full from row 3, exactly 5 (a constant has no residue).
    assert sma["F"].tolist()[:3] == pytest.approx([NAN, NAN, NAN], nan_ok=True)
    assert sma["F"].tolist()[3:] == [5.0] * 5


def test_percent_above_ma_counts_eligible_members_strictly_above() -> None:
    prices = frame(
        {
            "UP": [1, 2, 3, 4],  # SMA2: -, 1.5, 2.5, 3.5 -> above on rows 1..3
            "DOWN": [4, 3, 2, 1],  # SMA2: -, 3.5, 2.5, 1.5 -> never above
            "FLAT": [5, 5, 5, 5],  # close == SMA: not above (strictly)
            "LATE": [NAN, NAN, 2, 3],  # eligible from row 3 only (SMA 2.5, above)
        }
    )
    got = percent_above_ma(prices, 2, min_eligible=1)
    assert got["eligible"].tolist() == [0, 3, 3, 4]
    assert got["above"].tolist() == [0, 1, 1, 2]
    assert got["share"].tolist() == pytest.approx([NAN, 1 / 3, 1 / 3, 2 / 4], nan_ok=True)
    assert got.index.equals(prices.index)
    # With min_eligible 4, only the last session has enough members.
    strict = percent_above_ma(prices, 2, min_eligible=4)
    assert strict["share"].isna().tolist() == [True, True, True, False]
    assert strict["eligible"].tolist() == [0, 3, 3, 4]  # the count is kept either way


def test_percent_above_ma_window_one_and_bad_window() -> None:
    prices = frame({"A": [1.0, 2.0], "B": [3.0, NAN]})
    got = percent_above_ma(prices, 1, min_eligible=1)
    # Window 1: the SMA is the close itself, so nobody is ever strictly above it.
    assert got["eligible"].tolist() == [2, 1]
    assert got["share"].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="window"):
        percent_above_ma(prices, 0)
    with pytest.raises(ValueError, match="window"):
        own_moving_average(prices, -1)


def test_percent_above_ma_on_an_empty_frame() -> None:
    empty = pd.DataFrame(index=sessions(0), dtype="float64")
    got = percent_above_ma(empty, 50)
    assert got.empty
    assert list(got.columns) == ["share", "eligible", "above"]
    assert advance_decline(empty).empty


# ---------------------------------------------------------------------------------------------
# advance_decline
# ---------------------------------------------------------------------------------------------


def test_advance_decline_hand_counted_with_gap_zero_and_tie() -> None:
    prices = frame(
        {
            "A": [10, 11, 11, 10, 12],  # -, adv, unch, dec, adv
            "B": [5, NAN, 6, 7, 6],  # -, gap, (no previous), adv, dec
            "C": [0, 3, 4, 4, 4],  # zero = no close: -, (no previous), adv, unch, unch
            "D": [2, 2 * (1 + 1e-14), 1.0, NAN, NAN],  # -, unch (residue below 1e-12), dec, -, -
        }
    )
    got = advance_decline(prices)
    assert got["advances"].tolist() == [0, 1, 1, 1, 1]
    assert got["declines"].tolist() == [0, 0, 1, 1, 1]
    assert got["unchanged"].tolist() == [0, 1, 1, 1, 1]
    assert got["net"].tolist() == [0, 1, 0, 0, 0]
    assert got["line"].tolist() == [0, 1, 1, 1, 1]
    assert all(str(t) == "int64" for t in got.dtypes)


# ---------------------------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------------------------


def test_coverage_says_from_when_most_members_have_prices() -> None:
    """One member's file starts two sessions before the other nine's: the history is said to
    rest on 90 % of the members only from the third session."""
    early = {"E": [1.0, 1, 1, 1, 1]}
    late = {f"M{i}": [NAN, NAN, 1, 1, 1] for i in range(9)}
    prices = frame(early | late)
    cov = coverage(prices, list(early) + list(late), prices.index[-1])
    assert cov.first_session == prices.index[0]
    assert cov.broad_from == prices.index[2]
    assert cov.summary().endswith("prices from 2024-01-01 (for 90% of them from 2024-01-03)")
    together = coverage(prices, list(late), prices.index[-1])
    assert together.broad_from == together.first_session == prices.index[2]
    assert "(for 90%" not in together.summary()


def test_coverage_counts_listed_priced_and_as_of_members() -> None:
    prices = frame(
        {
            "A": [1, 2, 3, 4],
            "B": [1, 2, NAN, NAN],  # stopped before the as-of session
            "Z": [0, 0, 5, 6],  # zeros before it listed
            "OTHER": [1, 1, 1, 1],  # not in the list: ignored
            "LATE": [NAN, NAN, NAN, 9],  # first close after as-of
        }
    )
    as_of = prices.index[2]
    cov = coverage(prices, ["A", "B", "Z", "NOFILE", "LATE", "A"], as_of)
    assert cov.listed == 5  # the repeated A counts once
    assert cov.priced == 3  # A, B, Z
    assert cov.on_as_of == 2  # A and Z
    assert cov.without_prices == ("NOFILE", "LATE")
    assert cov.non_positive == ("Z",)
    assert cov.first_session == prices.index[0]
    assert cov.summary() == (
        "5 members listed; 3 with prices, 2 with a close on 2024-01-03; prices from 2024-01-01; "
        "1 with zero or negative closes (left out on those sessions)"
    )
    holiday = coverage(prices, ["A"], pd.Timestamp("2024-01-06"))  # a Saturday
    assert holiday.on_as_of == 0
    assert holiday.priced == 1
    nothing = coverage(prices, ["NOFILE"], as_of)
    assert nothing.first_session is None
    assert "prices from" not in nothing.summary()


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

PRICE = st.one_of(
    st.sampled_from([1.0, 2.0, 2.5, 3.0, 10.0]),  # repeats make ties and flat windows common
    st.floats(0.5, 500.0, allow_nan=False),
    st.just(NAN),
    st.just(0.0),
)


@st.composite
def price_frames(draw: st.DrawFn, min_rows: int = 2, max_rows: int = 30) -> pd.DataFrame:
    rows = draw(st.integers(min_rows, max_rows))
    cols = draw(st.integers(1, 5))
    values = draw(
        st.lists(st.lists(PRICE, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
    return pd.DataFrame(
        values, index=sessions(rows), columns=[f"M{i}" for i in range(cols)], dtype="float64"
    )


def naive_own_sma(prices: pd.DataFrame, window: int) -> pd.DataFrame:
    """A plain loop over each member's own closes: the definition, written the slow way."""
    out = pd.DataFrame(NAN, index=prices.index, columns=prices.columns)
    for name in prices.columns:
        closes: list[float] = []
        for i, value in enumerate(prices[name]):
            if not (np.isfinite(value) and value > 0):
                continue
            closes.append(value)
            if len(closes) >= window:
                out.iloc[i, out.columns.get_loc(name)] = sum(closes[-window:]) / window
    return out


@FAST
@given(prices=price_frames(), window=st.integers(1, 6))
def test_own_moving_average_matches_the_definition(prices: pd.DataFrame, window: int) -> None:
    got = own_moving_average(prices, window)
    want = naive_own_sma(prices, window)
    assert (got.isna() == want.isna()).all().all()
    np.testing.assert_allclose(
        got.to_numpy(), want.to_numpy(), rtol=1e-12, atol=1e-9, equal_nan=True
    )


@FAST
@given(prices=price_frames(min_rows=3), window=st.integers(1, 5), data=st.data())
def test_nothing_at_d_changes_when_rows_are_appended_after_d(
    prices: pd.DataFrame, window: int, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(1, len(prices) - 1))
    head = prices.iloc[:cut]
    pd.testing.assert_frame_equal(
        percent_above_ma(head, window, min_eligible=1),
        percent_above_ma(prices, window, min_eligible=1).iloc[:cut],
    )
    pd.testing.assert_frame_equal(advance_decline(head), advance_decline(prices).iloc[:cut])
    pd.testing.assert_frame_equal(
        own_moving_average(head, window), own_moving_average(prices, window).iloc[:cut]
    )


@FAST
@given(
    prices=price_frames(),
    windows=st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True),
    min_eligible=st.integers(0, 3),
)
def test_the_measures_read_at_once_equal_each_read_alone(
    prices: pd.DataFrame, windows: list[int], min_eligible: int
) -> None:
    """``breadth_measures`` (one read of the closes for every window and the A-D line, as the
    Breadth page computes them) gives exactly what each function gives alone."""
    shares, ad = breadth_measures(prices, windows, min_eligible=min_eligible)
    assert list(shares) == windows
    for window in windows:
        pd.testing.assert_frame_equal(
            shares[window], percent_above_ma(prices, window, min_eligible=min_eligible)
        )
    pd.testing.assert_frame_equal(ad, advance_decline(prices))


def test_measures_refuse_a_window_under_one() -> None:
    with pytest.raises(ValueError, match="windows must be at least 1 session"):
        breadth_measures(pd.DataFrame({"A": [1.0]}, index=sessions(1)), (50, 0))


@FAST
@given(prices=price_frames(), window=st.integers(1, 6), min_eligible=st.integers(0, 3))
def test_share_is_a_proportion_of_eligible_members(
    prices: pd.DataFrame, window: int, min_eligible: int
) -> None:
    got = percent_above_ma(prices, window, min_eligible=min_eligible)
    share = got["share"].dropna()
    assert ((share >= 0) & (share <= 1)).all()
    assert (got["above"] <= got["eligible"]).all()
    assert (got["eligible"] <= prices.shape[1]).all()
    assert (got["share"].isna() == (got["eligible"] < max(min_eligible, 1))).all()


@FAST
@given(
    prices=price_frames(),
    level=st.floats(0.5, 500.0),
    present=st.lists(st.booleans(), min_size=30, max_size=30),
    window=st.integers(1, 5),
)
def test_a_member_whose_price_never_moves_is_unchanged_and_never_above(
    prices: pd.DataFrame, level: float, present: list[bool], window: int
) -> None:
    flat = pd.Series([level if p else NAN for p in present[: len(prices)]], index=prices.index)
    more = prices.assign(FLAT=flat)
    before, after = advance_decline(prices), advance_decline(more)
    assert after["advances"].tolist() == before["advances"].tolist()
    assert after["declines"].tolist() == before["declines"].tolist()
    both = (flat.notna() & flat.shift().notna()).astype(int)
    assert (after["unchanged"] - before["unchanged"]).tolist() == both.tolist()
    pct_before = percent_above_ma(prices, window, min_eligible=1)
    pct_after = percent_above_ma(more, window, min_eligible=1)
    assert pct_after["above"].tolist() == pct_before["above"].tolist()
    assert (pct_after["eligible"] - pct_before["eligible"]).isin([0, 1]).all()


@FAST
@given(prices=price_frames(min_rows=1))
def test_ad_line_differences_are_the_net(prices: pd.DataFrame) -> None:
    got = advance_decline(prices)
    assert got["line"].iloc[0] == got["net"].iloc[0] == 0
    assert got["line"].diff().iloc[1:].tolist() == got["net"].iloc[1:].tolist()
    assert (got["net"] == got["advances"] - got["declines"]).all()
    counted = got["advances"] + got["declines"] + got["unchanged"]
    assert (counted <= prices.shape[1]).all()


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------


def trending_members(n_sessions: int, n_members: int = 25, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0005, 0.02, size=(n_sessions, n_members))
    values = 50 * np.exp(np.cumsum(steps, axis=0))
    return pd.DataFrame(
        values, index=sessions(n_sessions), columns=[f"S{i}" for i in range(n_members)]
    )


def test_percent_above_chart_spec() -> None:
    prices = trending_members(40)
    frames = {3: percent_above_ma(prices, 3), 10: percent_above_ma(prices, 10)}
    as_of = prices.index[30]
    chart = percent_above_chart(frames, list_name="Russell 2000", as_of=as_of, members=1933)
    spec = chart.to_dict()
    assert spec["title"]["text"] == "Russell 2000: % of members above their 3- and 10-day averages"
    subtitle = " ".join(spec["title"]["subtitle"])
    for part in (
        BASIS,
        f"as of {as_of:%Y-%m-%d}",
        "3 and 10 closes",
        "1,933 Russell 2000 members",
        "today's members: survivorship bias",
        "fewer than 20 count",
        "daily",
    ):
        assert part in subtitle
    rule, lines, hover = spec["layer"]
    assert rule["mark"]["type"] == "rule"
    assert rule["data"]["values"] == [{"y": 50}]
    assert lines["encoding"]["x"]["type"] == "temporal"
    assert lines["encoding"]["y"]["scale"]["domain"] == [0, 100]
    # The crosshair: the nearest session to the pointer, every window's share in one tooltip,
    # from the lines' own rows (one dataset in the spec, not two).
    (param,) = spec["params"]  # Altair lifts a layer's selection to the top
    assert param["name"] == "hover"
    assert param["views"] == [hover["name"]]
    assert param["select"]["nearest"] is True
    assert param["select"]["on"] == "pointerover"
    assert [t["field"] for t in hover["encoding"]["tooltip"]] == ["date", "p3", "p10"]
    assert hover["data"] == lines["data"]
    assert len(spec["datasets"]) == 1
    rows = layer_rows(spec)
    # The 3-day share starts on the third session (row 2); the chart starts there, ends at as-of.
    assert rows[0]["date"] == f"{prices.index[2]:%Y-%m-%d}T00:00:00"
    assert rows[-1]["date"] == f"{as_of:%Y-%m-%d}T00:00:00"
    assert len(rows) == 29
    assert rows[0]["p10"] is None  # no 10-day share yet: null, never NaN or 0
    # Percent with one decimal: 25 members, so a share is a multiple of 4 %.
    above = frames[3]["above"].iloc[2]
    assert rows[0]["p3"] == pytest.approx(round(above / 25 * 100, 1))
    assert rows[0]["n3"] == 25
    files = chart_files("breadth-pct", chart)
    assert files["charts/breadth-pct.svg"].startswith(b"<svg")
    assert len(files["charts/breadth-pct.vl.json"]) < 300_000
    assert b"NaN" not in files["charts/breadth-pct.vl.json"]


def test_percent_above_chart_draws_a_long_history_at_the_plots_width() -> None:
    prices = trending_members(3200, n_members=20, seed=2)
    frames = {50: percent_above_ma(prices, 50), 200: percent_above_ma(prices, 200)}
    as_of = prices.index[-1]
    spec = percent_above_chart(frames, list_name="X", as_of=as_of, members=20).to_dict()
    rows = layer_rows(spec)
    assert len(rows) <= PLOT_WIDTH + 10
    shares = pd.DataFrame({w: frames[w]["share"] for w in (50, 200)}).dropna(how="all")
    said = f"daily, {len(rows):,} of {len(shares):,} sessions drawn (highs and lows kept)"
    assert said in " ".join(spec["title"]["subtitle"])
    # Each window's highest and lowest share is drawn, on its session.
    for window in (50, 200):
        share = shares[window] * 100
        drawn = {row["date"][:10]: row[f"p{window}"] for row in rows}
        for session in (share.idxmax(), share.idxmin()):
            assert drawn[f"{session:%Y-%m-%d}"] == pytest.approx(round(share[session], 1))
    assert rows[-1]["date"] == f"{as_of:%Y-%m-%d}T00:00:00"
    assert "50- and 200-day" in spec["title"]["text"]


def test_advance_decline_chart_spec() -> None:
    # Rows 0-1 have only 2 members with closes: too few to count (min_counted 3).
    prices = frame(
        {
            "A": [1, 2, 3, 2, 3, 4],
            "B": [1, 2, 1, 2, 3, 3],
            "C": [NAN, NAN, 1, 2, 3, 2],
            "D": [NAN, NAN, 2, 1, 1, 2],
        }
    )
    # Row: adv/dec/unch -> net, counted
    # 1: A+ B+          -> +2, 2
    # 2: A+ B-          ->  0, 2 (C, D have no previous close)
    # 3: A- B+ C+ D-    ->  0, 4
    # 4: A+ B+ C+ D=    -> +3, 4
    # 5: A+ B= C- D+    -> +1, 4
    ad = advance_decline(prices)
    as_of = prices.index[4]
    chart = advance_decline_chart(ad, list_name="S&P 500", as_of=as_of, members=4, min_counted=3)
    spec = chart.to_dict()
    assert spec["title"]["text"] == "S&P 500: advance-decline line"
    subtitle = " ".join(spec["title"]["subtitle"])
    for part in (
        BASIS,
        "as of 2024-01-05",
        "summed from 2024-01-04",
        "Trend matters, not level",
        "today's members: survivorship bias",
        "4 S&P 500 members",
    ):
        assert part in subtitle
    rows = layer_rows(spec, 0)
    assert [r["date"][:10] for r in rows] == ["2024-01-04", "2024-01-05"]
    assert [r["line"] for r in rows] == [0, 3]  # summed from the first session shown
    assert [r["advances"] for r in rows] == [2, 3]
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["y"]["field"] == "line"
    files = chart_files("breadth-ad", chart)
    assert files["charts/breadth-ad.svg"].startswith(b"<svg")
    # min_counted 1: the whole history, the metric's own line.
    full = advance_decline_chart(
        ad, list_name="X", as_of=prices.index[-1], members=4, min_counted=1
    )
    rows = layer_rows(full.to_dict(), 0)
    assert [r["line"] for r in rows] == [2, 2, 2, 5, 6]
    assert rows[0]["date"] == "2024-01-02T00:00:00"


# ---------------------------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_nasdaq100_breadth_on_real_data_agrees_with_a_plain_pandas_count(shared_prices) -> None:
    from generator.sources.csvdir import load_csv_dir

    members = read_members(MEMBERS_DIR / "nasdaq100.csv")
    tickers = [m.ticker for m in members]
    loaded = load_csv_dir(shared_prices, tickers)
    assert loaded.missing == {}
    prices = member_frame(loaded.series, tickers, start=pd.Timestamp("2023-01-03"))
    as_of = pd.Timestamp("2026-07-31")
    cov = coverage(prices, tickers, as_of)
    assert cov.listed == cov.priced == len(tickers)
    assert cov.first_session == pd.Timestamp("2023-01-03")
    got = percent_above_ma(prices, 50).loc[as_of]
    # Independent count: each member's closes, pandas' own rolling mean.
    above = eligible = 0
    for t in tickers:
        closes = prices[t][prices[t] > 0].dropna()
        if len(closes) >= 50 and closes.index[-1] == as_of:
            eligible += 1
            above += bool(closes.iloc[-1] > closes.iloc[-50:].mean())
    assert (got["eligible"], got["above"]) == (eligible, above)
    ad = advance_decline(prices)
    day = prices.loc[:as_of].iloc[-2:]
    moves = (day.iloc[1] / day.iloc[0] - 1).dropna()
    assert ad.loc[as_of, "advances"] == (moves > 0).sum()
    assert ad.loc[as_of, "declines"] == (moves < 0).sum()


@pytest.mark.realdata
def test_a_member_quoted_at_zero_before_listing_is_reported(shared_prices) -> None:
    from generator.sources.csvdir import read_close_csv

    dec = read_close_csv(shared_prices / "DEC.csv")
    prices = member_frame({"DEC": dec}, ["DEC"], start=pd.Timestamp("2023-01-03"))
    cov = coverage(prices, ["DEC"], pd.Timestamp("2026-07-31"))
    assert cov.non_positive == ("DEC",)
    ad = advance_decline(prices)
    # No advance or decline while it is quoted at 0, nor on its first real close.
    first_real = prices.index[(prices["DEC"] > 0).to_numpy().argmax()]
    assert (ad.loc[:first_real, ["advances", "declines", "unchanged"]] == 0).all().all()


# --- the Breadth page's captions and data

AS_OF = pd.Timestamp("2026-07-31")
NET = f"Net (advances {MINUS} declines)"


@functools.cache
def sample_breadth():
    """The sample's breadth section as of :data:`AS_OF`, members' prices running past it."""
    snap = snapshot_of(sample_report(as_of=AS_OF), only=("breadth",))
    return snap, snap.present()[1]


def test_the_share_above_each_average_is_said_of_the_members_counted():
    snap, figures = sample_breadth()
    rows = snap.document["breadth"]
    for item in snap.data["breadth"].lists:
        figure = figure_named(figures, f"breadth-{slug(item.name)}-above")
        fifty, two_hundred = (
            next(r for r in rows if (r["list"], r["window"]) == (item.name, w)) for w in (50, 200)
        )
        assert plain(figure.summary) == (
            f"{fifty['above']} of {fifty['eligible']} members ({fifty['share']:.0%}) closed above "
            f"their 50-day average and {two_hundred['above']} of {two_hundred['eligible']} "
            f"({two_hundred['share']:.0%}) above their 200-day average."
        )


def test_a_window_without_a_share_says_why_and_states_no_share():
    doc = {
        "breadth": [
            {"list": "L", "window": 50, "share": None, "eligible": 12, "above": 7},
            {"list": "L", "window": 200, "share": 0.5, "eligible": 40, "above": 20},
        ]
    }
    assert plain(above_summary(doc, "L", [50, 200, 20])) == (
        "20 of 40 members (50%) closed above their 200-day average. "
        "No 50-day share: too few members counted (12). "
        "No 20-day share: no member counted."
    )
    assert plain(above_summary(doc, "L", [50])) == (
        "No 50-day share: too few members counted (12)."
    )


def test_the_ad_line_caption_says_its_month_and_its_last_session():
    snap, figures = sample_breadth()
    for item in snap.data["breadth"].lists:
        figure = figure_named(figures, f"breadth-{slug(item.name)}-ad")
        ad = item.advance_decline
        month_ago = ad.index[ad.index <= AS_OF - pd.DateOffset(months=1)][-1]
        change = int(ad.at[AS_OF, "line"] - ad.at[month_ago, "line"])
        moved = f"rose by {change:,}" if change > 0 else f"fell by {-change:,}"
        last = ad.loc[AS_OF]
        assert plain(figure.summary) == (
            f"Over the past month (since {month_ago:%Y-%m-%d}) the A-D line {moved}. "
            f"On 2026-07-31, {last['advances']} members advanced, {last['declines']} declined "
            f"and {last['unchanged']} were unchanged."
        )


def test_the_equal_weight_caption_is_the_section_pairs_numbers():
    snap, figures = sample_breadth()
    pr = snap.data["breadth"].equal_weight
    ra, rb = pr.returns.at["1Y", "a"], pr.returns.at["1Y", "b"]
    last = pr.ratio.iloc[-1]
    where = {True: "above", False: "below"}
    assert (last["ratio"] > last["ma_short"]) == (last["ratio"] > last["ma_long"])  # the sample
    assert plain(figure_named(figures, "breadth-equal-weight").summary) == (
        f"Over the past year RSP returned {fmt_pct(ra)} and SPY {fmt_pct(rb)}, so the RSP / SPY "
        f"ratio {'rose' if (1 + ra) / (1 + rb) > 1 else 'fell'}. It closed "
        f"{where[bool(last['ratio'] > last['ma_short'])]} both its 50- and 200-session averages."
    )
    # Not a pair of the document: no span claims a path in it.
    assert "data-metric" not in str(figure_named(figures, "breadth-equal-weight").summary)


def test_the_breadth_csvs_stop_at_the_session_and_end_as_the_charts_do():
    snap, figures = sample_breadth()
    rows = snap.document["breadth"]
    for item in snap.data["breadth"].lists:
        above = figure_named(figures, f"breadth-{slug(item.name)}-above")
        table = csv_rows(above)
        assert list(table[0]) == [
            "date",
            "Above 50-day average (%)",
            "Above 200-day average (%)",
            "Members counted, 50-day",
            "Members counted, 200-day",
        ]
        assert table[-1]["date"] == "2026-07-31"
        assert all(r["date"] <= "2026-07-31" for r in table)
        drawn = max(chart_rows(above), key=lambda r: r.get("date", ""))
        assert drawn["date"].startswith("2026-07-31")
        for w in (50, 200):
            doc = next(r for r in rows if (r["list"], r["window"]) == (item.name, w))
            share = item.frames[w].at[AS_OF, "share"]
            assert float(table[-1][f"Above {w}-day average (%)"]) == sig6(share * 100)
            assert as_drawn(table[-1][f"Above {w}-day average (%)"], drawn[f"p{w}"], 1)
            assert round(share, 8) == doc["share"]
            assert int(table[-1][f"Members counted, {w}-day"]) == doc["eligible"] == drawn[f"n{w}"]

        ad = figure_named(figures, f"breadth-{slug(item.name)}-ad")
        table = csv_rows(ad)
        assert list(table[0]) == [
            "date",
            "A-D line",
            "Advances",
            "Declines",
            "Unchanged",
            NET,
        ]
        assert table[-1]["date"] == "2026-07-31"
        drawn = max(chart_rows(ad), key=lambda r: r.get("date", ""))
        for column, key in (
            ("A-D line", "line"),
            ("Advances", "advances"),
            (NET, "net"),
        ):
            assert int(table[-1][column]) == drawn[key]
        # The line as drawn: summed from its first session.
        line = [int(r["A-D line"]) for r in table]
        net = [int(r[NET]) for r in table]
        assert line[0] == net[0]
        assert all(b - a == n for a, b, n in zip(line, line[1:], net[1:], strict=False))

    ratio = csv_rows(figure_named(figures, "breadth-equal-weight"))
    assert list(ratio[0]) == [
        "date",
        "RSP / SPY (start = 100)",
        "50-session average (start = 100)",
        "200-session average (start = 100)",
    ]
    assert ratio[-1]["date"] == "2026-07-31"


def test_coverage_says_when_most_members_were_not_refreshed_to_the_session() -> None:
    """Four members with prices, one with a close on the session: the page is told so, with the
    last session most of them have; a list refreshed to the session says nothing."""
    prices = frame(
        {
            "A": [1, 2, 3, 4, 5],
            "B": [1, 2, 3, NAN, NAN],
            "C": [1, 2, 3, 4, NAN],
            "D": [1, 2, 3, NAN, NAN],
        }
    )
    late = coverage(prices, ["A", "B", "C", "D"], prices.index[-1])
    assert (late.on_as_of, late.priced, late.broad_to) == (1, 4, prices.index[2])
    assert late.behind() == (
        f"Only 1 of the 4 members with prices have a close on {prices.index[-1]:%Y-%m-%d}: their "
        "prices were not refreshed to this session (the members' fetch stops at its time budget, "
        "or at once when Yahoo rate-limits; the next run catches up). Most of them have closes "
        f"up to {prices.index[2]:%Y-%m-%d}. Each session's shares count the members with a close "
        "that session."
    )
    current = coverage(prices, ["A", "B", "C", "D"], prices.index[2])
    assert (current.broad_to, current.behind()) == (prices.index[2], "")
    assert coverage(prices, ["NOFILE"], prices.index[-1]).behind() == ""


def test_the_breadth_page_warns_when_members_stop_before_the_session():
    """The sample's members cut a week before the session: each list's section of the rendered
    page opens with the warning; with members through the session, no list has it."""
    from generator import templating
    from generator.render import page_context

    report = sample_report(as_of=AS_OF)
    members = sample_members(report.config, AS_OF - pd.DateOffset(years=4))
    cut = {
        name: (None if prices is None else prices.loc[: AS_OF - pd.Timedelta(days=7)], tickers, why)
        for name, (prices, tickers, why) in members.items()
    }
    env = templating.make_environment(REPO / "templates")
    rendered = {}
    for label, prices_of in (("cut", cut), ("full", members)):
        snap = snapshot_of(report, prices_of)
        context, _ = page_context(snap)
        page = next(p for p in snap.pages() if p.file == "breadth.md")
        rendered[label] = templating.render_pages(env, context, [page])["breadth.md"].decode()
    lists = len(report.config.breadth.lists)
    assert rendered["full"].count("Member prices not refreshed") == 0
    assert rendered["cut"].count('!!! warning "Member prices not refreshed"') == lists
    assert rendered["cut"].count("Most of them have closes up to 2026-07-24.") == lists
    assert "Only 0 of the " in rendered["cut"]
