"""Unit tests for models.demand: wrapper vs statsmodels, backtest, simulation, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from models.demand import (
    BENCHMARK,
    MIN_MONTHS,
    SPECS,
    DemandDataError,
    _ss_simulate,
    financial_year_totals,
    fit_series,
    fy_label,
    project_counts,
    summarise_paths,
)

pytestmark = pytest.mark.unit


def _series(start: str, n: int, seed: int, covid: bool, level: float = 2000.0) -> tuple[pd.Series, pd.Series]:
    """Seasonal Poisson counts with trend; optional COVID collapse and lower level after."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=n, freq="MS")
    t = np.arange(n)
    index = pd.Series(0.9 + 0.012 * t / 12, index=idx)
    mu = level * (1 + 0.004 * t / 12) * (1 + 0.05 * np.cos(2 * np.pi * (idx.month.to_numpy() - 1) / 12))
    if covid:
        dis = (idx >= "2020-04-01") & (idx <= "2021-03-01")
        mu = np.where(dis, mu * 0.8, mu)
        mu = np.where(idx == "2020-04-01", mu * 0.76, mu)
        mu = np.where(idx >= "2021-04-01", mu * 0.93, mu)
    counts = pd.Series(rng.poisson(mu * index.to_numpy()).astype(float), index=idx)
    return counts, index


@pytest.fixture(scope="module")
def covid_fit():
    counts, index = _series("2015-04-01", 120, seed=11, covid=True)
    return fit_series(counts, index, "nea", covid="intervention"), counts, index


def test_ets_wrapper_forecast_equals_statsmodels_own_forecast():
    counts, index = _series("2006-04-01", 96, seed=3, covid=False)
    fit = fit_series(counts, index, "nea", candidates=["ETS(A,Ad,A)"])
    assert fit.chosen == "ETS(A,Ad,A)"
    rate = pd.Series((counts / index).to_numpy(), index=pd.date_range("2006-04-01", periods=96, freq="MS"))
    res = ETSModel(
        rate,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=12,
        initialization_method="heuristic",
    ).fit(disp=False, maxiter=200)
    np.testing.assert_allclose(fit.forecast_rate(24), np.asarray(res.forecast(24)), rtol=1e-9)
    # And the fitted counts are the model's fitted rate times the index.
    np.testing.assert_allclose(fit.fitted["fitted"], np.asarray(res.fittedvalues) * index.to_numpy(), rtol=1e-9)


def test_sarimax_wrapper_forecast_equals_statsmodels_with_covid_regressors():
    counts, index = _series("2015-04-01", 120, seed=5, covid=True)
    label = "SARIMAX(0,1,1)(0,1,1)12"
    fit = fit_series(counts, index, "acs", candidates=[label], covid="intervention")
    idx = pd.date_range("2015-04-01", periods=120, freq="MS")
    rate = pd.Series((counts / index).to_numpy(), index=idx)
    exog = pd.DataFrame(
        {
            "covid_step": ((idx >= "2020-04-01") & (idx <= "2021-03-01")).astype(float),
            "covid_pulse": ((idx >= "2020-04-01") & (idx <= "2020-06-01")).astype(float),
        },
        index=idx,
    )
    res = SARIMAX(rate, exog=exog, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12), concentrate_scale=True).fit(
        disp=False, maxiter=100
    )
    expected = np.asarray(res.forecast(18, exog=np.zeros((18, 2))))
    np.testing.assert_allclose(fit.forecast_rate(18), expected, rtol=1e-6)
    assert res.params["covid_step"] < 0  # the collapse is attributed to the regressor
    # Simulated spread matches statsmodels' own forecast standard errors.
    paths = fit.simulate_rate_paths(18, 4000, np.random.default_rng(1))
    se = res.get_forecast(18, exog=np.zeros((18, 2))).se_mean.to_numpy()
    np.testing.assert_allclose(paths.std(axis=0), se, rtol=0.08)
    np.testing.assert_allclose(paths.mean(axis=0), expected, atol=4 * se.max() / np.sqrt(4000))


