"""Browser: the scenario library, links that survive navigation and reload, and the board workbook."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

PRESET = "+15 Home First starts a week"


def _token(page: Page) -> str:
    return parse_qs(urlparse(page.url).query).get("s", [""])[0]


def _go(page: Page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    wait_idle(page, 90_000)
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=90_000)


def test_saved_scenario_link_survives_navigation_reload_and_opens_elsewhere(page: Page, app_url: str, browser) -> None:
    page.goto(f"{app_url}/growth")
    wait_idle(page, 90_000)
    page.get_by_role("combobox", name="Scenario preset").click()
    page.get_by_role("option", name=PRESET).click()
    wait_idle(page, 90_000)
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('s')?.startsWith('l1.')")
    token = _token(page)
    assert len(page.url) <= 2000

    page.get_by_text("Scenario library").click()
    page.get_by_label("Save as").fill("Workshop plan 😀 \"A\"")
    page.get_by_label("Author").fill("O'Neil")
    page.get_by_role("button", name="Save").click()
    wait_idle(page, 60_000)
    expect(page.get_by_text("Saved as").first).to_be_visible()

    _go(page, "Demand projections")
    page.wait_for_function(f"() => window.location.search.includes('{token}')")
    _go(page, "Compare scenarios")
    page.wait_for_function(f"() => window.location.search.includes('{token}')")
    page.reload()
    wait_idle(page, 90_000)
    assert _token(page) == token and urlparse(page.url).path.endswith("/compare")
    expect(page.get_by_role("heading", name="Compare scenarios", exact=True)).to_be_visible(timeout=90_000)
    table = page.locator('[data-testid="stTable"]').first
    expect(table).to_contain_text("Emergency admissions")
    numbers = table.inner_text()
    assert_no_exception(page)

    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        other.goto(page.url)
        wait_idle(other, 90_000)
        expect(other.get_by_text("Opened the shared scenario from the link.")).to_be_visible(timeout=60_000)
        other_table = other.locator('[data-testid="stTable"]').first
        expect(other_table).to_contain_text("Emergency admissions", timeout=60_000)
        assert other_table.inner_text() == numbers  # the same numbers on that page
        assert _token(other) == token
        other.get_by_text("Scenario library").click()
        expect(other.get_by_label("Rename to")).to_have_value('Workshop plan 😀 "A"')  # the library is shared
        assert_no_exception(other)
    finally:
        other.context.close()


def test_tampered_link_says_so_and_shows_the_baseline(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/growth?s=l1.eNqrVipTsjLUUUpUslIySk4xtEwxMUkyNzZJTUpJUdJRSlG")
    wait_idle(page, 90_000)
    expect(page.get_by_text("The link's scenario could not be read").first).to_be_visible()
    expect(page.get_by_role("combobox", name="Scenario preset")).to_have_value("Baseline")
    assert_no_exception(page)


def test_board_workbook_download(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/growth")
    wait_idle(page, 90_000)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Board workbook (Excel)").click()
    assert info.value.suggested_filename == "bcf_scenario_illustrative.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book.sheetnames[0] == "Cover"
    cover = {r[0]: r[1] for r in book["Cover"].iter_rows(values_only=True) if r[0]}
    assert "Illustrative" in cover["Data"] and cover["Scenario"] == "Baseline"
    assert hasattr(cover["Created"], "year")  # a date, not text
    # one scenario: the board pack (docs/board-pack.md), its charts drawn on the click by the server's Chromium
    assert {"Headline", "Levers", "Schemes", "Results by year", "Winter", "Risk share", "Charts"} <= set(book.sheetnames)
    money = [c for row in book["Schemes"].iter_rows() for c in row if isinstance(c.value, int | float)]
    assert any(c.number_format.startswith("£") or "£" in c.number_format for c in money)
    assert len(book["Charts"]._images) >= 4
    assert_no_exception(page)
