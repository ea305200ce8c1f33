"""Browser: the Scheme funding page — a budget change (slider or table cell) redraws the waterfall."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

READ_WATERFALL = """
() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const title = (el.layout && el.layout.title && el.layout.title.text) || '';
    const trace = (el.data || [])[0];
    if (trace && trace.type === 'waterfall' && title.includes('Emergency admissions') && title.includes('a year')) {
      return {x: Array.from(trace.x), y: Array.from(trace.y).map(Number)};
    }
  }
  return null;
}
"""


def _waterfall(page: Page) -> dict[str, float]:
    page.wait_for_function(READ_WATERFALL.replace("return null;", "return false;").strip(), timeout=30_000)
    data = page.evaluate(READ_WATERFALL)
    return dict(zip(data["x"], data["y"], strict=True))


def _wait_until_starrs_avoids_nothing(page: Page) -> None:
    """The rerun is asynchronous: wait for the redrawn waterfall, then for the script to finish."""
    page.wait_for_function(
        READ_WATERFALL.replace("return {x", "return trace.y[trace.x.indexOf('STARRS intermediate care')] > -1 && {x"),
        timeout=60_000,
    )
    wait_idle(page)


def _open(page: Page, app_url: str) -> None:
    # The frame first: on a fresh server, Streamlit serves a direct /schemes request as a v1
    # pages/ app (without app.py) until app.py has called st.navigation once.
    page.goto(app_url)
    expect(page.get_by_role("heading", name="BCF Scenario Lab", exact=True).first).to_be_visible(timeout=120_000)
    page.goto(f"{app_url}/schemes")
    heading = page.get_by_role("heading", name="Scheme funding", exact=True).first
    expect(heading).to_be_visible(timeout=120_000)  # the first run fits the models
    wait_idle(page, 120_000)
    assert_no_exception(page)


def test_budget_slider_redraws_waterfall(page: Page, app_url: str) -> None:
    _open(page, app_url)
    before = _waterfall(page)
    assert before["STARRS intermediate care"] < 0  # a step down: admissions avoided
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="STARRS").get_by_role("slider")
    thumb.focus()
    thumb.press("Home")  # £0
    _wait_until_starrs_avoids_nothing(page)
    after = _waterfall(page)
    assert abs(after["STARRS intermediate care"]) < 1  # £0 buys nothing
    assert after["With schemes"] > before["With schemes"]
    assert_no_exception(page)


def test_editing_a_budget_cell_redraws_waterfall(page: Page, app_url: str) -> None:
    _open(page, app_url)
    before = _waterfall(page)
    grid = page.locator('[data-testid="stDataFrame"]').first  # the editable scheme table
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # first data row, first column (Scheme); then three columns right to the budget
    page.wait_for_timeout(500)  # the canvas grid lays out after it appears
    page.mouse.click(box["x"] + 80, box["y"] + 35 + 17)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.type("0")  # typing on a selected cell opens its editor with that text
    page.wait_for_timeout(500)
    page.keyboard.press("Enter")
    _wait_until_starrs_avoids_nothing(page)
    after = _waterfall(page)
    assert abs(after["STARRS intermediate care"]) < 1, after
    assert after["With schemes"] > before["With schemes"]
    assert_no_exception(page)
