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
import re
import secrets
import sqlite3
import threading
import time
import unicodedata
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
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from models.core.numbers import char_name
from models.inputs.scheme_rules import name_key, name_problem
from models.scenario import Scenario

LIBRARY_VERSION = 1
"""Version of the library's own tables; a file with a higher one is refused."""
NAME_MAX = 500
AUTHOR_MAX = 200
NOTES_MAX = 5000
FILE_NAME = "library.sqlite3"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")  # ids this library hands out (new_id, link ids): anything else is not one
RETRY_FAILED_OPEN_S = 30.0  # a library that could not be opened is tried again after this long

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
    """The library cannot be used at all (damaged, not a library, or from a newer app); it is never written to."""


class LibraryReadOnly(StoreError):
    """The library file or its folder is read-only: saved scenarios can be listed and opened, not changed."""


class LibraryUnavailable(StoreError):
    """The library's folder is missing, is a file, or cannot be created or written (e.g. ``BCF_DATA_DIR``)."""


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


@dataclass(frozen=True)
class Deleted:
    """A deleted scenario's record and JSON, kept by the caller to undo the delete (:meth:`ScenarioStore.restore`)."""

    entry: Entry
    body: str


def data_dir() -> Path:
    """Where the embedded library lives: ``BCF_DATA_DIR`` or ``~/.bcf-scenario-lab``.

    Raises
    ------
    LibraryUnavailable
        When neither is set and the home folder cannot be found.
    """
    given = os.environ.get("BCF_DATA_DIR")
    try:
        return Path(given or Path.home() / ".bcf-scenario-lab").expanduser()
    except (RuntimeError, KeyError, OSError) as err:
        raise LibraryUnavailable(
            "The scenario library has no folder: the home folder cannot be found. Set BCF_DATA_DIR to a folder "
            "this app may write to."
        ) from err


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


def _clean(value: str, limit: int, what: str, *, name: bool = False) -> str:
    """User text to store: Unicode NFC, within ``limit`` characters; invisible characters refused in names.

    Notes may hold line breaks and tabs, never other control characters (PostgreSQL cannot store NUL).
    """
    value = unicodedata.normalize("NFC", "" if value is None else str(value))
    if len(value) > limit:
        raise StoreError(f"the {what} is {len(value):,} characters long; at most {limit:,} are allowed")
    if name:
        problem = name_problem(value)
        if problem:
            raise StoreError(f"the {what} {problem}")
    else:
        controls = [ch for ch in value if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"]
        if controls:
            raise StoreError(f"the {what} contain a control character ({char_name(controls[0])}); retype them")
    return value


def _clean_name(name: str) -> str:
    name = _clean(name, NAME_MAX, "name", name=True).strip()
    if not name:
        raise StoreError("give the scenario a name")
    return name


def _valid_id(entry_id: object, what: str = "that saved scenario") -> str:
    """``entry_id`` when it has the form of an id this library hands out; anything else is not found."""
    text = str(entry_id)
    if not _ID.fullmatch(text):
        raise NotFound(f"{what} is not in this app's library (the id is not one this app makes)")
    return text


def _writable(path: Path) -> bool:
    """Whether the app may write ``path``: the system allows it and its permissions are not all read-only.

    The permission bits are read too, so a file or folder made read-only is treated as such even when
    the app runs as an administrator (who may write anything).
    """
    try:
        return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)
    except OSError:
        return False


