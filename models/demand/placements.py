"""Permanent admissions of people aged 65+ to residential and nursing care homes.

Counts are small (Harrow ~150-200 a year), so they are modelled per NHS financial year
(April-March; only complete years) with a statsmodels GLM count model (docs/model.md#placements)::

    log E[count_fy] = log(pop65_fy) + b0 + b1 * (fy - first_fy) + b2 * [fy == 2020-21]

Short data (an upload of two or three financial years): the trend needs ``TREND_YEARS`` (4)
complete years and the 2020-21 term needs two more years than the terms without it; with
fewer, the trend is dropped (a flat rate per head) and 2020-21, if present, is left out of
the fit rather than given its own term. One complete year is the minimum.

``pop65_fy`` is the mid-year 65+ population of the calendar year the financial year
starts in (mid-2021 for 2021-22).

Family choice: Poisson is fitted first. Its Pearson statistic X^2 is compared with
chi-square(df_resid); if X^2/df > 1 and the upper-tail p-value < ``OVERDISPERSION_P``
(0.05) the data are overdispersed and a Negative Binomial (NB2) GLM is used, with its
dispersion ``alpha`` estimated by maximum likelihood (``statsmodels`` discrete
``NegativeBinomial`` with the same offset) and then held fixed in the GLM. The
Cameron-Trivedi auxiliary-regression statistic is reported for information. Parameter
covariance is conditional on ``alpha`` (its own uncertainty is not propagated).

Simulation draws coefficients from the multivariate normal of the estimates (parameter
uncertainty) and then a Poisson or gamma-Poisson (NB2) count (count noise).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial as DiscreteNB
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from models.core.fy import complete_fy_totals, fy_label
from models.core.summaries import QUANTILE_COLUMNS, QUANTILES, quantiles

MIN_YEARS = 1
TREND_YEARS = 4
BACKTEST_YEARS = 3
COVID_FY = 2020
OVERDISPERSION_P = 0.05
PER = 100_000.0


class PlacementsDataError(ValueError):
    """Placements data that cannot be modelled; the message is plain English."""


def annual_totals(monthly: pd.Series) -> pd.Series:
    """Sum monthly counts to complete NHS financial years.

    Returns
    -------
    pd.Series
        Placements per financial year (float), indexed by FY start year (int); years
        with fewer than 12 distinct months are dropped.
    """
    if not isinstance(monthly, pd.Series) or not isinstance(monthly.index, pd.DatetimeIndex):
        raise PlacementsDataError("Placements must be a pandas Series indexed by month (dates).")
    vals = pd.to_numeric(monthly, errors="coerce")
    if vals.isna().any():
        raise PlacementsDataError("Placements have missing or non-numeric months; fill or remove them.")
    if (vals < 0).any():
        raise PlacementsDataError("Placements cannot be negative.")
    if monthly.index.to_period("M").has_duplicates:
        raise PlacementsDataError("Placements have the same month more than once.")
    return complete_fy_totals(vals).rename("placements")


def _terms(fy: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Model terms the years support, and which years enter the fit (see module docstring)."""
    use = np.ones(len(fy), dtype=bool)
    has_covid = bool((fy == COVID_FY).any())
    base = ["const"] + (["trend"] if len(fy) - int(has_covid) >= TREND_YEARS else [])
    if has_covid and len(fy) - len(base) >= 2:
        return [*base, "covid_2020"], use
    if has_covid and len(fy) > 1:
        use = fy != COVID_FY
    return base, use


def _design(fy: np.ndarray, first_fy: int, names: list[str]) -> np.ndarray:
    cols = {
        "const": np.ones(len(fy)),
        "trend": (fy - first_fy).astype(float),
        "covid_2020": (fy == COVID_FY).astype(float),
    }
    return np.column_stack([cols[n] for n in names])


