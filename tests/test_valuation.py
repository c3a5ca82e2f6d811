"""The valuation snapshot: Yahoo's fund averages through yfinance's real parsing (canned
quoteSummary answers), the append-only history and its status, ``rotation valuation``."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeyahoo import fund_summary
from generator.errors import DataError
from generator.project import Project
from generator.sources import yahoo
from generator.sources.yahoo import fund_valuations
from generator.valuation import (
    HEADER,
    YAHOO,
    append,
    known_by,
    pe,
    read_history,
    read_status,
    take_snapshot,
)
from tests_support import error_line, run

COMPLETE = {
    "priceToEarnings": 0.0569,
    "priceToEarningsCat": 20.63,
    "priceToBook": 1.93,
    "priceToBookCat": 2.87,
    "priceToSales": 0.978,
    "priceToCashflow": 0.1056,
    "medianMarketCap": 3120.5,
    "threeYearEarningsGrowth": 4.12,
}
"""A small-cap fund's averages as Yahoo wrote them for a real fund (its own P/E as the earnings
yield, the category's as a P/E)."""


def test_yahoos_fund_averages_are_read_through_yfinance(yahoo_env):
    session = yahoo_env.session(
        funds={
            "IWM": fund_summary("IWM", COMPLETE),
            "IWN": fund_summary("IWN", {"priceToEarnings": 15.2}),
            "IWO": fund_summary("IWO", None),  # no topHoldings module
            "IJR": b"<html>Will be right back</html>",
            "MDY": fund_summary("MDY", {"priceToEarnings": "n/a"}),
        }
    )
    got = fund_valuations(["IWM", "IWN", "IWO", "IJR", "MDY", "ZZZZ"], session=session)
    assert got["IWM"] == {
        "price_earnings": 0.0569,
        "price_earnings_category": 20.63,
        "price_book": 1.93,
        "price_book_category": 2.87,
        "price_sales": 0.978,
        "price_cashflow": 0.1056,
        "median_market_cap": 3120.5,
        "earnings_growth_3y": 4.12,
    }
    assert got["IWN"] == {"price_earnings": 15.2}
    assert got["IWO"] == "YFDataException: IWO: No Fund data found."
    assert got["IJR"] == "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
    assert got["MDY"] == "Yahoo's answer holds no equity averages for this fund"
    assert got["ZZZZ"] == "FakeHTTPError: HTTP Error 404: Not Found"
    asked = [r.symbol for r in session.requests if r.endpoint == "quoteSummary"]
    assert set(asked) == {"IWM", "IWN", "IWO", "IJR", "MDY", "ZZZZ"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0.0569, 1 / 0.0569), (20.63, 20.63), (1.0, 1.0), (0.0, None), (-12.0, None), (None, None)],
)
def test_a_funds_pe_is_read_whether_yahoo_gives_it_or_its_reciprocal(raw, expected):
    assert pe(raw) == (pytest.approx(expected) if expected else None)


def _project(project, **valuation) -> Project:
    root = project({"valuation": {"funds": ["IWM", "SPY"], **valuation}})
    return Project.load(root / "rotation.yml")


def _answers(**by_symbol):
    return lambda symbols: {s: by_symbol[s] for s in symbols}


def test_a_snapshot_adds_its_day_and_never_rewrites_an_earlier_one(project):
    proj = _project(project)
    path = proj.locate("data/valuation.csv")
    first = take_snapshot(
        proj,
        _answers(IWM={"price_earnings": 0.05}, SPY={"price_earnings": 0.04}),
        dt.date(2026, 11, 20),
    )
    assert (first.written, first.kept, first.failed) == (2, 0, {})
    before = path.read_bytes()
    assert before.decode().splitlines() == [
        ",".join(HEADER),
        f"2026-11-20,IWM,price_earnings,0.05,{YAHOO}",
        f"2026-11-20,SPY,price_earnings,0.04,{YAHOO}",
    ]
    again = take_snapshot(
        proj,
        _answers(IWM={"price_earnings": 0.06}, SPY={"price_earnings": 0.04}),
        dt.date(2026, 11, 20),
    )
    assert (again.written, again.kept) == (0, 2)  # the day's values stay as first taken
    assert path.read_bytes() == before
    take_snapshot(
        proj, _answers(IWM={"price_earnings": 0.06}, SPY="HTTP Error 429"), dt.date(2026, 11, 27)
    )
    after = path.read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].decode() == f"2026-11-27,IWM,price_earnings,0.06,{YAHOO}\n"
    assert read_status(path) == {
        "taken": "2026-11-27",
        "funds": ["IWM", "SPY"],
        "failed": {"SPY": "HTTP Error 429"},
    }


