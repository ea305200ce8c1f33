"""Discharge and winter beds: occupancy, delays and options, with an Erlang bed-sizing calculator."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from models import engine
from models.beds import (
    beds_for_occupancy,
    beds_for_refusal,
    erlang_b,
    occupancy_at_refusal_target,
    occupancy_risk_curve,
)
from models.charts.flow import occupancy_fan, occupancy_risk, options_chart, size_matters
from pages.common import (
    area,
    demo_note,
    downloads,
    ensure_frame,
    fmt_gbp,
    how_calculated,
    lever,
    projection,
    scenario,
    show_lever_errors,
    winter_options_result,
    winter_result,
)

ensure_frame()
a, sc = area(), scenario()
f = sc.flow
st.title("Discharge and winter beds")
st.markdown(
    "Do we need the escalation beds, or would more discharge capacity do more for less? A day-by-day simulation "
    "of the acute emergency bed base for the area's residents through the first projected winter (October–March), "
    "with arrivals from the demand projection (after the schemes), stays calibrated to the area's 14+/21+ day "
    "shares, and discharge pathways P0–P3 with limited capacity."
)

sources = (
    a.tables["flow_defaults.csv"].set_index("parameter")["source"] if "source" in a.tables["flow_defaults.csv"] else {}
)


def src(name: str) -> str:
    return f"Default source: {sources.get(name, 'uploaded')}." if len(sources) else ""


pct = {"to_value": lambda v: round(v / 100, 4)}
with st.expander("Inputs: beds, length of stay, pathways, capacity and costs", expanded=True):
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Beds**")
        lever(
            st.number_input,
            "Core acute beds",
            ("flow", "core_beds"),
            min_value=1,
            max_value=5000,
            step=5,
            help="Funded general and acute beds for the area's emergency admissions. " + src("core_beds"),
        )
        lever(
            st.slider,
            "Escalation beds",
            ("flow", "escalation_beds"),
            min_value=0,
            max_value=100,
            help="Extra beds open between the dates below. " + src("escalation_beds"),
        )
        year = engine.winter_start(projection().months).year  # the simulated winter starts 1 October of this year

        def mmdd(v: dt.date) -> str:
            return f"{v.month:02d}-{v.day:02d}"

        for label, field in (
            ("Escalation opens", "escalation_open"),
            ("Escalation closes (last day)", "escalation_close"),
        ):
            m, d = (int(x) for x in getattr(f, field).split("-"))
            shown = dt.date(year if m >= 4 else year + 1, m, min(d, 28) if m == 2 else d)
            lever(
                st.date_input,
                label,
                ("flow", field),
                display_value=shown,
                min_value=dt.date(year, 4, 1),
                max_value=dt.date(year + 1, 3, 31),
                format="DD/MM/YYYY",
                to_value=mmdd,
                help="The winter simulated is 1 October – 31 March; the same dates apply each year.",
            )
    with c2:
        st.markdown("**Length of stay and demand**")
        lever(
            st.slider,
            "Inpatients staying 14+ days, %",
            ("flow", "share_14plus"),
            display_value=f.share_14plus * 100,
            min_value=1.0,
            max_value=40.0,
            step=0.1,
            help="Calibrates the stay distribution. " + src("share_14plus"),
            **pct,
        )
        lever(
            st.slider,
            "Inpatients staying 21+ days, %",
            ("flow", "share_21plus"),
            display_value=f.share_21plus * 100,
            min_value=0.5,
            max_value=30.0,
            step=0.1,
            help=src("share_21plus"),
            **pct,
        )
        lever(
            st.slider,
            "Extra winter surge on arrivals Dec–Feb, %",
            ("flow", "winter_uplift_pct"),
            min_value=0.0,
            max_value=30.0,
            step=0.5,
            help="On top of the projection's own seasonality. " + src("winter_uplift_pct"),
        )
    with c3:
        st.markdown("**Pathways on discharge (% of patients)**")
        p0 = 100 * f.p0_share
        st.caption(f"P0, home with no new support: **{p0:.1f}%** (the rest). {src('p0_share')}")
        for k, label in (
            (1, "P1 home with support (Home First)"),
            (2, "P2 step-down / rehab bed"),
            (3, "P3 care home"),
        ):
            field = f"p{k}_share"

            def rest_to_p0(sc_now, value: float, field: str = field) -> dict:
                others = sum(getattr(sc_now.flow, g) for g in ("p1_share", "p2_share", "p3_share") if g != field)
                return {"p0_share": max(0.0, round(1.0 - others - value, 6))}  # over 100%: the sum check says so

            lever(
                st.number_input,
                f"{label}, %",
                ("flow", field),
                display_value=getattr(f, field) * 100,
                min_value=0.0,
                max_value=100.0,
                step=0.5,
                help=src(field),
                to_value=lambda v: round(v / 100, 4),
                also=rest_to_p0,
            )
    # (column heading, [(label, path, min, max, step, help)]) — each a number input bound to the scenario
    groups = (
        (
            "Discharge capacity",
            [
                (
                    "Home First (P1) starts a week",
                    ("flow", "p1_starts_per_week"),
                    0.0,
                    5000.0,
                    1.0,
                    src("p1_starts_per_week"),
                ),
                ("Care-home (P3) placements a week", ("flow", "p3_per_week"), 0.0, 1000.0, 0.5, src("p3_per_week")),
            ],
        ),
        (
            "Step-down (P2)",
            [
                ("Step-down beds", ("flow", "p2_beds"), 0, 2000, 1, src("p2_beds")),
                ("Stay in a step-down bed, days", ("flow", "p2_los_days"), 1.0, 120.0, 1.0, src("p2_los_days")),
            ],
        ),
        (
            "Unit costs, £",
            [
                (
                    "Escalation bed day",
                    ("costs", "escalation_bed_day"),
                    0.0,
                    1e5,
                    10.0,
                    "Default £901: non-elective bed day (PQ 165361).",
                ),
                (
                    "Delayed (excess) bed day",
                    ("costs", "excess_bed_day"),
                    0.0,
                    1e5,
                    5.0,
                    "Default £395 (King's Fund 2022-23).",
                ),
                (
                    "Home First start",
                    ("costs", "p1_start"),
                    0.0,
                    1e6,
                    50.0,
                    "Default £337 a week (seed 003) × 6 weeks: an illustrative assumption.",
                ),
                ("Step-down bed day", ("costs", "p2_bed_day"), 0.0, 1e5, 10.0, "Illustrative assumption."),
            ],
        ),
    )
    for column, (heading, levers) in zip(st.columns(3), groups, strict=True):
        with column:
            st.markdown(f"**{heading}**")
            for label, path, low, high, step, help_text in levers:
                lever(st.number_input, label, path, min_value=low, max_value=high, step=step, help=help_text)
show_lever_errors()

w = winter_result()
for message in w.messages:
    st.warning(message)
k = w.kpis.set_index("kpi")
costs = w.costs.set_index("component")
note = demo_note()
st.subheader(f"Winter {w.start:%B %Y} – {(w.start + pd.Timedelta(days=181)):%B %Y}")
m = st.columns(5)
m[0].metric(
    "Mean occupancy",
    f"{k.loc['mean_occupancy_pct', 'mean']:.1f}%",
    help="Inpatients ÷ funded beds, averaged over days and replications",
)
m[1].metric("Days above 92% / 95%", f"{k.loc['days_above_92', 'mean']:.0f} / {k.loc['days_above_95', 'mean']:.0f}")
m[2].metric("Days above 100%", f"{k.loc['days_above_100', 'mean']:.0f}", help="Every funded bed full: patients outlied")
m[3].metric(
    "Delayed bed days",
    f"{k.loc['delayed_bed_days', 'mean']:,.0f}",
    f"P10–P90 {k.loc['delayed_bed_days', 'p10']:,.0f}–{k.loc['delayed_bed_days', 'p90']:,.0f}",
    delta_color="off",
    delta_arrow="off",
)
m[4].metric("Inpatients 14+ / 21+ days", f"{k.loc['share_14plus', 'mean']:.1%} / {k.loc['share_21plus', 'mean']:.1%}")
st.plotly_chart(occupancy_fan(w.weekly, note), width="stretch", key="occupancy_fan")
st.caption(
    f"{sc.n_draws:,} replications, seeded; arrivals {w.arrivals_per_day.mean():.1f} a day on average; "
    f"winter spend {fmt_gbp(costs.loc['total_spend', 'mean'])} on the capacity above; delayed days valued at "
    f"{fmt_gbp(costs.loc['delayed_days_value', 'mean'])}."
)

st.subheader("Options side by side")
st.markdown(
    "Each option is added to the scenario above and simulated with **the same random numbers**, so the "
    "differences are the options', not noise."
)
o1, o2, o3 = st.columns(3)
lever(
    o1.number_input,
    "Option A: extra escalation beds",
    ("flow", "option_extra_beds"),
    min_value=0,
    max_value=500,
    step=1,
    help="Seed 003: 27 additional beds proposed for winter 2022-23.",
)
lever(
    o2.number_input,
    "Option B: extra Home First starts a week",
    ("flow", "option_extra_p1_per_week"),
    min_value=0.0,
    max_value=500.0,
    step=1.0,
)
lever(
    o3.number_input,
    "Option C: extra step-down beds",
    ("flow", "option_extra_p2_beds"),
    min_value=0,
    max_value=500,
    step=1,
)
options = winter_options_result()
st.plotly_chart(options_chart(options, note), width="stretch", key="options_chart")
money = st.column_config.NumberColumn(format="£%,.0f")
st.dataframe(
    options,
    hide_index=True,
    width="stretch",
    column_config={
        "option": "Option",
        "delayed_days": st.column_config.NumberColumn("Delayed bed days", format="%,.0f"),
        "delayed_days_avoided": st.column_config.NumberColumn("Delayed days avoided", format="%,.0f"),
        "days_above_92": st.column_config.NumberColumn("Days > 92%", format="%.0f"),
        "days_above_95": st.column_config.NumberColumn("Days > 95%", format="%.0f"),
        "days_above_100": st.column_config.NumberColumn("Days > 100%", format="%.0f"),
        "peak_occupancy_p90": st.column_config.NumberColumn("Peak occupancy (P90)", format="%.0f%%"),
        "share14": st.column_config.NumberColumn("14+ days", format="%.3f"),
        "share21": st.column_config.NumberColumn("21+ days", format="%.3f"),
        "spend": money,
        "extra_cost": money,
        "cost_per_delayed_day_avoided": st.column_config.NumberColumn("£ per delayed day avoided", format="£%,.0f"),
    },
)

st.subheader("Bed-sizing calculator (Erlang loss model)")
st.markdown(
    "How many beds does a given load need? The offered load is arrivals a day × mean stay in days "
    "(the beds that would be occupied if none were ever full)."
)
s1, s2, s3 = st.columns(3)
default_load = float(w.arrivals_per_day.mean() * w.params.mean_stay_days)
load = s1.number_input(
    "Offered load (occupied beds)",
    min_value=0.1,
    max_value=5000.0,
    value=round(default_load, 1),
    step=1.0,
    key="calc_load",
    help="Default: this winter's mean arrivals × mean stay to medically ready",
)
refusal = s2.slider("Acceptable chance all beds are full, %", 0.1, 20.0, 2.0, 0.1, key="calc_refusal") / 100
occupancy_target = s3.slider("Target mean occupancy, %", 50, 99, 92, 1, key="calc_occ") / 100
n_refusal, n_occ = beds_for_refusal(load, refusal), beds_for_occupancy(load, occupancy_target)
r1, r2, r3 = st.columns(3)
r1.metric(f"Beds for ≤ {refusal:.1%} full", f"{n_refusal:,}")
r2.metric(
    f"Beds for ≤ {occupancy_target:.0%} occupancy",
    f"{n_occ:,}",
    f"{erlang_b(n_occ, load):.1%} of arrivals find it full",
    delta_color="off",
    delta_arrow="off",
)
r3.metric(
    "Funded beds in the scenario",
    f"{f.core_beds + f.escalation_beds:,}",
    f"{erlang_b(f.core_beds + f.escalation_beds, load):.1%} full risk",
    delta_color="off",
    delta_arrow="off",
)
curve = occupancy_risk_curve(load)
left, right = st.columns(2)
left.plotly_chart(occupancy_risk(curve, load, note), width="stretch", key="risk_curve")
sizes = occupancy_at_refusal_target([1, 2, 4, 8, 15, 30, 60, 120, 250, 500, 1000], refusal)
right.plotly_chart(size_matters(sizes, refusal), width="stretch", key="size_matters")

downloads(
    {"weekly_occupancy": w.weekly, "kpis": w.kpis, "costs": w.costs, "options": options, "bed_sizing_curve": curve},
    "bcf_winter_beds",
)
how_calculated(
    f"""
