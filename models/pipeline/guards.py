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

import pandas as pd
from pydantic import ValidationError

from models.core.numbers import NumberError, parse_number
from models.inputs.areas import AreaData
from models.pipeline.stages import MAX_FLOW_REPS, WINTER_DAYS
from models.scenario import Scenario, baseline, evolve, presets, schemes_from_table

MAX_WORKLOAD = 6_000_000  # draws × projected months × max(schemes, 1)
MAX_FLOW_WORK = 400_000_000  # winter replications × days × (arrivals a day + beds): see flow_workload
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
    "nea_65plus": "emergency admissions of people aged 65+",
    "placements": "care-home placements 65+",
    "delayed_days": "delayed bed days",
}


def workload(scenario: Scenario) -> int:
    """Units of Monte Carlo work: draws × projected months × schemes (at least one scheme)."""
    return scenario.n_draws * scenario.horizon_years * 12 * max(len(scenario.schemes), 1)


def arrivals_a_day(area: AreaData) -> float:
    """Emergency admissions a day in the area's last 12 months of data (the winter simulation's arrivals)."""
    return annual_activity(area)["nea"] / 365.0


def flow_units_per_rep(scenario: Scenario, area: AreaData) -> float:
    """Work of one winter replication: days × (arrivals a day + beds), what the day loop walks through.

    The flow model handles every arrival and every occupied bed of every day (models/flow/_kernel.py),
    so its cost grows with the area's admissions, not only with the draws: measured on a loaded
    2-core machine, 200 replications of 182 days take 0.8 s at 60 arrivals and 320 beds, 4.9 s at 600
    and 3,200, 43 s at 6,000 and 32,000 (about 2 × 10⁻⁸ s a unit).
    """
    f = scenario.flow
    beds = f.core_beds + f.escalation_beds + f.p2_beds
    return WINTER_DAYS * (arrivals_a_day(area) + beds)


def flow_workload(scenario: Scenario, area: AreaData) -> float:
    """Units of winter simulation: replications (the draws, at most MAX_FLOW_REPS) × :func:`flow_units_per_rep`."""
    return min(scenario.n_draws, MAX_FLOW_REPS) * flow_units_per_rep(scenario, area)


def check_workload(scenario: Scenario, area: AreaData | None = None) -> list[str]:
    """Plain messages when the scenario is heavier than the caps (empty when it fits).

    Two caps: the projection's :data:`MAX_WORKLOAD` (draws × months × schemes) and, given the
    ``area``, the winter simulation's :data:`MAX_FLOW_WORK` (replications × days × (arrivals + beds)).
    The app and ``python -m models run`` apply the same caps.
    """
    units = workload(scenario)
    most = max_draws(scenario, area)
    if units > MAX_WORKLOAD:
        months, schemes = scenario.horizon_years * 12, max(len(scenario.schemes), 1)
        return [
            f"This scenario asks for {scenario.n_draws:,} draws × {months} months × {schemes} schemes "
            f"({units / 1e6:,.0f} million simulated scheme-months); this server runs at most "
            f"{MAX_WORKLOAD / 1e6:,.0f} million per scenario. Use at most {most:,} draws, a shorter horizon "
            "or fewer schemes."
        ]
    if area is not None and flow_workload(scenario, area) > MAX_FLOW_WORK:
        arrivals = arrivals_a_day(area)
        return [
            f"This scenario's winter simulation would follow {min(scenario.n_draws, MAX_FLOW_REPS):,} winters of "
            f"{arrivals:,.0f} emergency admissions a day; this server simulates at most "
            f"{MAX_FLOW_WORK / 1e6:,.0f} million patient-days and bed-days per scenario. Use at most {most:,} draws."
        ]
    return []


