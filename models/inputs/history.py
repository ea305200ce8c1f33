"""Summaries of an area's recorded history (financial-year totals and rates)."""

from __future__ import annotations

import pandas as pd

from models.inputs.areas import AreaData, annual_by_fy


def placements_by_fy(area: AreaData) -> pd.DataFrame:
    """Placements 65+ a financial year and the ASCOF rate per 100,000 aged 65+.

    The denominator is the mid-year 65+ population of the calendar year in which
    the financial year starts (e.g. mid-2021 for 2021-22), as ASCOF uses the
    mid-year estimate for the year.

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
    return pd.DataFrame(rows)


def admissions_by_fy(area: AreaData) -> pd.DataFrame:
    """NEA and ACS admissions a financial year (complete years only): ``fy``, ``nea``, ``acs``."""
    nea = annual_by_fy(area.monthly_series("nea"))
    acs = annual_by_fy(area.monthly_series("acs"))
    return pd.DataFrame({"fy": nea.index, "nea": nea.to_numpy().astype(int), "acs": acs.to_numpy().astype(int)})
