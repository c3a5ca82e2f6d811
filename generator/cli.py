"""The ``rotation`` command line.

The only place that turns errors into messages and exit codes: an expected failure
(:class:`RotationError`) prints one ``Error: ...`` line on stderr and exits 1, with no traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import __version__
from generator.errors import ConfigError, RotationError
from generator.sources import Source

log = logging.getLogger("generator")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of weeks, at least 1: {text!r}")
    return int(text)


def _source_options(parser: argparse.ArgumentParser) -> None:
    origin = parser.add_mutually_exclusive_group()
    origin.add_argument(
        "--source",
        default="sample",
        help="sample (built-in synthetic data), csv:DIR (Date,Close files) or yahoo",
    )
    origin.add_argument(
        "--offline",
        action="store_const",
        const="store",
        dest="source",
        help="read the local price store alone, without any network",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rotation",
        description="Build the Rotation Monitor report site.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="fetch or read prices, compute metrics, build the site")
    build.add_argument("--config", type=Path, default=Path("rotation.yml"), help="rotation.yml")
    _source_options(build)
    build.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="build as of this session: no price after it is used (default: latest)",
    )
    build.add_argument("--site-dir", type=Path, default=None, help="output folder (site/)")
    build.add_argument(
        "--site-url",
        default=None,
        metavar="URL",
        help="the URL the site is served at (overrides site.url; links in the feed and e-mail)",
    )

    backfill = sub.add_parser(
        "backfill",
        help="write the weekly posts (each as of its week's last session) into the archive",
    )
    backfill.add_argument("--config", type=Path, default=Path("rotation.yml"), help="rotation.yml")
    _source_options(backfill)
    weeks = backfill.add_mutually_exclusive_group()
    weeks.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help="first week to write: the week holding this date (default: weekly.since)",
    )
    weeks.add_argument("--weeks", type=_positive, metavar="N", help="the last N completed weeks")
    backfill.add_argument(
        "--until",
        type=_date,
        metavar="YYYY-MM-DD",
        help="last week to write: the last completed week on or before this date (default: latest)",
    )

    init = sub.add_parser("init", help="start a project: rotation.yml, mkdocs.yml and site_src/")
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), help="default: here")

    fetch = sub.add_parser("fetch", help="refresh the local price store (only what is stale)")
    fetch.add_argument("--config", type=Path, default=Path("rotation.yml"), help="rotation.yml")
    fetch.add_argument(
        "--source", default="yahoo", help="yahoo (default) or csv:DIR to import a CSV folder"
    )
    members = sub.add_parser(
        "members", help="refresh the breadth member lists from the issuers' holdings files"
    )
    members.add_argument("--config", type=Path, default=Path("rotation.yml"), help="rotation.yml")
    members.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="LIST=FILE",
        help="read the list LIST from a holdings file downloaded by hand (repeatable)",
    )
    valuation = sub.add_parser(
        "valuation",
        help="add today's snapshot of the funds' valuation (Yahoo) to the valuation history",
    )
    valuation.add_argument("--config", type=Path, default=Path("rotation.yml"), help="rotation.yml")
    check = sub.add_parser(
        "check-claims",
        help="measure the story's claims against the data and print the verdicts",
    )
    check.add_argument(
        "file",
        nargs="?",
        type=Path,
        default=None,
        help="a draft's claims (a YAML file with a claims: list); default: rotation.yml's",
    )
    check.add_argument("--config", type=Path, default=Path("rotation.yml"), help="rotation.yml")
    _source_options(check)
    check.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the data as of this session (default: latest); later claims cannot be checked",
    )
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname).1s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("generator").setLevel(level)
    # yfinance logs each failure at ERROR; the adapter reads those records and reports them once,
    # in its own words, so they reach the terminal only with --verbose.
    logging.getLogger("yfinance").propagate = verbose
    # MkDocs logs every page at INFO; keep its warnings, which strict mode turns into errors.
    logging.getLogger("mkdocs").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _cmd_build(args: argparse.Namespace) -> int:
    from generator.build import BuildOptions, build

    result = build(
        BuildOptions(
            config_path=args.config,
            source=Source.parse(args.source),
            as_of=args.as_of,
            site_dir=args.site_dir,
            site_url=args.site_url,
        )
    )
    total = sum(result.timings.stages.values())
    log.info(
        "built %s as of %s from %s: %d pages, %d charts in %.1f s",
        result.site_dir,
        f"{result.as_of:%Y-%m-%d}",
        result.source,
        result.pages,
        result.charts,
        total,
    )
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from generator.fetch import describe, fetch_source, run_fetch

    result = run_fetch(args.config, fetch_source(args.source))
    log.info("fetch: %s in %.1f s", describe(result.outcomes), result.seconds)
    if result.members:
        log.info("breadth members: %s", describe(result.members))
    return 0


def _cmd_backfill(args: argparse.Namespace) -> int:
    from generator.posts import BackfillOptions, backfill

    result = backfill(
        BackfillOptions(
            config_path=args.config,
            source=Source.parse(args.source),
            since=args.since,
            weeks=args.weeks,
            until=args.until,
        )
    )
    done = len(result.written) + len(result.unchanged)
    log.info(
        "backfill: %d weeks in %s: %d written, %d unchanged, in %.1f s; published posts: %d "
        "revised, %d kept as published",
        done,
        result.folder,
        len(result.written),
        len(result.unchanged),
        result.seconds,
        len(result.revised),
        len(result.kept),
    )
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from generator.starter import init_project

    written = init_project(args.folder)
    log.info(
        "wrote %d files into %s: edit rotation.yml, then run `rotation build`",
        len(written),
        args.folder.resolve(),
    )
    return 0


def _cmd_members(args: argparse.Namespace) -> int:
    from generator import holdings, workdir
    from generator.project import Project

    files = {}
    for given in args.file:
        name, sep, path = given.partition("=")
        if not sep or not name or not path:
            raise ConfigError("--file", [f"{given!r}: write LIST=FILE ('S&P 500=IVV.csv')"])
        files[name] = Path(path)
    project = Project.load(args.config)
    with workdir.exclusive(project, "members"):
        for done in holdings.refresh(project, files=files):
            log.info(
                "%s: %d members as of %s written to %s",
                done.name,
                done.members,
                done.as_of or "an undated file",
                done.path,
            )
    return 0


def _cmd_valuation(args: argparse.Namespace) -> int:
    """Exit 0 when Yahoo answered for no fund (the warnings say which and why), or when
    rotation.yml has no ``valuation:`` (a fork that dropped the page): a missing snapshot is a
    gap in the history, not a reason to stop the weekly run."""
    from generator import workdir
    from generator.project import Project
    from generator.sources.yahoo import fund_valuations
    from generator.valuation import take_snapshot

    project = Project.load(args.config)
    if project.config.valuation is None:
        log.info("valuation: not configured in %s, no snapshot taken", args.config)
        return 0
    with workdir.exclusive(project, "valuation"):
        result = take_snapshot(project, fund_valuations)
    log.info(
        "valuation %s: %d values added to %s (%d already there), %d funds failed",
        result.day,
        result.written,
        result.path,
        result.kept,
        len(result.failed),
    )
    return 0


def _cmd_check_claims(args: argparse.Namespace) -> int:
    """Exit 0 whatever the verdicts: a claim that does not hold is news, not an error."""
    from generator.claimcheck import CheckOptions, check_claims, table

    checked = check_claims(
        CheckOptions(
            config_path=args.config,
            source=Source.parse(args.source),
            file=args.file,
            as_of=args.as_of,
        )
    )
    print(table(checked))
    return 0


COMMANDS = {
    "build": _cmd_build,
    "fetch": _cmd_fetch,
    "backfill": _cmd_backfill,
    "init": _cmd_init,
    "members": _cmd_members,
    "valuation": _cmd_valuation,
    "check-claims": _cmd_check_claims,
}


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return COMMANDS[args.command](args)
    except RotationError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted; the previous site was kept")
        return 130
    except OSError as exc:
        # The machine, not the input: a full disk, a failing read, a folder it may not write.
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}; nothing was published")
        return 1
    except Exception as exc:
        log_file = _write_error_log(args)
        _error(
            f"internal error: {type(exc).__name__}: {exc} (please report; details in {log_file})"
        )
        return 1


ERROR_LOG = Path(".build") / "error.log"
"""Where an unexpected error's traceback goes, beside the config (never the terminal)."""


def _error(message: str) -> None:
    """One line on stderr, whatever the message holds (a path or a reason with line breaks)."""
    print(f"Error: {' '.join(message.split())}", file=sys.stderr)


def _write_error_log(args: argparse.Namespace) -> Path:
    """Append the current exception's traceback to the project's error log; return its path
    (as the user would type it), or say where it could not be written."""
    import traceback

    config = getattr(args, "config", None)
    folder = Path(config).parent if config is not None else getattr(args, "folder", Path("."))
    path = folder / ERROR_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- rotation {__version__} {' '.join(sys.argv[1:])}\n")
            handle.write(traceback.format_exc())
    except OSError:
        return Path("<no log: cannot write>")
    return path
