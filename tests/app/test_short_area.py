"""App (AppTest): an uploaded area with only 36 months of data renders every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.inputs.areas import load_area, with_uploads
from tests.conftest import APP_PAGES

ROOT = Path(__file__).resolve().parents[2]


def _short_area(months: int):  # noqa: ANN202 - an AreaData
    demo, problems = load_area()
    assert demo is not None, problems
    uploads = {
        "admissions_monthly.csv": demo.admissions.tail(months).reset_index(drop=True),
        "placements_monthly.csv": demo.placements.tail(months).reset_index(drop=True),
        "population.csv": demo.population,
    }
    area, problems = with_uploads(demo, uploads, "Short test area", "demo data truncated to the last 36 months")
    assert area is not None, problems
    assert len(area.admissions) == months
    return area


@pytest.fixture(scope="module")
def short_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["area"] = _short_area(36)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", APP_PAGES)
def test_every_page_renders_on_a_36_month_area(short_app: AppTest, page: str) -> None:
    at = short_app.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]
    assert at.session_state["area"].meta.name == "Short test area"


def test_demand_page_says_how_many_origins_and_what_intervals_rest_on(short_app: AppTest) -> None:
    at = short_app.switch_page("pages/demand.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "backtest origins" in text
    assert "in-sample forecast errors" in text
    tables = [df.value for df in at.dataframe if "mase" in df.value.columns]
    assert tables and all(len(t) >= 3 for t in tables[:1])
