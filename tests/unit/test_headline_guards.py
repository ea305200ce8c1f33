"""Unit: a test behind every headline number (issue 17).

Each test here fails for one break of a line that computes a number users act on (the breaks a reviewer made
survived the older tests): the risk share's caps, the paired runs that value a discharge scheme, the unit costs of
boarding, escalation beds' closing day, the forecast's interval widening and combination, capacity ramps, the
financial year of the winter's money, links (checksum, area), Compare's differences, the Erlang and simulated bed
figures. Expected values are computed independently of the code under test (by hand or from first principles).
``scripts/mutation_check.py`` applies these breaks and runs this file to show they are caught.
"""

from __future__ import annotations

import base64
import dataclasses
import math
import types
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models import pipeline
from models.charts.finance import tornado_chart
from models.core.units import WEEKS_A_YEAR
from models.demand.forecasting import NAIVE, SeriesFit, _geomean, _geomean_rows, fit_series
from models.flow import simulate as flow_simulate
from models.flow.beds import beds_for_refusal
from models.flow.simulate import FlowCosts, flow_costs, per_rep_costs
from models.money.riskshare import LINES, Finance, FinanceInputs, allocate
from models.pipeline import stages as stages_mod
from models.pipeline.compare import comparison_table, diff_label
from models.scenario import RiskShare, Scenario, Scheme, evolve
from models.scenario.capacity import capacity_bought, capacity_changes
from models.store.library import ScenarioStore
from models.store.links import LinkError, from_link_token, to_link_token

N_DRAWS = 200  # enough for every property below; keeps the module quick


def _fy_of(day: pd.Timestamp) -> str:
    """Financial-year label of a date, by hand (April–March): 1 Oct 2025 -> "2025-26"."""
    y = day.year if day.month >= 4 else day.year - 1
    return f"{y}-{str(y + 1)[-2:]}"


# ---------------------------------------------------------------------------- shared runs


@pytest.fixture(scope="module")
def memo() -> pipeline.Stages:
    return pipeline.memo_stages()


@pytest.fixture(scope="module")
def home_first_sc(demo_area, base_scenario: Scenario) -> Scenario:
    """The baseline with £1m more a year in Home First (its scenario budget differs from its current one), distinct
    boarding and delayed-day costs, and escalation beds open December–March."""
    schemes = [s.model_dump() for s in base_scenario.schemes]
    hf = next(i for i, s in enumerate(schemes) if s["name"].startswith("Home First"))
    schemes[hf]["budget_gbp"] = schemes[hf]["current_budget_gbp"] + 1_000_000.0
    return evolve(
        base_scenario,
        n_draws=N_DRAWS,
        schemes=schemes,
        costs={"boarding_day": 345.0, "excess_bed_day": 395.0},
        flow={"escalation_beds": 20, "escalation_open": "12-01", "escalation_close": "03-31"},
    )


@pytest.fixture(scope="module")
def hf_run(home_first_sc: Scenario, demo_area, memo: pipeline.Stages) -> pipeline.Results:
    r = pipeline.run(home_first_sc, demo_area, memo)
    assert r.winter is not None
    return r


@pytest.fixture(scope="module")
def hf_finance(home_first_sc: Scenario, demo_area, memo: pipeline.Stages) -> Finance:
    return pipeline.finance(home_first_sc, demo_area, memo)


# ---------------------------------------------------------------------------- 1. caps: excess pro rata


def test_capped_partners_excess_goes_to_the_others_pro_rata_to_their_split() -> None:
    """£1m pooled overspend split 50/40/10; A is capped at £300k, so its £200k excess goes 4:1 to B and C."""
    terms = RiskShare(
        partners=({"name": "A", "cap_gbp": 300_000.0}, {"name": "B"}, {"name": "C"}),
        overspend_split=(0.5, 0.4, 0.1),
        underspend_split=(0.5, 0.4, 0.1),
        acute_lead="A",
        social_care_lead="B",
    )
    n_lines = len(LINES)
    plan = np.zeros((n_lines, 1))
    out = np.zeros((1, n_lines, 1))
    out[0, LINES.index("acute_nea"), 0] = 1_000_000.0
    inputs = FinanceInputs(("2025-26",), plan, out, np.ones((1, 1)), 0.0)
    alloc = allocate(inputs, terms, np.array([1.0, 1.0, 1.0]))
    got = alloc.shares[0, :, 0]
    # A: 300k (cap); B: 400k + 200k × 0.4/0.5 = 560k; C: 100k + 200k × 0.1/0.5 = 140k (equal shares: 500k / 200k).
    np.testing.assert_allclose(got, [300_000.0, 560_000.0, 140_000.0], rtol=1e-9)
    assert got.sum() == pytest.approx(1_000_000.0)


