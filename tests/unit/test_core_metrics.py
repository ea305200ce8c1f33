"""Unit: the three 2025-27 BCF core metrics — definitions against hand-worked cases, the 65+ series (recorded,
calibrated or estimated), the chance against the maximum level, the quarterly on-track flag, bad input."""

from __future__ import annotations

import dataclasses
import io
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pydantic import ValidationError

from models import pipeline
from models.demand.older import calibration_factor, older_share
from models.inputs.areas import DEMO_DIR, AreaData, load_area, read_area_json, read_area_settings, validate_table
from models.inputs.history import nea65_by_fy, older_share_by_year
from models.pipeline import core_metrics as cm
from models.pipeline.views import plan_money
from models.report.pack import board_pack, pack_inputs
from models.scenario import Scheme, baseline, evolve
from models.scenario.presets import default_horizon
from models.scenario.terms import contributions

DEMO = Path(DEMO_DIR)


@pytest.fixture(scope="module")
def run(demo_area, base_scenario):
    sc = evolve(base_scenario, n_draws=300)
    return pipeline.run(sc, demo_area, pipeline.memo_stages())


def _without_65(area: AreaData) -> AreaData:
    """The demo area with no recorded 65+ series (the estimate path)."""
    tables = dict(area.tables)
    tables["admissions_monthly.csv"] = area.admissions.drop(columns="nea_65plus")
    return AreaData(area.meta, tables)


# --- definitions, by hand ----------------------------------------------------------------------------------------


def test_nea65_rate_is_per_100k_of_the_65plus_population_of_the_year_the_fy_starts(demo_area) -> None:
    raw = pd.read_csv(DEMO / "admissions_monthly.csv", parse_dates=["month"])
    pop = pd.read_csv(DEMO / "population.csv")
    in_fy = (raw["month"] >= "2021-04-01") & (raw["month"] <= "2022-03-01")
    pop65_2021 = pop.loc[(pop["year"] == 2021) & pop["age_band"].isin(["65-74", "75-84", "85+"]), "population"].sum()
    by_hand = raw.loc[in_fy, "nea_65plus"].sum() / pop65_2021 * 100_000
    h = nea65_by_fy(demo_area).set_index("fy")
    assert h.loc["2021-22", "rate_per_100k"] == pytest.approx(by_hand, rel=1e-12)
    assert not h["estimated"].any()


def test_the_estimated_share_is_the_age_band_rates_times_population() -> None:
    pop = pd.DataFrame(
        {"year": [2024] * 5, "age_band": ["0-17", "18-64", "65-74", "75-84", "85+"], "population": [1000, 0, 500, 0, 0]}
    )
    rates = {"0-17": 50.0, "18-64": 40.0, "65-74": 200.0, "75-84": 300.0, "85+": 400.0}
    # expected a year: 1,000 × 50/1,000 = 50 under 18; 500 × 200/1,000 = 100 aged 65-74 → share 100/150
    assert older_share_by_year(pop, rates)["index"].iloc[0] == pytest.approx(2 / 3)


def test_projected_rates_are_counts_over_the_fy_population(run) -> None:
    p = run.projection
    labels, rates = cm.nea65_rate_draws(p)
    first = p.months.get_loc(pd.Timestamp(int(labels[0][:4]), 4, 1))
    counts = p.nea65[:, first : first + 12].sum(axis=1)
    pop = p.population
    pop65 = pop.loc[(pop["year"] == int(labels[0][:4])) & pop["age_band"].isin(["65-74", "75-84", "85+"])]
    assert rates[:, 0] == pytest.approx(counts / pop65["population"].sum() * 100_000, rel=1e-12)
    # ASCOF 2C: the placements table's own rate (an independent computation) for the same year
    _, ascof = cm.ascof2c_rate_draws(p)
    plc = p.placements_of("scenario").set_index("fy")
    assert ascof[:, 0].mean() == pytest.approx(plc.loc[labels[0], "rate_mean"], rel=1e-9)


def test_the_delay_is_days_after_the_ready_date_over_all_discharges(run) -> None:
    w = run.winter
    per_rep = w.run.delay_days.sum(axis=1) / w.run.dis.sum(axis=1)
    assert cm.delay_draws(w) == pytest.approx(per_rep)
    assert float(np.mean(cm.delay_draws(w))) == pytest.approx(w.kpi("drd_mean_delay_all"), rel=1e-9)
    # the two quarters together hold every discharge of the winter
    dis = w.run.dis.sum(axis=1)
    q3, q4 = cm.delay_draws(w, 3), cm.delay_draws(w, 4)
    days = pd.date_range(w.start, periods=w.run.days, freq="D")
    n3 = w.run.dis[:, days.month >= 10].sum(axis=1)
    assert q3 * n3 + q4 * (dis - n3) == pytest.approx(per_rep * dis)


