"""App (AppTest): the Scheme funding page — KPIs, budget and savings levers, refused changes.

AppTest cannot edit ``st.data_editor`` cells or read Plotly figures: the browser tests
(tests/browser/test_schemes_page.py) drive those.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from models.scenario import evolve

ROOT = Path(__file__).resolve().parents[2]
AVOIDED = "Admissions avoided"


def _schemes_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/schemes.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, starts: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(starts))


def _largest_nea(at: AppTest) -> str:
    sc = at.session_state["scenario"]
    return max((s for s in sc.schemes if s.metric == "nea"), key=lambda s: s.budget_gbp).name


def test_page_renders_kpis_levers_and_explanation() -> None:
    at = _schemes_page()
    assert at.title[0].value == "Scheme funding"
    labels = [m.label for m in at.metric]
    for start in ("Pooled fund", AVOIDED, "Placements avoided", "Net cost", "Chance of breaking even"):
        assert any(lbl.startswith(start) for lbl in labels), labels
    assert _metric(at, "Pooled fund").startswith("£")
    assert int(_metric(at, AVOIDED).replace(",", "")) > 0
    assert len(at.main.slider) == 4  # three largest schemes + savings realised
    assert any(e.label == "How this is calculated" for e in at.expander)


def test_budget_slider_changes_scenario_and_avoided_kpi() -> None:
    at = _schemes_page()
    name = _largest_nea(at)
    before_value = _metric(at, AVOIDED)
    before = at.session_state["scenario"]
    at.slider(key=f"scheme_budget:{name}#{at.session_state['rev']}").set_value(0.0).run()
    assert not at.exception, [e.value for e in at.exception]
    after = at.session_state["scenario"]
    assert after != before
    assert next(s for s in after.schemes if s.name == name).budget_gbp == 0
    assert int(_metric(at, AVOIDED).replace(",", "")) < int(before_value.replace(",", ""))
    delta = next(m for m in at.metric if m.label.startswith(AVOIDED)).delta
    assert delta and delta.startswith("-")  # fewer avoided than with the baseline funding


def test_savings_dont_materialise_and_back() -> None:
    at = _schemes_page()
    next(b for b in at.button if "don't materialise" in b.label).click().run()
    assert not at.exception
    assert at.session_state["scenario"].savings_realised_pct == 0
    assert _metric(at, AVOIDED) == "0"
    rev = at.session_state["rev"]
    assert at.slider(key=f"lever:savings_realised_pct#{rev}").value == 0  # the slider follows the scenario
    next(b for b in at.button if "in full" in b.label).click().run()
    assert at.session_state["scenario"].savings_realised_pct == 100
    assert int(_metric(at, AVOIDED).replace(",", "")) > 0


def _edit(at: AppTest, edited_rows: dict, deleted_rows: list | None = None) -> None:
    """Seed the scheme editor's edit state, as the browser would send it, and rerun."""
    key = f"scheme_editor#{at.session_state['rev']}"
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": deleted_rows or []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_invalid_table_edit_keeps_last_valid_scenario() -> None:
    at = _schemes_page()
    before = at.session_state["scenario"]
    _edit(at, {0: {"effect_low": 1e9}})  # low above central: not a valid scheme
    assert at.session_state["scenario"] == before
    errors = " ".join(e.value for e in at.error)
    assert "low" in errors and "central" in errors
    assert any("last valid set of schemes is still in use" in w.value for w in at.warning)


def test_valid_table_edit_applies_once() -> None:
    at = _schemes_page()
    before = at.session_state["scenario"]
    first = before.schemes[0]
    _edit(at, {0: {"budget_gbp": first.budget_gbp + 100_000}}, deleted_rows=[len(before.schemes) - 1])
    after = at.session_state["scenario"]
    assert after.schemes[0].budget_gbp == first.budget_gbp + 100_000
    assert after.schemes[0].reference_budget_gbp == first.reference_budget_gbp  # diminishing returns kept
    assert len(after.schemes) == len(before.schemes) - 1
    assert not at.error


def test_no_schemes_renders_without_error() -> None:
    at = _schemes_page()
    at.session_state["scenario"] = evolve(at.session_state["scenario"], schemes=[])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, AVOIDED) == "0"
    assert _metric(at, "Pooled fund") == "£0"
