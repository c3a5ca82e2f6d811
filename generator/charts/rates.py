"""Rates charts: Treasury yield levels with the curve slope, and the rolling rate sensitivity of a
relative-strength line.

Yields are percent levels; their moves are in basis points (see :mod:`generator.metrics.rates`).
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from generator.charts import table
from generator.charts.risk import CONCAT_WIDTH, folded_lines, wide_data, windowed, zero_rule
from generator.charts.theme import DEFAULT, colors_of
from generator.config import Theme
from generator.metrics.rates import BETA_DISPLAY_BP, DISCOUNT_BASIS

MINUS = "\N{MINUS SIGN}"
RATES_BASIS = "Yield levels in percent; changes in basis points"


def _levels(
    yields: pd.DataFrame,
    slope: pd.Series,
    *,
    as_of: pd.Timestamp,
    years: int,
    long: str,
    short: str,
) -> pd.DataFrame:
    """The two yields (percent) and the slope (basis points) over the ``years`` up to
    ``as_of``: the rows the yields chart draws."""
    levels = pd.DataFrame({"long": yields[long], "short": yields[short], "slope": slope * 100})
    return windowed(levels, as_of, years)


def _yield_labels(long: str, short: str, names: Mapping[str, str] | None) -> dict[str, str]:
    """Each yield's symbol with its name from the universe ("^TNX (10-year Treasury yield)"),
    or the symbol alone when it has none: a fork's yields are named by its own config."""
    named = names or {}
    return {
        side: f"{symbol} ({named[symbol]})" if named.get(symbol) else symbol
        for side, symbol in (("long", long), ("short", short))
    }


def _slope_label(long: str, short: str) -> str:
    return f"Slope {long} {MINUS} {short}"