def test_the_recorded_delay_is_share_delayed_times_mean_delay(base_scenario) -> None:
    # England 2024-25: 13.5% delayed × 6.09 days = 0.82 days over all discharges (DOMAIN.md)
    f = evolve(base_scenario, flow={"drd_pct_delayed": 13.5, "drd_mean_delay_days": 6.09}).flow
    assert cm.drd_figure(f) == pytest.approx(0.82215)


# --- chance, quarters ----------------------------------------------------------------------------------------------


def test_chance_counts_draws_at_or_under_and_ignores_missing() -> None:
    assert cm.chance_at_or_under(np.array([1.0, 2.0, 3.0, 4.0]), 2.0) == pytest.approx(0.5)  # 2 is at: counts
    assert cm.chance_at_or_under(np.array([1.0, np.nan, 3.0]), 2.0) == pytest.approx(0.5)
    assert math.isnan(float(cm.chance_at_or_under(np.array([np.nan]), 2.0)))


def test_a_hand_worked_quarter() -> None:
    months = pd.date_range("2025-04-01", periods=12, freq="MS")
    monthly = np.repeat([10.0, 20.0, 30.0, 40.0], 3)  # Q1 … Q4 take 10%, 20%, 30%, 40% of the year
    shares = cm.quarter_shares(months, monthly)
    assert shares == pytest.approx([0.1, 0.2, 0.3, 0.4])
    levels = 1000.0 * shares  # a maximum level of 1,000 a year → 100, 200, 300, 400 a quarter
    assert cm.quarter_flags([90.0, 210.0, 300.0, float("nan")], levels) == [True, False, True, None]
    assert [cm.quarter_of(m) for m in (4, 6, 7, 12, 1, 3)] == [1, 1, 2, 3, 4, 4]


def test_quarterly_levels_add_up_to_the_year(run, demo_area) -> None:
    q = cm.quarterly_table(run, demo_area)
    for (metric, fy, source), group in q.groupby(["metric", "fy", "source"]):
        if metric != "delay":
            assert group["level"].sum() == pytest.approx(run.scenario.model_dump()[_AMBITION[metric]])
        assert (group["on_track"] == (group["value"] <= group["level"])).all(), (metric, fy, source)
    # the 65+ quarters' levels follow the projection's own seasonality (its first year, without scheme changes)
    base = run.projection.monthly_of("nea_65plus", "baseline").iloc[:12]
    by_quarter = base.groupby(base["month"].dt.month.map(cm.quarter_of))["mean"].sum()
    expected = 25_000 * by_quarter / by_quarter.sum()
    projected = q.loc[(q["metric"] == "nea65") & (q["source"] == "projected")].set_index("quarter")["level"]
    assert projected.to_numpy() == pytest.approx(expected.loc[[1, 2, 3, 4]].to_numpy())
    assert projected.std() > 1  # winter quarters carry more of the year than summer ones
    recorded = q.loc[(q["metric"] == "nea65") & (q["source"] == "recorded")]
    assert recorded["fy"].unique().tolist() == ["2024-25"]  # the latest complete recorded year
    assert recorded["level"].to_numpy() == pytest.approx(projected.to_numpy())  # one seasonal profile for both
    raw = pd.read_csv(DEMO / "admissions_monthly.csv", parse_dates=["month"])
    q1 = raw.loc[(raw["month"] >= "2024-04-01") & (raw["month"] <= "2024-06-01"), "nea_65plus"].sum()
    pop65 = demo_area.population_65plus()[2024]
    assert recorded["value"].iloc[0] == pytest.approx(q1 / pop65 * 100_000)


_AMBITION = {"nea65": "ambition_nea65_per_100k", "ascof2c": "ambition_rate_per_100k"}


# --- the headline, the ambition, the chance -------------------------------------------------------------------------


