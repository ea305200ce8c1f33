"""Reconciliation: where a source has both areas and England, the areas must add up to the published England total.

Each check is one row of ``reconciliation.csv``: the source, what is summed, the total of the areas (or ICBs,
trusts), the published England total, the difference and whether it is within the stated tolerance. The
tolerances and the known differences are those the data folder's README.md documents (and ``docs/areas.md``):

- DRD: the 153 resident areas hold 93.6 – 97.3% of England's discharges each month (the rest: unknown or
  non-English residence), so each month must lie between :data:`DRD_AREA_SHARE` of England; the 42 ICBs (of
  provider) sum to England exactly;
- ASCOF care-home admissions 65+: the rates of the councils with a 2023 code, weighted by their Census 2021
  65+ population, within 1% of England's published rate each year (measured: within 0.52%);
- population: the areas sum to ONS's published England totals within 0.001% (Census 2021: 8 persons short,
  disclosure control);
- BCF 2022-23: the HWB lines sum to the published total row within £1 a line (whole-pound rounding);
- Community Bed Audit: the ICBs sum to England's beds exactly; HES 2024-25: the ICBs of responsibility within
  1% of England (99.5%: rounding and suppression); the discharge sitrep 2024-25: providers and ICBs sum to
  England exactly for each pathway.

A failed check stops the build (:class:`ReconciliationFailure`), naming each difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from models.inputs.areas import OLDER_BANDS
from models.inputs.builder.sources import ENGLAND

DRD_AREA_SHARE = (0.90, 1.0)  # areas' share of England's DRD discharges a month (README: 93.6 – 97.3%)
ASCOF_TOLERANCE = 0.01  # relative: weighted council mean against the published England rate
POPULATION_TOLERANCE = 0.00001  # relative (0.001%)
HES_TOLERANCE = 0.01  # relative: ICBs of responsibility against England
#: ONS's published England totals (persons): Census 2021 (TS001) and the pre-Census mid-year estimates.
ENGLAND_POPULATION: dict[int, tuple[int, str]] = {
    2019: (56_286_961, "ONS mid-2019 population estimates (pre-Census-2021 vintage), England"),
    2020: (56_550_138, "ONS mid-2020 population estimates (pre-Census-2021 vintage), England"),
    2021: (56_490_048, "ONS Census 2021, usual residents, England"),
}


class ReconciliationFailure(Exception):
    """The areas of a source do not add up to the published England total: the build stops."""


@dataclass(frozen=True)
class Check:
    """One reconciliation check (one row of ``reconciliation.csv``)."""

    source: str
    measure: str
    period: str
    total_of_areas: float
    england_total: float
    tolerance: str
    passed: bool
    note: str = ""

    @property
    def difference(self) -> float:
        return self.total_of_areas - self.england_total

    def row(self) -> dict[str, object]:
        pct = self.difference / self.england_total * 100 if self.england_total else float("nan")
        return {
            "source": self.source,
            "measure": self.measure,
            "period": self.period,
            "total_of_areas": round(self.total_of_areas, 2),
            "england_total": round(self.england_total, 2),
            "difference": round(self.difference, 2),
            "difference_pct": round(pct, 3),
            "tolerance": self.tolerance,
            "result": "pass" if self.passed else "FAIL",
            "note": self.note,
        }

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.measure} ({self.period}): the areas add up to {self.total_of_areas:,.1f}, the "
            f"published England total is {self.england_total:,.1f} (difference {self.difference:+,.1f}; "
            f"tolerance {self.tolerance})"
        )


def _relative(source: str, measure: str, period: str, areas: float, england: float, tol: float, note: str) -> Check:
    ok = bool(england != 0 and abs(areas - england) <= tol * abs(england))
    return Check(source, measure, period, areas, england, f"±{tol:.3%}", ok, note)


def drd_checks(utla: pd.DataFrame, england: pd.DataFrame, icb: pd.DataFrame) -> list[Check]:
    """Discharge-ready-date discharges: areas a month between 90% and 100% of England; ICBs equal to England."""
    file = "drd_utla_monthly.csv"
    eng = england.set_index("month")
    months = sorted(utla["month"].unique())
    low, high = DRD_AREA_SHARE
    checks = []
    areas = utla.groupby("month")["discharges"].sum()
    for month in months:
        if month not in eng.index:
            raise ReconciliationFailure(f"drd_england_monthly.csv has no row for {month}, a month of {file}")
        share = areas[month] / eng.at[month, "discharges"]
        checks.append(
            Check(
                file,
                "discharges of the 153 resident areas",
                month,
                float(areas[month]),
                float(eng.at[month, "discharges"]),
                f"areas {low:.0%} – {high:.0%} of England",
                bool(low <= share <= high),
                f"{share:.1%} of England (the rest: unknown or non-English residence)",
            )
        )
    for col in ("discharges", "bed_days_after_drd"):
        total = float(icb.loc[icb["month"].isin(months), col].sum())
        published = float(eng.loc[months, col].sum())
        checks.append(
            Check(
                "drd_icb_monthly.csv",
                f"{col.replace('_', ' ')} of the 42 ICBs (of provider)",
                f"{months[0]} to {months[-1]}",
                total,
                published,
                "exact",
                total == published,
            )
        )
    return checks


def ascof_checks(ascof: pd.DataFrame, population: pd.DataFrame) -> list[Check]:
    """ASCOF care-home admissions 65+: the 65+-weighted mean of council rates against England's, each year."""
    measure = "care_home_admissions_65plus_per_100k"
    rates = ascof[ascof["measure"] == measure]
    census = population[(population["year"] == 2021) & population["age_band"].isin(OLDER_BANDS)]
    weight = census.groupby("utla_code")["population"].sum()
    checks = []
    for year, rows in rates.groupby("year"):
        councils = rows[(rows["geography_level"] == "council") & rows["value"].notna()]
        w = councils["hwb_code_2023"].map(weight)
        england = rows.loc[rows["geography_level"] == "england", "value"]
        if england.empty or w.isna().all():
            raise ReconciliationFailure(f"ascof_by_council.csv has no England rate or no council rates for {year}")
        mean = float((councils["value"] * w).sum() / w.sum())
        checks.append(
            _relative(
                "ascof_by_council.csv",
                "care-home admissions 65+ per 100,000 (council rates weighted by Census 2021 65+ population)",
                str(year),
                mean,
                float(england.iloc[0]),
                ASCOF_TOLERANCE,
                f"{len(councils)} councils with a 2023 code",
            )
        )
    return checks


