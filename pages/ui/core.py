"""The three BCF core metrics on a page: tiles against the maximum levels, the plan years, the quarterly report.

Every figure comes from :mod:`models.pipeline.core_metrics` (the one definition the CLI and the workbooks use);
this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from models.charts.core import core_metric_chart
from models.inputs.areas import AreaData
from models.pipeline.benchmarks import benchmark_line
from models.pipeline.core_metrics import (
    CORE_METRICS,
    DEFINITIONS,
    FORMATS,
    PLAN_YEARS,
    CoreMetric,
    core_metrics,
    format_value,
    metric_history,
    on_track_summary,
    plan_view,
    quarterly_view,
    yearly_table,
)
from models.pipeline.results import Results
from models.pipeline.views import plan_money
from pages.ui.tables import show_table
from pages.ui.text import safe_text
from pages.ui.widgets import lever, show_lever_errors, signed_delta

SHARE_COLUMN = {
    "Chance at or under": st.column_config.ProgressColumn(
        "Chance at or under", format="percent", min_value=0.0, max_value=1.0
    )
}


def metric_tile(col: st.delta_generator.DeltaGenerator, m: CoreMetric) -> None:
    """One core metric: the P50 against the maximum level, its range, its chance and the latest recorded figure."""
    fmt = FORMATS[m.key].lstrip(",")
    col.metric(
        f"{m.label} · {m.period or 'no winter'}",
        format_value(m.key, m.p50),
        signed_delta(m.gap, fmt, f"vs maximum level {format_value(m.key, m.ambition)}") if m.available else None,
        delta_color="inverse",
        help=f"{DEFINITIONS[m.key]} {m.note}",
    )
    if m.available:
        col.caption(
            f"P10–P90 {format_value(m.key, m.p10)} – {format_value(m.key, m.p90)} · **{m.chance:.0%}** chance at or "
            f"under the maximum level · latest recorded {format_value(m.key, m.latest)} ({m.latest_period})"
            + (" · **estimate**" if m.estimate else "")
        )
    else:
        col.caption(m.note)


def core_metric_tiles(res: Results, area: AreaData, keys: Sequence[str] = CORE_METRICS) -> dict[str, CoreMetric]:
    """Tiles for ``keys`` of the three core metrics; returns all three."""
    metrics = core_metrics(res, area)
    for col, key in zip(st.columns(len(keys)), keys, strict=True):
        metric_tile(col, metrics[key])
        line = benchmark_line(area, key)
        if line:  # a real area: beside the metric, its published figure against its region and England
            col.caption("Benchmark: " + safe_text(line))
    return metrics


#: (label, scenario field, max, step, format) of each maximum-level lever.
AMBITION_LEVERS: tuple[tuple[str, str, float, float, str], ...] = (
    (
        "65+ emergency admissions: maximum per 100,000 aged 65+ a year",
        "ambition_nea65_per_100k",
        100_000.0,
        100.0,
        "%.0f",
    ),
    ("Average discharge delay: maximum, days over all discharges", "ambition_delay_days", 60.0, 0.05, "%.2f"),
    (
        "ASCOF 2C care-home admissions 65+: maximum per 100,000 aged 65+",
        "ambition_rate_per_100k",
        10_000.0,
        5.0,
        "%.1f",
    ),
)


def ambition_levers() -> None:
    """Number inputs for the three maximum levels (each change a new validated scenario, or a plain refusal)."""
    for col, (label, field, top, step, fmt) in zip(st.columns(3), AMBITION_LEVERS, strict=True):
        with col:
            lever(st.number_input, label, (field,), min_value=0.0, max_value=top, step=step, format=fmt)
    show_lever_errors()


def core_metrics_section(res: Results, area: AreaData, note: str) -> None:
    """Home's lead: the three core metrics, the plan years and the quarterly on-track report."""
    st.markdown("#### BCF core metrics (2025-27) against the area's maximum levels")
    metrics = core_metric_tiles(res, area)
    st.markdown(on_track_summary(metrics))
    if metrics["nea65"].estimate:
        st.info(metrics["nea65"].note)
    if not st.session_state.get("presentation"):  # on the projector: the tiles and charts, no working panels
        _working_panels(res, area)
    _charts(res, area, metrics, note)


def _working_panels(res: Results, area: AreaData) -> None:
    """The levers and tables behind the tiles, folded away: maximum levels, the plan years, the quarters."""
    with st.expander("Set the maximum levels (the area's ambitions)", expanded=False):
        st.caption("The area sets each maximum level in its BCF plan; the demo's are illustrative.")
        ambition_levers()
    with st.expander("Three-year plan: the settlement years 2026-27 to 2028-29", expanded=False):
        plan = plan_view(res, PLAN_YEARS)
        if plan.empty:
            st.info("The projection does not reach the settlement years: lengthen the horizon (Demand page).")
        else:
            show_table(plan, hide_index=True, width="stretch", column_config=SHARE_COLUMN)
        st.caption(
            "The delay comes from the flow model's first projected winter only; the admissions and care-home rates "
            "for every projected year. Chance: share of the Monte Carlo draws at or under the maximum level."
        )
        money = plan_money(res.scenario)
        show_table(
            money,
            hide_index=True,
            width="stretch",
            column_config={
                "line": "Income and spend (£ a year)",
                **{y: st.column_config.NumberColumn(y, format="£%,.0f") for y in PLAN_YEARS},
            },
        )
        st.caption(
            "Income by source and spend by scheme type as the scenario holds them: flat in cash across the plan "
            "years (no uplift assumed). The Scheme funding page has the fund by source and scheme."
        )
    with st.expander("Quarterly on-track report", expanded=False):
        show_table(quarterly_view(res, area), hide_index=True, width="stretch", column_config=SHARE_COLUMN)
        st.caption(
            "A quarter is on track when its figure is at or under its share of the maximum level: the year's level "
            "× the quarter's share of a year's admissions (the projection's own seasonality; a quarter for care-home "
            "admissions); for the delay, the level itself. Recorded quarters: the latest complete recorded year."
        )


def _charts(res: Results, area: AreaData, metrics: dict[str, CoreMetric], note: str) -> None:
    """One tab per core metric: history, projection and maximum level."""
    tabs = st.tabs([metrics[k].label for k in CORE_METRICS])
    yearly = yearly_table(res)
    for tab, key in zip(tabs, CORE_METRICS, strict=True):
        m = metrics[key]
        fig = core_metric_chart(
            metric_history(area, res.scenario, key),
            yearly.loc[yearly["metric"] == key],
            m.ambition,
            m.label,
            m.unit,
            note=note,
            decimals=2 if key == "delay" else 0,
        )
        tab.plotly_chart(fig, width="stretch", key=f"core_{key}")
        tab.caption(f"{DEFINITIONS[key]} {m.note}")
