"""The csv:DIR source: exact values in, one clear error per kind of bad file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generator.errors import DataError, SourceError
from generator.pipeline import load_prices
from generator.sources import Source
from generator.sources.csvdir import load_csv_dir, read_close_csv


def series(values, start="2026-01-02"):
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype="float64")


def test_reads_symbols_with_special_characters_in_request_order(csv_dir, tmp_path):
    folder = csv_dir({"^TNX": series([4.1, 4.2]), "BRK-B": series([400.5, 401.25, 402.0])})
    result = load_prices(Source.parse(f"csv:{folder}"), ["BRK-B", "^TNX", "NOPE"])
    assert list(result.series) == ["BRK-B", "^TNX"]
    assert result.series["BRK-B"].to_dict() == {
        pd.Timestamp("2026-01-02"): 400.5,
        pd.Timestamp("2026-01-05"): 401.25,
        pd.Timestamp("2026-01-06"): 402.0,
    }
    assert result.series["^TNX"].to_dict() == {
        pd.Timestamp("2026-01-02"): 4.1,
        pd.Timestamp("2026-01-05"): 4.2,
    }
    assert result.missing == {"NOPE": "no file NOPE.csv in the CSV folder"}
    assert not result.is_sample


def test_empty_close_is_a_gap_not_an_error(tmp_path):
    path = tmp_path / "X.csv"
    path.write_text("Date,Close\n2026-01-02,10\n2026-01-05,\n2026-01-06,11\n")
    got = read_close_csv(path)
    assert got.iloc[0] == 10.0
    assert np.isnan(got.iloc[1])
    assert got.iloc[2] == 11.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("Date,Close\n", "no rows after the header"),
        ("Day,Price\n2026-01-02,1\n", "expected columns Date,Close, found Day,Price"),
        ("Date,Close\n2026-01-02,10\n2026-01-05,abc\n", "line 3: unreadable close 'abc'"),
        ("Date,Close\n2026-01-02,10\nnot-a-date,11\n", "line 3: unreadable date 'not-a-date'"),
        ("Date,Close\n2026-01-02,10\n2026-01-02,11\n", "date 2026-01-02 appears twice"),
        ("Date,Close\n2026-01-02,10\n2026-13-45,11\n", "line 3: unreadable date '2026-13-45'"),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path, content, message):
    path = tmp_path / "BAD.csv"
    path.write_text(content)
    with pytest.raises(DataError) as info:
        read_close_csv(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_symbol_cannot_escape_the_folder(tmp_path):
    folder = tmp_path / "prices"
    folder.mkdir()
    (tmp_path / "SECRET.csv").write_text("Date,Close\n2026-01-02,1\n")
    result = load_csv_dir(folder, ["../SECRET"])
    assert result.series == {}
    assert "../SECRET" in result.missing


def test_bad_file_fails_only_its_symbol(csv_dir, tmp_path):
    folder = csv_dir({"SPY": series([1.0, 2.0])})
    (folder / "BAD.csv").write_text("Date,Close\n2026-01-02,x\n")
    result = load_csv_dir(folder, ["SPY", "BAD"])
    assert list(result.series) == ["SPY"]
    assert result.missing == {"BAD": "BAD.csv: line 2: unreadable close 'x'"}


def test_missing_folder_and_unknown_source(tmp_path):
    with pytest.raises(SourceError, match="not a folder"):
        load_prices(Source.parse(f"csv:{tmp_path / 'absent'}"), ["SPY"])
    with pytest.raises(SourceError, match="unknown source 'ftp'"):
        Source.parse("ftp")
    with pytest.raises(SourceError, match="needs a folder"):
        Source.parse("csv:")


def test_real_shared_file_matches_raw_text(shared_prices):
    """The reader returns exactly the numbers in the file, on real data."""
    raw = (shared_prices / "IWN.csv").read_text().splitlines()
    got = read_close_csv(shared_prices / "IWN.csv")
    assert len(got) == len(raw) - 1
    last_date, last_close = raw[-1].split(",")
    assert got.index[-1] == pd.Timestamp(last_date)
    assert got.iloc[-1] == float(last_close)
