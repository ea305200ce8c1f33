"""Unit: the Scenario is immutable, validated, round-trips exactly and keys caches by value."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.core.xlsx import neutralise, to_csv_bytes
from models.scenario import SCHEMA_VERSION, Scenario, evolve, explain, migrate, presets


def test_json_round_trip_exact(base_scenario) -> None:
    text = base_scenario.to_json()
    back = Scenario.from_json(text)
    assert back == base_scenario and back.to_json() == text and hash(back) == hash(base_scenario)


def test_url_token_round_trip(base_scenario) -> None:
    token = base_scenario.to_token()
    assert token.startswith("v1.") and len(token) < 4000
    assert Scenario.from_token(token) == base_scenario


@pytest.mark.parametrize("token", ["", "v2.abc", "v1.!!!!", "v1." + "A" * 30000])
def test_bad_token_refused(token: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the app turns it into a message
        Scenario.from_token(token)


def test_immutable(base_scenario) -> None:
    with pytest.raises(ValidationError):
        base_scenario.horizon_years = 3  # type: ignore[misc]


def test_equality_by_value(base_scenario) -> None:
    a = evolve(base_scenario, horizon_years=3)
    b = evolve(base_scenario, horizon_years=3)
    assert a == b and a is not b and {a: 1}[b] == 1 and a != base_scenario


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"flow": {"core_beds": -3}}, "core_beds"),
        ({"flow": {"escalation_beds": -1}}, "escalation_beds"),
        ({"growth": {"overrides": [("85+", 500.0)]}}, "less than or equal to 15"),
        ({"growth": {"overrides": [("90+", 1.0)]}}, "unknown age band"),
        ({"flow": {"p1_share": 0.5}}, "must add up to 100%"),
        ({"flow": {"share_21plus": 0.2, "share_14plus": 0.1}}, "21+ days must be below"),
        ({"flow": {"escalation_open": "13-01"}}, "not a date in the year written month-day"),
        ({"horizon_years": 50}, "horizon_years"),
        ({"unknown_lever": 1}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_values_rejected_with_clear_message(base_scenario, changes: dict, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        evolve(base_scenario, **changes)
    assert fragment in " ".join(explain(err.value))


def test_duplicate_scheme_names_rejected(base_scenario) -> None:
    dup = base_scenario.schemes[0].model_dump()
    with pytest.raises(ValidationError) as err:
        evolve(base_scenario, schemes=[s.model_dump() for s in base_scenario.schemes] + [dup])
    assert "repeated" in " ".join(explain(err.value))


def test_scheme_effect_order_rejected(base_scenario) -> None:
    bad = {**base_scenario.schemes[0].model_dump(), "effect_low": 10_000}
    with pytest.raises(ValidationError) as err:
        evolve(base_scenario, schemes=[bad])
    assert "low ≤ central ≤ high" in " ".join(explain(err.value))


def test_presets_are_valid_and_distinct(demo_area) -> None:
    ps = presets(demo_area)
    assert len(ps) >= 5 and len(set(ps.values())) == len(ps)
    base = ps["Baseline"]
    assert all(s.budget_gbp == s.current_budget_gbp for s in base.schemes)  # baseline = current funding
    moved = ps["Move £1m from social care into Home First"]
    assert moved.scheme_budget_gbp == pytest.approx(base.scheme_budget_gbp)  # money moved, not added
    changes = {s.name: s.budget_gbp - s.current_budget_gbp for s in moved.schemes if s.budget_gbp != s.current_budget_gbp}
    assert sorted(changes.values()) == [-1_000_000, 1_000_000]
    taker = next(s for s in moved.schemes if changes.get(s.name, 0) > 0)
    assert taker.metric == "p1_capacity"
    assert ps["Move £1m, and the savings don't materialise"].savings_realised_pct == 0
    more = ps["+15 Home First starts a week"]
    extra = more.scheme_budget_gbp - base.scheme_budget_gbp
    assert extra == pytest.approx(15 * 365.25 / 7 * base.costs.p1_start)  # bought at the P1 unit cost


def test_v1_scenario_migrates_to_v3() -> None:
    """A stored v1 scenario (tests/fixtures/scenario_v1.json) loads through the explicit migrations (1 → 2 → 3)."""
    import json
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "fixtures" / "scenario_v1.json").read_text()
    raw = json.loads(text)
    assert raw["schema_version"] == 1
    sc = Scenario.from_json(text)
    assert sc.schema_version == SCHEMA_VERSION == 3
    by_name = {s.name: s for s in sc.schemes}
    v1 = {s["name"]: s for s in raw["schemes"]}
    for name, s in by_name.items():
        assert s.current_budget_gbp == v1[name]["reference_budget_gbp"]  # v1 reference = today's budget
        assert s.budget_gbp == v1[name]["budget_gbp"]
    assert by_name["Home First and supported discharge"].metric == "p1_capacity"
    assert by_name["Community rehab (step-down) beds"].metric == "p2_capacity"
    assert all(s.effect_high == 0 for s in sc.schemes if s.kind == "discharge capacity")
    assert sc.flow.mean_los_days == 5.0 and sc.costs.boarding_day == 345.0
    # the capacity levers hold at least what the migrated schemes fund
    assert Scenario.from_json(sc.to_json()) == sc


def test_capacity_scheme_bad_input_refused(base_scenario) -> None:
    schemes = [s.model_dump() for s in base_scenario.schemes]
    # a capacity scheme cannot carry a typed-in effect
    bad = [{**d, "effect_high": 10.0} if d["metric"] == "p1_capacity" else d for d in schemes]
    with pytest.raises(ValidationError, match="flow simulation"):
        evolve(base_scenario, schemes=bad)
    # no unit cost: its budget cannot be turned into capacity
    with pytest.raises(ValidationError, match="unit cost is £0"):
        evolve(base_scenario, costs={"p1_start": 0.0})
    # current budgets that buy more than the area has
    with pytest.raises(ValidationError, match="more than the area's total"):
        evolve(base_scenario, flow={"p1_starts_per_week": 1.0})
    # an absurd budget: more capacity than the model supports
    absurd = [{**d, "budget_gbp": 9e9} if d["metric"] == "p2_capacity" else d for d in schemes]
    with pytest.raises(ValidationError, match="more than the model supports"):
        evolve(base_scenario, schemes=absurd)
    with pytest.raises(ValidationError):
        evolve(base_scenario, flow={"core_beds": 0})


def test_newer_schema_refused() -> None:
    with pytest.raises(ValueError, match="newer"):
        migrate({"schema_version": SCHEMA_VERSION + 1})


def test_formula_injection_neutralised() -> None:
    import pandas as pd

    df = pd.DataFrame({"name": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "ok"], "value": [-1, 2, 3, 4, 5]})
    safe = neutralise(df)
    assert safe["name"].tolist()[:4] == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)"]
    assert safe["value"].tolist() == [-1, 2, 3, 4, 5]  # numbers stay numbers
    assert b"'=HYPERLINK" in to_csv_bytes(df)
