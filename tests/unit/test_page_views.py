"""Unit: the figures pages show, computed in the models — the reference, the page views, one FY and quantile rule.

Pages only format what these return (tests/unit/test_pages_compute_nothing.py); here each returned figure is
checked against its definition on a small run of the demo area.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from models import pipeline
from models.core.fy import annual_to_monthly, fy_bounds, fy_date, fy_label, fy_layout, fy_matrix, fy_start, sum_by_fy
from models.core.labels import readable
from models.core.summaries import QUANTILES, quantiles
from models.flow.simulate import flow_costs, per_rep_costs
from models.money import riskshare
from models.pipeline import compare, views
from models.pipeline.results import headline, headline_change, is_reference, reference_scenario
from models.scenario import RiskShare, evolve


@pytest.fixture(scope="module")
def runs(demo_area, base_scenario):
    """A scenario with a budget change and higher growth, and its reference, on 200 draws (one stage memo)."""
    stages = pipeline.memo_stages()
    sc = evolve(base_scenario, n_draws=200, seed=11, horizon_years=3, growth={"variant": "high"})
    first = sc.schemes[0]
    sc = evolve(sc, schemes=[{**first.model_dump(), "budget_gbp": 2 * first.current_budget_gbp + 100_000}]
                + [s.model_dump() for s in sc.schemes[1:]])
    ref = reference_scenario(demo_area, sc)
    return sc, pipeline.run(sc, demo_area, stages), pipeline.run(ref, demo_area, stages)


# --------------------------------------------------------------------------- one FY rule, one quantile rule
def test_fy_dates_and_bounds() -> None:
    assert fy_date(2025, 12, 1) == dt.date(2025, 12, 1)
    assert fy_date(2025, 3, 31) == dt.date(2026, 3, 31)
    assert fy_date(2025, 4, 1) == dt.date(2025, 4, 1)
    assert fy_date(2026, 2, 29) == dt.date(2027, 2, 28)  # no 29 February in 2027
    assert fy_bounds(2025) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))


def test_fy_sums_agree_with_each_other() -> None:
    months = pd.date_range("2025-01-01", "2027-05-01", freq="MS")  # part, complete, complete, part
    rng = np.random.default_rng(0)
    paths = rng.random((4, len(months)))
    matrix, years = fy_matrix(months)
    assert list(years) == [2024, 2025, 2026, 2027]
    labels, month_fy, complete = fy_layout(months)
    assert labels == ("2025-26", "2026-27") and list(complete) == [2025, 2026]
    by_year = sum_by_fy(paths, month_fy, len(labels))
    assert by_year == pytest.approx((paths @ matrix)[:, 1:3])
    fy = np.asarray(fy_start(months))
    assert by_year[:, 0] == pytest.approx(paths[:, fy == 2025].sum(axis=1))
    annual = rng.random((4, len(years)))
    monthly = annual_to_monthly(annual, years, months)
    assert (monthly @ matrix) == pytest.approx(annual * matrix.sum(axis=0) / 12.0)


def test_quantiles_are_numpys_linear_quantiles() -> None:
    x = np.random.default_rng(1).normal(size=(301, 3))
    assert quantiles(x) == pytest.approx(np.percentile(x, [10, 50, 90], axis=0))
    assert quantiles(x, QUANTILES, axis=0).shape == (5, 3)
    assert float(quantiles(x[:, 0], 0.5)) == pytest.approx(np.median(x[:, 0]))


def test_one_winter_cost_basis(base_scenario) -> None:
    """The finance's winter prices are the flow model's unit costs (one function for both)."""
    c = base_scenario.costs
    u = riskshare.flow_unit_costs(c)
    prices = riskshare.winter_unit_prices(c)
    assert prices["escalation_beds"] == c.escalation_bed_day == u.escalation_bed_day
    assert prices["delayed_days_cost"] == c.excess_bed_day and prices["boarding_cost"] == c.boarding_day
    assert prices["p3"] == pytest.approx(c.p3_week * c.p3_weeks_per_placement)


def test_winter_volumes_priced_by_the_finance_equal_the_winter_costs(runs) -> None:
    sc, res, _ = runs
    w = res.winter
    volumes = per_rep_costs(w.run, riskshare.UNIT_COSTING)
    money = per_rep_costs(w.run, riskshare.flow_unit_costs(sc.costs))
    prices = riskshare.winter_unit_prices(sc.costs)
    for vol in ("escalation_beds", "delayed_days_cost", "boarding_cost"):
        assert np.asarray(money[vol]) == pytest.approx(np.asarray(volumes[vol]) * prices[vol])
    costs = flow_costs(w.run, riskshare.flow_unit_costs(sc.costs)).set_index("component")["mean"]
    assert costs["delayed_days_cost"] == pytest.approx(w.costs.set_index("component").loc["delayed_days_cost", "mean"])


# --------------------------------------------------------------------------- the one reference
def test_reference_is_the_area_baseline_on_the_same_random_numbers(demo_area, runs) -> None:
    sc, res, ref = runs
    r = ref.scenario
    assert (r.seed, r.n_draws, r.horizon_years, r.demand) == (sc.seed, sc.n_draws, sc.horizon_years, sc.demand)
    assert r.growth.variant == "principal" and all(s.budget_gbp == s.current_budget_gbp for s in r.schemes)
    assert is_reference(demo_area, r) and not is_reference(demo_area, sc)
    assert reference_scenario(demo_area, sc, with_terms=True).risk_share == sc.risk_share
    change = headline_change(res, ref)
    h, hr = headline(res), headline(ref)
    assert change["nea_first_fy"] == pytest.approx(h["nea_first_fy"] - hr["nea_first_fy"])
    # higher growth and more budget: the change holds both, unlike the projection's own no-change series
    own = res.projection.annual_mean("nea", "scenario") - res.projection.annual_mean("nea", "baseline")
    assert change["nea_first_fy"] != pytest.approx(own)


def test_scheme_funding_is_against_the_reference(runs) -> None:
    sc, res, ref = runs
    f = views.scheme_funding(res, ref)
    assert f.current_total_gbp == pytest.approx(sum(s.current_budget_gbp for s in sc.schemes))
    assert f.budget_change_gbp == pytest.approx(sc.scheme_budget_gbp - f.current_total_gbp) and f.budgets_changed
    assert f.nea_change == pytest.approx(headline_change(res, ref)["nea_first_fy"])
    w, wr = res.winter, ref.winter
    lost = w.kpi("delayed_bed_days") + w.kpi("boarding_days")
    assert f.lost_bed_days == pytest.approx(lost)
    assert f.lost_bed_days_change == pytest.approx(lost - wr.kpi("delayed_bed_days") - wr.kpi("boarding_days"))
    same = views.scheme_funding(ref, ref)
    assert same.nea_change == 0 and same.lost_bed_days_change == 0 and not same.budgets_changed


# --------------------------------------------------------------------------- page views
def test_home_history_tiles(demo_area, base_scenario) -> None:
    from models.inputs.history import admissions_by_fy, placements_by_fy

    t = views.latest_year(demo_area, base_scenario)
    adm, plc = admissions_by_fy(demo_area), placements_by_fy(demo_area)
    assert (t.fy, t.nea, t.nea_change) == (adm.fy.iloc[-1], adm.nea.iloc[-1], adm.nea.iloc[-1] - adm.nea.iloc[-2])
    assert t.placements_change == plc.placements.iloc[-1] - plc.placements.iloc[-2]
    assert t.rate_vs_ambition == pytest.approx(plc.rate_per_100k.iloc[-1] - base_scenario.ambition_rate_per_100k)
    first, last = views.data_period(demo_area)
    assert first < last and last == demo_area.admissions["month"].iloc[-1]
    assert list(views.history_table(demo_area)["fy"]) == list(adm["fy"])


def test_growth_views(demo_area, runs) -> None:
    _, res, _ = runs
    base_year = demo_area.meta.base_year
    table = views.growth_table(res.projection, base_year)
    assert table["year"].iloc[0] == base_year and table["population_growth_pct"].iloc[0] == pytest.approx(0.0)
    g = views.growth_summary(res.projection, base_year)
    last = table.iloc[-1]
    assert g.demand_growth_pct == pytest.approx((last["index"] - 1) * 100)
    assert g.demand_above_population_pts == pytest.approx(g.demand_growth_pct - g.population_growth_pct)
    assert views.population_view(res.projection)["year"].max() == g.last_year
    rates = {"65-74": 2.0, "0-17": 0.5}
    assert views.growth_overrides_with((), rates, "65-74", 2.5) == (("65-74", 2.5),)
    assert views.growth_overrides_with((("65-74", 2.5),), rates, "65-74", 2.0) == ()  # the variant's own: no override


def test_demand_views(demo_area, runs) -> None:
    _, res, ref = runs
    t = views.demand_tiles(demo_area, res.projection, ref.projection, "nea")
    assert t.current_funding == pytest.approx(ref.projection.annual_mean("nea", "scenario"))  # no change in it
    assert t.change_vs_current_funding == pytest.approx(t.scenario - t.current_funding)
    # the recorded year is the last complete financial year of the data; the % is on it
    recorded = demo_area.admissions.assign(fy=demo_area.admissions["month"].map(fy_label_of))
    last_fy = recorded.groupby("fy")["nea"].agg(["sum", "size"]).query("size == 12").iloc[-1]
    assert t.recorded == pytest.approx(last_fy["sum"])
    assert t.current_funding_change_pct == pytest.approx((t.current_funding / last_fy["sum"] - 1) * 100)
    table = views.demand_annual_table(res.projection, "nea")
    assert table["with_schemes_mean"].iloc[0] == pytest.approx(t.scenario)
    assert table["baseline_mean"].iloc[0] == pytest.approx(res.projection.annual_mean("nea", "baseline"))
    assert table["baseline_mean"].iloc[0] != pytest.approx(t.current_funding)  # high growth: not current funding
    plc = views.placements_annual_table(res.projection)
    assert list(plc.columns) == ["fy", "baseline", "baseline_rate_per_100k", *views.PLACEMENT_SCENARIO_COLUMNS[1:]]
    assert plc["baseline"].iloc[0] == pytest.approx(res.projection.annual_mean("placements", "baseline"))
    assert plc["mean"].iloc[0] == pytest.approx(res.projection.annual_mean("placements", "scenario"))


def test_pathway_share_rule(base_scenario) -> None:
    f = base_scenario.flow
    change = views.pathway_shares_with(f, "p1_share", 0.3)
    assert change["p0_share"] == pytest.approx(max(0.0, 1.0 - 0.3 - f.p2_share - f.p3_share))
    assert views.pathway_shares_with(f, "p2_share", 1.5) == {"p0_share": 0.0}


def test_winter_and_projection_figures(runs) -> None:
    sc, res, ref = runs
    w, p = res.winter, res.projection
    assert w.end == w.start + pd.Timedelta(days=w.run.days - 1) and w.end.month == 3
    assert w.kpi_change(ref.winter, "delayed_bed_days") == pytest.approx(
        w.kpi("delayed_bed_days") - ref.winter.kpi("delayed_bed_days")
    )
    assert w.mean_arrivals_per_day == pytest.approx(float(np.mean(w.arrivals_per_day)))
    sizing = pipeline.stages.bed_sizing({"mean_census": 92.3}, 0.92, 0.02)
    assert sizing["simple"] == math.ceil(92.3 / 0.92) and sizing["erlang"] > 92
    assert p.baseline_a_year("nea") == pytest.approx(p.monthly_of("nea", "baseline")["mean"].mean() * 12)
    assert p.baseline_a_year("placements") == pytest.approx(annual_to_monthly(p.placements_baseline, p.fy_years,
                                                                              p.months).mean() * 12)
    money = p.money_table
    first = p.money.loc[(p.money["line"] == "net") & (p.money["fy"] == money.columns[2]), "mean"].iloc[0]
    assert money.loc[money["label"] == pipeline.stages.MONEY_LINES["net"][0], money.columns[2]].iloc[0] == first


# --------------------------------------------------------------------------- finance figures
def test_finance_figures(demo_area, runs) -> None:
    sc, _, _ = runs
    fin = pipeline.finance(sc, demo_area, pipeline.memo_stages(), with_winter=False)
    a = fin.allocation
    assert a.mean_pool_cover == pytest.approx(float(np.mean(a.pool_cover.sum(axis=1))))
    assert a.mean_unshared == pytest.approx(float(np.mean(a.unshared.sum(axis=1))))
    assert 0 <= a.share_released <= 1
    change = riskshare.summary_change(fin.summary, fin.summary.iloc[:1])
    assert change["p50_change_gbp"].iloc[0] == 0 and math.isnan(change["p90_change_gbp"].iloc[1])
    rounded = riskshare.whole_pounds(pd.DataFrame({"x_gbp": [-0.4, 2.6], "p": [0.25, 0.5]}))
    assert list(rounded["x_gbp"]) == [0.0, 3.0] and str(rounded["x_gbp"].iloc[0]) == "0.0"
    assert list(rounded["p"]) == [0.25, 0.5]


def test_adding_and_removing_a_partner() -> None:
    t = RiskShare()
    added = RiskShare.model_validate(riskshare.terms_with_partner_added(t))
    assert len(added.partners) == len(t.partners) + 1 and added.partners[-1].name not in {p.name for p in t.partners}
    assert sum(added.overspend_split) == pytest.approx(1.0)
    back = RiskShare.model_validate(riskshare.terms_without_last_partner(added))
    assert [p.name for p in back.partners] == [p.name for p in t.partners] and back.line_terms == ()


def test_comparison_formatting() -> None:
    fmt = compare.format_figure
    assert fmt(21406.0, "") == "21,406" and fmt(-3.84, "%", signed=True) == "−3.8 pp"
    assert fmt(0.04, "", signed=True) == "0" and fmt(float("nan"), "£") == "–" and fmt(0.5, "share") == "50.0%"


def test_unit_costs_table(demo_area) -> None:
    table, whole = views.unit_costs_table(demo_area)
    raw = demo_area.tables["unit_costs.csv"]
    assert list(table["item"]) == [readable(str(x)) for x in raw["item"]] and "nea_spell" not in set(table["item"])
    values = pd.to_numeric(demo_area.tables["unit_costs.csv"]["value"], errors="coerce").dropna()
    assert whole == bool((values == values.round()).all())


def fy_label_of(month) -> str:  # noqa: ANN001 - a Timestamp
    """The financial year of a month, e.g. "2023-24" (April–March)."""
    return fy_label(int(fy_start(month)))