def _prepare_folder(path: Path) -> None:
    """Make sure the library's folder exists and is a folder, in plain words if not."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise LibraryUnavailable(
            f"The scenario library's folder {folder} is a file, not a folder. Set BCF_DATA_DIR to a folder."
        )
    if path.is_dir():
        raise LibraryUnavailable(f"The scenario library {path} is a folder, not a library file; move it aside.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        reason = (err.strerror or "the system refused").lower()
        raise LibraryUnavailable(
            f"The scenario library's folder {folder} could not be created ({reason}). Set BCF_DATA_DIR to a "
            "folder this app may write to."
        ) from err


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _is_lock_error(err: Exception) -> bool:
    msg = str(getattr(err, "orig", err)).lower()
    return any(w in msg for w in ("database is locked", "database table is locked", "busy", "deadlock", "serializ"))


def _check_sqlite_file(path: Path, read_only: bool = False) -> None:
    """Refuse a file that is not a library this app can write, without changing it.

    Opened read-only (``mode=ro``) so that a damaged or newer file is never touched. A library the app may
    not write is also opened ``immutable=1``: otherwise SQLite leaves its WAL index files beside it (an
    administrator may create them in a folder whose permissions say read-only).
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as err:
        reason = (err.strerror or "the system refused").lower()
        raise LibraryUnavailable(f"The scenario library file {path} cannot be read ({reason}).") from err
    if head != _SQLITE_MAGIC:
        raise LibraryError(
            f"The scenario library file {path} is not a database this app can read (it may be damaged or "
            "another kind of file). It has been left as it is; move it aside or set BCF_DATA_DIR to another folder."
        )
    try:
        mode = "mode=ro&immutable=1" if read_only else "mode=ro"
        con = sqlite3.connect(f"file:{path}?{mode}", uri=True, timeout=10)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and meta_table.name not in tables:
                raise LibraryError(
                    f"The file {path} is a database but not a BCF Scenario Lab library; it has been left as it is."
                )
            if meta_table.name in tables:
                row = con.execute(f"SELECT value FROM {meta_table.name} WHERE key='library_version'").fetchone()  # noqa: S608
                _check_version(row[0] if row else None, str(path))
            # damage past the first pages (a file cut short, smashed pages) shows only here
            check = con.execute("PRAGMA quick_check(1)").fetchone()
            if check and check[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        if "unable to open" in str(err) or "readonly" in str(err):
            return  # a read-only folder without the WAL index: read with immutable=1 (see ScenarioStore)
        raise LibraryError(
            f"The scenario library file {path} is damaged. It has been left as it is; "
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
        raise LibraryError(f"The scenario library at {where} has an unreadable version number; left as it is.")


class ScenarioStore:
    """Save, load, rename, duplicate, delete and list named scenarios (see the module docstring)."""

    def __init__(self, url: str | None = None, *, retries: int = 12, busy_timeout_s: float = 15.0) -> None:
        self.url = normalise_url(url) if url else default_url()
        self.retries = retries
        self._hook: Callable[[str], None] | None = None  # tests: called inside a write, before commit
        self._lock = threading.Lock()
        self.is_sqlite = self.url.startswith("sqlite")
        self.where = self.url
        self.read_only = False  # a read-only file or folder: list and load only
        self.damaged = False  # set when the database reports damage: nothing is written from then on
        try:
            if self.is_sqlite:
                path = Path(self.url.removeprefix("sqlite:///"))
                self.where = str(path)
                _prepare_folder(path)
                self.read_only = not _writable(path.parent) or (path.exists() and not _writable(path))
                _check_sqlite_file(path, self.read_only)
                if self.read_only and (not path.exists() or path.stat().st_size == 0):
                    raise LibraryReadOnly(
                        f"The scenario library's folder {path.parent} is read-only, so no library can be created "
                        "there. Set BCF_DATA_DIR to a folder this app may write to."
                    )
                # read-only: immutable=1 reads without the WAL index files a read-only folder cannot hold
                target = f"sqlite:///file:{path}?immutable=1&uri=true" if self.read_only else self.url
                self.engine: Engine = create_engine(target, connect_args={"timeout": busy_timeout_s})
                event.listen(self.engine, "connect", self._sqlite_connect)
                event.listen(self.engine, "begin", self._sqlite_begin)
            else:
                self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=2, max_overflow=2)
                self.where = self.engine.url.render_as_string(hide_password=True)
        except StoreError:
            raise
        except (SQLAlchemyError, ValueError, ImportError) as err:  # a malformed DATABASE_URL, a missing driver
            raise LibraryUnavailable(
                "The scenario library's address (DATABASE_URL) cannot be used; check it, or unset it to use "
                "the library file in BCF_DATA_DIR."
            ) from err
        self._init_schema()

    # --- SQLite: WAL, busy timeout, write transactions take the lock up front ---------------
    def _sqlite_connect(self, dbapi_con: Any, _record: Any) -> None:
        dbapi_con.isolation_level = None  # we issue BEGIN ourselves (below)
        if self.read_only:
            return
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
        """Run ``fn`` in one transaction, retrying lock conflicts; every database fault becomes a StoreError.

        IntegrityError (a name taken by a concurrent save) is passed on for the caller to name.
        """
        if write:
            self._check_writable()
        delay = 0.02
        for attempt in range(self.retries + 1):
            try:
                with self._tx(write) as conn:
                    return fn(conn)
            except IntegrityError:
                raise
            except DBAPIError as err:
                if not _is_lock_error(err) or attempt == self.retries:
                    raise self._plain(err) from err
            except (SQLAlchemyError, sqlite3.Error, ValueError, UnicodeError, OSError) as err:
                raise self._plain(err) from err
            time.sleep(delay * (1 + random.random()))  # noqa: S311 - jitter, not security
            delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    def _check_writable(self) -> None:
        if self.damaged:
            raise LibraryError(
                f"The scenario library at {self.where} is damaged, so nothing is written to it; it has been left "
                "as it is. Restore it from a backup, or move it aside to start a new library."
            )
        if self.read_only:
            raise LibraryReadOnly(
                f"The scenario library at {self.where} is read-only: saved scenarios can be opened but not saved, "
                "renamed or deleted. Make the file and its folder writable, or set BCF_DATA_DIR to another folder."
            )

    def _plain(self, err: Exception) -> StoreError:
        """The store's own error for a database fault, in plain words (the database's own reason kept short)."""
        msg = str(getattr(err, "orig", None) or err).splitlines()[0] if str(err) else type(err).__name__
        low = msg.lower()
        if any(w in low for w in ("malformed", "not a database", "disk image", "corrupt", "quick_check")):
            self.damaged = True
            return LibraryError(
                f"The scenario library at {self.where} is damaged; it has been left as it is and nothing more is "
                "written to it. Restore it from a backup, or move it aside to start a new library."
            )
        if "readonly" in low or "read-only" in low or "read only" in low:
            self.read_only = True
            return LibraryReadOnly(
                f"The scenario library at {self.where} is read-only: saved scenarios can be opened but not saved, "
                "renamed or deleted."
            )
        if "unable to open" in low or "no such file" in low or "permission denied" in low:
            return LibraryUnavailable(
                f"The scenario library at {self.where} cannot be opened (its folder is missing or not writable). "
                "Set BCF_DATA_DIR to a folder this app may write to."
            )
        if _is_lock_error(err):
            return StoreError("The scenario library is busy (another save is under way); try again in a moment.")
        if "nul" in low or "0x00" in low:
            return StoreError("The text holds a NUL character, which the library cannot store; retype it.")
        if isinstance(err, OperationalError) and not self.is_sqlite:
            return LibraryUnavailable(
                f"The scenario library's database at {self.where} cannot be reached; try again later."
            )
        shown = msg[:120]
        return StoreError(f"The scenario library at {self.where} could not be used (the database said: {shown}).")

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

        def check(conn: Connection) -> None:
            row = conn.execute(select(meta_table.c.value).where(meta_table.c.key == "library_version")).first()
            _check_version(row[0] if row else None, self.where)

        if self.read_only:
            self._retry(check, write=False)
            return
        try:
            self._retry(init)
        except IntegrityError:  # another process created it between our check and insert
            self._retry(init)

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
        """The entry called ``name`` (compared as :func:`models.inputs.scheme_rules.name_key` does), if any."""
        key = name_key(name)
        cols = [c for c in scenarios_table.c if c.name != "body"]
        rows = self._retry(lambda conn: conn.execute(select(*cols)).all(), write=False)
        found = [r for r in rows if name_key(r._mapping["name"]) == key]
        return self._entry(found[0]._mapping) if found else None

    def load(self, entry_id: str) -> tuple[Entry, Scenario]:
        """The entry and its scenario (older schema versions migrated)."""
        entry, scenario, _ = self.load_with_notes(entry_id)
        return entry, scenario

    def load_with_notes(self, entry_id: str) -> tuple[Entry, Scenario, list[str]]:
        """The entry, its scenario and the migration's notes to show (none for a current scenario)."""
        entry, body = self._row(entry_id)
        try:
            scenario, notes = Scenario.from_json_with_notes(body)
            return entry, scenario, notes
        except Exception as err:  # noqa: BLE001 - a stored scenario this app cannot read
            raise StoreError(
                f"The saved scenario '{_short(entry.name)}' cannot be opened by this version of the app (it may have "
                "been saved by a newer version)"
            ) from err

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
            "author": _clean(author, AUTHOR_MAX, "author", name=True).strip(),
            "notes": _clean(notes, NOTES_MAX, "notes"),
            "schema_version": int(scenario.schema_version),
            "body": scenario.to_json(),
        }

        def write(conn: Connection) -> str:
            now = datetime.now(UTC)
            found = _same_name(conn, name)
            if found is not None:
                if not overwrite:
                    raise NameTaken(f"a scenario called '{_short(found[1])}' is already saved; choose another name")
                conn.execute(
                    update(scenarios_table)
                    .where(scenarios_table.c.id == found[0])
                    .values(**values, name=name, updated_at=now)
                )
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
        entry_id = _valid_id(entry_id)

        def write(conn: Connection) -> str:
            clash = _same_name(conn, new_name)
            if clash is not None and clash[0] != entry_id:
                raise NameTaken(f"a scenario called '{_short(clash[1])}' is already saved; choose another name")
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
        names = {name_key(e.name) for e in self.list()}
        if new_name is None:
            stem = entry.name[: NAME_MAX - 12]
            new_name, n = f"{stem} (copy)", 2
            while name_key(new_name) in names:
                new_name, n = f"{stem} (copy {n})", n + 1
        new_name = _clean_name(new_name)

        def write(conn: Connection) -> str:
            clash = _same_name(conn, new_name)
            if clash is not None:
                raise NameTaken(f"a scenario called '{_short(clash[1])}' is already saved; choose another name")
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

    def delete(self, entry_id: str) -> Deleted:
        """Delete a saved scenario; returns what was deleted, so that :meth:`restore` can undo it."""
        entry_id = _valid_id(entry_id)

        def write(conn: Connection) -> Deleted:
            row = conn.execute(select(scenarios_table).where(scenarios_table.c.id == entry_id)).first()
            if row is None:
                raise NotFound("that saved scenario no longer exists (it may have been deleted)")
            conn.execute(delete(scenarios_table).where(scenarios_table.c.id == entry_id))
            return Deleted(self._entry(row._mapping), row._mapping["body"])

        return self._retry(write)

    def restore(self, deleted: Deleted) -> Entry:
        """Undo :meth:`delete`: the scenario comes back with its id, name, author, notes and dates.

        Raises NameTaken when a scenario of the same name was saved since (rename that one first).
        """
        e = deleted.entry

        def write(conn: Connection) -> str:
            clash = _same_name(conn, e.name)
            if clash is not None:
                raise NameTaken(f"a scenario called '{_short(clash[1])}' was saved since; rename it, then undo again")
            if conn.execute(select(scenarios_table.c.id).where(scenarios_table.c.id == e.id)).first() is None:
                conn.execute(
                    insert(scenarios_table).values(
                        id=e.id,
                        name=e.name,
                        area_name=e.area_name,
                        area_fingerprint=e.area_fingerprint,
                        author=e.author,
                        notes=e.notes,
                        schema_version=e.schema_version,
                        body=deleted.body,
                        created_at=e.created_at,
                        updated_at=e.updated_at,
                    )
                )
            return e.id

        return self.get(self._write(write, e.name))

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
        """The scenario and area fingerprint behind a ``?id=`` link (an id of another form is simply not found)."""
        link_id = _valid_id(link_id, "the scenario behind this link")
        row = self._retry(
            lambda conn: conn.execute(select(links_table).where(links_table.c.id == link_id)).first(),
            write=False,
        )
        if row is None:
            raise NotFound("no scenario is kept under this link's id in this app's library")
        try:
            return Scenario.from_json(row._mapping["body"]), row._mapping["area_fingerprint"]
        except Exception as err:  # noqa: BLE001 - a stored scenario this app cannot read
            raise StoreError("the scenario behind this link cannot be opened by this version of the app") from err

    def close(self) -> None:
        self.engine.dispose()

    # --- helpers -----------------------------------------------------------------------------
    def _write(self, fn: Callable[[Connection], T], name: str) -> T:
        try:
            return self._retry(fn)
        except IntegrityError as err:  # a concurrent save took the name between our check and insert
            raise NameTaken(f"a scenario called '{_short(name)}' is already saved; choose another name") from err

    def _row(self, entry_id: str) -> tuple[Entry, str]:
        entry_id = _valid_id(entry_id)
        row = self._retry(
            lambda conn: conn.execute(select(scenarios_table).where(scenarios_table.c.id == entry_id)).first(),
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


def _same_name(conn: Connection, name: str) -> tuple[str, str] | None:
    """``(id, name)`` of a saved scenario whose name is the same as ``name`` by :func:`name_key`, if any.

    Names are compared after Unicode normalisation, ignoring case and invisible characters, so
    "Café" typed two ways, or "Plan A" and "plan a", are one name.
    """
    key = name_key(name)
    rows = conn.execute(select(scenarios_table.c.id, scenarios_table.c.name)).all()
    return next(((r[0], r[1]) for r in rows if name_key(r[1]) == key), None)


def new_id() -> str:
    """A short, unguessable, URL-safe id (used in ``?id=`` links)."""
    return secrets.token_urlsafe(9)


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


_STORES: dict[str, ScenarioStore] = {}
_FAILED: dict[str, tuple[float, StoreError]] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> ScenarioStore:
    """The store for ``url`` (default: from the environment), one per process and URL.

    Raises only :class:`StoreError` (and its kinds): a library that cannot be opened (damaged,
    read-only folder, ``BCF_DATA_DIR`` naming a file, no home folder, an unreachable database)
    never breaks a page. A failure is remembered for :data:`RETRY_FAILED_OPEN_S` seconds, so a page
    run does not re-check a damaged file each time; after that the library is tried again (a file
    moved aside or a folder made writable is picked up without a restart).
    """
    key = normalise_url(url) if url else default_url()
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is not None:
            return store
        failed = _FAILED.get(key)
        if failed is not None and time.monotonic() - failed[0] < RETRY_FAILED_OPEN_S:
            raise failed[1]
        try:
            store = _STORES[key] = ScenarioStore(key)
        except StoreError as err:
            _FAILED[key] = (time.monotonic(), err)
            raise
        _FAILED.pop(key, None)
        return store
