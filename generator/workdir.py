"""One run at a time in a project, and nothing left behind by a run that was killed.

Every command that writes (``build``, ``backfill``, ``fetch``) runs inside :func:`exclusive`:
it holds the project's lock file ``.build/rotation.lock`` for the whole run, so two runs in one
checkout never write the same store, archive or site at once. A second run waits
:data:`WAIT_SECONDS`, then stops with :class:`~generator.errors.LockError` naming the holder's
pid and start time, which the holder writes into the lock file.

The lock is the operating system's (``flock`` on Unix, through :mod:`filelock`): it belongs to
the open file, so a run that is killed, even with SIGKILL, releases it with its process, and
the file left in place blocks nobody.

Writes are atomic: each goes to a temporary file or folder beside its target and is renamed
into place when complete (:mod:`generator.store`, :mod:`generator.archive`,
:mod:`generator.publish`). A run killed halfway leaves those temporaries behind; holding the
lock, the next run removes them first (:func:`remove_leftovers`): no live run can be writing
them. Their names are made here (:func:`new_name`, :func:`old_name`, :data:`STORE_TMP_PREFIX`)
and recognised here (:data:`LEFTOVERS`), and nothing else is ever removed. Only folders inside
the project are cleaned: a store or site folder outside it may be another project's, which this
lock does not guard.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import filelock

from generator import layout
from generator.errors import LockError

if TYPE_CHECKING:
    from generator.project import Project

log = logging.getLogger(__name__)

WAIT_SECONDS = 5.0
"""How long a run waits for another run's lock before it gives up (tests lower it)."""

# --- temporary names

_RANDOM = r"[a-z0-9_]{8}"
"""The random part :mod:`tempfile` adds to a name (8 characters of ``a-z0-9_``)."""

STORE_TMP_PREFIX = ".tmp-"
"""A store file being written (``.tmp-<random>.parquet`` or ``.json``, made by
:meth:`generator.store.PriceStore.write` and :meth:`generator.memberstore.MemberStore.flush`),
renamed to its name once complete."""


def new_name(name: str) -> str:
    """The prefix of a folder being filled before it replaces ``name``
    (``.site-new-<random>``, ``.docs-new-<random>``, ``.2024-06-07-new-<random>``)."""
    return f".{name}-new-"


def old_name(name: str) -> str:
    """The prefix ``name`` is renamed to when a new one replaces it, removed right after
    (``.site-old-<random>``)."""
    return f".{name}-old-"


@dataclass(frozen=True)
class Leftover:
    """A kind of temporary a killed run may leave: where it is and what its name looks like."""

    where: str
    """``stores`` (prices and members), ``work folder`` (``.build/``), ``site folder's parent``,
    ``archive`` (the posts' folders, sample and market) or ``valuation history's folder``."""
    pattern: str
    """The whole name (a regular expression; ``{site}`` stands for the site folder's name)."""
    folder: bool
    """A folder (else a file); a symlink is never one of ours."""
    made_by: str
    """The code that makes it, and what it is."""


LEFTOVERS = (
    Leftover(
        "stores",
        rf"{re.escape(STORE_TMP_PREFIX)}{_RANDOM}\.parquet",
        folder=False,
        made_by="store.PriceStore.write: a symbol's file being written; memberstore."
        "MemberStore.flush: a year's file being written",
    ),
    Leftover(
        "stores",
        rf"{re.escape(STORE_TMP_PREFIX)}{_RANDOM}\.json",
        folder=False,
        made_by="memberstore.MemberStore.flush: the members store's manifest being written",
    ),
    Leftover(
        "valuation history's folder",
        rf"{re.escape(STORE_TMP_PREFIX)}{_RANDOM}\.(csv|json)",
        folder=False,
        made_by="valuation.append and take_snapshot: the history or its status being written",
    ),
    Leftover(
        "work folder",
        rf"\.docs-(new|old)-{_RANDOM}",
        folder=True,
        made_by="publish.publish: the docs folder being assembled, or the previous one",
    ),
    Leftover(
        "work folder",
        rf"\.generated-(new|old)-{_RANDOM}|generated-{_RANDOM}",
        folder=True,
        made_by="publish.publish of earlier versions: the generated folder, swapped in .build/",
    ),
    Leftover(
        "site folder's parent",
        rf"\.{{site}}-(new|old)-{_RANDOM}",
        folder=True,
        made_by="publish.publish: the site being built by MkDocs, or the previous one",
    ),
    Leftover(
        "archive",
        rf"\.\d{{4}}-\d{{2}}-\d{{2}}-(new|old)-{_RANDOM}",
        folder=True,
        made_by="archive.write_post: a post being written, or its previous version",
    ),
)
"""Every temporary name a run makes, by folder: what :func:`remove_leftovers` removes."""


