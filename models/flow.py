"""Daily, stochastic, vectorised model of an area's acute non-elective bed base.

What it models (DESIGN.md 4.5)
------------------------------
* Emergency arrivals each day are Poisson with the given daily means.
* Each patient's time from admission to "medically ready" is log-normal
  ``L ~ LogNormal(mu, sigma)`` (days).
* On becoming ready the patient follows pathway P0 (leaves at once), P1 (home with
  support: limited starts per day), P2 (step-down bed: limited beds) or P3 (care
  home: limited placements per day). When the pathway is full the patient waits in
  the acute bed: a *delayed* bed-day for every census they are counted in. Waiting
  patients keep ageing, so delays raise the 14+/21+ day counts.
* The funded acute bed base is core beds plus escalation beds while open.

Time convention (why the model matches continuous time)
-------------------------------------------------------
Day ``t`` is the interval ``[t, t+1)``; the *census* is taken at the end of the day,
after the daily discharge round. A patient arriving at ``t + U`` (``U`` uniform in
the day) with stay ``L`` is in ``D = floor(U + L)`` censuses, so ``E[D] = E[L]``
exactly and mean census = arrivals/day x mean stay (Little's law) with no
half-day bias. ``D`` is drawn from its exact distribution,
``P(D > s) = G(s) - G(s+1)`` with ``G(t) = E[(L - t)+]``. The "elapsed stay" of a
patient at a census is the number of earlier censuses they were in; "elapsed >= 14"
is exactly "in hospital more than 14 days" in continuous time, so the simulated
snapshot share of 14+ patients equals ``G(14)/G(0)`` (see :func:`calibrate_los`).

Within a day: (1) patients becoming ready join their pathway queue (P0 leave);
(2) arrivals are admitted (``overflow="lost"``: only into free funded beds, the
rest are refused and counted; ``overflow="queue"``: all are admitted and any
inpatients above the funded base are reported as ``overflow`` - surge / outlier
beds - so ``occupied <= beds_available`` always holds for funded beds while
``census`` can exceed it); (3) the discharge round serves each pathway queue
longest-stay-first up to the day's capacity; (4) census.

Implementation
--------------
All random numbers are drawn in NumPy up front (arrivals, capacity rounding, the
initial state, and one raw 32-bit word per arrival for its days-to-ready and
pathway); the day loop runs in a Numba kernel (:mod:`models.flow_kernel`), one
replication at a time, in blocks of replications on two threads. Each patient's
word is mapped to the exact discrete (days-to-ready, pathway) distribution by a
table look-up and the day's cohort is scattered into ring buffers indexed by
calendar day (census on each later day by 14/21-day class, readiness day by
elapsed stay), so each day just reads one row. Queues hold counts by elapsed stay
0..20 and 21+. The kernel is compiled on the first call (a few seconds) and
cached in ``__pycache__`` when that is writable.

Common random numbers: independent child streams are used for arrivals, stays and
pathways (drawn jointly per admitted patient), the fractional-capacity rounding of
P1 and P3, and the initial state, so changing a capacity never shifts the random
numbers used elsewhere. In ``overflow="queue"`` mode arrivals, stays and pathways
are identical across capacity options, and delayed days are pathwise
non-increasing in P1/P3 capacity, P2 beds and acute beds (tested property). In
``"lost"`` mode only the arrivals are common (who is admitted depends on beds).

Known simplifications: P2 stays are a fixed whole number of days; queues are
served longest-stay-first (delayed-day totals do not depend on the order);
days to ready are truncated at ``max_stay_days - 1`` (use
``calibrate_los(..., max_stay_days=...)`` to fit the truncated shares); the
lognormal tail beyond that is lumped into the last day.

Never imports streamlit.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import ndtr

from models.beds import erlang_b
from models.flow_kernel import FIELDS, flow_day_loop

__all__ = [
    "FlowParams",
    "FlowRun",
    "FlowCosts",
    "lognormal_mean",
    "expected_excess",
    "snapshot_share",
    "calibrate_los",
    "ready_day_pmf",
    "simulate_flow",
    "weekly_occupancy",
    "flow_kpis",
    "flow_costs",
    "compare_options",
    "arrivals_profile",
    "DEFAULT_WEEKDAY_SHAPE",
]

# Elapsed-stay classes tracked for waiting patients: 0..20 days and "21+".
_N_CLS = 22
# Readiness channels: elapsed stay 0..21 exactly and 22+.
_N_CH = 23
_NEAR = 21  # ring length for events up to 20 days ahead
_BIG = np.int64(2**40)  # "infinite" daily capacity
_N_THREADS = 2  # worker threads for the compiled day loop
_REP_BLOCK = 64  # replications per block of pre-drawn patient words (fixed: part of the RNG layout)


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


class _TableSampler:
    """Exact discrete sampler tables: 4,096-slot look-up table plus rare fix-ups.

    A raw 32-bit word ``w`` is a uniform on [0, 2**32); the outcome is the first
    ``k`` with ``w < cut[k]`` (``cut = round(cdf * 2**32)``). The top bits of ``w``
    index a small table (fits in L1 cache) that holds the outcome times ``mult``
    whenever the slot lies inside one outcome's interval, else -1: only words in
    the few slots that straddle a boundary (< m/4096 of patients) need a binary
    search of ``cut``. Used by :func:`models.flow_kernel.flow_day_loop`.
    """

    def __init__(self, pmf: np.ndarray, mult: int) -> None:
        pmf = np.asarray(pmf, dtype=float)
        # Table size grows with the number of outcomes so that straddling slots
        # (at most one per outcome) stay a small share of the table.
        self._BITS = 12 if pmf.size <= 128 else (14 if pmf.size <= 1024 else 16)
        cdf = np.cumsum(pmf / pmf.sum())
        # Integer cut points: outcome k covers words in [cut[k-1], cut[k]).
        cut = np.minimum(np.round(cdf * 2.0**32), 2.0**32).astype(np.uint64)
        cut[-1] = np.uint64(2**32)
        self.cut = cut
        self.mult = np.int64(mult)
        nslot = 1 << self._BITS
        width = 1 << (32 - self._BITS)
        lo = np.arange(nslot, dtype=np.uint64) * np.uint64(width)
        hi = lo + np.uint64(width - 1)
        k_lo = np.searchsorted(cut, lo, side="right")
        k_hi = np.searchsorted(cut, hi, side="right")
        self.table = np.where(k_lo == k_hi, k_lo.astype(np.int64) * mult, -1).astype(np.int64)
        self.shift = np.uint32(32 - self._BITS)


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
        (day offsets within the simulated window; open inclusive, close exclusive).
    escalation_open_day, escalation_close_day : int
        See above. ``open == close`` means never open.
    los_mu, los_sigma : float
        Log-normal parameters of days from admission to medically ready
        (``los_sigma`` in (0.05, 3]).
    pathway_shares : tuple of 4 floats
        P0, P1, P2, P3 shares of ready patients (sum to 1).
    p1_starts_per_week : float
        Home First / reablement starts available per week (``math.inf`` = unlimited).
    p2_beds : int
        Step-down / rehab beds. Default 0: with a P2 share > 0 every P2 patient
        then waits in an acute bed, so set it (or the P2 share) explicitly.
    p2_los_days : float
        Stay in a P2 bed (days); simulated as a fixed whole number of days
        ``max(1, round(p2_los_days))`` (keeps comparisons pathwise monotone).
    p3_per_week : float
        Care-home placements available per week (``math.inf`` = unlimited).
    max_stay_days : int
        Days to medically ready are truncated at ``max_stay_days - 1``
        (tail mass lumped there); must be >= 28.
    overflow : {"queue", "lost"}
        ``"queue"`` (default): arrivals are always admitted; inpatients above the
        funded base are counted in ``overflow`` (surge/outlier beds).
        ``"lost"``: arrivals finding all funded beds full are refused and counted
        in ``refused`` (loss system, used for the Erlang-B check). A bed freed on
        a day is available to all that day's arrivals, so the daily loss system
        behaves like Erlang B with mean holding time ``E[D] - 1/2`` days (exact
        for few arrivals per day and long stays).
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
    overflow: Literal["queue", "lost"] = "queue"

    def __post_init__(self) -> None:
        for name in (
            "core_beds",
            "escalation_beds",
            "p2_beds",
            "max_stay_days",
            "escalation_open_day",
            "escalation_close_day",
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{name} must be an integer, got {v!r}")
        if self.core_beds < 0 or self.escalation_beds < 0 or self.p2_beds < 0:
            raise ValueError("core_beds, escalation_beds and p2_beds must be >= 0")
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
        if self.overflow not in ("queue", "lost"):
            raise ValueError(f"overflow must be 'queue' or 'lost', got {self.overflow!r}")

    @property
    def mean_stay_days(self) -> float:
        """Mean days from admission to medically ready (untruncated log-normal)."""
        return lognormal_mean(self.los_mu, self.los_sigma)

    def beds_available(self, days: int) -> np.ndarray:
        """Funded acute beds on each day ``0..days-1`` (core + escalation when open)."""
        t = np.arange(days)
        open_ = (t >= self.escalation_open_day) & (t < self.escalation_close_day)
        return self.core_beds + self.escalation_beds * open_.astype(np.int64)


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields explicitly
class FlowRun:
    """Result of :func:`simulate_flow`. All arrays are ``(n_reps, days)`` int64 unless noted.

    Attributes
    ----------
    params : FlowParams
    beds_available : ndarray (days,)
        Funded acute beds each day (core + escalation while open).
    arrivals : emergency arrivals on the day.
    admitted : arrivals admitted (= arrivals unless ``overflow="lost"``).
    refused : arrivals refused because all funded beds were full (``"lost"`` only).
    census : inpatients at the end-of-day census (incl. overflow).
    occupied : funded beds occupied, ``min(census, beds_available)``.
    overflow : inpatients above the funded base (surge/outlier beds, ``"queue"`` mode).
    delayed : medically ready patients waiting in an acute bed at census
        (= delayed bed-days incurred that day).
    new_delayed : patients newly delayed that day (ready but not discharged the
        same day), counted as if each pathway queue were first-come-first-served.
    ready : patients becoming medically ready that day (all pathways), except those whose stay to
        ready is exactly 14 or 21 days (they leave the not-ready census through the 14/21-day
        class transitions); used by no KPI.
    stay14, stay21 : inpatients at census whose stay so far is >= 14 / >= 21 days.
    p1_starts, p2_admissions, p3_starts : discharges into P1 / P2 beds / P3.
    p2_occupied : step-down beds occupied at census.
    queue_p1, queue_p2, queue_p3 : patients waiting for each pathway at census.
    """

    params: FlowParams
    beds_available: np.ndarray
    arrivals: np.ndarray
    admitted: np.ndarray
    refused: np.ndarray
    census: np.ndarray
    occupied: np.ndarray
    overflow: np.ndarray
    delayed: np.ndarray
    new_delayed: np.ndarray
    ready: np.ndarray
    stay14: np.ndarray
    stay21: np.ndarray
    p1_starts: np.ndarray
    p2_admissions: np.ndarray
    p2_occupied: np.ndarray
    p3_starts: np.ndarray
    queue_p1: np.ndarray
    queue_p2: np.ndarray
    queue_p3: np.ndarray

    @property
    def n_reps(self) -> int:
        return int(self.census.shape[0])

    @property
    def days(self) -> int:
        return int(self.census.shape[1])

    @property
    def occupancy(self) -> np.ndarray:
        """Census / funded beds available (fraction; > 1 means overflow)."""
        return self.census / np.maximum(self.beds_available, 1)[None, :]


# ----------------------------------------------------------------------------
# Simulation
# ----------------------------------------------------------------------------


def _stationary_start(
    cnear: np.ndarray,
    cfar: np.ndarray,
    qnear: np.ndarray,
    qfar: np.ndarray,
    tbuf: np.ndarray,
    lam0: float,
    pmf: np.ndarray,
    shares: np.ndarray,
    n_rep: int,
    rng: np.random.Generator,
    cap: int | None = None,
    min_ready_day: int = 0,
) -> np.ndarray:
    """Start with the not-yet-ready inpatients of a stationary past at ``lam0``/day.

    Poisson splitting: of the patients admitted ``j`` days before day 0, those
    still not ready at the start number Poisson(lam0 * P(D >= j)) independently,
    so only they are drawn (about one census per replication), with ``D`` from
    its conditional distribution. Their readiness events and 14/21-day class
    transitions are written into the buffers; returns the census by class
    (<14, 14-20, 21+ days) at the end of day -1, shape (3, n_rep).

    ``min_ready_day > 0`` keeps only the patients still not ready on that day
    (the start of the reporting window after a warm-up): the others would leave
    during the warm-up, and skipping them cuts the start-up cost ~20-fold.
    """
    m = pmf.size
    cen = np.zeros((3, n_rep), dtype=np.int64)
    cdf = np.cumsum(pmf)
    cdf[-1] = 1.0
    surv_ge = np.concatenate([[1.0], 1.0 - cdf[:-1], [0.0]])  # P(D >= j), j = 0..m
    j_all = np.arange(1, m)
    d_min = np.minimum(j_all + min_ready_day, m)  # only patients ready on/after min_ready_day
    n = rng.poisson(lam0 * np.clip(surv_ge[d_min], 0.0, 1.0)[:, None], size=(m - 1, n_rep))
    tot = int(n.sum())
    if tot == 0:
        return cen
    counts_j = n.sum(axis=1)
    j = np.repeat(j_all, counts_j)
    dm = np.repeat(d_min, counts_j)
    r = np.repeat(np.tile(np.arange(n_rep), m - 1), n.ravel())
    lo = cdf[dm - 1]
    d = np.searchsorted(cdf, lo + rng.random(tot) * (1.0 - lo), side="right")
    d = np.clip(d, dm, m - 1)
    k = np.searchsorted(np.cumsum(shares)[:3], rng.random(tot), side="right")  # pathway 0..3
    if cap is not None:
        # Loss system: keep at most `cap` of each replication's patients, chosen at
        # random (the arrival rate was already thinned to the carried load).
        order = np.lexsort((rng.random(tot), r))
        first = np.searchsorted(r[order], np.arange(n_rep))
        rank = np.empty(tot, dtype=np.int64)
        rank[order] = np.arange(tot) - np.repeat(first, np.bincount(r, minlength=n_rep))
        keep = rank < cap
        j, r, d, k = j[keep], r[keep], d[keep], k[keep]
        tot = j.size
        if tot == 0:
            return cen
    w = d - j  # day of readiness (>= 0)
    # Census decrements on the readiness day: groups d 1-13, 15-20 (near ring,
    # row w % 21) and 22+ (far ring, row w); 14 and 21 go via tbuf.
    grp = np.where(d < 14, 0, 1)
    sel = (d < _N_CLS - 1) & (d != 14)
    cnear += np.bincount((grp[sel] * _NEAR + w[sel]) * n_rep + r[sel], minlength=2 * _NEAR * n_rep).reshape(
        2, _NEAR, n_rep
    )
    sel = d > _N_CLS - 1
    cfar += np.bincount(w[sel] * n_rep + r[sel], minlength=m * n_rep).reshape(m, n_rep)
    # Queue entries of P1-P3: elapsed class d (< 21) in the near ring, 21+ in the far ring.
    sel = (k > 0) & (d < _N_CLS - 1)
    key = (((k[sel] - 1) * _NEAR + d[sel]) * _NEAR + w[sel]) * n_rep + r[sel]
    qnear += np.bincount(key, minlength=3 * _NEAR * _NEAR * n_rep).reshape(3, _NEAR, _NEAR, n_rep)
    sel = (k > 0) & (d >= _N_CLS - 1)
    key = ((k[sel] - 1) * m + w[sel]) * n_rep + r[sel]
    qfar += np.bincount(key, minlength=3 * m * n_rep).reshape(3, m, n_rep)
    s0 = j - 1  # elapsed stay at the census of day -1
    c0 = np.where(s0 < 14, 0, np.where(s0 < 21, 1, 2))
    cen += np.bincount(c0 * n_rep + r, minlength=3 * n_rep).reshape(3, n_rep)
    for thr, cls_from in ((14, 0), (21, 1)):
        sel = (j <= thr) & (d >= thr)
        key = (thr - j[sel]) * n_rep + r[sel]
        tbuf[:, cls_from] -= np.bincount(key, minlength=_N_CLS * n_rep).reshape(_N_CLS, n_rep)
        key = key[d[sel] >= thr + 1]
        tbuf[:, cls_from + 1] += np.bincount(key, minlength=_N_CLS * n_rep).reshape(_N_CLS, n_rep)
    return cen


def simulate_flow(
    arrivals_per_day: np.ndarray,
    params: FlowParams,
    n_reps: int,
    rng: np.random.Generator,
    *,
    warmup_days: int = 28,
    initial_arrivals_per_day: float | None = None,
) -> FlowRun:
    """Simulate ``n_reps`` replications of the daily acute bed flow.

    Parameters
    ----------
    arrivals_per_day : ndarray (days,)
        Expected emergency arrivals on each day of the window.
    params : FlowParams
        Beds, stays, pathways and capacities.
    n_reps : int
        Replications (~1,000 x 182 days in ~0.1 s; the first call in a process
        without a cached kernel compiles it, a few seconds).
    rng : numpy.random.Generator
        Source of randomness; independent child streams are spawned from it
        (use a fresh ``default_rng(seed)`` per option for common random numbers).
    warmup_days : int
        Days simulated before the window at ``initial_arrivals_per_day`` (with
        day-0 beds) and discarded, so discharge queues and P2 beds start near
        steady state. Inpatients of the stationary past who are still not ready
        at the window start are drawn exactly from their stationary
        (infinite-bed) distribution, so no long warm-up is needed for the
        14+/21+ tail; those who would become ready during the warm-up are left
        out (so the discharge queues see a lighter load in the first days of
        the warm-up). In ``"lost"`` mode the start is thinned to the Erlang
        carried load and capped at the beds. Queues and P2 beds start empty.
    initial_arrivals_per_day : float, optional
        Arrival rate of the stationary past; default the mean of the first 7 days.

    Returns
    -------
    FlowRun
    """
    lam = np.asarray(arrivals_per_day, dtype=float)
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError("arrivals_per_day must be a non-empty 1-D array")
    if not np.all(np.isfinite(lam)) or (lam < 0).any():
        raise ValueError("arrivals_per_day must be finite and >= 0")
    if isinstance(n_reps, bool) or int(n_reps) != n_reps or n_reps < 1:
        raise ValueError(f"n_reps must be a positive integer, got {n_reps!r}")
    if int(warmup_days) != warmup_days or warmup_days < 0:
        raise ValueError("warmup_days must be an integer >= 0")
    p = params
    n_rep = int(n_reps)
    days = lam.size
    lam0 = float(lam[:7].mean()) if initial_arrivals_per_day is None else float(initial_arrivals_per_day)
    if not math.isfinite(lam0) or lam0 < 0:
        raise ValueError("initial_arrivals_per_day must be finite and >= 0")
    wu = int(warmup_days)
    total = wu + days
    lam_all = np.concatenate([np.full(wu, lam0), lam])
    avail = p.beds_available(days).astype(np.int64)
    avail_all = np.concatenate([np.full(wu, avail[0]), avail])

    m = p.max_stay_days
    lost = p.overflow == "lost"
    pmf = ready_day_pmf(p.los_mu, p.los_sigma, m)
    shares = np.asarray(p.pathway_shares, dtype=float)
    # One draw per admitted patient gives days-to-ready D (0..21) and pathway k
    # jointly as the outcome 4 * D + k; the ~3% ready 22+ days ahead share one extra outcome ("far") and get a second
    # draw of (D, k) from the far tail.
    joint = np.outer(pmf, shares)
    q_far = min(max(float(pmf[_NEAR + 1 :].sum()), 0.0), 1.0)
    first_pmf = np.append(joint[: _NEAR + 1].ravel(), q_far)
    first_sampler = _TableSampler(first_pmf, 1)
    far_sampler = _TableSampler(joint[_NEAR + 1 :].ravel(), 1) if q_far > 0 else None
    s_arr, s_los, s_p1, s_p3, s_init = rng.spawn(5)
    bg_los = s_los.bit_generator
    arrivals = s_arr.poisson(lam_all[:, None], size=(total, n_rep)).astype(np.int64)

    def daily_capacity(per_week: float, stream: np.random.Generator) -> np.ndarray:
        u = stream.random((total, n_rep))  # always drawn: keeps streams aligned
        if math.isinf(per_week):
            return np.full((total, n_rep), _BIG, dtype=np.int64)
        # Stochastic rounding floor(rate + U): unbiased, and with common U pointwise
        # monotone in the rate (a deterministic carry is not).
        return np.floor(per_week / 7.0 + u).astype(np.int64)

    cap1 = daily_capacity(p.p1_starts_per_week, s_p1)
    cap3 = daily_capacity(p.p3_per_week, s_p3)
    l2 = max(1, int(round(p.p2_los_days)))

    # Ring buffers of future readiness events. Near rings (row = day % 21) hold
    # events up to 20 days ahead; far rings (row = day % m) those 21+ days ahead.
    #   cnear[g, row]: not-ready patients becoming ready with elapsed 1-13 (g=0)
    #                  or 15-20 (g=1) days; cfar[row]: with elapsed 22+ days.
    #                  (Exactly 14 / 21 days go via the class transitions tbuf.)
    #   qnear[k, c, row]: P1..P3 patients becoming ready with elapsed stay c (1..20);
    #   qfar[k, row]: P1..P3 patients becoming ready with elapsed stay 21+.
    #   tbuf[day % 22]: census class changes as cohorts pass 14 and 21 days.
    # cen: census of not-yet-ready inpatients by class (<14, 14-20, 21+ days).
    cnear = np.zeros((2, _NEAR, n_rep), dtype=np.int64)
    cfar = np.zeros((m, n_rep), dtype=np.int64)
    qnear = np.zeros((3, _NEAR, _NEAR, n_rep), dtype=np.int64)
    qfar = np.zeros((3, m, n_rep), dtype=np.int64)
    tbuf = np.zeros((_N_CLS, 3, n_rep), dtype=np.int64)
    if lost:
        # Loss system: the stationary past admits only the carried load (Erlang B
        # is insensitive to the stay distribution), capped at the day-0 beds.
        ed = float(np.arange(m) @ pmf)
        lam_init = lam0 * (1.0 - erlang_b(int(avail_all[0]), lam0 * ed)) if lam0 > 0 else 0.0
        cen = _stationary_start(
            cnear, cfar, qnear, qfar, tbuf, lam_init, pmf, shares, n_rep, s_init, int(avail_all[0]), wu
        )
    else:
        cen = _stationary_start(cnear, cfar, qnear, qfar, tbuf, lam0, pmf, shares, n_rep, s_init, None, wu)
    # One raw 32-bit word per arrival gives the joint (days-to-ready, pathway)
    # outcome in the kernel (admitted patients use the first words of their day);
    # words falling in the "far" outcome get a second word from the far tail. In
    # "queue" mode every arrival is admitted, so the words - and so every
    # patient's stay and pathway - do not depend on capacity. Words are drawn
    # for blocks of _REP_BLOCK replications (cache-sized buffers).
    out = np.empty((len(FIELDS), n_rep, days), dtype=np.int64)
    per_rep = arrivals.sum(axis=0)
    far_lo = int(first_sampler.cut[-2])
    no_far = np.zeros(0, dtype=np.uint32)
    if far_sampler is not None:
        far_table, far_cut, far_shift = far_sampler.table, far_sampler.cut, int(far_sampler.shift)
    else:
        far_table, far_cut, far_shift = np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.uint64), 31
    # Blocks run on two threads (the kernel releases the GIL and blocks write
    # disjoint rows of `out`); the draws stay sequential here, so results do not
    # depend on scheduling. At most 4 blocks of words are held at a time.
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=_N_THREADS) as pool:
        for r0 in range(0, n_rep, _REP_BLOCK):
            r1 = min(r0 + _REP_BLOCK, n_rep)
            n_pat = int(per_rep[r0:r1].sum())
            words = bg_los.random_raw((n_pat + 1) // 2).view(np.uint32)[:n_pat]
            n_far = int(np.count_nonzero(words >= far_lo)) if far_lo < 2**32 else 0
            far_words = no_far
            if n_far:
                assert far_sampler is not None
                far_words = bg_los.random_raw((n_far + 1) // 2).view(np.uint32)[:n_far]
            if len(pending) >= 2 * _N_THREADS:
                pending.popleft().result()
            pending.append(
                pool.submit(
                    flow_day_loop,
                    r0,
                    r1,
                    arrivals,
                    avail_all,
                    cap1,
                    cap3,
                    int(p.p2_beds),
                    int(l2),
                    int(wu),
                    bool(lost),
                    int(m),
                    words,
                    far_words,
                    first_sampler.table,
                    first_sampler.cut,
                    int(first_sampler.shift),
                    far_table,
                    far_cut,
                    far_shift,
                    cnear,
                    cfar,
                    qnear,
                    qfar,
                    tbuf,
                    cen,
                    out,
                )
            )
        while pending:
            pending.popleft().result()
    return FlowRun(params=p, beds_available=avail, **dict(zip(FIELDS, out, strict=True)))


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

    Each replication's census is averaged over the week and divided by the
    week's mean funded beds; quantiles are across replications.

    Returns
    -------
    pandas.DataFrame
        Columns ``week`` (0-based), ``week_start`` (if ``start_date`` given),
        ``mean``, ``p10``, ``p50``, ``p90`` (occupancy, % of funded beds),
        ``beds`` (mean funded beds in the week), ``census_mean`` (inpatients).
    """
    days = run.days
    week = np.arange(days) // 7
    n_w = int(week[-1]) + 1
    cen = np.stack([run.census[:, week == k].mean(axis=1) for k in range(n_w)], axis=1)
    beds = np.array([run.beds_available[week == k].mean() for k in range(n_w)])
    pct = 100.0 * cen / np.maximum(beds, 1)[None, :]
    stats = _q(pct)
    df = pd.DataFrame({"week": np.arange(n_w), **stats, "beds": beds, "census_mean": cen.mean(axis=0)})
    if start_date is not None:
        df.insert(1, "week_start", pd.Timestamp(start_date) + pd.to_timedelta(7 * df["week"], unit="D"))
    return df


