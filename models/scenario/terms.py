"""The risk-share terms' own arithmetic that the Scenario's validation needs: contributions and term checks.

Typed by the protocols below (the fields of ``Scenario`` and ``RiskShare`` they read), so the levers module can use
them in its validator without an import cycle. Money in £ a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Contributor(Protocol):
    """A partner: its name and stated contribution (£ a year; None = the budgets of the schemes it leads)."""

    name: str
    contribution_gbp: float | None


class Terms(Protocol):
    """The risk-share terms' fields read here (``RiskShare``)."""

    partners: Sequence[Contributor]
    threshold_gbp: float
    contingency_gbp: float
    split_basis: str


class LedScheme(Protocol):
    """A scheme's lead partner and budget (£ a year)."""

    lead_partner: str
    budget_gbp: float


class Fund(Protocol):
    """A scenario's fields read here (``Scenario``)."""

    @property
    def risk_share(self) -> Terms: ...
    @property
    def schemes(self) -> Sequence[LedScheme]: ...


def contributions(scenario: Fund, terms: Terms | None = None) -> np.ndarray:
    """Each partner's contribution, £ a year: as stated, or the budgets of the schemes it leads."""
    t = terms or scenario.risk_share
    out = []
    for p in t.partners:
        if p.contribution_gbp is not None:
            out.append(float(p.contribution_gbp))
        else:
            out.append(float(sum(s.budget_gbp for s in scenario.schemes if s.lead_partner == p.name)))
    return np.array(out)


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
