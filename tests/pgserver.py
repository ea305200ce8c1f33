"""A real PostgreSQL server for the store tests.

``BCF_TEST_DATABASE_URL`` names a server to use (CI may provide one). Otherwise a
throw-away cluster is created with the installed PostgreSQL binaries (``initdb`` +
``pg_ctl``, Debian's ``postgresql`` package; ``scripts/test.sh`` installs it) in a
temporary folder, listening on a unix socket only, run as the ``postgres`` user when the
tests run as root. If neither is possible the tests fail: they are never skipped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not versions:
        raise RuntimeError(
            "PostgreSQL is not installed: the store tests need a real server. Install Debian's `postgresql` "
            "package (scripts/test.sh does this as root) or set BCF_TEST_DATABASE_URL."
        )
    return Path(versions[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty PostgreSQL database; stop the server afterwards."""
    given = os.environ.get("BCF_TEST_DATABASE_URL")
    if given:
        yield given
        return
    bindir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="bcf-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    user = pwd.getpwuid(os.geteuid()).pw_name
    if as_root:  # PostgreSQL refuses to run as root
        user = "postgres"
        pw = pwd.getpwnam(user)
        for p in (root, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = f"-c listen_addresses='' -k {sock} -p {port} -c fsync=off -c max_connections=60 -c shared_buffers=16MB"
    started = subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", opts, "-w", "-t", "60", "start"],
        capture_output=True,
        text=True,
        env=env,
    )
    if started.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(
            [*prefix, str(bindir / "createdb"), "-h", str(sock), "-p", str(port), "-U", user, "bcf_test"],
            capture_output=True,
            env=env,
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("could not create the test database")
            time.sleep(0.3)
        yield f"postgresql+psycopg://{user}@/bcf_test?host={sock}&port={port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
        )
        shutil.rmtree(root, ignore_errors=True)
