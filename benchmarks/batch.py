"""Benchmark: a batch of areas × scenarios serially, on the local process pool and on a local Dask cluster.

    python benchmarks/batch.py [--areas 20] [--draws 1000] [--workers 2] [--areas-dir DIR] [--no-dask]

Runs the first ``--areas`` built areas of ``--areas-dir`` (default ``BCF_AREAS_DIR``; build them with ``python -m
models areas build``) with three presets each (the baseline, +15 Home First starts a week, move £1m into Home
First), writing into a temporary folder, and prints for each executor the wall time, the speed-up over the serial
run, the per-task overhead and the largest worker's peak memory, checks that every executor gave the serial run's
draw tables exactly, and projects the time for all areas on N cores. Figures are printed, not asserted: they
depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from models.batch import store  # noqa: E402
from models.batch.areas import read_index  # noqa: E402
from models.batch.cluster import DaskMissing, DaskSession  # noqa: E402
from models.batch.runner import SerialExecutor, plan_batch, process_executor, read_sources, run_batch  # noqa: E402
from models.core.paths import areas_dir  # noqa: E402

SCENARIOS = [
    "preset:Baseline",
    "preset:+15 Home First starts a week",
    "preset:Move £1m from social care into Home First",
]
ALL_AREAS = 153  # Health and Wellbeing Board areas, April 2023 geography


def _run(label: str, refs: list, out: Path, draws: int, make, in_flight: int | None) -> tuple[float, pd.DataFrame]:
    sources = read_sources(SCENARIOS)
    plan = plan_batch(refs, sources, out, draws)
    start = time.perf_counter()
    summary = run_batch(plan, out, make, in_flight=in_flight)
    wall = time.perf_counter() - start
    failed = summary.loc[summary["status"] != "done"]
    print(f"{label:<28} {wall:8.1f} s   {len(summary) - len(failed)} done, {len(failed)} failed", flush=True)
    for r in failed.itertuples():
        print(f"    failed: {r.area_code} / {r.scenario}: {r.reason}")
    return wall, summary


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {
        f"{p.parent.name}/{p.stem}": store.read_result(p) for p in sorted((out / store.RESULTS).glob("*/*.parquet"))
    }


def _same(a: Path, b: Path) -> str:
    ta, tb = _tables(a), _tables(b)
    if set(ta) != set(tb):
        return "DIFFERENT (other results)"
    bad = [k for k in ta if not ta[k].equals(tb[k])]
    return "identical to the serial run" if not bad else f"DIFFERENT in {len(bad)} results"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--areas", type=int, default=20)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--areas-dir", type=Path, default=areas_dir())
    p.add_argument("--no-dask", action="store_true")
    args = p.parse_args()
    refs = [r for r in read_index(args.areas_dir) if r.built][: args.areas]
    if not refs:
        sys.exit(f"no built areas in {args.areas_dir}: python -m models areas build --out DIR, then --areas-dir DIR")
    n_tasks = len(refs) * len(SCENARIOS)
    print(
        f"{len(refs)} areas × {len(SCENARIOS)} scenarios × {args.draws:,} draws = {n_tasks} runs; "
        f"{os.cpu_count()} CPUs, {args.workers} workers\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        serial, summary = _run("serial (this process)", refs, root / "serial", args.draws, SerialExecutor, 1)
        task_s = float(summary["seconds"].sum())
        w = args.workers
        pool, _ = _run(f"process pool ({w} workers)", refs, root / "pool", args.draws, lambda: process_executor(w), w)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        results = [("process pool", pool, _same(root / "serial", root / "pool"))]
        if not args.no_dask:
            try:
                start = time.perf_counter()
                with DaskSession(workers=w) as dask:
                    up = time.perf_counter() - start
                    wall, _ = _run(
                        f"Dask LocalCluster ({w} workers)", refs, root / "dask", args.draws, dask.executor, None
                    )
                print(f"    (the cluster took {up:.1f} s to start, not counted)")
                results.append(("Dask LocalCluster", wall, _same(root / "serial", root / "dask")))
            except DaskMissing as err:
                print(f"Dask: {err}")
    print(f"\nserial: {serial:.1f} s, {serial / len(refs):.1f} s an area, {serial / n_tasks:.2f} s a run")
    print(
        f"time inside the tasks (serial run): {task_s:.1f} s; per area outside them: {(serial - task_s) / len(refs):.2f} s"
    )
    for label, wall, same in results:
        overhead = (wall * w - serial) / (len(refs))  # worker-seconds a task costs beyond the serial run's
        print(
            f"{label}: speed-up {serial / wall:.2f}× on {w} workers (efficiency {serial / wall / w:.0%}); "
            f"overhead {overhead:+.1f} worker-seconds an area task; results {same}"
        )
    print(f"largest worker process's peak memory (process pool): {peak_mb:,.0f} MB")
    per_area = serial / len(refs)
    eff = max(min(serial / results[0][1] / w, 1.0), 0.1)
    print(f"\nprojected for all {ALL_AREAS} areas × {len(SCENARIOS)} scenarios × {args.draws:,} draws:")
    for cores in (2, 8, 16, 64):
        print(
            f"  {cores:>3} cores: {ALL_AREAS * per_area / (cores * eff) / 60:6.1f} minutes (at the measured efficiency)"
        )


if __name__ == "__main__":
    main()
