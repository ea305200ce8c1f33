"""Discharge and winter beds: occupancy, delays and options, with an Erlang bed-sizing calculator."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from models import pipeline
from models.charts.flow import occupancy_fan, occupancy_risk, options_chart, size_matters
from models.charts.optimise import cost_curve
from models.core.fy import fy_bounds, fy_date
from models.core.units import fmt_gbp
from models.flow.beds import occupancy_at_refusal_target, occupancy_risk_curve
from models.flow.simulate import WARMUP_DAYS as WARMUP
from models.flow.simulate import delay_bands
from models.pipeline import optimise as opt
from models.pipeline.benchmarks import audit_beds_note, benchmark_line
from models.pipeline.core_metrics import LABELS, core_metrics, quarterly_view
from models.pipeline.results import is_reference
from models.pipeline.stages import bed_sizing
from models.pipeline.views import calibration_table, pathway_shares_with
from pages.ui.cache import bed_need, projection, results, winter_options_result, winter_result
from pages.ui.changes import set_scenario
from pages.ui.core import SHARE_COLUMN, metric_tile
from pages.ui.downloads import downloads
from pages.ui.state import area, ensure_frame, reference, scenario
from pages.ui.tables import show_table
from pages.ui.text import demo_note, how_calculated, safe_text
from pages.ui.widgets import lever, show_lever_errors, signed_delta

ensure_frame()
a, sc = area(), scenario()
f = sc.flow
st.title("Discharge and winter beds")
st.markdown(
    "Do we need the escalation beds, or would more discharge capacity do more for less? A day-by-day simulation "
    "of the acute emergency bed base for the area's residents through the first projected winter (October–March). "
    "Each of the Monte Carlo draws is one winter driven by its own demand path (growth, trend and scheme changes); "
    "stays are calibrated so the simulated system reproduces the area's mean stay and 14+/21+ day shares; beds "
    "bind (when every bed is full, arrivals wait in ED); discharge pathways P0–P3 have limited capacity, which the "
    "discharge schemes' budgets buy."
)

sources = (
    a.tables["flow_defaults.csv"].set_index("parameter")["source"] if "source" in a.tables["flow_defaults.csv"] else {}
)


def src(name: str) -> str:
    return f"Default source: {safe_text(sources.get(name, 'uploaded'))}." if len(sources) else ""


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
        year = pipeline.winter_start(projection().months).year  # the simulated winter starts 1 October of this year
        first_day, last_day = fy_bounds(year)

        def mmdd(v: dt.date) -> str:
            return f"{v.month:02d}-{v.day:02d}"

        for label, field in (
            ("Escalation opens", "escalation_open"),
            ("Escalation closes (last day)", "escalation_close"),
        ):
            m, d = (int(x) for x in getattr(f, field).split("-"))
            lever(
                st.date_input,
                label,
                ("flow", field),
                display_value=fy_date(year, m, d),
                min_value=first_day,
                max_value=last_day,
                format="DD/MM/YYYY",
                to_value=mmdd,
                help="The winter simulated is 1 October – 31 March; the same dates apply each year.",
            )
        st.markdown("**When every bed is full**")
        lever(
            st.number_input,
            "Surge beds at most",
            ("flow", "surge_beds"),
            display_value=f.surge_limit,
            min_value=0,
            max_value=10 * f.core_beds,
            step=1,
            help="Beds opened beyond the scheduled ones (assessment or day-case space, cancelled electives) for "
            "patients waiting in ED; each surge bed day is costed at the surge rate. " + src("surge_beds"),
        )
        lever(
            st.slider,
            "A surge bed opens after a wait of, hours",
            ("flow", "surge_after_hours"),
            min_value=0.0,
            max_value=24.0,
            step=0.5,
            help=src("surge_after_hours"),
        )
        lever(
            st.number_input,
            "Patients ED can hold waiting for a bed",
            ("flow", "ed_max_waiting"),
            display_value=f.ed_limit,
            min_value=0,
            max_value=100_000,
            step=1,
            help="Beyond this, arrivals are diverted or transferred out (counted and costed). " + src("ed_max_waiting"),
        )
    with c2:
        st.markdown("**Length of stay and demand**")
        lever(
            st.slider,
            "Mean length of stay, days",
            ("flow", "mean_los_days"),
            min_value=1.5,
            max_value=20.0,
            step=0.1,
            help="Bed days ÷ admissions, delays included (from the area's data). " + src("mean_los_days"),
        )
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
        st.markdown("**Discharge delays (discharge-ready date)**")
        lever(
            st.slider,
            "Discharges made after the ready date, %",
            ("flow", "drd_pct_delayed"),
            min_value=0.0,
            max_value=50.0,
            step=0.1,
            help="Calibrates the delays that are not due to a pathway's capacity (NHS England DRD data; England "
            "2024-25: 13.5%). " + src("drd_pct_delayed"),
        )
        lever(
            st.slider,
            "Mean delay among them, days",
            ("flow", "drd_mean_delay_days"),
            min_value=1.0,
            max_value=20.0,
            step=0.01,
            help="England 2024-25: 6.09 days. " + src("drd_mean_delay_days"),
        )
    with c3:
        st.markdown("**Pathways on discharge (% of patients)**")
        p0 = 100 * f.p0_share
        st.caption(f"P0, home with no new support: **{p0:.1f}%** (the rest). {src('p0_share')}")
        for k in range(4):  # a real area: its published pathway mix beside its nearest areas, region and England
            line = benchmark_line(a, f"p{k}")
            if line:
                st.caption(f"Benchmark P{k}: " + safe_text(line))
        for k, label in (
            (1, "P1 home with support (Home First)"),
            (2, "P2 step-down / rehab bed"),
            (3, "P3 care home"),
        ):
            field = f"p{k}_share"

            def rest_to_p0(sc_now, value: float, field: str = field) -> dict:  # noqa: ANN001 - a Scenario
                return pathway_shares_with(sc_now.flow, field, value)

            lever(
                st.number_input,
                f"{label}, %",
                ("flow", field),
                display_value=getattr(f, field) * 100,
                min_value=0.0,
                max_value=100.0,
                step=0.5,
                format="%.1f",
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
                    "Home First (P1) starts a week at current funding",
                    ("flow", "p1_starts_per_week"),
                    0.0,
                    5000.0,
                    1.0,
                    src("p1_starts_per_week"),
                ),
                (
                    "Care-home (P3) placements a week at current funding",
                    ("flow", "p3_per_week"),
                    0.0,
                    1000.0,
                    0.5,
                    src("p3_per_week"),
                ),
            ],
        ),
        (
            "Step-down (P2)",
            [
                (
                    "Step-down beds at current funding",
                    ("flow", "p2_beds"),
                    0,
                    2000,
                    1,
                    f"{src('p2_beds')}{audit_beds_note(a)}",
                ),
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
                (
                    "Interim care-home bed, a week",
                    ("costs", "p3_week"),
                    0.0,
                    1e5,
                    10.0,
                    "Default £916: council-paid residential care 65+ (ASC-FR 2023-24).",
                ),
                (
                    "Weeks of interim bed per P3 discharge",
                    ("costs", "p3_weeks_per_placement"),
                    0.5,
                    52.0,
                    0.5,
                    "Illustrative assumption (discharge to assess).",
                ),
                (
                    "A patient-day waiting in ED for a bed",
                    ("costs", "boarding_day"),
                    0.0,
                    1e5,
                    5.0,
                    "Assumption: £345, the hotel cost of a bed day without treatment (PQ 146908), ≈ £14 an hour; "
                    "no cost of corridor care is published.",
                ),
            ],
        ),
    )
    for column, (heading, levers) in zip(st.columns(3), groups, strict=True):
        with column:
            st.markdown(f"**{heading}**")
            for label, path, low, high, step, help_text in levers:
                shown = {} if isinstance(step, int) else {"format": "%.0f" if float(step).is_integer() else "%.1f"}
                lever(st.number_input, label, path, min_value=low, max_value=high, step=step, help=help_text, **shown)
show_lever_errors()

w = winter_result()
ref = winter_result(reference())
is_ref = is_reference(a, sc)
change = w.capacity_change
if w.capacity_changed:
    st.info(
        "The scheme budgets change discharge capacity against current funding: "
        f"P1 {change['p1_starts_per_week']:+.1f} starts a week, P2 {change['p2_beds']:+.1f} beds, "
        f"P3 {change['p3_per_week']:+.1f} placements a week (at the winter's start, after ramp-up). "
        f"Simulated: P1 {w.params.p1_starts_per_week:.1f} a week, P2 {w.params.p2_beds} beds, "
        f"P3 {w.params.p3_per_week:.1f} a week."
    )
if not w.can_cope:
    st.error(
        "**Not a forecast: this winter cannot cope.** Average demand is above capacity, so a queue grows every "
        "day and the figures below depend on how long the winter is and on the ED's limit and surge beds, not on "
        "a settled system. Add capacity (or reduce demand) until the warnings below clear."
    )
for message in w.messages:
    st.warning(safe_text(message))
note = demo_note()
st.subheader(f"Winter {w.start:%-d %B %Y} – {w.end:%-d %B %Y}")
st.caption(
    "Means over the draws; each draw is one winter with its own demand path, scheme effects and day-to-day "
    "variation, so the ranges carry demand and scheme uncertainty. Changes are against the current funding trend"
    + (" (this scenario is the current funding trend)." if is_ref else ".")
)


res = results()
st.markdown("**BCF core metric: average discharge delay against the area's maximum level**")
delay_col, quarters_col = st.columns([1, 2])
metric_tile(delay_col, core_metrics(res, a)["delay"])
if benchmark_line(a, "delay"):
    delay_col.caption("Benchmark: " + safe_text(benchmark_line(a, "delay")))
quarters = quarterly_view(res, a)
with quarters_col:
    show_table(
        quarters.loc[quarters["Metric"] == LABELS["delay"]].drop(columns=["Metric", "Figures"]),
        hide_index=True,
        width="stretch",
        column_config=SHARE_COLUMN,
    )
quarters_col.caption(
    "Quarters 3 (October–December) and 4 (January–March) of the first projected winter: P50 against the maximum "
    "level, and the chance of staying at or under it."
)


def kpi_delta(name: str, fmt: str) -> str | None:
    """The KPI's change against current funding; none for the reference itself or a change that rounds to zero."""
    return None if is_ref else signed_delta(w.kpi_change(ref, name), fmt.lstrip("+"), "vs current funding")


