"""App (AppTest): the Scheme funding page against the current funding trend.

Current funding is the baseline, so at baseline no KPI shows a change; cutting an
admission-avoidance scheme raises admissions; more money for a discharge-capacity scheme
(Home First, P1) buys capacity that lowers the winter's delayed + ED boarding days.

AppTest cannot type into ``st.data_editor`` cells or read Plotly figures: the edits are
seeded in the editor's session state as the browser sends them, and the browser tests
(tests/browser/test_schemes_page.py) drive the real grid and the waterfall.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.scenario import evolve
from models.scenario.tables import schemes_to_rows

ROOT = Path(__file__).resolve().parents[2]
FUND = "Pooled fund a year"
ADMISSIONS = "Emergency admissions"
PLACEMENTS = "Care-home placements 65+"
WINTER = "Winter delayed + ED boarding days"
NET = "Net cost of the changes a year"
KPIS = (FUND, ADMISSIONS, PLACEMENTS, WINTER, NET)
HOME_FIRST = "Home First and supported discharge"


def _schemes_page() -> AppTest:
    # the first run in a process fits the models, compiles the flow kernel and calibrates the stays
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/schemes.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _kpi(at: AppTest, starts: str):  # noqa: ANN202 - streamlit's Metric element
    found = [m for m in at.metric if m.label.startswith(starts)]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def _count(at: AppTest, starts: str) -> float:
    return float(_kpi(at, starts).value.replace(",", ""))


def _largest_nea(at: AppTest) -> str:
    sc = at.session_state["scenario"]
    return max((s for s in sc.schemes if s.metric == "nea"), key=lambda s: s.current_budget_gbp).name


def _edit(at: AppTest, edited_rows: dict, deleted_rows: list | None = None) -> None:
    """Seed the scheme editor's edit state, as the browser would send it, and rerun."""
    key = f"scheme_editor#{at.session_state['rev']}"
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": deleted_rows or []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _row_of(at: AppTest, name: str) -> int:
    rows = schemes_to_rows(at.session_state["scenario"].schemes)
    return int(rows.index[rows["name"] == name][0])


def _scheme(at: AppTest, name: str):  # noqa: ANN202 - a Scheme
    return next(s for s in at.session_state["scenario"].schemes if s.name == name)


def _more_home_first(at: AppTest, extra_gbp: float = 2_100_000) -> None:
    hf = _scheme(at, HOME_FIRST)
    assert hf.metric == "p1_capacity"
    _edit(at, {_row_of(at, HOME_FIRST): {"budget_gbp": hf.current_budget_gbp + extra_gbp}})
    assert _scheme(at, HOME_FIRST).budget_gbp == hf.current_budget_gbp + extra_gbp


def test_page_renders_kpis_at_current_funding() -> None:
    at = _schemes_page()
    assert at.title[0].value == "Scheme funding"
    for start in KPIS:
        _kpi(at, start)
    assert _kpi(at, FUND).value.startswith("£")
    assert _count(at, ADMISSIONS) > 0 and _count(at, PLACEMENTS) > 0 and _count(at, WINTER) > 0
    # the baseline is the current funding trend: nothing has changed against it
    for start in (FUND, ADMISSIONS, PLACEMENTS, WINTER):
        assert not _kpi(at, start).delta, (start, _kpi(at, start).delta)
    assert _kpi(at, NET).value == "£0"
    sc = at.session_state["scenario"]
    assert all(s.budget_gbp == s.current_budget_gbp for s in sc.schemes)
    assert len(at.main.slider) == 4  # three largest schemes + savings realised
    assert any(e.label == "How this is calculated" for e in at.expander)


def test_cutting_the_largest_admission_scheme_raises_admissions() -> None:
    at = _schemes_page()
    name = _largest_nea(at)
    current = _scheme(at, name).current_budget_gbp
    admissions = _count(at, ADMISSIONS)
    at.slider(key=f"scheme_budget:{name}#{at.session_state['rev']}").set_value(0.0).run()
    assert not at.exception, [e.value for e in at.exception]
    cut = _scheme(at, name)
    assert cut.budget_gbp == 0 and cut.current_budget_gbp == current  # today's budget is kept
    assert _count(at, ADMISSIONS) > admissions  # the scheme's avoided admissions come back
    delta = _kpi(at, ADMISSIONS).delta
    assert delta and delta.startswith("+"), delta
    rise = float(delta[1:].replace(",", ""))
    assert abs(rise - (_count(at, ADMISSIONS) - admissions)) <= 1.5  # the delta is the change (rounded texts)
    assert _kpi(at, FUND).delta.startswith("−£")  # less money in the fund, a true minus before the pound


