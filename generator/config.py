"""The configuration: one typed, frozen object, validated when loaded.

``rotation.yml`` holds everything a user changes without touching Python: site title, benchmark,
universe, pairs, periods and metric parameters. :func:`load_config` reports *every* problem at once,
each with the file and the dotted key, so a user fixes the file in one pass instead of one error
per run.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from generator.errors import ConfigError
from generator.metrics.stylebox import PRESETS

Period = Literal["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y"]
"""Calendar-anchored return periods (see :mod:`generator.metrics`)."""

# Yahoo symbols: letters, digits and the punctuation Yahoo uses (^TNX, BRK-B, VOD.L, EURUSD=X).
SYMBOL_RE = re.compile(r"^[\^]?[A-Z0-9][A-Z0-9.\-=&]{0,19}$")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


Symbol = Annotated[str, Field(min_length=1, max_length=21)]


class Instrument(_Model):
    """A symbol of the universe, with the name and group shown on the pages."""

    symbol: Symbol
    name: str = Field(min_length=1)
    group: str = "Other"
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
    b: Symbol
    label: str = ""

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
    title: str = "Rotation Monitor"
    url: str = ""
    author: str = ""
    description: str = "Weekly report on the rotation from large-cap growth to small-cap value."


class Metrics(_Model):
    """Parameters of the metrics; each is printed on the charts that use it."""

    ma_short: int = Field(50, ge=2, le=400)
    ma_long: int = Field(200, ge=2, le=800)
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
    grid: (
        tuple[
            tuple[Symbol, Symbol, Symbol],
            tuple[Symbol, Symbol, Symbol],
            tuple[Symbol, Symbol, Symbol],
        ]
        | None
    ) = None

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
    name: str = Field(min_length=1)
    symbols: tuple[Symbol, ...] = Field(min_length=1)


SECTORS = ("XLK", "XLC", "XLY", "XLF", "XLI", "XLE", "XLB", "XLV", "XLP", "XLU", "XLRE")


class Rotation(_Model):
    """Relative rotation graphs: weekly RS-Ratio and RS-Momentum of each group vs a benchmark."""

    benchmark: Symbol = "SPY"
    window: int = Field(10, ge=3, le=52)
    """Weeks in the rolling normalisation of RS-Ratio and RS-Momentum."""
    momentum_lag: int = Field(4, ge=1, le=13)
    """Weeks between the two RS-Ratio values whose change is RS-Momentum's input."""
    tail: int = Field(8, ge=2, le=26)
    groups: tuple[SymbolGroup, ...] = (
        SymbolGroup(name="Sectors", symbols=SECTORS),
        SymbolGroup(
            name="Size and style",
            symbols=("IWD", "IWB", "IWF", "IWS", "IWR", "IWP", "IWN", "IWM", "IWO"),
        ),
    )


class MemberList(_Model):
    name: str = Field(min_length=1)
    file: str = Field(min_length=1)
    """A ``ticker,sector`` CSV, relative to the config file."""


class Breadth(_Model):
    lists: tuple[MemberList, ...] = ()
    windows: tuple[int, int] = (50, 200)
    min_members: int = Field(20, ge=1)
    """Fewer eligible members than this on a session: no breadth value for it."""
    equal_weight: Symbol = "RSP"
    cap_weight: Symbol = "SPY"


class Rates(_Model):
    long: Symbol = "^TNX"
    short: Symbol = "^IRX"
    window: int = Field(63, ge=10, le=756)
    """Sessions in the rolling correlation and beta of the headline ratio against yields."""


class Risk(_Model):
    vol_window: int = Field(63, ge=5, le=756)
    beta_window: int = Field(126, ge=10, le=756)


class History(_Model):
    ma_weeks: int = Field(40, ge=4, le=260)
    min_confirm: int = Field(4, ge=1, le=52)
    min_weeks: int = Field(26, ge=1, le=520)
    records: int = Field(10, ge=1, le=100)


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
    retries: int = Field(3, ge=0, le=10)
    backoff_seconds: float = Field(5.0, ge=0.0, le=600.0)
    """First retry wait; it doubles at each retry."""

    @model_validator(mode="after")
    def _range(self) -> DataPolicy:
        low, high = self.yield_range
        if low >= high:
            raise ValueError(f"yield_range: {low} must be below {high}")
        return self


class Config(_Model):
    """The whole validated configuration."""

    site: Site = Site()
    benchmark: Symbol = "SPY"
    universe: tuple[Instrument, ...] = Field(min_length=1)
    pairs: tuple[Pair, ...] = Field(min_length=1)
    headline: int = Field(0, ge=0)
    """Index into ``pairs`` of the headline pair shown on Home."""
    periods: tuple[Period, ...] = ("1W", "1M", "3M", "YTD", "1Y")
    metrics: Metrics = Metrics()
    # Sections that need symbols of their own are off unless configured (rotation.yml turns them
    # all on); a fork drops a section by deleting its key.
    style_box: StyleBox | None = None
    rotation: Rotation | None = None
    breadth: Breadth | None = None
    rates: Rates | None = None
    risk: Risk = Risk()
    history: History = History()
    watchlist: tuple[SymbolGroup, ...] = ()
    weekly: Weekly = Weekly()
    data: DataPolicy = DataPolicy()
    store: str = "data/store"
    """Folder of the local price store, relative to the config file."""
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
        for key in ("long", "short") if self.rates else ():
            sym = getattr(self.rates, key)
            if sym in universe and sym not in yields:
                problems.append(f"rates.{key}: {sym} must be a yield (kind: yield in the universe)")
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


def load_config(path: str | Path) -> Config:
    """Read and validate ``path``; raise :class:`ConfigError` listing every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), [f"{where}invalid YAML: {reason}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(str(path), ["the top level must be a mapping of keys to values"])
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), _describe(exc)) from None


def _describe(exc: ValidationError) -> list[str]:
    """Turn pydantic's errors into ``key: reason`` lines, with a did-you-mean for unknown keys."""
    problems = []
    for err in exc.errors():
        loc = _dotted(err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"{loc}: unknown key{_suggest(err['loc'])}")
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


def _suggest(loc: tuple[Any, ...]) -> str:
    """`` (did you mean 'x'?)`` when an unknown key is close to a valid one."""
    model: Any = Config
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
