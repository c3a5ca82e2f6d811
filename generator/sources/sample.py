"""The built-in sample: deterministic, synthetic daily prices for any list of symbols.

Why it exists
-------------
A new user should see the whole site with one command, offline, without an API key or a data
folder; tests need prices that are fast, stable and tell a known story. This module is that
source. It is **not market data**: every page built from it is labelled "sample data — not
market data" (:data:`SAMPLE_LABEL`, and ``LoadResult.is_sample`` is set by the loader).

How the prices are made
-----------------------
* Sessions are the real NYSE sessions (``exchange_calendars``, ``XNYS``) from
  :data:`SAMPLE_START` to :data:`SAMPLE_END`; the end is fixed so the output is byte-reproducible.
* Daily log returns follow a factor model: a market factor (about 7 %/yr, 16-18 % vol, a
  2008-like and a 2020-like crash), a size factor (small minus large), a value factor (value
  minus growth), eleven sector factors, a 10-year-rate duration factor with carry, and gold.
  Every factor has a schedule of regimes (total log return, annual vol), year by year for the
  market, size and value; within a regime the noise is de-meaned so each regime delivers exactly
  its designed return (the story cannot be undone by the seed) while the days in between stay a
  random walk with realistic streaks. The story: small value leads 2000-2006, large growth leads
  2007-2025 (mega-cap tech, with short value rallies in 2016, late 2020 and 2022), then from
  January 2026 the "Great Rotation": small value strongly outperforms large growth to the end.
* Yields (``^IRX``, ``^FVX``, ``^TNX``, ``^TYX``) are percent *levels*: mean-reverting paths
  around a historical-looking schedule, never negative. In 2026 their daily changes are
  negatively correlated with the size factor (falling yields help small caps).
* Common factors come from a fixed seed; each symbol's loadings (for symbols not in the table,
  derived from its name) and idiosyncratic noise come from ``zlib.crc32`` of its name, so a
  symbol's series is the same in every process and whatever other symbols are requested.
* A few funds start later than :data:`SAMPLE_START`, as in reality; before its first day a
  symbol is ``NaN``.
"""

from __future__ import annotations

import datetime
import logging
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from generator import calendar
from generator.frame import tidy

log = logging.getLogger(__name__)

SAMPLE_START = datetime.date(2000, 1, 3)
SAMPLE_END = datetime.date(2026, 11, 20)
SAMPLE_LABEL = "sample data — not market data"

_DAYS_PER_YEAR = 252
_FACTOR_SEED = 20_260_101
"""Seed of the common factors; changing it changes every series."""
_CHUNK = 512
"""Symbols generated per block, to bound memory for thousands of symbols."""
_MIN_PRICE = 0.1
"""A series whose lowest close would fall below this is scaled up (returns are unchanged)."""

SECTORS = (
    "tech",
    "comm",
    "fin",
    "energy",
    "health",
    "discr",
    "staples",
    "util",
    "materials",
    "realestate",
    "indust",
)
_FACTORS = ("mkt", "smb", "hml", *SECTORS, "dur", "carry", "gold")
_COL = {name: i for i, name in enumerate(_FACTORS)}

# ------------------------------------------------------------------------------------------------
# Regimes: (first day, total log return over the regime, annual vol). A regime runs until the next
# one starts; the first starts at SAMPLE_START. Market, size and value move roughly year by year
# so that crashes bottom where they should and streaks look like history, not like a bridge.

_Regimes = tuple[tuple[str, float, float], ...]

