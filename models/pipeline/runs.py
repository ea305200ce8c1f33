"""The one pipeline: every caller runs a scenario through these functions.

Pages, Compare, the finance and its tornado, the command line and the app's background warm-up all
call :func:`run`, :func:`finance` and :func:`tornado` here. What differs between callers is only *how the four
stages are obtained*: remembered for one call or one caller (:func:`memo_stages`, the default: the command line,
Compare, tests) or through the app's caches
(``pages/ui/cache.py`` passes a :class:`Stages` whose functions are cached wrappers of the same stage
functions). No caller re-implements a stage.

Stages (models/pipeline/stages.py): fits (data only) → base rate paths (fits, draws, seed) → projection (every
lever) → the first winter (daily flow). The finance prices a *plan* run (the scenario with its savings fully
realised) against the *outturn* run (the scenario itself) on the same random numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.core.fy import annual_to_monthly, fy_label, fy_layout, fy_start, sum_by_fy
from models.flow.simulate import per_rep_costs, simulate_flow
from models.inputs.areas import AreaData
from models.money.riskshare import (
    UNIT_COST_INPUTS,
    UNIT_COSTING,
    WINTER_VOLUMES,
    Activity,
    Finance,
    TornadoCase,
    finance_from_activity,
    tornado_table,
)
from models.money.schemes import scheme_table
from models.pipeline.results import Results
from models.pipeline.stages import (
    BasePaths,
    Fits,
    Projection,
    Winter,
    WinterTooShort,
    capacity_attribution,
    fit_all,
    project,
    simulate_base,
    winter,
)
from models.scenario import Scenario, evolve

#: ± share of the P1 starts a week delivered in the tornado (block contract: the spend is unchanged).
CAPACITY_RANGE = 0.10


@dataclass(frozen=True)
class Stages:
    """How a caller obtains each stage: the stage functions themselves, or cached wrappers of them.

    Each field has the signature of the stage function it stands for (models/pipeline/stages.py).
    """

    fits: Callable[[AreaData, str], Fits] = fit_all
    base: Callable[[Fits, int, int, int], BasePaths] = simulate_base
    project: Callable[[Scenario, AreaData, Fits, BasePaths], Projection] = project
    winter: Callable[[Scenario, AreaData, Projection], Winter] = winter

    def fits_for(self, scenario: Scenario, area: AreaData) -> Fits:
        """The fitted models for the scenario's COVID-19 treatment."""
        return self.fits(area, scenario.demand.covid)

    def projection(self, scenario: Scenario, area: AreaData) -> Projection:
        """The scenario's projection (fits and base paths from this caller's stages)."""
        fits = self.fits_for(scenario, area)
        base = self.base(fits, scenario.horizon_years, scenario.n_draws, scenario.seed)
        return self.project(scenario, area, fits, base)

    def winter_or_none(self, scenario: Scenario, area: AreaData, projection: Projection) -> Winter | None:
        """The first projected winter, or None when the projection is too short to hold one."""
        try:
            return self.winter(scenario, area, projection)
        except WinterTooShort:
            return None


def memo_stages() -> Stages:
    """Stages that remember their fits and base paths for as long as the returned object lives.

    For a caller that runs several scenarios of one area (Compare, the command line, the golden outputs, tests): the
    slow stages are computed once per area and COVID-19 treatment (fits) and per fits, horizon, draws and seed
    (base paths), and the scenario stages run as they are.
    """
    fitted: dict[tuple[str, str], Fits] = {}
    bases: dict[tuple[int, int, int, int], BasePaths] = {}

    def fits(area: AreaData, covid: str) -> Fits:
        key = (area.fingerprint, covid)
        if key not in fitted:
            fitted[key] = fit_all(area, covid)
        return fitted[key]

    def base(f: Fits, horizon_years: int, n_draws: int, seed: int) -> BasePaths:
        key = (id(f), horizon_years, n_draws, seed)
        if key not in bases:
            bases[key] = simulate_base(f, horizon_years, n_draws, seed)
        return bases[key]

    return Stages(fits=fits, base=base)


def run(scenario: Scenario, area: AreaData, stages: Stages | None = None, *, with_winter: bool = True) -> Results:
    """Run a whole scenario: demand → schemes → winter beds (the money is in :func:`finance`).

    Parameters
    ----------
    scenario, area : the levers and the area's data.
    stages : how to obtain each stage (default :func:`memo_stages`: the models are fitted once per call; the app
        passes its cached wrappers).
    with_winter : simulate the first winter (None in the results when the horizon is too short for one).
    """
    stages = stages or memo_stages()
    fits = stages.fits_for(scenario, area)
    proj = stages.projection(scenario, area)
    w = stages.winter_or_none(scenario, area, proj) if with_winter else None
    return Results(scenario, fits, proj, w)


