"""The stages every command shares between loading prices and taking a snapshot.

``rotation build`` and ``rotation backfill`` both check what a source returned, apply the
fail-closed policy and resolve the as-of session here, the same way, so a post and the site built
as of the same session rest on the same prices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from generator import validate
from generator.config import Config
from generator.sources import LoadResult, tidy


@dataclass(frozen=True)
class CheckedPrices:
    prices: pd.DataFrame
    """The usable closes, in the canonical price-frame shape, up to ``as_of`` at most."""
    status: validate.RunReport
    as_of: pd.Timestamp


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
