"""Unit: a real area built from the public files opens as the app's own area (issue 21).

The areas are built once per session from ``BCF_REALDATA_DIR/areas`` (tests/conftest.py ``full_build``). Checks are
against the published figures and closed forms: Harrow's ASCOF and discharge-ready-date figures, the estimate's
total and England's seasonal shape, the level-only projection (the estimated rate carried forward × the demand
index), capacities sized by their stated formula, and an upload replacing the estimate while the rest stays.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models import pipeline
from models.core.paths import realdata_dir
from models.demand.forecasting import LEVEL_ONLY, TYPICAL_A, TYPICAL_B
from models.inputs.areas import with_uploads
from models.inputs.built_area import (
    CORE_OCCUPANCY,
    ENGLAND_MONTH_SHARE,
    acs_share,
    area_index,
    is_built,
    open_area,
)
from models.inputs.history import placements_by_fy
from models.pipeline.benchmarks import benchmark_line, benchmark_table
from models.pipeline.core_metrics import core_metrics
from models.pipeline.guards import check_area
from models.scenario import baseline

HARROW, EAST_SUSSEX, RUTLAND = "E09000015", "E10000011", "E06000017"


@pytest.fixture(scope="module")
def built(full_build) -> Path:
    return full_build[1]


@pytest.fixture(scope="module")
def demo(demo_area):  # noqa: ANN001, ANN201 - the session's demo area (tests/conftest.py)
    return demo_area


@pytest.fixture(scope="module")
def harrow(built: Path, demo):
    area, problems = open_area(built / HARROW, demo)
    assert area is not None, problems
    return area


def test_england_seasonal_shape_is_the_published_series() -> None:
    d = pd.read_csv(realdata_dir() / "england_emergency_admissions.csv", parse_dates=["month"])
    d["fy"] = d["month"].dt.year - (d["month"].dt.month < 4)
    d = d[d["fy"].between(2011, 2018)]
    assert d.groupby("fy").size().eq(12).all() and d["fy"].nunique() == 8
    share = d["emergency_admissions"] / d.groupby("fy")["emergency_admissions"].transform("sum")
    mean = share.groupby(d["month"].dt.month).mean()
    mean = mean / mean.sum()
    for month, value in ENGLAND_MONTH_SHARE.items():
        assert value == pytest.approx(mean[month], abs=6e-6), month
    assert sum(ENGLAND_MONTH_SHARE.values()) == pytest.approx(1.0, abs=1e-4)


def test_harrow_opens_with_its_published_figures(harrow, built: Path) -> None:
    m = harrow.meta
    assert (m.name, m.code, m.region) == ("Harrow", HARROW, "London")
    assert m.icbs[0][0] == "QRV" and not m.synthetic
    assert m.estimated == ("nea", "acs") and "ESTIMATED 28,170" in m.estimate_notes["nea"]
    rates = placements_by_fy(harrow).set_index("fy")["rate_per_100k"]
    assert rates["2021-22"] == 484.8 and rates["2023-24"] == 383.8  # ASCOF 2A(2) and 2C as published
    flow = harrow.flow_defaults
    assert float(flow["drd_pct_delayed"]) == 3.91 and float(flow["drd_mean_delay_days"]) == 5.86  # counted months
    published = harrow.extras["drd_summary"].iloc[0]
    assert published["pct_on_ready_date"] == pytest.approx(95.6, abs=0.05)  # the 12-month published figure
    assert published["mean_delay_delayed_days"] == 5.37
    low = harrow.extras["history_drd"]
    assert (low["coverage"] != "counted").sum() == 5  # the main trust missing for five months, flagged
    pop = harrow.population
    raw = pd.read_csv(built / HARROW / "population.csv")
    kept = pop[pop["year"] <= 2021].sort_values(["year", "age_band"]).reset_index(drop=True)
    assert kept["population"].tolist() == raw.sort_values(["year", "age_band"])["population"].tolist()
    assert int(pop["year"].max()) == 2024 == m.base_year  # carried forward to the estimate's year
    assert "demo's principal growth" in m.sources["population.csv"]


def test_estimate_is_the_published_level_spread_with_englands_shape(harrow, built: Path) -> None:
    estimate = json.loads((built / HARROW / "admissions_estimate.json").read_text())
    adm = harrow.admissions
    assert len(adm) == 12 and adm["month"].iloc[0] == pd.Timestamp("2024-04-01")
    assert int(adm["nea"].sum()) == estimate["annual_emergency_admissions"] == 28_170
    shares = adm["nea"] / adm["nea"].sum()
    for month, share in zip(adm["month"], shares, strict=True):
        assert share == pytest.approx(ENGLAND_MONTH_SHARE[month.month], abs=1e-4)
    expected_acs = 28_170 * acs_share(harrow.population, harrow.admission_rates, 2024)
    assert int(adm["acs"].sum()) == round(expected_acs)


def test_capacities_are_sized_by_their_stated_formula(harrow) -> None:
    flow = harrow.flow_defaults
    per_day = 28_170 * sum(ENGLAND_MONTH_SHARE[m] for m in (10, 11, 12, 1, 2, 3)) / 182
    los = float(flow["mean_los_days"])
    assert int(flow["core_beds"]) == round(per_day * los / CORE_OCCUPANCY)
    assert int(flow["p2_beds"]) == math.ceil(1.05 * per_day * float(flow["p2_share"]) * float(flow["p2_los_days"]))
    assert int(flow["p1_starts_per_week"]) == math.ceil(1.05 * per_day * float(flow["p1_share"]) * 7)
    table = harrow.tables["flow_defaults.csv"].set_index("parameter")["source"]
    assert table["p1_share"].startswith("NHS England acute discharge sitrep")
    assert table["share_14plus"].startswith("demo default")


def test_level_only_projection_is_the_estimated_rate_times_the_index(harrow) -> None:
    fits = pipeline.fit_all(harrow)
    nea = fits.nea
    assert nea.chosen == LEVEL_ONLY and nea.diagnostics["level_only"]
    assert nea.calibration.a == TYPICAL_A and nea.calibration.b == TYPICAL_B
    point = nea.forecast_rate(24)
    np.testing.assert_allclose(point[:12], nea.rate.to_numpy())  # April to March, the same months carried on
    np.testing.assert_allclose(point[12:], nea.rate.to_numpy())
    paths = nea.simulate_rate_paths(12, 2000, np.random.default_rng(1))
    np.testing.assert_allclose(paths.mean(axis=0), point[:12], rtol=1e-9)  # the mean is the point forecast
    sc = baseline(harrow)
    proj = pipeline.project(sc, harrow, fits, pipeline.simulate_base(fits, sc.horizon_years, 400, sc.seed))
    first = proj.mean_of("nea", "baseline") if hasattr(proj, "mean_of") else None
    annual = proj.annual[(proj.annual["metric"] == "nea") & (proj.annual["series"] == "baseline")]
    growth = annual["mean"].iloc[0] / 28_170
    assert 1.0 < growth < 1.05, growth  # one year of demographic growth, no trend
    assert first is None or first > 0


def test_core_metrics_of_a_real_area(harrow) -> None:
    res = pipeline.run(baseline(harrow).model_copy(update={"n_draws": 200}), harrow)
    metrics = core_metrics(res, harrow)
    assert metrics["ascof2c"].latest == 383.8
    assert metrics["delay"].latest == pytest.approx(3.91 / 100 * 5.86, abs=1e-9)
    assert metrics["nea65"].estimate
    assert 0.05 < metrics["delay"].p50 < 1.0  # the published scale: Harrow 0.23, England 0.82 days


def test_upload_over_a_real_area_replaces_the_estimate_and_keeps_the_rest(harrow, demo) -> None:
    own = demo.admissions.copy()
    area, problems = with_uploads(harrow, {"admissions_monthly.csv": own}, "Harrow", "uploaded by the user")
    assert area is not None, problems
    assert area.meta.estimated == () and area.meta.code == HARROW and area.meta.region == "London"
    assert area.population.equals(harrow.population) and area.placements.equals(harrow.placements)
    assert area.extras is harrow.extras and len(area.admissions) == len(own)
    assert area.meta.sources["admissions_monthly.csv"] == "uploaded by the user"
    assert pipeline.fit_all(area).nea.chosen != LEVEL_ONLY
    only_placements, _ = with_uploads(harrow, {"placements_monthly.csv": demo.placements}, "Harrow", "upload")
    assert only_placements is not None and only_placements.meta.estimated == ("nea", "acs")


def test_benchmarks_beside_the_metrics(harrow) -> None:
    table = benchmark_table(harrow).set_index("key")
    assert table.loc["delay", ["area", "region", "england"]].tolist() == [0.229, 0.632, 0.825]
    assert table.loc["ascof2c", "area"] == 383.8
    line = benchmark_line(harrow, "delay")
    assert "Harrow 0.23 days" in line and "London 0.63 days" in line and "England 0.82 days" in line
    assert "low-coverage months left out" in line
    assert "ESTIMATE" in benchmark_line(harrow, "nea65")


def test_demo_and_uploads_have_no_benchmarks(demo) -> None:
    assert benchmark_table(demo).empty and benchmark_line(demo, "delay") == ""


@pytest.mark.parametrize("code", [HARROW, EAST_SUSSEX, RUTLAND, "E08000025", "E06000059", "E10000016"])
def test_areas_of_every_kind_open_and_pass_the_apps_checks(built: Path, demo, code: str) -> None:
    area, problems = open_area(built / code, demo)
    assert area is not None, problems
    assert check_area(area, demo) == []
    assert area.admissions["nea"].sum() > 0 and len(area.placements) >= 24


def test_index_lists_every_built_area(built: Path) -> None:
    index, problems = area_index(built)
    assert not problems and len(index) == 153 and index["name"].is_monotonic_increasing
    assert all(is_built(Path(f)) for f in index["folder"])


def test_bad_folders_say_which_file_and_build_nothing(built: Path, demo, tmp_path: Path) -> None:
    broken = tmp_path / HARROW
    shutil.copytree(built / HARROW, broken)
    (broken / "population.csv").unlink()
    area, problems = open_area(broken, demo)
    assert area is None and any(p.file == "population.csv" and "not found" in p.message for p in problems)
    shutil.copy(built / HARROW / "population.csv", broken / "population.csv")
    (broken / "admissions_estimate.json").write_text("[1, 2")
    area, problems = open_area(broken, demo)
    assert area is None and problems[0].file == "admissions_estimate.json"
    (broken / "admissions_estimate.json").write_text(
        json.dumps({"period": "2024-25", "annual_emergency_admissions": 0})
    )
    area, problems = open_area(broken, demo)
    assert area is None and "not positive" in problems[0].message
    other, problems = open_area(built / RUTLAND, demo)  # the others still open
    assert other is not None, problems


def test_bought_capacity_uses_the_scenarios_unit_costs(built: Path, demo) -> None:
    from models.inputs.built_area import bought_capacity
    from models.scenario.capacity import CAPACITY_LEVER, capacity_bought
    from models.scenario.tables import schemes_from_table

    area, _ = open_area(built / "E06000059", demo)  # Dorset: no spend published, the demo's schemes scaled
    costs = baseline(area).costs
    mine = bought_capacity(area.schemes, area.unit_costs)
    theirs = dict.fromkeys(CAPACITY_LEVER.values(), 0.0)
    for s in schemes_from_table(area.schemes):
        if s.metric in CAPACITY_LEVER:
            theirs[CAPACITY_LEVER[s.metric]] += capacity_bought(s, costs, s.current_budget_gbp)
    assert mine == pytest.approx(theirs, rel=1e-9)
    assert all(float(area.flow_defaults[k]) >= v for k, v in mine.items())


def test_nearest_areas_are_the_median_of_the_most_alike(harrow, built: Path) -> None:
    from models.inputs.builder.benchmarks import AreaMetrics, nearest_areas

    bench = pd.read_csv(built / "benchmarks.csv")
    mine = bench[(bench["geography_level"] == "nearest") & (bench["code"] == HARROW)]
    peers_text = mine["basis"].iloc[0].split(": ", 1)[1]
    names = peers_text.split(", ")
    assert len(names) == 5 and "Harrow" not in names
    areas = bench[bench["geography_level"] == "area"]
    for measure, value in zip(mine["measure"], mine["value"], strict=True):
        peers = areas[(areas["measure"] == measure) & areas["name"].isin(names)]["value"]
        assert value == pytest.approx(float(np.median(peers)), abs=1e-4), measure
    table = benchmark_table(harrow).set_index("key")
    assert table.loc["delay", "nearest"] == mine.set_index("measure").loc["drd_average_delay_all_days", "value"]
    # closed form: three areas on a line; each one's nearest is its neighbour, never itself
    line = [AreaMetrics(c, {}, 0, {}, "", 0.0, 0.0, r, (0.2, 0.03)) for c, r in (("A", 1e5), ("B", 2e5), ("C", 8e5))]
    assert nearest_areas(line, k=1) == {"A": ["B"], "B": ["A"], "C": ["B"]}


def test_audit_beds_add_up_to_englands(built: Path, source: Path) -> None:
    audit = pd.read_csv(source / "community_beds_icb.csv")
    england = audit[(audit["geography_level"] == "england") & (audit["category"] == "post_hospital_rehab")]
    total = sum(
        float(pd.read_csv(f).set_index("parameter").loc["p2_audit_beds", "value"])
        for f in built.glob("E*/flow_defaults.csv")
    )
    assert total == pytest.approx(float(england["beds"].iloc[0]), abs=10)  # every ICB's beds shared out once
    harrow = pd.read_csv(built / HARROW / "flow_defaults.csv").set_index("parameter")
    assert float(harrow.loc["p2_audit_beds", "value"]) == pytest.approx(185 * 0.1248, abs=0.2)  # NWL's 185 beds


def test_board_workbook_lists_sources_benchmarks_and_low_coverage(harrow) -> None:
    import io

    import openpyxl

    from models.report.board import board_workbook

    res = pipeline.run(baseline(harrow).model_copy(update={"n_draws": 50}), harrow)
    book = openpyxl.load_workbook(io.BytesIO(board_workbook([res], harrow, charts=False)), read_only=True)
    cells = [str(c) for row in book["Provenance"].iter_rows(values_only=True) for c in row if c is not None]
    text = " ".join(cells)
    assert "rate_per_100k 2023-24" in cells and "383.8" in cells  # each published figure, with its period
    assert "Nearest areas (median)" in cells and "0.632" in cells  # London's delay beside Harrow's
    assert "Oct 2024, Nov 2024, Jan 2025, Feb 2025, Mar 2025" in text  # low-coverage months, named
