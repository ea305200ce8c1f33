"""Browser: Home leads with the three BCF core metrics — the tiles, a chart per metric with its maximum level drawn,
and the working panels (levels, plan years, quarters) folded away, gone in presentation mode."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_no_exception
from tests.browser.test_projector import settle

LABELS = (
    "Emergency admissions 65+ per 100,000 aged 65+",
    "Average discharge delay (days)",
    "Care-home admissions 65+ per 100,000 (ASCOF 2C)",
)
CHART_TEXTS = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
  .filter((box) => box.getBoundingClientRect().width > 0)
  .map((box) => Array.from(box.querySelectorAll('.main-svg text')).map((t) => t.textContent).join(' | '))"""


def _open(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=180_000)
    settle(page)
    return page


def _visible_chart(page: Page, level: str) -> str:
    texts = [t for t in page.evaluate(CHART_TEXTS) if f"Maximum level {level}" in t]
    assert texts, page.evaluate(CHART_TEXTS)
    return texts[0]


def test_home_leads_with_the_core_metrics_and_their_levels(browser: Browser, app_url: str) -> None:
    page = _open(browser, app_url)
    try:
        metrics = page.locator('[data-testid="stMetric"]')
        first_three = [metrics.nth(i).inner_text() for i in range(3)]
        for text, label in zip(first_three, LABELS, strict=True):
            assert text.startswith(label), first_three  # the three core metrics come first, in order
        assert "vs maximum level" in " ".join(first_three)
        main = page.locator('[data-testid="stMain"]')
        expect(main.get_by_text("Projected within the maximum level on", exact=False)).to_be_visible()
        chart = _visible_chart(page, "25,000")  # the demo's 65+ maximum level (area.json), drawn on the chart
        assert "Projection P50" in chart and "Recorded: recorded" in chart
        page.get_by_role("tab", name=LABELS[1]).click()
        settle(page)
        assert "Projection P50" in _visible_chart(page, "0.80")
        page.get_by_role("tab", name=LABELS[2]).click()
        settle(page)
        ascof = _visible_chart(page, "350")
        assert "ASCOF 2A(2)" in ascof and "ASCOF 2C" in ascof  # the series names where 2A(2) joins 2C
        page.get_by_text("Quarterly on-track report").click()
        expect(main.get_by_text("A quarter is on track when", exact=False)).to_be_visible()
        assert_no_exception(page)
    finally:
        page.close()


def test_presentation_mode_keeps_the_tiles_and_charts_without_the_panels(browser: Browser, app_url: str) -> None:
    page = _open(browser, f"{app_url}/?present=1")
    try:
        metrics = page.locator('[data-testid="stMetric"]')
        assert metrics.nth(0).inner_text().startswith(LABELS[0])
        _visible_chart(page, "25,000")
        assert page.get_by_text("Quarterly on-track report").count() == 0
        assert page.get_by_text("Set the maximum levels").count() == 0
        assert_no_exception(page)
    finally:
        page.close()
