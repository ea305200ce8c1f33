"""Unit: the library's faults become its own plain errors; names compare after normalisation; delete can be undone.

Damaged, read-only, missing or unwritable libraries, ``BCF_DATA_DIR`` naming a file, no home folder, any
database error and ``?id=%00`` (on SQLite and on a real PostgreSQL server) each give a
:class:`~models.store.library.StoreError` kind with a plain sentence, and a damaged file is never written.
The tests run as root in CI, so read-only is made with the permission bits (which the library honours).
"""

from __future__ import annotations

import gc
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy.exc import DatabaseError

from models.scenario import Scenario, evolve
from models.store import library as lib
from models.store.library import (
    LibraryError,
    LibraryReadOnly,
    LibraryUnavailable,
    NameTaken,
    NotFound,
    ScenarioStore,
    StoreError,
)
from tests.unit.test_hostile_inputs import assert_plain
from tests.unit.test_store import pg_server, store, url  # noqa: F401 - the SQLite / PostgreSQL fixtures


def _snapshot(path: Path) -> tuple[bytes, float]:
    return path.read_bytes(), path.stat().st_mtime


def _library(path: Path, sc: Scenario, n: int = 3, notes: str = "") -> None:
    s = ScenarioStore(f"sqlite:///{path}")
    for i in range(n):
        s.save(evolve(sc, seed=i), f"S{i}", notes=notes)
    s.close()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()  # ``with`` would only commit: an open connection keeps the WAL index files in the folder
    gc.collect()  # and so would a pooled connection not yet collected


@pytest.mark.parametrize("bad", ["\x00", "%00", "a b", "../x", "k" * 40, ""])
def test_ids_of_another_form_are_not_found(store: ScenarioStore, bad: str) -> None:  # noqa: F811
    for call in (store.load_link, store.load, store.get, store.delete):
        with pytest.raises(NotFound) as err:
            call(bad)
        assert_plain(str(err.value))


def test_damage_deep_in_the_file_is_found_at_open_and_left_alone(tmp_path: Path, base_scenario: Scenario) -> None:
    path = tmp_path / "library.sqlite3"
    _library(path, base_scenario, 30, notes="n" * 3000)
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2 // 4096 * 4096
    raw[middle : middle + 8192] = b"\x07" * 8192  # pages in the middle; the header and schema are intact
    path.write_bytes(bytes(raw))
    before = _snapshot(path)
    with pytest.raises(LibraryError, match="damaged") as err:
        ScenarioStore(f"sqlite:///{path}")
    assert _snapshot(path) == before
    assert_plain(str(err.value))


def test_damage_found_while_running_stops_every_write(tmp_path: Path, base_scenario: Scenario) -> None:
    path = tmp_path / "library.sqlite3"
    _library(path, base_scenario, 30, notes="n" * 3000)
    s = ScenarioStore(f"sqlite:///{path}")
    s.engine.dispose()  # the file is damaged behind the open store's back
    raw = bytearray(path.read_bytes())
    raw[4096 : 4096 * 12] = b"\x07" * (4096 * 11)
    path.write_bytes(bytes(raw))
    before = _snapshot(path)
    with pytest.raises(LibraryError, match="damaged"):
        s.list()
    with pytest.raises(LibraryError, match="nothing is written"):
        s.save(base_scenario, "New")
    assert s.damaged and _snapshot(path) == before
    s.close()


