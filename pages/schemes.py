"""Scheme funding: how the pooled fund is split across schemes, and what each scheme buys.

The page reads the scenario, calls ``models/`` and renders. Every change (sliders,
buttons, the editable scheme table) builds a new validated Scenario through
``models.scenario.evolve``; a change that does not validate is refused with a plain
message and the last valid scenario stays in force.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st
from pydantic import ValidationError

from models import pipeline
from models.charts.schemes import before_after, cost_per_avoided, metric_waterfall, waterfall
from models.core.units import fmt_gbp
from models.inputs.funding_rules import AMOUNT_COLUMNS, SCHEME_TYPES, SOURCES, STEP_LABELS, STEPS
from models.inputs.scheme_rules import SCHEME_METRICS
from models.money.fund import conditions_table, fund_statement, national_conditions
from models.money.schemes import METRIC_UNITS, WHOLE_FUND
from models.pipeline.views import scheme_funding
from models.scenario import Scenario, evolve, explain
from models.scenario.capacity import METRIC_LABELS
from models.scenario.funding import income_map
from models.scenario.moves import MoveError, move_money, with_income
from models.scenario.tables import funding_notes, schemes_to_rows, validate_scheme_rows
from pages.ui.cache import capacity_outcomes, projection, results, winter_result
from pages.ui.changes import set_scenario
from pages.ui.downloads import downloads
from pages.ui.state import area, ensure_frame, reference, scenario
from pages.ui.tables import show_table
from pages.ui.text import demo_note, how_calculated, safe_text
from pages.ui.widgets import bound_widget, money_delta, show_lever_errors, signed_delta

BUDGET_STEP_GBP = 50_000
N_BUDGET_LEVERS = 3
MAX_BUDGET_GBP = 1e10  # Scheme.budget_gbp's upper limit
WATERFALL_METRICS = ("nea", "acs", "placements")  # metrics with a modelled baseline on this page
#: What an empty ("–") cell of the scheme table means, by column (see models.money.schemes.scheme_table)
_ACTIVITY = (
    "a capacity scheme (it buys beds or care hours, not avoided admissions or placements), or the whole fund "
    "when its schemes avoid different things"
)
SCHEME_BLANKS = {
    "unit_value_gbp": _ACTIVITY,
    "avoided_a_year_mean": _ACTIVITY,
    "avoided_a_year_p10": _ACTIVITY,
    "avoided_a_year_p90": _ACTIVITY,
    "cost_per_avoided_gbp": _ACTIVITY + ", or nothing avoided",
    "break_even_activity": _ACTIVITY,
    "p_break_even": _ACTIVITY + ", or no budget",
    "change_a_year_mean": _ACTIVITY,
    "change_a_year_p10": _ACTIVITY,
    "change_a_year_p90": _ACTIVITY,
    "gross_savings_gbp": "no honest winter figure for this capacity (see its note)",
    "net_cost_gbp": "no honest winter figure for this capacity (see its note)",
    "capacity_now": "an activity scheme (no beds or care hours)",
    "capacity": "an activity scheme (no beds or care hours)",
    **{
        f"winter_{c}": "not a discharge-capacity scheme, or no winter simulated"
        for c in ("delayed_days_avoided", "boarding_days_avoided", "surge_bed_days_avoided", "diverted_avoided")
    },
}


# --------------------------------------------------------------------------- formatting
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
    largest = sorted(sc.schemes, key=lambda s: (-s.current_budget_gbp, s.name))[:N_BUDGET_LEVERS]
    cols = st.columns(len(largest) + 1) if largest else [st.container()]
    for col, s in zip(cols, largest, strict=False):
        top = max(2 * s.current_budget_gbp, 2 * s.reference_budget_gbp, s.budget_gbp)
        top_m = min(math.ceil(top / BUDGET_STEP_GBP) * BUDGET_STEP_GBP, MAX_BUDGET_GBP) / 1e6
        with col:
            bound_widget(
                st.slider,
                f"{safe_text(s.name)} (£m a year)",
                f"scheme_budget:{s.name}#{rev}",
                s.budget_gbp / 1e6,
                lambda v, name=s.name: _with_budget(name, v),
                min_value=0.0,
                max_value=top_m,
                step=BUDGET_STEP_GBP / 1e6,
                format="£%.2fm",
                help=(
                    f"Budget of this scheme ({METRIC_LABELS[s.metric]}), £ a year; today "
                    f"{fmt_gbp(s.current_budget_gbp)}. The effect is the change against today's budget"
                    + (
                        f"; its effects were estimated at {fmt_gbp(s.reference_budget_gbp)}, above which each "
                        "extra £ buys less."
                        if s.kind != "discharge capacity"
                        else ": the capacity it buys at the unit cost feeds the winter simulation."
                    )
                    + f" Source: {safe_text(s.source)}"
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
            help="Share of the benefits of more money that actually happens (100% = as estimated): extra "
            "activity avoided and extra discharge capacity delivered. The harm of a cut is not softened. "
            "Illustrative stress test, not a forecast.",
        )
        st.button(
            "What if the savings don't materialise?",
            key="savings_none",
            on_click=_set_realised,
            args=(0.0,),
            help="Keep paying for every change but assume none of its benefits come (0% realised).",
        )
        st.button(
            "Savings realised in full (100%)",
            key="savings_full",
            on_click=_set_realised,
            args=(100.0,),
            help="Back to the schemes' estimated effects.",
        )


# --------------------------------------------------------------------------- the editable table
def _funding_config() -> dict[str, Any]:
    """The editor's funding columns: £ from each source (adding up to the budget), the service type and step."""
    amounts = {
        col: st.column_config.NumberColumn(
            f"{SOURCES[key].label} (£ a year)",
            min_value=0,
            max_value=1e10,
            step=1000,
            format="£%,.0f",
            help=f"Part of the scenario budget paid from the {SOURCES[key].label} ("
            + ("NHS" if SOURCES[key].side == "nhs" else "council")
            + " side). The amounts add up to the budget (±£1); all blank or £0: the scheme keeps its mix. Change "
            "only the budget and the mix is kept, scaled.",
        )
        for col, key in AMOUNT_COLUMNS.items()
    }
    return {
        **amounts,
        "scheme_type": st.column_config.SelectboxColumn(
            "Service type",
            options=list(SCHEME_TYPES),
            format_func=lambda k: SCHEME_TYPES[k].label if k in SCHEME_TYPES else str(k),
            help="The service type as the 2025-27 BCF returns name them (paraphrased). DFG money may be spent only "
            "on DFG adaptations (a national condition).",
        ),
        "step": st.column_config.SelectboxColumn(
            "Step-up / step-down",
            options=list(STEPS),
            format_func=lambda k: STEP_LABELS.get(k, str(k)),
            help="Step-up: avoids a hospital admission; step-down: care after a hospital stay; both; or n/a.",
        ),
    }