def _per_rep_kpis(run: FlowRun) -> dict[str, np.ndarray]:
    occ = run.occupancy
    cen = np.maximum(run.census, 1)
    return {
        "days_above_92": (occ > 0.92).sum(axis=1).astype(float),
        "days_above_95": (occ > 0.95).sum(axis=1).astype(float),
        "days_above_100": (occ > 1.0).sum(axis=1).astype(float),
        "delayed_bed_days": run.delayed.sum(axis=1).astype(float),
        "share_14plus": (run.stay14 / cen).mean(axis=1),
        "share_21plus": (run.stay21 / cen).mean(axis=1),
        "peak_occupancy_pct": 100.0 * occ.max(axis=1),
        "mean_occupancy_pct": 100.0 * occ.mean(axis=1),
        "overflow_bed_days": run.overflow.sum(axis=1).astype(float),
        "refused": run.refused.sum(axis=1).astype(float),
    }


_KPI_LABELS = {
    "days_above_92": "Days above 92% occupancy",
    "days_above_95": "Days above 95% occupancy",
    "days_above_100": "Days above 100% occupancy",
    "delayed_bed_days": "Delayed bed-days",
    "share_14plus": "Share of inpatients 14+ days",
    "share_21plus": "Share of inpatients 21+ days",
    "peak_occupancy_pct": "Peak occupancy (%)",
    "mean_occupancy_pct": "Mean occupancy (%)",
    "overflow_bed_days": "Bed-days above funded beds",
    "refused": "Arrivals refused",
}


