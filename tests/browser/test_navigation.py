"""Browser: the app starts under `streamlit run`, every page opens, none shows an exception."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

PAGES = {
    "": "BCF Scenario Lab",
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
    assert page.url.rstrip("/").endswith("/data")
    assert_no_exception(page)
