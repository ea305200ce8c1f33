"""Browser: the app starts under `streamlit run`, every page opens, none shows an exception."""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

PAGES = {
    "": "BCF Scenario Lab",
    "growth": "Demographic growth",
    "demand": "Demand projections",
    "schemes": "Scheme funding",
    "data": "Data",
}


def test_every_page_opens_without_exception(page: Page, app_url: str) -> None:
    for path, heading in PAGES.items():
        page.goto(f"{app_url}/{path}")
        wait_idle(page)
        expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        assert_no_exception(page)


def test_demo_banner_and_sidebar_navigation(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_idle(page)
    expect(page.get_by_text("Illustrative demo data.", exact=False).first).to_be_visible()
    page.get_by_role("link", name="Data").first.click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Data", exact=True).first).to_be_visible()
    assert urlparse(page.url).path.rstrip("/").endswith("/data")
    assert "s=" in urlparse(page.url).query  # the address still holds the scenario
    assert_no_exception(page)


def test_first_request_to_a_page_url_runs_inside_the_frame(page: Page, tmp_path) -> None:
    """A fresh server whose first request is a page URL still shows the frame (sidebar, banner), no error."""
    from tests.browser.conftest import streamlit_server

    with streamlit_server(tmp_path) as url:
        page.goto(f"{url}/growth")
        wait_idle(page, 90_000)
        expect(page.get_by_role("heading", name="Demographic growth", exact=True).first).to_be_visible(timeout=90_000)
        expect(page.get_by_text("Scenario preset").first).to_be_visible()
        assert_no_exception(page)
