"""Discharge capacity that scheme budgets buy: unit costs, the capacity bought, its change and its checks.

The Scenario's own validation needs these (a capacity scheme whose unit cost is £0 cannot be costed), so they live
beside the levers and take the levers' plain fields (typed by the protocols below) rather than importing them.
Units: P1 starts a week, P2 beds, P3 interim placements a week; £ a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from models.core.units import DAYS_A_YEAR, WEEKS_A_YEAR

#: The scheme metrics that buy discharge capacity (one per pathway).
CAPACITY_METRICS: tuple[str, ...] = ("p1_capacity", "p2_capacity", "p3_capacity")


class UnitCosts(Protocol):
    """The unit costs a capacity scheme is priced at (``Scenario.costs``)."""

    p1_start: float  # £ per Home First start
    p2_bed_day: float  # £ per step-down bed day
    p3_week: float  # £ per interim care-home week
    p3_weeks_per_placement: float  # weeks funded per interim placement


class FundedScheme(Protocol):
    """A scheme's fields that capacity depends on (``Scenario.schemes``)."""

    name: str
    metric: str
    budget_gbp: float
    current_budget_gbp: float
    ramp_months: int


class CapacityLevers(Protocol):
    """A scenario's fields that the capacity checks read (a ``Scenario``)."""

    @property
    def flow(self) -> object: ...
    @property
    def costs(self) -> UnitCosts: ...
    @property
    def schemes(self) -> Sequence[FundedScheme]: ...


METRIC_LABELS: dict[str, str] = {
    "nea": "emergency admissions (NEA)",
    "acs": "avoidable (ACS) admissions",
    "nea_65plus": "emergency admissions of people aged 65+",
    "placements": "care-home placements 65+",
    "p1_capacity": "Home First / P1 starts a week",
    "p2_capacity": "step-down / P2 beds",
    "p3_capacity": "interim care-home / P3 placements a week",
}


#: Flow lever each capacity metric adds to.
CAPACITY_LEVER: dict[str, str] = {
    "p1_capacity": "p1_starts_per_week",
    "p2_capacity": "p2_beds",
    "p3_capacity": "p3_per_week",
}


def ramp(n_months: int, ramp_months: int) -> np.ndarray:
    """Share of full effect in each projected month while a scheme builds up.

    Linear: month ``t`` (0 = first projected month, when the scheme starts) gets
    ``min(1, (t + 1) / (ramp_months + 1))``, so ramp 3 gives 25%, 50%, 75%, then 100%
    from the 4th month (full effect after ``ramp_months`` months). Ramp 0 is full
    effect at once. A ramp longer than the horizon is allowed (the scheme never
    reaches full effect); :func:`compute_effects` and :func:`validate_scheme_rows`
    report it as a note.

    Parameters
    ----------
    n_months : int
        Projected months.
    ramp_months : int
        Months of build-up (≥ 0).

    Returns
    -------
    ndarray
        Shape ``(n_months,)``, values in (0, 1].
    """
    if n_months < 0 or ramp_months < 0:
        raise ValueError("n_months and ramp_months must be ≥ 0")
    t = np.arange(1, n_months + 1, dtype=float)
    return np.minimum(1.0, t / (ramp_months + 1.0))


def capacity_unit_cost(metric: str, costs: UnitCosts) -> float:
    """£ a year that buys one unit of capacity, from the one cost basis per service (``Costs``).

    p1_capacity: one Home First start a week for a year (£ per start × weeks a year);
    p2_capacity: one step-down bed for a year (£ per bed day × days a year);
    p3_capacity: one interim care-home placement a week for a year (£ a week × weeks funded
    per placement × weeks a year).
    """
    if metric == "p1_capacity":
        return float(costs.p1_start) * WEEKS_A_YEAR
    if metric == "p2_capacity":
        return float(costs.p2_bed_day) * DAYS_A_YEAR
    if metric == "p3_capacity":
        return float(costs.p3_week) * float(costs.p3_weeks_per_placement) * WEEKS_A_YEAR
    raise ValueError(f"'{metric}' is not a discharge-capacity metric")


