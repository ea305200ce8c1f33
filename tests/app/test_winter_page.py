"""App (AppTest): the Discharge and winter beds page against the current funding trend.

The baseline is the current funding trend, so at baseline the KPIs carry no change;
beds bind (arrivals wait in ED), so escalation beds score on ED boarding; the options
table's first row is the scenario's own run; bad levers are refused with a message and
the last valid scenario stays.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from models import pipeline
from models.pipeline.core_metrics import core_metrics

ROOT = Path(__file__).resolve().parents[2]
OCCUPANCY = "Mean occupancy"
FULL = "Days ≥ 95% / every bed full"
DELAYED = "Delayed bed days"
BOARDING = "Waits for a bed over 12 hours"
LONG_STAYS = "Inpatients 14+ / 21+ days"
KPIS = (OCCUPANCY, FULL, DELAYED, BOARDING, LONG_STAYS)
ESCALATION = "lever:flow.escalation_beds#0"


def _open() -> AppTest:
    # the first run in a process compiles the flow kernel and calibrates the stays
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/winter.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _kpi(at: AppTest, label: str):  # noqa: ANN202 - streamlit's Metric element
    found = [m for m in at.metric if m.label == label]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").replace(" beds", "").strip())


def _count(at: AppTest, label: str) -> float:
    return _number(_kpi(at, label).value)


def _options(at: AppTest):  # noqa: ANN202 - a DataFrame
    return next(df.value for df in at.dataframe if "delayed_days_avoided" in df.value.columns)


def _errors(at: AppTest) -> str:
    """The page's error messages as shown (markdown escapes removed)."""
    return " ".join(e.value for e in at.main.error).replace("\\", "")


def test_page_renders_kpis_at_baseline_without_change() -> None:
    at = _open()
    assert at.title[0].value == "Discharge and winter beds"
    for label in KPIS:
        _kpi(at, label)
    occupancy = _count(at, OCCUPANCY)
    assert 0 < occupancy <= 100  # beds bind: never above the open beds
    at95, full = (float(x) for x in _kpi(at, FULL).value.split(" / "))
    assert 0 <= full <= at95 <= 182  # every bed full implies ≥ 95%
    assert _count(at, DELAYED) > 0 and _count(at, BOARDING) >= 0
    s14, s21 = (_number(x) for x in _kpi(at, LONG_STAYS).value.split(" / "))
    assert 0 < s21 < s14 < 100
    # baseline = current funding trend: no change to show, and the page says so
    assert all(not _kpi(at, label).delta for label in KPIS), [_kpi(at, lbl).delta for lbl in KPIS]
    assert any("this scenario is the current funding trend" in c.value for c in at.caption)
    assert any(e.label == "How this is calculated" for e in at.expander)


def test_the_delay_core_metric_leads_with_its_quarters() -> None:
    """BCF core metric 2 on the winter page: the same P50 as the average delay tile below it (one winter), against
    the demo's maximum level of 0.80 days, with quarters 3 and 4 of the winter and their on-track flags."""
    at = _open()
    tile = next(m for m in at.metric if m.label.startswith("Average discharge delay (days) · winter"))
    assert tile.delta is not None and tile.delta.endswith("vs maximum level 0.80 days")
    res = pipeline.run(at.session_state["scenario"], at.session_state["area"])
    m = core_metrics(res, at.session_state["area"])["delay"]
    assert tile.value == f"{m.p50:.2f} days"
    quarters = next(df.value for df in at.dataframe if "On track" in df.value.columns)
    assert quarters["Quarter"].tolist() == ["Q3 2025-26", "Q4 2025-26"]
    assert quarters["On track"].isin(["Yes", "No"]).all()


def test_escalation_beds_lower_ed_boarding_with_deltas_vs_current_funding() -> None:
    at = _open()
    boarding = _count(at, BOARDING)
    full = float(_kpi(at, FULL).value.split(" / ")[1])
    assert boarding > 0  # the demo winter has patients waiting over 12 hours in ED at current funding
    at.slider(key=ESCALATION).set_value(27).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"].flow.escalation_beds == 27
    after = _count(at, BOARDING)
    assert after < boarding
    assert float(_kpi(at, FULL).value.split(" / ")[1]) < full  # fewer days with every bed full
    delta = _kpi(at, BOARDING).delta
    assert delta.startswith("-") and delta.endswith("vs current funding"), delta
    assert abs(_number(delta.removesuffix("vs current funding")) - (after - boarding)) <= 1.5  # rounded texts
    for label in KPIS:  # every KPI is now a change against current funding (none when it rounds to nothing)
        delta = _kpi(at, label).delta
        assert delta == "" or delta.endswith(" vs current funding"), (label, delta)
    assert sum(_kpi(at, label).delta.endswith(" vs current funding") for label in KPIS) >= 4
    assert not any("this scenario is the current funding trend" in c.value for c in at.caption)
    assert _kpi(at, "Beds in the scenario").value.endswith("+ 27")


