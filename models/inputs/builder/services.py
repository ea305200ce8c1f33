"""The area's services from ICB- and trust-level sources: pathway mix, step-down stays, admissions level, spend.

None of these sources is published by Health and Wellbeing Board area, so each figure is apportioned and says
how: trusts weighted by the share of their catchment living in the area (OHID), ICBs weighted by the share of the
area's LSOAs in each ICB (ONS), or the area's share of its ICB's residents (Census 2021).
"""

from __future__ import annotations

import pandas as pd

from models.inputs.builder.derive import PATHWAYS, AreaProblem, Field, Sources, missing_area
from models.inputs.builder.sources import LEGACY_CODES

PATHWAY_PERIOD = "June 2024 – March 2025"
P2_PURPOSE = "post_hospital_rehab"  # the Community Bed Audit purpose closest to pathway 2 (step-down rehab beds)


def pathway_shares(src: Sources, code: str) -> tuple[dict[str, float], list[Field], pd.DataFrame]:
    """Discharge pathway shares P0–P3 (fractions summing to 1): trusts weighted by the area's catchment share.

    The area's discharges on pathway k ≈ Σ over trusts of the trust's discharges on k × the share of the trust's
    catchment population living in the area; the shares are those totals over their sum.

    Returns
    -------
    shares, fields, trusts
        ``p0_share`` … ``p3_share``; their provenance; the contributing trusts (``trust_code``,
        ``share_of_trust_catchment``, ``weighted_discharges`` and its part on each pathway, ``P0`` … ``P3``).
    """
    file = "acute_discharge_pathways_2024_25.csv + trust_catchment_utla.csv"
    catchment = src.catchment.get(code)
    if catchment is None:
        raise missing_area("trust_catchment_utla.csv", code, src)
    weights = catchment.set_index("trust_code")["share_of_trust_catchment"].astype(float)
    matched = weights[weights.index.isin(src.pathways.index)]
    if matched.empty or matched.sum() <= 0:
        raise AreaProblem(
            f"trust_catchment_utla.csv: none of the {len(weights)} trusts serving {code} ({src.name(code)}) is in "
            "acute_discharge_pathways_2024_25.csv, so its pathway mix cannot be estimated"
        )
    weighted = src.pathways.loc[matched.index].mul(matched, axis=0)
    totals = weighted.sum()
    if totals.sum() <= 0:
        raise AreaProblem(f"acute_discharge_pathways_2024_25.csv: the trusts serving {code} record no discharges")
    raw = totals / totals.sum()
    rounded = {f"p{k}_share": round(float(raw[p]), 4) for k, p in enumerate(PATHWAYS) if k}
    shares = {"p0_share": round(1.0 - sum(rounded.values()), 4), **rounded}  # exact sum of 1 after rounding
    trusts = pd.DataFrame(
        {
            "trust_code": matched.index,
            "share_of_trust_catchment": matched.to_numpy(),
            "weighted_discharges": weighted.sum(axis=1).to_numpy(),
            **{p: weighted[p].to_numpy() for p in PATHWAYS},
        }
    ).sort_values("weighted_discharges", ascending=False)
    top = ", ".join(
        f"{t} ({s:.1%} of its catchment)"
        for t, s in zip(trusts["trust_code"][:3], trusts["share_of_trust_catchment"][:3], strict=False)
    )
    how = (
        f"Σ over {len(matched)} acute trusts of the trust's discharges on the pathway (sitrep, new definitions) × the "
        f"share of its catchment living in the area (OHID 2022 release); largest: {top}. Trusts merged since 2022 "
        f"count under their successor's 2022 catchment; {len(weights) - len(matched)} catchment trusts (specialist or "
        "merged) have no sitrep rows"
    )
    fields = [Field("flow_defaults.csv", k, v, file, PATHWAY_PERIOD, how) for k, v in shares.items()]
    return shares, fields, trusts


def _icb_rows(src: Sources, code: str) -> pd.DataFrame:
    rows = src.icbs.get(code)
    if rows is None:
        raise missing_area("utla_icb_lookup.csv", code, src)
    total = float(rows["share_of_utla_lsoas"].sum())
    if abs(total - 1.0) > 0.001:
        raise AreaProblem(
            f"utla_icb_lookup.csv, rows {', '.join(map(str, rows['_row']))}: the shares of {code} ({src.name(code)}) "
            f"in its ICBs add up to {total:.4f}, not 1"
        )
    return rows