def test_core_metrics_against_the_maximum_levels(run, demo_area) -> None:
    metrics = cm.core_metrics(run, demo_area)
    assert list(metrics) == ["nea65", "delay", "ascof2c"]
    sc = run.scenario
    assert metrics["nea65"].ambition == sc.ambition_nea65_per_100k == 25_000  # the demo's area.json
    assert metrics["delay"].ambition == sc.ambition_delay_days == 0.8
    _, draws = cm.nea65_rate_draws(run.projection)
    assert metrics["nea65"].chance == pytest.approx((draws[:, 0] <= 25_000).mean())
    assert metrics["nea65"].p10 < metrics["nea65"].p50 < metrics["nea65"].p90
    h = pipeline.headline(run)
    assert h["p_nea65_within_ambition"] == pytest.approx(metrics["nea65"].chance)
    assert h["p_delay_within_ambition"] == pytest.approx(metrics["delay"].chance)
    assert h["p_ascof2c_within_ambition"] == pytest.approx(metrics["ascof2c"].chance)
    # a higher maximum level can only raise the chance of staying under it
    higher = pipeline.run(evolve(sc, ambition_nea65_per_100k=26_000), demo_area, pipeline.memo_stages())
    assert cm.core_metrics(higher, demo_area)["nea65"].chance >= metrics["nea65"].chance
    # published scale: England 2024-25 averages 0.82 days; areas range 0.11-2.02 (DOMAIN.md)
    assert 0.11 <= metrics["delay"].p50 <= 2.02


def test_the_ascof_series_is_named_where_2a2_joins_2c(demo_area, base_scenario) -> None:
    h = cm.metric_history(demo_area, base_scenario, "ascof2c").set_index("fy")["measure"]
    assert h["2022-23"] == "ASCOF 2A(2)" and h["2023-24"] == "ASCOF 2C"
    assert "2A part 2" in cm.ASCOF_JOIN_NOTE


# --- the 65+ series: recorded and calibrated, or estimated --------------------------------------------------------


def test_calibration_recovers_the_demo_share(demo_area, run) -> None:
    """The demo's 65+ series was drawn at 1.03 × the age-band share (scripts/make_demo_data.py)."""
    assert not run.projection.older.estimated
    assert run.projection.older.factor == pytest.approx(1.03, abs=0.01)


def test_without_a_65plus_series_the_figures_are_an_estimate(demo_area, base_scenario) -> None:
    area = _without_65(demo_area)
    sc = evolve(base_scenario, n_draws=200)
    res = pipeline.run(sc, area, pipeline.memo_stages())
    m = cm.core_metrics(res, area)["nea65"]
    assert m.estimate and "Estimate" in m.note
    assert res.projection.older.factor == 1.0
    assert nea65_by_fy(area)["estimated"].all()
    # the estimate's first year lies near the recorded series' (the demo's share is 3% above the estimate)
    recorded = cm.core_metrics(pipeline.run(sc, demo_area, pipeline.memo_stages()), demo_area)["nea65"]
    assert m.p50 == pytest.approx(recorded.p50 / 1.03, rel=0.02)


@pytest.mark.parametrize("recorded", [True, False])
def test_65plus_never_exceeds_all_ages_draw_by_draw(demo_area, base_scenario, recorded) -> None:
    area = demo_area if recorded else _without_65(demo_area)
    p = pipeline.run(evolve(base_scenario, n_draws=100), area, pipeline.memo_stages(), with_winter=False).projection
    assert (p.nea65 <= p.nea + 1e-9).all() and (p.nea65_baseline <= p.nea_baseline + 1e-9).all()
    assert (p.nea65 >= 0).all()


def test_calibration_factor_by_hand() -> None:
    months = pd.date_range("2023-04-01", periods=24, freq="MS")
    shares = pd.DataFrame({"year": [2022, 2023, 2024, 2025], "index": [0.5, 0.5, 0.5, 0.5]})
    nea = pd.Series(100.0, index=months)
    factor, estimated = calibration_factor(shares, nea, pd.Series(55.0, index=months))
    assert not estimated and factor == pytest.approx(1.1)  # 55 recorded against 100 × 0.5 estimated
    assert calibration_factor(shares, nea, None) == (1.0, True)
    pop = pd.DataFrame(
        {"year": [2024] * 5, "age_band": ["0-17", "18-64", "65-74", "75-84", "85+"], "population": [0, 0, 10, 0, 0]}
    )
    rates = dict.fromkeys(["0-17", "18-64", "65-74", "75-84", "85+"], 100.0)
    capped = older_share(pop, rates, months, nea, pd.Series(150.0, index=months))  # all 65+, recorded 1.5 × all
    assert capped.share.max() <= 1.0  # 65+ can never be more than every admission


