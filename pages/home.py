"""Home: the area, its data period and the headline history."""

from __future__ import annotations

import html
import math

import streamlit as st

from models.charts.history import monthly_admissions, placements_rate
from models.core.units import fmt_gbp, fmt_gbp_change
from models.inputs.history import placements_by_fy
from models.money.riskshare import summary_change
from models.pipeline.results import HEADLINE_LABELS, headline, headline_change, is_reference, reference_scenario
from models.pipeline.views import data_period, history_table, latest_year
from pages.ui.cache import finance_result, results
from pages.ui.core import core_metrics_section
from pages.ui.downloads import downloads
from pages.ui.state import area, ensure_frame, reference, scenario
from pages.ui.tables import show_table
from pages.ui.text import how_calculated, safe_text
from pages.ui.widgets import signed_delta

ensure_frame()

a = area()
sc = scenario()
note = "Illustrative demo data (synthetic)" if a.meta.synthetic else f"Source: {html.escape(a.meta.provenance[:80])}"

st.title("BCF Scenario Lab")
st.markdown(
    "Test Better Care Fund scenarios before committing money against the three 2025-27 core metrics and the "
    "area's maximum levels: emergency admissions 65+, average discharge delay and long-term care-home admissions "
    "65+ (ASCOF 2C); what funded schemes avoid, who pays and who carries the risk, winter beds and discharge "
    "capacity."
)
adm = a.admissions
first, last = data_period(a)
st.markdown(
    f"**{safe_text(a.meta.name)}** · data {first:%B %Y} – {last:%B %Y} · population base year {a.meta.base_year} · "
    f"scenario **{safe_text(sc.name)}**"
)

st.subheader(f"Scenario: {safe_text(sc.name)}")
res = results()
core_metrics_section(res, a, note)
is_ref = is_reference(a, sc)
h = headline(res)
d = {} if is_ref else headline_change(res, results(reference()))
first_fy = res.projection.first_fy
vs = "vs current funding"


def change(key: str, fmt: str) -> str | None:
    """Delta against current funding (none when this scenario is it, or when it rounds to no change)."""
    return None if is_ref else signed_delta(d[key], fmt.lstrip("+"), vs)


if is_ref:
    st.caption("This scenario is current funding itself: every scheme at today's budget, default levers.")


st.markdown("**Other headline figures**")
t1, t2, t3, t4 = st.columns(4)
t1.metric(
    f"Emergency admissions {first_fy}",
    f"{h['nea_first_fy']:,.0f}",
    change("nea_first_fy", "+,.0f"),
    delta_color="inverse",
    help="Projected emergency (non-elective) admissions in the first projected financial year, mean of the draws",
)
t2.metric(
    f"Care-home placements 65+ {first_fy}",
    f"{h['placements_first_fy']:,.0f}",
    change("placements_first_fy", "+,.1f"),
    delta_color="inverse",
    help=f"{h['placements_rate_first_fy']:.0f} per 100,000 aged 65+ against the ambition of "
    f"{sc.ambition_rate_per_100k:.0f} ({h['p_meet_placements_ambition']:.0%} chance of meeting "
    f"{sc.ambition_placements:,} placements or fewer)",
)
w = res.winter
if w is not None:
    t3.metric(
        f"Winter {w.start:%Y}-{w.end:%y} occupancy",
        f"{h['winter_mean_occupancy_pct']:.1f}%",
        change("winter_mean_occupancy_pct", "+.1f"),
        delta_color="inverse",
        help=f"Mean occupancy of open beds, {w.start:%-d %b %Y} – "
        f"{w.end:%-d %b %Y}: {h['winter_days_full']:.0f} days with every bed full; {h['winter_delayed_bed_days']:,.0f} delayed "
        f"bed days and {h['winter_boarding_days']:,.0f} patient-days waiting in ED (same definitions as the winter page)",
    )
    if not w.can_cope:
        st.warning(
            "**The winter figures are not a forecast**: average demand is above capacity, so a queue grows every "
            "day. " + " ".join(w.cope_messages[:1]) + " See Discharge and winter beds."
        )
else:
    t3.metric("Winter", "–", "projection too short for a winter", delta_color="off", delta_arrow="off")
t4.metric(
    "Pooled fund (schemes, £ a year)",
    fmt_gbp(h["fund_budget_gbp"]),
    "current funding" if h["fund_budget_change_gbp"] == 0 else f"{fmt_gbp_change(h['fund_budget_change_gbp'])} {vs}",
    delta_color="off",
    delta_arrow="off",
)
if w is not None:
    u1, u2, u3, u4 = st.columns(4)
    for col, key, fmt in (
        (u1, "winter_delayed_bed_days", ",.0f"),
        (u2, "winter_boarding_days", ",.0f"),
        (u3, "winter_days_full", ".0f"),
    ):
        label = HEADLINE_LABELS[key].replace("boarding days (waiting in ED for a bed)", "ED boarding days")
        col.metric(label, f"{h[key]:{fmt}}", change(key, "+" + fmt), delta_color="inverse")
    u4.metric(
        "Winter capacity spend",
        fmt_gbp(h["winter_capacity_spend_gbp"]),
        "current funding" if is_ref else f"{fmt_gbp_change(d['winter_capacity_spend_gbp'])} {vs}",
        delta_color="off",
        delta_arrow="off",
    )
