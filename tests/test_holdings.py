"""Member lists from the issuers' holdings files (generator.holdings, `rotation members`), on
canned files of each format written here: no network."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from generator import holdings
from generator.errors import DataError
from generator.members import read_members
from tests_support import error_line, run

ISHARES_HEADER = (
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date"
)


def ishares(stocks: list[tuple[str, str, str]], *, extra: str = "", header: str = ISHARES_HEADER):
    """An iShares holdings CSV as the site serves it: preamble, quoted rows, cash and futures
    lines, a disclaimer."""
    rows = [
        f'"{t}","{n}","{s}","Equity","1,000.00","0.05","1,000.00","10.00","100.00",'
        '"United States","NASDAQ","USD","1.00","USD","-"'
        for t, n, s in stocks
    ]
    return "\n".join(
        [
            "\ufeffiShares Russell 2000 ETF",
            'Fund Holdings as of,"Nov 25, 2026"',
            'Inception Date,"May 22, 2000"',
            'Shares Outstanding,"250,000,000.00"',
            'Stock,"-"',
            "\u00a0",
            header,
            *rows,
            '"USD","USD CASH","Cash and/or Derivatives","Cash","10.00","0.10","10.00","10.00",'
            '"1.00","United States","-","USD","1.00","USD","-"',
            '"RTYZ6","RUSS 2000 EMINI DEC 26","Cash and/or Derivatives","Futures","0.00","0.00",'
            '"5.00","1.00","2,400.00","United States","CME","USD","1.00","USD","-"',
            extra,
            " ",
            '"The content contained herein is owned or licensed by BlackRock and/or its third '
            'party information providers and is protected by applicable copyrights."',
        ]
    )


def invesco(stocks: list[tuple[str, str, str]], fund: str = "QQQ") -> str:
    rows = [
        f'{fund},ID{i},{t},100,"1,000.00",0.9,{n},Common Stock,{s},11/25/2026'
        for i, (t, n, s) in enumerate(stocks)
    ]
    header = (
        "Fund Ticker,Security Identifier,Holding Ticker,Shares/Par Value,MarketValue,Weight,"
        "Name,Class of Shares,Sector,Date"
    )
    return "\n".join([header, *rows])


STOCKS = [("AAPL", "APPLE INC", "Information Technology"), ("BRK.B", "BERKSHIRE", "Financials")]
STOCKS += [(f"S{i:03d}", f"STOCK {i}", "Industrials") for i in range(60)]


def test_an_ishares_file_gives_its_equities_in_yahoo_spelling_and_its_date():
    parsed = holdings.parse_ishares(ishares(STOCKS), "IWM.csv")
    assert parsed.fund == "iShares Russell 2000 ETF"
    assert parsed.as_of == dt.date(2026, 11, 25)
    tickers = [s.ticker for s in parsed.stocks]
    assert tickers[:2] == ["AAPL", "BRK-B"]  # BRK.B as Yahoo spells it; no cash, no future
    assert len(tickers) == len(STOCKS)
    assert parsed.stocks[0] == holdings.Holding("AAPL", "APPLE INC", "Information Technology", 0.05)


def test_an_invesco_file_gives_its_common_stocks_and_their_date():
    rows = [*STOCKS[:3], ("", "CASH", ""), ("GOOG", "ALPHABET C", "Communication Services")]
    text = invesco(rows).replace("Common Stock,Communication", "Class C,Communication")
    parsed = holdings.parse_invesco(text, "QQQ.csv")
    assert parsed.fund == "QQQ"
    assert parsed.as_of == dt.date(2026, 11, 25)
    assert [s.ticker for s in parsed.stocks] == ["AAPL", "BRK-B", "S000"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a,b,c\n1,2,3\n", "no holdings header (a row starting 'Ticker,') found"),
        (
            ishares(STOCKS, header="Ticker,Name,Sector,Class,Weight (%)"),
            "the holdings header lacks Asset Class (found Ticker, Name, Sector, Class, Weight (%))",
        ),
        (
            ishares(STOCKS).replace('"Nov 25, 2026"', '"25/11/2026"'),
            "unreadable holdings date '25/11/2026'",
        ),
    ],
)
def test_a_file_it_cannot_read_is_refused_in_one_line(text, reason):
    with pytest.raises(DataError) as info:
        holdings.parse_ishares(text, "IWM.csv")
    assert str(info.value) == f"IWM.csv: {reason}"


def test_several_funds_in_one_invesco_file_are_refused():
    text = invesco(STOCKS[:2]) + "\n" + invesco(STOCKS[2:4], fund="SPY").split("\n", 1)[1]
    with pytest.raises(DataError, match=r"QQQ.csv: holdings of several funds \(QQQ, SPY\)"):
        holdings.parse_invesco(text, "QQQ.csv")


@pytest.mark.parametrize(
    ("raw", "symbol"),
    [("BRK.B", "BRK-B"), ("bf/b", "BF-B"), (" MSFT ", "MSFT"), ("-", ""), ("=HYPERLINK(1)", "")],
)
def test_tickers_are_written_as_yahoo_spells_them_or_left_out(raw, symbol):
    assert holdings.yahoo_symbol(raw) == symbol


# --- rotation members


def project_with_holdings(project, min_members: int = 50) -> Path:
    lists = [
        {
            "name": "Russell 2000",
            "file": "lists/r2000.csv",
            "holdings": {
                "issuer": "ishares",
                "url": "https://issuer.example/IWM.csv",
                "min_members": min_members,
            },
        },
        {"name": "By hand", "file": "lists/hand.csv"},
    ]
    return project({"breadth": {"lists": lists}})


def test_rotation_members_writes_the_list_and_where_it_came_from(capsys, project, tmp_path):
    root = project_with_holdings(project)
    download = tmp_path / "IWM_holdings.csv"
    download.write_text(ishares(STOCKS))
    code, _, err = run(
        capsys,
        "members",
        "--config",
        str(root / "rotation.yml"),
        "--file",
        f"Russell 2000={download}",
    )
    assert code == 0, err
    written = root / "lists" / "r2000.csv"
    members = read_members(written)
    assert [m.ticker for m in members][:2] == ["AAPL", "BRK-B"]
    assert len(members) == len(STOCKS)
    sidecar = json.loads(written.with_suffix(".json").read_text())
    assert sidecar["fund"] == "iShares Russell 2000 ETF"
    assert sidecar["holdings_as_of"] == "2026-11-25"
    assert sidecar["source"] == str(download)
    assert sidecar["members"] == len(STOCKS)
    assert f"Russell 2000: {len(STOCKS)} members as of 2026-11-25 written to {written}" in err
    assert not (root / "lists" / "hand.csv").exists()  # a list without holdings is not touched
    # The Breadth page dates the list by its holdings from now on, not by rotation.yml.
    from generator.project import Project

    dated = Project.load(root / "rotation.yml").config.breadth.lists
    assert [item.members_as_of for item in dated] == ["2026-11-25", None]


def test_a_truncated_or_shrunken_download_keeps_the_previous_list(capsys, project, tmp_path):
    root = project_with_holdings(project, min_members=40)
    config = str(root / "rotation.yml")
    full, cut = tmp_path / "full.csv", tmp_path / "cut.csv"
    full.write_text(ishares(STOCKS))
    assert run(capsys, "members", "--config", config, "--file", f"Russell 2000={full}")[0] == 0
    before = (root / "lists" / "r2000.csv").read_bytes()

    cut.write_text(ishares(STOCKS[:20]))  # under min_members
    code, _, err = run(capsys, "members", "--config", config, "--file", f"Russell 2000={cut}")
    assert code == 1
    assert error_line(err) == (
        f"Error: Russell 2000 ({cut}): 20 stocks in the holdings, expected at least 40 "
        "(a truncated download?); the previous list is kept"
    )
    assert (root / "lists" / "r2000.csv").read_bytes() == before

    cut.write_text(ishares(STOCKS[:45]))  # enough stocks, but 45 of the 62 listed before
    code, _, err = run(capsys, "members", "--config", config, "--file", f"Russell 2000={cut}")
    assert code == 1
    assert error_line(err) == (
        f"Error: Russell 2000 ({cut}): 45 stocks against 62 in the previous list, a fall of "
        "more than 20%; the previous list is kept"
    )
    assert (root / "lists" / "r2000.csv").read_bytes() == before

    cut.write_text(ishares(STOCKS[:55]))  # a usual change: accepted
    assert run(capsys, "members", "--config", config, "--file", f"Russell 2000={cut}")[0] == 0
    assert len(read_members(root / "lists" / "r2000.csv")) == 55


def test_a_list_shrinking_by_more_than_a_fifth_is_refused(tmp_path):
    previous = [f"T{i}" for i in range(100)]
    small = holdings.Holdings(
        "F", None, tuple(holdings.Holding(f"T{i}", "", "", None) for i in range(79))
    )
    with pytest.raises(DataError, match="79 stocks against 100 in the previous list"):
        holdings.check(small, previous, min_members=10, source="F")
    enough = holdings.Holdings("F", None, (*small.stocks, holdings.Holding("X", "", "", None)))
    holdings.check(enough, previous, min_members=10, source="F")


def test_a_download_goes_through_the_configured_url(project):
    from generator.project import Project

    root = project_with_holdings(project)
    asked = []

    def fetch(url: str) -> str:
        asked.append(url)
        return ishares(STOCKS)

    now = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    done = holdings.refresh(Project.load(root / "rotation.yml"), fetch=fetch, now=now)
    assert asked == ["https://issuer.example/IWM.csv"]
    assert [(d.name, d.members, d.as_of) for d in done] == [
        ("Russell 2000", len(STOCKS), dt.date(2026, 11, 25))
    ]
    sidecar = json.loads((root / "lists" / "r2000.json").read_text())
    assert sidecar["fetched_at"] == "2026-11-28T09:30:00+00:00"
    # A sidecar that says something else than a day leaves the list as rotation.yml dates it.
    (root / "lists" / "r2000.json").write_text('{"holdings_as_of": "<b>soon</b>"}')
    assert Project.load(root / "rotation.yml").config.breadth.lists[0].members_as_of is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--file", "nothing"], "Error: --file: 'nothing': write LIST=FILE ('S&P 500=IVV.csv')"),
        (["--file", "Nope=x.csv"], "Error: --file: no list named Nope has holdings to refresh"),
    ],
)
def test_bad_members_arguments_are_one_line(capsys, project, args, message):
    root = project_with_holdings(project)
    code, _, err = run(capsys, "members", "--config", str(root / "rotation.yml"), *args)
    assert code == 1
    assert error_line(err) == message


def test_a_config_without_holdings_says_so(capsys, project):
    root = project({"breadth": {"lists": [{"name": "By hand", "file": "lists/hand.csv"}]}})
    code, _, err = run(capsys, "members", "--config", str(root / "rotation.yml"))
    assert code == 1
    assert error_line(err) == (
        f"Error: {root / 'rotation.yml'}: no breadth list names its holdings to refresh"
    )


def test_the_holdings_url_must_be_https(tmp_path):
    from generator.config import load_config
    from generator.errors import ConfigError
    from tests_support import FIXTURE_CONFIG

    data = yaml.safe_load(FIXTURE_CONFIG.read_text())
    data["breadth"]["lists"][0]["holdings"] = {"issuer": "ishares", "url": "http://x/IWM.csv"}
    path = tmp_path / "rotation.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"breadth.lists\[0\].holdings.url"):
        load_config(path)