def test_65plus_schemes_act_on_65plus_and_flow_into_all_ages(demo_area, base_scenario) -> None:
    stages = pipeline.memo_stages()
    sc = evolve(base_scenario, n_draws=200, savings_realised_pct=100.0)
    scheme = Scheme(
        name="Falls response 65+",
        budget_gbp=500_000,
        current_budget_gbp=0,
        reference_budget_gbp=500_000,
        metric="nea_65plus",
        effect_low=300,
        effect_central=300,
        effect_high=300,
        ramp_months=0,
        saturation=100,
    )
    with_it = evolve(sc, schemes=[*[s.model_dump() for s in sc.schemes], scheme.model_dump()])
    a, b = (
        pipeline.run(sc, demo_area, stages, with_winter=False),
        pipeline.run(with_it, demo_area, stages, with_winter=False),
    )
    drop65 = a.projection.nea65.sum(axis=1) - b.projection.nea65.sum(axis=1)
    drop_all = a.projection.nea.sum(axis=1) - b.projection.nea.sum(axis=1)
    years = len(a.projection.months) / 12
    assert drop65 == pytest.approx(drop_all)  # every avoided 65+ admission is an avoided admission
    assert drop65.mean() == pytest.approx(300 * years, rel=0.05)  # 300 a year from the first month (saturated 1×)


def test_all_age_schemes_avoid_65plus_admissions_in_proportion(demo_area, base_scenario) -> None:
    stages = pipeline.memo_stages()
    sc = evolve(base_scenario, n_draws=100)
    nea_schemes = [s for s in sc.schemes if s.metric == "nea"]
    more = evolve(
        sc,
        schemes=[
            {**s.model_dump(), "budget_gbp": s.budget_gbp * (1.5 if s.metric == "nea" else 1.0)} for s in sc.schemes
        ],
    )
    assert nea_schemes
    a, b = (
        pipeline.run(sc, demo_area, stages, with_winter=False),
        pipeline.run(more, demo_area, stages, with_winter=False),
    )
    pa, pb = a.projection, b.projection
    drop_all = pa.nea - pb.nea
    drop65 = pa.nea65 - pb.nea65
    assert drop65 == pytest.approx(drop_all * pa.older.share[None, :], abs=1e-9)


# --- bad input ------------------------------------------------------------------------------------------------------


