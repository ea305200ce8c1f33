"""Charts of an area's recorded history (no model involved)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from models.charts import PALETTE, base_layout


def monthly_admissions(admissions: pd.DataFrame, note: str = "") -> go.Figure:
    """Emergency (NEA) and avoidable (ACS) admissions per month, ACS on a second axis.

    Parameters
    ----------
    admissions : DataFrame
        Columns ``month``, ``nea``, ``acs`` (admissions a month).
    """
    fig = go.Figure()
    fig.add_scatter(
        x=admissions["month"],
        y=admissions["nea"],
        name="Emergency admissions (NEA)",
        line={"color": PALETTE["blue"], "width": 2.5},
    )
    fig.add_scatter(
        x=admissions["month"],
        y=admissions["acs"],
        name="Avoidable (ACS) admissions, right axis",
        line={"color": PALETTE["orange"], "width": 2.5, "dash": "dot"},
        yaxis="y2",
    )
    base_layout(fig, "Emergency admissions of residents, a month", "NEA a month", note=note)
    fig.update_layout(
        yaxis2={"title": "ACS a month", "overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False}
    )
    return fig


def placements_rate(annual: pd.DataFrame, ambition_rate: float, note: str = "") -> go.Figure:
    """Permanent admissions to care homes, 65+, per 100,000 aged 65+, by financial year, with the ambition line.

    Parameters
    ----------
    annual : DataFrame
        Columns ``fy`` ("2021-22"), ``placements`` (a year), ``rate_per_100k`` (per 100,000 aged 65+).
    ambition_rate : float
        The area's ambition, per 100,000 aged 65+.
    """
    fig = go.Figure()
    fig.add_bar(
        x=annual["fy"],
        y=annual["rate_per_100k"],
        name="Rate per 100,000 aged 65+",
        marker_color=PALETTE["green"],
        customdata=annual["placements"],
        hovertemplate="%{x}: %{y:.0f} per 100k (%{customdata:.0f} placements)<extra></extra>",
    )
    fig.add_hline(
        y=ambition_rate,
        line={"color": PALETTE["vermillion"], "dash": "dash", "width": 2},
        annotation_text=f"Ambition {ambition_rate:.0f}",
        annotation_position="top left",
    )
    base_layout(
        fig, "Care-home placements 65+ per 100,000 aged 65+, by financial year", "per 100,000 aged 65+", note=note
    )
    fig.update_layout(hovermode="closest")
    return fig
