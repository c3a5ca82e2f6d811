"""Hostile runs: two at once in one project, a holder killed with SIGKILL, a build killed halfway.

A second run waits for the project's lock (``.build/rotation.lock``), then stops with one
``Error:`` line naming the holder; a killed holder blocks nobody (the lock is the operating
system's); what a killed run left is removed at the next start, and nothing else is.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import project_copy
from generator import workdir
from generator.errors import DataError, LockError
from generator.project import Project
from tests_support import REPO, run

HOLDER = """
import sys, time
from pathlib import Path
from generator import workdir
from generator.project import Project

with workdir.exclusive(Project.load(Path(sys.argv[1])), "build"):
    print("held", flush=True)
    time.sleep(300)
"""
"""A process that takes the project's lock the way a command does, and keeps it."""


def _env() -> dict[str, str]:
    """The tests' environment for a child process, importing this checkout's ``generator``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("ROTATION_CACHE_DIR", str(REPO / ".cache"))
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


@contextmanager
def _held(root: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the project's lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root / "rotation.yml")],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "held\n"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture(scope="module")
def held(tmp_path_factory) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A project whose lock another process holds, for the tests that only try to run in it."""
    root = project_copy(tmp_path_factory.mktemp("held") / "project")
    with _held(root) as proc:
        yield root, proc


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(workdir, "WAIT_SECONDS", 0.3)
    return 0.3


@pytest.mark.parametrize(
    "command",
    [["build"], ["backfill", "--weeks", "1"], ["fetch"]],
    ids=["build", "backfill", "fetch"],
)
def test_a_second_run_waits_then_names_the_holder(held, short_wait, capsys, command):
    root, holder = held
    lock = root / ".build" / "rotation.lock"
    recorded = json.loads(lock.read_text(encoding="utf-8"))
    assert recorded["pid"] == holder.pid
    assert recorded["command"] == "build"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d", recorded["started"])

    began = time.monotonic()
    code, out, err = run(capsys, "-q", *command, "--config", str(root / "rotation.yml"))

    assert time.monotonic() - began >= short_wait
    assert (code, out) == (1, "")
    assert err == (
        f"Error: another rotation run holds {lock} (started {recorded['started']} by pid "
        f"{holder.pid}); wait for it or remove the file if no run is going\n"
    )
    assert not (root / "site").exists()
    assert holder.poll() is None  # the holder's run goes on
    assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == holder.pid


def test_the_waiting_run_says_so(held, short_wait, capsys):
    root, holder = held
    code, _, err = run(capsys, "fetch", "--config", str(root / "rotation.yml"))
    assert code == 1
    assert f"another rotation run holds {root / '.build' / 'rotation.lock'}" in err
    assert f"by pid {holder.pid}); waiting" in err.splitlines()[0]


def test_a_holder_killed_with_sigkill_blocks_nobody(root, monkeypatch):
    monkeypatch.setattr(workdir, "WAIT_SECONDS", 0.0)
    with _held(root) as holder:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = root / ".build" / "rotation.lock"
    assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == holder.pid  # what it left
    with workdir.exclusive(Project.load(root / "rotation.yml"), "fetch"):
        held = json.loads(lock.read_text(encoding="utf-8"))
    assert (held["pid"], held["command"]) == (os.getpid(), "fetch")


def test_a_failed_run_releases_the_lock(root, monkeypatch):
    monkeypatch.setattr(workdir, "WAIT_SECONDS", 0.0)
    project = Project.load(root / "rotation.yml")
    with pytest.raises(DataError), workdir.exclusive(project, "build"):
        raise DataError("SPY: no prices")
    with workdir.exclusive(project, "build"):
        pass


def test_an_unwritable_work_folder_is_one_error(root):
    (root / ".build").write_text("not a folder")
    with (
        pytest.raises(LockError, match=r"\.build/rotation\.lock: cannot take the lock"),
        workdir.exclusive(Project.load(root / "rotation.yml"), "build"),
    ):
        pass


