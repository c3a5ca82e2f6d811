"""The price-frame contract: the one shape every source returns and every stage reads.

Every source hands the pipeline a *price frame*:

* index: a tz-naive ``DatetimeIndex`` of ``datetime64[ns]`` named ``date``, sorted, unique: one row
  per session in which at least one symbol has a close;
* columns: the symbols as spelled in the config (``^TNX``, ``BRK-B``), in the order asked for;
* values: ``float64`` adjusted closes (dividends and splits reinvested, so a return computed from
  them is a total return); ``NaN`` where a symbol has no close that session (before its first
  day, a holiday of its own calendar, a gap).

Yields such as ``^TNX`` are percent levels in the same frame; metrics treat them as rates.
:func:`tidy` is the single place that enforces the shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

FailureKind = Literal["transient", "rate-limited", "permanent", "unreachable", "unknown"]
"""Why a provider could not deliver a symbol, as decided from what the request actually got (an
HTTP status, an exception class, an empty or unreadable body), never from message text:

* ``transient``: a 5xx, a timeout, a reset connection, an empty or invalid body: ask again later;
* ``rate-limited``: HTTP 429: the provider asks the whole run to slow down;
* ``permanent``: the provider answered, definitively, that it has no such data (404, no bars);
* ``unreachable``: no connection at all (no DNS, connection refused);
* ``unknown``: nothing says which; treated as transient (retried, within the time budget).
"""


@dataclass(frozen=True)
class Failure:
    """A symbol a provider did not deliver: a one-line reason and its :data:`FailureKind`."""

    reason: str
    kind: FailureKind = "unknown"


@dataclass(frozen=True)
class LoadResult:
    """What a source returns: each symbol's raw closes, and why the others are missing.

    The series are as the source had them (gaps, unsorted rows and bad values included):
    :mod:`generator.validate` decides what is usable, the same way for every source.
    """

    series: Mapping[str, pd.Series]
    source: str
    """The reader's name of where the prices came from, printed on every page, post and feed
    item: a provider, never a path."""
    missing: Mapping[str, str] = field(default_factory=dict)
    """Symbol -> one-line reason, for every requested symbol without any close."""
    is_sample: bool = False
    expected: pd.Timestamp | None = None
    """The session the source should reach; ``None``: the newest session found in the data."""
    completed: pd.Timestamp | None = None
    """The last completed session; a row after it is a bar for a session still in progress."""
    where: str = ""
    """Where the prices were read (a folder, a store), for the operator's messages only."""

    @property
    def origin(self) -> str:
        """Where, for an error message: the folder or store if known, else the label."""
        return self.where or self.source


def columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """A price frame's symbols as separate series, each without its NaN rows."""
    return {str(name): frame[name].dropna() for name in frame.columns}


def tidy(frame: pd.DataFrame, symbols: list[str] | None = None) -> pd.DataFrame:
    """Return ``frame`` in the canonical price-frame shape described in the module docstring.

    ``symbols`` fixes the column order; requested symbols absent from ``frame`` are left out (the
    caller reports them as missing). Rows where every symbol is NaN are dropped.
    """
    out = frame.copy()
    out.index = pd.DatetimeIndex(out.index).tz_localize(None).normalize().astype("datetime64[ns]")
    out.index.name = "date"
    out.columns = [str(c) for c in out.columns]
    out.columns.name = None
    if symbols is not None:
        out = out[[s for s in symbols if s in out.columns]]
    out = out.astype("float64")
    out = out[~out.index.duplicated(keep="last")].sort_index()
    out.index.freq = None
    return out.dropna(how="all")


MemberPrices = Mapping[str, tuple[pd.DataFrame | None, list[str], str]]
"""Breadth members: list name -> (member price frame or ``None``, tickers, why there are no
prices)."""