# ---------------------------------------------------------------------------- 4. escalation beds' closing day


@pytest.mark.parametrize(
    ("open_", "close", "first", "last"),
    [("12-01", "03-31", "2025-12-01", "2026-03-31"), ("11-15", "02-28", "2025-11-15", "2026-02-28")],
)
def test_escalation_beds_are_open_on_their_closing_day(
    base_scenario: Scenario, open_: str, close: str, first: str, last: str
) -> None:
    sc = evolve(base_scenario, flow={"escalation_beds": 10, "escalation_open": open_, "escalation_close": close})
    start = pd.Timestamp("2025-10-01")
    cal = types.SimpleNamespace(los_mu=1.5, los_sigma=0.8, p0_delay_share=0.0, p0_delay_mean_days=1.0)
    params, _ = stages_mod.flow_params(sc, start, cal)  # type: ignore[arg-type]
    days_open = (pd.Timestamp(last) - pd.Timestamp(first)).days + 1  # both ends inclusive
    assert params.escalation_open_day == (pd.Timestamp(first) - start).days
    assert params.escalation_close_day - params.escalation_open_day == days_open
    assert params.beds_available(pipeline.WINTER_DAYS)[(pd.Timestamp(last) - start).days] == sc.flow.core_beds + 10


# ---------------------------------------------------------------------------- 5, 6. forecast intervals, combination


@pytest.fixture(scope="module")
def volatile_fit() -> SeriesFit:
    """A naive forecast of a series that turns volatile in its last 40 months: its backtest errors exceed the
    in-sample ones, so its intervals are widened (factor > 1)."""
    rng = np.random.default_rng(1)
    n = 84
    idx = pd.date_range("2016-04-01", periods=n, freq="MS")
    t = np.arange(n)
    steps = np.where(t > n - 40, rng.normal(0, 0.08, n), rng.normal(0, 0.005, n))
    counts = pd.Series(rng.poisson(2000 * np.exp(np.cumsum(steps))).astype(float), index=idx)
    return fit_series(counts, pd.Series(np.ones(n), index=idx), "nea", "observed", candidates=[NAIVE])


def test_the_interval_widening_factor_is_applied_to_the_simulated_paths(volatile_fit) -> None:
    fit = volatile_fit
    widen = fit.calibration.widen
    assert widen > 1.2
    unwidened = dataclasses.replace(fit, calibration=dataclasses.replace(fit.calibration, widen=1.0))
    n = 12  # the backtested horizon (beyond it the spread grows by a fixed amount a year: docs/forecasting.md)
    point = fit.forecast_rate(n)
    wide = np.log(fit.simulate_rate_paths(n, 400, np.random.default_rng(3)) / point)
    narrow = np.log(unwidened.simulate_rate_paths(n, 400, np.random.default_rng(3)) / point)
    # the paths are centred month by month (a constant log shift per month, so their mean is the point): the spread
    # around each month's centre is the widened one
    np.testing.assert_allclose(
        wide - wide.mean(axis=0), widen * (narrow - narrow.mean(axis=0)), rtol=1e-9, atol=1e-12
    )
    hs = np.arange(1, n + 1)
    c = fit.calibration
    np.testing.assert_allclose(c.sigma(hs), c.ratio * widen * np.sqrt(c.a + c.b * hs))


def test_the_forecast_combination_is_a_geometric_mean() -> None:
    a, b, c = np.array([1.0, 4.0, 100.0]), np.array([16.0, 1.0, 100.0]), np.array([4.0, 16.0, 100.0])
    np.testing.assert_allclose(_geomean([a, b, c]), [4.0, 4.0, 100.0])  # cube roots of 64, 64, 10^6
    np.testing.assert_allclose(_geomean_rows(np.array([[1.0, 9.0]]), np.array([[4.0, 1.0]])), [[2.0, 3.0]])


# ---------------------------------------------------------------------------- 7. capacity ramps


