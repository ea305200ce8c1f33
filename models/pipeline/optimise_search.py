"""An integer search for the cheapest capacity mix, on any evaluator with common random numbers.

The problem (docs/optimiser.md): choose whole units ``x`` (one per lever) within bounds to minimise the mean over
the Monte Carlo draws of a cost, optionally subject to a chance constraint — the share of draws whose average
discharge delay is at or under a level must be at least ``prob`` — and a cap on the extra spend. Each draw's cost
and delay come from a simulation, evaluated for every candidate on the same draws (common random numbers), so
the sample-average problem is deterministic and two candidates differ only by their levers.

The search is a **coordinate (compass) search on the integer lattice** with shrinking steps, then exchange moves
(one unit more of one lever, one less of another) at unit steps; the lattice neighbourhood of the answer is then
re-evaluated on all the draws and the search polished there. It needs no gradient, respects the bounds and whole
units exactly, and each comparison is paired. ``scipy.optimize.milp`` would need the delay to be linear (or
separable) in the capacities, which queues are not (docs/optimiser.md says why this search is used instead).

Candidates are ranked lexicographically: within the spending cap first, then by how far the delay they keep to in
``prob`` of the draws is above the level (so with no feasible mix the search returns the closest one, and a mix
far from the target still sees which way is nearer), then by cost. This module knows nothing
of the flow model: :mod:`models.pipeline.optimise` supplies the evaluator.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Candidate = tuple[int, ...]

#: Relative improvement in cost a move must make to be taken (guards against cycling on rounding noise).
COST_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class Outcome:
    """A candidate evaluated on ``n`` draws (the first ``n`` of the common draws).

    Attributes
    ----------
    fixed_cost : the candidate's deterministic cost, £ (its capacity, priced at the unit costs).
    outcome_cost : (n,) the costed outcomes of each draw, £ (delays, waits in ED, surge beds, diverts).
    delay : (n,) the average discharge delay of each draw, days (NaN for a draw with no discharge).
    kpis : optional extra figures kept for the report (means over the draws).
    """

    fixed_cost: float
    outcome_cost: np.ndarray
    delay: np.ndarray
    kpis: object = None

    @property
    def n(self) -> int:
        return int(self.outcome_cost.shape[0])

    def per_draw(self, objective: str) -> np.ndarray:
        """The objective of each draw, £: capacity cost plus outcomes (``"total"``) or capacity cost (``"spend"``)."""
        if objective == "spend":
            return np.full(self.n, float(self.fixed_cost))
        return float(self.fixed_cost) + np.asarray(self.outcome_cost, dtype=float)

    def chance(self, level: float | None) -> float:
        """Share of the draws (with a figure) whose delay is at or under ``level`` (NaN without a level)."""
        if level is None:
            return float("nan")
        d = np.asarray(self.delay, dtype=float)
        have = np.isfinite(d)
        return float((have & (d <= level)).sum() / have.sum()) if have.any() else 0.0


@dataclass(frozen=True)
class Goal:
    """What the search minimises and under which constraints.

    Attributes
    ----------
    objective : ``"total"`` (capacity cost + costed outcomes) or ``"spend"`` (capacity cost only; needs a target).
    level : the maximum average discharge delay, days (None: no constraint).
    prob : the chance (0–1) with which the delay must stay at or under ``level``.
    """

    objective: str = "total"
    level: float | None = None
    prob: float = 0.8

    def __post_init__(self) -> None:
        if self.objective not in ("total", "spend"):
            raise ValueError("the objective must be 'total' (capacity and outcomes) or 'spend' (capacity only)")
        if self.objective == "spend" and self.level is None:
            raise ValueError("minimising the capacity spend alone needs a delay target (else the answer is the floor)")
        if not (math.isfinite(self.prob) and 0.0 < self.prob <= 1.0):
            raise ValueError(f"the chance must be above 0% and at most 100%, got {self.prob:.0%}")


@dataclass(frozen=True)
class Score:
    """A candidate's rank, lexicographically: over the spending cap (£), then the gap to the target (days), then the
    mean objective (£).

    ``reach`` is the delay the candidate keeps to in the target share of draws (the empirical quantile at ``prob``,
    inverted CDF: it is at or under the level exactly when the chance is at least ``prob``), so ``gap = reach −
    level`` (0 when met) measures how far a mix is from the target even where the chance is flat (0% for every
    mix far below it), and the closest mix is the one that comes nearest. ``chance`` and ``shortfall`` (``prob``
    less the chance) are reported.
    """

    over_budget: float
    gap: float
    cost: float
    chance: float
    reach: float = float("nan")
    shortfall: float = 0.0

    @property
    def feasible(self) -> bool:
        return self.over_budget <= 0.0 and self.gap <= 0.0


def reach(out: Outcome, prob: float) -> float:
    """The delay (days) the outcome keeps to in a share ``prob`` of its draws (inverted-CDF quantile); NaN draws
    (no discharge) are left out, as the chance leaves them out; infinite when no draw has a figure."""
    d = np.asarray(out.delay, dtype=float)
    d = d[np.isfinite(d)]
    return float(np.quantile(d, prob, method="inverted_cdf")) if d.size else math.inf


def score(out: Outcome, goal: Goal, over_budget: float = 0.0) -> Score:
    """Rank an outcome against the goal (lower is better in each field, lexicographically)."""
    cost = float(out.per_draw(goal.objective).mean())
    if goal.level is None:
        return Score(max(0.0, float(over_budget)), 0.0, cost, float("nan"))
    chance = out.chance(goal.level)
    r = reach(out, goal.prob)
    return Score(max(0.0, float(over_budget)), max(0.0, r - goal.level), cost, chance, r, max(0.0, goal.prob - chance))


def better(a: Score, b: Score) -> bool:
    """Whether ``a`` ranks strictly above ``b``: less over the cap, then nearer the target, then cheaper."""
    if not math.isclose(a.over_budget, b.over_budget, rel_tol=1e-12, abs_tol=1e-6):
        return a.over_budget < b.over_budget
    if not math.isclose(a.gap, b.gap, rel_tol=1e-12, abs_tol=1e-12):
        return a.gap < b.gap
    return a.cost < b.cost - COST_TOL * max(1.0, abs(b.cost))


@dataclass(frozen=True)
class Paired:
    """The paired difference of two candidates' objectives over the same draws, £ (``other − best``)."""

    mean: float
    se: float
    n: int

    @property
    def within_error(self) -> bool:
        """Whether the difference is within about two standard errors of zero (Monte Carlo cannot tell them apart)."""
        return abs(self.mean) <= 2.0 * self.se


