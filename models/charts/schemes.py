"""Scheme charts: what each scheme avoids (waterfall), before/after, cost per unit avoided.

Pure functions: tidy frames in, Plotly figures out (no streamlit). Inputs are the
frame from :func:`models.money.schemes.scheme_table` and monthly summaries with columns
``month, mean, p10, p50, p90`` (e.g. :func:`models.demand.forecasting.summarise_paths`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from models.charts import BAND_80, PALETTE, base_layout, wrap_label
from models.core.units import fmt_gbp
from models.money.schemes import ADMISSION_METRICS, METRIC_UNITS, WHOLE_FUND
from models.scenario.capacity import METRIC_LABELS

METRIC_COLOURS = {
    "nea": PALETTE["blue"],
    "acs": PALETTE["sky"],
    "nea_65plus": PALETTE["vermillion"],
    "placements": PALETTE["orange"],
    "p1_capacity": PALETTE["green"],
    "p2_capacity": PALETTE["purple"],
    "p3_capacity": PALETTE["grey"],
}


def _schemes_only(table: pd.DataFrame) -> pd.DataFrame:
    return table.loc[table["scheme"] != WHOLE_FUND]


def _num(x: float) -> str:
    # round() gives an int, so a step that rounds to nothing reads "0", not "-0"
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{round(x):,}"


def metric_waterfall(table: pd.DataFrame, baseline_a_year: float, metric: str = "nea", note: str = "") -> go.Figure:
    """Waterfall from the current funding trend a year to the scenario: one step per scheme's change.

    Parameters
    ----------
    table : DataFrame
        From :func:`models.money.schemes.scheme_table` (``change_a_year_*``: activity avoided a year
        by each scheme's budget change against current funding, average over the horizon).
    baseline_a_year : float
        Mean activity a year at current funding over the same horizon (e.g. NEA a year).
    metric : str
        One of nea, acs, nea_65plus, placements. For "nea", ACS and 65+ schemes are included (an
        avoided ACS or 65+ admission is an avoided emergency admission).
    note : str
        Footnote (e.g. "Illustrative demo data").

    Returns
    -------
    go.Figure
        One ``go.Waterfall`` trace: start bar, a negative step per scheme, end total.
    """
    members = list(ADMISSION_METRICS) if metric == "nea" else [metric]
    rows = _schemes_only(table)
    rows = rows.loc[rows["metric"].isin(members)]
    steps = [-float(v) for v in rows["change_a_year_mean"]]
    end = baseline_a_year + sum(steps)
    unit = METRIC_UNITS[metric]
    x = ["Without scheme changes", *rows["scheme"].tolist(), "Scenario"]
    hover = [f"Without scheme changes: {_num(baseline_a_year)} {unit}"]
    for _, r in rows.iterrows():
        hover.append(
            f"{r['scheme']}<br>budget change {fmt_gbp(r['budget_change_gbp'])} a year: "
            f"{_num(-r['change_a_year_mean'])} {unit} "
            f"(P10–P90 {_num(-r['change_a_year_p90'])} to {_num(-r['change_a_year_p10'])})"
        )
    hover.append(f"Scenario: {_num(end)} {unit}")
    fig = go.Figure(
        go.Waterfall(
            x=x,
            y=[baseline_a_year, *steps, end],
            measure=["absolute", *["relative"] * len(steps), "total"],
            text=[_num(baseline_a_year), *[_num(s) for s in steps], _num(end)],
            textposition="outside",
            hovertext=hover,
            hoverinfo="text",
            decreasing={"marker": {"color": PALETTE["green"]}},
            increasing={"marker": {"color": PALETTE["vermillion"]}},
            totals={"marker": {"color": PALETTE["blue"]}},
            connector={"line": {"color": PALETTE["grey"], "width": 1}},
            name=METRIC_LABELS[metric],
        )
    )
    label = METRIC_LABELS[metric]
    base_layout(
        fig, wrap_label(f"{label[0].upper()}{label[1:]} a year: current funding and the scenario's changes", 48),
        unit, note=note
    )
    fig.update_layout(showlegend=False, hovermode="closest")
    levels = np.cumsum([baseline_a_year, *steps])
    spread = float(levels.max() - levels.min())
    if baseline_a_year > 0 and spread < 0.3 * baseline_a_year:
        # zoom so small changes are visible; say so, as bars then do not start at zero
        pad = max(spread, 0.01 * baseline_a_year)
        low = max(0.0, float(levels.min()) - 1.5 * pad)
        fig.update_yaxes(range=[low, float(levels.max()) + 0.5 * pad], rangemode="normal")
        fig.add_annotation(
            text=f"Axis starts at {_num(low)}, not zero",
            xref="paper",
            yref="paper",
            x=1,
            y=1.0,
            showarrow=False,
            xanchor="right",
            font={"size": 12, "color": PALETTE["grey"]},
        )
    return fig


def waterfall(table: pd.DataFrame, baseline_nea_a_year: float, note: str = "") -> go.Figure:
    """Emergency admissions avoided a year by scheme (NEA and ACS schemes), baseline → with schemes."""
    return metric_waterfall(table, baseline_nea_a_year, "nea", note=note)


def before_after(
    months: pd.DatetimeIndex | None,
    baseline_summary: pd.DataFrame,
    scenario_summary: pd.DataFrame,
    metric: str = "nea",
    note: str = "",
) -> go.Figure:
    """Monthly activity without and with the schemes, with the scenario's P10–P90 band.

    Parameters
    ----------
    months : DatetimeIndex or None
        x values; None uses the summaries' ``month`` column.
    baseline_summary, scenario_summary : DataFrame
        Columns ``month, mean, p10, p50, p90`` (activity per month).
    metric : str
        For titles and units.

    Returns
    -------
    go.Figure
        Traces: "Scenario: 80% range" (band), "Without scheme changes", "Scenario".
    """
    x = pd.DatetimeIndex(months if months is not None else scenario_summary["month"])
    unit = METRIC_UNITS[metric].replace("a year", "a month")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([scenario_summary["p90"].to_numpy(float), scenario_summary["p10"].to_numpy(float)[::-1]]),
            fill="toself",
            fillcolor=BAND_80,
            line={"width": 0},
            hoverinfo="skip",
            name="Scenario: 80% range",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=baseline_summary["mean"].to_numpy(float),
            mode="lines",
            line={"color": PALETTE["grey"], "width": 3, "dash": "dash"},
            name="Without scheme changes",
            hovertemplate="%{y:,.0f}",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=scenario_summary["mean"].to_numpy(float),
            mode="lines",
            line={"color": PALETTE["blue"], "width": 3},
            name="Scenario (scheme changes)",
            customdata=np.stack([scenario_summary["p10"], scenario_summary["p90"]], axis=1).astype(float),
            hovertemplate="%{y:,.0f} (80% range %{customdata[0]:,.0f}–%{customdata[1]:,.0f})",
        )
    )
    label = METRIC_LABELS[metric]
    return base_layout(fig, f"{label[0].upper()}{label[1:]} per month: current funding trend and the scenario", unit, note=note)


def cost_per_avoided(table: pd.DataFrame, note: str = "") -> go.Figure:
    """£ of budget per unit avoided, one bar per scheme, with each unit's value as a marker.

    A scheme whose bar stops left of its diamond pays for itself (its cost per unit
    avoided is below what a unit costs). Log scale: a placement is worth ~40× an
    admission. Schemes that avoid nothing get no bar.

    Returns
    -------
    go.Figure
        Traces: one bar trace per metric present, then "Value of one avoided (break-even)".
    """
    rows = _schemes_only(table).iloc[::-1]  # first scheme at the top
    if "kind" in rows:  # capacity schemes are valued by the winter simulation, not per unit avoided
        rows = rows.loc[rows["kind"] != "discharge capacity"]
    fig = go.Figure()
    for metric, grp in rows.groupby("metric", sort=False):
        fig.add_trace(
            go.Bar(
                y=grp["scheme"].map(wrap_label),  # wrapped: long names squeezed the plot off a half-width column
                x=grp["cost_per_avoided_gbp"],
                orientation="h",
                name=METRIC_LABELS.get(str(metric), str(metric)),
                marker={"color": METRIC_COLOURS.get(str(metric), PALETTE["grey"])},
                hovertext=[
                    f"{r['scheme']}: {fmt_gbp(r['cost_per_avoided_gbp'])} per one avoided; "
                    f"budget {fmt_gbp(r['budget_gbp'])}, saves {fmt_gbp(r['gross_savings_gbp'])} a year"
                    for _, r in grp.iterrows()
                ],
                hoverinfo="text",
                text=[fmt_gbp(v) for v in grp["cost_per_avoided_gbp"]],
                textposition="auto",
            )
        )
    fig.add_trace(
        go.Scatter(
            y=rows["scheme"].map(wrap_label),
            x=rows["unit_value_gbp"],
            mode="markers",
            marker={"symbol": "diamond", "size": 13, "color": PALETTE["black"]},
            name="Value of one avoided (break-even)",
            hovertext=[f"One avoided saves {fmt_gbp(v)}" for v in rows["unit_value_gbp"]],
            hoverinfo="text",
        )
    )
    base_layout(
        fig, "Cost per unit avoided, by scheme", "", x_title="£ per one avoided (log scale)", note=note
    )
    fig.update_xaxes(type="log")
    # Plotly orders categories as the traces meet them (metric by metric), which would scramble the schemes when
    # their metrics alternate: fix the order (``rows`` is reversed, and the first category is drawn at the bottom).
    fig.update_yaxes(
        rangemode="normal", automargin=True, categoryorder="array",
        categoryarray=list(rows["scheme"].astype(str).map(wrap_label)),
    )
    fig.update_layout(
        hovermode="closest",
        height=max(420, 60 * len(rows) + 200),
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0.0},
        margin={"t": 70, "b": 140},
    )
    return fig
