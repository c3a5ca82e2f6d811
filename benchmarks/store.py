"""Time the price store on the real data: every symbol file of ``../shared/market-data/prices``
imported through the same refresh path as ``rotation fetch --source csv:DIR``.

Stages, each in a fresh temporary store:

* ``csv read``: :func:`generator.sources.csvdir.load_csv_dir` over every file;
* ``full import``: :func:`generator.fetch.refresh` into an empty store (every symbol new);
* ``no change``: the same refresh again (every symbol current: only metadata is read);
* ``one week``: a store imported up to a week before the newest session, then refreshed with the
  full data (overlap read, merge, rewrite of every file);
* ``load store``: :meth:`PriceStore.load` of every symbol;
* ``validate``: :func:`generator.validate.validate` of every symbol.

Run with ``.venv/bin/python benchmarks/store.py [--repeat N]``; results go to
``benchmarks/results/store.json``. Without the shared data it says so and exits.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_PRICES = Path(__file__).resolve().parents[2] / "shared" / "market-data" / "prices"
sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from generator import calendar  # noqa: E402
from generator.config import DataPolicy  # noqa: E402
from generator.fetch import Outcome, refresh, series_download  # noqa: E402
from generator.sources.csvdir import load_csv_dir  # noqa: E402
from generator.store import PriceStore  # noqa: E402
from generator.validate import newest_session, validate  # noqa: E402

YIELDS = {"^TNX", "^IRX", "^FVX", "^TYX"}
POLICY = DataPolicy(retries=0)  # as update_store does for csv:DIR: a missing file stays missing
STAGES = ["csv read", "full import", "no change", "one week", "load store", "validate"]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def import_into(
    store: PriceStore,
    symbols: list[str],
    series: Mapping[str, pd.Series],
    missing: Mapping[str, str],
    target: pd.Timestamp,
) -> list[Outcome]:
    return refresh(
        store,
        symbols,
        series_download(series, missing),
        target=target,
        policy=POLICY,
        source=f"csv:{SHARED_PRICES}",
        sleep=lambda seconds: None,
    )


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    return dict(Counter(o.action for o in outcomes))


def store_size(store: PriceStore) -> tuple[int, int]:
    files = [p for p in store.root.iterdir() if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def one_run(symbols: list[str]) -> dict[str, Any]:
    seconds: dict[str, float] = {}
    outcomes: dict[str, dict[str, int]] = {}
    seconds["csv read"], files = timed(lambda: load_csv_dir(SHARED_PRICES, symbols))
    target = newest_session(files.series)
    assert target is not None
    week_ago = calendar.sessions(target - pd.Timedelta(days=14), target)[-6]
    cut = {s: ser[ser.index <= week_ago] for s, ser in files.series.items()}
    cut = {s: ser for s, ser in cut.items() if not ser.dropna().empty}
    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
        store = PriceStore(Path(tmp) / "full")
        seconds["full import"], result = timed(
            lambda: import_into(store, symbols, files.series, files.missing, target)
        )
        outcomes["full import"] = counts(result)
        size, nfiles = store_size(store)
        seconds["no change"], result = timed(
            lambda: import_into(store, symbols, files.series, files.missing, target)
        )
        outcomes["no change"] = counts(result)

        weekly = PriceStore(Path(tmp) / "weekly")
        outcomes["one week (initial import)"] = counts(
            import_into(weekly, symbols, cut, files.missing, week_ago)
        )
        seconds["one week"], result = timed(
            lambda: import_into(weekly, symbols, files.series, files.missing, target)
        )
        outcomes["one week"] = counts(result)

        seconds["load store"], loaded = timed(lambda: store.load(symbols))
        kinds = {s: "yield" if s in YIELDS else "price" for s in symbols}
        seconds["validate"], (_, report) = timed(
            lambda: validate(
                loaded.series,
                {**files.missing, **loaded.missing},
                kinds,
                source=loaded.source,
                expected=target,
                policy=POLICY,
            )
        )
    statuses = Counter(s.status for s in report.symbols)
    return {
        "seconds": seconds,
        "outcomes": outcomes,
        "store_bytes": size,
        "store_files": nfiles,
        "target": f"{target:%Y-%m-%d}",
        "week_ago": f"{week_ago:%Y-%m-%d}",
        "csv_missing": len(files.missing),
        "validation": dict(statuses),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs; medians are reported")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "store.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not SHARED_PRICES.is_dir():
        print(f"real data not found at {SHARED_PRICES}: nothing to time")
        return 0
    symbols = sorted(p.stem for p in SHARED_PRICES.glob("*.csv"))
    runs = [one_run(symbols) for _ in range(args.repeat)]
    median = {s: statistics.median(r["seconds"][s] for r in runs) for s in STAGES}
    last = runs[-1]
    size = last["store_bytes"]
    print(
        f"{len(symbols)} symbols from {SHARED_PRICES} "
        f"(through {last['target']}), {args.repeat} runs"
    )
    print(f"{'stage':<14}{'median s':>10}{'min s':>9}{'max s':>9}  outcomes")
    for stage in STAGES:
        values = [r["seconds"][stage] for r in runs]
        done = last["outcomes"].get(stage, "")
        print(f"{stage:<14}{median[stage]:>10.2f}{min(values):>9.2f}{max(values):>9.2f}  {done}")
    print(
        f"store: {size:,} bytes ({size / 2**20:.1f} MiB) in {last['store_files']} files, "
        f"{size / max(last['store_files'], 1) / 1024:.1f} KiB per file; "
        f"validation {last['validation']}; csv files unreadable: {last['csv_missing']}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "symbols": len(symbols),
                "repeat": args.repeat,
                "median_seconds": median,
                "runs": runs,
                "store_bytes": size,
                "store_mib": round(size / 2**20, 2),
                "store_files": last["store_files"],
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
