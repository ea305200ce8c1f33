"""Named scenarios for an area: the baseline (every lever at the area's defaults) and the workshop presets.

Money in £ a year; capacities per week.
"""

from __future__ import annotations

import pandas as pd

from models.core.fy import fy_start
from models.core.numbers import parse_number
from models.core.units import WEEKS_A_YEAR
from models.inputs.areas import AreaData
from models.inputs.history import nea65_by_fy
from models.scenario.groups import Costs, Flow, Scheme
from models.scenario.moves import add_money, move_money
from models.scenario.scenario import Scenario, evolve
from models.scenario.tables import schemes_from_table

#: Defaults when an area's flow_defaults.csv leaves them out (docs/sources.md#hospital-flow).
P2_LOS_ENGLAND = 29.3  # days: post-hospital rehabilitation beds, England, Community Bed Audit 4 March 2026
DRD_PCT_DELAYED_ENGLAND = 13.5  # % of discharges after the ready date, England 2024-25 (NHS England DRD data)
DRD_MEAN_DELAY_ENGLAND = 6.09  # days among delayed discharges, England 2024-25 (NHS England DRD data)


def _optional_int(text: str | None) -> int | None:
    return None if text is None or str(text).strip() == "" else int(parse_number(text))


def baseline(area: AreaData) -> Scenario:
    """The do-as-planned scenario for an area: every lever at the area's defaults."""
    f = area.flow_defaults
    c = area.unit_costs
    flow = Flow(
        core_beds=int(parse_number(f["core_beds"])),
        escalation_beds=0,  # the baseline has no escalation beds; presets add them
        escalation_open=f.get("escalation_open", "12-01"),
        escalation_close=f.get("escalation_close", "03-31"),
        mean_los_days=parse_number(f.get("mean_los_days", 5.0)),
        share_14plus=parse_number(f["share_14plus"]),
        share_21plus=parse_number(f["share_21plus"]),
        p0_share=parse_number(f["p0_share"]),
        p1_share=parse_number(f["p1_share"]),
        p2_share=parse_number(f["p2_share"]),
        p3_share=parse_number(f["p3_share"]),
        p1_starts_per_week=parse_number(f["p1_starts_per_week"]),
        p2_beds=int(parse_number(f["p2_beds"])),
        p2_los_days=parse_number(f.get("p2_los_days", P2_LOS_ENGLAND)),
        p3_per_week=parse_number(f["p3_per_week"]),
        winter_uplift_pct=parse_number(f.get("winter_uplift_pct", 0.0)),
        surge_beds=_optional_int(f.get("surge_beds")),
        surge_after_hours=parse_number(f.get("surge_after_hours", 6.0)),
        ed_max_waiting=_optional_int(f.get("ed_max_waiting")),
        drd_pct_delayed=parse_number(f.get("drd_pct_delayed", DRD_PCT_DELAYED_ENGLAND)),
        drd_mean_delay_days=parse_number(f.get("drd_mean_delay_days", DRD_MEAN_DELAY_ENGLAND)),
    )
    costs = Costs(
        nea_spell=c["nea_spell"],
        excess_bed_day=c["excess_bed_day"],
        escalation_bed_day=c.get("escalation_bed_day", c.get("nonelective_bed_day", 901.0)),
        care_home_week=c["care_home_residential_week"],
        placement_duration_weeks=c.get("placement_duration_weeks", 104.0),
        p1_start=c["p1_start"],
        p2_bed_day=c["p2_bed_day"],
        p3_week=c["p3_week"],
        p3_weeks_per_placement=c.get("p3_weeks_per_placement", 4.0),
        boarding_day=c.get("boarding_day", 345.0),
        surge_bed_day=c.get("surge_bed_day", 1352.0),
        divert=c.get("divert", 500.0),
    )
    return Scenario(
        name="Baseline",
        horizon_years=default_horizon(area),
        schemes=schemes_from_table(area.schemes),
        ambition_placements=area.meta.ambition_placements,
        ambition_rate_per_100k=area.meta.ambition_rate_per_100k,
        nhs_asc_requirement_gbp=area.meta.nhs_asc_requirement_gbp,
        ambition_nea65_per_100k=default_nea65_ambition(area),
        ambition_delay_days=default_delay_ambition(area, flow),
        flow=flow,
        costs=costs,
    )


#: The last financial year of the 2026-29 multi-year local government settlement, which BCF plans sit within.
SETTLEMENT_LAST_FY = 2028  # 2028-29
DEFAULT_HORIZON_YEARS = 5


