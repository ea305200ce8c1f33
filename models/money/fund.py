"""The fund statement and the national-conditions check of a scenario (docs/funding.md).

- :func:`fund_statement`: income by source (the scenario's lever), spend by source (scheme budgets × mixes), the
  balance of each source (unallocated, or overcommitted with a plain warning), spend by scheme and by scheme
  type, and each partner's contribution with its basis (stated, or the sources it pays).
- :func:`national_conditions`: plain warnings when (a) the NHS minimum contribution spent on adult social care
  is below the requirement the area entered, (b) Disabled Facilities Grant money is in a scheme that is not
  DFG adaptations. :func:`conditions_table` gives both conditions with their figures, met or not.

Pure functions of the scenario: no projection is needed. Money in £ a year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from models.core.units import fmt_gbp, fmt_gbp_full
from models.inputs.funding_rules import DFG_TYPE, SCHEME_TYPES, SOURCE_KEYS, SOURCES, STEP_LABELS
from models.scenario import Scenario
from models.scenario.funding import by_source, funder_of, income_map
from models.scenario.terms import contributions

BALANCE_TOL_GBP = 1.0  # a source within £1 of its income is balanced (rounding)
SOURCE_COLUMNS = tuple(f"{k}_gbp" for k in SOURCE_KEYS)


@dataclass(frozen=True)
class FundStatement:
    """A scenario's pooled fund by source, scheme, type and funder (DataFrames; £ a year).

    Attributes
    ----------
    sources : DataFrame
        One row per source: ``source`` (key), ``label``, ``funder``, ``income_gbp``, ``spend_gbp``,
        ``balance_gbp`` (income − spend: unallocated when positive, overcommitted when negative), ``status``.
    schemes : DataFrame
        One row per scheme: ``scheme``, ``scheme_type`` (label), ``step``, ``lead_partner``, ``budget_gbp``,
        ``current_budget_gbp`` and one ``<source>_gbp`` column each (spend from that source).
    types : DataFrame
        One row per scheme type used: ``scheme_type`` (label), ``schemes`` (count), ``budget_gbp`` and the
        ``<source>_gbp`` columns; a last row "All schemes".
    steps : DataFrame
        One row per step tag used (step-up, step-down, both, not applicable): ``step`` (label), ``schemes``,
        ``budget_gbp``.
    contributions : DataFrame
        One row per partner: ``partner``, ``contribution_gbp``, ``basis`` (in words).
    warnings : list of str
        Plain warnings: every overcommitted source (spend above income), naming the source and the amount.
    """

    sources: pd.DataFrame
    schemes: pd.DataFrame
    types: pd.DataFrame
    steps: pd.DataFrame
    contributions: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def income_gbp(self) -> float:
        return float(self.sources["income_gbp"].sum())

    @property
    def spend_gbp(self) -> float:
        return float(self.sources["spend_gbp"].sum())


def _sources(sc: Scenario) -> tuple[pd.DataFrame, list[str]]:
    income = income_map(sc.income)
    spend = by_source(sc.schemes)
    rows, warnings = [], []
    for k in SOURCE_KEYS:
        if income[k] == 0 and spend[k] == 0:
            continue
        balance = income[k] - spend[k]
        if balance < -BALANCE_TOL_GBP:
            status = f"overcommitted by {fmt_gbp(-balance)}"
            warnings.append(
                f"{SOURCES[k].label}: schemes spend {fmt_gbp_full(spend[k])} a year but the fund receives "
                f"{fmt_gbp_full(income[k])}, overcommitted by {fmt_gbp_full(-balance)}. Raise the income from this source "
                "(an additional contribution) or move money rather than adding it."
            )
        elif balance > BALANCE_TOL_GBP:
            status = f"{fmt_gbp(balance)} unallocated"
        else:
            status = "balanced"
        rows.append(
            {
                "source": k,
                "label": SOURCES[k].label,
                "funder": funder_of(k, sc.risk_share),
                "income_gbp": income[k],
                "spend_gbp": spend[k],
                "balance_gbp": balance,
                "status": status,
            }
        )
    cols = ["source", "label", "funder", "income_gbp", "spend_gbp", "balance_gbp", "status"]
    return pd.DataFrame(rows, columns=cols), warnings


def _schemes(sc: Scenario) -> pd.DataFrame:
    rows = []
    for s in sc.schemes:
        amounts = s.amounts()
        rows.append(
            {
                "scheme": s.name,
                "scheme_type": SCHEME_TYPES[s.scheme_type].label,
                "step": STEP_LABELS[s.step],
                "lead_partner": s.lead_partner,
                "current_budget_gbp": s.current_budget_gbp,
                "budget_gbp": s.budget_gbp,
                **{f"{k}_gbp": amounts.get(k, 0.0) for k in SOURCE_KEYS},
            }
        )
    cols = ["scheme", "scheme_type", "step", "lead_partner", "current_budget_gbp", "budget_gbp", *SOURCE_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


def _types(schemes: pd.DataFrame) -> pd.DataFrame:
    money = ["budget_gbp", *SOURCE_COLUMNS]
    cols = ["scheme_type", "schemes", *money]
    if schemes.empty:
        return pd.DataFrame(columns=cols)
    order = {t.label: i for i, t in enumerate(SCHEME_TYPES.values())}
    grouped = schemes.groupby("scheme_type", sort=False)
    out = grouped[money].sum()
    out.insert(0, "schemes", grouped.size())
    out = out.reset_index().sort_values("scheme_type", key=lambda c: c.map(order)).reset_index(drop=True)
    total = {"scheme_type": "All schemes", "schemes": len(schemes), **schemes[money].sum().to_dict()}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)[cols]


def _steps(schemes: pd.DataFrame) -> pd.DataFrame:
    """Spend by step tag, in the order step-up, step-down, both, not applicable (tags used only)."""
    order = {label: i for i, label in enumerate(STEP_LABELS.values())}
    grouped = schemes.groupby("step", sort=False)
    out = grouped["budget_gbp"].sum().to_frame()
    out.insert(0, "schemes", grouped.size())
    out = out.reset_index().sort_values("step", key=lambda c: c.map(order)).reset_index(drop=True)
    return out[["step", "schemes", "budget_gbp"]]


def _contributions(sc: Scenario) -> pd.DataFrame:
    t = sc.risk_share
    values = contributions(sc)
    rows = []
    for p, v in zip(t.partners, values, strict=True):
        if p.contribution_gbp is not None:
            basis = "stated in the risk-share terms"
        else:
            paid = [SOURCES[k].label for k, amount in sc.income if funder_of(k, t) == p.name and amount > 0]
            basis = "the income it pays: " + (", ".join(paid) if paid else "no source")
        rows.append({"partner": p.name, "contribution_gbp": float(v), "basis": basis})
    return pd.DataFrame(rows, columns=["partner", "contribution_gbp", "basis"])


def fund_statement(sc: Scenario) -> FundStatement:
    """The scenario's fund: income, spend and balance by source, spend by scheme and type, contributions."""
    sources, warnings = _sources(sc)
    schemes = _schemes(sc)
    return FundStatement(sources, schemes, _types(schemes), _steps(schemes), _contributions(sc), warnings)


