"""The batch runner: every area × scenario through the one pipeline, on any ``concurrent.futures.Executor``.

:func:`plan_batch` opens the areas, resolves each scenario for each area (a scenario file as it is, or the area's
own preset), gives it the area's seed (:func:`models.batch.tasks.task_scenario`) and leaves out what the output
folder already holds for the same inputs. :func:`run_batch` sends one task per area to an executor — a local
process pool (:func:`process_executor`), Dask distributed (:mod:`models.batch.cluster`) or :class:`SerialExecutor`
— writes each result as it arrives (:mod:`models.batch.store`) and returns the summary table.

Failures: an area that cannot be opened, a scenario the models cannot run (each with its reason), an exception in
a worker, and a worker process that dies (killed, out of memory: ``BrokenProcessPool``). After a dead worker the
pool is started again and the areas that were running in it are tried once more (``max_attempts``); the others
finish either way. A run killed outright resumes: rerun the same command and what is done is skipped.
"""

from __future__ import annotations

import multiprocessing
import re
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from models.batch import store
from models.batch.areas import AreaRef, open_ref
from models.batch.progress import Progress
from models.batch.tasks import AreaTask, Outcome, ScenarioJob, fingerprint, run_area_task, task_scenario
from models.batch.worker import init_worker
from models.inputs.areas import AreaData, load_area
from models.pipeline.guards import check_area
from models.scenario import Scenario, presets
from models.scenario.files import ScenarioFileError, read_scenario_path

PRESET_PREFIX = "preset:"


class BatchProblem(ValueError):
    """A problem with the batch's inputs, in plain words (the command exits with status 2)."""


@dataclass(frozen=True)
class ScenarioSource:
    """A scenario of the batch: from a file (the same scenario for every area) or an area's own preset.

    ``key``: file-safe and unique in the batch (names the result files); ``label``: as given.
    """

    key: str
    label: str
    scenario: Scenario | None = None
    preset: str | None = None

    def for_area(self, area: AreaData) -> Scenario:
        """The scenario to run on ``area`` (before its seed and draws are set)."""
        if self.scenario is not None:
            return self.scenario
        choices = presets(area)
        match = next((s for name, s in choices.items() if name.casefold() == str(self.preset).casefold()), None)
        if match is None:
            raise BatchProblem(f"the area has no preset {self.preset!r} (presets: {'; '.join(choices)})")
        return match


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:60] or "scenario"


def read_sources(specs: Sequence[str]) -> list[ScenarioSource]:
    """The ``--scenarios`` values: scenario JSON files (as saved by the app) or ``preset:NAME`` (each area's own
    preset of that name, e.g. ``preset:Baseline``, built from the area's defaults).

    Raises
    ------
    BatchProblem : a file that cannot be read or is not a scenario (plain words, as ``python -m models run``).
    """
    out: list[ScenarioSource] = []
    seen: Counter[str] = Counter()
    for spec in specs:
        if spec.lower().startswith(PRESET_PREFIX):
            name = spec[len(PRESET_PREFIX) :].strip()
            if not name:
                raise BatchProblem(f"--scenarios {spec!r}: give the preset's name, e.g. preset:Baseline")
            src = ScenarioSource(key=_slug(name), label=spec, preset=name)
        else:
            src = ScenarioSource(key=_slug(Path(spec).stem), label=spec, scenario=_read_scenario(Path(spec)))
        seen[src.key] += 1
        key = src.key if seen[src.key] == 1 else f"{src.key}-{seen[src.key]}"
        out.append(ScenarioSource(key, src.label, src.scenario, src.preset))
    return out


def _read_scenario(path: Path) -> Scenario:
    try:
        return read_scenario_path(path, what="a scenario JSON file or preset:NAME")
    except ScenarioFileError as err:
        raise BatchProblem(str(err)) from err


@dataclass
class BatchPlan:
    """What a batch will do: the tasks to run and a summary row for every area × scenario.

    ``rows``: by ``AREA/SCENARIO``, the summary's identifying columns, plus status, reason and figures for those
    already settled (done before, or failed before running: an area that cannot be opened …).
    """

    tasks: list[AreaTask] = field(default_factory=list)
    rows: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return sum(len(t.jobs) for t in self.tasks)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.rows.values() if r.get("status") == "done")