def _folders(project: Project, site_dir: Path) -> dict[str, list[Path]]:
    posts = project.locate(project.config.posts)
    return {
        "stores": [project.store, project.members_store],
        "work folder": [project.root / layout.BUILD],
        "site folder's parent": [site_dir.parent],
        "archive": [posts / "sample", posts / "market"],
        "valuation history's folder": (
            [project.locate(project.config.valuation.file).parent]
            if project.config.valuation
            else []
        ),
    }


def leftovers(project: Project, *, site_dir: Path | None = None) -> list[Path]:
    """The temporaries a killed run left in the project (see :data:`LEFTOVERS`)."""
    site = Path(os.path.abspath(site_dir or project.site_dir))
    folders = _folders(project, site)
    inside = project.root.resolve()
    found: set[Path] = set()
    for kind in LEFTOVERS:
        pattern = re.compile(kind.pattern.replace("{site}", re.escape(site.name)))
        for folder in folders[kind.where]:
            if not folder.is_dir() or not folder.resolve().is_relative_to(inside):
                continue
            for entry in folder.iterdir():
                if not pattern.fullmatch(entry.name) or entry.is_symlink():
                    continue
                if entry.is_dir() if kind.folder else entry.is_file():
                    found.add(entry)
    return sorted(found)


def remove_leftovers(project: Project, *, site_dir: Path | None = None) -> int:
    """Remove what a killed run left; call it holding the lock. Returns how many were removed."""
    removed = 0
    for path in leftovers(project, site_dir=site_dir):
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError as exc:
            log.warning("%s: cannot remove what a killed run left (%s)", path, exc.strerror or exc)
            continue
        log.debug("removed %s, left by a killed run", path)
        removed += 1
    if removed:
        log.info("removed %d temporary files and folders left by a killed run", removed)
    return removed


# --- the lock


def _describe(path: Path) -> str:
    """``started <time> by pid <pid>`` from what the holder wrote into the lock file."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return f"started {holder['started']} by pid {int(holder['pid'])}"
    except (OSError, ValueError, TypeError, KeyError):
        return "its pid and start time not recorded yet"


def _record(command: str) -> bytes:
    started = dt.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")
    holder = {"pid": os.getpid(), "started": started, "command": command}
    return (json.dumps(holder) + "\n").encode()


@contextmanager
def exclusive(project: Project, command: str, *, site_dir: Path | None = None) -> Iterator[None]:
    """Hold the project's lock for a whole run of ``command``; first remove what a killed run
    left (in ``site_dir``'s parent too, when the site goes elsewhere)."""
    path = project.lock
    record = _record(command)

    def write_holder(fd: int) -> None:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, record)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(path, on_acquired=write_holder)
        try:
            lock.acquire(blocking=False)
        except filelock.Timeout:
            log.info("another rotation run holds %s (%s); waiting", path, _describe(path))
            lock.acquire(timeout=WAIT_SECONDS)
    except filelock.Timeout:
        raise LockError(
            f"another rotation run holds {path} ({_describe(path)}); "
            "wait for it or remove the file if no run is going"
        ) from None
    except OSError as exc:
        raise LockError(f"{path}: cannot take the lock ({exc.strerror or exc})") from None
    try:
        remove_leftovers(project, site_dir=site_dir)
        yield
    finally:
        lock.release()
