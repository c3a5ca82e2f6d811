"""Time each stage of a full build (config, load, metrics, charts, render, mkdocs) on the sample
data and, when ../shared/market-data is present, on the real data; plus the bare MkDocs build of
the same Markdown and the weight of the Home page.

Run with ``make bench`` or ``.venv/bin/python benchmarks/stages.py [--repeat N]``. Builds happen
in a throwaway copy of the project, never in the repository's own ``site/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import SHARED_PRICES, project_copy  # noqa: E402
from generator.build import BuildOptions, build  # noqa: E402
from generator.publish import run_mkdocs  # noqa: E402


def home_weight(site: Path) -> dict[str, int]:
    html = (site / "index.html").read_text()
    charts = sorted(set(re.findall(r'src="(charts/[^"#]+?)\.svg', html)))
    specs = sum((site / f"{c}.vl.json").stat().st_size for c in charts)
    svgs = sum((site / f"{c}.svg").stat().st_size for c in charts)
    return {
        "html_bytes": len(html.encode()),
        "chart_spec_bytes": specs,
        "static_svg_bytes": svgs,
        "charts": len(charts),
    }


def bare_config(root: Path, site_dir: Path):
    """MkDocs' config of the last build (``.build/mkdocs.yml``), building into ``site_dir``."""
    from mkdocs.config import load_config

    return load_config(str(root / ".build" / "mkdocs.yml"), site_dir=str(site_dir), strict=True)


def bench(name: str, source: str, as_of, repeat: int, config_changes: dict | None = None) -> dict:
    """``repeat`` builds in a throwaway project copy (``config_changes`` to its config, as
    :func:`conftest.project_copy`), then as many bare MkDocs builds of the last one's Markdown."""
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = project_copy(Path(tmp) / "project", config_changes)
        for _ in range(repeat):
            result = build(
                BuildOptions(config_path=root / "rotation.yml", source=source, as_of=as_of)
            )
            runs.append(dict(result.timings.stages))
        bare = []
        for _ in range(repeat):
            start = time.perf_counter()
            # The same Markdown and config as the build (.build/docs, .build/mkdocs.yml).
            run_mkdocs(bare_config(root, Path(tmp) / f"bare-{len(bare)}"))
            bare.append(time.perf_counter() - start)
        largest = max((root / "site" / "charts").glob("*.vl.json"), key=lambda p: p.stat().st_size)
        largest_spec = {"file": largest.name, "bytes": largest.stat().st_size}
        weight = home_weight(root / "site")
    stages = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return {
        "name": name,
        "repeat": repeat,
        "median_seconds": stages,
        "total_seconds": sum(stages.values()),
        "bare_mkdocs_seconds": statistics.median(bare),
        "home": weight,
        "largest_spec": largest_spec,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--json", type=Path, default=REPO / "benchmarks" / "results" / "stages.json"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import datetime as dt

    cases = [("sample", "sample", None)]
    if SHARED_PRICES.is_dir():
        cases.append(("real, as of 2026-03-09", f"csv:{SHARED_PRICES}", dt.date(2026, 3, 9)))
        cases.append(("real, latest", f"csv:{SHARED_PRICES}", None))
    else:
        print(f"(real data not found at {SHARED_PRICES}; sample only)")
    results = [bench(name, source, as_of, args.repeat) for name, source, as_of in cases]
    stages = list(results[0]["median_seconds"])
    header = (
        f"{'case':<24}" + "".join(f"{s:>9}" for s in stages) + f"{'total':>9}{'bare mkdocs':>13}"
    )
    print(header)
    for r in results:
        row = f"{r['name']:<24}" + "".join(f"{r['median_seconds'][s]:>9.2f}" for s in stages)
        print(row + f"{r['total_seconds']:>9.2f}{r['bare_mkdocs_seconds']:>13.2f}")
    for r in results:
        h = r["home"]
        print(
            f"{r['name']}: Home {h['html_bytes'] / 1024:.0f} KiB HTML + "
            f"{h['chart_spec_bytes'] / 1024:.0f} KiB chart specs ({h['charts']} chart; static "
            f"fallbacks {h['static_svg_bytes'] / 1024:.0f} KiB); largest spec "
            f"{r['largest_spec']['file']} {r['largest_spec']['bytes'] / 1024:.0f} KiB"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