def test_more_home_first_money_lowers_winter_delays_and_boarding() -> None:
    at = _schemes_page()
    winter = _count(at, WINTER)
    admissions = _kpi(at, ADMISSIONS).value
    _more_home_first(at)
    after = _count(at, WINTER)
    assert after < winter  # the P1 capacity it buys shortens the discharge queue
    delta = _kpi(at, WINTER).delta
    assert delta and delta.startswith("-"), delta
    assert abs(float(delta[1:].replace(",", "")) - (winter - after)) <= 1.5
    assert _kpi(at, ADMISSIONS).value == admissions and not _kpi(at, ADMISSIONS).delta  # a capacity scheme
    assert _kpi(at, FUND).delta == "+£2.1m"


def test_savings_dont_materialise_returns_winter_to_current_funding() -> None:
    at = _schemes_page()
    winter = _kpi(at, WINTER).value
    _more_home_first(at)
    moved = _kpi(at, WINTER).value
    assert moved != winter
    next(b for b in at.button if "don't materialise" in b.label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"].savings_realised_pct == 0
    assert _scheme(at, HOME_FIRST).budget_gbp > _scheme(at, HOME_FIRST).current_budget_gbp  # money still moved
    assert _kpi(at, WINTER).value == winter and not _kpi(at, WINTER).delta  # no capacity delivered
    assert _kpi(at, FUND).delta == "+£2.1m"  # still paid for
    assert any("Only 0% of the benefits" in w.value for w in at.warning)
    rev = at.session_state["rev"]
    assert at.slider(key=f"lever:savings_realised_pct#{rev}").value == 0  # the slider follows the scenario
    next(b for b in at.button if "in full" in b.label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"].savings_realised_pct == 100
    assert _kpi(at, WINTER).value == moved


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"effect_low": 1e9}, "low (1e+09) is above central"),
        ({"budget_gbp": -5}, "the budget cannot be negative"),
        ({"metric": "beds"}, "is not one of"),
    ],
)
def test_invalid_table_edit_keeps_last_valid_scenario(edit: dict, expected: str) -> None:
    at = _schemes_page()
    before = at.session_state["scenario"]
    winter = _kpi(at, WINTER).value
    _edit(at, {_row_of(at, HOME_FIRST): edit})
    assert at.session_state["scenario"] == before
    errors = " ".join(e.value for e in at.main.error).replace("\\", "")  # user text is markdown-escaped
    assert expected in errors and HOME_FIRST in errors, errors
    assert any("last valid set of schemes is still in use" in w.value for w in at.warning)
    assert _kpi(at, WINTER).value == winter and not _kpi(at, WINTER).delta


def test_valid_table_edit_applies_once() -> None:
    at = _schemes_page()
    before = at.session_state["scenario"]
    first = before.schemes[0]
    _edit(at, {0: {"budget_gbp": first.budget_gbp + 100_000}}, deleted_rows=[len(before.schemes) - 1])
    after = at.session_state["scenario"]
    assert after.schemes[0].budget_gbp == first.budget_gbp + 100_000
    assert after.schemes[0].current_budget_gbp == first.current_budget_gbp  # today's budget kept
    assert after.schemes[0].reference_budget_gbp == first.reference_budget_gbp  # diminishing returns kept
    assert [s.current_budget_gbp for s in after.schemes] == [s.current_budget_gbp for s in before.schemes[:-1]]
    assert len(after.schemes) == len(before.schemes) - 1
    assert not at.main.error
    at.run()  # the edit state is still in the widget: a rerun must not apply it again
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"] == after


def test_no_schemes_renders_without_error() -> None:
    at = _schemes_page()
    at.session_state["scenario"] = evolve(at.session_state["scenario"], schemes=[])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _kpi(at, FUND).value == "£0"
    assert _kpi(at, NET).value == "£0"
    assert not _kpi(at, ADMISSIONS).delta
    assert _count(at, WINTER) > 0