def flow_kpis(run: FlowRun) -> pd.DataFrame:
    """KPIs across replications.

    Returns
    -------
    pandas.DataFrame
        One row per KPI: columns ``kpi``, ``label``, ``mean``, ``p10``, ``p50``,
        ``p90``. Occupancy is census / funded beds available; shares are the
        snapshot 14+/21+ shares averaged over days (fractions).
    """
    per = _per_rep_kpis(run)
    rows = [{"kpi": k, "label": _KPI_LABELS[k], **{s: float(v) for s, v in _q(x).items()}} for k, x in per.items()]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class FlowCosts:
    """Unit costs (£) for the flow model; all editable in the app.

    Attributes
    ----------
    escalation_bed_day : float
        Per escalation bed per day open, whether used or not. Default £901, the
        non-elective bed day (2020-21 National Cost Collection, PQ 165361).
    overflow_bed_day : float
        Per inpatient-day above the funded base (surge/outlier). Default £901 (same source).
    delayed_bed_day : float
        Value of a delayed (excess) bed-day, £395 (King's Fund, 2022-23).
    p1_start : float
        Per Home First / reablement start, £2,088 (Glendinning et al. 2010, 2010 prices).
        Charged per start used when ``p1_block_contract`` is False, else per start of
        capacity funded.
    p1_block_contract : bool
        If True (default) P1 capacity is paid whether used or not. Illustrative assumption.
    p2_bed_day : float
        Per step-down bed per day (block, whether used or not): £300 - illustrative assumption.
    p3_week : float
        Per care-home week, £916 (council-paid residential 65+, ASC-FR 2023-24).
    p3_weeks_funded : float
        Weeks of discharge-to-assess placement funded per P3 discharge: 4 - illustrative assumption.
    """

    escalation_bed_day: float = 901.0
    overflow_bed_day: float = 901.0
    delayed_bed_day: float = 395.0
    p1_start: float = 2088.0
    p1_block_contract: bool = True
    p2_bed_day: float = 300.0
    p3_week: float = 916.0
    p3_weeks_funded: float = 4.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "p1_block_contract":
                continue
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{f.name} must be finite and >= 0, got {v!r}")