def scheme_table_with_winter(
    results: Results, capacity_outcomes: dict[str, dict[str, float | str]] | None = None
) -> pd.DataFrame:
    """The scheme table with each discharge-capacity scheme valued on the winter (one table for every caller).

    ``results.projection.schemes`` values capacity schemes at £0 (the projection has no winter); this adds
    what each one's capacity avoids in the winter at the margin (:func:`models.pipeline.stages.capacity_attribution`,
    or ``capacity_outcomes`` already computed from it), so the scheme page, Home, Compare, the workbooks and
    the command line show the same figures. Without a winter it is the projection's table.
    """
    p, sc, w = results.projection, results.scenario, results.winter
    if w is None:
        return p.schemes
    outcomes = capacity_outcomes if capacity_outcomes is not None else capacity_attribution(sc, w)
    return scheme_table(sc.schemes, p.effects, sc.costs, p.schemes.attrs.get("horizon"), outcomes)


def plan_scenario(scenario: Scenario) -> Scenario:
    """The agreed plan: the scenario with its scheme effects fully realised."""
    if scenario.savings_realised_pct == 100.0:
        return scenario
    return evolve(scenario, savings_realised_pct=100.0)


def _winter_volumes(w: Winter, n_draws: int) -> dict[str, np.ndarray]:
    """The winter's volumes per draw (escalation bed days, P3 weeks, delayed and boarding days): replication d
    serves draw d, cyclically when there are more draws than replications."""
    per = per_rep_costs(w.run, UNIT_COSTING)
    idx = np.arange(n_draws) % w.run.n_reps
    return {k: np.asarray(per[k], dtype=float)[idx] for k in WINTER_VOLUMES}


def _placements_monthly(annual: np.ndarray, p: Projection) -> np.ndarray:
    """Placements a month (a twelfth of each financial year's), shape (..., n_months)."""
    return annual_to_monthly(annual, p.fy_years, p.months)


def activity(
    scenario: Scenario,
    plan: Projection,
    outturn: Projection,
    plan_winter: Winter | None = None,
    out_winter: Winter | None = None,
) -> Activity:
    """Plan and outturn activity of a scenario from its plan and outturn runs (same seed and draws).

    Emergency admissions a year and placements a month per draw; the first winter's volumes when both runs have
    one inside the horizon's financial years.
    """
    p, o = plan, outturn
    if p.nea.shape != o.nea.shape:
        raise ValueError("the plan and outturn runs must have the same draws and months")
    labels, month_fy, _complete = fy_layout(o.months)
    n_fy = len(labels)
    winter_plan: dict[str, float] = dict.fromkeys(WINTER_VOLUMES, 0.0)
    winter_out = {k: np.zeros(o.nea.shape[0]) for k in WINTER_VOLUMES}
    winter_fy = None
    if plan_winter is not None and out_winter is not None:
        label = fy_label(int(fy_start(plan_winter.start)))
        if label in labels:
            winter_fy = labels.index(label)
            winter_plan = {k: float(v.mean()) for k, v in _winter_volumes(plan_winter, plan_winter.run.n_reps).items()}
            winter_out = _winter_volumes(out_winter, o.nea.shape[0])
    return Activity(
        fy=labels,
        nea_plan=sum_by_fy(p.nea, month_fy, n_fy).mean(axis=0),
        nea_trend=sum_by_fy(p.nea_baseline, month_fy, n_fy).mean(axis=0),
        nea_out=sum_by_fy(o.nea, month_fy, n_fy),
        nea_trend_out=sum_by_fy(o.nea_baseline, month_fy, n_fy),
        plc_plan_m=_placements_monthly(p.placements, p).mean(axis=0),
        plc_trend_m=_placements_monthly(p.placements_baseline, p).mean(axis=0),
        plc_out_m=_placements_monthly(o.placements, o),
        winter_plan=winter_plan,
        winter_out=winter_out,
        winter_fy=winter_fy,
        month_fy=month_fy,
        scheme_budget_gbp=float(sum(s.budget_gbp for s in scenario.schemes)),
    )


def scenario_activity(
    scenario: Scenario, area: AreaData, stages: Stages | None = None, *, with_winter: bool = True
) -> tuple[Activity, Projection, Winter | None]:
    """The plan and outturn runs of a scenario as activity, the plan's projection and the outturn's first winter
    (None without one inside the horizon's complete financial years), for the tornado."""
    stages = stages or memo_stages()
    plan_sc = plan_scenario(scenario)
    plan_p = stages.projection(plan_sc, area)
    out_p = plan_p if plan_sc is scenario else stages.projection(scenario, area)
    pw = ow = None
    if with_winter:
        pw = stages.winter_or_none(plan_sc, area, plan_p)
        if pw is not None:
            ow = pw if plan_sc is scenario else stages.winter_or_none(scenario, area, out_p)
    act = activity(scenario, plan_p, out_p, pw, ow)
    return act, plan_p, ow if act.winter_fy is not None else None


