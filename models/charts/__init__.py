"""Pure chart builders: each function takes tidy frames and returns a Plotly figure.

Shared look: a colour-blind-safe palette (Okabe–Ito), readable type for a
projector, and an "illustrative" note when the demo data are shown.
"""

from __future__ import annotations

import plotly.graph_objects as go

# Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
    "black": "#000000",
}
SEQUENCE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "grey", "yellow")]
BAND_80 = "rgba(0, 114, 178, 0.30)"
BAND_95 = "rgba(0, 114, 178, 0.15)"


def base_layout(fig: go.Figure, title: str, y_title: str, x_title: str = "", note: str = "") -> go.Figure:
    """Apply the shared layout: title, axis titles, legend on top, optional footnote."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 20}},
        template="plotly_white",
        font={"size": 15},
        colorway=SEQUENCE,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0.0},
        margin={"l": 60, "r": 20, "t": 120, "b": 80 if note else 50},
        hovermode="x unified",
    )
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    fig.update_xaxes(title_text=x_title)
    if note:
        fig.add_annotation(
            text=note,
            xref="paper",
            yref="paper",
            x=0,
            y=-0.18,
            showarrow=False,
            font={"size": 12, "color": PALETTE["grey"]},
            xanchor="left",
        )
    return fig