# --------------------------------------------------------------------------- national conditions
def nhs_to_social_care_gbp(sc: Scenario) -> float:
    """NHS minimum contribution spent on adult social care, £ a year.

    Defined as the NHS-minimum money (budget × its share) in schemes led by the risk share's social-care lead
    partner (the council): the money the NHS passes to the council to commission social care, which is how
    plans record the adult-social-care element (docs/funding.md#national-conditions).
    """
    lead = sc.risk_share.social_care_lead
    return float(sum(s.amounts().get("nhs_minimum", 0.0) for s in sc.schemes if s.lead_partner == lead))


def dfg_outside_adaptations(sc: Scenario) -> list[tuple[str, float]]:
    """(scheme, £ a year) of Disabled Facilities Grant money in schemes whose type is not DFG adaptations."""
    out = []
    for s in sc.schemes:
        amount = s.amounts().get("dfg", 0.0)
        if s.scheme_type != DFG_TYPE and amount > 0:
            out.append((s.name, amount))
    return out


def national_conditions(sc: Scenario) -> list[str]:
    """Plain warnings for the national conditions the scenario breaks (empty: none broken, or not checked).

    (a) The NHS minimum contribution spent on adult social care (:func:`nhs_to_social_care_gbp`) is below the
    requirement entered (``Scenario.nhs_asc_requirement_gbp``): strictly below warns, equal does not.
    (b) Disabled Facilities Grant money in a scheme whose type is not DFG adaptations, one warning per scheme.
    """
    out = []
    need = sc.nhs_asc_requirement_gbp
    spent = nhs_to_social_care_gbp(sc)
    if need is not None and spent < need:
        out.append(
            f"National condition: the NHS minimum contribution spent on adult social care is {fmt_gbp_full(spent)} a "
            f"year, below the {fmt_gbp_full(need)} the area must spend (short by {fmt_gbp_full(need - spent)})."
        )
    for name, amount in dfg_outside_adaptations(sc):
        out.append(
            f"National condition: {fmt_gbp_full(amount)} a year of Disabled Facilities Grant is in '{name}', which is not "
            "a DFG adaptations scheme; the grant may be spent only on adaptations and housing."
        )
    return out


def conditions_table(sc: Scenario) -> pd.DataFrame:
    """Both national conditions with their figures: ``condition``, ``required``, ``scenario``, ``status``."""
    need = sc.nhs_asc_requirement_gbp
    spent = nhs_to_social_care_gbp(sc)
    dfg = dfg_outside_adaptations(sc)
    if need is None:
        asc_status = "not checked: no requirement entered"
    else:
        asc_status = "met" if spent >= need else f"NOT MET: short by {fmt_gbp_full(need - spent)}"
    rows = [
        {
            "condition": "NHS minimum contribution to adult social care (£ a year)",
            "required": fmt_gbp_full(need) if need is not None else "not entered",
            "scenario": fmt_gbp_full(spent),
            "status": asc_status,
        },
        {
            "condition": "Disabled Facilities Grant spent only on adaptations",
            "required": "£0 outside DFG adaptations",
            "scenario": fmt_gbp_full(sum(a for _, a in dfg)) + " outside" if dfg else "£0 outside",
            "status": "met" if not dfg else "NOT MET: " + "; ".join(f"{n} {fmt_gbp_full(a)}" for n, a in dfg),
        },
    ]
    return pd.DataFrame(rows, columns=["condition", "required", "scenario", "status"])
