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
from generator.metrics.valuation import known_by, pe
from generator.project import Project
from generator.sources import yahoo
from generator.sources.yahoo import fund_valuations
from generator.valuation import (
    HEADER,
    YAHOO,
    append,
    read_history,
    read_status,
    take_snapshot,
)
from tests_support import run

pytestmark = pytest.mark.usefixtures("stand_in_exports")

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
    root = project({"valuation": {"funds": ["IWM", "SPY"], "discounts": [], **valuation}})
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
    path.write_text(",".join(HEADER) + "\n2026-01-02,IWM,price_earnings,inf,Yahoo\n")
    with pytest.raises(DataError) as caught:
        read_history(path)
    assert str(caught.value) == f"{path}: line 2 is not date,symbol,field,value,source"


@pytest.mark.parametrize(
    "text",
    [
        "[1]",
        '{"taken": "someday"}',
        '{"taken": "2026-01-02", "failed": 5}',
        '{"taken": "2026-01-02", "failed": {"IWM": 5}}',
        "not json",
    ],
)
def test_a_status_file_that_is_not_ours_says_nothing(tmp_path, text):
    path = tmp_path / "valuation.csv"
    path.with_suffix(".json").write_text(text)
    assert read_status(path) == {}


def test_rotation_valuation_takes_the_snapshot_through_yfinance(
    project, yahoo_env, monkeypatch, capsys
):
    root = project({"valuation": {"funds": ["IWM", "IWO"], "discounts": []}})
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


def test_rotation_valuation_without_the_key_says_so_and_takes_none(project, capsys):
    """A fork that dropped the Valuation page by deleting its key keeps a working weekly run."""
    root = project({"valuation": None})
    code, _, err = run(capsys, "valuation", "--config", str(root / "rotation.yml"))
    assert code == 0, err
    assert f"valuation: not configured in {root / 'rotation.yml'}, no snapshot taken" in err
    assert not (root / "data" / "valuation.csv").exists()
    assert not (root / "data" / "valuation.json").exists()


# ------------------------------------------------------------------------ P/E and the discounts


def _history(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(HEADER))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.astype({"value": "float64"})


HISTORY = _history(
    [
        ("2026-11-06", "IWM", "price_earnings", 0.04, YAHOO),  # a yield: P/E 25
        ("2026-11-06", "SPY", "price_earnings", 0.05, YAHOO),  # P/E 20
        ("2026-11-13", "IWM", "price_earnings", 18.0, YAHOO),
        ("2026-11-13", "SPY", "price_earnings", 24.0, YAHOO),
        ("2026-11-13", "IWM", "price_book", 0.5, YAHOO),
        ("2026-11-20", "IWM", "price_earnings", 15.0, YAHOO),  # SPY missed this week
        ("2026-11-27", "IWM", "price_earnings", -3.0, YAHOO),  # losses: no P/E
        ("2026-11-27", "SPY", "price_earnings", 30.0, YAHOO),
    ]
)


def test_a_discount_is_read_from_the_snapshots_taken_by_the_session_only():
    from generator.metrics import valuation as values

    friday = pd.Timestamp("2026-11-20")
    gaps = values.discount_history(HISTORY, "IWM", "SPY", friday)
    assert gaps["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-06", "2026-11-13"]
    assert gaps["discount"].tolist() == pytest.approx([25 / 20 - 1, 18 / 24 - 1])
    assert values.latest_pe(HISTORY, "IWM", friday) == values.Reading(friday, 15.0, YAHOO)
    # The 27th's snapshot exists but is later than the session: never used for it.
    assert values.latest_pe(HISTORY, "SPY", friday).value == 24.0
    # A reading older than two weeks stands for nothing.
    assert values.latest_pe(HISTORY, "SPY", pd.Timestamp("2026-11-26")).value == 24.0
    assert values.latest_pe(HISTORY, "SPY", pd.Timestamp("2026-11-28")).value == 30.0
    late = pd.Timestamp("2026-12-12")
    assert values.latest_pe(HISTORY, "IWM", late) is None  # the 20th is 22 days old; 27th: loss
    assert values.latest(values.discount_history(HISTORY, "IWM", "SPY", late), late) is None


