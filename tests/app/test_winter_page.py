"""App (AppTest): the Discharge and winter beds page answers its levers and refuses bad input clearly."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _open() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/winter.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_escalation_beds_lower_days_above_100() -> None:
    at = _open()
    before = int(_metric(at, "Days above 100%"))
    at.slider(key="lever:flow.escalation_beds#0").set_value(27).run()
    assert not at.exception
    assert at.session_state["scenario"].flow.escalation_beds == 27
    assert int(_metric(at, "Days above 100%")) < before


def test_options_table_has_baseline_and_three_options() -> None:
    at = _open()
    options = next(df.value for df in at.dataframe if "delayed_days_avoided" in df.value.columns)
    assert list(options["option"])[0] == "baseline" and len(options) == 4
    assert options["delayed_days_avoided"].iloc[0] == 0


def test_pathway_shares_over_100_refused_with_message() -> None:
    at = _open()
    before = at.session_state["scenario"]
    at.number_input(key="lever:flow.p1_share#0").set_value(99.0).run()
    assert not at.exception
    assert at.session_state["scenario"] == before  # last valid scenario kept
    assert any("add up to 100%" in e.value for e in at.error)


def test_p1_share_rebalances_p0() -> None:
    at = _open()
    at.number_input(key="lever:flow.p1_share#0").set_value(20.0).run()
    flow = at.session_state["scenario"].flow
    assert (
        abs(flow.p1_share - 0.20) < 1e-9
        and abs(flow.p0_share + flow.p1_share + flow.p2_share + flow.p3_share - 1) < 1e-9
    )


def test_stay_shares_in_wrong_order_refused() -> None:
    at = _open()
    before = at.session_state["scenario"]
    at.slider(key="lever:flow.share_21plus#0").set_value(20.0).run()  # 21+ above 14+ (10.9%)
    assert not at.exception
    assert at.session_state["scenario"] == before
    assert any("21+ days must be below" in e.value for e in at.error)


def test_bed_sizing_calculator_reacts() -> None:
    at = _open()
    at.number_input(key="calc_load").set_value(60.0).run()
    at.slider(key="calc_refusal").set_value(4.6).run()
    assert _metric(at, "Beds for ≤ 4.6% full") == "66"  # DOMAIN.md: 60 erlangs, 66 beds → 4.6% refused
