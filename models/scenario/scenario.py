"""The Scenario: one immutable, validated object holding every lever.

A Scenario is built from an area's defaults (:func:`models.scenario.presets.baseline`)
and changed only by making a new one (:func:`evolve`). It compares equal by value and
hashes, so it can key caches; it converts to JSON and back exactly, and to a compact URL
token for shared links. Older schema versions load through
:func:`models.scenario.migrate.migrate`.

Units: money in £ (a year unless stated), growth in % a year, shares as fractions of 1,
capacities per week, stays in days.
"""

from __future__ import annotations

import base64
import zlib
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError, field_validator, model_validator

from models.core.jsonsafe import load_json
from models.inputs.scheme_rules import MAX_SCHEMES, repeated_names
from models.scenario.capacity import capacity_problems
from models.scenario.funding import Mix, clean_income, todays_income
from models.scenario.groups import Costs, Demand, Flow, Growth, Lever, RiskShare, Scheme, clean_name
from models.scenario.migrate import SCHEMA_VERSION, migrate_with_notes
from models.scenario.terms import term_problems


class Scenario(Lever):
    """Every lever of one scenario. Build with :func:`baseline`; change with :func:`evolve`."""

    schema_version: Literal[3] = SCHEMA_VERSION
    name: Annotated[str, AfterValidator(clean_name)] = Field(default="Baseline", min_length=1, max_length=80)
    horizon_years: int = Field(default=5, ge=1, le=10, description="financial years projected")
    n_draws: int = Field(default=1000, ge=50, le=5000, description="Monte Carlo draws")
    seed: int = Field(default=2022, ge=0, le=2**32 - 1)
    growth: Growth = Growth()
    demand: Demand = Demand()
    schemes: tuple[Scheme, ...] = ()
    savings_realised_pct: float = Field(default=100.0, ge=0, le=100, description="% of scheme effects realised")
    ambition_placements: int = Field(default=146, ge=0, le=100_000)
    ambition_rate_per_100k: float = Field(
        default=350.0, ge=0, le=10_000, description="ASCOF 2C maximum level: care-home admissions 65+ per 100,000 aged 65+"
    )
    ambition_nea65_per_100k: float = Field(
        default=24_000.0,
        ge=0,
        le=100_000,
        description="maximum level: emergency admissions 65+ a year per 100,000 aged 65+ (BCF core metric 1)",
    )
    ambition_delay_days: float = Field(
        default=0.8, ge=0, le=60, description="maximum level: average discharge delay over all discharges, days"
    )
    flow: Flow
    costs: Costs
    risk_share: RiskShare = RiskShare()
    income: Mix = Field(
        default=(),
        description="(source, £ a year) the fund receives from each source; left out: today's fund (current "
        "budgets × funding mixes). docs/funding.md",
    )
    nhs_asc_requirement_gbp: float | None = Field(
        default=None,
        ge=0,
        le=1e10,
        description="£ a year of the NHS minimum contribution the area must spend on adult social care (national "
        "condition); None: not entered, not checked",
    )

    @model_validator(mode="before")
    @classmethod
    def _todays_income(cls, data: Any) -> Any:  # noqa: ANN401 - raw input
        """A scenario given no income receives today's fund (current budgets × mixes), fixed from then on."""
        if isinstance(data, dict) and data.get("income") is None:
            try:
                schemes = [s if isinstance(s, Scheme) else Scheme.model_validate(s) for s in data.get("schemes", ())]
            except (ValidationError, TypeError, ValueError):
                return data  # the schemes' own validation reports the problem
            data = {**data, "income": todays_income(schemes)}
        return data

    @field_validator("income")
    @classmethod
    def _income(cls, v: Mix) -> Mix:
        return clean_income(v)

    @field_validator("schemes")
    @classmethod
    def _unique_names(cls, v: tuple[Scheme, ...]) -> tuple[Scheme, ...]:
        names = [s.name for s in v]
        dup = sorted({names[i] for i, _ in repeated_names(names)})
        if dup:
            raise ValueError(f"scheme names must be unique (ignoring case); repeated: {', '.join(dup)}")
        if len(v) > MAX_SCHEMES:
            raise ValueError(f"{len(v)} schemes; at most {MAX_SCHEMES} are supported")
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
        """Load a scenario, migrating older schema versions (nesting and size checked before parsing)."""
        return cls.from_json_with_notes(text)[0]

    @classmethod
    def from_json_with_notes(cls, text: str) -> tuple[Scenario, list[str]]:
        """:meth:`from_json`, with the migration's notes to show (none for a current scenario)."""
        data = load_json(text, "the scenario")
        migrated, notes = migrate_with_notes(data)
        return cls.model_validate(migrated), notes

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
