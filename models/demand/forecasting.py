"""Baseline demand models for monthly non-elective (NEA) and avoidable (ACS) admissions.

What is modelled
----------------
The **rate** ``counts / index`` where ``index`` is the monthly age-weighted demand index
(:mod:`models.demand.population`, 1.0 in the base year). The rate is in "admissions per month
at base-year age structure", so demographic change (in the index) and non-demographic
change (trend in the rate) are separated, as in the NHP model (docs/model.md#demand).
Projected counts are ``rate paths x future index``. :func:`forecast` is the same
machinery on a plain count series (index 1), the one public entry point per series.

Length rule (the upload check and docs/data.md say the same)
------------------------------------------------------------
- under ``MIN_MONTHS`` (12) months: refused (:class:`DemandDataError`);
- 12-23 months: non-seasonal candidates only (naive, drift, damped trend, smoothed level,
  Theta, combination), with a note;
- ``SEASONAL_MONTHS`` (24) months or more: seasonal naive joins; from ``MODEL_SEASONAL_MONTHS``
  (36) months the seasonal ETS and seasonal Theta models join (they need 24 months of training at
  every backtest origin; SARIMAX too when named, see below).

Candidates
----------
``Naive`` (last month), ``Seasonal naive`` (same month last year), ``Drift`` (short series
only), ``Level (per day)`` (a flat exponentially smoothed level of admissions per day, i.e.
calendar-adjusted, times the days in each future month; the smoothing weight is chosen on the
one-step errors of the months outside the disruption, so the disrupted months do not set how fast
the level adapts), ``ETS(A,Ad,A)`` / ``ETS(A,Ad,N)`` (statsmodels ``ETSModel``), ``ETS (AICc)``
(statsmodels ``ETSModel`` without trend, multiplicative errors, no or additive seasonality chosen
by statsmodels' AICc with the start values estimated, fitted on the series divided by its mean),
``Theta`` (statsmodels ``ThetaModel``) and ``Combination``: the geometric mean of the level, naive
and ``ETS (AICc)`` forecasts (a smoothed level of admissions per day, the last month as recorded,
and a model's level and season on counts). ``SARIMAX(0,1,1)(0,1,1)12`` is fitted only when named
(``candidates=`` / ``model=``): differenced twice, it carries the latest slope on for ever.

Choice: the combination, unless a single candidate's rolling-origin MASE is lower by more than
``SWITCH_Z`` (2) standard errors of the per-origin differences, the origins counted as the number of
non-overlapping 12-month windows they span (:func:`_clearly_better`; with few or overlapping origins
the combination stays). When the data span the disruption only origins after it count, and with
fewer than ``MIN_POST_ORIGINS`` (12) of them the combination is used (the backtest cannot judge the
post-COVID regime). On the development series (``benchmarks/forecast_accuracy.py``) choosing single
models by backtest MASE lost to always using the combination, hence the strict rule.

COVID-19 (disruption from March 2020 to March 2021)
---------------------------------------------------
Treatments of the disrupted months in the training data (naive and seasonal naive always see
the data as recorded):

- ``"shift"``: a level shift decided by the data. Disrupted months become the same month
  before the pandemic times the ratio of the first months after the disruption (or, when the
  data end inside it, the latest months) to the same months before it. The post-COVID level is
  whatever the data show; the old level is not assumed to return.
- ``"observed"``: the months as recorded; the models' own level adaptation decides.
- ``"return"``: disrupted months replaced by the same month before the pandemic. **Assumes
  admissions return to the pre-COVID level**: kept as a named option only.
- ``"auto"`` (default): ``observed`` or ``shift``, whichever has the lower MASE at backtest
  origins after the disruption; ``observed`` when fewer than ``MIN_POST_ORIGINS`` (12) origins
  fall after it (the data have under two years after the disruption).

The old scenario values map as ``"intervention" -> "auto"`` and ``"exclude" -> "return"``.

Backtest (rolling origin)
-------------------------
Origins are the last month of training, from ``SEASONAL_MONTHS`` months of training (12 for
series of 24-35 months; for shorter ones ``n - 12`` but at least 6) to the month before the end;
at most ``MAX_ORIGINS``, evenly spread, the latest always included, plus up to
``POST_ORIGINS`` months after the disruption when the spread leaves fewer there; the test window is the
next ``HORIZON`` (12) months or as many as the data have. Disrupted test months are not
scored. MASE scales each origin's mean absolute error by the training data's seasonal-naive
MAE (naive MAE under 24 months), disrupted pairs skipped; MAPE (%), bias (mean signed
percentage error, + = over-forecast).

Forecasts that never explode (issue 19; docs/forecasting.md)
------------------------------------------------------------
- **Slopes.** A candidate with a slope (``TREND_MODELS``: drift, damped-trend ETS, Theta, SARIMAX) may
  replace the combination only when the origins that count span at least ``MIN_TREND_WINDOWS`` (3)
  non-overlapping 12-month test windows; beyond the first ``HORIZON`` months (what the backtest tested)
  its year-on-year change is multiplied by ``TREND_DAMP ** k`` in year ``k + 1`` (halved every year:
  :func:`_damp_trend`). A short window across the disruption therefore gets the flat combination, whose
  level comes from the months after it.
- **Plausibility guard** (:mod:`models.demand.plausibility`): every 12-month total of the point forecast
  of the rate, up to 10 years ahead, must lie between half the lowest and 1.5 times the highest recorded
  12 months; a model outside is refused and the next in the order of preference is used
  (:func:`_refit_guarded`); when none passes, the last 12 months' average a day. ``SeriesFit.guard`` and
  ``diagnostics["guard"]`` say which model was refused, which was used and why.
- **One point forecast.** ``forecast_rate`` (the chosen model's own forecast) is the point forecast; the
  simulated paths are centred on it month by month, so their mean, the ``mean`` column of
  :func:`forecast` and everything the pipeline sums from the paths are that one number. The model's own
  forecast was chosen over the uncorrected mean of the paths by rolling-origin error: on the development
  series the paths' mean ran 1.4-1.5% above the outcome where the model's forecast did not.
- **Long horizons.** Beyond ``HORIZON`` months the log-error variance grows linearly by
  :attr:`IntervalCalibration.long_var` a year (``LONG_VAR_MIN`` to ``LONG_VAR_MAX``), not at the first
  year's own rate compounded.
- **Untested.** When no backtest origin can be scored (every test month in the disruption: data ending
  in March 2021), the combination is used untested and ``diagnostics["choice"]`` says so.

Calibrated intervals
--------------------
Future paths are ``point forecast x exp(sigma_h Z_h) / c_h``: ``Z_h`` a standardised random walk
(antithetic) with Student-t tails, ``c_h`` the draws' mean of ``exp(sigma_h Z_h)`` (so the paths' mean is
the point forecast), and ``sigma_h = ratio x widen x sqrt(a + b h)`` up to 12 months
(:class:`IntervalCalibration`; linear growth of the variance beyond): ``a + b h`` fitted to in-sample
h-step log errors of a level-and-naive proxy (disrupted months excluded), ``ratio`` the chosen
model's backtest error over the proxy's, and ``widen`` (at least 1) the factor that makes the 80%
interval cover 80% of the chosen model's own backtest errors, shrunk toward 1 by
``K / (K + WIDEN_PRIOR)`` for ``K`` origins. Coverage in the backtest table: each origin's intervals
from its own training data, widened from the other origins' errors. Parameter uncertainty is
carried only through those empirical errors.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.tools.eval_measures import aicc
from statsmodels.tools.sm_exceptions import ConvergenceWarning, ValueWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel, ETSResults, ETSResultsWrapper
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from models.core.fy import fy_label, fy_start
from models.demand.plausibility import GUARD_MONTHS, GuardResult, Refusal, envelope, first_breach

SEASON = 12
HORIZON = 12
MIN_MONTHS = 12  # shortest series modelled (non-seasonal candidates)
SEASONAL_MONTHS = 24  # seasonal naive and seasonal intervals
MODEL_SEASONAL_MONTHS = 36  # seasonal ETS / SARIMAX / Theta (24 months' training at every origin)
MAX_ORIGINS = 12
SARIMAX_MAXITER = 30  # L-BFGS iterations (2 parameters; keeps the cold fit of an area within 5 s)
SHORT_MIN_TRAIN = 6  # months of training at the first origin of a series under 24 months
MIN_POST_ORIGINS = 12  # origins after the disruption needed to choose a model (and treatment) post-COVID
POST_ORIGINS = 6  # origins after the disruption the backtest includes when the data have them
DISRUPTION_START = pd.Timestamp("2020-03-01")
DISRUPTION_END = pd.Timestamp("2021-03-01")  # last disrupted month (inclusive)
POST_REF_MONTHS = 6  # months after the disruption that measure the new level ("shift")
# Beyond the 12 months a backtest tests (docs/forecasting.md):
TREND_DAMP = 0.5  # a trend model's change from one year to the next is halved every further year (assumption)
MIN_TREND_WINDOWS = 3.0  # independent 12-month test windows a trend model needs before it can be chosen
# Growth a year of the squared scale of the log error beyond the first year. Floor: set on England's five-year
# backtest (origins Mar and Sep 2013-2017): 0.004 makes the 80% interval cover 82% of the fifth year's outcomes
# (0.003: 61%, 0.005: 97%). For scale: England's seasonal-naive log-error variance grows by 0.005 a year from one
# to five years ahead, 0.003 once the paths' Student-t(5) tails (5/3 the variance of their scale) are allowed for.
# Cap: whatever a short history's first year held.
LONG_VAR_MIN = 0.004
LONG_VAR_MAX = 0.02
# A series that ends in the disruption, or before POST_REF_MONTHS months after it, has not yet shown where its
# level settles: the level's log variance gains (delta / 2)^2, delta the log gap between its latest months and the
# same months before the pandemic (the level may settle anywhere about half-way back, sd delta / 2; an assumption,
# checked on the "across" windows of benchmarks/forecast_accuracy.py), fading to 0 as those months are observed.
REGIME_SD_SHARE = 0.5
_Z80 = 1.2815515655446004
_Z95 = 1.959963984540054

BENCHMARK = "Seasonal naive"
NAIVE = "Naive"
COMBINATION = "Combination"
LEVEL = "Level (per day)"

CovidHandling = Literal["auto", "shift", "observed", "return"]
COVID_OPTIONS: tuple[str, ...] = ("auto", "shift", "observed", "return")
LEGACY_COVID = {"intervention": "auto", "exclude": "return"}
COVID_LABELS = {
    "auto": "Let the backtest choose (level shift or as recorded)",
    "shift": "Level shift: the data decide the post-COVID level",
    "observed": "As recorded: the models adapt on their own",
    "return": "Return to the pre-COVID level (assumption)",
}
COVID_TEXT = {
    "shift": "Mar 2020 - Mar 2021 replaced by the same month before the pandemic scaled to the level the data "
    "show after it (a level shift; the pre-COVID level is not assumed to return).",
    "observed": "Mar 2020 - Mar 2021 used as recorded; each model's own level adaptation decides the level.",
    "return": "Mar 2020 - Mar 2021 replaced by the same month before the pandemic. This ASSUMES admissions "
    "return to the pre-COVID level, which real series did not (England -8.6% in Oct 2021 - Sep 2022 "
    "against 2018-19).",
}


class DemandDataError(ValueError):
    """A monthly series that cannot be modelled; the message is plain English."""


_QUIET = (
    (ConvergenceWarning, ""),
    (ValueWarning, ""),
    (UserWarning, ""),
    (FutureWarning, ""),
    (RuntimeWarning, ""),
)


class _quiet_fit(warnings.catch_warnings):
    """Silence optimiser chatter (failures are caught and reported instead)."""

    def __enter__(self) -> Any:
        out = super().__enter__()
        for cat, msg in _QUIET:
            warnings.filterwarnings("ignore", message=msg, category=cat)
        return out


def normalise_covid(covid: str) -> str:
    """A COVID-19 treatment name, accepting the old scenario values."""
    c = LEGACY_COVID.get(covid, covid)
    if c not in COVID_OPTIONS:
        raise DemandDataError(f"covid must be one of {', '.join(COVID_OPTIONS)}, not {covid!r}.")
    return c


# --------------------------------------------------------------------------- COVID treatments


def _disrupted(idx: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((idx >= DISRUPTION_START) & (idx <= DISRUPTION_END))


def _reference(y: np.ndarray, idx: pd.DatetimeIndex, pos: np.ndarray) -> np.ndarray:
    """For each position, the same calendar month before the pandemic (or after it); NaN if none."""
    out = np.full(len(pos), np.nan)
    first = idx[0]
    for j, p in enumerate(pos):
        ts = idx[p]
        for k in range(1, 6):
            src = ts - pd.DateOffset(months=12 * k)
            if src < first:
                break
            if src < DISRUPTION_START:
                out[j] = y[p - 12 * k]
                break
        if np.isnan(out[j]):
            for k in range(1, 4):
                q = p + 12 * k
                if q < len(y) and idx[q] > DISRUPTION_END:
                    out[j] = y[q]
                    break
    return out


def _treat(y: np.ndarray, idx: pd.DatetimeIndex, treatment: str) -> np.ndarray:
    """The training series with the disrupted months treated (a copy)."""
    mask = _disrupted(idx)
    if treatment == "observed" or not mask.any():
        return y
    out = y.astype(float).copy()
    dis = np.flatnonzero(mask)
    ref = _reference(y, idx, dis)
    if treatment == "shift":
        post = np.flatnonzero(idx > DISRUPTION_END)[:POST_REF_MONTHS]
        if len(post):
            num, den = y[post], _reference(y, idx, post)
        else:
            num, den = y[dis[-3:]], ref[-3:]
        ok = np.isfinite(den) & (den > 0)
        ratio = float(num[ok].sum() / den[ok].sum()) if ok.any() else 1.0
        ref = ref * ratio
    good = np.isfinite(ref)
    out[dis[good]] = ref[good]
    return out


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    """One candidate method.

    ``fit(y, idx, h)`` returns ``(point (h,), fitted (n,), results)`` on the treated
    training series; ``raw`` candidates see the data as recorded.
    """

    label: str
    min_train: int
    raw: bool = False


def _days(idx: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(idx.days_in_month, dtype=float)


def _future(idx: pd.DatetimeIndex, h: int) -> pd.DatetimeIndex:
    return pd.date_range(idx[-1] + pd.DateOffset(months=1), periods=h, freq="MS")


_ALPHAS = np.linspace(0.05, 1.0, 20)


def _ses_level(p: np.ndarray, use: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Simple exponential smoothing with alpha by one-step squared error: (last level, one-step fits).

    ``use`` (bool, per month) selects the months whose one-step errors choose alpha (default all):
    the level runs through every month, but the disrupted months do not set how fast it adapts.
    """
    n = len(p)
    lev = np.full(len(_ALPHAS), p[: min(3, n)].mean())
    fits = np.empty((n, len(_ALPHAS)))
    for t in range(n):
        fits[t] = lev
        lev = lev + _ALPHAS * (p[t] - lev)
    w = np.ones(n) if use is None else np.asarray(use, dtype=float)
    w[0] = 0.0
    if n > 1 and not w.any():
        w[1:] = 1.0
    best = int(np.argmin((w[:, None] * (p[:, None] - fits) ** 2).sum(axis=0))) if n > 1 else len(_ALPHAS) - 1
    final = p[: min(3, n)].mean()
    for t in range(n):
        final = final + _ALPHAS[best] * (p[t] - final)
    return float(final), fits[:, best]


