"""The configuration: one typed, frozen object, validated when loaded.

``rotation.yml`` holds everything a user changes without touching Python: site title, benchmark,
universe, pairs, periods, metric parameters and chart colours. :func:`load_config` reports *every*
problem at once, each with the file and the dotted key, so a user fixes the file in one pass instead
of one error per run.

Every field carries a docstring (``use_attribute_docstrings``): pydantic turns them into the
descriptions of the JSON schema, from which :mod:`generator.reference` generates the site's
Configuration page. A key without a description fails the tests, so the reference stays complete.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from generator.claims import ClaimSyntaxError, Measure, parse, parse_measure
from generator.errors import ConfigError

Period = Literal["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y"]
"""Calendar-anchored return periods (see :mod:`generator.metrics`)."""

# Yahoo symbols: letters, digits and the punctuation Yahoo uses (^TNX, BRK-B, VOD.L, EURUSD=X).
SYMBOL_RE = re.compile(r"^[\^]?[A-Z0-9][A-Z0-9.\-=&]{0,19}$")


# Style-box presets: which funds fill each cell, keyed like ``style_box.preset``.
Grid = tuple[tuple[str, str, str], tuple[str, str, str], tuple[str, str, str]]

RUSSELL: Grid = (("IWD", "IWB", "IWF"), ("IWS", "IWR", "IWP"), ("IWN", "IWM", "IWO"))
"""iShares Russell 1000 / Midcap / 2000, each Value, blend and Growth."""
SP: Grid = (("IVE", "IVV", "IVW"), ("IJJ", "IJH", "IJK"), ("IJS", "IJR", "IJT"))
"""iShares S&P 500 / MidCap 400 / SmallCap 600, each Value, blend and Growth."""
VANGUARD: Grid = (("VTV", "VV", "VUG"), ("VOE", "VO", "VOT"), ("VBR", "VB", "VBK"))
"""Vanguard (CRSP indexes) Large / Mid / Small, each Value, blend and Growth."""

PRESETS: dict[str, Grid] = {"russell": RUSSELL, "sp": SP, "vanguard": VANGUARD}
"""Keyed like ``style_box.preset`` in the config."""
PRESET_TITLES: dict[str, str] = {
    "russell": "Russell (iShares)",
    "sp": "S&P (iShares)",
    "vanguard": "Vanguard (CRSP)",
}


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
        allow_inf_nan=False,  # a NaN bound would switch a range check off
    )


# ``format`` is a JSON-schema annotation only (pydantic does not enforce it): it lets the
# Configuration page say "symbol" or "colour" instead of "text".
SYMBOL_MAX = 21
"""The longest symbol the config or a member list may hold (Yahoo's are far shorter)."""
Symbol = Annotated[
    str, Field(min_length=1, max_length=SYMBOL_MAX, json_schema_extra={"format": "symbol"})
]

HEX_COLOR_RE = re.compile(r"^#(?:[0-9a-f]{3}|[0-9a-f]{6})$")


def _hex_color(value: object) -> str:
    """``#RGB`` or ``#RRGGBB``, returned as lower-case ``#rrggbb`` so every consumer (Vega, the
    contrast check) sees one form.

    Runs before pydantic's string check so that the commonest mistake gets its own message: an
    unquoted ``#5d6cc0`` is a YAML comment, so the key arrives empty (``None``).
    """
    if value is None:
        raise ValueError(
            'no colour: write it in quotes, e.g. "#5d6cc0" (YAML reads # as a comment)'
        )
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a hex colour (#rrggbb or #rgb, e.g. #3f51b5)")
    text = value.strip().lower()
    if not HEX_COLOR_RE.match(text):
        raise ValueError(f"{value!r} is not a hex colour (#rrggbb or #rgb, e.g. #3f51b5)")
    if len(text) == 4:
        text = "#" + "".join(c * 2 for c in text[1:])
    return text


HexColor = Annotated[str, BeforeValidator(_hex_color), Field(json_schema_extra={"format": "color"})]


class Instrument(_Model):
    """A symbol of the universe, with the name and group shown on the pages. Every symbol another
    key names (pairs, benchmarks, sections, watchlist) must be in the universe, so that it is
    loaded and checked like the rest."""

    symbol: Symbol
    """The Yahoo symbol (``SPY``, ``^TNX``, ``BRK-B``): the file name in a CSV folder, the key of
    the price store."""
    name: str = Field(min_length=1)
    """The display name shown beside the symbol on every page."""
    group: str = "Other"
    """The heading the symbol is listed under in Home's universe table (in order of first
    appearance)."""
    kind: Literal["price", "yield"] = "price"
    """``yield`` for rates quoted in percent (^TNX, ^IRX): shown as levels and changes in basis
    points, never as percent returns."""

    @field_validator("symbol")
    @classmethod
    def _symbol_shape(cls, value: str) -> str:
        if not SYMBOL_RE.match(value):
            raise ValueError(f"{value!r} is not a Yahoo symbol (upper case, e.g. SPY, ^TNX, BRK-B)")
        return value


class Pair(_Model):
    """Two symbols compared: ``a`` against ``b`` (the ratio line is a / b)."""

    a: Symbol
    """The first symbol: the ratio line rises when it outperforms ``b``."""
    b: Symbol
    """The second symbol, the ratio's denominator."""
    label: str = ""
    """The pair's heading on the pages; empty: "<name of a> vs <name of b>"."""

    @model_validator(mode="after")
    def _distinct(self) -> Pair:
        if self.a == self.b:
            raise ValueError(f"a pair needs two different symbols, got {self.a} twice")
        return self

    @property
    def key(self) -> str:
        """Stable identifier used in file names and anchors, e.g. ``iwn-vs-iwf``."""
        return slug(f"{self.a}-vs-{self.b}")


class Site(_Model):
    """What the site says about itself. The pages' colours are Material's palette in
    ``mkdocs.yml``; the charts' are under ``theme``."""

    title: str = "Rotation Monitor"
    """The site's name: header, browser tab, Home's heading, the feed's title."""
    url: str = ""
    """The address the site is served at, with a trailing slash
    (``https://you.github.io/rotation-monitor/``). Needed for the RSS feed and the e-mail digest,
    whose links leave the site; the weekly workflow overrides it with the GitHub Pages address."""
    author: str = ""
    """The author named in the pages' metadata and the feed."""
    description: str = "Weekly report on the rotation from large-cap growth to small-cap value."
    """One sentence for search engines and the feed."""


class Metrics(_Model):
    """Parameters of the metrics; each is printed on the charts that use it."""

    ma_short: int = Field(50, ge=2, le=400)
    """Sessions in the short moving average of every ratio line (below ``ma_long``)."""
    ma_long: int = Field(200, ge=2, le=800)
    """Sessions in the long moving average of every ratio line."""
    chart_years: int = Field(3, ge=1, le=40)
    """How many years of daily history the ratio charts show."""

    @model_validator(mode="after")
    def _ordered(self) -> Metrics:
        if self.ma_short >= self.ma_long:
            raise ValueError(f"ma_short ({self.ma_short}) must be below ma_long ({self.ma_long})")
        return self


class StyleBox(_Model):
    """The 3x3 size x style grid: a preset, or ``custom`` with an explicit ``grid``."""

    preset: Literal["russell", "sp", "vanguard", "custom"] = "russell"
    """Which ETFs fill the grid: ``russell`` (IWD IWB IWF / IWS IWR IWP / IWN IWM IWO), ``sp``
    (S&P 500/400/600 value, blend, growth), ``vanguard``, or ``custom`` with your own ``grid``."""
    grid: (
        tuple[
            tuple[Symbol, Symbol, Symbol],
            tuple[Symbol, Symbol, Symbol],
            tuple[Symbol, Symbol, Symbol],
        ]
        | None
    ) = None
    """Only with ``preset: custom``: three rows (large, mid, small) of three symbols (value,
    core, growth), all in the universe."""

    @model_validator(mode="after")
    def _grid_matches_preset(self) -> StyleBox:
        if self.preset == "custom" and self.grid is None:
            raise ValueError("preset custom needs a grid of 3 rows of 3 symbols")
        if self.preset != "custom" and self.grid is not None:
            raise ValueError(f"grid is only for preset custom (preset is {self.preset})")
        return self

    @property
    def cells(self) -> tuple[tuple[str, str, str], ...]:
        return self.grid if self.grid is not None else PRESETS[self.preset]


class SymbolGroup(_Model):
    """A named list of symbols: a rotation graph, or a watchlist panel."""

    name: str = Field(min_length=1)
    """The group's heading (and, made URL-safe, its chart's file name)."""
    symbols: tuple[Symbol, ...] = Field(min_length=1)
    """Its symbols, each in the universe."""


SECTORS = ("XLK", "XLC", "XLY", "XLF", "XLI", "XLE", "XLB", "XLV", "XLP", "XLU", "XLRE")


class Rotation(_Model):
    """Relative rotation graphs: weekly RS-Ratio and RS-Momentum of each group vs a benchmark."""

    benchmark: Symbol = "SPY"
    """What every symbol of the graphs is measured against (in the universe)."""
    window: int = Field(10, ge=3, le=52)
    """Weeks in the rolling normalisation of RS-Ratio and RS-Momentum."""
    momentum_lag: int = Field(4, ge=1, le=13)
    """Weeks between the two RS-Ratio values whose change is RS-Momentum's input."""
    tail: int = Field(8, ge=2, le=26)
    """Weeks of trail drawn behind each symbol's latest point."""
    groups: tuple[SymbolGroup, ...] = (
        SymbolGroup(name="Sectors", symbols=SECTORS),
        SymbolGroup(
            name="Size and style",
            symbols=("IWD", "IWB", "IWF", "IWS", "IWR", "IWP", "IWN", "IWM", "IWO"),
        ),
    )
    """One relative rotation graph per group, on the Sectors page."""


class HoldingsSource(_Model):
    """Where ``rotation members`` refreshes a list: a fund tracking the index, whose issuer
    publishes its holdings as a CSV download."""

    issuer: Literal["ishares", "invesco"]
    """The file's format: iShares (IWM, IVV, IJH…) or Invesco (QQQ)."""
    url: str = Field(pattern=r"^https://")
    """The holdings CSV download (https)."""
    min_members: int = Field(50, ge=1)
    """Fewer stocks than this in a download: refused as truncated, the previous list kept."""


class MemberList(_Model):
    """An index's members, whose breadth the Breadth page charts."""

    name: str = Field(min_length=1)
    """The index's name, used in headings and chart titles."""
    file: str = Field(min_length=1)
    """A ``ticker,sector`` CSV, relative to the config file."""
    holdings: HoldingsSource | None = None
    """Where ``rotation members`` refreshes the file from; without it the file is kept by hand."""
    members_as_of: str | None = None
    """When the file's membership was taken, as ``YYYY-MM-DD`` or, when only the month is known,
    ``YYYY-MM``: the page says "members as of" it, so a reader knows how old the list is. Empty
    when unknown."""

    @field_validator("members_as_of", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        """YAML reads an unquoted ``2026-08-03`` as a date: it is the same day written out. A
        month or a day, nothing else."""
        if isinstance(value, dt.date):
            return value.isoformat()
        if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])(-\d{2})?", str(value)):
            raise ValueError(f"write a month (2026-08) or a day (2026-08-03), not {value!r}")
        return value


class Breadth(_Model):
    """Market breadth: index members above their averages, advance-decline lines, equal vs cap
    weight."""

    lists: tuple[MemberList, ...] = ()
    """The member lists. Today's members: history computed from them has survivorship bias, and
    the page says so."""
    windows: tuple[int, int] = (50, 200)
    """Sessions of the two moving averages each member is compared with."""
    min_members: int = Field(20, ge=1)
    """Fewer eligible members than this on a session: no breadth value for it."""
    equal_weight: Symbol = "RSP"
    """The equal-weight index fund of the equal vs cap weight ratio line."""
    cap_weight: Symbol = "SPY"
    """The cap-weight index fund it is compared with."""


class Rates(_Model):
    """Treasury yields and the headline ratio's sensitivity to them."""

    long: Symbol = "^TNX"
    """The long yield (``kind: yield`` in the universe), e.g. the 10-year."""
    short: Symbol = "^IRX"
    """The short yield (``kind: yield``), e.g. the 13-week bill; the curve's slope is the long
    yield minus the short one."""
    window: int = Field(63, ge=10, le=756)
    """Sessions in the rolling correlation and beta of the headline ratio against yields."""


class Risk(_Model):
    """Rolling volatility, beta and correlation against the benchmark, drawdowns."""

    vol_window: int = Field(63, ge=5, le=756)
    """Sessions of the rolling annualised volatility."""
    beta_window: int = Field(126, ge=10, le=756)
    """Sessions of the rolling beta and correlation against the benchmark."""


class History(_Model):
    """The headline ratio's long history: who led, for how long, and the streak records."""

    ma_weeks: int = Field(40, ge=4, le=260)
    """Weeks of the ratio's moving average that decides who leads (above: ``a``, below: ``b``)."""
    min_confirm: int = Field(4, ge=1, le=52)
    """Weeks a crossing of that average must last before the leader changes."""
    min_weeks: int = Field(26, ge=1, le=520)
    """Episodes shorter than this are shown paler: not sustained leadership."""
    records: int = Field(10, ge=1, le=100)
    """Rows of each streak record table."""


class Weekly(_Model):
    """The weekly posts: which weeks ``rotation backfill`` writes and what a post shows."""

    since: dt.date = dt.date(2026, 1, 2)
    """First week (the week holding this date) that ``rotation backfill`` writes by default."""
    chart_years: int = Field(1, ge=1, le=10)
    """Years of history on a post's relative-strength chart."""
    min_streak: int = Field(3, ge=1, le=50)
    """An outperformance run that ended during the week is told only if it lasted this long."""
    feed_items: int = Field(20, ge=1, le=500)
    """Newest posts in the RSS feed."""
    lead_items: int = Field(2, ge=0, le=3)
    """The week's most important facts told in a post's opening paragraph, after how the
    headline pair did (the ranking: Methodology, "Weekly posts")."""
    also_items: int = Field(5, ge=0, le=10)
    """The facts ranked next, listed under "Also this week", each linking its page."""
    top_runs: int = Field(5, ge=1, le=50)
    """A run that ended in the week is judged against the side's history when it ranks this high
    among its runs ("the 3rd longest of 412")."""
    breadth_move: float = Field(0.05, gt=0.0, lt=1.0)
    """A list's share of members above an average moving this much in a week is news (0.05:
    5 percentage points)."""


class Discount(_Model):
    """Two funds whose P/E the Valuation page compares: ``a`` against ``b``."""

    label: str = Field(min_length=1, max_length=80)
    """What the comparison is, with the indexes' names (conventions differ: the Russell 2000
    keeps loss-making companies, the S&P SmallCap 600 admits only profitable ones)."""
    a: Symbol
    """The fund whose discount (or premium) is shown."""
    b: Symbol
    """The fund it is compared with."""


DISCOUNTS = (
    Discount(label="Small vs large: Russell 2000 vs Russell 1000", a="IWM", b="IWB"),
    Discount(label="Small vs large: Russell 2000 vs S&P 500", a="IWM", b="SPY"),
    Discount(label="Small vs large: S&P SmallCap 600 vs S&P 500", a="IJR", b="SPY"),
    Discount(label="Mid vs large: S&P MidCap 400 vs S&P 500", a="MDY", b="SPY"),
    Discount(label="Value vs growth: Russell 1000", a="IWD", b="IWF"),
    Discount(label="Value vs growth: Russell 2000", a="IWN", b="IWO"),
)


class Valuation(_Model):
    """The funds whose holdings averages (P/E, P/B, P/S, P/CF, median market cap, 3-year
    earnings growth) ``rotation valuation`` snapshots each week into a committed history."""

    funds: tuple[Symbol, ...] = Field(
        ("IWM", "IWN", "IWO", "IWB", "IWD", "IWF", "IWR", "IWS", "IWP", "SPY", "IJR", "MDY"),
        min_length=1,
        max_length=100,
    )
    """The funds asked for; they need not be in the universe (no prices are read for them)."""
    discounts: tuple[Discount, ...] = DISCOUNTS
    """The comparisons of the Valuation page, each fund among ``funds``."""
    file: str = "data/valuation.csv"
    """The history, relative to the config file: one row per day, fund and field, only ever
    added to (commit it: fundamentals cannot be fetched for a past date). The weekly workflow
    commits ``data/valuation.csv``: change it there too if you change it here."""

    @model_validator(mode="after")
    def _compared_funds_are_asked_for(self) -> Valuation:
        problems = [
            f"discounts[{i}].{side}: {getattr(d, side)} is not in valuation.funds"
            for i, d in enumerate(self.discounts)
            for side in ("a", "b")
            if getattr(d, side) not in self.funds
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ClaimEntry(_Model):
    """A claim of the story, checked against the data on the Claims page (and by ``rotation
    check-claims``)."""

    claim: str = Field(min_length=1, max_length=200)
    """The claim in the claims grammar (Customise, "Claims"): what is measured, ``on`` a date,
    a comparison and a value, e.g. ``IWN YTD on 2026-03-09 = +8.9 %``, ``IWN - IWF YTD on
    2026-03-09 = +14 pp ± 0.5``, ``IWM over SPY streak on 2026-01-22 = 14 sessions``."""
    source: str = Field("", max_length=300)
    """Who said it, or the words as they were published: shown beside the verdict, as text."""
    alternatives: tuple[str, ...] = Field((), max_length=10)
    """Other measures to hold to the same comparison, e.g. ``VUG YTD`` beside ``IWF YTD``
    (another fund of the same index style). Funds of the same style-box cell in the other
    presets are added by themselves when they are in the universe."""

    @field_validator("claim")
    @classmethod
    def _grammar(cls, value: str) -> str:
        try:
            parse(value)
        except ClaimSyntaxError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _same_unit(self) -> ClaimEntry:
        kind = parse(self.claim).measure.kind
        problems = []
        for i, text in enumerate(self.alternatives):
            try:
                other = parse_measure(text)
            except ClaimSyntaxError as exc:
                problems.append(f"alternatives[{i}]: {exc}")
                continue
            if other.kind != kind:
                problems.append(
                    f"alternatives[{i}]: {text!r} is a {other.kind}, not a {kind} like the claim"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def measures(self) -> tuple[Measure, ...]:
        """The alternatives, read."""
        return tuple(parse_measure(text) for text in self.alternatives)


class DataPolicy(_Model):
    """How data is checked, refreshed, and when a build refuses to publish (fails closed)."""

    max_failed_share: float = Field(0.10, ge=0.0, le=1.0)
    """Fail closed when more than this share of the universe failed."""
    overlap_sessions: int = Field(10, ge=1, le=250)
    """Sessions re-fetched before the last stored one, to catch revisions and re-scaling."""
    rescale_tolerance: float = Field(1e-4, gt=0.0, lt=0.5)
    """Relative difference in the overlap above which a symbol's history is fetched anew."""
    max_daily_move: float = Field(0.40, gt=0.0)
    """A one-day move beyond this (either way) is reported as suspicious."""
    yield_range: tuple[float, float] = (-1.0, 25.0)
    """Plausible percent yields; outside it a yield symbol fails (wrong units?)."""
    batch_size: int = Field(50, ge=1, le=500)
    """Symbols per Yahoo request."""
    retries: int = Field(3, ge=0, le=10)
    """Retry rounds for the symbols that failed (rate limits, timeouts); 0: none."""
    backoff_seconds: float = Field(5.0, ge=0.0, le=600.0)
    """First retry wait; it doubles at each retry."""
    retry_budget_seconds: float = Field(300.0, ge=0.0, le=3600.0)
    """Most seconds one fetch spends waiting between retries, in total. While Yahoo refuses every
    request (HTTP 429), it waits (doubling, not counted in ``retries``) until this is spent, then
    stops the run with one error line; the stored data is kept as it was."""
    members_budget_seconds: float = Field(600.0, ge=0.0, le=3600.0)
    """Most seconds ``rotation fetch`` spends on the breadth lists' members, after the universe
    passed its checks. When they are spent, or when Yahoo refuses every request of this part
    (HTTP 429), it stops at once: the members not fetched keep their stored prices, the fetch
    says how many, and the run goes on (the universe's prices are never held up by the
    members). 0: members are not fetched."""

    @model_validator(mode="after")
    def _range(self) -> DataPolicy:
        low, high = self.yield_range
        if low >= high:
            raise ValueError(f"yield_range: {low} must be below {high}")
        return self


class LightColors(_Model):
    """Chart text and lines on the light scheme (Material's ``default``). The defaults are
    Material's own shades of its text colour on white, so charts read like the page around them."""

    background: HexColor = "#ffffff"
    """The page background of the light scheme. Live charts are transparent on the page; the
    e-mail and feed PNGs are drawn on this colour, and chart colours are checked against it."""
    text: HexColor = "#212121"
    """Chart titles, axis labels and legend labels (Material's body text)."""
    muted: HexColor = "#757575"
    """Subtitles and axis titles (Material's secondary text)."""
    grid: HexColor = "#e0e0e0"
    """Grid lines."""
    domain: HexColor = "#adadad"
    """Axis lines and ticks."""


class DarkColors(_Model):
    """Chart text and lines on the dark scheme (Material's ``slate``), where the reader's toggle
    or system setting asks for it. The defaults are Material's slate text shades on its slate
    background."""

    background: HexColor = "#1e2129"
    """The page background of the dark scheme; chart colours are checked against it."""
    text: HexColor = "#bfc1c7"
    """Chart titles, axis labels and legend labels (Material's slate body text)."""
    muted: HexColor = "#8c8e95"
    """Subtitles and axis titles (Material's slate secondary text)."""
    grid: HexColor = "#363840"
    """Grid lines."""
    domain: HexColor = "#5d5f67"
    """Axis lines and ticks."""


class Theme(_Model):
    """Chart colours. ``mkdocs.yml`` colours the pages (Material ``primary: indigo``,
    ``accent: deep orange``); these colour the charts to match. Change both together.

    Data colours (``primary``, ``accent``, ``neutral``, ``series``) are drawn into every chart
    file and its static image, which serve both schemes: pick mid-tones that keep 3:1 contrast on
    the light and the dark background (the build warns when one does not). Text and line colours
    differ per scheme (``light``, ``dark``) and follow the reader's toggle.

    Colours are hex, ``#rrggbb`` or ``#rgb``, in quotes (``primary: "#5d6cc0"``): unquoted, YAML
    reads ``#`` as the start of a comment.
    """

    primary: HexColor = "#5d6cc0"
    """The main series: ratio lines and their drawdown, averages of groups, advance-decline
    lines, the curve slope. The default is the light tint of Material's indigo, legible on both
    schemes (indigo itself, #4051b5, is too dark on slate)."""
    accent: HexColor = "#f4511e"
    """The second series: short moving averages, markers. Material's deep orange at the shade
    that keeps 3:1 contrast on white."""
    neutral: HexColor = "#8a8f98"
    """Reference lines and the long moving average: present, but quieter than the data."""
    series: tuple[HexColor, ...] = Field(
        (
            "#2ca02c",
            "#9467bd",
            "#1a93a8",
            "#d45f9e",
            "#b8860b",
            "#448855",
            "#b0764f",
            "#8c8c1a",
            "#d62728",
            "#cc6600",
            "#bb4455",
        ),
        min_length=1,
    )
    """The symbols' colours. Each symbol has one, the same on every chart of the site (IWN is
    the same colour on Risk, Sectors and the Watchlist); ``primary``, ``accent`` and ``neutral``
    are never a symbol's, they mean a ratio or an average, a short average or a marker, a
    reference line. Symbols drawn in one chart get different colours while there are enough:
    give more than any symbol has neighbours on a chart (the 11 sectors of a rotation graph
    need 11)."""
    light: LightColors = LightColors()
    """Text and lines of the charts on the light scheme."""
    dark: DarkColors = DarkColors()
    """Text and lines of the charts on the dark scheme."""

    @property
    def palette(self) -> tuple[str, ...]:
        """The categorical palette: ``primary``, ``accent``, then ``series``."""
        return (self.primary, self.accent, *self.series)


class Config(_Model):
    """The whole validated configuration."""

    site: Site = Site()
    """Title, address, author and description of the site."""
    benchmark: Symbol = "SPY"
    """The market everything is measured against: the build is as of its last close, risk's
    beta and correlation use it, and the build fails closed when it failed or is stale. A price
    in the universe."""
    universe: tuple[Instrument, ...] = Field(min_length=1)
    """Every symbol the site loads, checks and shows, in the order of Home's table. A symbol any
    other key names must be listed here."""
    pairs: tuple[Pair, ...] = Field(min_length=1)
    """The pairs compared on the Pairs page, in order."""
    headline: int = Field(0, ge=0)
    """Index into ``pairs`` (from 0) of the headline pair shown on Home, History and the weekly
    posts. The build fails closed when either of its symbols failed or is stale."""
    periods: tuple[Period, ...] = ("1W", "1M", "3M", "YTD", "1Y")
    """Return periods of the tables, in order: 1W, 1M, 3M, 6M, YTD, 1Y, 3Y, 5Y (calendar
    anchored: 1M is from the last close on or before the same day a month earlier)."""
    metrics: Metrics = Metrics()
    """Moving averages and chart length of the ratio lines."""
    # Sections that need symbols of their own are off unless configured (rotation.yml turns them
    # all on); a fork drops a section by deleting its key.
    style_box: StyleBox | None = None
    """The Style box page; absent: no page."""
    rotation: Rotation | None = None
    """The Sectors page (relative rotation graphs); absent: no page."""
    breadth: Breadth | None = None
    """The Breadth page; absent: no page."""
    rates: Rates | None = None
    """The Rates page; absent: no page."""
    risk: Risk = Risk()
    """Windows of the Risk page."""
    history: History = History()
    """Rules of the History page."""
    watchlist: tuple[SymbolGroup, ...] = ()
    """Groups of the Watchlist page, one panel each; empty: no page."""
    valuation: Valuation | None = None
    """Weekly snapshots of the funds' valuation (``rotation valuation``); absent: none."""
    claims: tuple[ClaimEntry, ...] = Field((), max_length=100)
    """The story's claims the Claims page checks against the data; empty: no page."""
    weekly: Weekly = Weekly()
    """The weekly posts."""
    data: DataPolicy = DataPolicy()
    """Data checks, refresh and the fail-closed thresholds."""
    theme: Theme = Theme()
    """Chart colours, light and dark."""
    store: str = "data/store"
    """Folder of the local price store, relative to the config file."""
    members_store: str = "data/members"
    """Folder of the breadth lists' member prices, relative to the config file: filled by
    ``rotation fetch`` beside the price store, read by ``--offline`` builds. Not committed (a few
    thousand files rewritten every week); a run without it fetches them anew."""
    posts: str = "data/posts"
    """Folder of the weekly posts archive, relative to the config file (one folder per source
    kind: ``market`` for real prices, ``sample`` for the built-in synthetic data)."""

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        problems = []
        seen: set[str] = set()
        for i, inst in enumerate(self.universe):
            if inst.symbol in seen:
                problems.append(f"universe[{i}].symbol: {inst.symbol} is listed twice")
            seen.add(inst.symbol)
        yields = {inst.symbol for inst in self.universe if inst.kind == "yield"}
        if self.benchmark not in seen:
            problems.append(f"benchmark: {self.benchmark} is not in the universe")
        elif self.benchmark in yields:
            problems.append(f"benchmark: {self.benchmark} is a yield, not a price")
        for i, pair in enumerate(self.pairs):
            for side in ("a", "b"):
                sym = getattr(pair, side)
                if sym not in seen:
                    problems.append(f"pairs[{i}].{side}: {sym} is not in the universe")
                elif sym in yields:
                    problems.append(f"pairs[{i}].{side}: {sym} is a yield; pairs compare prices")
        if self.headline >= len(self.pairs):
            problems.append(f"headline: {self.headline} but there are {len(self.pairs)} pairs")
        if len(set(self.periods)) != len(self.periods):
            problems.append("periods: a period is listed twice")
        problems += self._sections_use_universe(seen, yields)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _sections_use_universe(self, universe: set[str], yields: set[str]) -> list[str]:
        """Every symbol a section shows must be in the universe (so it is loaded and checked)."""
        uses: list[tuple[str, str]] = []
        if self.style_box:
            for r, row in enumerate(self.style_box.cells):
                uses += [(f"style_box ({self.style_box.preset}) row {r + 1}", s) for s in row]
        if self.rotation:
            uses.append(("rotation.benchmark", self.rotation.benchmark))
            for g, group in enumerate(self.rotation.groups):
                uses += [(f"rotation.groups[{g}].symbols", s) for s in group.symbols]
        for g, group in enumerate(self.watchlist):
            uses += [(f"watchlist[{g}].symbols", s) for s in group.symbols]
        if self.rates:
            uses += [("rates.long", self.rates.long), ("rates.short", self.rates.short)]
        if self.breadth:
            uses += [("breadth.equal_weight", self.breadth.equal_weight)]
            uses += [("breadth.cap_weight", self.breadth.cap_weight)]
        problems = [
            f"{key}: {sym} is not in the universe" for key, sym in uses if sym not in universe
        ]
        problems += self._claims_use_universe(universe, yields)
        for key in ("long", "short") if self.rates else ():
            sym = getattr(self.rates, key)
            if sym in universe and sym not in yields:
                problems.append(f"rates.{key}: {sym} must be a yield (kind: yield in the universe)")
        return problems

    def _claims_use_universe(self, universe: set[str], yields: set[str]) -> list[str]:
        """A claim measures prices of the universe, or a breadth list of ``breadth.lists``."""
        problems = []
        lists = {item.name for item in self.breadth.lists} if self.breadth else set()
        for i, entry in enumerate(self.claims):
            measures = [("claim", parse(entry.claim).measure)]
            measures += [(f"alternatives[{j}]", m) for j, m in enumerate(entry.measures)]
            for key, measure in measures:
                where = f"claims[{i}].{key}"
                if measure.kind == "breadth" and measure.list_name not in lists:
                    known = ", ".join(sorted(lists)) or "none: breadth is not configured"
                    problems.append(
                        f"{where}: {measure.list_name!r} is not a breadth list ({known})"
                    )
                for sym in measure.symbols:
                    if sym not in universe:
                        problems.append(f"{where}: {sym} is not in the universe")
                    elif sym in yields and measure.kind != "valuation":
                        problems.append(f"{where}: {sym} is a yield; claims measure prices")
        return problems

    @property
    def symbols(self) -> list[str]:
        """Every symbol the report needs, in universe order."""
        return [inst.symbol for inst in self.universe]

    @property
    def headline_pair(self) -> Pair:
        return self.pairs[self.headline]

    def instrument(self, symbol: str) -> Instrument:
        return next(inst for inst in self.universe if inst.symbol == symbol)


def slug(text: str) -> str:
    """A lower-case, file- and URL-safe form of ``text`` (``^TNX`` -> ``tnx``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


MAX_BYTES = 1 << 20
"""A config larger than this is refused before it is parsed (a real one is a few KiB)."""
MAX_NODES = 100_000
"""Values a config may hold once its YAML aliases are expanded (refuses "billion laughs")."""
MAX_DEPTH = 50
"""Nesting a config may have (the real one nests 4 deep)."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (YAML says keys are
    unique, PyYAML keeps the last silently) and an impossible date with its line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key]})",
                    key_node.start_mark,
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"not a real date {node.value!r} ({exc})", node.start_mark
            ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


