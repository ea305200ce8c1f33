"""``benchmarks.csv``: each built area beside its region and England on the same measures, for the app's benchmarks.

One row per geography and measure: the area's figure (as in its folder), its ONS region's and England's. Region
and England figures are published ones where the source has them (ASCOF regions and England; DRD England; the
sitrep's England pathways) and otherwise the sum over the region's built areas (said in ``basis``), so an area is
compared with figures made the same way. "Nearest" rows: the median of the ``NEAREST`` areas most alike in size and
age structure (:func:`nearest_areas`; a simple stand-in, not CIPFA's nearest-neighbour model). Written by full builds only (an ``--only`` build would leave regions short).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.inputs.builder.derive import DRD_YEAR, PATHWAYS, Sources

COLUMNS = ["geography_level", "code", "name", "region", "measure", "value", "unit", "period", "basis"]
DRD_COUNTS = ("discharges", "discharged_on_drd", "discharged_after_drd", "bed_days_after_drd")


@dataclass(frozen=True)
class AreaMetrics:
    """What one built area contributes: counted DRD sums, catchment-weighted pathway totals, latest ASCOF rate."""

    code: str
    drd: dict[str, float]  # sums over the counted months: DRD_COUNTS
    counted_months: int
    pathways: dict[str, float]  # weighted discharges P0–P3, June 2024 – March 2025
    ascof_fy: str
    ascof_rate: float
    admissions: float  # estimate, a year
    residents: float  # Census 2021
    age: tuple[float, float] = (0.0, 0.0)  # shares of residents aged 65+ and 85+ (latest population year)


def _drd_rows(geo: tuple[str, str, str, str], sums: dict[str, float], months: str, basis: str) -> list[list[object]]:
    n, on, after, days = (sums[c] for c in DRD_COUNTS)
    if n <= 0:
        return []
    period = f"2024-25 ({months})"
    return [
        [*geo, "drd_average_delay_all_days", round(days / n, 3), "days, over all discharges", period, basis],
        [*geo, "drd_pct_on_ready_date", round(on / n * 100, 2), "% of discharges", period, basis],
        [
            *geo,
            "drd_mean_delay_delayed_days",
            round(days / after, 2) if after else None,
            "days, among the delayed",
            period,
            basis,
        ],
    ]


def _pathway_rows(geo: tuple[str, str, str, str], totals: dict[str, float], basis: str) -> list[list[object]]:
    """Shares of the pathway totals, rounded as ``flow_defaults.csv`` rounds them (P0 takes the rounding)."""
    whole = sum(totals.values())
    if whole <= 0:
        return []
    later = {p: round(totals[p] / whole, 4) for p in PATHWAYS[1:]}
    shares = {PATHWAYS[0]: round(1.0 - sum(later.values()), 4), **later}
    return [
        [*geo, f"p{k}_share", shares[p], "share of discharges", "June 2024 – March 2025", basis]
        for k, p in enumerate(PATHWAYS)
    ]


def _area_rows(src: Sources, m: AreaMetrics) -> list[list[object]]:
    geo = ("area", m.code, src.name(m.code), str(src.areas.at[m.code, "region"]))
    rows = _drd_rows(geo, m.drd, f"{m.counted_months} counted months", "the area's residents, counted months only")
    rows += _pathway_rows(geo, m.pathways, "trusts weighted by the area's catchment share")
    rows.append(
        [*geo, "ascof_care_home_65plus_per_100k", m.ascof_rate, "per 100,000 aged 65+", m.ascof_fy, "published (ASCOF)"]
    )
    rows.append(
        [
            *geo,
            "emergency_admissions_per_1000",
            round(m.admissions / m.residents * 1000, 1),
            "a year per 1,000 residents (ESTIMATE)",
            "2024-25",
            "ICB HES × population share",
        ]
    )
    return rows


def _ascof_published(src: Sources, level: str, code: str, fy: str) -> float | None:
    ascof = src.frames["ascof_by_council.csv"]
    hit = ascof[
        (ascof["geography_level"] == level)
        & (ascof["ons_code"] == code)
        & (ascof["year"] == fy)
        & (ascof["measure"] == "care_home_admissions_65plus_per_100k")
    ]
    return None if hit.empty else float(hit["value"].iloc[0])


def _summed_rows(src: Sources, geo: tuple[str, str, str, str], group: list[AreaMetrics], fy: str) -> list[list[object]]:
    """A region's figures: DRD and pathways summed over its built areas; ASCOF published; admissions summed."""
    basis = f"sum over the region's {len(group)} built areas"
    drd = {c: sum(m.drd[c] for m in group) for c in DRD_COUNTS}
    rows = _drd_rows(geo, drd, "each area's counted months", basis + " (counted months only)")
    rows += _pathway_rows(geo, {p: sum(m.pathways[p] for m in group) for p in PATHWAYS}, basis)
    rate = _ascof_published(src, "region", geo[1], fy)
    if rate is not None:
        rows.append([*geo, "ascof_care_home_65plus_per_100k", rate, "per 100,000 aged 65+", fy, "published (ASCOF)"])
    residents = sum(m.residents for m in group)
    rows.append(
        [
            *geo,
            "emergency_admissions_per_1000",
            round(sum(m.admissions for m in group) / residents * 1000, 1),
            "a year per 1,000 residents (ESTIMATE)",
            "2024-25",
            basis,
        ]
    )
    return rows


