"""Browser: search for a real area by name in the sidebar, open it, and see its own figures (issue 21).

Two areas are built from the public files (``BCF_REALDATA_DIR/areas``, read in place) into a temporary folder that
a fresh server finds through ``BCF_AREAS_DIR``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from models.core.paths import AREAS_ENV
from tests.browser.conftest import assert_no_exception, streamlit_server, wait_idle


def test_search_an_area_by_name_and_open_it(page: Page, source: Path, tmp_path: Path) -> None:
    from models.inputs.builder.build import build_all

    areas = tmp_path / "areas"
    build_all(source, areas, only=["E06000017", "E09000015"])  # Rutland, Harrow
    with streamlit_server(tmp_path, warm_presets=False, env_extra={AREAS_ENV: str(areas)}) as url:
        page.goto(url)
        wait_idle(page, 90_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        picker = sidebar.get_by_role("combobox", name="Area")
        picker.click()
        page.keyboard.type("Rutl")
        option = page.get_by_role("option", name="Rutland · East Midlands")
        expect(option).to_be_visible()
        expect(page.get_by_role("option", name="Harrow · London")).to_have_count(0)  # the search filters
        option.click()
        wait_idle(page, 120_000)
        expect(page.get_by_text("Rutland", exact=False).first).to_be_visible()
        expect(page.get_by_text("Now using Rutland", exact=False).first).to_be_visible()
        assert parse_qs(urlparse(page.url).query).get("area") == ["E06000017"]  # a link reopens Rutland
        assert_no_exception(page)
        page.get_by_role("link", name="Data").first.click()
        wait_idle(page, 120_000)
        expect(page.get_by_text("Emergency admissions are an ESTIMATE for this area", exact=False)).to_be_visible()
        expect(page.get_by_text("Where Rutland's figures come from", exact=False)).to_be_visible()
        assert_no_exception(page)
