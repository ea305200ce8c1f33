"""Real-browser fixtures: `streamlit run app.py` on a free local port, driven by Playwright + Chromium.

The system Chromium is used (Debian's `chromium` package; or the path in BCF_CHROMIUM); without one,
Playwright's own build. If neither can start, the tests fail: they are never skipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
# The first visit to a page fits the models (a few seconds; longer on a loaded 2-core CI machine).
expect.set_options(timeout=60_000)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def system_chromium() -> str | None:
    """$BCF_CHROMIUM or the system Chromium; None lets Playwright use its own build."""
    return os.environ.get("BCF_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_path() -> str:
    """A Chromium executable that exists: the system one, else Playwright's own build (never skipped)."""
    exe = system_chromium()
    if not exe:
        with sync_playwright() as p:
            exe = p.chromium.executable_path
    assert exe and os.path.isfile(exe), "no Chromium (scripts/test.sh installs one)"
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    workdir: Path, *, warm_presets: bool = True, env_extra: dict[str, str] | None = None
) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port; yields its URL and stops it afterwards.

    ``warm_presets=False`` turns off the server's background warm-up of every preset (``BCF_WARM_PRESETS=0``,
    pages/ui/warmup.py): about a minute of CPU that only makes a later preset switch instant.
    """
    port = _free_port()
    log = workdir / "server.log"
    env = dict(os.environ)
    env.setdefault("BCF_DATA_DIR", str(workdir / "library"))  # a fresh scenario library per server
    if not warm_presets:
        env["BCF_WARM_PRESETS"] = "0"
    env.update(env_extra or {})
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:  # noqa: S310 - loopback only
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
            if proc.poll() is not None:
                raise RuntimeError("streamlit exited:\n" + log.read_text())
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start in 60 s:\n" + log.read_text())
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The worker's shared server. Without the preset warm-up: on the 2-core CI machine its minute of CPU slows the
    tests that run meanwhile, and no test here checks its effect (a page computes a preset on demand through the
    same caches). The fresh servers (test_hardening, test_first_visit, test_navigation) keep it, as in use."""
    with streamlit_server(tmp_path_factory.mktemp("streamlit"), warm_presets=False) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    exe = system_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def wait_idle(page: Page, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' status)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)


def assert_no_exception(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:2000]
    body = page.inner_text("body")
    assert "Traceback" not in body and "This app has encountered an error" not in body, body[:2000]
