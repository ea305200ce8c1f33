"""The pooled fund's money by source: funding mixes, income and who pays (see docs/funding.md).

A scheme's *funding mix* is the share of its budget from each source (:data:`SOURCES`), so a budget change
never makes it invalid; its spend from a source is budget × share. The scenario's *income* by source is its
own lever (by default today's fund: current budgets × mixes), and a partner's contribution is the income of
the sources it pays (:func:`funder_of`): moving money between schemes changes spend by scheme, never income,
so it never changes who has paid what. Money in £ a year.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from models.inputs.funding_rules import SOURCE_KEYS, SOURCES

Mix = tuple[tuple[str, float], ...]
MAX_INCOME_GBP = 1e10  # £ a year from one source
_SHARE_TOL = 1e-6


class Funded(Protocol):
    """A scheme's fields read here (``Scheme``)."""

    budget_gbp: float
    current_budget_gbp: float
    funding: Mix


class Leads(Protocol):
    """The risk-share fields that say who pays each side (``RiskShare``)."""

    acute_lead: str
    social_care_lead: str


def _order(pairs: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    return sorted(pairs, key=lambda kv: SOURCE_KEYS.index(kv[0]))


def _unknown(keys: Iterable[str]) -> list[str]:
    return [k for k in keys if k not in SOURCES]


def clean_mix(pairs: Iterable[tuple[str, float]], who: str = "the scheme") -> Mix:
    """A funding mix in canonical form (sources in :data:`SOURCES` order, zero shares dropped, summing to 1).

    Raises
    ------
    ValueError
        Unknown source, a source named twice, a negative or non-finite share, or shares not adding up to 100%.
    """
    items = [(str(k), float(v)) for k, v in pairs]
    keys = [k for k, _ in items]
    if not items:
        raise ValueError(f"{who} needs a funding mix (the share of its budget from each source)")
    if _unknown(keys):
        raise ValueError(f"{who}: unknown funding source(s) {', '.join(_unknown(keys))}; use {', '.join(SOURCES)}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"{who}: each funding source may be named once in its mix")
    if any(not math.isfinite(v) or v < 0 or v > 1 + _SHARE_TOL for _, v in items):
        raise ValueError(f"{who}: each funding share must be between 0% and 100%")
    total = sum(v for _, v in items)
    if not math.isclose(total, 1.0, abs_tol=_SHARE_TOL):
        raise ValueError(f"{who}: the funding shares must add up to 100% (they add up to {total:.2%})")
    return tuple((k, v / total) for k, v in _order(items) if v > 0)


def mix_from_amounts(amounts: Mapping[str, float]) -> Mix | None:
    """The mix of amounts by source (£), or None when they add up to £0 (no mix can be read from them)."""
    total = float(sum(amounts.values()))
    if total <= 0:
        return None
    return clean_mix(((k, v / total) for k, v in amounts.items() if v > 0))


def clean_income(pairs: Iterable[tuple[str, float]]) -> Mix:
    """Income by source (£ a year) in canonical form; unknown, repeated, negative or huge amounts refused."""
    items = [(str(k), float(v)) for k, v in pairs]
    keys = [k for k, _ in items]
    if _unknown(keys):
        raise ValueError(f"income from unknown source(s) {', '.join(_unknown(keys))}; use {', '.join(SOURCES)}")
    if len(set(keys)) != len(keys):
        raise ValueError("the income from each funding source may be given once")
    bad = [SOURCES[k].label for k, v in items if not (math.isfinite(v) and 0 <= v <= MAX_INCOME_GBP)]
    if bad:
        raise ValueError(f"the income from {', '.join(bad)} must be between £0 and £10bn a year")
    return tuple(_order((k, v) for k, v in items if v > 0))


def by_source(schemes: Sequence[Funded], current: bool = False) -> dict[str, float]:
    """Spend by source, £ a year: each scheme's budget (``current``: today's budget) × its mix."""
    out = dict.fromkeys(SOURCE_KEYS, 0.0)
    for s in schemes:
        budget = s.current_budget_gbp if current else s.budget_gbp
        for k, share in s.funding:
            out[k] += budget * share
    return out


def todays_income(schemes: Sequence[Funded]) -> Mix:
    """Today's fund: current budgets × their funding mixes (the default income of a scenario)."""
    return clean_income(by_source(schemes, current=True).items())


def income_map(income: Mix) -> dict[str, float]:
    """Income by every source (0 where none), £ a year."""
    out = dict.fromkeys(SOURCE_KEYS, 0.0)
    out.update(dict(income))
    return out


def funder_of(source: str, terms: Leads) -> str:
    """The partner that pays a source: NHS-side sources the acute lead (the ICB), council-side the social-care
    lead (the council)."""
    return terms.acute_lead if SOURCES[source].side == "nhs" else terms.social_care_lead


def mix_label(mix: Mix) -> str:
    """A mix in words: "NHS minimum contribution", or "NHS minimum contribution 70% · DFG 30%"."""
    if len(mix) == 1:
        return SOURCES[mix[0][0]].label
    return " · ".join(f"{SOURCES[k].label} {v:.0%}" for k, v in mix)
