"""What a site section is: the one contract the build, the posts, the export and the nav share.

A section (Pairs, Style box, Breadth, ...) is one module holding a :class:`Section`: how its
numbers are computed from the session's report (``compute``), what its page shows (``present``:
formatted template values and the charts they place), where its page sits (``page``) and what it
adds to ``metrics.json`` (``export``). :data:`generator.sections.REGISTRY` lists them in
navigation order; nothing else knows which sections exist.

Compute is pure and returns numbers and frames (``None`` when ``rotation.yml`` does not configure
the section: it then has no page). Presentation only formats and draws what compute returned.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from generator import charts
from generator.charts.theme import assign_colors
from generator.frame import MemberPrices

if TYPE_CHECKING:
    from generator.config import Config
    from generator.report import Report
    from generator.snapshot import Snapshot


FORKERS = "For forkers"
"""The navigation section of the pages for those who publish their own site, not for readers."""


@dataclass(frozen=True)
class Page:
    """A generated page: its file in the generated folder, template, nav title and nav section,
    and the one line that says what a reader finds there (Home's map of the site, the page's
    description for search engines and link previews)."""

    file: str
    template: str
    title: str
    section: str | None = None
    summary: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class ChartRef:
    """What a template needs to place a chart: file stem, alternative text (the name of what
    it shows), and for its caption the summary of its data and its CSV file (empty: none; a
    weekly post's charts have neither)."""

    name: str
    alt: str
    summary: str = ""
    csv: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart and the name its files are written under; declared once, where it is drawn.

    ``draw`` makes the Altair chart when it is first needed: rendering the pages alone (a
    template change, a template test) never pays for drawing the charts. ``summary`` says in a
    sentence or two what the data show now (:mod:`generator.sections.captions`), and ``table``
    gives the chart's data as a reader's table (a ``date`` column, then one column per series
    drawn, headed by its label), written beside the chart as ``charts/<name>.csv``: the chart's
    text alternatives, for those who cannot see it or want its numbers. ``table`` is called only
    when the files are made, as ``draw`` is.
    """

    name: str
    alt: str
    draw: Callable[[], alt.TopLevelMixin]
    summary: str = ""
    table: Callable[[], pd.DataFrame] | None = None

    @functools.cached_property
    def chart(self) -> alt.TopLevelMixin:
        return charts.draw(self.draw)

    @property
    def csv(self) -> str:
        """The file name of the chart's data table (in ``charts/``), or empty without one."""
        return f"{self.name}.csv" if self.table is not None else ""

    @property
    def ref(self) -> ChartRef:
        return ChartRef(self.name, self.alt, self.summary, self.csv)


@dataclass(frozen=True)
class View:
    """A section's presentation: template values (merged into the page context) and charts."""

    context: Mapping[str, Any] = field(default_factory=dict)
    figures: tuple[Figure, ...] = ()


Compute = Callable[["Report", MemberPrices], Any]
Present = Callable[[Any, "Snapshot"], View]
Export = Callable[[Any, "Snapshot"], Any]


def _nothing(report: Report, members: MemberPrices) -> None:
    """The compute of a section that only presents (Home, the About pages)."""
    return


def _no_symbols(config: Config) -> tuple[tuple[str, ...], ...]:
    return ()


@dataclass(frozen=True)
class Section:
    """One site section. ``always`` pages exist whatever ``compute`` returned."""

    name: str
    page: Page | None
    compute: Compute = _nothing
    present: Present | None = None
    export: Export | None = None
    always: bool = False
    charted: Callable[[Config], Iterable[Sequence[str]]] = _no_symbols
    """The groups of symbols its charts draw side by side, each in its own colour
    (:func:`symbol_colors`)."""

    def has_page(self, data: Any) -> bool:
        return self.page is not None and (self.always or data is not None)


def symbol_colors(config: Config, sections: Iterable[Section]) -> dict[str, str]:
    """Every charted symbol's colour, one per symbol across the site: the headline pair's two
    sides first, then the symbols of each section's charts in navigation order (a weekly post's
    rotation graph is coloured as the Sectors page)."""
    pair = config.headline_pair
    groups = [(pair.a, pair.b), *(g for s in sections for g in s.charted(config))]
    return assign_colors(groups, config.theme.series)


def charted_colors(snap: Snapshot, symbols: Iterable[str]) -> dict[str, str]:
    """The site colours of ``symbols``, and only theirs: a chart's cache key (its arguments) then
    changes only when its own colours do."""
    return {s: snap.colors[s] for s in symbols if s in snap.colors}


def names(report: Report) -> dict[str, str]:
    """Display name of every symbol of the universe."""
    return {inst.symbol: inst.name for inst in report.config.universe}


def reasons(report: Report) -> dict[str, str]:
    """Why each symbol without numbers has none, from the run report."""
    return {s.symbol: s.reason for s in report.status.symbols if s.status == "failed"}
