"""Unit: the whole-scenario run — purity, common random numbers, levers acting exactly as specified."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from models import pipeline
from models.core.fy import fy_label, fy_start
from models.demand.population import monthly_index
from models.scenario import evolve


@pytest.fixture(scope="module")
def fitted(demo_area):
    fits = pipeline.fit_all(demo_area)
    base = pipeline.simulate_base(fits, 5, 300, 7)
    return fits, base


def _project(sc, demo_area, fitted):
    fits, base = fitted
    return pipeline.project(evolve(sc, n_draws=300, seed=7), demo_area, fits, base)


def test_projection_months_whole_financial_years() -> None:
    months = pipeline.projection_months(pd.Timestamp("2025-03-01"), 5)
    assert months[0] == pd.Timestamp("2025-04-01") and months[-1] == pd.Timestamp("2030-03-01") and len(months) == 60
    part = pipeline.projection_months(pd.Timestamp("2024-12-01"), 2)  # Jan–Mar 2025 is a part year, then two FYs
    assert part[0] == pd.Timestamp("2025-01-01") and part[-1] == pd.Timestamp("2027-03-01")


def test_run_is_pure_and_seeded(base_scenario, demo_area, fitted) -> None:
    a = _project(base_scenario, demo_area, fitted)
    b = _project(base_scenario, demo_area, fitted)
    np.testing.assert_array_equal(a.nea, b.nea)
    np.testing.assert_array_equal(a.placements, b.placements)
    pd.testing.assert_frame_equal(a.annual, b.annual)


def test_zero_growth_leaves_rate_projection_unchanged(base_scenario, demo_area, fitted) -> None:
    zero = evolve(base_scenario, growth={"overrides": [(b, 0.0) for b in ("0-17", "18-64", "65-74", "75-84", "85+")]})
    proj = _project(zero, demo_area, fitted)
    _, base = fitted
    np.testing.assert_allclose(proj.nea_baseline, base.nea_rate, rtol=1e-12)


def test_growth_scales_counts_by_the_age_weighted_index(base_scenario, demo_area, fitted) -> None:
    hi = evolve(base_scenario, growth={"overrides": [("85+", 6.0)]})
    p0, p1 = _project(base_scenario, demo_area, fitted), _project(hi, demo_area, fitted)
    ratio = monthly_index(p1.index, p1.months) / monthly_index(p0.index, p0.months)
    np.testing.assert_allclose(
        p1.nea_baseline / p0.nea_baseline, np.broadcast_to(ratio, p0.nea_baseline.shape), rtol=1e-12
    )
    assert (ratio[12:] > 1).all()


def test_baseline_scenario_is_the_current_funding_trend_draw_for_draw(base_scenario, demo_area, fitted) -> None:
    """Every budget at its current value: "with schemes" equals the baseline trend exactly."""
    assert all(s.budget_gbp == s.current_budget_gbp for s in base_scenario.schemes)
    proj = _project(base_scenario, demo_area, fitted)
    np.testing.assert_array_equal(proj.nea, proj.nea_baseline)
    np.testing.assert_array_equal(proj.acs, proj.acs_baseline)
    np.testing.assert_array_equal(proj.placements, proj.placements_baseline)
    assert not proj.effects.avoided.any()
    # and the baseline trend is the demand model's own draws × the age-weighted index
    _, base = fitted
    np.testing.assert_allclose(
        proj.nea_baseline, base.nea_rate * monthly_index(proj.index, proj.months)[None, :], rtol=1e-12
    )


def test_moving_1m_changes_only_the_two_schemes_with_the_right_signs(base_scenario, demo_area, fitted) -> None:
    donor = next(s for s in base_scenario.schemes if s.name == "STARRS intermediate care")
    taker = next(s for s in base_scenario.schemes if s.name == "ICE high-risk cohorts")
    budgets = {donor.name: donor.budget_gbp - 1e6, taker.name: taker.budget_gbp + 1e6}
    moved = evolve(
        base_scenario,
        schemes=[{**s.model_dump(), "budget_gbp": budgets.get(s.name, s.budget_gbp)} for s in base_scenario.schemes],
    )
    proj = _project(moved, demo_area, fitted)
    by = dict(zip(proj.effects.names, range(len(proj.effects.names)), strict=True))
    av = proj.effects.avoided
    for name, j in by.items():
        if name == donor.name:
            assert (av[:, j, :] <= 0).all() and av[:, j, :].sum() < 0  # the cut adds admissions
        elif name == taker.name:
            assert (av[:, j, :] >= 0).all() and av[:, j, :].sum() > 0  # the rise avoids some
        else:
            assert not av[:, j, :].any()
    assert proj.nea.mean() > proj.nea_baseline.mean()  # STARRS buys more per £ than ICE at these budgets


def test_savings_not_realised_removes_benefits_but_not_harms(base_scenario, demo_area, fitted) -> None:
    rise = evolve(
        base_scenario,
        savings_realised_pct=0.0,
        schemes=[{**s.model_dump(), "budget_gbp": s.budget_gbp * 1.5} for s in base_scenario.schemes],
    )
    proj = _project(rise, demo_area, fitted)
    np.testing.assert_array_equal(proj.nea, proj.nea_baseline)  # more money, no benefit at 0%
    cut = evolve(
        base_scenario,
        savings_realised_pct=0.0,
        schemes=[{**s.model_dump(), "budget_gbp": s.budget_gbp * 0.5} for s in base_scenario.schemes],
    )
    assert (_project(cut, demo_area, fitted).nea >= proj.nea_baseline).all()  # a cut still costs


def test_placements_rate_uses_the_65plus_population(base_scenario, demo_area, fitted) -> None:
    t = _project(base_scenario, demo_area, fitted).placements_table
    np.testing.assert_allclose(t["rate_mean"], t["mean"] / t["population_65plus"] * 1e5, rtol=1e-9)
    assert t["p_meet_ambition"].between(0, 1).all()


def test_placements_exposure_follows_the_projected_65plus_population(base_scenario, demo_area, fitted) -> None:
    hi = evolve(base_scenario, growth={"older_people_adjust_pp": 3.0})
    p0, p1 = _project(base_scenario, demo_area, fitted), _project(hi, demo_area, fitted)
    e0 = p0.placements_table[p0.placements_table.series == "baseline"]["population_65plus"].to_numpy()
    e1 = p1.placements_table[p1.placements_table.series == "baseline"]["population_65plus"].to_numpy()
    pop = p1.index.set_index("year")["population_65plus"]
    np.testing.assert_allclose(e1, [pop[int(y)] for y in p1.fy_years])  # year by year
    assert (np.diff(e1) > 0).all() and (e1[1:] > e0[1:]).all()
    assert p1.placements_baseline.mean() > p0.placements_baseline.mean()


@pytest.fixture(scope="module")
def small_winter(base_scenario, demo_area, fitted):
    sc = evolve(base_scenario, n_draws=300, seed=7)
    fits, base = fitted
    proj = pipeline.project(sc, demo_area, fits, base)
    return sc, proj, pipeline.winter(sc, demo_area, proj)


def _winter_for(sc, demo_area, fitted):
    fits, base = fitted
    sc = evolve(sc, n_draws=300, seed=7)
    proj = pipeline.project(sc, demo_area, fits, base)
    return pipeline.winter(sc, demo_area, proj)


def test_one_monte_carlo_draw_carries_demand_to_beds(small_winter, demo_area) -> None:
    sc, proj, w = small_winter
    assert w.start == pd.Timestamp("2025-10-01") and w.arrivals_per_day.shape == (300, pipeline.WINTER_DAYS)
    # replication d is driven by demand draw d: its winter arrivals sum to that draw's Oct–Mar NEA
    months = (proj.months >= "2025-10-01") & (proj.months <= "2026-03-01")
    drawn = proj.nea[:, months].sum(axis=1)
    np.testing.assert_allclose(w.arrivals_per_day.sum(axis=1), drawn, rtol=0.01)
    assert np.corrcoef(drawn, w.run.arrivals.sum(axis=1))[0, 1] > 0.5
    assert (w.run.census <= w.run.beds_open).all()
    # the winter's spread carries demand uncertainty (not only Poisson noise)
    assert w.kpis.set_index("kpi").loc["mean_occupancy_pct", "p90"] > w.kpi("mean_occupancy_pct")


def test_simulated_stay_shares_within_1pp_of_the_demo_targets(small_winter) -> None:
    sc, _, w = small_winter
    cal = w.calibration
    assert abs(cal.simulated_14plus - sc.flow.share_14plus) <= 0.01
    assert abs(cal.simulated_21plus - sc.flow.share_21plus) <= 0.01
    assert cal.simulated_mean_los == pytest.approx(sc.flow.mean_los_days, abs=0.1)
    assert not any("no log-normal stay matches" in m for m in w.messages)
    # and in the winter run itself
    assert abs(w.kpi("share_14plus") - sc.flow.share_14plus) <= 0.015


def test_discharge_scheme_money_moves_capacity_and_delays(base_scenario, demo_area, fitted, small_winter) -> None:
    _, _, w0 = small_winter
    hf = next(s for s in base_scenario.schemes if s.metric == "p1_capacity")
    more = evolve(
        base_scenario,
        schemes=[
            {**s.model_dump(), "budget_gbp": s.budget_gbp + (1e6 if s.name == hf.name else 0)}
            for s in base_scenario.schemes
        ],
    )
    w1 = _winter_for(more, demo_area, fitted)
    per_week = 1e6 / (base_scenario.costs.p1_start * 365.25 / 7)
    assert w1.capacity_change["p1_starts_per_week"] == pytest.approx(per_week)  # ramp done by October
    assert w1.params.p1_starts_per_week == pytest.approx(w0.params.p1_starts_per_week + per_week)
    assert w1.kpi("delayed_bed_days") < w0.kpi("delayed_bed_days")
    lost0 = w0.kpi("delayed_bed_days") + w0.kpi("boarding_days")
    lost1 = w1.kpi("delayed_bed_days") + w1.kpi("boarding_days")
    assert lost1 < lost0
    # never avoids more delayed days than the flow has
    assert w0.kpi("delayed_bed_days") - w1.kpi("delayed_bed_days") <= w0.kpi("delayed_bed_days")
    # a cut moves it the other way
    cut = evolve(
        base_scenario,
        schemes=[
            {**s.model_dump(), "budget_gbp": 0.0 if s.name == hf.name else s.budget_gbp} for s in base_scenario.schemes
        ],
    )
    w2 = _winter_for(cut, demo_area, fitted)
    assert w2.params.p1_starts_per_week < w0.params.p1_starts_per_week
    assert w2.kpi("delayed_bed_days") > w0.kpi("delayed_bed_days")


def test_capacity_attribution_is_bounded_by_the_flow(base_scenario, small_winter) -> None:
    sc, _, w = small_winter
    out = pipeline.capacity_attribution(sc, w)
    assert set(out) == {s.name for s in sc.schemes if s.kind == "discharge capacity"}
    valued = {k: v for k, v in out.items() if not v.get("unable_to_cope")}
    assert valued  # at least one scheme can be valued at the margin
    for v in valued.values():
        assert v["delayed_days_avoided"] + v["boarding_days_avoided"] + v["surge_bed_days_avoided"] > 0
    total_lost = w.kpi("delayed_bed_days") + w.kpi("boarding_days")
    # valued at the margin (a share the system can do without), so each is a fraction of what is lost today
    assert all(v["delayed_days_avoided"] < total_lost for v in valued.values())


def test_escalation_dates_outside_the_window_are_reported(small_winter, demo_area) -> None:
    sc, proj, _ = small_winter
    odd = evolve(sc, flow={"escalation_beds": 10, "escalation_open": "04-01", "escalation_close": "06-30"})
    w = pipeline.winter(odd, demo_area, proj)
    assert any("outside this winter window" in m for m in w.messages)
    assert (w.run.beds_scheduled == sc.flow.core_beds).all()


def test_too_many_replications_capped_with_message(base_scenario) -> None:
    messages: list[str] = []
    assert pipeline.flow_reps(evolve(base_scenario, n_draws=5000), messages) == pipeline.MAX_FLOW_REPS
    assert messages and "demand draws" in messages[0]


def test_options_baseline_row_is_the_headline_and_options_score(small_winter) -> None:
    sc, _, w = small_winter
    options = pipeline.winter_options(evolve(sc, flow={"option_extra_p1_per_week": 0.0}), w)
    base = options.iloc[0]
    assert base["option"] == "baseline" and base["delayed_days_avoided"] == 0
    assert base["delayed_days"] == pytest.approx(w.kpi("delayed_bed_days"))  # one stream, one number
    assert base["boarding_days"] == pytest.approx(w.kpi("boarding_days"))
    zero_p1 = options[options["option"].str.contains("Home First")].iloc[0]
    assert zero_p1["delayed_days_avoided"] == 0  # +0 starts: identical to the scenario, draw by draw
    beds = options[options["option"].str.contains("escalation")].iloc[0]
    assert beds["boarding_days_avoided"] > 0 and beds["days_full"] < base["days_full"]
    steps = options[options["option"].str.contains("step-down")].iloc[0]
    assert steps["delayed_days_avoided"] > 0


def test_headline_definitions_shared(small_winter, base_scenario, demo_area, fitted) -> None:
    sc, proj, w = small_winter
    fits, _ = fitted
    h = pipeline.headline(pipeline.Results(sc, fits, proj, w))
    assert set(h) == set(pipeline.HEADLINE_LABELS)
    assert h["winter_delayed_bed_days"] == w.kpi("delayed_bed_days")
    assert h["winter_mean_occupancy_pct"] == w.kpi("mean_occupancy_pct") <= 100
    assert h["nea_change_first_fy"] == 0 and h["fund_budget_change_gbp"] == 0
    # the spend tile is the flow model's capacity spend, the same number as the options table's first row
    options = pipeline.winter_options(sc, w)
    assert h["winter_capacity_spend_gbp"] == pytest.approx(options["spend"].iloc[0])
    assert h["winter_boarding_days"] == w.kpi("boarding_days") and h["winter_days_full"] == w.kpi("days_full")
    # a cut shows in the change tile and the fund tile, with the right signs
    cut = evolve(
        sc,
        schemes=[
            {**s.model_dump(), "budget_gbp": 0.0 if s.name == "STARRS intermediate care" else s.budget_gbp}
            for s in sc.schemes
        ],
    )
    hc = pipeline.headline(pipeline.Results(cut, fits, _project(cut, demo_area, fitted), None))
    assert hc["nea_change_first_fy"] > 0 and hc["fund_budget_change_gbp"] == -3_400_000
    assert np.isnan(hc["winter_delayed_bed_days"])  # no winter: winter tiles are blank, not zero


def test_reference_scenario_is_current_funding_with_the_same_draws(base_scenario, demo_area) -> None:
    sc = evolve(base_scenario, n_draws=500, seed=3, horizon_years=4, flow={"escalation_beds": 27})
    ref = pipeline.reference_scenario(demo_area, sc)
    assert ref.n_draws == 500 and ref.seed == 3 and ref.horizon_years == 4
    assert ref.flow.escalation_beds == 0 and all(s.budget_gbp == s.current_budget_gbp for s in ref.schemes)


def test_money_by_financial_year_adds_up_and_books_placements_within_the_horizon(base_scenario, demo_area, fitted):
    assert (_project(base_scenario, demo_area, fitted).money["mean"] == 0).all()  # current funding: no money moves
    plc = next(s for s in base_scenario.schemes if s.metric == "placements")
    more = evolve(
        base_scenario,
        schemes=[
            {**s.model_dump(), "budget_gbp": s.budget_gbp + (1e6 if s.name == plc.name else 0)}
            for s in base_scenario.schemes
        ],
    )
    proj = _project(more, demo_area, fitted)
    m = proj.money.pivot(index="fy", columns="line", values="mean")
    np.testing.assert_allclose(m["budget_change"], 1e6)  # £1m a year extra, every complete year
    assert (m["placements_cash"] > 0).all() and (m["nea_value"] == 0).all()
    np.testing.assert_allclose(m["net"], m["nea_value"] + m["placements_cash"] - m["budget_change"])
    # cash builds up as avoided placements accumulate, and is never more than the stays within the horizon
    assert m["placements_cash"].is_monotonic_increasing
    avoided = proj.placements_baseline.sum(axis=1) - proj.placements.sum(axis=1)
    assert m["placements_cash"].sum() < avoided.mean() * more.costs.care_home_week * more.costs.placement_duration_weeks


def test_bed_need_is_the_demand_for_beds(small_winter) -> None:
    sc, _, w = small_winter
    need = pipeline.bed_need(w)
    # Little's law on the unconstrained system: arrivals a day × mean stay, where the winter's stay is the
    # calibrated stay to medically ready plus delays (busier than the year the stays were calibrated on)
    lam = w.arrivals_per_day.mean()
    assert need["mean_census"] > lam * w.params.mean_stay_days
    assert need["mean_census"] == pytest.approx(lam * sc.flow.mean_los_days, rel=0.1)
    assert need["mean_census"] <= need["p50_peak"] <= need["p90_peak"]
    assert need["p90_peak"] < 1.5 * sc.flow.core_beds  # a bad winter's busiest day, not an ED queue's build-up


def test_horizon_change_reuses_one_simulation(fitted) -> None:
    fits, _ = fitted
    full = pipeline.simulate_base_full(fits, 200, 11)
    short = pipeline.base_for_horizon(full, 3)
    assert len(short.months) == 36 and short.months[0] == pd.Timestamp("2025-04-01")
    np.testing.assert_array_equal(short.nea_rate, full.nea_rate[:, :36])  # a prefix: the same draws
    np.testing.assert_array_equal(pipeline.simulate_base(fits, 3, 200, 11).nea_rate, short.nea_rate)
    assert len(full.months) == 12 * pipeline.MAX_HORIZON_YEARS


def test_capacity_below_demand_is_reported(small_winter) -> None:
    _, _, w = small_winter
    assert pipeline.capacity_warnings(w.params, float(w.arrivals_per_day.mean())) == []  # the demo is stable
    short = dataclasses.replace(w.params, p1_starts_per_week=20.0)
    msgs = pipeline.capacity_warnings(short, float(w.arrivals_per_day.mean()))
    assert len(msgs) == 1 and msgs[0].startswith("Home First (P1): the winter needs about")
    assert "against 20.0, so its queue grows every day" in msgs[0]


def test_summaries_are_the_quantiles_of_the_draws(base_scenario, demo_area, fitted) -> None:
    """The fan, tables and tiles read these columns: each must be the named quantile of the paths (NumPy's)."""
    sc = evolve(
        base_scenario, schemes=[{**s.model_dump(), "budget_gbp": s.budget_gbp * 1.5} for s in base_scenario.schemes]
    )
    proj = _project(sc, demo_area, fitted)
    got = proj.monthly[(proj.monthly["metric"] == "nea") & (proj.monthly["series"] == "scenario")]
    for col, q in (("p025", 0.025), ("p10", 0.10), ("p50", 0.50), ("p90", 0.90), ("p975", 0.975)):
        np.testing.assert_allclose(got[col].to_numpy(), np.quantile(proj.nea, q, axis=0), rtol=1e-12)
    np.testing.assert_allclose(got["mean"].to_numpy(), proj.nea.mean(axis=0), rtol=1e-12)
    fy = fy_start(proj.months)
    first = fy == proj.fy_years[0]
    annual = proj.annual[(proj.annual["metric"] == "nea") & (proj.annual["series"] == "scenario")].iloc[0]
    year = proj.nea[:, first].sum(axis=1)
    assert annual["p10"] == pytest.approx(np.quantile(year, 0.1), rel=1e-12)
    assert annual["p90"] == pytest.approx(np.quantile(year, 0.9), rel=1e-12)


def test_money_by_year_is_summed_from_the_monthly_lines(base_scenario, demo_area, fitted) -> None:
    """Spend, value and cash by financial year, recomputed by hand from the effects (quantiles across draws)."""
    from models.money.schemes import placement_savings

    sc = evolve(
        base_scenario, schemes=[{**s.model_dump(), "budget_gbp": s.budget_gbp * 1.5} for s in base_scenario.schemes]
    )
    proj = _project(sc, demo_area, fitted)
    c, eff = sc.costs, proj.effects
    fy = fy_start(proj.months)
    cols = fy == proj.fy_years[1]
    value = (eff.total_nea_avoided() * c.nea_spell)[:, cols].sum(axis=1)
    cash = placement_savings(eff.by_metric("placements"), c.care_home_week, c.placement_duration_weeks)[:, cols].sum(
        axis=1
    )
    spend = sum(s.budget_gbp - s.current_budget_gbp for s in sc.schemes) / 12.0 * cols.sum()
    money = proj.money[proj.money["fy"] == fy_label(int(proj.fy_years[1]))].set_index("line")
    for line, x in (("nea_value", value), ("placements_cash", cash), ("net", value + cash - spend)):
        for col, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
            assert money.loc[line, col] == pytest.approx(np.quantile(x, q), rel=1e-9, abs=1e-6), (line, col)
        assert money.loc[line, "mean"] == pytest.approx(x.mean(), rel=1e-9, abs=1e-6)
    assert money.loc["budget_change", "p50"] == pytest.approx(spend, rel=1e-9)
    assert money.loc["placements_cash", "p90"] > 0  # the scenario avoids placements: the test has something to check


def test_scheme_table_columns_are_computed_from_the_draws(base_scenario, demo_area, fitted) -> None:
    """Each scheme row's ranges and money, recomputed per scheme from the effects (independently of the batching)."""
    from models.money.schemes import CAPACITY_METRICS, placement_savings

    sc = evolve(
        base_scenario, schemes=[{**s.model_dump(), "budget_gbp": s.budget_gbp * 1.5} for s in base_scenario.schemes]
    )
    proj = _project(sc, demo_area, fitted)
    eff, c, table = proj.effects, sc.costs, proj.schemes.set_index("scheme")
    years = len(proj.months) / 12.0
    buys = eff.drawn * (eff.multiplier * eff.realised)[None, :]
    checked = set()
    for j, s in enumerate(sc.schemes):
        if s.metric in CAPACITY_METRICS:
            continue
        row = table.loc[s.name]
        change = eff.avoided[:, j, :].sum(axis=1) / years
        assert row["change_a_year_p10"] == pytest.approx(np.quantile(change, 0.1), rel=1e-9, abs=1e-9)
        assert row["change_a_year_p90"] == pytest.approx(np.quantile(change, 0.9), rel=1e-9, abs=1e-9)
        assert row["avoided_a_year_p10"] == pytest.approx(np.quantile(buys[:, j], 0.1), rel=1e-9, abs=1e-9)
        assert row["avoided_a_year_p90"] == pytest.approx(np.quantile(buys[:, j], 0.9), rel=1e-9, abs=1e-9)
        if s.metric == "placements":
            cash = placement_savings(eff.avoided[:, j, :], c.care_home_week, c.placement_duration_weeks)
            assert row["change_savings_gbp"] == pytest.approx(cash.sum(axis=1).mean() / years, rel=1e-9)
        checked.add(s.metric)
    assert "placements" in checked and checked & {"nea", "acs"}