_MKT: _Regimes = (
    ("2000-01-03", -0.10, 0.22),  # dot-com bust
    ("2001-01-01", -0.13, 0.21),
    ("2002-01-01", -0.30, 0.26),
    ("2002-10-10", 0.08, 0.22),
    ("2003-01-01", 0.23, 0.17),
    ("2004-01-01", 0.10, 0.11),
    ("2005-01-01", 0.05, 0.10),
    ("2006-01-01", 0.15, 0.10),
    ("2007-01-01", 0.10, 0.14),
    ("2007-10-10", -0.25, 0.22),  # 2008-like crash: a slide, then the panic
    ("2008-09-15", -0.55, 0.50),
    ("2009-03-10", 0.55, 0.22),
    ("2010-01-01", 0.14, 0.18),
    ("2011-01-01", 0.02, 0.23),
    ("2012-01-01", 0.15, 0.13),
    ("2013-01-01", 0.26, 0.11),
    ("2014-01-01", 0.13, 0.11),
    ("2015-01-01", 0.01, 0.15),
    ("2016-01-01", 0.03, 0.14),
    ("2016-07-01", 0.08, 0.10),
    ("2017-01-01", 0.20, 0.07),
    ("2018-01-01", -0.05, 0.17),
    ("2019-01-01", 0.27, 0.12),
    ("2020-01-01", 0.04, 0.12),
    ("2020-02-20", -0.42, 0.80),  # 2020-like crash, about -34 % in 23 sessions
    ("2020-03-24", 0.45, 0.25),  # and recovery
    ("2020-11-01", 0.15, 0.17),
    ("2021-03-16", 0.17, 0.13),
    ("2022-01-01", -0.20, 0.24),  # rate-shock bear market
    ("2023-01-01", 0.23, 0.13),
    ("2024-01-01", 0.22, 0.12),
    ("2025-01-01", 0.16, 0.18),
    ("2026-01-01", 0.06, 0.16),
)
_SMB: _Regimes = (
    ("2000-01-03", 0.20, 0.12),  # small leads
    ("2002-10-10", 0.15, 0.08),
    ("2007-01-01", -0.08, 0.08),  # large leads, on and off, for years
    ("2008-01-01", 0.02, 0.14),
    ("2009-01-01", 0.03, 0.12),
    ("2010-01-01", 0.10, 0.09),
    ("2011-01-01", -0.06, 0.10),
    ("2012-01-01", -0.01, 0.07),
    ("2013-01-01", 0.07, 0.07),
    ("2014-01-01", -0.09, 0.08),
    ("2015-01-01", -0.05, 0.07),
    ("2016-01-01", -0.02, 0.09),
    ("2016-07-01", 0.10, 0.10),  # post-election small-cap pop
    ("2017-01-01", -0.08, 0.07),
    ("2018-01-01", -0.06, 0.08),
    ("2019-01-01", -0.07, 0.08),
    ("2020-01-01", -0.04, 0.08),
    ("2020-02-20", -0.10, 0.25),
    ("2020-03-24", -0.02, 0.12),
    ("2020-11-01", 0.17, 0.14),  # vaccine rally
    ("2021-03-16", -0.12, 0.10),
    ("2022-01-01", -0.03, 0.10),
    ("2023-01-01", -0.09, 0.09),  # mega caps
    ("2024-01-01", -0.11, 0.09),
    ("2025-01-01", -0.06, 0.09),
    ("2026-01-01", 0.14, 0.10),  # the Great Rotation
)
_HML: _Regimes = (
    ("2000-01-03", 0.55, 0.16),  # value leads as growth deflates
    ("2002-10-10", 0.20, 0.07),
    ("2007-01-01", -0.12, 0.08),  # growth leads for a long time
    ("2008-01-01", 0.00, 0.14),
    ("2009-01-01", -0.12, 0.12),
    ("2010-01-01", -0.03, 0.07),
    ("2011-01-01", -0.02, 0.08),
    ("2012-01-01", 0.02, 0.06),
    ("2013-01-01", -0.01, 0.05),
    ("2014-01-01", 0.00, 0.05),
    ("2015-01-01", -0.09, 0.06),
    ("2016-01-01", 0.03, 0.08),
    ("2016-07-01", 0.12, 0.09),
    ("2017-01-01", -0.17, 0.06),
    ("2018-01-01", -0.04, 0.07),
    ("2019-01-01", -0.09, 0.07),
    ("2020-01-01", -0.06, 0.07),
    ("2020-02-20", -0.05, 0.20),
    ("2020-03-24", -0.22, 0.12),
    ("2020-11-01", 0.20, 0.14),
    ("2021-03-16", -0.02, 0.09),
    ("2022-01-01", 0.25, 0.12),  # value holds up in the rate shock
    ("2023-01-01", -0.30, 0.08),  # AI mega-cap tech
    ("2024-01-01", -0.15, 0.08),
    ("2025-01-01", -0.10, 0.09),
    ("2026-01-01", 0.15, 0.10),  # the Great Rotation
)
_SECTOR_REGIMES: dict[str, _Regimes] = {
    "tech": (
        ("2000-01-03", -0.50, 0.18),
        ("2002-10-10", 0.00, 0.09),
        ("2009-03-10", 0.42, 0.08),
        ("2026-01-01", -0.04, 0.10),
    ),
    "comm": (
        ("2000-01-03", -0.40, 0.16),
        ("2002-10-10", 0.00, 0.08),
        ("2009-03-10", 0.17, 0.08),
        ("2026-01-01", -0.03, 0.10),
    ),
    "fin": (
        ("2000-01-03", 0.20, 0.08),
        ("2007-01-01", -0.04, 0.10),
        ("2007-10-10", -0.42, 0.30),
        ("2009-03-10", 0.00, 0.10),
        ("2023-03-08", -0.16, 0.35),  # regional-bank scare
        ("2023-05-05", 0.05, 0.10),
        ("2026-01-01", 0.03, 0.09),
    ),
    "energy": (
        ("2000-01-03", 0.14, 0.16),
        ("2002-10-10", 0.70, 0.16),
        ("2008-07-01", -0.21, 0.30),
        ("2009-03-10", 0.00, 0.14),
        ("2014-07-01", -0.75, 0.16),
        ("2020-11-01", 0.65, 0.22),
        ("2023-01-01", -0.15, 0.14),
        ("2026-01-01", 0.07, 0.15),
    ),
    "health": (("2000-01-03", 0.54, 0.08),),
    "discr": (("2000-01-03", 0.00, 0.07),),
    "staples": (("2000-01-03", 0.54, 0.06),),
    "util": (("2000-01-03", 0.52, 0.08), ("2026-01-01", 0.03, 0.08)),
    "materials": (
        ("2000-01-03", 0.00, 0.09),
        ("2002-10-10", 0.19, 0.09),
        ("2009-03-10", -0.18, 0.08),
    ),
    "realestate": (
        ("2000-01-03", 0.16, 0.10),
        ("2007-10-10", -0.35, 0.35),
        ("2009-03-10", 0.26, 0.10),
        ("2022-01-01", -0.10, 0.12),
        ("2023-01-01", -0.06, 0.10),
        ("2026-01-01", 0.03, 0.10),
    ),
    "indust": (("2000-01-03", 0.00, 0.06), ("2026-01-01", 0.02, 0.07)),
}
_GOLD: _Regimes = (
    ("2000-01-03", -0.04, 0.14),
    ("2001-04-01", 1.66, 0.17),
    ("2011-09-01", -0.56, 0.17),
    ("2016-01-01", 0.10, 0.13),
    ("2019-06-01", 0.24, 0.15),
    ("2020-08-07", -0.09, 0.15),
    ("2023-10-01", 0.63, 0.15),
    ("2026-01-01", 0.04, 0.22),
)