def test_read_only_file_lists_and_opens_but_is_called_read_only(tmp_path: Path, base_scenario: Scenario) -> None:
    path = tmp_path / "library.sqlite3"
    _library(path, base_scenario)
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    tmp_path.chmod(stat.S_IRWXU & ~stat.S_IWUSR | stat.S_IXUSR)  # the folder read-only too: no WAL files
    try:
        before = _snapshot(path)
        s = ScenarioStore(f"sqlite:///{path}")
        assert s.read_only and sorted(e.name for e in s.list()) == ["S0", "S1", "S2"]
        entry = s.find("s1")
        assert s.load(entry.id)[1].seed == 1
        for write in (
            lambda: s.save(base_scenario, "New"),
            lambda: s.delete(entry.id),
            lambda: s.rename(entry.id, "X"),
        ):
            with pytest.raises(LibraryReadOnly, match="read-only") as err:
                write()
            assert "damaged" not in str(err.value)
        s.close()
        assert _snapshot(path) == before and sorted(os.listdir(tmp_path)) == ["library.sqlite3"]
    finally:
        tmp_path.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_read_only_folder_without_a_library(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(LibraryReadOnly, match="read-only") as err:
            ScenarioStore(f"sqlite:///{folder / 'library.sqlite3'}")
        assert_plain(str(err.value))
        assert os.listdir(folder) == []
    finally:
        folder.chmod(stat.S_IRWXU)


def test_data_dir_naming_a_file_or_no_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(lib, "RETRY_FAILED_OPEN_S", 0.0)
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    monkeypatch.setenv("BCF_DATA_DIR", str(a_file))
    with pytest.raises(LibraryUnavailable, match="is a file, not a folder") as err:
        lib.open_store()
    assert_plain(str(err.value))
    monkeypatch.setenv("BCF_DATA_DIR", str(a_file / "below"))
    with pytest.raises(LibraryUnavailable):
        lib.open_store()
    monkeypatch.setenv("BCF_DATA_DIR", "/proc/bcf-cannot-create/library")  # /proc refuses new folders, even to root
    with pytest.raises(LibraryUnavailable, match="could not be created"):
        lib.open_store()
    monkeypatch.delenv("BCF_DATA_DIR")

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    with pytest.raises(LibraryUnavailable, match="home folder cannot be found") as err:
        lib.open_store()
    assert_plain(str(err.value))


def test_a_failed_open_is_remembered_then_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_bytes(b"junk" * 100)
    url_ = f"sqlite:///{path}"
    with pytest.raises(LibraryError) as first:
        lib.open_store(url_)
    path.write_bytes(b"more junk")  # not re-read within the interval: the same error object comes back
    with pytest.raises(LibraryError) as again:
        lib.open_store(url_)
    assert again.value is first.value
    monkeypatch.setattr(lib, "RETRY_FAILED_OPEN_S", 0.0)
    path.unlink()  # moved aside: a new library is made without a restart
    assert lib.open_store(url_).list() == []
    lib._STORES.pop(lib.normalise_url(url_)).close()


def test_any_database_error_becomes_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = ScenarioStore(f"sqlite:///{tmp_path / 'library.sqlite3'}")

    def broken(*_a: object, **_k: object) -> None:
        raise DatabaseError("SELECT 1", {}, sqlite3.DatabaseError("disk I/O error"))

    monkeypatch.setattr(s.engine, "connect", broken)
    with pytest.raises(StoreError) as err:
        s.list()
    assert "disk I/O error" in str(err.value)
    assert_plain(str(err.value))
    s.close()


def test_names_compared_after_normalisation(store: ScenarioStore, base_scenario: Scenario) -> None:  # noqa: F811
    e = store.save(base_scenario, "Caf\u00e9 plan")
    for twin in ("Cafe\u0301 plan", "CAF\u00c9 PLAN", "Caf\u00e9\u00a0plan", "Ｃａｆé plan"):
        with pytest.raises(NameTaken):
            store.save(base_scenario, twin)
        assert store.find(twin).id == e.id
    other = store.save(base_scenario, "Other")
    with pytest.raises(NameTaken):
        store.rename(other.id, "cafe\u0301 PLAN")
    for bad, named in (("Plan\u200bB", "zero width space"), ("Plan\x00B", "NUL"), ("Plan\u202eB", "right-to-left")):
        with pytest.raises(StoreError, match="invisible character") as err:
            store.save(base_scenario, bad)
        assert named in str(err.value)
        assert_plain(str(err.value))
    assert (
        store.save(base_scenario, "Family 👨\u200d👩\u200d👧").name == "Family 👨\u200d👩\u200d👧"
    )  # emoji joiners kept
    replaced = store.save(evolve(base_scenario, seed=9), "CAFE\u0301 PLAN", overwrite=True)
    assert replaced.id == e.id and store.load(e.id)[1].seed == 9


def test_delete_can_be_undone(store: ScenarioStore, base_scenario: Scenario) -> None:  # noqa: F811
    e = store.save(evolve(base_scenario, seed=5), "Keep me", author="Jo", notes="first")
    gone = store.delete(e.id)
    assert store.list() == []
    back = store.restore(gone)
    assert (back.id, back.name, back.author, back.notes, back.created_at) == (e.id, e.name, "Jo", "first", e.created_at)
    assert store.load(e.id)[1].seed == 5
    gone = store.delete(e.id)
    store.save(base_scenario, "keep ME")  # the name was taken since
    with pytest.raises(NameTaken, match="saved since"):
        store.restore(gone)