m = st.columns(5)
m[0].metric(
    "Mean occupancy",
    f"{w.kpi('mean_occupancy_pct'):.1f}%",
    kpi_delta("mean_occupancy_pct", "+.1f"),
    delta_color="inverse",
    help="Patients in beds ÷ open beds, averaged over days and draws (never above 100%: beds bind)",
)
m[1].metric(
    "Days ≥ 95% / every bed full",
    f"{w.kpi('days_at_95'):.0f} / {w.kpi('days_full'):.0f}",
    kpi_delta("days_full", "+.0f"),
    delta_color="inverse",
    help=f"Expected days in the {w.run.days}-day winter; the chance that a given day has every bed full is "
    f"{w.kpi('days_full', 'p_day'):.0%}.",
)
m[2].metric(
    "Delayed bed days",
    f"{w.kpi('delayed_bed_days'):,.0f}",
    kpi_delta("delayed_bed_days", "+,.0f"),
    delta_color="inverse",
    help=f"P10–P90 {w.kpi('delayed_bed_days', 'p10'):,.0f}–{w.kpi('delayed_bed_days', 'p90'):,.0f}: medically "
    "ready patients waiting in a bed for their discharge pathway",
)
m[3].metric(
    "Waits for a bed over 12 hours",
    f"{w.kpi('waits_over_12h'):,.0f}",
    kpi_delta("waits_over_12h", "+,.0f"),
    delta_color="inverse",
    help=f"P10–P90 {w.kpi('waits_over_12h', 'p10'):,.0f}–{w.kpi('waits_over_12h', 'p90'):,.0f} patients. "
    f"{w.kpi('patients_boarded'):,.0f} patients waited for a bed ({w.kpi('waits_over_4h'):,.0f} over 4 hours; "
    f"mean wait {w.kpi('mean_wait_hours'):.1f} hours among them): {w.kpi('boarding_days'):,.0f} patient-days "
    "in ED, counted to the half hour.",
)
m[4].metric(
    "Inpatients 14+ / 21+ days",
    f"{w.kpi('share_14plus'):.1%} / {w.kpi('share_21plus'):.1%}",
    kpi_delta("share_21plus", "+.1%"),
    delta_color="inverse",
    help="Share of the daily census, delays included",
)
d = st.columns(5)
d[0].metric(
    "Discharged on the ready date",
    f"{w.kpi('drd_pct_on_date'):.1f}%",
    kpi_delta("drd_pct_on_date", "+.1f"),
    help="Share of discharges (stays of a night or more) made on the discharge-ready date, as NHS England counts "
    "them. England 2024-25: 86.5%.",
)
d[1].metric(
    "Mean delay among the delayed",
    f"{w.kpi('drd_mean_delay_delayed'):.2f} days",
    kpi_delta("drd_mean_delay_delayed", "+.2f"),
    delta_color="inverse",
    help="Days from the ready date to discharge among discharges made after it. England 2024-25: 6.09 days.",
)
d[2].metric(
    "Average delay over all discharges",
    f"{w.kpi('drd_mean_delay_all'):.2f} days",
    kpi_delta("drd_mean_delay_all", "+.2f"),
    delta_color="inverse",
    help="The BCF's discharge metric (average days from the ready date, zero delays included). England 2024-25: "
    "0.82 days.",
)
d[3].metric(
    "Surge bed days",
    f"{w.kpi('surge_bed_days'):,.0f}",
    kpi_delta("surge_bed_days", "+,.0f"),
    delta_color="inverse",
    help=f"Beds in use above the scheduled beds (at most {w.params.surge_beds:,} at once), opened for patients "
    f"waiting {w.params.surge_after_hours:g}+ hours, and escalation beds kept open for their patients after closing.",
)
d[4].metric(
    "Diverted or transferred out",
    f"{w.kpi('diverted'):,.0f}",
    kpi_delta("diverted", "+,.0f"),
    delta_color="inverse",
    help=f"Arrivals who found {w.params.ed_max_waiting:,} patients already waiting in ED for a bed.",
)
st.plotly_chart(occupancy_fan(w.weekly, note, None if is_ref else ref.weekly), width="stretch", key="occupancy_fan")
cal = w.calibration
bands = delay_bands(w.run)
st.markdown("**Discharge delays in discharge-ready-date terms** (the winter's discharges of a night or more)")
b1, b2 = st.columns(2)
b1.dataframe(
    bands[["band", "discharges", "share"]],
    hide_index=True,
    width="stretch",
    column_config={
        "band": "Days after the ready date",
        "discharges": st.column_config.NumberColumn("Discharges (mean)", format="%,.0f"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
    },
)
b2.dataframe(
    calibration_table(cal),
    hide_index=True,
    width="stretch",
    column_config={"figure": "Calibrated to", "target": "Area's figure", "model": "Model (typical demand)"},
)
costs = w.costs.set_index("component")
st.caption(
    f"{w.run.n_reps:,} draws, seeded; arrivals {w.mean_arrivals_per_day:.1f} a day on average. Winter capacity "
    f"spend {fmt_gbp(costs.loc['total_spend', 'mean'])}; delayed bed days valued at "
    f"{fmt_gbp(costs.loc['delayed_days_cost', 'mean'])} and ED boarding at "
    f"{fmt_gbp(costs.loc['boarding_cost', 'mean'])} (gross notional values, not cash)."
)

st.subheader("Options side by side")
st.markdown(
    "Each option is added to the scenario above and simulated with **the same random numbers** (the same demand "
    "draws, arrivals and patients), so the differences are the options', not noise. The first row is the scenario "
    "itself: the same run as the figures above."
)
o1, o2, o3 = st.columns(3)
lever(
    o1.number_input,
    "Option A: extra escalation beds",
    ("flow", "option_extra_beds"),
    min_value=0,
    max_value=500,
    step=1,
    help="Open on the escalation dates above. Seed 003: 27 additional beds proposed for winter 2022-23.",
)
lever(
    o2.number_input,
    "Option B: extra Home First starts a week",
    ("flow", "option_extra_p1_per_week"),
    min_value=0.0,
    max_value=500.0,
    step=1.0,
    format="%.0f",  # "15 starts", not "15.00"
    help="Costed at the Home First start unit cost, block contract (paid whether used or not).",
)
lever(
    o3.number_input,
    "Option C: extra step-down beds",
    ("flow", "option_extra_p2_beds"),
    min_value=0,
    max_value=500,
    step=1,
    help="Costed at the step-down bed day, block (paid whether used or not).",
)
options = winter_options_result()
shown = options.assign(option=options["option"].replace({"baseline": f"Scenario: {sc.name}"}))
st.plotly_chart(options_chart(options, note), width="stretch", key="options_chart")
count = {"format": "%,.0f"}
show_table(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        "option": "Option",
        "delayed_days": st.column_config.NumberColumn("Delayed bed days", **count),
        "delayed_days_avoided": st.column_config.NumberColumn("Delayed days avoided", **count),
        "boarding_days": st.column_config.NumberColumn("Patient-days waiting in ED", **count),
        "boarding_days_avoided": st.column_config.NumberColumn("… avoided", **count),
        "patients_boarded": st.column_config.NumberColumn("Patients who waited in ED", **count),
        "waits_over_12h": st.column_config.NumberColumn("Waits over 12 h", **count),
        "waits_over_12h_avoided": st.column_config.NumberColumn("12-h waits avoided", **count),
        "surge_bed_days": st.column_config.NumberColumn("Surge bed days", **count),
        "surge_bed_days_avoided": st.column_config.NumberColumn("Surge bed days avoided", **count),
        "diverted": st.column_config.NumberColumn("Diverted", **count),
        "diverted_avoided": st.column_config.NumberColumn("Diverts avoided", **count),
        "drd_mean_delay_all": st.column_config.NumberColumn("Average delay (days)", format="%.2f"),
        "response_cost": st.column_config.NumberColumn("Cost of delays and the response", format="£%,.0f"),
        "response_cost_avoided": st.column_config.NumberColumn("… avoided", format="£%,.0f"),
        "days_at_92": st.column_config.NumberColumn("Days ≥ 92%", format="%.0f"),
        "days_at_95": st.column_config.NumberColumn("Days ≥ 95%", format="%.0f"),
        "days_full": st.column_config.NumberColumn("Days every bed full", format="%.0f"),
        "mean_occupancy_pct": st.column_config.NumberColumn("Mean occupancy", format="%.1f%%"),
        "share14": st.column_config.NumberColumn("Share 14+ days", format="percent"),
        "share21": st.column_config.NumberColumn("Share 21+ days", format="percent"),
        "spend": st.column_config.NumberColumn("Capacity spend", format="£%,.0f"),
        "extra_cost": st.column_config.NumberColumn("Extra cost", format="£%,.0f"),
        "cost_per_delayed_day_avoided": st.column_config.NumberColumn("£ per delayed day avoided", format="£%,.0f"),
        "cost_per_boarding_day_avoided": st.column_config.NumberColumn("£ per boarding day avoided", format="£%,.0f"),
        "cost_per_bed_day_freed": st.column_config.NumberColumn(
            "£ per bed day freed (delayed + ED + surge)", format="£%,.0f"
        ),
    },
    blank_help=dict.fromkeys(
        ("cost_per_delayed_day_avoided", "cost_per_boarding_day_avoided", "cost_per_bed_day_freed"),
        "the scenario itself (what the options are compared with), or under half a day avoided: no cost per day",
    ),
)

