"""Numba kernel of :func:`models.flow.simulate_flow`: the day loop, one replication at a time.

All random numbers are drawn in NumPy beforehand (see ``simulate_flow``); this module
only consumes them, so results stay reproducible from the caller's ``rng``. The state
machine is the one described in ``models/flow.py`` (ring buffers of future readiness
events, census by 14/21-day class, discharge queues as tail sums by elapsed stay),
held per replication in small arrays that stay in L1 cache.

Compiled on first use and cached in ``__pycache__`` when that is writable; without a
writable cache location it is compiled in each process instead.
"""

from __future__ import annotations

import numba
import numpy as np

# Output rows of ``flow_day_loop``'s ``out`` array (each (n_reps, days)).
FIELDS = (
    "arrivals",
    "admitted",
    "refused",
    "census",
    "occupied",
    "overflow",
    "delayed",
    "new_delayed",
    "ready",
    "stay14",
    "stay21",
    "p1_starts",
    "p2_admissions",
    "p2_occupied",
    "p3_starts",
    "queue_p1",
    "queue_p2",
    "queue_p3",
)

_N_CLS = 22  # waiting classes: elapsed stay 0..20 and 21+
_NEAR = 21  # ring length of the near event buffers
_FAR_KEY = 4 * (_NEAR + 1)  # first-draw outcome "ready 22+ days ahead"


def _jit(fn):
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache location: compile in each process
        return numba.njit(nogil=True)(fn)


