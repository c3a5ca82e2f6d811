"""A project: its validated config and the absolute paths of everything it reads and writes.

Every command starts with :meth:`Project.load`, so a path is resolved in one place, relative to
the config file, whatever the working directory: the stores, the posts archive, the run report,
the templates and overrides that come before the package's own, and the site.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from generator import layout
from generator.config import Config, load_config
from generator.members import list_date
from generator.sources import Source


@dataclass(frozen=True)
class Project:
    root: Path
    """The folder holding the config file (absolute)."""
    config_path: Path
    config: Config

    @classmethod
    def load(cls, config_path: Path, *, site_url: str | None = None) -> Project:
        """Read and validate ``config_path``; ``site_url`` overrides ``site.url`` (the weekly
        workflow passes the address GitHub Pages serves the site at)."""
        config = load_config(config_path)
        if site_url is not None:
            site = config.site.model_copy(update={"url": site_url})
            config = config.model_copy(update={"site": site})
        root = config_path.resolve().parent
        return cls(root, config_path, _dated_lists(config, root))

    @property
    def store(self) -> Path:
        return self.locate(self.config.store)

    @property
    def members_store(self) -> Path:
        return self.locate(self.config.members_store)

    @property
    def run_report(self) -> Path:
        return self.root / layout.RUN_REPORT

    @property
    def lock(self) -> Path:
        """The lock file every writing command holds (:mod:`generator.workdir`)."""
        return self.root / layout.LOCK

    @property
    def templates(self) -> Path:
        """The project's own page and post templates (before the package's)."""
        return self.root / "templates"

    @property
    def overrides(self) -> Path:
        """Single-template overrides (before the project's templates)."""
        return self.root / "overrides"

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def cache_dir(self) -> Path:
        """Rendered chart images, keyed by spec; ``ROTATION_CACHE_DIR`` shares one across
        projects (the tests do)."""
        return Path(os.environ.get("ROTATION_CACHE_DIR") or self.root / ".cache")

    def archive(self, source: Source) -> Path:
        """``data/posts/market`` for real prices, ``data/posts/sample`` for the synthetic sample,
        so trying the sample never mixes into a real archive."""
        return self.locate(self.config.posts) / ("sample" if source.is_sample else "market")

    def locate(self, path: str | Path) -> Path:
        """A path written in the config, relative to the config file."""
        return self.root / path


def _dated_lists(config: Config, root: Path) -> Config:
    """The config with each breadth list dated by the sidecar ``rotation members`` wrote beside
    its file (``<list>.json``: the holdings' own date), where there is one: a refreshed list is
    newer than the ``members_as_of`` written in ``rotation.yml``."""
    if config.breadth is None:
        return config
    lists = []
    for item in config.breadth.lists:
        day = list_date(root / item.file)
        lists.append(item.model_copy(update={"members_as_of": day}) if day else item)
    return config.model_copy(
        update={"breadth": config.breadth.model_copy(update={"lists": tuple(lists)})}
    )