@pytest.mark.parametrize(("month_index", "share"), [(0, 0.25), (1, 0.5), (2, 0.75), (3, 1.0), (9, 1.0)])
def test_capacity_change_in_a_month_follows_the_ramp(base_scenario: Scenario, month_index: int, share: float) -> None:
    """Ramp 3: 25%, 50%, 75% of the change in the first three projected months (month 0 = the first)."""
    s = Scheme(
        name="Extra Home First", metric="p1_capacity", current_budget_gbp=0.0, budget_gbp=1_000_000.0,
        reference_budget_gbp=1_000_000.0, ramp_months=3,
    )
    full = 1_000_000.0 / (base_scenario.costs.p1_start * WEEKS_A_YEAR)
    got = capacity_changes([s], base_scenario.costs, month_index)["p1_starts_per_week"]
    assert got == pytest.approx(share * full)


# ---------------------------------------------------------------------------- 9, 10. links


def test_a_link_cut_inside_its_checksum_is_refused(demo_area, base_scenario: Scenario) -> None:
    sc = evolve(base_scenario, n_draws=500, seed=9)
    token = to_link_token(sc, base_scenario, demo_area.fingerprint)
    body = token[len("l1.") :]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert zlib.decompress(raw)  # the whole token is sound
    for cut in (1, 2, 3, 4):  # zlib's last 4 bytes are the Adler-32 checksum
        short = "l1." + base64.urlsafe_b64encode(raw[:-cut]).decode("ascii").rstrip("=")
        with pytest.raises(LinkError):
            from_link_token(short, base_scenario)


def test_links_by_id_are_keyed_by_area_as_well_as_scenario(tmp_path: Path, base_scenario: Scenario) -> None:
    store = ScenarioStore(f"sqlite:///{tmp_path / 'library.sqlite3'}")
    try:
        a = store.save_link(base_scenario, "area-one")
        b = store.save_link(base_scenario, "area-two")
        assert a != b
        assert store.save_link(base_scenario, "area-one") == a  # same in, same id
        assert store.load_link(a) == (base_scenario, "area-one")
        assert store.load_link(b) == (base_scenario, "area-two")
    finally:
        store.close()


# ---------------------------------------------------------------------------- 11. Compare's differences


def test_compare_differences_are_each_scenario_minus_the_first() -> None:
    figures = [{"cost_gbp": 100.0, "beds": 50.0}, {"cost_gbp": 130.0, "beds": 45.0}, {"cost_gbp": 90.0, "beds": 50.0}]
    t = comparison_table(figures, ["A", "B", "C"]).set_index("figure")
    assert t.loc["cost_gbp", diff_label("B", "A")] == 30.0
    assert t.loc["cost_gbp", diff_label("C", "A")] == -10.0
    assert t.loc["beds", diff_label("B", "A")] == -5.0
    assert t.loc["beds", diff_label("C", "A")] == 0.0
    assert diff_label("B", "A") == "B − A"


# ---------------------------------------------------------------------------- 12. bed figures


def _erlang_b_direct(c: int, a: float) -> float:
    """B(c, A) = (A^c / c!) / Σ_{k≤c} A^k / k!, by the definition (log scale, no recursion)."""
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c + 1)]
    m = max(logs)
    return math.exp(logs[-1] - m) / sum(math.exp(x - m) for x in logs)


@pytest.mark.parametrize(("load", "target"), [(20.0, 0.02), (80.0, 0.05), (300.0, 0.01), (5.0, 0.2)])
def test_erlang_beds_meet_the_stated_probability_and_no_fewer_would(load: float, target: float) -> None:
    c = beds_for_refusal(load, target)
    assert _erlang_b_direct(c, load) <= target
    assert _erlang_b_direct(c - 1, load) > target  # one bed fewer misses the stated probability


def test_the_winter_pages_bed_figures_use_the_stated_probability_and_occupancy() -> None:
    """20 beds' load: 20 / 0.92 = 21.7 -> 22 beds; Erlang at 2% (the page's default) by the definition."""
    sizing = stages_mod.bed_sizing({"mean_census": 20.0, "p50_peak": 0.0, "p90_peak": 0.0}, 0.92, 0.02)
    assert sizing["simple"] == 22
    c = sizing["erlang"]
    assert _erlang_b_direct(c, 20.0) <= 0.02 < _erlang_b_direct(c - 1, 20.0)