def _nb_alpha(y: np.ndarray, x: np.ndarray, offset: np.ndarray, start: np.ndarray) -> float:
    """NB2 dispersion by ML (discrete NB); moment estimator if that fails."""
    try:
        with warnings.catch_warnings():
            # Only alpha is used from this fit, so its Hessian/convergence chatter is moot.
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", HessianInversionWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            res = DiscreteNB(y, x, offset=offset, loglike_method="nb2").fit(
                start_params=np.append(start, 0.1), disp=False, maxiter=200
            )
        alpha = float(res.params[-1])
        if np.isfinite(alpha) and alpha > 1e-8:
            return alpha
    except (ValueError, np.linalg.LinAlgError):
        pass
    mu = np.exp(x @ start + offset)
    return max(float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2)), 1e-6)


def _fit_glm(
    y: np.ndarray, x: np.ndarray, offset: np.ndarray, family: str | None
) -> tuple[Any, str, float, dict[str, float]]:
    """Fit Poisson, test dispersion, refit NB if needed (or if ``family`` forces it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one-year fits: statsmodels divides by df 0
        pois = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
    if int(pois.df_resid) < 1:  # as many terms as years: no dispersion information
        nan = float("nan")
        keys = ("pearson_chi2", "df_resid", "pearson_ratio", "pearson_p", "ct_alpha", "ct_t", "ct_p")
        disp0 = dict.fromkeys(keys, nan) | {"df_resid": 0.0}
        return pois, "poisson", 0.0, disp0
    df = max(int(pois.df_resid), 1)
    pearson = float(pois.pearson_chi2)
    ratio = pearson / df
    p_over = float(stats.chi2.sf(pearson, df))
    mu = pois.mu
    # Cameron-Trivedi (1990): ((y-mu)^2 - y)/mu = alpha*mu + e, one-sided t-test alpha > 0.
    aux_y = ((y - mu) ** 2 - y) / mu
    aux = sm.OLS(aux_y, mu).fit()
    ct_t = float(aux.tvalues[0])
    ct_p = float(stats.t.sf(ct_t, max(int(aux.df_resid), 1)))
    disp = {
        "pearson_chi2": pearson,
        "df_resid": float(df),
        "pearson_ratio": ratio,
        "pearson_p": p_over,
        "ct_alpha": float(aux.params[0]),
        "ct_t": ct_t,
        "ct_p": ct_p,
    }
    over = ratio > 1.0 and p_over < OVERDISPERSION_P
    fam = family or ("negative_binomial" if over else "poisson")
    if fam == "poisson":
        return pois, "poisson", 0.0, disp
    alpha = _nb_alpha(y, x, offset, np.asarray(pois.params))
    nb = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset).fit()
    disp["nb_alpha"] = alpha
    return nb, "negative_binomial", alpha, disp


@dataclass(frozen=True, eq=False)
class PlacementsFit:
    """Fitted placements count model.

    Attributes
    ----------
    family : {"poisson", "negative_binomial"}
    params : pd.Series
        Log-scale coefficients ``const``, ``trend`` (per year; from 4 complete years),
        ``covid_2020`` (if the data include 2020-21 and have years enough for it).
    cov : pd.DataFrame
        Covariance of ``params``.
    alpha : float
        NB2 dispersion (Var = mu + alpha mu^2); 0 for Poisson.
    dispersion : dict
        ``pearson_chi2``, ``df_resid``, ``pearson_ratio``, ``pearson_p``, ``ct_alpha``,
        ``ct_t``, ``ct_p`` (and ``nb_alpha``).
    table : pd.DataFrame
        Columns ``fy`` (label), ``fy_start``, ``observed``, ``fitted`` (placements per
        year), ``pop65``, ``rate_per_100k`` (observed per 100,000 aged 65+),
        ``fitted_rate_per_100k``.
    backtest : pd.DataFrame
        Rolling-origin 1-year-ahead: ``fy``, ``observed``, ``predicted``,
        ``abs_pct_error`` (%).
    first_fy : int
        FY start year with trend = 0.
    results : statsmodels GLM results.
    """

    family: Literal["poisson", "negative_binomial"]
    params: pd.Series
    cov: pd.DataFrame
    alpha: float
    dispersion: dict[str, float]
    table: pd.DataFrame
    backtest: pd.DataFrame
    first_fy: int
    results: Any

    @property
    def mape(self) -> float:
        """Mean absolute percentage error of the 1-year-ahead backtest (%); NaN without a backtest."""
        if self.backtest.empty:
            return float("nan")
        return float(self.backtest["abs_pct_error"].mean())

    @property
    def trend(self) -> float:
        """Trend on the log scale a year (0 when the data are too short for one)."""
        return float(self.params.get("trend", 0.0))


def fit_placements(
    monthly: pd.Series,
    pop65_by_fy: pd.Series,
    family: Literal["poisson", "negative_binomial"] | None = None,
) -> PlacementsFit:
    """Fit the placements GLM to monthly counts summed to complete financial years.

    Parameters
    ----------
    monthly : pd.Series
        Placements per month, DatetimeIndex.
    pop65_by_fy : pd.Series
        Population aged 65+ (persons), indexed by FY start year (mid-year population
        of that calendar year).
    family : {"poisson", "negative_binomial"}, optional
        Force a family; default chooses by the overdispersion test.

    Raises
    ------
    PlacementsDataError
        Fewer than ``MIN_YEARS`` (1) complete financial year, or 65+ population
        missing / not positive for a modelled year.
    """
    totals = annual_totals(monthly)
    if len(totals) < MIN_YEARS:
        raise PlacementsDataError(
            f"At least {MIN_YEARS} complete financial year (April-March) of placements is needed; "
            f"found {len(totals)}."
        )
    pop = pd.Series(
        pd.to_numeric(pop65_by_fy, errors="coerce").to_numpy(dtype=float),
        index=np.asarray(pop65_by_fy.index, dtype=int),
    )
    fy = totals.index.to_numpy(dtype=int)
    missing = [fy_label(f) for f in fy if f not in pop.index or not np.isfinite(pop.get(f, np.nan)) or pop[f] <= 0]
    if missing:
        raise PlacementsDataError(f"65+ population is missing or not positive for {', '.join(missing)}.")
    pop65 = pop.reindex(fy).to_numpy()
    y = totals.to_numpy()
    first = int(fy[0])
    names, use = _terms(fy)
    x = _design(fy, first, names)
    off = np.log(pop65)
    res, fam, alpha, disp = _fit_glm(y[use], x[use], off[use], family)
    fitted = np.exp(x @ np.asarray(res.params) + off)
    table = pd.DataFrame(
        {
            "fy": [fy_label(f) for f in fy],
            "fy_start": fy,
            "observed": y,
            "fitted": fitted,
            "pop65": pop65,
            "rate_per_100k": y / pop65 * PER,
            "fitted_rate_per_100k": fitted / pop65 * PER,
        }
    )
    # Rolling origin, 1 year ahead, last BACKTEST_YEARS years, same family.
    bt = []
    for i in range(max(len(fy) - BACKTEST_YEARS, 1), len(fy)):
        tr_names, tr_use = _terms(fy[:i])  # terms the training years support
        xt = _design(fy[:i], first, tr_names)
        r_i, _, _, _ = _fit_glm(y[:i][tr_use], xt[tr_use], off[:i][tr_use], fam)
        xi = _design(fy[i : i + 1], first, tr_names)
        pred = float(np.exp(xi @ np.asarray(r_i.params) + off[i])[0])
        bt.append(
            {
                "fy": fy_label(fy[i]),
                "observed": y[i],
                "predicted": pred,
                "abs_pct_error": abs(y[i] - pred) / y[i] * 100 if y[i] > 0 else np.nan,
            }
        )
    return PlacementsFit(
        family=fam,
        params=pd.Series(np.asarray(res.params), index=names),
        cov=pd.DataFrame(np.asarray(res.cov_params()), index=names, columns=names),
        alpha=alpha,
        dispersion=disp,
        table=table,
        backtest=pd.DataFrame(bt, columns=["fy", "observed", "predicted", "abs_pct_error"]),
        first_fy=first,
        results=res,
    )


def simulate_counts(
    fit: PlacementsFit,
    future_pop65: np.ndarray,
    future_trend_years: np.ndarray,
    n_paths: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulate future annual placements with parameter and count uncertainty.

    Parameters
    ----------
    fit : PlacementsFit
    future_pop65 : np.ndarray
        65+ population (persons) per future year, shape ``(n_years,)``.
    future_trend_years : np.ndarray
        FY start years of those years (e.g. ``[2025, 2026, ...]``); the trend term is
        ``year - fit.first_fy``. The COVID indicator is 0.
    n_paths : int
    rng : np.random.Generator

    Returns
    -------
    np.ndarray
        Placements per year, shape ``(n_paths, n_years)`` (float of integer counts).
    """
    pop = np.asarray(future_pop65, dtype=float).ravel()
    yrs = np.asarray(future_trend_years, dtype=float).ravel()
    if pop.shape != yrs.shape:
        raise ValueError("future_pop65 and future_trend_years must have the same length.")
    if np.any(pop <= 0):
        raise ValueError("future_pop65 must be positive.")
    names = list(fit.params.index)
    x = np.zeros((len(yrs), len(names)))
    x[:, names.index("const")] = 1.0
    if "trend" in names:
        x[:, names.index("trend")] = yrs - fit.first_fy
    beta = rng.multivariate_normal(fit.params.to_numpy(), fit.cov.to_numpy(), size=n_paths, method="eigh")
    mu = np.exp(beta @ x.T + np.log(pop)[None, :])
    if fit.family == "negative_binomial" and fit.alpha > 0:
        # NB2 as a gamma-Poisson mixture: lambda ~ Gamma(1/alpha, alpha*mu).
        mu = rng.gamma(1.0 / fit.alpha, fit.alpha * mu)
    return rng.poisson(mu).astype(float)