# Yield targets in percent; the paths wander around them (interpolated in log space).
_IRX_TARGET = (
    ("2000-01-03", 5.3), ("2000-07-01", 6.0), ("2001-01-02", 5.7), ("2001-12-31", 1.7),
    ("2002-10-01", 1.6), ("2003-06-30", 0.9), ("2004-06-30", 1.3), ("2006-07-03", 5.0),
    ("2007-07-02", 4.9), ("2008-01-02", 3.1), ("2008-06-30", 1.9), ("2008-12-15", 0.05),
    ("2015-11-30", 0.05), ("2015-12-31", 0.25), ("2016-12-30", 0.5), ("2017-12-29", 1.35),
    ("2018-12-31", 2.35), ("2019-06-28", 2.15), ("2019-10-31", 1.55), ("2020-02-20", 1.55),
    ("2020-03-20", 0.05), ("2021-12-31", 0.05), ("2022-03-31", 0.5), ("2022-06-30", 1.6),
    ("2022-12-30", 4.3), ("2023-07-31", 5.25), ("2024-07-31", 5.2), ("2024-12-31", 4.3),
    ("2025-06-30", 4.3), ("2025-12-31", 3.6), ("2026-06-30", 3.45), ("2026-11-20", 3.3),
)  # fmt: skip
_TNX_TARGET = (
    ("2000-01-03", 6.4), ("2000-05-15", 6.4), ("2001-11-07", 4.3), ("2002-03-29", 5.3),
    ("2003-06-13", 3.2), ("2004-06-14", 4.8), ("2006-06-30", 5.1), ("2007-06-29", 5.1),
    ("2008-12-18", 2.2), ("2009-06-10", 3.8), ("2010-10-08", 2.4), ("2011-02-08", 3.6),
    ("2012-07-25", 1.5), ("2013-09-05", 2.9), ("2014-12-31", 2.2), ("2016-07-08", 1.45),
    ("2018-10-05", 3.2), ("2019-09-03", 1.6), ("2020-02-20", 1.55), ("2020-03-09", 0.9),
    ("2020-08-04", 0.9), ("2021-03-31", 1.7), ("2021-12-31", 1.5), ("2022-06-14", 3.3),
    ("2022-10-24", 4.2), ("2023-04-06", 3.4), ("2023-10-19", 4.9), ("2024-09-16", 3.7),
    ("2025-01-14", 4.7), ("2025-12-31", 4.15), ("2026-06-30", 4.0), ("2026-11-20", 3.7),
)  # fmt: skip
_YIELD_SUFFIXES = ("IRX", "FVX", "TNX", "TYX")


