"""A whole scenario's results and its headline figures (one definition for Home, Compare, the CLI and exports).

``Results`` bundles the stages' outputs (models/pipeline/stages.py); :func:`headline` reads the figures users act
on from them; :func:`reference_scenario` is the one "current funding" reference every page compares with.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.inputs.areas import AreaData
from models.pipeline.core_metrics import ascof2c_rate_draws, chance_at_or_under, delay_draws, nea65_rate_draws
from models.pipeline.stages import Fits, Projection, Winter
from models.scenario import Scenario, baseline, evolve


@dataclass(frozen=True, eq=False)
class Results:
    """A whole scenario's results (see each part's docstring for columns and units).

    ``winter`` is None when the projection is too short to hold a winter.
    """

    scenario: Scenario
    fits: Fits
    projection: Projection
    winter: Winter | None = None


def reference_scenario(area: AreaData, scenario: Scenario, *, with_terms: bool = False) -> Scenario:
    """ "Current funding": the one reference every "vs current funding" change on every page is measured against.

    It is the area's baseline scenario (:func:`models.scenario.baseline`: every scheme at its current
    budget, savings realised in full, and every other lever — growth, flow, unit costs, ambition — at the area's
    defaults) with the scenario's horizon, number of draws, seed and COVID-19 treatment, so that the two runs
    share their random numbers and a change is the effect of the scenario's levers, not Monte Carlo noise.
    ``with_terms`` also gives it the scenario's risk-share terms (for the partners' positions: the same terms
    applied to current funding).

    Not to be confused with a projection's ``"baseline"`` series, which is the scenario's own levers without its
    scheme budget changes (the scheme effects are measured against it); the two agree draw for draw when the
    scenario keeps the area's default growth levers.
    """
    return evolve(
        baseline(area),
        horizon_years=scenario.horizon_years,
        n_draws=scenario.n_draws,
        seed=scenario.seed,
        demand=scenario.demand.model_dump(),
        **({"risk_share": scenario.risk_share.model_dump()} if with_terms else {}),
    )


def is_reference(area: AreaData, scenario: Scenario) -> bool:
    """Whether the scenario is the current-funding reference itself (then there is no change to show)."""
    return scenario.to_json() == reference_scenario(area, scenario).to_json()


HEADLINE_LABELS: dict[str, str] = {
    "nea65_rate_first_fy": "Emergency admissions 65+ per 100,000 aged 65+, first projected year",
    "p_nea65_within_ambition": "Chance of staying at or under the 65+ admissions maximum level (first year)",
    "winter_drd_mean_delay_all": "Average discharge delay, first winter (days after the ready date, all discharges)",
    "p_delay_within_ambition": "Chance of staying at or under the discharge-delay maximum level (first winter)",
    "placements_rate_first_fy": "Care-home admissions 65+ per 100,000 (ASCOF 2C), first projected year",
    "p_ascof2c_within_ambition": "Chance of staying at or under the ASCOF 2C maximum level (first year)",
    "nea_first_fy": "Emergency admissions, first projected year",
    "nea_change_first_fy": "Emergency admissions, change from schemes (first year)",
    "acs_first_fy": "Avoidable (ACS) admissions, first projected year",
    "placements_first_fy": "Care-home placements 65+, first projected year",
    "p_meet_placements_ambition": "Chance of meeting the placements ambition (first year)",
    "winter_mean_occupancy_pct": "Winter mean occupancy (% of open beds)",
    "winter_days_at_95": "Winter days at or above 95% occupancy",
    "winter_days_full": "Winter days with every bed full",
    "winter_delayed_bed_days": "Winter delayed bed days",
    "winter_delayed_bed_days_p90": "Winter delayed bed days (P90)",
    "winter_boarding_days": "Winter patient-days waiting in ED for a bed",
    "winter_boarding_days_p90": "Winter patient-days waiting in ED for a bed (P90)",
    "winter_waits_over_12h": "Winter patients waiting over 12 hours for a bed",
    "winter_surge_bed_days": "Winter surge bed days",
    "winter_diverted": "Winter patients diverted or transferred out (ED full)",
    "winter_can_cope": "Winter demand within capacity (1 = yes; 0 = the winter figures are not a forecast)",
    "winter_share_21plus": "Winter share of inpatients staying 21+ days",
    "winter_capacity_spend_gbp": "Winter capacity spend (£)",
    "fund_budget_gbp": "Pooled fund (scheme budgets, £ a year)",
    "fund_budget_change_gbp": "Change in scheme budgets against current funding (£ a year)",
}


def headline(results: Results) -> dict[str, float]:
    """The headline figures of a run (means over draws unless the key says P90).

    Keys and meaning: :data:`HEADLINE_LABELS`; the first projected financial year is the
    first complete one. One definition shared by the home tiles, the compare page and
    the command line. Winter keys are NaN when the run has no winter.
    """
    p = results.projection
    sc = results.scenario
    plc = p.placements_table
    first = plc[(plc["series"] == "scenario") & (plc["fy"] == p.first_fy)].iloc[0]
    _, nea65 = nea65_rate_draws(p)
    _, ascof = ascof2c_rate_draws(p)
    out = {
        "nea65_rate_first_fy": float(nea65[:, 0].mean()),
        "p_nea65_within_ambition": float(chance_at_or_under(nea65[:, 0], sc.ambition_nea65_per_100k)),
        "p_ascof2c_within_ambition": float(chance_at_or_under(ascof[:, 0], sc.ambition_rate_per_100k)),
        "nea_first_fy": p.annual_mean("nea", "scenario"),
        "nea_change_first_fy": p.annual_mean("nea", "scenario") - p.annual_mean("nea", "baseline"),
        "acs_first_fy": p.annual_mean("acs", "scenario"),
        "placements_first_fy": float(first["mean"]),
        "placements_rate_first_fy": float(first["rate_mean"]),
        "p_meet_placements_ambition": float(first["p_meet_ambition"]),
        "fund_budget_gbp": float(sc.scheme_budget_gbp),
        "fund_budget_change_gbp": float(sum(s.budget_gbp - s.current_budget_gbp for s in sc.schemes)),
    }
    w = results.winter
    nan = float("nan")
    if w is None:
        out.update({k: nan for k in HEADLINE_LABELS if k.startswith("winter_") or k == "p_delay_within_ambition"})
    else:
        spend = w.costs.set_index("component")["mean"]
        out.update(
            {
                "winter_mean_occupancy_pct": w.kpi("mean_occupancy_pct"),
                "winter_days_at_95": w.kpi("days_at_95"),
                "winter_days_full": w.kpi("days_full"),
                "winter_delayed_bed_days": w.kpi("delayed_bed_days"),
                "winter_delayed_bed_days_p90": w.kpi("delayed_bed_days", "p90"),
                "winter_boarding_days": w.kpi("boarding_days"),
                "winter_boarding_days_p90": w.kpi("boarding_days", "p90"),
                "winter_waits_over_12h": w.kpi("waits_over_12h"),
                "winter_surge_bed_days": w.kpi("surge_bed_days"),
                "winter_diverted": w.kpi("diverted"),
                "winter_drd_mean_delay_all": w.kpi("drd_mean_delay_all"),
                "p_delay_within_ambition": float(chance_at_or_under(delay_draws(w), sc.ambition_delay_days)),
                "winter_can_cope": 1.0 if w.can_cope else 0.0,
                "winter_share_21plus": w.kpi("share_21plus"),
                "winter_capacity_spend_gbp": float(spend["total_spend"]),
            }
        )
    return {k: out[k] for k in HEADLINE_LABELS}


def headline_change(results: Results, reference: Results) -> dict[str, float]:
    """Each headline figure of a run less the reference run's (:func:`reference_scenario`): the "vs current
    funding" changes (NaN where either run has no winter)."""
    h, r = headline(results), headline(reference)
    return {k: h[k] - r[k] for k in HEADLINE_LABELS}
