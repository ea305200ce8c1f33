"""Unit tests for models.demand: forecasts vs statsmodels, metrics, leakage, COVID-19, lengths, intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from models.core.fy import fy_label, fy_start
from models.demand.forecasting import (
    BENCHMARK,
    COMBINATION,
    MIN_MONTHS,
    NAIVE,
    DemandDataError,
    IntervalCalibration,
    _backtest,
    _coverage,
    _family,
    _mase_scale,
    _metrics,
    financial_year_totals,
    fit_series,
    forecast,
    normalise_covid,
    project_counts,
    summarise_paths,
)

pytestmark = pytest.mark.unit


def _series(start: str, n: int, seed: int, covid: bool, level: float = 2000.0) -> tuple[pd.Series, pd.Series]:
    """Seasonal Poisson counts with trend; optional COVID collapse (Mar 2020 - Mar 2021) and a lower level after."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=n, freq="MS")
    t = np.arange(n)
    index = pd.Series(0.9 + 0.012 * t / 12, index=idx)
    mu = level * (1 + 0.004 * t / 12) * (1 + 0.05 * np.cos(2 * np.pi * (idx.month.to_numpy() - 1) / 12))
    if covid:
        dis = (idx >= "2020-03-01") & (idx <= "2021-03-01")
        mu = np.where(dis, mu * 0.75, mu)
        mu = np.where(idx >= "2021-04-01", mu * 0.9, mu)
    counts = pd.Series(rng.poisson(mu * index.to_numpy()).astype(float), index=idx)
    return counts, index


@pytest.fixture(scope="module")
def covid_fit():
    counts, index = _series("2015-04-01", 120, seed=11, covid=True)
    return fit_series(counts, index, "nea"), counts, index


# ---------------------------------------------------------------- equality with statsmodels


def test_forecast_equals_statsmodels_own_ets_forecast_for_a_fixed_specification():
    counts, _ = _series("2006-04-01", 96, seed=3, covid=False)
    out = forecast(counts, 18, model="ETS(A,Ad,A)", n_paths=400)
    res = ETSModel(
        counts,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=12,
        initialization_method="heuristic",
    ).fit(disp=False, maxiter=200)
    f = np.asarray(res.forecast(18))
    # The first year is statsmodels' own forecast; the second year's change on the first is halved (a trend is
    # damped beyond the 12 months the backtest tests): the geometric mean of the same month a year before and
    # the model's own figure.
    np.testing.assert_allclose(out["mean"].to_numpy()[:12], f[:12], rtol=1e-9)
    np.testing.assert_allclose(out["mean"].to_numpy()[12:], np.sqrt(f[:6] * f[12:]), rtol=1e-9)
    assert list(out.columns) == ["mean", "p025", "p10", "p50", "p90", "p975"]
    assert out.index[0] == pd.Timestamp("2014-04-01") and len(out) == 18


def test_fit_series_sarimax_forecast_and_fitted_equal_statsmodels():
    counts, index = _series("2006-04-01", 96, seed=5, covid=False)
    label = "SARIMAX(0,1,1)(0,1,1)12"
    fit = fit_series(counts, index, "acs", candidates=[label])
    assert fit.chosen == label
    rate = pd.Series((counts / index).to_numpy(), index=pd.date_range("2006-04-01", periods=96, freq="MS"))
    res = SARIMAX(rate, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12), concentrate_scale=True).fit(
        disp=False, maxiter=30
    )
    f = np.asarray(res.forecast(24))
    np.testing.assert_allclose(fit.forecast_rate(24)[:12], f[:12], rtol=1e-9)
    np.testing.assert_allclose(fit.forecast_rate(24)[12:], np.sqrt(f[:12] * f[12:]), rtol=1e-9)  # damped
    fitted = np.asarray(res.fittedvalues) * index.to_numpy()
    np.testing.assert_allclose(fit.fitted["fitted"].to_numpy()[13:], fitted[13:], rtol=1e-9)


# ---------------------------------------------------------------- metrics by hand