def _fit_naive(y, idx, h):  # noqa: ANN001, ANN202
    return np.full(h, y[-1]), np.r_[np.nan, y[:-1]], None


def _fit_snaive(y, idx, h):  # noqa: ANN001, ANN202
    reps = int(np.ceil(h / SEASON))
    return np.tile(y[-SEASON:], reps)[:h], np.r_[np.full(SEASON, np.nan), y[:-SEASON]], None


def _fit_drift(y, idx, h):  # noqa: ANN001, ANN202
    slope = (y[-1] - y[0]) / (len(y) - 1)
    return y[-1] + slope * np.arange(1, h + 1), np.r_[np.nan, y[:-1] + slope], None


def _fit_level(y, idx, h):  # noqa: ANN001, ANN202
    d = _days(idx)
    level, one_step = _ses_level(y / d, ~_disrupted(idx))
    return level * _days(_future(idx, h)), one_step * d, None


def _ets_options(seasonal: bool) -> dict[str, Any]:
    opts: dict[str, Any] = {"error": "add", "trend": "add", "damped_trend": True}
    if seasonal:
        opts |= {"seasonal": "add", "seasonal_periods": SEASON}
    return opts


def _fit_ets(seasonal: bool) -> Callable[..., Any]:
    def fit(y, idx, h):  # noqa: ANN001, ANN202
        with _quiet_fit():
            # Heuristic start values need 10+ months (2 cycles when seasonal); estimated ones otherwise.
            init = "heuristic" if seasonal or len(y) >= 10 else "estimated"
            res = ETSModel(pd.Series(y, index=idx), initialization_method=init, **_ets_options(seasonal)).fit(
                disp=False, maxiter=200
            )
        return np.asarray(res.forecast(h), dtype=float), np.asarray(res.fittedvalues, dtype=float), res

    return fit


AUTO_ETS = "ETS (AICc)"
AUTO_ETS_MIN = 10  # under 10 months ETS gets no candidate slot (the short family's other members cover it)
AUTO_ETS_SEASONS: tuple[str | None, ...] = (None, "add")
# No trend: trend forms lost to a flat level on real series (module notes). Multiplicative errors: the spread of
# counts grows with their level. On the development series (benchmarks/forecast_accuracy.py) they alone gave the
# same combination MASE (1.235 over all origins) as choosing additive or multiplicative errors by AICc, with or
# without multiplicative seasonality as well, at a half and a third of the fitting time.


class _ETSPointResults(ETSResults):
    """ETS results without the numerical Hessian of the parameters.

    The parameter covariance is never used here (intervals are calibrated on forecast errors), and the
    complex-step Hessian took a third of each fit.
    """

    @property
    def cov_params_approx(self) -> np.ndarray:
        k = len(self.params)
        return np.full((k, k), np.nan)


class ETSPoint(ETSModel):
    """statsmodels ``ETSModel`` whose results skip the parameter covariance (same estimates and forecasts)."""

    @property
    def _res_classes(self) -> dict[str, tuple[type, type]]:
        return {"fit": (_ETSPointResults, ETSResultsWrapper)}


@dataclass(frozen=True)
class ScaledETS:
    """A statsmodels ETS result fitted to the series divided by ``scale`` (forecasts in the series' units).

    Fitting on a series of mean 1 keeps the estimated start values on the same scale as the smoothing
    parameters: on raw counts (thousands a month) the optimiser often stops far from the optimum.
    """

    res: Any
    scale: float

    @property
    def model(self) -> Any:
        return self.res.model

    @property
    def aicc(self) -> float:
        """AICc on the series' own scale (the likelihood of counts, not of the rescaled series)."""
        return float(self.res.aicc) + 2.0 * float(self.res.nobs) * np.log(self.scale)

    @property
    def fittedvalues(self) -> np.ndarray:
        return self.scale * np.asarray(self.res.fittedvalues, dtype=float)

    def forecast(self, h: int) -> np.ndarray:
        return self.scale * np.asarray(self.res.forecast(h), dtype=float)