**Arrivals** each day are Poisson with the scenario's projected emergency admissions for the month (mean of the
draws, after scheme effects), a weekday shape (illustrative: Monday peak, weekend dip) and any extra winter surge.

**Stays.** Days from admission to *medically ready* follow a log-normal distribution whose two parameters are
solved so that, in a steady state, the share of inpatients who have stayed 14+ and 21+ days equals the inputs
(μ = {w.params.los_mu:.3f}, σ = {w.params.los_sigma:.3f}, mean {w.params.mean_stay_days:.1f} days).

**Discharge.** On becoming ready a patient goes home (P0) or needs a Home First start (P1, limited starts a
week), a step-down bed (P2, limited beds, fixed stay) or a care-home placement (P3, limited a week). When the
pathway is full the patient waits in the acute bed, first come first served: those are **delayed bed days**,
and waiting makes stays longer (more 14+/21+ patients).

**Beds.** Occupancy is inpatients ÷ funded beds (core + escalation beds while open). Arrivals are always
admitted: above 100% they are outlied or in surge space (counted as days above 100%).

**Validation** (tests run in CI): with ample capacity the mean occupancy equals arrivals × mean stay (Little's
law); with no waiting allowed the share of arrivals finding every bed full matches the Erlang B formula; the
Erlang B/C functions reproduce published table values.

**Limits.** One winter, one hospital bed pool for the area's residents; no elective competition for beds; no
change in stay by season (winter pressure enters through arrivals and queues); pathway capacities are steady
through the winter; demand uncertainty enters through the Poisson arrivals, not the spread of the demand
projection.
"""
)
