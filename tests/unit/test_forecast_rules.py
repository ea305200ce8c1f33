"""Rules of the demand forecast: combination membership, ETS by AICc, choice, interval widening, level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from models.demand.forecasting import (
    _ALPHAS,
    _T80,
    AUTO_ETS,
    AUTO_ETS_SEASONS,
    COMBINATION,
    LEVEL,
    NAIVE,
    SEASON,
    WIDEN_MAX,
    WIDEN_PRIOR,
    IntervalCalibration,
    ScaledETS,
    _Backtest,
    _clearly_better,
    _coverage,
    _ets_aicc,
    _family,
    _fit_ets_auto,
    _fit_level,
    _geomean,
    _run_all,
    _ses_level,
    _widen_from,
    fit_series,
)

pytestmark = pytest.mark.unit


def _monthly(n: int, seed: int, amplitude: float, trend: float = 0.0, start: str = "2010-04-01") -> pd.Series:
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=n, freq="MS")
    t = np.arange(n)
    mu = 3000.0 * (1 + trend * t) * (1 + amplitude * np.cos(2 * np.pi * (idx.month.to_numpy() - 1) / 12))
    return pd.Series(rng.normal(mu, 0.02 * 3000.0), index=idx)


# ---------------------------------------------------------------- ETS (AICc) member


def test_the_ets_members_aicc_is_statsmodels_own():
    s = _monthly(60, seed=1, amplitude=0.05)
    s = s / s.mean()
    model = ETSModel(s, error="mul", seasonal="add", seasonal_periods=12, initialization_method="estimated")
    res = model.fit(disp=False)
    assert _ets_aicc(model, res.params.to_numpy()) == pytest.approx(res.aicc, rel=1e-12)


@pytest.mark.parametrize("error", ["add", "mul"])
def test_rescaling_the_series_changes_only_its_units(error):
    """Fitting on y / c: the same forecasts in the series' units and the AICc of the counts themselves."""
    s = _monthly(48, seed=3, amplitude=0.1)
    c = float(s.mean())
    small = ETSModel(s / c, error=error, seasonal="add", seasonal_periods=12, initialization_method="estimated")
    p = small.fit(disp=False, return_params=True)
    big = ETSModel(s, error=error, seasonal="add", seasonal_periods=12, initialization_method="estimated")
    q = p.copy()
    q[2:] *= c  # smoothing level and seasonal unchanged; start level and seasonal states in counts
    fit = ScaledETS(small.smooth(p), c)
    np.testing.assert_allclose(fit.forecast(12), big.smooth(q).forecast(12).to_numpy(), rtol=1e-9)
    assert fit.aicc == pytest.approx(_ets_aicc(big, q), rel=1e-9)


def test_the_ets_member_picks_the_form_with_the_lowest_aicc():
    s = _monthly(72, seed=5, amplitude=0.12)
    y, idx = s.to_numpy(), pd.DatetimeIndex(s.index, freq="MS")
    point, _, fit = _fit_ets_auto(y, idx, 12)
    scores = {}
    for seasonal in AUTO_ETS_SEASONS:
        opts = {"seasonal": seasonal, "seasonal_periods": 12} if seasonal else {}
        m = ETSModel(s / s.mean(), error="mul", initialization_method="estimated", **opts)
        scores[seasonal] = ScaledETS(m.fit(disp=False), float(s.mean())).aicc
    best = min(scores, key=scores.get)
    assert best == "add"  # a clear winter peak is found
    assert (fit.model.error, fit.model.seasonal) == ("mul", best)
    assert fit.aicc == pytest.approx(scores[best], rel=1e-6)
    np.testing.assert_allclose(point, fit.forecast(12))


def test_the_ets_member_uses_additive_errors_when_a_month_is_empty():
    s = _monthly(48, seed=6, amplitude=0.1)
    s.iloc[20] = 0.0  # multiplicative errors need positive counts
    y, idx = s.to_numpy(), pd.DatetimeIndex(s.index, freq="MS")
    point, _, fit = _fit_ets_auto(y, idx, 12)
    assert fit.model.error == "add"
    assert np.all(np.isfinite(point))


@pytest.mark.parametrize(("amplitude", "seasonal"), [(0.15, True), (0.0, False)])
def test_the_combination_is_the_geometric_mean_of_level_naive_and_ets(amplitude, seasonal):
    s = _monthly(72, seed=2, amplitude=amplitude)
    y, idx = s.to_numpy(), pd.DatetimeIndex(s.index, freq="MS")
    fam, ets_label, _ = _family(len(y))
    out = _run_all(fam, ets_label, y, idx, "observed", 12, [COMBINATION], {})
    assert bool(out[AUTO_ETS][2].model.seasonal) is seasonal
    np.testing.assert_allclose(out[COMBINATION][0], _geomean([out[m][0] for m in (LEVEL, NAIVE, AUTO_ETS)]), rtol=1e-12)
    if seasonal:  # the combination carries the winter peak (damped by the flat members)
        assert np.ptp(out[COMBINATION][0]) > 0.05 * out[COMBINATION][0].mean()


# ---------------------------------------------------------------- choice: combination unless clearly better