def test_mase_mape_bias_by_hand_on_a_tiny_series():
    actual = np.array([[100.0, 110.0, np.nan], [90.0, np.nan, np.nan]])
    point = np.array([[90.0, 121.0, 50.0], [99.0, 80.0, np.nan]])
    scale = np.array([10.0, 5.0])
    m = _metrics(actual, point, scale)
    # origin 1: errors 10, 11 -> MAE 10.5 / 10 = 1.05; origin 2: error 9 -> 9 / 5 = 1.8
    assert m["mase"] == pytest.approx((1.05 + 1.8) / 2)
    # APE: 10/100, 11/110, 9/90 -> all 10%
    assert m["mape"] == pytest.approx(10.0)
    # signed: -10%, +10%, +10% -> +3.33% (over-forecast)
    assert m["bias"] == pytest.approx(10 / 3)
    assert m["n"] == 2


def test_mase_scale_is_seasonal_naive_mae_skipping_covid_pairs():
    idx = pd.date_range("2018-01-01", periods=26, freq="MS")
    y = np.arange(26, dtype=float) * 2.0  # seasonal differences all 24
    y[idx.get_loc(pd.Timestamp("2019-06-01"))] = 999.0  # not disrupted: counts
    scale = _mase_scale(y, idx)
    diffs = np.abs(y[12:] - y[:-12])
    assert scale == pytest.approx(diffs.mean())
    idx2 = pd.date_range("2018-06-01", periods=40, freq="MS")  # pairs touching Mar 2020 - Mar 2021 skipped
    z = np.arange(40, dtype=float)
    dis = np.asarray((idx2 >= "2020-03-01") & (idx2 <= "2021-03-01"))
    z[dis] = 0.0
    ok = ~(dis[12:] | dis[:-12])
    assert 0 < ok.sum() < 28
    assert _mase_scale(z, idx2) == pytest.approx(np.abs(z[12:] - z[:-12])[ok].mean())


def test_interval_coverage_by_hand():
    cal = IntervalCalibration(a=0.01, b=0.0, ratio=1.0, n_errors=10)  # sigma 0.1 at every horizon
    h80, h95 = cal.bounds(np.arange(1, 13))
    assert h80[0] == pytest.approx(0.1 * 1.4758840488)
    err = np.full((2, 12), np.nan)
    err[0, :4] = [0.0, 0.1, 0.2, 0.3]  # inside 80% (0.148): 2; inside 95% (0.257): 3
    err[1, :2] = [-0.05, -0.3]  # inside 80%: 1; inside 95%: 1
    c80, c95 = _coverage(err, [cal, cal], ratio=1.0)
    assert c80 == pytest.approx(3 / 6)
    assert c95 == pytest.approx(4 / 6)


# ---------------------------------------------------------------- no leakage


def test_backtest_forecast_at_an_origin_ignores_data_after_it():
    counts, _ = _series("2012-04-01", 84, seed=8, covid=False)
    y = counts.to_numpy()
    idx = pd.DatetimeIndex(counts.index, freq="MS")
    fam, ets, min_train = _family(len(y))
    labels = [*fam, COMBINATION]
    a = _backtest(y, idx, fam, ets, min_train, ["observed"], labels, {})
    i = len(a.origins) // 2
    o = a.origins[i]
    y2 = y.copy()
    y2[o + 1 :] *= 1.5  # change everything after that origin
    b = _backtest(y2, idx, fam, ets, min_train, ["observed"], labels, {})
    for lab in labels:
        np.testing.assert_array_equal(a.points["observed"][lab][: i + 1], b.points["observed"][lab][: i + 1])
    assert not np.allclose(a.points["observed"][NAIVE][i + 1 :], b.points["observed"][NAIVE][i + 1 :], equal_nan=True)
    # and the public entry point sees only its history
    f1 = forecast(pd.Series(y[: o + 1], index=idx[: o + 1]), 6, n_paths=200)
    f2 = forecast(pd.Series(y2[: o + 1], index=idx[: o + 1]), 6, n_paths=200)
    pd.testing.assert_frame_equal(f1, f2)


