"""Property tests for demand/population invariants (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models.demand.forecasting import financial_year_totals, summarise_paths
from models.demand.population import AGE_BANDS, demand_index, project_population

pytestmark = pytest.mark.property

pos = st.floats(min_value=1.0, max_value=1e5, allow_nan=False, allow_infinity=False)
growth = st.floats(min_value=-5.0, max_value=10.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    pops=st.lists(pos, min_size=5, max_size=5),
    rates=st.lists(st.floats(min_value=0.1, max_value=500.0), min_size=5, max_size=5),
    g=st.lists(growth, min_size=5, max_size=5),
    band=st.sampled_from(AGE_BANDS),
    extra=st.floats(min_value=0.0, max_value=20.0),
)
def test_more_growth_in_any_band_never_lowers_expected_admissions(pops, rates, g, band, extra):
    base = pd.DataFrame({"year": 2024, "age_band": list(AGE_BANDS), "population": pops})
    r = dict(zip(AGE_BANDS, rates, strict=True))
    g0 = dict(zip(AGE_BANDS, g, strict=True))
    g1 = g0 | {band: g0[band] + extra}
    d0 = demand_index(project_population(base, g0, 2024, 4), r, 2024)
    d1 = demand_index(project_population(base, g1, 2024, 4), r, 2024)
    assert np.all(d1["expected_admissions"].to_numpy() >= d0["expected_admissions"].to_numpy() * (1 - 1e-12))


@settings(max_examples=40, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=11),
    paths=arrays(np.float64, (7, 36), elements=st.floats(min_value=0, max_value=1e4)),
)
def test_fy_totals_mean_equals_sum_of_monthly_means(start, paths):
    months = pd.date_range(pd.Timestamp("2024-01-01") + pd.DateOffset(months=start), periods=36, freq="MS")
    out = financial_year_totals(paths, months)
    monthly = summarise_paths(paths, months)
    assert (out["n_months"] == 12).all()
    for _, row in out.iterrows():
        sel = [f"{m.year if m.month >= 4 else m.year - 1}" == row["fy"][:4] for m in months]
        assert row["mean"] == pytest.approx(monthly.loc[sel, "mean"].sum(), rel=1e-9, abs=1e-6)
        assert row["p025"] <= row["p10"] <= row["p50"] <= row["p90"] <= row["p975"]


@settings(max_examples=6, deadline=None)
@given(
    n=st.integers(min_value=12, max_value=40),
    start=st.integers(min_value=0, max_value=11),
    level=st.floats(min_value=20.0, max_value=5000.0),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_forecast_quantiles_are_ordered_positive_and_follow_the_history(n, start, level, seed):
    from models.demand.forecasting import forecast
    from models.demand.plausibility import envelope, rolling_totals

    rng = np.random.default_rng(seed)
    idx = pd.date_range(pd.Timestamp("2021-01-01") + pd.DateOffset(months=start), periods=n, freq="MS")
    hist = pd.Series(rng.poisson(level, size=n).astype(float) + 1.0, index=idx)
    long = forecast(hist, 60, n_paths=300, seed=seed)
    # Five years out, every 12-month total of the point forecast stays in the plausibility envelope, and the
    # median of the paths never exceeds their mean (the point forecast; the spread is skewed upwards).
    env = envelope(hist)
    totals = rolling_totals(long["mean"].to_numpy())
    assert env.low - 1e-6 <= totals.min() and totals.max() <= env.high + 1e-6
    assert (long["p50"] <= long["mean"] * (1 + 1e-12)).all()
    out = long.iloc[:12]
    assert len(out) == 12 and out.index[0] == idx[-1] + pd.DateOffset(months=1)
    assert (out["p025"] > 0).all()
    assert (out["p025"] <= out["p10"]).all() and (out["p10"] <= out["p50"]).all()
    assert (out["p50"] <= out["p90"]).all() and (out["p90"] <= out["p975"]).all()
    lo, hi = hist.min(), hist.max()
    assert lo * 0.5 <= out["p50"].mean() <= hi * 1.5
