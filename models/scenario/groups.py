"""The lever groups of a scenario: demographic growth, demand, schemes, flow, costs and risk-share terms.

Each group is an immutable, validated pydantic model; :class:`models.scenario.scenario.Scenario`
holds one of each. Scheme rules shared with the upload and the scheme editor come from
:mod:`models.inputs.scheme_rules`. Units: money in £ (a year unless stated), growth in %
a year, shares as fractions of 1, capacities per week, stays in days.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from models.inputs.areas import AGE_BANDS
from models.inputs.funding_rules import (
    SCHEME_TYPE_KEYS,
    SCHEME_TYPES,
    STEPS,
    guess_scheme_type,
    guessed_step,
    side_of_lead,
    source_from_text,
)
from models.inputs.scheme_rules import (
    DEFAULT_RAMP_MONTHS,
    DEFAULT_SATURATION,
    MAX_BUDGET_GBP,
    MAX_EFFECT,
    MAX_NAME_CHARS,
    MAX_RAMP_MONTHS,
    MAX_SATURATION,
    SCHEME_METRICS,
    TEXT_LIMITS,
    effect_order_problem,
    name_problem,
)
from models.scenario.capacity import CAPACITY_METRICS
from models.scenario.funding import Mix, clean_mix, mix_label

_FROZEN = ConfigDict(frozen=True, extra="forbid", validate_default=True)

Pct = Annotated[float, Field(ge=-10.0, le=15.0)]  # annual growth, % a year


class Lever(BaseModel):
    """Base for every lever group: frozen, no unknown fields."""

    model_config = _FROZEN


class Growth(Lever):
    """Demographic growth levers (see models/demand/population.py)."""

    variant: Literal["low", "principal", "high"] = "principal"
    overrides: tuple[tuple[str, Pct], ...] = Field(
        default=(), description="(age band, annual growth %) replacing the variant for that band"
    )
    older_people_adjust_pp: float = Field(
        default=0.0, ge=-5.0, le=5.0, description="percentage points added to each 65+ band's growth"
    )

    @field_validator("overrides")
    @classmethod
    def _bands(cls, v: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
        bands = [b for b, _ in v]
        unknown = [b for b in bands if b not in AGE_BANDS]
        if unknown:
            raise ValueError(f"unknown age band(s) {unknown}; use {', '.join(AGE_BANDS)}")
        if len(set(bands)) != len(bands):
            raise ValueError("each age band may be overridden once")
        return tuple(sorted(v, key=lambda kv: AGE_BANDS.index(kv[0])))

    def override_map(self) -> dict[str, float | None]:
        given = dict(self.overrides)
        return {b: given.get(b) for b in AGE_BANDS}


class Demand(Lever):
    """How the demand models treat the COVID-19 disruption (from March 2020; see models/demand/forecasting.py).

    "auto": chosen by backtest on origins after the disruption when the data have them,
    else "observed"; "observed": the months as recorded; "shift": the data set the new
    level; "return": assume a return to the pre-COVID level (a named assumption). The
    first version's names are mapped: "intervention" → "auto", "exclude" → "return".
    """

    covid: Literal["auto", "shift", "observed", "return"] = "auto"

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("covid") in ("intervention", "exclude"):
            data = {**data, "covid": {"intervention": "auto", "exclude": "return"}[data["covid"]]}
        return data


# The metric names come from models.inputs.scheme_rules (one definition); Literal[tuple] lists each name.
SchemeMetric = Literal[SCHEME_METRICS]  # type: ignore[valid-type]
SchemeTypeKey = Literal[SCHEME_TYPE_KEYS]  # type: ignore[valid-type]
StepTag = Literal[STEPS]  # type: ignore[valid-type]
#: The three kinds of scheme (docs/model.md#schemes) and the metrics that belong to each.
SCHEME_KINDS: dict[str, tuple[str, ...]] = {
    "admission avoidance": ("nea", "acs", "nea_65plus"),
    "placement avoidance": ("placements",),
    "discharge capacity": CAPACITY_METRICS,
}


def clean_name(v: str) -> str:
    """A name in composed Unicode form (NFC); invisible characters are refused in plain words."""
    v = unicodedata.normalize("NFC", v)
    problem = name_problem(v)
    if problem:
        raise ValueError(problem)
    return v


class Scheme(Lever):
    """One pooled-fund scheme.

    ``current_budget_gbp`` is what the area funds today (the history the demand models
    are fitted on already reflects it); ``budget_gbp`` is the scenario's. Effects are
    *changes against current funding* (models/money/schemes.py). Avoidance schemes state the
    activity they avoid a year at ``reference_budget_gbp`` (low / central / high);
    discharge-capacity schemes buy capacity at the scenario's unit cost for the service
    (Costs) and their effects come out of the flow simulation, so their typed-in
    effects must be 0.
    """

    name: Annotated[str, AfterValidator(clean_name)] = Field(min_length=1, max_length=MAX_NAME_CHARS)
    funding: Mix = Field(
        default=(("nhs_minimum", 1.0),),
        description="(source, share of the budget) pairs adding up to 1 (models/inputs/funding_rules.py SOURCES)",
    )
    scheme_type: SchemeTypeKey = Field(default="enablers_other", description="2025-27 BCF return service type")
    step: StepTag = Field(default="n/a", description="step-up, step-down, both or n/a")
    lead_partner: str = Field(default="ICB", max_length=TEXT_LIMITS["lead_partner"])
    current_budget_gbp: float = Field(
        default=0.0, ge=0, le=MAX_BUDGET_GBP, description="£ a year funded today (0: a new scheme)"
    )
    budget_gbp: float = Field(ge=0, le=MAX_BUDGET_GBP, description="£ a year in the scenario")
    reference_budget_gbp: float = Field(
        gt=0, le=MAX_BUDGET_GBP, description="£ a year at which the effects were estimated"
    )
    metric: SchemeMetric
    effect_low: float = Field(default=0.0, ge=0, le=MAX_EFFECT)
    effect_central: float = Field(default=0.0, ge=0, le=MAX_EFFECT)
    effect_high: float = Field(default=0.0, ge=0, le=MAX_EFFECT)
    ramp_months: int = Field(default=DEFAULT_RAMP_MONTHS, ge=0, le=MAX_RAMP_MONTHS)
    saturation: float = Field(
        default=DEFAULT_SATURATION,
        gt=0,
        le=MAX_SATURATION,
        description="budget scale of diminishing returns, × reference",
    )
    source: str = Field(default="illustrative assumption", max_length=TEXT_LIMITS["source"])

    @model_validator(mode="before")
    @classmethod
    def _from_old_fields(cls, data: Any) -> Any:  # noqa: ANN401 - raw input
        """Schema-2 schemes (a free-text ``funding_source``, no type) load with a mix and a guessed type.

        The migration (models/scenario/migrate.py) does this with the scenario's partners in view and leaves a
        note; here (an old link's scheme list, a caller still passing ``funding_source``) the lead partner's side
        is read from its name.
        """
        if not isinstance(data, dict):
            return data
        out = dict(data)
        text = out.pop("funding_source", None)
        if "funding" not in out and text is not None:
            side = side_of_lead(str(out.get("lead_partner", "ICB")))
            out["funding"] = ((source_from_text(str(text), side)[0], 1.0),)
        if "scheme_type" not in out and isinstance(out.get("metric"), str):
            guess = guess_scheme_type(out["metric"], str(out.get("name", ""))).key
            out["scheme_type"] = guess
            out.setdefault("step", guessed_step(out["metric"], guess))
        elif out.get("scheme_type") in SCHEME_TYPES:
            out.setdefault("step", SCHEME_TYPES[out["scheme_type"]].step)  # the type's default tag
        return out

    @field_validator("funding")
    @classmethod
    def _mix(cls, v: Mix) -> Mix:
        return clean_mix(v)

    @model_validator(mode="after")
    def _ordered(self) -> Scheme:
        if effect_order_problem(self.effect_low, self.effect_central, self.effect_high):
            raise ValueError(f"scheme '{self.name}': effects must satisfy low ≤ central ≤ high")
        if self.metric in CAPACITY_METRICS and self.effect_high > 0:
            raise ValueError(
                f"scheme '{self.name}' buys discharge capacity: the delayed days it avoids come from the flow "
                "simulation, so leave its effects at 0"
            )
        return self

    @property
    def kind(self) -> str:
        """ "admission avoidance", "placement avoidance" or "discharge capacity"."""
        return next(k for k, metrics in SCHEME_KINDS.items() if self.metric in metrics)

    @property
    def budget_change_gbp(self) -> float:
        return self.budget_gbp - self.current_budget_gbp

    @property
    def funding_source(self) -> str:
        """The funding mix in words (the column schema 2 held as free text)."""
        return mix_label(self.funding)

    def amounts(self, current: bool = False) -> dict[str, float]:
        """£ a year from each source of its mix: the scenario budget (``current``: today's) × share."""
        budget = self.current_budget_gbp if current else self.budget_gbp
        return {k: budget * share for k, share in self.funding}


class Flow(Lever):
    """Acute bed base and discharge capacity (see models/flow/simulate.py)."""

    core_beds: int = Field(ge=1, le=5000)
    escalation_beds: int = Field(default=0, ge=0, le=1000)
    escalation_open: str = Field(default="12-01", description="MM-DD, opening date each winter")
    escalation_close: str = Field(default="03-31", description="MM-DD, last open day")
    mean_los_days: float = Field(
        default=5.0, gt=1, le=60, description="mean length of stay, days (bed days ÷ admissions, delays included)"
    )
    share_14plus: float = Field(gt=0, lt=0.6, description="share of inpatients staying 14+ days (calibration)")
    share_21plus: float = Field(gt=0, lt=0.5, description="share of inpatients staying 21+ days (calibration)")
    p0_share: float = Field(ge=0, le=1)
    p1_share: float = Field(ge=0, le=1)
    p2_share: float = Field(ge=0, le=1)
    p3_share: float = Field(ge=0, le=1)
    p1_starts_per_week: float = Field(ge=0, le=5000, description="at current funding, all funders")
    p2_beds: int = Field(ge=0, le=2000, description="at current funding, all funders")
    p2_los_days: float = Field(gt=0, le=120)
    p3_per_week: float = Field(ge=0, le=1000, description="at current funding, all funders")
    winter_uplift_pct: float = Field(
        default=0.0, ge=0, le=50, description="% surge on arrivals Dec–Feb beyond the projection's own seasonality"
    )
    surge_beds: int | None = Field(
        default=None, ge=0, le=50000, description="surge beds at most when every bed is full (None: 5% of core beds)"
    )
    surge_after_hours: float = Field(
        default=6.0, ge=0, le=72, description="hours a patient waits in ED before a surge bed opens (assumption)"
    )
    ed_max_waiting: int | None = Field(
        default=None, ge=0, le=100000, description="patients ED holds waiting for a bed (None: 10% of core beds)"
    )
    drd_pct_delayed: float = Field(
        default=13.5, ge=0, le=100, description="% of discharges after the discharge-ready date (England 2024-25)"
    )
    drd_mean_delay_days: float = Field(
        default=6.09, ge=1, le=60, description="mean delay among delayed discharges, days (England 2024-25)"
    )
    option_extra_beds: int = Field(default=27, ge=0, le=1000, description="option: escalation beds (seed 003: 27)")
    option_extra_p1_per_week: float = Field(default=15.0, ge=0, le=1000, description="option: Home First starts a week")
    option_extra_p2_beds: int = Field(default=10, ge=0, le=1000, description="option: step-down beds")

    @field_validator("escalation_open", "escalation_close")
    @classmethod
    def _mmdd(cls, v: str) -> str:
        if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", v):
            raise ValueError(f"'{v}' is not a date in the year written month-day, like 12-01 for 1 December")
        return v

    @model_validator(mode="after")
    def _checks(self) -> Flow:
        total = self.p0_share + self.p1_share + self.p2_share + self.p3_share
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"pathway shares P0–P3 must add up to 100% (they add up to {total:.1%})")
        if self.share_21plus >= self.share_14plus:
            raise ValueError("the share staying 21+ days must be below the share staying 14+ days")
        if self.surge_beds is not None and self.surge_beds > 10 * self.core_beds:
            raise ValueError(
                f"surge beds ({self.surge_beds:,}) cannot be more than ten times the core beds ({self.core_beds:,})"
            )
        return self

    @property
    def drd_average_days(self) -> float:
        """The area's average discharge delay over all discharges (days): share delayed × mean delay of the
        delayed, as NHS England's discharge-ready-date statistics give it (BCF core metric 2)."""
        return self.drd_pct_delayed / 100.0 * self.drd_mean_delay_days

    @property
    def surge_limit(self) -> int:
        """Surge beds at most: the lever, else 5% of core beds (an assumption, docs/model.md#full-hospital)."""
        return self.surge_beds if self.surge_beds is not None else int(round(0.05 * self.core_beds))

    @property
    def ed_limit(self) -> int:
        """Patients ED holds waiting for a bed: the lever, else 10% of core beds, at least 5 (an assumption)."""
        return self.ed_max_waiting if self.ed_max_waiting is not None else max(5, int(round(0.10 * self.core_beds)))


class Costs(Lever):
    """Unit costs in £ (defaults and sources in the area's unit_costs.csv)."""

    nea_spell: float = Field(ge=0, le=1e6, description="£ per emergency admission")
    excess_bed_day: float = Field(ge=0, le=1e5, description="£ per delayed bed day")
    escalation_bed_day: float = Field(ge=0, le=1e5, description="£ per escalation bed day")
    care_home_week: float = Field(ge=0, le=1e5, description="£ per week")
    placement_duration_weeks: float = Field(ge=0, le=1000, description="expected weeks per placement")
    p1_start: float = Field(ge=0, le=1e6, description="£ per Home First start")
    p2_bed_day: float = Field(ge=0, le=1e5, description="£ per step-down bed day")
    p3_week: float = Field(ge=0, le=1e5, description="£ per week of interim care-home bed")
    p3_weeks_per_placement: float = Field(
        default=4.0, gt=0, le=52, description="weeks of interim care-home bed funded per P3 discharge"
    )
    boarding_day: float = Field(
        default=345.0, ge=0, le=1e5, description="£ per patient-day waiting in ED for a bed (assumption)"
    )
    surge_bed_day: float = Field(
        default=1352.0, ge=0, le=1e5, description="£ per surge bed day (assumption: bed day + 50%)"
    )
    divert: float = Field(
        default=500.0, ge=0, le=1e6, description="£ per patient diverted or transferred out (assumption)"
    )


#: The lines of the finance statement (models/money/riskshare.py) whose variance the terms allocate.
RISK_LINES: dict[str, str] = {
    "acute_nea": "Emergency admissions (acute activity)",
    "placements": "Care-home placements 65+",
    "escalation_beds": "Escalation beds open",
    "p3_interim": "P3 interim care-home beds used",
    "delayed_days": "Delayed bed days (gross notional)",
    "boarding": "ED boarding days (gross notional)",
    "performance": "Performance element not released",
}
#: Default treatment of each line: "pool" (shared under the terms), "lead" (carried by its lead partner) or
#: "outside" (reported, shared by no one). Delayed and boarding days are gross notional value, not cash, so by
#: default they are reported beside the partners' positions rather than counted in them.
RISK_LINE_DEFAULTS: dict[str, str] = {
    "acute_nea": "pool",
    "placements": "pool",
    "escalation_beds": "pool",
    "p3_interim": "pool",
    "delayed_days": "outside",
    "boarding": "outside",
    "performance": "pool",
}


class Partner(Lever):
    """One partner of the pooled fund (a council or an ICB)."""

    name: Annotated[str, AfterValidator(clean_name)] = Field(min_length=1, max_length=120)
    contribution_gbp: float | None = Field(
        default=None, description="£ a year paid into the pool; None: the income of the sources it pays"
    )
    cap_gbp: float | None = Field(default=None, description="most it carries of an overspend in a year (None: no cap)")

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("a partner needs a name")
        return v

    @model_validator(mode="after")
    def _amounts(self) -> Partner:
        for label, v in (("contribution", self.contribution_gbp), ("cap", self.cap_gbp)):
            if v is not None and not (math.isfinite(v) and 0 <= v <= 1e10):
                raise ValueError(f"partner '{self.name}': the {label} must be between £0 and £10bn (got {v:,.0f})")
        return self


class RiskShare(Lever):
    """Section 75 risk-share terms (docs/model.md#finance-and-risk-share; applied in models/money/riskshare.py).

    Order of cover of a year's overspend on the pooled lines: underspends on other pooled
    lines, then the contingency (risk pool), then ``threshold_gbp`` of each overspending
    line borne by its lead partner, then the split between partners (``overspend_split``,
    or in proportion to contributions); caps per partner with the excess going to the
    other partners or left to the pool. A net underspend is shared by ``underspend_split``.
    ``line_terms`` puts a line in the pool ("pool"), on its lead partner ("lead"), on a
    named partner, or outside the agreement ("outside": reported, shared by no one). The performance element (``performance_pct`` of the acute lead's
    contribution) is released to schemes only if the emergency-admissions reduction reaches
    ``admissions_target_pct``; otherwise it is paid to the acute provider and the schemes
    it would have funded are an overspend of the pool.
    """

    partners: tuple[Partner, ...] = (Partner(name="ICB"), Partner(name="Council"))
    split_basis: Literal["agreed", "contributions"] = "agreed"
    overspend_split: tuple[float, ...] = (0.5, 0.5)
    underspend_split: tuple[float, ...] = (0.5, 0.5)
    contingency_gbp: float = Field(default=0.0, description="£ a year of risk pool that covers an overspend first")
    threshold_gbp: float = Field(default=0.0, description="first £ of each overspending line borne by its lead")
    cap_excess_to: Literal["other partners", "pool"] = "other partners"
    acute_lead: str = "ICB"
    social_care_lead: str = "Council"
    line_terms: tuple[tuple[str, str], ...] = ()
    performance_pct: float = Field(default=0.0, description="% of the acute lead's contribution held back")
    admissions_target_pct: float = Field(default=3.5, description="NEA reduction target (2015-16: 3.5%)")
    plan_nea_reduction_pct: float | None = Field(
        default=None, description="planned NEA reduction on the current funding trend, % (None: the scenario's)"
    )
    plan_placements_reduction_pct: float | None = Field(
        default=None, description="planned placements reduction on the current funding trend, % (None: the scenario's)"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_two_partner_terms(cls, data: Any) -> Any:  # noqa: ANN401 - raw input
        """Old dicts (two partner names, first partner's shares) load as the same terms."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        names = out.get("partners")
        if isinstance(names, list | tuple) and names and all(isinstance(n, str) for n in names):
            out["partners"] = [{"name": n} for n in names]
            if len(names) >= 1:
                out.setdefault("acute_lead", names[0])
                out.setdefault("social_care_lead", names[-1])
        for old, new in (("overspend_share_first", "overspend_split"), ("savings_share_first", "underspend_split")):
            if old in out:
                first = float(out.pop(old))
                out.setdefault(new, (first, 1.0 - first))
        return out

    @model_validator(mode="after")
    def _terms(self) -> RiskShare:
        names = [p.name for p in self.partners]
        if len(names) < 2:
            raise ValueError("a risk share needs at least two partners")
        if len(names) > 8:
            raise ValueError(f"{len(names)} partners; at most 8 are supported")
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"each partner may be named once; repeated: {', '.join(dup)}")
        for label, split in (("overspend", self.overspend_split), ("underspend", self.underspend_split)):
            if len(split) != len(names):
                raise ValueError(f"the {label} split has {len(split)} shares for {len(names)} partners")
            bad = [f"{s:.0%}" for s in split if not (math.isfinite(s) and 0 <= s <= 1)]
            if bad:
                raise ValueError(f"{label} shares must be between 0% and 100% (got {', '.join(bad)})")
            if not math.isclose(sum(split), 1.0, abs_tol=1e-6):
                raise ValueError(f"the {label} shares must add up to 100% (they add up to {sum(split):.1%})")
        for label, v in (("contingency", self.contingency_gbp), ("threshold", self.threshold_gbp)):
            if not (math.isfinite(v) and 0 <= v <= 1e10):
                raise ValueError(f"the {label} must be between £0 and £10bn (got {v:,.0f})")
        if not (math.isfinite(self.performance_pct) and 0 <= self.performance_pct <= 100):
            raise ValueError(
                f"the performance element must be 0–100% of the contribution (got {self.performance_pct:g}%)"
            )
        if not (math.isfinite(self.admissions_target_pct) and 0 <= self.admissions_target_pct <= 100):
            raise ValueError(f"the admissions reduction target must be 0–100% (got {self.admissions_target_pct:g}%)")
        for label, v in (("NEA", self.plan_nea_reduction_pct), ("placements", self.plan_placements_reduction_pct)):
            if v is not None and not (math.isfinite(v) and -50 <= v <= 100):
                raise ValueError(f"the planned {label} reduction must be between -50% and 100% (got {v:g}%)")
        for label, lead in (("acute", self.acute_lead), ("social care", self.social_care_lead)):
            if lead not in names:
                raise ValueError(f"the {label} lead '{lead}' is not one of the partners ({', '.join(names)})")
        keys = [k for k, _ in self.line_terms]
        for key, how in self.line_terms:
            if key not in RISK_LINES:
                raise ValueError(f"unknown finance line '{key}'; use one of {', '.join(RISK_LINES)}")
            if how not in ("pool", "lead", "outside") and how not in names:
                raise ValueError(f"line '{RISK_LINES[key]}': '{how}' is not 'pool', 'lead', 'outside' or a partner")
        if len(set(keys)) != len(keys):
            raise ValueError("each finance line may be given terms once")
        return self

    def treatment(self, line: str) -> str:
        """ "pool", "lead", "outside" or a partner's name for a finance line (see :data:`RISK_LINES`)."""
        return dict(self.line_terms).get(line, RISK_LINE_DEFAULTS[line])
