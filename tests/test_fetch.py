"""The yahoo source through the local store: fetch once, then rebuild without the network."""

from __future__ import annotations

import pandas as pd
import pytest

from fakeyahoo import YahooEnv, chart_payload
from generator.config import DataPolicy
from generator.fetch import update_store
from generator.store import PriceStore

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

WEEK = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
# Monday 2026-11-23, 17:00 UTC: before the close, so the last completed session is Friday.
NOW = pd.Timestamp("2026-11-23 17:00", tz="UTC")


def payloads() -> dict[str, dict]:
    return {
        "SPY": chart_payload("SPY", WEEK, closes=[600.0, 601.0, 602.0, 603.0, 604.0]),
        "IWN": chart_payload("IWN", WEEK, closes=[180.0, 181.5, 182.0, 183.0, 184.25]),
    }


def test_first_run_fetches_into_the_store_then_rebuilds_offline(yahoo_env: YahooEnv, tmp_path):
    store = PriceStore(tmp_path / "store")
    first = yahoo_env.session(payloads())
    result, _ = update_store(
        store, ["SPY", "IWN", "GONE"], "yahoo", policy=DataPolicy(), session=first, now=NOW
    )
    assert result.series["IWN"].loc["2026-11-20"] == 184.25
    assert list(result.series) == ["SPY", "IWN"]
    assert "delisted" in result.missing["GONE"]
    assert sorted(store.symbols()) == ["IWN", "SPY"]
    meta = store.meta("SPY")
    assert (meta.source, meta.first_session, meta.last_session) == (
        "yahoo",
        "2026-11-16",
        "2026-11-20",
    )

    # Same session later that day: everything is current, so Yahoo is not asked for data again.
    second = yahoo_env.session(payloads())
    again, outcomes = update_store(
        store, ["SPY", "IWN"], "yahoo", policy=DataPolicy(), session=second, now=NOW
    )
    assert [o.action for o in outcomes] == ["current", "current"]
    assert second.data_requests() == []
    for symbol in ("SPY", "IWN"):
        pd.testing.assert_series_equal(again.series[symbol], result.series[symbol])
