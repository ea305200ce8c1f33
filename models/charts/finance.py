"""Finance charts: each partner's distribution of net position, the tornado of inputs.

Pure functions: arrays and tidy frames in, Plotly figures out (no streamlit).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from models.charts import SEQUENCE, base_layout, money_ticks
from models.core.units import fmt_gbp

DISTRIBUTION_TITLE = "Each partner's net position over the horizon"
TORNADO_TITLE = "What moves each partner's median (P50) position most"


def position_violins(
    positions: np.ndarray, partners: Sequence[str], exceed_gbp: float | None = None, note: str = ""
) -> go.Figure:
    """One violin per partner of its net position over the horizon (£, + = overspend carried),
    with P10 / P50 / P90 marked (black ticks) and, optionally, the stated amount as a line. The
    axis shows the 1st–99th percentiles of all draws (the violins run on beyond it).

    ``positions`` has shape (n_draws, n_partners). Trace names are the partners' names; each
    trace's ``customdata`` holds its [P10, P50, P90] (read by tests).
    """
    fig = go.Figure()
    q = np.quantile(positions, [0.1, 0.5, 0.9], axis=0)
    for k, name in enumerate(partners):
        label = html.escape(str(name))
        x = positions[:, k]
        fig.add_trace(
            go.Violin(
                y=x,
                name=label,
                box_visible=False,
                meanline_visible=False,
                points=False,
                line_color=SEQUENCE[k % len(SEQUENCE)],
                customdata=[list(map(float, q[:, k]))],
                hoverinfo="skip",
                spanmode="hard",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[label] * 3,
                y=[float(v) for v in q[:, k]],
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 40, "line": {"width": 3}, "color": "#000000"},
                customdata=["P10", "P50", "P90"],
                showlegend=False,
                hovertemplate=f"{label} %{{customdata}}: £%{{y:,.0f}}<extra></extra>",
            )
        )
    lo, hi = (float(v) for v in np.quantile(positions, [0.01, 0.99])) if positions.size else (0.0, 1.0)
    pad = 0.1 * max(hi - lo, 1.0)
    lo, hi = min(lo, 0.0, exceed_gbp or 0.0), max(hi, 0.0, exceed_gbp or 0.0)
    if exceed_gbp is not None:
        fig.add_hline(y=exceed_gbp, line_dash="dot", annotation_text=f"stated amount {fmt_gbp(exceed_gbp)}")
    fig.add_hline(y=0.0, line_color="#7F7F7F", line_width=1)
    base_layout(
        fig, DISTRIBUTION_TITLE, "£ over the horizon (+ overspend, − money back)",
        note=(note + " · " if note else "") + "ticks: P10, P50, P90; axis: 1st–99th percentile",
    )
    fig.update_yaxes(rangemode="normal", range=[lo - pad, hi + pad], **money_ticks(lo - pad, hi + pad))
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def tornado_chart(table: pd.DataFrame, partner: str, note: str = "") -> go.Figure:
    """Horizontal bars of one partner's P50 at the low and high end of each input, around its P50.

    ``table`` from :func:`models.money.riskshare.tornado_table` (any order). The inputs are ordered by this
    partner's own swing (|high − low|, £), widest at the top: the table's order is by the widest swing over all
    partners, which would put an input that does not move this partner (a £0 swing) near the top. Bars run from
    the partner's P50 to its P50 at each end; hover text and ``customdata`` give the P50 at that end (£).
    """
    t = table.loc[table["partner"] == partner].copy()
    t["_swing"] = (t["p50_high_gbp"] - t["p50_low_gbp"]).abs()
    t = t.sort_values("_swing", ascending=False, kind="stable")
    t = t.iloc[::-1]  # Plotly draws the first category at the bottom: the widest swing goes last, at the top
    base = float(t["p50_base_gbp"].iloc[0]) if len(t) else 0.0
    fig = go.Figure()
    for col, lab, colour in (("p50_low_gbp", "low_label", SEQUENCE[0]), ("p50_high_gbp", "high_label", SEQUENCE[1])):
        fig.add_trace(
            go.Bar(
                y=t["input"],
                x=t[col] - base,
                base=base,
                orientation="h",
                name="low end" if col == "p50_low_gbp" else "high end",
                marker_color=colour,
                text=t[lab],
                customdata=t[col].to_numpy(dtype=float),
                textposition="inside",
                hovertemplate="%{y} (%{text}): P50 £%{customdata:,.0f}<extra></extra>",
            )
        )
    fig.add_vline(x=base, line_color="#000000", line_width=1)
    base_layout(fig, f"{TORNADO_TITLE}: {html.escape(partner)}", "", "P50 net position over the horizon, £", note)
    fig.update_layout(barmode="overlay", hovermode="closest", height=120 + 45 * max(len(t), 1))
    ends = [base, *t["p50_low_gbp"].astype(float), *t["p50_high_gbp"].astype(float)]
    fig.update_xaxes(**money_ticks(min(ends), max(ends), 5))  # UK style: −£2m, not £−2,000,000
    return fig
