"""Unit tests for models.demand.placements: GLM recovery, family choice, simulation, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.demand.placements import (
    MIN_YEARS,
    PlacementsDataError,
    annual_totals,
    fit_placements,
    simulate_counts,
    summarise_placements,
)

pytestmark = pytest.mark.unit

TRUE = {"const": np.log(450 / 100_000), "trend": -0.015, "covid_2020": -0.2}


def _simulate(first_fy: int, n_years: int, seed: int, alpha: float = 0.0) -> tuple[pd.Series, pd.Series]:
    """Monthly placements whose FY totals follow the GLM (Poisson, or NB2 with alpha)."""
    rng = np.random.default_rng(seed)
    fy = np.arange(first_fy, first_fy + n_years)
    pop = pd.Series(np.linspace(36_000, 36_000 * 1.02 ** (n_years - 1), n_years), index=fy)
    mu = pop.to_numpy() * np.exp(TRUE["const"] + TRUE["trend"] * (fy - first_fy) + TRUE["covid_2020"] * (fy == 2020))
    if alpha > 0:
        mu = rng.gamma(1 / alpha, alpha * mu)
    annual = rng.poisson(mu)
    monthly = np.concatenate([rng.multinomial(a, np.full(12, 1 / 12)) for a in annual]).astype(float)
    idx = pd.date_range(f"{first_fy}-04-01", periods=12 * n_years, freq="MS")
    return pd.Series(monthly, index=idx), pop


def test_poisson_glm_recovers_known_coefficients():
    monthly, pop = _simulate(1985, 40, seed=2024)
    fit = fit_placements(monthly, pop)
    assert fit.family == "poisson"
    se = np.sqrt(np.diag(fit.cov.to_numpy()))
    for name, s in zip(fit.params.index, se, strict=True):
        assert abs(fit.params[name] - TRUE[name]) < 3 * s, name
    assert len(fit.table) == 40
    np.testing.assert_allclose(fit.table["rate_per_100k"], fit.table["observed"] / fit.table["pop65"] * 1e5)


def test_negative_binomial_chosen_on_overdispersed_data():
    monthly, pop = _simulate(2000, 25, seed=7, alpha=0.08)
    fit = fit_placements(monthly, pop)
    assert fit.dispersion["pearson_ratio"] > 3
    assert fit.family == "negative_binomial"
    assert 0.01 < fit.alpha < 0.5


def test_poisson_chosen_on_equidispersed_data():
    monthly, pop = _simulate(2000, 25, seed=8)
    fit = fit_placements(monthly, pop)
    assert fit.family == "poisson"
    assert fit.alpha == 0.0


def test_incomplete_years_dropped_and_too_few_years_rejected():
    monthly, pop = _simulate(2015, 10, seed=1)
    totals = annual_totals(monthly.iloc[3:-2])  # starts July 2015, ends Jan 2025
    assert list(totals.index) == list(range(2016, 2024))
    with pytest.raises(PlacementsDataError, match="At least 1 complete financial year") as info:
        fit_placements(monthly.iloc[3:14], pop)  # Jul 2015 - May 2016: no complete April-March year
    assert isinstance(info.value, ValueError)
    assert MIN_YEARS == 1
    with pytest.raises(PlacementsDataError, match="65\\+ population"):
        fit_placements(monthly, pop.iloc[:-1])


@pytest.mark.parametrize(
    ("first_fy", "months", "terms"),
    [
        (2022, 24, ["const"]),  # two years: a flat rate per head
        (2022, 36, ["const"]),  # three years, no 2020-21
        (2019, 36, ["const", "covid_2020"]),  # 2019-20 .. 2021-22: 2020-21 gets its own term
        (2020, 24, ["const"]),  # 2020-21 and 2021-22: too few years for a COVID term, 2020-21 left out
        (2021, 30, ["const"]),  # 2.5 years: the partial one is dropped
        (2016, 60, ["const", "trend", "covid_2020"]),
    ],
)
def test_short_data_two_or_three_financial_years_are_modelled(first_fy, months, terms):
    monthly, pop = _simulate(first_fy, 6, seed=first_fy)
    fit = fit_placements(monthly.iloc[:months], pop)
    assert list(fit.params.index) == terms
    assert np.isfinite(fit.params.to_numpy()).all()
    assert np.isfinite(fit.table["fitted"]).all()
    assert len(fit.backtest) == min(len(fit.table) - 1, 3)
    paths = simulate_counts(fit, np.array([40_000.0, 41_000.0]), np.array([2026, 2027]), 500, np.random.default_rng(0))
    assert paths.shape == (500, 2) and np.isfinite(paths).all()
    if "covid_2020" not in terms and "2020-21" in set(fit.table["fy"]):
        # left out of the fit: the other years' flat rate, not pulled down by the COVID year
        others = fit.table[fit.table["fy"] != "2020-21"]
        rate = others["observed"].sum() / others["pop65"].sum()
        assert fit.table["fitted_rate_per_100k"].iloc[-1] == pytest.approx(rate * 1e5, rel=1e-6)


def test_one_complete_year_is_a_flat_rate_with_no_backtest():
    monthly, pop = _simulate(2023, 2, seed=9)
    fit = fit_placements(monthly.iloc[:14], pop)  # Apr 2023 - May 2024
    assert list(fit.params.index) == ["const"] and len(fit.table) == 1
    assert fit.backtest.empty and np.isnan(fit.mape)
    assert fit.trend == 0.0
    assert fit.table["fitted"].iloc[0] == pytest.approx(fit.table["observed"].iloc[0])


def test_backtest_is_one_year_ahead_on_last_three_years():
    monthly, pop = _simulate(2015, 10, seed=3)
    fit = fit_placements(monthly, pop)
    assert list(fit.backtest["fy"]) == ["2022-23", "2023-24", "2024-25"]
    bt = fit.backtest
    np.testing.assert_allclose(bt["abs_pct_error"], (bt["observed"] - bt["predicted"]).abs() / bt["observed"] * 100)
    assert fit.mape == pytest.approx(bt["abs_pct_error"].mean())
    assert fit.mape < 25


def test_simulation_centres_on_model_and_nb_is_wider():
    monthly, pop = _simulate(1985, 40, seed=2024)
    fit = fit_placements(monthly, pop)
    fut_years = np.array([2025, 2026])
    fut_pop = np.array([80_000.0, 81_000.0])
    paths = simulate_counts(fit, fut_pop, fut_years, 20_000, np.random.default_rng(0))
    assert paths.shape == (20_000, 2)
    expected = fut_pop * np.exp(fit.params["const"] + fit.params["trend"] * (fut_years - fit.first_fy))
    np.testing.assert_allclose(paths.mean(axis=0), expected, rtol=0.03)
    # Parameter uncertainty makes paths wider than pure Poisson noise.
    assert np.all(paths.var(axis=0) > expected)


def test_negative_binomial_paths_are_wider_than_poisson_on_overdispersed_data():
    monthly, pop = _simulate(2000, 25, seed=7, alpha=0.08)
    nb_fit = fit_placements(monthly, pop)
    pois_fit = fit_placements(monthly, pop, family="poisson")
    assert nb_fit.family == "negative_binomial" and pois_fit.family == "poisson"
    args = (np.array([45_000.0, 46_000.0]), np.array([2025, 2026]), 20_000)
    nb_paths = simulate_counts(nb_fit, *args, np.random.default_rng(0))
    pois_paths = simulate_counts(pois_fit, *args, np.random.default_rng(0))
    assert np.all(nb_paths.var(axis=0) > 2 * pois_paths.var(axis=0))


def test_summary_counts_rates_and_probability_of_meeting_ambition():
    paths = np.array([[140.0, 150.0], [150.0, 160.0], [160.0, 170.0], [170.0, 180.0]])
    pop = np.array([40_000.0, 50_000.0])
    out = summarise_placements(paths, np.array([2025, 2026]), pop, ambition=150)
    assert list(out["fy"]) == ["2025-26", "2026-27"]
    assert out["mean"].tolist() == [155.0, 165.0]
    assert out["p_meet_ambition"].tolist() == [0.5, 0.25]
    assert out.loc[0, "rate_mean"] == pytest.approx(155 / 40_000 * 1e5)
    assert out.loc[1, "rate_p50"] == pytest.approx(np.median(paths[:, 1]) / 50_000 * 1e5)
    assert summarise_placements(paths, np.array([2025, 2026]), pop)["p_meet_ambition"].isna().all()