def _fit_ets_auto(y, idx, h, warm=None):  # noqa: ANN001, ANN202
    """ETS without trend, with or without additive seasonality by AICc; multiplicative errors.

    Start values are estimated with the smoothing parameters (so statsmodels' AICc counts them, as
    Hyndman's ``ets`` does); heuristic start values taken from the first two years fixed a seasonal
    pattern that did not hold after COVID-19. Seasonal forms need 24 months. Multiplicative errors need
    positive counts: a series with an empty month gets additive errors.
    """
    pos = bool(np.all(y > 0))
    error = "mul" if pos else "add"
    scale = float(np.mean(np.abs(y))) or 1.0
    s = pd.Series(y / scale, index=idx)
    best: tuple[float, Any, np.ndarray] | None = None
    for seasonal in AUTO_ETS_SEASONS:
        if seasonal and len(y) < SEASONAL_MONTHS:
            continue
        opts: dict[str, Any] = {"seasonal": seasonal, "seasonal_periods": SEASON} if seasonal else {}
        try:
            with _quiet_fit():
                model = ETSPoint(s, error=error, initialization_method="estimated", **opts)
                # Parameters only: the full results are built for the chosen form alone.
                start = warm.get(seasonal) if warm is not None else None
                params = model.fit(disp=False, maxiter=200, return_params=True, start_params=start)
                if warm is not None:
                    warm[seasonal] = params
                score = _ets_aicc(model, params)
        except (ValueError, np.linalg.LinAlgError, RuntimeError, IndexError):
            continue
        if np.isfinite(score) and (best is None or score < best[0]):
            best = (score, model, params)
    if best is None:
        raise ValueError("no ETS model could be fitted")
    with _quiet_fit():
        fit = ScaledETS(best[1].smooth(best[2]), scale)
    return fit.forecast(h), fit.fittedvalues, fit


def _ets_aicc(model: Any, params: np.ndarray) -> float:
    """AICc of an ETS model at ``params``, as statsmodels' results compute it (variance counted)."""
    return float(aicc(model.loglike(params), model.nobs_effective, model.k_params + 1))


def _fit_sarimax(y, idx, h):  # noqa: ANN001, ANN202
    with _quiet_fit():
        res = SARIMAX(
            pd.Series(y, index=idx), order=(0, 1, 1), seasonal_order=(0, 1, 1, SEASON), concentrate_scale=True
        ).fit(disp=False, maxiter=SARIMAX_MAXITER, cov_type="none")
    fitted = np.asarray(res.fittedvalues, dtype=float).copy()
    fitted[: SEASON + 1] = np.nan  # differencing burn-in
    return np.asarray(res.forecast(h), dtype=float), fitted, res


def _fit_theta(seasonal: bool) -> Callable[..., Any]:
    def fit(y, idx, h):  # noqa: ANN001, ANN202
        with _quiet_fit():
            res = ThetaModel(pd.Series(y, index=idx), period=SEASON if seasonal else 1, deseasonalize=seasonal).fit()
        return np.asarray(res.forecast(h), dtype=float), np.full(len(y), np.nan), res

    return fit


CANDIDATES_SEASONAL: dict[str, tuple[Candidate, Callable[..., Any]]] = {
    NAIVE: (Candidate(NAIVE, 1, raw=True), _fit_naive),
    BENCHMARK: (Candidate(BENCHMARK, SEASON, raw=True), _fit_snaive),
    LEVEL: (Candidate(LEVEL, 2), _fit_level),
    "ETS(A,Ad,A)": (Candidate("ETS(A,Ad,A)", SEASONAL_MONTHS), _fit_ets(True)),
    "SARIMAX(0,1,1)(0,1,1)12": (Candidate("SARIMAX(0,1,1)(0,1,1)12", SEASONAL_MONTHS), _fit_sarimax),
    "Theta": (Candidate("Theta", SEASONAL_MONTHS), _fit_theta(True)),
    AUTO_ETS: (Candidate(AUTO_ETS, AUTO_ETS_MIN), _fit_ets_auto),
}
CANDIDATES_SHORT: dict[str, tuple[Candidate, Callable[..., Any]]] = {
    NAIVE: (Candidate(NAIVE, 1, raw=True), _fit_naive),
    "Drift": (Candidate("Drift", 2), _fit_drift),
    LEVEL: (Candidate(LEVEL, 2), _fit_level),
    "ETS(A,Ad,N)": (Candidate("ETS(A,Ad,N)", 6), _fit_ets(False)),
    "Theta": (Candidate("Theta", 6), _fit_theta(False)),
    AUTO_ETS: (Candidate(AUTO_ETS, AUTO_ETS_MIN), _fit_ets_auto),
}
COMBO_MEMBERS = (LEVEL, NAIVE, AUTO_ETS)
# Fitted only when named (``candidates=``): SARIMAX(0,1,1)(0,1,1)12 differences twice, so its forecast carries the
# latest slope on for ever (the explosive form on windows that end in a recovery); the choice rule never preferred
# it on the development series, and it took 40-50% of an area's cold fit.
OPTIONAL_CANDIDATES = frozenset({"SARIMAX(0,1,1)(0,1,1)12"})
# Candidates whose forecast carries a slope (damped beyond the first year; chosen only on enough test windows).
TREND_MODELS = frozenset({"Drift", "ETS(A,Ad,A)", "ETS(A,Ad,N)", "SARIMAX(0,1,1)(0,1,1)12", "Theta"})
GUARD_FALLBACK = "Recent average (last 12 months)"


def _family(n: int) -> tuple[dict[str, tuple[Candidate, Callable[..., Any]]], str, int]:
    """Candidates, ETS label and minimum training months for a series of ``n`` months."""
    if n >= MODEL_SEASONAL_MONTHS:
        return CANDIDATES_SEASONAL, "ETS(A,Ad,A)", SEASONAL_MONTHS
    fam = dict(CANDIDATES_SHORT)
    if n >= SEASONAL_MONTHS:
        fam[BENCHMARK] = CANDIDATES_SEASONAL[BENCHMARK]
        return fam, "ETS(A,Ad,N)", MIN_MONTHS
    return fam, "ETS(A,Ad,N)", max(SHORT_MIN_TRAIN, n - HORIZON)


