"""Chart for the capacity optimiser (pure: the cost curve table in, a Plotly figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from models.charts import SEQUENCE, base_layout, money_ticks
from models.core.units import fmt_gbp_change


def cost_curve(curve: pd.DataFrame, note: str = "") -> go.Figure:
    """How much more each lever ± 1 … k units around the answer costs (the others held), paired over the draws.

    Parameters
    ----------
    curve : DataFrame
        :func:`models.pipeline.optimise.curve_table`: ``lever``, ``label``, ``offset`` (units from the answer),
        ``value``, ``change`` (paired mean difference to the answer, £ this winter), ``se`` (its standard error,
        £), ``chance`` and ``feasible`` (whether the mix meets the delay target).

    Each lever is a line through the answer (offset 0, £0); the error bars are ± 2 standard errors of the paired
    difference (a point whose bar crosses £0 cannot be told apart from the answer); a hollow marker misses the
    delay target or the spending cap.
    """
    fig = go.Figure()
    for i, (lever, part) in enumerate(curve.groupby("lever", sort=False)):
        part = part.sort_values("offset")
        colour = SEQUENCE[i % len(SEQUENCE)]
        fig.add_scatter(
            x=part["offset"],
            y=part["change"],
            mode="lines+markers",
            name=str(part["label"].iloc[0]),
            line={"color": colour, "width": 2},
            marker={
                "size": 10,
                "color": [colour if ok else "white" for ok in part["feasible"]],
                "line": {"color": colour, "width": 2},
                "symbol": "circle",
            },
            error_y={"type": "data", "array": 2.0 * part["se"], "visible": True, "thickness": 1},
            customdata=list(
                zip(part["value"], part["chance"], [fmt_gbp_change(v) for v in part["change"]], strict=True)
            ),
            hovertemplate="%{customdata[0]:,} units: %{customdata[2]} against the answer"
            "<br>chance of meeting the maximum level %{customdata[1]:.0%}<extra></extra>",
            legendgroup=str(lever),
        )
    fig.add_hline(y=0, line={"color": "#7F7F7F", "dash": "dash", "width": 1})
    base_layout(
        fig,
        "Cost around the answer: each lever moved on its own, the others held",
        "£ this winter more than the answer",
        note=note,
    )
    top = float((curve["change"] + 2.0 * curve["se"]).max()) if len(curve) else 1.0
    low = float((curve["change"] - 2.0 * curve["se"]).min()) if len(curve) else 0.0
    fig.update_yaxes(**money_ticks(min(low, 0.0), max(top, 1.0)))
    fig.update_xaxes(title="units from the answer", dtick=1, zeroline=False)
    return fig
