"""``python -m models batch …``: many areas × scenarios in one command (docs/batch.md).

    python -m models batch --areas DIR|AREA|ICB|REGION|all [...] --scenarios FILE|preset:NAME [...] --out DIR
        [--executor process|dask|serial] [--workers N] [--scheduler ADDRESS] [--draws N] [--areas-dir DIR]
        [--seed-mode area|scenario] [--numba-cache DIR] [--max-attempts N] [--no-progress]

Exit status: 0 every area × scenario is done; 1 some failed (each with its reason in OUT/summary.csv and on
standard error); 2 a problem with the inputs (plain words on standard error, nothing run); 130 interrupted (rerun
the same command to resume).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from models.batch import store
from models.batch.areas import SelectionProblem, select_areas
from models.batch.cluster import DaskMissing, DaskSession
from models.batch.progress import Progress
from models.batch.rollup import RollupProblem, core_metrics_table, core_metrics_view, rollup_summary
from models.batch.runner import BatchProblem, SerialExecutor, plan_batch, process_executor, read_sources, run_batch
from models.batch.tasks import SEED_MODES
from models.core.paths import areas_dir
from models.scenario import Scenario

EXECUTORS = ("process", "dask", "serial")
_DRAWS_BOUNDS = Scenario.model_fields["n_draws"].metadata  # the scenario's own limits (annotated_types Ge, Le)
MIN_DRAWS = int(next(m.ge for m in _DRAWS_BOUNDS if hasattr(m, "ge")))
MAX_DRAWS = int(next(m.le for m in _DRAWS_BOUNDS if hasattr(m, "le")))


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``batch`` command's options (the caller adds the sub-command: ``sub.add_parser("batch", …)``)."""
    parser.add_argument(
        "--areas",
        nargs="+",
        required=True,
        metavar="AREAS",
        help="'all', area codes, ICB codes or names, region names, or area folders (several allowed)",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        required=True,
        metavar="SCENARIO",
        help="scenario JSON files (run as they are) or preset:NAME (each area's own preset, e.g. preset:Baseline)",
    )
    parser.add_argument("--out", type=Path, required=True, help="results folder (a rerun skips what is done)")
    parser.add_argument("--executor", choices=EXECUTORS, default="process", help="where the tasks run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local worker processes")
    parser.add_argument(
        "--scheduler",
        default=os.environ.get("DASK_SCHEDULER_ADDRESS") or None,
        help="a Dask scheduler's address, e.g. tcp://host:8786 (implies --executor dask; default: the "
        "DASK_SCHEDULER_ADDRESS setting, which the Dask Kubernetes operator gives a DaskJob)",
    )
    parser.add_argument(
        "--draws", type=int, help=f"Monte Carlo draws ({MIN_DRAWS}-{MAX_DRAWS}; default: each scenario's)"
    )
    parser.add_argument(
        "--areas-dir", type=Path, help="where area codes, ICBs and regions are looked up (BCF_AREAS_DIR)"
    )
    parser.add_argument(
        "--seed-mode",
        choices=SEED_MODES,
        default="area",
        help="'area': each area its own seed from the scenario's (default); 'scenario': the scenario's seed as it is",
    )
    parser.add_argument("--numba-cache", help="Numba cache folder shared by the workers (NUMBA_CACHE_DIR)")
    parser.add_argument("--max-attempts", type=int, default=2, help="tries of an area whose worker process died")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")


def _check(args: argparse.Namespace) -> None:
    if args.draws is not None and not MIN_DRAWS <= args.draws <= MAX_DRAWS:
        raise BatchProblem(f"--draws must be from {MIN_DRAWS} to {MAX_DRAWS:,} (got {args.draws})")
    if args.workers < 1:
        raise BatchProblem(f"--workers must be at least 1 (got {args.workers})")
    if args.max_attempts < 1:
        raise BatchProblem(f"--max-attempts must be at least 1 (got {args.max_attempts})")
    try:
        store.check_out(args.out)
    except store.StoreProblem as err:
        raise BatchProblem(str(err)) from err


def _executor(args: argparse.Namespace, stack: ExitStack) -> tuple[Callable[[], Executor], int | None]:
    """A factory of executors for the chosen kind, and how many tasks to keep in flight."""
    cache = args.numba_cache or os.environ.get("NUMBA_CACHE_DIR")
    if args.executor == "dask" or args.scheduler:
        session = stack.enter_context(DaskSession(args.scheduler, args.workers, cache))
        return session.executor, None
    if args.executor == "serial":
        return SerialExecutor, 1  # one at a time: each result is written as soon as it is made
    return (lambda: process_executor(args.workers, cache)), args.workers


def run_batch_command(args: argparse.Namespace) -> int:
    """Run ``python -m models batch`` with parsed ``args``: 0 all done, 1 some failed, 2 bad inputs, 130 stopped."""
    try:
        _check(args)
        refs = select_areas(args.areas, args.areas_dir or areas_dir())
        sources = read_sources(args.scenarios)
        plan = plan_batch(refs, sources, args.out, args.draws, args.seed_mode)
        with ExitStack() as stack:
            make, in_flight = _executor(args, stack)
            total = len(plan.rows)
            bar = None if args.no_progress else Progress(total, done=plan.skipped)
            print(
                f"{len(refs)} areas × {len(sources)} scenarios: {plan.pending} to run, {plan.skipped} already done",
                file=sys.stderr,
            )
            summary = run_batch(plan, args.out, make, in_flight=in_flight, max_attempts=args.max_attempts, progress=bar)
    except (SelectionProblem, BatchProblem, DaskMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"stopped: what finished is in {args.out}; run the same command again to resume", file=sys.stderr)
        return 130
    _report(summary, args.out, sources)
    return 1 if (summary["status"] != "done").any() else 0


def _report(summary: pd.DataFrame, out: Path, sources: list) -> None:
    """The failures, and each scenario's roll-up of the areas done, on standard error; the roll-up files in out."""
    for row in summary.loc[summary["status"] != "done"].itertuples():
        print(f"failed: {row.area_code} {row.area_name} / {row.scenario_name}: {row.reason}", file=sys.stderr)
    for src in sources:
        tables, levels, names = store.done_tables(out, summary, src.key)
        if len(tables) < 2:
            continue
        try:
            roll = rollup_summary(tables)
            metrics = core_metrics_table(tables, levels, names)
        except RollupProblem as err:
            print(f"no roll-up of {src.label}: {err}", file=sys.stderr)
            continue
        roll.to_csv(out / f"rollup_{src.key}.csv", index=False)
        metrics.to_csv(out / f"rollup_{src.key}_core_metrics.csv", index=False)
        total = core_metrics_view(metrics.loc[metrics["place"] == "Total"])
        print(f"\nroll-up of {len(tables)} areas, {src.label} (draw by draw; rollup_{src.key}.csv):", file=sys.stderr)
        print(total.drop(columns=["Place", "Share of the total"]).to_string(index=False), file=sys.stderr)
    done = int((summary["status"] == "done").sum())
    print(f"\n{done} of {len(summary)} done; summary in {out / 'summary.csv'}", file=sys.stderr)
