"""Numba kernel of :func:`models.flow.simulate.simulate_flow`: the day loop, one replication per thread task.

Random numbers are *counter based*: every uniform is a hash (SplitMix64) of the seed, a
stream number, the replication, the day of the reporting window and, for patients, the
arrival slot within the day. So a patient's arrival time, stay, pathway and any delay
belong to the slot (replication, day, k-th arrival of the day), never to a position in a
random stream: changing an arrival rate, a capacity or the number of beds changes only
what it must (common random numbers that survive lever changes, docs/model.md#uncertainty).
Day numbers are counted from the first day of the reporting window, so a longer warm-up
does not shift the window's random numbers either.

Time within a day is kept in ``NB`` = 48 bins of 30 minutes, so waits for a bed are
counted to the half hour at which the bed frees (the daily step then agrees with a
continuous-time simulation of the same hospital: tests/unit/test_flow_physical.py).

State of one replication (all counts)
-------------------------------------
``nr[c]``          inpatients not yet ready to leave, by elapsed stay class c (0..20 days, 21 = 21+);
``qr[k, row, d]``  patients ready (past their discharge-ready date) waiting in an acute bed for
                   pathway k (P1, P2, P3); ``row`` is their ready day (a ring of ``W`` days) and ``d``
                   the stay class they had on that day, so a patient's delay is today - ready day
                   and their stay class is d + delay (no ageing of the queue needed);
``ev_near``        future release/readiness events of patients due within 20 days of admission;
``ev_far``         the same for patients due 21+ days after admission (stay class 21+);
``pd_diff``        a difference ring of P0 patients past their ready date waiting for things other
                   than a pathway's capacity (medicines, transport, family: the calibrated
                   non-capacity delay), and ``band_ring`` their discharges by delay band;
``ring2``          step-down (P2) beds freeing on each day of the P2 stay;
``fifo_*``         patients waiting in ED for a bed (boarding), in order of arrival: their stay to
                   ready, pathway, non-capacity delay and arrival time (in bins).

One day ``t``
-------------
(1) Everyone ages a day. (2) Patients whose ready date is today leave the not-ready census:
P0 patients (and P0 patients ending a non-capacity delay) go home at the half hour
their stay ends (phase of admission + stay to ready, as in continuous time), freeing their bed then;
P1-P3 join their pathway's queue. (3) The day's arrivals,
in order of arrival time, together with the bed releases: a patient ready the same day who
goes home (P0) needs no ward bed; everyone else takes a free bed at once, or waits in ED
(boarding) first come first served and takes the first bed that frees; a patient who has
waited ``surge_after`` bins opens a surge bed while fewer than ``surge_max`` are open; an open
surge bed takes the next patient waiting, and closes once empty with nobody waiting; an arrival
finding ``ed_max`` patients already waiting is diverted or transferred out (counted, never
admitted: so patients waiting in ED never exceed ``ed_max``). (4) At the end of the day the
discharge round serves each pathway queue, **longest delay first** (oldest ready day; within
a day longest stay first), up to the day's capacity (P1 starts, free P2 beds, P3
placements); the beds it frees go to the patients still waiting in ED at that moment.
(5) End-of-day census. A patient's stay ``D`` (censuses to ready) is ``floor(phase + L)`` for
its admission time within the day ``phase`` and its stay to ready ``L`` (days, from the
admission), so a patient admitted late waits as long to be ready as one admitted early.

Discharge-ready-date (DRD) measures follow NHS England's definitions: a discharge's delay is
the whole days from its ready date to its discharge; zero-day stays are excluded.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# Output rows of ``flow_day_loop``'s ``out`` array (each (n_reps, days)).
FIELDS = (
    "arrivals",  # emergency arrivals on the day
    "admitted",  # patients admitted on the day: given an acute bed (boarders included) or treated without one (P0 same day)
    "diverted",  # arrivals diverted or transferred out: ED already holding its limit (or, loss system, no bed)
    "census",  # patients in acute beds at the end-of-day census; never above beds_open
    "beds_open",  # acute beds in use or open: scheduled (core + escalation) or more (surge, escalation closing)
    "delayed",  # patients past their discharge-ready date in an acute bed at the census (delayed bed days)
    "boarding",  # patients waiting in ED for a bed at the end-of-day census
    "boarded_new",  # arrivals of the day who did not get a bed on arrival (patients who waited for a bed)
    "stay14",  # inpatients at census whose stay so far is 14+ days
    "stay21",  # ... 21+ days
    "p1_starts",
    "p2_admissions",
    "p2_occupied",
    "p3_starts",
    "queue_p1",
    "queue_p2",
    "queue_p3",
    "ready",  # patients reaching their discharge-ready date (all pathways)
    "surge",  # acute beds in use above the scheduled beds at the census (surge beds)
    "ed_wait_bins",  # sum over the day's 48 half hours of the patients waiting in ED (/ 48 = patient-days)
    "waited",  # patients given a bed today after waiting for one
    "wait_bins",  # their waits, half hours in all
    "wait4",  # ... of which waited more than 4 hours from arrival
    "wait12",  # ... more than 12 hours
    "dis",  # discharges of the day counted by the DRD statistics (stays of a night or more)
    "dis_b0",  # ... discharged on the ready date
    "dis_b1",  # ... 1 day after it
    "dis_b2",  # ... 2-3 days
    "dis_b3",  # ... 4-6 days
    "dis_b4",  # ... 7-13 days
    "dis_b5",  # ... 14-20 days
    "dis_b6",  # ... 21+ days
    "delay_days",  # days from the ready date to discharge, summed over the day's DRD discharges
)
# The row of each field in ``out`` (compile-time constants in the kernel: the rows are written by name).
(
    F_ARRIVALS,
    F_ADMITTED,
    F_DIVERTED,
    F_CENSUS,
    F_BEDS_OPEN,
    F_DELAYED,
    F_BOARDING,
    F_BOARDED_NEW,
    F_STAY14,
    F_STAY21,
    F_P1_STARTS,
    F_P2_ADMISSIONS,
    F_P2_OCCUPIED,
    F_P3_STARTS,
    F_QUEUE_P1,
    F_QUEUE_P2,
    F_QUEUE_P3,
    F_READY,
    F_SURGE,
    F_ED_WAIT_BINS,
    F_WAITED,
    F_WAIT_BINS,
    F_WAIT4,
    F_WAIT12,
    F_DIS,
    F_DIS_B0,
    F_DIS_B1,
    F_DIS_B2,
    F_DIS_B3,
    F_DIS_B4,
    F_DIS_B5,
    F_DIS_B6,
    F_DELAY_DAYS,
) = range(len(FIELDS))

#: Delay bands of the DRD statistics (days after the ready date): 0, 1, 2-3, 4-6, 7-13, 14-20, 21+.
BAND_LOWER = (0, 1, 2, 4, 7, 14, 21)
N_BANDS = 7
N_CLS = 22  # elapsed stay classes 0..20 and 21+
NEAR = 21  # ring length of the near event buffer
NB = 48  # half hours a day
W = 128  # ready days a pathway queue keeps apart (older waits are folded into the oldest kept day)
EMAX = 64  # longest non-capacity delay (days)
NQ = 8192  # quantiles of the stay to ready
BINS_4H, BINS_12H = 8, 24

# Stream numbers of the counter-based generator.
S_ARRIVALS, S_PATIENT, S_P1, S_P3, S_INIT, S_INIT_PAT = 1, 2, 3, 4, 5, 6
DAY_OFFSET = 1 << 20  # day keys are window days + this (warm-up days are below it)

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
_LOW16, _S16, _INV16 = np.uint64(0xFFFF), np.uint64(16), 1.0 / 65536.0
_LOW32, _INV32 = np.uint64(0xFFFFFFFF), 1.0 / 4294967296.0


def _jit(**kw):
    def deco(fn):
        try:
            return numba.njit(cache=True, nogil=True, **kw)(fn)
        except RuntimeError:  # no writable cache location: compile in each process
            return numba.njit(nogil=True, **kw)(fn)

    return deco


@_jit(inline="always")
def mix(z):
    """SplitMix64 finaliser: a bijective avalanche hash of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_jit(inline="always")
