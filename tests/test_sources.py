"""``--source`` is parsed once into a :class:`Source`; the project resolves every path once."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import SourceError
from generator.fetch import fetch_source
from generator.members import read_member_lists
from generator.project import Project
from generator.sources import Source
from tests_support import FIXTURE_CONFIG


@pytest.mark.parametrize(
    ("text", "kind", "folder"),
    [
        ("sample", "sample", None),
        ("yahoo", "yahoo", None),
        ("store", "store", None),
        ("csv:data/prices/", "csv", Path("data/prices")),
    ],
)
def test_each_source_parses_and_keeps_its_text(text, kind, folder):
    source = Source.parse(text)
    assert (source.kind, source.folder, str(source)) == (kind, folder, text)
    assert Source.of(source) is source
    assert source.is_sample == (kind == "sample")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ftp", "unknown source 'ftp': use sample, csv:DIR or yahoo"),
        ("csv:", "--source csv:DIR needs a folder, e.g. csv:data/prices"),
        ("Sample", "unknown source 'Sample': use sample, csv:DIR or yahoo"),
    ],
)
def test_a_bad_source_is_one_exact_message(text, message):
    with pytest.raises(SourceError) as info:
        Source.parse(text)
    assert str(info.value) == message


def test_only_csv_has_a_folder():
    with pytest.raises(ValueError, match="only csv has a folder"):
        Source("yahoo", Path("x"))
    with pytest.raises(ValueError, match="only csv has a folder"):
        Source("csv")
    assert str(Source("csv", Path("p"))) == "csv:p"


@pytest.mark.parametrize("text", ["sample", "store", "csv:", "ftp"])
def test_fetch_takes_yahoo_or_a_csv_folder_only(text):
    with pytest.raises(SourceError) as info:
        fetch_source(text)
    assert str(info.value) == f"rotation fetch takes --source yahoo or csv:DIR, not {text!r}"
    assert fetch_source("csv:x").folder == Path("x")


def test_the_project_resolves_paths_from_the_config_file(tmp_path, monkeypatch):
    monkeypatch.delenv("ROTATION_CACHE_DIR", raising=False)
    config = tmp_path / "rotation.yml"
    config.write_text(FIXTURE_CONFIG.read_text())
    monkeypatch.chdir(Path("/"))
    project = Project.load(Path(config.relative_to("/")), site_url="https://x.example/")
    assert project.root == tmp_path
    assert project.config.site.url == "https://x.example/"
    assert project.store == tmp_path / "data" / "store"
    assert project.run_report == tmp_path / ".build" / "run-report.json"
    assert project.cache_dir == tmp_path / ".cache"
    assert project.archive(Source.parse("sample")) == tmp_path / "data" / "posts" / "sample"
    assert project.archive(Source.parse("csv:p")) == tmp_path / "data" / "posts" / "market"


def test_member_lists_are_read_once_with_each_bad_file_kept_as_its_error(tmp_path):
    from generator.config import Breadth

    (tmp_path / "good.csv").write_text("ticker,sector\nAAA,Energy\nBRK-B,\n")
    (tmp_path / "bad.csv").write_text("symbol\nAAA\n")
    breadth = Breadth.model_validate(
        {
            "lists": [
                {"name": "Good", "file": "good.csv"},
                {"name": "Bad", "file": "bad.csv"},
                {"name": "Gone", "file": "gone.csv"},
            ]
        }
    )
    lists = read_member_lists(breadth, tmp_path)
    assert lists["Good"] == ["AAA", "BRK-B"]
    assert str(lists["Bad"]) == (
        "bad.csv: line 1: expected the header 'ticker,sector', found 'symbol'"
    )
    assert str(lists["Gone"]) == "gone.csv: member list not found"  # as rotation.yml names it
