"""Unit: the demo area reproduces every published Harrow figure exactly, and regenerates byte-identically."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from models.inputs.areas import DEMO_DIR, OLDER_BANDS, annual_by_fy

ROOT = Path(__file__).resolve().parents[2]


def _fy(area, column: str) -> pd.Series:
    return annual_by_fy(area.monthly_series(column))


def test_acs_published_totals(demo_area) -> None:
    acs = _fy(demo_area, "acs")
    assert acs["2019-20"] == 2030  # seed 003
    assert acs["2020-21"] == 1250  # seed 003
    s = demo_area.monthly_series("acs")
    assert s["2021-04-01":"2022-02-01"].sum() == 1728  # seed 003, Apr 2021 – Feb 2022


@pytest.mark.parametrize(("fy", "count"), [("2016-17", 182), ("2017-18", 169), ("2020-21", 181), ("2021-22", 197)])
def test_placements_published_totals(demo_area, fy: str, count: int) -> None:
    assert _fy(demo_area, "placements_65plus")[fy] == count  # seeds 002, 003


def test_population_2021(demo_area) -> None:
    pop = demo_area.population
    p21 = pop[pop["year"] == 2021]
    assert p21["population"].sum() == 261_300  # Census 2021
    share65 = p21[p21["age_band"].isin(OLDER_BANDS)]["population"].sum() / 261_300
    assert round(share65 * 100, 1) == 16.1  # seed 003


def test_covid_collapse_april_2020(demo_area) -> None:
    nea = demo_area.monthly_series("nea")
    assert nea["2020-04-01"] / nea["2019-04-01"] == pytest.approx(0.61, abs=0.0005)


def test_pooled_fund_lines(demo_area) -> None:
    schemes = demo_area.schemes
    council = schemes[schemes["lead_partner"] == "Council"]
    amount = {c: council[c].astype(float).sum() for c in ("dfg_gbp", "la_bcf_grant_gbp", "nhs_minimum_gbp")}
    # 2025-26 lines: DFG, the LA BCF grant (the former iBCF) and the NHS minimum's adult-social-care element
    assert amount["dfg_gbp"] == 1_721_553 and amount["la_bcf_grant_gbp"] == 6_467_630
    assert amount["nhs_minimum_gbp"] == 6_799_326
    assert council["budget_gbp"].sum() == 14_988_509
    assert schemes[["additional_nhs_gbp", "additional_council_gbp"]].astype(float).to_numpy().sum() == 0
    assert schemes[schemes["lead_partner"] == "ICB"]["budget_gbp"].sum() == 10_329_723
    # today's funding is the 2021-22 lines: the baseline is the current-funding trend
    assert (schemes["current_budget_gbp"].astype(float) == schemes["budget_gbp"].astype(float)).all()


def test_span_and_shape(demo_area) -> None:
    adm = demo_area.admissions
    assert adm["month"].min() == pd.Timestamp("2015-04-01") and adm["month"].max() == pd.Timestamp("2025-03-01")
    assert len(adm) == 120 and (adm["acs"] < adm["nea"]).all()
    # winter months above summer months on average (seasonality), before COVID
    pre = adm[adm["month"] < "2020-03-01"].set_index("month")["nea"]
    assert pre[pre.index.month.isin([12, 1])].mean() > pre[pre.index.month.isin([8])].mean()


def test_generator_is_byte_identical(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo_data.py"), "--out", str(tmp_path)], check=True)
    names = sorted(p.name for p in DEMO_DIR.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(DEMO_DIR, tmp_path, names, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
