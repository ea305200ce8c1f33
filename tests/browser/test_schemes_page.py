"""Browser: the Scheme funding page — budget changes (slider or table cell) against current funding.

Cutting an admission-avoidance scheme redraws the waterfall (a step up from the current funding
trend) and raises the admissions KPI; more money for Home First (a discharge-capacity scheme,
typed into the real grid) lowers the winter's delayed + ED boarding days.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import assert_no_exception, wait_idle

STARRS = "STARRS intermediate care"  # the largest admission-avoidance scheme (£3.4m today)
WINTER = "Winter delayed + ED boarding days"
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
READ_METRIC = """(starts) => {
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    const l = m.querySelector('[data-testid="stMetricLabel"]');
    if (l && l.innerText.trim().startsWith(starts)) {
      const v = m.querySelector('[data-testid="stMetricValue"]');
      const d = m.querySelector('[data-testid="stMetricDelta"]');
      return {value: v ? v.innerText.trim() : null, delta: d ? d.innerText.trim() : null};
    }
  }
  return null;
}"""


def _waterfall(page: Page) -> dict[str, float]:
    page.wait_for_function(READ_WATERFALL.replace("return null;", "return false;").strip(), timeout=30_000)
    data = page.evaluate(READ_WATERFALL)
    return dict(zip(data["x"], data["y"], strict=True))


def _metric(page: Page, starts: str) -> dict:
    found = page.evaluate(READ_METRIC, starts)
    assert found is not None, f"metric {starts!r} not found"
    return found


def _count(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


def _open(page: Page, app_url: str) -> None:
    # The frame first: on a fresh server, Streamlit serves a direct /schemes request as a v1
    # pages/ app (without app.py) until app.py has called st.navigation once.
    page.goto(app_url)
    expect(page.get_by_role("heading", name="BCF Scenario Lab", exact=True).first).to_be_visible(timeout=120_000)
    page.goto(f"{app_url}/schemes")
    heading = page.get_by_role("heading", name="Scheme funding", exact=True).first
    expect(heading).to_be_visible(timeout=120_000)  # the first run fits the models and simulates the winter
    wait_idle(page, 120_000)
    page.wait_for_function(f"() => ({READ_METRIC})({WINTER!r}) !== null", timeout=120_000)
    assert_no_exception(page)


def test_cutting_a_budget_redraws_waterfall_and_raises_admissions(page: Page, app_url: str) -> None:
    _open(page, app_url)
    before = _waterfall(page)
    # current funding is the baseline: no scheme changes anything yet
    assert abs(before[STARRS]) < 1 and abs(before["Scenario"] - before["Without scheme changes"]) < 1, before
    assert _metric(page, "Emergency admissions")["delta"] is None
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="STARRS").get_by_role("slider")
    thumb.focus()
    thumb.press("Home")  # £0
    page.wait_for_function(
        READ_WATERFALL.replace("return {x", f"return trace.y[trace.x.indexOf({STARRS!r})] > 1 && {{x"),
        timeout=60_000,
    )
    wait_idle(page)
    after = _waterfall(page)
    assert after[STARRS] > 100, after  # the admissions it avoided today come back
    assert after["Scenario"] > after["Without scheme changes"]
    admissions = _metric(page, "Emergency admissions")
    assert admissions["delta"] and admissions["delta"].startswith("+"), admissions
    assert_no_exception(page)


def _select(page: Page, box: dict, rights: int) -> None:
    """Select a cell of the second data row (Home First, a P1 capacity scheme): its first text cell, then
    ``rights`` cells to the right."""
    page.mouse.click(box["x"] + 80, box["y"] + 35 + 35 + 17)
    for _ in range(rights):
        page.keyboard.press("ArrowRight")


def _budget_cell(page: Page, box: dict) -> int | None:
    """How many cells right of the clicked one Home First's budget (£2,100,000, the first cell holding it) is: each
    candidate cell's editor is opened with Enter and its value read, so the test never types into the wrong column
    (the table's columns change as the scheme format grows)."""
    for rights in range(6):
        _select(page, box, rights)
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("() => !!document.querySelector('#portal input, #portal textarea')", timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        value = page.evaluate("() => (document.querySelector('#portal input, #portal textarea') || {}).value || ''")
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)
        if "".join(ch for ch in value if ch.isdigit()).rstrip("0") == "21":  # 2,100,000 however it is written
            return rights
    return None


def test_more_home_first_money_in_the_table_lowers_winter_days(page: Page, app_url: str) -> None:
    _open(page, app_url)
    before = _metric(page, WINTER)
    assert before["delta"] is None
    # the editable scheme table: its key's class (the fund's tables by source and type come before it)
    grid = page.locator('[class*="st-key-scheme_editor"] [data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.wait_for_timeout(500)  # the canvas grid lays out after it appears
    changed = f"(v) => {{ const m = ({READ_METRIC})({WINTER!r}); return m && m.value !== v && m.delta; }}"
    for attempt in range(3):  # a canvas grid: a click or key can land before it is ready, so check and retry
        rights = _budget_cell(page, box)  # how far right of the clicked cell Home First's budget is
        if rights is None:
            continue
        _select(page, box, rights)
        # typing on a selected cell opens its editor (an input in the grid's portal) with that character
        page.keyboard.type("4")
        try:
            page.wait_for_function("() => !!document.querySelector('#portal input')", timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        page.keyboard.type("200000", delay=30)
        typed = page.evaluate("() => (document.querySelector('#portal input') || {}).value")
        if typed != "4200000":
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Enter")
        try:
            page.wait_for_function(changed, arg=before["value"], timeout=180_000 if attempt == 2 else 60_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    else:
        raise AssertionError("the Home First budget could not be typed into the scheme table")
    wait_idle(page, 90_000)
    after = _metric(page, WINTER)
    assert _count(after["value"]) < _count(before["value"]), (before, after)
    assert after["delta"].startswith("-"), after
    assert _metric(page, "Pooled fund a year")["delta"] == "+£2.1m"
    assert abs(_waterfall(page)["Scenario"] - _waterfall(page)["Without scheme changes"]) < 1  # admissions unchanged
    assert_no_exception(page)
