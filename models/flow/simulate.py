"""Daily, stochastic model of an area's acute non-elective bed base, many replications at once.

What it models (docs/model.md#winter-flow-and-beds)
---------------------------------------------------
* Emergency arrivals each day are Poisson around the given daily means - one row of
  means per replication, so each replication can be driven by its own demand path.
* Each patient's time from admission to "medically ready" is log-normal
  ``L ~ LogNormal(mu, sigma)`` (days), calibrated by :func:`calibrate_system` so that
  the *simulated* system (delays included) reproduces the area's mean length of stay
  and its 14+/21+ day shares.
* On becoming ready the patient follows pathway P0 (leaves at once), P1 (home with
  support: limited starts a day), P2 (step-down bed: limited beds) or P3 (care home:
  limited placements a day). When the pathway is full the patient waits in the acute
  bed: a *delayed* bed day for every census they are counted in. Waiting patients keep
  ageing, so delays raise the 14+/21+ day counts. Queues are served **longest stay
  first** (total delayed days do not depend on the order; the 14+/21+ counts do).
* **Beds bind**: the open beds are core beds plus escalation beds while open. An
  arrival who finds every bed full waits in ED (boarding / corridor care), first come
  first served, until a bed frees; occupancy never exceeds the open beds.

Time convention
---------------
Day ``t`` is the interval ``[t, t+1)``; the *census* is taken at the end of the day. A
patient arriving at ``t + U`` with stay ``L`` is in ``D = floor(U + L)`` censuses
(``E[D] = E[L]``), so with ample beds and capacity the mean census is arrivals a day x
mean stay (Little's law). ``D`` is drawn from its exact distribution (see
:func:`ready_day_pmf`), truncated at ``max_stay_days - 1``. Within a day (see
:mod:`models.flow._kernel`): readiness, the discharge round, admissions into free beds
(boarders first), then the census.

Random numbers
--------------
Counter-based (a hash of seed, stream, replication, day and arrival slot): arrivals by
inverse CDF from a uniform fixed per replication-day, each patient's stay and pathway
from uniforms fixed per arrival slot, capacity rounding from uniforms per
replication-day. So changing a rate, a capacity or the beds changes only what it must,
and the paired difference between two options has a far smaller standard error than
an unpaired one (tested). The day loop runs in a compiled Numba kernel on two threads.

Never imports streamlit.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import ndtr, ndtri

from models.flow._kernel import BAND_LOWER, FIELDS, NB, NQ, flow_day_loop
from models.flow.beds import erlang_b

__all__ = [
    "FlowParams",
    "FlowRun",
    "FlowCosts",
    "Calibration",
    "lognormal_mean",
    "expected_excess",
    "snapshot_share",
    "calibrate_los",
    "calibrate_system",
    "ready_day_pmf",
    "simulate_flow",
    "weekly_occupancy",
    "per_rep_kpis",
    "flow_kpis",
    "per_rep_costs",
    "flow_costs",
    "compare_options",
    "delay_bands",
    "DELAY_BANDS",
    "RESPONSE_COSTS",
    "stay_quantiles",
    "arrivals_profile",
    "DEFAULT_WEEKDAY_SHAPE",
    "KPI_LABELS",
]

#: Warm-up days before the reporting window (tested: a longer warm-up changes no output
#: beyond Monte Carlo error on the demo area).
WARMUP_DAYS = 60


# ----------------------------------------------------------------------------
# Length of stay: log-normal helpers and calibration to the 14+/21+ day shares
# ----------------------------------------------------------------------------


def lognormal_mean(mu: float, sigma: float) -> float:
    """Mean of LogNormal(mu, sigma) in days: ``exp(mu + sigma^2/2)``."""
    return float(math.exp(mu + 0.5 * sigma * sigma))


def expected_excess(mu: float, sigma: float, t: np.ndarray | float) -> np.ndarray:
    """``G(t) = E[(L - t)+]`` for ``L ~ LogNormal(mu, sigma)`` (days).

    ``G(t)/E[L]`` is the share of occupied bed-days at elapsed stay >= ``t`` in a
    stationary system; ``G(s) - G(s+1)`` is ``P(D > s)`` for the daily model.
    """
    t = np.asarray(t, dtype=float)
    mean = lognormal_mean(mu, sigma)
    out = mean - t  # valid for t <= 0
    pos = t > 0
    if np.any(pos):
        lt = np.log(t[pos])
        out = np.array(out, dtype=float, copy=True)
        out[pos] = mean * ndtr((mu + sigma * sigma - lt) / sigma) - t[pos] * ndtr((mu - lt) / sigma)
    return out


def snapshot_share(mu: float, sigma: float, days: float, max_stay_days: int | None = None) -> float:
    """Share of inpatients (snapshot) whose stay so far is >= ``days``.

    Stationary result: bed-days at elapsed stay >= t are ``E[(L-t)+]/E[L]`` of all
    bed-days. This is the NHS BCF metric "inpatients in hospital 14/21 days or more
    as a share of all inpatients" when every stay is a stay to discharge.

    Parameters
    ----------
    mu, sigma : float
        Log-normal parameters (days).
    days : float
        Threshold (days).
    max_stay_days : int, optional
        If given, the share implied by :func:`simulate_flow`'s truncation of days
        to ready at ``max_stay_days - 1``: ``(G(t) - G(M-1)) / (G(0) - G(M-1))``.
    """
    g = expected_excess(mu, sigma, float(days))
    g0 = lognormal_mean(mu, sigma)
    if max_stay_days is not None:
        gm = expected_excess(mu, sigma, float(max_stay_days - 1))
        g, g0 = np.maximum(g - gm, 0.0), g0 - gm
    return float(g / g0)


def calibrate_los(
    share_14plus: float,
    share_21plus: float,
    mean_days: float | None = None,
    max_stay_days: int | None = None,
) -> tuple[float, float]:
    """Fit log-normal (mu, sigma) to snapshot 14+/21+ day shares of inpatients.

    Parameters
    ----------
    share_14plus, share_21plus : float
        Target snapshot shares (fractions, e.g. 0.109 and 0.056), with
        ``0 < share_21plus < share_14plus < 1``.
    mean_days : float, optional
        If given, the mean stay (days) is fixed at this value and only sigma is
        fitted (least squares on the log-shares). Otherwise both parameters are
        fitted exactly (two equations, two unknowns); the implied mean is
        ``lognormal_mean(mu, sigma)``.
    max_stay_days : int, optional
        Fit the shares the simulation will produce with this truncation (see
        :func:`snapshot_share`); default: untruncated log-normal.

    Returns
    -------
    (mu, sigma) : tuple of float
        Log-normal parameters of days from admission to medically ready.
    """
    a, b = float(share_14plus), float(share_21plus)
    if not (0 < b < a < 1):
        raise ValueError(f"need 0 < share_21plus < share_14plus < 1, got {a!r}, {b!r}")
    if mean_days is not None and not (mean_days > 0):
        raise ValueError(f"mean_days must be > 0, got {mean_days!r}")
    target = np.log(np.array([a, b]))

    def resid_ms(mu: float, sigma: float) -> np.ndarray:
        s = [snapshot_share(mu, sigma, t, max_stay_days) for t in (14.0, 21.0)]
        return np.log(np.maximum(s, 1e-300)) - target

    best = None
    if mean_days is None:
        # Fit on log-shares so the small 21+ share carries equal weight.
        for mu0 in (0.5, 1.0, 1.5, 2.0):
            for ls0 in (-0.5, 0.0, 0.5):
                r = optimize.least_squares(
                    lambda x: resid_ms(x[0], math.exp(x[1])),
                    x0=[mu0, ls0],
                    bounds=([-3, -3], [6, math.log(3.0)]),
                    xtol=1e-12,
                    ftol=1e-12,
                )
                if best is None or r.cost < best.cost:
                    best = r
        assert best is not None
        return float(best.x[0]), float(math.exp(best.x[1]))

    lm = math.log(float(mean_days))
    for ls0 in (-1.0, -0.3, 0.0, 0.4):
        r = optimize.least_squares(
            lambda x: resid_ms(lm - 0.5 * math.exp(2 * x[0]), math.exp(x[0])),
            x0=[ls0],
            bounds=([-3], [math.log(3.0)]),
            xtol=1e-12,
            ftol=1e-12,
        )
        if best is None or r.cost < best.cost:
            best = r
    assert best is not None
    sigma = math.exp(best.x[0])
    return float(lm - 0.5 * sigma * sigma), float(sigma)


def ready_day_pmf(mu: float, sigma: float, max_stay_days: int) -> np.ndarray:
    """Exact pmf of ``D = floor(U + L)``, the number of daily censuses before ready.

    The tail ``D >= max_stay_days - 1`` is lumped into the last cell.

    Returns
    -------
    numpy.ndarray
        Probabilities for ``D = 0 .. max_stay_days - 1`` (sums to 1).
    """
    s = np.arange(-1, max_stay_days, dtype=float)
    g = expected_excess(mu, sigma, s)
    surv = np.empty(max_stay_days + 1)  # surv[i] = P(D > i - 1)
    surv[0] = 1.0
    surv[1:] = np.clip(g[1:] - np.append(g[2:], expected_excess(mu, sigma, float(max_stay_days))), 0.0, 1.0)
    surv = np.minimum.accumulate(surv)
    pmf = surv[:-1] - surv[1:]
    pmf[-1] += surv[-1]  # lump the tail
    pmf = np.clip(pmf, 0.0, None)
    return pmf / pmf.sum()


# ----------------------------------------------------------------------------
# Parameters and results
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowParams:
    """Levers of the acute flow model.

    Attributes
    ----------
    core_beds : int
        Funded core acute (G&A non-elective) beds.
    escalation_beds : int
        Extra beds open on days ``escalation_open_day <= t < escalation_close_day``
        (day offsets within the simulated window; open inclusive, close exclusive). A bed
        due to close stays open until its patient leaves.
    escalation_open_day, escalation_close_day : int
        See above. ``open == close`` means never open.
    los_mu, los_sigma : float
        Log-normal parameters of days from admission to medically ready
        (``los_sigma`` in [0.05, 3]).
    pathway_shares : tuple of 4 floats
        P0, P1, P2, P3 shares of ready patients (sum to 1).
    p1_starts_per_week : float
        Home First / reablement starts available per week (``math.inf`` = unlimited).
    p2_beds : int
        Step-down / rehab beds.
    p2_los_days : float
        Stay in a P2 bed (days); simulated as a fixed whole number of days
        ``max(1, round(p2_los_days))`` (keeps comparisons pathwise monotone).
    p3_per_week : float
        Care-home placements available per week (``math.inf`` = unlimited).
    max_stay_days : int
        Days to medically ready are truncated at ``max_stay_days - 1`` (tail mass
        lumped there); must be >= 28.
    overflow : {"board", "lost"}
        ``"board"`` (default): an arrival who finds every open bed full waits in ED
        (boarding / corridor care) until a bed frees, first come first served.
        ``"lost"``: such an arrival is turned away and counted in ``diverted`` (a loss
        system, used for the Erlang B check: no ED queue, no surge beds).
    surge_beds : int
        The full-hospital response: beds opened beyond the scheduled ones (converted
        assessment or day-case space, cancelled elective beds) for patients who have waited
        ``surge_after_hours`` in ED; at most this many in use at once. 0 = none.
    surge_after_hours : float
        Hours a patient waits in ED before a surge bed opens for them (0 = at once).
    ed_max_waiting : int
        Patients ED can hold waiting for a bed; an arrival beyond is diverted or transferred
        out (counted, costed, never admitted). Large (100,000) = unbounded.
    p0_delay_share : float
        Share of P0 patients (home without support) whose discharge waits past the
        ready date for reasons other than a pathway's capacity (medicines, transport,
        assessments): the calibrated non-capacity delay (:func:`calibrate_system`).
    p0_delay_mean_days : float
        Mean of that delay, days (>= 1; geometric on whole days).
    """

    core_beds: int = 400
    escalation_beds: int = 0
    escalation_open_day: int = 0
    escalation_close_day: int = 0
    los_mu: float = 1.1
    los_sigma: float = 1.0
    pathway_shares: tuple[float, float, float, float] = (0.5, 0.45, 0.04, 0.01)
    p1_starts_per_week: float = math.inf
    p2_beds: int = 0
    p2_los_days: float = 28.0
    p3_per_week: float = math.inf
    max_stay_days: int = 120
    overflow: Literal["board", "lost"] = "board"
    surge_beds: int = 0
    surge_after_hours: float = 6.0
    ed_max_waiting: int = 100_000
    p0_delay_share: float = 0.0
    p0_delay_mean_days: float = 1.0

    def __post_init__(self) -> None:
        for name in (
            "core_beds",
            "escalation_beds",
            "p2_beds",
            "max_stay_days",
            "escalation_open_day",
            "escalation_close_day",
            "surge_beds",
            "ed_max_waiting",
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{name} must be an integer, got {v!r}")
        if self.core_beds < 1 or self.escalation_beds < 0 or self.p2_beds < 0:
            raise ValueError("core_beds must be >= 1 and escalation_beds, p2_beds >= 0")
        if self.escalation_open_day < 0 or self.escalation_close_day < self.escalation_open_day:
            raise ValueError(
                "escalation days must satisfy 0 <= escalation_open_day <= escalation_close_day "
                f"(got {self.escalation_open_day}, {self.escalation_close_day})"
            )
        if not math.isfinite(self.los_mu) or not -3.0 <= self.los_mu <= 6.0:
            raise ValueError(f"los_mu must be finite and in [-3, 6] (log-days), got {self.los_mu!r}")
        if not math.isfinite(self.los_sigma) or not 0.05 <= self.los_sigma <= 3.0:
            raise ValueError(f"los_sigma must be in [0.05, 3], got {self.los_sigma!r}")
        shares = tuple(self.pathway_shares)
        if len(shares) != 4:
            raise ValueError(f"pathway_shares needs 4 values (P0..P3), got {len(shares)}")
        if any((not math.isfinite(s)) or s < 0 for s in shares):
            raise ValueError(f"pathway_shares must be finite and >= 0, got {shares!r}")
        if abs(sum(shares) - 1.0) > 1e-6:
            raise ValueError(f"pathway_shares must sum to 1 (within 1e-6), got sum {sum(shares)!r}")
        for name in ("p1_starts_per_week", "p3_per_week"):
            v = getattr(self, name)
            if math.isnan(v) or v < 0:
                raise ValueError(f"{name} must be >= 0 (math.inf for unlimited), got {v!r}")
        if not math.isfinite(self.p2_los_days) or self.p2_los_days <= 0:
            raise ValueError(f"p2_los_days must be finite and > 0, got {self.p2_los_days!r}")
        if self.max_stay_days < 28 or self.max_stay_days > 1000:
            raise ValueError(f"max_stay_days must be in [28, 1000], got {self.max_stay_days!r}")
        if self.overflow not in ("board", "lost"):
            raise ValueError(f"overflow must be 'board' or 'lost', got {self.overflow!r}")
        if not 0 <= self.surge_beds <= 10 * self.core_beds:
            raise ValueError(f"surge_beds must be between 0 and 10 x core_beds, got {self.surge_beds!r}")
        if not 0 <= self.ed_max_waiting <= 100_000:
            raise ValueError(f"ed_max_waiting must be between 0 and 100,000, got {self.ed_max_waiting!r}")
        if not (math.isfinite(self.surge_after_hours) and 0 <= self.surge_after_hours <= 24 * 7):
            raise ValueError(f"surge_after_hours must be between 0 and 168, got {self.surge_after_hours!r}")
        if not (math.isfinite(self.p0_delay_share) and 0 <= self.p0_delay_share <= 1):
            raise ValueError(f"p0_delay_share must be in [0, 1], got {self.p0_delay_share!r}")
        if not (math.isfinite(self.p0_delay_mean_days) and 1 <= self.p0_delay_mean_days <= 30):
            raise ValueError(f"p0_delay_mean_days must be in [1, 30], got {self.p0_delay_mean_days!r}")

    @property
    def mean_stay_days(self) -> float:
        """Mean days from admission to medically ready (untruncated log-normal)."""
        return lognormal_mean(self.los_mu, self.los_sigma)

    def beds_available(self, days: int) -> np.ndarray:
        """Scheduled open acute beds on each day ``0..days-1`` (core + escalation when open)."""
        t = np.arange(days)
        open_ = (t >= self.escalation_open_day) & (t < self.escalation_close_day)
        return self.core_beds + self.escalation_beds * open_.astype(np.int64)


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields explicitly
class FlowRun:
    """Result of :func:`simulate_flow`. Arrays are ``(n_reps, days)`` int32 (see ``models.flow._kernel.FIELDS``).

    Attributes
    ----------
    params : FlowParams
    beds_scheduled : ndarray (days,)
        Scheduled open beds each day (core + escalation while open).
    arrivals : emergency arrivals on the day.
    admitted : patients admitted on the day (given a bed, or P0 treated the same day without one).
    diverted : arrivals diverted or transferred out because ED already held ``ed_max_waiting``
        patients waiting for a bed (loss system: because every bed was full).
    census : patients in acute beds at the end-of-day census; never above ``beds_open``.
    beds_open : beds in use or open: scheduled, or more (surge beds; escalation beds kept open for
        their patients after the closing date).
    delayed : patients past their discharge-ready date in an acute bed (= delayed bed days that day).
    boarding : patients waiting in ED for a bed at the end-of-day census.
    boarded_new : arrivals of the day who did not get a bed on arrival.
    stay14, stay21 : inpatients at census whose stay so far is >= 14 / >= 21 days.
    p1_starts, p2_admissions, p3_starts : discharges into P1 / P2 beds / P3.
    p2_occupied : step-down beds occupied at census.
    queue_p1, queue_p2, queue_p3 : patients waiting for each pathway at census.
    ready : patients reaching their discharge-ready date that day (all pathways).
    surge : beds in use above the scheduled beds at the census (surge bed days).
    ed_wait_bins : patients waiting in ED summed over the day's half hours (/ 48 = patient-days).
    waited, wait_bins, wait4, wait12 : patients given a bed after waiting, their waits (quarter
        hours in all), and how many waited more than 4 / 12 hours from arrival.
    dis, dis_b0 .. dis_b6, delay_days : discharges counted by the discharge-ready-date statistics
        (stays of a night or more), by delay band (0, 1, 2-3, 4-6, 7-13, 14-20, 21+ days after the
        ready date), and their days after the ready date.
    """

    params: FlowParams
    beds_scheduled: np.ndarray
    arrivals: np.ndarray
    admitted: np.ndarray
    diverted: np.ndarray
    census: np.ndarray
    beds_open: np.ndarray
    delayed: np.ndarray
    boarding: np.ndarray
    boarded_new: np.ndarray
    stay14: np.ndarray
    stay21: np.ndarray
    p1_starts: np.ndarray
    p2_admissions: np.ndarray
    p2_occupied: np.ndarray
    p3_starts: np.ndarray
    queue_p1: np.ndarray
    queue_p2: np.ndarray
    queue_p3: np.ndarray
    ready: np.ndarray
    surge: np.ndarray
    ed_wait_bins: np.ndarray
    waited: np.ndarray
    wait_bins: np.ndarray
    wait4: np.ndarray
    wait12: np.ndarray
    dis: np.ndarray
    dis_b0: np.ndarray
    dis_b1: np.ndarray
    dis_b2: np.ndarray
    dis_b3: np.ndarray
    dis_b4: np.ndarray
    dis_b5: np.ndarray
    dis_b6: np.ndarray
    delay_days: np.ndarray

    @property
    def n_reps(self) -> int:
        return int(self.census.shape[0])

    @property
    def days(self) -> int:
        return int(self.census.shape[1])

    @property
    def refused(self) -> np.ndarray:
        """Arrivals turned away: in a loss system (``overflow="lost"``) every arrival finding no bed."""
        return self.diverted

    @property
    def occupancy(self) -> np.ndarray:
        """Census / open beds (fraction, at most 1: beds bind)."""
        return self.census / np.maximum(self.beds_open, 1)

    @property
    def ed_patient_days(self) -> np.ndarray:
        """Patient-days spent waiting in ED for a bed each day, to the half hour."""
        return self.ed_wait_bins / float(NB)

    def band_counts(self) -> np.ndarray:
        """DRD discharges by delay band, ``(7, n_reps, days)``."""
        return np.stack([getattr(self, f"dis_b{i}") for i in range(len(BAND_LOWER))])


# ----------------------------------------------------------------------------
# Simulation
# ----------------------------------------------------------------------------


def stay_quantiles(mu: float, sigma: float) -> np.ndarray:
    """Stay to ready ``L`` (days) at the ``NQ`` mid-quantiles ``(i + 0.5) / NQ``: one uniform gives a stay."""
    u = (np.arange(NQ) + 0.5) / NQ
    return np.exp(mu + sigma * ndtri(u))


def _reciprocals(max_rate: float) -> np.ndarray:
    """``1/k`` for k up to far beyond the largest Poisson draw at ``max_rate`` (12 sd)."""
    n = int(max_rate + 12.0 * math.sqrt(max_rate) + 64)
    out = np.empty(n + 1)
    out[0] = 0.0
    out[1:] = 1.0 / np.arange(1, n + 1)
    return out


def _seed_int(seed: int | np.random.Generator) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a numpy Generator, got {seed!r}")
    return int(seed) % (2**63)


def simulate_flow(
    arrivals_per_day: np.ndarray,
    params: FlowParams,
    n_reps: int,
    seed: int | np.random.Generator = 0,
    *,
    warmup_days: int = WARMUP_DAYS,
    initial_arrivals_per_day: float | np.ndarray | None = None,
) -> FlowRun:
    """Simulate ``n_reps`` replications of the daily acute bed flow.

    Parameters
    ----------
    arrivals_per_day : ndarray, (days,) or (n_reps, days)
        Expected emergency arrivals on each day of the window; one row per
        replication to drive each replication by its own demand path.
    params : FlowParams
        Beds, stays, pathways and capacities.
    n_reps : int
        Replications (~1,000 x 182 days in ~0.1 s; the first call in a process
        without a cached kernel compiles it, a few seconds).
    seed : int or numpy.random.Generator
        Seed of the counter-based random numbers. The same seed gives every option
        the same random numbers per replication, day and arrival slot (common random
        numbers that survive changes of rates, capacities and beds).
    warmup_days : int
        Days simulated before the window at the initial rate (with day-0 beds and
        capacities) and discarded. The not-yet-ready inpatients of the stationary
        (infinite-bed) past are drawn exactly at the start of the warm-up; the
        warm-up then brings discharge queues, P2 beds and boarding to their steady
        state for the first days' rates (a longer warm-up changes no output beyond
        Monte Carlo error: tested).
    initial_arrivals_per_day : float or ndarray (n_reps,), optional
        Arrival rate of the past and the warm-up; default each replication's mean
        of the first 7 days.

    Returns
    -------
    FlowRun
    """
    lam = np.asarray(arrivals_per_day, dtype=float)
    if isinstance(n_reps, bool) or int(n_reps) != n_reps or n_reps < 1:
        raise ValueError(f"n_reps must be a positive integer, got {n_reps!r}")
    n_rep = int(n_reps)
    if lam.ndim == 1:
        lam = np.broadcast_to(lam, (n_rep, lam.size))
    if lam.ndim != 2 or lam.shape[0] != n_rep or lam.shape[1] == 0:
        raise ValueError(f"arrivals_per_day must have shape (days,) or ({n_rep}, days); got {lam.shape}")
    if not np.all(np.isfinite(lam)) or (lam < 0).any():
        raise ValueError("arrivals_per_day must be finite and >= 0")
    if int(warmup_days) != warmup_days or warmup_days < 0:
        raise ValueError("warmup_days must be an integer >= 0")
    p = params
    days = lam.shape[1]
    if initial_arrivals_per_day is None:
        lam0 = lam[:, :7].mean(axis=1)
    else:
        lam0 = np.broadcast_to(np.asarray(initial_arrivals_per_day, dtype=float), (n_rep,)).copy()
    if not np.all(np.isfinite(lam0)) or (lam0 < 0).any():
        raise ValueError("initial_arrivals_per_day must be finite and >= 0")
    wu = int(warmup_days)
    lam_all = np.ascontiguousarray(np.concatenate([np.repeat(lam0[:, None], wu, axis=1), lam], axis=1))
    sched = p.beds_available(days).astype(np.int64)
    beds_all = np.concatenate([np.full(wu, sched[0]), sched]).astype(np.int64)
    lost = p.overflow == "lost"
    if lost:
        # Loss system: the stationary past admits only the carried load (Erlang B is
        # insensitive to the stay distribution), so the start is near its steady state.
        ed = float(np.arange(p.max_stay_days) @ ready_day_pmf(p.los_mu, p.los_sigma, p.max_stay_days))
        lam0 = np.array([x * (1.0 - erlang_b(int(sched[0]), x * ed)) if x > 0 else 0.0 for x in lam0])
    pmf = ready_day_pmf(p.los_mu, p.los_sigma, p.max_stay_days)
    dcdf = np.cumsum(pmf)
    dcdf[-1] = 1.0
    shares = np.asarray(p.pathway_shares, dtype=float)
    pcdf = np.cumsum(shares)[:3].copy()
    out = np.empty((len(FIELDS), n_rep, days), dtype=np.int32)  # counts: half the memory of int64
    flow_day_loop(
        lam_all,
        beds_all,
        -1.0 if math.isinf(p.p1_starts_per_week) else p.p1_starts_per_week / 7.0,
        -1.0 if math.isinf(p.p3_per_week) else p.p3_per_week / 7.0,
        int(p.p2_beds),
        max(1, int(round(p.p2_los_days))),
        wu,
        np.uint64(_seed_int(seed)),
        stay_quantiles(p.los_mu, p.los_sigma),
        dcdf,
        pcdf,
        float(p.p0_delay_share),
        1.0 / float(p.p0_delay_mean_days),
        0 if lost else int(p.surge_beds),
        int(round(p.surge_after_hours * NB / 24.0)),
        0 if lost else int(p.ed_max_waiting),
        np.ascontiguousarray(lam0, dtype=float),
        _reciprocals(max(float(lam_all.max()), float(lam0.max()) if lam0.size else 0.0)),
        out,
    )
    return FlowRun(params=p, beds_scheduled=sched, **dict(zip(FIELDS, out, strict=True)))


# ----------------------------------------------------------------------------
# Calibration on the simulated system
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """Stays and non-capacity delays calibrated so that the *simulated* system reproduces the area's figures.

    Attributes
    ----------
    los_mu, los_sigma : float
        Log-normal parameters of days from admission to medically ready.
    p0_delay_share, p0_delay_mean_days : float
        Share of P0 patients whose discharge waits past the ready date for reasons other than a
        pathway's capacity, and the mean of that wait (days): see :func:`calibrate_system`.
    target_mean_los, target_14plus, target_21plus : float
        The inputs: mean length of stay (days, bed days / admissions, delays included)
        and the snapshot shares of inpatients staying 14+ / 21+ days.
    target_drd_pct_delayed, target_drd_mean_delay : float
        Discharge-ready-date targets: % of discharges made after the ready date, and the mean
        delay among them (days).
    simulated_mean_los, simulated_14plus, simulated_21plus : float
        What the simulated system gives with the calibrated stays (census / admissions;
        shares of the census, delays and the ``max_stay_days`` truncation included).
    simulated_delayed_share : float
        Delayed bed days as a share of occupied bed days in the calibration run.
    simulated_drd_pct_delayed, simulated_drd_mean_delay : float
        The same DRD measures in the calibration run.
    """

    los_mu: float
    los_sigma: float
    target_mean_los: float
    target_14plus: float
    target_21plus: float
    simulated_mean_los: float
    simulated_14plus: float
    simulated_21plus: float
    simulated_delayed_share: float
    p0_delay_share: float = 0.0
    p0_delay_mean_days: float = 1.0
    target_drd_pct_delayed: float = float("nan")
    target_drd_mean_delay: float = float("nan")
    simulated_drd_pct_delayed: float = float("nan")
    simulated_drd_mean_delay: float = float("nan")

    @property
    def miss_pp(self) -> float:
        """Largest miss of the two shares, percentage points."""
        return 100.0 * max(abs(self.simulated_14plus - self.target_14plus), abs(self.simulated_21plus - self.target_21plus))

    def message(self) -> str | None:
        """A plain warning when the simulated figures miss their targets (1 point on shares, 10% on DRD)."""
        out = []
        if self.miss_pp > 1.0:
            out.append(
                f"With a mean stay of {self.target_mean_los:.1f} days the simulated system has "
                f"{self.simulated_14plus:.1%} of inpatients at 14+ days and {self.simulated_21plus:.1%} at 21+ "
                f"(targets {self.target_14plus:.1%} and {self.target_21plus:.1%}): no log-normal stay matches all "
                "three. Check the mean length of stay and the two shares."
            )
        t, g = self.target_drd_pct_delayed, self.simulated_drd_pct_delayed
        if math.isfinite(t) and math.isfinite(g) and abs(g - t) > max(0.1 * t, 0.5):
            out.append(
                f"Today's discharge capacities alone delay {g:.1f}% of discharges past their ready date, against "
                f"the area's {t:.1f}%: the model keeps the capacities' delays and cannot match the figure. Check the "
                "pathway capacities and the discharge-ready-date figures."
            )
        return " ".join(out) or None


def _system_stats(run: FlowRun) -> tuple[float, ...]:
    """(mean stay, 14+ share, 21+ share, delayed share of bed days, DRD discharges, delayed ones, delay days)."""
    cen = run.census.sum()
    adm = run.admitted.sum()
    dis = float(run.dis.sum())
    delayed = dis - float(run.dis_b0.sum())
    return (
        float(cen / max(adm, 1)),
        float(run.stay14.sum() / max(cen, 1)),
        float(run.stay21.sum() / max(cen, 1)),
        float(run.delayed.sum() / max(cen, 1)),
        dis,
        delayed,
        float(run.delay_days.sum()),
        float(adm),
    )


def p0_delay_for(
    stats: Sequence[float], p0_share: float, zero_day_share: float, pct_delayed: float, mean_delay: float
) -> tuple[float, float]:
    """Share and mean (days) of P0 non-capacity delays that bring a run's DRD measures to the targets.

    Closed form on the capacity-only run ``stats`` (:func:`_system_stats`): with ``A`` admissions,
    ``P = A p0`` P0 patients of whom ``Z = P z`` stay no night, ``N`` DRD discharges, ``C`` delayed
    ones with ``CD`` delay days, a P0 delay of share ``pi`` and mean ``m`` gives
    ``(C + pi P) / (N + pi Z)`` delayed and ``(CD + pi P m) / (C + pi P)`` days among them. Clipped
    to ``0 <= pi <= 1`` and ``1 <= m <= 30`` (then the targets are missed: :class:`Calibration` says so).
    """
    n, c, cd, adm = stats[4], stats[5], stats[6], stats[7]
    big_p = adm * p0_share
    big_z = big_p * zero_day_share
    s = pct_delayed / 100.0
    if big_p <= 0 or not (math.isfinite(s) and math.isfinite(mean_delay)):
        return 0.0, 1.0
    pi = (s * n - c) / max(big_p - s * big_z, 1e-9)
    pi = min(max(pi, 0.0), 1.0)
    if pi <= 0:
        return 0.0, 1.0
    m = (mean_delay * (c + pi * big_p) - cd) / (pi * big_p)
    return float(pi), float(min(max(m, 1.0), 30.0))


class _StayFit:
    """The simulated system of :func:`calibrate_system` at a given stay, with ample beds (memoised runs)."""

    def __init__(
        self,
        params: FlowParams,
        arrivals_per_day: float,
        mean_los_days: float,
        shares: tuple[float, float],
        n_reps: int,
        days: int,
        seed: int,
    ) -> None:
        self.ample = dataclasses.replace(
            params, core_beds=max(params.core_beds, 10_000), escalation_beds=0, overflow="board", surge_beds=0
        )
        self.lam = np.full(days, float(arrivals_per_day))
        self.mean_los = mean_los_days
        self.target = np.log(shares)
        self.n_reps, self.seed = n_reps, seed
        self.cache: dict[tuple[float, ...], tuple[float, ...]] = {}
        self.delay = (0.0, 1.0)  # P0 non-capacity delay: share, mean days

    def stats(self, ready_mean: float, sigma: float) -> tuple[float, ...]:
        """:func:`_system_stats` of the run with this mean stay to ready and spread."""
        mu = math.log(max(ready_mean, 0.05)) - 0.5 * sigma * sigma
        mu = min(max(mu, -3.0), 6.0)
        k = (round(mu, 10), round(sigma, 10), *self.delay)
        if k not in self.cache:
            prm = dataclasses.replace(
                self.ample, los_mu=mu, los_sigma=sigma, p0_delay_share=self.delay[0], p0_delay_mean_days=self.delay[1]
            )
            self.cache[k] = _system_stats(simulate_flow(self.lam, prm, self.n_reps, self.seed, warmup_days=WARMUP_DAYS))
        return self.cache[k]

    def ready_mean_for(self, sigma: float, start: float | None = None) -> float:
        """Fixed point: mean stay = mean stay to ready + mean delay (delay shrinks as stays shorten)."""
        rm = self.mean_los if start is None else start
        for _ in range(8):
            step = self.mean_los - self.stats(rm, sigma)[0]
            rm = max(0.3, rm + step)
            if abs(step) < 0.01:
                break
        return rm

    def loss(self, log_sigma: float) -> float:
        sigma = math.exp(log_sigma)
        s = self.stats(self.ready_mean_for(sigma), sigma)
        r = np.log(np.maximum([s[1], s[2]], 1e-9)) - self.target
        return float(r @ r)

    def fit_sigma(self, lo: float = 0.2, hi: float = 2.5) -> tuple[float, float]:
        """The spread matching the 14+/21+ shares (bounded Brent on log sigma) and its mean stay to ready."""
        res = optimize.minimize_scalar(self.loss, bounds=(math.log(lo), math.log(hi)), method="bounded",
                                       options={"xatol": 0.01})
        sig = math.exp(float(res.x))
        return sig, self.ready_mean_for(sig)


def calibrate_system(
    mean_los_days: float,
    share_14plus: float,
    share_21plus: float,
    params: FlowParams,
    arrivals_per_day: float,
    *,
    drd_pct_delayed: float | None = None,
    drd_mean_delay_days: float | None = None,
    n_reps: int = 120,
    days: int = 140,
    seed: int = 20220726,
) -> Calibration:
    """Fit the stay to ready and the non-capacity delays so the simulated system matches the area's figures.

    The mean length of stay (bed days / admissions, delays included) is matched by
    choosing the mean stay to ready as ``mean_los_days`` minus the simulated mean delay
    per admission (fixed-point iteration); the spread ``sigma`` is chosen to match the
    14+/21+ snapshot shares of the *simulated* census (least squares on the log-shares,
    common random numbers so the objective is smooth), delays and the 120-day
    truncation included. ``params`` give the current beds and discharge capacities
    (their stay fields are ignored); beds are made ample for the calibration so that
    boarding does not distort the stays. Deterministic for a given seed.

    With discharge-ready-date targets, the delays of today's pathway capacities are kept and
    the rest of the delayed discharges are P0 patients waiting for other things (medicines,
    transport, assessments): their share and mean delay come in closed form from the
    capacity-only run (:func:`p0_delay_for`), then the stay is fitted again with them (they
    lengthen stays) and the delays recomputed once.

    Parameters
    ----------
    mean_los_days : float
        Mean length of stay, days (> 1).
    share_14plus, share_21plus : float
        Snapshot shares of inpatients staying 14+ / 21+ days (0 < 21+ < 14+ < 0.6).
    params : FlowParams
        The area's current system (capacities).
    arrivals_per_day : float
        Typical emergency arrivals a day.
    drd_pct_delayed, drd_mean_delay_days : float, optional
        % of discharges made after the ready date and the mean delay among them (days).

    Returns
    -------
    Calibration
    """
    if not (math.isfinite(mean_los_days) and 1.0 < mean_los_days <= 60.0):
        raise ValueError(f"mean length of stay must be between 1 and 60 days, got {mean_los_days!r}")
    if not (0 < share_21plus < share_14plus < 0.6):
        raise ValueError("need 0 < share staying 21+ days < share staying 14+ days < 60%")
    if not (math.isfinite(arrivals_per_day) and arrivals_per_day > 0):
        raise ValueError("arrivals_per_day must be > 0")
    fit = _StayFit(params, arrivals_per_day, mean_los_days, (share_14plus, share_21plus), n_reps, days, seed)
    sigma, rm = fit.fit_sigma()
    drd = drd_pct_delayed is not None and drd_mean_delay_days is not None
    if drd:
        p0 = params.pathway_shares[0]
        for _ in range(2):  # the delays lengthen stays: fit the stay again with them, then the delays once more
            mu = min(max(math.log(rm) - 0.5 * sigma * sigma, -3.0), 6.0)
            zero = float(ready_day_pmf(mu, sigma, params.max_stay_days)[0])
            fit.delay = (0.0, 1.0)
            capacity_only = fit.stats(rm, sigma)
            fit.delay = p0_delay_for(capacity_only, p0, zero, float(drd_pct_delayed), float(drd_mean_delay_days))
            sigma, rm = fit.fit_sigma(max(0.2, 0.7 * sigma), min(2.5, 1.4 * sigma))  # near the first fit
    mu = min(max(math.log(rm) - 0.5 * sigma * sigma, -3.0), 6.0)
    got = fit.stats(rm, sigma)
    delay = fit.delay
    return Calibration(
        los_mu=mu,
        los_sigma=sigma,
        target_mean_los=float(mean_los_days),
        target_14plus=float(share_14plus),
        target_21plus=float(share_21plus),
        simulated_mean_los=got[0],
        simulated_14plus=got[1],
        simulated_21plus=got[2],
        simulated_delayed_share=got[3],
        p0_delay_share=float(delay[0]),
        p0_delay_mean_days=float(delay[1]),
        target_drd_pct_delayed=float(drd_pct_delayed) if drd else float("nan"),
        target_drd_mean_delay=float(drd_mean_delay_days) if drd else float("nan"),
        simulated_drd_pct_delayed=100.0 * got[5] / max(got[4], 1.0),
        simulated_drd_mean_delay=got[6] / max(got[5], 1.0),
    )


# ----------------------------------------------------------------------------
# Summaries and costs
# ----------------------------------------------------------------------------


def _q(x: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    return {
        "mean": np.mean(x, axis=axis),
        "p10": np.quantile(x, 0.10, axis=axis),
        "p50": np.quantile(x, 0.50, axis=axis),
        "p90": np.quantile(x, 0.90, axis=axis),
    }


def weekly_occupancy(run: FlowRun, start_date: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Weekly occupancy quantiles across replications.

    Each replication's census is averaged over the week and divided by the week's
    mean open beds; quantiles are across replications (so they carry demand, scheme
    and Poisson uncertainty when each replication has its own demand path).

    Returns
    -------
    pandas.DataFrame
        Columns ``week`` (0-based), ``week_start`` (if ``start_date`` given),
        ``mean``, ``p10``, ``p50``, ``p90`` (occupancy, % of open beds),
        ``beds`` (mean scheduled beds in the week), ``census_mean`` (inpatients),
        ``boarding_mean`` (patients waiting in ED at census), ``delayed_mean``.
    """
    days = run.days
    n_w = (days + 6) // 7
    pad = n_w * 7 - days

    def weekly(x: np.ndarray) -> np.ndarray:
        x = x.astype(float)
        if pad:
            x = np.concatenate([x, np.full((x.shape[0], pad), np.nan)], axis=1)
        return np.nanmean(x.reshape(x.shape[0], n_w, 7), axis=2)

    cen = weekly(run.census)
    beds = weekly(run.beds_open)
    pct = 100.0 * cen / np.maximum(beds, 1)
    sched = np.nanmean(
        np.concatenate([run.beds_scheduled.astype(float), np.full(pad, np.nan)]).reshape(n_w, 7), axis=1
    )
    df = pd.DataFrame(
        {
            "week": np.arange(n_w),
            **_q(pct),
            "beds": sched,
            "census_mean": cen.mean(axis=0),
            "boarding_mean": weekly(run.boarding).mean(axis=0),
            "delayed_mean": weekly(run.delayed).mean(axis=0),
        }
    )
    if start_date is not None:
        df.insert(1, "week_start", pd.Timestamp(start_date) + pd.to_timedelta(7 * df["week"], unit="D"))
    return df