# ---------------------------------------------------------------- level shift after the disruption


@pytest.mark.parametrize("end", ["2022-09-01", "2024-03-01"])
def test_persistent_ten_percent_drop_after_the_disruption_is_forecast_near_the_new_level(end):
    idx = pd.date_range("2015-04-01", end, freq="MS")
    season = 1 + 0.04 * np.cos(2 * np.pi * (idx.month.to_numpy() - 1) / 12)
    rng = np.random.default_rng(4)
    level = np.where(idx >= "2021-04-01", 0.9, 1.0) * 3000.0
    level = np.where((idx >= "2020-03-01") & (idx <= "2021-03-01"), 3000.0 * 0.7, level)
    counts = pd.Series(rng.poisson(level * season).astype(float), index=idx)
    out = forecast(counts, 12, n_paths=400)
    future = out.index
    new_level = 0.9 * 3000.0 * (1 + 0.04 * np.cos(2 * np.pi * (future.month.to_numpy() - 1) / 12))
    assert abs(out["p50"].sum() / new_level.sum() - 1) < 0.03
    old_level = new_level / 0.9
    assert abs(out["p50"].sum() / old_level.sum() - 1) > 0.07  # not a return to the pre-COVID level


def test_covid_treatment_changes_the_fit_when_the_data_span_2020(covid_fit):
    counts, index = _series("2015-04-01", 76, seed=11, covid=True)  # ends Jul 2021
    fits = {c: fit_series(counts, index, "nea", covid=c, candidates=["ETS(A,Ad,A)"]) for c in ("observed", "return")}
    a, b = fits["observed"].forecast_rate(12), fits["return"].forecast_rate(12)
    assert np.max(np.abs(a / b - 1)) > 0.02
    assert "ASSUMES" in fits["return"].diagnostics["covid"]
    auto = fit_series(counts, index, "nea")  # too few origins after the disruption to judge: as recorded
    assert auto.covid == "observed" and auto.diagnostics["covid_scores"] == {}
    long_fit = covid_fit[0]  # data to Mar 2025: the treatment is chosen at 12 origins after the disruption
    assert long_fit.covid in ("observed", "shift")
    assert set(long_fit.diagnostics["covid_scores"]) == {"observed", "shift"}
    best = min(long_fit.diagnostics["covid_scores"], key=long_fit.diagnostics["covid_scores"].get)
    assert long_fit.covid == best


def test_without_origins_after_the_disruption_the_combination_is_used():
    counts, index = _series("2015-04-01", 73, seed=2, covid=True)  # ends Apr 2021
    fit = fit_series(counts, index, "nea")
    assert fit.chosen == COMBINATION
    assert "cannot judge" in fit.diagnostics["choice"]


def test_old_scenario_values_map_to_the_new_treatments():
    assert normalise_covid("intervention") == "auto"
    assert normalise_covid("exclude") == "return"
    with pytest.raises(DemandDataError, match="covid must be one of"):
        normalise_covid("ignore")


# ---------------------------------------------------------------- lengths


@pytest.mark.parametrize("n", [12, 18, 24, 30, 36])
def test_short_series_are_accepted_with_origins_and_a_note(n):
    counts, index = _series("2021-04-01", n, seed=n, covid=False)
    fit = fit_series(counts, index, "nea")
    d = fit.diagnostics
    assert d["n_origins"] >= 1
    assert len(d["backtest_origins"]) == d["n_origins"]
    assert np.isfinite(fit.forecast_rate(12)).all()
    paths = fit.simulate_rate_paths(12, 100, np.random.default_rng(0))
    assert paths.shape == (100, 12) and np.isfinite(paths).all()
    models = set(fit.backtest["model"])
    assert NAIVE in models
    assert (BENCHMARK in models) == (n >= 24)
    assert ("ETS(A,Ad,A)" in models) == (n >= 36)
    assert bool(d["note"]) == (n < 36)
    out = forecast(counts, 12, n_paths=200)
    assert len(out) == 12 and out.notna().all().all()