def key(seed, stream, rep, day):
    """Hash key of (seed, stream, replication, day)."""
    h = mix(np.uint64(seed) + np.uint64(stream) * _GOLDEN)
    h = mix(h ^ (np.uint64(rep) * _M1 + _GOLDEN))
    return mix(h ^ (np.uint64(day) * _M2 + _GOLDEN))


@_jit(inline="always")
def to_unit(h):
    """Uniform in [0, 1) from the top 53 bits of a hash."""
    return float(h >> _S11) * _INV53


@_jit(inline="always")
def slot_hash(k, slot):
    return mix(k + (np.uint64(slot) + np.uint64(1)) * _GOLDEN)


@_jit(inline="always")
def poisson_inv(u, lam, inv):
    """Inverse CDF of Poisson(lam) at u: exact sum of the pmf from 6 sd below the mean (or from 0).

    The search starts at ``max(0, lam - 6 sqrt(lam))``; the mass below the start (< 1e-9) is
    treated as 0. ``inv[k] = 1/k`` (a table long
    enough for the largest rate) keeps divisions out of the loop.
    """
    if lam <= 0.0:
        return 0
    k0 = 0
    if lam > 36.0:  # lam - 6 sqrt(lam) > 0 only above 36: start the sum there (mass below < 1e-9)
        k0 = int(lam - 6.0 * np.sqrt(lam))
    p = np.exp(k0 * np.log(lam) - lam - math.lgamma(k0 + 1.0))
    c = p
    k = k0
    n = inv.size - 1
    while c <= u and k < n:
        k += 1
        p *= lam * inv[k]
        c += p
    return k


