"""Generate the embedded demo area (Harrow) as synthetic, calibrated CSV/JSON files.

The series are **synthetic**: they are drawn from a seeded model and then
calibrated so that every published Harrow figure in ``docs/sources.md``
is reproduced exactly in financial-year (April–March) totals:

* chronic ACS admissions 2,030 (2019-20), 1,250 (2020-21) and 1,728 for
  April 2021 – February 2022 (seed 003);
* permanent admissions to care homes, 65+: 182 (2016-17), 169 (2017-18),
  181 (2020-21), 197 (2021-22) (seeds 002, 003);
* residents 261,300 in mid-2021 (Census 2021) with 16.1% aged 65+ (seed 003);
* the 2021-22 pooled-fund lines (£25,317,782; seed 003).

Between the anchors the series follow stated, illustrative assumptions: an
age profile of admission rates (older bands 4–8× the working-age rate),
±3% monthly seasonality, a COVID-19 collapse in spring 2020 (April 2020 is
exactly 39% below April 2019), partial recovery to a level ≈8% below the
pre-pandemic trend, and Poisson noise.

Run ``python scripts/make_demo_data.py`` (optionally ``--out DIR --seed N``);
the output is byte-identical for the same seed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20220726  # date of the Harrow HWB papers (seed 003)
AGE_BANDS = ("0-17", "18-64", "65-74", "75-84", "85+")
FIRST_MONTH = "2015-04-01"
LAST_MONTH = "2025-03-01"
POP_YEARS = range(2015, 2025)

# --- population ------------------------------------------------------------
# Mid-2021 by band: total 261,300 (Census 2021) and 65+ 42,069 = 16.1% (seed 003).
# The split within 0-64 and within 65+ is an illustrative assumption.
POP_2021 = {"0-17": 58_790, "18-64": 160_441, "65-74": 21_900, "75-84": 13_800, "85+": 6_369}
# Historic annual growth by band, % (illustrative; total ≈ +0.9%/yr, i.e. +9.3% 2011-21).
HIST_GROWTH = {"0-17": 0.5, "18-64": 0.6, "65-74": 2.0, "75-84": 2.2, "85+": 3.0}

# Future growth variants, % a year (illustrative assumption informed by seed 003:
# 65+ about +22% by 2025, and the borough plan: older people +27% to 2030).
GROWTH_VARIANTS = {
    "low": {"0-17": -0.2, "18-64": 0.1, "65-74": 1.5, "75-84": 2.0, "85+": 2.5},
    "principal": {"0-17": 0.2, "18-64": 0.5, "65-74": 2.3, "75-84": 3.0, "85+": 3.6},
    "high": {"0-17": 0.6, "18-64": 0.9, "65-74": 3.0, "75-84": 3.8, "85+": 4.6},
}

# Age profile of emergency admission rates per 1,000 residents a year
# (illustrative assumption shaped like the national HES profile: 65-74 ≈ 4×,
# 75-84 ≈ 6.4×, 85+ ≈ 8× the working-age rate).
NEA_PER_1000 = {"0-17": 55.0, "18-64": 45.0, "65-74": 180.0, "75-84": 290.0, "85+": 360.0}
ACS_PER_1000 = {"0-17": 3.0, "18-64": 4.0, "65-74": 17.0, "75-84": 35.0, "85+": 62.0}

# Monthly seasonal multipliers, April..March: ±3% (docs/sources.md#national-metrics-and-winter).
SEASON_NEA = np.array([0.99, 1.00, 0.98, 1.00, 0.97, 0.98, 1.00, 1.01, 1.03, 1.03, 0.99, 1.02])
SEASON_ACS = np.array([0.97, 0.97, 0.95, 0.96, 0.93, 0.97, 1.01, 1.04, 1.08, 1.09, 1.02, 1.01])
# COVID-19 disruption relative to trend, Apr 2020 .. Mar 2022 (illustrative;
# April 2020 is then forced to exactly -39% on April 2019, NHS England).
COVID = [
    0.61,
    0.72,
    0.82,
    0.88,
    0.90,
    0.92,
    0.91,
    0.87,
    0.88,
    0.80,
    0.85,
    0.91,
    0.92,
    0.92,
    0.92,
    0.92,
    0.92,
    0.92,
    0.92,
    0.91,
    0.90,
    0.91,
    0.92,
    0.92,
]
POST_COVID_LEVEL = 0.92  # ≈8.6% below pre-pandemic (NHS England, Oct 2021–Sep 2022)
TREND_PER_YEAR = 0.008  # non-demographic growth before 2020 (illustrative)

ACS_ANCHORS = [
    ("2019-04-01", "2020-03-01", 2030),
    ("2020-04-01", "2021-03-01", 1250),
    ("2021-04-01", "2022-02-01", 1728),
]
PLACEMENT_ANCHORS = {2016: 182, 2017: 169, 2020: 181, 2021: 197}  # FY start year -> count
# Other years: illustrative, near the anchors (rate per 100k 65+ drifting down).
PLACEMENT_OTHER = {2015: 188, 2018: 176, 2019: 178, 2022: 189, 2023: 184, 2024: 186}
PLACEMENT_SEASON = np.array([1.0, 1.0, 0.95, 0.95, 0.9, 0.95, 1.0, 1.05, 1.05, 1.1, 1.05, 1.0])


def _fy_start(month: pd.Timestamp) -> int:
    """Financial year start (April) for a month."""
    return month.year if month.month >= 4 else month.year - 1


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights, exactly (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    short = total - out.sum()
    order = np.argsort(-(raw - out), kind="stable")
    out[order[:short]] += 1
    return out


def make_population() -> pd.DataFrame:
    rows = []
    for band in AGE_BANDS:
        for year in POP_YEARS:
            value = POP_2021[band] * (1 + HIST_GROWTH[band] / 100) ** (year - 2021)
            rows.append({"year": year, "age_band": band, "population": int(round(value))})
    return pd.DataFrame(rows)


def _expected_by_month(pop: pd.DataFrame, rates: dict[str, float], months: pd.DatetimeIndex) -> np.ndarray:
    """Expected admissions a month from the age profile, population interpolated mid-year."""
    wide = pop.pivot(index="year", columns="age_band", values="population")
    annual = sum(wide[b] * rates[b] / 1000 for b in AGE_BANDS)  # admissions a year
    t_years = annual.index.to_numpy() + 0.5  # mid-year, July 1
    t_months = np.asarray(months.year + (months.month - 0.5) / 12, dtype=float)
    # Linear in time; beyond the last mid-year point, extend the last year's change.
    slope = annual.iloc[-1] - annual.iloc[-2]
    tail = annual.iloc[-1] + slope * np.maximum(t_months - t_years[-1], 0)
    inside = np.interp(t_months, t_years, annual.to_numpy())
    return np.where(t_months > t_years[-1], tail, inside) / 12


def _shape(months: pd.DatetimeIndex, season: np.ndarray, covid_power: float) -> np.ndarray:
    """Multiplier for trend, season and COVID-19 disruption."""
    t = np.asarray((months.year - 2015) + (months.month - 4) / 12, dtype=float)
    mult = (1 + TREND_PER_YEAR) ** np.minimum(t, 5.0)
    mult = mult * season[np.asarray((months.month - 4) % 12)]
    covid_start = pd.Timestamp("2020-04-01")
    for i, m in enumerate(months):
        k = (m.year - covid_start.year) * 12 + (m.month - covid_start.month)
        if 0 <= k < len(COVID):
            mult[i] *= COVID[k] ** covid_power
        elif k >= len(COVID):
            mult[i] *= POST_COVID_LEVEL**covid_power * (1 + 0.004 * (k - len(COVID)) / 12)
    return mult


def make_admissions(pop: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    months = pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")
    nea_mu = _expected_by_month(pop, NEA_PER_1000, months) * _shape(months, SEASON_NEA, 1.0)
    acs_mu = _expected_by_month(pop, ACS_PER_1000, months) * _shape(months, SEASON_ACS, 1.6)
    nea = rng.poisson(nea_mu).astype(int)
    acs = rng.poisson(acs_mu).astype(int)
    # April 2020 exactly 39% below April 2019 (NHS England statistics).
    i19, i20 = months.get_loc(pd.Timestamp("2019-04-01")), months.get_loc(pd.Timestamp("2020-04-01"))
    nea[i20] = int(round(nea[i19] * 0.61))
    # ACS anchors reproduced exactly, keeping the within-window monthly shape.
    for start, end, total in ACS_ANCHORS:
        mask = (months >= start) & (months <= end)
        acs[mask] = allocate(total, acs[mask].astype(float))
    return pd.DataFrame({"month": months.strftime("%Y-%m-%d"), "nea": nea, "acs": acs})


OLDER_STREAM = 65  # the 65+ series draws from its own stream, so adding it changed no other series
# Illustrative assumption: the recorded 65+ share sits 3% above the age-band estimate, so the app's calibration of
# the share to recorded figures has something to find (docs/data.md#emergency-admissions-65).
OLDER_SHARE_UPLIFT = 1.03


def with_older(adm: pd.DataFrame, pop: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Add ``nea_65plus``: each month's all-age admissions thinned by the 65+ share of the age-band rates."""
    months = pd.DatetimeIndex(adm["month"])
    older_rates = {b: (NEA_PER_1000[b] if b in ("65-74", "75-84", "85+") else 0.0) for b in AGE_BANDS}
    share = _expected_by_month(pop, older_rates, months) / _expected_by_month(pop, NEA_PER_1000, months)
    rng = np.random.default_rng([seed, OLDER_STREAM])
    out = adm.copy()
    out["nea_65plus"] = rng.binomial(out["nea"].to_numpy(), np.clip(share * OLDER_SHARE_UPLIFT, 0.0, 1.0))
    return out