def yields_table(
    yields: pd.DataFrame,
    slope: pd.Series,
    *,
    as_of: pd.Timestamp,
    years: int = 5,
    long: str = "^TNX",
    short: str = "^IRX",
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The yields chart's data, every session it spans: both yields in percent and the slope in
    basis points (empty on a session without both)."""
    labels = {k: f"{v}, %" for k, v in _yield_labels(long, short, names).items()}
    labels["slope"] = f"{_slope_label(long, short)} (bp)"
    return table(_levels(yields, slope, as_of=as_of, years=years, long=long, short=short), labels)


def yields_chart(
    yields: pd.DataFrame,
    slope: pd.Series,
    *,
    as_of: pd.Timestamp,
    years: int = 5,
    long: str = "^TNX",
    short: str = "^IRX",
    names: Mapping[str, str] | None = None,
    theme: Theme = DEFAULT,
    colors: Mapping[str, str] | None = None,
) -> alt.VConcatChart:
    """Two panels: the ``long`` and ``short`` yield levels (top), and the slope ``long - short``
    in basis points with a 0 line (bottom: below 0 = inverted curve), the unit the Rates table
    gives it. The legend names each yield by its ``names`` entry (the universe's).

    ``yields`` is a price frame holding the two yield columns (percent levels) and ``slope`` their
    :func:`generator.metrics.rates.curve_slope`. The yields take their site colours
    (``colors``), the slope, a spread of the two, the theme's primary colour.
    """
    data, frequency = wide_data(
        _levels(yields, slope, as_of=as_of, years=years, long=long, short=short)
    )
    labels = _yield_labels(long, short, names)
    top = folded_lines(
        data,
        labels,
        y_title="Yield (%)",
        y_format=".2f",
        colors=colors_of([long, short], colors, theme),
        theme=theme,
        hover="hover_levels",
    ).properties(width=CONCAT_WIDTH, height=200)
    bottom = alt.layer(
        zero_rule(0.0, theme),
        folded_lines(
            data,
            {"slope": _slope_label(long, short)},
            y_title="Slope (bp)",
            y_format="+.0f",
            colors=[theme.primary],
            mark="area",
            legend=False,
            theme=theme,
            hover="hover_slope",
        ),
    ).properties(width=CONCAT_WIDTH, height=120)
    return (
        alt.vconcat(top, bottom, spacing=10)
        .resolve_scale(color="independent")
        .properties(
            title=alt.Title(
                "Treasury yields and curve slope",
                subtitle=[
                    f"{RATES_BASIS} · as of {as_of:%Y-%m-%d} · last {years} years · {frequency}",
                    f"Slope = {long} {MINUS} {short} in basis points, on sessions with both "
                    "(below 0: inverted curve)",
                    *(
                        [
                            f"{short} is the bill's discount-basis rate, about 10 bp under its "
                            "bond-equivalent yield, so the slope reads about 10 bp steep"
                        ]
                        if short in DISCOUNT_BASIS
                        else []
                    ),
                ],
                anchor="start",
            )
        )
    )


def _sensitivity(
    sensitivities: Mapping[str, pd.DataFrame], as_of: pd.Timestamp, years: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The correlations and the betas (as % per +10 bp) of each ratio (``s0``, ``s1``…), over
    the ``years`` up to ``as_of``: the rows of the chart's two panels."""
    keys = {f"s{i}": label for i, label in enumerate(sensitivities)}
    scale = 100.0 * BETA_DISPLAY_BP
    corr = pd.DataFrame({k: sensitivities[label]["corr"] for k, label in keys.items()})
    beta = pd.DataFrame({k: sensitivities[label]["beta"] * scale for k, label in keys.items()})
    return windowed(corr, as_of, years), windowed(beta, as_of, years)


def sensitivity_table(
    sensitivities: Mapping[str, pd.DataFrame],
    *,
    yield_symbol: str,
    as_of: pd.Timestamp,
    years: int = 5,
) -> pd.DataFrame:
    """The sensitivity chart's data, every session it spans: per ratio, the rolling correlation
    of its daily log returns with the yield's daily changes and the beta as the ratio's move in
    percent per +10 bp of yield."""
    corr, beta = _sensitivity(sensitivities, as_of, years)
    both = corr.add_prefix("corr_").join(beta.add_prefix("beta_"), how="outer")
    labels: dict[str, str] = {}
    for i, label in enumerate(sensitivities):
        labels[f"corr_s{i}"] = f"{label} correlation with {yield_symbol} changes"
        labels[f"beta_s{i}"] = f"{label} % per +{BETA_DISPLAY_BP:.0f} bp of {yield_symbol}"
    return table(both, labels)


def sensitivity_chart(
    sensitivities: Mapping[str, pd.DataFrame],
    *,
    yield_symbol: str,
    as_of: pd.Timestamp,
    window: int,
    years: int = 5,
    theme: Theme = DEFAULT,
) -> alt.VConcatChart:
    """Rolling correlation (top) and beta (bottom) of ratio returns vs yield changes.

    ``sensitivities`` maps a ratio label (``"IWN/IWF"``) to its
    :func:`generator.metrics.rates.rolling_sensitivity` frame. Beta is shown as the ratio's move in
    percent per +10 bp of yield (``beta * 100 * 10``). Ratios are drawn in the theme's primary
    colour, as everywhere (a second one takes the first series colour).
    """
    keys = {f"s{i}": label for i, label in enumerate(sensitivities)}
    corr, beta = _sensitivity(sensitivities, as_of, years)
    corr_data, frequency = wide_data(corr)
    beta_data, _ = wide_data(beta)
    colors = [theme.primary, *theme.series]
    top = alt.layer(
        zero_rule(0.0, theme),
        folded_lines(
            corr_data,
            keys,
            y_title=f"Correlation with Δ{yield_symbol}",
            y_format="+.2f",
            colors=colors,
            y_scale=alt.Scale(domain=[-1, 1]),
            theme=theme,
            hover="hover_corr",
        ),
    ).properties(width=CONCAT_WIDTH, height=150)
    bottom = alt.layer(
        zero_rule(0.0, theme),
        folded_lines(
            beta_data,
            keys,
            y_title=f"% per +{BETA_DISPLAY_BP:.0f} bp",
            y_format="+.2f",
            colors=colors,
            legend=False,
            theme=theme,
            hover="hover_beta",
        ),
    ).properties(width=CONCAT_WIDTH, height=150)
    return alt.vconcat(top, bottom, spacing=10).properties(
        title=alt.Title(
            f"Rate sensitivity of {', '.join(keys.values())} to {yield_symbol}",
            subtitle=[
                f"{RATES_BASIS} · as of {as_of:%Y-%m-%d} · last {years} years · {frequency}",
                f"Daily log returns of the ratio vs daily {yield_symbol} changes in bp, "
                f"{window}-session windows on common sessions; beta as % move per +"
                f"{BETA_DISPLAY_BP:.0f} bp",
            ],
            anchor="start",
        )
    )
