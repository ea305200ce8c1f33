"""Browser: presentation mode (``&present=1``) on a projector. At 1920×1080 and 1366×768 every page's Plotly
charts are drawn no wider than their column, every chart's text (ticks, legend, labels) lies inside the chart,
the partners are named on the Finance page's charts, no metric shows an arrow for a change of zero, and no page
shows "£-" (money reads −£27,236) or a "None"/"nan" where a value is missing in any text the browser can read
(tables are drawn on a canvas: their cells are checked on the frames the pages pass, tests/app/test_table_cells.py).

Before the fix a CSS zoom on the charts made Plotly measure its box zoomed and draw 1.25 × 1.25 too wide
(2,163 px in a 1,384 px column at 1920×1080), cutting off options, partners and axes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import assert_no_exception, wait_idle
from tests.conftest import APP_PAGES

SIZES = ((1920, 1080), (1366, 768))
#: url path of each page in the navigation (the file name, "" for Home), read from app.py via tests/conftest.py
PATHS = ["" if p.endswith("home.py") else p.removeprefix("pages/").removesuffix(".py") for p in APP_PAGES]

MEASURE = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).map((box) => {
  const frame = box.getBoundingClientRect();
  const svg = box.querySelector('.main-svg');
  const texts = svg ? Array.from(box.querySelectorAll('.main-svg text')).filter((t) => t.textContent.trim()) : [];
  const outside = texts.map((t) => ({text: t.textContent, r: t.getBoundingClientRect()}))
    .filter((t) => t.r.width > 0 && (t.r.left < frame.left - 2 || t.r.right > frame.right + 2))
    .map((t) => t.text);
  return {box: Math.round(frame.width), svg: svg ? Number(svg.getAttribute('width')) : -1,
          title: (box.querySelector('.gtitle') || {textContent: ''}).textContent, outside: outside,
          texts: texts.map((t) => t.textContent)};
})"""

ZERO_ARROWS = """() => Array.from(document.querySelectorAll('[data-testid="stMetricDelta"]')).filter((d) => {
  const text = d.innerText.trim();
  const zero = /^[+\\-−]?£?0(\\.0+)?(%|k|m)?(\\s|$)/.test(text);
  return zero && d.querySelector('svg');
}).map((d) => d.innerText)"""


#: Visible text of the page that is not a chart's: "£-" anywhere, and a bare "None"/"nan"/"NaN"/"<NA>" in a cell of
#: an HTML table (st.table), a metric, a caption, or the grid's accessible copy of its cells. That copy (a hidden
#: <table role="grid">) holds each cell's data, not what the canvas draws: text columns as shown, numbers raw and
#: an empty number as "", so the grid's own "None" and "£-" drawing are checked in tests/app/test_table_cells.py.
WRONG_TEXT = r"""() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = [];
  const text = main.innerText;
  let at = text.indexOf('£-');
  if (at >= 0) out.push('£- in: ' + text.slice(Math.max(0, at - 40), at + 20));
  const cells = main.querySelectorAll('td, th, [role="gridcell"], [data-testid="stMetricValue"], '
    + '[data-testid="stMetricDelta"], [data-testid="stCaptionContainer"]');
  for (const c of cells) {
    const t = (c.textContent || '').trim();
    if (/^(None|nan|NaN|NaT|<NA>)$/.test(t) || /(^|[\s(])(nan|NaN)([\s),.]|$)/.test(t)) out.push(t.slice(0, 80));
  }
  return out;
}"""

SNAPSHOT = """() => {
  const state = (document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state') || '');
  const busy = state === 'initial' || (/running/i.test(state) && !/^not/i.test(state));
  return [document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg').length,
          document.querySelector('[data-testid="stMain"]').innerText.length, busy, state];
}"""


def settle(page: Page, quiet_s: int = 3, limit_s: int = 240) -> None:
    """Wait until the page has stopped changing for ``quiet_s`` seconds (its script run and charts are done)."""
    wait_idle(page, limit_s * 1000)
    last, quiet = None, 0
    for _ in range(limit_s):
        now = page.evaluate(SNAPSHOT)
        quiet = quiet + 1 if now == last and not now[2] else 0
        if quiet >= quiet_s:
            return
        last = now
        page.wait_for_timeout(1000)


def show_tabs_and_measure(page: Page) -> tuple[list[dict], list[str]]:
    """Every chart, each measured while visible (the charts of each tab after clicking it), and the misshown
    money or empty values in the text of the page and of each tab (:data:`WRONG_TEXT`)."""
    seen = [c for c in page.evaluate(MEASURE) if c["box"] > 0]
    wrong = list(page.evaluate(WRONG_TEXT))
    tabs = page.locator('[data-baseweb="tab"]')
    for k in range(tabs.count()):
        tabs.nth(k).click()
        page.wait_for_timeout(700)  # Plotly redraws a chart once its tab shows it
        seen += [c for c in page.evaluate(MEASURE) if c["box"] > 0 and c not in seen]
        wrong += [t for t in page.evaluate(WRONG_TEXT) if t not in wrong]
    return seen, wrong


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_chart_fits_in_presentation_mode(browser: Browser, app_url: str, width: int, height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    problems: list[str] = []
    seen_charts = 0
    counts: dict[str, int] = {}
    try:
        for path in PATHS:
            page.goto(f"{app_url}/{path}?present=1")
            page.wait_for_selector('[data-testid="stMain"] h1', timeout=180_000)  # the page itself has drawn
            settle(page)
            assert_no_exception(page)
            charts, wrong = show_tabs_and_measure(page)
            seen_charts += len(charts)
            counts[path] = len(charts)
            for c in charts:
                if c["svg"] > c["box"] + 1:
                    problems.append(f"/{path}: '{c['title']}' drawn {c['svg']} px wide in a {c['box']} px column")
                if c["outside"]:
                    problems.append(f"/{path}: '{c['title']}' text outside the chart: {c['outside'][:5]}")
                bad = [t for t in c["texts"] if "£-" in t or t.strip() in ("None", "nan", "NaN", "<NA>")]
                if bad:
                    problems.append(f"/{path}: '{c['title']}' shows {bad[:5]}")
            if path == "finance":
                text = " ".join(t for c in charts for t in c["texts"])
                for partner in ("ICB", "Council"):  # the demo area's partners, named on the charts
                    if partner not in text:
                        problems.append(f"/finance: partner {partner} missing from the charts")
            arrows = page.evaluate(ZERO_ARROWS)
            if arrows:
                problems.append(f"/{path}: an arrow on a zero change: {arrows}")
            if wrong:
                problems.append(f"/{path}: money or an empty value misshown: {wrong[:5]}")
    finally:
        context.close()
    assert seen_charts >= 10, counts  # every page's charts were measured
    assert not problems, "\n".join(problems)