def _editor_config(sc: Scenario) -> dict[str, Any]:
    effect_help = (
        "{}: activity avoided a year at the reference budget (units depend on the metric); 0 or blank for "
        "capacity schemes."
    )
    return {
        "name": st.column_config.TextColumn("Scheme", required=True, max_chars=200, help="A unique name."),
        **_funding_config(),
        "lead_partner": st.column_config.TextColumn("Lead partner", max_chars=120, help="e.g. ICB or Council."),
        "current_budget_gbp": st.column_config.NumberColumn(
            "Current budget (£ a year)",
            min_value=0,
            max_value=1e10,
            step=1000,
            format="£%,.0f",
            help="What the area funds today (the history already reflects it). Blank for a new scheme: £0.",
        ),
        "budget_gbp": st.column_config.NumberColumn(
            "Scenario budget (£ a year)",
            min_value=0,
            max_value=1e10,
            step=1000,
            format="£%,.0f",
            required=True,
            help="What the scheme gets in this scenario, £ a year. The effect is the change against the current "
            "budget.",
        ),
        "metric": st.column_config.SelectboxColumn(
            "Metric affected",
            options=list(SCHEME_METRICS),
            required=True,
            format_func=lambda m: METRIC_LABELS.get(m, m),
            help="What the scheme does: avoids emergency admissions, avoidable (ACS) admissions or care-home "
            "placements 65+; or buys discharge capacity (P1 Home First starts, P2 step-down beds, P3 interim "
            "care-home placements) at the unit costs on the winter page. Capacity schemes take no effect: the "
            "winter simulation says what their capacity avoids.",
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
            *AMOUNT_COLUMNS,
            "current_budget_gbp",
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
    current = {s.name: s.current_budget_gbp for s in sc.schemes}
    new, messages = validate_scheme_rows(
        edited, horizon_months=horizon_months, reference=reference, current=current, previous=sc.schemes
    )
    for msg in messages:
        if msg.startswith("Note:"):
            st.info(safe_text(msg))
        else:
            st.error(safe_text(msg))
    if new is None:
        st.warning("Not applied: the table has problems (above). The last valid set of schemes is still in use.")
        return
    if tuple(new) != tuple(sc.schemes):
        try:
            changed = evolve(sc, schemes=[s.model_dump() for s in new])
        except ValidationError as err:
            for line in explain(err):
                st.error(f"Not applied: {safe_text(line)}. The last valid set of schemes is still in use.")
            return
        set_scenario(changed)
        st.rerun()


# --------------------------------------------------------------------------- the fund by source
def _move(donor_key: str, taker_key: str, amount_key: str) -> None:
    ss = st.session_state
    try:
        set_scenario(move_money(scenario(), ss[donor_key], ss[taker_key], round(float(ss[amount_key]) * 1e6)))
        ss.lever_errors = []
    except MoveError as err:
        ss.lever_errors = [str(err)]
    except ValidationError as err:
        ss.lever_errors = explain(err)


def _move_money_form(sc: Scenario) -> None:
    """Move £X a year from one scheme to another; the money keeps its funding sources (models.scenario.moves)."""
    names = [s.name for s in sc.schemes]
    if len(names) < 2:
        return
    rev = st.session_state.rev
    keys = (f"move_from#{rev}", f"move_to#{rev}", f"move_amount#{rev}")
    c1, c2, c3, c4 = st.columns([3, 3, 2, 1])
    c1.selectbox("Move money from", names, key=keys[0], format_func=safe_text)
    c2.selectbox("into", names, index=1, key=keys[1], format_func=safe_text)
    c3.number_input(
        "Amount (£m a year)",
        min_value=0.0,
        max_value=MAX_BUDGET_GBP / 1e6,
        value=1.0,
        step=0.05,
        format="%.2f",
        key=keys[2],
    )
    c4.button(
        "Move",
        key=f"move_go#{rev}",
        on_click=_move,
        args=keys,
        help="Moves budget from the first scheme to the second. The money keeps its funding sources (the second "
        "scheme takes the first one's mix pro rata), so income, spend by source and every partner's contribution "
        "are unchanged.",
    )


def _income_levers(sc: Scenario) -> None:
    """The fund's income by source (e.g. an additional contribution) and the adult-social-care requirement."""
    rev = st.session_state.rev
    income = income_map(sc.income)
    cols = st.columns(len(SOURCES))
    for col, (key, src) in zip(cols, SOURCES.items(), strict=True):
        with col:
            bound_widget(
                st.number_input,
                f"{src.label} (£m a year)",
                f"income:{key}#{rev}",
                round(income[key] / 1e6, 6),
                lambda v, key=key: with_income(scenario(), key, round(float(v or 0) * 1e6)),
                min_value=0.0,
                max_value=MAX_BUDGET_GBP / 1e6,
                step=0.05,
                format="%.2f",
                help=f"What the fund receives from the {src.label} a year, paid by "
                + ("the ICB (the acute lead)" if src.side == "nhs" else "the council (the social-care lead)")
                + ". Today's fund by default; raise it to pay for more spend (its funder's contribution rises too).",
            )
    bound_widget(
        st.number_input,
        "NHS minimum contribution that must go to adult social care (£ a year)",
        f"lever:nhs_asc_requirement_gbp#{rev}",
        sc.nhs_asc_requirement_gbp,
        lambda v: evolve(scenario(), nhs_asc_requirement_gbp=None if v is None else float(v)),
        min_value=0.0,
        max_value=MAX_BUDGET_GBP,
        step=1000.0,
        format="%.0f",
        placeholder="not entered: not checked",
        help="The national condition's amount for this year, from the area's BCF allocations (the demo: the "
        "2021-22 'protection of adult social care' line, £6,799,326). Blank: the condition is not checked.",
    )


def _fund_section(sc: Scenario) -> dict[str, Any]:
    """Income, spend and balance by source; the national conditions; spend by type; the levers. Returns tables."""
    statement = fund_statement(sc)
    st.subheader("Where the money comes from")
    st.caption(
        "Income by funding source is a lever (today's fund by default); spend by source is each scheme's budget "
        "× its funding mix. NHS lines are paid by the ICB, council lines by the council, so **contributions follow "
        "who pays**: moving money between schemes changes no partner's contribution."
    )
    for line in statement.warnings:
        st.warning(safe_text(line))
    for line in national_conditions(sc):
        st.error(safe_text(line))
    gbp = {"format": "£%,.0f"}
    show_table(
        statement.sources.drop(columns="source"),
        hide_index=True,
        width="stretch",
        column_config={
            "label": st.column_config.TextColumn("Funding source", pinned=True),
            "funder": "Paid by",
            "income_gbp": st.column_config.NumberColumn("Income, £ a year", **gbp),
            "spend_gbp": st.column_config.NumberColumn("Spend, £ a year", **gbp),
            "balance_gbp": st.column_config.NumberColumn(
                "Balance, £ a year", help="Income − spend: unallocated (+) or overcommitted (−).", **gbp
            ),
            "status": "Balance",
        },
        changes=("balance_gbp",),
    )
    conditions = conditions_table(sc)
    show_table(
        conditions,
        hide_index=True,
        width="stretch",
        column_config={
            "condition": "National condition",
            "required": "Required",
            "scenario": "This scenario",
            "status": "Met?",
        },
    )
    st.caption(
        "NHS minimum contribution to adult social care: the NHS-minimum money in schemes the council leads "
        "(docs/funding.md). Disabled Facilities Grant: only in schemes of the type 'DFG adaptations and other housing'."
    )
    st.markdown("**Spend by service type** (the 2025-27 return's types, paraphrased)")
    show_table(
        statement.types,
        hide_index=True,
        width="stretch",
        column_config={
            "scheme_type": st.column_config.TextColumn("Service type", pinned=True),
            "schemes": st.column_config.NumberColumn("Schemes", format="%d"),
            "budget_gbp": st.column_config.NumberColumn("Spend, £ a year", **gbp),
            **{f"{k}_gbp": st.column_config.NumberColumn(f"From {src.label}", **gbp) for k, src in SOURCES.items()},
        },
    )
    if not statement.steps.empty:
        st.caption(
            "By step: "
            + "; ".join(
                f"{safe_text(r.step)} {fmt_gbp(r.budget_gbp)} ({r.schemes} scheme{'s' if r.schemes != 1 else ''})"
                for r in statement.steps.itertuples()
            )
            + ". Step-up services avoid a hospital admission; step-down services follow a hospital stay."
        )
    with st.expander("Change the income, or move money between schemes", expanded=bool(statement.warnings)):
        _income_levers(sc)
        st.markdown("**Move money between schemes**")
        _move_money_form(sc)
        for note in funding_notes(area().schemes):
            st.caption(safe_text(note))
    show_lever_errors()
    return {
        "fund by source": statement.sources,
        "spend by scheme": statement.schemes,
        "spend by type": statement.types,
        "national conditions": conditions,
    }


# --------------------------------------------------------------------------- the page
ensure_frame()
sc = scenario()
proj = projection()
winter_result()  # the page needs the first winter (a plain message and a stop when the horizon has none)
fund = scheme_funding(results(), results(reference()))  # "vs current funding": against the reference run
note = demo_note()
# the table with what each discharge scheme's capacity avoids in the winter (paired flow runs, cached)
table = pipeline.scheme_table_with_winter(results(), capacity_outcomes())  # one table for page, pack and CLI
fy = proj.first_fy

st.title("Scheme funding")
st.markdown(
    f"The Better Care Fund pools **{fmt_gbp(fund.current_total_gbp)} a year** today across **{len(sc.schemes)} "
    "schemes**"
    + (f"; this scenario funds **{fmt_gbp(fund.scenario_total_gbp)}**." if fund.budgets_changed else ".")
    + " The area's history already reflects today's funding, so the **current funding trend is the baseline** and "
    "every figure below is the effect of *changing* a budget. Admission- and placement-avoidance schemes state what "
    "they avoid a year at a reference budget (low / central / high, with diminishing returns); discharge-capacity "
    "schemes buy Home First starts, step-down beds or interim care-home places at the unit costs, and the winter "
    "simulation says what that capacity avoids."
)
if sc.schemes:
    st.caption(
        f"{fund.n_illustrative} of {len(sc.schemes)} schemes rest wholly or partly on **illustrative assumptions** (see each "
        "scheme's source in the table); treat their effects as a starting point for local evidence."
    )
if sc.savings_realised_pct < 100:
    st.warning(
        f"Only {sc.savings_realised_pct:.0f}% of the benefits of the budget changes are assumed to happen "
        "(the costs are paid in full)."
    )

# KPIs ---------------------------------------------------------------------------------------------
whole = table.loc[table["scheme"] == WHOLE_FUND].iloc[0]
k1, k2, k3, k4, k5 = st.columns(5)
k1.metric(
    "Pooled fund a year",
    fmt_gbp(fund.scenario_total_gbp),
    money_delta(fund.budget_change_gbp),
    delta_color="off",
    delta_arrow="off",
    help="Sum of the scenario's scheme budgets, £ a year. Delta: against today's budgets.",
)
k2.metric(
    f"Emergency admissions {fy or ''}".strip(),
    _count(fund.nea),
    signed_delta(fund.nea_change, ",.0f"),
    delta_color="inverse",
    help="Projected emergency admissions in the first projected financial year (mean of the draws). Delta: against "
    "current funding (every scheme at today's budget, the area's default levers, the same random numbers).",
)
k3.metric(
    f"Care-home placements 65+ {fy or ''}".strip(),
    f"{fund.placements:,.0f}",
    signed_delta(fund.placements_change, ",.1f"),
    delta_color="inverse",
    help="Permanent admissions of people 65+ to residential and nursing care, same year. Delta: against current "
    "funding.",
)
k4.metric(
    "Winter delayed + ED boarding days",
    f"{fund.lost_bed_days:,.0f}",
    signed_delta(fund.lost_bed_days_change, ",.0f"),
    delta_color="inverse",
    help="Bed days lost in the first projected winter: medically ready patients waiting in a bed plus patients "
    "waiting in ED for one. Delta: against current funding, paired simulation (same random numbers).",
)
k5.metric(
    "Net cost of the changes a year",
    fmt_gbp(whole["change_net_gbp"]),
    None,
    help="Budget change minus the gross value of the activity the changes avoid (admissions at £ per spell; "
    "placements as council cash over their stays within the horizon), average a year over the horizon. Winter "
    "bed days freed are shown on the left and in the table, valued separately (gross notional).",
)
st.caption(
    f"Money is £ a year averaged over the projection ({table.attrs.get('horizon', '')}). Savings are gross "
    "notional value except care-home placements, which release council cash week by week."
)

# Levers -------------------------------------------------------------------------------------------
st.subheader("Biggest levers")
st.caption("The three largest schemes by today's budget: £0 to twice that budget, in £50k steps.")
_budget_levers(sc)
show_lever_errors()

# The fund by source ---------------------------------------------------------------------------------
fund_tables = _fund_section(sc)

# Editable table ------------------------------------------------------------------------------------
st.subheader("The schemes")
st.caption(
    "Edit any cell, add a row at the bottom or delete rows (select, then the bin). Effects are activity avoided "
    "a year at the reference budget; a new row's current budget is £0 unless you enter one. A change is applied "
    "only when the whole table is valid."
)
_scheme_editor(sc, len(proj.months))
for msg in proj.effects.messages:
    st.info(safe_text(msg))

# Charts ---------------------------------------------------------------------------------------------
st.subheader("What the changes do")
st.plotly_chart(waterfall(table, proj.baseline_a_year("nea"), note), width="stretch", key="schemes_waterfall")
st.plotly_chart(
    before_after(None, proj.monthly_of("nea", "baseline"), proj.monthly_of("nea", "scenario"), "nea", note),
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
        help="Discharge capacity is on the Discharge and winter beds page, where the bed model says what it avoids.",
    )
    st.plotly_chart(
        metric_waterfall(table, proj.baseline_a_year(other), other, note),
        width="stretch",
        key="schemes_waterfall_other",
    )
with c2:
    st.plotly_chart(cost_per_avoided(table, note), width="stretch", key="schemes_cost_per_avoided")

# Table and downloads ------------------------------------------------------------------------------------
st.subheader("Scheme results")
gbp = {"format": "£%,.0f"}
count = {"format": "%,.0f"}
show_table(
    table.assign(
        metric=table["metric"].map(lambda m: f"{(lab := METRIC_LABELS.get(m, m))[:1].upper()}{lab[1:]}")
    ),  # words
    hide_index=True,
    width="stretch",
    column_config={
        "scheme": st.column_config.TextColumn("Scheme", pinned=True),
        "kind": "Kind",
        "funding_source": "Funding source",
        "scheme_type": "Service type",
        "step": "Step-up / step-down",
        "lead_partner": "Lead partner",
        "metric": st.column_config.TextColumn("Activity or capacity"),
        "savings_basis": "Savings are",
        "current_budget_gbp": st.column_config.NumberColumn("Current budget", **gbp),
        "budget_gbp": st.column_config.NumberColumn("Scenario budget", **gbp),
        "budget_change_gbp": st.column_config.NumberColumn("Budget change", **gbp),
        "unit_value_gbp": st.column_config.NumberColumn(
            "Value of one avoided", help="£ saved per admission or placement avoided (gross).", **gbp
        ),
        "avoided_a_year_mean": st.column_config.NumberColumn(
            "Buys: avoided a year",
            help="What the scheme's whole scenario budget avoids a year at full effect.",
            **count,
        ),
        "avoided_a_year_p10": st.column_config.NumberColumn("Buys, P10", **count),
        "avoided_a_year_p90": st.column_config.NumberColumn("Buys, P90", **count),
        "cost_per_avoided_gbp": st.column_config.NumberColumn("£ per one avoided", **gbp),
        "gross_savings_gbp": st.column_config.NumberColumn(
            "Gross value of what it buys, £ a year",
            help="Avoidance schemes: avoided a year × value of one; capacity schemes: first-winter delayed and "
            "boarding days its capacity avoids, valued at their unit costs.",
            **gbp,
        ),
        "net_cost_gbp": st.column_config.NumberColumn(
            "Net cost, £ a year", help="Budget minus gross value; negative = worth more than it costs.", **gbp
        ),
        "break_even_activity": st.column_config.NumberColumn(
            "Break-even (avoided a year)", help="Budget ÷ value of one avoided.", **count
        ),
        "p_break_even": st.column_config.NumberColumn(
            "Chance of breaking even", format="percent", help="Share of draws in which the value covers the budget."
        ),
        "change_a_year_mean": st.column_config.NumberColumn(
            "Change: avoided a year from the budget changes",
            help="Average a year over the horizon (ramp months count); negative = more activity (a cut).",
            **count,
        ),
        "change_a_year_p10": st.column_config.NumberColumn("Change, P10", **count),
        "change_a_year_p90": st.column_config.NumberColumn("Change, P90", **count),
        "change_savings_gbp": st.column_config.NumberColumn("Change: value, £ a year", **gbp),
        "change_net_gbp": st.column_config.NumberColumn("Change: net cost, £ a year", **gbp),
        "capacity_now": st.column_config.NumberColumn("Capacity today", format="%,.1f"),
        "capacity": st.column_config.NumberColumn("Capacity in the scenario", format="%,.1f"),
        "winter_delayed_days_avoided": st.column_config.NumberColumn(
            "Winter delayed days its capacity avoids", **count
        ),
        "winter_boarding_days_avoided": st.column_config.NumberColumn(
            "Winter patient-days in ED its capacity avoids", **count
        ),
        "winter_surge_bed_days_avoided": st.column_config.NumberColumn("Winter surge bed days avoided", **count),
        "winter_diverted_avoided": st.column_config.NumberColumn("Winter diverts avoided", **count),
        "winter_value_note": st.column_config.TextColumn("How the winter value was found", width="large"),
    },
    changes=("budget_change_gbp", "change_savings_gbp", "change_net_gbp"),
    blank_help=SCHEME_BLANKS,
)
st.caption(
    f"Activity units: {METRIC_UNITS['nea']} for NEA and ACS schemes; {METRIC_UNITS['placements']}. Capacity: "
    f"{METRIC_UNITS['p1_capacity']} (P1), {METRIC_UNITS['p2_capacity']} (P2), {METRIC_UNITS['p3_capacity']} (P3). "
    "What a capacity scheme avoids is simulated for the first winter (October–March), paired with the same "
    "random numbers, by taking its capacity away: all of it if the winter still copes without it, else the largest "
    "share (50%, 25%, 10%) it can do without, a lower bound of the whole; with no honest figure the note says why."
)
st.subheader("Money by financial year")
money = proj.money_table
show_table(
    money,
    hide_index=True,
    width="stretch",
    column_config={
        "label": st.column_config.TextColumn("Line", pinned=True),
        "basis": "Basis",
        **{c: st.column_config.NumberColumn(c, format="£%,.0f") for c in money.columns if "-" in str(c)},
    },
    changes=[str(c) for c in money.columns if "-" in str(c)],  # every line is a change against current funding
)
st.caption(
    "Means of the draws, £ in each financial year, for the budget changes against today's budgets. Admissions avoided "
    "are gross notional value; care-home placements avoided release council cash week by week over the stay, "
    "within the horizon."
)
export = {
    "money by year": proj.money,
    "schemes": table,
    "scheme inputs": schemes_to_rows(sc.schemes),
    **fund_tables,
    "NEA by month": proj.monthly.loc[proj.monthly["metric"] == "nea"],
}
downloads(
    {k: v for k, v in export.items() if not v.empty},
    "bcf_schemes",
    note=f"Savings realised: {sc.savings_realised_pct:.0f}%. Activity and money are averages a year over the horizon.",
)

c = sc.costs
how_calculated(
    f"""
**Current funding is the baseline.** The demand models are fitted on history in which today's schemes already
ran, so the baseline (the current funding trend) already contains their effect. A scenario's effect is the
*change* against current funding: effect × (f(B) − f(B_current)) for an avoidance scheme — zero when the budget is
unchanged, negative (more activity) when money is cut; a new scheme has B_current = £0. With every budget at its
current value the scenario equals the baseline, draw for draw (tested).

**Avoidance schemes** state the activity they avoid **a year at a reference budget** B0, as low / central / high;
each draw takes the effect from a triangular distribution over that range (keyed by the scheme's name and the
seed: common random numbers). At budget B the effect is the reference effect × f(B), with
f(B) = (1 − exp(−(B/B0)/s)) / (1 − exp(−1/s)): 0 at £0, 1 at B0, and each extra £ buys less (s is the
saturation). The change ramps in linearly over the ramp-up months (for a cut, the same months are the lag before
services wind down). The savings-realised % scales the benefits of more money, not the harm of a cut. Schemes
together cannot avoid more than the baseline activity in any simulated month (NEA and ACS together against the
NEA baseline).

**Discharge-capacity schemes** buy capacity at one cost basis per service, shared with the winter page:
a Home First (P1) start £{c.p1_start:,.0f}; a step-down (P2) bed day £{c.p2_bed_day:,.0f}; an interim care-home
(P3) placement £{c.p3_week:,.0f} a week × {c.p3_weeks_per_placement:g} weeks. Their budget change moves the
winter model's capacities; the delayed and boarding days they avoid come out of the paired simulation, never
from a typed-in effect.

**Money.** An emergency admission avoided is worth £{c.nea_spell:,.0f} (NAO; gross notional value: acute costs
are largely fixed in a year). A care-home placement avoided releases £{c.care_home_week:,.0f} a week of council
cash for as long as the stay would have lasted (exponential stays with a mean of
{c.placement_duration_weeks:,.0f} weeks), booked month by month and only within the horizon: a placement avoided
in the last projected year saves only the weeks left. Delayed bed days are valued at £{c.excess_bed_day:,.0f} and
ED boarding days at £{c.boarding_day:,.0f} (gross notional). **Break-even** = budget ÷ value of one avoided.
"""
)
