"""One batch task: an area and its scenarios, run through the one pipeline, as draw-level tables.

A task is **one area with every scenario still to run for it**, so the area's fits (a third of a run's CPU time)
are made once for all its scenarios (:func:`models.pipeline.runs.memo_stages`); results are still kept, skipped
and reported per area and scenario. Each scenario runs exactly as ``python -m models run`` runs it
(:func:`models.pipeline.runs.run` and :func:`models.pipeline.runs.finance`, the same workload cap), so a batch
result equals the command line's and the app's for the same data, scenario, seed and draws.

Random numbers
--------------
The scenario's seed is the root. In the default mode (``"area"``) each area runs with its own seed,
:func:`area_seed` = ``SeedSequence(scenario seed, spawn_key=(area key,))``: a stable function of the scenario's
seed and the area's code, so the draws of two areas are independent and no result depends on the order, worker
or machine a task runs on. Every scenario of one area gets the same seed (the scenario is not in the key), so two
scenarios of one area share their random numbers as they do in the app, and their difference is the effect of
their levers, not noise. The seed used is written beside each result: ``python -m models run SCENARIO --seed
SEED`` (or the app with that seed) reproduces it exactly. In mode ``"scenario"`` every area runs with the
scenario's own seed as it is (each area's figures are then the app's at that seed without a change, but draw d of
every area uses the same random numbers, which ties the areas' draws together in a roll-up).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models import pipeline
from models.batch.worker import single_threaded
from models.core.fy import fy_label, fy_layout, fy_start, sum_by_fy
from models.core.summaries import quantiles
from models.flow.simulate import per_rep_kpis
from models.inputs.areas import AreaData
from models.money.riskshare import LINES, Finance
from models.pipeline.core_metrics import _pop65, ascof2c_rate_draws, core_metrics, delay_draws, nea65_rate_draws
from models.pipeline.guards import check_workload
from models.scenario import Scenario, evolve

#: Version of the result files' layout: part of every fingerprint, so a new layout reruns everything.
RESULTS_FORMAT = 1
SEED_MODES = ("area", "scenario")


def area_seed(scenario_seed: int, area_code: str) -> int:
    """The seed an area runs a scenario with (mode ``"area"``): a stable function of both, in 0 … 2³² − 1.

    ``SeedSequence(scenario_seed, spawn_key=(k,))`` with ``k`` the first 8 bytes of SHA-256 of the area's code: the
    ``k``-th child of the scenario's seed, the same on every machine and Python version (no ``hash()``).
    """
    key = int.from_bytes(hashlib.sha256(area_code.encode("utf-8")).digest()[:8], "big")
    return int(np.random.SeedSequence(int(scenario_seed), spawn_key=(key,)).generate_state(1, np.uint32)[0])


def task_scenario(scenario: Scenario, area_code: str, seed_mode: str = "area", draws: int | None = None) -> Scenario:
    """The scenario exactly as the task runs it: its draws (``draws`` when given) and the area's seed."""
    if seed_mode not in SEED_MODES:
        raise ValueError(f"seed mode {seed_mode!r}; use one of {', '.join(SEED_MODES)}")
    seed = area_seed(scenario.seed, area_code) if seed_mode == "area" else scenario.seed
    changes: dict[str, int] = {"seed": seed} | ({"n_draws": draws} if draws is not None else {})
    return evolve(scenario, **changes)


def fingerprint(area: AreaData, scenario: Scenario) -> str:
    """What a result depends on: the results layout, the area's data and the scenario run (its seed and draws are
    in its JSON). A result on disk with the same fingerprint is not run again."""
    h = hashlib.sha256(f"format {RESULTS_FORMAT}\n{area.fingerprint}\n".encode())
    h.update(scenario.to_json().encode("utf-8"))
    return h.hexdigest()[:24]


@dataclass(frozen=True)
class ScenarioJob:
    """One scenario of a task: its key in the batch (file-safe), the scenario run and the result's fingerprint."""

    key: str
    scenario_json: str
    fingerprint: str


@dataclass(frozen=True)
class AreaTask:
    """One area and the scenarios still to run for it (what is sent to a worker)."""

    area_code: str
    area: AreaData
    jobs: tuple[ScenarioJob, ...]


