"""App (AppTest): today's funding lines on the Scheme funding and Finance pages (issue 20).

The Scheme funding page shows income, spend and balance by source, the national conditions and spend by service
type; "Move money" moves £ between schemes with their sources (no contribution changes); raising a budget without
raising income warns that the source is overcommitted; raising income clears it; the national-conditions check
warns when NHS money leaves adult social care. The Finance page shows contributions by funder, with the line
saying they follow who pays.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.scenario.terms import contributions

ROOT = Path(__file__).resolve().parents[2]
HOME_FIRST = "Home First and supported discharge"
MARKET = "Improved BCF: market sustainability and home care"
PROTECTION = "Protection of adult social care: prevention and community support"
NHS_MIN, COUNCIL = 17_129_049.0, 8_189_183.0


def _open(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _text(elements) -> str:  # noqa: ANN001 - streamlit element lists
    return " ".join(str(e.value) for e in elements).replace("\\", "")


def _frame(at: AppTest, column: str):  # noqa: ANN202 - a DataFrame
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _move(at: AppTest, donor: str, taker: str, amount_m: float) -> None:
    rev = at.session_state["rev"]
    at.selectbox(key=f"move_from#{rev}").set_value(donor)
    at.selectbox(key=f"move_to#{rev}").set_value(taker)
    at.number_input(key=f"move_amount#{rev}").set_value(amount_m)
    at.button(key=f"move_go#{rev}").click().run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture(scope="module")
def schemes_page() -> AppTest:
    return _open("pages/schemes.py")


def test_fund_by_source_type_and_conditions_are_shown(schemes_page: AppTest) -> None:
    at = schemes_page
    assert "Where the money comes from" in [h.value for h in at.subheader]
    sources = _frame(at, "income_gbp")
    assert list(sources["label"]) == [
        "NHS minimum contribution",
        "Local Authority BCF grant",
        "Disabled Facilities Grant",
    ]
    assert list(sources["status"]) == ["balanced"] * 3
    conditions = _frame(at, "condition")
    assert list(conditions["status"]) == ["met", "met"]
    types = _frame(at, "schemes")
    assert types["scheme_type"].iloc[-1] == "All schemes"
    assert "National condition" not in _text(at.error) and "overcommitted" not in _text(at.warning)


def test_move_money_keeps_contributions_and_a_bad_move_is_refused(schemes_page: AppTest) -> None:
    at = schemes_page
    _move(at, MARKET, HOME_FIRST, 1.0)
    sc = at.session_state["scenario"]
    by = {s.name: s for s in sc.schemes}
    assert by[HOME_FIRST].budget_gbp == 3_100_000 and by[MARKET].budget_gbp == 4_467_630
    assert contributions(sc).tolist() == pytest.approx([NHS_MIN, COUNCIL])
    assert list(_frame(at, "income_gbp")["status"]) == ["balanced"] * 3
    # more than the donor has: refused, the scenario stays
    _move(at, "Disabled Facilities Grant", HOME_FIRST, 5.0)
    assert "has £1,721,553 a year" in _text(at.error)
    assert at.session_state["scenario"] == sc


def test_national_condition_warns_when_nhs_money_leaves_social_care(schemes_page: AppTest) -> None:
    at = schemes_page
    _move(at, PROTECTION, HOME_FIRST, 0.5)
    assert "National condition: the NHS minimum contribution spent on adult social care is £6,299,326" in _text(
        at.error
    )
    assert list(_frame(at, "condition")["status"])[0] == "NOT MET: short by £500,000"


def test_a_budget_rise_without_income_warns_and_raising_income_clears_it() -> None:
    at = _open("pages/schemes.py")
    rev = at.session_state["rev"]
    slider = next(s for s in at.slider if s.key.startswith(f"scheme_budget:STARRS intermediate care#{rev}"))
    slider.set_value(3.9).run()  # +£0.5m, NHS minimum
    assert "NHS minimum contribution: schemes spend £17,629,049 a year but the fund receives £17,129,049" in _text(
        at.warning
    )
    rev = at.session_state["rev"]
    at.number_input(key=f"income:nhs_minimum#{rev}").set_value(17.629049).run()
    assert not at.exception
    assert "overcommitted" not in _text(at.warning)
    assert contributions(at.session_state["scenario"]).tolist() == pytest.approx([NHS_MIN + 500_000, COUNCIL])


def test_finance_page_shows_contributions_by_funder() -> None:
    at = _open("pages/finance.py")
    assert "Contributions by funder" in [h.value for h in at.subheader]
    table = _frame(at, "contribution_gbp")
    assert dict(zip(table["partner"], table["contribution_gbp"], strict=True)) == pytest.approx(
        {"ICB": NHS_MIN, "Council": COUNCIL}
    )
    assert "follow who pays" in _text(at.caption).replace("*", "")


def test_editor_amounts_that_do_not_add_up_are_refused_and_the_last_schemes_kept(schemes_page: AppTest) -> None:
    at = schemes_page
    before = at.session_state["scenario"]
    key = f"scheme_editor#{at.session_state['rev']}"
    at.session_state[key] = {"edited_rows": {0: {"la_bcf_grant_gbp": 400_000}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "the amounts by funding source add up to £3,800,000, not the budget of £3,400,000" in _text(at.error)
    assert "The last valid set of schemes is still in use" in _text(at.warning)
    assert at.session_state["scenario"] == before
