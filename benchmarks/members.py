"""Time the members' price store on the real data: every member of the shared lists (about 2,800
symbols from 2023 on) written into a :class:`generator.memberstore.MemberStore` and loaded back,
next to the two ways it used to be read (a CSV file per member, a Parquet file per member).

Cases, each the median of ``--repeat`` runs in a fresh process state:

* ``csv files``: :func:`generator.sources.csvdir.load_csv_dir` over the members' CSV files;
* ``per-symbol store``: :meth:`generator.store.PriceStore.load` (the layout before);
* ``members store, series``: :meth:`MemberStore.load` (one file per year, checked against the
  manifest), a series per member;
* ``members store, frame``: :meth:`MemberStore.frame`, the members' price frame the build uses;
* ``write all`` and ``add one week``: a full write, and a write where only the last week changed
  (the weekly refresh), with the bytes of the files that changed.

Run with ``.venv/bin/python benchmarks/members.py [--repeat N]``; results go to
``benchmarks/results/members.json``. Without the shared data it says so and exits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "market-data"
sys.path.insert(0, str(REPO))

from generator.members import read_members  # noqa: E402
from generator.memberstore import MemberStore  # noqa: E402
from generator.sources.csvdir import load_csv_dir  # noqa: E402
from generator.store import PriceStore  # noqa: E402

FETCHED = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (SHARED / "members").is_dir():
        print(f"no shared market data at {SHARED}: nothing to measure")
        return 0
    tickers = sorted(
        {m.ticker for path in (SHARED / "members").glob("*.csv") for m in read_members(path)}
    )
    results: dict[str, object] = {"members": len(tickers)}
    seconds, loaded = timed(lambda: load_csv_dir(SHARED / "prices", tickers), args.repeat)
    series = {s: v.loc["2023-01-01":] for s, v in loaded.series.items()}
    results["csv files"] = seconds
    rows = sum(len(v) for v in series.values())
    results["rows"] = rows
    with tempfile.TemporaryDirectory() as tmp:
        old = PriceStore(Path(tmp) / "old")
        for symbol, values in series.items():
            old.write(symbol, values, source="bench", fetched_at=FETCHED)
        results["per-symbol store"] = timed(lambda: old.load(tickers), args.repeat)[0]

        root = Path(tmp) / "members"

        def write(cut: int):
            store = MemberStore(root)
            for symbol, values in series.items():
                store.write(
                    symbol, values.iloc[: len(values) - cut], source="bench", fetched_at=FETCHED
                )
            store.flush()

        start = time.perf_counter()
        write(5)
        results["write all"] = time.perf_counter() - start
        before = {p.name for p in root.iterdir()}
        start = time.perf_counter()
        write(0)
        results["add one week"] = time.perf_counter() - start
        changed = [p for p in root.iterdir() if p.name not in before or p.name == "manifest.json"]
        results["changed files"] = sorted(p.name for p in changed)
        results["changed bytes"] = sum(p.stat().st_size for p in changed)
        results["store bytes"] = sum(p.stat().st_size for p in root.iterdir())
        seconds, got = timed(lambda: MemberStore(root).load(tickers), args.repeat)
        results["members store, series"] = seconds
        assert len(got.series) == len(series), "every member read back"
        start = pd.Timestamp("2023-01-01")
        seconds, frame = timed(lambda: MemberStore(root).frame(tickers, start=start), args.repeat)
        results["members store, frame"] = seconds
        assert frame.shape[1] == len(series), "every member in the frame"
    print(f"{len(tickers)} members, {rows:,} rows (2023-01-03 on)")
    cases = ["csv files", "per-symbol store", "members store, series", "members store, frame"]
    for case in [*cases, "write all", "add one week"]:
        print(f"  {case:<24}{results[case]:>8.2f} s")
    print(
        f"  weekly change: {results['changed bytes'] / 1e6:.2f} MB in "
        f"{', '.join(results['changed files'])} (store {results['store bytes'] / 1e6:.2f} MB)"
    )
    out = REPO / "benchmarks" / "results" / "members.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
