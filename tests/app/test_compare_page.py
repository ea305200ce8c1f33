"""App (AppTest): the Compare scenarios page and the sidebar's scenario library.

Runs on a fresh library (BCF_DATA_DIR in a temporary folder). AppTest cannot read
Plotly figures or downloads: tests/unit/test_export.py checks the workbook and
tests/browser/test_library.py the download and the links in a real browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.scenario import evolve
from models.store.library import ScenarioStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def library_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BCF_DATA_DIR", str(tmp_path))
    return tmp_path


def _compare_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest):  # noqa: ANN202 - a DataFrame
    return at.table[0].value


def test_compares_on_screen_scenario_with_a_preset(library_dir: Path) -> None:
    at = _compare_page()
    assert at.title[0].value == "Compare scenarios"
    assert len(at.multiselect[0].value) == 2
    table = _table(at)
    assert "Emergency admissions, first projected year" in list(table.index)
    assert len(table.columns) == 3  # two scenarios and one difference column
    assert any("−" in str(c) for c in table.columns)


def test_saved_scenarios_and_four_way_comparison(library_dir: Path, demo_area, base_scenario) -> None:
    store = ScenarioStore(f"sqlite:///{library_dir / 'library.sqlite3'}")
    more_beds = evolve(base_scenario, name="Lots of beds", flow={"escalation_beds": 60})
    e = store.save(more_beds, 'Lots of beds 🛏️ "A"', area=demo_area, author="Jo")
    store.close()
    at = _compare_page()
    ms = at.multiselect[0]
    keys = ms.options
    saved = next(o for o in keys if "Lots of beds" in o)
    presets = [o for o in keys if o.startswith("Preset:")]
    # the widget takes option labels
    ms.set_value([saved, presets[0], presets[3], presets[4]]).run()
    assert not at.exception, [e.value for e in at.exception]
    table = _table(at)
    assert list(table.columns)[0].startswith("Lots of beds")
    assert len(table.columns) == 4 + 3
    first_diff = [c for c in table.columns if "−" in c][0]
    # NEA does not depend on winter beds: the same random numbers give an exact zero difference
    assert table.loc["Emergency admissions, first projected year", first_diff] == "0"
    assert e.id


def test_sidebar_library_save_load_rename_delete(library_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/compare.py").run()
    at.sidebar.slider[0].set_value(3).run()  # horizon: the preset is now edited
    assert next(s for s in at.sidebar.selectbox if s.label == "Scenario preset").value == "Custom"
    at.sidebar.text_input(key="library_name").input('Jo\'s plan = "best" 😀')
    at.sidebar.text_input(key="library_author").input("Jo")
    next(b for b in at.sidebar.button if b.label == "Save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (
        next(s for s in at.sidebar.selectbox if s.label == "Scenario preset").value == 'Jo\'s plan = "best" 😀'
    )  # named after the save
    store = ScenarioStore(f"sqlite:///{library_dir / 'library.sqlite3'}")
    [entry] = store.list()
    assert entry.author == "Jo" and store.load(entry.id)[1].horizon_years == 3
    at.sidebar.text_input(key=f"library_rename:{entry.id}").input("Renamed")
    next(b for b in at.sidebar.button if b.label == "Rename").click().run()
    assert store.list()[0].name == "Renamed"
    next(b for b in at.sidebar.button if b.label == "Reset").click().run()
    assert at.session_state["scenario"].horizon_years == 5
    next(b for b in at.sidebar.button if b.label == "Load").click().run()
    assert at.session_state["scenario"].horizon_years == 3
    assert next(s for s in at.sidebar.selectbox if s.label == "Scenario preset").value == "Renamed"
    next(b for b in at.sidebar.button if b.label == "Copy").click().run()
    assert sorted(e.name for e in store.list()) == ["Renamed", "Renamed (copy)"]
    next(b for b in at.sidebar.button if b.label == "Delete").click().run()
    assert len(store.list()) == 1
    assert not at.exception, [e.value for e in at.exception]
    store.close()


def _big_scenario(base):  # noqa: ANN001, ANN202 - too large for a 2,000-character link
    import hashlib

    schemes = [
        {
            **base.schemes[0].model_dump(),
            "name": f"Scheme {hashlib.sha256(bytes([i])).hexdigest()[:40]}",
            "budget_gbp": 1000.0 + i,
            "source": hashlib.sha256(bytes([i, 1])).hexdigest(),
        }
        for i in range(40)
    ]
    return evolve(base, schemes=schemes, n_draws=200)


def test_large_scenario_is_linked_by_id_and_reopens(library_dir: Path, base_scenario) -> None:
    from models.store.links import MAX_LINK_CHARS

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/data.py").run()
    big = _big_scenario(base_scenario)
    at.session_state["scenario"] = big
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    params = dict(at.query_params)
    assert "id" in params and "s" not in params
    link_id = params["id"][0] if isinstance(params["id"], list) else params["id"]
    assert len(f"http://localhost:8501/data?id={link_id}") < MAX_LINK_CHARS
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    again.query_params["id"] = link_id
    again.switch_page("pages/data.py").run()
    assert not again.exception, [e.value for e in again.exception]
    assert again.session_state["scenario"].schemes == big.schemes
    assert any("Opened the shared scenario" in s.value for s in again.success)


def test_link_made_on_other_data_says_so(library_dir: Path, base_scenario) -> None:
    from models.store.links import to_link_token

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["s"] = to_link_token(evolve(base_scenario, seed=5), base_scenario, "0123456789abcdef")
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"].seed == 5
    assert any("made on an uploaded area's data, which is not loaded here" in w.value for w in at.warning)


def test_presentation_mode_from_the_link(library_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["present"] = "1"
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["presentation"] is True
    assert at.query_params.get("present") in ("1", ["1"])


def test_scenario_file_opens_old_versions_and_refuses_bad_files(library_dir: Path) -> None:
    from models.scenario import SCHEMA_VERSION

    fixture = (ROOT / "tests" / "fixtures" / "scenario_v1.json").read_bytes()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/data.py").run()
    at.sidebar.file_uploader(key="library_upload#0").set_value(("bad.json", b"{nope", "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Not opened" in e.value for e in at.sidebar.error)
    at.sidebar.file_uploader(key="library_upload#0").set_value(("v1 plan.json", fixture, "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    sc = at.session_state["scenario"]
    assert sc.schema_version == SCHEMA_VERSION and sc.name == "Move £1m into admission avoidance"
    assert next(s for s in at.sidebar.selectbox if s.label == "Scenario preset").value in (
        "v1 plan",
        "Move £1m into admission avoidance",
    )