def max_draws(scenario: Scenario, area: AreaData | None = None) -> int:
    """The most draws that keep ``scenario`` (on ``area``, if given) within both caps (at least MIN_DRAWS)."""
    per_draw = scenario.horizon_years * 12 * max(len(scenario.schemes), 1)
    most = MAX_WORKLOAD // per_draw
    if area is not None:
        per_rep = flow_units_per_rep(scenario, area)
        if per_rep * MAX_FLOW_REPS > MAX_FLOW_WORK:  # above MAX_FLOW_REPS draws the winter uses only that many
            most = min(most, int(MAX_FLOW_WORK // max(per_rep, 1.0)))
    return max(MIN_DRAWS, most)


def fit_workload(scenario: Scenario, area: AreaData | None = None) -> tuple[Scenario, list[str]]:
    """``scenario`` itself when it fits, else the same scenario with fewer draws, and why.

    The draws fall to the largest of :data:`DRAW_STEPS` that fits (at least 50; every
    valid scenario fits the projection's cap at 50 draws: 50 × 120 months × 200 schemes = 1.2 million;
    an area too large for the winter cap at 50 draws is refused by :func:`check_area`).
    """
    problems = check_workload(scenario, area)
    if not problems:
        return scenario, []
    most = max_draws(scenario, area)
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
        # recorded 65+ admissions when the area has them; otherwise all ages bound what a 65+ scheme can avoid
        "nea_65plus": float(adm["nea_65plus"].sum() if "nea_65plus" in adm else adm["nea"].sum()),
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


_PYTHON_WORDS = (
    "could not convert",
    "invalid literal",
    "codec",
    "object",
    "NoneType",
    "unsupported operand",
    "division by zero",
    "\\x",
    "<class",
    " at 0x",
    "Traceback",
    "dtype",
)


def plain_reason(err: Exception, fallback: str = "a flow parameter or unit cost is out of range or missing") -> str:
    """The models' own sentence for ``err``, or ``fallback`` when its text is Python's (never shown to a user)."""
    text = str(err).splitlines()[0][:200] if str(err) else ""
    if not text or isinstance(err, (TypeError, ArithmeticError)) or any(w in text for w in _PYTHON_WORDS):
        return fallback
    return text


def _nearest_year(years: list[int], year: int) -> int:
    return min(years, key=lambda y: (abs(y - year), -y))


def whole_area_problems(area: AreaData) -> list[str]:
    """What the models divide by or scale with, checked across files before an area is used.

    - every year of ``population.csv`` has people, and people aged 65+ (the placements model
      divides by the 65+ population; the growth index by each year's total);
    - no month's care-home placements 65+, and no financial year's, exceed the 65+ population of
      that year (or the nearest year given), and no month's emergency admissions exceed the
      whole population: such figures are typos (a count in the wrong column, an extra digit);
    - the winter simulation fits the server at the fewest draws (:data:`MAX_FLOW_WORK`).

    Messages name the file, the row (the header is row 1) and the column.
    """
    pop = area.population
    total = pop.groupby("year")["population"].sum()
    older = area.population_65plus().reindex(total.index, fill_value=0)
    out = [
        f"population.csv: year {y} has a population of 0; every year needs its residents"
        for y in total.index[total <= 0]
    ]
    out += [
        f"population.csv: year {y} has no residents aged 65+ (65-74, 75-84, 85+ are all 0); the placements "
        "model divides by the 65+ population"
        for y in older.index[(older <= 0) & (total > 0)]
    ]
    if out:
        return out
    out += _first_month_above(
        area.placements, "placements_monthly.csv", "placements_65plus", "placements", older, "population aged 65+"
    )
    # the winter simulation walks every arrival of every day: at the fewest draws it must fit (beds add at most
    # 50 × 182 × 8,000 = 73 million units, within the cap, so the arrivals decide)
    arrivals = arrivals_a_day(area)
    if MIN_DRAWS * WINTER_DAYS * arrivals > MAX_FLOW_WORK:
        out.append(
            f"admissions_monthly.csv, column 'nea': {arrivals:,.0f} emergency admissions a day (the last 12 months) "
            f"is more than this server can simulate day by day even at {MIN_DRAWS} draws (an area in England has "
            "at most a few hundred a day); check the figures"
        )
    out += _first_month_above(
        area.admissions, "admissions_monthly.csv", "nea", "emergency admissions", total, "population"
    )
    return out


def _first_month_above(
    table: pd.DataFrame, file: str, column: str, what: str, people: pd.Series, whom: str
) -> list[str]:
    """The first month whose count in ``column`` exceeds ``people`` (by year, the nearest year given), as a message.

    ``table`` has ``month`` and ``column``; ``people`` is indexed by year; the header is row 1.
    """
    years = [int(y) for y in people.index]
    for i, (month, count) in enumerate(zip(table["month"], table[column], strict=True)):
        base = float(people[_nearest_year(years, month.year)])
        if count > base:
            return [
                f"{file}, row {i + 2}, column '{column}': {count:,.0f} {what} in {month:%b %Y} is more than the "
                f"area's whole {whom} ({base:,.0f}); check the figure"
            ]
    return []


def check_area(area: AreaData, reference: AreaData | None = None) -> list[str]:
    """Everything that would stop the app from using ``area``, as plain per-field messages.

    Builds the Scenario the app would build (:func:`models.scenario.baseline` and the
    presets) inside a ``try``; ``reference`` (the demo area) says which flow parameters and
    unit costs must be numbers. An empty list means the area can be switched to.
    """
    problems = whole_area_problems(area)
    if problems:
        return problems
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
            problems += _field_messages(
                err,
                f"schemes.csv, row {i + 2}, column",
                {"reference_budget_gbp": "budget_gbp", "current_budget_gbp": "budget_gbp"},
            )
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
        return [f"the area's settings could not be used: {plain_reason(err)}"]
    return check_workload(base)


def scheme_warnings(area: AreaData, scenario: Scenario) -> list[str]:
    """:func:`check_scheme_effects` for ``scenario`` on ``area`` (warnings, not refusals)."""
    return check_scheme_effects(scenario, annual_activity(area, scenario.flow.core_beds))
