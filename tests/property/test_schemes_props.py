"""Property tests (hypothesis) for the scheme model's invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.money.schemes import compute_effects, effect_multiplier, effects_from_uniforms
from models.scenario import Scheme

pytestmark = pytest.mark.property

METRICS = ("nea", "acs", "placements")
SETTINGS = settings(max_examples=60, deadline=None)
finite = {"allow_nan": False, "allow_infinity": False}


@st.composite
def schemes_st(draw: st.DrawFn, max_n: int = 6) -> list[Scheme]:
    n = draw(st.integers(1, max_n))
    out = []
    for i in range(n):
        lo, mid, hi = sorted(draw(st.lists(st.floats(0, 5_000, **finite), min_size=3, max_size=3)))
        out.append(
            Scheme(
                name=f"s{i}",
                current_budget_gbp=draw(st.sampled_from([0.0, draw(st.floats(0, 1e7, **finite))])),
                budget_gbp=draw(st.floats(0, 1e7, **finite)),
                reference_budget_gbp=draw(st.floats(1, 1e7, **finite)),
                metric=draw(st.sampled_from(METRICS)),
                effect_low=lo,
                effect_central=mid,
                effect_high=hi,
                ramp_months=draw(st.integers(0, 30)),
                saturation=draw(st.floats(0.05, 100, **finite)),
            )
        )
    return out


@st.composite
def case_st(draw: st.DrawFn) -> tuple[list[Scheme], pd.DatetimeIndex, dict[str, np.ndarray], np.ndarray]:
    schemes = draw(schemes_st())
    n_draws = draw(st.integers(1, 6))
    n_months = draw(st.integers(1, 24))
    months = pd.date_range("2025-04-01", periods=n_months, freq="MS")
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    baseline = {}
    for m in METRICS:
        if draw(st.booleans()) or m == "nea":
            scale = draw(st.sampled_from([0.0, 1e-9, 1e-3, 1.0, 50.0, 1e4]))  # incl. zero and tiny baselines
            baseline[m] = rng.random((n_draws, n_months)) * scale
    uniforms = rng.random((n_draws, len(schemes)))
    return schemes, months, baseline, uniforms


def _totals(e) -> dict[str, np.ndarray]:
    return {
        "nea": e.total_nea_avoided(),
        "placements": e.by_metric("placements"),
    }


@SETTINGS
@given(
    s=st.floats(0.01, 100, **finite),
    b0=st.floats(1, 1e8, **finite),
)
def test_saturation_concave_increasing_and_one_at_reference(s, b0):
    assert effect_multiplier(b0, b0, s) == 1.0
    assert effect_multiplier(0.0, b0, s) == 0.0
    f = effect_multiplier(np.linspace(0, 5 * b0, 101), b0, s)
    assert np.all(np.diff(f) >= 0)
    second = np.diff(f, 2)
    assert np.all(second <= 1e-12 * max(1.0, f.max()))


@SETTINGS
@given(case=case_st(), factor=st.floats(1.0, 10.0, **finite), extra=st.floats(0, 1e6, **finite), data=st.data())
def test_more_money_never_increases_activity(case, factor, extra, data):
    schemes, months, baseline, u = case
    which = data.draw(st.lists(st.booleans(), min_size=len(schemes), max_size=len(schemes)))
    richer = [
        s.model_copy(update={"budget_gbp": s.budget_gbp * factor + extra}) if w else s
        for s, w in zip(schemes, which, strict=True)
    ]
    before = _totals(compute_effects(schemes, months, baseline, u))
    after = _totals(compute_effects(richer, months, baseline, u))
    for m in before:
        # pathwise (same uniforms); 1e-9 relative covers the cap's rounding guard
        tol = 1e-9 * np.maximum(1.0, before[m])
        assert np.all(after[m] >= before[m] - tol), m
    # hence expected admissions with schemes (baseline − avoided) never rise
    assert (baseline["nea"] - after["nea"]).mean() <= (baseline["nea"] - before["nea"]).mean() + 1e-9


@SETTINGS
@given(case=case_st())
def test_current_funding_is_exactly_the_baseline(case):
    """Every budget at its current value: no change against the current-funding trend, draw for draw."""
    schemes, months, baseline, u = case
    now = [s.model_copy(update={"budget_gbp": s.current_budget_gbp}) for s in schemes]
    e = compute_effects(now, months, baseline, u)
    assert np.all(e.avoided == 0.0)
    # and a new scheme with no money changes nothing either
    broke = [s.model_copy(update={"budget_gbp": 0.0, "current_budget_gbp": 0.0}) for s in schemes]
    assert np.all(compute_effects(broke, months, baseline, u).avoided == 0.0)


@SETTINGS
@given(case=case_st())
def test_cuts_add_activity_and_rises_avoid_it(case):
    schemes, months, baseline, u = case
    e = compute_effects(schemes, months, {}, u)  # uncapped
    for j, s in enumerate(schemes):
        col = e.avoided[:, j, :]
        if s.budget_gbp < s.current_budget_gbp:
            assert np.all(col <= 0)
        elif s.budget_gbp > s.current_budget_gbp:
            assert np.all(col >= 0)


@SETTINGS
@given(case=case_st(), realised=st.floats(0, 100, **finite))
def test_total_effect_never_exceeds_baseline(case, realised):
    schemes, months, baseline, u = case
    e = compute_effects(schemes, months, baseline, u, realised_pct=realised)
    if "acs" in baseline:
        assert np.all(e.by_metric("acs") <= baseline["acs"])
    assert np.all(e.total_nea_avoided() <= baseline["nea"])  # NEA + ACS schemes together
    if "placements" in baseline:
        assert np.all(e.by_metric("placements") <= baseline["placements"])


@SETTINGS
@given(schemes=schemes_st(), seed=st.integers(0, 2**32 - 1))
def test_draws_within_range_and_monotone_in_uniform(schemes, seed):
    u = np.sort(np.random.default_rng(seed).random((20, len(schemes))), axis=0)
    x = effects_from_uniforms(schemes, u)
    low = np.array([s.effect_low for s in schemes])
    high = np.array([s.effect_high for s in schemes])
    assert np.all(x >= low) and np.all(x <= high)
    assert np.all(np.diff(x, axis=0) >= -1e-9 * np.maximum(1.0, high))


@SETTINGS
@given(case=case_st(), new_budget=st.floats(0, 1e7, **finite))
def test_crn_budget_change_leaves_other_schemes_alone_when_uncapped(case, new_budget):
    schemes, months, _, u = case
    changed = [schemes[0].model_copy(update={"budget_gbp": new_budget}), *schemes[1:]]
    a = compute_effects(schemes, months, {}, u)
    b = compute_effects(changed, months, {}, u)
    np.testing.assert_array_equal(a.avoided[:, 1:], b.avoided[:, 1:])
