"""Price sources and the one shape they all return.

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
from pathlib import Path

import pandas as pd

from generator.config import DataPolicy
from generator.errors import SourceError


@dataclass(frozen=True)
class LoadResult:
    """What a source returns: each symbol's raw closes, and why the others are missing.

    The series are as the source had them (gaps, unsorted rows and bad values included):
    :mod:`generator.validate` decides what is usable, the same way for every source.
    """

    series: Mapping[str, pd.Series]
    source: str
    """Human label of where the prices came from, printed on every page."""
    missing: Mapping[str, str] = field(default_factory=dict)
    """Symbol -> one-line reason, for every requested symbol without any close."""
    is_sample: bool = False
    expected: pd.Timestamp | None = None
    """The session the source should reach; ``None``: the newest session found in the data."""
    completed: pd.Timestamp | None = None
    """The last completed session; a row after it is a bar for a session still in progress."""


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


def load_prices(
    spec: str,
    symbols: list[str],
    *,
    store_root: Path,
    policy: DataPolicy | None = None,
    require_any: bool = True,
) -> LoadResult:
    """Dispatch on a ``--source`` value: ``sample``, ``csv:DIR``, ``yahoo`` or ``store``.

    ``store`` reads the local price store alone (``--offline``); with ``require_any`` (the
    universe) a store holding none of ``symbols`` is an error that says to run ``rotation fetch``.

    Imports are local so that a build from the sample or a CSV folder never imports yfinance.
    """
    if spec == "sample":
        from generator.sources.sample import SAMPLE_LABEL, sample_prices

        return LoadResult(
            columns(sample_prices(symbols)), f"{SAMPLE_LABEL} (synthetic prices)", is_sample=True
        )
    if spec.startswith("csv:"):
        from generator.sources.csvdir import load_csv_dir

        folder = spec.removeprefix("csv:")
        if not folder:
            raise SourceError("--source csv:DIR needs a folder, e.g. csv:data/prices")
        return load_csv_dir(Path(folder), symbols)
    if spec in ("yahoo", "store"):
        from generator.fetch import update_store
        from generator.store import PriceStore

        store = PriceStore(store_root)
        if spec == "store":
            return store.load(symbols, require_any=require_any)
        return update_store(store, symbols, "yahoo", policy=policy or DataPolicy())[0]
    raise SourceError(f"unknown source {spec!r}: use sample, csv:DIR or yahoo")


MemberPrices = dict[str, tuple[pd.DataFrame | None, list[str], str]]
"""List name -> (member price frame or None, tickers, why there are no prices)."""

SAMPLE_MEMBERS = 250


def load_member_prices(
    config, spec: str, project: Path, *, start: pd.Timestamp, policy: DataPolicy | None = None
) -> MemberPrices:
    """Prices of every breadth member list, from the same source as the universe.

    A list file that cannot be read leaves that list without numbers (the page says why). The
    sample source uses synthetic members instead of the files, so a new user sees the section and
    a sample site is the same on every machine.
    Members never count towards the fail-closed policy: breadth rests on whatever has prices,
    and the page states the coverage.
    """
    from generator.errors import DataError
    from generator.members import member_frame, read_members

    out: MemberPrices = {}
    if config.breadth is None:
        return out
    for item in config.breadth.lists:
        if spec == "sample":
            # Synthetic members whatever the file says, so a sample site is the same everywhere.
            prefix = "".join(ch for ch in item.name.upper() if ch.isalnum())[:4] or "M"
            tickers = [f"{prefix}{i:03d}" for i in range(1, SAMPLE_MEMBERS + 1)]
        else:
            try:
                tickers = [m.ticker for m in read_members(project / item.file)]
            except DataError as exc:
                out[item.name] = (None, [], str(exc))
                continue
        loaded = load_prices(
            spec,
            tickers,
            store_root=project / config.members_store,
            policy=policy,
            require_any=False,
        )
        out[item.name] = (member_frame(loaded.series, tickers, start=start), tickers, "")
    return out
