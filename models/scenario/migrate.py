"""Schema migrations: scenarios saved by older versions of the app load as the current schema.

:data:`MIGRATIONS` maps a schema version to the function that upgrades a scenario dict
to the next version; :func:`migrate` applies them in turn up to :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from models.inputs.funding_rules import SOURCES, guess_scheme_type, guessed_step, side_of_lead, source_from_text
from models.scenario.capacity import CAPACITY_LEVER, capacity_unit_cost
from models.scenario.groups import Costs

SCHEMA_VERSION = 3


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 → 2: current budgets, discharge-capacity schemes, mean stay, boarding cost.

    - Each scheme's ``current_budget_gbp`` is its v1 ``reference_budget_gbp`` (in v1 the
      reference budget was the area's budget, i.e. what it funds today).
    - v1 "delayed_days" schemes (typed-in delayed days avoided) become discharge-capacity
      schemes: step-down / rehab / bed in the name → P2 beds; care home / interim → P3;
      otherwise P1 (Home First). Their typed-in effects are dropped: the delayed days now
      come out of the flow simulation.
    - ``flow.mean_los_days`` gets the default 5.0 days and ``costs`` the default boarding
      cost and interim weeks (assumptions; see docs/sources.md#hospital-flow).
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


#: Key under which a migration leaves its notes in the dict (read and removed by :func:`migration_notes`).
NOTES_KEY = "_migration_notes"


#: The note an old (schema 1 or 2) scenario opens with (also for a shared link made by an older app).
V2_NOTE = (
    "This scenario was saved by an earlier version (schema 2): each scheme's funding source was mapped to a "
    "2025-26 funding line and given a service type guessed from its name and metric; check them on the "
    "Scheme funding page. Partners' contributions now follow who pays (NHS lines: the ICB; council lines: the "
    "council), not which partner leads a scheme. The NHS contribution to adult social care requirement is "
    "not set, so that national condition is not checked until you enter it. The three core metrics' maximum "
    "levels (65+ emergency admissions, average discharge delay) are the app's defaults: set the area's own on the "
    "Home page."
)


def _social_care_lead(data: dict[str, Any]) -> str | None:
    """The v2 risk share's social-care lead (the last partner of an old two-name list), or None if unreadable."""
    terms = data.get("risk_share")
    if not isinstance(terms, dict):
        return "Council"
    lead = terms.get("social_care_lead")
    if isinstance(lead, str):
        return lead
    partners = terms.get("partners")
    if isinstance(partners, list) and partners:
        last = partners[-1]
        name = last.get("name") if isinstance(last, dict) else last
        return name if isinstance(name, str) else None
    return "Council"


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 → 3: funding sources, scheme types, income by source (docs/funding.md#old-scenarios).

    - Each scheme's free-text ``funding_source`` becomes a funding mix of one source
      (:func:`models.inputs.funding_rules.source_from_text`); text that names no source ("Discharge fund", an
      "Additional" without a side) goes to the additional contribution of the lead partner's side (the council
      when the lead is the risk share's social-care lead), and a note says so.
    - Each scheme gets a type and a step tag guessed from its name and metric
      (:func:`models.inputs.funding_rules.guess_scheme_type`).
    - ``income`` is today's fund (current budgets × mixes): contributions now follow who pays, so a partner
      without a stated contribution is credited with the income of the sources it pays, not the budgets of
      the schemes it leads (a note says so). The NHS-to-social-care requirement is left unset (not checked).
    """
    out = json.loads(json.dumps(data))  # deep copy
    care_lead = _social_care_lead(out)
    notes = [V2_NOTE]
    income: dict[str, float] = {}
    moved = False
    for sch in out.get("schemes", []):
        text = str(sch.pop("funding_source", "") or "")
        lead = str(sch.get("lead_partner", "ICB"))
        side = side_of_lead(lead, care_lead) if care_lead else side_of_lead(lead)
        source, by_side = source_from_text(text, side)
        sch["funding"] = [[source, 1.0]]
        if by_side:
            notes.append(
                f"Scheme '{sch.get('name', '')}': its funding source '{text or '(blank)'}' names no 2025-26 line, so "
                f"it was taken as the {SOURCES[source].label} (its lead partner, {lead}, is on the "
                f"{'NHS' if side == 'nhs' else 'council'} side)."
            )
        if sch.get("budget_gbp") != sch.get("current_budget_gbp"):
            moved = True
        metric = str(sch.get("metric", ""))
        stype = guess_scheme_type(metric, str(sch.get("name", ""))).key
        sch.setdefault("scheme_type", stype)
        sch.setdefault("step", guessed_step(metric, stype))
        try:
            income[source] = income.get(source, 0.0) + float(sch.get("current_budget_gbp", sch.get("budget_gbp", 0)))
        except (TypeError, ValueError):
            pass  # an invalid budget fails validation after migration, with its own message
    if moved:
        notes.append(
            "Budgets this scenario changed from today's are kept in each scheme's own funding line, so money once "
            "moved between schemes may now show as one line spent above its income and another left unallocated "
            "(see the fund statement); the Scheme funding page's 'Move money' carries the sources with it."
        )
    out["income"] = [[k, v] for k, v in income.items() if v > 0]
    out.setdefault("nhs_asc_requirement_gbp", None)
    out[NOTES_KEY] = [*out.get(NOTES_KEY, []), *notes]
    out["schema_version"] = 3
    return out


def migration_notes(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The migrated dict without its notes, and the notes (plain sentences to show when the scenario opens)."""
    out = dict(data)
    notes = out.pop(NOTES_KEY, [])
    return out, [str(n) for n in notes] if isinstance(notes, list) else []


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2, 2: _v2_to_v3}
"""schema_version -> function upgrading a dict to the next version."""


