"""Weekly posts: one dated report per completed week, each written as of that week's last session.

``rotation backfill`` loads the prices once, then for every week cuts them at the week's last
session and computes the report, the week's facts, two charts, ``metrics.json`` and CSV tables
from that cut alone, so a post can never use a later price. Posts are kept in an archive folder
(``data/posts/<kind>/<session>/``), one folder per week; ``rotation build`` publishes the archive
with the site.

A post is rewritten only when its *inputs* change: a digest of the prices up to the session, the
configuration and the code and templates that write it is stored beside the post and compared
first. Re-running a backfill is therefore cheap and leaves unchanged posts byte for byte as they
were; appending later prices changes no earlier post.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import escape

from generator import __version__, calendar, export, pipeline, snapshot, weekly
from generator.chartfiles import figure_files
from generator.config import Config, load_config
from generator.errors import DataError
from generator.formatting import fmt_long_date, fmt_pct, fmt_pp, fmt_sessions
from generator.frame import LoadResult
from generator.pipeline import load_member_prices, load_prices
from generator.sections import pairs, rotation
from generator.sections.base import ChartRef, Figure
from generator.templating import make_environment, render_template

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).parent
MEMBER_YEARS = 2
"""Member history a post's breadth needs: a 200-session average plus a week, with room."""
MANIFEST = "post.json"
POST_TEMPLATE = "posts/week.md.j2"


# --- where posts live


def archive_dir(config_path: Path, config: Config, source: str) -> Path:
    """``data/posts/market`` for real prices, ``data/posts/sample`` for the synthetic sample,
    so trying the sample never mixes into a real archive."""
    kind = "sample" if source == "sample" else "market"
    return config_path.resolve().parent / config.posts / kind


def post_slug(session: pd.Timestamp) -> str:
    return f"week-{session:%Y-%m-%d}"


def post_assets(session: pd.Timestamp) -> str:
    """Where a post's charts and data files are served (see ``mkdocs_hooks.on_files``)."""
    return f"blog/{session:%Y-%m-%d}/"


def post_title(session: pd.Timestamp) -> str:
    return f"Week to {session.day} {session:%B %Y}"


def post_url(session: pd.Timestamp) -> str:
    """The post's path under the site root (``blog.post_url_format: "{slug}"`` in mkdocs.yml)."""
    return f"blog/{post_slug(session)}/"


