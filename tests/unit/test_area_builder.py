"""Unit: the area builder on the real public files (issue 21): every area, reconciled, Harrow's published figures.

The public files are read in place from ``BCF_REALDATA_DIR/areas`` (never copied into the repository); all 153
areas are built once per session into a temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from models.inputs.areas import read_area_json, validate_table
from models.inputs.builder import derive, services
from models.inputs.builder.build import default_source_dir
from models.inputs.builder.reconcile import ascof_checks, drd_checks
from models.inputs.builder.sources import read_sources
from models.scenario.presets import DRD_MEAN_DELAY_ENGLAND, DRD_PCT_DELAYED_ENGLAND

SOURCE = default_source_dir()
HARROW = "E09000015"
CHESHIRE_EAST = "E06000049"  # low coverage in all 12 months (README)


# ``source`` and ``full_build`` (all 153 areas built once per session) are in tests/conftest.py.


@pytest.fixture(scope="session")
def sources(source: Path) -> derive.Sources:
    return derive.Sources(read_sources(source).frames)


def _csv(out: Path, code: str, name: str) -> pd.DataFrame:
    return pd.read_csv(out / code / name, dtype={"month": str, "fy": str})


def test_every_area_builds_or_names_its_cause(full_build) -> None:
    report, out = full_build
    index = pd.read_csv(out / "index.csv", keep_default_na=False)
    assert len(index) == 153 and index["code"].is_unique
    assert set(index["built"]) <= {"yes", "no"}
    assert (index.loc[index["built"] == "no", "reason"].str.len() > 0).all()
    assert (index["built"] == "yes").all(), index.loc[index["built"] == "no", ["code", "reason"]].to_string()
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(index["code"])
    harrow = index.set_index("code").loc[HARROW]
    assert harrow["name"] == "Harrow" and harrow["region"] == "London" and harrow["icb_codes"] == "QRV"
    assert index.set_index("code").loc["E10000012", "icb_codes"].count(";") == 2  # Essex: three ICBs


def test_reconciliation_against_england(full_build) -> None:
    _, out = full_build
    table = pd.read_csv(out / "reconciliation.csv", dtype={"period": str})
    assert (table["result"] == "pass").all()
    assert set(table["source"]) >= {
        "drd_utla_monthly.csv",
        "drd_icb_monthly.csv",
        "ascof_by_council.csv",
        "population_utla_age.csv",
        "bcf_spend_hwb.csv",
        "community_beds_icb.csv",
        "hes_apc_emergency_2024_25.csv",
        "acute_discharge_pathways_2024_25.csv",
    }
    census = table[(table["source"] == "population_utla_age.csv") & (table["period"] == "2021")].iloc[0]
    assert census["total_of_areas"] == 56_490_040 and census["england_total"] == 56_490_048
    ascof = table[(table["source"] == "ascof_by_council.csv") & (table["period"] == "2022-23")].iloc[0]
    assert ascof["england_total"] == 560.8 and abs(ascof["difference_pct"]) < 1


def test_harrow_ascof_history_matches_the_published_rates(full_build) -> None:
    _, out = full_build
    hist = _csv(out, HARROW, "history_ascof.csv").set_index("fy")
    assert hist.loc["2021-22", "rate_per_100k"] == 484.8 and hist.loc["2021-22", "measure"] == "ASCOF 2A(2)"
    assert hist.loc["2023-24", "rate_per_100k"] == 383.8 and hist.loc["2023-24", "measure"] == "ASCOF 2C"
    assert list(hist["rate_per_100k"]) == [419.1, 451.5, 365.1, 445.4, 484.8, 395.2, 383.8]
    info = json.loads((out / HARROW / "area.json").read_text(encoding="utf-8"))
    assert info["ambition_rate_per_100k"] == 383.8 and "no worse than the latest year" in info["provenance"]
    assert info["ambition_placements"] == round(383.8 * 40_178 / 100_000)  # Census 2021: 40,178 aged 65+
    assert info["synthetic"] is False and info["code"] == HARROW and info["icbs"][0]["code"] == "QRV"


def test_harrow_drd_published_and_counted_months(full_build) -> None:
    _, out = full_build
    summary = _csv(out, HARROW, "drd_summary.csv")
    published, counted = summary.iloc[0], summary.iloc[1]
    assert published["months"] == 12 and published["discharges"] == 11_117
    assert round(published["pct_on_ready_date"], 1) == 95.6 and published["mean_delay_delayed_days"] == 5.37
    assert round(published["average_delay_all_days"], 2) == 0.24
    # the flow defaults count only the 7 months with acceptable coverage (R1K missing in five)
    assert counted["months"] == 7 and counted["discharges"] == 9_317
    flow = _csv(out, HARROW, "flow_defaults.csv").set_index("parameter")
    assert float(flow.loc["drd_pct_delayed", "value"]) == 3.91  # 4.43 if the low-coverage months were averaged in
    assert float(flow.loc["drd_mean_delay_days", "value"]) == 5.86
    assert "7 of 12 months counted" in flow.loc["drd_pct_delayed", "source"]


def test_low_coverage_months_are_flagged_never_averaged_in(full_build) -> None:
    _, out = full_build
    months = _csv(out, HARROW, "history_drd.csv")
    low = months.loc[months["coverage"] == "low coverage", "month"].tolist()
    assert low == ["2024-10-01", "2024-11-01", "2025-01-01", "2025-02-01", "2025-03-01"]
    assert months.loc[months["coverage"] == "low coverage", "coverage_reason"].str.contains("acceptance").all()
    cheshire = _csv(out, CHESHIRE_EAST, "history_drd.csv")
    assert (cheshire["coverage"] == "low coverage").all()
    flow = _csv(out, CHESHIRE_EAST, "flow_defaults.csv").set_index("parameter")
    assert float(flow.loc["drd_pct_delayed", "value"]) == pytest.approx(DRD_PCT_DELAYED_ENGLAND, abs=0.05)
    assert float(flow.loc["drd_mean_delay_days", "value"]) == DRD_MEAN_DELAY_ENGLAND
    assert "England's figure is used" in flow.loc["drd_pct_delayed", "source"]
    flagged = sum((_csv(out, c, "history_drd.csv")["coverage"] != "counted").sum() for c in ("E09000015", "E08000010"))
    assert flagged >= 5


def test_every_written_table_passes_the_apps_validation(full_build) -> None:
    _, out = full_build
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        for name in ("population.csv", "flow_defaults.csv"):
            raw = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
            typed, problems = validate_table(raw, name)
            assert typed is not None and not problems, (folder.name, name, problems[:2])
        info, problems = read_area_json(folder)
        assert info is not None and not problems, (folder.name, problems)
        flow = pd.read_csv(folder / "flow_defaults.csv").set_index("parameter")["value"].astype(float)
        assert sum(flow[f"p{k}_share"] for k in range(4)) == pytest.approx(1.0, abs=1e-9)
        assert 0 < flow["p2_los_days"] < 120 and 0 <= flow["drd_pct_delayed"] <= 100


def test_provenance_names_every_figure(full_build) -> None:
    _, out = full_build
    prov = json.loads((out / HARROW / "provenance.json").read_text(encoding="utf-8"))
    assert all(len(s["sha256"]) == 64 and s["licence"] for s in prov["sources"].values())
    fields = {(f["file"], f["field"]) for f in prov["fields"]}
    flow = _csv(out, HARROW, "flow_defaults.csv")
    assert {("flow_defaults.csv", p) for p in flow["parameter"]} <= fields
    assert {
        ("history_ascof.csv", f"rate_per_100k {fy}") for fy in _csv(out, HARROW, "history_ascof.csv")["fy"]
    } <= fields
    assert ("area.json", "ambition_rate_per_100k") in fields
    assert ("admissions_estimate.json", "annual_emergency_admissions") in fields
    for f in prov["fields"]:
        assert f["period"] and f["derivation"] and f["source_file"], f


def test_admissions_estimate_is_labelled_and_adds_up_to_the_icbs(full_build, sources) -> None:
    _, out = full_build
    est = json.loads((out / HARROW / "admissions_estimate.json").read_text(encoding="utf-8"))
    assert est["estimate"] is True and est["label"].startswith("ESTIMATE") and est["period"] == "2024-25"
    assert est["monthly_series"] is None and "population share" in est["basis"]
    total = sum(
        json.loads((p / "admissions_estimate.json").read_text(encoding="utf-8"))["annual_emergency_admissions"]
        for p in out.iterdir()
        if p.is_dir()
    )
    assert total == pytest.approx(6_581_050, rel=1e-4)  # the ICBs' total, shared out by residents
    cross = est["cross_check"]["annual_emergency_admissions"]
    assert 0.8 < est["annual_emergency_admissions"] / cross < 1.25


def test_pathway_weighting_shares_each_trust_out_by_its_catchment(sources) -> None:
    """Σ over areas of the catchment-weighted discharges = England's discharges (each trust's shares sum to 1)."""
    weighted = sum(services.pathway_shares(sources, c)[2]["weighted_discharges"].sum() for c in sources.areas.index)
    assert weighted == pytest.approx(2_576_567 + 286_008 + 93_813 + 49_536, rel=1e-4)
    harrow, _, trusts = services.pathway_shares(sources, HARROW)
    assert trusts.iloc[0]["trust_code"] == "R1K" and harrow["p1_share"] > 0.1


def test_p2_stay_weights_the_icbs_of_a_split_area(sources) -> None:
    los, fld = services.p2_los(sources, "E10000012")  # Essex: 57% / 23% / 20% in three ICBs
    beds = sources.frames["community_beds_icb.csv"]
    rehab = beds[beds["category"] == "post_hospital_rehab"].set_index("code")["mean_los_days"]
    icbs = sources.icbs["E10000012"]
    expected = sum(
        float(s) * float(rehab[i]) for i, s in zip(icbs["icb_ods_code"], icbs["share_of_utla_lsoas"], strict=True)
    )
    assert los == pytest.approx(expected, abs=0.006) and "×" in fld.derivation
    assert services.p2_los(sources, HARROW)[0] == 26.6  # North West London, post-hospital rehabilitation
    sel, fld = services.p2_los(sources, "E09000006")  # Bromley: South East London has no such beds
    assert sel == 38.14 and "all community beds" in fld.derivation


def test_spend_lines_follow_renamed_and_shared_codes(full_build, sources) -> None:
    _, out = full_build
    harrow = _csv(out, HARROW, "schemes_ic_spend.csv")
    assert list(harrow["scheme_type"]) == ["home_based_ic"] and harrow["budget_gbp"].iloc[0] > 1_500_000
    assert (harrow["period"] == "2022-23").all() and harrow["source"].str.contains("BCF").all()
    yorks = _csv(out, "E06000065", "schemes_ic_spend.csv")
    assert yorks["note"].str.contains("E10000023").all()
    pair = [
        _csv(out, c, "schemes_ic_spend.csv").set_index("scheme_type")["budget_gbp"] for c in ("E06000052", "E06000053")
    ]
    reported = sources.bcf.loc["E06000052", "bed_based_intermediate_care_gbp"]  # Cornwall and Scilly: one line
    assert pair[0]["bed_based_ic"] + pair[1]["bed_based_ic"] == pytest.approx(reported, abs=1)
    assert 0 < pair[1]["bed_based_ic"] < 0.01 * pair[0]["bed_based_ic"]


def test_reconciliation_tolerances_hold_at_their_edges(sources) -> None:
    frames = sources.frames
    ascof = frames["ascof_by_council.csv"].copy()
    eng = (ascof["geography_level"] == "england") & (ascof["measure"] == "care_home_admissions_65plus_per_100k")
    year = eng & (ascof["year"] == "2022-23")
    pop = frames["population_utla_age.csv"]
    mean = next(c for c in ascof_checks(ascof, pop) if c.period == "2022-23").total_of_areas
    ascof.loc[year, "value"] = mean * 1.0095
    assert all(c.passed for c in ascof_checks(ascof, pop))
    ascof.loc[year, "value"] = mean * 1.0105
    assert not next(c for c in ascof_checks(ascof, pop) if c.period == "2022-23").passed
    utla, england, icb = (
        frames["drd_utla_monthly.csv"],
        frames["drd_england_monthly.csv"].copy(),
        frames["drd_icb_monthly.csv"],
    )
    england["discharges"] = england["discharges"].astype(float)
    april = england["month"] == "2024-04-01"
    areas = utla.loc[utla["month"] == "2024-04-01", "discharges"].sum()
    for share, ok in ((0.899, False), (0.901, True), (1.0, True), (1.001, False)):
        england.loc[april, "discharges"] = areas / share
        assert drd_checks(utla, england, icb)[0].passed is ok, share


def test_benchmarks_put_each_area_beside_its_region_and_england(full_build) -> None:
    _, out = full_build
    bench = pd.read_csv(out / "benchmarks.csv", keep_default_na=False)
    assert bench.duplicated(["geography_level", "code", "measure"]).sum() == 0
    assert set(bench.loc[bench["geography_level"] == "area", "code"]) == {p.name for p in out.iterdir() if p.is_dir()}
    value = bench[bench["geography_level"] != "nearest"].set_index(["code", "measure"])["value"].astype(float)
    assert value["E92000001", "drd_average_delay_all_days"] == 0.825  # the "England 0.82"
    assert value["E92000001", "drd_mean_delay_delayed_days"] == DRD_MEAN_DELAY_ENGLAND
    assert value["E92000001", "ascof_care_home_65plus_per_100k"] == 566.0
    assert value["E12000007", "ascof_care_home_65plus_per_100k"] == 435.8  # London, published
    flow = _csv(out, HARROW, "flow_defaults.csv").set_index("parameter")["value"].astype(float)
    for k in range(4):
        assert value[HARROW, f"p{k}_share"] == flow[f"p{k}_share"]
    assert value[HARROW, "drd_mean_delay_delayed_days"] == flow["drd_mean_delay_days"]
    # a region's delays are its areas' counted months summed: between its areas' lowest and highest
    london = bench[(bench["region"] == "London") & (bench["measure"] == "drd_average_delay_all_days")]
    areas = london[london["geography_level"] == "area"]["value"].astype(float)
    assert areas.min() < value["E12000007", "drd_average_delay_all_days"] < areas.max()
    assert value["E12000007", "drd_average_delay_all_days"] == pytest.approx(0.632, abs=0.001)
