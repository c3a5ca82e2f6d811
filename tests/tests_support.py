"""Paths and helpers importable by test modules (conftest holds the fixtures)."""

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from markupsafe import Markup

REPO = Path(__file__).resolve().parent.parent
SECTION_PAGES = (
    "index.html",
    "pairs/index.html",
    "style-box/index.html",
    "valuation/index.html",
    "sectors/index.html",
    "breadth/index.html",
    "rates/index.html",
    "risk/index.html",
    "watchlist/index.html",
    "history/index.html",
    "claims/index.html",
)
"""The built pages of the site's sections (Home first), in navigation order: each states numbers."""

FIXTURE_CONFIG = Path(__file__).resolve().parent / "fixtures" / "rotation.yml"
"""The tests' own copy of the default config: a fork editing its rotation.yml breaks no test."""


def run_report(symbols, failed=None, stale=None, expected="2026-07-31"):
    """A RunReport saying every symbol is ok but those given as failed or stale (symbol: reason)."""
    from generator.validate import RunReport, SymbolReport

    failed, stale = failed or {}, stale or {}
    rows = tuple(
        SymbolReport(s, "failed", failed[s])
        if s in failed
        else SymbolReport(s, "stale", stale[s], sessions_behind=1)
        if s in stale
        else SymbolReport(s, "ok")
        for s in symbols
    )
    return RunReport("test", expected, "2026-08-01T00:00:00+00:00", rows)