@_jit(inline="always")
def _pathway(u, pcdf):
    if u < pcdf[0]:
        return 0
    if u < pcdf[1]:
        return 1
    if u < pcdf[2]:
        return 2
    return 3


@_jit(inline="always")
def band(w):
    """DRD delay band (0..6) of a delay of ``w`` whole days."""
    if w <= 1:
        return w
    if w <= 3:
        return 2
    if w <= 6:
        return 3
    if w <= 13:
        return 4
    if w <= 20:
        return 5
    return 6


@_jit(inline="always")
def p0_delay(u, share, geo_p):
    """Non-capacity delay (days) of a P0 patient: 0 with probability 1 - share, else 1 + Geometric(geo_p)."""
    if u >= share or share <= 0.0:
        return 0
    if geo_p >= 1.0:
        return 1
    v = u / share  # uniform on [0, 1) again
    e = 1 + int(math.log(1.0 - v) / math.log(1.0 - geo_p))
    return e if e < EMAX else EMAX - 1


@_jit(inline="always")
def _ring(base, offset, size):
    """``(base + offset) % size`` for ``0 <= base, offset < size`` without a division."""
    i = base + offset
    return i - size if i >= size else i


@_jit(inline="always")
def _admit(L, k, e, phase, m, nr, qr, qtot, ev_near, ev_far, pd_diff, band_ring, rel, rel_ring, st, rn, rf, rp, rw):
    """Give a patient an acute bed at ``phase`` (0..1) of today; returns 1 (the bed now taken).

    ``L``: stay to ready, days from now; ``k``: pathway 0..3; ``e``: non-capacity delay (P0), days.
    ``st``: scalar state (``st[0]`` = P0 patients in a non-capacity delay at tonight's census,
    ``st[1]`` = zero-day P0 discharges today). ``rn, rf, rp, rw``: today's positions in the near,
    far, P0-delay and queue rings (no division per patient: this runs for every admission).
    """
    d = int(math.floor(phase + L))
    if d > m - 1:
        d = m - 1
    fr = ev_far.shape[0]
    rr = pd_diff.shape[0]
    if k == 0:
        dd = d + e
        if dd == 0:  # ready and home the same day: the bed frees at that half hour
            x = int((phase + L) * NB)
            x0 = int(phase * NB) + 1  # this half hour's releases are done: it frees from the next one
            rel[min(max(x, x0), NB)] += 1
            st[1] += 1
            return 1  # holds the bed until then
        end = _ring(rp, dd, rr)
        if e > 0:
            if d == 0:
                st[0] += 1  # past the ready date at tonight's census already
            else:
                pd_diff[_ring(rp, d, rr)] += 1
            pd_diff[end] -= 1
        band_ring[end, band(e)] += 1
        band_ring[end, N_BANDS] += e  # days after the ready date
        ph = phase + L  # the bed frees at the same time of day as the stay ends (continuous time)
        rel_ring[end, int((ph - math.floor(ph)) * NB)] += 1
        nr[0] += 1
        if dd < NEAR:
            ev_near[_ring(rn, dd, NEAR), dd, 0] += 1
        else:
            ev_far[_ring(rf, dd, fr), 0] += 1
        return 1
    if d == 0:  # ready on admission: waits in the bed for its pathway (the round may serve it tonight)
        qr[k - 1, rw, 0] += 1
        qtot[k - 1] += 1
        return 1
    nr[0] += 1
    if d < NEAR:
        ev_near[_ring(rn, d, NEAR), d, k] += 1
    else:
        ev_far[_ring(rf, d, fr), k] += 1
    return 1