@dataclass(frozen=True)
class Outcome:
    """One area and scenario run: its draw-level table and summary figures, or why it failed.

    ``draws`` has the columns of :func:`draw_table` (None on failure); ``record`` the figures of
    :func:`summary_record`; ``error`` a plain sentence ("" on success); ``seconds`` the wall time in the worker.
    """

    area_code: str
    key: str
    fingerprint: str
    draws: pd.DataFrame | None
    record: dict[str, object] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0


def draw_table(results: pipeline.Results, fin: Finance) -> pd.DataFrame:
    """A run's figures per Monte Carlo draw and complete projected financial year: what a roll-up adds up.

    Returns
    -------
    DataFrame
        One row per (``draw``, ``fy``). Counts a year: ``nea`` (emergency admissions), ``nea65`` (of people aged
        65+), ``placements`` (care-home admissions 65+); ``pop65`` (residents aged 65+, mid-year of the year the
        financial year starts in; the same in every draw); the area's rates per 100,000 aged 65+ ``nea65_rate``,
        ``ascof2c_rate`` (the core metrics). Money (£ in the year): ``<line>_gbp`` the outturn of each risk-share
        line (:data:`models.money.riskshare.LINES`), ``variance_gbp`` (outturn less plan, all lines),
        ``net_position_gbp`` (the partners' net positions added up). The first winter (October–March), in its
        financial year's rows only (NaN in the others and without a winter): ``winter_discharges`` (of a night or
        more), ``winter_delay_days`` (their days after the discharge-ready date), ``winter_avg_delay`` (their
        ratio: the core metric), ``winter_delayed_bed_days``, ``winter_boarding_days`` (patient-days waiting in
        ED), ``winter_occupied_beds`` (mean patients in acute beds a day), ``winter_beds_open`` (mean a day).
    """
    p, w = results.projection, results.winter
    labels, month_fy, years = fy_layout(p.months)
    n_fy, n = len(labels), p.nea.shape[0]
    if tuple(fin.inputs.fy) != tuple(labels):
        raise ValueError("the finance and the projection cover different financial years")
    cols: dict[str, np.ndarray] = {
        "nea": sum_by_fy(p.nea, month_fy, n_fy),
        "nea65": sum_by_fy(p.nea65, month_fy, n_fy),
        "placements": p.placements[:, np.searchsorted(p.fy_years, years)],
        "pop65": np.broadcast_to(_pop65(p, years)[None, :], (n, n_fy)),
        "nea65_rate": nea65_rate_draws(p)[1],
        "ascof2c_rate": ascof2c_rate_draws(p)[1],
    }
    outturn, plan = fin.inputs.outturn, fin.inputs.plan
    for i, line in enumerate(LINES):
        cols[f"{line}_gbp"] = outturn[:, i, :]
    cols["variance_gbp"] = (outturn - plan[None, :, :]).sum(axis=1)
    cols["net_position_gbp"] = fin.allocation.position(horizon=False).sum(axis=1)
    cols.update(_winter_columns(w, labels, n))
    frame = pd.DataFrame({k: np.asarray(v, dtype=float).reshape(-1) for k, v in cols.items()})
    frame.insert(0, "fy", np.tile(np.asarray(labels, dtype=object), n))
    frame.insert(0, "draw", np.repeat(np.arange(n, dtype=np.int32), n_fy))
    return frame


WINTER_COLUMNS = (
    "winter_discharges",
    "winter_delay_days",
    "winter_avg_delay",
    "winter_delayed_bed_days",
    "winter_boarding_days",
    "winter_occupied_beds",
    "winter_beds_open",
)


def _winter_columns(w: pipeline.Winter | None, labels: tuple[str, ...], n: int) -> dict[str, np.ndarray]:
    """The winter's figures per draw in its financial year's column (replication d serves draw d, cyclically when
    there are more draws than replications, as in the finance)."""
    out = {k: np.full((n, len(labels)), np.nan) for k in WINTER_COLUMNS}
    if w is None:
        return out
    label = fy_label(int(fy_start(w.start)))
    if label not in labels:
        return out
    j, idx = labels.index(label), np.arange(n) % w.run.n_reps
    kpis = per_rep_kpis(w.run)
    per_rep = {
        "winter_discharges": w.run.dis.sum(axis=1),
        "winter_delay_days": w.run.delay_days.sum(axis=1),
        "winter_avg_delay": delay_draws(w),
        "winter_delayed_bed_days": kpis["delayed_bed_days"],
        "winter_boarding_days": kpis["boarding_days"],
        "winter_occupied_beds": w.run.census.mean(axis=1),
        "winter_beds_open": w.run.beds_open.mean(axis=1),
    }
    for k, v in per_rep.items():
        out[k][:, j] = np.asarray(v, dtype=float)[idx]
    return out


