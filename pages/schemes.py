"""Scheme funding: how the pooled fund is split across schemes, and what each scheme buys.

The page reads the scenario, calls ``models/`` and renders. Every change (sliders,
buttons, the editable scheme table) builds a new validated Scenario through
``models.scenario.evolve``; a change that does not validate is refused with a plain
message and the last valid scenario stays in force.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from models.charts.schemes import before_after, cost_per_avoided, metric_waterfall, waterfall
from models.data import SCHEME_METRICS
from models.engine import Projection
from models.scenario import Scenario, evolve, explain
from models.schemes import METRIC_LABELS, METRIC_UNITS, WHOLE_FUND, schemes_to_rows, validate_scheme_rows
from pages.common import (
    area_presets,
    bound_widget,
    demo_note,
    downloads,
    ensure_frame,
    fmt_gbp,
    how_calculated,
    projection,
    scenario,
    set_scenario,
    show_lever_errors,
)

BUDGET_STEP_GBP = 50_000
N_BUDGET_LEVERS = 3
MAX_BUDGET_GBP = 1e9  # Scheme.budget_gbp's upper limit
FUNDING_SOURCES = ("NHS minimum contribution", "iBCF", "DFG", "Discharge fund", "Additional")
WATERFALL_METRICS = ("nea", "acs", "placements")  # metrics with a modelled baseline on this page


# --------------------------------------------------------------------------- reading the projection
def _avoided_in(proj: Projection, metric: str, fy: str | None) -> float:
    """Mean activity avoided by the schemes in ``fy``: baseline minus with schemes (a year)."""
    return proj.annual_mean(metric, "baseline", fy) - proj.annual_mean(metric, "scenario", fy)


def _whole_fund(proj: Projection) -> pd.Series:
    return proj.schemes.loc[proj.schemes["scheme"] == WHOLE_FUND].iloc[0]


def _monthly(proj: Projection, metric: str, series: str) -> pd.DataFrame:
    m = proj.monthly
    return m.loc[(m["metric"] == metric) & (m["series"] == series)].reset_index(drop=True)


def _baseline_a_year(proj: Projection, metric: str) -> float:
    """Mean baseline activity a year over the horizon (the same averaging as the scheme table)."""
    if metric in ("nea", "acs"):
        return float(_monthly(proj, metric, "baseline")["mean"].mean() * 12.0)
    # placements: each month carries its financial year's annual rate
    fy_of_month = proj.months.year - (proj.months.month < 4)
    cols = [int(list(proj.fy_years).index(y)) for y in fy_of_month]
    return float(proj.placements_baseline[:, cols].mean())


# --------------------------------------------------------------------------- formatting
def _signed(x: float, fmt: Callable[[float], str]) -> str | None:
    """Delta text with an ASCII sign (st.metric colours by a leading '-'); None when there is no change."""
    if x is None or not math.isfinite(x) or abs(x) < 1e-9:
        return None
    return ("+" if x > 0 else "-") + fmt(abs(x))


def _count(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:,.0f}"


# --------------------------------------------------------------------------- levers
def _with_budget(name: str, budget_m: float) -> Scenario:
    sc = scenario()
    budget = round(float(budget_m) * 1e6)
    schemes = [{**s.model_dump(), "budget_gbp": budget} if s.name == name else s.model_dump() for s in sc.schemes]
    return evolve(sc, schemes=schemes)


def _set_realised(pct: float) -> None:
    try:
        set_scenario(evolve(scenario(), savings_realised_pct=pct))
    except ValidationError as err:
        st.session_state.lever_errors = explain(err)


def _budget_levers(sc: Scenario) -> None:
    rev = st.session_state.rev
    largest = sorted(sc.schemes, key=lambda s: (-s.reference_budget_gbp, s.name))[:N_BUDGET_LEVERS]
    cols = st.columns(len(largest) + 1) if largest else [st.container()]
    for col, s in zip(cols, largest, strict=False):
        top = max(2 * s.reference_budget_gbp, s.budget_gbp)
        top_m = min(math.ceil(top / BUDGET_STEP_GBP) * BUDGET_STEP_GBP, MAX_BUDGET_GBP) / 1e6
        with col:
            bound_widget(
                st.slider,
                f"{s.name} (£m a year)",
                f"scheme_budget:{s.name}#{rev}",
                s.budget_gbp / 1e6,
                lambda v, name=s.name: _with_budget(name, v),
                min_value=0.0,
                max_value=top_m,
                step=BUDGET_STEP_GBP / 1e6,
                format="£%.2fm",
                help=(
                    f"Budget of this {METRIC_LABELS[s.metric]} scheme, £ a year. Its effects were estimated at "
                    f"{fmt_gbp(s.reference_budget_gbp)} (the reference); above that each extra £ buys less. "
                    f"Source: {s.source}"
                ),
            )
    with cols[-1]:
        bound_widget(
            st.slider,
            "Savings realised (%)",
            f"lever:savings_realised_pct#{rev}",
            float(sc.savings_realised_pct),
            lambda v: evolve(scenario(), savings_realised_pct=float(v)),
            min_value=0.0,
            max_value=100.0,
            step=5.0,
            format="%.0f%%",
            help="Share of every scheme's effect that actually happens (100% = as estimated). "
            "Illustrative stress test, not a forecast.",
        )
        st.button(
            "What if the savings don't materialise?",
            key="savings_none",
            on_click=_set_realised,
            args=(0.0,),
            help="Keep paying for every scheme but assume none of the activity is avoided (0% realised).",
        )
        st.button(
            "Savings realised in full (100%)",
            key="savings_full",
            on_click=_set_realised,
            args=(100.0,),
            help="Back to the schemes' estimated effects.",
        )


# --------------------------------------------------------------------------- the editable table
def _editor_config(sc: Scenario) -> dict[str, Any]:
    sources = list(dict.fromkeys([*FUNDING_SOURCES, *(s.funding_source for s in sc.schemes)]))
    effect_help = "{}: activity avoided a year at the reference budget (units depend on the metric)."
    return {
        "name": st.column_config.TextColumn("Scheme", required=True, max_chars=80, help="A unique name."),
        "funding_source": st.column_config.SelectboxColumn(
            "Funding source", options=sources, default=FUNDING_SOURCES[0], help="Which BCF funding stream pays."
        ),
        "lead_partner": st.column_config.TextColumn("Lead partner", max_chars=40, help="e.g. ICB or Council."),
        "budget_gbp": st.column_config.NumberColumn(
            "Budget (£ a year)",
            min_value=0,
            max_value=1e9,
            step=1000,
            format="£%,.0f",
            required=True,
            help="What the scheme gets from the pooled fund, £ a year.",
        ),
        "metric": st.column_config.SelectboxColumn(
            "Metric affected",
            options=list(SCHEME_METRICS),
            required=True,
            format_func=lambda m: METRIC_LABELS.get(m, m),
            help="What the scheme avoids: emergency admissions, avoidable (ACS) admissions, "
            "care-home placements 65+ or delayed bed days.",
        ),
        "effect_low": st.column_config.NumberColumn(
            "Low effect", min_value=0, format="%,.0f", help=effect_help.format("Low (pessimistic)")
        ),
        "effect_central": st.column_config.NumberColumn(
            "Central effect", min_value=0, format="%,.0f", help=effect_help.format("Central (most likely)")
        ),
        "effect_high": st.column_config.NumberColumn(
            "High effect", min_value=0, format="%,.0f", help=effect_help.format("High (optimistic)")
        ),
        "ramp_months": st.column_config.NumberColumn(
            "Ramp-up (months)",
            min_value=0,
            max_value=60,
            step=1,
            format="%d",
            help="Months from the start of the projection until the scheme reaches full effect (blank = 3).",
        ),
        "saturation": st.column_config.NumberColumn(
            "Saturation (× reference)",
            min_value=0.01,
            max_value=100,
            step=0.1,
            format="%.1f",
            help="Budget scale of diminishing returns as a multiple of the reference budget: large = nearly "
            "linear, small = extra money soon buys little (blank = 1.5).",
        ),
        "reference_budget_gbp": st.column_config.NumberColumn(
            "Reference budget (£ a year)",
            min_value=0,
            format="£%,.0f",
            help="The budget at which the effects were estimated. Blank: the effects are taken to be at the "
            "budget entered.",
        ),
        "source": st.column_config.TextColumn(
            "Source of the effect",
            max_chars=300,
            help="Where the effect comes from; 'illustrative assumption' when it is not evidenced.",
        ),
    }


def _has_edits(key: str) -> bool:
    state = st.session_state.get(key)
    if not isinstance(state, dict):
        return False
    return any(state.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))


def _scheme_editor(sc: Scenario, horizon_months: int) -> None:
    key = f"scheme_editor#{st.session_state.rev}"
    rows = schemes_to_rows(sc.schemes)
    if rows.empty:  # typed columns, so an empty table stays editable
        numeric = [
            "budget_gbp",
            "effect_low",
            "effect_central",
            "effect_high",
            "ramp_months",
            "saturation",
            "reference_budget_gbp",
        ]
        rows = rows.astype(dict.fromkeys(numeric, "float64"))
    edited = st.data_editor(
        rows,
        num_rows="dynamic",
        key=key,
        column_config=_editor_config(sc),
        hide_index=True,
        width="stretch",
    )
    if not _has_edits(key):
        return
    reference = {s.name: s.reference_budget_gbp for s in sc.schemes}
    new, messages = validate_scheme_rows(edited, horizon_months=horizon_months, reference=reference)
    for msg in messages:
        if msg.startswith("Note:"):
            st.info(msg)
        else:
            st.error(msg)
    if new is None:
        st.warning("Not applied: the table has problems (above). The last valid set of schemes is still in use.")
        return
    if tuple(new) != tuple(sc.schemes):
        try:
            changed = evolve(sc, schemes=[s.model_dump() for s in new])
        except ValidationError as err:
            for line in explain(err):
                st.error(f"Not applied: {line}. The last valid set of schemes is still in use.")
            return
        set_scenario(changed)
        st.rerun()


# --------------------------------------------------------------------------- the page
ensure_frame()
sc = scenario()
proj = projection()
base_sc = next(iter(area_presets().values()))
# Reference for deltas: this scenario with the area's baseline scheme funding (other levers as now),
# so each delta is the effect of the funding changes made here.
ref_sc = evolve(
    sc, schemes=[s.model_dump() for s in base_sc.schemes], savings_realised_pct=base_sc.savings_realised_pct
)
ref = projection(ref_sc) if ref_sc != sc else proj
note = demo_note()
table = proj.schemes
whole = _whole_fund(proj)
fy = proj.first_fy

st.title("Scheme funding")
st.markdown(
    f"The Better Care Fund pools **{fmt_gbp(sc.scheme_budget_gbp)} a year** across **{len(sc.schemes)} schemes**. "
    "Each scheme states what it avoids (emergency or avoidable admissions, care-home placements, or delayed bed "
    "days) **a year at its reference budget**, as a low / central / high range. Money above the reference buys "
    "less and less (diminishing returns); money below it buys proportionally less. Change the budgets below, "
    "or edit, add and remove schemes in the table, and see what the fund buys and whether it pays for itself."
)
if sc.schemes:
    n_ill = sum("illustrative" in s.source.lower() for s in sc.schemes)
    st.caption(
        f"{n_ill} of {len(sc.schemes)} schemes rest wholly or partly on **illustrative assumptions** (see each "
        "scheme's source in the table); treat their effects as a starting point for local evidence."
    )
if sc.savings_realised_pct < 100:
    st.warning(f"Only {sc.savings_realised_pct:.0f}% of the schemes' estimated effects are assumed to happen.")

# KPIs ---------------------------------------------------------------------------------------------
ref_whole = _whole_fund(ref)
nea_avoided, ref_nea_avoided = _avoided_in(proj, "nea", fy), _avoided_in(ref, "nea", fy)
plc_avoided, ref_plc_avoided = _avoided_in(proj, "placements", fy), _avoided_in(ref, "placements", fy)
k1, k2, k3, k4, k5 = st.columns(5)
k1.metric(
    "Pooled fund a year",
    fmt_gbp(sc.scheme_budget_gbp),
    _signed(sc.scheme_budget_gbp - ref_sc.scheme_budget_gbp, fmt_gbp),
    delta_color="off",
    delta_arrow="off",
    help="The pooled fund: sum of the scheme budgets, £ a year. Delta: against the area's baseline scheme funding.",
)
k2.metric(
    f"Admissions avoided {fy or ''}".strip(),
    _count(nea_avoided),
    _signed(nea_avoided - ref_nea_avoided, _count),
    help="Emergency (non-elective) admissions avoided, mean over the simulations, first full projected financial year: admissions without the "
    "schemes minus with them (NEA and ACS schemes).",
)
k3.metric(
    f"Placements avoided {fy or ''}".strip(),
    _count(plc_avoided),
    _signed(plc_avoided - ref_plc_avoided, lambda x: f"{x:,.1f}"),
    help="Permanent admissions of people 65+ to residential and nursing care avoided, mean, same year.",
)
k4.metric(
    "Net cost a year",
    fmt_gbp(whole["net_cost_gbp"]),
    _signed(float(whole["net_cost_gbp"] - ref_whole["net_cost_gbp"]), fmt_gbp),
    delta_color="inverse",
    help="Net cost of the whole fund: budget minus the value of the activity avoided, average a year over the horizon "
    "(negative: the fund saves more than it costs).",
)
p_be = float(whole["p_break_even"])
k5.metric(
    "Chance of breaking even",
    "–" if math.isnan(p_be) else f"{p_be:.0%}",
    _signed(100 * (p_be - float(ref_whole["p_break_even"])), lambda x: f"{x:.0f} pts"),
    help="Chance the whole fund breaks even: share of the simulations in which the value of the activity avoided covers the whole budget.",
)
st.caption(
    "Deltas compare with the area's baseline scheme funding, everything else as in this scenario. "
    f"Money is £ a year averaged over the projection ({table.attrs.get('horizon', '')})."
)

# Levers -------------------------------------------------------------------------------------------
st.subheader("Biggest levers")
st.caption(
    "The three largest schemes (by the budget their effects were estimated at): £0 to twice that budget, in £50k steps."
)
_budget_levers(sc)
show_lever_errors()

# Editable table ------------------------------------------------------------------------------------
st.subheader("The schemes")
st.caption(
    "Edit any cell, add a row at the bottom or delete rows (select, then the bin). Effects are activity avoided "
    "a year at the reference budget. A change is applied only when the whole table is valid."
)
_scheme_editor(sc, len(proj.months))
for msg in proj.effects.messages:
    st.info(msg)

# Charts ---------------------------------------------------------------------------------------------
st.subheader("What the fund buys")
st.plotly_chart(waterfall(table, _baseline_a_year(proj, "nea"), note), width="stretch", key="schemes_waterfall")
st.plotly_chart(
    before_after(None, _monthly(proj, "nea", "baseline"), _monthly(proj, "nea", "scenario"), "nea", note),
    width="stretch",
    key="schemes_before_after",
)
c1, c2 = st.columns(2)
with c1:
    other = st.selectbox(
        "Waterfall for another metric",
        [m for m in WATERFALL_METRICS if m != "nea"],
        format_func=lambda m: METRIC_LABELS[m],
        key="schemes_waterfall_metric",
        help="Delayed bed days are on the Discharge page, where the bed model gives their baseline.",
    )
    st.plotly_chart(
        metric_waterfall(table, _baseline_a_year(proj, other), other, note),
        width="stretch",
        key="schemes_waterfall_other",
    )
with c2:
    st.plotly_chart(cost_per_avoided(table, note), width="stretch", key="schemes_cost_per_avoided")

# Table and downloads ------------------------------------------------------------------------------------
st.subheader("Scheme results")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "scheme": st.column_config.TextColumn("Scheme", pinned=True),
        "funding_source": "Funding source",
        "lead_partner": "Lead partner",
        "metric": st.column_config.TextColumn("Metric", help="; ".join(f"{k}: {v}" for k, v in METRIC_LABELS.items())),
        "budget_gbp": st.column_config.NumberColumn("Budget (£ a year)", format="£%,.0f"),
        "unit_value_gbp": st.column_config.NumberColumn(
            "Value of one avoided (£)", format="£%,.0f", help="£ saved per admission, placement or bed day avoided."
        ),
        "avoided_a_year_mean": st.column_config.NumberColumn(
            "Avoided a year (mean)", format="%,.0f", help="Average a year over the horizon; units depend on the metric."
        ),
        "avoided_a_year_p10": st.column_config.NumberColumn("P10", format="%,.0f", help="10th percentile."),
        "avoided_a_year_p90": st.column_config.NumberColumn("P90", format="%,.0f", help="90th percentile."),
        "cost_per_avoided_gbp": st.column_config.NumberColumn("£ per one avoided", format="£%,.0f"),
        "gross_savings_gbp": st.column_config.NumberColumn("Gross savings (£ a year)", format="£%,.0f"),
        "net_cost_gbp": st.column_config.NumberColumn(
            "Net cost (£ a year)", format="£%,.0f", help="Budget minus gross savings; negative = saves money."
        ),
        "break_even_activity": st.column_config.NumberColumn(
            "Break-even (avoided a year)", format="%,.0f", help="Budget ÷ value of one avoided."
        ),
        "p_break_even": st.column_config.NumberColumn(
            "Chance of breaking even", format="percent", help="Share of simulations in which savings ≥ budget."
        ),
    },
)
st.caption(
    f"Whole-fund activity is blank when schemes count different things. {METRIC_UNITS['nea'].capitalize()} "
    "for NEA and ACS schemes; placements a year; bed days a year."
)
export = {
    "schemes": table,
    "scheme_inputs": schemes_to_rows(sc.schemes),
    "nea_monthly": proj.monthly.loc[proj.monthly["metric"] == "nea"],
}
downloads(
    {k: v for k, v in export.items() if not v.empty},
    "bcf_schemes",
    note=f"Savings realised: {sc.savings_realised_pct:.0f}%. Activity and money are averages a year over the horizon.",
)

c = sc.costs
how_calculated(
    f"""