def capacity_bought(scheme: FundedScheme, costs: UnitCosts, budget_gbp: float | None = None) -> float:
    """Capacity a capacity scheme's budget buys (starts a week, beds or placements a week)."""
    unit = capacity_unit_cost(scheme.metric, costs)
    b = scheme.budget_gbp if budget_gbp is None else budget_gbp
    return b / unit if unit > 0 else 0.0


def capacity_changes(
    schemes: Sequence[FundedScheme], costs: UnitCosts, month_index: int | None = None, realised_pct: float = 100.0
) -> dict[str, float]:
    """Change of each flow capacity lever against current funding (``CAPACITY_LEVER`` keys' levers).

    ``(B − B_current) / unit cost`` summed over the capacity schemes of each pathway. With
    ``month_index`` (months since the first projected month) the change is ramped like an
    effect (:func:`ramp`); increases are scaled by ``realised_pct`` (capacity that is funded
    but not delivered, e.g. posts not recruited), cuts are not.

    Returns
    -------
    dict
        ``{"p1_starts_per_week": Δ, "p2_beds": Δ, "p3_per_week": Δ}`` (P2 beds as a float; the
        flow model rounds to whole beds).
    """
    out = dict.fromkeys(CAPACITY_LEVER.values(), 0.0)
    realised = min(max(float(realised_pct), 0.0), 100.0) / 100.0
    for s in schemes:
        if s.metric not in CAPACITY_METRICS:
            continue
        unit = capacity_unit_cost(s.metric, costs)
        if unit <= 0:
            continue
        delta = (s.budget_gbp - s.current_budget_gbp) / unit
        if delta > 0:
            delta *= realised
        if month_index is not None:
            delta *= float(ramp(month_index + 1, s.ramp_months)[-1])
        out[CAPACITY_LEVER[s.metric]] += delta
    return out


def capacity_problems(scenario: CapacityLevers) -> list[str]:
    """Plain messages for capacity schemes that cannot be costed or buy impossible capacity."""
    problems = []
    flow, costs = scenario.flow, scenario.costs
    funded = dict.fromkeys(CAPACITY_LEVER.values(), 0.0)
    for s in scenario.schemes:
        if s.metric not in CAPACITY_METRICS:
            continue
        unit = capacity_unit_cost(s.metric, costs)
        if unit <= 0 and (s.budget_gbp > 0 or s.current_budget_gbp > 0):
            problems.append(
                f"scheme '{s.name}' buys {METRIC_LABELS[s.metric]} but its unit cost is £0: set the unit cost "
                "(Costs) so its budget can be turned into capacity"
            )
            continue
        if unit > 0:
            funded[CAPACITY_LEVER[s.metric]] += s.current_budget_gbp / unit
    total = {lever: float(getattr(flow, lever)) for lever in funded}
    limits = {"p1_starts_per_week": 5000.0, "p2_beds": 2000.0, "p3_per_week": 1000.0}
    names = {"p1_starts_per_week": "P1 starts a week", "p2_beds": "P2 beds", "p3_per_week": "P3 placements a week"}
    for lever, cur in funded.items():
        if cur > total[lever] + 1e-6:
            problems.append(
                f"the pooled fund's capacity schemes buy {cur:,.1f} {names[lever]} at current budgets, more than the "
                f"area's total of {total[lever]:,.1f}: raise the total (discharge inputs) or lower the current budgets"
            )
    change = capacity_changes(scenario.schemes, costs)
    for lever, delta in change.items():
        after = total[lever] + delta
        if after > limits[lever]:
            problems.append(
                f"the scheme budgets would buy {after:,.0f} {names[lever]}, more than the model supports "
                f"({limits[lever]:,.0f}); check the budgets and unit costs"
            )
    return problems
