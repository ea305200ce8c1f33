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

from models.scenario.capacity import CAPACITY_LEVER, capacity_unit_cost
from models.scenario.groups import Costs

SCHEMA_VERSION = 2


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


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}
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


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a scenario dict to :data:`SCHEMA_VERSION` through :data:`MIGRATIONS`.

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
    return data
