"""Unit tests for models/money/schemes.py and models/charts/schemes.py (exact, hand-worked values)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from models.charts import schemes as charts
from models.core.units import fmt_gbp
from models.inputs.areas import DEMO_DIR, validate_table
from models.money.schemes import (
    TABLE_COLUMNS,
    WHOLE_FUND,
    break_even_activity,
    compute_effects,
    cost_per_avoided,
    draw_effects,
    effect_multiplier,
    effects_from_uniforms,
    gross_savings,
    net_cost,
    scheme_table,
    scheme_uniforms,
    unit_value,
)
from models.scenario import Costs, Scenario, Scheme, baseline, schemes_from_table
from models.scenario.capacity import ramp
from models.scenario.tables import schemes_to_rows, validate_scheme_rows

pytestmark = pytest.mark.unit

MONTHS12 = pd.date_range("2025-04-01", periods=12, freq="MS")
MONTHS60 = pd.date_range("2025-04-01", periods=60, freq="MS")
COSTS = Costs(
    nea_spell=2400,
    excess_bed_day=395,
    escalation_bed_day=901,
    care_home_week=916,
    placement_duration_weeks=104,
    p1_start=2022,
    p2_bed_day=300,
    p3_week=916,
)


def make(name: str = "A", metric: str = "nea", budget: float = 240_000, effect=(120, 120, 120), **kw) -> Scheme:
    lo, mid, hi = effect
    return Scheme(
        name=name,
        budget_gbp=budget,
        reference_budget_gbp=kw.pop("reference", budget if budget > 0 else 1.0),
        metric=metric,
        effect_low=lo,
        effect_central=mid,
        effect_high=hi,
        ramp_months=kw.pop("ramp_months", 0),
        saturation=kw.pop("saturation", 1.5),
        **kw,
    )


def demo_schemes() -> tuple[Scheme, ...]:
    raw = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    table, problems = validate_table(raw, "schemes.csv")
    assert not problems
    return schemes_from_table(table)


def demo_rows() -> pd.DataFrame:
    return schemes_to_rows(demo_schemes())


# --------------------------------------------------------------------------- saturation and ramp
def test_multiplier_zero_one_and_bound():
    assert effect_multiplier(0.0, 1e6, 1.5) == 0.0
    for s in (0.1, 0.5, 1.0, 1.5, 7.0, 100.0):
        assert effect_multiplier(1e6, 1e6, s) == 1.0  # exact, not approximately
        ceiling = 1 / (1 - math.exp(-1 / s))
        assert effect_multiplier(1e12, 1e6, s) == pytest.approx(ceiling, rel=1e-12)
    # doubling money does not double the effect; hand value for s = 1: (1 − e^−2)/(1 − e^−1)
    assert effect_multiplier(2e6, 1e6, 1.0) == pytest.approx((1 - math.exp(-2)) / (1 - math.exp(-1)), rel=1e-14)
    assert effect_multiplier(2e6, 1e6, 1.0) < 2
    # large s → nearly linear
    assert effect_multiplier(2e6, 1e6, 100.0) == pytest.approx(2.0, rel=0.01)


def test_multiplier_vectorised():
    out = effect_multiplier(np.array([0.0, 5e5, 1e6]), 1e6, 1.5)
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    assert out[0] == 0 and out[2] == 1 and 0.5 < out[1] < 1
    assert isinstance(effect_multiplier(5e5, 1e6, 1.5), float)


def test_ramp_values_and_full_after_ramp():
    np.testing.assert_allclose(ramp(6, 3), [0.25, 0.5, 0.75, 1, 1, 1])
    np.testing.assert_array_equal(ramp(4, 0), np.ones(4))
    for r in (1, 5, 12):
        path = ramp(36, r)
        assert np.all(path[r:] == 1.0) and path[r - 1] < 1.0
        assert np.all(np.diff(path) >= 0)
    assert ramp(3, 24).max() < 1  # longer than horizon: allowed, never full
    with pytest.raises(ValueError):
        ramp(5, -1)


def test_ramp_applied_in_effects_and_long_ramp_note():
    s = make(ramp_months=3)
    e = compute_effects([s], MONTHS12, {}, np.full((2, 1), 0.5))
    np.testing.assert_allclose(e.avoided[0, 0], 10 * ramp(12, 3))  # 120 a year = 10 a month at full effect
    long = compute_effects([make(ramp_months=24)], MONTHS12, {}, np.full((2, 1), 0.5))
    assert any(m.startswith("Note:") and "24 months" in m for m in long.messages)


# --------------------------------------------------------------------------- draws and CRN
def test_triangular_edges_and_degenerate():
    schemes = [make("a", effect=(10, 20, 40)), make("b", effect=(7, 7, 7)), make("c", effect=(0, 0, 5))]
    u = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1 / 3, 0.5, 0.5]])
    x = effects_from_uniforms(schemes, u)
    np.testing.assert_allclose(x[0], [10, 7, 0])
    np.testing.assert_allclose(x[1], [40, 7, 5])
    assert x[2, 0] == pytest.approx(20.0)  # F(mode) = (20−10)/(40−10) = 1/3
    assert x[2, 1] == 7.0


def test_triangular_mean():
    rng = np.random.default_rng(0)
    x = draw_effects([make(effect=(1000, 1700, 2500))], 200_000, rng)
    assert x.mean() == pytest.approx((1000 + 1700 + 2500) / 3, rel=0.005)


def test_draw_effects_reproducible():
    schemes = demo_schemes()
    a = draw_effects(schemes, 100, np.random.default_rng(7))
    b = draw_effects(schemes, 100, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_crn_same_uniforms_identical_and_other_schemes_unchanged():
    schemes = list(demo_schemes())
    u = scheme_uniforms([s.name for s in schemes], 300, 2022)
    e1 = compute_effects(schemes, MONTHS60, {}, u)
    e2 = compute_effects(schemes, MONTHS60, {}, u.copy())
    np.testing.assert_array_equal(e1.avoided, e2.avoided)
    richer = schemes.copy()
    richer[0] = richer[0].model_copy(update={"budget_gbp": richer[0].budget_gbp * 3})
    e3 = compute_effects(richer, MONTHS60, {}, u)
    np.testing.assert_array_equal(e3.avoided[:, 1:], e1.avoided[:, 1:])
    assert np.all(e3.avoided[:, 0].sum(axis=1) > e1.avoided[:, 0].sum(axis=1))


def test_scheme_uniforms_keyed_by_name():
    u1 = scheme_uniforms(["a", "b"], 50, 1)
    u2 = scheme_uniforms(["new", "b", "a"], 50, 1)
    np.testing.assert_array_equal(u1[:, 0], u2[:, 2])
    np.testing.assert_array_equal(u1[:, 1], u2[:, 1])
    assert not np.array_equal(scheme_uniforms(["a"], 50, 2)[:, 0], u1[:, 0])
    assert np.all((u1 >= 0) & (u1 < 1))


# --------------------------------------------------------------------------- combination and caps
def test_cap_at_baseline_with_message():
    schemes = [make("a", effect=(1200, 1200, 1200)), make("b", effect=(1200, 1200, 1200))]
    base = {"nea": np.full((4, 12), 150.0)}  # schemes would avoid 200 a month
    e = compute_effects(schemes, MONTHS12, base, np.full((4, 2), 0.5))
    assert e.capped["nea"] and not e.capped["placements"]
    assert np.all(e.total_nea_avoided() <= 150.0)
    np.testing.assert_allclose(e.total_nea_avoided(), 150.0, rtol=1e-9)
    np.testing.assert_allclose(e.avoided[:, 0], e.avoided[:, 1])  # proportional
    assert any("Schemes affecting NEA would avoid more than the baseline in 100% of draws" in m for m in e.messages)


def test_acs_counts_as_nea_and_shares_the_nea_cap():
    schemes = [make("n", effect=(600, 600, 600)), make("c", metric="acs", effect=(600, 600, 600))]
    u = np.full((3, 2), 0.5)
    free = compute_effects(schemes, MONTHS12, {}, u)
    np.testing.assert_allclose(free.total_nea_avoided(), 100.0)  # 50 + 50 a month
    np.testing.assert_allclose(free.by_metric("acs"), 50.0)
    capped = compute_effects(schemes, MONTHS12, {"nea": np.full(12, 70.0), "acs": np.full(12, 30.0)}, u)
    assert capped.capped["acs"] and capped.capped["nea"]
    assert np.all(capped.by_metric("acs") <= 30.0)
    assert np.all(capped.total_nea_avoided() <= 70.0)  # ACS capped at 30, then 50 + 30 > 70
    np.testing.assert_allclose(capped.total_nea_avoided(), 70.0, rtol=1e-9)


def test_missing_metric_uncapped_and_bad_shape():
    e = compute_effects(
        [make(metric="placements", effect=(1200, 1200, 1200))], MONTHS12, {"nea": np.zeros(12)}, np.zeros((2, 1))
    )
    np.testing.assert_allclose(e.by_metric("placements"), 100.0)
    assert not any(e.capped.values())
    with pytest.raises(ValueError, match="baseline 'placements'"):
        compute_effects([make(metric="placements")], MONTHS12, {"placements": np.zeros((3, 5))}, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="uniforms"):
        compute_effects([make()], MONTHS12, {}, np.zeros((2, 3)))


def test_realised_pct_and_zero_budget():
    u = np.full((2, 1), 0.5)
    np.testing.assert_allclose(compute_effects([make()], MONTHS12, {}, u, realised_pct=50).avoided, 5.0)
    assert compute_effects([make()], MONTHS12, {}, u, realised_pct=0).avoided.sum() == 0
    assert compute_effects([make(budget=0)], MONTHS12, {}, u).avoided.sum() == 0


def test_empty_fund():
    e = compute_effects([], MONTHS12, {"nea": np.ones(12)}, np.zeros((5, 0)))
    assert e.avoided.shape == (5, 0, 12)
    np.testing.assert_array_equal(e.total_nea_avoided(), np.zeros((5, 12)))
    t = scheme_table([], e, COSTS)
    assert list(t["scheme"]) == [WHOLE_FUND] and t["budget_gbp"].iloc[0] == 0


def test_effects_read_only():
    e = compute_effects([make()], MONTHS12, {}, np.full((2, 1), 0.5))
    with pytest.raises(ValueError):
        e.avoided[0, 0, 0] = 1.0


# --------------------------------------------------------------------------- money, hand-worked
def test_break_even_helpers_exact():
    assert break_even_activity(240_000, 2_400) == 100.0
    assert break_even_activity(0, 2_400) == 0.0
    assert break_even_activity(1, 0) == math.inf
    assert cost_per_avoided(240_000, 80) == 3_000.0
    assert cost_per_avoided(240_000, 0) is None
    assert gross_savings(120, 2_400) == 288_000
    assert net_cost(240_000, 288_000) == -48_000
    assert unit_value("nea", COSTS) == unit_value("acs", COSTS) == 2_400
    assert unit_value("placements", COSTS) == 916 * 104
    assert math.isnan(unit_value("p1_capacity", COSTS))  # capacity: valued by the flow model
    with pytest.raises(ValueError):
        unit_value("beds", COSTS)


def test_scheme_table_hand_worked():
    # deterministic: low = central = high = 120 NEAs a year at the budget (= reference), no ramp, no cap
    schemes = [make("A"), make("B", metric="placements", budget=95_264 * 2, effect=(1, 1, 1))]
    e = compute_effects(schemes, MONTHS12, {}, np.random.default_rng(3).random((50, 2)))
    t = scheme_table(schemes, e, COSTS).set_index("scheme")
    assert list(t.reset_index().columns) == list(TABLE_COLUMNS)
    a = t.loc["A"]
    assert a["avoided_a_year_mean"] == pytest.approx(120)
    assert a["avoided_a_year_p10"] == pytest.approx(120) and a["avoided_a_year_p90"] == pytest.approx(120)
    assert a["cost_per_avoided_gbp"] == pytest.approx(2_000)
    assert a["gross_savings_gbp"] == pytest.approx(288_000)
    assert a["net_cost_gbp"] == pytest.approx(-48_000)
    assert a["break_even_activity"] == 100
    assert a["p_break_even"] == 1.0
    b = t.loc["B"]
    assert b["break_even_activity"] == pytest.approx(2.0)
    assert b["net_cost_gbp"] == pytest.approx(95_264)
    assert b["p_break_even"] == 0.0
    w = t.loc[WHOLE_FUND]
    assert w["budget_gbp"] == 240_000 + 190_528
    assert w["gross_savings_gbp"] == pytest.approx(288_000 + 95_264)
    assert math.isnan(w["avoided_a_year_mean"])  # admissions + placements do not add up


def test_scheme_table_ramp_averages_over_horizon():
    e = compute_effects([make(ramp_months=3)], MONTHS12, {}, np.full((2, 1), 0.5))
    t = scheme_table([make(ramp_months=3)], e, COSTS)
    assert t["avoided_a_year_mean"].iloc[0] == pytest.approx(120)  # what it buys, at full effect
    assert t["change_a_year_mean"].iloc[0] == pytest.approx(10 * ramp(12, 3).sum())  # the change: 10 × 10.5 = 105


def test_scheme_table_totals_add_up_demo():
    schemes = demo_schemes()
    u = scheme_uniforms([s.name for s in schemes], 400, 2022)
    rng = np.random.default_rng(0)
    base = {"nea": 2000 + rng.normal(0, 50, (400, 60)), "placements": np.full(60, 15.0)}
    e = compute_effects(schemes, MONTHS60, base, u)
    t = scheme_table(schemes, e, COSTS)
    rows, total = t.iloc[:-1], t.iloc[-1]
    assert total["scheme"] == WHOLE_FUND
    for col in ("budget_gbp", "gross_savings_gbp", "net_cost_gbp", "change_savings_gbp", "change_net_gbp"):
        assert rows[col].sum() == pytest.approx(total[col], rel=1e-12)
    assert total["budget_gbp"] == pytest.approx(sum(s.budget_gbp for s in schemes))
    avoid = rows[rows["kind"] != "discharge capacity"]
    assert (avoid["avoided_a_year_p10"] <= avoid["avoided_a_year_mean"] + 1e-9).all()
    assert (avoid["avoided_a_year_mean"] <= avoid["avoided_a_year_p90"] + 1e-9).all()
    # the demo schemes are at their current budgets: no change, no change in money
    assert (rows["change_a_year_mean"].fillna(0) == 0).all() and total["change_net_gbp"] == 0
    assert t.attrs["horizon"].startswith("average a year over Apr 2025")


def test_scheme_table_single_metric_total_and_zero_budget():
    schemes = [make("A"), make("B", budget=0)]
    e = compute_effects(schemes, MONTHS12, {}, np.full((5, 2), 0.5))
    t = scheme_table(schemes, e, COSTS).set_index("scheme")
    assert math.isnan(t.loc["B", "cost_per_avoided_gbp"]) and math.isnan(t.loc["B", "p_break_even"])
    assert t.loc["B", "avoided_a_year_mean"] == 0
    assert t.loc[WHOLE_FUND, "avoided_a_year_mean"] == pytest.approx(120)
    assert t.loc[WHOLE_FUND, "break_even_activity"] == pytest.approx(100)


def test_fmt_gbp():
    assert fmt_gbp(1_234_567) == "£1.2m"
    assert fmt_gbp(250_000) == "£250k"
    assert fmt_gbp(950) == "£950"
    assert fmt_gbp(999_999) == "£1.0m"
    assert fmt_gbp(-3_400_000) == "−£3.4m"
    assert fmt_gbp(2.5e9) == "£2.5bn"
    assert fmt_gbp(float("nan")) == "–" and fmt_gbp(None) == "–"
    assert fmt_gbp(0) == "£0"


# --------------------------------------------------------------------------- table validation
def test_valid_rows_round_trip():
    schemes = demo_schemes()
    out, messages = validate_scheme_rows(schemes_to_rows(schemes), 60, None)
    assert messages == []
    assert out == schemes


def test_blank_rows_ignored_and_gbp_text_parsed():
    rows = demo_rows().astype(object)
    rows.loc[0, "budget_gbp"] = "£3,400,000"
    rows.loc[len(rows)] = [None] * rows.shape[1]
    out, messages = validate_scheme_rows(rows, 60)
    assert messages == [] and out is not None and len(out) == 10
    assert out[0].budget_gbp == 3_400_000


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (
            "budget_gbp",
            -5000,
            "Row 4 ('ICE high-risk cohorts'), column 'budget_gbp': the budget cannot be negative",
        ),
        ("effect_low", -1, "column 'effect_low': activity avoided cannot be negative"),
        ("effect_low", 4000, "column 'effect_low': low (4000) is above central (417)"),
        ("effect_high", 300, "column 'effect_high': high (300) is below central (417)"),
        (
            "metric",
            "beds",
            "column 'metric': 'beds' is not one of nea, acs, nea_65plus, placements, p1_capacity, p2_capacity, p3_capacity",
        ),
        ("name", "", "Row 4, column 'name': the scheme name is blank"),
        ("current_budget_gbp", -1, "column 'current_budget_gbp': '-1' must be a budget from £0 to £10bn"),
        ("name", "STARRS intermediate care", "column 'name': the name is already used by row 1"),
        ("budget_gbp", "lots", "column 'budget_gbp': 'lots' is not a number"),
        ("effect_central", "n/a", "column 'effect_central': 'n/a' is not a number"),
        ("ramp_months", 2.5, "column 'ramp_months': use a whole number of months"),
        ("saturation", 0, "column 'saturation': use a number above 0"),
    ],
)
def test_bad_cell_messages(column, value, expected):
    rows = demo_rows().astype(object)
    rows.loc[3, column] = value
    out, messages = validate_scheme_rows(rows, 60)
    assert out is None
    assert any(expected in m for m in messages), messages


def test_ramp_longer_than_horizon_is_a_note():
    rows = demo_rows()
    rows.loc[0, "ramp_months"] = 18
    out, messages = validate_scheme_rows(rows, 12)
    assert out is not None and out[0].ramp_months == 18
    assert len(messages) == 1 and messages[0].startswith("Note:") and "STARRS" in messages[0]


def test_ten_thousand_rows_one_message():
    rows = pd.concat([demo_rows()] * 1000, ignore_index=True)
    assert len(rows) == 10_000
    out, messages = validate_scheme_rows(rows, 60)
    assert out is None and len(messages) == 1
    assert "10,000" in messages[0] and "200" in messages[0]


def test_many_bad_rows_do_not_flood():
    rows = pd.concat([demo_rows()] * 20, ignore_index=True)  # 160 rows, 152 duplicate names
    out, messages = validate_scheme_rows(rows, 60)
    assert out is None and len(messages) <= 26 and messages[-1].startswith("… and")


def test_missing_column_and_not_a_frame():
    out, messages = validate_scheme_rows(demo_rows().drop(columns=["metric"]), 60)
    assert out is None and "metric" in messages[0]
    assert validate_scheme_rows([{"name": "x"}], 60)[0] is None  # type: ignore[arg-type]


def test_new_row_reference_rules():
    row = {
        "name": "New",
        "funding_source": "iBCF",
        "lead_partner": "Council",
        "budget_gbp": 0,
        "metric": "NEA",
        "effect_low": 10,
        "effect_central": 20,
        "effect_high": 30,
        "ramp_months": None,
        "saturation": None,
    }
    out, messages = validate_scheme_rows(pd.DataFrame([row]), 60)
    assert out is not None
    s = out[0]
    assert s.metric == "nea" and s.reference_budget_gbp == 1.0 and s.ramp_months == 3 and s.saturation == 1.5
    assert all(m.startswith("Note:") for m in messages) and len(messages) == 2
    e = compute_effects(out, MONTHS12, {}, np.full((3, 1), 0.9))
    assert e.avoided.sum() == 0  # £0 scheme has no effect
    # round trip leaves the £1 placeholder blank, so a budget typed next becomes the reference
    again = schemes_to_rows(out)
    assert pd.isna(again.loc[0, "reference_budget_gbp"])
    again.loc[0, "budget_gbp"] = 50_000
    out2, _ = validate_scheme_rows(again, 60)
    assert out2 is not None and out2[0].reference_budget_gbp == 50_000
    # a reference from the last valid set keeps diminishing returns when only the budget changes
    row2 = {**row, "budget_gbp": 100_000, "ramp_months": 0, "saturation": 1}
    out3, _ = validate_scheme_rows(pd.DataFrame([row2]), 60, {"New": 50_000})
    assert out3 is not None and out3[0].reference_budget_gbp == 50_000


def test_empty_table_is_valid():
    out, messages = validate_scheme_rows(schemes_to_rows([]), 60)
    assert out == () and messages and messages[0].startswith("Note:")


# --------------------------------------------------------------------------- charts
def _demo_table():
    schemes = demo_schemes()
    u = scheme_uniforms([s.name for s in schemes], 200, 1)
    base = {"nea": np.full(60, 2000.0), "acs": np.full(60, 150.0)}
    e = compute_effects(schemes, MONTHS60, base, u)
    return schemes, e, scheme_table(schemes, e, COSTS)


def test_waterfall_traces():
    schemes, e, table = _demo_table()
    fig = charts.waterfall(table, 24_000.0, note="Illustrative demo data")
    assert isinstance(fig, go.Figure) and len(fig.data) == 1
    wf = fig.data[0]
    assert wf.type == "waterfall"
    nea_like = [s.name for s in schemes if s.metric in ("nea", "acs")]
    assert list(wf.x) == ["Without scheme changes", *nea_like, "Scenario"]
    assert wf.measure[0] == "absolute" and wf.measure[-1] == "total"
    steps = np.array(wf.y[1:-1])
    assert np.all(steps == 0)  # the demo schemes at their current budgets change nothing
    assert wf.y[-1] == pytest.approx(24_000 + steps.sum())
    assert "£" in wf.hovertext[1]
    plc = charts.metric_waterfall(table, 190.0, "placements")
    assert len(plc.data[0].x) == 2 + sum(s.metric == "placements" for s in schemes)


def test_waterfall_steps_follow_budget_changes():
    schemes = demo_schemes()
    cut = tuple(s.model_copy(update={"budget_gbp": 0.0}) if s.name == "STARRS intermediate care" else s for s in schemes)
    u = scheme_uniforms([s.name for s in cut], 200, 1)
    e = compute_effects(cut, MONTHS60, {"nea": np.full(60, 2000.0), "acs": np.full(60, 150.0)}, u)
    wf = charts.waterfall(scheme_table(cut, e, COSTS), 24_000.0).data[0]
    steps = dict(zip(wf.x[1:-1], wf.y[1:-1], strict=True))
    assert steps["STARRS intermediate care"] > 0  # a cut adds admissions
    assert all(v == 0 for k, v in steps.items() if k != "STARRS intermediate care")


def test_before_after_traces():
    _, e, _ = _demo_table()
    base = np.full((200, 60), 2000.0)
    after = base - e.total_nea_avoided()

    def summ(p):
        return pd.DataFrame(
            {
                "month": MONTHS60,
                "mean": p.mean(0),
                "p10": np.quantile(p, 0.1, 0),
                "p50": np.median(p, 0),
                "p90": np.quantile(p, 0.9, 0),
            }
        )

    fig = charts.before_after(MONTHS60, summ(base), summ(after))
    names = [t.name for t in fig.data]
    assert names == ["Scenario: 80% range", "Without scheme changes", "Scenario (scheme changes)"]
    assert len(fig.data[0].x) == 120 and fig.data[0].fill == "toself"
    assert np.all(np.asarray(fig.data[2].y) <= np.asarray(fig.data[1].y))
    assert len(charts.before_after(None, summ(base), summ(after)).data[1].x) == 60


def test_cost_per_avoided_chart():
    schemes, _, table = _demo_table()
    fig = charts.cost_per_avoided(table)
    bars = [t for t in fig.data if t.type == "bar"]
    avoidance = [s for s in schemes if s.kind != "discharge capacity"]  # capacity is valued by the flow model
    assert {t.name for t in bars} == {charts.METRIC_LABELS[m] for m in {s.metric for s in avoidance}}
    assert sum(len(t.y) for t in bars) == len(avoidance)
    assert fig.data[-1].name == "Value of one avoided (break-even)"
    assert fig.layout.xaxis.type == "log"
    assert any("£" in h for h in bars[0].hovertext)


# --------------------------------------------------------------------------- money timing and capacity
def test_placement_savings_spread_over_the_stay_within_the_horizon():
    from models.money.schemes import placement_kernel, placement_savings

    k = placement_kernel(600, 114.0)
    assert k.sum() == pytest.approx(114.0, rel=1e-6)  # an unlimited horizon books the whole expected stay
    assert k[0] < k[1] and (np.diff(k[1:]) < 0).all()  # half a month first, then the survivors
    n = 60
    early = np.zeros((1, n))
    early[0, 0] = 1.0
    late = np.zeros((1, n))
    late[0, n - 6] = 1.0  # avoided in the last projected year, six months before the end
    s_early = placement_savings(early, 916.0, 114.0)
    s_late = placement_savings(late, 916.0, 114.0)
    assert s_early.sum() == pytest.approx(916.0 * placement_kernel(n, 114.0).sum())
    assert s_late.sum() == pytest.approx(916.0 * placement_kernel(6, 114.0).sum())  # only the weeks inside
    assert s_late.sum() < 916.0 * 6 * 365.25 / 7 / 12 + 1e-6  # at most six months of weekly cost
    assert (s_late[0, : n - 6] == 0).all()  # nothing booked before it is avoided
    assert s_early.sum() < 916.0 * 114.0  # not 114 weeks in the year it is avoided


def test_capacity_changes_from_budgets_with_ramp_and_realisation():
    from models.scenario.capacity import capacity_bought, capacity_changes

    hf = Scheme(name="HF", current_budget_gbp=1_000_000, budget_gbp=1_500_000, reference_budget_gbp=1.0, metric="p1_capacity", ramp_months=3)
    beds = Scheme(name="P2", current_budget_gbp=300 * 365.25 * 10, budget_gbp=300 * 365.25 * 4, reference_budget_gbp=1.0, metric="p2_capacity", ramp_months=0)
    full = capacity_changes([hf, beds], COSTS)
    assert full["p1_starts_per_week"] == pytest.approx(500_000 / (2022 * 365.25 / 7))
    assert full["p2_beds"] == pytest.approx(-6.0)
    assert full["p3_per_week"] == 0
    assert capacity_bought(beds, COSTS) == pytest.approx(4.0)
    ramped = capacity_changes([hf], COSTS, month_index=0)
    assert ramped["p1_starts_per_week"] == pytest.approx(full["p1_starts_per_week"] / 4)  # month 1 of a 3-month ramp
    half = capacity_changes([hf, beds], COSTS, realised_pct=50)
    assert half["p1_starts_per_week"] == pytest.approx(full["p1_starts_per_week"] / 2)  # benefits scaled
    assert half["p2_beds"] == pytest.approx(-6.0)  # the cut is not softened


# --------------------------------------------------------------------------- one definition of each scheme rule
def test_names_repeated_ignoring_case_refused_by_upload_editor_and_scenario(demo_area):  # noqa: ANN001
    """Upload, editor and Scenario share models.inputs.scheme_rules.repeated_names (the upload once compared exactly)."""
    raw = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    raw.loc[1, "name"] = raw.loc[0, "name"].upper() + " "
    _, problems = validate_table(raw, "schemes.csv")
    assert [(p.row, p.column) for p in problems] == [(3, "name")]
    assert "already used by row 2" in problems[0].message
    rows = demo_rows().astype(object)
    rows.loc[1, "name"] = rows.loc[0, "name"].upper()
    out, messages = validate_scheme_rows(rows, 60)
    assert out is None and any("the name is already used by row 1" in m for m in messages)
    base = baseline(demo_area)
    schemes = [s.model_dump() for s in base.schemes]
    schemes[1]["name"] = schemes[0]["name"].upper()
    with pytest.raises(ValueError, match="scheme names must be unique"):
        Scenario.model_validate({**base.model_dump(), "schemes": schemes})


def test_metric_aliases_and_effect_order_same_in_upload_and_editor():
    raw = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    raw.loc[0, "metric"] = " Admissions "
    table, problems = validate_table(raw, "schemes.csv")
    assert problems == [] and table.loc[0, "metric"] == "nea"  # the editor's alias, now also on upload
    raw.loc[0, "metric"] = "beds"
    _, problems = validate_table(raw, "schemes.csv")
    assert [str(p) for p in problems] == [
        "schemes.csv, row 2, column 'metric': 'beds' is not one of nea, acs, nea_65plus, placements, p1_capacity, "
        "p2_capacity, p3_capacity"
    ]
    raw = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    raw.loc[0, "effect_low"] = "5000"
    _, problems = validate_table(raw, "schemes.csv")
    rows = demo_rows().astype(object)
    rows.loc[0, "effect_low"] = 5000
    _, messages = validate_scheme_rows(rows, 60)
    words = "low (5000) is above central (1700); need low ≤ central ≤ high"
    assert [(p.column, p.message) for p in problems] == [("effect_low", words)]
    assert any(f"column 'effect_low': {words}" in m for m in messages)