def test_a_claimed_discount_is_measured_from_the_snapshots():
    from generator.claims import parse
    from generator.metrics.claims import ONLY_PE, UNSTATED_BASIS, Data, check

    prices = pd.DataFrame(
        {"IWM": 1.0, "SPY": 1.0}, index=pd.bdate_range("2026-11-02", "2026-11-27")
    )
    data = Data(prices, {}, valuation=HISTORY)
    as_of = pd.Timestamp("2026-11-27")
    verdict = check(parse("IWM vs SPY P/E discount on 2026-11-18 = 25 %"), data, as_of)
    assert (verdict.status, verdict.value) == ("holds", pytest.approx(1 - 18 / 24))
    premium = check(parse("IWM vs SPY P/E discount on 2026-11-09 = 25 %"), data, as_of)
    assert premium.value == pytest.approx(1 - 25 / 20)  # a premium is a negative discount
    forward = check(parse("IWM vs SPY forward P/E discount on 2026-11-18 = 25 %"), data, as_of)
    assert (forward.status, forward.reason) == ("cannot be checked", UNSTATED_BASIS)
    book = check(parse("IWM vs SPY P/B discount on 2026-11-18 = 25 %"), data, as_of)
    assert book.reason == ONLY_PE
    early = check(parse("IWM vs SPY P/E discount on 2026-11-03 = 25 %"), data, as_of)
    assert early.reason == "no snapshot of both IWM and SPY in the 14 days to 2026-11-03"


def test_the_page_names_each_pe_its_day_and_the_funds_the_last_snapshot_missed():
    import dataclasses

    from test_render import pages as render_pages

    from generator.config import load_config
    from tests_support import FIXTURE_CONFIG, sample_report, snapshot_of

    config = load_config(FIXTURE_CONFIG)
    cfg = config.valuation.model_copy(
        update={"discounts": config.valuation.discounts[1:2]}  # IWM vs SPY
    )
    config = config.model_copy(update={"valuation": cfg})
    report = dataclasses.replace(
        sample_report(config, as_of=pd.Timestamp("2026-11-20")),
        valuation=HISTORY[HISTORY["date"] <= "2026-11-20"],
        valuation_status={"taken": "2026-11-20", "failed": {"SPY": "HTTP Error 429"}},
    )
    page = render_pages(report)["valuation.md"]
    doc = snapshot_of(report).document["valuation"]
    iwm = next(c for c in doc["cells"] if c["symbol"] == "IWM")
    assert (iwm["pe"], iwm["date"], iwm["source"]) == (15.0, "2026-11-20", YAHOO)
    assert next(c for c in doc["cells"] if c["symbol"] == "IWD")["pe"] is None
    (gap,) = doc["discounts"]
    assert (gap["date"], gap["pe_a"], gap["pe_b"]) == ("2026-11-13", 18.0, 24.0)
    assert gap["discount"] == pytest.approx(-0.25)
    assert [h["date"] for h in gap["history"]] == ["2026-11-06", "2026-11-13"]
    assert '!!! warning "The last snapshot (2026-11-20) missed 1 fund"' in page
    assert "SPY: HTTP Error 429." in page
    assert "Snapshot of 2026-11-20" in page


def test_a_post_shows_only_the_snapshots_taken_by_its_session():
    """A week before the first snapshot has no valuation part (its post reads as it did before
    snapshots existed); a later week shows the gaps of the snapshots up to its session, and a
    snapshot taken after it changes nothing in it."""
    import json

    from generator import posts
    from generator.config import load_config
    from generator.pipeline import load_prices
    from generator.sources import SAMPLE
    from generator.valuation import sample_history
    from tests_support import FIXTURE_CONFIG

    config = load_config(FIXTURE_CONFIG)
    loaded = load_prices(SAMPLE, config.symbols)
    full = sample_history(config.valuation.funds, pd.Timestamp("2026-08-14"))
    history = full[full["date"] >= "2026-07-24"]
    before, after = pd.Timestamp("2026-07-17"), pd.Timestamp("2026-07-31")

    early = posts.draft_post(config, loaded, {}, before, history=history)
    assert "valuation" not in json.loads(early.files["metrics.json"])
    assert "valuation" not in posts.post_inputs("t", config, loaded, {}, before, history=history)

    def post(history: pd.DataFrame) -> dict:
        return json.loads(
            posts.draft_post(config, loaded, {}, after, history=history).files["metrics.json"]
        )

    doc = post(history)
    gap = doc["valuation"]["discounts"][0]
    assert [h["date"] for h in gap["history"]] == ["2026-07-24", "2026-07-31"]
    iwm = history[(history["symbol"] == "IWM") & (history["date"] == after)]["value"].item()
    iwb = history[(history["symbol"] == "IWB") & (history["date"] == after)]["value"].item()
    assert gap["discount"] == pytest.approx(iwm / iwb - 1)
    later = pd.concat([history, _history([("2026-08-03", "IWM", "price_earnings", 99.0, YAHOO)])])
    assert post(later) == doc
    inputs = posts.post_inputs("t", config, loaded, {}, after, history=history)
    assert posts.post_inputs("t", config, loaded, {}, after, history=later) == inputs