def test_vectorised_state_space_simulation_matches_statsmodels_simulate():
    counts, index = _series("2015-04-01", 120, seed=5, covid=False)
    res = SARIMAX((counts / index).to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    fr = res.filter_results
    rng = np.random.default_rng(0)
    h = 30
    x0 = rng.normal(size=fr.k_states)
    eta = rng.normal(size=(h, fr.k_posdef))
    sm_path = res.simulate(h, anchor="end", initial_state=x0, state_shocks=eta, measurement_shocks=np.zeros((h, 1)))
    mine = _ss_simulate(fr, x0[None, :], eta[None, :, :], np.zeros((1, h)), np.zeros(h))
    np.testing.assert_allclose(mine[0], np.asarray(sm_path).ravel(), atol=1e-9)


def test_backtest_table_has_benchmark_and_exactly_one_chosen(covid_fit):
    fit, _, _ = covid_fit
    bt = fit.backtest
    assert list(bt.columns) == ["model", "mase", "mape", "pi80_coverage", "pi95_coverage", "chosen"]
    assert BENCHMARK in set(bt["model"])
    assert set(SPECS) <= set(bt["model"])
    assert bt["chosen"].sum() == 1
    assert not bool(bt.loc[bt["model"] == BENCHMARK, "chosen"].iloc[0])
    cands = bt.loc[bt["model"] != BENCHMARK]
    assert bt.loc[bt["chosen"], "model"].iloc[0] == cands.loc[cands["mase"].idxmin(), "model"] == fit.chosen
    assert bt[["pi80_coverage", "pi95_coverage"]].stack().between(0, 1).all()
    # Fair origins for data ending March 2025: the last three financial years.
    assert fit.diagnostics["backtest_origins"] == ["2024-03", "2023-03", "2022-03"]
    assert 0 <= fit.diagnostics["ljung_box_p"] <= 1


def test_simulated_paths_centre_on_forecast_and_intervals_widen(covid_fit):
    fit, _, _ = covid_fit
    n = 60
    paths = fit.simulate_rate_paths(n, 2000, np.random.default_rng(42))
    assert paths.shape == (2000, n)
    assert np.all(paths >= 0)
    point = fit.forecast_rate(n)
    sd = paths.std(axis=0)
    # Monte Carlo mean within 4 standard errors of the model's own point forecast (first year).
    assert np.all(np.abs(paths.mean(axis=0)[:12] - point[:12]) < 4 * sd[:12] / np.sqrt(2000) + 1e-9 * point[:12])
    months = fit.future_months(n)
    s = summarise_paths(paths, months)
    width = (s["p90"] - s["p10"]).to_numpy()
    assert width[48:].mean() > 1.3 * width[:12].mean()
    assert np.corrcoef(np.arange(n), width)[0, 1] > 0.8
    assert np.all(s["p025"] <= s["p10"]) and np.all(s["p10"] <= s["p50"])
    assert np.all(s["p50"] <= s["p90"]) and np.all(s["p90"] <= s["p975"])


def test_simulation_is_reproducible_with_the_same_seed(covid_fit):
    fit, _, _ = covid_fit
    a = fit.simulate_rate_paths(24, 50, np.random.default_rng(7))
    b = fit.simulate_rate_paths(24, 50, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_exclude_option_fits_and_documents_handling():
    counts, index = _series("2015-04-01", 120, seed=11, covid=True, level=170.0)
    fit = fit_series(counts, index, "acs", covid="exclude", candidates=["SARIMAX(0,1,1)(0,1,1)12", "ETS(A,Ad,A)"])
    assert "missing" in fit.diagnostics["covid"]
    sarimax_rows = fit.backtest.loc[fit.backtest["model"].str.startswith("SARIMAX")]
    assert sarimax_rows["mase"].notna().all()
    assert np.isfinite(fit.forecast_rate(12)).all()


def test_project_counts_is_rate_times_index(covid_fit):
    fit, _, _ = covid_fit
    rate = np.array([[100.0, 200.0, 300.0], [1.0, 2.0, 3.0]])
    out = project_counts(fit, rate, np.array([1.0, 1.1, 1.2]))
    np.testing.assert_allclose(out, [[100, 220, 360], [1, 2.2, 3.6]])
    with pytest.raises(ValueError, match="shape"):
        project_counts(fit, rate, np.ones(4))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.iloc[: MIN_MONTHS - 1], f"at least {MIN_MONTHS} months"),
        (lambda s: s * 0 + 150.0, "constant"),
        (lambda s: s.where(s.index != s.index[40]), "missing"),
        (lambda s: s.drop(s.index[50]), "gaps"),
        (lambda s: s.where(s.index != s.index[30], -5.0), "negative"),
    ],
)
def test_bad_series_raise_plain_english_error(mutate, message):
    counts, index = _series("2015-04-01", 120, seed=1, covid=False)
    with pytest.raises(DemandDataError, match=message) as info:
        fit_series(mutate(counts), index, "nea")
    assert isinstance(info.value, ValueError)


def test_fy_label_and_totals():
    assert fy_label(pd.Timestamp("2025-04-01")) == "2025-26"
    assert fy_label(pd.Timestamp("2026-03-01")) == "2025-26"
    assert fy_label(pd.Timestamp("1999-07-01")) == "1999-00"
    months = pd.date_range("2025-01-01", periods=27, freq="MS")  # Jan 2025 .. Mar 2027
    paths = np.vstack([np.ones(27), 2 * np.ones(27), 3 * np.ones(27)])
    out = financial_year_totals(paths, months)
    assert list(out["fy"]) == ["2025-26", "2026-27"]  # Jan-Mar 2025 is partial, dropped
    assert out["mean"].tolist() == [24.0, 24.0]
    assert out["p50"].tolist() == [24.0, 24.0]
    assert out.loc[0, "p10"] < out.loc[0, "p90"]
    partial = financial_year_totals(paths, months, complete_only=False)
    assert partial.loc[0, "fy"] == "2024-25" and partial.loc[0, "n_months"] == 3
    hist = financial_year_totals(pd.DataFrame({"month": months, "value": np.arange(27.0)}))
    assert hist.loc[0, "mean"] == pytest.approx(sum(range(3, 15)))
