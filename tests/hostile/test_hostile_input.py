"""Bad bytes and impossible values in the config, templates, CSV files and member lists: one
``Error:`` line naming the file (and line or key), exit 1, or a build that drops the bad rows and
says so — never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator import validate
from generator.cli import main
from generator.config import DataPolicy
from generator.errors import DataError
from generator.members import read_members

pytestmark = pytest.mark.usefixtures("stand_in_exports")

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def config_error(tmp_path: Path, capsys, data: bytes) -> str:
    path = tmp_path / "rotation.yml"
    path.write_bytes(data)
    code = main(["-q", "build", "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip().removeprefix(f"Error: {path}: ")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"benchmark: SPY\nbenchmark: QQQ\n",
            "line 2: invalid YAML: duplicate key 'benchmark' (first on line 1)",
        ),
        (
            b"weekly:\n  since: 2026-02-30\n",
            "line 2: invalid YAML: not a real date '2026-02-30' (day is out of range for month)",
        ),
        (
            "benchmark: SPY\n".encode("utf-16"),
            "not UTF-8 text (byte 0 is 0xff): it is UTF-16: save it as UTF-8",
        ),
        (b"site:\n  title: Caf\xe9\n", "not UTF-8 text (byte 18 is 0xe9): save it as UTF-8"),
        (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested more than 50 levels deep"),
        (LAUGHS.encode(), "more than 100,000 values once its aliases are expanded"),
        (b"# " + b"x" * (1 << 21), "larger than 1024 KiB: not a config file"),
    ],
    ids=["duplicate-key", "impossible-date", "utf-16", "latin-1", "deep", "billion-laughs", "huge"],
)
def test_a_bad_config_file_is_one_line(tmp_path, capsys, data, message):
    assert config_error(tmp_path, capsys, data) == message


def test_a_nan_bound_is_refused_with_its_key(tmp_path, capsys):
    from conftest import project_copy

    root = project_copy(tmp_path / "p", {"data": {"yield_range": [float("nan"), 25]}})
    assert main(["-q", "build", "--config", str(root / "rotation.yml")]) == 1
    err = capsys.readouterr().err
    assert "data.yield_range[0]: Input should be a finite number" in err


def test_a_symlink_loop_is_one_line(tmp_path, capsys):
    loop = tmp_path / "rotation.yml"
    os.symlink(loop, loop)
    assert main(["-q", "build", "--config", str(loop)]) == 1
    assert (
        capsys.readouterr().err
        == f"Error: {loop}: cannot read: Too many levels of symbolic links\n"
    )


def test_a_template_that_is_not_utf8_names_its_file(tmp_path, capsys):
    from conftest import project_copy

    root = project_copy(tmp_path / "p")
    override = root / "overrides" / "partials" / "asof.md.j2"
    override.parent.mkdir(parents=True)
    override.write_bytes("As of {{ as_of }} \u2014 caf\xe9\n".encode("utf-16"))
    assert main(["-q", "build", "--config", str(root / "rotation.yml")]) == 1
    err = capsys.readouterr().err
    assert err == f"Error: {override}: not UTF-8 text (byte 0 is 0xff): save it as UTF-8\n"
    assert not (root / "site").exists()


@pytest.mark.parametrize("command", ["build", "backfill"])
def test_a_broken_override_stops_the_run_before_any_data_is_read(tmp_path, capsys, command):
    from conftest import project_copy

    root = project_copy(tmp_path / "p")
    override = root / "overrides" / "posts" / "summary.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text("{% if headline %}\n{{ headline.a }\n{% endif %}\n")  # an unclosed }}
    assert main(["-q", command, "--config", str(root / "rotation.yml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {override}: line 2: ")
    assert err.count("\n") == 1
    assert not (root / ".build" / "run-report.json").exists()  # no price was read
    assert not (root / "site").exists()


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(
    tmp_path, capsys, monkeypatch
):
    from conftest import project_copy
    from generator import build as build_module

    root = project_copy(tmp_path / "p")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(build_module, "load_prices", broken)
    assert main(["-q", "build", "--config", str(root / "rotation.yml")]) == 1
    log = root / ".build" / "error.log"
    assert capsys.readouterr().err == (
        "Error: internal error: ZeroDivisionError: division by zero "
        f"(please report; details in {log})\n"
    )
    assert "ZeroDivisionError: division by zero" in log.read_text()


def test_a_full_disk_is_one_line(tmp_path, capsys, monkeypatch):
    from conftest import project_copy
    from generator import publish

    root = project_copy(tmp_path / "p")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(root / "site"))

    monkeypatch.setattr(publish, "publish", full)
    monkeypatch.setattr("generator.build.publish", full)
    assert main(["-q", "build", "--config", str(root / "rotation.yml")]) == 1
    assert capsys.readouterr().err == (
        f"Error: {root / 'site'}: No space left on device; nothing was published\n"
    )


def test_a_300_character_ticker_is_refused_with_its_line(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("ticker,sector\nAAA,Energy\n" + "B" * 300 + ",Energy\n")
    with pytest.raises(DataError) as info:
        read_members(path)
    assert str(info.value) == f"{path}: line 3: ticker {'B' * 24!r}... is longer than 21 characters"


def days(*values, start="2026-01-05"):
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype="float64")


def test_infinite_and_future_rows_are_dropped_and_reported():
    series = days(10.0, np.inf, 11.0, 12.0)
    series.loc[pd.Timestamp("2100-01-04")] = 13.0
    clean, report = validate.check_series(
        "AAA",
        series,
        kind="price",
        expected=pd.Timestamp("2026-01-08"),
        policy=DataPolicy(),
        today=pd.Timestamp("2026-11-29"),
    )
    assert clean.index.max() == pd.Timestamp("2026-01-08")
    assert np.isfinite(clean).all()
    assert "dropped 1 rows dated after today: 2100-01-04" in report.issues
    assert "dropped 1 non-finite closes: 2026-01-06" in report.issues


def test_one_future_row_does_not_make_every_other_symbol_stale():
    minor = days(1.0, 2.0)
    minor.loc[pd.Timestamp("2100-01-04")] = 3.0
    series = {"SPY": days(1.0, 2.0, 3.0), "MINOR": minor}
    assert validate.newest_session(series, today=pd.Timestamp("2026-11-29")) == pd.Timestamp(
        "2026-01-07"
    )


def test_a_year_9999_row_or_an_infinite_close_in_a_csv_file(tmp_path):
    from generator.sources.csvdir import load_csv_dir

    (tmp_path / "FAR.csv").write_text("Date,Close\n2026-01-05,10\n2026-01-06,11\n9999-12-31,12\n")
    (tmp_path / "INF.csv").write_text("Date,Close\n2026-01-05,10\n2026-01-06,inf\n2026-01-07,12\n")
    loaded = load_csv_dir(tmp_path, ["FAR", "INF"])
    assert loaded.missing == {}
    assert validate.newest_session(loaded.series, today=pd.Timestamp("2026-11-29")) == pd.Timestamp(
        "2026-01-07"
    )
    checked = {
        symbol: validate.check_series(
            symbol,
            series,
            kind="price",
            expected=pd.Timestamp("2026-01-07"),
            policy=DataPolicy(),
            today=pd.Timestamp("2026-11-29"),
        )
        for symbol, series in loaded.series.items()
    }
    far, far_report = checked["FAR"]
    assert far.tolist() == [10.0, 11.0]
    assert "dropped 1 rows dated after today: 9999-12-31" in far_report.issues
    inf, inf_report = checked["INF"]
    assert inf.tolist() == [10.0, 12.0]
    assert "dropped 1 non-finite closes: 2026-01-06" in inf_report.issues


def test_a_read_failing_with_eio_is_one_line(tmp_path, capsys, monkeypatch, csv_dir):
    import errno

    from conftest import project_copy
    from generator.sources import csvdir

    root = project_copy(tmp_path / "p")
    folder = csv_dir({"SPY": days(1.0, 2.0)})

    def failing(path, *args, **kwargs):
        raise OSError(errno.EIO, "Input/output error", str(path))

    monkeypatch.setattr(csvdir.pd, "read_csv", failing)
    code = main(
        ["-q", "build", "--config", str(root / "rotation.yml"), "--source", f"csv:{folder}"]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("Error: ")
    assert err.rstrip().endswith("Input/output error; nothing was published")