@_jit(inline="always")
def _take_waiting(
    now, phase, in_beds, sched, s_open, surge_max, surge_after, f_head, f_n, f_L, f_meta, f_t, ws,
    m, nr, qr, qtot, ev_near, ev_far, pd_diff, band_ring, rel, rel_ring, st, rn, rf, rp, rw,
):
    """Patients waiting in ED (first come, first served) take free beds at ``now`` (half hours): scheduled
    beds and surge beds already open (``s_open``); when none is free, a surge bed opens for the first in the
    queue once they have waited ``surge_after``, while fewer than ``surge_max`` are open. Returns
    ``(in_beds, s_open, f_head, f_n)``; ``ws`` adds (admitted, waited, wait half hours, waits over 4 h,
    waits over 12 h).
    """
    cap = f_L.size
    while f_n > 0:
        if in_beds >= sched + s_open:
            if s_open < surge_max and f_t[f_head] + surge_after <= now:
                s_open += 1
            else:
                break
        meta = f_meta[f_head]
        wt = now - f_t[f_head]
        in_beds += _admit(
            f_L[f_head], meta // EMAX, meta % EMAX, phase, m, nr, qr, qtot,
            ev_near, ev_far, pd_diff, band_ring, rel, rel_ring, st, rn, rf, rp, rw,
        )
        f_head = f_head + 1 if f_head + 1 < cap else 0
        f_n -= 1
        ws[0] += 1
        ws[1] += 1
        ws[2] += wt
        if wt > BINS_4H:
            ws[3] += 1
        if wt > BINS_12H:
            ws[4] += 1
    return in_beds, s_open, f_head, f_n


