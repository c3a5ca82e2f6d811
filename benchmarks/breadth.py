"""Time the breadth pipeline on the real member lists: read the lists, read their price files,
build the wide frame, and compute % above the 50- and 200-day averages and the A-D line for each
list and for all members together.

Needs ../shared/market-data (skipped with a message when absent). Run with
``.venv/bin/python benchmarks/breadth.py [--repeat N] [--start YYYY-MM-DD]``. Prints a table of
median wall-clock and CPU seconds and writes benchmarks/results/breadth.json, with each list's
breadth readings as of the last session so the numbers can be checked too.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import metrics  # noqa: E402
from generator.members import member_frame, read_members  # noqa: E402
from generator.metrics.breadth import (  # noqa: E402
    WINDOWS,
    advance_decline,
    coverage,
    percent_above_ma,
)
from generator.sources.csvdir import load_csv_dir  # noqa: E402

SHARED = REPO.parent / "shared" / "market-data"
LISTS = {
    "russell2000": "Russell 2000",
    "sp500": "S&P 500",
    "sp400": "S&P 400",
    "nasdaq100": "Nasdaq-100",
}
ALL = "all members"


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, float]]:
    """Run ``fn`` ``repeat`` times; its last result and the median wall and CPU seconds."""
    wall: list[float] = []
    cpu: list[float] = []
    result = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return result, {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}


def breadth(prices: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = {f"pct{w}": percent_above_ma(prices, w) for w in WINDOWS}
    out["ad"] = advance_decline(prices)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--start",
        default="2023-01-03",
        help="first session of the wide frame (the shared member prices start on 2023-01-03; "
        "'none' keeps every row, back to 1980 for the few members with long histories)",
    )
    parser.add_argument(
        "--json", type=Path, default=REPO / "benchmarks" / "results" / "breadth.json"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not SHARED.is_dir():
        print(f"real data not found at {SHARED}: nothing to time")
        return 0
    start = None if args.start.lower() == "none" else pd.Timestamp(args.start)
    stages: dict[str, dict[str, float]] = {}

    lists, stages["read member lists"] = timed(
        lambda: {k: read_members(SHARED / "members" / f"{k}.csv") for k in LISTS}, args.repeat
    )
    tickers = {k: [m.ticker for m in v] for k, v in lists.items()}
    union = list(dict.fromkeys(t for k in LISTS for t in tickers[k]))
    tickers[ALL] = union

    loaded, stages["read price files"] = timed(
        lambda: load_csv_dir(SHARED / "prices", union), args.repeat
    )
    wide, stages["build wide frame"] = timed(
        lambda: member_frame(loaded.series, union, start=start), args.repeat
    )
    frames = {k: wide[[t for t in v if t in wide.columns]] for k, v in tickers.items()}

    results: dict[str, dict[str, pd.DataFrame]] = {}
    compute: dict[str, dict[str, float]] = {}
    for key, prices in frames.items():
        results[key], compute[key] = timed(lambda p=prices: breadth(p), args.repeat)
    stages["breadth, four lists"] = {
        k: sum(compute[name][k] for name in LISTS) for k in ("wall", "cpu")
    }
    stages[f"breadth, {ALL}"] = compute[ALL]

    as_of = wide.index[-1]
    readings: dict[str, dict[str, Any]] = {}
    for key, res in results.items():
        cov = coverage(frames[key], tickers[key], as_of)
        changes = metrics.period_changes(res["ad"][["line"]], as_of, ["1M", "3M", "YTD", "1Y"])
        readings[key] = {
            "members": len(tickers[key]),
            "coverage": cov.summary(),
            "non_positive": list(cov.non_positive),
            **{
                f"pct_above_{w}": {
                    "share": round(float(res[f"pct{w}"].loc[as_of, "share"]), 4),
                    "above": int(res[f"pct{w}"].loc[as_of, "above"]),
                    "eligible": int(res[f"pct{w}"].loc[as_of, "eligible"]),
                }
                for w in WINDOWS
            },
            "ad_line_change": {p: int(v) for p, v in changes.iloc[0].items()},
        }

    print(
        f"{len(union):,} members ({', '.join(f'{LISTS[k]} {len(tickers[k])}' for k in LISTS)}), "
        f"frame {wide.shape[0]} sessions x {wide.shape[1]} from {wide.index[0]:%Y-%m-%d}; "
        f"median of {args.repeat}"
    )
    print(f"{'stage':<28}{'wall s':>9}{'cpu s':>9}")
    for name, t in stages.items():
        print(f"{name:<28}{t['wall']:>9.3f}{t['cpu']:>9.3f}")
    for key, t in compute.items():
        print(f"  {LISTS.get(key, key):<26}{t['wall']:>9.3f}{t['cpu']:>9.3f}")
    per_file = stages["read price files"]["wall"] / len(union) * 1000
    print(f"(reading: {per_file:.1f} ms per price file)")
    print(f"\nAs of {as_of:%Y-%m-%d}:")
    for key, r in readings.items():
        pct = "  ".join(
            f"%>{w}d {r[f'pct_above_{w}']['share']:.1%} "
            f"({r[f'pct_above_{w}']['above']}/{r[f'pct_above_{w}']['eligible']})"
            for w in WINDOWS
        )
        ad = ", ".join(f"{p} {v:+,}" for p, v in r["ad_line_change"].items())
        print(f"  {LISTS.get(key, key):<14}{pct}  A-D line change: {ad}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "repeat": args.repeat,
                "members": len(union),
                "frame": {
                    "sessions": wide.shape[0],
                    "members": wide.shape[1],
                    "start": f"{wide.index[0]:%Y-%m-%d}",
                    "as_of": f"{as_of:%Y-%m-%d}",
                },
                "median_seconds": stages,
                "breadth_median_seconds": compute,
                "readings": readings,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