# ------------------------------------------------------------------------------------------------
# Per-symbol profiles.


@dataclass(frozen=True)
class _Profile:
    """Factor loadings and scale of one symbol (drifts and vols are annual)."""

    beta: float = 1.0
    size: float = 0.0
    value: float = 0.0
    sectors: tuple[tuple[str, float], ...] = ()
    idio: float = 0.02
    alpha: float = 0.0
    last: float = 100.0
    """Price on the last sample day, before any scaling up to :data:`_MIN_PRICE`."""
    inception: str | None = None
    duration: float = 0.0
    carry: float = 0.0
    gold: float = 0.0

    def loadings(self) -> np.ndarray:
        out = np.zeros(len(_FACTORS))
        out[_COL["mkt"]] = self.beta
        out[_COL["smb"]] = self.size
        out[_COL["hml"]] = self.value
        for sector, weight in self.sectors:
            out[_COL[sector]] += weight
        out[_COL["dur"]] = self.duration
        out[_COL["carry"]] = self.carry
        out[_COL["gold"]] = self.gold
        return out


_SIZE = {"L": (-0.05, 1.0), "M": (0.40, 1.05), "S": (0.85, 1.12)}  # size loading, beta
_STYLE = {"V": (0.45, -0.05), "B": (0.0, 0.0), "G": (-0.45, 0.05)}  # value loading, beta shift
_BOX_SECTORS = {
    ("L", "V"): (("fin", 0.2), ("energy", 0.1)),
    ("L", "G"): (("tech", 0.3), ("comm", 0.1)),
    ("M", "V"): (("fin", 0.2), ("util", 0.1)),
    ("M", "G"): (("tech", 0.2), ("health", 0.1)),
    ("S", "V"): (("fin", 0.3), ("indust", 0.1)),
    ("S", "G"): (("health", 0.2), ("tech", 0.15)),
}


def _box(
    cell: str,
    last: float,
    *,
    size_shift: float = 0.0,
    idio: float = 0.015,
    alpha: float = 0.0,
    inception: str | None = None,
) -> _Profile:
    """A style-box fund: ``cell`` is size (L/M/S) then style (V/B/G), e.g. ``"SV"``."""
    size, style = cell[0], cell[1]
    size_load, beta = _SIZE[size]
    value_load, beta_shift = _STYLE[style]
    return _Profile(
        beta=beta + beta_shift,
        size=size_load + size_shift,
        value=value_load,
        sectors=_BOX_SECTORS.get((size, style), ()),
        idio=idio,
        alpha=alpha,
        last=last,
        inception=inception,
    )


def _sector_fund(
    sector: str, beta: float, value: float, last: float, *, inception: str | None = None
) -> _Profile:
    """A sector SPDR: one sector factor plus market and style."""
    return _Profile(
        beta=beta, value=value, sectors=((sector, 1.0),), idio=0.03, last=last, inception=inception
    )


def _stock(
    beta: float,
    size: float,
    value: float,
    sectors: dict[str, float],
    idio: float,
    *,
    last: float,
    alpha: float = 0.0,
    inception: str | None = None,
) -> _Profile:
    """A single stock or a narrow industry fund."""
    return _Profile(
        beta=beta,
        size=size,
        value=value,
        sectors=tuple(sectors.items()),
        idio=idio,
        alpha=alpha,
        last=last,
        inception=inception,
    )


