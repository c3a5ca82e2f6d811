"""metrics.json and the CSV tables: valid against the published schema, documented, no NaN."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

from generator import export, inert, schema
from generator.formatting import json_number
from tests_support import REPO, render_sample_post, sample_members, sample_report, snapshot_of

pytestmark = pytest.mark.usefixtures("stand_in_exports")

VALIDATOR = jsonschema.Draft202012Validator(schema.load())


@pytest.fixture(scope="module")
def dashboard() -> dict:
    report = sample_report(as_of=pd.Timestamp("2026-07-31"))
    start = report.as_of - pd.DateOffset(years=2)
    members = sample_members(report.config, start)
    return json.loads(export.files(snapshot_of(report, members))["metrics.json"])


def test_the_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema.load())


def test_dashboard_document_follows_the_schema(dashboard):
    VALIDATOR.validate(dashboard)
    assert dashboard["kind"] == "dashboard"
    assert "week" not in dashboard
    assert dashboard["headline"] == "iwn-vs-iwf"
    assert {b["window"] for b in dashboard["breadth"]} == {50, 200}


def test_post_document_follows_the_schema():
    files = render_sample_post("2026-07-24")
    doc = json.loads(files["metrics.json"])
    VALIDATOR.validate(doc)
    assert doc["kind"] == "weekly"
    assert doc["week"]["end"] == doc["as_of"] == "2026-07-24"
    assert {"metrics.json", "returns.csv", "pairs.csv", "week.csv"} <= set(files)


def test_every_field_is_described_and_listed_on_the_downloads_page():
    fields = schema.fields()
    assert len(fields) > 80
    undocumented = [f["path"] for f in fields if not f["description"].strip()]
    assert undocumented == []
    page = (REPO / "tests" / "golden" / "downloads.md").read_text()
    missing = [f["path"] for f in fields if f"<code>{inert.markdown(f['path'])}</code>" not in page]
    assert missing == []


def test_missing_numbers_are_null_in_json_and_empty_in_csv():
    report = sample_report(as_of=pd.Timestamp("2026-07-31"))
    late = report.prices.copy()
    late.loc[: pd.Timestamp("2026-01-15"), "XLK"] = np.nan  # XLK "lists" mid-January
    from generator.report import build_report

    report = build_report(
        report.config,
        late,
        report.as_of,
        source="test",
        is_sample=True,
        status=report.status,
    )
    doc = export.document(snapshot_of(report, members={}, only=("rotation", "breadth")))
    VALIDATOR.validate(doc)
    row = next(r for r in doc["universe"] if r["symbol"] == "XLK")
    assert row["returns"]["1Y"] is None
    assert row["returns"]["YTD"] is None
    assert row["returns"]["1M"] == pytest.approx(
        late["XLK"].loc["2026-07-31"] / late["XLK"].loc[:"2026-06-30"].iloc[-1] - 1, abs=1e-8
    )
    table = export.tables(doc)
    rows = list(csv.DictReader(io.StringIO(table["returns.csv"].decode())))
    xlk = next(r for r in rows if r["symbol"] == "XLK")
    assert xlk["1Y"] == ""
    assert float(xlk["1M"]) == row["returns"]["1M"]
    assert b"NaN" not in export.to_json(doc)


def test_csv_tables_hold_the_documents_numbers(dashboard):
    table = export.tables(dashboard)
    assert set(table) == {
        "returns.csv",
        "pairs.csv",
        "rotation.csv",
        "breadth.csv",
        "style-box.csv",
        "style-spreads.csv",
        "rates.csv",
        "risk.csv",
        "watchlist.csv",
        "history-episodes.csv",
        "history-records.csv",
        "claims.csv",
    }
    claims = list(csv.DictReader(io.StringIO(table["claims.csv"].decode())))
    assert [c["claim"] for c in claims] == [c["claim"] for c in dashboard["claims"]]
    assert [c["verdict"] for c in claims] == [c["verdict"] for c in dashboard["claims"]]
    pairs = list(csv.DictReader(io.StringIO(table["pairs.csv"].decode())))
    head = next(p for p in dashboard["pairs"] if p["key"] == "iwn-vs-iwf")
    ytd = next(r for r in pairs if r["pair"] == "iwn-vs-iwf" and r["period"] == "YTD")
    assert float(ytd["spread"]) == head["returns"]["YTD"]["spread"]
    assert len(pairs) == len(dashboard["pairs"]) * len(dashboard["parameters"]["periods"])


def test_numbers_are_rounded_and_never_negative_zero():
    assert json_number(0.123456789123) == 0.12345679
    assert json_number(-1e-12) == 0.0
    assert str(json_number(-1e-12)) == "0.0"
    assert json_number(float("nan")) is None
    assert json_number(None) is None


def _rows(table: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(table.decode())))


def test_dashboard_only_sections_agree_with_the_universe_and_their_csv(dashboard):
    """The style box, risk and watchlist restate returns of the universe: the same numbers."""
    returns = {r["symbol"]: r["returns"] for r in dashboard["universe"]}
    for cell in dashboard["style"]["cells"]:
        assert cell["returns"] == returns[cell["symbol"]], cell["symbol"]
    for group in dashboard["watchlist"]:
        for period, average in group["averages"].items():
            values = [
                returns[s][period] for s in group["symbols"] if returns[s][period] is not None
            ]
            assert average["count"] == len(values)
            assert average["value"] == pytest.approx(np.mean(values), abs=1e-8)
    peak = {r["symbol"]: r["from_peak"] for r in dashboard["universe"]}
    for row in dashboard["risk"]["symbols"]:
        assert row["from_peak"] == peak[row["symbol"]]
        assert row["max_drawdown"] <= row["from_peak"] <= 0
        assert (row["beta"] is None) == (row["symbol"] == dashboard["benchmark"])
    table = export.tables(dashboard)
    records = _rows(table["history-records.csv"])
    assert len(records) == sum(len(p["records"]) for p in dashboard["history"]["pairs"])
    assert {r["ongoing"] for r in records} <= {"true", "false"}
    first = dashboard["history"]["pairs"][0]["episodes"][0]
    episode = _rows(table["history-episodes.csv"])[0]
    assert float(episode["ratio_change"]) == first["ratio_change"]
    assert episode["start"] == first["start"]
    (rates,) = _rows(table["rates.csv"])
    assert float(rates["slope"]) == pytest.approx(
        dashboard["rates"]["long_level"] - dashboard["rates"]["short_level"], abs=1e-8
    )


def test_a_posts_document_leaves_out_the_dashboard_only_sections():
    doc = json.loads(render_sample_post("2026-07-24")["metrics.json"])
    assert not {"style", "rates", "risk", "watchlist", "history"} & set(doc)


def test_a_charts_csv_is_inert_text_and_plain_numbers():
    """A chart's table (``charts/<name>.csv``): header and text cells starting like a formula
    are quoted as text, numbers stay numbers (negative ones too), a missing value is empty."""
    frame = pd.DataFrame(
        {
            "date": ["2026-07-30", "2026-07-31"],
            '=HYPERLINK("x"): KRE (start = 100)': [100.0, float("nan")],
            "symbol": ["@SUM(A1)", "+1"],
            "count": pd.array([3, None], dtype="Int64"),
            "-x": [-0.05, 0.0],
        }
    )
    rows = list(csv.reader(io.StringIO(export.frame_csv(frame).decode())))
    assert rows == [
        ["date", '\'=HYPERLINK("x"): KRE (start = 100)', "symbol", "count", "'-x"],
        ["2026-07-30", "100.0", "'@SUM(A1)", "3", "-0.05"],
        ["2026-07-31", "", "'+1", "", "0.0"],
    ]
