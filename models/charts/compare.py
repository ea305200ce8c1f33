"""Charts for the Compare scenarios page: each scenario overlaid on one chart (pure Plotly)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from models.charts import SEQUENCE, base_layout


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def overlay_fans(frame: pd.DataFrame, x: str, title: str, y_title: str, note: str = "") -> go.Figure:
    """One line (P50) and 80% band (P10–P90) per scenario; ``frame`` has scenario, ``x``, p10, p50, p90."""
    fig = go.Figure()
    for i, (name, d) in enumerate(frame.groupby("scenario", sort=False)):
        colour = SEQUENCE[i % len(SEQUENCE)]
        fig.add_scatter(x=d[x], y=d["p90"], line={"width": 0}, showlegend=False, hoverinfo="skip", legendgroup=str(i))
        fig.add_scatter(
            x=d[x],
            y=d["p10"],
            line={"width": 0},
            fill="tonexty",
            fillcolor=_rgba(colour, 0.15),
            showlegend=False,
            hoverinfo="skip",
            legendgroup=str(i),
        )
        fig.add_scatter(
            x=d[x],
            y=d["p50"],
            name=str(name),
            line={"color": colour, "width": 3, "dash": ["solid", "dash", "dot", "dashdot"][i % 4]},
            legendgroup=str(i),
            hovertemplate="%{y:,.0f}",
        )
    base_layout(fig, title, y_title, note=note)
    fig.update_yaxes(rangemode="normal", tickformat=",")
    return fig


def difference_bars(table: pd.DataFrame, first: str, others: list[str], figures: dict[str, str]) -> go.Figure:
    """Each scenario's difference to the first, in % of the first's value, for the chosen headline ``figures``.

    ``table`` is :func:`models.pipeline.compare.comparison_table`; ``figures`` maps a figure key to its label.
    """
    fig = go.Figure()
    rows = table[table["figure"].isin(list(figures))].set_index("figure").reindex(list(figures))
    base = rows[first].replace(0, float("nan"))
    for i, lab in enumerate(others, start=1):
        pct = (rows[lab] - rows[first]) / base.abs() * 100
        fig.add_bar(
            y=[figures[k] for k in rows.index],
            x=pct,
            orientation="h",
            name=lab,
            marker_color=SEQUENCE[i % len(SEQUENCE)],
            hovertemplate="%{x:+.1f}%",
        )
    base_layout(fig, f"Difference to {first}", "", x_title=f"% of {first}")
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    fig.update_xaxes(ticksuffix="%", zeroline=True, zerolinewidth=2)
    return fig