#: One definition of each winter KPI, shared by the home tiles, the winter page and the options table.
KPI_LABELS: dict[str, str] = {
    "mean_occupancy_pct": "Mean occupancy (% of open beds)",
    "days_at_92": "Days at or above 92% occupancy",
    "days_at_95": "Days at or above 95% occupancy",
    "days_full": "Days with every bed full (100%)",
    "delayed_bed_days": "Delayed bed days (in an acute bed after the discharge-ready date)",
    "boarding_days": "Patient-days waiting in ED for a bed (to the half hour)",
    "patients_boarded": "Patients who waited in ED for a bed",
    "waits_over_4h": "Patients who waited more than 4 hours for a bed",
    "waits_over_12h": "Patients who waited more than 12 hours for a bed",
    "mean_wait_hours": "Mean wait for a bed among those who waited (hours)",
    "surge_bed_days": "Surge bed days (beds in use above the scheduled beds)",
    "diverted": "Patients diverted or transferred out (ED full)",
    "days_with_boarding": "Days with anyone waiting in ED for a bed at midnight",
    "share_14plus": "Share of inpatients staying 14+ days",
    "share_21plus": "Share of inpatients staying 21+ days",
    "drd_pct_on_date": "Discharges on the discharge-ready date (%)",
    "drd_mean_delay_delayed": "Mean delay among delayed discharges (days)",
    "drd_mean_delay_all": "Average delay over all discharges (days)",
}

