"""The risk-share terms' own arithmetic that the Scenario's validation needs: contributions and term checks.

Typed by the protocols below (the fields of ``Scenario`` and ``RiskShare`` they read), so the levers module can use
them in its validator without an import cycle. Money in £ a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from models.scenario.funding import Mix, funder_of, income_map


class Contributor(Protocol):
    """A partner: its name and stated contribution (£ a year; None = the income of the sources it pays)."""

    name: str
    contribution_gbp: float | None


class Terms(Protocol):
    """The risk-share terms' fields read here (``RiskShare``)."""

    partners: Sequence[Contributor]
    threshold_gbp: float
    contingency_gbp: float
    split_basis: str
    acute_lead: str
    social_care_lead: str


class Fund(Protocol):
    """A scenario's fields read here (``Scenario``)."""

    @property
    def risk_share(self) -> Terms: ...
    @property
    def income(self) -> Mix: ...


def paid_by(scenario: Fund, terms: Terms | None = None) -> dict[str, float]:
    """The income each partner pays, £ a year: every source's income goes to its funder (:func:`funder_of`)."""
    t = terms or scenario.risk_share
    out = {p.name: 0.0 for p in t.partners}
    for source, amount in income_map(scenario.income).items():
        who = funder_of(source, t)
        out[who] = out.get(who, 0.0) + amount
    return out


def contributions(scenario: Fund, terms: Terms | None = None) -> np.ndarray:
    """Each partner's contribution, £ a year: as stated, or the income of the sources it pays.

    Contributions follow **who pays** (docs/funding.md#contributions): NHS-side sources are paid by the acute
    lead, council-side ones by the social-care lead, whichever schemes the money is spent on. Moving money
    between schemes therefore changes no partner's contribution.
    """
    t = terms or scenario.risk_share
    paid = paid_by(scenario, t)
    return np.array([float(p.contribution_gbp) if p.contribution_gbp is not None else paid[p.name] for p in t.partners])


def term_problems(scenario: Fund, terms: Terms | None = None) -> list[str]:
    """Plain messages for terms that cannot apply to this scenario's fund."""
    t = terms or scenario.risk_share
    c = contributions(scenario, t)
    fund = float(c.sum())
    problems = []
    if t.threshold_gbp > fund:
        problems.append(f"the threshold (£{t.threshold_gbp:,.0f}) is larger than the pooled fund (£{fund:,.0f})")
    if t.contingency_gbp > fund:
        problems.append(f"the contingency (£{t.contingency_gbp:,.0f}) is larger than the pooled fund (£{fund:,.0f})")
    if t.split_basis == "contributions" and fund <= 0:
        problems.append("the split follows contributions, but the partners' contributions add up to £0")
    return problems
