"""The build: config -> prices -> metrics -> charts -> pages -> MkDocs site.

:func:`build` reads top to bottom, one stage per line. Everything is gathered in memory first;
only then are files written, into temporary folders that replace ``site_src/generated/`` and
``site/`` once MkDocs has built them successfully. A failure at any stage leaves the last good
output where it was.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from generator import export, feed, pipeline, render, snapshot, validate
from generator.archive import latest_link, post_site_files, published_posts
from generator.charts import theme as chart_theme
from generator.config import load_config
from generator.errors import BuildError
from generator.pipeline import load_member_prices, load_prices
from generator.registry import REGISTRY
from generator.templating import make_environment

log = logging.getLogger(__name__)

GENERATED = "generated"
BREADTH_YEARS = 4
"""Years of member history loaded for breadth (enough for a 200-session average and 3 years)."""


@dataclass(frozen=True)
class BuildOptions:
    config_path: Path = Path("rotation.yml")
    source: str = "sample"
    as_of: dt.date | None = None
    site_dir: Path | None = None
    """Where the site goes; default ``site/`` beside the config."""
    site_url: str | None = None
    """Overrides ``site.url`` (the weekly workflow passes the URL GitHub Pages serves)."""


@dataclass
class Timings:
    """Wall-clock seconds per stage, in the order the stages ran."""

    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.stages[name] = time.perf_counter() - start
        log.debug("stage %s: %.2f s", name, self.stages[name])


@dataclass(frozen=True)
class BuildResult:
    as_of: pd.Timestamp
    source: str
    site_dir: Path
    pages: int
    charts: int
    run_report: validate.RunReport
    timings: Timings


def build(options: BuildOptions) -> BuildResult:
    """Build the whole site; raise a :class:`RotationError` subclass on any expected failure."""
    timings = Timings()
    project = options.config_path.resolve().parent
    with timings.stage("config"):
        config = load_config(options.config_path)
        if options.site_url is not None:
            config = config.model_copy(
                update={"site": config.site.model_copy(update={"url": options.site_url})}
            )
        for problem in chart_theme.legibility(config.theme):
            log.warning("chart colour hard to see: %s", problem)
    requested = pd.Timestamp(options.as_of) if options.as_of else None
    with timings.stage("load"):
        loaded = load_prices(
            options.source, config.symbols, store_root=project / config.store, policy=config.data
        )
    with timings.stage("validate"):

        def record(run: validate.RunReport) -> None:
            run.write(project / validate.RUN_REPORT)
            run.log(log, project / validate.RUN_REPORT)

        checked = pipeline.check_prices(loaded, config, requested, record=record)
        as_of = checked.as_of
    with timings.stage("members"):
        members = load_member_prices(
            config,
            options.source,
            project,
            start=as_of - pd.DateOffset(years=BREADTH_YEARS),
            policy=config.data,
        )
    with timings.stage("snapshot"):
        snap = snapshot.take(
            config,
            checked.prices,
            as_of,
            members=members,
            source=loaded.source,
            is_sample=loaded.is_sample,
            status=checked.status,
            registry=REGISTRY,
        )
    with timings.stage("posts"):
        archive = published_posts(options.config_path, config, options.source, as_of)
        files = post_site_files(archive)
    with timings.stage("render"):
        env = make_environment(project / "templates", project / "overrides")
        pages = snap.pages()
        data_files = export.files(snap)
        reader_files = feed.reader_files(env, archive, config, config.site.url)
        has_feed = feed.FEED in reader_files
        files |= render.render_site(
            env,
            snap,
            latest_post=latest_link(archive),
            downloads=sorted(data_files),
            has_feed=has_feed,
        )
        files |= data_files | reader_files
        cache = Path(os.environ.get("ROTATION_CACHE_DIR") or project / ".cache")
        files |= render.site_files(snap, pages, cache_dir=cache, feed=has_feed)
    site_dir = options.site_dir or project / "site"
    with timings.stage("mkdocs"):
        publish(
            files,
            docs_dir=project / "site_src",
            site_dir=site_dir,
            mkdocs_yml=project / "mkdocs.yml",
        )
    return BuildResult(
        as_of=as_of,
        source=loaded.source,
        site_dir=site_dir,
        pages=sum(1 for name in files if name.endswith(".md")),
        charts=sum(1 for name in files if name.endswith(".vl.json")),
        run_report=checked.status,
        timings=timings,
    )


def publish(
    files: Mapping[str, bytes], *, docs_dir: Path, site_dir: Path, mkdocs_yml: Path
) -> None:
    """Write ``files`` as the generated folder and build the site, all or nothing.

    The new generated folder is swapped in, MkDocs builds into a temporary folder, and only if
    that succeeds does the new site replace ``site_dir``; otherwise the previous generated folder
    is put back and ``site_dir`` is untouched.
    """
    generated = docs_dir / GENERATED
    work = docs_dir.parent / ".build"
    work.mkdir(exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=work, prefix="generated-"))
    for name, content in files.items():
        path = fresh / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    previous = _move_aside(generated, work)
    fresh.rename(generated)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    new_site = Path(tempfile.mkdtemp(dir=site_dir.parent, prefix=f".{site_dir.name}-new-"))
    try:
        run_mkdocs(mkdocs_yml, new_site)
    except BaseException:
        shutil.rmtree(new_site, ignore_errors=True)
        shutil.rmtree(generated, ignore_errors=True)
        if previous is not None:
            previous.rename(generated)
        raise
    old_site = _move_aside(site_dir, site_dir.parent)
    new_site.rename(site_dir)
    for leftover in (previous, old_site):
        if leftover is not None:
            shutil.rmtree(leftover, ignore_errors=True)


def _move_aside(path: Path, into: Path) -> Path | None:
    if not path.exists():
        return None
    aside = Path(tempfile.mkdtemp(dir=into, prefix=f".{path.name}-old-"))
    aside.rmdir()
    path.rename(aside)
    return aside


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_shutdown_registered = False


def _shutdown_at_exit(plugins: Any) -> None:
    """Shut plugins down once, when the process ends, as ``mkdocs serve`` does.

    MkDocs keeps one instance of every plugin with startup/shutdown events per process and reuses
    it for every build: the blog plugin makes its temporary folder when created and deletes it on
    shutdown, so shutting down after each build breaks the next one in the same process.
    """
    global _shutdown_registered  # noqa: PLW0603
    if not _shutdown_registered:
        _shutdown_registered = True
        atexit.register(plugins.on_shutdown)


def run_mkdocs(mkdocs_yml: Path, site_dir: Path) -> None:
    """``mkdocs build --strict`` in-process, turning its failures into :class:`BuildError`."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_config
    from mkdocs.exceptions import MkDocsException

    collect = _Collect()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(collect)
    try:
        cfg = mkdocs_config(str(mkdocs_yml), site_dir=str(site_dir), strict=True)
        cfg.plugins.on_startup(command="build", dirty=False)
        _shutdown_at_exit(cfg.plugins)
        mkdocs_build(cfg)
    except MkDocsException as exc:
        detail = collect.messages[0] if collect.messages else str(exc)
        raise BuildError(f"mkdocs build --strict failed: {detail.splitlines()[0]}") from None
    finally:
        mkdocs_log.removeHandler(collect)
