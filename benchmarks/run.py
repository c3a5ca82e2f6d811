"""One benchmark run: every case of the performance issue beside a bare ``mkdocs build --strict``
of the same Markdown, the ratio, the issue's target and whether it is met (✓/✗).

Cases, each the median wall seconds of ``--repeat N`` runs (default 3):

1. ``sample build``: ``build(source="sample")`` (:func:`stages.bench`, a throwaway project).
2. ``real build, latest``: ``build(source="store")`` (the ``--offline`` path) from a warm store:
   the shared CSV prices imported once into a throwaway project with
   ``rotation fetch --source csv:DIR``, which also fills its members store for the four full
   breadth lists of the tests' config (the real workload, not ``one_list_breadth``).
3. ``real build, as of 2026-03-09``: the same with ``--as-of 2026-03-09``.
4. ``backfill 31 weeks, empty``: ``backfill --offline --since 2026-01-02`` into an empty archive
   (total, and per week in the notes).
5. ``backfill no-op``: the same again: every post unchanged, nothing written.
6. ``backfill one new week``: the archive cut back to ``--until 2026-07-24``, then the backfill
   that adds 2026-07-31; its target is the marginal cost, its time less the no-op's.
7. ``members load``: ``MemberStore(members store).frame(every member, start=2023-01-01)``.
8. ``breadth 12,000 x 25 y``: 12,000 synthetic random-walk symbols over 25 years of business days
   through ``breadth_measures`` (as the Breadth page computes them: the shares above the 50- and
   200-session averages and the A-D line, from one read of the closes), in a child process
   (``--scale-child``; it imports only the breadth metrics) whose peak RSS the parent reads with
   ``getrusage(RUSAGE_CHILDREN)``. It runs first, so no other child can be the one measured.

Builds 1-3 show their own bare MkDocs time (MkDocs alone on the last build's ``.build/mkdocs.yml``
and Markdown, :func:`stages.bare_config`). Cases 4-7 build no site: the real latest case's bare
time is shown beside them for reference (marked ``*``). The chart image cache lives in each
throwaway project, so a case's first build starts cold, as in the weekly workflow's fresh checkout;
with ``--repeat 1`` that is the build timed. Without ../shared/market-data only cases 1 and 8 run.

Run with ``make bench`` or ``.venv/bin/python benchmarks/run.py [--repeat N]``; the table is
printed and ``benchmarks/results/run.json`` written (with each build's per-stage medians).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from generator.metrics.breadth import breadth_measures

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "market-data"
SINCE = dt.date(2026, 1, 2)
AS_OF = dt.date(2026, 3, 9)
CUT = dt.date(2026, 7, 24)
NEW_WEEK = "2026-07-31"
SCALE_SYMBOLS, SCALE_YEARS = 12_000, 25
GIB = 2**30
T = TypeVar("T")


@dataclass
class Row:
    case: str
    seconds: float
    bare: float | None = None
    """The bare MkDocs seconds shown beside the case (its own, or the reference)."""
    reference: bool = False
    """``bare`` is the real latest build's, not the case's own."""
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.bare if self.bare else None


def timed(
    fn: Callable[[], T], repeat: int, setup: Callable[[], object] | None = None
) -> tuple[float, T]:
    """Median wall seconds of ``repeat`` calls of ``fn`` (``setup`` untimed before each), and
    the last result."""
    times: list[float] = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def scale_child(repeat: int) -> None:
    """Case 8's workload, in this (child) process: prints its median seconds as JSON."""
    end = pd.Timestamp("2026-07-31")
    index = pd.bdate_range(end - pd.DateOffset(years=SCALE_YEARS), end)
    steps = np.random.default_rng(20260731).normal(0.0, 0.01, (len(index), SCALE_SYMBOLS))
    np.cumsum(steps, axis=0, out=steps)
    np.exp(steps, out=steps)
    steps *= 100.0
    columns = [f"S{i:05d}" for i in range(SCALE_SYMBOLS)]
    prices = pd.DataFrame(steps, index=index, columns=columns, copy=False)
    del steps

    def breadth() -> None:
        breadth_measures(prices, (50, 200))

    seconds, _ = timed(breadth, repeat)
    print(json.dumps({"seconds": seconds, "sessions": len(index), "symbols": SCALE_SYMBOLS}))


