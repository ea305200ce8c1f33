"""Unit: the capacity optimiser (models/pipeline/optimise.py, optimise_search.py).

On a small flow system the search finds the brute-force optimum of the whole grid, with and without the delay
chance constraint; wider bounds and a larger spending cap never give a worse optimum; the answer reproduces with
the same seed and moves with another; the answer applied as a scenario runs through the normal pipeline to exactly
the optimiser's figures; the budget changes buy exactly the mix (ramps and realised share included); an
unreachable target is said plainly with the closest mix; the command line prints the answer.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from models import pipeline
from models.cli import run as cli
from models.flow.simulate import RESPONSE_COSTS, FlowCosts, FlowParams, per_rep_costs, simulate_flow
from models.inputs.areas import load_area
from models.pipeline import optimise as opt
from models.pipeline import optimise_search as search
from models.pipeline.core_metrics import core_metrics, delay_draws
from models.scenario import Scenario, baseline, evolve
from models.scenario.capacity import capacity_changes

# --- a small system: one hospital of 60 beds, P1 and P2 capacity on a grid small enough to search exhaustively --

SMALL = FlowParams(
    core_beds=60,
    los_mu=1.2,
    los_sigma=0.8,
    pathway_shares=(0.6, 0.3, 0.08, 0.02),
    p2_los_days=10.0,
    p3_per_week=math.inf,
    surge_beds=3,
    ed_max_waiting=10,
)
LAM = np.full(90, 10.0)  # arrivals a day: P1 needs ≈ 21 starts a week, P2 ≈ 8 beds
COSTS = FlowCosts()
REPS = 30


def small_evaluator(seed: int = 7):  # noqa: ANN201 - an Evaluate
    """Candidates (P1 starts a week, P2 beds) of the small system on the first ``n`` of REPS replications."""

    def evaluate(x: search.Candidate, n: int) -> search.Outcome:
        prm = FlowParams(**{**SMALL.__dict__, "p1_starts_per_week": float(x[0]), "p2_beds": int(x[1])})
        run = simulate_flow(LAM, prm, n, seed)
        per = per_rep_costs(run, COSTS)
        fixed = x[0] / 7.0 * 90 * COSTS.p1_start + x[1] * 90 * COSTS.p2_bed_day
        delay = run.delay_days.sum(axis=1) / np.maximum(run.dis.sum(axis=1), 1)
        return search.Outcome(fixed, sum(per[c] for c in RESPONSE_COSTS), delay)

    return evaluate


def small_searcher(goal: search.Goal, lower=(16, 4), upper=(28, 12), cap=None, seed=7) -> search.Searcher:  # noqa: ANN001
    over = (lambda x: x[0] / 7.0 * 90 * COSTS.p1_start + x[1] * 90 * COSTS.p2_bed_day - cap) if cap else (lambda x: 0.0)
    return search.Searcher(small_evaluator(seed), lower, upper, goal, over)


def best_of(s: search.Searcher, start=(22, 6)) -> search.Candidate:  # noqa: ANN001
    return search.find(s, start, 20, REPS)[0]


@pytest.mark.parametrize(
    "goal",
    [search.Goal("total"), search.Goal("total", level=0.5, prob=0.8), search.Goal("spend", level=0.3, prob=0.9)],
    ids=["cost and outcomes", "with a delay target", "capacity only, with a target"],
)
def test_the_search_finds_the_brute_force_optimum(goal: search.Goal) -> None:
    s = small_searcher(goal)
    found = best_of(s)
    exhaustive = small_searcher(goal)
    truth = search.brute_force(exhaustive, REPS)
    assert found == truth, (found, truth, s.scores[(found, REPS)], exhaustive.scores[(truth, REPS)])
    assert s.scores[(found, REPS)].feasible
    # and it got there far more cheaply than the grid (13 × 9 candidates)
    assert s.evals < 0.6 * 13 * 9


# --- a known optimum in closed form: the newsvendor. Capacity x costs c a unit; each unit of demand D above it
# costs h. The sample-average optimum is the empirical quantile of D at the critical fractile 1 − c/h; the
# cheapest x with P(D ≤ x) ≥ p is the empirical p-quantile.

DEMAND = np.random.default_rng(3).poisson(20.0, size=400).astype(float)


def newsvendor(c: float = 1.0, h: float = 4.0):  # noqa: ANN201 - an Evaluate
    def evaluate(x: search.Candidate, n: int) -> search.Outcome:
        d = DEMAND[:n]
        return search.Outcome(c * x[0], h * np.maximum(d - x[0], 0.0), np.maximum(d - x[0], 0.0))

    return evaluate


@pytest.mark.parametrize(("c", "h"), [(1.0, 4.0), (1.0, 1.25), (3.0, 4.0)])
def test_the_newsvendor_optimum_is_the_critical_fractile(c: float, h: float) -> None:
    s = search.Searcher(newsvendor(c, h), (0,), (60,), search.Goal("total"))
    x, _ = search.find(s, (5,), 100, len(DEMAND))
    fractile = np.quantile(DEMAND, 1.0 - c / h, method="inverted_cdf")
    assert x == (int(fractile),)


@pytest.mark.parametrize("p", [0.5, 0.8, 0.95])
def test_the_cheapest_capacity_meeting_a_chance_is_the_quantile(p: float) -> None:
    s = search.Searcher(newsvendor(), (0,), (60,), search.Goal("spend", level=0.0, prob=p))
    x, _ = search.find(s, (5,), 100, len(DEMAND))
    assert x == (int(np.quantile(DEMAND, p, method="inverted_cdf")),)
    assert s.scores[(x, len(DEMAND))].chance >= p > s.score_of((x[0] - 1,), len(DEMAND)).chance


def test_meeting_the_target_is_exactly_the_chance_at_or_under_the_level() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(5, 60))
        delay = np.round(rng.gamma(2.0, 0.4, size=n), int(rng.integers(0, 3)))  # ties, as real draws have
        delay[rng.random(n) < 0.05] = np.nan  # a draw with no discharge has no figure
        out = search.Outcome(0.0, np.zeros(n), delay)
        level, prob = float(rng.choice(delay[np.isfinite(delay)])), float(rng.uniform(0.05, 1.0))
        sc = search.score(out, search.Goal("total", level=level, prob=prob))
        have = delay[np.isfinite(delay)]
        assert sc.chance == np.mean(have <= level)
        assert sc.feasible == (sc.chance >= prob), (sc, prob)
        assert (sc.gap == 0) == sc.feasible and sc.reach >= np.min(have)


def test_a_constraint_the_grid_cannot_meet_gives_the_closest_mix() -> None:
    goal = search.Goal("total", level=0.0, prob=1.0)  # no delay at all in every winter: impossible
    s = small_searcher(goal)
    found = best_of(s)
    sc = s.scores[(found, REPS)]
    assert not sc.feasible and sc.shortfall > 0 and sc.gap > 0
    other = small_searcher(goal)
    truth = search.brute_force(other, REPS)
    assert found == truth
    assert sc.gap == min(v.gap for (_, n), v in other.scores.items() if n == REPS)  # the nearest of the whole grid


def test_wider_bounds_and_more_budget_never_give_a_worse_optimum() -> None:
    goal = search.Goal("total", level=0.5, prob=0.8)
    narrow = small_searcher(goal, lower=(20, 6), upper=(24, 8))
    wide = small_searcher(goal)
    a, b = best_of(narrow, (22, 7)), best_of(wide, (22, 7))
    assert not search.better(narrow.scores[(a, REPS)], wide.scores[(b, REPS)])
    costs = []
    for cap in (1.6e6, 1.8e6, 2.2e6, None):
        s = small_searcher(goal, cap=cap)
        x = best_of(s)
        costs.append(s.scores[(x, REPS)])
    for tight, loose in zip(costs, costs[1:], strict=False):
        assert not search.better(tight, loose), (tight, loose)
    assert costs[0].over_budget > 0 or costs[0].shortfall > 0 or costs[0].cost > costs[-1].cost - 1e-6


def test_paired_differences_are_tighter_than_unpaired() -> None:
    same = small_evaluator(7)
    a, b = same((22, 7), REPS), same((23, 7), REPS)
    other = small_evaluator(8)((23, 7), REPS)
    p_same = search.paired(a, b, "total")
    p_other = search.paired(a, other, "total")
    assert p_same.se < 0.5 * p_other.se  # common random numbers: the pairs share their draws
    assert search.score(a, search.Goal("total", 0.5, 0.8)).chance == a.chance(0.5)


# --- the demo area: one scenario of few draws, its projection and winter computed once --------------------------

DRAWS = 60


@pytest.fixture(scope="module")
def demo():  # noqa: ANN201
    area, _ = load_area()
    sc = evolve(baseline(area), n_draws=DRAWS)
    stages = pipeline.memo_stages()
    p = stages.projection(sc, area)
    return area, sc, stages, p, stages.winter(sc, area, p)


BOUNDS = (("p1_starts_per_week", 45, 50), ("p2_beds", 59, 64), ("p3_per_week", 7, 8), ("escalation_beds", 0, 1))


def _optimise(demo, **settings):  # noqa: ANN001, ANN003, ANN202
    area, sc, stages, p, w = demo
    cfg = {"bounds": BOUNDS, "search_draws": 30, **settings}
    return opt.optimise(sc, area, opt.Settings(**cfg), projection=p, winter=w, cache=opt.EvaluationCache())


def test_the_applied_scenario_is_the_candidate_on_every_kpi(demo) -> None:  # noqa: ANN001
    area, sc, stages, _, _ = demo
    r = _optimise(demo)
    applied = opt.result_scenario(r)
    assert isinstance(applied, Scenario) and applied == opt.result_scenario(r)  # pure: the same scenario each time
    res = pipeline.run(applied, area, stages)
    k_app = res.winter.kpis.set_index("kpi")[["mean", "p10", "p50", "p90"]]
    k_opt = r.kpis.set_index("kpi")[["mean", "p10", "p50", "p90"]]
    assert k_app.equals(k_opt)
    for lever, units in r.best.items():
        assert getattr(res.winter.params, lever) == pytest.approx(units, abs=1e-4), lever
    delay = core_metrics(res, area)["delay"]
    assert delay.chance == pytest.approx(r.best_row["chance"])
    assert r.level == sc.ambition_delay_days
    outcome = res.winter.costs.set_index("component").loc[list(RESPONSE_COSTS), "mean"].sum()
    assert r.best_row["outcome_cost"] == pytest.approx(outcome, rel=1e-12)
    assert r.best_row["total_cost"] == pytest.approx(r.best_row["capacity_cost"] + outcome, rel=1e-12)
    assert r.best_row["objective"] == r.best_row["total_cost"]
    # the budget change is what the applied scenario changes, scheme by scheme
    budget = opt.budget_table(r)
    moved = {s.name: s.budget_gbp for s in applied.schemes}
    for row in budget.to_dict("records"):
        assert moved[row["item"]] == row["after"]
    assert math.isclose(budget["change"].sum(), applied.scheme_budget_gbp - sc.scheme_budget_gbp)


def test_the_answer_reproduces_with_the_same_seed(demo) -> None:  # noqa: ANN001
    a, b = _optimise(demo), _optimise(demo)
    assert a.best == b.best and a.best_row == b.best_row
    assert a.curve.equals(b.curve)


def test_every_candidate_runs_on_the_scenarios_own_random_numbers(demo) -> None:  # noqa: ANN001
    area, sc, _, p, w = demo
    month = pipeline.stages.winter_month_index(p.months, w.start)
    today = tuple(int(round(getattr(w.params, lever))) for lever in opt.LEVERS)
    ctx = opt.Context(sc, w, month, "test", opt.EvaluationCache())
    shifted = opt.Context(sc, dataclasses.replace(w, seed=w.seed + 1), month, "test2", opt.EvaluationCache())
    assert not np.array_equal(ctx.evaluate(today, DRAWS).outcome_cost, shifted.evaluate(today, DRAWS).outcome_cost)


def test_the_search_draws_are_the_first_draws_of_the_full_run(demo) -> None:  # noqa: ANN001
    area, sc, _, p, w = demo
    ctx = opt.Context(sc, w, pipeline.stages.winter_month_index(p.months, w.start), "test", opt.EvaluationCache())
    x = (46, 60, 7, 1)
    few, full = ctx.evaluate(x, 20), ctx.evaluate(x, DRAWS)
    assert np.array_equal(few.outcome_cost, full.outcome_cost[:20])
    assert np.array_equal(few.delay, full.delay[:20], equal_nan=True)
    today = ctx.evaluate_run(w.run)
    assert np.array_equal(delay_draws(w), opt.Outcome(0.0, today, delay_draws(w)).delay)


def test_an_unreachable_target_is_said_plainly_with_the_closest_mix(demo) -> None:  # noqa: ANN001
    r = _optimise(demo, target_days=0.05, target_prob=0.95)
    assert not r.feasible
    assert r.message.startswith("No mix within the bounds keeps the average discharge delay at or under 0.05 days")
    # the closest: more of each discharge pathway can only help, so the answer is at the top of the P1 and P2 bounds
    assert r.best["p1_starts_per_week"] == 50 and r.best["p2_beds"] == 64
    assert any("highest bound" in n for n in r.notes)


def test_a_spending_cap_is_kept(demo) -> None:  # noqa: ANN001
    wide = (("p1_starts_per_week", 40, 50), ("p2_beds", 55, 64), ("p3_per_week", 6, 8), ("escalation_beds", 0, 1))
    free = _optimise(demo, target_prob=None, bounds=wide)
    capped = _optimise(demo, target_prob=None, bounds=wide, budget_gbp=0.0)
    assert free.best_row["capacity_cost"] > free.today_row["capacity_cost"]  # unconstrained, it spends more
    assert capped.feasible and capped.best_row["capacity_cost"] <= capped.today_row["capacity_cost"] + 1e-6
    assert capped.best_row["objective"] >= free.best_row["objective"] - 1e-6
    # no mix within the bounds fits under the cap: said plainly, and the closest is the cheapest corner
    over = _optimise(demo, target_prob=None, budget_gbp=0.0)
    assert not over.feasible and over.message.startswith("No mix within the bounds stays within the spending cap")
    assert over.best == {lever: lo for lever, lo, _ in BOUNDS}


def test_budgets_buy_exactly_the_mix_through_the_schemes(demo) -> None:  # noqa: ANN001
    area, sc, _, p, w = demo
    month = pipeline.stages.winter_month_index(p.months, w.start)
    slow = evolve(sc, savings_realised_pct=80.0, schemes=[{**s.model_dump(), "ramp_months": 9} for s in sc.schemes])
    mix = {"p1_starts_per_week": 50, "p2_beds": 55, "p3_per_week": 9, "escalation_beds": 4}
    out = opt.candidate_scenario(slow, mix, month)
    change = capacity_changes(out.schemes, out.costs, month, out.savings_realised_pct)
    for lever in ("p1_starts_per_week", "p2_beds", "p3_per_week"):
        assert getattr(out.flow, lever) + change[lever] == pytest.approx(mix[lever], abs=1e-4), lever
    assert out.flow.escalation_beds == 4
    p1 = [s for s in out.schemes if s.metric == "p1_capacity"]
    before = {s.name: s.budget_gbp for s in slow.schemes}
    ratios = {round(s.budget_gbp / before[s.name], 5) for s in p1}
    assert len(ratios) == 1  # shared pro rata to the schemes' budgets
    # a pathway no scheme buys: its capacity at current funding is set instead
    bare = evolve(sc, schemes=[s.model_dump() for s in sc.schemes if s.metric != "p2_capacity"])
    assert opt.candidate_scenario(bare, {"p2_beds": 70}, month).flow.p2_beds == 70
    with pytest.raises(opt.OptimiseProblem, match="below what remains"):
        opt.candidate_scenario(sc, {"p1_starts_per_week": 0}, month)


def test_capacity_cost_is_the_budget_pro_rata() -> None:
    sc = baseline(load_area()[0])
    prm = FlowParams(
        core_beds=300,
        p1_starts_per_week=10.0,
        p2_beds=5,
        p3_per_week=2.0,
        escalation_beds=7,
        escalation_open_day=10,
        escalation_close_day=40,
    )
    c = opt.capacity_cost(prm, sc, 182)
    assert c["p1_starts_per_week"] == pytest.approx(10 * 26 * sc.costs.p1_start)
    assert c["p2_beds"] == pytest.approx(5 * 182 * sc.costs.p2_bed_day)
    assert c["p3_per_week"] == pytest.approx(2 * 26 * sc.costs.p3_week * sc.costs.p3_weeks_per_placement)
    assert c["escalation_beds"] == pytest.approx(7 * 30 * sc.costs.escalation_bed_day)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"bounds": (("p2_beds", 9, 3),)}, "lowest ≤ highest"),
        ({"bounds": (("beds", 1, 3),)}, "not a lever"),
        ({"target_prob": 1.5}, "at most 100%"),
        ({"objective": "spend", "target_prob": None}, "needs a delay target"),
    ],
)
def test_bad_settings_are_refused_in_words(kwargs: dict, words: str) -> None:
    with pytest.raises(opt.OptimiseProblem, match=words):
        opt.Settings(**kwargs)


def test_bounds_parse_from_the_command_line() -> None:
    assert opt.parse_bounds(["p1=30:80", "esc=0:5"]) == (("p1_starts_per_week", 30, 80), ("escalation_beds", 0, 5))
    for bad in ("p1=30", "x=1:2", "p2=a:b"):
        with pytest.raises(opt.OptimiseProblem):
            opt.parse_bounds([bad])


def test_the_command_line_prints_the_answer(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    demo,  # noqa: ANN001
) -> None:
    monkeypatch.setattr(opt, "memo_stages", lambda: demo[2])  # the module's fitted models: no second fit
    out, scen = tmp_path / "answer.json", tmp_path / "applied.json"
    code = cli(
        [
            "optimise",
            "--draws",
            "50",
            "--search-draws",
            "25",
            "--bounds",
            "p1=44:48",
            "p2=58:61",
            "p3=6:8",
            "esc=0:1",
            "--out",
            str(out),
            "--scenario-out",
            str(scen),
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "Home First (P1) starts a week" in printed.out and "Runner-up" in printed.out
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["draws"] == 50 and set(record["answer"]) >= set(opt.LEVERS)
    applied = Scenario.from_json(scen.read_text(encoding="utf-8"))
    assert applied.name.endswith("cheapest mix")
    assert cli(["optimise", "--bounds", "p1=9:3"]) == 2
    assert "lowest ≤ highest" in capsys.readouterr().err
    assert cli(["optimise", "--draws", "10"]) == 2
    err = capsys.readouterr().err
    assert "--draws" in err and "50" in err and "Traceback" not in err
