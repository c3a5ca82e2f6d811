"""The command line: exit codes and one-line messages, never a traceback for bad input."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import yaml

from generator.cli import main
from generator.frame import Failure
from generator.memberstore import MemberStore
from generator.store import PriceStore
from tests_support import REPO, error_line, run

pytestmark = pytest.mark.usefixtures("stand_in_exports")

SMALL = ["SPY", "IWN", "IWF"]
"""The smallest universe a build takes: the benchmark and the headline pair."""


def small_config(universe: list[str], **changes) -> dict:
    """Config changes for a project of ``universe`` alone: the pair IWN/IWF, no section that
    needs other symbols (``changes`` may turn one back on)."""
    return {
        "universe": [{"symbol": s, "name": s} for s in universe],
        "pairs": [{"a": "IWN", "b": "IWF"}],
        **dict.fromkeys(("style_box", "rotation", "breadth", "rates")),
        "watchlist": [],
        "claims": [],
        **changes,
    }


def tiny_breadth(**changes) -> dict:
    """Breadth over one member list, ``members.csv`` in the project (needs RSP and SPY)."""
    return {"lists": [{"name": "Tiny index", "file": "members.csv"}], **changes}


def closes(n: int, start: str = "2025-01-02", level: float = 100.0) -> pd.Series:
    index = pd.bdate_range(start, periods=n)
    return pd.Series(level * (1.001 ** pd.RangeIndex(n)), index=index, dtype="float64")


def test_unknown_symbol_in_config(capsys, project):
    root = project({"pairs": [{"a": "IWN", "b": "ZZZZ"}]})
    code, _, err = run(capsys, "build", "--config", str(root / "rotation.yml"))
    assert code == 1
    assert error_line(err) == (
        f"Error: {root / 'rotation.yml'}: pairs[0].b: ZZZZ is not in the universe"
    )


def test_csv_with_garbage_rows(capsys, project, csv_dir):
    root = project()
    folder = csv_dir({"SPY": closes(5), "IWF": closes(5)})
    (folder / "IWN.csv").write_text("Date,Close\n2025-01-02,100\n2025-01-03,#N/A!\n")
    code, _, err = run(
        capsys, "build", "--config", str(root / "rotation.yml"), "--source", f"csv:{folder}"
    )
    assert code == 1
    assert error_line(err) == (
        "Error: IWN (headline pair) failed: IWN.csv: line 3: unreadable close '#N/A!'"
    )


def test_empty_csv(capsys, project, csv_dir):
    root = project()
    folder = csv_dir({"SPY": closes(5), "IWN": closes(5)})
    (folder / "IWF.csv").write_text("")
    code, _, err = run(
        capsys, "build", "--config", str(root / "rotation.yml"), "--source", f"csv:{folder}"
    )
    assert code == 1
    assert error_line(err).startswith("Error: IWF (headline pair) failed: IWF.csv: empty file")


def test_symbol_needed_by_a_pair_without_data(capsys, project, csv_dir):
    root = project()
    folder = csv_dir({"SPY": closes(5)})
    code, _, err = run(
        capsys, "build", "--config", str(root / "rotation.yml"), "--source", f"csv:{folder}"
    )
    assert code == 1
    assert error_line(err) == "Error: IWN (headline pair) failed: no file IWN.csv in the CSV folder"


def test_as_of_before_any_data(capsys, project):
    root = project()
    code, _, err = run(
        capsys, "build", "--config", str(root / "rotation.yml"), "--as-of", "1990-01-05"
    )
    assert code == 1
    assert error_line(err) == (
        "Error: --as-of 1990-01-05 is before the first session of SPY (2000-01-03)"
    )


def test_bad_date_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["build", "--as-of", "31/07/2026"])
    assert info.value.code == 2
    assert "not a date in YYYY-MM-DD form: '31/07/2026'" in capsys.readouterr().err


def test_unknown_source(capsys, project):
    root = project()
    code, _, err = run(capsys, "build", "--config", str(root / "rotation.yml"), "--source", "ftp")
    assert code == 1
    assert error_line(err) == "Error: unknown source 'ftp': use sample, csv:DIR or yahoo"


def test_missing_config_file(capsys, tmp_path):
    code, _, err = run(capsys, "build", "--config", str(tmp_path / "absent.yml"))
    assert code == 1
    assert error_line(err) == f"Error: {tmp_path / 'absent.yml'}: file not found"


def test_python_dash_m_prints_one_line_and_exits_1(tmp_path):
    """Through a real process: exit status 1, one stderr line, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "-q", "build", "--config", str(tmp_path / "x.yml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"Error: {tmp_path / 'x.yml'}: file not found"


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("rotation ")


def test_fetch_without_network_fails_fast(capsys, project, monkeypatch):
    """No network at all: one Error line naming the cause, and the store is left as it was."""
    import generator.fetch

    calls = []

    def unreachable(session=None):
        def download(symbols, start, end):
            calls.append(list(symbols))
            reason = "DNSError: curl: (6) Could not resolve host: query2.finance.yahoo.com"
            return pd.DataFrame(), dict.fromkeys(symbols, Failure(reason, "unreachable"))

        return download

    monkeypatch.setattr(generator.fetch, "yahoo_download", unreachable)
    root = project()
    code, _, err = run(capsys, "fetch", "--config", str(root / "rotation.yml"))
    assert code == 1
    assert error_line(err) == (
        "Error: cannot reach the provider: DNSError: curl: (6) Could not resolve host: "
        "query2.finance.yahoo.com"
    )
    assert len(calls) == 1, "no retries when the provider cannot be reached"
    assert not (root / "data" / "store").exists()


def test_offline_build_with_an_empty_store_says_what_to_run(capsys, project):
    root = project()
    code, _, err = run(capsys, "build", "--config", str(root / "rotation.yml"), "--offline")
    assert code == 1
    assert error_line(err) == (
        f"Error: the price store {root / 'data' / 'store'} has none of the 41 symbols: run "
        "`rotation fetch --source yahoo` (or --source csv:DIR) first"
    )
    assert not (root / "site").exists()


def test_fetch_csv_then_offline_build(capsys, project, csv_dir):
    root = project(small_config(SMALL))
    folder = csv_dir(
        {"SPY": closes(300), "IWN": closes(300, level=50), "IWF": closes(300, level=80)}
    )
    code, _, err = run(
        capsys, "fetch", "--config", str(root / "rotation.yml"), "--source", f"csv:{folder}"
    )
    assert code == 0, err
    assert "fetch: 3 new, 0 updated, 0 current, 0 re-fetched, 0 failed" in err
    code, _, err = run(capsys, "build", "--config", str(root / "rotation.yml"), "--offline")
    assert code == 0, err
    assert "3 symbols from CSV files of adjusted closes" in err
    assert (root / "site" / "index.html").is_file()


def test_a_symbol_taken_out_of_the_universe_leaves_the_store_at_the_next_fetch(
    capsys, project, csv_dir
):
    """The committed store keeps only the universe's files (git keeps the history); the fetch
    says which it removed. A fetch that fails its policy removes nothing."""
    universe = [*SMALL, "RSP"]
    root = project(small_config(universe))
    folder = csv_dir({s: closes(300, level=40 + i) for i, s in enumerate(universe)})
    config = str(root / "rotation.yml")
    assert run(capsys, "fetch", "--config", config, "--source", f"csv:{folder}")[0] == 0
    store = PriceStore(root / "data" / "store")
    assert store.symbols() == sorted(universe)

    def universe_of(symbols: list[str]) -> None:
        data = yaml.safe_load((root / "rotation.yml").read_text()) | small_config(symbols)
        (root / "rotation.yml").write_text(yaml.safe_dump(data))

    universe_of([*SMALL, "ZZZ1", "ZZZ2"])  # two symbols without files: the policy fails
    assert run(capsys, "fetch", "--config", config, "--source", f"csv:{folder}")[0] == 1
    assert store.symbols() == sorted(universe)
    universe_of(SMALL)
    code, _, err = run(capsys, "fetch", "--config", config, "--source", f"csv:{folder}")
    assert code == 0, err
    assert "removed from the price store (no longer in the universe): RSP" in err
    assert store.symbols() == sorted(SMALL)


@pytest.mark.slow
def test_fetch_stores_breadth_members_and_an_offline_build_uses_them(capsys, project, csv_dir):
    """Members go to their own store (data/members, not committed); one missing from the source
    is counted on the Breadth page, and none of this can fail the fetch or the build."""
    universe = [*SMALL, "RSP"]
    root = project(small_config(universe, breadth=tiny_breadth(min_members=1)))
    (root / "members.csv").write_text("ticker,sector\nAAA,Energy\nBBB,Financials\nCCC,\n")
    folder = csv_dir(
        {s: closes(300, level=40 + i) for i, s in enumerate([*universe, "AAA", "BBB"])}
    )
    config = str(root / "rotation.yml")
    code, _, err = run(capsys, "fetch", "--config", config, "--source", f"csv:{folder}")
    assert code == 0, err
    assert "breadth members: 2 new, 0 updated, 0 current, 0 re-fetched, 1 failed" in err
    members = MemberStore(root / "data" / "members")
    assert members.symbols() == ["AAA", "BBB"]
    assert not list((root / "data" / "members").glob("sym-*"))
    assert not list((root / "data" / "store").glob("sym-AAA*"))
    code, _, err = run(capsys, "build", "--config", config, "--offline")
    assert code == 0, err
    breadth = (root / "site" / "breadth" / "index.html").read_text()
    assert "3 members listed; 2 with prices" in breadth


def test_offline_build_without_member_prices_still_builds(capsys, project, csv_dir):
    universe = [*SMALL, "RSP"]
    root = project(small_config(universe, breadth=tiny_breadth()))
    (root / "members.csv").write_text("ticker,sector\nAAA,Energy\n")
    folder = csv_dir({s: closes(300, level=40 + i) for i, s in enumerate(universe)})
    config = str(root / "rotation.yml")
    code, _, err = run(capsys, "fetch", "--config", config, "--source", f"csv:{folder}")
    assert code == 0, err
    code, _, err = run(capsys, "build", "--config", config, "--offline")
    assert code == 0, err
    assert (root / "site" / "breadth" / "index.html").is_file()


def test_error_in_a_user_template_is_one_line_with_file_and_line(capsys, project):
    root = project(small_config(SMALL))
    override = root / "overrides" / "pages" / "pairs.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text(
        '{% extends "default:pages/pairs.md.j2" %}\n{% block intro %}\n{{ nope }}\n{% endblock %}\n'
    )
    code, _, err = run(capsys, "build", "--config", str(root / "rotation.yml"))
    assert code == 1
    assert error_line(err) == f"Error: {override}: line 3: 'nope' is undefined"
    assert not (root / "site").exists()
    assert not (root / ".build" / "docs").exists()
