"""Finance and risk share (models/money/riskshare.py, models/report/finance.py, the RiskShare terms).

Allocation tests use hand-made plan / outturn arrays, so each rule of the terms is checked on
numbers that can be worked by hand: conservation, equal shares at 50:50, caps and where their
excess goes, the order of cover, the performance element, percentiles, a year's statement,
the Excel workbook, and the terms' validation with plain messages.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from models.money import riskshare
from models.money.riskshare import LINES, Activity, FinanceInputs, allocate, partner_statement, partner_summary
from models.report.finance import finance_workbook
from models.scenario import Partner, RiskShare, Scenario, evolve, explain

ROOT = Path(__file__).resolve().parents[2]
ACUTE, PLC, PERF = LINES.index("acute_nea"), LINES.index("placements"), LINES.index("performance")


def terms(**kw: object) -> RiskShare:
    base = {"partners": [{"name": "ICB", "contribution_gbp": 10e6}, {"name": "Council", "contribution_gbp": 15e6}]}
    return RiskShare.model_validate({**base, **kw})


def inputs(var: dict[int, list[float]] | None = None, n_draws: int = 1, reduction: float = 0.0) -> FinanceInputs:
    """One financial year; ``var`` maps a line index to its variance per draw (plan 1m on every line)."""
    plan = np.full((len(LINES), 1), 1e6)
    plan[PERF] = 0.0
    out = np.repeat(plan[None], n_draws, axis=0).copy()
    for j, v in (var or {}).items():
        out[:, j, 0] += np.asarray(v, dtype=float)
    return FinanceInputs(("2025-26",), plan, out, np.full((n_draws, 1), reduction), 25e6)


def conserved(a: riskshare.Allocation) -> float:
    return float(np.abs(a.shares.sum(axis=1) + a.pool_cover + a.unshared - a.variance.sum(axis=1)).max())


def run(t: RiskShare, inp: FinanceInputs) -> riskshare.Allocation:
    return allocate(inp, t, np.array([p.contribution_gbp or 0.0 for p in t.partners]))


def test_fifty_fifty_gives_equal_shares() -> None:
    a = run(terms(), inputs({ACUTE: [800_000.0, -300_000.0, 50_000.0]}, n_draws=3))
    assert np.allclose(a.shares[:, 0], a.shares[:, 1])
    assert np.allclose(a.shares[:, 0, 0], [400_000.0, -150_000.0, 25_000.0])
    assert conserved(a) < 1e-6


def test_split_follows_contributions() -> None:
    a = run(terms(split_basis="contributions"), inputs({ACUTE: [1_000_000.0]}))
    assert a.shares[0, :, 0] == pytest.approx([400_000.0, 600_000.0])


def test_underspend_split_differs_from_overspend_split() -> None:
    t = terms(overspend_split=[0.7, 0.3], underspend_split=[0.2, 0.8])
    a = run(t, inputs({ACUTE: [1_000_000.0, -1_000_000.0]}, n_draws=2))
    assert a.shares[0, :, 0] == pytest.approx([700_000.0, 300_000.0])
    assert a.shares[1, :, 0] == pytest.approx([-200_000.0, -800_000.0])


def test_order_of_cover_variance_below_contingency_costs_partners_nothing() -> None:
    t = terms(contingency_gbp=500_000.0, threshold_gbp=100_000.0)
    a = run(t, inputs({ACUTE: [499_999.0, 500_000.0, 700_000.0]}, n_draws=3))
    assert np.allclose(a.shares[:2], 0.0)  # covered by the contingency: the partners pay nothing
    assert a.contingency_used[:, 0] == pytest.approx([499_999.0, 500_000.0, 500_000.0])
    # 700k: 500k contingency, then the 100k threshold on the acute line's lead (ICB), then 50:50
    assert a.threshold[2, :, 0] == pytest.approx([100_000.0, 0.0])
    assert a.shares[2, :, 0] == pytest.approx([150_000.0, 50_000.0])
    assert conserved(a) < 1e-6


def test_underspends_elsewhere_in_the_pool_cover_first() -> None:
    t = terms(contingency_gbp=100_000.0)
    a = run(t, inputs({ACUTE: [600_000.0], PLC: [-550_000.0]}))
    assert a.contingency_used[0, 0] == pytest.approx(50_000.0)  # only what the underspend left
    assert np.allclose(a.shares, 0.0)


def test_threshold_is_borne_by_the_lead_of_the_overspending_line() -> None:
    t = terms(threshold_gbp=200_000.0)
    a = run(t, inputs({PLC: [500_000.0]}))  # placements: the council leads
    assert a.threshold[0, :, 0] == pytest.approx([0.0, 200_000.0])
    assert a.shares[0, :, 0] == pytest.approx([150_000.0, 350_000.0])


def test_cap_never_exceeded_and_excess_goes_to_the_other_partner() -> None:
    t = terms(partners=[{"name": "ICB", "contribution_gbp": 10e6, "cap_gbp": 300_000.0},
                        {"name": "Council", "contribution_gbp": 15e6}])
    a = run(t, inputs({ACUTE: [2_000_000.0, 400_000.0]}, n_draws=2))
    assert a.shares[:, 0, 0].max() <= 300_000.0 + 1e-6
    assert a.shares[0, :, 0] == pytest.approx([300_000.0, 1_700_000.0])
    assert a.shares[1, :, 0] == pytest.approx([200_000.0, 200_000.0])  # under the cap: the plain split
    assert np.allclose(a.pool_excess, 0.0)
    assert conserved(a) < 1e-6


def test_cap_excess_left_to_the_pool_when_the_terms_say_so() -> None:
    t = terms(
        partners=[{"name": "ICB", "contribution_gbp": 10e6, "cap_gbp": 300_000.0},
                  {"name": "Council", "contribution_gbp": 15e6}],
        cap_excess_to="pool",
    )
    a = run(t, inputs({ACUTE: [2_000_000.0]}))
    assert a.shares[0, :, 0] == pytest.approx([300_000.0, 1_000_000.0])
    assert a.pool_excess[0, 0] == pytest.approx(700_000.0)
    assert conserved(a) < 1e-6


def test_every_partner_capped_leaves_the_rest_to_the_pool() -> None:
    t = terms(partners=[{"name": "ICB", "cap_gbp": 100_000.0}, {"name": "Council", "cap_gbp": 200_000.0}])
    a = run(t, inputs({ACUTE: [1_000_000.0]}))
    assert a.shares[0, :, 0] == pytest.approx([100_000.0, 200_000.0])
    assert a.pool_excess[0, 0] == pytest.approx(700_000.0)


def test_performance_element_released_exactly_when_the_target_is_met() -> None:
    t = terms(performance_pct=10.0, admissions_target_pct=3.5)  # 10% of the ICB's £10m: £1m
    reductions = np.array([[0.0349999], [0.035], [0.05]])
    inp = inputs(n_draws=3)
    inp = FinanceInputs(inp.fy, inp.plan, inp.outturn, reductions, inp.scheme_budget_gbp)
    a = run(t, inp)
    assert a.performance_gbp == pytest.approx(1_000_000.0)
    assert a.released[:, 0].tolist() == [False, True, True]
    assert a.variance[:, PERF, 0] == pytest.approx([1_000_000.0, 0.0, 0.0])
    assert a.shares[0, :, 0] == pytest.approx([500_000.0, 500_000.0])  # not released: the pool overspends
    assert np.allclose(a.shares[1:], 0.0)


def test_a_line_carried_by_a_named_partner_stays_out_of_the_pool() -> None:
    t = riskshare.preset_terms("NHS carries acute activity, council carries placements", terms())
    a = run(t, inputs({ACUTE: [400_000.0], PLC: [-100_000.0]}))
    assert a.shares[0, :, 0] == pytest.approx([400_000.0, -100_000.0])
    assert conserved(a) < 1e-6


def test_a_line_outside_the_agreement_is_reported_but_shared_by_no_one() -> None:
    t = terms(line_terms=[("acute_nea", "outside")])
    a = run(t, inputs({ACUTE: [400_000.0], PLC: [100_000.0]}))
    assert a.unshared[0, 0] == pytest.approx(400_000.0)
    assert a.shares[0, :, 0] == pytest.approx([50_000.0, 50_000.0])
    assert conserved(a) < 1e-6
    fund = riskshare.fund_statement(a, t).set_index(["line"])
    assert fund.loc["acute_nea", "carried_by"] == "outside the agreement"


def test_percentiles_match_numpy_on_the_draws() -> None:
    rng = np.random.default_rng(3)
    a = run(terms(overspend_split=[0.6, 0.4]), inputs({ACUTE: rng.normal(0, 1e6, 501)}, n_draws=501))
    s = partner_summary(a, exceed_gbp=250_000.0)
    pos = a.shares.sum(axis=2)
    for k in range(2):
        assert s.loc[k, ["p10_gbp", "p50_gbp", "p90_gbp"]].tolist() == pytest.approx(
            np.percentile(pos[:, k], [10, 50, 90]).tolist()
        )
        assert s.loc[k, "p_overspend"] == pytest.approx((pos[:, k] > 0).mean())
        assert s.loc[k, "p_exceed"] == pytest.approx((pos[:, k] > 250_000.0).mean())
        assert s.loc[k, "expected_liability_gbp"] == pytest.approx(np.maximum(pos[:, k], 0).mean())


def test_a_hand_worked_year() -> None:
    """Acute +£900k, placements −£200k, contingency £300k, threshold £100k, ICB 60% / council 40%.

    Net pooled overspend 700k; the contingency covers 300k, leaving 400k; the acute line (ICB's)
    bears the 100k threshold; the remaining 300k splits 180k / 120k. ICB: 280k; council: 120k.
    """
    t = terms(contingency_gbp=300_000.0, threshold_gbp=100_000.0, overspend_split=[0.6, 0.4])
    a = run(t, inputs({ACUTE: [900_000.0], PLC: [-200_000.0]}))
    st = partner_statement(a).set_index("partner")
    assert st.loc["ICB", "threshold_gbp"] == pytest.approx(100_000.0)
    assert st.loc["ICB", "overspend_share_gbp"] == pytest.approx(180_000.0)
    assert st.loc["ICB", "net_position_gbp"] == pytest.approx(280_000.0)
    assert st.loc["Council", "net_position_gbp"] == pytest.approx(120_000.0)
    assert st.loc["Council", "contribution_gbp"] == pytest.approx(15e6)
    assert a.contingency_used[0, 0] == pytest.approx(300_000.0)
    fund = riskshare.fund_statement(a, t).set_index("line")
    assert fund.loc["acute_nea", "variance_gbp"] == pytest.approx(900_000.0)
    assert fund.loc["pool_cover", "variance_gbp"] == pytest.approx(300_000.0)


def _activity(nea_out: np.ndarray) -> Activity:
    months = 12
    return Activity(
        fy=("2025-26",),
        nea_plan=np.array([1000.0]),
        nea_trend=np.array([1100.0]),
        nea_out=nea_out[:, None],
        nea_trend_out=np.full((len(nea_out), 1), 1100.0),
        plc_plan_m=np.full(months, 10.0),
        plc_trend_m=np.full(months, 10.0),
        plc_out_m=np.full((len(nea_out), months), 10.0),
        winter_plan=dict.fromkeys(riskshare.WINTER_VOLUMES, 0.0),
        winter_out={k: np.zeros(len(nea_out)) for k in riskshare.WINTER_VOLUMES},
        winter_fy=None,
        month_fy=np.zeros(months, dtype=int),
        scheme_budget_gbp=25e6,
    )


def _costs() -> object:
    from models.inputs.areas import load_area
    from models.scenario import baseline

    area, _ = load_area()
    return baseline(area), area


def test_cost_prices_activity_and_targets() -> None:
    sc, _ = _costs()
    act = _activity(np.array([1000.0, 1010.0]))
    inp = riskshare.cost(act, sc.risk_share, sc.costs)
    assert inp.variance[:, ACUTE, 0] == pytest.approx([0.0, 10 * sc.costs.nea_spell])
    assert np.allclose(inp.variance[:, PLC], 0.0)
    targeted = riskshare.cost(act, sc.risk_share.model_copy(update={"plan_nea_reduction_pct": 10.0}), sc.costs)
    assert targeted.plan[ACUTE, 0] == pytest.approx(990.0 * sc.costs.nea_spell)
    assert inp.nea_reduction[:, 0] == pytest.approx([1 - 1000 / 1100, 1 - 1010 / 1100])


def test_excel_export_matches_the_numbers_with_formats_and_no_formulas() -> None:
    sc, area = _costs()
    sc = evolve(sc, name="=HYPERLINK(\"http://x\",\"y\")")
    act = _activity(np.array([990.0, 1000.0, 1030.0, 1100.0]))
    fin = riskshare.finance_from_activity(sc, act, exceed_gbp=50_000.0)
    data = finance_workbook(sc, area, fin, today=dt.date(2026, 12, 1), exceed_gbp=50_000.0)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [
        "Cover",
        "Terms",
        "Statement",
        "Fund",
        "Percentiles",
        "Fund by source",
        "Spend by scheme",
        "Spend by type",
        "Contributions",
        "National conditions",
        "Assumptions",
    ]
    cover = {r[0].value: r[1] for r in wb["Cover"].iter_rows(min_row=2)}
    assert cover["Scenario"].value == sc.name and cover["Scenario"].data_type == "s"  # text, not a formula
    assert not str(cover["Report"].value).startswith("'")
    assert cover["Date"].is_date and cover["Date"].value.date() == dt.date(2026, 12, 1)
    assert cover["Random seed"].value == sc.seed and cover["Monte Carlo draws"].value == sc.n_draws
    assert "Illustrative" in cover["Data"].value
    ws = wb["Percentiles"]
    assert ws.freeze_panes == "A2"
    head = [c.value for c in ws[1]]
    for i, row in enumerate(fin.summary.itertuples(), start=2):
        cells = {h: ws.cell(row=i, column=j + 1) for j, h in enumerate(head)}
        assert cells["Partner"].value == row.partner
        assert isinstance(cells["P50 (£)"].value, float)
        assert cells["P50 (£)"].value == pytest.approx(row.p50_gbp)
        assert cells["P90 (£)"].value == pytest.approx(row.p90_gbp)
        assert "£" in cells["P50 (£)"].number_format
        assert cells["Chance of an overspend"].value == pytest.approx(row.p_overspend)
        assert "%" in cells["Chance of an overspend"].number_format
    st = wb["Statement"]
    head = [c.value for c in st[1]]
    col = head.index("Net position (£, mean)") + 1
    got = [st.cell(row=r, column=col).value for r in range(2, st.max_row + 1)]
    assert got == pytest.approx(fin.statement["net_position_gbp"].tolist())
    assump = wb["Assumptions"]
    items = {r[0].value: r for r in assump.iter_rows(min_row=2)}
    assert items["nea_spell"][1].value == pytest.approx(2400.0)
    assert "NAO" in items["nea_spell"][3].value


def test_old_two_partner_terms_still_load() -> None:
    old = json.loads((ROOT / "tests/fixtures/scenario_v1.json").read_text())
    old["risk_share"].update(overspend_share_first=0.7, savings_share_first=0.4, threshold_gbp=1000.0)
    sc = Scenario.from_json(json.dumps(old))
    t = sc.risk_share
    assert [p.name for p in t.partners] == ["ICB", "Council"]
    assert t.overspend_split == pytest.approx((0.7, 0.3))
    assert t.underspend_split == pytest.approx((0.4, 0.6))
    assert t.threshold_gbp == 1000.0
    assert Scenario.from_json(sc.to_json()) == sc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"overspend_split": [1.2, -0.2]}, "between 0% and 100%"),
        ({"overspend_split": [0.5, 0.4]}, "add up to 100%"),
        ({"partners": [{"name": "ICB", "cap_gbp": -1.0}, {"name": "Council"}]}, "cap must be between"),
        ({"partners": [{"name": "ICB", "contribution_gbp": -5.0}, {"name": "Council"}]}, "contribution must be"),
        ({"admissions_target_pct": 120.0}, "target must be 0–100%"),
        ({"partners": [{"name": "ICB"}, {"name": "ICB"}]}, "named once"),
        ({"partners": [{"name": "ICB"}], "overspend_split": [1.0], "underspend_split": [1.0]}, "at least two"),
    ],
)
def test_bad_terms_are_refused_with_a_plain_message(change: dict, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        terms(**change)
    assert any(message in line for line in explain(err.value)), explain(err.value)


@pytest.mark.parametrize("field", ["threshold_gbp", "contingency_gbp"])
def test_threshold_or_contingency_larger_than_the_fund_is_refused(field: str) -> None:
    sc, _ = _costs()
    fund = float(riskshare.contributions(sc).sum())
    with pytest.raises(ValidationError) as err:
        evolve(sc, risk_share={field: fund + 1.0})
    assert any("larger than the pooled fund" in line for line in explain(err.value))
    assert evolve(sc, risk_share={field: fund}).risk_share.model_dump()[field] == fund


def test_contributions_default_to_the_income_each_partner_pays() -> None:
    """Contributions follow who pays (docs/funding.md): NHS-side income the ICB, council-side the council."""
    sc, _ = _costs()
    c = riskshare.contributions(sc)
    income = dict(sc.income)
    nhs = sum(v for k, v in income.items() if k in ("nhs_minimum", "additional_nhs"))
    council = sum(v for k, v in income.items() if k in ("la_bcf_grant", "dfg", "additional_council"))
    assert c.tolist() == pytest.approx([nhs, council]) and nhs > 0 and council > 0
    t = sc.risk_share.model_copy(update={"partners": (Partner(name="ICB", contribution_gbp=1.0), sc.risk_share.partners[1])})
    assert riskshare.contributions(sc, t)[0] == 1.0


def test_presets() -> None:
    t = terms(overspend_split=[0.8, 0.2], underspend_split=[0.8, 0.2])
    assert riskshare.preset_terms("50:50", t).overspend_split == (0.5, 0.5)
    assert riskshare.preset_terms("In proportion to contributions", t).split_basis == "contributions"
    nhs = riskshare.preset_terms(riskshare.PRESET_NAMES[2], t)
    assert nhs.treatment("acute_nea") == "ICB" and nhs.treatment("placements") == "Council"
    with pytest.raises(ValueError, match="unknown preset"):
        riskshare.preset_terms("nope", t)


def test_summary_frame_columns() -> None:
    a = run(terms(), inputs({ACUTE: [1.0, 2.0]}, n_draws=2))
    assert list(partner_summary(a).columns) == list(riskshare.SUMMARY_COLUMNS)
    assert isinstance(partner_statement(a), pd.DataFrame)


def test_the_tornado_runs_on_the_pipeline_stages() -> None:
    """The tornado re-runs each input through the same stages as every other caller (same random numbers)."""
    from models import pipeline

    sc, area = _costs()
    # delayed days carried by their lead partner (the ICB) rather than reported outside the agreement
    sc = evolve(sc, n_draws=200, risk_share={"line_terms": (("delayed_days", "lead"), ("boarding", "lead"))})
    projected: list[str] = []
    memo = pipeline.memo_stages()

    def counting_project(s, a, f, b):  # noqa: ANN001, ANN202
        projected.append(s.growth.variant)
        return memo.project(s, a, f, b)

    stages = pipeline.Stages(fits=memo.fits, base=memo.base, project=counting_project, winter=memo.winter)
    tor = pipeline.tornado(sc, area, stages)
    assert {"low", "high"} <= set(projected)  # the growth variants went through the stages
    fin = pipeline.finance(sc, area, stages)
    assert np.array_equal(fin.activity.nea_out, pipeline.scenario_activity(sc, area, stages)[0].nea_out)
    assert set(tor["partner"]) == {"ICB", "Council"}
    assert {
        "Scheme effects", "Demographic growth", "Cost per emergency admission", "Home First (P1) capacity delivered"
    } <= set(tor["input"])
    cap = tor[(tor["input"] == "Home First (P1) capacity delivered") & (tor["partner"] == "ICB")].iloc[0]
    assert cap["p50_low_gbp"] >= cap["p50_high_gbp"]  # less Home First: more delayed days for the ICB (its lead)
    swings = tor.groupby("input", sort=False)["swing_gbp"].max().tolist()
    assert swings == sorted(swings, reverse=True)  # widest first
    growth = tor[(tor["input"] == "Demographic growth") & (tor["partner"] == "ICB")].iloc[0]
    assert growth["p50_high_gbp"] > growth["p50_base_gbp"] > growth["p50_low_gbp"]  # more demand: overspend


def test_placement_cost_is_placement_savings_summed_into_years() -> None:
    from models.money.schemes import placement_savings

    sc, _ = _costs()
    rng = np.random.default_rng(1)
    monthly = rng.uniform(0, 20, (7, 24))
    month_fy = np.repeat([0, 1], 12)
    want = placement_savings(monthly, sc.costs.care_home_week, sc.costs.placement_duration_weeks)
    got = riskshare._placement_cost(monthly, sc.costs, month_fy, 2)
    assert got == pytest.approx(np.stack([want[:, :12].sum(1), want[:, 12:].sum(1)], axis=1))