def make_placements(rng: np.random.Generator) -> pd.DataFrame:
    months = pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")
    totals = {**PLACEMENT_OTHER, **PLACEMENT_ANCHORS}
    counts = np.zeros(len(months), dtype=int)
    for fy, total in totals.items():
        mask = np.array([_fy_start(m) == fy for m in months])
        weights = rng.gamma(40.0, PLACEMENT_SEASON / 40.0)  # noisy seasonal weights
        counts[mask] = allocate(total, weights)
    return pd.DataFrame({"month": months.strftime("%Y-%m-%d"), "placements_65plus": counts})


def make_rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age_band": list(AGE_BANDS),
            "nea_per_1000": [NEA_PER_1000[b] for b in AGE_BANDS],
            "acs_per_1000": [ACS_PER_1000[b] for b in AGE_BANDS],
            "source": ["illustrative assumption: national HES age profile shape"] * len(AGE_BANDS),
        }
    )


def make_growth() -> pd.DataFrame:
    rows = [
        {
            "variant": v,
            "age_band": b,
            "annual_growth_pct": g[b],
            "source": "illustrative assumption informed by seed 003 (65+ +22% by 2025) and borough plan (+27% to 2030)",
        }
        for v, g in GROWTH_VARIANTS.items()
        for b in AGE_BANDS
    ]
    return pd.DataFrame(rows)


