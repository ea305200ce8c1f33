"""Optimiser benchmark (issue 24): time to the cheapest mix for the demo area with 1,000 draws, and the work.

Printed JSON lines like benchmarks/run.py's ``record`` (figures, not timed assertions; target: under 10 s on the
2-core machine for the answer with its ± 1 unit curve):

- ``optimiser_one_simulation_s``: one candidate's winter on all 1,000 draws (the unit of work);
- ``optimiser_cold_s``: the answer from an empty evaluation cache (the scenario's own projection and winter ready,
  as the app has them cached), with ``…_candidates_search``, ``…_candidates_full``, ``…_simulations`` and
  ``…_draws_simulated`` (one draw = one winter of one candidate);
- ``optimiser_cold_in_simulations``: that time in units of ``optimiser_one_simulation_s`` (the load cancels out:
  multiply by the idle machine's time for one simulation, 0.58 s, for the idle machine's answer);
- ``optimiser_curve2_extra_s``: widening the cost curve to ± 2 units afterwards (the ± 1 points are remembered);
- ``optimiser_warm_s``: the same request again (every candidate remembered);
- ``optimiser_no_target_s``: the cheapest mix of capacity and outcomes without the delay target, cold;
- ``load_average_1min``: the machine's load when measured (the machine is shared: figures scale with it).

    python benchmarks/optimise.py [--draws N]
"""

from __future__ import annotations

import argparse
import json
import os
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


def run(record: Callable[..., None] = _record, draws: int = 1000) -> None:
    from models import pipeline
    from models.flow.simulate import simulate_flow
    from models.inputs.areas import load_area
    from models.pipeline import optimise as opt
    from models.scenario import baseline, evolve

    area, _ = load_area()
    sc = evolve(baseline(area), n_draws=draws)
    stages = pipeline.memo_stages()
    t = time.perf_counter()
    p = stages.projection(sc, area)
    w = stages.winter(sc, area, p)
    record("scenario_projection_and_winter_s", time.perf_counter() - t, "s")
    simulate_flow(w.arrivals_per_day[:10], w.params, 10, w.seed)  # the kernel loaded (compiled once per machine)
    t = time.perf_counter()
    simulate_flow(w.arrivals_per_day, w.params, w.run.n_reps, w.seed)
    one = time.perf_counter() - t
    record("optimiser_one_simulation_s", one, "s", f"{w.run.n_reps} draws")

    cache = opt.EvaluationCache(maxsize=4096)
    r = opt.optimise(sc, area, opt.Settings(), projection=p, winter=w, cache=cache)
    record("optimiser_cold_s", r.seconds, "s", "< 10 s")
    record("optimiser_cold_candidates_search", r.evals_search, "candidates", f"on {r.draws_search} draws")
    record("optimiser_cold_candidates_full", r.evals_full, "candidates", f"on {r.draws_full} draws")
    record("optimiser_cold_simulations", r.simulations, "simulations")
    record("optimiser_cold_draws_simulated", r.draws_simulated, "draw-winters")
    # machine-independent: the answer's wall time in units of one 1,000-draw winter measured just before
    record("optimiser_cold_in_simulations", r.seconds / one, "simulations of all draws", "× the idle time of one")
    r2 = opt.optimise(sc, area, opt.Settings(curve_units=2), projection=p, winter=w, cache=cache)
    record("optimiser_curve2_extra_s", r2.seconds, "s", f"{r2.simulations} more simulations")
    r3 = opt.optimise(sc, area, opt.Settings(), projection=p, winter=w, cache=cache)
    record("optimiser_warm_s", r3.seconds, "s", f"{r3.simulations} simulations")
    r4 = opt.optimise(sc, area, opt.Settings(target_prob=None), projection=p, winter=w, cache=opt.EvaluationCache())
    record("optimiser_no_target_s", r4.seconds, "s", f"{r4.simulations} simulations")
    record("load_average_1min", os.getloadavg()[0], "processes", "2 cores, shared")
    print("\n".join(opt.answer_lines(r)), file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    run(draws=ap.parse_args().draws)


if __name__ == "__main__":
    main()