fin = finance_result(sc)
fin_ref = fin if is_ref else finance_result(reference_scenario(a, sc, with_terms=True))
moved = summary_change(fin.summary, fin_ref.summary)
for col, row, dp in zip(
    st.columns(max(len(fin.summary), 3)), fin.summary.itertuples(), moved.itertuples(), strict=False
):
    col.metric(
        f"{safe_text(row.partner)}: net position P50 / P90",
        f"{fmt_gbp(row.p50_gbp)} / {fmt_gbp(row.p90_gbp)}",
        "current funding"
        if is_ref or math.isnan(dp.p50_change_gbp)  # a partner current funding does not have
        else f"{fmt_gbp_change(dp.p50_change_gbp)} / {fmt_gbp_change(dp.p90_change_gbp)} {vs}",
        delta_color="off",
        delta_arrow="off",
        help="Share of the variance against plan the partner carries over the horizon under the risk-share "
        "terms (+ overspend, − money back), P50 and P90 of the draws (Risk share and finance page)",
    )
st.caption(
    "Means of the Monte Carlo draws unless marked P50 / P90; see each page for intervals. Changes are against "
    "current funding: the area's own trend with every scheme at today's budget and the default levers, on "
    "the same random numbers (partner positions: the same risk-share terms)."
)

st.subheader("History")
fy_plc = placements_by_fy(a)
hist = latest_year(a, sc)
c1, c2, c3, c4 = st.columns(4)
est = " (estimate)" if hist.estimated else ""
c1.metric(
    f"Emergency admissions {hist.fy}{est}",
    f"{hist.nea:,}",
    signed_delta(hist.nea_change, ",", f"on {hist.prior_fy}"),
    delta_color="inverse",
    help=a.meta.estimate_notes.get("nea") if hist.estimated else None,
)
c2.metric(
    f"Avoidable (ACS) admissions {hist.fy}{est}",
    f"{hist.acs:,}",
    signed_delta(hist.acs_change, ","),
    delta_color="inverse",
    help=a.meta.estimate_notes.get("acs") if hist.estimated else None,
)
c3.metric(
    f"Care-home placements 65+ {hist.placements_fy}",
    f"{hist.placements:,}",
    signed_delta(hist.placements_change, ","),
    delta_color="inverse",
)
c4.metric(
    "ASCOF care-home admissions per 100,000 aged 65+",
    f"{hist.rate_per_100k:.0f}",
    signed_delta(hist.rate_vs_ambition, ".0f", f"vs ambition {sc.ambition_rate_per_100k:.0f}"),
    delta_color="inverse",
)

st.plotly_chart(monthly_admissions(adm, note), width="stretch", key="home_adm")
st.plotly_chart(placements_rate(fy_plc, sc.ambition_rate_per_100k, note), width="stretch", key="home_plc")
history = history_table(a)  # one row per financial year, every column for that year
whole = {"format": "%,.0f"}
show_table(
    history,
    hide_index=True,
    width="stretch",
    column_config={
        "fy": "Financial year",
        "nea": st.column_config.NumberColumn("Emergency admissions (NEA)", **whole),
        "acs": st.column_config.NumberColumn("Avoidable admissions (ACS)", **whole),
        "admissions_65plus": st.column_config.NumberColumn("Emergency admissions 65+", **whole),
        "nea65_rate_per_100k": st.column_config.NumberColumn("Emergency admissions 65+ per 100,000 aged 65+", **whole),
        "nea65_estimated": st.column_config.CheckboxColumn("65+ figures estimated"),
        "placements": st.column_config.NumberColumn("Care-home placements 65+", **whole),
        "population_65plus": st.column_config.NumberColumn("Residents 65+ (mid-year)", **whole),
        "rate_per_100k": st.column_config.NumberColumn(
            "Care-home admissions per 100,000 aged 65+ (ASCOF 2A(2) to 2022-23, 2C from 2023-24)", **whole
        ),
    },
)
downloads({"history": history, "admissions by month": adm}, "bcf_history")
how_calculated(
    "Financial years run April to March. Placements per 100,000 use the mid-year population aged 65+ of the year "
    "in which the financial year starts (ASCOF 2A part 2 to 2022-23; 2C, the current measure, from 2023-24, read "
    "as one series), as do emergency admissions 65+ per 100,000 (BCF core metric 1; estimated from the age-band "
    "rates when the area has no recorded 65+ series). The history is the area's data; the core metrics above are "
    "the scenario's projection."
)