@_jit(inline="always")
def _serve(k, left, t, qr, qtot, qhead, w_out):
    """Discharge round for pathway ``k``: serve up to ``left`` patients, longest delay first.

    Adds each discharge to ``w_out`` = (count, zero-day stays, delay-band counts 0..6, delay days)
    and returns the number served.
    """
    served = 0
    rd = qhead[k]
    while rd <= t and left > 0:
        row = rd % W
        wait = t - rd
        for d in range(N_CLS - 1, -1, -1):
            if left <= 0:
                break
            v = qr[k, row, d]
            if v:
                x = v if v < left else left
                qr[k, row, d] -= x
                left -= x
                served += x
                if wait == 0 and d == 0:
                    w_out[1] += x  # a zero-day stay: not in the DRD statistics
                else:
                    w_out[0] += x
                    w_out[2 + band(wait)] += x
                    w_out[9] += x * wait
        if left > 0:
            rd += 1
    qtot[k] -= served
    # advance the head past empty days
    while qhead[k] < t:
        row = qhead[k] % W
        empty = True
        for d in range(N_CLS):
            if qr[k, row, d]:
                empty = False
                break
        if not empty:
            break
        qhead[k] += 1
    return served


@_jit(inline="always")
def _queue_stays(t, qr, qhead, out3):
    """Queue patients at census by pathway and stay class: adds (stay 14+, stay 21+) to ``out3``."""
    for k in range(3):
        for rd in range(qhead[k], t + 1):
            row = rd % W
            wait = t - rd
            for d in range(N_CLS):
                v = qr[k, row, d]
                if v:
                    if d + wait >= 14:
                        out3[0] += v
                    if d + wait >= 21:
                        out3[1] += v


@_jit(inline="always")
def _fold_old(t, qr, qhead):
    """Keep each queue within ``W`` ready days: fold the oldest day into the next (runaway queues only)."""
    for k in range(3):
        while t - qhead[k] >= W - 1:
            a = qhead[k] % W
            b = (qhead[k] + 1) % W
            for d in range(N_CLS):
                qr[k, b, d] += qr[k, a, d]
                qr[k, a, d] = 0
            qhead[k] += 1


@_jit()
def _stationary_start(r, seed, lam0, dcdf, pcdf, beds0, inv, nr, ev_near, ev_far, rel_ring):
    """Not-yet-ready inpatients of a stationary past with ample beds at ``lam0`` arrivals a day."""
    m = dcdf.size
    fr = ev_far.shape[0]
    in_beds = 0
    for j in range(1, m):
        s_ge = 1.0 - dcdf[j - 1]  # P(D >= j)
        if s_ge <= 0.0:
            break
        kk = key(seed, S_INIT, r, j)
        n = poisson_inv(to_unit(kk), lam0 * s_ge, inv)
        lo = dcdf[j - 1]
        for s in range(n):
            if in_beds >= beds0:
                break
            h = slot_hash(kk, s)
            u = lo + to_unit(h) * (1.0 - lo)
            a, b = j, m - 1  # D >= j by inverse cdf on [j, m-1]
            while a < b:
                mid = (a + b) >> 1
                if dcdf[mid] > u:
                    b = mid
                else:
                    a = mid + 1
            d = a
            path = _pathway(to_unit(mix(h ^ _M2)), pcdf)
            nr[j - 1 if j - 1 < N_CLS - 1 else N_CLS - 1] += 1
            in_beds += 1
            wday = d - j  # day of readiness (kernel time)
            if d < NEAR:
                ev_near[wday % NEAR, d, path] += 1
            else:
                ev_far[wday % fr, path] += 1
            if path == 0:  # leaves at a half hour of that day
                rel_ring[wday % rel_ring.shape[0], int(to_unit(mix(h ^ _M1)) * NB)] += 1