OPT_KEY = "optimiser_result"


def optimiser_settings() -> opt.Settings | None:
    """The optimiser's inputs in a form; the settings when the button is pressed, else None."""
    defaults = opt.default_bounds(sc, w)
    rev = st.session_state.get("rev", 0)
    with st.form(f"optimiser#{rev}"):
        cols = st.columns(4)
        bounds = []
        for col, lever in zip(cols, opt.LEVERS, strict=True):
            lo, hi = defaults[lever]
            top = opt.LEVER_LIMITS[lever]
            col.markdown(f"**{opt.LEVER_LABELS[lever]}**")
            low = col.number_input("Lowest", 0, top, lo, 1, key=f"opt_lo_{lever}#{rev}")
            high = col.number_input("Highest", 0, top, hi, 1, key=f"opt_hi_{lever}#{rev}")
            bounds.append((lever, int(low), int(high)))
        g1, g2, g3 = st.columns(3)
        aim = g1.radio(
            "Minimise",
            ("Capacity cost and costed outcomes", "Capacity cost only"),
            key=f"opt_objective#{rev}",
            help="Costed outcomes: delayed bed days, patient-days waiting in ED, surge bed days and diverts, at the "
            "unit costs above (gross notional values, not cash).",
        )
        with_target = g2.checkbox(
            "Keep the average discharge delay at or under the maximum level",
            value=True,
            key=f"opt_with_target#{rev}",
            help=f"The area's maximum level: {sc.ambition_delay_days:.2f} days (set it on Home).",
        )
        chance = g2.slider("… in this share of winters, %", 50, 99, 80, 1, key=f"opt_prob#{rev}")
        cap = g3.number_input(
            "Most extra capacity cost this winter, £ (0: no cap)",
            0.0,
            1e9,
            0.0,
            10_000.0,
            format="%.0f",
            key=f"opt_cap#{rev}",
        )
        curve = g3.number_input("Cost curve: each lever ± units", 1, 5, 1, 1, key=f"opt_curve#{rev}")
        pressed = st.form_submit_button("Find the cheapest mix", type="primary")
    if not pressed:
        return None
    try:
        return opt.Settings(
            bounds=tuple(bounds),
            objective="spend" if aim == "Capacity cost only" else "total",
            target_prob=chance / 100 if with_target else None,
            budget_gbp=cap if cap > 0 else None,
            curve_units=int(curve),
        )
    except opt.OptimiseProblem as err:
        st.error(f"Not run: {err}.")
        return None