def _check_size(value: Any) -> str | None:
    """Why ``value`` is too big or too deep once aliases are expanded, or ``None``.

    Aliases make PyYAML return shared objects, so a small file can stand for billions of values;
    walking with a budget stops at the first value over it instead of expanding them all.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            return f"more than {MAX_NODES:,} values once its aliases are expanded"
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``: UTF-8 text of at most :data:`MAX_BYTES`, no duplicate key,
    no impossible date, at most :data:`MAX_NODES` values and :data:`MAX_DEPTH` levels. Raises
    :class:`ConfigError` naming the file (and the line, where YAML knows it)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except IsADirectoryError:
        raise ConfigError(str(path), ["is a folder, not a config file"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(str(path), [f"larger than {MAX_BYTES // 1024} KiB: not a config file"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
        hint = "it is UTF-16: save it as UTF-8" if utf16 else "save it as UTF-8"
        raise ConfigError(
            str(path), [f"not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}): {hint}"]
        ) from None
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: builds plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), [f"{where}invalid YAML: {reason}"]) from None
    except RecursionError:
        raise ConfigError(str(path), [f"nested more than {MAX_DEPTH} levels deep"]) from None
    problem = _check_size(raw)
    if problem:
        raise ConfigError(str(path), [problem])
    return raw


def load_config(path: str | Path) -> Config:
    """Read and validate ``path``; raise :class:`ConfigError` listing every problem."""
    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(str(path), ["the top level must be a mapping of keys to values"])
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), _describe(exc)) from None


def load_claims(path: str | Path, config: Config) -> Config:
    """``config`` with the claims of ``path`` (a draft: a YAML file whose ``claims:`` key is a
    list like rotation.yml's) in place of its own, validated as rotation.yml's are: every
    problem reported with the file and the claim's key, its symbols checked against the
    universe."""
    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict) or set(raw) != {"claims"} or not isinstance(raw["claims"], list):
        raise ConfigError(str(path), ["write one key, claims:, holding a list of claims"])
    try:
        entries = _ENTRIES.validate_python(raw["claims"])
    except ValidationError as exc:
        problems = _describe(exc, ClaimEntry)
        raise ConfigError(str(path), [f"claims{p}" for p in problems]) from None
    with_claims = config.model_copy(update={"claims": entries})
    universe = set(config.symbols)
    yields = {inst.symbol for inst in config.universe if inst.kind == "yield"}
    problems = with_claims._claims_use_universe(universe, yields)
    if problems:
        raise ConfigError(str(path), problems)
    return with_claims


_ENTRIES = TypeAdapter(tuple[ClaimEntry, ...])


def _describe(exc: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    """Turn pydantic's errors into ``key: reason`` lines, with a did-you-mean for unknown keys
    (among the keys of ``model``, the config's by default, where the error's path starts)."""
    problems = []
    for err in exc.errors():
        loc = _dotted(err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"{loc}: unknown key{_suggest(err['loc'], model or Config)}")
        elif err["type"] == "value_error" and not err["loc"]:
            # Cross-reference checks already carry their key in each line.
            problems.extend(str(err["ctx"]["error"]).splitlines())
        else:
            msg = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
            problems.append(f"{loc or '(top level)'}: {msg}")
    return problems


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _suggest(loc: tuple[Any, ...], model: Any) -> str:
    """`` (did you mean 'x'?)`` when an unknown key is close to a valid one of ``model``'s."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return ""
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if isinstance(a, type)), None)
        if model is None or not issubclass(model, BaseModel):
            return ""
    matches = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