def default_horizon(area: AreaData) -> int:
    """Financial years projected by default: five, or more when the data end so early that five would stop before
    the settlement's last year (2028-29), at most ten (the horizon's limit)."""
    first = pd.Timestamp(area.admissions["month"].max()) + pd.DateOffset(months=1)
    first_full = int(fy_start(first)) + (0 if first.month == 4 else 1)  # a part year is not one of the horizon's
    return int(min(10, max(DEFAULT_HORIZON_YEARS, SETTLEMENT_LAST_FY - first_full + 1)))


def default_nea65_ambition(area: AreaData) -> float:
    """The area's maximum level for 65+ emergency admissions per 100,000 aged 65+ a year: its own, else its latest
    complete year's rate rounded to the nearest 10 ("no worse than now"; recorded or estimated)."""
    if area.meta.ambition_nea65_per_100k is not None:
        return float(area.meta.ambition_nea65_per_100k)
    history = nea65_by_fy(area)
    return float(round(history["rate_per_100k"].iloc[-1], -1)) if len(history) else 24_000.0


def default_delay_ambition(area: AreaData, flow: Flow) -> float:
    """The area's maximum level for the average discharge delay (days over all discharges): its own, else its
    discharge-ready-date figures (share delayed × mean delay among the delayed)."""
    if area.meta.ambition_delay_days is not None:
        return float(area.meta.ambition_delay_days)
    return round(flow.drd_average_days, 2)


def presets(area: AreaData) -> dict[str, Scenario]:
    """Named scenarios for workshops, each one change to the area's baseline (current funding)."""
    base = baseline(area)
    esc = int(parse_number(area.flow_defaults.get("escalation_beds", 27)))
    out = {base.name: base}
    out[f"+{esc} escalation beds (Dec–Mar)"] = evolve(
        base, name=f"+{esc} escalation beds (Dec–Mar)", flow={"escalation_beds": esc}
    )
    out["+15 Home First starts a week"] = _more_home_first(base, 15.0)
    out["High older-people growth"] = evolve(base, name="High older-people growth", growth={"variant": "high"})
    shifted = _move_money(base, 1_000_000)
    out[shifted.name] = shifted
    flop = evolve(shifted, name="Move £1m, and the savings don't materialise", savings_realised_pct=0.0)
    out[flop.name] = flop
    return out


def _largest(base: Scenario, metrics: tuple[str, ...], lead: str | None = None) -> Scheme | None:
    pool = [s for s in base.schemes if s.metric in metrics and (lead is None or s.lead_partner == lead)]
    return max(pool, key=lambda s: s.budget_gbp) if pool else None


def _with_budgets(base: Scenario, name: str, budgets: dict[str, float]) -> Scenario:
    """The scenario with some schemes' budgets changed; each keeps its funding mix (shares), and the income
    stays as it was, so a rise shows as spend above income on the Scheme funding page (docs/funding.md)."""
    schemes = [{**s.model_dump(), "budget_gbp": budgets.get(s.name, s.budget_gbp)} for s in base.schemes]
    return evolve(base, name=name, schemes=schemes)


def _more_home_first(base: Scenario, per_week: float) -> Scenario:
    """+``per_week`` P1 starts a week, bought through the largest Home First (P1) scheme at its unit cost and paid
    by an additional NHS contribution (so the fund stays balanced and the NHS partner's contribution rises)."""
    name = f"+{per_week:g} Home First starts a week"
    taker = _largest(base, ("p1_capacity",))
    if taker is None:  # no capacity scheme to fund it: change the capacity lever (uncosted)
        return evolve(base, name=name, flow={"p1_starts_per_week": base.flow.p1_starts_per_week + per_week})
    extra = per_week * WEEKS_A_YEAR * base.costs.p1_start
    return add_money(base, taker.name, extra, "additional_nhs", name=name)  # new NHS money, not a reallocation


def _move_money(base: Scenario, amount: float) -> Scenario:
    """Move ``amount`` £ from the council's largest placement-avoidance scheme into Home First / reablement.

    The finance lead's question (docs/model.md#who-asks-what). Falls back to the largest admission-avoidance
    scheme when there is no P1 capacity scheme. The money keeps its funding sources (:func:`move_money`), so
    income and every partner's contribution are unchanged (docs/funding.md).
    """
    donor = _largest(base, ("placements",), "Council") or _largest(base, ("placements",))
    taker = _largest(base, ("p1_capacity",)) or _largest(base, ("nea",))
    name = "Move £1m from social care into Home First"
    if donor is None or taker is None or donor is taker:
        return evolve(base, name=name)
    return move_money(base, donor.name, taker.name, min(amount, donor.budget_gbp), name=name)
