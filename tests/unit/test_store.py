"""Unit: the scenario library (models/store/library.py) on SQLite and on a real PostgreSQL server.

Round trips, migration of a stored v1 scenario, awkward names, 20 concurrent saves from
separate processes, a process killed mid-save, damaged / foreign / newer library files,
and two processes sharing one PostgreSQL database.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, make_url, update

from models.scenario import SCHEMA_VERSION, Scenario, evolve
from models.store import library as st_mod
from models.store.library import LibraryError, NameTaken, NotFound, ScenarioStore, StoreError
from tests.pgserver import postgres_url

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "scenario_v1.json"
FORK = mp.get_context("fork")


@pytest.fixture(scope="module")
def pg_server() -> str:
    with postgres_url() as url:
        yield url


_counter = iter(range(10**6))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lib' / 'library.sqlite3'}"
    base = request.getfixturevalue("pg_server")
    # a fresh database per test: isolate with a new schema-less database name
    from sqlalchemy import create_engine, text

    name = f"t{os.getpid()}_{next(_counter)}"
    eng = create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture()
def store(url: str) -> ScenarioStore:
    s = ScenarioStore(url)
    yield s
    s.close()


def test_round_trip(store: ScenarioStore, base_scenario: Scenario, demo_area) -> None:
    sc = evolve(base_scenario, name="Winter A", seed=7, flow={"escalation_beds": 12})
    e = store.save(sc, "Winter A", area=demo_area, author="Jo Bloggs", notes="first go")
    assert (e.name, e.area_name, e.area_fingerprint, e.author, e.notes) == (
        "Winter A",
        demo_area.meta.name,
        demo_area.fingerprint,
        "Jo Bloggs",
        "first go",
    )
    assert e.schema_version == SCHEMA_VERSION and e.created_at.tzinfo is not None
    entry, back = store.load(e.id)
    assert back == sc and entry == e
    with pytest.raises(NameTaken):
        store.save(sc, "Winter A")
    newer = evolve(sc, seed=8)
    again = store.save(newer, "Winter A", overwrite=True)
    assert again.id == e.id and store.load(e.id)[1].seed == 8
    renamed = store.rename(e.id, "Winter B")
    assert renamed.name == "Winter B" and store.find("Winter A") is None
    copy = store.duplicate(e.id)
    assert copy.name == "Winter B (copy)" and copy.id != e.id and store.load(copy.id)[1] == newer
    assert store.duplicate(e.id).name == "Winter B (copy 2)"
    assert [x.name for x in store.list()][-1] == "Winter B" or len(store.list()) == 3
    assert {x.name for x in store.list()} == {"Winter B", "Winter B (copy)", "Winter B (copy 2)"}
    store.delete(copy.id)
    with pytest.raises(NotFound):
        store.load(copy.id)
    with pytest.raises(NotFound):
        store.delete(copy.id)
    with pytest.raises(NameTaken):
        store.rename(e.id, "Winter B (copy 2)")
    # a second store on the same database sees the same library
    other = ScenarioStore(store.url)
    assert {x.name for x in other.list()} == {"Winter B", "Winter B (copy 2)"}
    other.close()


def test_v1_record_migrates_on_load(store: ScenarioStore) -> None:
    body = FIXTURE.read_text(encoding="utf-8")
    assert json.loads(body)["schema_version"] == 1
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(
            insert(st_mod.scenarios_table).values(
                id="oldone", name="Old", area_name="Harrow", area_fingerprint="x", author="", notes="",
                schema_version=1, body=body, created_at=now, updated_at=now,
            )
        )
    entry, sc = store.load("oldone")
    assert entry.schema_version == 1
    assert sc.schema_version == SCHEMA_VERSION
    assert sc == Scenario.from_json(body)
    assert sc.name == json.loads(body)["name"]


def test_record_from_newer_app_gives_plain_message(store: ScenarioStore, base_scenario: Scenario) -> None:
    e = store.save(base_scenario, "Future")
    data = json.loads(base_scenario.to_json())
    data["schema_version"] = SCHEMA_VERSION + 5
    with store.engine.begin() as conn:
        conn.execute(update(st_mod.scenarios_table).values(body=json.dumps(data), schema_version=SCHEMA_VERSION + 5))
    with pytest.raises(StoreError, match="cannot be opened by this version"):
        store.load(e.id)
    assert [x.name for x in store.list()] == ["Future"]  # the library still lists


@pytest.mark.parametrize(
    "name",
    ["Jo's \"best\" plan; DROP TABLE bcf_scenarios;--", "Winter 🏥❄️ plan — £1m", "=HYPERLINK(\"x\")", "é" * 500],
)
def test_awkward_names_round_trip(store: ScenarioStore, base_scenario: Scenario, name: str) -> None:
    e = store.save(base_scenario, name, author="O'Neil 😀", notes="line1\nline2 <b>bold</b>")
    assert store.get(e.id).name == name and store.find(name).id == e.id
    assert store.load(e.id)[0].author == "O'Neil 😀"
    assert [x.name for x in store.list()] == [name]


def test_limits_give_plain_messages(store: ScenarioStore, base_scenario: Scenario) -> None:
    with pytest.raises(StoreError, match="at most 500"):
        store.save(base_scenario, "x" * 501)
    with pytest.raises(StoreError, match="give the scenario a name"):
        store.save(base_scenario, "   ")
    assert store.list() == []


def _save_one(url: str, i: int, body: str, barrier) -> None:  # noqa: ANN001 - runs in a child process
    sc = evolve(Scenario.from_json(body), seed=i)
    s = ScenarioStore(url)  # every process opens the library itself (first use races too)
    barrier.wait(timeout=60)
    s.save(sc, f"Scenario {i:02d}", area_name="Harrow", area_fingerprint="abc", author=f"process {i}")
    s.close()


def test_twenty_concurrent_saves_lose_nothing(url: str, base_scenario: Scenario) -> None:
    n = 20
    barrier = FORK.Barrier(n)
    body = base_scenario.to_json()
    procs = [FORK.Process(target=_save_one, args=(url, i, body, barrier)) for i in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * n
    s = ScenarioStore(url)
    entries = s.list()
    assert sorted(e.name for e in entries) == [f"Scenario {i:02d}" for i in range(n)]
    for e in entries:
        assert s.load(e.id)[1].seed == int(e.name.split()[-1])
    s.close()


def _save_and_hang(url: str, marker: str, body: str) -> None:  # child: dies inside the write transaction
    s = ScenarioStore(url)

    def hang(_what: str) -> None:
        Path(marker).write_text("in transaction")
        time.sleep(60)

    s._hook = hang
    s.save(evolve(Scenario.from_json(body), seed=999, name="New version"), "Plan", notes="new", overwrite=True)


def test_process_killed_mid_save_leaves_library_readable(url: str, base_scenario: Scenario, tmp_path: Path) -> None:
    s = ScenarioStore(url)
    old = s.save(evolve(base_scenario, seed=1), "Plan", notes="old")
    s.save(base_scenario, "Other")
    marker = tmp_path / "marker"
    p = FORK.Process(target=_save_and_hang, args=(url, str(marker), base_scenario.to_json()))
    p.start()
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline and p.is_alive(), "the child never reached the save"
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.join(10)
    assert p.exitcode == -signal.SIGKILL
    s.close()
    s2 = ScenarioStore(url)
    names = sorted(e.name for e in s2.list())
    assert names == ["Other", "Plan"]
    entry, sc = s2.load(old.id)
    assert sc.seed in (1, 999)  # the old or the new version, never a mix
    assert sc.seed == 1 and entry.notes == "old"  # killed before commit: the old one
    s2.save(evolve(base_scenario, seed=3), "Plan", overwrite=True)  # and the library still takes writes
    assert s2.load(old.id)[1].seed == 3
    if s2.is_sqlite:
        con = sqlite3.connect(s2.where)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    s2.close()


def _snapshot(path: Path) -> tuple[bytes, float]:
    return path.read_bytes(), path.stat().st_mtime


def test_corrupt_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_bytes(b"this is not a database\n" * 100)
    before = _snapshot(path)
    with pytest.raises(LibraryError, match="not a database this app can read"):
        ScenarioStore(f"sqlite:///{path}")
    assert _snapshot(path) == before and sorted(os.listdir(tmp_path)) == ["library.sqlite3"]


def test_damaged_library_is_refused_and_left_alone(tmp_path: Path, base_scenario: Scenario) -> None:
    path = tmp_path / "library.sqlite3"
    s = ScenarioStore(f"sqlite:///{path}")
    for i in range(30):
        s.save(evolve(base_scenario, seed=i), f"S{i}", notes="n" * 2000)
    s.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = bytearray(path.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page after the header
    path.write_bytes(bytes(raw))
    before = _snapshot(path)
    with pytest.raises(LibraryError, match="damaged|not a database"):
        ScenarioStore(f"sqlite:///{path}")
    assert _snapshot(path) == before


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.commit()
    con.close()
    before = _snapshot(path)
    with pytest.raises(LibraryError, match="not a BCF Scenario Lab library"):
        ScenarioStore(f"sqlite:///{path}")
    assert _snapshot(path) == before


def test_newer_library_is_refused_and_left_alone(tmp_path: Path, base_scenario: Scenario) -> None:
    path = tmp_path / "library.sqlite3"
    s = ScenarioStore(f"sqlite:///{path}")
    s.save(base_scenario, "Kept")
    s.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE bcf_library_meta SET value='99' WHERE key='library_version'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = _snapshot(path)
    with pytest.raises(LibraryError, match="newer version of BCF Scenario Lab"):
        ScenarioStore(f"sqlite:///{path}")
    assert _snapshot(path) == before


def test_default_location_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BCF_DATA_DIR", str(tmp_path / "new" / "dir"))
    assert st_mod.default_url() == f"sqlite:///{tmp_path / 'new' / 'dir' / 'library.sqlite3'}"
    s = ScenarioStore()
    assert (tmp_path / "new" / "dir" / "library.sqlite3").exists()  # created on first use
    with sqlite3.connect(tmp_path / "new" / "dir" / "library.sqlite3") as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.close()
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/bcf")
    assert st_mod.default_url() == "postgresql+psycopg://u:p@db.example/bcf"


_CHILD = """
import json, sys, time
from models.store.library import ScenarioStore
from models.scenario import Scenario, evolve
url, action = sys.argv[1], sys.argv[2]
s = ScenarioStore(url)
if action == "save":
    sc = evolve(Scenario.from_json(open(sys.argv[3], encoding="utf-8").read()), seed=4242, name="From A")
    e = s.save(sc, "Saved by process A", area_name="Harrow", area_fingerprint="fp", author="A")
    print(json.dumps({"id": e.id}))
else:
    deadline = time.monotonic() + 60
    while True:
        found = s.find("Saved by process A")
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    print(json.dumps({"id": found.id if found else None, "seed": s.load(found.id)[1].seed if found else None,
                      "author": found.author if found else None}))
"""


def test_two_processes_share_one_postgresql_database(pg_server: str, base_scenario: Scenario, tmp_path: Path) -> None:
    """Two separate processes (as two app replicas would) on one PostgreSQL database."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    body = tmp_path / "scenario.json"
    body.write_text(base_scenario.to_json(), encoding="utf-8")
    reader = subprocess.Popen(
        [sys.executable, "-c", _CHILD, pg_server, "wait"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    writer = subprocess.run(
        [sys.executable, "-c", _CHILD, pg_server, "save", str(body)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert writer.returncode == 0, writer.stderr
    saved = json.loads(writer.stdout)
    out, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0
    seen = json.loads(out)
    assert seen == {"id": saved["id"], "seed": 4242, "author": "A"}