def run(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI in-process: exit code, stdout, stderr."""
    from generator.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def error_line(err: str) -> str:
    """The one ``Error: ...`` line of a failed command (and no traceback)."""
    lines = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def sample_report(config=None, as_of=None):
    """A report on the built-in sample prices (as of ``as_of`` or their last session)."""
    from generator.config import load_config
    from generator.report import build_report
    from generator.sources.sample import sample_prices
    from generator.validate import as_of_session
    from generator.valuation import sample_history

    config = config or load_config(FIXTURE_CONFIG)
    prices = sample_prices(config.symbols)
    session = as_of_session(prices[config.benchmark], config.benchmark, as_of)
    funds = config.valuation.funds if config.valuation else ()
    return build_report(
        config,
        prices,
        session,
        source="sample data",
        is_sample=True,
        status=run_report(config.symbols, stale={"FSBC": "last session 2026-07-30, 1 behind"}),
        valuation=sample_history(funds, session) if config.valuation else None,
    )


def sample_members(config, start):
    """The sample source's synthetic breadth members of ``config``'s lists, from ``start``."""
    from generator.pipeline import load_member_prices
    from generator.project import Project
    from generator.sources import SAMPLE

    return load_member_prices(Project(REPO, FIXTURE_CONFIG, config), SAMPLE, start=start)


def snapshot_of(report, members=None, only=None):
    """The snapshot of ``report``'s session with the sample's member lists (or ``members``)."""
    import pandas as pd

    from generator import snapshot
    from generator.registry import REGISTRY

    if members is None:
        members = sample_members(report.config, report.as_of - pd.DateOffset(years=4))
    return snapshot.take(
        report.config,
        report.prices,
        report.as_of,
        members=members,
        source=report.source,
        is_sample=report.is_sample,
        status=report.status,
        registry=REGISTRY,
        only=only,
        valuation=report.valuation,
        valuation_status=report.valuation_status,
    )


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def data_rows(spec: dict) -> list[dict]:
    """Every inline data row of a spec, wherever the chart keeps it (datasets or data.values)."""
    rows: list[dict] = []
    for values in spec.get("datasets", {}).values():
        rows += values

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                rows.extend(data["values"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return rows


def latest_date(rows: list[dict]) -> str:
    dates = [v[:10] for r in rows for v in r.values() if isinstance(v, str) and ISO_DATE.match(v)]
    return max(dates, default="")  # the style box has periods, not dates


def render_sample_post(session: str) -> dict[str, bytes]:
    """Every file of the weekly post of the week ending ``session``, from the sample source."""
    import pandas as pd

    from generator import posts
    from generator.config import load_config
    from generator.pipeline import load_prices
    from generator.sources import SAMPLE
    from generator.templating import make_environment
    from generator.valuation import sample_history

    config = load_config(FIXTURE_CONFIG)
    loaded = load_prices(SAMPLE, config.symbols)
    start = pd.Timestamp(session) - pd.DateOffset(years=posts.MEMBER_YEARS)
    members = sample_members(config, start)
    env = make_environment(REPO / "templates")
    history = sample_history(config.valuation.funds, pd.Timestamp(session))
    draft = posts.draft_post(config, loaded, members, pd.Timestamp(session), history=history)
    return draft.page(env, [])


def unmark(text: str) -> str:
    """``text`` with the character references :func:`generator.inert.markdown` writes for
    Markdown syntax turned back into characters (the HTML escapes are kept), so a test can read
    a rendered page's keys and values as written."""
    from generator.inert import _MARKDOWN

    back = {ref: char for char, ref in _MARKDOWN.items()}
    return re.sub(r"&#\d+;", lambda m: back.get(m[0], m[0]), text)


SPAN = re.compile(
    r'<span class="rm-num(?: rm-up| rm-down)?" '
    r'data-metric="([^"]+)" data-format="([^"]+)">([^<]*)</span>'
)
"""A number the page shows as a ``data-metric`` span: path, format and text
(:class:`generator.formatting.Metric`)."""


def figure_named(figures, name: str):
    """The figure of ``figures`` written as ``charts/<name>.*``."""
    return next(f for f in figures if f.name == name)


def csv_rows(figure) -> list[dict[str, str]]:
    """The rows of a figure's ``charts/<name>.csv``, as the build writes it (the header read as
    written: a cell made inert keeps its leading quote)."""
    import csv
    import io

    from generator.export import frame_csv

    return list(csv.DictReader(io.StringIO(frame_csv(figure.table()).decode())))


def chart_rows(figure) -> list[dict]:
    """Every inline data row of a figure's chart spec."""
    from generator.chartfiles import chart_spec

    return data_rows(chart_spec(figure.chart))


def sig6(value: float) -> float:
    """``value`` as a chart's table writes it (6 significant digits)."""
    return float(f"{value:.6g}")


def as_drawn(cell: str, drawn: float, digits: int) -> bool:
    """A table's cell says the chart's value ``drawn`` (rounded to ``digits`` decimals for the
    chart): equal to that precision, the table's being finer."""
    return abs(float(cell) - drawn) <= 0.5 * 10**-digits + 1e-9


def plain(summary: str) -> str:
    """A chart summary as plain text (its spans' text, references decoded): what a screen
    reader reads."""
    return Markup(summary).striptags()


class StandInExporter:
    """vl-convert for test modules that never look at a chart's static image (the SVG fallback,
    the e-mail PNG) but build whole sites and posts, where rendering them took about a third of
    a cold build (~0.2 s an SVG, ~0.6 s a PNG).

    Each image is a tiny one that is a function of everything vl-convert would be given, so an
    unchanged chart gives the same bytes and a changed chart other bytes, as the archive's
    byte-for-byte checks need. Its version differs from the real one's, so the export cache
    never serves a stand-in to a real build. Real images are checked where they matter: the chart
    modules' tests, ``test_chartfiles``, ``test_theme``, ``hostile/test_hostile_text`` and the
    browser tests' sample site (static fallbacks, e-mail PNGs), whose builds use vl-convert
    itself; every spec of the real-data site is drawn by Vega in the browser tests."""

    def __init__(self, real) -> None:
        self._real = real
        self.__version__ = f"{real.__version__}+stand-in"

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    @staticmethod
    def _digest(kind: str, spec: dict, options: dict) -> str:
        import hashlib
        import json

        material = json.dumps([kind, spec, options], sort_keys=True, default=str)
        return hashlib.sha256(material.encode()).hexdigest()

    def vegalite_to_svg(self, spec: dict, **options) -> str:
        digest = self._digest("svg", spec, options)
        svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">'
        return f"{svg}<desc>{digest}</desc></svg>"

    def vegalite_to_png(self, spec: dict, **options) -> bytes:
        import io

        from PIL import Image

        digest = bytes.fromhex(self._digest("png", spec, options))
        image = Image.frombytes("RGB", (8, 1), digest[:24])
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()


@contextlib.contextmanager
def stand_in_exports() -> Iterator[None]:
    """While inside, chart images are made by :class:`StandInExporter`."""
    import pytest

    from generator import chartfiles

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chartfiles, "vlc", StandInExporter(chartfiles.vlc))
        yield
