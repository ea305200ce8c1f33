"""The cheapest way to meet the ambition: the capacity mix that minimises the winter's cost, under uncertainty.

Choose Home First (P1) starts a week, step-down (P2) beds, interim care-home (P3) placements a week and escalation
beds, each in whole units within bounds, to minimise their cost this winter plus the costed outcomes (delayed bed
days, patient-days waiting in ED, surge bed days and diverts), or their cost alone, optionally subject to the
average discharge delay (BCF core metric 2, :func:`models.pipeline.core_metrics.delay_draws`) staying at or under
the area's maximum level in a chosen share of winters (docs/optimiser.md).

Every candidate is a scenario: :func:`candidate_scenario` turns a mix into scheme budget changes through the
area's own capacity schemes and unit costs (:func:`models.scenario.capacity.capacity_changes`, ramps and the
share of savings realised included) and escalation beds into the flow lever, and the candidate is simulated with
the flow parameters the pipeline's winter would give that scenario, on the scenario's own arrivals and seed
(common random numbers: every candidate sees the same draws). So the mix applied as a scenario
(:func:`result_scenario`) reproduces the optimiser's figures exactly. The search is
:mod:`models.pipeline.optimise_search`: on the first ``search_draws`` draws (the flow model's random numbers are
keyed by draw, so these are exactly the first draws of the full run), then polished and reported on all of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from models.core.units import DAYS_A_YEAR, fmt_gbp_full
from models.flow.simulate import (
    RESPONSE_COSTS,
    FlowParams,
    FlowRun,
    flow_kpis,
    per_rep_costs,
    per_rep_kpis,
    simulate_flow,
)
from models.inputs.areas import AreaData
from models.inputs.scheme_rules import MAX_BUDGET_GBP
from models.money.riskshare import flow_unit_costs
from models.pipeline.core_metrics import delay_draws
from models.pipeline.optimise_search import (
    Candidate,
    Goal,
    Outcome,
    Paired,
    Score,
    Searcher,
    find,
    paired,
    ranked,
)
from models.pipeline.runs import Stages, memo_stages
from models.pipeline.stages import Projection, Winter, cope_checks, flow_params, winter_month_index
from models.scenario import Scenario, evolve
from models.scenario.capacity import CAPACITY_LEVER, capacity_changes, capacity_unit_cost

#: The levers, in the order of a candidate tuple.
LEVERS: tuple[str, ...] = ("p1_starts_per_week", "p2_beds", "p3_per_week", "escalation_beds")
LEVER_LABELS: dict[str, str] = {
    "p1_starts_per_week": "Home First (P1) starts a week",
    "p2_beds": "Step-down (P2) beds",
    "p3_per_week": "Interim care-home (P3) placements a week",
    "escalation_beds": "Escalation beds",
}
#: Short names for the command line (``--bounds p1=30:80``).
SHORT_NAMES: dict[str, str] = {
    "p1": "p1_starts_per_week",
    "p2": "p2_beds",
    "p3": "p3_per_week",
    "esc": "escalation_beds",
}
#: Scheme metric that buys each pathway lever (escalation beds are a flow lever, bought by no scheme).
LEVER_METRIC: dict[str, str] = {lever: metric for metric, lever in CAPACITY_LEVER.items()}
#: Most of each lever the model supports (models.scenario.capacity.capacity_problems; Flow.escalation_beds).
LEVER_LIMITS: dict[str, int] = {
    "p1_starts_per_week": 5000,
    "p2_beds": 2000,
    "p3_per_week": 1000,
    "escalation_beds": 1000,
}


class OptimiseProblem(ValueError):
    """A request the optimiser cannot answer, in plain words (bad bounds, no winter, an unreachable capacity)."""


@dataclass(frozen=True)
class Settings:
    """What to optimise.

    Attributes
    ----------
    bounds : (lever, lowest, highest) whole units for the levers the user bounds; the others take the defaults of
        :func:`default_bounds`.
    objective : ``"total"`` (capacity cost this winter + costed outcomes) or ``"spend"`` (capacity cost only).
    target_prob : chance (0–1) that the average discharge delay stays at or under the maximum level; None: no
        delay constraint.
    target_days : the maximum level, days; None: the scenario's ``ambition_delay_days``.
    budget_gbp : most extra capacity cost this winter against the scenario's, £; None: no cap.
    search_draws : draws the search runs on (the first of the scenario's); the answer is reported on all.
    curve_units : the cost curve shows each lever ± 1 … this many units around the answer.
    max_evals : most candidates the search simulates (the polish and the curve come on top).
    """

    bounds: tuple[tuple[str, int, int], ...] = ()
    objective: str = "total"
    target_prob: float | None = 0.8
    target_days: float | None = None
    budget_gbp: float | None = None
    search_draws: int = 100
    curve_units: int = 1
    max_evals: int = 300

    def __post_init__(self) -> None:
        for lever, lo, hi in self.bounds:
            if lever not in LEVERS:
                raise OptimiseProblem(f"'{lever}' is not a lever the optimiser can move (one of {', '.join(LEVERS)})")
            if not (isinstance(lo, int) and isinstance(hi, int)) or lo < 0 or lo > hi:
                raise OptimiseProblem(
                    f"the bounds of {LEVER_LABELS[lever]} must be whole numbers with 0 ≤ lowest ≤ highest "
                    f"(got {lo} to {hi})"
                )
            if hi > LEVER_LIMITS[lever]:
                raise OptimiseProblem(
                    f"{LEVER_LABELS[lever]}: at most {LEVER_LIMITS[lever]:,} (the model's limit), got {hi:,}"
                )
        if self.target_prob is not None and not (0.0 < self.target_prob <= 1.0):
            raise OptimiseProblem("the chance of meeting the maximum level must be above 0% and at most 100%")
        if self.target_days is not None and not (math.isfinite(self.target_days) and self.target_days >= 0):
            raise OptimiseProblem("the maximum average discharge delay must be a number of days, 0 or more")
        if self.budget_gbp is not None and not (math.isfinite(self.budget_gbp) and self.budget_gbp >= 0):
            raise OptimiseProblem("the spending cap must be £0 or more")
        if self.objective not in ("total", "spend"):
            raise OptimiseProblem("the objective must be 'total' (capacity and outcomes) or 'spend' (capacity only)")
        if self.objective == "spend" and self.target_prob is None:
            raise OptimiseProblem(
                "minimising the capacity cost alone needs a delay target (else the answer is the floor)"
            )
        if self.search_draws < 20 or self.curve_units < 1 or self.max_evals < 10:
            raise OptimiseProblem("use at least 20 search draws, a curve of at least 1 unit and 10 evaluations")

    def bound_of(self, lever: str) -> tuple[int, int] | None:
        for name, lo, hi in self.bounds:
            if name == lever:
                return lo, hi
        return None


# --- from a mix to a scenario: scheme budgets through the area's own schemes and unit costs -----------------------


def _lever_schemes(scenario: Scenario, lever: str) -> list:
    metric = LEVER_METRIC.get(lever)
    return [s for s in scenario.schemes if metric is not None and s.metric == metric]


def _weights(schemes: list) -> np.ndarray:
    """How a budget change is shared between a pathway's schemes: pro rata to their budgets (equal if all £0)."""
    b = np.array([s.budget_gbp for s in schemes], dtype=float)
    return b / b.sum() if b.sum() > 0 else np.full(len(b), 1.0 / len(b))


def _capacity_at(scenario: Scenario, lever: str, schemes: list, budgets: np.ndarray, month_index: int) -> float:
    """The lever's capacity at the winter with these budgets for its schemes (the pipeline's own arithmetic)."""
    moved = [s.model_copy(update={"budget_gbp": float(b)}) for s, b in zip(schemes, budgets, strict=True)]
    change = capacity_changes(moved, scenario.costs, month_index, scenario.savings_realised_pct)[lever]
    return float(getattr(scenario.flow, lever)) + change


def _budgets_for(scenario: Scenario, lever: str, value: float, month_index: int) -> np.ndarray:
    """New budgets of the lever's schemes (£ a year) that buy ``value`` at the winter, sharing the change pro rata.

    The capacity is piecewise linear and increasing in a common budget change ``t`` (``b_s + w_s t``; increases
    are scaled by the share realised, both by the ramp), so the root is found with Brent's method.
    """
    schemes = _lever_schemes(scenario, lever)
    b0 = np.array([s.budget_gbp for s in schemes], dtype=float)
    w = _weights(schemes)
    lo = -b0.sum() if b0.sum() > 0 else 0.0

    def gap(t: float) -> float:
        return _capacity_at(scenario, lever, schemes, np.maximum(b0 + w * t, 0.0), month_index) - value

    if abs(gap(0.0)) < 1e-9:
        return b0
    if gap(lo) > 1e-9:
        raise OptimiseProblem(
            f"{LEVER_LABELS[lever]}: {value:g} is below what remains with every scheme that buys it at £0"
        )
    hi = max(1.0, b0.sum())
    while gap(hi) < 0:
        if hi >= MAX_BUDGET_GBP:
            raise OptimiseProblem(
                f"{LEVER_LABELS[lever]}: no budget buys {value:g} (is the share of savings realised 0%?)"
            )
        hi *= 4.0
    t = optimize.brentq(gap, lo, min(hi, MAX_BUDGET_GBP), xtol=1e-6, rtol=1e-14)
    return np.maximum(b0 + w * t, 0.0)


def capacity_floor(scenario: Scenario, lever: str, month_index: int) -> float:
    """The lever's capacity at the winter with every scheme that buys it at £0 (the current funding's floor)."""
    schemes = _lever_schemes(scenario, lever)
    if not schemes:
        return 0.0
    return _capacity_at(scenario, lever, schemes, np.zeros(len(schemes)), month_index)


def candidate_scenario(
    scenario: Scenario, mix: Mapping[str, int], month_index: int, name: str | None = None
) -> Scenario:
    """The scenario with the capacity ``mix`` (lever → whole units at the winter), as a pure function.

    P1–P3: the budgets of the area's schemes that buy the pathway change pro rata to their budgets (whole £), so
    that what they buy at the winter (ramps and the share of savings realised included) is the mix; a pathway no
    scheme buys has its capacity at current funding set instead. Escalation beds: the flow lever. Levers not in
    ``mix`` stay as they are.
    """
    budgets = {s.name: s.budget_gbp for s in scenario.schemes}
    flow: dict[str, float | int] = {}
    for lever, value in mix.items():
        if lever == "escalation_beds":
            flow[lever] = int(value)
            continue
        schemes = _lever_schemes(scenario, lever)
        if not schemes:
            flow[lever] = int(value) if lever == "p2_beds" else float(value)
            continue
        for s, b in zip(schemes, _budgets_for(scenario, lever, float(value), month_index), strict=True):
            budgets[s.name] = float(round(b))
    schemes = [{**s.model_dump(), "budget_gbp": budgets[s.name]} for s in scenario.schemes]
    changes: dict[str, object] = {"schemes": schemes, "flow": flow}
    if name is not None:
        changes["name"] = name
    return evolve(scenario, **changes)


def candidate_params(candidate: Scenario, winter: Winter, month_index: int) -> FlowParams:
    """The flow parameters the pipeline's winter (:func:`models.pipeline.stages.winter`) gives ``candidate``."""
    change = capacity_changes(candidate.schemes, candidate.costs, month_index, candidate.savings_realised_pct)
    return flow_params(candidate, winter.start, winter.calibration, change, winter.run.days)[0]


def capacity_cost(params: FlowParams, scenario: Scenario, days: int) -> dict[str, float]:
    """What each lever's capacity costs over the ``days`` of the winter, £, at the scenario's unit costs.

    P1–P3 as the scheme budgets buy them (a year's unit cost, :func:`models.scenario.capacity.capacity_unit_cost`,
    pro rata: block contracts, paid whether used or not, so capacity is never free); escalation beds per bed day
    scheduled open.
    """
    share = days / DAYS_A_YEAR
    out = {
        lever: float(getattr(params, lever)) * capacity_unit_cost(LEVER_METRIC[lever], scenario.costs) * share
        for lever in LEVERS[:3]
    }
    open_days = max(0, min(params.escalation_close_day, days) - min(params.escalation_open_day, days))
    out["escalation_beds"] = params.escalation_beds * open_days * scenario.costs.escalation_bed_day
    return out


# --- evaluating candidates: common random numbers, remembered per (scenario, area, mix, draws) ---------------------


class EvaluationCache:
    """A bounded, thread-safe memory of evaluated candidates keyed by (scenario fingerprint, mix, draws)."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[tuple, Outcome] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: tuple) -> Outcome | None:
        with self._lock:
            out = self._items.get(key)
            if out is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return out

    def put(self, key: tuple, value: Outcome) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = 0


#: The process's evaluations (an evaluation at 1,000 draws holds ≈ 30 kB).
CACHE = EvaluationCache()


def fingerprint(scenario: Scenario, area: AreaData) -> str:
    """What an evaluation depends on besides the mix: the area's data and every lever of the scenario."""
    return hashlib.sha256((area.fingerprint + "|" + scenario.to_json()).encode("utf-8")).hexdigest()


@dataclass(frozen=True, eq=False)
class Context:
    """One optimisation's fixed inputs: the scenario, its winter and where its evaluations are remembered."""

    scenario: Scenario
    winter: Winter
    month_index: int
    key: str
    cache: EvaluationCache
    simulated: list[int] = dataclasses.field(default_factory=lambda: [0, 0])  # (simulations, draws simulated)

    def mix(self, x: Candidate) -> dict[str, int]:
        return dict(zip(LEVERS, (int(v) for v in x), strict=True))

    def scenario_of(self, x: Candidate, name: str | None = None) -> Scenario:
        return candidate_scenario(self.scenario, self.mix(x), self.month_index, name)

    def fixed_cost(self, x: Candidate) -> float:
        """Capacity cost this winter of ``x`` (deterministic, no simulation), £."""
        w = self.winter
        prm = dataclasses.replace(
            w.params,
            **{k: (int(v) if k in ("p2_beds", "escalation_beds") else float(v)) for k, v in self.mix(x).items()},
        )
        return float(sum(capacity_cost(prm, self.scenario, w.run.days).values()))

    def evaluate_run(self, run: FlowRun) -> np.ndarray:
        """The costed outcomes of each draw of a run, £ (delays, waits in ED, surge beds, diverts)."""
        per = per_rep_costs(run, flow_unit_costs(self.scenario.costs))
        return np.asarray(sum(per[c] for c in RESPONSE_COSTS), dtype=float)

    def evaluate(self, x: Candidate, n: int) -> Outcome:
        """Simulate the candidate's winter on the first ``n`` draws (remembered)."""
        key = (self.key, tuple(int(v) for v in x), int(n))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        w = self.winter
        params = candidate_params(self.scenario_of(x), w, self.month_index)
        run = simulate_flow(w.arrivals_per_day[:n], params, n, w.seed)
        self.simulated[0] += 1
        self.simulated[1] += n
        k = per_rep_kpis(run)
        full = n == w.run.n_reps
        kpis = {
            "capacity_cost": sum(capacity_cost(params, self.scenario, run.days).values()),
            **{name: float(np.nanmean(k[name])) for name in KPI_COLUMNS},
            "table": flow_kpis(run) if full else None,  # the winter page's KPI table, for the answer only
        }
        out = Outcome(
            fixed_cost=float(kpis["capacity_cost"]),
            outcome_cost=self.evaluate_run(run),
            delay=delay_draws(dataclasses.replace(w, run=run)),
            kpis=kpis,
        )
        self.cache.put(key, out)
        return out


#: Winter KPIs (means over draws) kept for each candidate's row.
KPI_COLUMNS: tuple[str, ...] = ("delayed_bed_days", "boarding_days", "waits_over_12h", "surge_bed_days", "diverted")


# --- bounds ---------------------------------------------------------------------------------------------------------


def current_mix(winter: Winter) -> dict[str, float]:
    """The scenario's own capacities at the winter (after its scheme budgets), as simulated."""
    return {lever: float(getattr(winter.params, lever)) for lever in LEVERS}


def default_bounds(scenario: Scenario, winter: Winter) -> dict[str, tuple[int, int]]:
    """Bounds when the user gives none: three quarters to one and a half times today's capacity for each pathway
    (at least four units wide), and 0 to the larger of today's escalation beds and the escalation option's."""
    now = current_mix(winter)
    out = {}
    for lever in LEVERS[:3]:
        lo = int(math.floor(0.75 * now[lever]))
        out[lever] = (lo, max(int(math.ceil(1.5 * now[lever])), lo + 4))
    out["escalation_beds"] = (0, max(int(now["escalation_beds"]), scenario.flow.option_extra_beds, 4))
    return out


def resolve_bounds(settings: Settings, ctx: Context) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """The bounds searched: the user's or the defaults, raised to what schemes at £0 leave and capped at what a
    budget can buy (each change said in ``notes``)."""
    bounds = default_bounds(ctx.scenario, ctx.winter)
    notes = []
    for lever in LEVERS:
        given = settings.bound_of(lever)
        lo, hi = given or bounds[lever]
        hi = min(hi, LEVER_LIMITS[lever])
        if _lever_schemes(ctx.scenario, lever):
            floor_ = int(math.ceil(capacity_floor(ctx.scenario, lever, ctx.month_index) - 1e-9))
            if lo < floor_:
                if given:
                    notes.append(
                        f"{LEVER_LABELS[lever]}: raised the lowest to {floor_:,}, what remains with every scheme that "
                        "buys it at £0 (capacity funded outside the schemes)."
                    )
                lo = floor_
            hi = max(hi, lo)
            try:
                candidate_scenario(ctx.scenario, {lever: hi}, ctx.month_index)
            except (OptimiseProblem, ValueError):
                now = int(math.floor(current_mix(ctx.winter)[lever]))
                notes.append(f"{LEVER_LABELS[lever]}: no budget buys {hi:,}; searched up to {max(now, lo):,}.")
                hi = max(now, lo)
        bounds[lever] = (int(lo), int(hi))
    return bounds, notes


def parse_bounds(texts: list[str] | tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """``["p1=30:80", "esc=0:20"]`` → bounds for :class:`Settings` (short names p1, p2, p3, esc or the levers')."""
    out = []
    for text in texts:
        name, sep, rng = text.partition("=")
        lo, sep2, hi = rng.partition(":")
        lever = SHORT_NAMES.get(name.strip().lower(), name.strip())
        if not (sep and sep2) or lever not in LEVERS:
            raise OptimiseProblem(
                f"'{text}' is not a bound: write LEVER=LOWEST:HIGHEST with LEVER one of p1, p2, p3, esc (e.g. p1=30:80)"
            )
        try:
            out.append((lever, int(lo), int(hi)))
        except ValueError:
            raise OptimiseProblem(f"'{text}': the lowest and highest must be whole numbers (e.g. p1=30:80)") from None
    return tuple(out)


# --- the optimiser ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OptimiserResult:
    """The answer, how sure it is, and what it means in money.

    Attributes
    ----------
    scenario : the scenario optimised; ``best`` applied to it is :func:`result_scenario`.
    settings : the request. ``level`` : the maximum average delay used (days; None without a target).
    month_index : months from the first projected month to the winter (the schemes' ramps).
    bounds, start, best, runner_up : lever → whole units (``start``: today's, rounded into the bounds).
    best_row : the answer's figures (see :data:`ROW_COLUMNS`); ``kpis`` its winter KPI table (flow_kpis).
    runner_paired : the runner-up's cost less the answer's, paired over the common draws (£, with its SE);
        ``runner_feasible`` whether the runner-up meets the target (and the cap).
    feasible : whether the answer meets the target (and the cap); ``message`` says so in words; ``notes`` more.
    curve : each lever ± 1 … k units around the answer, on all draws (:func:`curve_table`).
    candidates : every mix evaluated on all draws, best first.
    evals_search, evals_full : candidates evaluated on the search draws and on all draws (simulated, or remembered
        from an earlier run: ``simulations`` counts the simulations).
    draws_search, draws_full, seconds : draws used and wall time.
    """

    scenario: Scenario
    settings: Settings
    level: float | None
    month_index: int
    bounds: dict[str, tuple[int, int]]
    start: dict[str, int]
    best: dict[str, int]
    best_row: dict[str, float]
    runner_up: dict[str, int] | None
    runner_paired: Paired | None
    runner_feasible: bool
    feasible: bool
    message: str
    notes: tuple[str, ...]
    curve: pd.DataFrame
    candidates: pd.DataFrame
    kpis: pd.DataFrame
    today_row: dict[str, float]
    evals_search: int
    evals_full: int
    draws_search: int
    draws_full: int
    seconds: float
    escalation_days: int = 0
    simulations: int = 0
    draws_simulated: int = 0

    @property
    def name(self) -> str:
        """The applied scenario's name."""
        return f"{self.scenario.name[:56]} · cheapest mix"


ROW_COLUMNS: tuple[str, ...] = (
    *LEVERS,
    "capacity_cost",
    "outcome_cost",
    "total_cost",
    "objective",
    "delay_mean",
    "delay_p50",
    "chance",
    "feasible",
    *KPI_COLUMNS,
)


def candidate_row(x: Candidate, out: Outcome, sc: Score, objective: str) -> dict[str, float]:
    """One candidate's figures: its mix, costs (£ this winter, means over draws), delay and chance."""
    d = np.asarray(out.delay, dtype=float)
    d = d[np.isfinite(d)]
    kpis = out.kpis if isinstance(out.kpis, dict) else {}
    return {
        **dict(zip(LEVERS, (int(v) for v in x), strict=True)),
        "capacity_cost": float(out.fixed_cost),
        "outcome_cost": float(np.mean(out.outcome_cost)),
        "total_cost": float(out.fixed_cost + np.mean(out.outcome_cost)),
        "objective": float(out.per_draw(objective).mean()),
        "delay_mean": float(d.mean()) if d.size else float("nan"),
        "delay_p50": float(np.quantile(d, 0.5)) if d.size else float("nan"),
        "chance": sc.chance,
        "feasible": bool(sc.feasible),
        **{k: float(kpis.get(k, float("nan"))) for k in KPI_COLUMNS},
    }


Progress = Callable[[float, str], None]


def optimise(
    scenario: Scenario,
    area: AreaData,
    settings: Settings | None = None,
    *,
    stages: Stages | None = None,
    projection: Projection | None = None,
    winter: Winter | None = None,
    progress: Progress | None = None,
    cache: EvaluationCache | None = None,
) -> OptimiserResult:
    """The cheapest capacity mix for the scenario's first winter (see the module docstring and docs/optimiser.md).

    Parameters
    ----------
    scenario, area : what is optimised (its schemes, unit costs, seed and draws).
    settings : bounds, objective, target and search effort (default :class:`Settings`).
    stages : how to obtain the projection and winter when they are not given (default :func:`memo_stages`).
    projection, winter : the scenario's, when the caller has them (the app's caches).
    progress : called with (fraction done 0–1, an estimate; words) as candidates are simulated.
    cache : where evaluations are remembered (default the process's :data:`CACHE`).

    Raises
    ------
    OptimiseProblem
        With a plain message: no winter in the horizon, bounds no budget can buy.
    """
    settings = settings or Settings()
    if projection is None or winter is None:
        stages = stages or memo_stages()
        projection = projection or stages.projection(scenario, area)
        winter = winter or stages.winter_or_none(scenario, area, projection)
    if winter is None:
        raise OptimiseProblem("the projection holds no whole winter (October–March): lengthen the horizon")
    t0 = time.perf_counter()  # the search's own time: the scenario's winter is the app's (cached) anyway
    ctx = Context(
        scenario,
        winter,
        winter_month_index(projection.months, winter.start),
        fingerprint(scenario, area),
        cache or CACHE,
    )
    bounds, notes = resolve_bounds(settings, ctx)
    lower = tuple(bounds[lever][0] for lever in LEVERS)
    upper = tuple(bounds[lever][1] for lever in LEVERS)
    level = None
    if settings.target_prob is not None:
        level = float(settings.target_days if settings.target_days is not None else scenario.ambition_delay_days)
    goal = Goal(settings.objective, level, settings.target_prob or 1.0)
    n_full = winter.run.n_reps
    n_search = min(settings.search_draws, n_full)
    today_cost = float(sum(capacity_cost(winter.params, scenario, winter.run.days).values()))
    cap = settings.budget_gbp

    def over_budget(x: Candidate) -> float:
        return 0.0 if cap is None else ctx.fixed_cost(x) - today_cost - cap

    planned = 60 * n_search + (1 + 2 * len(LEVERS) * settings.curve_units) * n_full
    done = [0]

    def evaluate(x: Candidate, n: int) -> Outcome:
        out = ctx.evaluate(x, n)
        done[0] += n
        if progress is not None:
            stage = "searching" if n < n_full else "checking the answer on every draw"
            progress(min(0.99, done[0] / planned), f"{stage}: {searcher.evals + 1} mixes evaluated")
        return out

    searcher = Searcher(evaluate, lower, upper, goal, over_budget, settings.max_evals)
    now = current_mix(winter)
    start = searcher.clip([int(round(now[lever])) for lever in LEVERS])
    x, curve_points = find(searcher, start, n_search, n_full, settings.curve_units)
    evals_search = searcher.search_evals
    if searcher.stopped:
        notes.append(f"The search stopped after {settings.max_evals:,} candidates: the answer may not be the best.")
    return _result(ctx, settings, searcher, goal, bounds, start, x, curve_points, notes, evals_search, n_search, t0)


def _result(
    ctx: Context,
    settings: Settings,
    searcher: Searcher,
    goal: Goal,
    bounds: dict[str, tuple[int, int]],
    start: Candidate,
    x: Candidate,
    curve_points: list[tuple[int, int, Candidate]],
    notes: list[str],
    evals_search: int,
    n_search: int,
    t0: float,
) -> OptimiserResult:
    """Assemble the answer: its row, the runner-up and its paired difference, the curve, the message."""
    n = ctx.winter.run.n_reps
    objective = settings.objective
    best_out, best_score = searcher.outcomes[(x, n)], searcher.scores[(x, n)]
    order = [x, *(y for y in ranked(searcher, n) if y != x)]
    runner = order[1] if len(order) > 1 else None
    runner_paired = paired(best_out, searcher.outcomes[(runner, n)], objective) if runner is not None else None
    rows = [candidate_row(y, searcher.outcomes[(y, n)], searcher.scores[(y, n)], objective) for y in order]
    curve = curve_table(x, best_out, curve_points, searcher, n, objective)
    today = ctx.winter.params
    n_days = ctx.winter.run.days
    kpis_today = {k: float(np.nanmean(v)) for k, v in per_rep_kpis(ctx.winter.run).items() if k in KPI_COLUMNS}
    base_delay = delay_draws(ctx.winter)
    base_out = ctx.evaluate_run(ctx.winter.run)
    today_row = {
        **current_mix(ctx.winter),
        "capacity_cost": float(sum(capacity_cost(today, ctx.scenario, n_days).values())),
        "outcome_cost": float(np.mean(base_out)),
        "total_cost": float(sum(capacity_cost(today, ctx.scenario, n_days).values()) + np.mean(base_out)),
        "delay_mean": float(np.nanmean(base_delay)),
        "chance": Outcome(0.0, base_out, base_delay).chance(goal.level) if goal.level is not None else float("nan"),
        **kpis_today,
    }
    for i, lever in enumerate(LEVERS):
        if x[i] == bounds[lever][1] and bounds[lever][0] < bounds[lever][1]:
            notes.append(f"{LEVER_LABELS[lever]} is at its highest bound ({x[i]:,}): a wider bound may do better.")
    params = candidate_params(ctx.scenario_of(x), ctx.winter, ctx.month_index)
    short = [c for c in cope_checks(params, ctx.winter.mean_arrivals_per_day, ctx.winter.mean_los_days) if not c.copes]
    if short:
        notes.append("Not a forecast: with this mix " + short[0].message())
    return OptimiserResult(
        scenario=ctx.scenario,
        settings=settings,
        level=goal.level,
        month_index=ctx.month_index,
        bounds=bounds,
        start=ctx.mix(start),
        best=ctx.mix(x),
        best_row=rows[0],
        runner_up=ctx.mix(runner) if runner is not None else None,
        runner_paired=runner_paired,
        runner_feasible=bool(runner is not None and searcher.scores[(runner, n)].feasible),
        feasible=best_score.feasible,
        message=_message(goal, best_score, best_out, settings),
        notes=tuple(notes),
        curve=curve,
        candidates=pd.DataFrame(rows, columns=list(ROW_COLUMNS)),
        kpis=best_out.kpis["table"] if isinstance(best_out.kpis, dict) else pd.DataFrame(),
        today_row=today_row,
        evals_search=evals_search,
        evals_full=searcher.evals - evals_search,
        draws_search=n_search,
        draws_full=n,
        seconds=time.perf_counter() - t0,
        simulations=ctx.simulated[0],
        draws_simulated=ctx.simulated[1],
        escalation_days=max(0, min(today.escalation_close_day, n_days) - min(today.escalation_open_day, n_days)),
    )


def _message(goal: Goal, sc: Score, out: Outcome, settings: Settings) -> str:
    """The answer in one plain sentence: what it minimises, and whether the target (and cap) are met."""
    what = "capacity cost" if goal.objective == "spend" else "capacity cost and costed outcomes"
    cost = f"{fmt_gbp_full(sc.cost)} this winter ({what}, mean over {out.n:,} draws)"
    if sc.over_budget > 0:
        return (
            f"No mix within the bounds stays within the spending cap of {fmt_gbp_full(settings.budget_gbp)}: the "
            f"closest, shown, costs {fmt_gbp_full(sc.over_budget)} more than the cap."
        )
    if goal.level is None:
        return f"The cheapest mix within the bounds: {cost}."
    target = f"the average discharge delay at or under {goal.level:.2f} days in {goal.prob:.0%} of winters"
    if sc.feasible:
        return f"The cheapest mix that keeps {target} ({sc.chance:.0%} of the draws): {cost}."
    return (
        f"No mix within the bounds keeps {target}. The closest, shown, keeps it at or under {sc.reach:.2f} days in "
        f"{goal.prob:.0%} of the draws (under {goal.level:.2f} in {sc.chance:.0%}; {cost}): widen the bounds (more "
        "capacity), lower the chance or raise the maximum level."
    )


def curve_table(
    x: Candidate,
    best: Outcome,
    points: list[tuple[int, int, Candidate]],
    searcher: Searcher,
    n: int,
    objective: str,
) -> pd.DataFrame:
    """The cost curve around the answer: each lever ± 1 … k units with the others held, on all draws.

    Columns: ``lever``, ``label``, ``offset`` (units from the answer), ``value``, ``objective`` (mean £),
    ``change`` (paired mean difference to the answer, £) and ``se`` (its standard error), ``within_error``
    (|change| ≤ 2 SE), ``chance`` (of meeting the maximum level), ``feasible``. The answer is the row of offset 0.
    """
    best_score = searcher.scores[(x, n)]
    rows = []
    for i, lever in enumerate(LEVERS):
        rows.append(_curve_row(lever, 0, x[i], best, best, best_score, objective))
    for i, off, y in points:
        out = searcher.outcomes[(y, n)]
        rows.append(_curve_row(LEVERS[i], off, y[i], out, best, searcher.scores[(y, n)], objective))
    t = pd.DataFrame(rows)
    return t.sort_values(
        ["lever", "offset"], key=lambda c: c.map(LEVERS.index) if c.name == "lever" else c
    ).reset_index(drop=True)


def _curve_row(lever: str, off: int, value: int, out: Outcome, best: Outcome, sc: Score, objective: str) -> dict:
    p = paired(best, out, objective)
    return {
        "lever": lever,
        "label": LEVER_LABELS[lever],
        "offset": int(off),
        "value": int(value),
        "objective": float(out.per_draw(objective).mean()),
        "change": p.mean,
        "se": 0.0 if off == 0 else p.se,
        "within_error": bool(off != 0 and p.within_error),
        "chance": sc.chance,
        "feasible": bool(sc.feasible),
    }


# --- the answer as a scenario, in money and in words -----------------------------------------------------------------


def result_scenario(result: OptimiserResult) -> Scenario:
    """The optimiser's answer applied to its scenario (pure): save, compare and export it like any scenario."""
    return candidate_scenario(result.scenario, result.best, result.month_index, result.name)


def mix_table(result: OptimiserResult) -> pd.DataFrame:
    """Today's capacity and the answer's, lever by lever: ``lever``, ``today``, ``answer``, ``change``, ``bounds``."""
    rows = []
    for lever in LEVERS:
        lo, hi = result.bounds[lever]
        now = result.today_row[lever]
        rows.append(
            {
                "lever": LEVER_LABELS[lever],
                "today": now,
                "answer": float(result.best[lever]),
                "change": result.best[lever] - now,
                "bounds": f"{lo:,} – {hi:,}",
            }
        )
    return pd.DataFrame(rows)


def outcome_table(result: OptimiserResult) -> pd.DataFrame:
    """Today's winter and the answer's side by side (means over draws): capacity cost, outcomes, delay, chance."""
    best = result.best_row
    today = result.today_row
    lines = [
        ("capacity_cost", "Capacity cost this winter (£)"),
        ("outcome_cost", "Costed outcomes: delays, waits in ED, surge beds, diverts (£)"),
        ("total_cost", "Capacity cost and outcomes (£)"),
        ("delay_mean", "Average discharge delay (days, mean)"),
        ("chance", "Chance the delay is at or under the maximum level"),
        ("delayed_bed_days", "Delayed bed days"),
        ("boarding_days", "Patient-days waiting in ED for a bed"),
        ("waits_over_12h", "Waits for a bed over 12 hours"),
        ("surge_bed_days", "Surge bed days"),
    ]
    rows = [{"figure": label, "key": key, "answer": best.get(key, float("nan"))} for key, label in lines]
    t = pd.DataFrame(rows)
    t["today"] = [today.get(k, float("nan")) for k in t["key"]]
    return t[["figure", "key", "today", "answer"]]


#: How each figure of :func:`outcome_table` is written.
_FORMATS: dict[str, Callable[[float], str]] = {
    "capacity_cost": fmt_gbp_full,
    "outcome_cost": fmt_gbp_full,
    "total_cost": fmt_gbp_full,
    "delay_mean": lambda v: f"{v:.2f} days",
    "chance": lambda v: f"{v:.0%}",
}


def outcome_view(result: OptimiserResult) -> pd.DataFrame:
    """:func:`outcome_table` written for reading (UK money, days, percentages); the chance for today's winter is
    the delay metric's own, from the scenario's run."""
    t = outcome_table(result)
    out = t[["figure"]].copy()
    for col in ("today", "answer"):
        out[col] = [
            "–" if not math.isfinite(float(v)) else _FORMATS.get(k, lambda x: f"{x:,.0f}")(float(v))
            for k, v in zip(t["key"], t[col], strict=True)
        ]
    return out


def budget_table(result: OptimiserResult) -> pd.DataFrame:
    """What the answer changes, in money: each scheme budget (£ a year) and each lever set directly.

    Columns: ``item``, ``lever``, ``now``, ``after``, ``change`` and ``basis`` (what the money is).
    """
    before, after = result.scenario, result_scenario(result)
    lever_of = {metric: LEVER_LABELS[lever] for metric, lever in CAPACITY_LEVER.items()}
    rows = []
    for s0, s1 in zip(before.schemes, after.schemes, strict=True):
        if s1.budget_gbp != s0.budget_gbp:
            rows.append(
                {
                    "item": s0.name,
                    "lever": lever_of.get(s0.metric, s0.metric),
                    "now": s0.budget_gbp,
                    "after": s1.budget_gbp,
                    "change": s1.budget_gbp - s0.budget_gbp,
                    "basis": "scheme budget, £ a year",
                }
            )
    days = result.escalation_days
    for lever in LEVERS:
        v0, v1 = getattr(before.flow, lever), getattr(after.flow, lever)
        if v1 == v0:
            continue
        if lever == "escalation_beds":
            unit, basis = (
                days * before.costs.escalation_bed_day,
                f"escalation bed days this winter ({days} days open), £",
            )
        else:
            unit = capacity_unit_cost(LEVER_METRIC[lever], before.costs)
            basis = "capacity at current funding (no scheme buys it), £ a year at the unit cost"
        rows.append(
            {
                "item": LEVER_LABELS[lever],
                "lever": LEVER_LABELS[lever],
                "now": v0 * unit,
                "after": v1 * unit,
                "change": (v1 - v0) * unit,
                "basis": basis,
            }
        )
    return pd.DataFrame(rows, columns=["item", "lever", "now", "after", "change", "basis"])


def _plain(v: object) -> object:
    """A JSON-safe value: NaN and infinities as None, NumPy scalars as Python numbers."""
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, (np.integer, np.bool_)):
        return v.item()
    return v


def _records(t: pd.DataFrame) -> list[dict[str, object]]:
    return [{k: _plain(v) for k, v in row.items()} for row in t.to_dict("records")]


def result_record(result: OptimiserResult) -> dict[str, object]:
    """The answer as plain JSON-ready data (the command line's ``--out``): the mix, its figures, how sure it is,
    the budget changes and the work it took."""
    p = result.runner_paired
    s = result.settings
    return {
        "scenario": result.scenario.name,
        "seed": result.scenario.seed,
        "draws": result.draws_full,
        "objective": s.objective,
        "target": None if result.level is None else {"max_average_delay_days": result.level, "chance": s.target_prob},
        "spending_cap_gbp": s.budget_gbp,
        "feasible": result.feasible,
        "message": result.message,
        "notes": list(result.notes),
        "bounds": {k: list(v) for k, v in result.bounds.items()},
        "today": {k: _plain(v) for k, v in result.today_row.items()},
        "answer": {k: _plain(v) for k, v in result.best_row.items()},
        "runner_up": result.runner_up,
        "runner_up_costs_more_gbp": None
        if p is None
        else {"mean": _plain(p.mean), "se": _plain(p.se), "within_monte_carlo_error": p.within_error},
        "budget_changes": _records(budget_table(result)),
        "cost_curve": _records(curve_table_view(result)),
        "work": {
            "candidates_on_search_draws": result.evals_search,
            "candidates_on_all_draws": result.evals_full,
            "search_draws": result.draws_search,
            "simulations": result.simulations,
            "draws_simulated": result.draws_simulated,
            "seconds": round(result.seconds, 2),
        },
    }


def curve_table_view(result: OptimiserResult) -> pd.DataFrame:
    """The cost curve's columns for a reader (each lever by its label). Each lever's rows include the answer
    itself (offset 0), so that each lever's line passes through it."""
    return result.curve[["label", "offset", "value", "objective", "change", "se", "within_error", "chance", "feasible"]]


def runner_up_text(result: OptimiserResult) -> str:
    """How sure the answer is, in words: the runner-up and whether Monte Carlo error can tell it from the answer."""
    p, other = result.runner_paired, result.runner_up
    if p is None or other is None:
        return "No other mix was evaluated on every draw (the bounds allow only one)."
    mix = ", ".join(f"{LEVER_LABELS[k]} {v:,}" for k, v in other.items() if v != result.best[k])
    diff = f"{fmt_gbp_full(abs(p.mean))} {'more' if p.mean >= 0 else 'less'} this winter"
    err = f"± {fmt_gbp_full(2 * p.se)} (2 standard errors of the difference, paired over {p.n:,} draws)"
    if p.within_error:
        verdict = "within Monte Carlo error: the two are equally good on this evidence"
    else:
        verdict = "beyond Monte Carlo error: the answer is better"
    misses = result.feasible and not result.runner_feasible
    return f"Runner-up ({mix}): {diff}, {err}; {verdict}" + (", and it misses the target." if misses else ".")


def answer_lines(result: OptimiserResult) -> list[str]:
    """The answer in a few lines of text (the command line's output)."""
    lines = [result.message, ""]
    for row in mix_table(result).to_dict("records"):
        lines.append(f"  {row['lever']}: {row['today']:,.1f} today → {row['answer']:,.0f} ({row['bounds']})")
    budget = budget_table(result)
    if len(budget):
        lines.append("")
        lines.append("In money:")
        for row in budget.to_dict("records"):
            lines.append(f"  {row['item']}: {fmt_gbp_full(row['change'], signed=True)} ({row['basis']})")
    sure = runner_up_text(result)
    if sure:
        lines += ["", sure]
    lines += [f"Note: {n}" for n in result.notes]
    lines.append(
        f"{result.evals_search} candidates on {result.draws_search:,} draws, {result.evals_full} on all "
        f"{result.draws_full:,}; {result.simulations} simulations in {result.seconds:.1f} s."
    )
    return lines
