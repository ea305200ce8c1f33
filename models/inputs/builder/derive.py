"""What each area's files hold, derived from the public sources (one function per figure family).

Every function returns its table (or figure) and the provenance of each figure it derived (:class:`Field`:
the public file, its publication, the period and how the figure was derived), or raises :class:`AreaProblem`
naming the file, row and problem; that area is then not built. Units: persons, discharges, days, % (0–100)
and shares (0–1) as each column says; money in £ a year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.inputs.areas import AGE_BANDS, OLDER_BANDS
from models.inputs.builder.sources import SOURCES

COVERAGE_FRACTION = 0.5  # a month counts when the area's discharges per 1,000 residents ≥ this × the median
MIN_COUNTED_MONTHS = 3  # fewer counted DRD months: the England figure is used (and said)
PATHWAYS = ("P0", "P1", "P2", "P3")
ASCOF_2C_FROM = "2023-24"  # the care-home measure is 2A(2) to 2022-23 and 2C from 2023-24
DRD_YEAR = ("2024-04-01", "2025-03-01")


class AreaProblem(Exception):
    """A fault in one area's figures (file, row, problem): the area is not built."""


@dataclass(frozen=True)
class Field:
    """Where one written figure comes from (one entry of ``provenance.json``)."""

    file: str  # the file written in the area folder
    field: str  # the figure: a parameter, a column, a year
    value: object
    source_file: str  # the public file read
    period: str
    derivation: str

    def record(self) -> dict[str, object]:
        specs = [SOURCES[f] for f in self.source_file.split(" + ") if f in SOURCES]
        return {
            "file": self.file,
            "field": self.field,
            "value": self.value,
            "source_file": self.source_file,
            "publication": " + ".join(s.publication for s in specs),
            "licence": " + ".join(dict.fromkeys(s.licence for s in specs)),
            "period": self.period,
            "derivation": self.derivation,
        }


class Sources:
    """The public tables indexed by area once, so that each area's figures are a look-up, not a scan."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.areas = frames["areas"].set_index("code")
        self.population = dict(tuple(frames["population_utla_age.csv"].groupby("utla_code")))
        ascof = frames["ascof_by_council.csv"]
        self.ascof = dict(tuple(ascof[ascof["geography_level"] == "council"].groupby("hwb_code_2023")))
        self.ascof_england = ascof[ascof["geography_level"] == "england"]
        drd = frames["drd_utla_monthly.csv"]
        self.drd = dict(tuple(drd[(drd["month"] >= DRD_YEAR[0]) & (drd["month"] <= DRD_YEAR[1])].groupby("utla_code")))
        bands = frames["drd_bands_2024_25.csv"]
        self.bands = dict(tuple(bands[bands["geography_level"] == "utla"].groupby("code")))
        self.icbs = dict(tuple(frames["utla_icb_lookup.csv"].groupby("utla_code")))
        self.catchment = dict(tuple(frames["trust_catchment_utla.csv"].groupby("utla_code")))
        self.bcf = frames["bcf_spend_hwb.csv"].set_index("hwb_code")
        census = frames["population_utla_age.csv"]
        census = census[census["year"] == 2021]
        self.census_total = census.groupby("utla_code")["population"].sum()
        self.census_18plus = census[census["age_band"] != "0-17"].groupby("utla_code")["population"].sum()
        rate = drd["discharges"] / drd["utla_code"].map(self.census_total) * 1000
        self.median_rate = float(np.nanmedian(rate))  # discharges per 1,000 residents a month, all area-months
        self.pathways = _provider_pathways(frames["acute_discharge_pathways_2024_25.csv"])
        self.icb_population = _icb_population(frames["utla_icb_lookup.csv"], self.census_total)

    def name(self, code: str) -> str:
        return str(self.areas.at[code, "name"])


def _provider_pathways(frame: pd.DataFrame) -> pd.DataFrame:
    """Discharges by provider (rows) and pathway P0–P3 (columns), June 2024 – March 2025."""
    rows = frame[frame["geography_level"] == "provider"]
    return rows.pivot_table(index="code", columns="pathway", values="discharges", aggfunc="sum").reindex(
        columns=list(PATHWAYS), fill_value=0.0
    )


def _icb_population(lookup: pd.DataFrame, census: pd.Series) -> pd.Series:
    """Census 2021 residents of each ICB (ODS code): Σ over its areas of residents × the area's LSOA share in it."""
    people = lookup["utla_code"].map(census) * lookup["share_of_utla_lsoas"]
    return people.groupby(lookup["icb_ods_code"]).sum()


def missing_area(file: str, code: str, src: Sources) -> AreaProblem:
    """The problem of an area with no rows in ``file`` (every area must be in every source)."""
    return AreaProblem(f"{file}: no rows for {code} ({src.name(code)}); every area must be in every source")


