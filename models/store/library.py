"""The scenario library: named scenarios saved in a database, behind one small interface.

By default the library is an embedded SQLite file, ``library.sqlite3`` in the data
directory (``BCF_DATA_DIR``, else ``~/.bcf-scenario-lab``), created on first use and run
in WAL mode with a busy timeout, so several app sessions (and processes) can save at
once. When ``DATABASE_URL`` is set (``postgresql://user:pass@host/db``) the library
lives in that PostgreSQL database instead, shared by every replica of a team
deployment.

Each record keeps the scenario's JSON, its schema version and the area it was made
on (name and :attr:`models.inputs.areas.AreaData.fingerprint`). Loading goes through
:meth:`models.scenario.Scenario.from_json`, so older schema versions are migrated.

Reliability: every write is one transaction (a process killed mid-save leaves the
old or the new version); writes that meet a lock are retried; a library file that is
not a library, is damaged, or was written by a newer version of the app is refused
with a plain message (:class:`LibraryError`) and never written to.

Usage::

    store = open_store()                     # from the environment
    entry = store.save(scenario, "Winter plan A", area=area, author="Jo", notes="")
    entry, sc = store.load(entry.id)
    store.rename(entry.id, "Winter plan B"); store.duplicate(entry.id); store.delete(entry.id)
    for e in store.list(): print(e.name, e.area_name, e.author, e.updated_at, e.notes)
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from models.scenario import Scenario

LIBRARY_VERSION = 1
"""Version of the library's own tables; a file with a higher one is refused."""
NAME_MAX = 500
AUTHOR_MAX = 200
NOTES_MAX = 5000
FILE_NAME = "library.sqlite3"
_SQLITE_MAGIC = b"SQLite format 3\x00"

T = TypeVar("T")

