"""Forecasts that never explode (issue 19): the disruption inside a short window, one honest point forecast, long
horizons, and the plausibility guard (models.demand.plausibility)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from models.demand import forecasting as fc
from models.demand.forecasting import GUARD_FALLBACK, fit_series, forecast
from models.demand.plausibility import envelope, first_breach, rolling_totals


def _covid_shaped(seed: int, per_day: float = 40.0) -> pd.Series:
    """36 months Oct 2019 - Sep 2022 shaped like the real case: a stable level, a 35% collapse in Mar - Apr 2020,
    recovery over the following year, then flat; 2% noise, counts = admissions a day x days in the month."""
    months = pd.date_range("2019-10-01", "2022-09-01", freq="MS")
    level = np.full(len(months), 1.0)
    collapse = months.get_loc(pd.Timestamp("2020-03-01"))
    level[collapse : collapse + 2] = 0.65
    level[collapse + 2 : collapse + 14] = np.linspace(0.65, 1.0, 13)[1:]  # back to the level over a year
    noise = np.random.default_rng(seed).normal(0.0, 0.02, len(months))
    return pd.Series(per_day * level * (1 + noise) * months.days_in_month.to_numpy(), index=months)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_window_across_the_disruption_is_forecast_flat_for_five_years(seed: int) -> None:
    """Stable level, 35% collapse, a year's recovery, flat: the five-year forecast stays within 5% of the level."""
    history = _covid_shaped(seed)
    out = forecast(history, 60, n_paths=400, seed=seed)
    # Every projected year within 5% of the level (40 a day) and of the last recorded 12 months.
    years = out["mean"].to_numpy().reshape(5, 12).sum(axis=1)
    assert np.all(np.abs(years / (40.0 * 365.25) - 1) <= 0.05), years
    assert np.all(np.abs(years / history.iloc[-12:].sum() - 1) <= 0.05), years
    # Every month near the level too (within 10%: the naive member carries a month's own length into February);
    # in particular no trace of the collapse in March and April.
    per_day = out["mean"].to_numpy() / out.index.days_in_month.to_numpy()
    assert np.all(np.abs(per_day / 40.0 - 1) <= 0.10), np.round(per_day / 40.0, 3)
    assert (out["p50"] <= out["mean"] + 1e-9).all()  # the median of the paths sits below their mean


def test_a_recovery_slope_is_not_extrapolated_on_a_short_window() -> None:
    """Even a trend model forced onto the window cannot carry the recovery on: damped beyond the first year and
    held to the envelope."""
    history = _covid_shaped(3)
    out = forecast(history, 60, n_paths=200, model="ETS(A,Ad,A)")
    years = out["mean"].to_numpy().reshape(5, 12).sum(axis=1)
    assert years.max() <= 1.5 * rolling_totals(history.to_numpy()).max()
    # Beyond the first year, each year's change is at most half the one before (TREND_DAMP = 0.5).
    changes = np.diff(np.log(years))
    assert np.all(np.abs(changes[1:]) <= 0.5 * np.abs(changes[:-1]) + 1e-9), changes


def test_the_point_forecast_is_unbiased_on_stationary_series() -> None:
    """On simulated stationary series (known mean 1,000 a month), the ``mean`` column five years out is unbiased
    within Monte Carlo error (3 standard errors over the series); before the paths were centred their mean ran
    high by exp(sigma^2 / 2) and more with the t tails (about 2% in the fifth year here)."""
    reps, sd = 12, 0.02
    rng = np.random.default_rng(2024)
    months = pd.date_range("2014-04-01", periods=30, freq="MS")
    per_series = []
    for _ in range(reps):
        y = 1000.0 * np.exp(rng.normal(-(sd**2) / 2, sd, len(months)))  # E[y] = 1,000 exactly
        out = forecast(pd.Series(y, index=months), 60, n_paths=400, seed=int(rng.integers(1 << 31)))
        per_series.append(out["mean"].to_numpy()[-12:].mean() / 1000.0 - 1)  # the fifth year
    bias, se = float(np.mean(per_series)), float(np.std(per_series, ddof=1) / np.sqrt(reps))
    assert abs(bias) <= 3 * se, (bias, se)


