"""App (AppTest): the Risk share and finance page.

Changing the split moves each partner's distribution; the presets and the "savings don't
materialise" switch apply; bad terms are refused with a message and the last valid terms
stay; the board workbook holds the page's numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APPLY = "Apply the terms"


def _open() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/finance.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str):  # noqa: ANN202 - streamlit's Metric element
    found = [m for m in at.metric if m.label == label]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def _summary(at: AppTest):  # noqa: ANN202 - a DataFrame
    return next(df.value for df in at.dataframe if "Expected liability (£)" in df.value.columns)


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.main.error).replace("\\", "")


def _number(at: AppTest, label: str, k: int = 0):  # noqa: ANN202 - streamlit's NumberInput
    found = [n for n in at.number_input if n.label == label]
    assert found, [n.label for n in at.number_input]
    return found[k]


def _apply(at: AppTest) -> None:
    next(b for b in at.button if b.label == APPLY).click().run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture(scope="module")
def page() -> AppTest:
    return _open()


def test_page_shows_each_partner_and_changing_the_split_moves_the_distributions(page: AppTest) -> None:
    at = page
    assert at.title[0].value == "Risk share and finance"
    for who in ("ICB", "Council"):
        _metric(at, f"{who}: P50 net position")
        _metric(at, f"{who}: probability of an overspend")
        _metric(at, f"{who}: expected liability")
    before = _summary(at).set_index("Partner")
    assert before.loc["ICB", "P10 (£)"] <= before.loc["ICB", "P50 (£)"] <= before.loc["ICB", "P90 (£)"]
    _number(at, "Share of overspend %", 0).set_value(90.0)
    _number(at, "Share of overspend %", 1).set_value(10.0)
    _apply(at)
    assert at.session_state["scenario"].risk_share.overspend_split == pytest.approx((0.9, 0.1))
    after = _summary(at).set_index("Partner")
    # the ICB now carries 90% of every pooled overspend: its upper tail rises, the council's falls
    assert after.loc["ICB", "P90 (£)"] > before.loc["ICB", "P90 (£)"]
    assert after.loc["Council", "P90 (£)"] < before.loc["Council", "P90 (£)"]
    assert after.loc["ICB", "Expected liability (£)"] > before.loc["ICB", "Expected liability (£)"]
    assert not _errors(at)


def test_bad_terms_are_refused_and_the_last_valid_terms_stay(page: AppTest) -> None:
    at = page
    kept = at.session_state["scenario"].risk_share
    shown = _summary(at)
    _number(at, "Share of overspend %", 0).set_value(70.0)
    _number(at, "Share of overspend %", 1).set_value(20.0)
    _apply(at)
    assert "add up to 100%" in _errors(at) and "last valid terms" in _errors(at)
    assert at.session_state["scenario"].risk_share == kept
    assert _summary(at).equals(shown)
    _number(at, "Share of overspend %", 0).set_value(kept.overspend_split[0] * 100)
    _number(at, "Share of overspend %", 1).set_value(kept.overspend_split[1] * 100)
    _number(at, "Admissions reduction target %").set_value(120.0)
    _apply(at)
    assert "target must be 0–100%" in _errors(at)
    assert at.session_state["scenario"].risk_share == kept


def test_presets_and_the_savings_switch(page: AppTest) -> None:
    at = page
    move = "Move £1m from social care into Home First"
    next(s for s in at.sidebar.selectbox if s.label == "Scenario preset").set_value(move).run()
    assert at.session_state["scenario"].name == move
    next(b for b in at.button if b.label == "In proportion to contributions").click().run()
    assert at.session_state["scenario"].risk_share.split_basis == "contributions"
    next(b for b in at.button if b.label == "50:50").click().run()
    t = at.session_state["scenario"].risk_share
    assert t.split_basis == "agreed" and t.overspend_split == pytest.approx((0.5, 0.5))
    next(b for b in at.button if b.label.startswith("NHS carries acute")).click().run()
    assert at.session_state["scenario"].risk_share.treatment("acute_nea") == "ICB"
    # delayed and boarding days are gross notional value, reported outside the partners' positions by default;
    # here the ICB carries them as their lead, as a finance lead may agree
    from models.scenario import evolve

    sc = at.session_state["scenario"]
    terms = {**dict(sc.risk_share.line_terms), "delayed_days": "lead", "boarding": "lead"}
    at.session_state["scenario"] = evolve(sc, risk_share={"line_terms": tuple(terms.items())})
    at.run()
    before = _summary(at).set_index("Partner")
    toggle = next(t for t in at.toggle if t.label == "Savings don't materialise")
    toggle.set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"].savings_realised_pct == 0.0
    after = _summary(at).set_index("Partner")
    # the Home First money buys no capacity: more delayed and boarding days, carried by the ICB as their lead
    assert after.loc["ICB", "Mean (£)"] > before.loc["ICB", "Mean (£)"] + 100_000


def test_workbook_holds_the_pages_numbers(page: AppTest) -> None:
    from models import pipeline
    from models.report.finance import finance_workbook
    from pages.ui.state import demo_area

    at = page
    sc = at.session_state["scenario"]
    area = demo_area()
    exceed = float(at.session_state["finance:exceed"])
    fin = pipeline.finance(sc, area, exceed_gbp=exceed)
    wb = load_workbook(io.BytesIO(finance_workbook(sc, area, fin, exceed_gbp=exceed)))
    ws = wb["Percentiles"]
    head = [c.value for c in ws[1]]
    shown = _summary(at).set_index("Partner")
    for r in range(2, ws.max_row + 1):
        row = {h: ws.cell(row=r, column=j + 1) for j, h in enumerate(head)}
        who = row["Partner"].value
        for col in ("P10 (£)", "P50 (£)", "P90 (£)", "Expected liability (£)"):
            assert isinstance(row[col].value, float) and "£" in row[col].number_format
            assert row[col].value == pytest.approx(float(shown.loc[who, col]), abs=0.51)  # the page shows whole £


def test_page_renders_on_an_uploaded_area() -> None:
    """An uploaded area (the demo data cut to 36 months, under another name) gets its own finance."""
    from models.inputs.areas import load_area, with_uploads

    demo, problems = load_area()
    assert demo is not None, problems
    uploads = {
        "admissions_monthly.csv": demo.admissions.tail(36).reset_index(drop=True),
        "placements_monthly.csv": demo.placements.tail(36).reset_index(drop=True),
        "population.csv": demo.population,
    }
    area, problems = with_uploads(demo, uploads, "Uploaded test area", "demo data truncated to 36 months")
    assert area is not None, problems
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["area"] = area
    at.run()
    at.switch_page("pages/finance.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.main.error], [e.value for e in at.main.error]
    assert at.session_state["area"].meta.name == "Uploaded test area"
    table = _summary(at).set_index("Partner")
    assert set(table.index) == {"ICB", "Council"}
    assert (table["P10 (£)"] <= table["P90 (£)"]).all()
