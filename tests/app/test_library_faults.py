"""App (AppTest): a broken library is said once in the library panel while the pages work; hostile scenario
files are refused in plain words with the scenario kept; a delete can be undone.

The hostile files and the damaged library are built in the tests (docs/input-safety.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.store import library as lib
from models.store.library import ScenarioStore
from tests.unit.test_hostile_inputs import assert_plain

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def library_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BCF_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(lib, "RETRY_FAILED_OPEN_S", 0.0)
    return tmp_path


def _messages(at: AppTest) -> list[str]:
    return [e.value for e in (*at.sidebar.error, *at.sidebar.warning, *at.sidebar.info)]


@pytest.mark.parametrize("page", ["pages/data.py", "pages/home.py"])
def test_damaged_library_is_said_once_and_every_page_works(library_dir: Path, page: str) -> None:
    path = library_dir / "library.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 8000)  # a library's header over damaged pages
    before = path.read_bytes()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    said = [m for m in _messages(at) if "damaged" in m]
    assert len(said) == 1, _messages(at)
    assert_plain(said[0])
    assert not any(b.label == "Save" for b in at.sidebar.button)  # nothing can be written to it
    assert path.read_bytes() == before


def test_hostile_scenario_file_keeps_the_scenario(library_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/data.py").run()
    before = at.session_state["scenario"]
    for raw, expected in (
        (b"[" * 100_000 + b"]" * 100_000, "nests 100,000 levels"),
        (b'{"schema_version": null}', "schema_version is null"),
        ('{"name": "Café"}'.encode("latin-1"), "not UTF-8"),
    ):
        at.sidebar.file_uploader(key="library_upload#0").set_value(("plan.json", raw, "application/json")).run()
        assert not at.exception, [e.value for e in at.exception]
        errors = [e.value.replace("\\", "") for e in at.sidebar.error]  # markdown escapes dropped
        assert any(expected in e and e.startswith("Not opened") for e in errors), errors
        assert_plain(errors[0])
        assert at.session_state["scenario"] == before


def test_delete_then_undo_in_the_sidebar(library_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/data.py").run()
    at.sidebar.text_input(key="library_name").input("Keep me")
    next(b for b in at.sidebar.button if b.label == "Save").click().run()
    store = ScenarioStore(f"sqlite:///{library_dir / 'library.sqlite3'}")
    [saved] = store.list()
    next(b for b in at.sidebar.button if b.label == "Delete").click().run()
    assert store.list() == []
    next(b for b in at.sidebar.button if b.label == "Undo delete").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.id for e in store.list()] == [saved.id]
    assert not any(b.label == "Undo delete" for b in at.sidebar.button)
    store.close()
