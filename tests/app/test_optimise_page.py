"""App (AppTest): the Winter page's "Cheapest way to meet the ambition": run it, see the answer, apply it.

The scenario is cut to 100 draws so that the page's optimiser runs in seconds; the search then runs on all of them
(its 100 search draws are all of them).
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from models.inputs.areas import load_area
from models.pipeline import optimise as opt
from models.scenario import baseline, evolve

ROOT = Path(__file__).resolve().parents[2]
RUN = "Find the cheapest mix"
APPLY = "Apply as scenario"


def _open_small() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    area, _ = load_area()
    at.session_state["scenario"] = evolve(baseline(area), n_draws=100)  # the session starts with it (init_state)
    at.run()
    at.switch_page("pages/winter.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label: str):  # noqa: ANN202 - streamlit's Button element
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def test_run_show_and_apply_the_cheapest_mix() -> None:
    at = _open_small()
    assert any(h.value == "Cheapest way to meet the ambition" for h in at.subheader)
    # narrow bounds keep the run short; escalation beds from 0 to 3
    at.number_input(key="opt_hi_escalation_beds#0").set_value(3)
    _button(at, RUN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state["optimiser_result"]
    assert result.bounds["escalation_beds"] == (0, 3)
    shown = " ".join(m.value for m in [*at.success, *at.error])
    assert "cheapest mix" in shown.lower() or "no mix" in shown.lower()
    assert any("Runner-up" in m.value.replace("\\", "") for m in at.markdown)
    assert any("Cost around the answer" in c.proto.spec for c in at.get("plotly_chart"))
    mix = next(df.value for df in at.dataframe if "bounds" in df.value.columns)
    assert list(mix["lever"]) == [opt.LEVER_LABELS[lever] for lever in opt.LEVERS]
    # apply: the session's scenario becomes the answer, and the page's KPIs are the answer's own figures
    _button(at, APPLY).click().run()
    assert not at.exception, [e.value for e in at.exception]
    applied = at.session_state["scenario"]
    assert applied == opt.result_scenario(result)
    assert at.session_state["scenario_origin"][0] == result.name
    assert _button(at, "Applied: this is the session's scenario").disabled
    delayed = next(m for m in at.metric if m.label == "Delayed bed days")
    assert float(delayed.value.replace(",", "")) == round(result.best_row["delayed_bed_days"])
    assert at.session_state["scenario"].name.endswith("cheapest mix")


def test_bad_bounds_are_refused_in_words() -> None:
    at = _open_small()
    at.number_input(key="opt_lo_p2_beds#0").set_value(80)
    at.number_input(key="opt_hi_p2_beds#0").set_value(60)
    _button(at, RUN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "Step-down (P2) beds" in errors and "lowest ≤ highest" in errors, errors