def scale_row(repeat: int) -> Row:
    child = [sys.executable, __file__, "--scale-child", "--repeat", str(repeat)]
    out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
    got = json.loads(out.splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    return Row(
        f"breadth {SCALE_SYMBOLS:,} x {SCALE_YEARS} y",
        got["seconds"],
        target="≤ 10 s, ≤ 4 GiB peak",
        ok=got["seconds"] <= 10 and peak <= 4 * GIB,
        note=f"peak RSS {peak / GIB:.2f} GiB; {got['sessions']:,} sessions; %>50d, %>200d, A-D",
    )


def build_row(
    name: str,
    source: str,
    as_of: dt.date | None,
    repeat: int,
    *,
    limit: float | None = None,
    config_changes: dict[str, str] | None = None,
) -> tuple[Row, dict[str, Any]]:
    """A build case through :func:`stages.bench`; ``limit``: the most time, in bare MkDocs
    builds, the issue allows."""
    import stages

    result = stages.bench(name, source, as_of, repeat, config_changes)
    row = Row(name, result["total_seconds"], result["bare_mkdocs_seconds"])
    if limit is not None and row.ratio is not None:
        row.target, row.ok = f"≤ {limit:g}x bare", row.ratio <= limit
    return row, result


def real_rows(repeat: int) -> tuple[list[Row], list[dict[str, Any]]]:
    """Cases 2-7 in a throwaway project whose store is filled once from the shared CSV files."""
    from conftest import SHARED_PRICES, project_copy
    from generator.fetch import run_fetch
    from generator.members import read_member_lists
    from generator.memberstore import MemberStore
    from generator.posts import BackfillOptions, backfill
    from generator.project import Project
    from generator.sources import Source

    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        root = project_copy(Path(tmp) / "warm")
        config = root / "rotation.yml"
        fetched = run_fetch(config, f"csv:{SHARED_PRICES}")
        project = Project.load(config)
        print(
            f"(warm store: rotation fetch --source csv:DIR, {len(fetched.outcomes)} symbols and "
            f"{len(fetched.members)} members in {fetched.seconds:.1f} s)",
            flush=True,
        )
        # Each build case in its own throwaway copy (stages.bench), reading this warm store.
        stores = {"store": str(project.store), "members_store": str(project.members_store)}
        latest, latest_result = build_row(
            "real build, latest", "store", None, repeat, limit=3, config_changes=stores
        )
        as_of, as_of_result = build_row(
            f"real build, as of {AS_OF}", "store", AS_OF, repeat, config_changes=stores
        )

        rows = [latest, as_of]
        archive = project.archive(Source.of("store"))
        run = functools.partial(backfill, BackfillOptions(config, "store", since=SINCE))
        empty = functools.partial(shutil.rmtree, archive, ignore_errors=True)
        seconds, full = timed(run, repeat, setup=empty)
        weeks = len(full.written)
        rows.append(
            Row(
                f"backfill {weeks} weeks, empty",
                seconds,
                target="≤ 40 s",
                ok=seconds <= 40,
                note=f"{seconds / max(weeks, 1):.2f} s per week",
            )
        )
        noop_s, noop = timed(run, repeat)
        rows.append(
            Row(
                "backfill no-op",
                noop_s,
                target="≤ 2 s",
                ok=noop_s <= 2,
                note=f"{len(noop.unchanged)} unchanged, {len(noop.written)} written",
            )
        )

        def cut_back() -> None:
            shutil.rmtree(archive / NEW_WEEK, ignore_errors=True)
            backfill(BackfillOptions(config, "store", since=SINCE, until=CUT))

        new_s, new = timed(run, repeat, setup=cut_back)
        marginal = new_s - noop_s
        wrote = ", ".join(f"{w:%Y-%m-%d}" for w in new.written) or "nothing"
        rows.append(
            Row(
                "backfill one new week",
                new_s,
                target="≤ 1 s marginal",
                ok=marginal <= 1,
                note=f"marginal {marginal:.2f} s (less the no-op); wrote {wrote}",
            )
        )

        lists = read_member_lists(project.config.breadth, project.root)
        tickers = list(dict.fromkeys(t for v in lists.values() if isinstance(v, list) for t in v))
        start = pd.Timestamp("2023-01-01")
        store = project.members_store
        load_s, frame = timed(lambda: MemberStore(store).frame(tickers, start=start), repeat)
        rows.append(
            Row(
                "members load",
                load_s,
                target="≤ 0.5 s",
                ok=load_s <= 0.5,
                note=f"{frame.shape[1]:,} of {len(tickers):,} members x {frame.shape[0]} sessions",
            )
        )
    return rows, [latest_result, as_of_result]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "run.json")
    parser.add_argument("--scale-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        scale_child(args.repeat)
        return 0

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.basicConfig(level=logging.WARNING)
    sys.path.insert(0, str(REPO / "tests"))  # conftest.project_copy, as stages.py imports it
    scale = scale_row(args.repeat)
    sample, sample_result = build_row("sample build", "sample", None, args.repeat, limit=2.5)
    rows, builds, skipped = [sample], [sample_result], []
    if SHARED.is_dir():
        real, real_builds = real_rows(args.repeat)
        for row in real[2:]:  # no MkDocs build of their own: the real latest one's, for reference
            row.bare, row.reference = real[0].bare, True
        rows += real
        builds += real_builds
    else:
        skipped = [
            "real build, latest",
            f"real build, as of {AS_OF}",
            "backfill 31 weeks, empty",
            "backfill no-op",
            "backfill one new week",
            "members load",
        ]
    rows.append(scale)

    print(
        f"\nmedian of {args.repeat} run(s); bare mkdocs = mkdocs build --strict alone on the "
        "case's Markdown;\n* = no MkDocs build of its own: the real latest case's bare mkdocs "
        "time, for reference"
    )
    print(f"{'case':<32}{'seconds':>9}{'bare mkdocs':>13}{'ratio':>8}  {'target':<22}ok  notes")
    for r in rows:
        bare = "—" if r.bare is None else f"{r.bare:.2f}{'*' if r.reference else ' '}"
        ratio = "—" if r.ratio is None else f"{r.ratio:.1f}x"
        ok = {True: "✓", False: "✗", None: " "}[r.ok]
        print(
            f"{r.case:<32}{r.seconds:>9.2f}{bare:>13}{ratio:>8}  {r.target or '—':<22}{ok}   "
            f"{r.note}"
        )
    for case in skipped:
        print(f"skipped {case}: no real market data at {SHARED}")
    for b in builds:
        stage_s = ", ".join(f"{k} {v:.2f}" for k, v in b["median_seconds"].items())
        print(f"{b['name']} stages (s): {stage_s}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "repeat": args.repeat,
        "cases": [asdict(r) | {"ratio": r.ratio} for r in rows],
        "skipped": skipped,
        "builds": builds,
    }
    args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