def make_schemes() -> pd.DataFrame:
    """The 2021-22 pooled fund as schemes (lines and totals from seed 003).

    Every scheme's current budget is its 2021-22 line: the history the demand models are
    fitted on already reflects it, so the baseline is the current-funding trend. The split
    of the NHS-commissioned £10,329,723 across five schemes, the split of the two council
    lines between discharge capacity and placement avoidance, and every effect size are
    illustrative assumptions unless a seed is named. Discharge-capacity schemes buy
    capacity at the unit costs in unit_costs.csv (one cost basis per service) and carry no
    typed-in effect: the flow simulation says what the capacity avoids.
    """
    s = "seed 003 (2021-22 BCF year-end)"
    rows = [
        # name, source, lead, budget, metric, low, central, high, ramp, saturation, note
        (
            "STARRS intermediate care",
            "NHS minimum contribution",
            "ICB",
            3_400_000,
            "nea",
            1_000,
            1_700,
            2_500,
            3,
            1.5,
            "Effect: avoids 1,700 NEAs a year at baseline funding (seed 001, 2013-14); budget split illustrative",
        ),
        (
            "Home First and supported discharge",
            "NHS minimum contribution",
            "ICB",
            2_100_000,
            "p1_capacity",
            0,
            0,
            0,
            2,
            1.5,
            "Home First (seed 003); buys P1 starts at the unit cost per start; budget split illustrative",
        ),
        (
            "Community rehab (step-down) beds",
            "NHS minimum contribution",
            "ICB",
            1_900_000,
            "p2_capacity",
            0,
            0,
            0,
            3,
            1.0,
            "Community rehab beds (seed 001); buys P2 beds at the unit cost per bed day; budget split illustrative",
        ),
        (
            "ICE high-risk cohorts",
            "NHS minimum contribution",
            "ICB",
            1_000_000,
            "nea",
            200,
            417,
            520,
            6,
            1.0,
            "£250k saving a year per 25-person cohort, 4 cohorts (seed 001) ÷ £2,400 per NEA (NAO)",
        ),
        (
            "Community services and carers",
            "NHS minimum contribution",
            "ICB",
            1_929_723,
            "acs",
            50,
            150,
            250,
            6,
            1.5,
            "Illustrative assumption",
        ),
        (
            "Protection of adult social care: home care after discharge",
            "NHS minimum contribution",
            "Council",
            1_500_000,
            "p1_capacity",
            0,
            0,
            0,
            3,
            1.5,
            "Line total: " + s + "; split between home care and prevention illustrative",
        ),
        (
            "Protection of adult social care: prevention and community support",
            "NHS minimum contribution",
            "Council",
            5_299_326,
            "placements",
            4,
            12,
            24,
            6,
            2.0,
            "Line total: " + s + "; split and effect illustrative assumptions",
        ),
        (
            "Improved BCF: interim care-home beds for discharge",
            "iBCF",
            "Council",
            1_000_000,
            "p3_capacity",
            0,
            0,
            0,
            3,
            1.5,
            "Line total: " + s + "; buys P3 placements at the weekly cost × weeks funded; split illustrative",
        ),
        (
            "Improved BCF: market sustainability and home care",
            "iBCF",
            "Council",
            5_467_630,
            "placements",
            4,
            10,
            20,
            3,
            2.0,
            "Line total: " + s + "; split and effect illustrative assumptions",
        ),
        (
            "Disabled Facilities Grant",
            "DFG",
            "Council",
            1_721_553,
            "placements",
            0,
            4,
            8,
            12,
            1.0,
            "Budget: " + s + "; effect illustrative assumption",
        ),
    ]
    cols = [
        "name",
        "funding_source",
        "lead_partner",
        "budget_gbp",
        "metric",
        "effect_low",
        "effect_central",
        "effect_high",
        "ramp_months",
        "saturation",
        "source",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(3, "current_budget_gbp", df["budget_gbp"])  # today's funding = the 2021-22 lines
    # 2025-26 funding lines (docs/funding.md): each 2021-22 line is one source; the protection of adult social
    # care is NHS minimum contribution spent through council-led lines; the iBCF is now the LA BCF grant.
    line = {"NHS minimum contribution": "nhs_minimum", "iBCF": "la_bcf_grant", "DFG": "dfg"}
    for k in ("nhs_minimum", "la_bcf_grant", "dfg", "additional_nhs", "additional_council"):
        amount = df["budget_gbp"].where(df["funding_source"].map(line) == k, 0)
        df.insert(df.columns.get_loc("metric"), f"{k}_gbp", amount)
    types = {  # service types of the 2025-27 returns (paraphrased) and step tags: illustrative readings of the names
        "STARRS intermediate care": ("urgent_community_response", "step-up"),
        "Home First and supported discharge": ("home_based_ic", "step-down"),
        "Community rehab (step-down) beds": ("bed_based_ic", "step-down"),
        "ICE high-risk cohorts": ("care_coordination", "n/a"),
        "Community services and carers": ("carers", "n/a"),
        "Protection of adult social care: home care after discharge": ("home_care", "step-down"),
        "Protection of adult social care: prevention and community support": ("home_care", "n/a"),
        "Improved BCF: interim care-home beds for discharge": ("short_term_residential", "step-down"),
        "Improved BCF: market sustainability and home care": ("home_care", "n/a"),
        "Disabled Facilities Grant": ("dfg_adaptations", "n/a"),
    }
    df.insert(df.columns.get_loc("metric"), "scheme_type", df["name"].map(lambda n: types[n][0]))
    df.insert(df.columns.get_loc("metric"), "step", df["name"].map(lambda n: types[n][1]))
    return df.drop(columns="funding_source")


def make_unit_costs() -> pd.DataFrame:
    rows = [
        ("nea_spell", 2400, "£ per emergency admission", "NAO: £13.7bn / 5.8m admissions (2015-17)"),
        ("nonelective_bed_day", 901, "£ per bed day", "PQ 165361 (2020-21 cost collection)"),
        ("excess_bed_day", 395, "£ per delayed bed day", "King's Fund (2022-23)"),
        ("escalation_bed_day", 901, "£ per escalation bed day", "assumption: = non-elective bed day (PQ 165361)"),
        ("care_home_residential_week", 916, "£ per week", "ASC-FR 2023-24"),
        ("care_home_nursing_week", 1026, "£ per week", "ASC-FR 2023-24"),
        (
            "placement_duration_weeks",
            114,
            "weeks",
            "mean permanent care-home stay 801 days (Forder & Fernández 2011, PSSRU)",
        ),
        ("p1_start", 2022, "£ per Home First start", "£337 a week (seed 003) × 6 weeks (assumption)"),
        ("p2_bed_day", 300, "£ per step-down bed day", "illustrative assumption"),
        ("p3_week", 916, "£ per week of interim care-home bed", "ASC-FR 2023-24 residential"),
        ("p3_weeks_per_placement", 4, "weeks funded per P3 discharge", "illustrative assumption (discharge to assess)"),
        (
            "boarding_day",
            345,
            "£ per patient-day waiting in ED for a bed",
            "assumption: hotel cost of a bed day without treatment, £345 (PQ 146908), ≈ £14 an hour",
        ),
        (
            "surge_bed_day",
            1352,
            "£ per surge bed day",
            "assumption: non-elective bed day £901 (PQ 165361) + 50% for temporary staffing and converted space",
        ),
        (
            "divert",
            500,
            "£ per patient diverted or transferred out",
            "assumption: of the order of an emergency ambulance conveyance (National Cost Collection 2023/24)",
        ),
        ("reablement_episode", 2088, "£ per episode (2010 prices)", "Glendinning et al. 2010"),
    ]
    return pd.DataFrame(rows, columns=["item", "value", "unit", "source"])


MEAN_LOS_DAYS = 5.0
# Re-derived discharge capacities (issue 8). Demand in the first projected winter (Oct 2025 – Mar
# 2026) at the current-funding trend is ≈60 emergency admissions a day: P1 ≈42 starts a week (10%),
# P2 ≈2.1 a day × 21 days ≈44 beds (3.5%), P3 ≈6.3 a week (1.5%). Capacity is set at ≈1.05 × that
# demand: a stretched but stable system in which many P1 and most P2/P3 patients wait a little
# (Health Foundation 2023: at least 1 in 4 awaiting home-based and nearly half awaiting bed-based
# intermediate care were delayed), giving delayed bed days near the 10-11% of beds in NHS England's
# discharge-ready-date data. (The first version's 40 / 45 / 6 were below winter demand, so queues
# grew without limit.) Core beds: the current-funding winter's mean census (≈60 a day × 5.0 days ≈
# 300 patients) at ≈94% mean occupancy, the level NHS England ran at in winter 2024/25 (docs/sources.md#hospital-flow).
# Step-down stays: 26.6 days, the mean stay in post-hospital rehabilitation beds of North West London ICB
# (Harrow's ICB) in NHS England's Community Bed Audit of 4 March 2026 (England 29.3); P2 beds are ≈1.05 ×
# 2.1 a day × 26.6 days ≈ 59.
P1_PER_WEEK = 44
P2_BEDS = 59
P2_LOS_DAYS = 26.6
P3_PER_WEEK = 6.7
CORE_BEDS = 320
CAPACITY_NOTE = "computed: ≈1.05 × first-winter demand for the pathway (see scripts/make_demo_data.py)"


def make_flow_defaults() -> pd.DataFrame:
    rows = [
        (
            "core_beds",
            CORE_BEDS,
            "beds",
            "computed: residents' share of the acute G&A base at ≈94% mean winter occupancy (NHS winter 2024/25)",
        ),
        ("escalation_beds", 27, "beds", "seed 003: 27 additional beds (winter 2022-23)"),
        ("escalation_open", "12-01", "MM-DD", "illustrative assumption"),
        ("escalation_close", "03-31", "MM-DD", "illustrative assumption"),
        (
            "mean_los_days",
            MEAN_LOS_DAYS,
            "days (bed days ÷ admissions, delays included)",
            "computed: 9.1-day mean of overnight emergency stays (Health Foundation 2023) × ≈55% of emergency "
            "admissions staying overnight (assumption)",
        ),
        ("share_14plus", 0.109, "share of inpatients", "seed 003: actual 10.9% (Q3 2021-22)"),
        ("share_21plus", 0.056, "share of inpatients", "seed 003: actual 5.6% (Q3 2021-22)"),
        ("p0_share", 0.85, "share of discharges", "assumption: 93.8% to usual residence (seed 003)"),
        ("p1_share", 0.10, "share of discharges", "assumption within national guide ≤45% for 65+ (DHSC 2020)"),
        ("p2_share", 0.035, "share of discharges", "assumption within national guide ≤4% for 65+ (DHSC 2020)"),
        ("p3_share", 0.015, "share of discharges", "assumption within national guide ≤1% for 65+ (DHSC 2020)"),
        ("p1_starts_per_week", P1_PER_WEEK, "starts a week", CAPACITY_NOTE),
        ("p2_beds", P2_BEDS, "beds", CAPACITY_NOTE + "; community rehab beds in seed 001"),
        (
            "p2_los_days",
            P2_LOS_DAYS,
            "days",
            "Community Bed Audit 4 Mar 2026 (NHS England): post-hospital rehabilitation, North West London ICB",
        ),
        ("p3_per_week", P3_PER_WEEK, "placements a week", CAPACITY_NOTE),
        (
            "winter_uplift_pct",
            0,
            "% surge on arrivals Dec–Feb",
            "assumption: the projection already has ±3% seasonality (docs/sources.md)",
        ),
        ("surge_beds", 16, "beds", "assumption: 5% of core beds opened as surge capacity when every bed is full"),
        (
            "surge_after_hours",
            6,
            "hours",
            "assumption: a surge bed opens for a patient waiting 6 hours (harm from waits over 6-8 hours: "
            "Jones et al. 2022)",
        ),
        ("ed_max_waiting", 32, "patients", "assumption: ED holds 10% of core beds' worth of patients waiting"),
        (
            "drd_pct_delayed",
            13.5,
            "% of discharges after the ready date",
            "NHS England discharge-ready-date data 2024-25, England (Harrow's own 3.9% in its 7 fully covered "
            "months is below what the illustrative capacities give)",
        ),
        ("drd_mean_delay_days", 6.09, "days, among delayed discharges", "NHS England discharge-ready-date data 2024-25, England"),
    ]
    return pd.DataFrame(rows, columns=["parameter", "value", "unit", "source"])


def make_area() -> dict:
    return {
        "name": "Harrow (illustrative demo)",
        "code": "E09000015",
        "base_year": 2024,
        "first_month": FIRST_MONTH,
        "last_month": LAST_MONTH,
        "synthetic": True,
        "label": "Illustrative demo data: synthetic series calibrated to published Harrow figures",
        "ambition_placements": 146,
        "ambition_rate_per_100k": 350,
        # BCF 2025-27 maximum levels, illustrative: 65+ emergency admissions about 2% above 2024-25's rate;
        # average discharge delay under England's 0.82 days (13.5% delayed × 6.09 days, 2024-25)
        "ambition_nea65_per_100k": 25000,
        "ambition_delay_days": 0.8,
        # national condition: NHS minimum contribution to adult social care, the 2021-22 "protection of adult
        # social care" line (seed 003); an area enters its own year's figure
        "nhs_asc_requirement_gbp": 6_799_326,
        "provenance": (
            "Generated by scripts/make_demo_data.py (seed " + str(SEED) + "). Published anchors reproduced "
            "exactly: ACS admissions 2,030 (2019-20), 1,250 (2020-21), 1,728 (Apr 2021–Feb 2022); "
            "placements 65+ 182, 169, 181, 197 (2016-17, 2017-18, 2020-21, 2021-22); residents 261,300 in "
            "2021 with 16.1% aged 65+; the 2021-22 pooled-fund lines (health £10,329,723; council £14,988,509 = DFG £1,721,553 + iBCF £6,467,630 + protection of social care £6,799,326). Note: the published total, £25,317,782, is £450 less than the sum of the published lines (£25,318,232); the lines are kept. Sources: Harrow HWB papers "
            "(2014-2022) and Census 2021. Everything else is an illustrative assumption."
        ),
        "generated": "2026-11-22",
    }


def write_all(out: Path, seed: int = SEED) -> None:
    """Write every demo file to ``out`` (created if missing)."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    pop = make_population()
    frames = {
        "population.csv": pop,
        "admissions_monthly.csv": with_older(make_admissions(pop, rng), pop, seed),
        "placements_monthly.csv": make_placements(rng),
        "admission_rates.csv": make_rates(),
        "growth_variants.csv": make_growth(),
        "schemes.csv": make_schemes(),
        "unit_costs.csv": make_unit_costs(),
        "flow_defaults.csv": make_flow_defaults(),
    }
    for name, df in frames.items():
        df.to_csv(out / name, index=False, lineterminator="\n")
    (out / "area.json").write_text(json.dumps(make_area(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "demo")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    write_all(args.out, args.seed)
    print(f"wrote demo area to {args.out}")


if __name__ == "__main__":
    main()