def _base_row(ref: AreaRef, src: ScenarioSource, area: AreaData | None) -> dict[str, object]:
    return {
        "area_code": ref.code,
        "area_name": area.meta.name if area is not None else ref.name,
        "region": ref.region,
        "icb_codes": "; ".join(ref.icb_codes),
        "scenario": src.key,
        "scenario_name": src.scenario.name if src.scenario is not None else str(src.preset),
        "status": "pending",
        "reason": "",
    }


def plan_batch(
    refs: Sequence[AreaRef],
    sources: Sequence[ScenarioSource],
    out: Path,
    draws: int | None = None,
    seed_mode: str = "area",
) -> BatchPlan:
    """Open each area and settle what each area × scenario needs (run, already done, or failed with its reason)."""
    manifest = store.read_manifest(out)
    demo, _ = load_area()  # the reference the app and the command line check an area's files against
    plan = BatchPlan()
    for ref in refs:
        area, problems = open_ref(ref, demo)
        if area is not None:
            problems = check_area(area, demo)
        jobs = []
        for src in sources:
            row = _base_row(ref, src, area)
            plan.rows[store.entry_key(ref.code, src.key)] = row
            if area is None or problems:
                row |= {"status": "failed", "reason": "the area's data cannot be used: " + "; ".join(problems[:5])}
                continue
            try:
                sc = task_scenario(src.for_area(area), ref.code, seed_mode, draws)
            except (BatchProblem, ValueError) as err:
                row |= {"status": "failed", "reason": str(err)}
                continue
            fp = fingerprint(area, sc)
            row |= {"seed": sc.seed, "draws": sc.n_draws, "scenario_name": sc.name, "fingerprint": fp}
            if store.is_done(out, manifest, ref.code, src.key, fp):
                entry = manifest[store.entry_key(ref.code, src.key)]
                row |= {k: v for k, v in entry.items() if k not in row or k in ("status", "seconds", "file")}
            else:
                jobs.append(ScenarioJob(src.key, sc.to_json(), fp))
        if jobs:
            plan.tasks.append(AreaTask(ref.code, area, tuple(jobs)))  # type: ignore[arg-type]
    return plan


class SerialExecutor(Executor):
    """Runs each task at once in this process, as it is submitted (the reference the pools are compared with; no
    worker overhead). Use it with ``in_flight=1`` so that each result is written before the next task runs."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:  # noqa: ANN401
        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future, as a pool would
            f.set_exception(err)
        return f


def process_executor(workers: int, numba_cache: str | None = None) -> ProcessPoolExecutor:
    """A local pool of ``workers`` processes, each with one BLAS and one Numba thread (:func:`init_worker`).

    Spawned, not forked: a fresh process reads the thread settings before NumPy and Numba load (a fork would copy
    whatever threads the parent has already started).
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(numba_cache,),
    )


def _record(out: Path, o: Outcome, row: dict[str, object], manifest: dict[str, dict[str, object]]) -> None:
    """Write one outcome (its file first, then the manifest: a file without a manifest entry is simply rerun)."""
    row |= {"seconds": o.seconds}
    if o.error or o.draws is None:
        row |= {"status": "failed", "reason": o.error or "no result"}
    else:
        meta = {k: row.get(k) for k in ("area_code", "scenario", "scenario_name", "seed", "draws", "fingerprint")}
        path = store.write_result(out, o.area_code, o.key, o.draws, meta)
        row |= {"status": "done", "reason": "", "file": str(path.relative_to(out)), **o.record}
    manifest[store.entry_key(o.area_code, o.key)] = dict(row)
    store.write_manifest(out, manifest)


def _settle_dead(
    task: AreaTask,
    n: int,
    out: Path,
    plan: BatchPlan,
    manifest: dict[str, dict[str, object]],
    progress: Progress | None,
) -> None:
    """Record every scenario of an area whose worker died on each of its ``n`` attempts as failed."""
    for o in _fail_task(task, DIED.format(n=n)):
        _record(out, o, plan.rows[store.entry_key(o.area_code, o.key)], manifest)
        if progress is not None:
            progress.update(failed=1)


def _fail_task(task: AreaTask, reason: str) -> list[Outcome]:
    return [Outcome(task.area_code, j.key, j.fingerprint, None, error=reason) for j in task.jobs]


DIED = (
    "the worker process running this area stopped (killed, or out of memory) on each of {n} attempts; "
    "the other areas carried on"
)


