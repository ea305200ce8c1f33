"""Charts for the discharge-flow and bed-sizing models (pure functions → Plotly figures)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from models.charts import BAND_80, PALETTE, base_layout


def occupancy_fan(weekly: pd.DataFrame, note: str = "", reference: pd.DataFrame | None = None) -> go.Figure:
    """Weekly bed occupancy through the winter: mean and P10–P90 across replications, with 92% and 100% lines.

    Parameters
    ----------
    weekly : DataFrame
        ``week_start``, ``mean``, ``p10``, ``p90`` (occupancy, % of open beds), ``beds``,
        ``boarding_mean`` (patients waiting in ED for a bed, optional).
    reference : DataFrame, optional
        The same for the current-funding baseline: drawn as a grey line.
    """
    x = weekly["week_start"]
    fig = go.Figure()
    fig.add_scatter(
        x=list(x) + list(x[::-1]),
        y=list(weekly["p90"]) + list(weekly["p10"][::-1]),
        fill="toself",
        fillcolor=BAND_80,
        line={"width": 0},
        name="P10–P90 (demand, schemes and day-to-day variation)",
        hoverinfo="skip",
    )
    if reference is not None:
        fig.add_scatter(
            x=reference["week_start"],
            y=reference["mean"],
            name="Current funding trend (mean)",
            line={"color": PALETTE["grey"], "width": 2, "dash": "dash"},
            hovertemplate="current funding: %{y:.1f}%",
        )
    custom = weekly[["beds", "boarding_mean"]] if "boarding_mean" in weekly else weekly[["beds"]].assign(b=0.0)
    fig.add_scatter(
        x=x,
        y=weekly["mean"],
        name="Scenario (mean)",
        line={"color": PALETTE["blue"], "width": 3},
        customdata=custom.to_numpy(),
        hovertemplate="%{y:.1f}% of %{customdata[0]:.0f} beds; %{customdata[1]:.1f} waiting in ED",
    )
    fig.add_hline(
        y=92,
        line={"color": PALETTE["orange"], "dash": "dash", "width": 2},
        annotation_text="92% (NHS planning maximum)",
        annotation_position="bottom left",
    )
    fig.add_hline(
        y=100,
        line={"color": PALETTE["vermillion"], "dash": "dot", "width": 2},
        annotation_text="100%: every bed full, arrivals wait in ED",
        annotation_position="top left",
    )
    base_layout(fig, "Acute bed occupancy through the winter, by week", "% of open beds occupied", note=note)
    fig.update_yaxes(rangemode="normal", ticksuffix="%", range=[min(70.0, float(weekly["p10"].min()) - 2), 101.5])
    return fig


def options_chart(options: pd.DataFrame, note: str = "") -> go.Figure:
    """Bed days each option frees this winter (delayed days and ED boarding days avoided) and its extra cost."""
    df = options[options["option"] != "baseline"]
    fig = go.Figure()
    fig.add_bar(
        x=df["option"],
        y=df["delayed_days_avoided"],
        name="Delayed bed days avoided",
        marker_color=PALETTE["green"],
        yaxis="y",
        offsetgroup=1,
    )
    fig.add_bar(
        x=df["option"],
        y=df["boarding_days_avoided"],
        name="ED boarding days avoided",
        marker_color=PALETTE["sky"],
        yaxis="y",
        offsetgroup=2,
    )
    fig.add_bar(
        x=df["option"],
        y=df["extra_cost"] / 1e3,
        name="Extra cost, £k (right axis)",
        marker_color=PALETTE["orange"],
        yaxis="y2",
        offsetgroup=3,
    )
    base_layout(fig, "What each option buys this winter", "days avoided (negative: more)", note=note)
    fig.update_layout(
        barmode="group",
        yaxis2={
            "title": "extra cost, £k",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
        hovermode="closest",
    )
    return fig


def occupancy_risk(curve: pd.DataFrame, offered_load: float, note: str = "") -> go.Figure:
    """Refusal probability (Erlang B) and mean occupancy as the bed base varies, for one offered load."""
    fig = go.Figure()
    fig.add_scatter(
        x=curve["beds"],
        y=curve["refusal_probability"] * 100,
        name="Chance all beds are full (Erlang B)",
        line={"color": PALETTE["vermillion"], "width": 3},
    )
    fig.add_scatter(
        x=curve["beds"],
        y=curve["mean_occupancy"] * 100,
        name="Mean occupancy (right axis)",
        line={"color": PALETTE["blue"], "width": 3, "dash": "dash"},
        yaxis="y2",
    )
    base_layout(fig, f"Risk by bed base (load {offered_load:,.0f})", "% of arrivals finding no bed", "beds", note)
    fig.update_layout(
        yaxis2={"title": "mean occupancy, %", "overlaying": "y", "side": "right", "range": [0, 100], "showgrid": False}
    )
    return fig


def size_matters(table: pd.DataFrame, target_refusal: float) -> go.Figure:
    """Occupancy achievable at a fixed refusal target, by size of unit: why one occupancy target cannot suit all."""
    fig = go.Figure()
    fig.add_scatter(
        x=table["beds"],
        y=table["mean_occupancy"] * 100,
        mode="lines+markers",
        line={"color": PALETTE["green"], "width": 3},
        name=f"Occupancy at {target_refusal:.1%} refusal",  # the slider goes down to 0.1%: whole percent reads 0%
    )
    for level, colour in ((85, PALETTE["sky"]), (92, PALETTE["orange"])):
        fig.add_hline(y=level, line={"color": colour, "dash": "dash"}, annotation_text=f"{level}% target")
    base_layout(
        fig, "Bigger units can run fuller", f"mean occupancy at {target_refusal:.1%} refusal, %", "beds in the unit"
    )
    fig.update_xaxes(type="log")
    return fig
