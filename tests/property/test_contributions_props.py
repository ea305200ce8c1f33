"""Property tests (hypothesis): contributions follow who pays, so moving money between schemes changes no partner's
contribution (issue 20), and a move keeps spend by source (docs/funding.md#moving-money)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.inputs.funding_rules import SOURCE_KEYS
from models.money.fund import fund_statement
from models.scenario import Scenario, evolve
from models.scenario.funding import by_source
from models.scenario.moves import move_money
from models.scenario.terms import contributions

pytestmark = pytest.mark.property

SETTINGS = settings(max_examples=60, deadline=None)
finite = {"allow_nan": False, "allow_infinity": False}


@st.composite
def mixed_scenario(draw: st.DrawFn, base: Scenario) -> Scenario:
    """The demo baseline with random funding mixes and random partners' stated contributions (or none)."""
    schemes = []
    for s in base.schemes:
        weights = draw(st.lists(st.floats(0, 1, **finite), min_size=len(SOURCE_KEYS), max_size=len(SOURCE_KEYS)))
        total = sum(weights)
        mix = tuple((k, w / total) for k, w in zip(SOURCE_KEYS, weights, strict=True) if w > 0) if total > 1e-6 else ()
        schemes.append({**s.model_dump(), "funding": mix or (("nhs_minimum", 1.0),)})
    stated = draw(st.one_of(st.none(), st.floats(0, 3e7, **finite)))
    partners = [{"name": "ICB", "contribution_gbp": None}, {"name": "Council", "contribution_gbp": stated}]
    # income left out: today's fund at these mixes (current budgets × mixes)
    data = {
        **base.model_dump(),
        "schemes": schemes,
        "risk_share": {**base.risk_share.model_dump(), "partners": partners},
    }
    data.pop("income")
    return Scenario.model_validate(data)


moves = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.floats(0, 1, **finite)), min_size=1, max_size=6)


@SETTINGS
@given(data=st.data(), steps=moves)
def test_moving_money_between_schemes_changes_no_contribution(base_scenario, data, steps) -> None:  # noqa: ANN001
    sc = data.draw(mixed_scenario(base_scenario))
    before = contributions(sc)
    spend = by_source(sc.schemes)
    n = len(sc.schemes)
    for i, j, fraction in steps:
        donor, taker = sc.schemes[i % n], sc.schemes[j % n]
        if donor.name == taker.name:
            continue
        sc = move_money(sc, donor.name, taker.name, donor.budget_gbp * fraction)
    assert contributions(sc).tolist() == pytest.approx(before.tolist(), abs=1e-6)
    after = by_source(sc.schemes)
    assert all(math.isclose(after[k], spend[k], rel_tol=1e-9, abs_tol=1e-3) for k in SOURCE_KEYS)
    assert fund_statement(sc).warnings == []  # nothing overcommitted: the money kept its sources


@SETTINGS
@given(data=st.data(), weights=st.lists(st.floats(0.0, 1.0, **finite), min_size=10, max_size=10))
def test_any_reallocation_of_the_same_total_changes_no_contribution(base_scenario, data, weights) -> None:  # noqa: ANN001
    """Budgets re-drawn at will (any amounts, same total or not): contributions stay those of the income."""
    sc = data.draw(mixed_scenario(base_scenario))
    before = contributions(sc)
    total = sc.scheme_budget_gbp
    w = sum(weights) or 1.0
    schemes = [{**s.model_dump(), "budget_gbp": total * x / w} for s, x in zip(sc.schemes, weights, strict=False)]
    moved = evolve(sc, schemes=schemes)
    assert contributions(moved).tolist() == pytest.approx(before.tolist(), abs=1e-6)
