"""Unit: the Scenario is immutable, validated, round-trips exactly and keys caches by value."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.export import neutralise, to_csv_bytes
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
        ({"flow": {"escalation_open": "13-01"}}, "not a month-day"),
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
    assert ps["Savings don't materialise"].savings_realised_pct == 0
    moved = ps["Move £1m into admission avoidance"]
    assert moved.scheme_budget_gbp == pytest.approx(ps["Baseline"].scheme_budget_gbp)


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
