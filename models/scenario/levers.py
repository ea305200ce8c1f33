"""The Scenario: one immutable, validated object holding every lever.

A Scenario is built from an area's defaults (:func:`baseline`) and changed only
by making a new one (``scenario.model_copy(update=...)`` re-validated through
:func:`evolve`). It compares equal by value and hashes, so it can key caches;
it converts to JSON and back exactly, and to a compact URL token for shared
links. Older schema versions load through :data:`MIGRATIONS`.

Units: money in £ (a year unless stated), growth in % a year, shares as
fractions of 1, capacities per week, stays in days.
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.core.units import DAYS_A_YEAR, WEEKS_A_YEAR  # noqa: F401 - re-exported
from models.inputs.areas import AGE_BANDS, AreaData
from models.scenario.capacity import CAPACITY_LEVER, CAPACITY_METRICS, capacity_problems, capacity_unit_cost
from models.scenario.terms import term_problems

SCHEMA_VERSION = 2
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


SchemeMetric = Literal["nea", "acs", "placements", "p1_capacity", "p2_capacity", "p3_capacity"]
#: The three kinds of scheme (DESIGN.md 4.4) and the metrics that belong to each.
SCHEME_KINDS: dict[str, tuple[str, ...]] = {
    "admission avoidance": ("nea", "acs"),
    "placement avoidance": ("placements",),
    "discharge capacity": CAPACITY_METRICS,
}


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

    name: str = Field(min_length=1, max_length=200)
    funding_source: str = Field(default="NHS minimum contribution", max_length=120)
    lead_partner: str = Field(default="ICB", max_length=120)
    current_budget_gbp: float = Field(
        default=0.0, ge=0, le=1e10, description="£ a year funded today (0: a new scheme)"
    )
    budget_gbp: float = Field(ge=0, le=1e10, description="£ a year in the scenario")
    reference_budget_gbp: float = Field(gt=0, le=1e10, description="£ a year at which the effects were estimated")
    metric: SchemeMetric
    effect_low: float = Field(default=0.0, ge=0, le=1e7)
    effect_central: float = Field(default=0.0, ge=0, le=1e7)
    effect_high: float = Field(default=0.0, ge=0, le=1e7)
    ramp_months: int = Field(default=3, ge=0, le=60)
    saturation: float = Field(default=1.5, gt=0, le=100, description="budget scale of diminishing returns, × reference")
    source: str = Field(default="illustrative assumption", max_length=300)

    @model_validator(mode="after")
    def _ordered(self) -> Scheme:
        if not self.effect_low <= self.effect_central <= self.effect_high:
            raise ValueError(f"scheme '{self.name}': effects must satisfy low ≤ central ≤ high")
        if self.metric in CAPACITY_METRICS and self.effect_high > 0:
            raise ValueError(
                f"scheme '{self.name}' buys discharge capacity: the delayed days it avoids come from the flow "
                "simulation, so leave its effects at 0"
            )
        return self

    @property
    def kind(self) -> str:
        """"admission avoidance", "placement avoidance" or "discharge capacity"."""
        return next(k for k, metrics in SCHEME_KINDS.items() if self.metric in metrics)

    @property
    def budget_change_gbp(self) -> float:
        return self.budget_gbp - self.current_budget_gbp


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
        return self


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

    name: str = Field(min_length=1, max_length=120)
    contribution_gbp: float | None = Field(
        default=None, description="£ a year paid into the pool; None: the budgets of the schemes it leads"
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
    """Section 75 risk-share terms (DESIGN.md 4.6; applied in models/money/riskshare.py).

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
            raise ValueError(f"the performance element must be 0–100% of the contribution (got {self.performance_pct:g}%)")
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
        """"pool", "lead", "outside" or a partner's name for a finance line (see :data:`RISK_LINES`)."""
        return dict(self.line_terms).get(line, RISK_LINE_DEFAULTS[line])