def _mkdtemp(folder: Path, prefix: str) -> Path:
    """A temporary folder named as the code names it, with something in it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=folder, prefix=prefix))
    (path / "index.html").write_text("half written")
    (path / "assets").mkdir()
    (path / "assets" / "x.js").write_text("")
    return path


def _mkstemp(folder: Path, suffix: str = ".parquet") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=workdir.STORE_TMP_PREFIX, suffix=suffix)
    os.write(fd, b"PAR1 half written")
    os.close(fd)
    return Path(name)


def test_leftovers_of_a_killed_run_go_and_look_alikes_stay(tmp_path, caplog):
    root = project_copy(tmp_path / "project", {"members_store": "../shared/members"})
    store, members, work = root / "data/store", tmp_path / "shared/members", root / ".build"
    market, sample = root / "data/posts/market", root / "data/posts/sample"
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("the last good site")
    leftovers = [
        _mkstemp(store),
        _mkstemp(store),
        _mkdtemp(work, workdir.new_name("docs")),
        _mkdtemp(work, workdir.old_name("docs")),
        _mkdtemp(work, ".generated-old-"),  # the names of earlier versions
        _mkdtemp(work, "generated-"),
        _mkdtemp(root, workdir.new_name("site")),
        _mkdtemp(root, workdir.old_name("site")),
        _mkdtemp(market, workdir.new_name("2024-06-07")),
        _mkdtemp(market, workdir.old_name("2024-06-07")),
        _mkdtemp(sample, workdir.new_name("2024-06-14")),
        _mkstemp(root / "data", ".csv"),  # the valuation history being written
        _mkstemp(root / "data", ".json"),  # and its status
    ]
    user_dir = root / "mine"
    user_dir.mkdir()
    kept = [
        store / "SPY.parquet",
        store / "tmp-notes.parquet",
        store / ".tmp-notes.parquet",
        store / ".tmp-abcdefgh.parquet.bak",
        root / "site-new",
        root / ".site-new-mine",
        root / ".site-new-abcdefgh1",
        root / ".docs-new-abcdefgh",  # docs' temporaries live in .build/, not here
        work / ".site-new-abcdefgh",  # and the site's beside the site
        work / "docs",
        work / "generated",
        market / "2024-06-07",
        market / ".2024-06-07-new",
        market / ".week-new-abcdefgh",
        root / ".2024-06-07-new-abcdefgh",
        members / ".tmp-abcdefgh.parquet",  # a store outside the project: not ours to clean
        root / "data" / ".tmp-notes.csv",
    ]
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix or path.name.startswith(".tmp"):
            path.write_text("the user's")
        else:
            path.mkdir()
            (path / "keep.txt").write_text("the user's")
    # A symlink with a temporary's name is not ours either: neither it nor its target goes.
    link = root / ".site-old-abcdefgh"
    link.symlink_to(user_dir, target_is_directory=True)
    (user_dir / "keep.txt").write_text("the user's")
    # A file where a folder is made (and the other way round) is not ours.
    (sample / ".2024-06-14-old-abcdefgh").write_text("the user's")
    (store / ".tmp-abcdefg1.parquet").mkdir()

    project = Project.load(root / "rotation.yml")
    assert workdir.leftovers(project) == sorted(leftovers)
    with caplog.at_level(logging.INFO, logger="generator"), workdir.exclusive(project, "fetch"):
        pass

    assert [p for p in leftovers if os.path.lexists(p)] == []
    assert [p for p in kept if not p.exists()] == []
    assert link.is_symlink()
    assert (user_dir / "keep.txt").is_file()
    assert (sample / ".2024-06-14-old-abcdefgh").is_file()
    assert (store / ".tmp-abcdefg1.parquet").is_dir()
    assert (root / "site" / "index.html").read_text() == "the last good site"
    assert f"removed {len(leftovers)} temporary files and folders left by a killed run" in (
        caplog.messages
    )
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="generator"), workdir.exclusive(project, "fetch"):
        pass
    assert not [m for m in caplog.messages if "removed" in m]  # nothing left: nothing said


def test_a_site_folder_elsewhere_is_cleaned_beside_it_when_inside_the_project(root):
    project = Project.load(root / "rotation.yml")
    inside = _mkdtemp(root / "public", workdir.new_name("www"))
    outside = _mkdtemp(root.parent / "elsewhere", workdir.new_name("www"))
    assert workdir.leftovers(project, site_dir=root / "public" / "www") == [inside]
    assert workdir.leftovers(project, site_dir=root.parent / "elsewhere" / "www") == []
    assert outside.is_dir()


# --- a build killed with SIGKILL halfway, then built again


def _temporaries(root: Path) -> list[Path]:
    pattern = re.compile(r"\..+-(new|old)-[a-z0-9_]{8}|\.tmp-[a-z0-9_]{8}\.parquet")
    return sorted(p for p in root.rglob("*") if pattern.fullmatch(p.name))


@pytest.fixture(scope="module")
def killed_then_built(tmp_path_factory) -> tuple[Path, list[Path], int, str]:
    """A sample build killed while MkDocs builds the new site, then ``rotation build`` again
    (the module's one full build)."""
    root = project_copy(tmp_path_factory.mktemp("killed") / "project")
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--source", "sample"],
        cwd=root,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    try:
        while not list(root.glob(".site-new-*")):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the build never reached its site"
            time.sleep(0.02)
        time.sleep(0.5)  # MkDocs is writing pages now
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
    left = _temporaries(root)
    os.environ.setdefault("ROTATION_CACHE_DIR", str(REPO / ".cache"))
    from generator.cli import main

    stderr = root.parent / "stderr.txt"
    with stderr.open("w") as handle:
        saved, sys.stderr = sys.stderr, handle
        try:
            code = main(["build", "--source", "sample", "--config", str(root / "rotation.yml")])
        finally:
            sys.stderr = saved
    return root, left, code, stderr.read_text()


@pytest.mark.slow
@pytest.mark.xdist_group("build")
def test_a_build_killed_halfway_leaves_nothing_after_the_next(killed_then_built):
    root, left, code, err = killed_then_built
    assert code == 0, err
    names = sorted(re.sub(r"[a-z0-9_]{8}$", "*", p.name) for p in left)
    assert names == [".docs-new-*", ".site-new-*"]  # what the killed run left
    assert f"removed {len(left)} temporary files and folders left by a killed run" in err
    assert _temporaries(root) == []
    site, docs = root / "site", root / ".build" / "docs"
    pages = [p.relative_to(docs).as_posix() for p in docs.rglob("*.md")]
    assert "index.md" in pages
    assert "pairs.md" in pages or "pairs/index.md" in pages
    for page in pages:
        served = re.sub(r"(^|/)index\.md$|\.md$", r"\1", page)
        assert (site / served / "index.html").is_file(), page
    assert (site / "sitemap.xml").is_file()
    assert (site / "search" / "search_index.json").is_file()
