"""Area builder benchmark (issue 21): time and peak memory to build every Health and Wellbeing Board area.

Printed JSON lines like benchmarks/run.py's ``record``:

- ``areas_build_all_s``: ``build_all`` of the 153 areas from the public files into a temporary folder (read,
  reconcile, derive, validate with the app's readers, write);
- ``areas_build_one_s``: one area (``--only E09000015``): the cost of the reads and checks every build pays;
- ``areas_build_peak_rss_mb``: the process's peak resident memory after the builds (``resource``);
- ``areas_build_traced_peak_mb``: with ``--trace``, the peak of Python allocations during one full build
  (``tracemalloc``; slower, so reported apart from the timings).

    python benchmarks/area_builder.py [--from DIR] [--trace]

The public files are read from ``BCF_REALDATA_DIR/areas`` (default ``../shared/realdata/areas``); nothing is
written outside a temporary folder. Exit status 2 with a message when the files are not there.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.inputs.builder.build import build_all, default_source_dir  # noqa: E402 - after the path is set


def _record(metric: str, value: float, unit: str, note: str = "") -> None:
    row = {"metric": metric, "value": round(float(value), 3), "unit": unit}
    if note:
        row["note"] = note
    print(json.dumps(row), flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--from", dest="source", type=Path, default=default_source_dir())
    p.add_argument("--trace", action="store_true", help="also measure the peak of Python allocations (tracemalloc)")
    args = p.parse_args()
    if not (args.source / "drd_utla_monthly.csv").is_file():
        print(f"error: the public area files are not in {args.source} (set BCF_REALDATA_DIR)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        report = build_all(args.source, Path(tmp) / "all")
        elapsed = time.perf_counter() - t
        built = int((report.index["built"] == "yes").sum())
        _record("areas_build_all_s", elapsed, "s", f"{built} of {len(report.index)} areas built")
        _record("areas_build_per_area_ms", elapsed / len(report.index) * 1000, "ms")
        t = time.perf_counter()
        build_all(args.source, Path(tmp) / "one", ["E09000015"])
        _record("areas_build_one_s", time.perf_counter() - t, "s", "--only E09000015 (Harrow)")
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
        _record("areas_build_peak_rss_mb", peak_kb / 1024, "MB", "whole process, Python and pandas included")
        size = sum(f.stat().st_size for f in (Path(tmp) / "all").rglob("*") if f.is_file())
        _record("areas_build_output_mb", size / 1e6, "MB", "153 folders, index.csv and reconciliation.csv")
        if args.trace:
            tracemalloc.start()
            build_all(args.source, Path(tmp) / "traced")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            _record(
                "areas_build_traced_peak_mb",
                peak / 2**20,
                "MB",
                "peak traced allocations in one full build (pyarrow-backed text columns are not traced)",
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
