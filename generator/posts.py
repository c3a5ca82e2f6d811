"""Weekly posts: one dated report per completed week, each written as of that week's last session.

``rotation backfill`` loads the prices once, then for every week cuts them at the week's last
session and computes the report, the week's facts, two charts, ``metrics.json`` and CSV tables
from that cut alone, so a post can never use a later price. Posts are kept in an archive folder
(``data/posts/<kind>/<session>/``), one folder per week; ``rotation build`` publishes the archive
with the site.

A post is written once. Digests of what it shows (:func:`post_inputs`: the prices up to its
session, the members with a close by then, the part of the configuration it uses and a format
version the code bumps on purpose) are stored beside it and compared first; when one changed,
the post is rendered again, and its files are replaced only if its text, numbers or charts
(:func:`_shown`) changed. Re-running a backfill is therefore cheap and leaves unchanged posts byte
for byte as they were; appending later prices, a later listing, a dividend re-scale, a code change
outside the format or a dashboard-only config key changes no earlier post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from generator import calendar, export, pipeline, snapshot, valuation, weekly, workdir
from generator.archive import MANIFEST, archived, write_post
from generator.chartfiles import ExportCache, figure_files
from generator.config import Config
from generator.errors import DataError
from generator.frame import LoadResult
from generator.metrics.valuation import known_by
from generator.pipeline import load_member_prices, load_prices
from generator.postview import chart_alt, post_context
from generator.project import Project
from generator.registry import REGISTRY
from generator.sections import pairs, rotation
from generator.sections.base import ChartRef, Figure
from generator.sources import SAMPLE, Source
from generator.store import PriceStore
from generator.templating import check_templates, make_environment, render_template

log = logging.getLogger(__name__)

MEMBER_YEARS = 2
"""Member history a post's breadth needs: a 200-session average plus a week, with room."""
POST_TEMPLATE = "posts/week.md.j2"


# --- inputs


POST_FORMAT = 2
"""The version of what a post shows. Bump it on purpose, with the change of code that changes a
post's words, numbers or charts: every post is then rewritten at the next backfill, with a
revision note saying so. Any other code change leaves the archive as it is.

2: an opening paragraph and "Also this week" ranked by :mod:`generator.story`; ended runs judged
against history; holiday weeks; a breadth table with the week before."""

REVISED_BECAUSE = {
    "format": "the post format or its templates changed (format version {format})",
    "config": "the configuration it uses changed",
    "prices": "prices up to its session changed (a data revision or a re-scaled history)",
    "members": "member prices up to its session changed",
}
"""Why a published post was rewritten, by the part of its inputs (:func:`post_inputs`) that
changed: the revision note on the post and in its ``post.json``."""

_FETCH_ONLY = {
    "overlap_sessions",
    "rescale_tolerance",
    "batch_size",
    "retries",
    "backoff_seconds",
    "retry_budget_seconds",
}
"""Keys of ``data:`` that only steer a fetch; the others decide which prices a post may use."""


def post_config(config: Config) -> str:
    """The part of the configuration a post uses, as JSON: not the sections only the dashboard
    has (style box, rates, risk, history, watchlist), nor paths, nor fetch settings, so editing
    those never rewrites the archive."""
    post_config_keys = {"title"}
    exclude: dict[str, Any] = {
        "site": set(type(config.site).model_fields) - post_config_keys,
        "data": _FETCH_ONLY,
        **dict.fromkeys(("style_box", "rates", "risk", "history", "watchlist"), True),
        **dict.fromkeys(("store", "members_store", "posts"), True),
    }
    if config.breadth is not None:
        exclude["breadth"] = {"lists": {"__all__": {"file", "members_as_of"}}}
    return config.model_dump_json(exclude=exclude)


def _templates_digest(env: jinja2.Environment) -> str:
    """The post's templates as the loader finds them (a project's own first): part of the format."""
    h = hashlib.sha256()
    assert env.loader is not None
    for name in sorted(env.loader.list_templates()):
        if name.startswith(("posts/", "partials/")):
            h.update(name.encode() + b"\0")
            h.update(env.loader.get_source(env, name)[0].encode())
    return h.hexdigest()