metadata = MetaData()
meta_table = Table(
    "bcf_library_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
scenarios_table = Table(
    "bcf_scenarios",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("area_name", Text, nullable=False, default=""),
    Column("area_fingerprint", String(64), nullable=False, default=""),
    Column("author", Text, nullable=False, default=""),
    Column("notes", Text, nullable=False, default=""),
    Column("schema_version", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
links_table = Table(
    "bcf_links",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("area_fingerprint", String(64), nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Scenarios too large for a link (``?id=``): content-addressed, so saving one twice is one row."""


class StoreError(Exception):
    """A plain-English problem with the library (shown to the user as it is)."""


class LibraryError(StoreError):
    """The library cannot be used at all (damaged, not a library, or from a newer app)."""


class NameTaken(StoreError):
    pass


class NotFound(StoreError):
    pass


@dataclass(frozen=True)
class Entry:
    """One saved scenario's record (without the scenario itself)."""

    id: str
    name: str
    area_name: str
    area_fingerprint: str
    author: str
    notes: str
    schema_version: int
    created_at: datetime
    updated_at: datetime


def data_dir() -> Path:
    """Where the embedded library lives: ``BCF_DATA_DIR`` or ``~/.bcf-scenario-lab``."""
    return Path(os.environ.get("BCF_DATA_DIR") or Path.home() / ".bcf-scenario-lab").expanduser()


def default_url() -> str:
    """``DATABASE_URL`` (PostgreSQL for a team) if set, else the SQLite file in :func:`data_dir`."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalise_url(url)
    return f"sqlite:///{data_dir() / FILE_NAME}"


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` (as platforms give them) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _clean(value: str, limit: int, what: str) -> str:
    value = "" if value is None else str(value)
    value = value.replace("\x00", "")  # PostgreSQL text cannot hold NUL
    if len(value) > limit:
        raise StoreError(f"the {what} is {len(value):,} characters long; at most {limit:,} are allowed")
    return value


def _clean_name(name: str) -> str:
    name = _clean(name, NAME_MAX, "name").strip()
    if not name:
        raise StoreError("give the scenario a name")
    return name


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _is_lock_error(err: Exception) -> bool:
    msg = str(getattr(err, "orig", err)).lower()
    return any(w in msg for w in ("database is locked", "database table is locked", "busy", "deadlock", "serializ"))


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a library this app can write, without changing it.

    Opened read-only (``mode=ro``) so that a damaged or newer file is never touched.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if head != _SQLITE_MAGIC:
        raise LibraryError(
            f"The scenario library file {path} is not a database this app can read (it may be damaged or "
            "another kind of file). It has been left as it is; move it aside or set BCF_DATA_DIR to another folder."
        )
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and meta_table.name not in tables:
                raise LibraryError(
                    f"The file {path} is a database but not a BCF Scenario Lab library; it has been left as it is."
                )
            if meta_table.name in tables:
                row = con.execute(f"SELECT value FROM {meta_table.name} WHERE key='library_version'").fetchone()  # noqa: S608
                _check_version(row[0] if row else None, str(path))
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        raise LibraryError(
            f"The scenario library file {path} is damaged ({err}). It has been left as it is; "
            "restore it from a backup, or move it aside to start a new library."
        ) from err


def _check_version(value: str | None, where: str) -> None:
    try:
        version = int(value) if value is not None else None
    except ValueError:
        version = -1
    if version is None:
        return
    if version > LIBRARY_VERSION:
        raise LibraryError(
            f"The scenario library at {where} was written by a newer version of BCF Scenario Lab "
            f"(library version {version}; this app reads up to {LIBRARY_VERSION}). Update the app to use it; "
            "it has been left as it is."
        )
    if version < 1:
        raise LibraryError(f"The scenario library at {where} has an unreadable version ({value!r}); left as it is.")


class ScenarioStore:
    """Save, load, rename, duplicate, delete and list named scenarios (see the module docstring)."""

    def __init__(self, url: str | None = None, *, retries: int = 12, busy_timeout_s: float = 15.0) -> None:
        self.url = normalise_url(url) if url else default_url()
        self.retries = retries
        self._hook: Callable[[str], None] | None = None  # tests: called inside a write, before commit
        self._lock = threading.Lock()
        self.is_sqlite = self.url.startswith("sqlite")
        self.where = self.url
        if self.is_sqlite:
            path = Path(self.url.removeprefix("sqlite:///"))
            self.where = str(path)
            _check_sqlite_file(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": busy_timeout_s})
            event.listen(self.engine, "connect", self._sqlite_connect)
            event.listen(self.engine, "begin", self._sqlite_begin)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=2, max_overflow=2)
            self.where = self.engine.url.render_as_string(hide_password=True)
        self._init_schema()

    # --- SQLite: WAL, busy timeout, write transactions take the lock up front ---------------
    @staticmethod
    def _sqlite_connect(dbapi_con: Any, _record: Any) -> None:
        dbapi_con.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @staticmethod
    def _sqlite_begin(conn: Connection) -> None:
        # A write takes the write lock at BEGIN (IMMEDIATE): no lock upgrade, no deadlock between writers.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("bcf_write") else "BEGIN")

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(bcf_write=write)
            with conn.begin():
                yield conn

    def _retry(self, fn: Callable[[Connection], T], write: bool = True) -> T:
        delay = 0.02
        for attempt in range(self.retries + 1):
            try:
                with self._tx(write) as conn:
                    return fn(conn)
            except OperationalError as err:
                if not _is_lock_error(err) or attempt == self.retries:
                    raise self._plain(err) from err
            except DBAPIError as err:
                if isinstance(err, IntegrityError) or not _is_lock_error(err) or attempt == self.retries:
                    raise
            time.sleep(delay * (1 + random.random()))  # noqa: S311 - jitter, not security
            delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    def _plain(self, err: Exception) -> StoreError:
        msg = str(getattr(err, "orig", err))
        if "malformed" in msg or "not a database" in msg:
            return LibraryError(f"The scenario library at {self.where} is damaged ({msg}); it has been left as it is.")
        if _is_lock_error(err):
            return StoreError("The scenario library is busy (another save is under way); try again in a moment.")
        return StoreError(f"The scenario library at {self.where} could not be used: {msg}")

    def _init_schema(self) -> None:
        def init(conn: Connection) -> None:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(724311)"))  # replicas starting together
            metadata.create_all(conn, checkfirst=True)
            row = conn.execute(select(meta_table.c.value).where(meta_table.c.key == "library_version")).first()
            if row is None:
                conn.execute(insert(meta_table).values(key="library_version", value=str(LIBRARY_VERSION)))
            else:
                _check_version(row[0], self.where)

        try:
            self._retry(init)
        except IntegrityError:  # another process created it between our check and insert
            self._retry(init)
        except DBAPIError as err:
            raise self._plain(err) from err

    # --- the interface ---------------------------------------------------------------------
    def list(self) -> list[Entry]:
        """Every saved scenario, most recently changed first."""
        cols = [c for c in scenarios_table.c if c.name != "body"]
        rows = self._retry(
            lambda conn: conn.execute(select(*cols).order_by(scenarios_table.c.updated_at.desc())).all(), write=False
        )
        return [self._entry(r._mapping) for r in rows]

    def get(self, entry_id: str) -> Entry:
        return self._row(entry_id)[0]

    def find(self, name: str) -> Entry | None:
        """The entry called exactly ``name``, if any."""
        row = self._retry(
            lambda conn: conn.execute(select(scenarios_table).where(scenarios_table.c.name == name.strip())).first(),
            write=False,
        )
        return self._entry(row._mapping) if row else None

    def load(self, entry_id: str) -> tuple[Entry, Scenario]:
        """The entry and its scenario (older schema versions migrated)."""
        entry, body = self._row(entry_id)
        try:
            return entry, Scenario.from_json(body)
        except Exception as err:  # noqa: BLE001 - a stored scenario this app cannot read
            raise StoreError(f"The saved scenario '{entry.name}' cannot be opened by this version of the app: {err}") from err

    def save(
        self,
        scenario: Scenario,
        name: str,
        *,
        area: Any = None,
        area_name: str = "",
        area_fingerprint: str = "",
        author: str = "",
        notes: str = "",
        overwrite: bool = False,
    ) -> Entry:
        """Save ``scenario`` as ``name``; ``overwrite`` replaces a scenario of that name (keeping its id).

        ``area`` (an AreaData) fills ``area_name`` and ``area_fingerprint``.
        """
        name = _clean_name(name)
        if area is not None:
            area_name, area_fingerprint = area.meta.name, area.fingerprint
        values = {
            "area_name": _clean(area_name, 200, "area name"),
            "area_fingerprint": _clean(area_fingerprint, 64, "area fingerprint"),
            "author": _clean(author, AUTHOR_MAX, "author").strip(),
            "notes": _clean(notes, NOTES_MAX, "notes"),
            "schema_version": int(scenario.schema_version),
            "body": scenario.to_json(),
        }

        def write(conn: Connection) -> str:
            now = datetime.now(UTC)
            found = conn.execute(select(scenarios_table.c.id).where(scenarios_table.c.name == name)).first()
            if found is not None:
                if not overwrite:
                    raise NameTaken(f"a scenario called '{_short(name)}' is already saved; choose another name")
                conn.execute(update(scenarios_table).where(scenarios_table.c.id == found[0]).values(**values, updated_at=now))
                entry_id = found[0]
            else:
                entry_id = new_id()
                conn.execute(
                    insert(scenarios_table).values(id=entry_id, name=name, created_at=now, updated_at=now, **values)
                )
            if self._hook:
                self._hook("save")
            return entry_id

        return self.get(self._write(write, name))

    def rename(self, entry_id: str, new_name: str) -> Entry:
        new_name = _clean_name(new_name)

        def write(conn: Connection) -> str:
            res = conn.execute(
                update(scenarios_table)
                .where(scenarios_table.c.id == entry_id)
                .values(name=new_name, updated_at=datetime.now(UTC))
            )
            if res.rowcount == 0:
                raise NotFound("that saved scenario no longer exists (it may have been deleted)")
            return entry_id

        return self.get(self._write(write, new_name))

    def duplicate(self, entry_id: str, new_name: str | None = None) -> Entry:
        """A copy under ``new_name`` (default: "<name> (copy)", "(copy 2)", …)."""
        entry, body = self._row(entry_id)
        names = {e.name for e in self.list()}
        if new_name is None:
            stem = entry.name[: NAME_MAX - 12]
            new_name, n = f"{stem} (copy)", 2
            while new_name in names:
                new_name, n = f"{stem} (copy {n})", n + 1
        new_name = _clean_name(new_name)

        def write(conn: Connection) -> str:
            now = datetime.now(UTC)
            new = new_id()
            conn.execute(
                insert(scenarios_table).values(
                    id=new,
                    name=new_name,
                    area_name=entry.area_name,
                    area_fingerprint=entry.area_fingerprint,
                    author=entry.author,
                    notes=entry.notes,
                    schema_version=entry.schema_version,
                    body=body,
                    created_at=now,
                    updated_at=now,
                )
            )
            return new

        return self.get(self._write(write, new_name))

    def delete(self, entry_id: str) -> None:
        def write(conn: Connection) -> None:
            res = conn.execute(delete(scenarios_table).where(scenarios_table.c.id == entry_id))
            if res.rowcount == 0:
                raise NotFound("that saved scenario no longer exists (it may have been deleted)")

        self._retry(write)

    def save_link(self, scenario: Scenario, area_fingerprint: str = "") -> str:
        """Keep ``scenario`` for a link by id; the id depends only on the scenario and area (same in, same id)."""
        body = scenario.to_json()
        digest = hashlib.sha256((area_fingerprint + "\n" + body).encode("utf-8")).digest()
        link_id = "k" + base64.urlsafe_b64encode(digest[:12]).decode("ascii")

        def write(conn: Connection) -> None:
            found = conn.execute(select(links_table.c.id).where(links_table.c.id == link_id)).first()
            if found is None:
                conn.execute(
                    insert(links_table).values(
                        id=link_id, area_fingerprint=area_fingerprint[:64], body=body, created_at=datetime.now(UTC)
                    )
                )

        try:
            self._retry(write)
        except IntegrityError:  # saved by another session at the same moment: same content
            pass
        return link_id

    def load_link(self, link_id: str) -> tuple[Scenario, str]:
        """The scenario and area fingerprint behind a ``?id=`` link."""
        row = self._retry(
            lambda conn: conn.execute(select(links_table).where(links_table.c.id == str(link_id)[:32])).first(),
            write=False,
        )
        if row is None:
            raise NotFound("no scenario is kept under this link's id in this app's library")
        try:
            return Scenario.from_json(row._mapping["body"]), row._mapping["area_fingerprint"]
        except Exception as err:  # noqa: BLE001
            raise StoreError(f"the scenario behind this link cannot be opened by this version of the app: {err}") from err

    def close(self) -> None:
        self.engine.dispose()

    # --- helpers -----------------------------------------------------------------------------
    def _write(self, fn: Callable[[Connection], T], name: str) -> T:
        try:
            return self._retry(fn)
        except IntegrityError as err:  # a concurrent save took the name between our check and insert
            raise NameTaken(f"a scenario called '{_short(name)}' is already saved; choose another name") from err

    def _row(self, entry_id: str) -> tuple[Entry, str]:
        row = self._retry(
            lambda conn: conn.execute(select(scenarios_table).where(scenarios_table.c.id == str(entry_id))).first(),
            write=False,
        )
        if row is None:
            raise NotFound("that saved scenario no longer exists (it may have been deleted)")
        m = row._mapping
        return self._entry(m), m["body"]

    @staticmethod
    def _entry(m: Any) -> Entry:
        return Entry(
            id=m["id"],
            name=m["name"],
            area_name=m["area_name"],
            area_fingerprint=m["area_fingerprint"],
            author=m["author"],
            notes=m["notes"],
            schema_version=int(m["schema_version"]),
            created_at=_utc(m["created_at"]),
            updated_at=_utc(m["updated_at"]),
        )


def new_id() -> str:
    """A short, unguessable, URL-safe id (used in ``?id=`` links)."""
    return secrets.token_urlsafe(9)


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


_STORES: dict[str, ScenarioStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> ScenarioStore:
    """The store for ``url`` (default: from the environment), one per process and URL."""
    key = normalise_url(url) if url else default_url()
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = ScenarioStore(key)
        return store
