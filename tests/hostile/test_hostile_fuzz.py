"""Fuzzing: whatever bytes a config or a price file holds, the outcome is a value or one of the
project's own errors (one ``Error:`` line at the CLI), never another exception."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import validate
from generator.config import Config, DataPolicy, load_config
from generator.errors import ConfigError, DataError
from generator.sources.csvdir import load_csv_dir
from tests_support import FIXTURE_CONFIG

FIXTURE = yaml.safe_load(FIXTURE_CONFIG.read_text())
KEYS = [*sorted(FIXTURE), "unknown_key", "site.title", "universe[0]"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def loads_or_refuses(path: Path) -> None:
    """A :class:`Config`, or a :class:`ConfigError` naming the file with at least one problem;
    any other exception fails the test."""
    refused: ConfigError | None = None
    try:
        assert isinstance(load_config(path), Config)
    except ConfigError as exc:
        refused = exc
    if refused is not None:
        assert str(refused).startswith(f"{path}: ")
        assert refused.problems


@FUZZ
@given(key=st.sampled_from(KEYS), value=values)
def test_any_value_under_any_key_loads_or_is_refused(tmp_path_factory, key, value):
    path = tmp_path_factory.mktemp("fuzz") / "rotation.yml"
    path.write_text(yaml.safe_dump(FIXTURE | {key: value}, sort_keys=False), encoding="utf-8")
    loads_or_refuses(path)


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_load_or_are_refused(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "rotation.yml"
    path.write_bytes(data)
    loads_or_refuses(path)


@FUZZ
@given(
    cut=st.integers(min_value=0, max_value=400),
    flips=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=6),
    extra=st.binary(max_size=60),
)
def test_a_mutated_price_file_is_read_or_reported_missing(tmp_path_factory, cut, flips, extra):
    folder = tmp_path_factory.mktemp("prices")
    good = "Date,Close\n" + "".join(
        f"2026-01-{d:02d},{100 + d / 7:.4f}\n" for d in (5, 6, 7, 8, 9, 12, 13, 14, 15, 16)
    )
    data = bytearray(good.encode()[:cut] + extra)
    for at, byte in flips:
        if at < len(data):
            data[at] = byte
    (folder / "AAA.csv").write_bytes(bytes(data))
    loaded = load_csv_dir(folder, ["AAA"])
    if "AAA" in loaded.missing:
        assert loaded.missing["AAA"].startswith("AAA.csv")
        return
    try:
        clean, report = validate.check_series(
            "AAA",
            loaded.series["AAA"],
            kind="price",
            expected=pd.Timestamp("2026-01-16"),
            policy=DataPolicy(),
            today=pd.Timestamp("2026-11-29"),
        )
    except DataError:
        return
    if clean is not None:
        assert (clean > 0).all()
        assert clean.index.max() <= pd.Timestamp("2026-11-29")
    assert report.status in {"ok", "stale", "failed"}