def _hash_series(h: Any, name: str, series: pd.Series) -> None:
    h.update(name.encode() + b"\0")
    h.update(pd.DatetimeIndex(series.index).asi8.tobytes())
    h.update(series.to_numpy(dtype="float64").tobytes())


def post_inputs(
    templates: str,
    config: Config,
    loaded: LoadResult,
    members: Mapping[str, tuple[pd.DataFrame | None, list[str], str]],
    session: pd.Timestamp,
    *,
    history: pd.DataFrame | None = None,
) -> dict[str, str]:
    """Digests of what the post as of ``session`` shows, by part, and nothing after it: the
    format (:data:`POST_FORMAT` and the templates), the configuration it uses, the prices cut at
    the session, the members with a close in its window (a listing that begins later, or a
    list's later additions, change nothing) and the valuation snapshots taken by then."""

    def digest(*chunks: bytes) -> str:
        return hashlib.sha256(b"\0".join(chunks)).hexdigest()

    prices = hashlib.sha256(f"{loaded.source}|{loaded.is_sample}".encode())
    for symbol in sorted(loaded.series):
        series = loaded.series[symbol]
        _hash_series(prices, symbol, series[series.index <= session])
    for symbol, reason in sorted(loaded.missing.items()):
        prices.update(f"missing {symbol}: {reason}".encode())
    listed = hashlib.sha256()
    for name in sorted(members):
        frame, _, problem = members[name]
        listed.update(f"list {name}: {problem}".encode())
        if frame is not None:
            # One matrix for all members (a column at a time costs ~1 s a week for 2,800).
            cut = _member_window(frame, session)
            values = cut.to_numpy(dtype="float64")
            priced = ~np.isnan(values).all(axis=0)  # listed by then: a close in the window
            listed.update("\0".join(cut.columns[priced]).encode() + b"\0")
            listed.update(pd.DatetimeIndex(cut.index).asi8.tobytes())
            listed.update(np.ascontiguousarray(values[:, priced]).tobytes())
    inputs = {
        "format": digest(str(POST_FORMAT).encode(), templates.encode()),
        "config": digest(post_config(config).encode()),
        "prices": prices.hexdigest(),
        "members": listed.hexdigest(),
    }
    known = None if history is None else known_by(history, session)
    if known is not None and not known.empty:
        # A post written before the first snapshot has no such part, as before there was one.
        inputs["valuation"] = digest(known.to_csv(index=False).encode())
    return inputs