def summarise_placements(
    paths: np.ndarray,
    fy_start_years: np.ndarray,
    pop65: np.ndarray,
    ambition: float | None = None,
) -> pd.DataFrame:
    """Counts and ASCOF rate per 100,000 aged 65+ with intervals, per year.

    Parameters
    ----------
    paths : np.ndarray
        ``(n_paths, n_years)`` placements per year.
    fy_start_years : np.ndarray
        FY start year of each column.
    pop65 : np.ndarray
        65+ population (persons) per column.
    ambition : float, optional
        Maximum placements per year the area aims for; adds ``p_meet_ambition``
        = P(count <= ambition).

    Returns
    -------
    pd.DataFrame
        ``fy``, ``mean``, ``p025``, ``p10``, ``p50``, ``p90``, ``p975`` (placements),
        the same prefixed ``rate_`` (per 100,000 aged 65+), and ``p_meet_ambition``
        (NaN if no ambition).
    """
    p = np.asarray(paths, dtype=float)
    pop = np.asarray(pop65, dtype=float).ravel()
    yrs = np.asarray(fy_start_years).ravel()
    if p.ndim != 2 or p.shape[1] != len(yrs) or len(pop) != len(yrs):
        raise ValueError("paths must be (n_paths, n_years) matching fy_start_years and pop65.")
    q = quantiles(p, QUANTILES)
    rate = p / pop[None, :] * PER
    rq = quantiles(rate, QUANTILES)
    out = pd.DataFrame({"fy": [fy_label(int(y)) for y in yrs], "mean": p.mean(axis=0)})
    for n, row in zip(QUANTILE_COLUMNS, q, strict=True):
        out[n] = row
    out["rate_mean"] = rate.mean(axis=0)
    for n, row in zip(QUANTILE_COLUMNS, rq, strict=True):
        out[f"rate_{n}"] = row
    out["p_meet_ambition"] = (p <= ambition).mean(axis=0) if ambition is not None else np.nan
    return out