_KNOWN: dict[str, _Profile] = {
    # Broad market.
    "SPY": _box("LB", 680.0, idio=0.004),
    "IVV": _box("LB", 690.0, idio=0.004),
    "VV": _box("LB", 320.0, idio=0.006),
    "QQQ": _Profile(
        beta=1.1,
        size=-0.2,
        value=-0.5,
        sectors=(("tech", 0.4), ("comm", 0.15)),
        idio=0.03,
        last=600.0,
    ),
    "DIA": _Profile(
        beta=0.95, size=-0.15, value=0.1, sectors=(("indust", 0.2),), idio=0.03, last=470.0
    ),
    "RSP": _Profile(
        beta=1.02, size=0.25, value=0.15, idio=0.015, last=190.0, inception="2003-05-01"
    ),
    "^GSPC": _box("LB", 6700.0, idio=0.004, alpha=-0.018),
    "^NDX": _Profile(
        beta=1.1,
        size=-0.2,
        value=-0.5,
        sectors=(("tech", 0.4), ("comm", 0.15)),
        idio=0.03,
        alpha=-0.008,
        last=24000.0,
    ),
    "^RUT": _box("SB", 2500.0, alpha=-0.015),
    # Russell style box (first days as the funds' real first closes).
    "IWD": _box("LV", 200.0, inception="2000-05-26"),
    "IWB": _box("LB", 360.0, idio=0.006, inception="2000-05-19"),
    "IWF": _box("LG", 420.0, inception="2000-05-26"),
    "IWS": _box("MV", 135.0, inception="2001-07-20"),
    "IWR": _box("MB", 90.0, inception="2001-08-27"),
    "IWP": _box("MG", 130.0, inception="2001-08-02"),
    "IWN": _box("SV", 180.0, inception="2000-07-28"),
    "IWM": _box("SB", 250.0, inception="2000-05-26"),
    "IWO": _box("SG", 300.0, inception="2000-07-28"),
    # S&P style box (the S&P 600 has a profitability screen: a touch less small, more quality).
    "IVE": _box("LV", 210.0),
    "IVW": _box("LG", 120.0),
    "IJJ": _box("MV", 130.0),
    "IJH": _box("MB", 65.0),
    "IJK": _box("MG", 95.0),
    "IJS": _box("SV", 110.0, size_shift=-0.05),
    "IJR": _box("SB", 120.0, size_shift=-0.05),
    "IJT": _box("SG", 140.0, size_shift=-0.05),
    # Vanguard style box (Vanguard's small caps reach further up into mid caps).
    "VTV": _box("LV", 190.0),
    "VUG": _box("LG", 460.0),
    "VOE": _box("MV", 175.0),
    "VO": _box("MB", 290.0),
    "VOT": _box("MG", 290.0),
    "VBR": _box("SV", 210.0, size_shift=-0.15),
    "VB": _box("SB", 250.0, size_shift=-0.15),
    "VBK": _box("SG", 290.0, size_shift=-0.15),
    # Sector SPDRs.
    "XLK": _sector_fund("tech", 1.15, -0.5, 160.0),
    "XLC": _sector_fund("comm", 1.0, -0.3, 110.0, inception="2018-06-19"),
    "XLF": _sector_fund("fin", 1.15, 0.5, 52.0),
    "XLE": _sector_fund("energy", 1.0, 0.6, 95.0),
    "XLV": _sector_fund("health", 0.75, -0.05, 140.0),
    "XLY": _sector_fund("discr", 1.1, -0.2, 220.0),
    "XLP": _sector_fund("staples", 0.6, 0.1, 80.0),
    "XLU": _sector_fund("util", 0.5, 0.2, 85.0),
    "XLB": _sector_fund("materials", 1.05, 0.3, 90.0),
    "XLRE": _Profile(
        beta=0.9,
        size=0.1,
        value=0.1,
        sectors=(("realestate", 1.0),),
        idio=0.03,
        last=42.0,
        inception="2015-10-08",
    ),
    "XLI": _sector_fund("indust", 1.05, 0.15, 150.0),
    # Industries.
    "KRE": _stock(1.2, 0.6, 0.8, {"fin": 1.3}, 0.06, last=65.0, inception="2006-06-22"),
    "KBE": _stock(1.2, 0.4, 0.8, {"fin": 1.3}, 0.05, last=58.0),
    "IGV": _stock(1.15, -0.05, -0.7, {"tech": 1.0}, 0.06, last=100.0, inception="2001-07-13"),
    "SMH": _stock(1.45, 0.0, -0.6, {"tech": 1.5}, 0.10, alpha=0.03, last=320.0),
    # Single stocks: large growth with high idiosyncratic vol; INTC a laggard.
    "MSFT": _stock(1.1, -0.2, -0.5, {"tech": 0.8}, 0.24, alpha=0.04, last=450.0),
    "AMZN": _stock(1.3, -0.2, -0.7, {"discr": 1.0, "tech": 0.3}, 0.38, alpha=0.08, last=220.0),
    "NVDA": _stock(1.6, -0.1, -0.8, {"tech": 1.4}, 0.42, alpha=0.10, last=180.0),
    "AAPL": _stock(1.2, -0.2, -0.6, {"tech": 1.0}, 0.30, alpha=0.10, last=250.0),
    "GOOGL": _stock(1.1, -0.2, -0.6, {"comm": 1.0}, 0.26, alpha=0.05, last=250.0),
    "META": _stock(
        1.25, -0.15, -0.7, {"comm": 1.2}, 0.35, alpha=0.07, last=650.0, inception="2012-05-18"
    ),
    "CRM": _stock(1.2, -0.05, -0.7, {"tech": 1.0}, 0.32, alpha=0.05, last=260.0),
    "INTC": _stock(1.1, -0.1, -0.2, {"tech": 1.0}, 0.30, alpha=-0.07, last=30.0),
    # Small caps: regional banks, industrials, energy.
    "FSBC": _stock(0.95, 1.1, 0.6, {"fin": 1.0}, 0.30, last=30.0),
    "LOB": _stock(1.1, 1.1, 0.4, {"fin": 1.0}, 0.38, last=38.0),
    "ATRO": _stock(1.2, 1.1, 0.3, {"indust": 1.0}, 0.42, last=40.0),
    "PRLB": _stock(1.3, 1.0, -0.2, {"indust": 0.8, "tech": 0.3}, 0.45, alpha=-0.02, last=45.0),
    "DEC": _stock(1.0, 1.2, 0.8, {"energy": 1.2}, 0.45, last=14.0),
    # Bonds and gold.
    "TLT": _Profile(beta=0.0, duration=17.0, carry=1.0, idio=0.02, last=88.0),
    "IEF": _Profile(beta=0.0, duration=7.5, carry=0.9, idio=0.01, last=95.0),
    "HYG": _Profile(beta=0.3, size=0.1, duration=4.0, carry=1.0, alpha=-0.02, idio=0.03, last=80.0),
    "GLD": _Profile(beta=0.05, gold=1.0, idio=0.01, last=380.0),
    # Factor ETFs.
    "MTUM": _Profile(beta=1.0, size=-0.1, value=-0.25, idio=0.04, alpha=0.01, last=240.0),
    "QUAL": _Profile(beta=0.95, size=-0.1, value=-0.15, idio=0.025, alpha=0.005, last=190.0),
    "USMV": _Profile(
        beta=0.72,
        value=0.05,
        sectors=(("staples", 0.2), ("util", 0.2), ("health", 0.2)),
        idio=0.03,
        alpha=0.01,
        last=92.0,
    ),
    "VLUE": _Profile(beta=1.0, size=0.05, value=0.6, idio=0.03, last=125.0),
}