def test_a_snapshot_where_yahoo_answers_nothing_leaves_the_history_as_it_was(project, capsys):
    proj = _project(project)
    path = proj.locate("data/valuation.csv")
    take_snapshot(
        proj, _answers(IWM={"price_book": 2.0}, SPY={"price_book": 4.0}), dt.date(2026, 11, 20)
    )
    before = path.read_bytes()
    result = take_snapshot(proj, _answers(IWM="timeout", SPY="timeout"), dt.date(2026, 11, 27))
    assert (result.written, result.failed) == (0, {"IWM": "timeout", "SPY": "timeout"})
    assert path.read_bytes() == before
    assert read_status(path)["failed"] == {"IWM": "timeout", "SPY": "timeout"}


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["IWM", "SPY", "IJR"]),
            st.dictionaries(
                st.sampled_from(["price_earnings", "price_book"]),
                st.floats(0.01, 500, allow_nan=False),
                max_size=2,
            ),
            max_size=3,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_each_snapshot_only_appends_and_a_report_reads_what_was_known_by_its_day(
    tmp_path_factory, days
):
    path = tmp_path_factory.mktemp("history") / "valuation.csv"
    seen = b""
    for i, values in enumerate(days):
        append(path, dt.date(2026, 1, 2) + dt.timedelta(weeks=i), values)
        text = path.read_bytes() if path.exists() else b""
        assert text.startswith(seen)
        seen = text
    history = read_history(path)
    for i in range(len(days)):
        day = pd.Timestamp(dt.date(2026, 1, 2) + dt.timedelta(weeks=i))
        known = known_by(history, day)
        assert (known["date"] <= day).all()
        expected = sum(len(f) for v in days[: i + 1] for f in v.values())
        assert len(known) == expected
    assert history["value"].tolist() == [
        v for day in days for _, fields in day.items() for _, v in sorted(fields.items())
    ]


def test_a_file_that_is_not_the_history_is_refused_by_name(tmp_path):
    path = tmp_path / "valuation.csv"
    path.write_text("Date,Close\n2026-01-02,1\n")
    with pytest.raises(DataError) as caught:
        read_history(path)
    assert str(caught.value) == f"{path}: line 1 must be date,symbol,field,value,source"
    path.write_text(",".join(HEADER) + "\n2026-01-02,IWM,price_earnings,lots,Yahoo\n")
    with pytest.raises(DataError) as caught:
        append(path, dt.date(2026, 1, 9), {"IWM": {"price_earnings": 1.0}})
    assert str(caught.value) == f"{path}: line 2 is not date,symbol,field,value,source"
    assert path.read_text().endswith("lots,Yahoo\n")  # untouched


def test_rotation_valuation_takes_the_snapshot_through_yfinance(
    project, yahoo_env, monkeypatch, capsys
):
    root = project({"valuation": {"funds": ["IWM", "IWO"]}})
    session = yahoo_env.session(funds={"IWM": fund_summary("IWM", COMPLETE)})
    monkeypatch.setattr(
        yahoo, "fund_valuations", functools.partial(fund_valuations, session=session)
    )
    code, _, err = run(capsys, "valuation", "--config", str(root / "rotation.yml"))
    assert code == 0, err
    history = read_history(root / "data" / "valuation.csv")
    assert set(history["symbol"]) == {"IWM"}
    assert len(history) == 8
    assert "valuation: IWO: FakeHTTPError: HTTP Error 404: Not Found" in err
    assert read_status(root / "data" / "valuation.csv")["failed"] == {
        "IWO": "FakeHTTPError: HTTP Error 404: Not Found"
    }


def test_rotation_valuation_without_the_key_is_one_error_line(project, capsys):
    root = project()
    code, _, err = run(capsys, "valuation", "--config", str(root / "rotation.yml"))
    assert code == 1
    assert error_line(err) == (
        f"Error: {root / 'rotation.yml'}: valuation: not configured, nothing to snapshot"
    )
