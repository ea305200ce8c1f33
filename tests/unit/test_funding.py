"""Unit: today's funding lines (issue 20 part 2): sources and mixes, contributions by funder, the fund statement,
money moves, the national-conditions check, and scheme types with step tags (part 3)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.inputs.funding_rules import SCHEME_TYPES, guess_scheme_type, guessed_step, source_from_text
from models.money.fund import (
    conditions_table,
    dfg_outside_adaptations,
    fund_statement,
    national_conditions,
    nhs_to_social_care_gbp,
)
from models.scenario import Scenario, evolve, presets
from models.scenario.funding import by_source, clean_mix, income_map
from models.scenario.moves import MoveError, add_money, move_money, with_income
from models.scenario.terms import contributions

HOME_FIRST = "Home First and supported discharge"
MARKET = "Improved BCF: market sustainability and home care"
PROTECTION = "Protection of adult social care: prevention and community support"
DFG = "Disabled Facilities Grant"
NHS_MIN = 10_329_723 + 6_799_326  # the 2021-22 health line + protection of adult social care (seed 003)
COUNCIL = 1_721_553 + 6_467_630  # DFG + iBCF (now the LA BCF grant)


def _scheme(sc: Scenario, name: str):  # noqa: ANN202
    return next(s for s in sc.schemes if s.name == name)


def _with(sc: Scenario, name: str, **changes: object) -> Scenario:
    return evolve(sc, schemes=[{**s.model_dump(), **changes} if s.name == name else s.model_dump() for s in sc.schemes])


# --------------------------------------------------------------------------- sources and types
@pytest.mark.parametrize(
    "text,side,expected,by_side",
    [
        ("NHS minimum contribution", "council", "nhs_minimum", False),
        ("CCG minimum", "council", "nhs_minimum", False),
        ("Protection of social care", "council", "nhs_minimum", False),
        ("iBCF", "nhs", "la_bcf_grant", False),
        ("improved Better Care Fund", "nhs", "la_bcf_grant", False),
        ("Local Authority BCF grant", "nhs", "la_bcf_grant", False),
        ("DFG", "nhs", "dfg", False),
        ("Disabled Facilities Grant (capital)", "nhs", "dfg", False),
        ("Additional ICB contribution", "council", "additional_nhs", False),
        ("Additional CCG", "council", "additional_nhs", False),
        ("Additional council contribution", "nhs", "additional_council", False),
        ("Additional", "nhs", "additional_nhs", True),
        ("Additional", "council", "additional_council", True),
        ("Discharge fund", "council", "additional_council", True),
        ("Discharge fund", "nhs", "additional_nhs", True),
        ("", "council", "la_bcf_grant", True),
    ],
)
def test_old_funding_text_maps_to_a_source(text: str, side: str, expected: str, by_side: bool) -> None:
    assert source_from_text(text, side) == (expected, by_side)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "metric,name,expected,step",
    [
        ("p1_capacity", "Home First", "home_based_ic", "step-down"),
        ("p2_capacity", "Community beds", "bed_based_ic", "step-down"),
        ("p3_capacity", "Interim beds", "short_term_residential", "step-down"),
        ("placements", "Disabled Facilities Grant", "dfg_adaptations", "n/a"),
        ("placements", "DFG", "dfg_adaptations", "n/a"),
        ("acs", "Community services and carers", "carers", "n/a"),
        ("nea", "Urgent community response", "urgent_community_response", "step-up"),
        ("placements", "Care home market", "residential_placements", "n/a"),
        ("placements", "Market sustainability and home care", "home_care", "n/a"),
        ("nea", "STARRS intermediate care", "home_based_ic", "both"),
        ("nea", "ICE high-risk cohorts", "care_coordination", "n/a"),
    ],
)
def test_scheme_type_guess(metric: str, name: str, expected: str, step: str) -> None:
    t = guess_scheme_type(metric, name)
    assert t.key == expected and guessed_step(metric, t.key) == step


def test_every_type_has_a_step_tag() -> None:
    assert {t.step for t in SCHEME_TYPES.values()} <= {"step-up", "step-down", "both", "n/a"}
    assert SCHEME_TYPES["urgent_community_response"].step == "step-up"
    assert SCHEME_TYPES["short_term_residential"].step == "step-down"


def test_mixes_are_checked_and_kept_when_the_budget_changes(base_scenario) -> None:  # noqa: ANN001
    assert clean_mix([("dfg", 0.25), ("nhs_minimum", 0.75)]) == (("nhs_minimum", 0.75), ("dfg", 0.25))
    for bad, words in (
        ([("nhs_minimum", 0.5)], "add up to 100%"),
        ([("lottery", 1.0)], "unknown funding source"),
        ([("dfg", 1.5), ("nhs_minimum", -0.5)], "between 0% and 100%"),
        ([("dfg", 0.5), ("dfg", 0.5)], "named once"),
        ([], "needs a funding mix"),
    ):
        with pytest.raises(ValueError, match=words):
            clean_mix(bad)
    mixed = _with(base_scenario, HOME_FIRST, funding=(("nhs_minimum", 0.6), ("la_bcf_grant", 0.4)))
    for budget in (0.0, 1.0, 9_000_000.0):  # a budget lever never makes the mix invalid
        s = _scheme(_with(mixed, HOME_FIRST, budget_gbp=budget), HOME_FIRST)
        assert s.amounts() == pytest.approx({"nhs_minimum": 0.6 * budget, "la_bcf_grant": 0.4 * budget})
    with pytest.raises(ValidationError, match="add up to 100%"):
        _with(base_scenario, HOME_FIRST, funding=(("nhs_minimum", 0.6),))


# --------------------------------------------------------------------------- contributions follow who pays
def test_demo_contributions_follow_the_funder(base_scenario) -> None:  # noqa: ANN001
    assert dict(base_scenario.income) == pytest.approx(
        {"nhs_minimum": NHS_MIN, "la_bcf_grant": 6_467_630, "dfg": 1_721_553}
    )
    assert contributions(base_scenario).tolist() == pytest.approx([NHS_MIN, COUNCIL])
    # the case: £1m from a council-led line into Home First (ICB-led) moves no contribution
    moved = move_money(base_scenario, MARKET, HOME_FIRST, 1_000_000)
    assert contributions(moved).tolist() == pytest.approx([NHS_MIN, COUNCIL])
    assert _scheme(moved, HOME_FIRST).amounts() == pytest.approx({"nhs_minimum": 2_100_000, "la_bcf_grant": 1_000_000})
    assert by_source(moved.schemes) == pytest.approx(by_source(base_scenario.schemes))


def test_stated_contribution_wins_and_a_third_partner_pays_nothing_unless_stated(base_scenario) -> None:  # noqa: ANN001
    rs = base_scenario.risk_share.model_dump()
    three = [{"name": "ICB"}, {"name": "Council"}, {"name": "Trust", "contribution_gbp": 250_000.0}]
    sc = evolve(
        base_scenario,
        risk_share={**rs, "partners": three, "overspend_split": (0.4, 0.4, 0.2), "underspend_split": (0.4, 0.4, 0.2)},
    )
    assert contributions(sc).tolist() == pytest.approx([NHS_MIN, COUNCIL, 250_000])
    sc = evolve(
        sc, risk_share={"partners": [{"name": "ICB"}, {"name": "Council", "contribution_gbp": 1.0}, {"name": "Trust"}]}
    )
    assert contributions(sc).tolist() == pytest.approx([NHS_MIN, 1.0, 0.0])
    # the funder is the named lead: make the Trust the acute lead and it pays the NHS lines
    sc = evolve(sc, risk_share={"acute_lead": "Trust"})
    assert contributions(sc).tolist() == pytest.approx([0.0, 1.0, NHS_MIN])


def test_raising_income_raises_its_funders_contribution(base_scenario) -> None:  # noqa: ANN001
    sc = with_income(base_scenario, "additional_council", 500_000)
    assert contributions(sc).tolist() == pytest.approx([NHS_MIN, COUNCIL + 500_000])
    assert income_map(sc.income)["additional_council"] == 500_000
    with pytest.raises(MoveError, match="unknown funding source"):
        with_income(base_scenario, "lottery", 1.0)
    with pytest.raises(ValidationError, match="between £0 and £10bn"):
        with_income(base_scenario, "dfg", -5.0)


# --------------------------------------------------------------------------- the fund statement
def test_fund_statement_balances_and_warns_by_source(base_scenario) -> None:  # noqa: ANN001
    f = fund_statement(base_scenario)
    assert f.warnings == [] and set(f.sources["status"]) == {"balanced"}
    assert f.income_gbp == pytest.approx(f.spend_gbp) == pytest.approx(25_318_232)
    assert f.types.iloc[-1]["scheme_type"] == "All schemes" and f.types.iloc[-1]["budget_gbp"] == pytest.approx(
        25_318_232
    )
    steps = f.steps.set_index("step")
    assert list(steps.index) == ["Step-up (avoids an admission)", "Step-down (after a hospital stay)", "Not applicable"]
    assert steps.loc["Step-up (avoids an admission)", "budget_gbp"] == pytest.approx(3_400_000)  # STARRS
    assert steps.loc["Step-down (after a hospital stay)", "schemes"] == 4
    home_care = f.types.set_index("scheme_type").loc[SCHEME_TYPES["home_care"].label]
    assert home_care["schemes"] == 3 and home_care["nhs_minimum_gbp"] == pytest.approx(6_799_326)
    # raising a budget without raising income: the source is overcommitted by exactly the rise
    up = _with(base_scenario, HOME_FIRST, budget_gbp=2_600_000)
    f = fund_statement(up)
    row = f.sources.set_index("source").loc["nhs_minimum"]
    assert row["balance_gbp"] == pytest.approx(-500_000) and row["status"] == "overcommitted by £500k"
    assert f.warnings == [
        "NHS minimum contribution: schemes spend £17,629,049 a year but the fund receives £17,129,049, "
        "overcommitted by £500,000. Raise the income from this source (an additional contribution) or move money "
        "rather than adding it."
    ]
    assert fund_statement(with_income(up, "nhs_minimum", NHS_MIN + 500_000)).warnings == []
    down = _with(base_scenario, DFG, budget_gbp=1_000_000)
    assert fund_statement(down).sources.set_index("source").loc["dfg", "status"] == "£722k unallocated"


def test_move_money_refuses_plainly(base_scenario) -> None:  # noqa: ANN001
    with pytest.raises(MoveError, match="no scheme called 'Nope'"):
        move_money(base_scenario, "Nope", HOME_FIRST, 1.0)
    with pytest.raises(MoveError, match="two different schemes"):
        move_money(base_scenario, HOME_FIRST, HOME_FIRST, 1.0)
    with pytest.raises(MoveError, match="has £1,721,553 a year"):
        move_money(base_scenario, DFG, HOME_FIRST, 2_000_000)
    whole = move_money(base_scenario, DFG, HOME_FIRST, 1_721_553)
    assert _scheme(whole, DFG).budget_gbp == 0 and _scheme(whole, DFG).funding == (("dfg", 1.0),)


# --------------------------------------------------------------------------- national conditions
def test_asc_condition_fires_below_the_requirement_not_at_it(base_scenario) -> None:  # noqa: ANN001
    spent = nhs_to_social_care_gbp(base_scenario)
    assert spent == pytest.approx(6_799_326)  # the two protection-of-social-care lines, council-led
    assert base_scenario.nhs_asc_requirement_gbp == 6_799_326  # area.json
    assert national_conditions(base_scenario) == []  # at the threshold: met
    above = evolve(base_scenario, nhs_asc_requirement_gbp=spent + 1.0)
    assert national_conditions(above) == [
        "National condition: the NHS minimum contribution spent on adult social care is £6,799,326 a year, below "
        "the £6,799,327 the area must spend (short by £1)."
    ]
    # £1 of NHS minimum moved out of a council-led line into an ICB-led one breaks it
    moved = move_money(base_scenario, PROTECTION, HOME_FIRST, 1.0)
    assert nhs_to_social_care_gbp(moved) == pytest.approx(spent - 1.0)
    assert len(national_conditions(moved)) == 1 and "£6,799,325" in national_conditions(moved)[0]
    assert conditions_table(moved).loc[0, "status"] == "NOT MET: short by £1"
    unset = evolve(base_scenario, nhs_asc_requirement_gbp=None)
    assert national_conditions(evolve(moved, nhs_asc_requirement_gbp=None)) == []
    assert conditions_table(unset).loc[0, "status"] == "not checked: no requirement entered"


def test_dfg_outside_adaptations_is_named(base_scenario) -> None:  # noqa: ANN001
    assert dfg_outside_adaptations(base_scenario) == []
    moved = move_money(base_scenario, DFG, HOME_FIRST, 200_000)
    assert dfg_outside_adaptations(moved) == [(HOME_FIRST, pytest.approx(200_000))]
    assert national_conditions(moved) == [
        f"National condition: £200,000 a year of Disabled Facilities Grant is in '{HOME_FIRST}', which is not a DFG "
        "adaptations scheme; the grant may be spent only on adaptations and housing."
    ]
    retyped = _with(base_scenario, DFG, scheme_type="home_care")
    assert dfg_outside_adaptations(retyped) == [(DFG, pytest.approx(1_721_553))]
    assert conditions_table(retyped).loc[1, "status"].startswith("NOT MET")


def test_new_money_into_a_scheme_raises_its_funders_contribution_only(base_scenario, demo_area) -> None:  # noqa: ANN001
    """An additional NHS contribution into Home First: budget and income rise together, the NHS partner's
    contribution by exactly the new money, the council's not at all, and the fund stays balanced."""
    taker = next(s for s in base_scenario.schemes if s.metric == "p1_capacity")
    more = add_money(base_scenario, taker.name, 250_000, "additional_nhs")
    before, after = contributions(base_scenario), contributions(more)
    assert after[0] - before[0] == pytest.approx(250_000) and after[1] == pytest.approx(before[1])
    grown = next(s for s in more.schemes if s.name == taker.name)
    assert grown.budget_gbp == pytest.approx(taker.budget_gbp + 250_000)
    assert grown.amounts()["additional_nhs"] == pytest.approx(250_000)
    assert fund_statement(more).warnings == []
    preset = presets(demo_area)["+15 Home First starts a week"]
    assert fund_statement(preset).warnings == []  # the preset's extra starts are paid for, not overcommitted
    with pytest.raises(MoveError):
        add_money(base_scenario, taker.name, -1, "additional_nhs")