def run_batch(
    plan: BatchPlan,
    out: Path,
    make_executor: Callable[[], Executor],
    *,
    in_flight: int | None = None,
    max_attempts: int = 2,
    progress: Progress | None = None,
    task_fn: Callable[[AreaTask], list[Outcome]] = run_area_task,
) -> pd.DataFrame:
    """Run the plan's tasks, write each result as it arrives, and write and return the summary table.

    Parameters
    ----------
    make_executor : gives a fresh executor (called again after a worker process died and broke the pool).
    in_flight : tasks submitted at a time (None: all at once). A process pool uses its number of workers, so that
        a dead worker breaks the pool under as few areas as possible.
    max_attempts : tries of an area whose worker died. The areas that were running when a worker died are tried
        again one at a time (a pool of one task): only an area whose worker dies while it runs alone is charged
        an attempt, so an area that merely ran beside it is never reported as failed.
    task_fn : the task function (module level, so it pickles; tests pass a wrapper).
    """
    out.mkdir(parents=True, exist_ok=True)
    manifest = store.read_manifest(out)
    settled = {k: r for k, r in plan.rows.items() if r["status"] != "pending"}
    for k, r in settled.items():
        if r["status"] == "failed":
            manifest[k] = dict(r)
    store.write_manifest(out, manifest)
    if progress is not None:
        progress.update(failed=sum(1 for r in settled.values() if r["status"] == "failed"))
    pending = {t.area_code: t for t in plan.tasks}
    attempts: Counter[str] = Counter()
    suspects: set[str] = set()  # running when a worker died: tried again one at a time, to find which one did
    try:
        while pending:
            alone = bool(suspects) or in_flight == 1  # one task at a time: a dead worker names its area
            batch = {c: t for c, t in pending.items() if c in suspects} if suspects else dict(pending)
            tried = set(batch)
            died = _one_pool(batch, out, plan, manifest, make_executor, 1 if alone else in_flight, progress, task_fn)
            for code in tried - set(batch):  # finished (done or failed in the worker): _one_pool removed them
                del pending[code]
                suspects.discard(code)
            if alone:
                for code in died:  # it ran alone: it is the one whose worker died
                    attempts[code] += 1
                    suspects.discard(code)
                    if attempts[code] >= max_attempts:
                        _settle_dead(pending.pop(code), attempts[code], out, plan, manifest, progress)
                    else:
                        suspects.add(code)
            else:
                suspects |= set(died)
    finally:
        if progress is not None:
            progress.close()
        summary = store.write_summary(out, list(plan.rows.values()))
    return summary


def _one_pool(
    pending: dict[str, AreaTask],
    out: Path,
    plan: BatchPlan,
    manifest: dict[str, dict[str, object]],
    make_executor: Callable[[], Executor],
    in_flight: int | None,
    progress: Progress | None,
    task_fn: Callable[[AreaTask], list[Outcome]],
) -> list[str]:
    """Run pending tasks on one executor until all are done or its pool breaks; returns the areas that were
    running when a worker died (empty when none did). Finished areas leave ``pending``."""
    queue = list(pending)
    running: dict[Future, str] = {}
    died: list[str] = []
    executor = make_executor()
    broken = False
    try:
        while queue or running:
            while queue and not broken and (in_flight is None or len(running) < in_flight):
                code = queue.pop(0)
                running[executor.submit(task_fn, pending[code])] = code
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in finished:
                code = running.pop(fut)
                try:
                    outcomes = fut.result()
                except BrokenExecutor:  # a worker process died: every task running in the pool fails with this
                    broken = True
                    died.append(code)
                    continue
                except Exception as err:  # noqa: BLE001 - e.g. Dask's KilledWorker: this area fails, others go on
                    outcomes = _fail_task(pending[code], f"the worker could not run it: {err}")
                for o in outcomes:
                    _record(out, o, plan.rows[store.entry_key(o.area_code, o.key)], manifest)
                    if progress is not None:
                        progress.update(ok=int(not o.error), failed=int(bool(o.error)))
                del pending[code]
            if broken and not running:
                break
    finally:
        if isinstance(executor, ProcessPoolExecutor):
            executor.shutdown(wait=not broken, cancel_futures=True)
        else:  # Dask's ClientExecutor takes no cancel_futures
            executor.shutdown(wait=not broken)
    return died
