"""Browser (issue 10): first visits to page URLs at once on a fresh server; no request leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import assert_no_exception, streamlit_server, wait_idle

PAGES = ("data", "growth", "demand", "schemes", "winter")


@pytest.fixture()
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A server of the test's own: its first requests are the ones the test makes. Stopped as soon as the test
    ends, so that its background warm-up of the presets does not take the CPU from the tests that follow."""
    with streamlit_server(tmp_path) as url:
        yield url


def _evil_link() -> str:
    from models.inputs.areas import load_area
    from models.scenario import baseline, evolve
    from models.store.links import to_link_token

    demo, _ = load_area()
    base = baseline(demo)
    evil = evolve(base, name="[click me](http://evil.example/) ![pic](http://evil.example/i.png)")
    return to_link_token(evil, base, demo.fingerprint)


def test_five_page_urls_opened_at_once_on_a_fresh_server(browser: Browser, fresh_url: str) -> None:
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in PAGES]
    try:
        pages = [c.new_page() for c in contexts]
        for pg, path in zip(pages, PAGES, strict=True):  # all five start before any has finished
            pg.goto(f"{fresh_url}/{path}", wait_until="commit")
        for pg, path in zip(pages, PAGES, strict=True):
            wait_idle(pg, timeout_ms=180_000)
            pg.wait_for_selector('h1, [data-testid="stException"]', timeout=180_000)
            assert "KeyError" not in pg.inner_text("body"), path
            assert_no_exception(pg)
            assert urlparse(pg.url).path.rstrip("/").endswith(path)  # still on the page asked for
    finally:
        for c in contexts:
            c.close()


def test_no_request_leaves_the_machine(browser: Browser, app_url: str) -> None:
    # Any server of the app will do (the session's shared one): what is checked is what the browser asks for.
    host = urlparse(app_url).netloc
    context = browser.new_context()
    seen: list[str] = []

    def route(r) -> None:  # noqa: ANN001 - a Playwright Route
        seen.append(r.request.url)
        if urlparse(r.request.url).netloc == host:
            r.continue_()
        else:
            r.abort()  # never let it out, but record it

    try:
        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda req: seen.append(req.url))
        page.on("websocket", lambda ws: seen.append(ws.url))
        for path in ("", "data", "growth"):
            page.goto(f"{app_url}/{path}")
            wait_idle(page, timeout_ms=120_000)
            page.wait_for_timeout(500)  # late requests: favicon, fonts, icons
        # a shared link whose scenario name is markdown: shown as text, never a link or an image from elsewhere
        page.goto(f"{app_url}/?s={_evil_link()}")
        wait_idle(page, timeout_ms=120_000)
        page.get_by_text("[click me](http").first.wait_for(timeout=60_000)
        assert page.locator('a[href*="evil.example"], img[src*="evil.example"]').count() == 0
        assert_no_exception(page)
        favicon = page.evaluate("() => (document.querySelector(\"link[rel='shortcut icon']\") || {}).href || ''")
        seen.append(favicon)
        outside = sorted(
            {
                u
                for u in seen
                if u and urlparse(u).scheme not in ("data", "blob", "about") and urlparse(u).netloc != host
            }
        )
        assert outside == [], outside
        assert any("/_stcore/stream" in u for u in seen)  # the check saw the app's own traffic
    finally:
        context.close()
