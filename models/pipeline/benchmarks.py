"""A real area against its region and England, on the core metrics and the discharge pathways (docs/areas.md).

The figures are the builder's ``benchmarks.csv`` (with the median of the five areas most alike in size and age) (published data, see ``AreaData.extras["benchmarks"]``): the
discharge-ready-date delay of the area's residents (counted months only: a month in which the area's main trust
did not meet NHS England's acceptance criteria is left out, never averaged in), ASCOF care-home admissions 65+
and the pathway shares. Emergency admissions 65+ per 100,000 are not published by area; the nearest published
figure, all-age emergency admissions per 1,000 residents, stands beside that metric and is labelled an estimate.
"""

from __future__ import annotations

import math

import pandas as pd

from models.inputs.areas import AreaData

# core metric (or pathway) -> (the benchmarks.csv measure, how to show a value)
MEASURES: dict[str, tuple[str, str]] = {
    "delay": ("drd_average_delay_all_days", "{:.2f} days"),
    "ascof2c": ("ascof_care_home_65plus_per_100k", "{:,.0f}"),
    "nea65": ("emergency_admissions_per_1000", "{:,.0f} per 1,000 residents (all ages)"),
    "p0": ("p0_share", "{:.1%}"),
    "p1": ("p1_share", "{:.1%}"),
    "p2": ("p2_share", "{:.1%}"),
    "p3": ("p3_share", "{:.1%}"),
}
PATHWAYS = ("p0", "p1", "p2", "p3")


def benchmark_table(area: AreaData) -> pd.DataFrame:
    """One row per measure: ``key``, ``measure``, ``area``, ``nearest`` (the median of the areas most alike in size
    and age), ``region``, ``england`` (values), ``unit``, ``period``, ``basis`` (the area's), ``nearest_areas`` (who
    they are). Empty for an area without published benchmarks (the demo, an upload)."""
    bench = area.extras.get("benchmarks")
    cols = ["key", "measure", "area", "nearest", "region", "england", "unit", "period", "basis", "nearest_areas"]
    if bench is None or bench.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for key, (measure, _) in MEASURES.items():
        hit = bench[bench["measure"] == measure]
        by = {lvl: hit[hit["geography_level"] == lvl] for lvl in ("area", "nearest", "region", "england")}
        mine = by["area"]
        rows.append(
            {
                "key": key,
                "measure": measure,
                **{lvl: float(f["value"].iloc[0]) if len(f) else math.nan for lvl, f in by.items()},
                "unit": str(mine["unit"].iloc[0]) if len(mine) else "",
                "period": str(mine["period"].iloc[0]) if len(mine) else "",
                "basis": str(mine["basis"].iloc[0]) if len(mine) else "",
                "nearest_areas": str(by["nearest"]["basis"].iloc[0]).split(": ", 1)[-1] if len(by["nearest"]) else "",
            }
        )
    return pd.DataFrame(rows, columns=cols)


def benchmark_line(area: AreaData, key: str) -> str:
    """One line for beside a metric, e.g. "Harrow 0.23 days · London 0.63 days · England 0.82 days (2024-25 (7
    counted months))"; "" when the area has no benchmarks."""
    table = benchmark_table(area)
    hit = table[table["key"] == key]
    if hit.empty:
        return ""
    r = hit.iloc[0]
    fmt = MEASURES[key][1]
    parts = [
        f"{who} {fmt.format(r[lvl])}"
        for who, lvl in (
            (area.meta.name, "area"),
            ("nearest areas", "nearest"),
            (area.meta.region or "Region", "region"),
            ("England", "england"),
        )
        if pd.notna(r[lvl])
    ]
    text = " · ".join(parts) + (f" ({r['period']})" if r["period"] else "")
    if key == "nea65":
        text = "Published nearest: emergency admissions, all ages (an ESTIMATE for the area): " + text
    if key == "delay" and "counted" in str(r["period"]):
        text += "; low-coverage months left out"
    return text


def audit_beds_note(area: AreaData) -> str:
    """A real area's NHS community rehabilitation beds (Community Bed Audit, its share of its ICB's), to set beside
    the modelled step-down capacity; "" when the area has none recorded."""
    value = area.flow_defaults.get("p2_audit_beds")
    if value is None:
        return ""
    return (
        f" For reference, NHS England's Community Bed Audit (4 March 2026) gives the area's share of its ICB's "
        f"post-hospital rehabilitation beds as {float(value):,.1f}; the modelled step-down capacity also counts "
        "council-commissioned and care-home step-down beds, which the audit does not."
    )


#: A real area's provenance table (``AreaData.extras["provenance"]``): column -> heading, for the page and the pack.
PROVENANCE_COLUMNS: dict[str, str] = {
    "file": "File",
    "field": "Figure",
    "value": "Value",
    "publication": "Source",
    "period": "Period",
    "derivation": "How it was derived",
    "licence": "Licence",
}


def low_coverage_months(area: AreaData) -> list[str]:
    """The discharge-ready-date months flagged low coverage (left out of the area's figures), e.g. "Oct 2024"."""
    drd = area.extras.get("history_drd")
    if drd is None or drd.empty:
        return []
    low = drd[drd["coverage"].astype(str) != "counted"]
    return [f"{m:%b %Y}" for m in pd.to_datetime(low["month"])]