def test_options_first_row_is_the_scenario_and_equals_the_headline() -> None:
    at = _open()
    at.slider(key=ESCALATION).set_value(10).run()  # not the default scenario: the row must follow it
    assert not at.exception, [e.value for e in at.exception]
    options = _options(at)
    assert len(options) == 4
    first = options.iloc[0]
    assert first["option"].startswith("Scenario:"), first["option"]
    assert first["delayed_days_avoided"] == 0 and first["boarding_days_avoided"] == 0
    assert first["extra_cost"] == 0
    # the same run as the KPIs above (common random numbers), not another stream
    assert round(first["delayed_days"]) == _count(at, DELAYED)
    assert round(first["waits_over_12h"]) == _count(at, BOARDING)
    assert round(first["mean_occupancy_pct"], 1) == _count(at, OCCUPANCY)
    # the escalation option adds beds: less boarding than the scenario, at an extra cost
    esc = options.iloc[1]
    assert "escalation beds" in esc["option"]
    assert esc["boarding_days"] < first["boarding_days"] and esc["extra_cost"] > 0
    assert math.isclose(esc["boarding_days_avoided"], first["boarding_days"] - esc["boarding_days"], rel_tol=1e-9)


def test_pathway_shares_over_100_refused_with_message() -> None:
    at = _open()
    before = at.session_state["scenario"]
    delayed = _kpi(at, DELAYED).value
    at.number_input(key="lever:flow.p1_share#0").set_value(99.0).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"] == before  # last valid scenario kept
    assert "add up to 100%" in _errors(at)
    assert "last valid scenario is still in use" in _errors(at)
    assert _kpi(at, DELAYED).value == delayed
    assert at.number_input(key="lever:flow.p1_share#0").value == before.flow.p1_share * 100  # springs back


def test_p1_share_rebalances_p0() -> None:
    at = _open()
    at.number_input(key="lever:flow.p1_share#0").set_value(20.0).run()
    assert not at.exception, [e.value for e in at.exception]
    flow = at.session_state["scenario"].flow
    assert abs(flow.p1_share - 0.20) < 1e-9
    assert abs(flow.p0_share + flow.p1_share + flow.p2_share + flow.p3_share - 1) < 1e-9
    assert not any("Not applied" in e.value for e in at.error)  # the lever change itself was accepted
    # twice the Home First patients against the same starts: the page says the winter cannot cope, in plain words
    assert [e.value for e in at.error if e.value.startswith("**Not a forecast")], [e.value for e in at.error]
    assert any("Home First" in w.value and "grows every day" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]


def test_stay_shares_in_wrong_order_refused() -> None:
    at = _open()
    before = at.session_state["scenario"]
    at.slider(key="lever:flow.share_21plus#0").set_value(20.0).run()  # 21+ above 14+ (10.9%)
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"] == before
    assert "21+ days must be below" in _errors(at)
    assert "last valid scenario is still in use" in _errors(at)


def test_mean_length_of_stay_lever_moves_the_winter() -> None:
    at = _open()
    slider = at.slider(key="lever:flow.mean_los_days#0")
    assert slider.label == "Mean length of stay, days"
    los = slider.value
    assert los == at.session_state["scenario"].flow.mean_los_days
    occupancy = _count(at, OCCUPANCY)
    slider.set_value(round(los + 1.0, 1)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert math.isclose(at.session_state["scenario"].flow.mean_los_days, round(los + 1.0, 1))
    assert _count(at, OCCUPANCY) > occupancy  # longer stays fill more beds
    assert _kpi(at, OCCUPANCY).delta.startswith("+")


def _mean_load(at: AppTest) -> float:
    text = next(c.value for c in at.caption if "patients a day" in c.value)
    return float(re.search(r"\(([\d,.]+) patients a day\)", text).group(1).replace(",", ""))


def test_three_bed_figures_render_and_react() -> None:
    at = _open()
    load = _mean_load(at)
    simple = _count(at, "Simple conversion at 92%")
    erlang = _count(at, "Erlang: every bed full ≤ 2.0% of the time")
    peak = _count(at, "Simulated P90 peak")
    assert simple == math.ceil(load / 0.92)  # bed days ÷ (days × target occupancy)
    assert load < erlang  # room for randomness above the average load
    assert peak > load  # a bad winter's busiest day needs more than the average day
    # the load is the demand for beds, delays included: at least the patients the bed-limited run holds
    sc = at.session_state["scenario"]
    assert sc.flow.escalation_beds == 0  # the default scenario: open beds are the core beds all winter
    assert load > _count(at, OCCUPANCY) / 100 * sc.flow.core_beds
    at.slider(key="calc_occ").set_value(85).run()
    at.slider(key="calc_refusal").set_value(10.0).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _count(at, "Simple conversion at 85%") == math.ceil(load / 0.85) > simple
    assert _count(at, "Erlang: every bed full ≤ 10.0% of the time") < erlang  # more risk accepted, fewer beds
    assert _count(at, "Simulated P90 peak") == peak  # the calculator does not rerun the simulation
    # the need is demand, not supply: more beds leave it alone, more Home First capacity lowers it (fewer delays)
    at.slider(key=ESCALATION).set_value(27).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _mean_load(at) == load and _count(at, "Simulated P90 peak") == peak
    assert _kpi(at, "Beds in the scenario").value == f"{sc.flow.core_beds:,} + 27"
    at.number_input(key="lever:flow.p1_starts_per_week#0").set_value(sc.flow.p1_starts_per_week + 20).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _mean_load(at) < load