#: DRD delay bands (days after the ready date), as NHS England publishes them.
DELAY_BANDS = ("0", "1", "2-3", "4-6", "7-13", "14-20", "21+")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` per replication, NaN where ``den`` is 0."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)


def per_rep_kpis(run: FlowRun) -> dict[str, np.ndarray]:
    """Each KPI of :data:`KPI_LABELS` per replication (arrays of shape ``(n_reps,)``).

    Waits are counted for the patients given a bed within the window; patient-days in ED are the
    time-integral of the ED queue to the half hour (patients still waiting at the end included).
    DRD measures are over the window's discharges of a night or more, as NHS England counts them.
    """
    occ = run.occupancy
    cen = np.maximum(run.census.sum(axis=1), 1)
    dis = run.dis.sum(axis=1).astype(float)
    delayed_dis = dis - run.dis_b0.sum(axis=1)
    delay_days = run.delay_days.sum(axis=1).astype(float)
    waited = run.waited.sum(axis=1).astype(float)
    return {
        "mean_occupancy_pct": 100.0 * occ.mean(axis=1),
        "days_at_92": (occ >= 0.92).sum(axis=1).astype(float),
        "days_at_95": (occ >= 0.95).sum(axis=1).astype(float),
        "days_full": (run.census >= run.beds_open).sum(axis=1).astype(float),
        "delayed_bed_days": run.delayed.sum(axis=1).astype(float),
        "boarding_days": run.ed_wait_bins.sum(axis=1) / float(NB),
        "patients_boarded": run.boarded_new.sum(axis=1).astype(float),
        "waits_over_4h": run.wait4.sum(axis=1).astype(float),
        "waits_over_12h": run.wait12.sum(axis=1).astype(float),
        "mean_wait_hours": _ratio(run.wait_bins.sum(axis=1) * (24.0 / NB), waited),
        "surge_bed_days": run.surge.sum(axis=1).astype(float),
        "diverted": run.diverted.sum(axis=1).astype(float),
        "days_with_boarding": (run.boarding > 0).sum(axis=1).astype(float),
        "share_14plus": run.stay14.sum(axis=1) / cen,
        "share_21plus": run.stay21.sum(axis=1) / cen,
        "drd_pct_on_date": 100.0 * _ratio(dis - delayed_dis, dis),
        "drd_mean_delay_delayed": _ratio(delay_days, delayed_dis),
        "drd_mean_delay_all": _ratio(delay_days, dis),
    }


def delay_bands(run: FlowRun) -> pd.DataFrame:
    """Discharges by days after the discharge-ready date, as NHS England publishes them.

    Returns
    -------
    pandas.DataFrame
        One row per band of :data:`DELAY_BANDS`: ``band``, ``discharges`` (mean per winter),
        ``share`` (of discharges of a night or more, fraction), ``p10``, ``p90`` (discharges).
    """
    counts = run.band_counts().sum(axis=2).astype(float)  # (bands, reps)
    total = np.maximum(counts.sum(axis=0), 1.0)
    return pd.DataFrame(
        {
            "band": list(DELAY_BANDS),
            "discharges": counts.mean(axis=1),
            "share": (counts / total).mean(axis=1),
            "p10": np.quantile(counts, 0.1, axis=1),
            "p90": np.quantile(counts, 0.9, axis=1),
        }
    )


def flow_kpis(run: FlowRun) -> pd.DataFrame:
    """KPIs across replications.

    Returns
    -------
    pandas.DataFrame
        One row per KPI: ``kpi``, ``label``, ``mean``, ``p10``, ``p50``, ``p90`` and
        ``p_day`` (for the day counts: the probability that a given day is such a day,
        = expected days / days simulated; NaN for other KPIs). Occupancy is census /
        open beds; shares are census-weighted over the window (fractions).
    """
    per = per_rep_kpis(run)
    rows = []
    for k, x in per.items():
        p_day = float(x.mean() / run.days) if k.startswith("days_") else float("nan")
        x = x[np.isfinite(x)] if np.isnan(x).any() else x
        q = _q(x) if x.size else {s: np.nan for s in ("mean", "p10", "p50", "p90")}
        rows.append({"kpi": k, "label": KPI_LABELS[k], **{s: float(v) for s, v in q.items()}, "p_day": p_day})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class FlowCosts:
    """Unit costs (£) for the flow model; all editable in the app.

    Attributes
    ----------
    escalation_bed_day : float
        Per escalation bed per day open, whether used or not. Default £901, the
        non-elective bed day (2020-21 National Cost Collection, PQ 165361).
    delayed_bed_day : float
        Value of a delayed (excess) bed day, £395 (King's Fund, 2022-23).
    boarding_day : float
        Per patient-day waiting in ED for a bed: £345, the hotel cost of a bed day
        without treatment (PQ 146908) pro rata, ≈ £14 an hour - an assumption (no
        published cost per hour of corridor care; docs/sources.md#hospital-flow).
    p1_start : float
        Per Home First start of capacity funded (block contract: paid whether used or not).
    p2_bed_day : float
        Per step-down bed per day (block, whether used or not).
    p3_week : float
        Per week of an interim care-home bed.
    p3_weeks_funded : float
        Weeks of interim (discharge-to-assess) placement funded per P3 discharge.
    surge_bed_day : float
        Per surge bed day (a bed in use above the scheduled beds): £1,352, the non-elective
        bed day (£901) with a 50% premium for temporary staffing and converted space - an
        assumption (no published cost of a surge bed).
    divert : float
        Per patient diverted or transferred out because ED was full: £500 - an assumption of
        the order of an emergency ambulance conveyance (National Cost Collection 2023/24
        "see, treat and convey" is about £460); the receiving hospital's stay is not counted.
    """

    escalation_bed_day: float = 901.0
    delayed_bed_day: float = 395.0
    boarding_day: float = 345.0
    p1_start: float = 2022.0
    p2_bed_day: float = 300.0
    p3_week: float = 916.0
    p3_weeks_funded: float = 4.0
    surge_bed_day: float = 1352.0
    divert: float = 500.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{f.name} must be finite and >= 0, got {v!r}")


def per_rep_costs(run: FlowRun, costs: FlowCosts) -> dict[str, np.ndarray]:
    """Spend and outcome costs (£) per replication over the window.

    Spend: escalation beds (each open bed day, including days kept open for a patient
    after the closing date), P1 capacity (block: starts a week funded), P2 beds (block),
    P3 interim weeks per placement made. Outcome costs (not spend): delayed bed days,
    patient-days waiting in ED, surge bed days (the full-hospital response) and diverts, at
    their unit costs.
    """
    p = run.params
    n, days = run.n_reps, run.days
    ones = np.ones(n)
    esc_days = ones * float(np.maximum(run.beds_scheduled - p.core_beds, 0).sum())
    p1 = ones * (p.p1_starts_per_week / 7.0 * days * costs.p1_start if math.isfinite(p.p1_starts_per_week) else 0.0)
    spend = {
        "escalation_beds": esc_days * costs.escalation_bed_day,
        "p1": p1,
        "p2_beds": ones * p.p2_beds * days * costs.p2_bed_day,
        "p3": run.p3_starts.sum(axis=1) * costs.p3_week * costs.p3_weeks_funded,
    }
    spend["total_spend"] = sum(spend.values())
    spend["delayed_days_cost"] = run.delayed.sum(axis=1) * costs.delayed_bed_day
    spend["boarding_cost"] = run.ed_wait_bins.sum(axis=1) / float(NB) * costs.boarding_day
    spend["surge_cost"] = run.surge.sum(axis=1) * costs.surge_bed_day
    spend["divert_cost"] = run.diverted.sum(axis=1) * costs.divert
    return {k: np.asarray(v, dtype=float) for k, v in spend.items()}


COST_LABELS = {
    "escalation_beds": "Escalation beds (spend)",
    "p1": "Home First / P1 capacity (spend, block)",
    "p2_beds": "Step-down / P2 beds (spend, block)",
    "p3": "Interim care-home placements / P3 (spend)",
    "total_spend": "Total capacity spend",
    "delayed_days_cost": "Delayed bed days (cost of the outcome, gross notional)",
    "boarding_cost": "Waiting in ED for a bed (cost of the outcome, gross notional)",
    "surge_cost": "Surge beds (the full-hospital response)",
    "divert_cost": "Diverts and transfers out (ED full)",
}


def flow_costs(run: FlowRun, costs: FlowCosts | None = None) -> pd.DataFrame:
    """Costs (£) over the simulated window, across replications.

    Returns
    -------
    pandas.DataFrame
        One row per component of :data:`COST_LABELS` with columns ``component``,
        ``label``, ``mean``, ``p10``, ``p50``, ``p90`` (£). The outcome costs are not
        part of ``total_spend``.
    """
    per = per_rep_costs(run, costs or FlowCosts())
    return pd.DataFrame(
        [{"component": k, "label": COST_LABELS[k], **{s: float(v) for s, v in _q(x).items()}} for k, x in per.items()]
    )


OPTION_COLUMNS = (
    "option",
    "delayed_days",
    "delayed_days_avoided",
    "boarding_days",
    "boarding_days_avoided",
    "patients_boarded",
    "waits_over_12h",
    "waits_over_12h_avoided",
    "surge_bed_days",
    "surge_bed_days_avoided",
    "diverted",
    "diverted_avoided",
    "days_at_92",
    "days_at_95",
    "days_full",
    "mean_occupancy_pct",
    "share14",
    "share21",
    "drd_mean_delay_all",
    "spend",
    "extra_cost",
    "response_cost",
    "response_cost_avoided",
    "cost_per_delayed_day_avoided",
    "cost_per_boarding_day_avoided",
    "cost_per_bed_day_freed",
)

#: Outcome costs that the options avoid: delays, waits in ED, surge beds and diverts (£).
RESPONSE_COSTS = ("delayed_days_cost", "boarding_cost", "surge_cost", "divert_cost")


def option_row(name: str, run: FlowRun, costs: FlowCosts, base: FlowRun | None) -> dict[str, float | str]:
    """One row of the options table: outcomes of ``run`` and their paired differences to ``base``.

    ``cost_per_bed_day_freed`` is extra spend per acute bed day freed (delayed days, patient-days in
    ED and surge bed days avoided); ``response_cost`` sums the outcome costs of :data:`RESPONSE_COSTS`.
    """
    k = per_rep_kpis(run)
    c = per_rep_costs(run, costs)
    if base is None:
        kb, cb = k, c
    else:
        kb, cb = per_rep_kpis(base), per_rep_costs(base, costs)

    def avoided(key: str, a: dict[str, np.ndarray] = k, b: dict[str, np.ndarray] = kb) -> float:
        return float(np.mean(b[key] - a[key]))

    d_avoid, b_avoid, s_avoid = avoided("delayed_bed_days"), avoided("boarding_days"), avoided("surge_bed_days")
    extra = float(np.mean(c["total_spend"] - cb["total_spend"]))
    resp = sum(c[x] for x in RESPONSE_COSTS)
    resp_b = sum(cb[x] for x in RESPONSE_COSTS)

    def per(x: float) -> float:
        return extra / x if x > 0.5 else float("nan")

    return {
        "option": name,
        "delayed_days": float(k["delayed_bed_days"].mean()),
        "delayed_days_avoided": d_avoid,
        "boarding_days": float(k["boarding_days"].mean()),
        "boarding_days_avoided": b_avoid,
        "patients_boarded": float(k["patients_boarded"].mean()),
        "waits_over_12h": float(k["waits_over_12h"].mean()),
        "waits_over_12h_avoided": avoided("waits_over_12h"),
        "surge_bed_days": float(k["surge_bed_days"].mean()),
        "surge_bed_days_avoided": s_avoid,
        "diverted": float(k["diverted"].mean()),
        "diverted_avoided": avoided("diverted"),
        "days_at_92": float(k["days_at_92"].mean()),
        "days_at_95": float(k["days_at_95"].mean()),
        "days_full": float(k["days_full"].mean()),
        "mean_occupancy_pct": float(k["mean_occupancy_pct"].mean()),
        "share14": float(k["share_14plus"].mean()),
        "share21": float(k["share_21plus"].mean()),
        "drd_mean_delay_all": float(np.nanmean(k["drd_mean_delay_all"])),
        "spend": float(c["total_spend"].mean()),
        "extra_cost": extra,
        "response_cost": float(np.mean(resp)),
        "response_cost_avoided": float(np.mean(resp_b - resp)),
        "cost_per_delayed_day_avoided": per(d_avoid),
        "cost_per_boarding_day_avoided": per(b_avoid),
        "cost_per_bed_day_freed": per(d_avoid + b_avoid + s_avoid),
    }


def compare_options(
    arrivals_per_day: np.ndarray,
    baseline: FlowParams,
    options: Mapping[str, FlowParams],
    n_reps: int,
    seed: int,
    costs: FlowCosts | None = None,
    *,
    warmup_days: int = WARMUP_DAYS,
    baseline_run: FlowRun | None = None,
) -> pd.DataFrame:
    """Compare capacity options against a baseline with common random numbers.

    Every option is simulated with the same seed and arrivals, so each replication
    sees the same demand path, arrivals and patients (stays and pathways by arrival
    slot); differences are due to capacity, not noise. Pass ``baseline_run`` (the
    headline run) to reuse it: the baseline row then equals the headline figures.

    Returns
    -------
    pandas.DataFrame
        One row per option (baseline first) with :data:`OPTION_COLUMNS`: means over
        replications; ``*_avoided`` are mean paired differences against the baseline;
        ``spend`` and ``extra_cost`` in £; ``cost_per_*`` £ of extra spend per delayed
        day / boarding day / bed day (delayed + boarding) avoided (NaN when none).
    """
    costs = costs or FlowCosts()
    base = baseline_run or simulate_flow(arrivals_per_day, baseline, n_reps, seed, warmup_days=warmup_days)
    rows = [option_row("baseline", base, costs, None)]
    for name, prm in options.items():
        run = simulate_flow(arrivals_per_day, prm, n_reps, seed, warmup_days=warmup_days)
        rows.append(option_row(name, run, costs, base))
    return pd.DataFrame(rows, columns=list(OPTION_COLUMNS))


# ----------------------------------------------------------------------------
# Arrivals profile
# ----------------------------------------------------------------------------

#: Mon..Sun multipliers: mild Monday peak, weekend dip. Illustrative assumption.
DEFAULT_WEEKDAY_SHAPE: tuple[float, ...] = (1.08, 1.03, 1.01, 1.00, 1.01, 0.93, 0.94)


def arrivals_profile(
    start_date: str | pd.Timestamp,
    days: int,
    annual_admissions: float | None = None,
    monthly_means: Sequence[float] | None = None,
    weekday_shape: Sequence[float] = DEFAULT_WEEKDAY_SHAPE,
    winter_uplift_pct: float = 0.0,
    winter_months: Sequence[int] = (12, 1, 2),
) -> np.ndarray:
    """Expected emergency arrivals per day with weekday and winter shape.

    Parameters
    ----------
    start_date : date-like
        First day of the window.
    days : int
        Length of the window (days).
    annual_admissions : float, optional
        Admissions per year (flat over months before the winter uplift).
    monthly_means : sequence of 12 floats, optional
        Mean admissions per day in each calendar month, Jan..Dec. Exactly one of
        ``annual_admissions`` / ``monthly_means`` must be given.
    weekday_shape : sequence of 7 floats
        Mon..Sun multipliers (rescaled to mean 1). Default is an illustrative
        assumption (mild Monday peak, weekend dip).
    winter_uplift_pct : float
        Percentage uplift applied in ``winter_months`` (monthly counts vary only ~3%;
        winter pressure is mostly longer stays: docs/sources.md#national-metrics-and-winter).

    Returns
    -------
    numpy.ndarray (days,)
        Expected arrivals per day.
    """
    if (annual_admissions is None) == (monthly_means is None):
        raise ValueError("give exactly one of annual_admissions or monthly_means")
    if int(days) != days or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    shape = np.asarray(weekday_shape, dtype=float)
    if shape.shape != (7,) or not np.all(np.isfinite(shape)) or (shape <= 0).any():
        raise ValueError("weekday_shape needs 7 positive values (Mon..Sun)")
    if not math.isfinite(winter_uplift_pct) or winter_uplift_pct <= -100:
        raise ValueError("winter_uplift_pct must be finite and > -100")
    dates = pd.date_range(pd.Timestamp(start_date), periods=int(days), freq="D")
    if monthly_means is not None:
        mm = np.asarray(monthly_means, dtype=float)
        if mm.shape != (12,) or not np.all(np.isfinite(mm)) or (mm < 0).any():
            raise ValueError("monthly_means needs 12 non-negative values (Jan..Dec)")
        base = mm[dates.month.to_numpy() - 1]
    else:
        a = float(annual_admissions)  # type: ignore[arg-type]
        if not math.isfinite(a) or a < 0:
            raise ValueError("annual_admissions must be finite and >= 0")
        base = np.full(int(days), a / 365.25)
    shape = shape / shape.mean()
    wk = shape[dates.day_of_week.to_numpy()]
    winter = np.isin(dates.month.to_numpy(), np.asarray(list(winter_months)))
    return base * wk * np.where(winter, 1.0 + winter_uplift_pct / 100.0, 1.0)