_DERIVED_LOW = np.array([0.7, -0.3, -0.7, 0.6, 0.18, -0.03, np.log(8.0)])
_DERIVED_HIGH = np.array([1.5, 1.1, 0.7, 1.2, 0.45, 0.03, np.log(250.0)])


def _rng(symbol: str) -> np.random.Generator:
    """The symbol's own random stream, seeded by ``zlib.crc32`` of its name (never ``hash()``)."""
    seed = zlib.crc32(symbol.strip().upper().encode("utf-8"))
    return np.random.Generator(np.random.PCG64(seed))


def _profile(symbol: str, rng: np.random.Generator) -> _Profile:
    """The table's profile, or one drawn from the symbol's own stream ``rng``."""
    known = _KNOWN.get(symbol.strip().upper())
    if known is not None:
        return known
    beta, size, value, sector_weight, idio, alpha, log_last = rng.uniform(
        _DERIVED_LOW, _DERIVED_HIGH
    ).tolist()
    sector = SECTORS[int(rng.integers(len(SECTORS)))]
    return _Profile(
        beta=beta,
        size=size,
        value=value,
        sectors=((sector, sector_weight),),
        idio=idio,
        alpha=alpha,
        last=float(np.exp(log_last)),
    )


def _yield_tenor(symbol: str) -> str | None:
    """``"IRX"``/``"FVX"``/``"TNX"``/``"TYX"`` for a yield symbol such as ``^TNX``, else None."""
    s = symbol.strip().upper()
    if not s.startswith("^"):
        return None
    return next((suffix for suffix in _YIELD_SUFFIXES if s.endswith(suffix)), None)


# ------------------------------------------------------------------------------------------------
# The common model (computed once per process).