# ---------------------------------------------------------------------------- 2. capacity attribution


def test_capacity_attribution_removes_what_the_scenario_budget_buys(
    home_first_sc: Scenario, hf_run: pipeline.Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each paired run takes away the capacity of the scheme's *scenario* budget (£ a year ÷ £ a unit a year)."""
    w = hf_run.winter
    seen: list[flow_simulate.FlowParams] = []
    real = stages_mod.simulate_flow

    def spy(arrivals, params, reps, seed):  # noqa: ANN001, ANN202 - same signature as simulate_flow
        seen.append(params)
        return real(arrivals, params, reps, seed)

    monkeypatch.setattr(stages_mod, "simulate_flow", spy)
    out = pipeline.capacity_attribution(home_first_sc, w)
    p1_schemes = [s for s in home_first_sc.schemes if s.metric == "p1_capacity" and s.budget_gbp > 0]
    hf = next(s for s in p1_schemes if s.name.startswith("Home First"))
    assert hf.budget_gbp != hf.current_budget_gbp
    unit = home_first_sc.costs.p1_start * 365.25 / 7.0  # £ a year for one start a week
    # valued at the margin: the paired run removes the share of that capacity the winter can do without
    valued = [s for s in p1_schemes if not out[s.name].get("unable_to_cope")]
    assert hf in valued
    expected = {
        round(w.params.p1_starts_per_week - out[s.name]["share_valued"] * s.budget_gbp / unit, 6) for s in valued
    }
    got = {round(p.p1_starts_per_week, 6) for p in seen}
    assert expected <= got, (expected, got)
    assert out[hf.name]["delayed_days_avoided"] > 0


# ---------------------------------------------------------------------------- 3. boarding days' unit cost


def test_boarding_days_are_priced_at_the_boarding_cost_not_the_delayed_day_cost(
    home_first_sc: Scenario, hf_run: pipeline.Results, hf_finance
) -> None:
    w = hf_run.winter
    run = w.run
    boarding = run.ed_wait_bins.sum(axis=1) / 48.0  # patient-days waiting in ED, to the half hour
    delayed = run.delayed.sum(axis=1).astype(float)
    assert boarding.sum() > 0 and delayed.sum() > 0
    per = per_rep_costs(run, FlowCosts(delayed_bed_day=395.0, boarding_day=345.0))
    np.testing.assert_allclose(per["boarding_cost"], boarding * 345.0)
    np.testing.assert_allclose(per["delayed_days_cost"], delayed * 395.0)
    # the winter page's cost table, from the scenario's own costs
    costs = w.costs.set_index("component")
    assert costs.loc["boarding_cost", "mean"] == pytest.approx(boarding.mean() * 345.0)
    assert costs.loc["delayed_days_cost", "mean"] == pytest.approx(delayed.mean() * 395.0)
    table = flow_costs(run, FlowCosts(delayed_bed_day=1.0, boarding_day=1000.0)).set_index("component")
    assert table.loc["boarding_cost", "mean"] == pytest.approx(boarding.mean() * 1000.0)
    # the finance's boarding line: the outturn's boarding days at £345
    act = hf_finance.activity
    j = act.winter_fy
    assert j is not None
    got = hf_finance.inputs.outturn[:, LINES.index("boarding"), j]
    np.testing.assert_allclose(got, act.winter_out["boarding_cost"] * 345.0)
    got_delayed = hf_finance.inputs.outturn[:, LINES.index("delayed_days"), j]
    np.testing.assert_allclose(got_delayed, act.winter_out["delayed_days_cost"] * 395.0)


# ---------------------------------------------------------------------------- 8. the financial year of the money


def test_the_winters_money_is_booked_in_the_winters_financial_year(hf_run: pipeline.Results, hf_finance) -> None:
    act = hf_finance.activity
    winter_fy = _fy_of(hf_run.winter.start)
    assert act.winter_fy is not None and act.fy[act.winter_fy] == winter_fy
    fund = hf_finance.fund
    for line in ("escalation_beds", "delayed_days", "boarding"):
        rows = fund[fund["line"] == line].set_index("fy")["outturn_gbp"]
        assert rows[winter_fy] > 0, line
        assert (rows.drop(winter_fy) == 0).all(), line


@pytest.fixture(scope="module")
def nea_run(demo_area, base_scenario: Scenario, memo: pipeline.Stages) -> pipeline.Results:
    """The baseline with £1.2m a year more in its first scheme (an admission-avoidance scheme), no winter."""
    schemes = [s.model_dump() for s in base_scenario.schemes]
    assert schemes[0]["metric"] == "nea"
    schemes[0]["budget_gbp"] = schemes[0]["current_budget_gbp"] + 1_200_000.0
    sc = evolve(base_scenario, n_draws=N_DRAWS, schemes=schemes)
    return pipeline.run(sc, demo_area, memo, with_winter=False)


def test_scheme_money_is_booked_by_the_months_financial_year(nea_run: pipeline.Results) -> None:
    """A £1.2m-a-year budget change is £100k a month: each year's budget line is £100k × its projected months."""
    proj = nea_run.projection
    months = pd.Series([_fy_of(m) for m in proj.months]).value_counts()
    money = proj.money[proj.money["line"] == "budget_change"].set_index("fy")["mean"]
    assert set(money.index) == set(months.index)
    for fy, n in months.items():
        assert money[fy] == pytest.approx(100_000.0 * n), fy


# ---------------------------------------------------------------------------- 7, 12. the winter's month and peak beds


def test_the_winter_reads_the_ramp_at_its_own_month(hf_run: pipeline.Results) -> None:
    months = hf_run.projection.months
    start = hf_run.winter.start
    expected = (start.year - months[0].year) * 12 + (start.month - months[0].month)
    assert stages_mod.winter_month_index(months, start) == expected


def test_simulated_peak_beds_are_the_p50_and_p90_of_the_busiest_day(
    hf_run: pipeline.Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[flow_simulate.FlowRun] = []
    real = stages_mod.simulate_flow

    def spy(arrivals, params, reps, seed):  # noqa: ANN001, ANN202 - same signature as simulate_flow
        runs.append(real(arrivals, params, reps, seed))
        return runs[-1]

    monkeypatch.setattr(stages_mod, "simulate_flow", spy)
    need = pipeline.bed_need(hf_run.winter)
    peak = runs[-1].census.max(axis=1)
    for key, q in (("p50_peak", 0.5), ("p90_peak", 0.9)):
        assert (peak <= need[key]).mean() >= q, key  # at least that share of winters fits
        assert (peak < need[key]).mean() <= q, key  # and no lower figure would do
    assert need["mean_census"] == pytest.approx(runs[-1].census.mean())


# ---------------------------------------------------------------------------- more headline lines: money


def _money(run: pipeline.Results, line: str) -> pd.Series:
    m = run.projection.money
    return m[m["line"] == line].set_index("fy")["mean"]


def test_net_money_is_value_and_cash_less_the_budget_change(nea_run: pipeline.Results) -> None:
    net = _money(nea_run, "net")
    expected = _money(nea_run, "nea_value") + _money(nea_run, "placements_cash") - _money(nea_run, "budget_change")
    pd.testing.assert_series_equal(net, expected, check_names=False, rtol=1e-9)
    assert (net < 0).all()  # £1.2m a year buys fewer than 500 admissions at £2,400


def test_avoided_admissions_are_valued_at_the_cost_per_spell(nea_run: pipeline.Results) -> None:
    p = nea_run.projection
    value = _money(nea_run, "nea_value")
    spell = nea_run.scenario.costs.nea_spell
    for fy in p.annual["fy"].unique():  # complete years: the annual table's
        avoided = p.annual_mean("nea", "baseline", fy) - p.annual_mean("nea", "scenario", fy)
        assert avoided > 0
        assert value[fy] == pytest.approx(avoided * spell, rel=1e-6), fy


def test_the_headline_change_from_schemes_is_scenario_minus_baseline(nea_run: pipeline.Results) -> None:
    p = nea_run.projection
    got = pipeline.headline(nea_run)["nea_change_first_fy"]
    assert got == pytest.approx(p.annual_mean("nea", "scenario") - p.annual_mean("nea", "baseline"))
    assert got < 0  # more money for an admission-avoidance scheme: fewer admissions


def test_a_capacity_scheme_buys_its_budget_over_a_years_unit_cost(base_scenario: Scenario) -> None:
    c = base_scenario.costs
    cases = {"p1_capacity": c.p1_start * 365.25 / 7, "p2_capacity": c.p2_bed_day * 365.25,
             "p3_capacity": c.p3_week * c.p3_weeks_per_placement * 365.25 / 7}
    for metric, a_year in cases.items():
        s = Scheme(name=metric, metric=metric, budget_gbp=1_000_000.0, reference_budget_gbp=1_000_000.0)
        assert capacity_bought(s, c) == pytest.approx(1_000_000.0 / a_year), metric


# ---------------------------------------------------------------------------- more headline lines: the winter


def test_winter_spend_is_each_unit_at_its_cost(hf_run: pipeline.Results) -> None:
    """20 escalation beds open 1 Dec – 31 Mar (121 days) at £901; P1, P2 block contracts; P3 funded weeks."""
    w = hf_run.winter
    run, p = w.run, w.params
    assert (p.escalation_open_day, p.escalation_close_day) == (61, 182)
    costs = FlowCosts(escalation_bed_day=901.0, p1_start=2000.0, p2_bed_day=300.0, p3_week=100.0, p3_weeks_funded=4.0)
    per = per_rep_costs(run, costs)
    np.testing.assert_allclose(per["escalation_beds"], 20 * 121 * 901.0)
    np.testing.assert_allclose(per["p1"], p.p1_starts_per_week / 7 * 182 * 2000.0)
    np.testing.assert_allclose(per["p2_beds"], p.p2_beds * 182 * 300.0)
    np.testing.assert_allclose(per["p3"], run.p3_starts.sum(axis=1) * 400.0)
    table = w.costs.set_index("component")["mean"]
    assert table["escalation_beds"] == pytest.approx(20 * 121 * hf_run.scenario.costs.escalation_bed_day)


def test_winter_kpi_percentiles_are_those_of_the_replications(hf_run: pipeline.Results) -> None:
    w = hf_run.winter
    per = flow_simulate.per_rep_kpis(w.run)
    k = w.kpis.set_index("kpi")
    for name in ("delayed_bed_days", "boarding_days"):
        x = np.asarray(per[name], dtype=float)
        for stat, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
            assert k.loc[name, stat] == pytest.approx(np.quantile(x, q)), (name, stat)
        assert k.loc[name, "mean"] == pytest.approx(x.mean())


def test_an_options_days_avoided_are_the_baselines_less_its_own(home_first_sc: Scenario, hf_run) -> None:
    opts = pipeline.winter_options(home_first_sc, hf_run.winter).set_index("option")
    base = opts.loc["baseline"]
    for name, row in opts.drop(index="baseline").iterrows():
        assert row["delayed_days_avoided"] == pytest.approx(base["delayed_days"] - row["delayed_days"]), name
        assert row["boarding_days_avoided"] == pytest.approx(base["boarding_days"] - row["boarding_days"]), name
    more_p1 = next(n for n in opts.index if "Home First" in n)
    assert opts.loc[more_p1, "delayed_days_avoided"] > 0  # more Home First starts: fewer delayed days


def test_winter_replication_d_serves_demand_draw_d(hf_run: pipeline.Results, hf_finance) -> None:
    run = hf_run.winter.run
    out = hf_finance.activity.winter_out
    np.testing.assert_allclose(out["boarding_cost"], run.ed_wait_bins.sum(axis=1)[:N_DRAWS] / 48.0)
    np.testing.assert_allclose(out["delayed_days_cost"], run.delayed.sum(axis=1)[:N_DRAWS])


def test_tornado_swings_are_widths_and_each_partners_chart_follows_its_own(
    home_first_sc: Scenario, demo_area, memo: pipeline.Stages
) -> None:
    sc = evolve(home_first_sc, risk_share={"overspend_split": (0.7, 0.3), "underspend_split": (0.7, 0.3)})
    tor = pipeline.tornado(sc, demo_area, memo)
    width = (tor["p50_high_gbp"] - tor["p50_low_gbp"]).abs()
    np.testing.assert_allclose(tor["swing_gbp"], width)
    for partner, own in tor.groupby("partner"):
        own = own.assign(w=(own["p50_high_gbp"] - own["p50_low_gbp"]).abs())
        top_down = list(tornado_chart(tor, str(partner)).data[0].y)[::-1]
        assert list(own.sort_values("w", ascending=False, kind="stable")["input"]) == top_down, partner
