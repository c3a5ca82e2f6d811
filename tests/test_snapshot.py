"""The snapshot: every number of a session, computed from prices up to it alone."""

from __future__ import annotations

import pandas as pd
import pytest

from generator import export, snapshot
from generator.registry import REGISTRY
from tests_support import sample_members, sample_report


@pytest.mark.parametrize("as_of", ["2026-03-09", "2026-07-02"])
def test_later_prices_change_nothing_in_a_snapshot(as_of: str) -> None:
    """The same document whether the prices (and members) stop at the session or run on."""
    report = sample_report(as_of=pd.Timestamp(as_of))
    config = report.config
    start = report.as_of - pd.DateOffset(years=2)
    members = sample_members(config, start)
    full = sample_report()
    assert full.as_of > report.as_of
    cut_members = {
        name: (None if frame is None else frame.loc[: report.as_of], tickers, problem)
        for name, (frame, tickers, problem) in members.items()
    }
    docs = [
        export.document(
            snapshot.take(
                config,
                prices,
                report.as_of,
                members=m,
                source="sample data",
                is_sample=True,
                status=report.status,
                registry=REGISTRY,
            )
        )
        for prices, m in ((full.prices, members), (report.prices, cut_members))
    ]
    assert docs[0] == docs[1]
    assert docs[0]["as_of"] == as_of


def test_only_the_named_sections_are_computed() -> None:
    report = sample_report(as_of=pd.Timestamp("2026-07-31"))
    snap = snapshot.take(
        report.config,
        report.prices,
        report.as_of,
        members={},
        source="sample data",
        is_sample=True,
        status=report.status,
        registry=REGISTRY,
        only=("rotation",),
    )
    assert list(snap.data) == ["rotation"]
    assert [s.name for s in snap.registry] == ["rotation"]
    assert [p.file for p in snap.pages()] == ["sectors.md"]
