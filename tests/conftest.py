"""Shared fixtures and factories."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests_support import FIXTURE_CONFIG
from tests_support import stand_in_exports as _stand_in_exports

REPO = Path(__file__).resolve().parent.parent
SHARED_PRICES = REPO.parent / "shared" / "market-data" / "prices"
PROJECT_FILES = ["mkdocs.yml", "templates", "site_src/assets", "site_src/blog"]
PROJECT_FILES.append("site_src/for-forkers")
"""The hand-written guides (Customise, Publish, Maintaining) too: a fork has them, so every test
build also checks their links in strict mode."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/ from the current output"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def shared_prices() -> Path:
    """The real market data beside the project; skipped (with the reason) in a fork without it.
    Session-scoped, so that module- and session-scoped builds can ask for it too."""
    if not SHARED_PRICES.is_dir():
        pytest.skip(f"real market data not found at {SHARED_PRICES} (only present in CI and dev)")
    return SHARED_PRICES


def write_csv(path: Path, series: pd.Series) -> Path:
    """Write a ``Date,Close`` file the way the shared data and yfinance exports look."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"Date": series.index.strftime("%Y-%m-%d"), "Close": series.to_numpy()})
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def csv_dir(tmp_path: Path) -> Callable[[Mapping[str, pd.Series]], Path]:
    """Factory: a folder of ``<SYMBOL>.csv`` files from a mapping of symbol to series."""

    def make(data: Mapping[str, pd.Series]) -> Path:
        folder = tmp_path / "prices"
        folder.mkdir(exist_ok=True)
        for symbol, series in data.items():
            write_csv(folder / f"{symbol}.csv", series)
        return folder

    return make


def one_list_breadth() -> dict:
    """The fixture config's breadth with the Nasdaq-100 list alone: a real-data build then reads
    about 100 member files instead of 2,800 (real breadth over a whole list is checked in
    tests/test_breadth.py; the full universe's speed in benchmarks/)."""
    breadth = yaml.safe_load(FIXTURE_CONFIG.read_text())["breadth"]
    lists = [item for item in breadth["lists"] if item["name"] == "Nasdaq-100"]
    for item in lists:
        item["file"] = str((REPO / item["file"]).resolve())
    return {"breadth": breadth | {"lists": lists}}


def project_copy(dest: Path, config_changes: Mapping | None = None) -> Path:
    """A copy of the project's site files (templates, site_src assets and authored pages) with
    the tests' own config (``tests/fixtures/rotation.yml``) in ``dest``, ``config_changes``
    replacing its top-level keys."""
    for name in PROJECT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    config = yaml.safe_load(FIXTURE_CONFIG.read_text())
    # Member lists are named relative to the repository; keep them pointing at the same files.
    for item in (config.get("breadth") or {}).get("lists", []):
        item["file"] = str((REPO / item["file"]).resolve())
    config.update(config_changes or {})
    (dest / "rotation.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a throwaway project folder so a test build never touches the repository's site."""

    def make(config_changes: Mapping | None = None) -> Path:
        return project_copy(tmp_path / "project", config_changes)

    return make


@pytest.fixture(autouse=True)
def _quiet_mkdocs_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    # A shared cache of the vega bundle, so each test build does not spend seconds rebuilding it.
    os.environ.setdefault("ROTATION_CACHE_DIR", str(REPO / ".cache"))
    # Every chart spec a test draws is checked against the Vega-Lite schema (builds skip it).
    os.environ.setdefault("ROTATION_VALIDATE_SPECS", "1")


@pytest.fixture(scope="module")
def stand_in_exports() -> Iterator[None]:
    """Static chart images made by :class:`tests_support.StandInExporter` for a whole module
    (``pytestmark = pytest.mark.usefixtures("stand_in_exports")``), its module-scoped builds
    included."""
    with _stand_in_exports():
        yield


from fakeyahoo import yahoo_env  # noqa: E402, F401  (fixture)

# Debian's Chromium here; CI points ROTATION_CHROMIUM at the Chrome of its runner image.
CHROMIUM = Path(os.environ.get("ROTATION_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one per worker (the browser tests share it)."""
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} not found: apt-get install chromium, or point ROTATION_CHROMIUM at a "
            "Chrome or Chromium binary (Playwright must not download one)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