@dataclass(frozen=True)
class ArchivedPost:
    session: pd.Timestamp
    folder: Path
    manifest: Mapping[str, Any]

    @property
    def document(self) -> dict[str, Any]:
        return json.loads((self.folder / "metrics.json").read_text(encoding="utf-8"))

    def files(self) -> dict[str, bytes]:
        """The post's files, relative to its folder (the manifest stays in the archive)."""
        return {
            p.relative_to(self.folder).as_posix(): p.read_bytes()
            for p in sorted(self.folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST
        }


def archived(folder: Path) -> list[ArchivedPost]:
    """The posts in an archive folder, oldest first; half-written or foreign folders are skipped."""
    out = []
    for path in sorted(folder.glob("????-??-??")) if folder.is_dir() else []:
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            session = pd.Timestamp(manifest["session"])
        except (OSError, ValueError, KeyError) as exc:
            log.warning("%s: not a complete post (%s); skipped", path, exc)
            continue
        out.append(ArchivedPost(session, path, manifest))
    return out


def write_post(folder: Path, session: pd.Timestamp, files: Mapping[str, bytes]) -> None:
    """Replace the post's folder as a whole: written beside it, then swapped in by renames."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{session:%Y-%m-%d}"
    fresh = Path(tempfile.mkdtemp(dir=folder, prefix=f".{target.name}-new-"))
    try:
        for name, content in files.items():
            path = fresh / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            path.chmod(0o644)
        fresh.chmod(0o755)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=folder, prefix=f".{target.name}-old-"))
            old.rmdir()
            target.rename(old)
        fresh.rename(target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- inputs


def code_digest(project: Path) -> str:
    """What a post's text depends on besides data: the generator's code and the templates."""
    h = hashlib.sha256(__version__.encode())
    roots = [PACKAGE, project / "templates" / "posts", project / "templates" / "partials"]
    roots.append(project / "overrides")
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file() and path.suffix in {".py", ".json", ".j2", ".html", ".md"}:
                h.update(path.relative_to(root.parent).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def _hash_series(h: Any, name: str, series: pd.Series) -> None:
    h.update(name.encode() + b"\0")
    h.update(pd.DatetimeIndex(series.index).asi8.tobytes())
    h.update(series.to_numpy(dtype="float64").tobytes())


def inputs_digest(
    code: str,
    config: Config,
    loaded: LoadResult,
    members: Mapping[str, tuple[pd.DataFrame | None, list[str], str]],
    session: pd.Timestamp,
) -> str:
    """Digest of everything a post as of ``session`` is computed from, and nothing after it."""
    h = hashlib.sha256(code.encode())
    h.update(config.model_dump_json().encode())
    h.update(f"{loaded.source}|{loaded.is_sample}".encode())
    for symbol in sorted(loaded.series):
        series = loaded.series[symbol]
        _hash_series(h, symbol, series[series.index <= session])
    for symbol, reason in sorted(loaded.missing.items()):
        h.update(f"missing {symbol}: {reason}".encode())
    for name in sorted(members):
        frame, _, problem = members[name]
        h.update(f"list {name}: {problem}".encode())
        if frame is not None:
            cut = _member_window(frame, session)
            h.update("\0".join(cut.columns).encode())
            for column in cut.columns:
                _hash_series(h, column, cut[column])
    return h.hexdigest()


def _member_window(frame: pd.DataFrame, session: pd.Timestamp) -> pd.DataFrame:
    return frame.loc[session - pd.DateOffset(years=MEMBER_YEARS) : session]


# --- one post


class Metric:
    """A number as the text shows it, tied to its place in the post's ``metrics.json``.

    Renders as ``<span data-metric="week.pairs.0.spread" data-format="pp">+1.2 pp</span>``, so a
    test (or a reader's script) can check every number of the text against the document.
    """

    def __init__(self, doc: Mapping[str, Any], path: str, fmt: str) -> None:
        value: Any = doc
        for part in path.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
        self.value = value
        self.text = FORMATS[fmt](value)
        self.path, self.fmt = path, fmt

    def __html__(self) -> str:
        return (
            f'<span class="rm-num" data-metric="{escape(self.path)}" data-format="{self.fmt}">'
            f"{escape(self.text)}</span>"
        )

    def __str__(self) -> str:
        return self.text


FORMATS = {
    "pct": fmt_pct,
    "pp": fmt_pp,
    "share": functools.partial(fmt_pct, digits=0, signed=False),
    "sessions": fmt_sessions,
    "date": lambda v: v or "",
    "int": str,
}
"""How each kind of number reads; the names appear in ``data-format``."""


def post_context(doc: dict[str, Any], config: Config) -> dict[str, Any]:
    """Formatted values for the post template, every number taken from ``doc``."""
    names = {inst.symbol: inst.name for inst in config.universe}
    week = doc["week"]
    pairs = []
    for i, p in enumerate(week["pairs"]):
        at = f"week.pairs.{i}"
        pair_doc = next(x for x in doc["pairs"] if x["key"] == p["key"])
        label = pair_doc["label"] or f"{names[p['a']]} vs {names[p['b']]}"
        other = p["b"] if p["leader"] == p["a"] else p["a"]
        pairs.append(
            {
                "key": p["key"],
                "a": p["a"],
                "b": p["b"],
                "label": label,
                "return_a": Metric(doc, f"{at}.return_a", "pct"),
                "return_b": Metric(doc, f"{at}.return_b", "pct"),
                "spread": Metric(doc, f"{at}.spread", "pp"),
                "beat": p["spread"] is not None and p["spread"] > 0,
                "even": p["spread"] == 0,
                "ytd_gap": Metric(doc, f"{at}.ytd_gap", "pp"),
                "leader": p["leader"] or "",
                "other": other,
                "streak": Metric(doc, f"{at}.streak.length", "sessions"),
                "streak_start": Metric(doc, f"{at}.streak.start", "date"),
                "started": p["started"],
                "record": p["record"],
                "ended": [
                    {
                        "side": e["side"],
                        "other": p["b"] if e["side"] == p["a"] else p["a"],
                        "length": Metric(doc, f"{at}.ended.{j}.length", "sessions"),
                        "end": Metric(doc, f"{at}.ended.{j}.end", "date"),
                    }
                    for j, e in enumerate(p["ended"])
                ],
                "high_52w": Metric(doc, f"{at}.high_52w", "date") if p["high_52w"] else None,
                "low_52w": Metric(doc, f"{at}.low_52w", "date") if p["low_52w"] else None,
            }
        )
    moves = [{**m, "name": names.get(m["symbol"], m["symbol"])} for m in week["quadrant_moves"]]
    breadth = [
        {
            "list": b["list"],
            "window": Metric(doc, f"week.breadth.{i}.window", "int"),
            "share": Metric(doc, f"week.breadth.{i}.share", "share"),
            "change": Metric(doc, f"week.breadth.{i}.change", "pp"),
        }
        for i, b in enumerate(week["breadth"])
        if b["share"] is not None and b["change"] is not None
    ]
    session = pd.Timestamp(doc["as_of"])
    return {
        "site": {"title": config.site.title},
        "title": post_title(session),
        "slug": post_slug(session),
        "as_of": doc["as_of"],
        "as_of_long": fmt_long_date(session),
        "start": week["start"],
        "source": doc["source"],
        "is_sample": doc["sample"],
        "basis": doc["basis"],
        "headline": pairs[0],
        "pairs": pairs,
        "quadrant_moves": moves,
        "breadth": breadth,
        "params": {
            "ma_short": str(config.metrics.ma_short),
            "ma_long": str(config.metrics.ma_long),
            "chart_years": str(config.weekly.chart_years),
            "min_streak": Metric(doc, "parameters.min_streak", "int"),
        },
    }


POST_SECTIONS = ("rotation", "breadth")
"""What a post computes besides the pairs: its second chart and quadrant moves, its breadth."""


def post_figures(snap: snapshot.Snapshot) -> list[Figure]:
    """The week's key charts: the headline ratio line and the first rotation graph."""
    report = snap.report
    figures = [pairs.ratio_figure(report.headline, report, years=snap.config.weekly.chart_years)]
    groups = snap.data.get("rotation")
    if groups:
        figures.append(rotation.rrg_figure(groups[0], report))
    return figures


def render_post(
    env: jinja2.Environment,
    config: Config,
    loaded: LoadResult,
    members: Mapping[str, tuple[pd.DataFrame | None, list[str], str]],
    session: pd.Timestamp,
) -> dict[str, bytes]:
    """Every file of the post of the week ending at ``session``, from prices up to it alone."""
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
        only=POST_SECTIONS,
    )
    breadth = snap.data["breadth"]
    previous = calendar.week_ends(session - pd.Timedelta(days=14), session)[-2]
    week = weekly.week_facts(
        snap.report, snap.data["rotation"] or (), breadth.lists if breadth else (), previous
    )
    doc = export.document(snap, week)
    files = {"metrics.json": export.to_json(doc), **export.tables(doc)}
    context = post_context(doc, config)
    head = context["headline"]
    figures = post_figures(snap)
    files |= figure_files(figures, theme=config.theme, png=True)
    refs = [
        ChartRef(f.name, chart_alt(f.name, head["a"], head["b"], doc["as_of"])) for f in figures
    ]
    downloads = sorted(n for n in files if "/" not in n)
    context |= {"charts": refs, "downloads": downloads}
    files["index.md"] = render_template(env, POST_TEMPLATE, context)
    return files


def chart_alt(name: str, a: str, b: str, as_of: str) -> str:
    """The alternative text of a post's chart (the page, the feed and the e-mail use it)."""
    if name.startswith("ratio-"):
        return f"{a} / {b} relative strength, as of {as_of}"
    return f"Relative rotation graph, as of {as_of}"


# --- backfill


@dataclass(frozen=True)
class BackfillOptions:
    config_path: Path = Path("rotation.yml")
    source: str = "sample"
    since: dt.date | None = None
    weeks: int | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class BackfillResult:
    folder: Path
    written: tuple[pd.Timestamp, ...]
    unchanged: tuple[pd.Timestamp, ...]
    seconds: float


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
    """Write (or leave as they are) the posts of the requested weeks."""
    started = time.perf_counter()
    project = options.config_path.resolve().parent
    config = load_config(options.config_path)
    loaded = load_prices(
        options.source, config.symbols, store_root=project / config.store, policy=config.data
    )
    bench = loaded.series.get(config.benchmark)
    if bench is None or bench.dropna().empty:
        raise DataError(f"{config.benchmark}: the benchmark has no prices in {loaded.source}")
    latest = bench.dropna().index.max()
    if options.until is not None:
        latest = min(latest, pd.Timestamp(options.until))
    sessions_ = weeks_to_write(latest, config, options.since, options.weeks)
    folder = archive_dir(options.config_path, config, options.source)
    if sessions_.empty:
        log.warning("no completed week to write up to %s", f"{latest:%Y-%m-%d}")
        return BackfillResult(folder, (), (), time.perf_counter() - started)
    members = load_member_prices(
        config,
        options.source,
        project,
        start=sessions_[0] - pd.DateOffset(years=MEMBER_YEARS),
        policy=config.data,
    )
    env = make_environment(project / "templates", project / "overrides")
    code = code_digest(project)
    existing = {p.session: p for p in archived(folder)}
    written, unchanged = [], []
    for session in _progress(sessions_):
        digest = inputs_digest(code, config, loaded, members, session)
        old = existing.get(session)
        if old is not None and old.manifest.get("inputs") == digest:
            unchanged.append(session)
            continue
        files = render_post(env, config, loaded, members, session)
        manifest = {"session": f"{session:%Y-%m-%d}", "inputs": digest, "source": loaded.source}
        files[MANIFEST] = (json.dumps(manifest, indent=1) + "\n").encode()
        write_post(folder, session, files)
        written.append(session)
        log.debug("post %s written", f"{session:%Y-%m-%d}")
    return BackfillResult(folder, tuple(written), tuple(unchanged), time.perf_counter() - started)


def _progress(sessions_: pd.DatetimeIndex) -> Iterator[pd.Timestamp]:
    """The weeks, with a progress bar on a terminal (tqdm writes nothing when not a TTY)."""
    from tqdm import tqdm

    yield from tqdm(sessions_, desc="weekly posts", unit="week", leave=False, disable=None)


def published_posts(
    config_path: Path, config: Config, source: str, as_of: pd.Timestamp
) -> list[ArchivedPost]:
    """Archived posts a site as of ``as_of`` may show: none dated after it (no look-ahead)."""
    return [p for p in archived(archive_dir(config_path, config, source)) if p.session <= as_of]


def latest_link(posts: list[ArchivedPost]) -> dict[str, str] | None:
    """Title and Markdown link (from the generated folder's root) of the newest post."""
    if not posts:
        return None
    session = posts[-1].session
    return {"title": post_title(session), "link": f"posts/{session:%Y-%m-%d}/index.md"}


def post_site_files(posts: list[ArchivedPost]) -> dict[str, bytes]:
    """The archived posts as files of the generated folder (``posts/<session>/...``)."""
    out: dict[str, bytes] = {}
    for post in posts:
        for name, content in post.files().items():
            out[f"posts/{post.session:%Y-%m-%d}/{name}"] = content
    if not posts:
        return out
    latest = posts[-1]
    log.info("%d weekly posts, the latest %s", len(posts), f"{latest.session:%Y-%m-%d}")
    return out