class ScenarioVersionError(ValueError):
    """A scenario's ``schema_version`` this app cannot read (``str(err)`` is a plain sentence)."""


def schema_version_of(data: dict[str, Any]) -> int:
    """The scenario dict's schema version: a whole number from 1 to :data:`SCHEMA_VERSION` (missing: 1).

    Files of the first version had no ``schema_version``. Anything else (0, -1, null, text,
    1.5, true) is refused with a plain sentence saying what was found.

    Raises
    ------
    ScenarioVersionError
    """
    if "schema_version" not in data:
        return 1
    value = data["schema_version"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        shown = "null" if value is None else "text" if isinstance(value, str) else "not a whole number"
        raise ScenarioVersionError(
            f"its schema_version is {shown}; it should be a whole number from 1 to {SCHEMA_VERSION}"
        )
    version = int(value)
    if version > SCHEMA_VERSION:
        raise ScenarioVersionError(
            f"it was saved by a newer version of the app (schema version {version}; this app reads up to "
            f"{SCHEMA_VERSION}); update the app to open it"
        )
    if version < 1:
        raise ScenarioVersionError(
            f"its schema_version is {version}; versions start at 1 (this app reads 1 to {SCHEMA_VERSION})"
        )
    return version


def _check_shapes(data: dict[str, Any]) -> None:
    """The parts a migration walks must have their JSON kinds (a list of objects, objects), else a plain error."""
    schemes = data.get("schemes", [])
    if not isinstance(schemes, list) or not all(isinstance(s, dict) for s in schemes):
        raise ScenarioVersionError("its 'schemes' should be a list of schemes, each one an object { … }")
    for group in ("flow", "costs"):
        if group in data and not isinstance(data[group], dict):
            raise ScenarioVersionError(f"its '{group}' should be an object {{ … }} of settings")


def migrate_with_notes(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Upgrade a scenario dict to :data:`SCHEMA_VERSION` through :data:`MIGRATIONS`, with the migrations' notes.

    The notes are plain sentences for the person opening an old scenario (what was mapped or guessed); a
    current scenario has none.

    Raises
    ------
    ScenarioVersionError
        When the dict's version is not one this app reads, or (for an older version) a part
        the migration walks has the wrong kind; the message is a plain sentence.
    """
    version = schema_version_of(data)
    if version < SCHEMA_VERSION:
        _check_shapes(data)
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = int(data["schema_version"])
    return migration_notes(data)


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a scenario dict to :data:`SCHEMA_VERSION` (:func:`migrate_with_notes` without the notes).

    Raises
    ------
    ScenarioVersionError
        As :func:`migrate_with_notes`.
    """
    return migrate_with_notes(data)[0]
