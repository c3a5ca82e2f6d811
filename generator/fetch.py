"""Fetching from Yahoo into the local price store, so a rebuild needs no network.

A symbol is fetched when the store lacks it or its last session is older than the last completed
NYSE session; everything else is read from the store.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd

from generator.calendar import last_completed_session
from generator.sources import LoadResult, tidy
from generator.store import PriceStore

log = logging.getLogger(__name__)

HISTORY_START = dt.date(1990, 1, 2)


def refresh_from_yahoo(
    store: PriceStore, symbols: list[str], *, session=None, now: pd.Timestamp | None = None
) -> LoadResult:
    """Bring ``symbols`` up to the last completed session, then read them from the store."""
    from generator.sources.yahoo import download_closes

    target = last_completed_session(now)
    stale = []
    for symbol in symbols:
        meta = store.meta(symbol)
        if meta is None or pd.Timestamp(meta.last_session) < target:
            stale.append(symbol)
    failures: dict[str, str] = {}
    if stale:
        log.info("fetching %d of %d symbols from Yahoo", len(stale), len(symbols))
        # ``end`` is exclusive: stop after the target session so a bar in progress is never stored.
        result = download_closes(
            stale, HISTORY_START, (target + pd.Timedelta(days=1)).date(), session=session
        )
        fetched_at = dt.datetime.now(dt.UTC)
        for symbol in stale:
            if symbol in result.prices.columns and result.prices[symbol].notna().any():
                store.write(symbol, result.prices[symbol], source="yahoo", fetched_at=fetched_at)
        failures = dict(result.failures)
    frame, missing = store.read_frame(symbols)
    missing.update({s: f"Yahoo: {reason}" for s, reason in failures.items() if s in missing})
    return LoadResult(tidy(frame, symbols), "Yahoo Finance (yfinance), local store", missing)