def _per_rep_costs(run: FlowRun, costs: FlowCosts) -> dict[str, np.ndarray]:
    p = run.params
    n, days = run.n_reps, run.days
    esc_days = float((run.beds_available - p.core_beds).sum())  # escalation bed-days open
    ones = np.ones(n)
    if costs.p1_block_contract and math.isfinite(p.p1_starts_per_week):
        p1 = ones * p.p1_starts_per_week / 7.0 * days * costs.p1_start
    else:
        p1 = run.p1_starts.sum(axis=1) * costs.p1_start
    spend = {
        "escalation_beds": ones * esc_days * costs.escalation_bed_day,
        "overflow_beds": run.overflow.sum(axis=1) * costs.overflow_bed_day,
        "p1": p1.astype(float),
        "p2_beds": ones * p.p2_beds * days * costs.p2_bed_day,
        "p3": run.p3_starts.sum(axis=1) * costs.p3_week * costs.p3_weeks_funded,
    }
    spend["total_spend"] = sum(spend.values())
    spend["delayed_days_value"] = run.delayed.sum(axis=1) * costs.delayed_bed_day
    return {k: np.asarray(v, dtype=float) for k, v in spend.items()}


def flow_costs(run: FlowRun, costs: FlowCosts | None = None) -> pd.DataFrame:
    """Costs (£) over the simulated window, across replications.

    Returns
    -------
    pandas.DataFrame
        One row per component (``escalation_beds``, ``overflow_beds``, ``p1``,
        ``p2_beds``, ``p3``, ``total_spend``, ``delayed_days_value``) with
        columns ``component``, ``mean``, ``p10``, ``p50``, ``p90`` (£).
        ``delayed_days_value`` (delayed bed-days x £/excess bed-day) is the cost
        of the outcome, not spend, and is excluded from ``total_spend``.
    """
    per = _per_rep_costs(run, costs or FlowCosts())
    return pd.DataFrame([{"component": k, **{s: float(v) for s, v in _q(x).items()}} for k, x in per.items()])