def population(src: Sources, code: str) -> tuple[pd.DataFrame, list[Field]]:
    """Residents by year and age band: the mid-2019 and mid-2020 estimates and the Census 2021 base (persons)."""
    file = "population_utla_age.csv"
    rows = src.population.get(code)
    if rows is None:
        raise missing_area(file, code, src)
    fields = []
    for year, group in rows.groupby("year"):
        missing = sorted(set(AGE_BANDS) - set(group["age_band"]))
        extra = sorted(set(group["age_band"]) - set(AGE_BANDS))
        blank = group[group["population"].isna()]
        if missing or extra or len(blank):
            what = f"no row for age band(s) {', '.join(missing)}" if missing else ""
            what = what or (f"unknown age band {extra[0]!r}" if extra else f"row {blank['_row'].iloc[0]} is blank")
            raise AreaProblem(f"{file}: {code} ({src.name(code)}), year {int(year)}: {what}")
        kind = group["source"].iloc[0]
        label = "Census 2021 (21 March 2021)" if kind == "census_2021" else f"mid-{int(year)} estimate (pre-Census)"
        fields.append(
            Field(
                "population.csv",
                f"population {int(year)}, all five bands",
                int(group["population"].sum()),
                file,
                label,
                "districts summed to the area (lad_to_utla.csv) and single years to the five bands",
            )
        )
    table = rows[["year", "age_band", "population"]].copy()
    table["year"] = table["year"].astype(int)
    table["population"] = table["population"].astype(int)
    table["order"] = table["age_band"].map({b: i for i, b in enumerate(AGE_BANDS)})
    return table.sort_values(["year", "order"]).drop(columns="order").reset_index(drop=True), fields


def ascof_history(src: Sources, code: str) -> tuple[pd.DataFrame, list[Field]]:
    """Permanent care-home admissions 65+ per 100,000 aged 65+, each year published (ASCOF 2A(2), then 2C)."""
    file = "ascof_by_council.csv"
    rows = src.ascof.get(code)
    if rows is not None:
        rows = rows[(rows["measure"] == "care_home_admissions_65plus_per_100k") & rows["value"].notna()]
    if rows is None or rows.empty:
        raise missing_area(file, code, src)
    rows = rows.sort_values("year")
    measure = np.where(rows["year"] >= ASCOF_2C_FROM, "ASCOF 2C", "ASCOF 2A(2)")
    table = pd.DataFrame(
        {
            "fy": rows["year"].to_numpy(),
            "measure": measure,
            "rate_per_100k": rows["value"].to_numpy(dtype=float),
            "source": [
                f"NHS England, ASCOF {fy} (council {c})" for fy, c in zip(rows["year"], rows["ons_code"], strict=True)
            ],
        }
    )
    fields = [
        Field(
            "history_ascof.csv",
            f"rate_per_100k {fy}",
            float(v),
            file,
            str(fy),
            f"{m}: permanent admissions of people aged 65+ to residential and nursing care per 100,000 aged 65+, "
            "as published (no numerator or denominator in the source)",
        )
        for fy, m, v in zip(table["fy"], table["measure"], table["rate_per_100k"], strict=True)
    ]
    return table, fields


def older_population(pop: pd.DataFrame, year: int) -> int:
    """Residents aged 65+ in ``year`` (persons)."""
    rows = pop[(pop["year"] == year) & pop["age_band"].isin(OLDER_BANDS)]
    return int(rows["population"].sum())


@dataclass(frozen=True)
class Drd:
    """An area's discharge-ready-date months with coverage flags and its 2024-25 figures."""

    months: pd.DataFrame  # history_drd.csv
    summary: pd.DataFrame  # drd_summary.csv: all months as published, and the counted months only
    counted: int  # months with acceptable coverage
    counted_sums: dict[str, float]  # discharges, discharged_on_drd, discharged_after_drd, bed_days_after_drd


def _drd_checks(rows: pd.DataFrame, src: Sources, code: str) -> None:
    """The area's DRD rows are whole and add up (12 months; on + after = discharges; bands = months)."""
    file = "drd_utla_monthly.csv"
    months = pd.date_range(DRD_YEAR[0], DRD_YEAR[1], freq="MS").strftime("%Y-%m-%d")
    missing = sorted(set(months) - set(rows["month"]))
    if missing:
        raise AreaProblem(f"{file}: {code} ({src.name(code)}) has no row for {', '.join(missing[:3])}")
    blank = rows[
        rows[["discharges", "discharged_on_drd", "discharged_after_drd", "bed_days_after_drd"]].isna().any(axis=1)
    ]
    if len(blank):
        raise AreaProblem(f"{file}, row {blank['_row'].iloc[0]}: a count is blank for {code} ({src.name(code)})")
    off = rows[rows["discharged_on_drd"] + rows["discharged_after_drd"] != rows["discharges"]]
    if len(off):
        r = off.iloc[0]
        raise AreaProblem(
            f"{file}, row {r['_row']}: discharged on the ready date ({r['discharged_on_drd']:,.0f}) + after it "
            f"({r['discharged_after_drd']:,.0f}) is not the discharges ({r['discharges']:,.0f})"
        )
    bands = src.bands.get(code)
    if bands is None:
        raise missing_area("drd_bands_2024_25.csv", code, src)
    for col in ("discharges", "bed_days_after_drd"):
        annual, banded = float(rows[col].sum()), float(bands[col].sum())
        if annual != banded:
            raise AreaProblem(
                f"drd_bands_2024_25.csv, rows {bands['_row'].min()}–{bands['_row'].max()}: {col.replace('_', ' ')} "
                f"of {code} ({src.name(code)}) add up to {banded:,.0f}, but its months in {file} to {annual:,.0f} "
                f"(difference {banded - annual:+,.0f}): the totals do not reconcile"
            )


