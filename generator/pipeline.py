"""The stages every command shares between ``--source`` and a snapshot.

``rotation build`` and ``rotation backfill`` load prices (and breadth members) through one
dispatcher, then check what the source returned, apply the fail-closed policy and resolve the
as-of session here, the same way, so a post and the site built as of the same session rest on the
same prices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from generator import validate
from generator.config import Config, DataPolicy
from generator.errors import DataError
from generator.frame import LoadResult, MemberPrices, columns, tidy
from generator.memberstore import MemberStore
from generator.project import Project
from generator.sources import Source

if TYPE_CHECKING:
    from generator.store import ClosesStore


@dataclass(frozen=True)
class CheckedPrices:
    prices: pd.DataFrame
    """The usable closes, in the canonical price-frame shape, up to ``as_of`` at most."""
    status: validate.RunReport
    as_of: pd.Timestamp


BREADTH_YEARS = 4
"""Years of member history a build loads for breadth (a 200-session average and 3 years)."""


def check_prices(
    loaded: LoadResult,
    config: Config,
    requested: pd.Timestamp | None,
    *,
    record: Callable[[validate.RunReport], None] | None = None,
) -> CheckedPrices:
    """Validate ``loaded`` as of ``requested``, fail closed, and resolve the session.

    ``record`` sees the run report before the policy is applied, so a failed run still leaves
    its report for the reader (the build writes it to ``.build/run-report.json``).
    """
    usable, run = validate.check_load(loaded, config, requested)
    if record is not None:
        record(run)
    validate.enforce_policy(config, run)
    prices = tidy(pd.DataFrame(usable), config.symbols)
    bench = prices[config.benchmark] if config.benchmark in prices.columns else pd.Series()
    as_of = validate.as_of_session(bench, config.benchmark, requested)
    return CheckedPrices(prices, run, as_of)


def load_prices(
    source: Source,
    symbols: list[str],
    *,
    store: ClosesStore | None = None,
    policy: DataPolicy | None = None,
    require_any: bool = True,
) -> LoadResult:
    """The closes of ``symbols`` from ``source``.

    ``store`` reads the local price store alone (``--offline``); with ``require_any`` (the
    universe) a store holding none of ``symbols`` is an error that says to run ``rotation fetch``.
    ``yahoo`` refreshes the store first. Imports are local so that a build from the sample or a
    CSV folder never imports yfinance.
    """
    if source.kind == "sample":
        from generator.sources.sample import SAMPLE_LABEL, sample_prices

        return LoadResult(
            columns(sample_prices(symbols)), f"{SAMPLE_LABEL} (synthetic prices)", is_sample=True
        )
    if source.kind == "csv":
        from generator.sources.csvdir import load_csv_dir

        assert source.folder is not None
        return load_csv_dir(source.folder, symbols)
    from generator.fetch import update_store

    if store is None:
        raise ValueError(f"--source {source.kind} reads a price store; none was given")
    if source.kind == "store":
        return store.load(symbols, require_any=require_any)
    return update_store(store, symbols, source, policy=policy or DataPolicy())[0]


SAMPLE_MEMBERS = 250


def load_member_prices(project: Project, source: Source, *, start: pd.Timestamp) -> MemberPrices:
    """Prices of every breadth member list, from the same source as the universe.

    A list file that cannot be read leaves that list without numbers (the page says why). The
    sample source uses synthetic members instead of the files, so a new user sees the section and
    a sample site is the same on every machine.
    Members never count towards the fail-closed policy: breadth rests on whatever has prices,
    and the page states the coverage.
    """
    from generator.members import member_frame, read_member_lists

    config = project.config
    if config.breadth is None:
        return {}
    if source.is_sample:
        # Synthetic members whatever the files say, so a sample site is the same everywhere.
        lists: dict[str, list[str] | DataError] = {}
        for item in config.breadth.lists:
            prefix = "".join(ch for ch in item.name.upper() if ch.isalnum())[:4] or "M"
            lists[item.name] = [f"{prefix}{i:03d}" for i in range(1, SAMPLE_MEMBERS + 1)]
    else:
        lists = read_member_lists(config.breadth, project.root)
    store = MemberStore(project.members_store)
    out: MemberPrices = {}
    for name, tickers in lists.items():
        if isinstance(tickers, DataError):
            out[name] = (None, [], str(tickers))
            continue
        if source.kind not in ("store", "yahoo"):  # the sample, a CSV folder: read as they are
            loaded = load_prices(source, tickers, store=store, require_any=False)
            out[name] = (member_frame(loaded.series, tickers, start=start), tickers, "")
            continue
        if source.kind == "yahoo":  # refresh the members store, then read it as the offline run
            load_prices(source, tickers, store=store, policy=config.data, require_any=False)
        try:
            out[name] = (store.frame(tickers, start=start), tickers, "")
        except DataError as exc:
            out[name] = (None, [], str(exc))
    return out
