"""Installable: the wheel carries the templates, schema and starter files, and builds a site in an
empty folder with no checkout around it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests_support import REPO

pytestmark = pytest.mark.slow


def _run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_the_wheel_starts_and_builds_a_project_in_an_empty_folder(tmp_path):
    wheels, target, project = tmp_path / "wheels", tmp_path / "installed", tmp_path / "project"
    project.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # No build isolation: hatchling comes from the test environment, so nothing is downloaded.
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", str(wheels), str(REPO), cwd=tmp_path, env=env,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("rotation_monitor-*.whl")
    installed = _run(
        sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
        str(wheel), cwd=tmp_path, env=env,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    # The wheel's package first on the path: the checkout's editable install is not used.
    env |= {"PYTHONPATH": str(target), "NO_MKDOCS_2_WARNING": "1"}
    where = _run(
        sys.executable, "-c", "import generator; print(generator.__file__)", cwd=project, env=env
    )
    assert where.stdout.strip() == str(target / "generator" / "__init__.py"), where.stderr

    cli = (sys.executable, "-m", "generator")
    init = _run(*cli, "init", cwd=project, env=env)
    assert init.returncode == 0, init.stderr
    assert (project / "rotation.yml").is_file()
    assert (project / "mkdocs.yml").is_file()
    assert (project / "site_src" / "assets" / "charts.js").is_file()
    assert not (project / "templates" / "pages").exists(), "page templates stay in the package"

    again = _run(*cli, "init", cwd=project, env=env)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1] == (
        "Error: rotation.yml: already exists (10 starter files do); "
        "rotation init overwrites nothing"
    )

    build = _run(*cli, "build", "--source", "sample", cwd=project, env=env)
    assert build.returncode == 0, build.stderr
    for page in ("index.html", "pairs/index.html", "breadth/index.html", "downloads/index.html"):
        assert (project / "site" / page).is_file(), page
    assert (project / "site" / "metrics.schema.json").is_file()
    home = (project / "site" / "index.html").read_text()
    assert "Sample data — not market data." in home
