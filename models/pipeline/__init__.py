"""The pipeline: a scenario run in stages, its results, the finance run, comparisons and workload guards.

Every caller (pages, Compare, finance and tornado, the command line, the warm-up) runs a scenario
through :mod:`models.pipeline.runs` with the stage functions of :mod:`models.pipeline.stages`; the app passes
cached wrappers of the same stages (a :class:`Stages`). This package imports the stage models below it and is
imported by charts, report, store users, the CLI and the app, never the other way round.

The names below are the package's public API: ``from models import pipeline; pipeline.run(scenario, area)``.
"""

from models.pipeline.results import (
    HEADLINE_LABELS,
    Results,
    headline,
    headline_change,
    is_reference,
    reference_scenario,
)
from models.pipeline.runs import (
    CAPACITY_RANGE,
    Stages,
    activity,
    finance,
    memo_stages,
    plan_scenario,
    run,
    scenario_activity,
    scheme_table_with_winter,
    tornado,
    tornado_cases,
)
from models.pipeline.stages import (
    MAX_FLOW_REPS,
    MAX_HORIZON_YEARS,
    WINTER_DAYS,
    BasePaths,
    CopeCheck,
    Fits,
    Projection,
    Winter,
    WinterTooShort,
    base_for_horizon,
    bed_need,
    bed_sizing,
    capacity_attribution,
    capacity_warnings,
    cope_checks,
    fit_all,
    flow_reps,
    project,
    projection_months,
    simulate_base,
    simulate_base_full,
    winter,
    winter_options,
    winter_start,
)

__all__ = [
    "CAPACITY_RANGE", "HEADLINE_LABELS", "MAX_FLOW_REPS", "MAX_HORIZON_YEARS", "WINTER_DAYS", "BasePaths",
    "Fits", "Projection", "Results", "Stages", "Winter", "WinterTooShort", "activity", "base_for_horizon", "bed_need",
    "bed_sizing",
    "CopeCheck", "cope_checks", "scheme_table_with_winter",
    "capacity_attribution", "capacity_warnings", "finance", "fit_all", "flow_reps", "headline", "headline_change", "is_reference", "memo_stages",
    "plan_scenario", "project", "projection_months", "reference_scenario", "run", "scenario_activity",
    "simulate_base", "simulate_base_full", "tornado", "tornado_cases", "winter", "winter_options", "winter_start",
]