def population_checks(population: pd.DataFrame) -> list[Check]:
    """Residents: the 153 areas against ONS's published England totals, each year in the file."""
    checks = []
    for year, rows in population.groupby("year"):
        if int(year) not in ENGLAND_POPULATION:
            raise ReconciliationFailure(f"population_utla_age.csv: no published England total is known for {year}")
        published, title = ENGLAND_POPULATION[int(year)]
        total = float(rows["population"].sum())
        checks.append(
            _relative(
                "population_utla_age.csv",
                "residents, all ages",
                str(int(year)),
                total,
                published,
                POPULATION_TOLERANCE,
                title,
            )
        )
    return checks


def other_checks(frames: dict[str, pd.DataFrame]) -> list[Check]:
    """BCF spend, Community Bed Audit, HES and the discharge sitrep pathways against their England rows."""
    checks = []
    bcf = frames["bcf_spend_hwb.csv"]
    lines = bcf[bcf["hwb_code"] != ENGLAND]
    total_row = bcf[bcf["hwb_code"] == ENGLAND]
    for col, what in (
        ("bed_based_intermediate_care_gbp", "bed-based intermediate care, £"),
        ("reablement_own_home_gbp", "reablement in a person's own home, £"),
    ):
        if total_row.empty:
            raise ReconciliationFailure("bcf_spend_hwb.csv has no England total row (E92000001)")
        areas, published = float(lines[col].sum()), float(total_row[col].iloc[0])
        n = int(lines[col].notna().sum())
        checks.append(
            Check(
                "bcf_spend_hwb.csv",
                what,
                "2022-23",
                areas,
                published,
                f"±£{n} (£1 a line)",
                abs(areas - published) <= n,
            )
        )
    beds = frames["community_beds_icb.csv"]
    total = beds[(beds["dimension"] == "total") & (beds["category"] == "all_beds")]
    icbs, eng = total.loc[total["geography_level"] == "icb", "beds"].sum(), total.loc[total["code"] == ENGLAND, "beds"]
    checks.append(
        Check(
            "community_beds_icb.csv",
            "beds, all purposes (42 ICBs)",
            "4 March 2026",
            float(icbs),
            float(eng.sum()),
            "exact",
            not eng.empty and float(icbs) == float(eng.sum()),
        )
    )
    hes = frames["hes_apc_emergency_2024_25.csv"]
    icb_sum = float(hes.loc[hes["geography_level"] == "icb_of_responsibility", "emergency_admissions"].sum())
    eng_hes = float(hes.loc[hes["geography_level"] == "england", "emergency_admissions"].sum())
    checks.append(
        _relative(
            "hes_apc_emergency_2024_25.csv",
            "emergency admissions (ICBs of responsibility)",
            "2024-25",
            icb_sum,
            eng_hes,
            HES_TOLERANCE,
            "rounding and suppression (README: 99.5%)",
        )
    )
    pw = frames["acute_discharge_pathways_2024_25.csv"]
    sums = pw.groupby(["geography_level", "pathway"])["discharges"].sum()
    for level in ("provider", "icb"):
        for pathway in sorted(pw["pathway"].unique()):
            got, want = float(sums.get((level, pathway), 0.0)), float(sums.get(("england", pathway), 0.0))
            checks.append(
                Check(
                    "acute_discharge_pathways_2024_25.csv",
                    f"{pathway} discharges ({level}s)",
                    "June 2024 – March 2025",
                    got,
                    want,
                    "exact",
                    got == want and want > 0,
                )
            )
    return checks


def reconcile(frames: dict[str, pd.DataFrame]) -> list[Check]:
    """Every check; :class:`ReconciliationFailure` naming each difference when any fails."""
    checks = drd_checks(
        frames["drd_utla_monthly.csv"], frames["drd_england_monthly.csv"], frames["drd_icb_monthly.csv"]
    )
    checks += ascof_checks(frames["ascof_by_council.csv"], frames["population_utla_age.csv"])
    checks += population_checks(frames["population_utla_age.csv"])
    checks += other_checks(frames)
    failed = [c for c in checks if not c.passed]
    if failed:
        raise ReconciliationFailure(
            "the areas do not add up to the published England totals:\n  " + "\n  ".join(map(str, failed))
        )
    return checks


def checks_table(checks: list[Check]) -> pd.DataFrame:
    """``reconciliation.csv``: one row per check."""
    return pd.DataFrame([c.row() for c in checks])