def test_ten_months_get_the_plain_refusal():
    counts, _ = _series("2023-01-01", 10, seed=1, covid=False)
    with pytest.raises(DemandDataError, match="too short to forecast: it has 10 months and at least 12"):
        forecast(counts)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.iloc[: MIN_MONTHS - 1], "too short"),
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


# ---------------------------------------------------------------- choice, table, intervals


def test_backtest_table_reports_chosen_and_benchmarks(covid_fit):
    fit, _, _ = covid_fit
    bt = fit.backtest
    assert list(bt.columns) == ["model", "mase", "mape", "bias", "pi80_coverage", "pi95_coverage", "chosen"]
    assert {BENCHMARK, NAIVE, COMBINATION, "ETS(A,Ad,A)", "Theta"} <= set(bt["model"])
    # SARIMAX (a linear slope for ever) is fitted only when named: never by default.
    assert "SARIMAX(0,1,1)(0,1,1)12" not in set(bt["model"])
    assert bt["chosen"].sum() == 1
    assert bt.loc[bt["chosen"], "model"].iloc[0] == fit.chosen
    assert "after the COVID-19 disruption" in fit.diagnostics["choice"]  # data end 2025: chosen post-COVID
    assert bt[["pi80_coverage", "pi95_coverage"]].stack().between(0, 1).all()
    d = fit.diagnostics
    assert d["n_origins"] == 12
    assert d["backtest_origins"][-1] == "Feb 2025"  # month names, latest origin a month before the end
    assert "in-sample forecast errors" in d["calibration"]


def test_intervals_widen_with_horizon_and_centre_on_the_point(covid_fit):
    fit, _, _ = covid_fit
    n = 48
    paths = fit.simulate_rate_paths(n, 2001, np.random.default_rng(42))
    assert paths.shape == (2001, n)
    assert np.all(paths >= 0)
    point = fit.forecast_rate(n)
    # The paths are centred on the point forecast: their mean is it (the Monte Carlo mean and the money agree with
    # the forecast), and their median lies a little below (the spread is skewed upwards).
    np.testing.assert_allclose(paths.mean(axis=0), point, rtol=1e-12)
    assert np.all(np.median(paths, axis=0) <= point) and np.all(np.median(paths, axis=0) > 0.9 * point)
    s = summarise_paths(paths, fit.future_months(n))
    rel = ((s["p975"] - s["p025"]) / s["p50"]).to_numpy()
    assert rel[11] > 1.1 * rel[0]
    assert rel[36:].mean() > 1.2 * rel[:6].mean()
    sig = fit.calibration.sigma(np.arange(1, n + 1))
    assert np.all(np.diff(sig) > 0)
    assert np.all(s["p025"] <= s["p10"]) and np.all(s["p10"] <= s["p50"])
    assert np.all(s["p50"] <= s["p90"]) and np.all(s["p90"] <= s["p975"])


def test_simulation_is_reproducible_with_the_same_seed(covid_fit):
    fit, _, _ = covid_fit
    a = fit.simulate_rate_paths(24, 50, np.random.default_rng(7))
    b = fit.simulate_rate_paths(24, 50, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_project_counts_is_rate_times_index(covid_fit):
    fit, _, _ = covid_fit
    rate = np.array([[100.0, 200.0, 300.0], [1.0, 2.0, 3.0]])
    out = project_counts(fit, rate, np.array([1.0, 1.1, 1.2]))
    np.testing.assert_allclose(out, [[100, 220, 360], [1, 2.2, 3.6]])
    with pytest.raises(ValueError, match="shape"):
        project_counts(fit, rate, np.ones(4))


def test_fy_label_and_totals():
    assert fy_label(fy_start(pd.Timestamp("2025-04-01"))) == "2025-26"
    assert fy_label(fy_start(pd.Timestamp("2026-03-01"))) == "2025-26"
    assert fy_label(fy_start(pd.Timestamp("1999-07-01"))) == "1999-00"
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