class Scenario(Lever):
    """Every lever of one scenario. Build with :func:`baseline`; change with :func:`evolve`."""

    schema_version: Literal[2] = SCHEMA_VERSION
    name: str = Field(default="Baseline", min_length=1, max_length=80)
    horizon_years: int = Field(default=5, ge=1, le=10, description="financial years projected")
    n_draws: int = Field(default=1000, ge=50, le=5000, description="Monte Carlo draws")
    seed: int = Field(default=2022, ge=0, le=2**32 - 1)
    growth: Growth = Growth()
    demand: Demand = Demand()
    schemes: tuple[Scheme, ...] = ()
    savings_realised_pct: float = Field(default=100.0, ge=0, le=100, description="% of scheme effects realised")
    ambition_placements: int = Field(default=146, ge=0, le=100_000)
    ambition_rate_per_100k: float = Field(default=350.0, ge=0, le=10_000)
    flow: Flow
    costs: Costs
    risk_share: RiskShare = RiskShare()

    @field_validator("schemes")
    @classmethod
    def _unique_names(cls, v: tuple[Scheme, ...]) -> tuple[Scheme, ...]:
        names = [s.name for s in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"scheme names must be unique; repeated: {', '.join(dup)}")
        if len(v) > 200:
            raise ValueError(f"{len(v)} schemes; at most 200 are supported")
        return v

    @model_validator(mode="after")
    def _capacities(self) -> Scenario:
        problems = capacity_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        problems = term_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # --- serialisation -----------------------------------------------------
    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """Load a scenario, migrating older schema versions."""
        data = json.loads(text)
        return cls.model_validate(migrate(data))

    def to_token(self) -> str:
        """Compressed, URL-safe token of the scenario (for shared links); older schemas migrate on load."""
        raw = zlib.compress(self.to_json().encode("utf-8"), 9)
        return "v1." + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> Scenario:
        version, _, body = token.partition(".")
        if version != "v1" or not body or len(body) > 20_000:
            raise ValueError("this link does not hold a scenario this version of the app can read")
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return cls.from_json(zlib.decompress(raw, bufsize=1 << 16).decode("utf-8"))

    @property
    def scheme_budget_gbp(self) -> float:
        return float(sum(s.budget_gbp for s in self.schemes))


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 → 2: current budgets, discharge-capacity schemes, mean stay, boarding cost.

    - Each scheme's ``current_budget_gbp`` is its v1 ``reference_budget_gbp`` (in v1 the
      reference budget was the area's budget, i.e. what it funds today).
    - v1 "delayed_days" schemes (typed-in delayed days avoided) become discharge-capacity
      schemes: step-down / rehab / bed in the name → P2 beds; care home / interim → P3;
      otherwise P1 (Home First). Their typed-in effects are dropped: the delayed days now
      come out of the flow simulation.
    - ``flow.mean_los_days`` gets the default 5.0 days and ``costs`` the default boarding
      cost and interim weeks (assumptions; see DOMAIN.md).
    """
    out = json.loads(json.dumps(data))  # deep copy
    for sch in out.get("schemes", []):
        sch.setdefault("current_budget_gbp", sch.get("reference_budget_gbp", sch.get("budget_gbp", 0.0)))
        if sch.get("metric") == "delayed_days":
            name = str(sch.get("name", "")).lower()
            if any(w in name for w in ("step-down", "step down", "rehab", "bed")):
                sch["metric"] = "p2_capacity"
            elif any(w in name for w in ("care home", "care-home", "interim")):
                sch["metric"] = "p3_capacity"
            else:
                sch["metric"] = "p1_capacity"
            sch["effect_low"] = sch["effect_central"] = sch["effect_high"] = 0.0
    out.setdefault("flow", {}).setdefault("mean_los_days", 5.0)
    out.setdefault("costs", {}).setdefault("p3_weeks_per_placement", 4.0)
    out["costs"].setdefault("boarding_day", 345.0)
    # v1 capacity levers were independent of scheme budgets: where the migrated schemes fund
    # more capacity today than the lever held, the lever is raised to what they fund.
    try:
        costs = Costs.model_validate(out["costs"])
        for lever in CAPACITY_LEVER.values():
            funded = sum(
                float(sch["current_budget_gbp"]) / unit
                for sch in out.get("schemes", [])
                if CAPACITY_LEVER.get(sch.get("metric")) == lever
                and (unit := capacity_unit_cost(sch["metric"], costs)) > 0
            )
            now = float(out["flow"].get(lever, 0.0))
            if funded > now:
                out["flow"][lever] = math.ceil(funded) if lever == "p2_beds" else round(funded, 2)
    except (ValidationError, KeyError, TypeError, ValueError):
        pass  # an invalid v1 scenario fails validation after migration, with its own message
    out["schema_version"] = 2
    return out


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}
"""schema_version -> function upgrading a dict to the next version."""


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a scenario dict to :data:`SCHEMA_VERSION` through :data:`MIGRATIONS`."""
    version = int(data.get("schema_version", 1))
    if version > SCHEMA_VERSION:
        raise ValueError(f"scenario schema version {version} is newer than this app ({SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = int(data["schema_version"])
    return data


def evolve(scenario: Scenario, **changes: Any) -> Scenario:
    """A new, re-validated Scenario with ``changes`` (nested groups given as dicts are merged)."""
    data = scenario.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        elif isinstance(value, BaseModel):
            data[key] = value.model_dump()
        else:
            data[key] = value
    return Scenario.model_validate(data)


def explain(err: ValidationError) -> list[str]:
    """Plain-English lines for a validation error (no Python jargon)."""
    lines = []
    for e in err.errors():
        where = " → ".join(str(p) for p in e["loc"]) or "scenario"
        msg = e["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {msg}")
    return lines


def schemes_from_table(table) -> tuple[Scheme, ...]:  # noqa: ANN001 - a DataFrame
    """Schemes from an area's ``schemes.csv``.

    ``current_budget_gbp`` defaults to ``budget_gbp`` (today's funding); the reference
    budget at which effects were estimated defaults to the current budget.
    """
    def money(v: Any, default: float) -> float:
        """Optional £ columns arrive untyped: blank means the default; '£3,400,000' is accepted."""
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return default
        text = str(v).strip().replace("£", "").replace(",", "")
        try:
            return default if text == "" else float(text)
        except ValueError:
            raise ValueError(f"schemes.csv: '{str(v)[:30]}' is not an amount in £") from None

    out = []
    for row in table.to_dict("records"):
        budget = float(row["budget_gbp"])
        current = money(row.get("current_budget_gbp"), budget)
        ref = money(row.get("reference_budget_gbp"), current)
        out.append(
            Scheme(
                name=str(row["name"]),
                funding_source=str(row["funding_source"]),
                lead_partner=str(row["lead_partner"]),
                current_budget_gbp=current,
                budget_gbp=budget,
                reference_budget_gbp=max(ref, 1.0),
                metric=str(row["metric"]),
                effect_low=float(row["effect_low"]),
                effect_central=float(row["effect_central"]),
                effect_high=float(row["effect_high"]),
                ramp_months=int(row["ramp_months"]),
                saturation=float(row["saturation"]),
                source=str(row.get("source", "illustrative assumption"))[:300],
            )
        )
    return tuple(out)


def baseline(area: AreaData) -> Scenario:
    """The do-as-planned scenario for an area: every lever at the area's defaults."""
    f = area.flow_defaults
    c = area.unit_costs
    flow = Flow(
        core_beds=int(float(f["core_beds"])),
        escalation_beds=0,  # the baseline has no escalation beds; presets add them
        escalation_open=f.get("escalation_open", "12-01"),
        escalation_close=f.get("escalation_close", "03-31"),
        mean_los_days=float(f.get("mean_los_days", 5.0)),
        share_14plus=float(f["share_14plus"]),
        share_21plus=float(f["share_21plus"]),
        p0_share=float(f["p0_share"]),
        p1_share=float(f["p1_share"]),
        p2_share=float(f["p2_share"]),
        p3_share=float(f["p3_share"]),
        p1_starts_per_week=float(f["p1_starts_per_week"]),
        p2_beds=int(float(f["p2_beds"])),
        p2_los_days=float(f["p2_los_days"]),
        p3_per_week=float(f["p3_per_week"]),
        winter_uplift_pct=float(f.get("winter_uplift_pct", 0.0)),
    )
    costs = Costs(
        nea_spell=c["nea_spell"],
        excess_bed_day=c["excess_bed_day"],
        escalation_bed_day=c.get("escalation_bed_day", c.get("nonelective_bed_day", 901.0)),
        care_home_week=c["care_home_residential_week"],
        placement_duration_weeks=c.get("placement_duration_weeks", 104.0),
        p1_start=c["p1_start"],
        p2_bed_day=c["p2_bed_day"],
        p3_week=c["p3_week"],
        p3_weeks_per_placement=c.get("p3_weeks_per_placement", 4.0),
        boarding_day=c.get("boarding_day", 345.0),
    )
    return Scenario(
        name="Baseline",
        schemes=schemes_from_table(area.schemes),
        ambition_placements=area.meta.ambition_placements,
        ambition_rate_per_100k=area.meta.ambition_rate_per_100k,
        flow=flow,
        costs=costs,
    )


def presets(area: AreaData) -> dict[str, Scenario]:
    """Named scenarios for workshops, each one change to the area's baseline (current funding)."""
    base = baseline(area)
    esc = int(float(area.flow_defaults.get("escalation_beds", 27)))
    out = {base.name: base}
    out[f"+{esc} escalation beds (Dec–Mar)"] = evolve(
        base, name=f"+{esc} escalation beds (Dec–Mar)", flow={"escalation_beds": esc}
    )
    out["+15 Home First starts a week"] = _more_home_first(base, 15.0)
    out["High older-people growth"] = evolve(base, name="High older-people growth", growth={"variant": "high"})
    shifted = _move_money(base, 1_000_000)
    out[shifted.name] = shifted
    flop = evolve(shifted, name="Move £1m, and the savings don't materialise", savings_realised_pct=0.0)
    out[flop.name] = flop
    return out


def _largest(base: Scenario, metrics: tuple[str, ...], lead: str | None = None) -> Scheme | None:
    pool = [s for s in base.schemes if s.metric in metrics and (lead is None or s.lead_partner == lead)]
    return max(pool, key=lambda s: s.budget_gbp) if pool else None


def _with_budgets(base: Scenario, name: str, budgets: dict[str, float]) -> Scenario:
    schemes = [
        {**s.model_dump(), "budget_gbp": budgets.get(s.name, s.budget_gbp)} for s in base.schemes
    ]
    return evolve(base, name=name, schemes=schemes)


def _more_home_first(base: Scenario, per_week: float) -> Scenario:
    """+``per_week`` P1 starts a week, bought through the largest Home First (P1) scheme at its unit cost."""
    name = f"+{per_week:g} Home First starts a week"
    taker = _largest(base, ("p1_capacity",))
    if taker is None:  # no capacity scheme to fund it: change the capacity lever (uncosted)
        return evolve(base, name=name, flow={"p1_starts_per_week": base.flow.p1_starts_per_week + per_week})
    extra = per_week * WEEKS_A_YEAR * base.costs.p1_start
    return _with_budgets(base, name, {taker.name: taker.budget_gbp + extra})


def _move_money(base: Scenario, amount: float) -> Scenario:
    """Move ``amount`` £ from the council's largest placement-avoidance scheme into Home First / reablement.

    The finance lead's question (DESIGN.md 1). Falls back to the largest admission-avoidance
    scheme when there is no P1 capacity scheme.
    """
    donor = _largest(base, ("placements",), "Council") or _largest(base, ("placements",))
    taker = _largest(base, ("p1_capacity",)) or _largest(base, ("nea",))
    name = "Move £1m from social care into Home First"
    if donor is None or taker is None or donor is taker:
        return evolve(base, name=name)
    moved = min(amount, donor.budget_gbp)
    return _with_budgets(base, name, {donor.name: donor.budget_gbp - moved, taker.name: taker.budget_gbp + moved})