@pytest.fixture(scope="module")
def shaped_fit() -> fc.SeriesFit:
    history = _covid_shaped(4)
    return fit_series(history, pd.Series(1.0, index=history.index), "nea")


def test_the_paths_mean_is_the_point_forecast(shaped_fit: fc.SeriesFit) -> None:
    """The Monte Carlo mean (what the money sums) and the point forecast are the same number, 10 years out."""
    paths = shaped_fit.simulate_rate_paths(120, 1001, np.random.default_rng(5))
    np.testing.assert_allclose(paths.mean(axis=0), shaped_fit.forecast_rate(120), rtol=1e-10)
    two = shaped_fit.simulate_rate_paths(12, 2, np.random.default_rng(5))  # an antithetic pair: still centred
    np.testing.assert_allclose(two.mean(axis=0), shaped_fit.forecast_rate(12), rtol=1e-10)


def test_intervals_widen_linearly_in_variance_beyond_the_first_year(shaped_fit: fc.SeriesFit) -> None:
    """Beyond 12 months the log-variance grows by a bounded amount a year (not compounding with the first
    year's own rate): a window holding a level shift does not get a 5-year range of 100 times."""
    cal = shaped_fit.calibration
    s = cal.sigma(np.array([12, 24, 36, 48, 60]))
    steps = np.diff(s**2)
    np.testing.assert_allclose(steps, cal.long_var, rtol=1e-9)
    assert fc.LONG_VAR_MIN <= cal.long_var <= fc.LONG_VAR_MAX
    huge = fc.IntervalCalibration(a=0.002, b=0.0095, ratio=1.03, n_errors=100, widen=1.2)  # RJ6's 2019-22 window
    assert huge.long_var == fc.LONG_VAR_MAX
    assert float(np.exp(2 * fc._T95 * huge.sigma(np.array([60]))[0])) < 20  # was 130-fold


def test_envelope_leaves_the_disrupted_year_out_of_the_lowest() -> None:
    months = pd.date_range("2018-04-01", "2022-03-01", freq="MS")
    y = pd.Series(100.0, index=months)
    y[(months >= "2020-03-01") & (months <= "2021-03-01")] = 40.0
    env = envelope(y)
    assert env.highest == pytest.approx(1200.0) and env.lowest == pytest.approx(1200.0)
    assert env.low == pytest.approx(600.0) and env.high == pytest.approx(1800.0)
    future = pd.date_range("2022-04-01", periods=24, freq="MS")
    assert first_breach(np.full(24, 100.0), future, env) is None
    hit = first_breach(np.linspace(100, 200, 24), future, env)
    assert hit is not None and hit.too_high and hit.total > 1800
    low = first_breach(np.full(24, 45.0), future, env)
    assert low is not None and not low.too_high


def _explosive(y, idx, h):  # noqa: ANN001, ANN202 - a candidate's signature
    """A deliberately explosive model: +8% a month from the last month."""
    return y[-1] * 1.08 ** np.arange(1, h + 1), np.r_[np.nan, y[:-1]], None


def test_the_guard_refuses_an_explosive_model_and_says_what_is_used_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    history = _covid_shaped(7)
    cand, _ = fc.CANDIDATES_SEASONAL["Theta"]
    monkeypatch.setitem(fc.CANDIDATES_SEASONAL, "Theta", (cand, _explosive))
    monkeypatch.setattr(fc, "TREND_MODELS", fc.TREND_MODELS - {"Theta"})  # no damping: the raw explosion
    real_order = fc._choice_order
    monkeypatch.setattr(fc, "_choice_order", lambda *a: ["Theta", *[m for m in real_order(*a) if m != "Theta"]])
    fit = fit_series(history, pd.Series(1.0, index=history.index), "nea")
    assert fit.guard is not None and fit.guard.intervened
    assert [r.model for r in fit.guard.refused] == ["Theta"]
    assert fit.chosen == fit.guard.used == "Combination"
    msg = fit.diagnostics["guard"]
    assert "Theta was refused" in msg and "**Combination** is used instead" in msg and "1.5 times" in msg
    assert "emergency admissions" in msg
    env = envelope(history)
    assert first_breach(fit.forecast_rate(120), fit.future_months(120), env) is None