def _geomean_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise geometric mean of two (K, H) forecast arrays (NaN kept)."""
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.maximum(a, 1e-9) * np.maximum(b, 1e-9))


def _geomean(arrs: Sequence[np.ndarray]) -> np.ndarray:
    stack = np.maximum(np.vstack(arrs), 1e-9)
    return np.exp(np.log(stack).mean(axis=0))


def _combo_members(fits: dict[str, tuple[np.ndarray, np.ndarray, Any]]) -> list[str]:
    """Members of the combination among fitted candidates ([] if the level or naive is missing).

    The level (per day), the naive forecast and ETS (AICc) when it could be fitted: a smoothed level
    of admissions per day, the last month as recorded, and a model-based level (and season) on counts.
    """
    if not all(m in fits for m in (LEVEL, NAIVE)):
        return []
    return [m for m in COMBO_MEMBERS if m in fits]


def _run_all(
    fam: dict[str, tuple[Candidate, Callable[..., Any]]],
    ets_label: str,
    y_raw: np.ndarray,
    idx: pd.DatetimeIndex,
    treatment: str,
    h: int,
    labels: Sequence[str],
    failed: dict[str, str],
    warm: dict[Any, np.ndarray] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray, Any]]:
    """Every candidate's point forecast, fitted values and results on one training window.

    ``warm`` (backtests): ETS (AICc)'s estimates at the previous origin, its start values at this one (the same
    first month, a few more months: the optimiser converges in fewer steps to the same estimates).
    """
    y_t = _treat(y_raw, idx, treatment)
    out: dict[str, tuple[np.ndarray, np.ndarray, Any]] = {}
    n = len(y_raw)
    run = list(dict.fromkeys([*labels, *(COMBO_MEMBERS if COMBINATION in labels else ())]))
    for lab in run:
        if lab == COMBINATION or lab in failed or lab not in fam:
            continue
        cand, fn = fam[lab]
        if n < cand.min_train:
            continue
        try:
            extra = {"warm": warm} if lab == AUTO_ETS and warm is not None else {}
            point, fitted, res = fn(y_raw if cand.raw else y_t, idx, h, **extra)
        except (ValueError, np.linalg.LinAlgError, RuntimeError, IndexError) as exc:
            failed[lab] = f"{type(exc).__name__}: {exc}"
            continue
        if not np.all(np.isfinite(point)):
            failed[lab] = "non-finite forecast"
            continue
        out[lab] = (point, fitted, res)
    members = _combo_members(out)
    if COMBINATION in labels and members:
        out[COMBINATION] = (
            _geomean([out[m][0] for m in members]),
            _geomean([np.nan_to_num(out[m][1], nan=np.nanmean(out[m][1])) for m in members]),
            None,
        )
    return out


# --------------------------------------------------------------------------- backtest


def _mase_scale(y: np.ndarray, idx: pd.DatetimeIndex) -> float:
    """In-sample seasonal-naive MAE (naive under 24 months), disrupted pairs skipped."""
    dis = _disrupted(idx)
    for m in (SEASON, 1):
        if len(y) > m + (1 if m == SEASON else 0) and (m == 1 or len(y) >= SEASONAL_MONTHS):
            d = y[m:] - y[:-m]
            ok = ~(dis[m:] | dis[:-m])
            if ok.any() and np.mean(np.abs(d[ok])) > 0:
                return float(np.mean(np.abs(d[ok])))
    return float(np.mean(np.abs(y))) or 1.0


def _origins(n: int, min_train: int, idx: pd.DatetimeIndex | None = None) -> list[int]:
    """Positions of the last training month of each origin (earliest first).

    Up to ``MAX_ORIGINS`` evenly spread; all after the disruption when the data have two years
    or more after it (the current regime); otherwise, when fewer than ``POST_ORIGINS`` fall after
    it, the latest months after it are added.
    """
    lo, hi = min_train - 1, n - 2
    if hi < lo:
        return []
    allpos = np.arange(lo, hi + 1)
    if idx is not None:
        post_all = allpos[np.asarray(idx[allpos] >= DISRUPTION_END)]
        if len(post_all) >= 2 * MAX_ORIGINS:  # two years and more after the disruption: judge that regime
            lo = int(post_all[0])
            allpos = np.arange(lo, hi + 1)
    if len(allpos) <= MAX_ORIGINS:
        return [int(o) for o in allpos]
    pick = set(np.unique(np.round(np.linspace(lo, hi, MAX_ORIGINS)).astype(int)).tolist())
    if idx is not None:
        post = [int(p) for p in allpos if idx[p] >= DISRUPTION_END]
        if sum(p in pick for p in post) < POST_ORIGINS:
            pick |= set(post[-POST_ORIGINS:])
    return sorted(int(o) for o in pick)


# Candidates compared under both COVID-19 treatments (the treatment is chosen on these; the others are
# backtested under the chosen treatment only).
COMPARE = frozenset({LEVEL, NAIVE, BENCHMARK, AUTO_ETS, COMBINATION})


@dataclass
class _Backtest:
    """Backtest forecasts: per treatment and label a (K, H) array of point forecasts (NaN unscored)."""

    origins: list[int]
    actual: np.ndarray  # (K, H), NaN where not scored
    scale: np.ndarray  # (K,)
    points: dict[str, dict[str, np.ndarray]]
    post: np.ndarray  # (K,) bool: origin at or after the end of the disruption


def _backtest(
    y: np.ndarray,
    idx: pd.DatetimeIndex,
    fam: dict[str, tuple[Candidate, Callable[..., Any]]],
    ets_label: str,
    min_train: int,
    treatments: Sequence[str],
    labels: Sequence[str],
    failed: dict[str, str],
) -> _Backtest:
    n = len(y)
    origins = _origins(n, min_train, idx)
    k = len(origins)
    compare = COMPARE
    actual = np.full((k, HORIZON), np.nan)
    scale = np.ones(k)
    dis = _disrupted(idx)
    points = {t: {lab: np.full((k, HORIZON), np.nan) for lab in labels} for t in treatments}
    warm: dict[str, dict[Any, np.ndarray]] = {t: {} for t in treatments}  # ETS (AICc) start values, by treatment
    for i, o in enumerate(origins):
        h = min(HORIZON, n - 1 - o)
        test = slice(o + 1, o + 1 + h)
        a = y[test].astype(float).copy()
        a[dis[test]] = np.nan
        actual[i, :h] = a
        tr_idx = idx[: o + 1]
        scale[i] = _mase_scale(y[: o + 1], tr_idx)
        affected = bool(_disrupted(tr_idx).any())
        shared: dict[str, tuple[np.ndarray, np.ndarray, Any]] | None = None
        for j, t in enumerate(treatments):
            if shared is None or affected:
                # a second treatment is compared on the level, naive, ETS (AICc) and combination only
                labs = labels if j == 0 else [lab for lab in labels if lab in compare]
                res = _run_all(fam, ets_label, y[: o + 1], tr_idx, t, h, labs, failed, warm[t])
                shared = res
            for lab, (pt, _, _) in shared.items():
                if lab in points[t]:
                    points[t][lab][i, :h] = pt
    post = np.array([idx[o] >= DISRUPTION_END for o in origins], dtype=bool)
    return _Backtest(origins, actual, scale, points, post)


def _metrics(actual: np.ndarray, point: np.ndarray, scale: np.ndarray, rows: np.ndarray | None = None) -> dict:
    """MASE (mean over origins), MAPE (%), bias (%) over scored cells of the selected origins."""
    if rows is not None:
        actual, point, scale = actual[rows], point[rows], scale[rows]
    ok = np.isfinite(actual) & np.isfinite(point)
    per = [np.mean(np.abs(actual[i, ok[i]] - point[i, ok[i]])) / scale[i] for i in range(len(actual)) if ok[i].any()]
    if not per:
        return {"mase": np.nan, "mape": np.nan, "bias": np.nan, "n": 0}
    a, p = actual[ok], point[ok]
    nz = a != 0
    return {
        "mase": float(np.mean(per)),
        "mape": float(np.mean(np.abs(a[nz] - p[nz]) / np.abs(a[nz])) * 100) if nz.any() else np.nan,
        "bias": float(np.mean((p[nz] - a[nz]) / np.abs(a[nz])) * 100) if nz.any() else np.nan,
        "n": len(per),
    }


def _log_errors(actual: np.ndarray, point: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.log(np.maximum(actual, 0.5)) - np.log(np.maximum(point, 0.5))
    return np.where(np.isfinite(actual) & np.isfinite(point), e, np.nan)


TAIL_DF = 5  # Student-t tails of the path scale (real series have level shifts and outliers)
_T80 = 1.4758840488244813  # t_5 quantile 0.90
_T95 = 2.5705818366147395  # t_5 quantile 0.975
RATIO_BOUNDS = (0.8, 1.5)


@dataclass(frozen=True)
class IntervalCalibration:
    """Per-horizon scale of the log forecast error: ``sigma(h) = ratio * sqrt(a + b h)``.

    ``a + b h`` is fitted to the mean squared in-sample ``h``-step log errors of the
    level-and-naive proxy forecast (every month of the history an origin, disrupted months
    excluded); ``ratio`` is the chosen model's backtest RMS error over the proxy's at the same
    origins (bounded to ``RATIO_BOUNDS``). Paths scale a standardised random walk by
    ``sigma(h)`` and a per-path Student-t factor (``TAIL_DF`` degrees of freedom).
    """

    a: float
    b: float
    ratio: float
    n_errors: int
    widen: float = 1.0
    regime: float = 0.0  # log variance of where the level settles after the disruption (see REGIME_SD_SHARE)

    @property
    def long_var(self) -> float:
        """Log-error variance added per year beyond the first ``HORIZON`` months.

        The first year's own growth of variance (``12 b`` scaled as sigma is), bounded to ``[LONG_VAR_MIN,
        LONG_VAR_MAX]``: the floor is set on England's five-year backtest (the 80% interval covers 82% of the
        fifth year's outcomes; ``benchmarks/forecast_accuracy.py``); the cap keeps a series whose first year held
        a level shift from widening geometrically (a 25% step in 12 months of history is not a 25% step every
        year).
        """
        own = 12.0 * self.b * (self.ratio * self.widen) ** 2
        return float(np.clip(own, LONG_VAR_MIN, LONG_VAR_MAX))

    def sigma(self, h: np.ndarray) -> np.ndarray:
        """Scale of the log forecast error ``h`` months ahead.

        Up to ``HORIZON`` months (what the backtest tests): ``ratio x widen x sqrt(a + b h)``; beyond it the
        variance grows linearly by :attr:`long_var` a year (a random walk in the yearly level, not compounding).
        At every horizon the variance also holds :attr:`regime`, the doubt over where the level settles after
        the disruption (0 once ``POST_REF_MONTHS`` months after it are recorded).
        """
        hh = np.asarray(h, dtype=float)
        rw = self.ratio * self.widen
        first = self.regime + rw**2 * (self.a + self.b * np.minimum(hh, HORIZON))
        return np.sqrt(first + self.long_var * np.maximum(hh - HORIZON, 0.0) / 12.0)

    def bounds(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Half-widths of the 80% and 95% intervals on the log scale."""
        s = self.sigma(h)
        return _T80 * s, _T95 * s


def _insample_errors(y: np.ndarray, idx: pd.DatetimeIndex) -> np.ndarray:
    """In-sample h-step log errors of the level-and-naive proxy, shape (n, HORIZON); NaN where unusable."""
    n = len(y)
    d = _days(idx)
    p = y / d
    dis = _disrupted(idx)
    level_before, one_step = _ses_level(p, ~dis)
    after = np.r_[one_step[1:], level_before]  # level after observing each month
    logy = np.log(np.maximum(y, 0.5))
    e = np.full((n, HORIZON), np.nan)
    for h in range(1, min(HORIZON, n - 1) + 1):
        t = np.arange(0, n - h)
        proxy = 0.5 * (np.log(np.maximum(after[t] * d[t + h], 0.5)) + logy[t])
        err = logy[t + h] - proxy
        err[dis[t] | dis[t + h]] = np.nan
        err[t < 2] = np.nan  # smoothing start-up
        e[t, h - 1] = err
    return e


def _regime_variance(y: np.ndarray, idx: pd.DatetimeIndex) -> float:
    """Log variance of where the level settles, for a series ending in or just after the disruption.

    ``(REGIME_SD_SHARE x delta)^2 x fade``: ``delta`` is the mean log ratio of the daily rate in the last
    ``POST_REF_MONTHS`` months over the mean daily rate of the same calendar months before the pandemic;
    ``fade`` is 1 for a series ending in the disruption and falls linearly to 0 at ``POST_REF_MONTHS`` months
    after it. 0 for a series ending before the disruption or without months before it.
    """
    last = idx[-1]
    if last < DISRUPTION_START:
        return 0.0
    after = (last.year - DISRUPTION_END.year) * 12 + last.month - DISRUPTION_END.month  # months recorded after it
    fade = 1.0 - max(after, 0) / POST_REF_MONTHS
    pre = np.flatnonzero(idx < DISRUPTION_START)
    if fade <= 0 or not len(pre):
        return 0.0
    rate = y / _days(idx)
    months = idx.month.to_numpy()
    logs = []
    for t in range(max(len(y) - POST_REF_MONTHS, 0), len(y)):
        same = pre[months[pre] == months[t]]
        if len(same) and rate[t] > 0:
            logs.append(np.log(rate[t] / np.mean(rate[same])))
    if not logs:
        return 0.0
    return float((REGIME_SD_SHARE * np.mean(logs)) ** 2 * fade)


