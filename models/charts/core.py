"""Charts of the three BCF core metrics against the area's maximum levels (pure: data in, Plotly figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from models.charts import PALETTE, base_layout


def core_metric_chart(
    history: pd.DataFrame,
    projected: pd.DataFrame,
    ambition: float,
    title: str,
    y_title: str,
    note: str = "",
    decimals: int = 0,
) -> go.Figure:
    """One core metric by financial year: the recorded history, the projection's P50 with its P10–P90 range, and the
    maximum level as a dashed line.

    Parameters
    ----------
    history : DataFrame
        ``fy``, ``value``, ``measure`` (what each recorded figure is: "recorded", "estimate", "ASCOF 2A(2)" …).
        Estimated points are drawn hollow.
    projected : DataFrame
        ``fy`` (or ``period`` shown as the x label when given), ``p10``, ``p50``, ``p90`` (the metric's unit).
    ambition : float
        The maximum level (same unit).
    title, y_title, note : str
    decimals : int
        Decimal places in the hover text.
    """
    fig = go.Figure()
    fmt = f",.{decimals}f"
    for measure, group in history.groupby("measure", sort=False):
        estimated = "estimate" in str(measure).lower()
        fig.add_scatter(
            x=group["fy"],
            y=group["value"],
            mode="lines+markers",
            name=f"Recorded: {measure}",
            line={"color": PALETTE["grey"] if estimated else PALETTE["black"], "width": 2},
            marker={"size": 8, "symbol": "circle-open" if estimated else "circle"},
            hovertemplate=f"%{{x}}: %{{y:{fmt}}} ({measure})<extra></extra>",
        )
    x = projected["period"] if "period" in projected else projected["fy"]
    fig.add_scatter(
        x=x,
        y=projected["p50"],
        mode="lines+markers",
        name="Projection P50 (P10–P90 bars)",
        line={"color": PALETTE["blue"], "width": 2.5},
        marker={"size": 9},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": projected["p90"] - projected["p50"],
            "arrayminus": projected["p50"] - projected["p10"],
            "color": PALETTE["blue"],
            "thickness": 1.5,
        },
        customdata=projected[["p10", "p90"]].to_numpy(),
        hovertemplate=f"%{{x}}: P50 %{{y:{fmt}}} (P10 %{{customdata[0]:{fmt}}} – P90 %{{customdata[1]:{fmt}}})"
        "<extra></extra>",
    )
    fig.add_hline(
        y=ambition,
        line={"color": PALETTE["vermillion"], "dash": "dash", "width": 2},
        annotation_text=f"Maximum level {ambition:{fmt}}",
        annotation_position="top left",
    )
    base_layout(fig, title, y_title, note=note)
    fig.update_layout(hovermode="closest", xaxis={"type": "category"})
    return fig
