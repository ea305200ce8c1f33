"""Browser: a fresh server's first visit, and links that hold the scenario whatever the click speed.

The first paint shows a plain loading message and never the pages/ folder's module names (app, compare, data …);
the real navigation (titled pages) follows. A lever changed, then pages clicked 100 ms apart, leave an address
that holds the scenario (``?s=``), and opening that address reproduces it.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_no_exception, streamlit_server, wait_idle
from tests.browser.test_projector import settle

MODULE_NAMES = ("compare", "finance", "growth", "schemes", "winter")  # pages/*.py as Streamlit would list them
NAV = ('[data-testid="stSidebarNav"]',)


def _sidebar_text(page: Page) -> str:
    bar = page.locator('[data-testid="stSidebar"]')
    return bar.inner_text() if bar.count() else ""


def test_first_paint_of_a_fresh_server(page: Page, tmp_path) -> None:
    with streamlit_server(tmp_path) as url:
        start = time.monotonic()
        page.goto(url)
        expect(page.get_by_text("is loading", exact=False).first).to_be_visible(timeout=30_000)
        loading_s = time.monotonic() - start
        seen: list[str] = []
        while page.locator('[data-testid="stMain"] h1').count() == 0 and time.monotonic() - start < 180:
            seen.append(_sidebar_text(page))  # what the sidebar shows while the first run is under way
            page.wait_for_timeout(150)
        expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible(timeout=5_000)
        lines = {line.strip() for text in seen for line in text.splitlines()}
        assert not lines & set(MODULE_NAMES), lines  # never the module names
        nav = page.locator(NAV[0])
        expect(nav.get_by_role("link", name="Demographic growth")).to_be_visible()
        expect(nav.get_by_role("link", name="Risk share and finance")).to_be_visible()
        assert loading_s < 20, loading_s  # a message early, not a blank page
        assert_no_exception(page)


def _seed_input(page: Page):  # noqa: ANN202 - a Playwright Locator
    page.locator('[data-testid="stSidebar"]').get_by_text("Monte Carlo").first.click()
    box = page.locator('[data-testid="stSidebar"] input[aria-label="Random seed"]')
    expect(box).to_be_visible()
    return box


def test_links_hold_the_scenario_under_fast_clicks(browser: Browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_url)
        page.wait_for_selector('[data-testid="stMain"] h1', timeout=180_000)
        wait_idle(page, 180_000)
        seed = _seed_input(page)
        seed.fill("4242")
        seed.press("Enter")
        wait_idle(page, 180_000)
        nav = page.locator(NAV[0])
        for title in (
            "Demand projections",
            "Scheme funding",
            "Data",
            "Demographic growth",
            "Data",
            "Demand projections",
        ):
            nav.get_by_role("link", name=title).click()
            page.wait_for_timeout(100)  # faster than any page finishes
        settle(page)
        address = page.url
        assert urlparse(address).path.rstrip("/").endswith("/demand")
        assert parse_qs(urlparse(address).query).get("s"), address  # the scenario is in the address
    finally:
        context.close()
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = fresh.new_page()
    other.set_default_timeout(60_000)
    try:
        other.goto(address)
        other.wait_for_selector('[data-testid="stMain"] h1', timeout=180_000)
        wait_idle(other, 180_000)
        assert _seed_input(other).input_value() == "4242"  # the link reproduces the scenario
        assert_no_exception(other)
    finally:
        fresh.close()