def _calibrate(y: np.ndarray, idx: pd.DatetimeIndex, ratio: float = 1.0, widen: float = 1.0) -> IntervalCalibration:
    """Least-squares fit of mean squared in-sample errors on [1, h] (a, b >= 0), plus the regime variance."""
    regime = _regime_variance(y, idx)
    e = _insample_errors(y, idx)
    ok = np.isfinite(e)
    cnt = ok.sum(axis=0)
    hs = np.flatnonzero(cnt > 0) + 1
    if len(hs) == 0:
        s2 = float(np.var(np.diff(np.log(np.maximum(y, 0.5))))) or 0.0025
        return IntervalCalibration(s2, 0.05 * s2, ratio, 0, widen, regime)
    msq = np.array([np.mean(e[ok[:, h - 1], h - 1] ** 2) for h in hs])
    w = cnt[hs - 1].astype(float)
    x = np.column_stack([np.ones(len(hs)), hs.astype(float)])
    if len(hs) >= 2:
        coef, *_ = np.linalg.lstsq(x * np.sqrt(w)[:, None], msq * np.sqrt(w), rcond=None)
        a, b = float(coef[0]), float(coef[1])
    else:
        a, b = float(msq[0]), 0.0
    target = float(np.sum(w * msq) / np.sum(w))
    if b < 0:
        a, b = target, 0.0
    elif a < 0:
        a, b = 0.0, float(np.sum(w * msq * hs) / np.sum(w * hs**2))
    a = max(a, 1e-6)
    b = max(b, a / 24)  # intervals always widen with horizon (variance +50% over the first year at least)
    fitted = float(np.sum(w * (a + b * hs)) / np.sum(w))
    if fitted > 0 and target > 0:
        a, b = a * target / fitted, b * target / fitted
    return IntervalCalibration(a, b, float(np.clip(ratio, *RATIO_BOUNDS)), int(ok.sum()), float(widen), regime)


SWITCH_Z = 2.0  # a single model replaces the combination only if better by this many standard errors


def _clearly_better(bt: _Backtest, point: np.ndarray, combo: np.ndarray, rows: np.ndarray) -> bool:
    """Whether ``point`` beats the combination at the selected origins beyond backtest noise.

    Per-origin MASE differences (combination minus model): their mean must exceed ``SWITCH_Z`` standard
    errors, with the origins counted as the number of non-overlapping ``HORIZON``-month windows they span
    (neighbouring origins share most of their test months, so they are not independent evidence).
    """
    sel = np.flatnonzero(rows)
    if not len(sel):
        return False
    d = []
    for i in sel:
        ok = np.isfinite(bt.actual[i]) & np.isfinite(point[i]) & np.isfinite(combo[i])
        if ok.any():
            a = bt.actual[i, ok]
            d.append((np.mean(np.abs(a - combo[i, ok])) - np.mean(np.abs(a - point[i, ok]))) / bt.scale[i])
    if len(d) < 3:
        return False
    k_eff = _independent_windows(bt, rows)
    sd = float(np.std(d, ddof=1))
    return bool(np.mean(d) > SWITCH_Z * sd / np.sqrt(k_eff))


def _independent_windows(bt: _Backtest, rows: np.ndarray) -> float:
    """Non-overlapping ``HORIZON``-month test windows spanned by the selected origins (at least 1)."""
    sel = np.flatnonzero(rows)
    if not len(sel):
        return 0.0
    span = bt.origins[sel[-1]] - bt.origins[sel[0]]
    return max(1.0, span / HORIZON + 1.0)


def _ratio(err_model: np.ndarray, err_proxy: np.ndarray) -> float:
    """Backtest RMS log error of a model over the proxy's, on common cells (1 if none)."""
    ok = np.isfinite(err_model) & np.isfinite(err_proxy)
    if ok.sum() < 3:
        return 1.0
    den = float(np.mean(err_proxy[ok] ** 2))
    return float(np.sqrt(np.mean(err_model[ok] ** 2) / den)) if den > 0 else 1.0


def _standardised(err: np.ndarray, calibs: list[IntervalCalibration], ratio: float) -> list[np.ndarray]:
    """Per origin, |log error| over that origin's own sigma(h) (times the bounded ratio); finite cells only."""
    hs = np.arange(1, HORIZON + 1)
    r = float(np.clip(ratio, *RATIO_BOUNDS))
    out = []
    for row, cal in zip(err, calibs, strict=True):
        ok = np.isfinite(row)
        out.append(np.abs(row[ok]) / replace(cal, ratio=r).sigma(hs)[ok])
    return out


WIDEN_PRIOR = 6  # origins' worth of weight on "no widening" (shrinks the factor when the origins are few)
WIDEN_MAX = 2.0


def _widen_from(u: Sequence[np.ndarray]) -> float:
    """Widening of the intervals from standardised backtest errors ``u`` (one array per origin).

    The factor that makes the 80% interval cover 80% of them, shrunk toward 1 by ``K / (K + WIDEN_PRIOR)``
    (``K`` origins with errors), never below 1 (in-sample errors are the floor: out-of-sample errors are
    not smaller) nor above ``WIDEN_MAX``.
    """
    rows = [r for r in u if len(r)]
    cells = np.concatenate(rows) if rows else np.array([])
    if len(cells) < 5:
        return 1.0
    raw = float(np.quantile(cells, 0.80)) / _T80
    w = len(rows) / (len(rows) + WIDEN_PRIOR)
    return float(np.clip(1.0 + w * (raw - 1.0), 1.0, WIDEN_MAX))


def _widen_factor(err: np.ndarray, calibs: list[IntervalCalibration], ratio: float) -> float:
    """Widening of the chosen model's intervals from its own backtest coverage (see :func:`_widen_from`)."""
    return _widen_from(_standardised(err, calibs, ratio))


def _coverage(
    err: np.ndarray, calibs: list[IntervalCalibration], ratio: float, widen: bool = False
) -> tuple[float, float]:
    """Backtest coverage of 80% / 95% intervals, each origin calibrated on its own training data only.

    With ``widen``, each origin's intervals are widened as the app widens them, from the other origins'
    errors only (leave one origin out).
    """
    hits80: list[bool] = []
    hits95: list[bool] = []
    u = _standardised(err, calibs, ratio)
    for i, ui in enumerate(u):
        if not len(ui):
            continue
        f = _widen_from([v for j, v in enumerate(u) if j != i]) if widen else 1.0
        hits80.extend(ui <= f * _T80)
        hits95.extend(ui <= f * _T95)
    if not hits80:
        return np.nan, np.nan
    return float(np.mean(hits80)), float(np.mean(hits95))


# --------------------------------------------------------------------------- public