def paired(best: Outcome, other: Outcome, objective: str) -> Paired:
    """Mean and standard error of ``other − best`` over the common draws (£)."""
    d = other.per_draw(objective) - best.per_draw(objective)
    n = int(d.shape[0])
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return Paired(float(d.mean()), se, n)


Evaluate = Callable[[Candidate, int], Outcome]
Progress = Callable[[str], None]


@dataclass
class Searcher:
    """The search state: the evaluator, bounds, goal and the candidates scored so far at each number of draws."""

    evaluate: Evaluate
    lower: Candidate
    upper: Candidate
    goal: Goal
    over_budget: Callable[[Candidate], float] = lambda _x: 0.0
    max_evals: int = 400
    progress: Progress | None = None

    def __post_init__(self) -> None:
        if len(self.lower) != len(self.upper) or any(lo > hi for lo, hi in zip(self.lower, self.upper, strict=True)):
            raise ValueError("each lever's lower bound must be at or under its upper bound")
        self.scores: dict[tuple[Candidate, int], Score] = {}
        self.outcomes: dict[tuple[Candidate, int], Outcome] = {}
        self.evals = 0
        self.search_evals = 0  # candidates evaluated by the coordinate search (before the polish)
        self.stopped = False  # whether the search ran out of evaluations

    def clip(self, x: Sequence[int]) -> Candidate:
        return tuple(int(min(max(v, lo), hi)) for v, lo, hi in zip(x, self.lower, self.upper, strict=True))

    def score_of(self, x: Candidate, n: int) -> Score:
        """The candidate's score on the first ``n`` draws (evaluated once; later calls are remembered)."""
        key = (x, n)
        if key not in self.scores:
            out = self.evaluate(x, n)
            self.evals += 1
            self.outcomes[key] = out
            self.scores[key] = score(out, self.goal, self.over_budget(x))
            if self.progress is not None:
                self.progress(f"{self.evals} candidates simulated")
        return self.scores[key]

    def _moves(self, x: Candidate, steps: Sequence[int], exchange: bool) -> list[Candidate]:
        k = len(x)
        out = []
        for i in range(k):
            for sign in (1, -1):
                y = list(x)
                y[i] += sign * steps[i]
                out.append(self.clip(y))
        if exchange:  # one unit more of one lever, one less of another: trades along a binding constraint
            for i in range(k):
                for j in range(k):
                    if i != j:
                        y = list(x)
                        y[i] += 1
                        y[j] -= 1
                        out.append(self.clip(y))
        return [y for y in dict.fromkeys(out) if y != x]

    def descend(self, start: Candidate, n: int, steps: Sequence[int], exchange: bool = True) -> Candidate:
        """Coordinate search from ``start`` on ``n`` draws: take the first improving move, repeat a move while it
        improves, halve the steps when none does; at unit steps also try exchanges. Ends at a candidate no move
        improves (or when the evaluation budget is spent)."""
        x = self.clip(start)
        steps = [max(1, int(s)) for s in steps]
        while self.evals < self.max_evals:
            moved = False
            for y in self._moves(x, steps, exchange and max(steps) == 1 and self.binding(x, n)):
                if self.evals >= self.max_evals:
                    break
                if better(self.score_of(y, n), self.score_of(x, n)):
                    x, moved = self._line(x, y, n), True
                    break
            if not moved:
                if max(steps) == 1:
                    return x
                steps = [max(1, s // 2) for s in steps]
        return x

    def binding(self, x: Candidate, n: int) -> bool:
        """Whether a constraint binds at ``x``: one unit less of some lever breaks the target or ``x`` misses it
        (then exchanges between levers can find a cheaper mix that still meets it)."""
        if self.goal.level is None:
            return False
        if not self.score_of(x, n).feasible:
            return True
        for i in range(len(x)):
            y = list(x)
            y[i] -= 1
            y = self.clip(y)
            if y != x and self.score_of(y, n).gap > 0:
                return True
        return False

    def _line(self, x: Candidate, y: Candidate, n: int) -> Candidate:
        """From the improving move ``x → y``, repeat the same move while it keeps improving (a line search)."""
        step = [b - a for a, b in zip(x, y, strict=True)]
        while self.evals < self.max_evals:
            z = self.clip([v + d for v, d in zip(y, step, strict=True)])
            if z == y or not better(self.score_of(z, n), self.score_of(y, n)):
                return y
            y = z
        return y


def start_steps(lower: Candidate, upper: Candidate, parts: int = 8) -> list[int]:
    """First step of each lever: an eighth of its range (at least one unit). The search starts from today's
    capacities, usually near the answer, and the line search covers longer distances."""
    return [max(1, (hi - lo) // parts) for lo, hi in zip(lower, upper, strict=True)]


def neighbours(x: Candidate, lower: Candidate, upper: Candidate, k: int = 1) -> list[tuple[int, int, Candidate]]:
    """The candidates ``x ± 1..k`` units of one lever within the bounds: (lever index, offset, candidate)."""
    out = []
    for i in range(len(x)):
        for off in [*range(-k, 0), *range(1, k + 1)]:
            v = x[i] + off
            if lower[i] <= v <= upper[i]:
                y = list(x)
                y[i] = v
                out.append((i, off, tuple(y)))
    return out


def polish(searcher: Searcher, x: Candidate, n: int) -> Candidate:
    """Move to the best ± 1 unit neighbour on ``n`` draws while one is better (the search ran on fewer draws)."""
    for _ in range(1000):
        best = x
        for _, _, y in neighbours(x, searcher.lower, searcher.upper, 1):
            if better(searcher.score_of(y, n), searcher.score_of(best, n)):
                best = y
        if best == x:
            return x
        x = best
    return x


def ranked(searcher: Searcher, n: int) -> list[Candidate]:
    """The candidates evaluated on ``n`` draws, best first (ties keep the order they were found in)."""
    found = [x for (x, m) in searcher.scores if m == n]

    def order(a: Candidate, b: Candidate) -> int:
        sa, sb = searcher.scores[(a, n)], searcher.scores[(b, n)]
        return -1 if better(sa, sb) else (1 if better(sb, sa) else 0)

    return sorted(found, key=functools.cmp_to_key(order))


def find(
    searcher: Searcher, start: Candidate, n_search: int, n_full: int, curve_units: int = 1
) -> tuple[Candidate, list[tuple[int, int, Candidate]]]:
    """The whole search: coordinate search on the first ``n_search`` draws, then on all ``n_full`` draws a polish
    over the ± 1 neighbours and the cost curve (± 1 … ``curve_units``); if a point of the curve beats the answer,
    move there and polish again. Returns the answer and the curve's points (lever index, offset, candidate), all
    evaluated on ``n_full`` draws. ``searcher.search_evals`` and ``searcher.stopped`` tell how the search went.
    """
    x = searcher.descend(start, n_search, start_steps(searcher.lower, searcher.upper))
    searcher.search_evals = searcher.evals
    searcher.stopped = searcher.evals >= searcher.max_evals
    searcher.max_evals = 10**9  # the polish and the curve are always completed
    points: list[tuple[int, int, Candidate]] = []
    for _ in range(100):
        x = polish(searcher, x, n_full)
        points = neighbours(x, searcher.lower, searcher.upper, curve_units)
        for _, _, y in points:
            searcher.score_of(y, n_full)
        top = ranked(searcher, n_full)[0]
        if top == x or not better(searcher.scores[(top, n_full)], searcher.scores[(x, n_full)]):
            break
        x = top
    return x, points


def brute_force(searcher: Searcher, n: int) -> Candidate:
    """The best candidate of the whole grid within the bounds (tests and tiny problems only)."""
    grids = [range(lo, hi + 1) for lo, hi in zip(searcher.lower, searcher.upper, strict=True)]
    best: Candidate | None = None
    for x in np.stack(np.meshgrid(*grids, indexing="ij"), axis=-1).reshape(-1, len(grids)):
        c = tuple(int(v) for v in x)
        if best is None or better(searcher.score_of(c, n), searcher.score_of(best, n)):
            best = c
    assert best is not None
    return best