def p2_los(src: Sources, code: str) -> tuple[float, Field]:
    """Mean stay in a step-down (pathway 2) bed, days: the Community Bed Audit for the area's ICB(s).

    The post-hospital rehabilitation beds' mean length of stay; an ICB without such beds contributes its mean over
    all community beds (said in the derivation). An area in several ICBs: weighted by its LSOA share in each.
    """
    beds = src.frames["community_beds_icb.csv"]
    beds = beds[beds["geography_level"] == "icb"].set_index(["code", "category"])
    value, parts = 0.0, []
    for _, r in _icb_rows(src, code).iterrows():
        icb, share = r["icb_ods_code"], float(r["share_of_utla_lsoas"])
        los, what = _icb_los(beds, icb)
        if los is None:
            raise AreaProblem(f"community_beds_icb.csv: no mean length of stay for ICB {icb} ({r['icb_name']})")
        value += share * los
        parts.append(f"{icb} {what} {los:.2f} days × {share:.1%}")
    how = "Community Bed Audit mean length of stay of the area's ICB(s), weighted by the share of the area's LSOAs: "
    return round(value, 2), Field(
        "flow_defaults.csv",
        "p2_los_days",
        round(value, 2),
        "community_beds_icb.csv",
        "snapshot 4 March 2026",
        how + "; ".join(parts),
    )


AUDIT_BEDS = "p2_audit_beds"  # flow_defaults.csv: the audit's beds for reference (not a model input)


def p2_audit_beds(src: Sources, code: str) -> tuple[float, Field]:
    """NHS community post-hospital rehabilitation beds (Community Bed Audit) apportioned to the area: Σ over its
    ICB(s) of the ICB's beds × the area's share of the ICB's residents (Census 2021), to one decimal."""
    beds = src.frames["community_beds_icb.csv"]
    beds = beds[beds["geography_level"] == "icb"].set_index(["code", "category"])
    residents = float(src.census_total[code])
    value, parts = 0.0, []
    for _, r in _icb_rows(src, code).iterrows():
        icb = r["icb_ods_code"]
        share = residents * float(r["share_of_utla_lsoas"]) / float(src.icb_population[icb])
        n = float(beds.loc[(icb, P2_PURPOSE), "beds"]) if (icb, P2_PURPOSE) in beds.index else 0.0
        value += n * share
        parts.append(f"{icb} {n:,.0f} beds × {share:.4f}")
    return round(value, 1), Field(
        "flow_defaults.csv",
        AUDIT_BEDS,
        round(value, 1),
        "community_beds_icb.csv + utla_icb_lookup.csv + population_utla_age.csv",
        "snapshot 4 March 2026",
        "post-hospital rehabilitation beds of the area's ICB(s) × the area's share of their residents: "
        + "; ".join(parts),
    )


def _icb_los(beds: pd.DataFrame, icb: str) -> tuple[float | None, str]:
    for category, what in (
        (P2_PURPOSE, "post-hospital rehabilitation beds"),
        ("all_beds", "all community beds (it has no post-hospital rehabilitation beds)"),
    ):
        if (icb, category) in beds.index:
            row = beds.loc[(icb, category)]
            if pd.notna(row["mean_los_days"]) and float(row["beds"]) > 0:
                return float(row["mean_los_days"]), what
    return None, ""


