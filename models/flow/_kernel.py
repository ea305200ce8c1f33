"""Numba kernel of :func:`models.flow.simulate.simulate_flow`: the day loop, one replication per thread task.

Random numbers are *counter based*: every uniform is a hash (SplitMix64) of the seed, a
stream number, the replication, the day of the reporting window and, for patients, the
arrival slot within the day. So a patient's stay and pathway belong to the slot
(replication, day, k-th arrival of the day), never to a position in a random stream:
changing an arrival rate, a capacity or the number of beds changes only what it must
(common random numbers that survive lever changes, docs/model.md#uncertainty). Day numbers are
counted from the first day of the reporting window, so a longer warm-up does not shift
the window's random numbers either.

State of one replication (all counts)
-------------------------------------
``nr[c]``      inpatients not yet medically ready, by elapsed stay class c (0..20 days, 21 = 21+);
``q[k, c]``    medically ready patients waiting in an acute bed for pathway k (P1, P2, P3), by class;
``ev_near``    future readiness events of patients ready within 20 days of admission, ring by day;
``ev_far``     the same for patients ready 21+ days after admission (elapsed class 21+);
``ring2``      step-down (P2) beds freeing on each day of the P2 stay;
``fifo``       patients waiting for a bed in ED (boarding), in order of arrival, with their stay and pathway.

One day ``t``: (1) everyone ages a day; (2) patients becoming medically ready leave the
not-ready census - P0 go home, P1-P3 join their pathway queue; (3) the discharge round
serves each pathway queue, **longest stay first**, up to the day's capacity (P1 starts,
free P2 beds, P3 placements); (4) admissions into free beds: boarders first (in order of
arrival), then the day's arrivals; a patient ready on the day of admission who goes home
(P0) or gets what is left of the day's pathway capacity needs no overnight bed; the rest
who find no bed board in ED (or, in the loss system, are refused); (5) end-of-day census. Occupied beds never exceed the open beds;
escalation beds that are due to close stay open until their patients leave.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# Output rows of ``flow_day_loop``'s ``out`` array (each (n_reps, days)).
FIELDS = (
    "arrivals",  # emergency arrivals on the day
    "admitted",  # patients given an acute bed on the day (boarders included)
    "refused",  # arrivals refused because every bed was full (loss system only)
    "census",  # patients in acute beds at the end-of-day census
    "beds_open",  # acute beds open: core + escalation (kept open while occupied after closing)
    "delayed",  # medically ready patients waiting in an acute bed (delayed bed days)
    "boarding",  # patients waiting in ED for a bed at the census (boarding days)
    "boarded_new",  # arrivals of the day who did not get a bed that day (patients boarded)
    "stay14",  # inpatients at census whose stay so far is 14+ days
    "stay21",  # ... 21+ days
    "p1_starts",
    "p2_admissions",
    "p2_occupied",
    "p3_starts",
    "queue_p1",
    "queue_p2",
    "queue_p3",
    "ready",  # patients becoming medically ready (all pathways)
)
# The row of each field in ``out`` (compile-time constants in the kernel: the rows are written by name).
(
    F_ARRIVALS,
    F_ADMITTED,
    F_REFUSED,
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
) = range(len(FIELDS))

N_CLS = 22  # elapsed stay classes 0..20 and 21+
NEAR = 21  # ring length of the near event buffer
FQ = 1 << 15  # boarders held individually (with their stay and pathway); more are kept in one lump
GUIDE_BITS = 12
FAR0 = 4 * NEAR  # first joint outcome ready 21+ days after admission

# Stream numbers of the counter-based generator.
S_ARRIVALS, S_PATIENT, S_P1, S_P3, S_INIT, S_INIT_PAT, S_LUMP = 1, 2, 3, 4, 5, 6, 7
DAY_OFFSET = 1 << 20  # day keys are window days + this (warm-up days are below it)

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


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
    """Inverse CDF of Poisson(lam) at u: exact sum of the pmf from 6 sd below the mean.

    The mass below the start (< 1e-9) is treated as 0. ``inv[k] = 1/k`` (a table long
    enough for the largest rate) keeps divisions out of the loop.
    """
    if lam <= 0.0:
        return 0
    k0 = 0
    if lam > 20.0:
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
def sample_guided(u, cdf, guide):
    """Smallest i with u < cdf[i] (guide table of 2**GUIDE_BITS cells, then a short linear walk)."""
    i = guide[int(u * (1 << GUIDE_BITS))]
    n = cdf.size
    while i < n - 1 and u >= cdf[i]:
        i += 1
    return i


@_jit(inline="always")
def _far(o, rf, m, nr, ev_far):
    """Admit a patient who becomes ready 21+ days after admission (outcome o = 4 * D + pathway)."""
    row = rf + (o >> 2)
    if row >= m:
        row -= m
    nr[0] += 1
    ev_far[row, o & 3] += 1


@_jit()
def _pathway(u, pcdf):
    if u < pcdf[0]:
        return 0
    if u < pcdf[1]:
        return 1
    if u < pcdf[2]:
        return 2
    return 3


@_jit(parallel=True)
def flow_day_loop(
    lam,  # (n_rep, total) float64 expected arrivals a day (warm-up days first)
    beds,  # (total,) int64 scheduled open beds (core + escalation)
    cap1_rate,  # P1 starts a day (float; < 0 means unlimited)
    cap3_rate,  # P3 placements a day (float; < 0 means unlimited)
    p2_beds,
    l2,  # P2 stay, whole days >= 1
    wu,  # warm-up days (not reported)
    lost,  # loss system: arrivals finding no bed are refused instead of boarding
    seed,
    cdf,  # (4m,) joint cdf of outcome 4 * D + pathway, D = days to medically ready 0..m-1
    guide,  # (2**GUIDE_BITS,) guide table of cdf
    dcdf,  # (m,) cdf of D alone (for the stationary start)
    pcdf,  # (3,) cumulative P0, P0+P1, P0+P1+P2 shares
    init_lam,  # (n_rep,) arrivals a day of the stationary past
    inv,  # (K,) 1/k for k = 0..K-1 (inv[0] unused), K above the largest Poisson draw
    out,  # (len(FIELDS), n_rep, total - wu) int64
):
    n_rep, total = lam.shape
    m = cdf.size // 4
    big = np.int64(1) << np.int64(40)
    for r in numba.prange(n_rep):
        nr = np.zeros(N_CLS, dtype=np.int64)
        q = np.zeros((3, N_CLS), dtype=np.int64)
        ev_near = np.zeros((NEAR, NEAR, 4), dtype=np.int64)  # [day ring, D, pathway]
        ev_far = np.zeros((m, 4), dtype=np.int64)  # [day ring, pathway]; elapsed 21+
        ring2 = np.zeros(l2, dtype=np.int64)
        fifo = np.zeros(FQ, dtype=np.int32)  # outcomes of boarders waiting in ED, in order of arrival
        f_head = 0
        f_tail = 0
        lump = 0  # boarders beyond the queue's size (absurd scenarios only)
        p2_occ = 0
        starts = np.zeros(3, dtype=np.int64)
        capk = np.zeros(3, dtype=np.int64)
        coh = np.zeros(FAR0, dtype=np.int64)  # today's bed admissions by outcome 4 * D + pathway

        # --- stationary past (infinite beds) at init_lam: not-ready inpatients only.
        lam0 = init_lam[r]
        in_beds = 0
        for j in range(1, m):
            s_ge = 1.0 - dcdf[j - 1]  # P(D >= j)
            if s_ge <= 0.0:
                break
            kk = key(seed, S_INIT, r, j)
            n = poisson_inv(to_unit(kk), lam0 * s_ge, inv)
            lo = dcdf[j - 1]
            for s in range(n):
                if in_beds >= beds[0]:
                    break
                h = slot_hash(kk, s)
                u = lo + to_unit(h) * (1.0 - lo)
                # D >= j by inverse cdf on [j, m-1]
                a, b = j, m - 1
                while a < b:
                    mid = (a + b) >> 1
                    if dcdf[mid] > u:
                        b = mid
                    else:
                        a = mid + 1
                d = a
                path = _pathway(to_unit(mix(h ^ _M2)), pcdf)
                cls = j - 1 if j - 1 < N_CLS - 1 else N_CLS - 1
                nr[cls] += 1
                in_beds += 1
                wday = d - j  # day of readiness (kernel time)
                if d < NEAR:
                    ev_near[wday % NEAR, d, path] += 1
                else:
                    ev_far[wday % m, path] += 1

        for t in range(total):
            day_key = t - wu + DAY_OFFSET
            # (1) age everyone a day (class 21 absorbs 20 and 21)
            nr[N_CLS - 1] += nr[N_CLS - 2]
            for c in range(N_CLS - 2, 0, -1):
                nr[c] = nr[c - 1]
            nr[0] = 0
            for k in range(3):
                q[k, N_CLS - 1] += q[k, N_CLS - 2]
                for c in range(N_CLS - 2, 0, -1):
                    q[k, c] = q[k, c - 1]
                q[k, 0] = 0
            # (2) readiness
            n_ready = 0
            rn = t % NEAR
            for d in range(1, NEAR):
                for k in range(4):
                    v = ev_near[rn, d, k]
                    if v:
                        ev_near[rn, d, k] = 0
                        nr[d] -= v
                        n_ready += v
                        if k > 0:
                            q[k - 1, d] += v
            rf = t % m
            for k in range(4):
                v = ev_far[rf, k]
                if v:
                    ev_far[rf, k] = 0
                    nr[N_CLS - 1] -= v
                    n_ready += v
                    if k > 0:
                        q[k - 1, N_CLS - 1] += v
            # (3) discharge round: capacities of the day, longest stay first
            slot2 = t % l2
            p2_occ -= ring2[slot2]
            ring2[slot2] = 0
            if cap1_rate < 0:
                capk[0] = big
            else:
                capk[0] = np.int64(np.floor(cap1_rate + to_unit(key(seed, S_P1, r, day_key))))
            capk[1] = p2_beds - p2_occ
            if cap3_rate < 0:
                capk[2] = big
            else:
                capk[2] = np.int64(np.floor(cap3_rate + to_unit(key(seed, S_P3, r, day_key))))
            for k in range(3):
                left = capk[k]
                st = 0
                for c in range(N_CLS - 1, -1, -1):
                    if left <= 0:
                        break
                    v = q[k, c]
                    if v:
                        x = v if v < left else left
                        q[k, c] -= x
                        left -= x
                        st += x
                starts[k] = st
                capk[k] = left
            # (4) admissions: boarders first (first come, first served), then today's arrivals.
            # A patient ready on the day of admission who gets what is left of the day's
            # pathway capacity (or goes home, P0) needs no overnight bed; everyone else needs
            # a free bed or boards in ED.
            in_beds = 0
            for c in range(N_CLS):
                in_beds += nr[c] + q[0, c] + q[1, c] + q[2, c]
            open_beds = beds[t] if beds[t] > in_beds else in_beds
            free = open_beds - in_beds
            admitted = 0
            arr = poisson_inv(to_unit(key(seed, S_ARRIVALS, r, day_key)), lam[r, t], inv)
            pk = key(seed, S_PATIENT, r, day_key)
            lk = key(seed, S_LUMP, r, day_key)
            n_board = f_tail - f_head + lump
            waiting = 0
            s = 0
            while s < n_board + arr:
                from_queue = s < n_board
                s += 1
                if from_queue:
                    if free <= 0:
                        s = n_board  # no free bed: the boarders keep their place, in order
                        continue
                    if f_head < f_tail:
                        o = fifo[f_head % FQ]
                        f_head += 1
                    else:  # the lump of boarders beyond the queue's size (absurd scenarios only)
                        o = sample_guided(to_unit(slot_hash(lk, lump)), cdf, guide)
                        lump -= 1
                else:
                    o = sample_guided(to_unit(slot_hash(pk, s - 1 - n_board)), cdf, guide)
                if o < 4:  # ready on admission
                    if o == 0:
                        n_ready += 1
                        admitted += 1
                        continue
                    k = o - 1
                    if capk[k] > 0 and (from_queue or f_tail - f_head + lump == 0):  # nobody overtakes boarders
                        capk[k] -= 1
                        starts[k] += 1
                        n_ready += 1
                        admitted += 1
                        continue
                if free > 0 and (from_queue or f_tail - f_head + lump == 0):
                    free -= 1
                    admitted += 1
                    if o < 4:
                        q[o - 1, 0] += 1  # ready, waiting for its pathway in the bed
                        n_ready += 1
                    elif o < FAR0:
                        coh[o] += 1
                    else:
                        _far(o, rf, m, nr, ev_far)
                elif lost:
                    waiting += 1
                else:
                    waiting += 1
                    if f_tail - f_head < FQ:
                        fifo[f_tail % FQ] = o
                        f_tail += 1
                    else:
                        lump += 1
            refused = waiting if lost else 0
            # scatter today's bed admissions (outcome o = 4 * D + pathway, D >= 1) into the event rings
            for d in range(1, NEAR):
                row = rn + d
                if row >= NEAR:
                    row -= NEAR
                for k in range(4):
                    v = coh[4 * d + k]
                    if v:
                        nr[0] += v
                        ev_near[row, d, k] += v
                        coh[4 * d + k] = 0
            # (5) step-down beds taken today
            ring2[slot2] += starts[1]
            p2_occ += starts[1]
            # (6) census
            if t >= wu:
                i = t - wu
                delayed = 0
                census = 0
                s14 = 0
                s21 = 0
                for c in range(N_CLS):
                    row = nr[c] + q[0, c] + q[1, c] + q[2, c]
                    census += row
                    if c >= 14:
                        s14 += row
                for k in range(3):
                    for c in range(N_CLS):
                        delayed += q[k, c]
                s21 = nr[N_CLS - 1] + q[0, N_CLS - 1] + q[1, N_CLS - 1] + q[2, N_CLS - 1]
                board = lump + f_tail - f_head
                out[F_ARRIVALS, r, i] = arr
                out[F_ADMITTED, r, i] = admitted
                out[F_REFUSED, r, i] = refused
                out[F_CENSUS, r, i] = census
                out[F_BEDS_OPEN, r, i] = open_beds
                out[F_DELAYED, r, i] = delayed
                out[F_BOARDING, r, i] = board
                out[F_BOARDED_NEW, r, i] = 0 if lost else waiting
                out[F_STAY14, r, i] = s14
                out[F_STAY21, r, i] = s21
                out[F_P1_STARTS, r, i] = starts[0]
                out[F_P2_ADMISSIONS, r, i] = starts[1]
                out[F_P2_OCCUPIED, r, i] = p2_occ
                out[F_P3_STARTS, r, i] = starts[2]
                qs0 = 0
                qs1 = 0
                qs2 = 0
                for c in range(N_CLS):
                    qs0 += q[0, c]
                    qs1 += q[1, c]
                    qs2 += q[2, c]
                out[F_QUEUE_P1, r, i] = qs0
                out[F_QUEUE_P2, r, i] = qs1
                out[F_QUEUE_P3, r, i] = qs2
                out[F_READY, r, i] = n_ready