def summary_record(results: pipeline.Results, fin: Finance, area: AreaData) -> dict[str, object]:
    """The summary table's figures of one run: the three core metrics (first projected year; the first winter for
    the delay) with their maximum levels, the first year's admissions and placements, and the money over the
    horizon (P50 of the partners' net positions added up and of the variance)."""
    out: dict[str, object] = {"first_fy": results.projection.first_fy}
    for key, m in core_metrics(results, area).items():
        out |= {
            f"{key}_p10": m.p10,
            f"{key}_p50": m.p50,
            f"{key}_p90": m.p90,
            f"{key}_level": m.ambition,
            f"{key}_chance": m.chance,
        }
    head = pipeline.headline(results)
    out["nea_first_fy"] = head["nea_first_fy"]
    out["placements_first_fy"] = head["placements_first_fy"]
    position = fin.allocation.position().sum(axis=1)
    variance = fin.inputs.variance.sum(axis=(1, 2))
    out["net_position_p50_gbp"] = float(quantiles(position, 0.5))
    out["variance_p50_gbp"] = float(quantiles(variance, 0.5))
    out["winter_can_cope"] = None if results.winter is None else bool(results.winter.can_cope)
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}


def run_scenario(scenario: Scenario, area: AreaData, stages: pipeline.Stages) -> tuple[pd.DataFrame, dict]:
    """Run one scenario on one area as ``python -m models run`` does, as a draw table and summary figures.

    Raises
    ------
    ValueError : the scenario is over the workload cap, or the models cannot run on these data (plain words).
    """
    heavy = check_workload(scenario, area)
    if heavy:
        raise ValueError(heavy[0].replace("Use at most", "Use --draws with at most"))
    try:
        results = pipeline.run(scenario, area, stages)
        fin = pipeline.finance(scenario, area, stages)
    except ValueError as err:
        raise ValueError(f"the models cannot run on these data: {err}") from err
    except ArithmeticError as err:
        raise ValueError(
            "the models cannot run on these data: a figure they divide by is zero or too large "
            "(check the population and admissions files)"
        ) from err
    return draw_table(results, fin), summary_record(results, fin, area)


def run_area_task(task: AreaTask) -> list[Outcome]:
    """Run every scenario of a task (the function sent to the executor's workers; module level, so it pickles).

    An error in one scenario is that scenario's outcome (a plain sentence); the others still run.
    """
    with single_threaded():  # also here: a Dask worker runs tasks in threads other than its initialiser's
        return _run_jobs(task)


def _run_jobs(task: AreaTask) -> list[Outcome]:
    stages = pipeline.memo_stages()  # the area's fits once for all its scenarios
    outcomes = []
    for job in task.jobs:
        start = time.perf_counter()
        try:
            table, record = run_scenario(Scenario.from_json(job.scenario_json), task.area, stages)
            outcomes.append(Outcome(task.area_code, job.key, job.fingerprint, table, record))
        except ValueError as err:
            outcomes.append(Outcome(task.area_code, job.key, job.fingerprint, None, error=str(err)))
        except Exception as err:  # noqa: BLE001 - one area's fault must not stop the batch: reported, with its text
            text = str(err) or type(err).__name__
            outcomes.append(
                Outcome(task.area_code, job.key, job.fingerprint, None, error=f"the run stopped unexpectedly: {text}")
            )
        outcomes[-1] = _timed(outcomes[-1], time.perf_counter() - start)
    return outcomes


def _timed(o: Outcome, seconds: float) -> Outcome:
    return Outcome(o.area_code, o.key, o.fingerprint, o.draws, o.record, o.error, round(seconds, 3))