def finance(
    scenario: Scenario, area: AreaData, stages: Stages | None = None, *, exceed_gbp: float = 0.0, with_winter: bool = True
) -> Finance:
    """The scenario's finance and risk share: plan and outturn runs, priced and allocated to the partners.

    ``exceed_gbp``: the overspend (£ over the horizon) whose chance of being exceeded the summary reports.
    """
    act, _plan, _winter = scenario_activity(scenario, area, stages, with_winter=with_winter)
    return finance_from_activity(scenario, act, exceed_gbp)


def _with_capacity(act: Activity, w: Winter, factor: float) -> Activity:
    """The outturn with the first winter re-simulated at ``factor`` × the P1 starts a week (same arrivals
    and random numbers, replication d = draw d)."""
    params = dataclasses.replace(w.params, p1_starts_per_week=w.params.p1_starts_per_week * factor)
    run_ = simulate_flow(w.arrivals_per_day, params, w.run.n_reps, w.seed)
    per = per_rep_costs(run_, UNIT_COSTING)
    idx = np.arange(act.n_draws) % run_.n_reps
    return dataclasses.replace(act, winter_out={k: np.asarray(per[k], dtype=float)[idx] for k in WINTER_VOLUMES})


def _scheme_effects_at(scenario: Scenario, end: str) -> Scenario:
    """The scenario with every scheme's effect fixed at the ``"low"`` or ``"high"`` end of its range."""
    schemes = []
    for s in scenario.schemes:
        v = s.effect_low if end == "low" else s.effect_high
        schemes.append({**s.model_dump(), "effect_low": v, "effect_central": v, "effect_high": v})
    return evolve(scenario, schemes=schemes)


def tornado_cases(
    scenario: Scenario,
    area: AreaData,
    act: Activity,
    plan: Projection,
    out_winter: Winter | None,
    stages: Stages | None = None,
) -> list[TornadoCase]:
    """The slow part of the tornado (re-projections through the same stages), independent of the terms.

    The plan stays the agreed one; each input moves the outturn only, on the same random numbers: scheme
    effects (every scheme at the low / high end of its range), demographic growth (low / high variant), unit
    costs (± the fraction in :data:`models.money.riskshare.UNIT_COST_INPUTS`: a unit cost prices plan and
    outturn alike, so it scales the activity variance, not the agreed budget), and the Home First capacity
    delivered (± :data:`CAPACITY_RANGE`: the first winter re-simulated on the same random numbers). The
    winter's volumes are held at the scenario's for the demand inputs.
    """
    stages = stages or memo_stages()

    def outturn_activity(sc: Scenario) -> Activity:
        fresh = activity(scenario, plan, stages.projection(sc, area))
        return dataclasses.replace(fresh, winter_plan=act.winter_plan, winter_out=act.winter_out, winter_fy=act.winter_fy)

    cases = []
    if any(s.effect_high > s.effect_low for s in scenario.schemes):
        low, high = (outturn_activity(_scheme_effects_at(scenario, end)) for end in ("low", "high"))
        cases.append(TornadoCase("Scheme effects", "low end of each range", "high end of each range", low, high))
    low, high = (outturn_activity(evolve(scenario, growth={"variant": v})) for v in ("low", "high"))
    cases.append(TornadoCase("Demographic growth", "low variant", "high variant", low, high))
    for field, (label, frac) in UNIT_COST_INPUTS.items():
        v = float(getattr(scenario.costs, field))
        if v <= 0:
            continue
        cheap = scenario.costs.model_copy(update={field: v * (1 - frac)})
        dear = scenario.costs.model_copy(update={field: v * (1 + frac)})
        cases.append(TornadoCase(label, f"−{frac:.0%}", f"+{frac:.0%}", act, act, cheap, dear))
    w = out_winter
    if w is not None and w.params.p1_starts_per_week > 0:
        less, more = _with_capacity(act, w, 1 - CAPACITY_RANGE), _with_capacity(act, w, 1 + CAPACITY_RANGE)
        label = "Home First (P1) capacity delivered"
        cases.append(TornadoCase(label, f"−{CAPACITY_RANGE:.0%}", f"+{CAPACITY_RANGE:.0%}", less, more))
    return cases


def tornado(scenario: Scenario, area: AreaData, stages: Stages | None = None) -> pd.DataFrame:
    """Inputs that move each partner's P50 net position most, one at a time over their ranges; widest first.

    Returns the frame of :func:`models.money.riskshare.tornado_table` (columns ``TORNADO_COLUMNS``).
    """
    stages = stages or memo_stages()
    act, plan, out_winter = scenario_activity(scenario, area, stages)
    return tornado_table(scenario, act, tornado_cases(scenario, area, act, plan, out_winter, stages))