def compare_options(
    arrivals_per_day: np.ndarray,
    baseline: FlowParams,
    options: Mapping[str, FlowParams],
    n_reps: int,
    seed: int,
    costs: FlowCosts | None = None,
    *,
    warmup_days: int = 28,
) -> pd.DataFrame:
    """Compare capacity options against a baseline with common random numbers.

    Every option is simulated with ``default_rng(seed)``, so arrivals are identical
    and (in ``"queue"`` mode) so are every patient's stay and pathway; differences
    are due to capacity, not noise.

    Returns
    -------
    pandas.DataFrame
        One row per option (baseline first): ``option``, ``delayed_days`` (mean
        over reps), ``delayed_days_avoided`` (mean paired difference vs baseline),
        ``days_above_92``, ``days_above_95``, ``days_above_100`` (means),
        ``peak_occupancy_p90`` (%), ``share14``, ``share21`` (fractions),
        ``spend`` (£, mean), ``extra_cost`` (£ vs baseline),
        ``cost_per_delayed_day_avoided`` (£; NaN if none avoided).
    """
    costs = costs or FlowCosts()
    runs: dict[str, FlowParams] = {"baseline": baseline, **dict(options)}
    base_delay = None
    base_spend = None
    rows = []
    for name, prm in runs.items():
        run = simulate_flow(arrivals_per_day, prm, n_reps, np.random.default_rng(seed), warmup_days=warmup_days)
        k = _per_rep_kpis(run)
        c = _per_rep_costs(run, costs)
        if base_delay is None:
            base_delay, base_spend = k["delayed_bed_days"], c["total_spend"]
        assert base_spend is not None
        avoided = float(np.mean(base_delay - k["delayed_bed_days"]))
        extra = float(np.mean(c["total_spend"] - base_spend))
        rows.append(
            {
                "option": name,
                "delayed_days": float(k["delayed_bed_days"].mean()),
                "delayed_days_avoided": avoided,
                "days_above_92": float(k["days_above_92"].mean()),
                "days_above_95": float(k["days_above_95"].mean()),
                "days_above_100": float(k["days_above_100"].mean()),
                "peak_occupancy_p90": float(np.quantile(k["peak_occupancy_pct"], 0.9)),
                "share14": float(k["share_14plus"].mean()),
                "share21": float(k["share_21plus"].mean()),
                "spend": float(c["total_spend"].mean()),
                "extra_cost": extra,
                "cost_per_delayed_day_avoided": extra / avoided if avoided > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


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
        Percentage uplift applied in ``winter_months`` (DOMAIN: monthly counts vary
        only ~3%; winter pressure is mostly longer stays).

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
