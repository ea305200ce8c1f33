"""A real area's provenance on the Data page: the estimate, each figure's source, coverage and benchmarks."""

from __future__ import annotations

import streamlit as st

from models.inputs.areas import AreaData
from models.pipeline.benchmarks import PROVENANCE_COLUMNS, benchmark_table, low_coverage_months
from pages.ui.tables import show_table
from pages.ui.text import safe_text


def estimate_notice(area: AreaData) -> None:
    """Say plainly which series are estimates and how to replace them."""
    if not area.meta.estimated:
        return
    st.warning(
        "**Emergency admissions are an ESTIMATE for this area**, not recorded counts: "
        + safe_text(area.meta.estimate_notes.get("nea", ""))
        + ". The projection is level-only (the estimated level grown with the population). Upload the area's own "
        "`admissions_monthly.csv` below: it replaces the estimate, and the rest of the area (population, care-home "
        "admissions, discharge delays, pathways, schemes) stays."
    )


def real_area_provenance(area: AreaData) -> None:
    """Each published figure with its source and period; discharge-ready-date months with their coverage flag;
    the area against its region and England."""
    st.markdown(f"**Where {safe_text(area.meta.name)}'s figures come from** (ONS code {safe_text(area.meta.code)})")
    prov = area.extras.get("provenance")
    if prov is not None and len(prov):
        show_table(
            prov.astype({"value": str}),
            hide_index=True,
            width="stretch",
            column_config=PROVENANCE_COLUMNS,
        )
    drd = area.extras.get("history_drd")
    if drd is not None and len(drd):
        low = low_coverage_months(area)
        st.markdown("**Discharge-ready-date months** (the area's residents, NHS England)")
        if low:
            st.warning(
                f"{len(low)} of {len(drd)} months have low coverage (the area's main trust probably did not meet "
                "NHS England's acceptance criteria): they are flagged and left out of the area's figures, never "
                "averaged in: " + ", ".join(low) + "."
            )
        show_table(
            drd,
            hide_index=True,
            width="stretch",
            column_config={
                "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                "discharges": st.column_config.NumberColumn("Discharges", format="%,d"),
                "pct_on_ready_date": st.column_config.NumberColumn("% on the ready date", format="%.1f"),
                "mean_delay_delayed_days": st.column_config.NumberColumn("Mean delay of the delayed (days)"),
                "average_delay_all_days": st.column_config.NumberColumn("Average delay, all (days)", format="%.3f"),
                "discharges_per_1000_pop": st.column_config.NumberColumn("Discharges per 1,000 residents"),
                "coverage": "Coverage",
                "coverage_reason": "Why",
            },
        )
    summary = area.extras.get("drd_summary")
    if summary is not None and len(summary):
        show_table(summary, hide_index=True, width="stretch")
    bench = benchmark_table(area)
    if len(bench):
        st.markdown("**Benchmarks: the area against its region and England** (published figures)")
        show_table(bench.drop(columns=["key"]), hide_index=True, width="stretch")
