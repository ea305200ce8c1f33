"""Reference discrete-event simulation (simpy) of the same acute flow system.

Used only by the benchmark and the tests, to check :func:`models.flow.simulate.simulate_flow`
against a classic one-object-per-patient DES of the *same* stationary system:

* Poisson arrivals at ``arrival_rate_per_day`` in continuous time;
* each patient is medically ready after ``L ~ LogNormal(los_mu, los_sigma)`` days;
* on readiness each patient follows pathway P0 (leaves at once), P1, P2 or P3 with
  the given shares;
* one discharge round per day, at the end of each day (integer times), serves each
  pathway first-come-first-served: up to the day's P1 and P3 capacity (fractional
  capacity by the same stochastic rounding ``floor(c + U)``) and into free step-down
  beds (each held for a fixed whole number of days); waiting patients stay in
  their bed;
* ``overflow="queue"`` admits everyone, ``"lost"`` refuses arrivals finding
  ``beds`` inpatients (no ED boarding: compare with the daily model at ample beds);
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

import heapq
import math
import time
from collections import deque
from typing import Literal

import numpy as np
import simpy

from models.flow.simulate import FlowParams, simulate_flow

__all__ = ["run_des", "benchmark_vs_des", "run_des_boarding"]


def _one_rep(
    rng: np.random.Generator,
    lam: float,
    mu: float,
    sigma: float,
    beds: int,
    shares: tuple[float, float, float, float],
    cap1: float,
    p2_beds: int,
    p2_stay: int,
    cap3: float,
    days: int,
    warmup: int,
    overflow: str,
) -> dict[str, float]:
    env = simpy.Environment()
    state = {"inpatients": 0, "arrivals": 0, "refused": 0}
    waiting: list[list[float]] = [[], [], []]  # ready times by pathway P1..P3, first come first served
    p2_free_at: list[float] = []  # times at which occupied step-down beds free
    cum = np.cumsum(shares)[:3]
    census: list[int] = []
    delayed: list[list[int]] = [[], [], []]

    def patient(stay: float, pathway: int):
        yield env.timeout(stay)
        if pathway > 0:
            waiting[pathway - 1].append(env.now)
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
            env.process(patient(rng.lognormal(mu, sigma), int(np.searchsorted(cum, rng.random(), side="right"))))

    def discharge_round():
        day = 0
        while True:
            yield env.timeout(1.0)
            day += 1
            p2_free_at[:] = [t for t in p2_free_at if t > env.now + 1e-9]
            caps = (
                math.inf if math.isinf(cap1) else math.floor(cap1 + rng.random()),
                p2_beds - len(p2_free_at),
                math.inf if math.isinf(cap3) else math.floor(cap3 + rng.random()),
            )
            for k in range(3):
                n = int(min(len(waiting[k]), caps[k]))
                if n:
                    del waiting[k][:n]
                    state["inpatients"] -= n
                    if k == 1:
                        p2_free_at.extend([env.now + p2_stay] * n)
            if day > warmup:
                census.append(state["inpatients"])
                for k in range(3):
                    delayed[k].append(len(waiting[k]))

    env.process(arrivals())
    env.process(discharge_round())
    env.run(until=warmup + days + 0.5)
    return {
        "census": float(np.mean(census)),
        "delayed": float(np.mean(np.sum(delayed, axis=0))),
        "queue_p1": float(np.mean(delayed[0])),
        "queue_p2": float(np.mean(delayed[1])),
        "queue_p3": float(np.mean(delayed[2])),
        "arrivals": state["arrivals"],
        "refused": state["refused"],
    }


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
    pathway_shares: tuple[float, float, float, float] | None = None,
    p2_beds: int = 0,
    p2_los_days: int = 1,
    p3_capacity_per_day: float = math.inf,
) -> dict[str, float]:
    """Run the simpy reference model.

    Parameters
    ----------
    arrival_rate_per_day : float
        Poisson arrival rate (patients/day).
    los_mu, los_sigma : float
        Log-normal parameters of days to medically ready.
    beds : int
        Acute beds (only limit admissions when ``overflow="lost"``; the DES does not
        model ED boarding, so compare it with the daily model at ample beds).
    discharge_capacity_per_day : float
        P1 starts the daily discharge round can make (``math.inf`` = unlimited).
    days : int
        Days recorded per replication after ``warmup_days``.
    n_reps : int
        Independent replications.
    seed : int
        Seed of ``numpy.random.default_rng``.
    queue_share : float
        Share of ready patients needing P1 when ``pathway_shares`` is not given.
    warmup_days : int
        Days discarded at the start (the DES starts empty).
    overflow : {"queue", "lost"}
        ``"queue"``: everyone is admitted; ``"lost"``: arrivals finding ``beds``
        inpatients are refused.
    pathway_shares : tuple of 4 floats, optional
        P0..P3 shares; default ``(1 - queue_share, queue_share, 0, 0)``.
    p2_beds, p2_los_days : int
        Step-down beds and their fixed stay (whole days): a bed taken at the round of
        day ``t`` is free again at the round of day ``t + p2_los_days``.
    p3_capacity_per_day : float
        P3 placements the round can make a day.

    Returns
    -------
    dict
        ``mean_occupancy`` (mean end-of-day census, beds), ``delayed_days_per_day``
        (mean waiting patients at census), ``queue_p1/p2/p3`` (the same by pathway),
        ``refused_share``, ``occupancy_se``, ``delayed_se`` (standard errors over
        replications), ``seconds`` (wall time).
    """
    if n_reps < 1 or days < 1:
        raise ValueError("n_reps and days must be >= 1")
    shares = pathway_shares or (1.0 - queue_share, queue_share, 0.0, 0.0)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    reps = [
        _one_rep(
            rng,
            float(arrival_rate_per_day),
            float(los_mu),
            float(los_sigma),
            int(beds),
            tuple(float(x) for x in shares),
            float(discharge_capacity_per_day),
            int(p2_beds),
            max(1, int(p2_los_days)),
            float(p3_capacity_per_day),
            int(days),
            int(warmup_days),
            overflow,
        )
        for _ in range(int(n_reps))
    ]
    n = len(reps)

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in reps]))

    def se(key: str) -> float:
        return float(np.std([r[key] for r in reps], ddof=1) / math.sqrt(n)) if n > 1 else float("nan")

    arr = sum(r["arrivals"] for r in reps)
    out = {
        "mean_occupancy": mean("census"),
        "delayed_days_per_day": mean("delayed"),
        "refused_share": sum(r["refused"] for r in reps) / arr if arr else 0.0,
        "occupancy_se": se("census"),
        "delayed_se": se("delayed"),
        "seconds": time.perf_counter() - t0,
    }
    for k in ("queue_p1", "queue_p2", "queue_p3"):
        out[k] = mean(k)
        out[k + "_se"] = se(k)
    return out


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


class _BoardingRep:
    """One replication of :func:`run_des_boarding`: the state and the event handlers."""

    def __init__(self, rng: np.random.Generator, beds: int, surge_beds: int, surge_after: float, warmup: int) -> None:
        self.rng, self.beds, self.surge_beds, self.surge_after, self.warmup = rng, beds, surge_beds, surge_after, warmup
        self.events: list[tuple[float, int, int]] = []  # (time, order, kind)
        self.payload: dict[int, tuple[float, int]] = {}
        self.order = 0
        self.inpatients = 0
        self.s_open = 0  # surge beds open
        self.ed: deque[tuple[float, float, int]] = deque()  # (arrival time, stay, pathway)
        self.p1_queue: deque[float] = deque()
        self.sums: dict[str, float] = dict.fromkeys(BOARDING_KEYS, 0.0)

    def push(self, when: float, kind: int) -> None:
        heapq.heappush(self.events, (when, self.order, kind))
        self.order += 1

    def admit(self, now: float, stay: float, path: int) -> None:
        self.inpatients += 1
        self.push(now + stay, 2 if path == 0 else 3)  # 2 = P0 leaves, 3 = P1 ready

    def take_waiting(self, now: float) -> None:
        """Free beds (scheduled and open surge) go to the first waiting; a surge bed opens after the wait."""
        while self.ed:
            a0, stay, path = self.ed[0]
            if self.inpatients >= self.beds + self.s_open:
                if self.s_open < self.surge_beds and now - a0 >= self.surge_after - 1e-12:
                    self.s_open += 1
                else:
                    break
            self.ed.popleft()
            if now >= self.warmup:
                self.sums["waits_over_4h"] += (now - a0) > 4 / 24
                self.sums["waits_over_12h"] += (now - a0) > 12 / 24
            self.admit(now, stay, path)
        if not self.ed:  # empty surge beds close when nobody waits
            self.s_open = min(self.s_open, max(0, self.inpatients - self.beds))

    def arrive(self, now: float, los_mu: float, los_sigma: float, p0: float, ed_max: int) -> None:
        stay = self.rng.lognormal(los_mu, los_sigma)
        path = 0 if self.rng.random() < p0 else 1
        if path == 0 and math.floor(now) == math.floor(now + stay):
            return  # ready and home the same day: no ward bed
        if not self.ed and self.inpatients < self.beds + self.s_open:
            self.admit(now, stay, path)
        elif len(self.ed) >= ed_max:
            self.sums["diverted"] += now >= self.warmup
        else:
            self.ed.append((now, stay, path))
            if self.surge_beds:
                self.push(now + self.surge_after, 4)  # 4 = surge check
            if self.surge_after <= 0:
                self.take_waiting(now)

    def round_and_census(self, now: float, p1_per_day: float) -> None:
        """The discharge round at the end of the day (first ready first served), then the census."""
        cap = math.floor(p1_per_day + self.rng.random()) if math.isfinite(p1_per_day) else len(self.p1_queue)
        served = min(cap, len(self.p1_queue))
        for _ in range(served):
            self.p1_queue.popleft()
        self.inpatients -= served
        self.take_waiting(now)
        if now > self.warmup:
            self.sums["census"] += self.inpatients
            self.sums["surge_bed_days"] += max(0, self.inpatients - self.beds)
            self.sums["share_days_full"] += self.inpatients >= self.beds


BOARDING_KEYS = (
    "census", "ed_patient_days", "waits_over_4h", "waits_over_12h", "diverted", "surge_bed_days", "share_days_full"
)


def run_des_boarding(
    arrival_rate_per_day: float,
    los_mu: float,
    los_sigma: float,
    beds: int,
    pathway_shares: tuple[float, float, float, float],
    p1_per_day: float,
    days: int,
    n_reps: int,
    seed: int,
    *,
    warmup_days: int = 60,
    surge_beds: int = 0,
    surge_after_hours: float = 1e9,
    ed_max_waiting: int = 10**9,
) -> dict[str, float]:
    """Continuous-time reference of a hospital whose beds bind (independent of the daily kernel's code).

    One object per patient, event by event (a heap of times): Poisson arrivals; a patient ready and home
    (P0) before the end of the day they arrive needs no bed; everyone else takes a free bed at once or waits
    in ED first come first served and takes the first bed that frees; after ``surge_after_hours`` of waiting
    a surge bed opens while fewer than ``surge_beds`` are open (it then takes the next patient waiting, and
    closes once empty with nobody waiting); an arrival finding ``ed_max_waiting`` patients waiting is
    diverted. A patient is ready ``L ~ LogNormal`` days after admission: P0 leave then; P1 patients wait in
    the bed for the discharge round at the end of each day (integer times), which serves up to
    ``floor(p1_per_day + U)`` of them, first ready first served; the beds it frees go to patients waiting
    in ED at once. P2 and P3 are not modelled (shares must be 0). The census (inpatients) is taken at each
    integer time after the round.

    Returns
    -------
    dict
        Means per day over the recorded days and replications of :data:`BOARDING_KEYS`: ``census``,
        ``ed_patient_days`` (time-integral of the ED queue), ``waits_over_4h``, ``waits_over_12h``,
        ``diverted``, ``surge_bed_days`` (beds in use above ``beds`` at the census), ``share_days_full``
        (census >= beds), each with ``*_se`` (standard error over replications).
    """
    if pathway_shares[2] or pathway_shares[3]:
        raise ValueError("the boarding reference models P0 and P1 only")
    rng = np.random.default_rng(seed)
    total = warmup_days + days
    per_rep: dict[str, list[float]] = {k: [] for k in BOARDING_KEYS}
    for _ in range(n_reps):
        rep = _BoardingRep(rng, beds, surge_beds, surge_after_hours / 24.0, warmup_days)
        t = rng.exponential(1.0 / arrival_rate_per_day)
        while t < total:
            rep.push(t, 0)  # 0 = arrival
            t += rng.exponential(1.0 / arrival_rate_per_day)
        for n in range(1, total + 1):
            rep.push(float(n), 1)  # 1 = discharge round and census
        last = 0.0
        while rep.events:
            now, _, kind = heapq.heappop(rep.events)
            if now > total + 1e-9:
                break
            if now > warmup_days:  # time-integral of the ED queue over the recorded days
                rep.sums["ed_patient_days"] += len(rep.ed) * (now - max(last, warmup_days))
            last = now
            if kind == 0:
                rep.arrive(now, los_mu, los_sigma, pathway_shares[0], ed_max_waiting)
            elif kind == 2:
                rep.inpatients -= 1
                rep.take_waiting(now)
            elif kind == 3:
                rep.p1_queue.append(now)
            elif kind == 4:
                rep.take_waiting(now)
            else:
                rep.round_and_census(now, p1_per_day)
        for k in BOARDING_KEYS:
            per_rep[k].append(rep.sums[k] / days)
    out: dict[str, float] = {}
    for k, v in per_rep.items():
        arr = np.asarray(v)
        out[k] = float(arr.mean())
        out[k + "_se"] = float(arr.std(ddof=1) / math.sqrt(arr.size)) if arr.size > 1 else float("nan")
    return out
