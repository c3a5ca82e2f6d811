"""Time ``rotation backfill``: a first run (every post written), a re-run (every post unchanged,
only digests compared), and the weight of a post page, its files and the e-mail digest.

Run with ``.venv/bin/python benchmarks/backfill.py [--source csv:DIR] [--since YYYY-MM-DD]``
(default: the shared real data from 2026-01-02 when present, else the sample for 8 weeks). Works
in a throwaway copy of the project, never in the repository's own archive.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import SHARED_PRICES, project_copy  # noqa: E402
from generator.build import BuildOptions, build  # noqa: E402
from generator.posts import BackfillOptions, backfill  # noqa: E402


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    real = SHARED_PRICES.is_dir()
    parser.add_argument("--source", default=f"csv:{SHARED_PRICES}" if real else "sample")
    parser.add_argument("--since", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--weeks", type=int, default=None if real else 8)
    args = parser.parse_args()
    since = args.since or (dt.date(2026, 1, 2) if args.weeks is None else None)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = project_copy(Path(tmp) / "project")
        options = BackfillOptions(root / "rotation.yml", args.source, since=since, weeks=args.weeks)
        start = time.perf_counter()
        first = backfill(options)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        again = backfill(options)
        again_s = time.perf_counter() - start
        start = time.perf_counter()
        build(BuildOptions(root / "rotation.yml", args.source))
        build_s = time.perf_counter() - start
        site = root / "site"
        latest = first.written[-1]
        page = site / "blog" / f"week-{latest:%Y-%m-%d}" / "index.html"
        weeks = len(first.written)
        result = {
            "source": args.source,
            "weeks": weeks,
            "first_run_s": round(first_s, 1),
            "per_week_s": round(first_s / weeks, 2),
            "rerun_s": round(again_s, 1),
            "rerun_unchanged": len(again.unchanged),
            "build_with_posts_s": round(build_s, 1),
            "post_html_bytes": page.stat().st_size,
            "post_files_bytes": folder_bytes(first.folder / f"{latest:%Y-%m-%d}"),
            "archive_bytes": folder_bytes(first.folder),
            "digest_bytes": (site / "digest.html").stat().st_size,
            "feed_bytes": (site / "feed.xml").stat().st_size,
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