def test_when_every_model_is_refused_the_recent_average_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    history = _covid_shaped(8)
    cand, _ = fc.CANDIDATES_SEASONAL["Theta"]
    monkeypatch.setitem(fc.CANDIDATES_SEASONAL, "Theta", (cand, _explosive))
    monkeypatch.setattr(fc, "TREND_MODELS", fc.TREND_MODELS - {"Theta"})
    out = forecast(history, 60, model="Theta", n_paths=200)
    expected = history.iloc[-12:].to_numpy() / history.index[-12:].days_in_month.to_numpy()
    per_day = out["mean"].to_numpy() / out.index.days_in_month.to_numpy()
    np.testing.assert_allclose(per_day, expected.mean(), rtol=1e-9)
    fit = fit_series(history, pd.Series(1.0, index=history.index), "nea", candidates=["Theta"])
    assert fit.chosen == GUARD_FALLBACK and fit.guard.refused[0].model == "Theta"
    assert GUARD_FALLBACK in fit.diagnostics["guard"]


def test_a_series_whose_backtest_cannot_be_scored_is_forecast_untested() -> None:
    """24 months ending Mar 2021: every origin's test months fall in the disruption. No refusal: the flat
    combination, untested, said so."""
    months = pd.date_range("2019-04-01", "2021-03-01", freq="MS")
    y = pd.Series(1000.0 + 20 * np.sin(np.arange(24)), index=months)
    y[months >= "2020-03-01"] *= 0.8
    fit = fit_series(y, pd.Series(1.0, index=months), "nea")
    assert fit.chosen == "Combination"
    assert "No backtest origin could be scored" in fit.diagnostics["choice"]
    assert fit.backtest["mase"].isna().all()


def _ending(end: str, after_level: float) -> pd.Series:
    """Constant 40 a day from Apr 2018, the disruption (Mar 2020 on) at ``after_level`` times that, to ``end``."""
    months = pd.date_range("2018-04-01", end, freq="MS")
    level = np.where(months >= fc.DISRUPTION_START, after_level, 1.0)
    return pd.Series(40.0 * level * months.days_in_month.to_numpy(), index=months)


def test_the_regime_variance_is_half_the_gap_squared_and_fades_once_the_new_level_is_seen() -> None:
    """Hand-worked: a series 20% below its pre-pandemic level at the end of the disruption has regime variance
    (0.5 x ln 0.8)^2; three of the six months after it recorded halve it; six remove it; none before it."""
    full = (0.5 * np.log(0.8)) ** 2
    for end, share in (("2021-03-01", 1.0), ("2021-06-01", 0.5), ("2021-09-01", 0.0), ("2020-01-01", 0.0)):
        s = _ending(end, 0.8)
        got = fc._regime_variance(s.to_numpy(), s.index)
        assert got == pytest.approx(full * share, rel=1e-12), end
    s = _ending("2020-12-01", 1.0)  # disrupted but back at the old level: no doubt added
    assert fc._regime_variance(s.to_numpy(), s.index) == pytest.approx(0.0, abs=1e-15)


def test_a_series_ending_in_the_disruption_gets_wider_intervals_by_the_regime_variance() -> None:
    """The calibration carries the regime variance at every horizon: sigma(h)^2 rises by exactly that amount."""
    s = _ending("2021-03-01", 0.8) * (1 + np.random.default_rng(5).normal(0, 0.02, 36))
    cal = fc._calibrate(s.to_numpy(), s.index)
    assert cal.regime > 0.01
    h = np.array([1, 6, 12, 36, 60])
    without = replace(cal, regime=0.0)
    np.testing.assert_allclose(cal.sigma(h) ** 2 - without.sigma(h) ** 2, cal.regime, rtol=1e-9)
