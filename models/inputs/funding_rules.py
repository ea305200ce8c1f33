"""The Better Care Fund's funding sources and scheme types, written once for every caller.

Callers: the upload of ``schemes.csv`` (:mod:`models.inputs.areas`), the scheme editor
(:mod:`models.scenario.tables`), the ``Scheme`` model and the schema migration
(:mod:`models.scenario.groups`, :mod:`models.scenario.migrate`), the fund statement and the
national-conditions check (:mod:`models.money.fund`). See docs/funding.md.

- :data:`SOURCES`: the pooled fund's income lines as plans name them since 2025-26, each with the side
  that pays it (``"nhs"``: paid by the risk share's acute lead, the ICB; ``"council"``: by its
  social-care lead, the council).
- :data:`SCHEME_TYPES`: the service types of the 2025-27 expenditure returns, paraphrased (the planning
  template's exact wording was not available to check), each with its default step-up / step-down tag.
- :func:`source_from_text`: the old free-text ``funding_source`` (schema v2, old uploads) as a source.
- :func:`guess_scheme_type`: a type for a scheme that has none, from its metric and name.

Money in £ a year.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from models.core.numbers import NumberError, parse_number, quoted
from models.core.units import fmt_gbp_full

Side = Literal["nhs", "council"]
Step = Literal["step-up", "step-down", "both", "n/a"]
STEPS: tuple[str, ...] = ("step-up", "step-down", "both", "n/a")
STEP_LABELS: dict[str, str] = {
    "step-up": "Step-up (avoids an admission)",
    "step-down": "Step-down (after a hospital stay)",
    "both": "Step-up and step-down",
    "n/a": "Not applicable",
}


@dataclass(frozen=True)
class Source:
    """One income line of the pooled fund: its key, plain label and the side that pays it."""

    key: str
    label: str
    side: Side


#: The pooled fund's income lines (order = display order). The improved BCF grant is now the Local Authority BCF
#: grant; discharge funding sits inside the NHS minimum and the LA grant since 2025-26 (no ring-fence).
SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source("nhs_minimum", "NHS minimum contribution", "nhs"),
        Source("la_bcf_grant", "Local Authority BCF grant", "council"),
        Source("dfg", "Disabled Facilities Grant", "council"),
        Source("additional_nhs", "Additional NHS contribution", "nhs"),
        Source("additional_council", "Additional council contribution", "council"),
    )
}
SOURCE_KEYS: tuple[str, ...] = tuple(SOURCES)
#: The optional amount columns of schemes.csv and the scheme editor: £ a year of the budget from each source.
AMOUNT_COLUMNS: dict[str, str] = {f"{k}_gbp": k for k in SOURCES}
AMOUNT_TOLERANCE_GBP = 1.0  # the amounts must add up to the budget within £1 (rounding in a spreadsheet)


@dataclass(frozen=True)
class SchemeType:
    """A service type of the 2025-27 BCF expenditure return (paraphrased) and its default step tag."""

    key: str
    label: str
    step: Step


SCHEME_TYPES: dict[str, SchemeType] = {
    t.key: t
    for t in (
        SchemeType("home_based_ic", "Home-based intermediate care (reablement, rehabilitation)", "both"),
        SchemeType("bed_based_ic", "Bed-based intermediate care", "both"),
        SchemeType("short_term_residential", "Short-term residential or nursing care", "step-down"),
        SchemeType("urgent_community_response", "Urgent community response", "step-up"),
        SchemeType("carers", "Carers' services", "n/a"),
        SchemeType("dfg_adaptations", "DFG adaptations and other housing", "n/a"),
        SchemeType("assistive_technology", "Assistive technology and equipment", "n/a"),
        SchemeType("care_coordination", "Care coordination and integrated care planning", "n/a"),
        SchemeType("home_care", "Home care or domiciliary care", "n/a"),
        SchemeType("residential_placements", "Residential and nursing placements", "n/a"),
        SchemeType("workforce", "Workforce", "n/a"),
        SchemeType("enablers_other", "Enablers and other", "n/a"),
    )
}
SCHEME_TYPE_KEYS: tuple[str, ...] = tuple(SCHEME_TYPES)
DFG_TYPE = "dfg_adaptations"  # the only type on which the Disabled Facilities Grant may be spent (condition b)

_COUNCIL_WORDS = re.compile(r"council|borough|local authority|\bla\b|county|city of|social care|\basc\b", re.I)


def side_of_lead(lead_partner: str, social_care_lead: str | None = None) -> Side:
    """The funder side of a scheme's lead partner: council when it is the social-care lead (or, without one
    named, when its name reads like a council: council, borough, local authority, county, social care), else NHS."""
    if social_care_lead is not None:
        return "council" if lead_partner == social_care_lead else "nhs"
    return "council" if _COUNCIL_WORDS.search(lead_partner or "") else "nhs"


def source_from_text(text: str, lead_side: Side) -> tuple[str, bool]:
    """An old free-text ``funding_source`` as a source key, and whether the lead partner's side decided it.

    Rules (docs/funding.md#old-scenarios): "iBCF" / "improved" / "Local Authority" → the LA BCF grant;
    "DFG" / "Disabled" → the DFG; "Additional" with NHS / ICB / CCG → additional NHS; "Additional" with council
    / LA → additional council; "NHS minimum" / "minimum" / "protection" (of social care) / "CCG" / "ICB" → NHS
    minimum; any other "Additional", "Discharge fund" or unknown text → the
    additional (or, for blank text, minimum) contribution of the lead partner's side (``True`` returned: say so).
    """
    t = " ".join(str(text or "").lower().split())
    if "disabled" in t or re.search(r"\bdfg\b", t):
        return "dfg", False
    if "additional" in t and re.search(r"\b(nhs|icb|ccg|health)\b", t):
        return "additional_nhs", False
    if "additional" in t and re.search(r"\b(council|la|local authority|borough)\b", t):
        return "additional_council", False
    if "ibcf" in t or "improved" in t or "local authority" in t or re.search(r"\bla\b.*grant", t):
        return "la_bcf_grant", False
    if "minimum" in t or "protection" in t or re.search(r"\b(ccg|icb|nhs)\b", t):
        return "nhs_minimum", False  # "protection of social care" is the NHS minimum's adult-social-care element
    if not t:
        return ("nhs_minimum" if lead_side == "nhs" else "la_bcf_grant"), True
    return ("additional_nhs" if lead_side == "nhs" else "additional_council"), True


def guess_scheme_type(metric: str, name: str) -> SchemeType:
    """A scheme type for a scheme that has none (old scenarios, old uploads), from its name, else its metric.

    Name first: DFG / Disabled / adaptation → DFG adaptations; carer → carers' services; urgent community /
    UCR / 2-hour → urgent community response; technology / telecare / equipment → assistive technology;
    workforce → workforce. Then the metric: p1_capacity → home-based intermediate care (step-down); p2_capacity
    → bed-based intermediate care (step-down); p3_capacity → short-term residential care; placements →
    residential placements when the name says care home / residential / nursing, else home care; nea, acs and
    nea_65plus → home-based intermediate care when the name says intermediate / rehab / reablement, else care
    coordination. The step is the type's default except for the p1 and p2 guesses, which are step-down
    (they buy discharge capacity). Use :func:`guessed_step` for it.
    """
    n = (name or "").lower()
    if "disabled" in n or re.search(r"\bdfg\b", n) or "adaptation" in n:
        return SCHEME_TYPES["dfg_adaptations"]
    if "carer" in n:
        return SCHEME_TYPES["carers"]
    if "urgent community" in n or re.search(r"\bucr\b", n) or "2-hour" in n or "two-hour" in n:
        return SCHEME_TYPES["urgent_community_response"]
    if any(w in n for w in ("technology", "telecare", "equipment")):
        return SCHEME_TYPES["assistive_technology"]
    if "workforce" in n:
        return SCHEME_TYPES["workforce"]
    by_metric = {
        "p1_capacity": "home_based_ic",
        "p2_capacity": "bed_based_ic",
        "p3_capacity": "short_term_residential",
    }
    if metric in by_metric:
        return SCHEME_TYPES[by_metric[metric]]
    if metric == "placements":
        care_home = any(w in n for w in ("care home", "care-home", "residential", "nursing"))
        return SCHEME_TYPES["residential_placements" if care_home else "home_care"]
    if any(w in n for w in ("intermediate", "rehab", "reablement")):
        return SCHEME_TYPES["home_based_ic"]
    return SCHEME_TYPES["care_coordination"]


def guessed_step(metric: str, scheme_type: str) -> Step:
    """The step tag of a guessed type: step-down for discharge capacity bought as intermediate care, else the
    type's default."""
    if metric in ("p1_capacity", "p2_capacity") and scheme_type in ("home_based_ic", "bed_based_ic"):
        return "step-down"
    return SCHEME_TYPES[scheme_type].step


def scheme_type_key(text: object) -> str | None:
    """A scheme type typed in a table (its key or label, any case; "DFG" alone is accepted) or None."""
    t = " ".join(str(text or "").strip().lower().replace("_", " ").split())
    if not t:
        return None
    for key, st in SCHEME_TYPES.items():
        if t in (key.replace("_", " "), st.label.lower()) or st.label.lower().startswith(t + " ("):
            return key
    aliases = {
        "dfg": "dfg_adaptations",
        "carers": "carers",
        "ucr": "urgent_community_response",
        "other": "enablers_other",
    }
    return aliases.get(t)


def step_key(text: object) -> str | None:
    """A step tag typed in a table ("step-up", "step down", "both", "n/a", "none" …) or None."""
    t = str(text or "").strip().lower().replace("_", "-").replace(" ", "-")
    aliases = {"stepup": "step-up", "stepdown": "step-down", "na": "n/a", "none": "n/a", "not-applicable": "n/a"}
    t = aliases.get(t.replace("-", ""), t)
    return t if t in STEPS else None


def amounts_problem(amounts: dict[str, float], budget: float) -> str | None:
    """Plain words when a scheme's amounts by source do not add up to its budget (±£1), else None."""
    total = sum(amounts.values())
    if abs(total - budget) > AMOUNT_TOLERANCE_GBP:
        gap = f"{fmt_gbp_full(abs(total - budget))} {'more' if total > budget else 'less'} than the budget"
        return (
            f"the amounts by funding source add up to {fmt_gbp_full(total)}, not the budget of {fmt_gbp_full(budget)} "
            f"({gap}); make them add up to the budget"
        )
    return None


@dataclass
class FundingRead:
    """What one scheme row (an upload row or an editor row) says about its funding, type and step.

    ``amounts``: £ a year by source when the row gives amounts (None: it does not); ``source`` and ``by_side``:
    the old free-text column's source and whether the lead partner's side decided it; ``problems``: (column,
    plain message) pairs.
    """

    amounts: dict[str, float] | None = None
    source: str | None = None
    by_side: bool = False
    scheme_type: str | None = None
    step: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


def _blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip() == "" or str(v).strip().lower() in ("nan", "<na>", "none")


def read_funding(rec: Mapping[str, object], budget: float | None, lead_side: Side) -> FundingRead:
    """Read a scheme row's funding amounts (or old ``funding_source`` text), ``scheme_type`` and ``step``.

    Amount cells (:data:`AMOUNT_COLUMNS`) left blank count as £0 when another amount is given; every amount
    blank or £0 counts as none given (the old ``funding_source`` text, else the caller's default, decides). A
    negative amount, or amounts that do not add up to ``budget`` within £1, are problems naming the column(s).
    """
    out = FundingRead()
    given = [c for c in AMOUNT_COLUMNS if c in rec and not _blank(rec[c])]
    if given:
        amounts: dict[str, float] = {}
        for col in given:
            try:
                x = parse_number(rec[col])
            except NumberError as err:
                out.problems.append((col, str(err)))
                continue
            if not math.isfinite(x) or x < 0 or x > 1e10:
                out.problems.append(
                    (col, f"a funding amount must be from £0 to £10bn a year (found {quoted(rec[col])})")
                )
                continue
            amounts[AMOUNT_COLUMNS[col]] = x
        if not out.problems and not any(amounts.values()):
            given = []  # every amount £0: no mix can be read from them (a new editor row); as if none were given
        elif not out.problems and budget is not None:
            problem = amounts_problem(amounts, budget)
            if problem:
                out.problems.append((", ".join(given), problem))
        if given:
            out.amounts = amounts
    if not given and "funding_source" in rec:
        out.source, out.by_side = source_from_text(
            str("" if _blank(rec["funding_source"]) else rec["funding_source"]), lead_side
        )
    for col, reader, options in (
        ("scheme_type", scheme_type_key, ", ".join(t.label for t in SCHEME_TYPES.values())),
        ("step", step_key, ", ".join(STEPS)),
    ):
        cell = rec.get(col)
        if _blank(cell):
            continue
        key = reader(cell)
        if key is None:
            out.problems.append((col, f"{quoted(cell)} is not one of: {options}"))
        setattr(out, col, key)
    return out
