"""Property tests (hypothesis) for the risk share: money is conserved draw by draw, caps hold,
the order of cover holds, over random terms (two to four partners) and random variances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.money.riskshare import LINES, FinanceInputs, allocate
from models.scenario import RISK_LINES, RiskShare

pytestmark = pytest.mark.property

SETTINGS = settings(max_examples=80, deadline=None)
finite = {"allow_nan": False, "allow_infinity": False}


@st.composite
def split_st(draw: st.DrawFn, n: int) -> list[float]:
    raw = draw(st.lists(st.floats(0, 1, **finite), min_size=n, max_size=n))
    total = sum(raw)
    if total <= 1e-9:
        return [1.0 / n] * n
    w = [x / total for x in raw]
    w[-1] = 1.0 - sum(w[:-1])
    return [min(max(x, 0.0), 1.0) for x in w]


@st.composite
def terms_st(draw: st.DrawFn) -> RiskShare:
    n = draw(st.integers(2, 4))
    names = [f"P{i}" for i in range(n)]
    partners = [
        {
            "name": name,
            "contribution_gbp": draw(st.floats(0, 2e7, **finite)),
            "cap_gbp": draw(st.one_of(st.none(), st.floats(0, 3e6, **finite))),
        }
        for name in names
    ]
    line_terms = [
        (line, draw(st.sampled_from(["pool", "lead", "outside", *names])))
        for line in RISK_LINES
        if draw(st.booleans())
    ]
    return RiskShare.model_validate(
        {
            "partners": partners,
            "split_basis": draw(st.sampled_from(["agreed", "contributions"])),
            "overspend_split": draw(split_st(n)),
            "underspend_split": draw(split_st(n)),
            "contingency_gbp": draw(st.floats(0, 3e6, **finite)),
            "threshold_gbp": draw(st.floats(0, 1e6, **finite)),
            "cap_excess_to": draw(st.sampled_from(["other partners", "pool"])),
            "acute_lead": draw(st.sampled_from(names)),
            "social_care_lead": draw(st.sampled_from(names)),
            "line_terms": line_terms,
            "performance_pct": draw(st.floats(0, 20, **finite)),
            "admissions_target_pct": draw(st.floats(0, 10, **finite)),
        }
    )


@st.composite
def inputs_st(draw: st.DrawFn) -> FinanceInputs:
    d = draw(st.integers(1, 30))
    y = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([1e3, 1e5, 1e6, 5e6]))
    plan = rng.uniform(0, 5e7, (len(LINES), y))
    out = plan[None] + rng.normal(0, scale, (d, len(LINES), y)) * (rng.random((d, len(LINES), y)) < 0.8)
    red = rng.uniform(-0.05, 0.1, (d, y))
    return FinanceInputs(tuple(f"20{25 + j}-{26 + j}" for j in range(y)), plan, out, red, 2.5e7)


def _alloc(t: RiskShare, inp: FinanceInputs):  # noqa: ANN202
    return allocate(inp, t, np.array([p.contribution_gbp for p in t.partners]))


@SETTINGS
@given(terms_st(), inputs_st())
def test_money_is_conserved_draw_by_draw(t: RiskShare, inp: FinanceInputs) -> None:
    a = _alloc(t, inp)
    total = a.variance.sum(axis=1)
    got = a.shares.sum(axis=1) + a.pool_cover + a.unshared
    assert np.allclose(got, total, rtol=1e-9, atol=1e-3 * max(1.0, float(np.abs(total).max()) * 1e-6))
    assert np.all(a.contingency_used >= -1e-9) and np.all(a.contingency_used <= t.contingency_gbp + 1e-6)
    assert np.all(a.pool_excess >= -1e-6)


@SETTINGS
@given(terms_st(), inputs_st())
def test_caps_are_never_exceeded(t: RiskShare, inp: FinanceInputs) -> None:
    a = _alloc(t, inp)
    pooled_overspend = a.threshold + a.overspend
    for k, p in enumerate(t.partners):
        if p.cap_gbp is not None:
            assert np.all(pooled_overspend[:, k] <= p.cap_gbp + 1e-6)
    assert np.all(pooled_overspend >= -1e-6)
    assert np.all(a.underspend <= 1e-9)


@SETTINGS
@given(terms_st(), inputs_st())
def test_pool_covers_before_partners(t: RiskShare, inp: FinanceInputs) -> None:
    """A pooled net overspend no larger than the contingency costs the partners nothing from the pool."""
    a = _alloc(t, inp)
    pooled = [j for j, line in enumerate(LINES) if t.treatment(line) == "pool"]
    net = a.variance[:, pooled].sum(axis=1)
    small = (net > 0) & (net <= t.contingency_gbp)
    assert np.allclose((a.threshold + a.overspend).sum(axis=1)[small], 0.0, atol=1e-6)
    assert np.allclose(a.contingency_used[small], net[small])
    # beyond the contingency the partners (or the pool's capped excess) carry exactly the rest
    big = net > t.contingency_gbp
    carried = (a.threshold + a.overspend).sum(axis=1) + a.pool_excess
    assert np.allclose(carried[big], (net - t.contingency_gbp)[big], rtol=1e-9, atol=1e-3)
