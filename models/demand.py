"""Baseline demand models for monthly non-elective (NEA) and avoidable (ACS) admissions.

What is modelled
----------------
The **rate** ``counts / index`` where ``index`` is the monthly age-weighted demand index
(:mod:`models.population`, 1.0 in the base year). The rate is in "admissions per month
at base-year age structure", so demographic change (in the index) and non-demographic
change (trend in the rate) are separated, as in the NHP model (DESIGN.md 4.2).
Projected counts are ``rate paths x future index``.

Candidates (statsmodels)
------------------------
- ``ETS(A,Ad,A)``, ``ETS(A,A,A)``, ``ETS(M,Ad,M)``: ``ETSModel`` with 12-month seasonality,
  heuristic initialisation (fast; needs >= 2 seasonal cycles).
- ``SARIMAX(0,1,1)(0,1,1)12`` ("airline" model; scale concentrated out of the likelihood,
  which is ~35% faster and gives the same estimates).
- ``Seasonal naive``: benchmark only, always reported, never chosen.

COVID-19 disruption (April 2020 - March 2021)
---------------------------------------------
ETS cannot take regressors or skip months, so for **every** ETS fit the disrupted months
are replaced by the same month one year earlier (seasonal naive of the prior year; the
year after if the prior year is not in the data). The ``covid`` argument governs SARIMAX:

- ``"intervention"``: fitted on the observed series with two regressors, a step dummy
  (1 in Apr 2020 - Mar 2021) and a pulse dummy (1 in Apr - Jun 2020, the deepest fall).
  The future values of both are 0.
- ``"exclude"``: disrupted months are set to missing; the Kalman filter skips them (as
  Harrow did when setting its 2021-22 targets), so no regressors are needed.

Any permanent post-COVID level shift is absorbed by the models' level (ETS) or
differencing (SARIMAX).

Backtest (rolling origin)
-------------------------
On the **rate** series. Origins are the last month of training; the test window is the
next 12 months. Candidate origins are 12, 24, 36, ... months before the end of the data
(for data ending March 2025: March 2024, 2023, 2022, i.e. forecasting FY 2024-25, 2023-24,
2022-23). An origin is skipped when its test window overlaps the disruption or it lies
within the 12 months after it (forecasting from a recovering series is unfair to every
method); the latest ``N_ORIGINS`` valid origins are used, each with at least
``MIN_TRAIN_MONTHS`` months of training. Metrics: MASE (errors scaled by the in-sample
seasonal-naive MAE, m = 12, over pairs of months neither in the disruption), MAPE (%), and
empirical coverage of the simulated 80% and 95% intervals (500 paths per origin). The
candidate with the lowest mean MASE is chosen and refitted on all data.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.tools.sm_exceptions import ConvergenceWarning, ValueWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from models.fy import fy_label as label_of_year
from models.fy import fy_start

SEASON = 12
HORIZON = 12
N_ORIGINS = 3
MIN_TRAIN_MONTHS = 36
MIN_MONTHS = MIN_TRAIN_MONTHS + N_ORIGINS * HORIZON  # 72 months = 6 years
BACKTEST_PATHS = 500
BACKTEST_SEED = 20250401

COVID_START = pd.Timestamp("2020-04-01")
COVID_END = pd.Timestamp("2021-03-01")  # last disrupted month (inclusive)
PULSE_END = pd.Timestamp("2020-06-01")

BENCHMARK = "Seasonal naive"

CovidHandling = Literal["intervention", "exclude"]


class DemandDataError(ValueError):
    """A monthly series that cannot be modelled; the message is plain English."""


@dataclass(frozen=True)
class Spec:
    """One candidate model specification."""

    label: str
    kind: Literal["ets", "sarimax"]
    options: dict[str, Any] = field(default_factory=dict)


SPECS: dict[str, Spec] = {
    s.label: s
    for s in (
        Spec("ETS(A,Ad,A)", "ets", {"error": "add", "trend": "add", "damped_trend": True, "seasonal": "add"}),
        Spec("ETS(A,A,A)", "ets", {"error": "add", "trend": "add", "damped_trend": False, "seasonal": "add"}),
        Spec("ETS(M,Ad,M)", "ets", {"error": "mul", "trend": "add", "damped_trend": True, "seasonal": "mul"}),
        Spec(
            "SARIMAX(0,1,1)(0,1,1)12",
            "sarimax",
            {"order": (0, 1, 1), "seasonal_order": (0, 1, 1, 12), "concentrate_scale": True},
        ),
    )
}

_QUIET = (
    (ConvergenceWarning, ""),
    (ValueWarning, ""),
    (UserWarning, r"Non-(invertible|stationary) starting"),
    (RuntimeWarning, r"(overflow|invalid value|divide by zero)"),
)


class _quiet_fit(warnings.catch_warnings):
    """Silence optimiser chatter (convergence is checked and reported instead)."""

    def __enter__(self) -> Any:
        out = super().__enter__()
        for cat, msg in _QUIET:
            warnings.filterwarnings("ignore", message=msg, category=cat)
        return out


# --------------------------------------------------------------------------- helpers


def _disrupted(idx: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((idx >= COVID_START) & (idx <= COVID_END))


def _impute_disruption(y: pd.Series) -> pd.Series:
    """Replace disrupted months by the same month a year earlier (or later)."""
    mask = _disrupted(y.index)
    if not mask.any():
        return y
    out = y.copy()
    clean = y.loc[~mask]
    for ts in y.index[mask]:
        for shift in (-12, 12, -24, 24):
            src = ts + pd.DateOffset(months=shift)
            if src in clean.index:
                out.loc[ts] = clean.loc[src]
                break
    return out


def _covid_exog(idx: pd.DatetimeIndex) -> pd.DataFrame:
    step = _disrupted(idx).astype(float)
    pulse = np.asarray((idx >= COVID_START) & (idx <= PULSE_END)).astype(float)
    cols: dict[str, np.ndarray] = {}
    if step.any():
        cols["covid_step"] = step
        # Pulse only when distinguishable from the step within this sample.
        if pulse.any() and not np.array_equal(pulse, step):
            cols["covid_pulse"] = pulse
    return pd.DataFrame(cols, index=idx)


def _ss_simulate(
    fr: Any, x0: np.ndarray, state_shocks: np.ndarray, meas_shocks: np.ndarray, obs_add: np.ndarray
) -> np.ndarray:
    """Vectorised simulation of a time-invariant state-space model.

    statsmodels' ``MLEResults.simulate`` loops over repetitions in Python (~170 ms for
    1,000 x 60); this runs the same recursion for all paths at once:
    ``y_t = d_t + Z x_t + e_t``, ``x_{t+1} = c + T x_t + R eta_t``.

    Parameters
    ----------
    fr : statsmodels FilterResults (system matrices of the fitted model).
    x0 : (n_paths, k_states) initial state.
    state_shocks : (n_paths, h, k_posdef) already scaled by the state covariance.
    meas_shocks : (n_paths, h) already scaled by the observation variance.
    obs_add : (h,) observation intercept (e.g. exog x beta).
    """
    z = fr.design[0, :, 0]
    t_mat = fr.transition[:, :, 0]
    r_mat = fr.selection[:, :, 0]
    c = fr.state_intercept[:, 0]
    n, h = meas_shocks.shape
    x = x0.copy()
    y = np.empty((n, h))
    for t in range(h):
        y[:, t] = obs_add[t] + x @ z + meas_shocks[:, t]
        x = c + x @ t_mat.T + state_shocks[:, t, :] @ r_mat.T
    return y


@dataclass(frozen=True, eq=False)
class _Fitted:
    """A fitted candidate plus what is needed to forecast and simulate it."""

    spec: Spec
    results: Any
    exog_names: tuple[str, ...]
    data: pd.Series  # the series actually passed to statsmodels (rate scale)

    def _future_exog(self, h: int) -> np.ndarray | None:
        # The disruption is over: all intervention regressors are 0 in the future.
        return np.zeros((h, len(self.exog_names))) if self.exog_names else None

    def forecast(self, h: int) -> np.ndarray:
        if self.spec.kind == "ets":
            return np.asarray(self.results.forecast(h), dtype=float)
        return np.asarray(self.results.forecast(h, exog=self._future_exog(h)), dtype=float)

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.spec.kind == "ets":
            sim = self.results.simulate(h, anchor="end", repetitions=n, rng=rng)
            return np.asarray(sim, dtype=float).reshape(h, n).T
        res = self.results
        fr = res.filter_results
        # Same start as statsmodels' anchor="end": state drawn from its predicted
        # distribution at time nobs given all data.
        mean = np.asarray(res.predicted_state[:, -1])
        cov = np.asarray(res.predicted_state_cov[:, :, -1])
        cov = 0.5 * (cov + cov.T)
        x0 = rng.multivariate_normal(mean, cov, size=n, method="eigh") if np.any(cov) else np.tile(mean, (n, 1))
        q = np.asarray(fr.state_cov[:, :, 0])
        q_chol = np.linalg.cholesky(q + 1e-300 * np.eye(q.shape[0]))
        eta = rng.standard_normal((n, h, q.shape[0])) @ q_chol.T
        obs_var = float(fr.obs_cov[0, 0, 0])
        eps = rng.standard_normal((n, h)) * np.sqrt(obs_var) if obs_var > 0 else np.zeros((n, h))
        exog = self._future_exog(h)
        beta = np.asarray([res.params[nm] for nm in self.exog_names], dtype=float)
        obs_add = exog @ beta if exog is not None else np.zeros(h)
        return _ss_simulate(fr, x0, eta, eps, obs_add)


def _fit_spec(spec: Spec, rate: pd.Series, covid: CovidHandling) -> _Fitted:
    """Fit one specification to a (raw, contiguous, MS-indexed) rate series."""
    if spec.kind == "ets":
        y = _impute_disruption(rate)
        if spec.options.get("error") == "mul" or spec.options.get("seasonal") == "mul":
            if (y <= 0).any():
                raise ValueError("multiplicative ETS needs strictly positive values")
        with _quiet_fit():
            model = ETSModel(y, seasonal_periods=SEASON, initialization_method="heuristic", **spec.options)
            res = model.fit(disp=False, maxiter=200)
        return _Fitted(spec, res, (), y)
    if covid == "intervention":
        y = rate
        exog = _covid_exog(rate.index)
    else:
        y = rate.where(~_disrupted(rate.index))
        exog = pd.DataFrame(index=rate.index)
    with _quiet_fit():
        model = SARIMAX(y, exog=exog if exog.shape[1] else None, **spec.options)
        res = model.fit(disp=False, maxiter=100)
    return _Fitted(spec, res, tuple(exog.columns), y)


def _converged(res: Any) -> bool:
    retvals = getattr(res, "mle_retvals", None) or {}
    return bool(retvals.get("converged", True))


# --------------------------------------------------------------------------- public


@dataclass(frozen=True, eq=False)
class SeriesFit:
    """A chosen, fitted demand model for one monthly series.

    Attributes
    ----------
    name : str
        Series name (e.g. ``"nea"``).
    chosen : str
        Label of the chosen specification (a key of ``SPECS``).
    backtest : pd.DataFrame
        Columns ``model``, ``mase``, ``mape`` (%), ``pi80_coverage``, ``pi95_coverage``
        (shares 0-1), ``chosen`` (bool); includes the ``Seasonal naive`` benchmark row.
    fitted : pd.DataFrame
        Columns ``month``, ``observed``, ``fitted`` (admissions per month; fitted is
        NaN for a SARIMAX differencing burn-in).
    residuals : pd.Series
        ``observed - fitted`` admissions per month, indexed by month.
    results : statsmodels results of the chosen spec refitted on all data.
    diagnostics : dict
        ``ljung_box_p`` (lag 12), ``converged``, ``benchmark_mase``, ``chosen_mase``,
        ``beats_benchmark``, ``backtest_origins``, ``failed`` (label -> error message),
        ``covid`` (text), ``fit_seconds``.
    covid : str
        ``"intervention"`` or ``"exclude"``.
    rate : pd.Series
        Observed rate (admissions per month at base-year age structure).
    index : pd.Series
        Monthly age-weighted demand index used for the history.
    """

    name: str
    chosen: str
    backtest: pd.DataFrame
    fitted: pd.DataFrame
    residuals: pd.Series
    results: Any
    diagnostics: dict[str, Any]
    covid: str
    rate: pd.Series
    index: pd.Series
    _model: _Fitted = field(repr=False)

    @property
    def model_data(self) -> pd.Series:
        """Rate series the chosen model was fitted on (after COVID handling)."""
        return self._model.data

    @property
    def last_month(self) -> pd.Timestamp:
        """Last observed month; forecasts start the month after."""
        return pd.Timestamp(self.rate.index[-1])

    def future_months(self, n_months: int) -> pd.DatetimeIndex:
        """The ``n_months`` months following the history."""
        return pd.date_range(self.last_month + pd.DateOffset(months=1), periods=n_months, freq="MS")

    def forecast_rate(self, n_months: int) -> np.ndarray:
        """Point forecast of the rate (statsmodels' own forecast), shape ``(n_months,)``."""
        return self._model.forecast(n_months)

    def simulate_rate_paths(self, n_months: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        """Simulated future rate paths, shape ``(n_paths, n_months)``.

        ETS: ``ETSResults.simulate(anchor="end")`` with Gaussian errors. SARIMAX: the
        same state-space recursion as ``MLEResults.simulate(anchor="end")``, vectorised
        over paths. Rates are floored at 0 (negative admissions are impossible).
        """
        if n_months < 1 or n_paths < 1:
            raise ValueError("n_months and n_paths must be at least 1.")
        paths = self._model.simulate(n_months, n_paths, rng)
        return np.maximum(paths, 0.0)


def _validate(counts: pd.Series, index: pd.Series, name: str, covid: str) -> tuple[pd.Series, pd.Series]:
    label = f"The {name} series"
    if covid not in ("intervention", "exclude"):
        raise DemandDataError(f"covid must be 'intervention' or 'exclude', not {covid!r}.")
    if not isinstance(counts, pd.Series) or not isinstance(counts.index, pd.DatetimeIndex):
        raise DemandDataError(f"{label} must be a pandas Series indexed by month (dates).")
    vals = pd.to_numeric(counts, errors="coerce")
    if vals.isna().any():
        bad = ", ".join(ts.strftime("%b %Y") for ts in counts.index[vals.isna().to_numpy()][:5])
        raise DemandDataError(f"{label} has missing or non-numeric values (e.g. {bad}); fill or remove them.")
    idx = counts.index
    if idx.has_duplicates:
        raise DemandDataError(f"{label} has the same month more than once.")
    idx = idx.sort_values()
    if len(idx) and (idx.day != 1).any():
        raise DemandDataError(f"{label} must use first-of-month dates (e.g. 2024-04-01).")
    if len(idx) < MIN_MONTHS:
        raise DemandDataError(
            f"{label} is too short: at least {MIN_MONTHS} months ({MIN_MONTHS // 12} years) of monthly "
            f"data are needed for the backtest, but it has {len(idx)}."
        )
    full = pd.date_range(idx[0], idx[-1], freq="MS")
    if len(full) != len(idx):
        gaps = full.difference(idx)
        shown = ", ".join(ts.strftime("%b %Y") for ts in gaps[:5])
        raise DemandDataError(f"{label} has gaps: {len(gaps)} month(s) missing (e.g. {shown}).")
    vals = vals.astype(float).reindex(idx)
    if (vals < 0).any():
        raise DemandDataError(f"{label} has negative counts; admissions cannot be negative.")
    if vals.nunique() == 1:
        raise DemandDataError(f"{label} is constant (every month the same); it cannot be modelled.")
    if not isinstance(index, pd.Series):
        raise DemandDataError("The demand index must be a pandas Series indexed by month.")
    ix = pd.to_numeric(index, errors="coerce").astype(float)
    ix = ix.reindex(idx)
    if ix.isna().any() or (ix <= 0).any():
        raise DemandDataError(f"The demand index must be positive and given for every month of the {name} series.")
    month_idx = pd.DatetimeIndex(full, freq="MS")
    return pd.Series(vals.to_numpy(), index=month_idx, name=name), pd.Series(ix.to_numpy(), index=month_idx)


def _origins(idx: pd.DatetimeIndex) -> list[int]:
    """Positions of the last training month for each backtest origin (latest first)."""
    n = len(idx)
    out: list[int] = []
    k = 1
    while n - HORIZON * k >= MIN_TRAIN_MONTHS and len(out) < N_ORIGINS:
        o = n - HORIZON * k - 1
        origin, t0, t1 = idx[o], idx[o + 1], idx[o + HORIZON]
        overlaps = t0 <= COVID_END and t1 >= COVID_START
        recovering = COVID_END <= origin < COVID_END + pd.DateOffset(months=12)
        if not (overlaps or recovering):
            out.append(o)
        k += 1
    return out


def _snaive_scale(y: np.ndarray, idx: pd.DatetimeIndex) -> tuple[float, float]:
    """In-sample seasonal-naive MAE and residual SD, skipping disrupted pairs."""
    d = y[SEASON:] - y[:-SEASON]
    dis = _disrupted(idx)
    ok = ~(dis[SEASON:] | dis[:-SEASON])
    d = d[ok]
    return float(np.mean(np.abs(d))), float(np.sqrt(np.mean(d**2)))


def _score(
    acc: dict[str, list[float]],
    actual: np.ndarray,
    scale: float,
    point: np.ndarray,
    lo80: np.ndarray,
    hi80: np.ndarray,
    lo95: np.ndarray,
    hi95: np.ndarray,
) -> None:
    """Append one origin's MASE, MAPE (%) and interval hits to ``acc``."""
    err = actual - point
    acc["mase"].append(float(np.mean(np.abs(err)) / scale))
    ok = actual != 0  # MAPE is undefined for zero actuals
    acc["mape"].append(float(np.mean(np.abs(err[ok]) / np.abs(actual[ok])) * 100) if ok.any() else np.nan)
    acc["c80"].extend(((actual >= lo80) & (actual <= hi80)).astype(float))
    acc["c95"].extend(((actual >= lo95) & (actual <= hi95)).astype(float))


_Z90 = 1.2815515655446004
_Z975 = 1.959963984540054


def _backtest(
    rate: pd.Series, covid: CovidHandling, labels: Sequence[str]
) -> tuple[pd.DataFrame, list[pd.Timestamp], dict[str, str]]:
    idx = rate.index
    origins = _origins(idx)
    if len(origins) < N_ORIGINS:
        raise DemandDataError(
            f"The series does not allow {N_ORIGINS} fair backtest origins (12-month windows clear of the "
            f"Apr 2020 - Mar 2021 disruption and its recovery year, each with {MIN_TRAIN_MONTHS}+ months "
            "of training); provide a longer history."
        )
    y = rate.to_numpy()
    rows: dict[str, dict[str, list[float]]] = {
        lab: {"mase": [], "mape": [], "c80": [], "c95": []} for lab in [*labels, BENCHMARK]
    }
    failed: dict[str, str] = {}
    for o in origins:
        train = rate.iloc[: o + 1]
        actual = y[o + 1 : o + 1 + HORIZON]
        scale, sd = _snaive_scale(train.to_numpy(), train.index)
        scale = scale if scale > 0 else float(np.mean(np.abs(actual))) or 1.0

        # Benchmark: same month last year; Gaussian intervals from in-sample residual SD.
        sn = train.to_numpy()[-SEASON:][:HORIZON]
        _score(rows[BENCHMARK], actual, scale, sn, sn - _Z90 * sd, sn + _Z90 * sd, sn - _Z975 * sd, sn + _Z975 * sd)
        for lab in labels:
            if lab in failed:
                continue
            try:
                fitted = _fit_spec(SPECS[lab], train, covid)
                point = fitted.forecast(HORIZON)
                rng = np.random.default_rng(BACKTEST_SEED + o)
                sims = np.maximum(fitted.simulate(HORIZON, BACKTEST_PATHS, rng), 0.0)
            except (ValueError, np.linalg.LinAlgError, RuntimeError) as exc:
                failed[lab] = f"{type(exc).__name__}: {exc}"
                continue
            if not np.all(np.isfinite(point)) or not np.all(np.isfinite(sims)):
                failed[lab] = "non-finite forecast"
                continue
            q = np.quantile(sims, [0.025, 0.10, 0.90, 0.975], axis=0)
            _score(rows[lab], actual, scale, point, q[1], q[2], q[0], q[3])
    table = []
    for lab, r in rows.items():
        ok = lab not in failed
        table.append(
            {
                "model": lab,
                "mase": float(np.mean(r["mase"])) if ok else np.nan,
                "mape": float(np.mean(r["mape"])) if ok else np.nan,
                "pi80_coverage": float(np.mean(r["c80"])) if ok else np.nan,
                "pi95_coverage": float(np.mean(r["c95"])) if ok else np.nan,
            }
        )
    return pd.DataFrame(table), [idx[o] for o in origins], failed


def fit_series(
    counts: pd.Series,
    index: pd.Series,
    name: str,
    covid: CovidHandling = "intervention",
    candidates: Sequence[str] | None = None,
) -> SeriesFit:
    """Choose and fit a demand model for one monthly count series.

    Parameters
    ----------
    counts : pd.Series
        Admissions per month, indexed by first-of-month dates (consecutive, no NaN).
    index : pd.Series
        Age-weighted demand index (dimensionless, base year = 1.0) for the same months.
    name : str
        Series name used in messages and the result.
    covid : {"intervention", "exclude"}
        How SARIMAX treats April 2020 - March 2021 (see module docstring).
    candidates : sequence of str, optional
        Subset of ``SPECS`` labels to consider (default: all).

    Returns
    -------
    SeriesFit

    Raises
    ------
    DemandDataError
        If the series is shorter than ``MIN_MONTHS`` (72) months, has gaps,
        duplicates, NaN, negative values, is constant, or no candidate can be fitted.
    """
    t_start = time.perf_counter()
    y, ix = _validate(counts, index, name, covid)
    labels = list(candidates) if candidates is not None else list(SPECS)
    unknown = [lab for lab in labels if lab not in SPECS]
    if unknown or not labels:
        raise ValueError(f"Unknown candidate model(s) {unknown}; choose from {list(SPECS)}.")
    rate = (y / ix).rename(f"{name}_rate")
    bt, origins, failed = _backtest(rate, covid, labels)
    eligible = bt.loc[(bt["model"] != BENCHMARK) & bt["mase"].notna()]
    if eligible.empty:
        raise DemandDataError(f"No model could be fitted to the {name} series: {failed}")
    # Refit in order of backtest MASE; fall back to the next if the full fit fails.
    chosen_fit: _Fitted | None = None
    for lab in eligible.sort_values("mase")["model"]:
        try:
            chosen_fit = _fit_spec(SPECS[lab], rate, covid)
            break
        except (ValueError, np.linalg.LinAlgError, RuntimeError) as exc:
            failed[lab] = f"full-data fit: {type(exc).__name__}: {exc}"
    if chosen_fit is None:
        raise DemandDataError(f"No model could be fitted to the full {name} series: {failed}")
    chosen = chosen_fit.spec.label
    bt["chosen"] = bt["model"] == chosen
    res = chosen_fit.results
    fitted_rate = np.asarray(res.fittedvalues, dtype=float).copy()
    burn = int(getattr(res, "loglikelihood_burn", 0) or 0)
    fitted_rate[:burn] = np.nan
    fitted_counts = fitted_rate * ix.to_numpy()
    fitted = pd.DataFrame({"month": y.index, "observed": y.to_numpy(), "fitted": fitted_counts})
    residuals = pd.Series(y.to_numpy() - fitted_counts, index=y.index, name=f"{name}_residual")

    # Ljung-Box on the model's own residuals, outside burn-in and the disruption.
    r = pd.Series(np.asarray(res.resid, dtype=float), index=y.index)
    keep = ~_disrupted(y.index)
    keep[:burn] = False
    r = r[keep].dropna()
    try:
        lb_p = float(acorr_ljungbox(r.to_numpy(), lags=[SEASON])["lb_pvalue"].iloc[0])
    except (ValueError, np.linalg.LinAlgError):
        lb_p = float("nan")
    bench = float(bt.loc[bt["model"] == BENCHMARK, "mase"].iloc[0])
    chosen_mase = float(bt.loc[bt["chosen"], "mase"].iloc[0])
    how = "ETS: Apr 2020-Mar 2021 replaced by the same month a year earlier. SARIMAX: " + (
        "step (Apr 2020-Mar 2021) and pulse (Apr-Jun 2020) regressors."
        if covid == "intervention"
        else "Apr 2020-Mar 2021 treated as missing (skipped by the Kalman filter)."
    )
    diagnostics = {
        "ljung_box_p": lb_p,
        "converged": _converged(res),
        "benchmark_mase": bench,
        "chosen_mase": chosen_mase,
        "beats_benchmark": chosen_mase < bench,
        "backtest_origins": [ts.strftime("%Y-%m") for ts in origins],
        "backtest_scale": "rate",
        "failed": dict(failed),
        "covid": how,
        "fit_seconds": time.perf_counter() - t_start,
    }
    return SeriesFit(
        name=name,
        chosen=chosen,
        backtest=bt[["model", "mase", "mape", "pi80_coverage", "pi95_coverage", "chosen"]],
        fitted=fitted,
        residuals=residuals,
        results=res,
        diagnostics=diagnostics,
        covid=covid,
        rate=rate,
        index=ix,
        _model=chosen_fit,
    )


def project_counts(fit: SeriesFit, rate_paths: np.ndarray, future_index: np.ndarray) -> np.ndarray:
    """Count paths = rate paths x future age-weighted index.

    Parameters
    ----------
    fit : SeriesFit
        The fit the rate paths came from (kept for the contract; not used).
    rate_paths : np.ndarray
        Shape ``(n_paths, n_months)``, admissions per month at base-year age structure.
    future_index : np.ndarray
        Shape ``(n_months,)``, demand index on the same base as the history.

    Returns
    -------
    np.ndarray
        Admissions per month, shape ``(n_paths, n_months)``.
    """
    del fit
    paths = np.asarray(rate_paths, dtype=float)
    fi = np.asarray(future_index, dtype=float).ravel()
    if paths.ndim != 2 or paths.shape[1] != fi.shape[0]:
        raise ValueError(
            f"rate_paths has shape {paths.shape}; expected (n_paths, {fi.shape[0]}) to match future_index."
        )
    return paths * fi[None, :]


_QS = (("p025", 0.025), ("p10", 0.10), ("p50", 0.50), ("p90", 0.90), ("p975", 0.975))


def summarise_paths(paths: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Monthly mean and 80% / 95% interval bounds of simulated paths.

    Returns
    -------
    pd.DataFrame
        Columns ``month``, ``mean``, ``p025``, ``p10``, ``p50``, ``p90``, ``p975``
        (same units as ``paths``).
    """
    p = np.asarray(paths, dtype=float)
    if p.ndim != 2 or p.shape[1] != len(months):
        raise ValueError(f"paths has shape {p.shape}; expected (n_paths, {len(months)}).")
    q = np.quantile(p, [v for _, v in _QS], axis=0)
    out = pd.DataFrame({"month": pd.DatetimeIndex(months), "mean": p.mean(axis=0)})
    for (col, _), row in zip(_QS, q, strict=True):
        out[col] = row
    return out


def fy_start_year(ts: pd.Timestamp | Any) -> int:
    """NHS financial year (April-March) start year of a date: Mar 2025 -> 2024."""
    return int(fy_start(pd.Timestamp(ts)))


def fy_label(ts: pd.Timestamp | Any) -> str:
    """NHS financial year label of a date, e.g. 2025-06-01 -> ``"2025-26"``."""
    return label_of_year(fy_start_year(ts))


def financial_year_totals(
    paths: np.ndarray | pd.DataFrame,
    months: pd.DatetimeIndex | None = None,
    complete_only: bool = True,
) -> pd.DataFrame:
    """Financial-year totals of monthly paths, then quantiles across paths.

    Parameters
    ----------
    paths : np.ndarray or pd.DataFrame
        ``(n_paths, n_months)`` array (``months`` required), a DataFrame whose columns
        are months (rows = paths), or a DataFrame with ``month`` and ``value`` columns
        (a single path, e.g. observed history).
    months : pd.DatetimeIndex, optional
        Months of the array columns.
    complete_only : bool, default True
        Drop financial years with fewer than 12 months (partial totals mislead).

    Returns
    -------
    pd.DataFrame
        Columns ``fy`` (e.g. ``"2025-26"``), ``mean``, ``p10``, ``p50``, ``p90``,
        ``p025``, ``p975``, ``n_months``; totals in the units of ``paths`` per year.
    """
    if isinstance(paths, pd.DataFrame):
        if "month" in paths.columns and "value" in paths.columns:
            months = pd.DatetimeIndex(paths["month"])
            arr = paths["value"].to_numpy(dtype=float)[None, :]
        else:
            months = pd.DatetimeIndex(paths.columns)
            arr = paths.to_numpy(dtype=float)
    else:
        if months is None:
            raise ValueError("months is required when paths is an array.")
        arr = np.asarray(paths, dtype=float)
        months = pd.DatetimeIndex(months)
    if arr.ndim != 2 or arr.shape[1] != len(months):
        raise ValueError(f"paths has shape {arr.shape}; expected (n_paths, {len(months)}).")
    labels = np.array([fy_label(m) for m in months])
    rows = []
    for fy in dict.fromkeys(labels):
        cols = labels == fy
        n = int(cols.sum())
        if complete_only and n < 12:
            continue
        tot = arr[:, cols].sum(axis=1)
        q = np.quantile(tot, [0.10, 0.50, 0.90, 0.025, 0.975])
        rows.append(
            {
                "fy": fy,
                "mean": float(tot.mean()),
                "p10": q[0],
                "p50": q[1],
                "p90": q[2],
                "p025": q[3],
                "p975": q[4],
                "n_months": n,
            }
        )
    return pd.DataFrame(rows, columns=["fy", "mean", "p10", "p50", "p90", "p025", "p975", "n_months"])


__all__ = [
    "BENCHMARK",
    "MIN_MONTHS",
    "SPECS",
    "DemandDataError",
    "SeriesFit",
    "financial_year_totals",
    "fit_series",
    "fy_label",
    "fy_start_year",
    "project_counts",
    "summarise_paths",
]
