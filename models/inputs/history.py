"""Summaries of an area's recorded history (financial-year totals and rates)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.inputs.areas import OLDER_BANDS, AreaData, annual_by_fy


def placements_by_fy(area: AreaData) -> pd.DataFrame:
    """Placements 65+ a financial year and the ASCOF rate per 100,000 aged 65+.

    The denominator is the mid-year 65+ population of the calendar year in which
    the financial year starts (e.g. mid-2021 for 2021-22), as ASCOF uses the
    mid-year estimate for the year.

    A real area's rates are the published ASCOF figures (``area.extras["ascof"]``); its counts are those rates × its
    population, rounded.

    Returns
    -------
    DataFrame
        ``fy``, ``placements`` (a year), ``population_65plus`` (persons), ``rate_per_100k``.
    """
    counts = annual_by_fy(area.monthly_series("placements_65plus"))
    pop65 = area.population_65plus()
    rows = []
    for fy, n in counts.items():
        year = int(fy[:4])
        if year in pop65.index:
            rows.append(
                {
                    "fy": fy,
                    "placements": int(n),
                    "population_65plus": int(pop65[year]),
                    "rate_per_100k": float(n) / float(pop65[year]) * 1e5,
                }
            )
    out = pd.DataFrame(rows)
    published = area.extras.get("ascof")
    if published is not None and len(out):  # a real area: the published rates, not our count ÷ our population
        rate = dict(zip(published["fy"].astype(str), published["rate_per_100k"].astype(float), strict=True))
        out["rate_per_100k"] = [rate.get(fy, r) for fy, r in zip(out["fy"], out["rate_per_100k"], strict=True)]
    return out


def admissions_by_fy(area: AreaData) -> pd.DataFrame:
    """NEA and ACS admissions a financial year (complete years only): ``fy``, ``nea``, ``acs``."""
    nea = annual_by_fy(area.monthly_series("nea"))
    acs = annual_by_fy(area.monthly_series("acs"))
    return pd.DataFrame({"fy": nea.index, "nea": nea.to_numpy().astype(int), "acs": acs.to_numpy().astype(int)})


def older_share_by_year(pop: pd.DataFrame, rates: Mapping[str, float]) -> pd.DataFrame:
    """Expected 65+ share of emergency admissions by year, from age-band admission rates and population.

    Parameters
    ----------
    pop : DataFrame
        ``year``, ``age_band``, ``population`` (persons).
    rates : mapping
        Emergency admissions per 1,000 residents a year by age band.

    Returns
    -------
    DataFrame
        ``year``, ``index`` (the 65+ share of admissions, fraction; named ``index`` so that
        :func:`models.demand.population.monthly_index` can interpolate it to months).
    """
    bands = pop["age_band"].astype(str)
    expected = pop["population"].to_numpy(dtype=float) * np.array([float(rates[b]) for b in bands]) / 1000.0
    work = pd.DataFrame(
        {"year": pop["year"].astype(int), "all": expected, "older": np.where(bands.isin(OLDER_BANDS), expected, 0.0)}
    )
    by_year = work.groupby("year", as_index=False)[["all", "older"]].sum()
    share = np.divide(
        by_year["older"].to_numpy(), by_year["all"].to_numpy(), out=np.zeros(len(by_year)), where=by_year["all"] > 0
    )
    return pd.DataFrame({"year": by_year["year"].to_numpy(), "index": share})


def nea65_by_fy(area: AreaData) -> pd.DataFrame:
    """Emergency admissions 65+ a financial year and the rate per 100,000 aged 65+ (BCF core metric 1).

    Recorded when the admissions file has ``nea_65plus``; otherwise **estimated** as all-age admissions × the 65+
    share of the age-band rates for the year the financial year starts in. The denominator is the mid-year 65+
    population of that year (as for ASCOF). Complete financial years with a population only.

    Returns
    -------
    DataFrame
        ``fy``, ``admissions_65plus`` (a year), ``population_65plus`` (persons), ``rate_per_100k``,
        ``estimated`` (bool).
    """
    t = area.admission_rates
    rates = dict(zip(t["age_band"].astype(str), t["nea_per_1000"].astype(float), strict=True))
    share = older_share_by_year(area.population, rates).set_index("year")["index"]
    recorded = "nea_65plus" in area.admissions.columns
    counts = annual_by_fy(area.monthly_series("nea_65plus" if recorded else "nea"))
    pop65 = area.population_65plus()
    rows = []
    for fy, n in counts.items():
        year = int(fy[:4])
        if year in pop65.index and pop65[year] > 0 and year in share.index:
            value = float(n) if recorded else float(n) * float(share[year])
            rows.append(
                {
                    "fy": fy,
                    "admissions_65plus": value,
                    "population_65plus": int(pop65[year]),
                    "rate_per_100k": value / float(pop65[year]) * 1e5,
                    "estimated": not recorded,
                }
            )
    return pd.DataFrame(rows, columns=["fy", "admissions_65plus", "population_65plus", "rate_per_100k", "estimated"])