def _england_rows(src: Sources, fy: str) -> list[list[object]]:
    geo = ("england", "E92000001", "England", "")
    eng = src.frames["drd_england_monthly.csv"]
    year = eng[(eng["month"] >= DRD_YEAR[0]) & (eng["month"] <= DRD_YEAR[1])]
    drd = {c: float(year[c].sum()) if c in year else 0.0 for c in DRD_COUNTS}
    drd["discharged_on_drd"] = drd["discharges"] - drd["discharged_after_drd"]
    rows = _drd_rows(geo, drd, "12 months", "published, England (acceptable trusts)")
    pw = src.frames["acute_discharge_pathways_2024_25.csv"]
    totals = pw[pw["geography_level"] == "england"].groupby("pathway")["discharges"].sum()
    rows += _pathway_rows(geo, {p: float(totals.get(p, 0.0)) for p in PATHWAYS}, "published, England")
    rate = _ascof_published(src, "england", "E92000001", fy)
    if rate is not None:
        rows.append([*geo, "ascof_care_home_65plus_per_100k", rate, "per 100,000 aged 65+", fy, "published (ASCOF)"])
    hes = src.frames["hes_apc_emergency_2024_25.csv"]
    admissions = float(hes.loc[hes["geography_level"] == "england", "emergency_admissions"].sum())
    residents = float(src.census_total.sum())
    rows.append(
        [
            *geo,
            "emergency_admissions_per_1000",
            round(admissions / residents * 1000, 1),
            "a year per 1,000 residents",
            "2024-25",
            "published HES England ÷ Census 2021 residents",
        ]
    )
    return rows


NEAREST = 5  # areas in an area's "nearest areas" benchmark


def nearest_areas(metrics: list[AreaMetrics], k: int = NEAREST) -> dict[str, list[str]]:
    """Each area's ``k`` nearest built areas by size and age: Euclidean distance over z-scores of log residents and
    the shares aged 65+ and 85+ (ties broken by code, so the answer never depends on the build order)."""
    if len(metrics) <= 1:
        return {m.code: [] for m in metrics}
    codes = [m.code for m in metrics]
    x = np.array([[np.log(m.residents), m.age[0], m.age[1]] for m in metrics], dtype=float)
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    out = {}
    for i, code in enumerate(codes):
        order = sorted((float(dist[i, j]), codes[j]) for j in range(len(codes)) if j != i)
        out[code] = [c for _, c in order[:k]]
    return out


def _nearest_rows(src: Sources, area_rows: pd.DataFrame, nearest: dict[str, list[str]]) -> list[list[object]]:
    """For each area, the median of its nearest areas' own figures on every measure."""
    rows: list[list[object]] = []
    by = area_rows.set_index(["code", "measure"])
    for code, peers in nearest.items():
        if not peers:
            continue
        names = ", ".join(src.name(c) for c in peers)
        geo = ("nearest", code, f"{len(peers)} nearest areas", str(src.areas.at[code, "region"]))
        for measure in area_rows["measure"].unique():
            values = [by.at[(c, measure), "value"] for c in peers if (c, measure) in by.index]
            values = [float(v) for v in values if pd.notna(v)]
            if values:
                unit = str(by.at[(peers[0], measure), "unit"]) if (peers[0], measure) in by.index else ""
                period = str(by.at[(peers[0], measure), "period"]) if (peers[0], measure) in by.index else ""
                if measure.startswith("drd_"):
                    period = "2024-25 (each area's counted months)"
                basis = f"median of the {len(peers)} areas most alike in size and age: {names}"
                rows.append([*geo, measure, round(float(np.median(values)), 4), unit, period, basis])
    return rows


def benchmark_table(src: Sources, metrics: list[AreaMetrics]) -> pd.DataFrame:
    """Every built area, its nearest areas, each region (of its built areas) and England on the same measures
    (``COLUMNS``)."""
    rows: list[list[object]] = []
    by_region: defaultdict[str, list[AreaMetrics]] = defaultdict(list)
    for m in metrics:
        rows += _area_rows(src, m)
        by_region[str(src.areas.at[m.code, "region"])].append(m)
    rows += _nearest_rows(src, pd.DataFrame(rows, columns=COLUMNS), nearest_areas(metrics))
    fy = max((m.ascof_fy for m in metrics), default="2023-24")
    codes = src.areas.drop_duplicates("region").set_index("region")["region_code"]
    for region, group in sorted(by_region.items()):
        rows += _summed_rows(src, ("region", str(codes[region]), region, region), group, fy)
    rows += _england_rows(src, fy)
    return pd.DataFrame(rows, columns=COLUMNS)
