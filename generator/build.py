"""The build: config -> prices -> metrics -> charts -> pages -> MkDocs site.

:func:`build` reads top to bottom, one stage per line. Everything is gathered in memory first;
only then are files written (:mod:`generator.publish`), into temporary folders that replace
``.build/docs/`` and ``site/`` once MkDocs has built them successfully. A failure at any stage
leaves the last good output where it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from generator import export, feed, pipeline, render, snapshot, validate, valuation, workdir
from generator.archive import latest_link, post_site_files, published_posts, social_image
from generator.chartfiles import ExportCache
from generator.charts import theme as chart_theme
from generator.pipeline import BREADTH_YEARS, load_member_prices, load_prices
from generator.project import Project
from generator.publish import publish
from generator.registry import REGISTRY
from generator.sources import SAMPLE, Source
from generator.store import PriceStore
from generator.templating import check_templates, make_environment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    config_path: Path = Path("rotation.yml")
    source: Source | str = SAMPLE
    """A :class:`Source`, or ``--source`` text (parsed here)."""
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
    """Build the whole site; raise a :class:`RotationError` subclass on any expected failure.

    Once the config is read, the run holds the project's lock (:func:`workdir.exclusive`)."""
    timings = Timings()
    source = Source.of(options.source)
    with timings.stage("config"):
        project = Project.load(options.config_path, site_url=options.site_url)
        for problem in chart_theme.legibility(project.config.theme):
            log.warning("chart colour hard to see: %s", problem)
    with workdir.exclusive(project, "build", site_dir=options.site_dir):
        return _build(options, project, source, timings)


def _build(
    options: BuildOptions, project: Project, source: Source, timings: Timings
) -> BuildResult:
    config = project.config
    requested = pd.Timestamp(options.as_of) if options.as_of else None
    env = make_environment(project.templates, project.overrides, project.cache_dir)
    check_templates(env)  # a broken override stops the build before any data is read
    with timings.stage("load"):
        loaded = load_prices(
            source, config.symbols, store=PriceStore(project.store), policy=config.data
        )
    with timings.stage("validate"):

        def record(run: validate.RunReport) -> None:
            run.write(project.run_report)
            run.log(log, project.run_report)

        checked = pipeline.check_prices(loaded, config, requested, record=record)
        as_of = checked.as_of
    with timings.stage("members"):
        members = load_member_prices(
            project, source, start=as_of - pd.DateOffset(years=BREADTH_YEARS)
        )
    with timings.stage("snapshot"):
        history, status = valuation.history_for(project, loaded.is_sample, as_of)
        snap = snapshot.take(
            config,
            checked.prices,
            as_of,
            members=members,
            source=loaded.source,
            is_sample=loaded.is_sample,
            status=checked.status,
            registry=REGISTRY,
            valuation=history,
            valuation_status=status,
        )
    with timings.stage("posts"):
        archive = published_posts(project.archive(source), as_of)
        files = post_site_files(archive)
    with timings.stage("render"):
        pages = snap.pages()
        data_files = export.files(snap)
        reader_files = feed.reader_files(env, archive, config, config.site.url)
        has_feed = feed.FEED in reader_files
        exports = ExportCache(project.cache_dir)
        files |= render.render_site(
            env,
            snap,
            exports=exports,
            latest_post=latest_link(archive),
            downloads=sorted(data_files),
            has_feed=has_feed,
        )
        files |= data_files | reader_files
        files |= render.site_files(snap, cache_dir=project.cache_dir)
        log.debug("chart exports: %d re-used, %d made", exports.hits, exports.misses)
        exports.prune()
    site_dir = options.site_dir or project.site_dir
    with timings.stage("mkdocs"):
        publish(
            files,
            project=project.root,
            mkdocs_yml=project.mkdocs_yml,
            site_dir=site_dir,
            nav=render.navigation(pages),
            facts=render.site_facts(
                snap, feed=has_feed, social_image=social_image(archive[-1]) if archive else ""
            ),
            cache_dir=project.cache_dir,
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
