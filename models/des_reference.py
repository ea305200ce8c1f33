"""Reference discrete-event simulation (simpy) of the same acute flow system.

Used only by the benchmark and the tests, to check :func:`models.flow.simulate_flow`
against a classic one-object-per-patient DES of the *same* stationary system:

* Poisson arrivals at ``arrival_rate_per_day`` in continuous time;
* each patient is medically ready after ``L ~ LogNormal(los_mu, los_sigma)`` days;
* on readiness a share ``queue_share`` needs a discharge service (the vectorised
  model's P1), the rest leave at once (P0);
* one discharge round per day, at the end of each day (integer times), serves up
  to ``discharge_capacity_per_day`` waiting patients first-come-first-served
  (fractional capacity by the same stochastic rounding ``floor(c + U)``);
  waiting patients stay in their bed;
* ``beds`` funded beds: ``overflow="queue"`` admits everyone (census may exceed
  beds), ``"lost"`` refuses arrivals finding ``beds`` inpatients;
* the census (inpatients and waiting patients) is recorded at the end of each day,
  just after the discharge round - exactly where the daily model takes its census.

Discretisation: the daily model draws ``D = floor(U + L)`` censuses per stay, the
exact count the DES produces for a patient arriving at phase ``U`` of the day,
so in ``"queue"`` mode the two models have the same steady-state census and
delayed-days distribution (up to the daily model's truncation of stays at
``max_stay_days``). The comparison uses steady-state means after a warm-up.
In ``"lost"`` mode they differ slightly (the daily model lets a bed freed during
a day be used by any of that day's arrivals).

Never imports streamlit.
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np
import simpy

from models.flow import FlowParams, simulate_flow

__all__ = ["run_des", "benchmark_vs_des"]


def _one_rep(
    rng: np.random.Generator,
    lam: float,
    mu: float,
    sigma: float,
    beds: int,
    cap: float,
    queue_share: float,
    days: int,
    warmup: int,
    overflow: str,
) -> tuple[float, float, int, int]:
    env = simpy.Environment()
    state = {"inpatients": 0, "arrivals": 0, "refused": 0}
    waiting: list[float] = []  # ready times, FCFS
    census: list[int] = []
    delayed: list[int] = []

    def patient(stay: float, needs_service: bool):
        yield env.timeout(stay)
        if needs_service:
            waiting.append(env.now)
        else:
            state["inpatients"] -= 1

    def arrivals():
        while True:
            yield env.timeout(rng.exponential(1.0 / lam))
            counted = env.now >= warmup
            if counted:
                state["arrivals"] += 1
            if overflow == "lost" and state["inpatients"] >= beds:
                if counted:
                    state["refused"] += 1
                continue
            state["inpatients"] += 1
            env.process(patient(rng.lognormal(mu, sigma), rng.random() < queue_share))

    def discharge_round():
        day = 0
        while True:
            yield env.timeout(1.0)
            day += 1
            c = math.inf if math.isinf(cap) else math.floor(cap + rng.random())
            n = int(min(len(waiting), c))
            if n:
                del waiting[:n]
                state["inpatients"] -= n
            if day > warmup:
                census.append(state["inpatients"])
                delayed.append(len(waiting))

    env.process(arrivals())
    env.process(discharge_round())
    env.run(until=warmup + days + 0.5)
    return float(np.mean(census)), float(np.mean(delayed)), state["arrivals"], state["refused"]


def run_des(
    arrival_rate_per_day: float,
    los_mu: float,
    los_sigma: float,
    beds: int,
    discharge_capacity_per_day: float,
    days: int,
    n_reps: int,
    seed: int,
    *,
    queue_share: float = 1.0,
    warmup_days: int = 60,
    overflow: Literal["queue", "lost"] = "queue",
) -> dict[str, float]:
    """Run the simpy reference model.

    Parameters
    ----------
    arrival_rate_per_day : float
        Poisson arrival rate (patients/day).
    los_mu, los_sigma : float
        Log-normal parameters of days to medically ready.
    beds : int
        Funded beds (only limit admissions when ``overflow="lost"``).
    discharge_capacity_per_day : float
        Patients the daily discharge round can serve (``math.inf`` = unlimited).
    days : int
        Days recorded per replication after ``warmup_days``.
    n_reps : int
        Independent replications.
    seed : int
        Seed of ``numpy.random.default_rng``.
    queue_share : float
        Share of ready patients who need the discharge service.
    warmup_days : int
        Days discarded at the start (the DES starts empty).
    overflow : {"queue", "lost"}
        As in :class:`models.flow.FlowParams`.

    Returns
    -------
    dict
        ``mean_occupancy`` (mean end-of-day census, beds), ``delayed_days_per_day``
        (mean waiting patients at census = delayed bed-days per day),
        ``refused_share``, ``occupancy_se``, ``delayed_se`` (standard errors over
        replications), ``seconds`` (wall time).
    """
    if n_reps < 1 or days < 1:
        raise ValueError("n_reps and days must be >= 1")
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    occ, dly, arr, ref = [], [], 0, 0
    for _ in range(int(n_reps)):
        o, d, a, r = _one_rep(
            rng,
            float(arrival_rate_per_day),
            float(los_mu),
            float(los_sigma),
            int(beds),
            float(discharge_capacity_per_day),
            float(queue_share),
            int(days),
            int(warmup_days),
            overflow,
        )
        occ.append(o)
        dly.append(d)
        arr += a
        ref += r
    n = len(occ)

    def se(x: list[float]) -> float:
        return float(np.std(x, ddof=1) / math.sqrt(n)) if n > 1 else float("nan")

    return {
        "mean_occupancy": float(np.mean(occ)),
        "delayed_days_per_day": float(np.mean(dly)),
        "refused_share": ref / arr if arr else 0.0,
        "occupancy_se": se(occ),
        "delayed_se": se(dly),
        "seconds": time.perf_counter() - t0,
    }


def benchmark_vs_des(
    arrival_rate_per_day: float = 70.0,
    los_mu: float = 1.0144,
    los_sigma: float = 1.0069,
    queue_share: float = 0.45,
    discharge_capacity_per_day: float = 34.0,
    beds: int = 400,
    des_reps: int = 4,
    des_days: int = 1500,
    vec_reps: int = 1000,
    vec_days: int = 182,
    seed: int = 2024,
    *,
    quick: bool = False,
) -> dict[str, float]:
    """Vectorised daily model vs the simpy DES on the same stationary system.

    ``quick=True`` runs a short DES (2 x 600 days) and a smaller vectorised
    comparison run, for a benchmark that finishes in seconds; its delayed-days
    standard error is too large to judge a 2% difference. The default full run
    uses ``des_reps`` x ``des_days`` (raise them to tighten the comparison).

    Defaults: 70 arrivals/day, log-normal fitted to Harrow's 10.9% / 5.6% 14+/21+
    shares (mean ~4.6 days), 45% of ready patients needing a Home First start
    with 34 starts/day (utilisation ~93%).

    Method: the vectorised model is timed on ``vec_reps`` x ``vec_days`` (after a
    28-day warm-up), best of 3. The DES runs ``des_reps`` x ``des_days`` days;
    its time is scaled linearly to 1,000 x 182 replication-days (DES cost is
    proportional to simulated patients) to give the speed-up. Steady-state
    means are compared: the vectorised run for the comparison uses 120 extra
    warm-up days and its own long window.

    Returns
    -------
    dict
        ``flow_sim_ms_1000x182``, ``des_ms_1000x182_scaled``, ``flow_vs_des_speedup``,
        ``vec_mean_occupancy``, ``des_mean_occupancy``, ``vec_delayed_days``,
        ``des_delayed_days`` (delayed bed-days per day), ``occupancy_rel_diff``,
        ``delayed_rel_diff``, plus standard errors.
    """
    params = FlowParams(
        core_beds=beds,
        los_mu=los_mu,
        los_sigma=los_sigma,
        pathway_shares=(1.0 - queue_share, queue_share, 0.0, 0.0),
        p1_starts_per_week=7.0 * discharge_capacity_per_day,
    )
    if quick:
        des_reps, des_days = min(des_reps, 2), min(des_days, 600)
    lam = np.full(vec_days, float(arrival_rate_per_day))
    times = []
    for k in range(3):
        t0 = time.perf_counter()
        simulate_flow(lam, params, vec_reps, np.random.default_rng(seed + k))
        times.append(time.perf_counter() - t0)
    vec_ms = min(times) * 1e3 * (1000 * 182) / (vec_reps * vec_days)

    # Steady-state comparison run (longer window, longer warm-up).
    run = simulate_flow(
        np.full(365 if quick else 730, float(arrival_rate_per_day)),
        params,
        200 if quick else 400,
        np.random.default_rng(seed),
        warmup_days=120,
    )
    vec_occ_rep = run.census.mean(axis=1)
    vec_dly_rep = run.delayed.mean(axis=1)

    des = run_des(
        arrival_rate_per_day,
        los_mu,
        los_sigma,
        beds,
        discharge_capacity_per_day,
        des_days,
        des_reps,
        seed,
        queue_share=queue_share,
        warmup_days=120,
    )
    des_ms = des["seconds"] * 1e3 * (1000 * 182) / (des_reps * (des_days + 120))
    vo, vd = float(vec_occ_rep.mean()), float(vec_dly_rep.mean())
    do, dd = des["mean_occupancy"], des["delayed_days_per_day"]
    return {
        "flow_sim_ms_1000x182": vec_ms,
        "des_ms_1000x182_scaled": des_ms,
        "flow_vs_des_speedup": des_ms / vec_ms,
        "vec_mean_occupancy": vo,
        "des_mean_occupancy": do,
        "vec_delayed_days": vd,
        "des_delayed_days": dd,
        "occupancy_rel_diff": (vo - do) / do,
        "delayed_rel_diff": (vd - dd) / dd if dd else float("nan"),
        "vec_occupancy_se": float(vec_occ_rep.std(ddof=1) / math.sqrt(vec_occ_rep.size)),
        "vec_delayed_se": float(vec_dly_rep.std(ddof=1) / math.sqrt(vec_dly_rep.size)),
        "des_occupancy_se": des["occupancy_se"],
        "des_delayed_se": des["delayed_se"],
    }
