"""Charts for population growth and demand projections (pure functions → Plotly figures)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from models.charts import BAND_80, BAND_95, PALETTE, SEQUENCE, base_layout

BAND_COLOURS = dict(zip(("0-17", "18-64", "65-74", "75-84", "85+"), SEQUENCE, strict=False))


def population_bands(population: pd.DataFrame, base_year: int, note: str = "") -> go.Figure:
    """Residents by age band a year: recorded to the base year, projected after (dotted).

    Parameters
    ----------
    population : DataFrame
        ``year``, ``age_band``, ``population`` (persons).
    """
    fig = go.Figure()
    for band, grp in population.groupby("age_band", sort=False):
        grp = grp.sort_values("year")
        colour = BAND_COLOURS.get(str(band), PALETTE["grey"])
        hist = grp[grp["year"] <= base_year]
        proj = grp[grp["year"] >= base_year]
        fig.add_scatter(
            x=hist["year"],
            y=hist["population"],
            name=str(band),
            legendgroup=str(band),
            line={"color": colour, "width": 3},
        )
        fig.add_scatter(
            x=proj["year"],
            y=proj["population"],
            name=f"{band} projected",
            legendgroup=str(band),
            line={"color": colour, "width": 3, "dash": "dot"},
            showlegend=False,
        )
    fig.add_vline(x=base_year, line={"color": PALETTE["grey"], "dash": "dash"})
    base_layout(fig, "Residents by age band (dotted: projected)", "residents", "mid-year", note)
    fig.update_yaxes(type="log", title_text="residents (log scale)")
    return fig


def growth_vs_demand(index: pd.DataFrame, base_year: int, note: str = "") -> go.Figure:
    """Population growth against age-weighted demand growth, both relative to the base year.

    Parameters
    ----------
    index : DataFrame
        ``year``, ``population_index`` and ``index`` (age-weighted, base year = 1).
    """
    df = index[index["year"] >= base_year]
    fig = go.Figure()
    fig.add_scatter(
        x=df["year"],
        y=(df["population_index"] - 1) * 100,
        name="Population growth",
        line={"color": PALETTE["sky"], "width": 3},
        mode="lines+markers",
    )
    fig.add_scatter(
        x=df["year"],
        y=(df["index"] - 1) * 100,
        name="Age-weighted demand growth (NEA)",
        line={"color": PALETTE["vermillion"], "width": 3},
        mode="lines+markers",
    )
    if "acs_index" in df:
        fig.add_scatter(
            x=df["year"],
            y=(df["acs_index"] - 1) * 100,
            name="Age-weighted demand growth (ACS)",
            line={"color": PALETTE["orange"], "width": 2, "dash": "dot"},
            mode="lines+markers",
        )
    base_layout(fig, f"Growth since {base_year}: people vs demand", "% change on base year", "mid-year", note)
    fig.update_yaxes(rangemode="normal", ticksuffix="%")
    return fig


def fan_chart(
    history: pd.DataFrame,
    projection: pd.DataFrame,
    baseline: pd.DataFrame | None,
    title: str,
    y_title: str,
    x_col: str = "month",
    fitted: pd.DataFrame | None = None,
    ambition: float | None = None,
    note: str = "",
) -> go.Figure:
    """History, fitted values and a projection fan (80% and 95% intervals).

    Parameters
    ----------
    history : DataFrame
        ``x_col`` and ``observed``.
    projection : DataFrame
        ``x_col``, ``mean``, ``p025``, ``p10``, ``p90``, ``p975`` (the scenario).
    baseline : DataFrame, optional
        ``x_col`` and ``mean`` (the projection without scheme effects), dashed.
    fitted : DataFrame, optional
        ``x_col`` and ``fitted`` (in-sample one-step fitted values).
    ambition : float, optional
        A horizontal target line (e.g. placements a year).
    """
    x = projection[x_col]
    fig = go.Figure()
    fig.add_scatter(
        x=list(x) + list(x[::-1]),
        y=list(projection["p975"]) + list(projection["p025"][::-1]),
        fill="toself",
        fillcolor=BAND_95,
        line={"width": 0},
        name="95% interval",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=list(x) + list(x[::-1]),
        y=list(projection["p90"]) + list(projection["p10"][::-1]),
        fill="toself",
        fillcolor=BAND_80,
        line={"width": 0},
        name="80% interval",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=history[x_col], y=history["observed"], name="Recorded", line={"color": PALETTE["black"], "width": 2}
    )
    if fitted is not None:
        fig.add_scatter(
            x=fitted[x_col],
            y=fitted["fitted"],
            name="Model fit",
            line={"color": PALETTE["green"], "width": 1.5, "dash": "dot"},
        )
    if baseline is not None:
        fig.add_scatter(
            x=baseline[x_col],
            y=baseline["mean"],
            name="Current funding trend",
            line={"color": PALETTE["orange"], "width": 2.5, "dash": "dash"},
        )
    fig.add_scatter(x=x, y=projection["mean"], name="Projection (mean)", line={"color": PALETTE["blue"], "width": 3})
    if ambition is not None:
        fig.add_hline(
            y=ambition,
            line={"color": PALETTE["vermillion"], "dash": "dash", "width": 2},
            annotation_text=f"Ambition {ambition:,.0f}",
            annotation_position="top left",
        )
    base_layout(fig, title, y_title, note=note)
    return fig


def residuals_chart(residuals: pd.Series, title: str) -> go.Figure:
    """In-sample residuals (observed − fitted) by month."""
    fig = go.Figure()
    fig.add_bar(x=residuals.index, y=residuals.to_numpy(), marker_color=PALETTE["grey"], name="residual")
    base_layout(fig, title, "observed − fitted")
    fig.update_yaxes(rangemode="normal")
    return fig
