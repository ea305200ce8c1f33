"""Charts for population growth and demand projections (pure functions → Plotly figures)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from models.charts import BAND_80, BAND_95, PALETTE, SEQUENCE, base_layout, figure, layout_spec

BAND_COLOURS = dict(zip(("0-17", "18-64", "65-74", "75-84", "85+"), SEQUENCE, strict=False))


def population_bands(population: pd.DataFrame, base_year: int, note: str = "") -> go.Figure:
    """Residents by age band a year: recorded to the base year, projected after (dotted).

    Parameters
    ----------
    population : DataFrame
        ``year``, ``age_band``, ``population`` (persons).
    """
    traces = []
    for band, grp in population.groupby("age_band", sort=False):
        grp = grp.sort_values("year")
        colour = BAND_COLOURS.get(str(band), PALETTE["grey"])
        years, people = grp["year"].to_numpy(), grp["population"].to_numpy()
        hist, proj = years <= base_year, years >= base_year
        common = {"type": "scatter", "legendgroup": str(band)}
        traces.append(
            {**common, "x": years[hist], "y": people[hist], "name": str(band), "line": {"color": colour, "width": 3}}
        )
        traces.append(
            {
                **common,
                "x": years[proj],
                "y": people[proj],
                "name": f"{band} projected",
                "line": {"color": colour, "width": 3, "dash": "dot"},
                "showlegend": False,
            }
        )
    layout = layout_spec("Residents by age band (dotted: projected)", "residents (log scale)", "mid-year", note)
    layout["yaxis"]["type"] = "log"
    layout["shapes"] = [_vline(base_year)]
    return figure(traces, layout)


def growth_vs_demand(index: pd.DataFrame, base_year: int, note: str = "") -> go.Figure:
    """Population growth against age-weighted demand growth, both relative to the base year.

    Parameters
    ----------
    index : DataFrame
        ``year``, ``population_index`` and ``index`` (age-weighted, base year = 1).
    """
    df = index[index["year"] >= base_year]
    years = df["year"].to_numpy()
    lines = [
        ("population_index", "Population growth", {"color": PALETTE["sky"], "width": 3}),
        ("index", "Age-weighted demand growth (NEA)", {"color": PALETTE["vermillion"], "width": 3}),
    ]
    if "acs_index" in df:
        lines.append(
            ("acs_index", "Age-weighted demand growth (ACS)", {"color": PALETTE["orange"], "width": 2, "dash": "dot"})
        )
    traces = [
        {
            "type": "scatter",
            "x": years,
            "y": (df[col].to_numpy() - 1) * 100,
            "name": name,
            "line": line,
            "mode": "lines+markers",
        }
        for col, name, line in lines
    ]
    layout = layout_spec(f"Growth since {base_year}: people vs demand", "% change on base year", "mid-year", note)
    layout["yaxis"].update(rangemode="normal", ticksuffix="%")
    return figure(traces, layout)


def _vline(x: float) -> dict:
    """A dashed vertical line across the plot at ``x`` (as ``add_vline`` draws it, without its cost)."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": PALETTE["grey"], "dash": "dash"},
    }


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
    x = list(projection[x_col])
    back = x[::-1]
    band = {"type": "scatter", "mode": "lines", "fill": "toself", "line": {"width": 0}, "hoverinfo": "skip"}
    traces = [
        {
            **band,
            "x": x + back,
            "y": list(projection["p975"]) + list(projection["p025"])[::-1],
            "fillcolor": BAND_95,
            "name": "95% interval",
        },
        {
            **band,
            "x": x + back,
            "y": list(projection["p90"]) + list(projection["p10"])[::-1],
            "fillcolor": BAND_80,
            "name": "80% interval",
        },
        {
            "type": "scatter",
            "x": list(history[x_col]),
            "y": list(history["observed"]),
            "name": "Recorded",
            "line": {"color": PALETTE["black"], "width": 2},
        },
    ]
    if fitted is not None:
        traces.append(
            {
                "type": "scatter",
                "x": list(fitted[x_col]),
                "y": list(fitted["fitted"]),
                "name": "Model fit",
                "line": {"color": PALETTE["green"], "width": 1.5, "dash": "dot"},
            }
        )
    if baseline is not None:
        traces.append(
            {
                "type": "scatter",
                "x": list(baseline[x_col]),
                "y": list(baseline["mean"]),
                "name": "Without scheme changes",
                "line": {"color": PALETTE["orange"], "width": 2.5, "dash": "dash"},
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": x,
            "y": list(projection["mean"]),
            "name": "Projection (mean)",
            "line": {"color": PALETTE["blue"], "width": 3},
        }
    )
    layout = layout_spec(title, y_title, note=note)
    if not pd.api.types.is_datetime64_any_dtype(projection[x_col]):
        # Categories (financial years "2025-26") in time order: Plotly orders them as the traces
        # first meet them, which would put the projection's years before the recorded ones.
        years = sorted({*map(str, history[x_col]), *map(str, x)})
        layout["xaxis"].update(type="category", categoryorder="array", categoryarray=years)
    if ambition is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": ambition,
                "y1": ambition,
                "line": {"color": PALETTE["vermillion"], "dash": "dash", "width": 2},
            }
        ]
        layout["annotations"].append(
            {
                "text": f"Ambition {ambition:,.0f}",
                "xref": "paper",
                "yref": "y",
                "x": 0,
                "y": ambition,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
    return figure(traces, layout)


def residuals_chart(residuals: pd.Series, title: str) -> go.Figure:
    """In-sample residuals (observed − fitted) by month."""
    fig = go.Figure()
    fig.add_bar(x=residuals.index, y=residuals.to_numpy(), marker_color=PALETTE["grey"], name="residual")
    base_layout(fig, title, "observed − fitted")
    fig.update_yaxes(rangemode="normal")
    return fig
