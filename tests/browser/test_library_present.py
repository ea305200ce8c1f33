"""Browser: presentation mode (the workshop screen) at 1920×1080 at 150% zoom and at 1366×768.

The mode comes from the link (``&present=1``); the sidebar starts collapsed; no number, label or table
cell is cut or wider than its container (checked in the DOM); chart text is scaled up. Screenshots are
written to the test's temporary folder (kept by pytest for inspection).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_no_exception, wait_idle

OVERFLOW_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const sel = '[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [data-testid="stMetricDelta"],'
    + ' [data-testid="stTable"] th, [data-testid="stTable"] td, [data-testid="stWidgetLabel"], h1, h2, h3, p,'
    + ' button, [data-testid="stMarkdownContainer"], [data-testid="stPlotlyChart"], [data-testid="stTable"]';
  const bad = [];
  for (const el of main.querySelectorAll(sel)) {
    if (el.closest('.modebar')) continue;  // Plotly's hidden tool buttons
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    const cut = el.scrollWidth > el.clientWidth + 1 && (style.overflowX !== 'visible' || style.textOverflow === 'ellipsis');
    let parent = el.parentElement;
    while (parent && parent.getBoundingClientRect().width === 0) parent = parent.parentElement;
    const pr = parent ? parent.getBoundingClientRect() : null;
    const wider = pr && (r.right > pr.right + 1 || r.left < pr.left - 1);
    const offscreen = r.right > window.innerWidth + 1;
    if (cut || wider || offscreen) bad.push(`${el.getAttribute('data-testid') || el.tagName}: "${(el.innerText || '').slice(0, 50)}" (${Math.round(r.width)}px, content ${el.scrollWidth}px)`);
  }
  return bad;
}"""

SCREENS = {
    "1920x1080 at 150%": ({"width": 1280, "height": 720}, 1.5),  # 1920×1080 device pixels at 150% zoom
    "1366x768": ({"width": 1366, "height": 768}, 1.0),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_presentation_mode_fits_the_screen(browser: Browser, app_url: str, screen: str, tmp_path: Path) -> None:
    viewport, scale = SCREENS[screen]
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = context.new_page()
    try:
        for path, ready in (("", '[data-testid="stMetric"]'), ("compare", '[data-testid="stTable"]')):
            page.goto(f"{app_url}/{path}?present=1")
            page.wait_for_selector(ready, timeout=120_000)
            page.wait_for_selector(".js-plotly-plot", timeout=120_000)
            wait_idle(page, 120_000)
            page.wait_for_timeout(800)
            assert "present=1" in page.url  # the mode stays in the link
            sidebar = page.locator('[data-testid="stSidebar"]')
            assert sidebar.count() == 0 or sidebar.bounding_box() is None or sidebar.bounding_box()["width"] < 5 or (
                sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 1
            ), "the sidebar should start collapsed"
            page.screenshot(path=str(tmp_path / f"{path or 'home'}-{screen.replace(' ', '_')}.png"))
            problems = page.evaluate(OVERFLOW_JS)
            assert problems == [], f"{path or 'home'} at {screen}: " + "; ".join(problems)
            if path == "compare":
                expect(page.get_by_role("button", name="Download the comparison (Excel, board-ready)")).to_have_count(0)
            assert_no_exception(page)
    finally:
        context.close()