def run_optimiser(settings: opt.Settings) -> None:
    """Run the optimiser with progress shown, and keep its answer for this session."""
    with st.status("Finding the cheapest mix on the scenario's own draws…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def report(fraction: float, text: str) -> None:
            bar.progress(fraction, text=text)

        try:
            result = opt.optimise(sc, a, settings, projection=projection(), winter=w, progress=report)
        except opt.OptimiseProblem as err:
            status.update(label="Not run", state="error")
            st.error(f"The optimiser cannot answer: {err}.")
            return
        bar.progress(1.0, text=f"{result.simulations} simulations in {result.seconds:.1f} s")
        status.update(label="The cheapest mix is below", state="complete", expanded=False)
    st.session_state[OPT_KEY] = result


def apply_answer(result: opt.OptimiserResult) -> None:
    """Make the answer the session's scenario (as a preset or a loaded scenario is: widgets re-initialised)."""
    new = opt.result_scenario(result)
    set_scenario(new, external=True)
    st.session_state.scenario_origin = (new.name, new)


def show_answer(result: opt.OptimiserResult) -> None:
    """The answer: its message, the mix, its figures against today, the money, how sure it is, apply it."""
    (st.success if result.feasible else st.error)(result.message)
    for line in result.notes:
        st.warning(safe_text(line))
    left, right = st.columns(2)
    show_table(
        opt.mix_table(result),
        where=left,
        hide_index=True,
        width="stretch",
        column_config={
            "lever": "Lever",
            "today": st.column_config.NumberColumn("Today", format="%,.1f"),
            "answer": st.column_config.NumberColumn("Cheapest mix", format="%,.0f"),
            "change": st.column_config.NumberColumn("Change", format="%+,.1f"),
            "bounds": "Searched",
        },
        changes=("change",),
    )
    right.dataframe(
        opt.outcome_view(result),
        hide_index=True,
        width="stretch",
        column_config={"figure": "This winter (means over the draws)", "today": "Today", "answer": "Cheapest mix"},
    )
    st.markdown("**In money: the scheme budgets that buy it** (the area's own schemes and unit costs)")
    budget = opt.budget_table(result)
    if len(budget):
        show_table(
            budget,
            hide_index=True,
            width="stretch",
            column_config={
                "item": "Scheme or lever",
                "lever": "Buys",
                "now": st.column_config.NumberColumn("Now", format="£%,.0f"),
                "after": st.column_config.NumberColumn("Cheapest mix", format="£%,.0f"),
                "change": st.column_config.NumberColumn("Change", format="£%,.0f"),
                "basis": "What the money is",
            },
            changes=("change",),
        )
    else:
        st.caption("No budget changes: the scenario's own capacity is already the cheapest mix.")
    st.plotly_chart(cost_curve(result.curve, note), width="stretch", key="optimiser_curve")
    st.markdown(safe_text(opt.runner_up_text(result)))
    st.caption(
        f"{result.evals_search} mixes searched on the first {result.draws_search:,} draws, {result.evals_full} "
        f"checked on all {result.draws_full:,}; {result.simulations} simulations in {result.seconds:.1f} s. The "
        "budget changes share each pathway's change between its schemes in proportion to their budgets, allowing "
        "for ramp-up and the share of savings realised. How it searches: a coordinate search over whole units on "
        "the first draws, then the answer and its neighbours on every draw; when no mix meets the target it shows "
        "the closest, the one whose delay in the chosen share of winters comes nearest the maximum level."
    )
    downloads(
        {
            "cheapest mix": opt.mix_table(result),
            "winter figures": opt.outcome_table(result),
            "budget changes": opt.budget_table(result),
            "cost curve": result.curve,
            "mixes checked on every draw": result.candidates,
        },
        "bcf_cheapest_mix",
    )
    current = opt.result_scenario(result) == sc
    st.button(
        "Applied: this is the session's scenario" if current else "Apply as scenario",
        on_click=apply_answer,
        args=(result,),
        disabled=current,
        key="optimiser_apply",
        help="Make the cheapest mix the scenario: save it, compare it and export it like any other.",
    )


st.subheader("Cheapest way to meet the ambition")
st.markdown(
    "The cheapest mix of Home First starts, step-down beds, interim care-home places and escalation beds, each in "
    "whole units within the bounds you set: it minimises their cost this winter (at the unit costs above) plus the "
    "costed outcomes, or their cost alone, keeping the average discharge delay at or under the area's maximum level "
    "in the share of winters you choose. Every mix is simulated on **the same draws** as the scenario above, so "
    "two mixes differ only by their capacity."
)
asked = optimiser_settings()
if asked is not None:
    run_optimiser(asked)
answer = st.session_state.get(OPT_KEY)
if answer is not None:
    if answer.scenario != sc and opt.result_scenario(answer) != sc:
        st.info(
            f"The answer below is for the scenario as it was ({safe_text(answer.scenario.name)}); the scenario has "
            "changed since: run the optimiser again for the current one."
        )
    show_answer(answer)


st.subheader("How many beds? Three answers side by side")
need = bed_need()  # the same winter with beds that never run out: the demand for beds
mean_load = need["mean_census"]
p90_peak = need["p90_peak"]
s1, s2 = st.columns(2)
occupancy_target = s1.slider("Target mean occupancy, %", 50, 99, 92, 1, key="calc_occ") / 100
refusal = s2.slider("Acceptable chance that every bed is full, %", 0.1, 20.0, 2.0, 0.1, key="calc_refusal") / 100
sizing = bed_sizing(need, occupancy_target, refusal)
simple, erl = sizing["simple"], sizing["erlang"]
r1, r2, r3, r4 = st.columns(4)
r1.metric(
    f"Simple conversion at {occupancy_target:.0%}",
    f"{simple:,} beds",
    help="Bed days ÷ (days × target occupancy), as the national hospital planning model does: covers the average only.",
)
r2.metric(
    f"Erlang: every bed full ≤ {refusal:.1%} of the time",
    f"{erl:,} beds",
    help="Erlang loss model on the same load: adds room for day-to-day randomness, but not for a winter whose "
    "demand runs high.",
)
r3.metric(
    "Simulated P90 peak",
    f"{p90_peak:,.0f} beds",
    help="In 9 winters out of 10 the busiest day needs no more beds than this, so nobody waits in ED for a bed: "
    "it includes demand and scheme uncertainty and the discharge queues (simulated with beds that never run out).",
)
r4.metric(
    "Beds in the scenario",
    f"{f.core_beds:,} + {f.escalation_beds:,}",
    help="Core beds + escalation beds (open between the escalation dates).",
)
st.caption(
    f"The load is the simulated mean census with delays included and beds that never run out "
    f"({mean_load:,.1f} patients a day), not arrivals × stay to medically ready. The three figures differ because "
    "they answer different questions: the simple conversion plans for the average day, Erlang for randomness "
    "around a known average, and the simulated peak for a bad winter (its demand, its queues and its busiest "
    f"day; the median winter's busiest day needs {need['p50_peak']:,.0f})."
)
curve = occupancy_risk_curve(mean_load)
left, right = st.columns(2)
left.plotly_chart(occupancy_risk(curve, mean_load, note), width="stretch", key="risk_curve")
sizes = occupancy_at_refusal_target([1, 2, 4, 8, 15, 30, 60, 120, 250, 500, 1000], refusal)
right.plotly_chart(size_matters(sizes, refusal), width="stretch", key="size_matters")

downloads(
    {
        "weekly occupancy": w.weekly,
        "winter KPIs": w.kpis,
        "winter costs": w.costs,
        "options": options,
        "discharge delay bands": bands,
        "bed sizing curve": curve,
    },
    "bcf_winter_beds",
)
how_calculated(
    f"""
**One Monte Carlo.** Draw *d* of the demand projection (its own monthly emergency admissions, with growth, trend
and the scenario's scheme changes) drives winter replication *d*: arrivals each day are Poisson around that
draw's month spread over its days with a weekday shape (illustrative: Monday peak, weekend dip) and any extra
winter surge. So the P10–P90 ranges include demand and scheme uncertainty, not only day-to-day noise.

**Stays** to *medically ready* are log-normal, calibrated on the *simulated* system (today's capacities, delays
and the 120-day truncation included) so that it reproduces the mean length of stay
({cal.target_mean_los:.1f} days; simulated {cal.simulated_mean_los:.2f}) and the shares of inpatients at 14+ and
21+ days ({cal.target_14plus:.1%} / {cal.target_21plus:.1%}; simulated {cal.simulated_14plus:.1%} /
{cal.simulated_21plus:.1%}): μ = {cal.los_mu:.3f}, σ = {cal.los_sigma:.3f}. The page warns when the simulated
shares miss the targets by more than 1 percentage point.

**Discharge.** On becoming ready a patient goes home (P0) or needs a Home First start (P1, limited starts a day),
a step-down bed (P2, limited beds, fixed stay) or a care-home placement (P3, limited a day). When the pathway is
full the patient waits in the acute bed: **delayed bed days**. Each queue is served **longest delay first** (the
oldest discharge-ready date; within a day, longest stay). Some P0 patients also wait past their ready date for
things other than a pathway (medicines, transport, assessments): their share and mean wait are calibrated so that
the model reproduces the area's discharge-ready-date figures ({cal.target_drd_pct_delayed:.1f}% of discharges
after the ready date, {cal.target_drd_mean_delay:.2f} days among them; the model gives
{cal.simulated_drd_pct_delayed:.1f}% and {cal.simulated_drd_mean_delay:.2f} at typical demand). The capacities are
the levers at current funding plus what the discharge schemes' budget changes buy at the unit costs.

**Beds bind, and a full hospital responds.** Time within a day is kept to the half hour: arrivals come at a
half hour, patients going home leave at a half hour, the discharge round frees its beds at the end of the
day. An arrival who finds every bed full waits in ED, first come first served, and takes the first bed that
frees: the wait is counted to that half hour (**waits over 4 and 12 hours**, **patient-days in ED** costed at
£{sc.costs.boarding_day:,.0f} a day, an assumption). After {f.surge_after_hours:g} hours a **surge bed** opens for
them, up to {w.params.surge_beds:,} at once (£{sc.costs.surge_bed_day:,.0f} a bed day, an assumption); an arrival
who finds {w.params.ed_max_waiting:,} patients already waiting is **diverted or transferred out**
(£{sc.costs.divert:,.0f} each, an assumption). So waits in ED stay within what an ED holds, and options compare on
the response they avoid as well as on delays. Patients ready and home on the day they arrive need no ward bed.

**When a winter cannot cope.** If average demand is above the beds (with surge) or a pathway's capacity, its queue
grows every day and never settles: the page says so, and Home, Compare, the command line and the workbooks mark
the winter figures as not a forecast.

**Common random numbers** survive lever changes: each day's arrivals come from a uniform fixed for that draw and
day (inverse CDF), each patient's arrival time, stay, pathway and any delay from uniforms fixed for the arrival
slot, so an option changes only what it must. The winter starts warm: the inpatients of a stationary past are
drawn exactly, then {WARMUP} days at the first week's rate bring queues, step-down beds and ED waits to their
steady state.

**Validation** (tests run in CI): Little's law with ample capacity; the loss version against Erlang B; queues,
waits for a bed and days with every bed full against an independent discrete-event simulation (SimPy);
occupancy never above the open beds; patients waiting in ED never above the ED's limit; more surge beds never
longer waits; the paired standard error of an option's effect is far below the unpaired one.

**Limits.** One winter, one bed pool for the area's residents; no elective competition for beds; stays do not
change with the season; pathway capacities are steady through the winter; diverted patients' care elsewhere is
not counted.
"""
)
