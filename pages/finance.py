"""Risk share and finance: who carries the overspend, with what probability (docs/model.md#finance-and-risk-share)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import zlib

import streamlit as st
from pydantic import ValidationError

from models.charts.finance import position_violins, tornado_chart
from models.core.units import fmt_gbp
from models.money import riskshare
from models.money.fund import fund_statement, national_conditions
from models.report.finance import FUND_HEADERS, finance_workbook
from models.scenario import RISK_LINE_DEFAULTS, RISK_LINES, RiskShare, evolve, explain
from pages.ui.cache import finance_result, finance_tornado, results
from pages.ui.changes import set_scenario
from pages.ui.downloads import board_pack_button
from pages.ui.state import area, ensure_frame, reference, scenario
from pages.ui.tables import show_table
from pages.ui.text import demo_note, how_calculated, safe_text

ensure_frame()

st.title("Risk share and finance")
st.markdown(
    "Who carries an overspend under the pooled fund's risk-share terms, and with what probability. "
    "The **plan** is what the partners agreed (the scenario with its scheme changes fully realised, or the "
    "targets below); the **outturn** is each Monte Carlo draw of the scenario as it happens; the variance "
    "is shared under the terms, draw by draw."
)

sc = scenario()
terms = sc.risk_share
rev = st.session_state.rev
ss = st.session_state


def _apply_terms(new_terms: RiskShare | dict) -> None:
    """Make a new scenario with these terms; a refusal keeps the last valid terms."""
    try:
        data = new_terms.model_dump() if isinstance(new_terms, RiskShare) else new_terms
        set_scenario(evolve(scenario(), risk_share=data))
        ss.finance_errors = []
    except ValidationError as err:
        ss.finance_errors = explain(err)
    except (TypeError, ValueError) as err:
        ss.finance_errors = [str(err)]


# --- the switch and the presets ------------------------------------------------------------------
c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1.4])
flop_key = f"finance:flop#{rev}"
ss[flop_key] = sc.savings_realised_pct == 0.0


def _flop() -> None:
    set_scenario(evolve(scenario(), savings_realised_pct=0.0 if ss[flop_key] else 100.0))


c1.toggle(
    "Savings don't materialise",
    key=flop_key,
    on_change=_flop,
    help="The outturn with every scheme change realised at 0% (the plan still expects them in full).",
)
for col, name in zip((c2, c3, c4), riskshare.PRESET_NAMES, strict=True):
    col.button(
        name,
        key=f"finance:preset:{name}",
        width="stretch",
        on_click=lambda n=name: _apply_terms(riskshare.preset_terms(n, scenario().risk_share)),
        help="Apply these terms (partners, contributions and caps are kept)",
    )

# --- the terms ------------------------------------------------------------------------------------
n_partners = len(terms.partners)
# widget keys carry the terms' fingerprint: a preset or a refused change redraws the form from the terms
tag = f"{rev}:{zlib.crc32(terms.model_dump_json().encode()):08x}"
with st.expander("Risk-share terms", expanded=True):
    b1, b2, _ = st.columns([1, 1, 3])

    def _add() -> None:
        _apply_terms(riskshare.terms_with_partner_added(scenario().risk_share))

    def _remove() -> None:
        _apply_terms(riskshare.terms_without_last_partner(scenario().risk_share))

    b1.button("Add a partner", on_click=_add, disabled=n_partners >= 4, key="finance:add")
    b2.button("Remove the last partner", on_click=_remove, disabled=n_partners <= 2, key="finance:remove")
    contrib = riskshare.contributions(sc)
    with st.form(f"finance:terms:{tag}"):
        st.markdown(
            "**Partners** (contribution blank: the income of the funding sources it pays: NHS lines the acute "
            "lead, council lines the social-care lead)"
        )
        rows = []
        for k, p in enumerate(terms.partners):
            cols = st.columns([1.3, 1.2, 1.2, 1, 1])
            rows.append(
                (
                    cols[0].text_input("Partner", p.name, key=f"fin:name:{k}:{tag}"),
                    cols[1].number_input(
                        f"Contribution £ a year (now {fmt_gbp(contrib[k])})",
                        value=p.contribution_gbp,
                        min_value=None,
                        step=100_000.0,
                        format="%.0f",
                        key=f"fin:contrib:{k}:{tag}",
                    ),
                    cols[2].number_input(
                        "Cap on its overspend £ a year (blank: none)",
                        value=p.cap_gbp,
                        step=100_000.0,
                        format="%.0f",
                        key=f"fin:cap:{k}:{tag}",
                    ),
                    cols[3].number_input(
                        "Share of overspend %",
                        value=round(terms.overspend_split[k] * 100, 4),
                        step=5.0,
                        format="%.1f",
                        key=f"fin:over:{k}:{tag}",
                    ),
                    cols[4].number_input(
                        "Share of underspend %",
                        value=round(terms.underspend_split[k] * 100, 4),
                        step=5.0,
                        format="%.1f",
                        key=f"fin:under:{k}:{tag}",
                    ),
                )
            )
        names_now = [p.name for p in terms.partners]
        d1, d2, d3 = st.columns(3)
        basis = d1.selectbox(
            "Split of an overspend or underspend",
            ["agreed", "contributions"],
            index=["agreed", "contributions"].index(terms.split_basis),
            format_func=lambda v: "the agreed shares above" if v == "agreed" else "in proportion to contributions",
            key=f"fin:basis:{tag}",
        )
        contingency = d2.number_input(
            "Contingency / risk pool £ a year",
            value=float(terms.contingency_gbp),
            step=100_000.0,
            format="%.0f",
            key=f"fin:cont:{tag}",
        )
        threshold = d3.number_input(
            "Threshold borne by the overspending line's lead £ a year",
            value=float(terms.threshold_gbp),
            step=50_000.0,
            format="%.0f",
            key=f"fin:thr:{tag}",
        )
        e1, e2, e3 = st.columns(3)
        excess_to = e1.selectbox(
            "A capped partner's excess goes to",
            ["other partners", "pool"],
            index=["other partners", "pool"].index(terms.cap_excess_to),
            key=f"fin:excess:{tag}",
        )
        acute_lead = e2.selectbox(
            "Lead for acute lines (NHS)", names_now, index=names_now.index(terms.acute_lead), key=f"fin:acute:{tag}"
        )
        social_lead = e3.selectbox(
            "Lead for social-care lines (council)",
            names_now,
            index=names_now.index(terms.social_care_lead),
            key=f"fin:social:{tag}",
        )
        f1, f2, f3, f4 = st.columns(4)
        perf = f1.number_input(
            "Performance element, % of the acute lead's contribution",
            value=float(terms.performance_pct),
            step=1.0,
            format="%.1f",
            key=f"fin:perf:{tag}",
        )
        target = f2.number_input(
            "Admissions reduction target %",
            value=float(terms.admissions_target_pct),
            step=0.5,
            format="%.1f",
            key=f"fin:target:{tag}",
            help="The 2015-16 rule: 3.5%. The element is released to schemes only if the reduction of "
            "emergency admissions on the current funding trend reaches it; otherwise it is paid to the acute provider.",
        )
        plan_nea = f3.number_input(
            "Planned NEA reduction % (blank: the scenario's)",
            value=terms.plan_nea_reduction_pct,
            step=0.5,
            format="%.1f",
            key=f"fin:plan_nea:{tag}",
        )
        plan_plc = f4.number_input(
            "Planned placements reduction % (blank: the scenario's)",
            value=terms.plan_placements_reduction_pct,
            step=0.5,
            format="%.1f",
            key=f"fin:plan_plc:{tag}",
        )
        st.markdown("**Who carries each line** (pooled, its lead partner, a named partner, or not shared)")
        choices = ["pool", "lead", "outside", *names_now]
        line_terms = []
        for col, (line, label) in zip(itertools.cycle(st.columns(4)), RISK_LINES.items()):
            how = terms.treatment(line)
            picked = col.selectbox(
                label,
                choices,
                index=choices.index(how) if how in choices else 0,
                key=f"fin:line:{line}:{tag}",
                format_func=lambda v: {
                    "pool": "pooled",
                    "lead": "its lead partner",
                    "outside": "not shared (outside the agreement)",
                }.get(v, v),
            )
            line_terms.append((line, picked))
        submitted = st.form_submit_button("Apply the terms", type="primary")
    if submitted:
        _apply_terms(
            {
                "partners": [{"name": name, "contribution_gbp": c, "cap_gbp": cap} for name, c, cap, _, _ in rows],
                "split_basis": basis,
                "overspend_split": [o / 100.0 for *_, o, _ in rows],
                "underspend_split": [u / 100.0 for *_, u in rows],
                "contingency_gbp": contingency,
                "threshold_gbp": threshold,
                "cap_excess_to": excess_to,
                "acute_lead": acute_lead,
                "social_care_lead": social_lead,
                "line_terms": [(k, v) for k, v in line_terms if v != RISK_LINE_DEFAULTS[k]],
                "performance_pct": perf,
                "admissions_target_pct": target,
                "plan_nea_reduction_pct": plan_nea,
                "plan_placements_reduction_pct": plan_plc,
            }
        )
        if not ss.get("finance_errors"):
            st.rerun()

for line in ss.get("finance_errors", []):
    st.error(f"Not applied: {safe_text(line)}. The last valid terms are still in use.")

# --- contributions by funder and the national conditions -------------------------------------------
sc = scenario()
fund = fund_statement(sc)
st.subheader("Contributions by funder")
st.caption(
    "Contributions follow **who pays**, not which partner leads a scheme: the NHS minimum and additional NHS "
    f"contributions are paid by {safe_text(sc.risk_share.acute_lead)} (the acute lead), the Local Authority BCF "
    f"grant, the Disabled Facilities Grant and additional council contributions by "
    f"{safe_text(sc.risk_share.social_care_lead)} (the social-care lead). Moving money between schemes changes no "
    "partner's contribution; a stated contribution in the terms above replaces the computed one."
)
show_table(
    fund.contributions,
    hide_index=True,
    width="stretch",
    column_config={
        "partner": st.column_config.TextColumn("Partner", pinned=True),
        "contribution_gbp": st.column_config.NumberColumn("Contribution, £ a year", format="£%,.0f"),
        "basis": st.column_config.TextColumn("Basis", width="large"),
    },
)
idle = [
    p.name
    for p, v in zip(sc.risk_share.partners, fund.contributions["contribution_gbp"], strict=True)
    if p.contribution_gbp is None and v == 0
]
if idle:
    st.warning(
        "No funding source is paid by " + ", ".join(safe_text(n) for n in idle) + ", so its contribution is £0: "
        "type its contribution in the terms above."
    )
for line in [*fund.warnings, *national_conditions(sc)]:
    st.warning(safe_text(line))

# --- results --------------------------------------------------------------------------------------
sc = scenario()
terms = sc.risk_share
exceed = st.number_input(
    "Stated amount: probability that a partner's net position over the horizon exceeds (£)",
    value=float(ss.get("finance:exceed", 1_000_000.0)),
    step=250_000.0,
    format="%.0f",
    key="finance:exceed_input",
)
ss["finance:exceed"] = exceed
fin = finance_result(sc, exceed)
alloc = fin.allocation
summary = fin.summary
years = f"{alloc.fy[0]} – {alloc.fy[-1]}" if alloc.fy else "no complete year"
st.subheader(f"Each partner's net position, {years}")
st.caption(
    "Net position: the partner's share of the variance against plan over the horizon (+ overspend it carries, "
    "− money back), on top of its contribution. Percentiles of the Monte Carlo draws."
)
cols = st.columns(len(summary))
for col, r in zip(cols, summary.itertuples(), strict=True):
    name = safe_text(r.partner)
    col.metric(
        f"{name}: P50 net position",
        fmt_gbp(r.p50_gbp),
        f"P10 {fmt_gbp(r.p10_gbp)} · P90 {fmt_gbp(r.p90_gbp)}",
        delta_color="off",
        delta_arrow="off",
    )
    col.metric(
        f"{name}: probability of an overspend",
        f"{r.p_overspend:.0%}",
        f"{r.p_exceed:.0%} chance of more than {fmt_gbp(exceed)}",
        delta_color="off",
        delta_arrow="off",
    )
    col.metric(
        f"{name}: expected liability",
        fmt_gbp(r.expected_liability_gbp),
        help="Mean over the draws of the overspend it carries (draws with money back count as 0)",
    )
st.plotly_chart(
    position_violins(alloc.position(), alloc.partners, exceed, demo_note()), width="stretch", key="finance_violins"
)
show = riskshare.whole_pounds(summary).rename(
    columns={**riskshare.SUMMARY_HEADERS, "p_exceed": f"Chance of more than {fmt_gbp(exceed)}"}
)
show_table(
    show,
    hide_index=True,
    width="stretch",
    column_config={c: st.column_config.NumberColumn(format="£%,.0f") for c in show.columns if "£" in c}
    | {c: st.column_config.NumberColumn(format="percent") for c in show.columns if c.startswith("Chance of")},
)
pool_cover = alloc.mean_pool_cover
if pool_cover:
    st.caption(
        f"The pool itself covers {fmt_gbp(pool_cover)} on average over the horizon (contingency and capped excess)."
    )
unshared = alloc.mean_unshared
if any(terms.treatment(line) == "outside" for line in RISK_LINES):
    st.caption(f"Lines outside the agreement: {fmt_gbp(unshared)} mean variance over the horizon, shared by no one.")
if terms.performance_pct > 0:
    st.caption(
        f"Performance element {fmt_gbp(alloc.performance_gbp)} a year: released in "
        f"{alloc.share_released:.0%} of draw-years (reduction ≥ {terms.admissions_target_pct:g}%)."
    )

st.subheader("Year by year, per partner")
for name in alloc.partners:
    t = riskshare.whole_pounds(fin.statement.loc[fin.statement["partner"] == name].drop(columns="partner"))
    st.markdown(f"**{safe_text(name)}**")
    show_table(
        t.rename(
            columns={
                "fy": "Financial year",
                "contribution_gbp": "Contribution (£)",
                "lines_carried_gbp": "Lines carried (£)",
                "threshold_gbp": "Threshold (£)",
                "overspend_share_gbp": "Overspend share (£)",
                "underspend_share_gbp": "Underspend share (£)",
                "net_position_gbp": "Net position, mean (£)",
                "p10_gbp": "P10 (£)",
                "p50_gbp": "P50 (£)",
                "p90_gbp": "P90 (£)",
                "p_overspend": "Chance of an overspend",
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"Chance of an overspend": st.column_config.NumberColumn(format="percent")}
        | {
            c: st.column_config.NumberColumn(format="£%,.0f")
            for c in (
                "Contribution (£)",
                "Lines carried (£)",
                "Threshold (£)",
                "Overspend share (£)",
                "Underspend share (£)",
                "Net position, mean (£)",
                "P10 (£)",
                "P50 (£)",
                "P90 (£)",
            )
        },
        key=f"finance_statement:{name}",
    )
with st.expander("The fund's lines: plan, outturn and variance by year"):
    show_table(
        fin.fund.drop(columns="line"),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(label, format="£%,.0f") if c.endswith("_gbp") else label
            for c, label in FUND_HEADERS.items()
        },
        changes=("variance_gbp", "variance_p10_gbp", "variance_p90_gbp"),
    )

st.subheader("What moves each partner's position")
tor = finance_tornado(fin, sc)
who = st.selectbox("Partner", list(alloc.partners), key="finance:tornado_partner")
st.plotly_chart(tornado_chart(tor, who, demo_note()), width="stretch", key="finance_tornado")

if not ss.get("presentation"):
    board_pack_button(results(sc), results(reference()), fin, tor, key="finance_pack")
    st.download_button(
        "Risk-share detail (Excel)",
        data=functools.partial(finance_workbook, sc, area(), fin, today=dt.date.today(), exceed_gbp=exceed),
        file_name="bcf_risk_share.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="finance_xlsx",
        on_click="ignore",  # built when clicked, never on a rerun; no rerun to race the download
    )
how_calculated(
    "For each Monte Carlo draw and complete financial year: **plan** = the agreed activity (the scenario with "
    "its scheme changes fully realised, or the targets) priced at the unit costs; **outturn** = the draw's "
    "activity: emergency admissions × cost per spell, care-home placements × weekly cost over the weeks of each "
    "stay within the horizon, and in the first winter's year the escalation bed days open, P3 interim weeks, "
    "delayed and boarding days (the notional lines go to their lead by default). Scheme budgets are block "
    "contracts (plan = outturn). A line outside the agreement is reported and shared by no one. **Order of cover** of a pooled overspend: underspends on other pooled lines, "
    "the contingency, the threshold of each overspending line borne by its lead, then the split, with caps (the "
    "excess to the other partners or left to the pool). A net underspend is shared by the underspend split. "
    "Money is conserved in every draw: the partners' shares plus the pool's cover equal the variance. The tornado "
    "moves one input at a time over its range on the same random numbers (the winter is held at the scenario's "
    "for the demand inputs)."
)