def _coverage(rows: pd.DataFrame, src: Sources, code: str) -> tuple[np.ndarray, list[str]]:
    """Which months count: discharges per 1,000 residents at least half the median of all area-months.

    NHS England counts only trusts meeting its monthly acceptance criteria, and publishes no coverage % by area;
    this proxy (the data folder's README.md) finds the months in which an area's main trust is missing.
    """
    rate = rows["discharges"].to_numpy(dtype=float) / float(src.census_total[code]) * 1000
    threshold = COVERAGE_FRACTION * src.median_rate
    ok = rate >= threshold
    flagged = rows["low_coverage_flag"].to_numpy(dtype=float) == 1
    disagree = np.flatnonzero(ok == flagged)
    if len(disagree):
        r = rows.iloc[disagree[0]]
        raise AreaProblem(
            f"drd_utla_monthly.csv, row {r['_row']}: low_coverage_flag is {r['low_coverage_flag']:.0f} but "
            f"{rate[disagree[0]]:.2f} discharges per 1,000 residents is {'below' if not ok[disagree[0]] else 'at or above'}"
            f" half the median ({threshold:.2f}): the coverage flag does not match the figures"
        )
    reasons = [
        "counted"
        if k
        else f"low coverage: {x:.2f} discharges per 1,000 residents, below half the median of all "
        f"areas ({threshold:.2f}): the area's main trust probably did not meet NHS England's acceptance criteria"
        for k, x in zip(ok, rate, strict=True)
    ]
    return ok, reasons


def _drd_line(rows: pd.DataFrame, basis: str) -> dict[str, object]:
    n, on, after, days = (
        float(rows[c].sum()) for c in ("discharges", "discharged_on_drd", "discharged_after_drd", "bed_days_after_drd")
    )
    return {
        "basis": basis,
        "months": len(rows),
        "discharges": int(n),
        "pct_on_ready_date": round(on / n * 100, 2) if n else None,
        "pct_delayed": round(after / n * 100, 2) if n else None,
        "mean_delay_delayed_days": round(days / after, 2) if after else None,
        "average_delay_all_days": round(days / n, 3) if n else None,
    }


def drd(src: Sources, code: str) -> Drd:
    """Monthly DRD figures with coverage flags, and the 2024-25 figures over all months and counted months."""
    rows = src.drd.get(code)
    if rows is None:
        raise missing_area("drd_utla_monthly.csv", code, src)
    rows = rows.sort_values("month")
    _drd_checks(rows, src, code)
    ok, reasons = _coverage(rows, src, code)
    n = rows["discharges"].to_numpy(dtype=float)
    after = rows["discharged_after_drd"].to_numpy(dtype=float)
    days = rows["bed_days_after_drd"].to_numpy(dtype=float)
    months = pd.DataFrame(
        {
            "month": rows["month"].to_numpy(),
            "discharges": n.astype(int),
            "pct_on_ready_date": np.round(rows["discharged_on_drd"].to_numpy(dtype=float) / n * 100, 2),
            "mean_delay_delayed_days": np.round(
                np.divide(days, after, out=np.full_like(days, np.nan), where=after > 0), 2
            ),
            "average_delay_all_days": np.round(days / n, 3),
            "discharges_per_1000_pop": np.round(n / float(src.census_total[code]) * 1000, 3),
            "coverage": np.where(ok, "counted", "low coverage"),
            "coverage_reason": reasons,
        }
    )
    summary = pd.DataFrame(
        [
            _drd_line(rows, "all months, as published (low-coverage months included)"),
            _drd_line(rows[ok], "counted months only (acceptable coverage)"),
        ]
    )
    sums = {
        c: float(rows.loc[ok, c].sum())
        for c in ("discharges", "discharged_on_drd", "discharged_after_drd", "bed_days_after_drd")
    }
    return Drd(months, summary, int(ok.sum()), sums)