def _admissions(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype(str)


def test_a_65plus_column_above_all_ages_is_refused_by_row_and_column() -> None:
    months = pd.date_range("2023-04-01", periods=3, freq="MS").strftime("%Y-%m-%d")
    raw = _admissions(
        [{"month": m, "nea": 100, "acs": 10, "nea_65plus": v} for m, v in zip(months, [50, 120, 40], strict=True)]
    )
    typed, problems = validate_table(raw, "admissions_monthly.csv")
    assert typed is None
    assert [(p.row, p.column) for p in problems] == [(3, "nea_65plus")]
    assert "cannot exceed 'nea'" in problems[0].message and "120" in problems[0].message
    bad = _admissions(
        [{"month": m, "nea": 100, "acs": 10, "nea_65plus": v} for m, v in zip(months, [50, "lots", 40], strict=True)]
    )
    _, problems = validate_table(bad, "admissions_monthly.csv")
    assert problems and problems[0].column == "nea_65plus" and problems[0].row == 3
    zero = _admissions([{"month": m, "nea": 100, "acs": 10, "nea_65plus": 0} for m in months])
    _, problems = validate_table(zero, "admissions_monthly.csv")
    assert problems and "every month is 0" in problems[0].message
    fine = _admissions([{"month": m, "nea": 100, "acs": 10, "nea_65plus": 60} for m in months])
    typed, problems = validate_table(fine, "admissions_monthly.csv")
    assert not problems and typed["nea_65plus"].tolist() == [60, 60, 60]


def test_an_implausible_maximum_level_is_refused_in_plain_words(base_scenario, tmp_path) -> None:
    with pytest.raises(ValidationError):
        evolve(base_scenario, ambition_nea65_per_100k=150_000)  # more than one admission a year per resident 65+
    with pytest.raises(ValidationError):
        evolve(base_scenario, ambition_delay_days=-1)
    info = json.loads((DEMO / "area.json").read_text(encoding="utf-8"))
    (tmp_path / "area.json").write_text(json.dumps({**info, "ambition_nea65_per_100k": 150_000}), encoding="utf-8")
    settings, problems = read_area_json(tmp_path)
    assert settings is None and "'ambition_nea65_per_100k' should be a number from 0 to 100,000" in str(problems[0])


def test_an_area_without_maximum_levels_holds_its_latest_level(demo_area, tmp_path) -> None:
    area = AreaData(
        dataclasses.replace(demo_area.meta, ambition_nea65_per_100k=None, ambition_delay_days=None), demo_area.tables
    )
    sc = baseline(area)
    assert sc.ambition_nea65_per_100k == round(nea65_by_fy(area)["rate_per_100k"].iloc[-1], -1)
    assert sc.ambition_delay_days == round(sc.flow.drd_pct_delayed / 100 * sc.flow.drd_mean_delay_days, 2)


# --- the same numbers in the board workbook ----------------------------------------------------------------------


def test_the_board_workbook_leads_with_the_core_metrics(run, demo_area) -> None:
    stages = pipeline.memo_stages()
    book = openpyxl.load_workbook(io.BytesIO(board_pack(pack_inputs(run, demo_area, stages), demo_area, charts=False)))
    ws = book["Headline"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[1][0] == "The BCF core metrics (2025-27) against the area's maximum levels"
    metrics = cm.core_metrics(run, demo_area)
    for row, m in zip(rows[3:6], metrics.values(), strict=True):
        assert row[0] == m.label
        assert row[2] == pytest.approx(m.p50, abs=0.01) and row[6] == pytest.approx(m.ambition)
        assert row[7] == pytest.approx(m.chance, abs=1e-3)
        assert row[8] == ("Yes" if m.within else "No")
    labels = [r[0] for r in rows]
    assert "Three-year plan: the settlement years 2026-27 to 2028-29" in labels
    assert "Quarterly on-track report" in labels


def test_loading_the_demo_reads_its_maximum_levels() -> None:
    area, problems = load_area(DEMO)
    assert not problems
    assert area.meta.ambition_nea65_per_100k == 25_000 and area.meta.ambition_delay_days == 0.8


def test_the_default_horizon_reaches_the_settlement_years(demo_area) -> None:
    assert default_horizon(demo_area) == 5  # data to March 2025: 2025-26 … 2029-30 hold 2026-27 to 2028-29
    tables = dict(demo_area.tables)
    for end, years in (("2021-03-01", 8), ("2020-12-01", 8), ("2017-03-01", 10)):
        adm = demo_area.admissions
        tables["admissions_monthly.csv"] = adm.loc[adm["month"] <= end]
        # data to March 2021: 2021-22 … 2028-29 is eight years; to December 2020 the part year does not count
        assert default_horizon(AreaData(demo_area.meta, tables)) == years, end


def test_an_uploaded_area_can_state_its_settings_in_area_csv(demo_area) -> None:
    settings, problems = read_area_settings(
        pd.DataFrame(
            {
                "setting": ["ambition_nea65_per_100k", "ambition_delay_days", "nhs_asc_requirement_gbp"],
                "value": ["26,500", "", "£6,799,326"],
            }
        )
    )
    assert not problems and settings == {"ambition_nea65_per_100k": 26_500.0, "nhs_asc_requirement_gbp": 6_799_326.0}
    _, problems = read_area_settings(pd.DataFrame({"setting": ["ambition_nea65_per_100k"], "value": ["150,000"]}))
    assert str(problems[0]) == "area.csv, row 2, column 'value': '150,000' is not a number between 0 and 100,000"


def test_the_plan_years_money_adds_up(base_scenario) -> None:
    """Income by source and spend by type for each settlement year: the lines add up to the totals, the balance is
    income less spend, and the income is what the partners are credited with."""
    sc = evolve(base_scenario, income=tuple({**dict(base_scenario.income), "additional_nhs": 400_000.0}.items()))
    t = plan_money(sc).set_index("line")
    assert list(t.columns) == list(cm.PLAN_YEARS)
    income = t.loc[[i for i in t.index if i.startswith("Income: ")]].sum()
    spend = t.loc[[i for i in t.index if i.startswith("Spend: ")]].sum()
    assert (income == t.loc["Income, all sources"]).all() and (spend == t.loc["Spend, all schemes"]).all()
    assert t.loc["Balance: income less spend"].to_numpy() == pytest.approx((income - spend).to_numpy())
    assert t.loc["Balance: income less spend", "2026-27"] == pytest.approx(400_000)  # the new money is unspent
    assert t.loc["Income, all sources", "2027-28"] == pytest.approx(sum(contributions(sc)))