def _shown(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """What a post shows: its text, its numbers and its charts' specs (whose data are rounded
    to what a reader can see; the static images are drawn from them). When a post's inputs
    changed (a dividend re-scaled a history before its week) but these come out the same, its
    published files are kept byte for byte."""
    shown = {
        name: content
        for name, content in files.items()
        if name == "index.md" or name.endswith(".vl.json")
    }
    if "metrics.json" in files:
        # An adjusted close is re-scaled by every later dividend: the level published stays, as
        # the returns computed from it do not move.
        doc = json.loads(files["metrics.json"])
        for row in doc["universe"]:
            row.pop("last_close", None)
        shown["metrics.json"] = export.to_json(doc)
    return shown


def _member_window(frame: pd.DataFrame, session: pd.Timestamp) -> pd.DataFrame:
    return frame.loc[session - pd.DateOffset(years=MEMBER_YEARS) : session]


# --- one post


POST_SECTIONS = ("rotation", "breadth", "valuation")
"""What a post computes besides the pairs: its second chart and quadrant moves, its breadth,
the valuation gaps of the snapshots taken by its session."""


def post_figures(snap: snapshot.Snapshot) -> list[Figure]:
    """The week's key charts: the headline ratio line and the first rotation graph."""
    report = snap.report
    figures = [pairs.ratio_figure(report.headline, report, years=snap.config.weekly.chart_years)]
    groups = snap.data.get("rotation")
    if groups:
        figures.append(rotation.rrg_figure(groups[0], snap))
    return figures


@dataclass(frozen=True)
class Draft:
    """A post's files but its page, and what its page is written from."""

    files: dict[str, bytes]
    context: dict[str, Any]

    def page(self, env: jinja2.Environment, revisions: list[dict[str, Any]]) -> dict[str, bytes]:
        """Every file of the post: its page says when and why it was revised, if it was."""
        text = render_template(env, POST_TEMPLATE, self.context | {"revisions": revisions})
        return self.files | {"index.md": text}


def draft_post(
    config: Config,
    loaded: LoadResult,
    members: Mapping[str, tuple[pd.DataFrame | None, list[str], str]],
    session: pd.Timestamp,
    *,
    exports: ExportCache | None = None,
    history: pd.DataFrame | None = None,
) -> Draft:
    """The post of the week ending at ``session``, from prices up to it alone (``exports``
    re-uses static chart exports made before)."""
    try:
        checked = pipeline.check_prices(loaded, config, session)
    except DataError as exc:
        raise DataError(f"week of {session:%Y-%m-%d}: {exc}") from None
    if checked.as_of != session:
        raise DataError(
            f"week of {session:%Y-%m-%d}: {config.benchmark} has no close that day "
            f"(last {checked.as_of:%Y-%m-%d})"
        )
    cut = {
        name: (None if frame is None else _member_window(frame, session), tickers, problem)
        for name, (frame, tickers, problem) in members.items()
    }
    snap = snapshot.take(
        config,
        checked.prices,
        checked.as_of,
        members=cut,
        source=loaded.source,
        is_sample=loaded.is_sample,
        status=checked.status,
        registry=REGISTRY,
        only=POST_SECTIONS,
        valuation=history,
    )
    breadth = snap.data["breadth"]
    previous = calendar.previous_week_end(session)
    assert previous is not None  # a post's week is never the calendar's first
    week = weekly.week_facts(
        snap.report, snap.data["rotation"] or (), breadth.lists if breadth else (), previous
    )
    doc = export.document(snap, week)
    if doc.get("valuation") is None or not doc["valuation"]["snapshots"]:
        # Only from snapshots taken by the session: a week before the first has no such part.
        doc.pop("valuation", None)
    files = {"metrics.json": export.to_json(doc), **export.tables(doc)}
    context = post_context(doc, config)
    head = context["headline"]
    figures = post_figures(snap)
    files |= figure_files(figures, theme=config.theme, png=True, cache=exports)
    refs = [
        ChartRef(f.name, chart_alt(f.name, head["a"], head["b"], doc["as_of"])) for f in figures
    ]
    downloads = sorted(n for n in files if "/" not in n)
    return Draft(files, context | {"charts": refs, "downloads": downloads})


def _revision(old: Mapping[str, str], new: Mapping[str, str], today: dt.date) -> dict[str, Any]:
    """The note of a rewrite: the day, and why (every part of the inputs that changed)."""
    because = [
        text.format(format=POST_FORMAT)
        for part, text in REVISED_BECAUSE.items()
        if old.get(part) != new.get(part)
    ]
    return {"on": f"{today:%Y-%m-%d}", "because": because}


def _poorer(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[str]:
    """The data files a published post has that its new version would lack (a run without the
    member prices has no breadth): such a version never replaces it."""
    return sorted(
        name
        for name in old
        if name.endswith((".csv", ".json")) and name != MANIFEST and name not in new
    )


# --- backfill


@dataclass(frozen=True)
class BackfillOptions:
    config_path: Path = Path("rotation.yml")
    source: Source | str = SAMPLE
    """A :class:`Source`, or ``--source`` text (parsed here)."""
    since: dt.date | None = None
    weeks: int | None = None
    until: dt.date | None = None
    today: dt.date | None = None
    """The date a revision note gives (default: today, UTC)."""


@dataclass(frozen=True)
class BackfillResult:
    folder: Path
    written: tuple[pd.Timestamp, ...]
    unchanged: tuple[pd.Timestamp, ...]
    seconds: float
    revised: tuple[pd.Timestamp, ...] = ()
    """Published posts rewritten (among ``written``), each with a revision note."""
    kept: tuple[pd.Timestamp, ...] = ()
    """Published posts left as they were because this run would have dropped some of their
    data (among ``unchanged``)."""


def weeks_to_write(
    latest: pd.Timestamp, config: Config, since: dt.date | None, weeks: int | None
) -> pd.DatetimeIndex:
    """Completed weeks whose last session is on or before ``latest``: the last ``weeks`` of
    them, or those from the week holding ``since`` (default ``weekly.since``) on."""
    if weeks is not None:
        ends = calendar.week_ends(latest - pd.Timedelta(weeks=weeks + 2), latest)
        return ends[-weeks:] if weeks else ends[:0]
    start = pd.Timestamp(since or config.weekly.since)
    first_week = calendar.week_ends(start, start + pd.Timedelta(days=7))
    return calendar.week_ends(first_week[0] if len(first_week) else start, latest)


def backfill(options: BackfillOptions) -> BackfillResult:
    """Write (or leave as they are) the posts of the requested weeks, holding the project's lock
    once the config is read (:func:`workdir.exclusive`)."""
    started = time.perf_counter()
    source = Source.of(options.source)
    project = Project.load(options.config_path)
    with workdir.exclusive(project, "backfill"):
        return _backfill(options, project, source, started)


def _backfill(
    options: BackfillOptions, project: Project, source: Source, started: float
) -> BackfillResult:
    config = project.config
    env = make_environment(project.templates, project.overrides, project.cache_dir)
    check_templates(env)  # a broken override stops the run before any data is read
    loaded = load_prices(
        source, config.symbols, store=PriceStore(project.store), policy=config.data
    )
    bench = loaded.series.get(config.benchmark)
    if bench is None or bench.dropna().empty:
        raise DataError(f"{config.benchmark}: the benchmark has no prices in {loaded.origin}")
    latest = bench.dropna().index.max()
    if options.until is not None:
        latest = min(latest, pd.Timestamp(options.until))
    sessions_ = weeks_to_write(latest, config, options.since, options.weeks)
    folder = project.archive(source)
    if sessions_.empty:
        log.warning("no completed week to write up to %s", f"{latest:%Y-%m-%d}")
        return BackfillResult(folder, (), (), time.perf_counter() - started)
    members = load_member_prices(
        project, source, start=sessions_[0] - pd.DateOffset(years=MEMBER_YEARS)
    )
    templates = _templates_digest(env)
    exports = ExportCache(project.cache_dir)
    history, _ = valuation.history_for(project, loaded.is_sample, latest)
    existing = {p.session: p for p in archived(folder)}
    today = options.today or dt.datetime.now(dt.UTC).date()
    written, unchanged, revised, kept = [], [], [], []
    for session in _progress(sessions_):
        day = f"{session:%Y-%m-%d}"
        inputs = post_inputs(templates, config, loaded, members, session, history=history)
        old = existing.get(session)
        if old is not None and old.manifest.get("inputs") == inputs:
            unchanged.append(session)
            continue
        revisions = list(old.manifest.get("revisions", [])) if old is not None else []
        draft = draft_post(config, loaded, members, session, exports=exports, history=history)
        files = draft.page(env, revisions)
        if old is not None and (lost := _poorer(old.files(), files)):
            log.warning(
                "post %s kept as published: this run would drop %s (member prices missing?)",
                day,
                ", ".join(lost),
            )
            kept.append(session)
            unchanged.append(session)
            continue
        if old is not None and _shown(old.files()) == _shown(files):
            files = old.files()  # the same post: its published bytes stay as they are
            unchanged.append(session)
            log.debug("post %s: inputs changed, not what it shows", day)
        else:
            if old is not None:
                revisions.append(_revision(old.manifest.get("inputs", {}), inputs, today))
                files = draft.page(env, revisions)
                revised.append(session)
                log.info("post %s revised: %s", day, "; ".join(revisions[-1]["because"]))
            written.append(session)
            log.debug("post %s written", day)
        manifest = {"session": day, "inputs": inputs, "source": loaded.source}
        if revisions:
            manifest["revisions"] = revisions
        files[MANIFEST] = (json.dumps(manifest, indent=1) + "\n").encode()
        write_post(folder, session, files)
    return BackfillResult(
        folder,
        tuple(written),
        tuple(unchanged),
        time.perf_counter() - started,
        tuple(revised),
        tuple(kept),
    )


def _progress(sessions_: pd.DatetimeIndex) -> Iterator[pd.Timestamp]:
    """The weeks, with a progress bar on a terminal (tqdm writes nothing when not a TTY)."""
    from tqdm import tqdm

    yield from tqdm(sessions_, desc="weekly posts", unit="week", leave=False, disable=None)
