"""Browser: the fan chart, an upload, a download and a shared link, in a real Chromium."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
TITLES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => {
  const t = d.layout && d.layout.title; return (t && (t.text || t)) || ''; })"""


def test_demand_page_shows_fan_chart(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/demand")
    wait_idle(page, 90_000)
    page.wait_for_selector(".js-plotly-plot", timeout=90_000)
    titles = page.evaluate(TITLES_JS)
    assert any("recorded, model fit and projection" in t for t in titles), titles
    plots = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => p._fullData.map(t => t.name))"
    )
    # the first chart is the 65+ core metric against its maximum level; a fan chart follows
    assert "Projection P50 (P10–P90 bars)" in plots[0], plots[0]
    assert any({"95% interval", "80% interval", "Recorded", "Projection (mean)"} <= set(p) for p in plots), plots
    assert_no_exception(page)


def test_upload_bad_then_good_file(page: Page, app_url: str, tmp_path: Path) -> None:
    page.goto(f"{app_url}/data")
    wait_idle(page, 60_000)

    def file_input(name: str):
        zone = page.locator(f'section[aria-label="Upload {name}"]')
        expect(zone).to_be_visible()
        return zone.locator('input[type="file"]')

    bad = tmp_path / "admissions_monthly.csv"
    bad.write_bytes((DEMO / "admissions_monthly.csv").read_bytes().replace(b"2016-05-01,", b"2016-05-01,abc", 1))
    file_input("admissions_monthly.csv").set_input_files(str(bad))
    error = page.locator('[data-testid="stAlertContentError"]').filter(has_text="was not accepted").first
    expect(error).to_contain_text("is not a number")
    wait_idle(page, 60_000)
    assert_no_exception(page)
    good = tmp_path / "placements_monthly.csv"
    good.write_bytes((DEMO / "placements_monthly.csv").read_bytes())
    file_input("placements_monthly.csv").set_input_files(str(good))
    expect(page.get_by_text("placements_monthly.csv: valid, 120 rows").first).to_be_visible()
    expect(page.get_by_text("was not accepted").first).to_be_visible()  # the bad file's message stays
    assert_no_exception(page)


def test_template_download_is_the_demo_file(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/data")
    wait_idle(page, 60_000)
    expect(page.get_by_text("Provenance").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Template (CSV)").first.click()
    name = info.value.suggested_filename
    assert name in {p.name for p in DEMO.glob("*.csv")}
    assert Path(info.value.path()).read_bytes() == (DEMO / name).read_bytes()


def test_shared_link_reopens_the_scenario(page: Page, app_url: str, browser) -> None:
    page.goto(app_url)
    wait_idle(page, 90_000)
    page.wait_for_function("() => window.location.search.includes('s=l1.')", timeout=30_000)
    before = page.evaluate("() => window.location.search")  # the baseline's own link
    page.get_by_role("combobox", name="Scenario preset").click()
    page.get_by_role("option", name="High older-people growth").click()
    wait_idle(page, 90_000)
    page.wait_for_function(
        "(b) => window.location.search.includes('s=l1.') && window.location.search !== b", arg=before, timeout=30_000
    )
    link = page.url
    other = browser.new_context().new_page()
    try:
        other.goto(link)
        wait_idle(other, 90_000)
        expect(other.get_by_text("Opened the shared scenario from the link.")).to_be_visible(timeout=30_000)
        expect(other.get_by_text("scenario High older-people growth").first).to_be_visible()
        assert_no_exception(other)
    finally:
        other.context.close()


def test_excel_export_of_the_winter_page(page: Page, app_url: str) -> None:
    import io

    import openpyxl

    page.goto(f"{app_url}/winter")
    wait_idle(page, 90_000)
    button = page.get_by_role("button", name="Download all tables (Excel)")
    expect(button).to_be_visible(timeout=90_000)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "bcf_winter_beds_illustrative.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert {"About", "weekly occupancy", "winter KPIs", "winter costs", "options"} <= set(book.sheetnames)
    assert "illustrative demo data" in book["About"]["A2"].value
    assert_no_exception(page)