def admissions_estimate(src: Sources, code: str) -> tuple[dict[str, object], list[Field]]:
    """Emergency admissions a year (all ages, all routes), 2024-25: an ESTIMATE from the ICB(s)' HES totals.

    Area ≈ Σ over its ICBs of the ICB's emergency admissions (HES, ICB of responsibility) × the area's share of
    the ICB's residents (Census 2021: the area's residents × its LSOA share in the ICB ÷ the ICB's residents).
    Not age-standardised: an area older than its ICB has more admissions than this. A cross-check apportions the
    acute trusts' HES emergency admissions by catchment share.
    """
    hes = src.frames["hes_apc_emergency_2024_25.csv"]
    icb_hes = hes[hes["geography_level"] == "icb_of_responsibility"].set_index("code")["emergency_admissions"]
    residents = float(src.census_total[code])
    value, parts = 0.0, []
    for _, r in _icb_rows(src, code).iterrows():
        icb, lsoa_share = r["icb_ods_code"], float(r["share_of_utla_lsoas"])
        if icb not in icb_hes.index or pd.isna(icb_hes[icb]):
            raise AreaProblem(f"hes_apc_emergency_2024_25.csv: no emergency admissions for ICB {icb} ({r['icb_name']})")
        share = residents * lsoa_share / float(src.icb_population[icb])
        value += float(icb_hes[icb]) * share
        parts.append(
            {
                "icb_ods_code": icb,
                "icb_name": r["icb_name"],
                "icb_emergency_admissions": int(icb_hes[icb]),
                "area_share_of_icb_residents": round(share, 5),
            }
        )
    providers = hes[hes["geography_level"] == "provider"].set_index("code")["emergency_admissions"]
    catchment = src.catchment[code].set_index("trust_code")["share_of_trust_catchment"].astype(float)
    matched = catchment[catchment.index.isin(providers.index)]
    cross = float((providers[matched.index].astype(float) * matched).sum())
    estimate = {
        "estimate": True,
        "label": "ESTIMATE: not a recorded count. No emergency-admissions series is published by Health and Wellbeing "
        "Board area; this level is the area's population share of its ICB's 2024-25 HES total",
        "measure": "emergency admissions a year, all ages, all admission routes (HES, residents)",
        "period": "2024-25",
        "annual_emergency_admissions": int(round(value)),
        "basis": "population share: the area's Census 2021 residents in each ICB ÷ the ICB's Census 2021 residents",
        "icbs": parts,
        "cross_check": {
            "basis": "acute trusts' HES emergency admissions × the share of each trust's catchment living in the "
            "area (OHID 2022 release; trusts merged since then are missed)",
            "annual_emergency_admissions": int(round(cross)),
            "trusts_matched": len(matched),
        },
        "monthly_series": None,
        "use": "a level-only projection (this level grown with the area's population) until the area's own monthly "
        "admissions are uploaded",
        "caveats": "Not age-standardised; the ICB totals add up to 99.5% of England (rounding and suppression); "
        "Census 2021 shares applied to 2024-25.",
    }
    how = "; ".join(
        f"{p['icb_ods_code']} {p['icb_emergency_admissions']:,} × {p['area_share_of_icb_residents']:.4f}" for p in parts
    )
    fields = [
        Field(
            "admissions_estimate.json",
            "annual_emergency_admissions",
            estimate["annual_emergency_admissions"],
            "hes_apc_emergency_2024_25.csv + utla_icb_lookup.csv + population_utla_age.csv",
            "2024-25",
            f"ESTIMATE: ICB emergency admissions × the area's share of the ICB's residents: {how}",
        ),
        Field(
            "admissions_estimate.json",
            "cross_check.annual_emergency_admissions",
            int(round(cross)),
            "hes_apc_emergency_2024_25.csv + trust_catchment_utla.csv",
            "2024-25",
            f"Σ over {len(matched)} trusts of HES emergency admissions (provider) × catchment share",
        ),
    ]
    return estimate, fields


SPEND_LINES = (
    ("bed_based_intermediate_care_gbp", "Bed-based intermediate care", "bed_based_ic"),
    ("reablement_own_home_gbp", "Reablement in a person's own home", "home_based_ic"),
)


def ic_spend(src: Sources, code: str) -> tuple[pd.DataFrame, list[Field]]:
    """BCF 2022-23 planned intermediate-care spend lines (£ a year) as a starting point for a scheme table.

    Areas reported under another code are found through :data:`LEGACY_CODES`; a code reported for two areas
    (Cumbria; Cornwall with the Isles of Scilly) is split by Census 2021 residents aged 18+ (an estimate, said so).
    A blank line means nothing was entered for that scheme type: no line is written.
    """
    file = "bcf_spend_hwb.csv"
    reported = [c for c in (code, *[k for k, v in LEGACY_CODES.items() if code in v]) if c in src.bcf.index]
    if not reported:
        raise missing_area(file, code, src)
    row = src.bcf.loc[reported[0]]
    shared = LEGACY_CODES.get(reported[0], (reported[0],))
    share = 1.0
    note = f"as reported by the HWB ({reported[0]})"
    if len(shared) > 1:
        adults = src.census_18plus[list(shared)]
        share = float(adults[code] / adults.sum())
        note = (
            f"ESTIMATE: {row['hwb_name']} ({reported[0]}) reported one line for {len(shared)} areas; this area's "
            f"part by its share of their Census 2021 residents aged 18+ ({share:.1%})"
        )
    elif reported[0] != code:
        note = f"reported under the former code {reported[0]} ({row['hwb_name']}), the same area"
    lines, fields = [], []
    for col, label, kind in SPEND_LINES:
        if pd.isna(row[col]):
            fields.append(
                Field(
                    "schemes_ic_spend.csv",
                    label,
                    None,
                    file,
                    "2022-23",
                    "blank in the return: nothing entered for this scheme type (probably none, or "
                    "recorded under another type); no line written",
                )
            )
            continue
        amount = round(float(row[col]) * share)
        lines.append(
            {
                "name": f"{label} (BCF 2022-23 plan)",
                "scheme_type": kind,
                "budget_gbp": amount,
                "period": "2022-23",
                "source": "NHS England, BCF end-of-year data 2022-23, planned expenditure",
                "note": note,
            }
        )
        fields.append(Field("schemes_ic_spend.csv", label, amount, file, "2022-23 (planned)", note))
    columns = ["name", "scheme_type", "budget_gbp", "period", "source", "note"]
    return pd.DataFrame(lines, columns=columns), fields
