"""The scenario stage: the one immutable Scenario holding every lever, its migrations, presets and scheme tables.

Callers outside the stage import from the package (``from models.scenario import Scenario, baseline, evolve``);
the stage is split by job:

- :mod:`models.scenario.groups`: the lever groups (Growth, Demand, Scheme, Flow, Costs,
  Partner, RiskShare) and the finance lines the risk-share terms allocate;
- :mod:`models.scenario.scenario`: the immutable Scenario, :func:`evolve`, :func:`explain`;
- :mod:`models.scenario.migrate`: schema migrations of saved scenarios;
- :mod:`models.scenario.tables`: scheme tables <-> Schemes (schemes.csv, the scheme editor);
- :mod:`models.scenario.presets`: an area's baseline and the workshop presets.

Nothing in the stage imports the package (it imports all of them), so the parts stay free of import cycles;
:mod:`models.scenario.capacity` and :mod:`models.scenario.terms` hold the arithmetic the Scenario's own validation
needs (capacity bought by budgets, partners' contributions).

Units: money in £ (a year unless stated), growth in % a year, shares as fractions of 1,
capacities per week, stays in days.
"""

from __future__ import annotations

from models.core.units import DAYS_A_YEAR, WEEKS_A_YEAR
from models.scenario.groups import (
    RISK_LINE_DEFAULTS,
    RISK_LINES,
    SCHEME_KINDS,
    Costs,
    Demand,
    Flow,
    Growth,
    Lever,
    Partner,
    Pct,
    RiskShare,
    Scheme,
    SchemeMetric,
)
from models.scenario.migrate import MIGRATIONS, SCHEMA_VERSION, migrate
from models.scenario.presets import baseline, presets
from models.scenario.scenario import Scenario, evolve, explain
from models.scenario.tables import schemes_from_table

__all__ = [
    "DAYS_A_YEAR",
    "MIGRATIONS",
    "RISK_LINES",
    "RISK_LINE_DEFAULTS",
    "SCHEMA_VERSION",
    "SCHEME_KINDS",
    "WEEKS_A_YEAR",
    "Costs",
    "Demand",
    "Flow",
    "Growth",
    "Lever",
    "Partner",
    "Pct",
    "RiskShare",
    "Scenario",
    "Scheme",
    "SchemeMetric",
    "baseline",
    "evolve",
    "explain",
    "migrate",
    "presets",
    "schemes_from_table",
]
