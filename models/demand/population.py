"""Population projection and the age-weighted demand index.

Demographic pressure on hospital admissions is not plain population growth: older
people are admitted 4-8 times as often as working-age adults, so the pressure is the
age-weighted population ``sum_band rate_band / 1000 * pop_band`` (docs/model.md#population).
This module projects population by age band with compounding annual growth and
turns it into that index, yearly and monthly.

Pure pandas/numpy; never imports streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.inputs.areas import AGE_BANDS, OLDER_BANDS  # noqa: F401 - re-exported: one definition of the bands


def growth_rates(
    growth: pd.DataFrame,
    variant: str,
    overrides: Mapping[str, float | None] | None = None,
    older_people_adjust_pp: float = 0.0,
) -> dict[str, float]:
    """Annual growth per age band for one projection variant, with user levers.

    Parameters
    ----------
    growth : pd.DataFrame
        Columns ``variant``, ``age_band``, ``annual_growth_pct`` (% per year).
    variant : str
        ``"low"``, ``"principal"`` or ``"high"`` (any variant present in ``growth``).
    overrides : Mapping[str, float | None], optional
        Per-band growth in % per year replacing the variant's value; ``None`` keeps
        the variant's value.
    older_people_adjust_pp : float, default 0.0
        Workshop lever: percentage points added to every 65+ band (after overrides).

    Returns
    -------
    dict[str, float]
        Annual growth in % per year, keyed by age band, in ``AGE_BANDS`` order for
        the bands present.

    Raises
    ------
    ValueError
        If the variant is unknown or an override names an unknown band.
    """
    rows = growth.loc[growth["variant"].astype(str) == variant]
    if rows.empty:
        known = sorted(growth["variant"].astype(str).unique())
        raise ValueError(f"Unknown growth variant {variant!r}; expected one of {known}.")
    by_band = {str(b): float(g) for b, g in zip(rows["age_band"], rows["annual_growth_pct"], strict=True)}
    order = [b for b in AGE_BANDS if b in by_band] + [b for b in by_band if b not in AGE_BANDS]
    out = {b: by_band[b] for b in order}
    for band, value in (overrides or {}).items():
        if band not in out:
            raise ValueError(f"Growth override for unknown age band {band!r}.")
        if value is not None:
            out[band] = float(value)
    for band in OLDER_BANDS:
        if band in out:
            out[band] += float(older_people_adjust_pp)
    return out


def project_population(
    population: pd.DataFrame,
    growth_pct: Mapping[str, float],
    base_year: int,
    horizon_years: int,
) -> pd.DataFrame:
    """Project population by age band with compounding annual growth.

    Parameters
    ----------
    population : pd.DataFrame
        Columns ``year`` (mid-year), ``age_band``, ``population`` (persons).
    growth_pct : Mapping[str, float]
        Annual growth in % per year for every age band present in the base year.
    base_year : int
        Mid-year whose actual population starts the projection.
    horizon_years : int
        Number of projected years after the base year (>= 0).

    Returns
    -------
    pd.DataFrame
        Columns ``year`` (int), ``age_band`` (str), ``population`` (float persons):
        the base-year actuals, then ``pop * (1 + g/100) ** k`` for k = 1..horizon.
    """
    if horizon_years < 0:
        raise ValueError("horizon_years must be 0 or more.")
    base = population.loc[population["year"].astype(int) == int(base_year)]
    if base.empty:
        raise ValueError(f"No population rows for base year {base_year}.")
    base_pop = base.groupby(base["age_band"].astype(str))["population"].sum()
    missing = [b for b in base_pop.index if b not in growth_pct]
    if missing:
        raise ValueError(f"No growth rate given for age band(s) {missing}.")
    bands = [b for b in AGE_BANDS if b in base_pop.index] + [b for b in base_pop.index if b not in AGE_BANDS]
    pop0 = base_pop.reindex(bands).to_numpy(dtype=float)
    g = np.array([float(growth_pct[b]) for b in bands]) / 100.0
    k = np.arange(horizon_years + 1)[:, None]
    values = pop0[None, :] * (1.0 + g[None, :]) ** k
    return pd.DataFrame(
        {
            "year": np.repeat(int(base_year) + k.ravel(), len(bands)),
            "age_band": np.tile(np.array(bands, dtype=object), horizon_years + 1),
            "population": values.ravel(),
        }
    )


def history_and_projection(
    population: pd.DataFrame,
    growth_pct: Mapping[str, float],
    base_year: int,
    horizon_years: int,
) -> pd.DataFrame:
    """Actual population up to the base year followed by its projection.

    Convenience for building one demand index that covers both the history (to turn
    observed counts into rates) and the future (to turn rates back into counts) on
    the same base, which is required for the two to be consistent.

    Returns
    -------
    pd.DataFrame
        Columns ``year``, ``age_band``, ``population`` (persons).
    """
    hist = population.loc[population["year"].astype(int) < int(base_year), ["year", "age_band", "population"]]
    hist = hist.assign(
        year=hist["year"].astype(int),
        age_band=hist["age_band"].astype(str).astype(object),
        population=hist["population"].astype(float),
    )
    proj = project_population(population, growth_pct, base_year, horizon_years)
    return pd.concat([hist, proj], ignore_index=True).sort_values(["year"], kind="stable").reset_index(drop=True)


def demand_index(pop: pd.DataFrame, rates: Mapping[str, float], base_year: int) -> pd.DataFrame:
    """Age-weighted demand index versus plain population growth, by year.

    Parameters
    ----------
    pop : pd.DataFrame
        Columns ``year``, ``age_band``, ``population`` (persons).
    rates : Mapping[str, float]
        Admission rate per 1,000 residents per year, by age band.
    base_year : int
        Year whose values define index = 1.0.

    Returns
    -------
    pd.DataFrame
        One row per year: ``year``, ``population`` (persons), ``population_65plus``
        (persons), ``expected_admissions`` (admissions per year at the given rates),
        ``index`` (expected admissions relative to the base year) and
        ``population_index`` (total population relative to the base year).
    """
    bands = pop["age_band"].astype(str)
    missing = sorted(set(bands) - set(rates))
    if missing:
        raise ValueError(f"No admission rate given for age band(s) {missing}.")
    p = pop["population"].to_numpy(dtype=float)
    r = np.array([float(rates[b]) for b in bands])
    work = pd.DataFrame(
        {
            "year": pop["year"].astype(int).to_numpy(),
            "population": p,
            "population_65plus": np.where(bands.isin(OLDER_BANDS).to_numpy(), p, 0.0),
            "expected_admissions": r / 1000.0 * p,
        }
    )
    out = work.groupby("year", as_index=False).sum().sort_values("year").reset_index(drop=True)
    base = out.loc[out["year"] == int(base_year)]
    if base.empty:
        raise ValueError(f"Base year {base_year} is not in the population table.")
    out["index"] = out["expected_admissions"] / float(base["expected_admissions"].iloc[0])
    out["population_index"] = out["population"] / float(base["population"].iloc[0])
    return out


def monthly_index(index_by_year: pd.DataFrame, months: pd.DatetimeIndex) -> np.ndarray:
    """Monthly demand index from mid-year values.

    Each year's value is placed at mid-year (1 July); each month is placed at its
    middle; values are interpolated linearly. Months beyond the last (or before the
    first) year continue with the last (first) year's growth, compounding, because a
    flat extrapolation would silently stop demographic growth in the forecast.

    Parameters
    ----------
    index_by_year : pd.DataFrame
        Columns ``year`` and ``index`` (dimensionless), e.g. from :func:`demand_index`.
    months : pd.DatetimeIndex
        Months (any day; only year and month are used).

    Returns
    -------
    np.ndarray
        Index per month (dimensionless), shape ``(len(months),)``.
    """
    df = index_by_year.sort_values("year")
    years = df["year"].to_numpy(dtype=float)
    vals = df["index"].to_numpy(dtype=float)
    if len(years) == 0:
        raise ValueError("index_by_year is empty.")
    if np.any(vals <= 0):
        raise ValueError("Demand index values must be positive.")
    m = pd.DatetimeIndex(months)
    # Position in years: mid-month of month m in year Y is Y + (m - 0.5) / 12;
    # mid-year is Y + 0.5.
    t = m.year.to_numpy(dtype=float) + (m.month.to_numpy(dtype=float) - 0.5) / 12.0
    tx = years + 0.5
    out = np.interp(t, tx, vals)
    if len(years) >= 2:
        # Growth per year of the last (first) interval, allowing for gaps in years.
        g_last = (vals[-1] / vals[-2]) ** (1.0 / (years[-1] - years[-2]))
        g_first = (vals[1] / vals[0]) ** (1.0 / (years[1] - years[0]))
        hi = t > tx[-1]
        lo = t < tx[0]
        out[hi] = vals[-1] * g_last ** (t[hi] - tx[-1])
        out[lo] = vals[0] * g_first ** (t[lo] - tx[0])
    return out
