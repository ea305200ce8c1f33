"""App (AppTest): three real areas built from the public files open from the sidebar and every page renders with
their own figures (issue 21): a London borough (Harrow), a county (East Sussex) and a small unitary (Rutland).

The areas are built once per session from ``BCF_REALDATA_DIR/areas`` into a temporary folder (tests/conftest.py
``full_build``) that the app finds through ``BCF_AREAS_DIR`` (nothing is copied into the repository).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.core.paths import AREAS_ENV
from pages.ui.areas import built_area, built_index
from tests.conftest import APP_PAGES, REAL_AREAS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def areas_dir(full_build) -> Iterator[Path]:
    out = full_build[1]  # all 153 areas (a full build: the regions' benchmarks need every area)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(AREAS_ENV, str(out))
        built_index.clear()  # the list and the opened areas are cached per server: this module's folder
        built_area.clear()
        yield out
    built_index.clear()
    built_area.clear()


def _open(code: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["area"] = code
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("kind", list(REAL_AREAS))
def test_every_page_renders_on_a_real_area(areas_dir: Path, kind: str) -> None:
    code = REAL_AREAS[kind]
    at = _open(code)
    meta = at.session_state["area"].meta
    assert meta.code == code and not meta.synthetic
    # The ICB view runs every place of the area's ICB live (North West London has eight): once, for Rutland's three
    # (tests/app/test_icb_page.py tests the page itself).
    for page in [p for p in APP_PAGES if kind == "unitary" or p != "pages/icb.py"]:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not [e.value for e in at.error], (page, [e.value for e in at.error])
        assert at.session_state["area"].meta.code == code, page
    home = at.switch_page("pages/home.py").run()
    captions = " ".join(c.value for c in home.caption)
    assert "Benchmark:" in captions and "England 0.82 days" in captions.replace("\\", "")
    labels = [m.label for m in home.metric]
    assert any("(estimate)" in label for label in labels)  # the estimated admissions say so


def test_data_page_lists_sources_and_flags_low_coverage_months(areas_dir: Path) -> None:
    at = _open(REAL_AREAS["london"]).switch_page("pages/data.py").run()
    warnings = " ".join(w.value for w in at.warning)
    assert "ESTIMATE for this area" in warnings
    assert "5 of 12 months have low coverage" in warnings and "Oct 2024" in warnings
    frames = [df.value for df in at.dataframe]
    prov = next(f for f in frames if "publication" in f.columns)
    assert prov["publication"].str.contains("ASCOF").any() and prov["period"].notna().all()
    drd = next(f for f in frames if "coverage" in f.columns)
    assert (drd["coverage"] == "low coverage").sum() == 5


def test_the_sidebar_switches_from_the_demo_to_a_real_area_and_back(areas_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    assert at.session_state["area"].meta.synthetic
    picker = next(s for s in at.sidebar.selectbox if s.label == "Area")
    assert len(picker.options) == 154 and "Rutland · East Midlands" in picker.options
    picker.set_value(REAL_AREAS["unitary"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["area"].meta.name == "Rutland"
    assert at.query_params.get("area") in ("E06000017", ["E06000017"])  # a shared link reopens the same area
    picker = next(s for s in at.sidebar.selectbox if s.label == "Area")
    picker.set_value("demo").run()
    assert at.session_state["area"].meta.synthetic and "area" not in at.query_params


def test_a_link_to_an_unknown_area_says_so_and_shows_the_demo(areas_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["area"] = "E09999999"
    at.run()
    assert not at.exception
    assert at.session_state["area"].meta.synthetic
    assert any("could not be opened" in w.value for w in at.warning)


def test_uploading_the_areas_own_series_replaces_the_estimate_and_keeps_the_rest(areas_dir: Path) -> None:
    at = _open(REAL_AREAS["london"]).switch_page("pages/data.py").run()
    before = at.session_state["area"]
    raw = (ROOT / "data" / "demo" / "admissions_monthly.csv").read_bytes()  # stands in for Harrow's own series
    at.file_uploader(key="up:admissions_monthly.csv").set_value(("adm.csv", raw, "text/csv")).run()
    assert not at.exception
    assert at.text_input(key="upload_area_name").value == "Harrow"
    next(b for b in at.button if b.label == "Use uploaded area").click().run()
    assert not at.exception and not [e.value for e in at.error]
    area = at.session_state["area"]
    assert area.meta.code == REAL_AREAS["london"] and area.meta.estimated == ()
    assert area.population.equals(before.population) and area.extras is before.extras
    assert len(area.admissions) == 120
    assert not any("ESTIMATE for this area" in w.value for w in at.warning)
    at.switch_page("pages/demand.py").run()
    assert not at.exception
    assert "Level-only estimate" not in " ".join(m.value for m in at.markdown)