@dataclass(frozen=True)
class _Model:
    sessions: pd.DatetimeIndex
    factors: np.ndarray
    """(sessions, factors) daily log returns, columns in :data:`_FACTORS` order."""
    y3m: np.ndarray
    y10: np.ndarray


def _pinned(sessions: pd.DatetimeIndex, regimes: _Regimes, shocks: np.ndarray) -> np.ndarray:
    """Daily log returns: each regime's total spread evenly, plus noise de-meaned within it.

    De-meaning pins every regime's total exactly, so the story does not depend on the luck of the
    seed, while the days in between stay a random walk with the regime's volatility.
    """
    starts = pd.DatetimeIndex([r[0] for r in regimes]).astype("datetime64[ns]")
    regime = np.searchsorted(starts.values, sessions.values, side="right") - 1
    regime = np.clip(regime, 0, None)
    counts = np.maximum(np.bincount(regime, minlength=len(regimes)), 1)
    drift = (np.array([r[1] for r in regimes]) / counts)[regime]
    noise = (np.array([r[2] for r in regimes]) / np.sqrt(_DAYS_PER_YEAR))[regime] * shocks
    means = np.bincount(regime, weights=noise, minlength=len(regimes)) / counts
    return drift + noise - means[regime]


def _ar1(shocks: np.ndarray, phi: float) -> np.ndarray:
    out = np.empty_like(shocks)
    level = 0.0
    for i, shock in enumerate(shocks.tolist()):
        level = phi * level + shock
        out[i] = level
    return out


def _log_target(sessions: pd.DatetimeIndex, knots: tuple[tuple[str, float], ...]) -> np.ndarray:
    x = pd.DatetimeIndex([k[0] for k in knots]).astype("datetime64[ns]").values.astype("int64")
    y = np.log([k[1] for k in knots])
    return np.interp(sessions.values.astype("int64"), x, y)


def _sessions() -> pd.DatetimeIndex:
    # The project's one NYSE calendar: building another for the sample's range took 0.5 s.
    return calendar.sessions(SAMPLE_START, SAMPLE_END)


@cache
def _model() -> _Model:
    began = time.perf_counter()
    sessions = _sessions()
    n = len(sessions)
    rng = np.random.Generator(np.random.PCG64(_FACTOR_SEED))
    z = rng.standard_normal((len(_FACTORS) + 3, n))
    z_mkt, z_smb = z[_COL["mkt"]], z[_COL["smb"]]
    factors = np.zeros((n, len(_FACTORS)))

    # Market, with volatility clustering (a slow AR(1) in log vol, mean square one).
    log_vol = _ar1(z[-3] * 0.03, 0.985)
    vol_mult = np.exp(log_vol)
    vol_mult /= np.sqrt(np.mean(vol_mult**2))
    factors[:, _COL["mkt"]] = _pinned(sessions, _MKT, z_mkt * vol_mult)
    factors[:, _COL["smb"]] = _pinned(sessions, _SMB, z_smb)
    factors[:, _COL["hml"]] = _pinned(sessions, _HML, z[_COL["hml"]])
    for sector in SECTORS:
        factors[:, _COL[sector]] = _pinned(sessions, _SECTOR_REGIMES[sector], z[_COL[sector]])
    factors[:, _COL["gold"]] = _pinned(sessions, _GOLD, z[_COL["gold"]])

    # Rates: log yields mean-revert around their targets. 10-year shocks rise with stocks until
    # 2022 (bonds hedge equities), then fall with small caps' relative strength in 2026.
    years = sessions.year.to_numpy()
    rho_mkt = np.where(years < 2022, 0.35, 0.0)
    rho_smb = np.where(years >= 2026, 0.55, 0.10)
    z10 = rho_mkt * z_mkt - rho_smb * z_smb + np.sqrt(1 - rho_mkt**2 - rho_smb**2) * z[-2]
    phi10, phi3 = 1 - 1 / 60, 1 - 1 / 30
    dev10 = _ar1(z10 * 0.07 * np.sqrt(1 - phi10**2), phi10)
    z3 = 0.5 * z10 + np.sqrt(0.75) * z[-1]
    dev3 = _ar1(z3 * 0.04 * np.sqrt(1 - phi3**2), phi3)
    y10 = np.exp(_log_target(sessions, _TNX_TARGET) + dev10)
    y3m = np.exp(_log_target(sessions, _IRX_TARGET) + dev3)
    factors[1:, _COL["dur"]] = -np.diff(y10) / 100
    factors[1:, _COL["carry"]] = y10[:-1] / 100 / _DAYS_PER_YEAR

    for array in (factors, y10, y3m):
        array.flags.writeable = False
    log.debug("sample model: %d sessions in %.3fs", n, time.perf_counter() - began)
    return _Model(sessions, factors, y3m, y10)


