"""Unit: a winter that cannot cope says so, and no figure runs away (the four runaway cases of the winter issue).

Each case was a runaway figure before the full-hospital response: one more day of mean stay (5 → 6 days), 300
core beds, Home First cut to £0. Now the winter is flagged "not a forecast" in plain words, waits in ED stay within
what the ED holds, and discharge schemes are valued at the margin within sight of their budgets.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models import pipeline
from models.flow.simulate import FlowParams
from models.pipeline.stages import cope_checks
from models.scenario import Scenario, evolve

CHEAP = {"n_draws": 200, "horizon_years": 2}


def _winter(area, scenario: Scenario) -> pipeline.Results:  # noqa: ANN001
    return pipeline.run(evolve(scenario, **CHEAP), area)


def test_cope_flag_is_on_above_capacity_and_off_below() -> None:
    p = FlowParams(core_beds=300, pathway_shares=(0.85, 0.1, 0.035, 0.015), p1_starts_per_week=44, p2_beds=59,
                   p2_los_days=26.6, p3_per_week=6.7, surge_beds=15)
    ok = cope_checks(p, 58.0, 5.0)
    assert all(c.copes for c in ok) and not any(c.message() for c in ok)
    short = {c.resource: c for c in cope_checks(p, 58.0, 6.0)}  # 348 beds needed against 315
    beds = short["acute beds"]
    assert not beds.copes and beds.growth_per_day == pytest.approx((58 * 6.0 - 315) / 6.0)
    assert "grows every day" in beds.message() and "not a forecast" in beds.message()
    p1 = {c.resource: c for c in cope_checks(p, 70.0, 5.0)}["Home First (P1)"]  # 49 starts a week needed
    assert not p1.copes and p1.growth_per_day == pytest.approx(70 * 0.1 - 44 / 7)


@pytest.mark.parametrize(
    "change",
    [
        {"flow": {"mean_los_days": 6.0}},  # one more day of stay
        {"flow": {"core_beds": 250}},  # far fewer beds than patients
    ],
)
def test_runaway_cases_are_flagged_and_bounded(demo_area, base_scenario: Scenario, change: dict) -> None:  # noqa: ANN001
    r = _winter(demo_area, evolve(base_scenario, **change))
    w = r.winter
    assert not w.can_cope and w.cope_messages
    h = pipeline.headline(r)
    assert h["winter_can_cope"] == 0.0
    ed = w.params.ed_max_waiting
    assert (w.run.boarding <= ed).all()
    # patient-days in ED can never exceed the ED's limit for every day of the winter
    assert h["winter_boarding_days_p90"] <= ed * w.run.days
    assert (w.run.boarded_new <= w.run.arrivals).all()


def test_home_first_cut_to_nothing_is_flagged_and_not_valued_in_the_hundreds_of_millions(
    demo_area, base_scenario: Scenario  # noqa: ANN001
) -> None:
    """Home First at £0: its pathway cannot cope (flagged); the other discharge schemes are still valued within
    sight of their budgets, never hundreds of millions."""
    budgets = {s.name: (0.0 if s.name == "Home First and supported discharge" else s.budget_gbp)
               for s in base_scenario.schemes}
    sc = evolve(base_scenario, schemes=[s.model_dump() | {"budget_gbp": budgets[s.name]} for s in base_scenario.schemes])
    r = _winter(demo_area, sc)
    assert not r.winter.can_cope
    assert any("Home First (P1)" in m for m in r.winter.cope_messages)
    table = pipeline.scheme_table_with_winter(r).set_index("scheme")
    cap = table[table["kind"] == "discharge capacity"]
    for name, row in cap.iterrows():
        value = row["gross_savings_gbp"]
        assert math.isnan(value) or abs(value) <= 10 * max(row["budget_gbp"], 1_000_000), (name, value)


def test_discharge_schemes_valued_at_the_margin_within_sight_of_their_budgets(
    demo_area, base_scenario: Scenario  # noqa: ANN001
) -> None:
    r = _winter(demo_area, base_scenario)
    assert r.winter.can_cope
    outcomes = pipeline.capacity_attribution(r.scenario, r.winter)
    table = pipeline.scheme_table_with_winter(r, outcomes).set_index("scheme")
    valued = 0
    for name, o in outcomes.items():
        row = table.loc[name]
        if o.get("unable_to_cope"):
            assert math.isnan(row["gross_savings_gbp"]) and "no honest money figure" in row["winter_value_note"]
            continue
        valued += 1
        assert 0 < row["gross_savings_gbp"] <= 3 * row["budget_gbp"], (name, row["gross_savings_gbp"])
        assert 0 < o["share_valued"] <= 1
        if o["share_valued"] < 1:
            assert "lower bound" in row["winter_value_note"]
        # the money is the outcomes at their unit costs
        c = r.scenario.costs
        expect = (o["delayed_days_avoided"] * c.excess_bed_day + o["boarding_days_avoided"] * c.boarding_day
                  + o["surge_bed_days_avoided"] * c.surge_bed_day + o["diverted_avoided"] * c.divert)
        assert row["gross_savings_gbp"] == pytest.approx(expect)
    assert valued >= 2
    # the same table whether the outcomes are passed in (the page's cache) or computed (workbook, CLI)
    again = pipeline.scheme_table_with_winter(r).set_index("scheme")
    assert np.allclose(again["gross_savings_gbp"], table["gross_savings_gbp"], equal_nan=True)
