"""Money moves on a scenario's fund: move £X between schemes, and change the income from a source.

Pure functions returning a new validated :class:`Scenario` (docs/funding.md#moving-money). Money in £ a year.
"""

from __future__ import annotations

import math

from models.inputs.funding_rules import SOURCES
from models.scenario.funding import income_map
from models.scenario.scenario import Scenario, evolve


class MoveError(ValueError):
    """A move that cannot be made; ``str(err)`` is a plain sentence."""


def move_money(scenario: Scenario, donor: str, taker: str, amount: float, name: str | None = None) -> Scenario:
    """Move ``amount`` £ a year of budget from scheme ``donor`` to scheme ``taker``, carrying its sources.

    The money keeps its sources: the taker receives the donor's mix pro rata, so spend by source (and the
    income, and every partner's contribution) is unchanged; only spend by scheme and type moves. The donor
    keeps its mix on a smaller budget.

    Parameters
    ----------
    scenario : Scenario
    donor, taker : str
        Scheme names (different schemes of the scenario).
    amount : float
        £ a year, from 0 to the donor's budget.
    name : str, optional
        The new scenario's name (default: unchanged).

    Raises
    ------
    MoveError
        Unknown or identical schemes, or an amount below £0 or above the donor's budget.
    """
    by_name = {s.name: s for s in scenario.schemes}
    for who in (donor, taker):
        if who not in by_name:
            raise MoveError(f"there is no scheme called '{who}' in this scenario")
    if donor == taker:
        raise MoveError("choose two different schemes to move money between")
    give, take = by_name[donor], by_name[taker]
    if not (math.isfinite(amount) and 0 <= amount <= give.budget_gbp):
        raise MoveError(
            f"'{donor}' has £{give.budget_gbp:,.0f} a year; move between £0 and that (asked: £{amount:,.0f})"
        )
    new_budget = take.budget_gbp + amount
    amounts = take.amounts()
    for k, share in give.funding:
        amounts[k] = amounts.get(k, 0.0) + amount * share
    mix = tuple((k, v / new_budget) for k, v in amounts.items() if v > 0) if new_budget > 0 else take.funding
    schemes = []
    for s in scenario.schemes:
        d = s.model_dump()
        if s.name == donor:
            d["budget_gbp"] = give.budget_gbp - amount
        elif s.name == taker:
            d["budget_gbp"] = new_budget
            d["funding"] = mix
        schemes.append(d)
    changes: dict[str, object] = {"schemes": schemes}
    if name is not None:
        changes["name"] = name
    return evolve(scenario, **changes)


def with_income(scenario: Scenario, source: str, amount: float) -> Scenario:
    """The scenario with the fund's income from ``source`` set to ``amount`` £ a year (e.g. an additional
    contribution); its funder's contribution moves with it (docs/funding.md#contributions).

    Raises
    ------
    MoveError
        Unknown source; pydantic's ValidationError when the amount is out of range.
    """
    if source not in SOURCES:
        raise MoveError(f"unknown funding source '{source}'")
    income = income_map(scenario.income)
    income[source] = float(amount)
    return evolve(scenario, income=tuple(income.items()))


def add_money(scenario: Scenario, taker: str, amount: float, source: str, name: str | None = None) -> Scenario:
    """Add ``amount`` £ a year to scheme ``taker``, paid from ``source`` (e.g. an additional NHS contribution):
    the scheme's budget and the income from that source rise together, so the fund stays balanced and the
    source's funder's contribution rises by exactly the new money.

    Raises
    ------
    MoveError
        Unknown scheme or source, or an amount below £0.
    """
    by_name = {s.name: s for s in scenario.schemes}
    if taker not in by_name:
        raise MoveError(f"there is no scheme called '{taker}' in this scenario")
    if source not in SOURCES:
        raise MoveError(f"unknown funding source '{source}'")
    if not (math.isfinite(amount) and amount >= 0):
        raise MoveError(f"add £0 or more (asked: £{amount:,.0f})")
    take = by_name[taker]
    amounts = take.amounts()
    amounts[source] = amounts.get(source, 0.0) + amount
    new_budget = take.budget_gbp + amount
    mix = tuple((k, v / new_budget) for k, v in amounts.items() if v > 0) if new_budget > 0 else take.funding
    schemes = [
        {**s.model_dump(), "budget_gbp": new_budget, "funding": mix} if s.name == taker else s.model_dump()
        for s in scenario.schemes
    ]
    income = income_map(scenario.income)
    income[source] = income.get(source, 0.0) + amount
    changes: dict[str, object] = {"schemes": schemes, "income": tuple(income.items())}
    if name is not None:
        changes["name"] = name
    return evolve(scenario, **changes)
