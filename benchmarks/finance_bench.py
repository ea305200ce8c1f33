"""Finance benchmarks (issue 11): printed JSON lines like benchmarks/run.py's ``record``.

- ``finance_recompute_ms_median``: one risk-share term changed, 1,000 draws: pricing, the
  allocation and the summary / statement tables from the cached activity (what the page reruns).
- ``tornado_ms``: every tornado input, 1,000 draws, from cached fits, base paths and the plan run
  (the re-projections and the allocations).

    python benchmarks/finance_bench.py [--quick]

``run(record)`` lets benchmarks/run.py print these with its own ``record``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _record(metric: str, value: float, unit: str, target: str = "") -> None:
    row = {"metric": metric, "value": round(float(value), 4), "unit": unit}
    if target:
        row["target"] = target
    print(json.dumps(row), flush=True)


def run(record: Callable[..., None] = _record, quick: bool = False) -> None:
    from models import pipeline
    from models.inputs.areas import load_area
    from models.money import riskshare
    from models.scenario import evolve, presets

    area, _ = load_area()
    sc = presets(area)["Move £1m, and the savings don't materialise"]
    sc = evolve(sc, n_draws=1000)
    stages = pipeline.memo_stages()
    fin = pipeline.finance(sc, area, stages)
    act = fin.activity

    times = []
    reps = 5 if quick else 21
    for i in range(reps):
        changed = evolve(sc, risk_share={"overspend_split": (0.3 + 0.02 * i, 0.7 - 0.02 * i)})
        t = time.perf_counter()
        riskshare.finance_from_activity(changed, act, 1_000_000.0)
        times.append((time.perf_counter() - t) * 1000)
    record("finance_recompute_ms_median", statistics.median(times), "ms", "<= 150")

    t = time.perf_counter()
    pipeline.tornado(sc, area, stages)
    record("tornado_ms", (time.perf_counter() - t) * 1000, "ms", "<= 3000")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    run(quick=ap.parse_args().quick)


if __name__ == "__main__":
    main()