@_jit
def _lookup(w, table, cut, shift):
    """Outcome ``k`` = first index with ``w < cut[k]`` (table look-up, binary search fallback)."""
    v = table[w >> shift]
    if v >= 0:
        return v
    x = np.uint64(w)
    lo, hi = 0, cut.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if cut[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@_jit
def flow_day_loop(
    r0,  # replications r0 .. r1-1 are simulated
    r1,
    arrivals,  # (total, n_rep) int64
    avail_all,  # (total,) int64 funded beds
    cap1,  # (total, n_rep) int64 P1 starts per day
    cap3,  # (total, n_rep) int64 P3 placements per day
    p2_beds,
    l2,
    wu,
    lost,
    m,
    words,  # uint32: one per arrival of replications r0..r1-1, replication-major order
    far_words,  # uint32: second draws for patients ready 22+ days ahead
    table,
    cut,
    shift,
    far_table,
    far_cut,
    far_shift,
    cnear0,  # (2, 21, n_rep) initial state from _stationary_start
    cfar0,  # (m, n_rep)
    qnear0,  # (3, 21, 21, n_rep)
    qfar0,  # (3, m, n_rep)
    tbuf0,  # (22, 3, n_rep)
    cen0,  # (3, n_rep)
    out,  # (len(FIELDS), n_rep, days) int64, written in full
):
    total = arrivals.shape[0]
    cnear = np.zeros((2, _NEAR), dtype=np.int64)
    cfar = np.zeros(m, dtype=np.int64)
    qnear = np.zeros((3, _NEAR, _NEAR), dtype=np.int64)  # [k, elapsed class, row]
    qfar = np.zeros((3, m), dtype=np.int64)
    tbuf = np.zeros((_N_CLS, 3), dtype=np.int64)
    cen = np.zeros(3, dtype=np.int64)
    tail = np.zeros((3, _N_CLS), dtype=np.int64)
    ring2 = np.zeros(l2, dtype=np.int64)
    coh = np.zeros(_FAR_KEY + 1, dtype=np.int64)  # today's admissions by (days-to-ready, pathway)
    coh_all = np.zeros(_NEAR + 1, dtype=np.int64)
    cap = np.zeros(3, dtype=np.int64)
    starts = np.zeros(3, dtype=np.int64)
    prev = np.zeros(3, dtype=np.int64)
    pos = 0
    fp = 0
    for r in range(r0, r1):
        # Load this replication's initial state.
        for g in range(2):
            for i in range(_NEAR):
                cnear[g, i] = cnear0[g, i, r]
        for i in range(m):
            cfar[i] = cfar0[i, r]
        for k in range(3):
            for c in range(_NEAR):
                for i in range(_NEAR):
                    qnear[k, c, i] = qnear0[k, c, i, r]
            for i in range(m):
                qfar[k, i] = qfar0[k, i, r]
            prev[k] = 0
            for j in range(_N_CLS):
                tail[k, j] = 0
        for i in range(_N_CLS):
            for g in range(3):
                tbuf[i, g] = tbuf0[i, g, r]
        for g in range(3):
            cen[g] = cen0[g, r]
        for i in range(l2):
            ring2[i] = 0
        p2_occ = 0

        for t in range(total):
            row = t % m
            rn = t % _NEAR
            # Patients becoming medically ready leave the not-ready census.
            tb = t % _N_CLS
            for g in range(3):
                cen[g] += tbuf[tb, g]
                tbuf[tb, g] = 0
            d0 = cnear[0, rn]
            d1 = cnear[1, rn]
            d2 = cfar[row]
            cnear[0, rn] = 0
            cnear[1, rn] = 0
            cfar[row] = 0
            cen[0] -= d0
            cen[1] -= d1
            cen[2] -= d2
            n_ready = d0 + d1 + d2
            # Age waiting patients by a day, then add the newly ready as tail sums.
            for k in range(3):
                for j in range(_N_CLS - 1, 0, -1):
                    tail[k, j] = tail[k, j - 1]
                s = qfar[k, row]
                qfar[k, row] = 0
                tail[k, _N_CLS - 1] += s
                for c in range(_NEAR - 1, -1, -1):
                    s += qnear[k, c, rn]
                    qnear[k, c, rn] = 0
                    tail[k, c] += s

            # Admissions.
            arr = arrivals[t, r]
            adm = arr
            if lost:
                free = avail_all[t] - cen[0] - cen[1] - cen[2] - tail[0, 0] - tail[1, 0] - tail[2, 0]
                if free < 0:
                    free = 0
                if adm > free:
                    adm = free
            if adm > 0:
                for i in range(pos, pos + adm):
                    coh[_lookup(words[i], table, cut, shift)] += 1
                # Patients ready 22+ days ahead: second draw of (days-to-ready, pathway).
                for _ in range(coh[_FAR_KEY]):
                    kf = _lookup(far_words[fp], far_table, far_cut, far_shift)
                    fp += 1
                    rowf = (t + _NEAR + 1 + kf // 4) % m
                    cfar[rowf] += 1
                    pk = kf % 4
                    if pk > 0:
                        qfar[pk - 1, rowf] += 1
                coh[_FAR_KEY] = 0
                lt14 = 0
                lt21 = 0
                for d in range(_NEAR + 1):
                    s = coh[4 * d] + coh[4 * d + 1] + coh[4 * d + 2] + coh[4 * d + 3]
                    coh_all[d] = s
                    if d < 14:
                        lt14 += s
                    if d < 21:
                        lt21 += s
                ge14 = adm - lt14
                ge21 = adm - lt21
                cen[0] += adm - coh_all[0]  # in today's census unless ready the same day
                for k in range(3):
                    tail[k, 0] += coh[k + 1]  # ready on admission day, waiting with elapsed 0
                n_ready += coh_all[0]
                # Census class transitions when this cohort passes 14 and 21 days.
                i14 = (t + 14) % _N_CLS
                tbuf[i14, 0] -= ge14
                tbuf[i14, 1] += ge14 - coh_all[14]
                i21 = (t + 21) % _N_CLS
                tbuf[i21, 1] -= ge21
                tbuf[i21, 2] += ge21 - coh_all[21]
                # Future readiness events (exactly 14 / 21 days go via tbuf).
                for d in range(1, _NEAR):
                    rr = (t + d) % _NEAR
                    if d < 14:
                        cnear[0, rr] += coh_all[d]
                    elif d > 14:
                        cnear[1, rr] += coh_all[d]
                    for k in range(3):
                        qnear[k, d, rr] += coh[4 * d + k + 1]
                r21 = (t + _NEAR) % m
                for k in range(3):
                    qfar[k, r21] += coh[4 * _NEAR + k + 1]
                for i in range(_FAR_KEY):
                    coh[i] = 0
            pos += arr

            # Discharge round: P2 beds free after a fixed stay, then each queue is
            # served longest-stay-first up to the day's capacity.
            slot2 = t % l2
            p2_occ -= ring2[slot2]
            cap[0] = cap1[t, r]
            cap[1] = p2_beds - p2_occ
            cap[2] = cap3[t, r]
            for k in range(3):
                c = cap[k]
                q = tail[k, 0]
                starts[k] = c if c < q else q
                for j in range(_N_CLS):
                    v = tail[k, j] - c
                    if v <= 0:
                        for jj in range(j, _N_CLS):
                            tail[k, jj] = 0
                        break
                    tail[k, j] = v
            ring2[slot2] = starts[1]
            p2_occ += starts[1]

            if t >= wu:
                i = t - wu
                delayed = tail[0, 0] + tail[1, 0] + tail[2, 0]
                census = cen[0] + cen[1] + cen[2] + delayed
                occ = avail_all[t] if census > avail_all[t] else census
                new_del = 0
                for k in range(3):
                    v = prev[k] - starts[k]
                    new_del += tail[k, 0] - (v if v > 0 else 0)
                out[0, r, i] = arr
                out[1, r, i] = adm
                out[2, r, i] = arr - adm
                out[3, r, i] = census
                out[4, r, i] = occ
                out[5, r, i] = census - occ
                out[6, r, i] = delayed
                out[7, r, i] = new_del
                out[8, r, i] = n_ready
                out[9, r, i] = cen[1] + cen[2] + tail[0, 14] + tail[1, 14] + tail[2, 14]
                out[10, r, i] = cen[2] + tail[0, 21] + tail[1, 21] + tail[2, 21]
                out[11, r, i] = starts[0]
                out[12, r, i] = starts[1]
                out[13, r, i] = p2_occ
                out[14, r, i] = starts[2]
                out[15, r, i] = tail[0, 0]
                out[16, r, i] = tail[1, 0]
                out[17, r, i] = tail[2, 0]
            for k in range(3):
                prev[k] = tail[k, 0]