**Effects.** Each scheme states the activity it avoids **a year at its reference budget** B0, as low / central /
high. Each simulation draws the effect from a triangular distribution over that range.

**Diminishing returns.** At budget B the effect is the reference effect × f(B), with
f(B) = (1 − exp(−(B/B0)/s)) / (1 − exp(−1/s)): 0 at £0, exactly 1 at B0, and each extra £ buys less than the
last (s is the saturation; doubling the money does not double the effect).

**Ramp-up.** A scheme starts in the first projected month and builds up linearly to full effect over its
ramp-up months. Everything is then multiplied by the savings realised (%).

**Common random numbers.** Each scheme's draws are keyed by its name and the scenario seed, so two scenarios
that differ only in budgets use the same random numbers and their difference is not simulation noise.

**No double counting.** For each metric the schemes together cannot avoid more than the baseline activity in
any simulated month; when they would, they are scaled down proportionally (and a note says so). An avoided
avoidable (ACS) admission is an avoided emergency admission, so NEA and ACS schemes are capped together at the
emergency-admission baseline.

**Money.** One emergency admission avoided is worth £{c.nea_spell:,.0f} (NAO: £13.7bn / 5.8m admissions);
one delayed bed day £{c.excess_bed_day:,.0f} (King's Fund); one care-home placement
£{c.care_home_week:,.0f} a week × {c.placement_duration_weeks:,.0f} weeks
= £{c.care_home_week * c.placement_duration_weeks:,.0f} (ASC-FR weekly cost; the length of stay is an
illustrative assumption). Net cost = budget − value of activity avoided. **Break-even** = budget ÷ value of one
avoided: the activity a scheme must avoid a year to pay for itself. The chance of breaking even is the share of
simulations in which savings cover the budget.

**Caveat.** The demand trend is fitted on history in which these schemes were already running, so the baseline
already contains their past effect: "baseline minus schemes" is the modelled effect of the schemes as specified,
not proof of what removing them would do. For decisions about changing funding, compare scenarios (a scenario
against the baseline funding), which is what the deltas above do.
"""
)