def _yield_series(model: _Model, tenor: str) -> np.ndarray:
    if tenor == "IRX":
        out = model.y3m
    elif tenor == "TNX":
        out = model.y10
    elif tenor == "FVX":
        out = model.y3m + 0.75 * (model.y10 - model.y3m)
    else:  # TYX
        out = model.y10 * 1.05 + 0.2
    return np.maximum(out, 0.01)


def _price_block(model: _Model, symbols: list[str]) -> np.ndarray:
    """(len(symbols), sessions) closes of non-yield symbols; NaN before each inception."""
    n = len(model.sessions)
    noise = np.empty((len(symbols), n))
    profiles = []
    for j, symbol in enumerate(symbols):
        rng = _rng(symbol)
        profiles.append(_profile(symbol, rng))
        rng.standard_normal(out=noise[j])
    loadings = np.stack([p.loadings() for p in profiles])
    idio = np.array([p.idio for p in profiles]) / np.sqrt(_DAYS_PER_YEAR)
    alpha = np.array([p.alpha for p in profiles]) / _DAYS_PER_YEAR

    log_price = loadings @ model.factors.T
    noise *= idio[:, None]
    log_price += noise
    log_price += alpha[:, None]
    log_price[:, 0] = 0.0
    np.cumsum(log_price, axis=1, out=log_price)
    log_price += (np.log([p.last for p in profiles]) - log_price[:, -1])[:, None]
    prices = np.exp(log_price, out=log_price)

    for j, p in enumerate(profiles):
        if p.inception is not None:
            prices[j, : model.sessions.searchsorted(pd.Timestamp(p.inception))] = np.nan
    low = np.fmin.reduce(prices, axis=1)
    prices *= np.maximum(1.0, _MIN_PRICE / low)[:, None]
    return np.round(prices, 4, out=prices)


def sample_prices(
    symbols: Sequence[str],
    *,
    start: datetime.date = SAMPLE_START,
    end: datetime.date = SAMPLE_END,
) -> pd.DataFrame:
    """Canonical price frame (via tidy()) of synthetic daily adjusted closes for `symbols`.

    Every requested symbol gets a column, in request order (repeats are dropped); yields are
    percent levels. ``start``/``end`` select sessions within the fixed sample range
    :data:`SAMPLE_START`-:data:`SAMPLE_END` (both inclusive); a symbol's values on a given day
    do not depend on ``start``, ``end`` or the other symbols.
    """
    if isinstance(symbols, str):
        raise TypeError("symbols must be a sequence of symbols, not one string")
    began = time.perf_counter()
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    if start_ts > end_ts:
        raise ValueError(f"start {start_ts.date()} is after end {end_ts.date()}")
    if start_ts < pd.Timestamp(SAMPLE_START) or end_ts > pd.Timestamp(SAMPLE_END):
        log.debug(
            "sample covers %s to %s only; clipping %s..%s",
            SAMPLE_START,
            SAMPLE_END,
            start_ts.date(),
            end_ts.date(),
        )
    model = _model()
    lo = int(model.sessions.searchsorted(start_ts, side="left"))
    hi = int(model.sessions.searchsorted(end_ts, side="right"))
    wanted = list(dict.fromkeys(str(s) for s in symbols))

    # Rows are symbols while generating (each series contiguous); the transpose is the frame.
    values = np.empty((len(wanted), hi - lo))
    equities: list[int] = []
    for j, symbol in enumerate(wanted):
        tenor = _yield_tenor(symbol)
        if tenor is None:
            equities.append(j)
        else:
            values[j] = np.round(_yield_series(model, tenor)[lo:hi], 4)
    for offset in range(0, len(equities), _CHUNK):
        rows = equities[offset : offset + _CHUNK]
        values[rows] = _price_block(model, [wanted[j] for j in rows])[:, lo:hi]

    frame = pd.DataFrame(values.T, index=model.sessions[lo:hi], columns=wanted, copy=False)
    out = tidy(frame, wanted)
    log.debug(
        "sample prices: %d symbols x %d sessions in %.3fs",
        len(wanted),
        len(out),
        time.perf_counter() - began,
    )
    return out
