"""``rotation init``: a new project from the files the generator ships.

It writes ``rotation.yml``, ``mkdocs.yml``, the authored part of ``site_src/`` (the charts'
script and style, the blog index, the guides) and the theme override, and nothing else: the page
templates stay in the package until the project overrides one. It never overwrites: a folder
that already holds any of these files is refused whole, before anything is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.errors import ConfigError
from generator.resources import STARTER, defaults


def init_project(folder: Path) -> list[Path]:
    """Write the starter files into ``folder``; the files written, in order."""
    source = defaults()
    pairs: list[tuple[Path, Path]] = []
    for name in STARTER:
        origin = source / name
        files = sorted(p for p in origin.rglob("*") if p.is_file()) if origin.is_dir() else [origin]
        pairs += [(f, folder / f.relative_to(source)) for f in files]
    taken = [target for _, target in pairs if target.exists()]
    if taken:
        raise ConfigError(
            str(taken[0]),
            [f"already exists ({len(taken)} starter files do); rotation init overwrites nothing"],
        )
    for origin, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, target)
    return [target for _, target in pairs]
