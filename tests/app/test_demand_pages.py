"""App (AppTest): Demographic growth and Demand projections pages respond to their levers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models import pipeline

ROOT = Path(__file__).resolve().parents[2]


def _open(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, prefix: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(prefix))


def test_growth_slider_changes_demand_growth_and_table() -> None:
    at = _open("pages/growth.py")
    before_metric = _metric(at, "Age-weighted demand growth")
    before_table = at.dataframe[0].value.copy()
    at.slider(key="lever:growth.older_people_adjust_pp#0").set_value(2.0).run()
    assert not at.exception
    assert at.session_state["scenario"].growth.older_people_adjust_pp == 2.0
    assert _metric(at, "Age-weighted demand growth") != before_metric
    after_table = at.dataframe[0].value
    assert after_table["population_65plus"].iloc[-1] > before_table["population_65plus"].iloc[-1]


def test_band_override_and_clear() -> None:
    at = _open("pages/growth.py")
    at.slider(key="band:85+#0").set_value(8.0).run()
    assert dict(at.session_state["scenario"].growth.overrides) == {"85+": 8.0}
    next(b for b in at.button if b.label == "Clear band overrides").click().run()
    assert at.session_state["scenario"].growth.overrides == ()


def test_variant_changes_projection_table() -> None:
    at = _open("pages/demand.py")
    table = at.dataframe[0].value
    before = float(table["baseline_mean"].iloc[-1])
    at.switch_page("pages/growth.py").run()
    at.selectbox(key="lever:growth.variant#0").set_value("high").run()
    at.switch_page("pages/demand.py").run()
    assert not at.exception
    after = float(at.dataframe[0].value["baseline_mean"].iloc[-1])
    assert after > before  # high growth → more admissions projected


def test_demand_page_shows_backtest_with_benchmark() -> None:
    at = _open("pages/demand.py")
    backtests = [df.value for df in at.dataframe if "mase" in df.value.columns]
    assert len(backtests) == 4  # NEA and ACS: chosen vs benchmarks, then every candidate
    for bt in backtests:
        assert bt["chosen"].sum() == 1
    key_rows = backtests[0]
    assert list(key_rows["model"].str.replace(r" \(.*\)$", "", regex=True))[1:] == ["Seasonal naive", "Naive"]
    assert {"bias", "pi80_coverage", "pi95_coverage"} <= set(key_rows.columns)
    text = " ".join(m.value for m in at.markdown)
    assert "backtest origins" in text and "in-sample forecast errors" in text


def test_covid_exclusion_refits_without_error() -> None:
    at = _open("pages/demand.py")
    value = "return"
    at.radio(key="lever:demand.covid#0").set_value(value).run()
    assert not at.exception
    assert at.session_state["scenario"].demand.covid == value
    assert any("ASSUMES" in m.value for m in at.markdown)  # the return assumption is stated


def test_growth_slider_never_refits(monkeypatch) -> None:
    import streamlit as st

    from models.pipeline import stages

    calls = []
    real_fit = stages.fit_all

    def counting_fit(*args, **kwargs):
        calls.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(stages, "fit_all", counting_fit)
    st.cache_resource.clear()
    at = _open("pages/growth.py")
    assert len(calls) == 1
    for value in (1.0, 2.0, -1.0):
        at.slider(key="lever:growth.older_people_adjust_pp#0").set_value(value).run()
        assert not at.exception
    at.switch_page("pages/demand.py").run()
    assert len(calls) == 1  # levers and page changes reuse the cached fits


def test_demand_page_leads_with_the_65plus_core_metric() -> None:
    """Core metrics 1 and 3 head the Demand page; the 65+ tab's table is the pipeline's 65+ series."""
    at = _open("pages/demand.py")
    labels = [m.label for m in at.metric]
    assert labels[0].startswith("Emergency admissions 65+ per 100,000 aged 65+")
    assert labels[1].startswith("Care-home admissions 65+ per 100,000 (ASCOF 2C)")
    res = pipeline.run(at.session_state["scenario"], at.session_state["area"], with_winter=False)
    table = at.dataframe[0].value  # the first tab: emergency admissions 65+ a financial year
    expected = res.projection.annual_of("nea_65plus", "scenario")["mean"].to_numpy()
    assert table["with_schemes_mean"].to_numpy() == pytest.approx(expected)