@_jit(parallel=True)
def flow_day_loop(
    lam,  # (n_rep, total) float64 expected arrivals a day (warm-up days first)
    beds,  # (total,) int64 scheduled open beds (core + escalation)
    cap1_rate,  # P1 starts a day (float; < 0 means unlimited)
    cap3_rate,  # P3 placements a day (float; < 0 means unlimited)
    p2_beds,
    l2,  # P2 stay, whole days >= 1
    wu,  # warm-up days (not reported)
    seed,
    lq,  # (NQ,) quantiles of the stay to ready L (days) at (i + 0.5) / NQ
    dcdf,  # (m,) cdf of D = floor(U + L) (for the stationary start); m = max_stay_days
    pcdf,  # (3,) cumulative P0, P0+P1, P0+P1+P2 shares
    p0_share,  # share of P0 patients with a non-capacity delay
    p0_geo,  # 1 / mean of that delay (days)
    surge_max,  # surge beds at most
    surge_after,  # half hours a patient waits in ED before a surge bed opens for them
    ed_max,  # patients ED holds waiting for a bed; an arrival beyond is diverted
    init_lam,  # (n_rep,) arrivals a day of the stationary past
    inv,  # (K,) 1/k for k = 0..K-1 (inv[0] unused), K above the largest Poisson draw
    out,  # (len(FIELDS), n_rep, total - wu) int32
):
    n_rep, total = lam.shape
    m = dcdf.size
    fr = m + EMAX
    big = np.int64(1) << np.int64(40)
    nmax = inv.size
    for r in numba.prange(n_rep):
        nr = np.zeros(N_CLS, dtype=np.int64)
        qr = np.zeros((3, W, N_CLS), dtype=np.int32)
        qtot = np.zeros(3, dtype=np.int64)
        qhead = np.zeros(3, dtype=np.int64)
        ev_near = np.zeros((NEAR, NEAR, 4), dtype=np.int32)  # [day ring, stay class, pathway]
        ev_far = np.zeros((fr, 4), dtype=np.int64)  # [day ring, pathway]; stay class 21+
        pd_diff = np.zeros(fr + 1, dtype=np.int64)
        band_ring = np.zeros((fr + 1, N_BANDS + 1), dtype=np.int64)  # P0 discharges by band; delay days
        rel_ring = np.zeros((fr + 1, NB), dtype=np.int32)  # P0 releases by day and half hour
        ring2 = np.zeros(l2, dtype=np.int64)
        cap = ed_max + 1
        f_L = np.empty(cap, dtype=np.float64)
        f_meta = np.empty(cap, dtype=np.int32)  # pathway * EMAX + non-capacity delay
        f_t = np.empty(cap, dtype=np.int64)  # arrival time, half hours since the start
        f_head = 0
        f_n = 0
        rel = np.zeros(NB + 1, dtype=np.int64)
        cnt = np.zeros(NB + 1, dtype=np.int64)
        abin = np.empty(nmax, dtype=np.int64)
        hs = np.empty(nmax, dtype=np.uint64)
        order = np.empty(nmax, dtype=np.int64)
        st = np.zeros(2, dtype=np.int64)
        w_out = np.zeros(10, dtype=np.int64)
        ws = np.zeros(5, dtype=np.int64)
        s3 = np.zeros(2, dtype=np.int64)
        starts = np.zeros(3, dtype=np.int64)
        p2_occ = 0
        pd_run = 0
        s_open = 0  # surge beds open
        _stationary_start(r, seed, init_lam[r], dcdf, pcdf, beds[0], inv, nr, ev_near, ev_far, rel_ring)

        for t in range(total):
            day_key = t - wu + DAY_OFFSET
            sched = beds[t]
            # (1) age everyone a day (class 21 absorbs 20 and 21)
            nr[N_CLS - 1] += nr[N_CLS - 2]
            for c in range(N_CLS - 2, 0, -1):
                nr[c] = nr[c - 1]
            nr[0] = 0
            _fold_old(t, qr, qhead)
            slot = t % (fr + 1)
            pd_run += pd_diff[slot]
            pd_diff[slot] = 0
            w_out[:] = 0
            for bb in range(N_BANDS):
                v = band_ring[slot, bb]
                if v:
                    w_out[0] += v
                    w_out[2 + bb] += v
                    band_ring[slot, bb] = 0
            w_out[9] += band_ring[slot, N_BANDS]
            band_ring[slot, N_BANDS] = 0
            st[:] = 0
            in_beds = qtot[0] + qtot[1] + qtot[2]
            for c in range(N_CLS):
                in_beds += nr[c]
            # (2) ready dates: P0 go home during the day, P1-P3 join their queue
            n_ready = 0
            n0 = 0
            rn = t % NEAR
            row_t = t % W
            for d in range(1, NEAR):
                for k in range(4):
                    v = ev_near[rn, d, k]
                    if v:
                        ev_near[rn, d, k] = 0
                        nr[d] -= v
                        n_ready += v
                        if k == 0:
                            n0 += v
                        else:
                            qr[k - 1, row_t, d] += v
                            qtot[k - 1] += v
            rf = t % fr
            for k in range(4):
                v = ev_far[rf, k]
                if v:
                    ev_far[rf, k] = 0
                    nr[N_CLS - 1] -= v
                    n_ready += v
                    if k == 0:
                        n0 += v
                    else:
                        qr[k - 1, row_t, N_CLS - 1] += v
                        qtot[k - 1] += v
            for x in range(NB):  # P0 patients leave at the half hour their stay ends (set at admission)
                rel[x] = rel_ring[slot, x]
                rel_ring[slot, x] = 0
            rel[NB] = 0
            # (3) the day's arrivals in time order, with the bed releases
            arr = poisson_inv(to_unit(key(seed, S_ARRIVALS, r, day_key)), lam[r, t], inv)
            pk = key(seed, S_PATIENT, r, day_key)
            cnt[:] = 0
            for s in range(arr):  # arrival half hour: the low 16 bits of the slot's hash
                h = slot_hash(pk, s)
                hs[s] = h
                b = int(((h & _LOW16) * np.uint64(NB)) >> _S16)
                abin[s] = b
                cnt[b + 1] += 1
            for b in range(NB):
                cnt[b + 1] += cnt[b]
            for s in range(arr):  # counting sort by arrival half hour (slot order within it)
                order[cnt[abin[s]]] = s
                cnt[abin[s]] += 1
            # cnt[b] is now the end of bin b; bin b starts at cnt[b - 1] (0 for b = 0)
            ws[:] = 0  # admitted, waited, wait half hours, waits over 4 h, over 12 h
            diverted = 0
            waited_new = 0
            ed_bins = 0
            i0 = 0
            for x in range(NB):
                now = t * NB + x
                in_beds -= rel[x]
                if f_n > 0:  # waiting patients take free scheduled beds, then surge beds after long waits
                    in_beds, s_open, f_head, f_n = _take_waiting(
                        now, (x + 0.5) / NB, in_beds, sched, s_open, surge_max, surge_after, f_head, f_n, f_L, f_meta,
                        f_t, ws, m, nr, qr, qtot, ev_near, ev_far, pd_diff, band_ring, rel, rel_ring, st, rn, rf, slot, row_t,
                    )
                i1 = cnt[x]
                for ii in range(i0, i1):
                    s = order[ii]
                    h = hs[s]
                    ph = float(h & _LOW16) * _INV16  # arrival time within the day
                    L = lq[int(to_unit(h) * NQ)]  # the top 53 bits: stay to ready
                    h2 = mix(h ^ _M2)
                    k = _pathway(to_unit(h2), pcdf)
                    e = p0_delay(float(h2 & _LOW32) * _INV32, p0_share, p0_geo) if k == 0 else 0
                    if k == 0 and e == 0 and ph + L < 1.0:
                        ws[0] += 1  # ready and home the same day: treated without a ward bed
                        st[1] += 1
                        continue
                    if f_n == 0 and surge_after <= 0 and in_beds >= sched + s_open and s_open < surge_max:
                        s_open += 1  # surge at once
                    if f_n == 0 and in_beds < sched + s_open:
                        in_beds += _admit(
                            L, k, e, ph, m, nr, qr, qtot, ev_near, ev_far, pd_diff, band_ring, rel, rel_ring, st, rn,
                            rf, slot, row_t,
                        )
                        ws[0] += 1
                    elif f_n >= ed_max:
                        diverted += 1
                    else:
                        tail = _ring(f_head, f_n, cap)
                        f_L[tail] = L
                        f_meta[tail] = k * EMAX + e
                        f_t[tail] = now
                        f_n += 1
                        waited_new += 1
                i0 = i1
                ed_bins += f_n
                if f_n == 0 and s_open > 0:  # nobody waiting: empty surge beds close
                    used = in_beds - sched
                    s_open = used if 0 < used < s_open else (0 if used <= 0 else s_open)
            # (4) the discharge round at the end of the day; the beds it frees go to patients waiting in ED
            in_beds -= rel[NB]
            slot2 = t % l2
            p2_occ -= ring2[slot2]
            ring2[slot2] = 0
            for k in range(3):
                if k == 1:
                    left = p2_beds - p2_occ
                elif (cap1_rate if k == 0 else cap3_rate) < 0:
                    left = big
                else:
                    rate = cap1_rate if k == 0 else cap3_rate
                    left = np.int64(np.floor(rate + to_unit(key(seed, S_P1 if k == 0 else S_P3, r, day_key))))
                starts[k] = _serve(k, left, t, qr, qtot, qhead, w_out)
                in_beds -= starts[k]
            ring2[slot2] += starts[1]
            p2_occ += starts[1]
            if f_n > 0:
                in_beds, s_open, f_head, f_n = _take_waiting(
                    (t + 1) * NB, 1.0, in_beds, sched, s_open, surge_max, surge_after, f_head, f_n, f_L, f_meta,
                    f_t, ws, m, nr, qr, qtot, ev_near, ev_far, pd_diff, band_ring, rel, rel_ring, st, rn, rf, slot, row_t,
                )
            pd_run += st[0]
            # (5) census
            if t >= wu:
                i = t - wu
                census = qtot[0] + qtot[1] + qtot[2]
                s14 = 0
                for c in range(N_CLS):
                    census += nr[c]
                    if c >= 14:
                        s14 += nr[c]
                s3[:] = 0
                _queue_stays(t, qr, qhead, s3)
                out[F_ARRIVALS, r, i] = arr
                out[F_ADMITTED, r, i] = ws[0]
                out[F_DIVERTED, r, i] = diverted
                out[F_CENSUS, r, i] = census
                out[F_BEDS_OPEN, r, i] = sched if sched > census else census
                out[F_DELAYED, r, i] = qtot[0] + qtot[1] + qtot[2] + pd_run
                out[F_BOARDING, r, i] = f_n
                out[F_BOARDED_NEW, r, i] = waited_new
                out[F_STAY14, r, i] = s14 + s3[0]
                out[F_STAY21, r, i] = nr[N_CLS - 1] + s3[1]
                out[F_P1_STARTS, r, i] = starts[0]
                out[F_P2_ADMISSIONS, r, i] = starts[1]
                out[F_P2_OCCUPIED, r, i] = p2_occ
                out[F_P3_STARTS, r, i] = starts[2]
                out[F_QUEUE_P1, r, i] = qtot[0]
                out[F_QUEUE_P2, r, i] = qtot[1]
                out[F_QUEUE_P3, r, i] = qtot[2]
                out[F_READY, r, i] = n_ready
                out[F_SURGE, r, i] = census - sched if census > sched else 0
                out[F_ED_WAIT_BINS, r, i] = ed_bins
                out[F_WAITED, r, i] = ws[1]
                out[F_WAIT_BINS, r, i] = ws[2]
                out[F_WAIT4, r, i] = ws[3]
                out[F_WAIT12, r, i] = ws[4]
                out[F_DIS, r, i] = w_out[0]
                for bb in range(N_BANDS):
                    out[F_DIS_B0 + bb, r, i] = w_out[2 + bb]
                out[F_DELAY_DAYS, r, i] = w_out[9]