def _bt(origins: list[int], combo_err: np.ndarray, model_err: np.ndarray) -> tuple[_Backtest, np.ndarray, np.ndarray]:
    k = len(origins)
    actual = np.full((k, 12), 100.0)
    bt = _Backtest(origins, actual, np.ones(k), {}, np.zeros(k, dtype=bool))
    return bt, actual + model_err[:, None], actual + combo_err[:, None]


def test_a_single_model_replaces_the_combination_only_beyond_backtest_noise():
    rng = np.random.default_rng(0)
    combo = np.full(12, 2.0)
    rows = np.ones(12, dtype=bool)
    noisy = 2.0 - 0.1 + rng.normal(0, 1.0, 12)  # a little better on average, much noise
    bt, p, c = _bt(list(range(30, 42)), combo, np.abs(noisy))
    assert not _clearly_better(bt, p, c, rows)
    steady = np.full(12, 1.0) + rng.normal(0, 0.05, 12)  # clearly better at every origin
    bt, p, c = _bt(list(range(30, 42)), combo, steady)
    assert _clearly_better(bt, p, c, rows)


def test_overlapping_origins_count_as_fewer_independent_ones():
    combo = np.full(12, 2.0)
    model = 2.0 - 0.7 + np.tile([1.0, -1.0], 6)  # better by 0.7 on average, spread 1
    rows = np.ones(12, dtype=bool)
    bt_near, p, c = _bt(list(range(30, 42)), combo, model)  # 12 consecutive months: about 2 windows
    bt_far, _, _ = _bt(list(range(30, 30 + 12 * 12, 12)), combo, model)  # 12 separate years
    assert not _clearly_better(bt_near, p, c, rows)
    assert _clearly_better(bt_far, p, c, rows)


def test_choice_switches_from_the_combination_when_a_model_is_clearly_better():
    trend = _monthly(96, seed=4, amplitude=0.04, trend=0.01)  # +1% a month: the flat members lag far behind
    fit = fit_series(trend, pd.Series(1.0, index=trend.index), "nea")
    assert fit.chosen != COMBINATION
    assert "two standard errors" in fit.diagnostics["choice"]


# ---------------------------------------------------------------- interval widening from backtest coverage


def test_widening_never_narrows_shrinks_with_few_origins_and_is_bounded():
    inside = [np.full(12, 0.1)] * 12  # every error well inside the 80% interval
    assert _widen_from(inside) == 1.0
    twice = [np.full(12, 2.0 * _T80)] * 12  # the 80% quantile is twice the half-width
    assert _widen_from(twice) == pytest.approx(1 + 12 / (12 + WIDEN_PRIOR))
    assert _widen_from(twice[:3]) == pytest.approx(1 + 3 / (3 + WIDEN_PRIOR))
    assert _widen_from([np.full(12, 50.0)] * 12) == WIDEN_MAX
    assert _widen_from([np.array([])]) == 1.0


def test_backtest_coverage_widens_each_origin_from_the_other_origins_only():
    cal = IntervalCalibration(a=0.01, b=0.0, ratio=1.0, n_errors=10)  # sigma 0.1
    err = np.full((8, 12), 0.5 * 0.1 * _T80)  # seven origins well inside
    err[0] = 3.0 * 0.1 * _T80  # one origin far outside: its own errors must not widen its interval
    c80, _ = _coverage(err, [cal] * 8, ratio=1.0, widen=True)
    assert c80 == pytest.approx(7 / 8)
    err[1:] = np.linspace(0.5, 1.6, 12) * 0.1 * _T80  # the others spread across the 80% bound: widening helps
    c80_w, _ = _coverage(err, [cal] * 8, ratio=1.0, widen=True)
    c80_plain, _ = _coverage(err, [cal] * 8, ratio=1.0)
    assert c80_plain == pytest.approx(7 * 6 / 96)  # 6 of each origin's 12 errors inside, none of origin 0's
    assert c80_plain + 0.1 < c80_w <= 7 / 8


# ---------------------------------------------------------------- level: disrupted months do not set alpha


def test_level_smoothing_is_chosen_on_months_outside_the_disruption():
    idx = pd.date_range("2016-04-01", "2021-09-01", freq="MS")
    rng = np.random.default_rng(5)
    y = rng.normal(3000.0, 60.0, len(idx))
    dis = np.asarray((idx >= "2020-03-01") & (idx <= "2021-03-01"))
    y[dis] = np.where(np.arange(dis.sum()) % 2 == 0, 1800.0, 2700.0)  # wild swings inside the disruption
    p = y / np.asarray(idx.days_in_month, dtype=float)
    _, fits_all = _ses_level(p)
    level, fits = _ses_level(p, ~dis)
    # brute force: the alpha with the least one-step squared error over the months outside the disruption
    sse = []
    for a in _ALPHAS:
        lev, e = p[:3].mean(), 0.0
        for t in range(len(p)):
            if t > 0 and not dis[t]:
                e += (p[t] - lev) ** 2
            lev += a * (p[t] - lev)
        sse.append(e)
    best = _ALPHAS[int(np.argmin(sse))]
    lev = p[:3].mean()
    for t in range(len(p)):
        lev += best * (p[t] - lev)
    assert level == pytest.approx(lev)
    assert not np.allclose(fits, fits_all)
    point, _, _ = _fit_level(y, pd.DatetimeIndex(idx, freq="MS"), SEASON)
    np.testing.assert_allclose(point, lev * np.asarray(pd.date_range("2021-10-01", periods=12, freq="MS").days_in_month))