@dataclass(frozen=True, eq=False)
class SeriesFit:
    """A chosen, fitted demand model for one monthly series.

    Attributes
    ----------
    name : str
        Series name (e.g. ``"nea"``).
    chosen : str
        Label of the chosen candidate.
    backtest : pd.DataFrame
        Columns ``model``, ``mase``, ``mape`` (%), ``bias`` (%, + = over-forecast),
        ``pi80_coverage``, ``pi95_coverage`` (shares 0-1, calibrated intervals,
        leave-one-origin-out), ``chosen`` (bool); every candidate that could be fitted.
    fitted : pd.DataFrame
        Columns ``month``, ``observed``, ``fitted`` (admissions per month, one step ahead;
        NaN where the model gives none).
    residuals : pd.Series
        ``observed - fitted`` admissions per month, indexed by month.
    results : statsmodels results of the chosen model refitted on all data (None for the
        simple methods and the combination).
    diagnostics : dict
        ``chosen_mase``, ``benchmark_mase`` (seasonal naive), ``naive_mase``,
        ``beats_benchmark``, ``n_origins``, ``backtest_origins`` (e.g. ``"Mar 2021"``),
        ``covid`` (text), ``covid_treatment``, ``covid_scores`` (treatment -> MASE after the
        disruption), ``calibration`` (text), ``sigma_by_horizon``, ``note`` (short
        series), ``failed``, ``ljung_box_p``, ``fit_seconds``.
    covid : str
        The COVID-19 treatment used (``"shift"``, ``"observed"`` or ``"return"``).
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
    calibration: IntervalCalibration
    _forecaster: Callable[[int], np.ndarray] = field(repr=False)
    guard: GuardResult | None = None

    @property
    def last_month(self) -> pd.Timestamp:
        """Last observed month; forecasts start the month after."""
        return pd.Timestamp(self.rate.index[-1])

    def future_months(self, n_months: int) -> pd.DatetimeIndex:
        """The ``n_months`` months following the history."""
        return pd.date_range(self.last_month + pd.DateOffset(months=1), periods=n_months, freq="MS")

    def forecast_rate(self, n_months: int) -> np.ndarray:
        """The point forecast of the rate, shape ``(n_months,)``: the chosen model's own forecast (trend models
        damped beyond the first year), which the plausibility guard has passed. It is the mean of
        :meth:`simulate_rate_paths` month by month (see there)."""
        return np.maximum(np.asarray(self._forecaster(n_months), dtype=float), 0.0)

    @property
    def guard_message(self) -> str:
        """The plausibility guard's plain message (blank when the first choice passed)."""
        return str(self.diagnostics.get("guard", ""))

    def simulate_rate_paths(self, n_months: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        """Simulated future rate paths, shape ``(n_paths, n_months)``, whose mean is the point forecast.

        ``point x exp(sigma_h Z_h) / c_h``: ``Z_h`` is a random walk standardised to unit variance at every
        horizon, drawn in antithetic pairs with Student-t tails; ``sigma_h`` is calibrated as described in
        :class:`IntervalCalibration`; ``c_h`` is the draws' own mean of ``exp(sigma_h Z_h)`` in month ``h``, so
        the mean of the paths equals the point forecast exactly (the Monte Carlo mean, the money and the
        ``mean`` column of :func:`forecast` are the one honest point forecast). Without ``c_h`` the mean of a
        log-normal-like spread runs above the model's forecast by ``exp(sigma^2 / 2)`` and more with heavy tails
        (1.5% too high on the real series; far more five years out). The spread (ratios between paths) is kept.
        """
        if n_months < 1 or n_paths < 1:
            raise ValueError("n_months and n_paths must be at least 1.")
        point = self.forecast_rate(n_months)
        half = n_paths // 2
        eps = rng.standard_normal((half, n_months))
        z = np.cumsum(eps, axis=1) / np.sqrt(np.arange(1, n_months + 1))
        # Student-t tails: one chi-square scale per antithetic pair.
        z = z * np.sqrt(TAIL_DF / rng.chisquare(TAIL_DF, size=half))[:, None]
        z = np.vstack([z, -z, np.zeros((n_paths - 2 * half, n_months))])  # odd: one path is the point itself
        sig = self.calibration.sigma(np.arange(1, n_months + 1))
        mult = np.exp(z * sig[None, :])
        return point[None, :] * (mult / mult.mean(axis=0, keepdims=True))


def _validate(counts: pd.Series, index: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    label = f"The {name} series"
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
            f"{label} is too short to forecast: it has {len(idx)} months and at least {MIN_MONTHS} are needed "
            f"({SEASONAL_MONTHS} for seasonal models)."
        )
    full = pd.date_range(idx[0], idx[-1], freq="MS")
    if len(full) != len(idx):
        gaps = full.difference(idx)
        shown = ", ".join(ts.strftime("%b %Y") for ts in gaps[:5])
        raise DemandDataError(f"{label} has gaps: {len(gaps)} month(s) missing (e.g. {shown}).")
    vals = vals.astype(float).reindex(idx)
    if not np.all(np.isfinite(vals.to_numpy())):
        raise DemandDataError(f"{label} has infinite values.")
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


def _month_name(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).strftime("%b %Y")


@dataclass(frozen=True)
class _Prepared:
    """One series made ready to model: rate, months and the candidate family for its length."""

    y_s: pd.Series  # admissions per month
    ix: pd.Series  # demand index
    rate: pd.Series  # admissions per month at base-year age structure
    y: np.ndarray
    idx: pd.DatetimeIndex
    fam: dict[str, tuple[Candidate, Callable[..., Any]]]
    ets_label: str
    min_train: int
    labels: list[str]


def _prepare(counts: pd.Series, index: pd.Series, name: str, candidates: Sequence[str] | None) -> _Prepared:
    """Validate the series, turn it into a rate and list the candidates its length allows."""
    y_s, ix = _validate(counts, index, name)
    rate = (y_s / ix).rename(f"{name}_rate")
    y, idx = rate.to_numpy(), pd.DatetimeIndex(rate.index, freq="MS")
    fam, ets_label, min_train = _family(len(y))
    all_labels = [*fam, COMBINATION]
    if candidates is not None:
        unknown = [c for c in candidates if c not in all_labels]
        if unknown or not candidates:
            raise ValueError(f"Unknown candidate model(s) {unknown}; choose from {all_labels}.")
        labels = list(candidates)
    else:
        labels = [lab for lab in all_labels if lab not in OPTIONAL_CANDIDATES]
    return _Prepared(y_s, ix, rate, y, idx, fam, ets_label, min_train, labels)


def _backtest_treatments(
    p: _Prepared, covid: str, name: str, failed: dict[str, str]
) -> tuple[_Backtest, str, list[str], dict[str, float]]:
    """Backtest the candidates and choose the COVID-19 treatment.

    Returns the backtest (every label under the chosen treatment), the treatment, the
    treatments considered and their scores (lowest MASE of the compared candidates at
    origins after the disruption; empty when only one treatment was considered).
    """
    y, idx = p.y, p.idx
    spans = bool(_disrupted(idx[:-1]).any())
    n_post = sum(idx[o] >= DISRUPTION_END for o in _origins(len(y), p.min_train, idx))
    # The treatment is chosen only where enough origins after the disruption can judge it.
    judged = covid == "auto" and spans and n_post >= MIN_POST_ORIGINS
    treatments = ["observed", "shift"] if judged else [covid if covid != "auto" else "observed"]
    # With two treatments to judge, the compared candidates run under both first; the rest only under the
    # chosen one.
    first = [lab for lab in p.labels if lab in COMPARE] if len(treatments) > 1 else p.labels
    bt = _backtest(y, idx, p.fam, p.ets_label, p.min_train, treatments, first, failed)
    if not bt.origins:
        raise DemandDataError(f"The {name} series is too short for a backtest.")
    scores: dict[str, float] = {}
    treatment = treatments[0]
    if len(treatments) > 1:
        for t in treatments:
            ms = [_metrics(bt.actual, bt.points[t][lab], bt.scale, bt.post)["mase"] for lab in first]
            ms = [m for m in ms if np.isfinite(m)]
            scores[t] = min(ms) if ms else np.nan
        if bt.post.sum() >= MIN_POST_ORIGINS and all(np.isfinite(v) for v in scores.values()):
            treatment = min(scores, key=lambda t: scores[t])
        rest = [lab for lab in p.labels if lab not in first]
        if rest:  # the other candidates under the chosen treatment
            extra = _backtest(y, idx, p.fam, p.ets_label, p.min_train, [treatment], rest, failed)
            for lab in rest:
                bt.points[treatment][lab] = extra.points[treatment][lab]
    return bt, treatment, treatments, scores


def _score_candidates(
    bt: _Backtest,
    pts: dict[str, np.ndarray],
    labels: Sequence[str],
    failed: Mapping[str, str],
    calibs: list[IntervalCalibration],
    use_post: bool,
) -> tuple[pd.DataFrame, dict[str, float], dict[str, float]]:
    """The backtest table, each candidate's MASE for the choice and its error ratio to the proxy forecast."""
    proxy_err = _log_errors(bt.actual, _geomean_rows(pts[LEVEL], pts[NAIVE])) if LEVEL in pts and NAIVE in pts else None
    ratios: dict[str, float] = {}
    choice_mase: dict[str, float] = {}
    rows = []
    for lab in labels:
        if lab in failed or not np.isfinite(pts[lab]).any():
            continue
        m = _metrics(bt.actual, pts[lab], bt.scale)
        if not np.isfinite(m["mase"]):
            continue
        choice_mase[lab] = _metrics(bt.actual, pts[lab], bt.scale, bt.post)["mase"] if use_post else m["mase"]
        err = _log_errors(bt.actual, pts[lab])
        ratios[lab] = _ratio(err, proxy_err) if proxy_err is not None else 1.0
        c80, c95 = _coverage(err, calibs, ratios[lab], widen=True)
        rows.append({"model": lab, **m, "pi80_coverage": c80, "pi95_coverage": c95})
    return pd.DataFrame(rows), choice_mase, ratios


def _choice_order(
    bt: _Backtest, pts: dict[str, np.ndarray], choice_mase: Mapping[str, float], spans_all: bool, use_post: bool
) -> list[str]:
    """Candidates in the order they are tried on the full data (the first that fits is chosen)."""
    key = {lab: v if np.isfinite(v) else np.inf for lab, v in choice_mase.items()}
    order = sorted(key, key=lambda lab: key[lab])
    if COMBINATION in order:
        # The combination unless a single model is clearly better at the origins that count (the
        # regime must be judged: with few origins after the disruption it is not).
        regime_unjudged = spans_all and not use_post
        rows_sel = bt.post if use_post else np.ones(len(bt.origins), dtype=bool)
        # A slope is extrapolated only when the test windows are enough independent evidence for it.
        trend_ok = _independent_windows(bt, rows_sel) >= MIN_TREND_WINDOWS
        better = (
            []
            if regime_unjudged
            else [
                lab
                for lab in order
                if lab != COMBINATION
                and (trend_ok or lab not in TREND_MODELS)
                and key[lab] < key[COMBINATION]
                and _clearly_better(bt, pts[lab], pts[COMBINATION], rows_sel)
            ]
        )
        order.remove(COMBINATION)
        order = [*better[:1], COMBINATION, *[lab for lab in order if lab not in better[:1]]]
    return order


def _untested(p: _Prepared, failed: Mapping[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """The backtest table (every metric NaN) and the order of preference when no origin could be scored.

    Every test month of every origin falls in the disruption (data ending in or just after it): the
    combination of flat methods, then the level and naive, are used untested.
    """
    cols = ("mase", "mape", "bias", "pi80_coverage", "pi95_coverage")
    table = pd.DataFrame([{"model": lab, **dict.fromkeys(cols, np.nan)} for lab in p.labels if lab not in failed])
    order = [lab for lab in (COMBINATION, LEVEL, NAIVE) if lab in p.labels] or list(p.labels)
    return table, order


def _refit_guarded(
    p: _Prepared, order: Sequence[str], treatment: str, name: str, failed: dict[str, str]
) -> tuple[str, dict[str, tuple[np.ndarray, np.ndarray, Any]], GuardResult]:
    """Refit the candidates on all data in ``order``; the first whose full fit succeeds and whose projection
    passes the plausibility guard (:mod:`models.demand.plausibility`) is chosen.

    A model whose projection leaves the envelope at any horizon up to ``GUARD_MONTHS`` is refused and the next
    is tried; when every one is refused, :data:`GUARD_FALLBACK` (the recorded average of the last 12 months,
    inside the envelope by construction) is used.
    """
    env = envelope(p.rate)
    months = _future(p.idx, GUARD_MONTHS)
    refused: list[Refusal] = []
    fitted_any: dict[str, tuple[np.ndarray, np.ndarray, Any]] | None = None
    for lab in order:
        full_fits = _run_all(p.fam, p.ets_label, p.y, p.idx, treatment, HORIZON, [*COMBO_MEMBERS, lab], dict(failed))
        if lab not in full_fits:
            failed[lab] = "full-data fit failed"
            continue
        fitted_any = full_fits
        point = np.maximum(_forecaster(p, full_fits, lab, treatment)(GUARD_MONTHS), 0.0)
        breach = first_breach(point, months, env)
        if breach is None:
            return lab, full_fits, GuardResult(env, lab, tuple(refused))
        refused.append(Refusal(lab, breach))
    if fitted_any is None:
        raise DemandDataError(f"No model could be fitted to the full {name} series: {failed}")
    fitted_any[GUARD_FALLBACK] = _fit_recent(p.y, p.idx, HORIZON)
    return GUARD_FALLBACK, fitted_any, GuardResult(env, GUARD_FALLBACK, tuple(refused))


def _fit_recent(y: np.ndarray, idx: pd.DatetimeIndex, h: int) -> tuple[np.ndarray, np.ndarray, None]:
    """The guard's last resort: the last 12 recorded months' average a day, times the days in each future month.

    Fitted values: the previous 12 months' average a day times the month's days (NaN for the first 12).
    """
    d = _days(idx)
    per_day = y / d
    k = min(SEASON, len(y))
    level = float(per_day[-k:].mean())
    c = np.r_[0.0, np.cumsum(per_day)]
    fitted = np.full(len(y), np.nan)
    if len(y) > SEASON:
        fitted[SEASON:] = (c[SEASON:-1] - c[: -SEASON - 1]) / SEASON * d[SEASON:]
    return level * _days(_future(idx, h)), fitted, None


def _damp_trend(point: np.ndarray) -> np.ndarray:
    """A trend model's forecast with its year-on-year change damped beyond the first ``HORIZON`` months.

    Month ``t`` of year ``k`` (``k = 1`` for months 13-24) moves from the same month a year earlier by the model's
    own log change times ``TREND_DAMP ** k``: the first year (what the backtest tested) is the model's, and the
    whole further change is bounded by about one year's worth (0.5 + 0.25 + ... < 1).
    """
    f = np.asarray(point, dtype=float)
    if len(f) <= HORIZON:
        return f
    logf = np.log(np.maximum(f, 1e-9))
    out = logf.copy()
    for t in range(HORIZON, len(f)):
        out[t] = out[t - SEASON] + (logf[t] - logf[t - SEASON]) * TREND_DAMP ** (t // SEASON)
    return np.where(f > 0, np.exp(out), 0.0)


def _forecaster(
    p: _Prepared, full: dict[str, tuple[np.ndarray, np.ndarray, Any]], chosen: str, treatment: str
) -> Callable[[int], np.ndarray]:
    """The chosen model's point forecast of the rate ``h`` months ahead (the geometric mean for the combination)."""
    y, idx, fam = p.y, p.idx, p.fam
    y_treated = _treat(y, idx, treatment)
    members = _combo_members(full)

    def one(lab: str, h: int) -> np.ndarray:
        res = full[lab][2]
        if lab == GUARD_FALLBACK:
            out = _fit_recent(y, idx, h)[0]
        elif res is not None:
            out = np.asarray(res.forecast(h), dtype=float)
        else:
            cand, fn = fam[lab]
            out = fn(y if cand.raw else y_treated, idx, h)[0]
        return _damp_trend(out) if lab in TREND_MODELS else out

    def forecaster(h: int) -> np.ndarray:
        if chosen == COMBINATION:
            return _geomean([one(m, h) for m in members])
        return one(chosen, h)

    return forecaster


def _ljung_box_p(residuals: pd.Series, idx: pd.DatetimeIndex) -> float:
    """Ljung-Box p-value of the residuals outside the disruption (NaN when under 12 months or it fails)."""
    r = residuals[~_disrupted(idx)].dropna()
    lb_p = float("nan")
    if len(r) >= 12:
        try:
            with _quiet_fit():
                lags = [min(SEASON, len(r) // 3)]
                lb_p = float(acorr_ljungbox(r.to_numpy(), lags=lags)["lb_pvalue"].iloc[0])
        except (ValueError, np.linalg.LinAlgError, IndexError):
            pass
    return lb_p


def _length_note(n: int) -> str:
    """Plain note on what a short series (``n`` months) leaves out; blank when nothing is left out."""
    if n < SEASONAL_MONTHS:
        return (
            f"Only {n} months: no seasonal model (that needs {SEASONAL_MONTHS} months), so the projection has no "
            "winter peak; the candidates are naive, drift, damped trend, smoothed level, ETS by AICc, Theta and a "
            "combination."
        )
    if n < MODEL_SEASONAL_MONTHS:
        return (
            f"{n} months: seasonal naive is the only seasonal candidate; seasonal ETS and Theta need "
            f"{MODEL_SEASONAL_MONTHS} months (24 months of training at every backtest origin)."
        )
    return ""


def _covid_text(idx: pd.DatetimeIndex, bt: _Backtest, covid: str, treatment: str, treatments: Sequence[str]) -> str:
    """How the COVID-19 months were treated, and how that was chosen."""
    covid_text = COVID_TEXT[treatment] if _disrupted(idx).any() else "The data do not include Mar 2020 - Mar 2021."
    if covid == "auto" and len(treatments) > 1:
        basis = (
            f"at {int(bt.post.sum())} origins after the disruption"
            if bt.post.sum() >= MIN_POST_ORIGINS
            else f"fewer than {MIN_POST_ORIGINS} origins after the disruption, so the months as recorded by default"
        )
        covid_text = f"Chosen by backtest ({basis}): {covid_text}"
    return covid_text


def _choice_basis(bt: _Backtest, spans_all: bool, use_post: bool) -> str:
    """Which backtest origins the model choice rests on, in words."""
    if use_post:
        return (
            f"Chosen on the {int(bt.post.sum())} origins after the COVID-19 disruption (the current regime): "
            "the combination, unless a single model's MASE there is lower by more than two standard errors."
        )
    if spans_all:
        return (
            f"Fewer than {MIN_POST_ORIGINS} backtest origins after the COVID-19 disruption, so the backtest "
            "cannot judge the post-COVID months: the combination is used."
        )
    return (
        "The combination, unless a single model's backtest MASE is lower by more than two standard errors "
        "(overlapping test windows counted once)."
    )


def _calibration_text(calib: IntervalCalibration, n_origins: int) -> str:
    """How the interval widths were calibrated, in words."""
    return (
        f"Interval widths by horizon rest on {calib.n_errors:,} in-sample forecast errors 1-{HORIZON} months "
        "ahead (every month of the history as an origin, Mar 2020 - Mar 2021 excluded) of a simple "
        f"level-and-naive forecast, scaled by {calib.ratio:.2f}: the chosen model's backtest error relative to "
        f"that forecast at {n_origins} origin(s), and widened by {calib.widen:.2f} so that the 80% "
        "interval covers 80% of the chosen model's backtest errors (shrunk toward no widening when the "
        f"origins are few; never narrowed); Student-t tails ({TAIL_DF} degrees of freedom). Coverage in the "
        "table: each origin's intervals built from the data before it, widened from the other origins."
    )


UNTESTED_TEXT = (
    "No backtest origin could be scored: every month after each origin falls in the COVID-19 disruption (Mar 2020 "
    "- Mar 2021). The combination of flat methods (smoothed level, naive, ETS by AICc) is used untested, with no "
    "trend; the intervals rest on the in-sample errors alone."
)
_SERIES_WORDS = {"nea": "emergency admissions (NEA)", "acs": "avoidable admissions (ACS)"}


def fit_series(
    counts: pd.Series,
    index: pd.Series,
    name: str,
    covid: str = "auto",
    candidates: Sequence[str] | None = None,
) -> SeriesFit:
    """Choose and fit a demand model for one monthly count series.

    Steps: validate and turn the counts into a rate (:func:`_prepare`); backtest the
    candidates and choose the COVID-19 treatment (:func:`_backtest_treatments`); score them
    (:func:`_score_candidates`); refit on all data in order of preference
    (:func:`_choice_order`, :func:`_refit_first`); calibrate the intervals; describe the
    choice (``diagnostics``).

    Parameters
    ----------
    counts : pd.Series
        Admissions per month, indexed by first-of-month dates (consecutive, no NaN).
    index : pd.Series
        Age-weighted demand index (dimensionless, base year = 1.0) for the same months.
    name : str
        Series name used in messages and the result.
    covid : {"auto", "shift", "observed", "return"} (or the old "intervention" / "exclude")
        Treatment of March 2020 - March 2021 (see module docstring).
    candidates : sequence of str, optional
        Subset of candidate labels to consider (default: all that the length allows).

    Raises
    ------
    DemandDataError
        Under ``MIN_MONTHS`` (12) months, gaps, duplicates, NaN, negative values, constant,
        or no candidate can be fitted.
    """
    t_start = time.perf_counter()
    covid = normalise_covid(covid)
    p = _prepare(counts, index, name, candidates)
    y, idx = p.y, p.idx
    failed: dict[str, str] = {}
    bt, treatment, treatments, scores = _backtest_treatments(p, covid, name, failed)
    pts = bt.points[treatment]
    calibs = [_calibrate(y[: o + 1], idx[: o + 1]) for o in bt.origins]
    # Choice in the current regime: when the data span the disruption, only origins after it count; with
    # fewer than MIN_POST_ORIGINS of them the backtest cannot judge the post-COVID months and the
    # combination is used.
    spans_all = bool(_disrupted(idx).any())
    use_post = spans_all and int(bt.post.sum()) >= MIN_POST_ORIGINS
    table, choice_mase, ratios = _score_candidates(bt, pts, p.labels, failed, calibs, use_post)
    untested = table.empty
    if untested:  # nothing could be scored: the flat combination, untested (no slope is extrapolated)
        table, order = _untested(p, failed)
    else:
        order = _choice_order(bt, pts, choice_mase, spans_all, use_post)
    chosen, full, guard = _refit_guarded(p, order, treatment, name, failed)
    table["chosen"] = table["model"] == chosen
    # The guard's last resort has no backtest of its own: the level's errors stand in for it.
    basis = chosen if chosen in pts else LEVEL
    widen = _widen_factor(_log_errors(bt.actual, pts[basis]), calibs, ratios.get(basis, 1.0)) if basis in pts else 1.0
    calib = _calibrate(y, idx, ratios.get(basis, 1.0), widen)

    fitted_rate = np.asarray(full[chosen][1], dtype=float)
    fitted_counts = fitted_rate * p.ix.to_numpy()
    fitted_df = pd.DataFrame({"month": idx, "observed": p.y_s.to_numpy(), "fitted": fitted_counts})
    residuals = pd.Series(p.y_s.to_numpy() - fitted_counts, index=idx, name=f"{name}_residual")

    def mase_of(lab: str) -> float:
        hit = table.loc[table["model"] == lab, "mase"]
        return float(hit.iloc[0]) if len(hit) else float("nan")

    chosen_mase, bench, naive = mase_of(chosen), mase_of(BENCHMARK), mase_of(NAIVE)
    diagnostics = {
        "choice": UNTESTED_TEXT if untested else _choice_basis(bt, spans_all, use_post),
        "chosen_mase": chosen_mase,
        "benchmark_mase": bench,
        "naive_mase": naive,
        "beats_benchmark": bool(chosen_mase < bench) if np.isfinite(bench) else False,
        "n_origins": len(bt.origins),
        "backtest_origins": [_month_name(idx[o]) for o in bt.origins],
        "covid": _covid_text(idx, bt, covid, treatment, treatments),
        "covid_treatment": treatment,
        "covid_scores": scores,
        "calibration": _calibration_text(calib, len(bt.origins)),
        "sigma_by_horizon": [float(s) for s in calib.sigma(np.arange(1, HORIZON + 1))],
        "note": _length_note(len(y)),
        "failed": dict(failed),
        "ljung_box_p": _ljung_box_p(residuals, idx),
        "converged": True,
        "guard": guard.message(_SERIES_WORDS.get(name, f"the {name} series")),
        "fit_seconds": time.perf_counter() - t_start,
    }
    cols = ["model", "mase", "mape", "bias", "pi80_coverage", "pi95_coverage", "chosen"]
    return SeriesFit(
        name=name,
        chosen=chosen,
        backtest=table[cols].reset_index(drop=True),
        fitted=fitted_df,
        residuals=residuals,
        results=full[chosen][2],
        diagnostics=diagnostics,
        covid=treatment,
        rate=p.rate,
        index=p.ix,
        calibration=calib,
        _forecaster=_forecaster(p, full, chosen, treatment),
        guard=guard,
    )


LEVEL_ONLY = "Level-only estimate"
# The typical calibration of a real area's monthly series, for a level-only projection (no series to calibrate
# on): the median a and b of IntervalCalibration over the 30 acute trusts with 60+ months in
# ../shared/realdata/provider_emergency_admissions.csv (measured 2026-12-05 with _calibrate; sigma 0.064 one month
# ahead, 0.113 twelve months ahead). docs/areas.md#level-only.
TYPICAL_A = 0.00335
TYPICAL_B = 0.000785


def level_only_fit(counts: pd.Series, index: pd.Series, name: str, level_sd: float, note: str) -> SeriesFit:
    """A level-only "model" for an area with no recorded monthly series: an estimated year of counts, held flat.

    The rate (counts ÷ demand index) of each calendar month of the estimated year is carried forward unchanged, so
    the projection moves only with the demand index (demographic growth) and keeps the estimated months' seasonal
    shape. Nothing is fitted and nothing is backtested: the interval widths are the typical real series'
    (``TYPICAL_A``, ``TYPICAL_B``). The doubt over the estimated level itself (``level_sd``) is stated, not drawn:
    the area's modelled capacities are sized from the same estimate, so drawing a level 14% higher than the beds were
    sized for would fill a hospital that, in truth, is sized for its real level.

    Parameters
    ----------
    counts : pd.Series
        Estimated admissions per month (at least 12 consecutive months, first-of-month DatetimeIndex).
    index : pd.Series
        Age-weighted demand index (dimensionless) for the same months.
    name : str
        Series name ("nea", "acs").
    level_sd : float
        Standard deviation of the log of the estimated level (e.g. 0.14: the level may be 14% off), stated in the
        diagnostics.
    note : str
        How the level was estimated, in plain words (shown with the projection).

    Raises
    ------
    DemandDataError
        Fewer than 12 months, or a month not positive.
    """
    t_start = time.perf_counter()
    if len(counts) < SEASON or not np.all(np.asarray(counts, dtype=float) > 0):
        raise DemandDataError(f"A level-only estimate of {name} needs 12 months of positive counts.")
    idx = pd.DatetimeIndex(counts.index, freq="MS")
    y = np.asarray(counts, dtype=float)
    ix = np.asarray(index, dtype=float)
    rate = pd.Series(y / ix, index=idx, name=f"{name}_rate")
    by_month = {int(m.month): float(r) for m, r in zip(idx[-SEASON:], rate.to_numpy()[-SEASON:], strict=True)}
    first = idx[-1] + pd.DateOffset(months=1)

    def forecaster(h: int) -> np.ndarray:
        months = pd.date_range(first, periods=h, freq="MS").month
        return np.array([by_month[int(m)] for m in months])

    calib = IntervalCalibration(a=TYPICAL_A, b=TYPICAL_B, ratio=1.0, n_errors=0)
    fitted = pd.DataFrame({"month": idx, "observed": y, "fitted": y})
    table = pd.DataFrame(columns=["model", "mase", "mape", "bias", "pi80_coverage", "pi95_coverage", "chosen"])
    diagnostics = {
        "choice": f"No recorded monthly series: {note}",
        "chosen_mase": float("nan"),
        "benchmark_mase": float("nan"),
        "naive_mase": float("nan"),
        "beats_benchmark": False,
        "n_origins": 0,
        "backtest_origins": [],
        "covid": "Not applicable: no recorded series.",
        "covid_treatment": "observed",
        "covid_scores": {},
        "calibration": (
            "No series to calibrate on: the interval widths are those typical of a real area's monthly emergency "
            f"admissions (30 acute trusts' series). The estimated level itself may be ±{level_sd:.0%} off (one "
            "standard deviation): that doubt is not in the P10–P90 range, because the area's modelled capacities "
            "are sized from the same estimate."
        ),
        "sigma_by_horizon": [float(v) for v in calib.sigma(np.arange(1, HORIZON + 1))],
        "note": "Level-only projection of an ESTIMATE: upload the area's own monthly series on the Data page.",
        "failed": {},
        "ljung_box_p": float("nan"),
        "converged": True,
        "guard": "",
        "level_only": True,
        "level_sd": float(level_sd),
        "fit_seconds": time.perf_counter() - t_start,
    }
    return SeriesFit(
        name=name,
        chosen=LEVEL_ONLY,
        backtest=table,
        fitted=fitted,
        residuals=pd.Series(np.zeros(len(y)), index=idx, name=f"{name}_residual"),
        results=None,
        diagnostics=diagnostics,
        covid="observed",
        rate=rate,
        index=pd.Series(ix, index=idx),
        calibration=calib,
        _forecaster=forecaster,
    )


def forecast(
    history: pd.Series,
    horizon: int = 12,
    *,
    n_paths: int = 1000,
    seed: int = 0,
    covid: str = "auto",
    model: str | None = None,
) -> pd.DataFrame:
    """Forecast a monthly count series with the app's default choices.

    Parameters
    ----------
    history : pd.Series
        Monthly counts on a month-start ``DatetimeIndex`` (at least 12 months).
    horizon : int
        Months to forecast.
    n_paths : int
        Simulated paths behind the intervals.
    seed : int
        Seed of the simulation.
    covid : str
        COVID-19 treatment (default ``"auto"``).
    model : str, optional
        Force one candidate (e.g. ``"ETS(A,Ad,A)"``) instead of choosing by backtest.

    Returns
    -------
    pd.DataFrame
        Indexed by the ``horizon`` months after the history: ``mean``, ``p025``, ``p10``,
        ``p50``, ``p90``, ``p975`` (counts a month). **``mean`` is the point forecast**: the chosen model's own
        forecast, which the pages, the money and the exports use, and the mean of the simulated paths. It is the
        model's median-type forecast, not the mean of a log-normal spread: on the rolling origins of the
        development set (``benchmarks/forecast_accuracy.py``) the model's own forecast had lower MASE and
        smaller bias than the uncorrected mean of the paths (which ran 1.4-1.5% high), so the paths are centred
        on it (:meth:`SeriesFit.simulate_rate_paths`). ``p50`` is the median of the paths (a little below the
        mean: the spread is skewed upwards); ``p10``/``p90`` and ``p025``/``p975`` bound the 80% and 95%
        intervals.

    Raises
    ------
    DemandDataError
        Too short (under 12 months) or invalid input, with a plain message.
    """
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise DemandDataError("horizon must be a whole number of months, at least 1.")
    if not isinstance(history, pd.Series) or not isinstance(history.index, pd.DatetimeIndex):
        raise DemandDataError("history must be a pandas Series indexed by month-start dates.")
    ones = pd.Series(1.0, index=history.index)
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: BLAS threads only contend
        fit = fit_series(history, ones, "history", covid=covid, candidates=[model] if model else None)
    paths = fit.simulate_rate_paths(int(horizon), int(n_paths), np.random.default_rng(seed))
    months = fit.future_months(int(horizon))
    out = summarise_paths(paths, months).set_index("month")  # "mean": the paths' mean = the point forecast
    out.index = pd.DatetimeIndex(out.index, freq="MS", name="month")
    return out[["mean", "p025", "p10", "p50", "p90", "p975"]]


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
    labels = np.array([fy_label(fy_start_year(m)) for m in months])
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
    "COVID_OPTIONS",
    "MIN_MONTHS",
    "SEASONAL_MONTHS",
    "forecast",
    "normalise_covid",
    "DemandDataError",
    "SeriesFit",
    "financial_year_totals",
    "fit_series",
    "fy_start_year",
    "project_counts",
    "summarise_paths",
]
