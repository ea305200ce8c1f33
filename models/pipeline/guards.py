"""Limits that keep one scenario or one uploaded area from taking the server down, in plain messages.

Pure functions (no streamlit): the app calls them before it runs anything heavy.

- :func:`check_workload` / :func:`fit_workload`: the Monte Carlo work of a scenario
  (draws × projected months × schemes) is capped at :data:`MAX_WORKLOAD`, what a 2-core
  server projects in well under a second (measured: 6 million units ≈ 0.5 s and ≈ 0.1 GB;
  48 million ≈ 2.4 s and 1.4 GB).
- :func:`check_scheme_effects`: a scheme that would avoid more activity than the area
  has (a typo in the scheme table) gets a message, not a crash.
- :func:`check_area`: an uploaded area is checked as the Scenario that will be built
  from it (every field limit), so the app switches to it only when that works.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import ValidationError

from models.core.numbers import NumberError, parse_number
from models.inputs.areas import AreaData
from models.scenario import Scenario, baseline, evolve, presets, schemes_from_table

MAX_WORKLOAD = 6_000_000  # draws × projected months × max(schemes, 1)
MIN_DRAWS = 50  # = Scenario.n_draws lower bound
DRAW_STEPS = (5000, 2000, 1000, 500, 200, 100, 50)  # what a reduced scenario falls back to

# Scenario fields -> (file, column or parameter) for messages about an uploaded area
COST_ITEMS = {
    "nea_spell": "nea_spell",
    "excess_bed_day": "excess_bed_day",
    "escalation_bed_day": "escalation_bed_day",
    "care_home_week": "care_home_residential_week",
    "placement_duration_weeks": "placement_duration_weeks",
    "p1_start": "p1_start",
    "p2_bed_day": "p2_bed_day",
    "p3_week": "p3_week",
}
METRIC_WORDS = {
    "nea": "emergency admissions",
    "acs": "avoidable (ACS) admissions",
    "placements": "care-home placements 65+",
    "delayed_days": "delayed bed days",
}


def workload(scenario: Scenario) -> int:
    """Units of Monte Carlo work: draws × projected months × schemes (at least one scheme)."""
    return scenario.n_draws * scenario.horizon_years * 12 * max(len(scenario.schemes), 1)


def check_workload(scenario: Scenario) -> list[str]:
    """Plain messages when the scenario is heavier than :data:`MAX_WORKLOAD` (empty when it fits)."""
    units = workload(scenario)
    if units <= MAX_WORKLOAD:
        return []
    months, schemes = scenario.horizon_years * 12, max(len(scenario.schemes), 1)
    most = max_draws(scenario)
    return [
        f"This scenario asks for {scenario.n_draws:,} draws × {months} months × {schemes} schemes "
        f"({units / 1e6:,.0f} million simulated scheme-months); this server runs at most "
        f"{MAX_WORKLOAD / 1e6:,.0f} million per scenario. Use at most {most:,} draws, a shorter horizon "
        "or fewer schemes."
    ]


def max_draws(scenario: Scenario) -> int:
    """The most draws that keep ``scenario``'s horizon and schemes within :data:`MAX_WORKLOAD`."""
    per_draw = scenario.horizon_years * 12 * max(len(scenario.schemes), 1)
    return max(MIN_DRAWS, MAX_WORKLOAD // per_draw)


def fit_workload(scenario: Scenario) -> tuple[Scenario, list[str]]:
    """``scenario`` itself when it fits, else the same scenario with fewer draws, and why.

    The draws fall to the largest of :data:`DRAW_STEPS` that fits (at least 50; every
    valid scenario fits at 50 draws: 50 × 120 months × 200 schemes = 1.2 million).
    """
    problems = check_workload(scenario)
    if not problems:
        return scenario, []
    most = max_draws(scenario)
    draws = next((d for d in DRAW_STEPS if d <= most), MIN_DRAWS)
    reduced = evolve(scenario, n_draws=draws)
    return reduced, [problems[0].split(" Use at most")[0] + f" The draws were reduced to {draws:,}."]


def annual_activity(area: AreaData, core_beds: int | None = None) -> dict[str, float]:
    """Activity a year in the area's last 12 months of data, per scheme metric (the most a scheme can avoid).

    Delayed bed days are bounded by every bed-day of the core bed base (``core_beds`` × 365).
    """
    adm, plc = area.admissions.tail(12), area.placements.tail(12)
    out = {
        "nea": float(adm["nea"].sum()),
        "acs": float(adm["acs"].sum()),
        "placements": float(plc["placements_65plus"].sum()),
    }
    if core_beds is not None:
        out["delayed_days"] = float(core_beds) * 365
    return out


def check_scheme_effects(scenario: Scenario, activity: Mapping[str, float]) -> list[str]:
    """Messages for schemes whose stated effects exceed the activity they act on.

    ``activity`` is the activity a year per metric (:func:`annual_activity`). A scheme's
    high effect, or the metric's total central effect, above it is almost always a typo
    (e.g. 20,000 for 2,000); the projection caps avoided activity at the baseline, and
    this message says why the figure looks capped.
    """
    lines = []
    totals: dict[str, float] = {}
    for s in scenario.schemes:
        base = activity.get(s.metric)
        if base is None or not math.isfinite(base):
            continue
        totals[s.metric] = totals.get(s.metric, 0.0) + s.effect_central
        if s.effect_high > base:
            lines.append(
                f"Scheme '{s.name}': its high effect ({s.effect_high:,.0f} {METRIC_WORDS[s.metric]} a year) is more "
                f"than the area has in a year ({base:,.0f}); check the figure. Savings are capped at the baseline."
            )
    for metric, total in totals.items():
        base = activity[metric]
        if total > base:
            lines.append(
                f"Together the schemes avoid {total:,.0f} {METRIC_WORDS[metric]} a year (central), more than the area "
                f"has in a year ({base:,.0f}); savings are capped at the baseline."
            )
    return lines


def _field_messages(err: ValidationError, where: str, names: Mapping[str, str] | None = None) -> list[str]:
    out = []
    for e in err.errors():
        field = str(e["loc"][0]) if e["loc"] else ""
        msg = str(e["msg"]).removeprefix("Value error, ")
        label = (names or {}).get(field, field)
        out.append(f"{where}{f' {label!r}' if label else ''}: {msg}")
    return out


def _is_number(text: str) -> bool:
    """Whether the app's one number parser (models/core/numbers.py) reads ``text`` as a number."""
    try:
        parse_number(text)
    except NumberError:
        return False
    return True


def check_area(area: AreaData, reference: AreaData | None = None) -> list[str]:
    """Everything that would stop the app from using ``area``, as plain per-field messages.

    Builds the Scenario the app would build (:func:`models.scenario.baseline` and the
    presets) inside a ``try``; ``reference`` (the demo area) says which flow parameters and
    unit costs must be numbers. An empty list means the area can be switched to.
    """
    problems: list[str] = []
    if reference is not None:
        ref_flow, flow = reference.flow_defaults, area.flow_defaults
        for key, ref_value in ref_flow.items():
            if key not in flow:
                problems.append(f"flow_defaults.csv: parameter '{key}' is missing")
            elif _is_number(ref_value) and not _is_number(flow[key]):
                problems.append(f"flow_defaults.csv, parameter '{key}': '{flow[key][:40]}' is not a number")
        missing_costs = sorted(set(reference.unit_costs) - set(area.unit_costs))
        problems += [f"unit_costs.csv: item '{k}' is missing" for k in missing_costs]
    table = area.schemes
    for i in range(len(table)):
        try:
            schemes_from_table(table.iloc[[i]])
        except ValidationError as err:
            problems += _field_messages(err, f"schemes.csv, row {i + 2}, column", {"reference_budget_gbp": "budget_gbp", "current_budget_gbp": "budget_gbp"})
        except (ValueError, TypeError, KeyError):
            problems.append(f"schemes.csv, row {i + 2}: a value could not be read")
    if problems:
        return problems
    try:
        base = baseline(area)
        presets(area)
    except ValidationError as err:
        title = getattr(err, "title", "")
        if title == "Flow":
            return _field_messages(err, "flow_defaults.csv, parameter")
        if title == "Costs":
            return _field_messages(err, "unit_costs.csv, item", COST_ITEMS)
        return [f"scenario: {line}" for line in _field_messages(err, "setting")]
    except KeyError as err:
        return [f"a needed value is missing: '{err.args[0]}' (flow_defaults.csv parameter or unit_costs.csv item)"]
    except (ValueError, TypeError, ArithmeticError) as err:
        return [f"the area's settings could not be used: {str(err)[:160]}"]
    return check_workload(base)


def scheme_warnings(area: AreaData, scenario: Scenario) -> list[str]:
    """:func:`check_scheme_effects` for ``scenario`` on ``area`` (warnings, not refusals)."""
    return check_scheme_effects(scenario, annual_activity(area, scenario.flow.core_beds))

