"""Browser: on Discharge and winter beds, escalation beds (the real slider, by keyboard) lower ED boarding.

Beds bind in the flow model, so extra escalation beds score on patients waiting in ED; the KPI
and the occupancy chart are redrawn against the current funding trend.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

BOARDING = "Waits for a bed over 12 hours"
READ_METRIC = """(label) => {
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    const l = m.querySelector('[data-testid="stMetricLabel"]');
    if (l && l.innerText.trim() === label) {
      const v = m.querySelector('[data-testid="stMetricValue"]');
      const d = m.querySelector('[data-testid="stMetricDelta"]');
      return {value: v ? v.innerText.trim() : null, delta: d ? d.innerText.trim() : null};
    }
  }
  return null;
}"""
FIGURE_TRACES = """(title) => {
  for (const d of document.querySelectorAll('.js-plotly-plot')) {
    const t = d.layout && d.layout.title && d.layout.title.text;
    if (t && t.includes(title)) return d._fullData.map(tr => tr.name);
  }
  return null;
}"""


def _metric(page: Page, label: str) -> dict:
    found = page.evaluate(READ_METRIC, label)
    assert found is not None, f"metric {label!r} not found"
    return found


def _traces(page: Page) -> list[str]:
    """Trace names of the occupancy chart (waits until Plotly has drawn it)."""
    title = "Acute bed occupancy"
    page.wait_for_function(f"() => ({FIGURE_TRACES})({title!r}) !== null", timeout=60_000)
    return page.evaluate(FIGURE_TRACES, title)


def _count(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


def test_escalation_beds_lower_ed_boarding(page: Page, app_url: str) -> None:
    # the frame first: on a fresh server a direct page URL is served without app.py until st.navigation ran once
    page.goto(app_url)
    expect(page.get_by_role("heading", name="BCF Scenario Lab", exact=True).first).to_be_visible(timeout=120_000)
    page.goto(f"{app_url}/winter")
    expect(page.get_by_role("heading", name="Discharge and winter beds", exact=True).first).to_be_visible(
        timeout=120_000
    )  # the first winter compiles the flow kernel
    wait_idle(page, 120_000)
    page.wait_for_function(f"() => ({READ_METRIC})({BOARDING!r}) !== null", timeout=120_000)
    before = _metric(page, BOARDING)
    assert before["delta"] is None  # the default scenario is the current funding trend
    assert "Current funding trend (mean)" not in _traces(page)

    thumb = page.locator('input[type=range][aria-label="Escalation beds"]')
    thumb.focus()
    thumb.press("End")  # one change, one rerun: the slider's maximum, 100 beds (each arrow key would rerun)
    page.wait_for_function(
        f"(v) => {{ const m = ({READ_METRIC})({BOARDING!r}); return m && m.value !== v && m.delta; }}",
        arg=before["value"],
        timeout=90_000,
    )
    wait_idle(page, 90_000)
    after = _metric(page, BOARDING)
    assert _count(after["value"]) < _count(before["value"]), (before, after)
    assert after["delta"].endswith("vs current funding"), after
    assert "Current funding trend (mean)" in _traces(page)  # the reference line
    # the page draws as it runs: the bed figures come after the simulation that sizes the beds
    page.wait_for_function(
        f"() => {{ const m = ({READ_METRIC})('Beds in the scenario'); return m && m.value.endsWith('+ 100'); }}",
        timeout=90_000,
    )
    expect(page.locator('input[type=range][aria-label="Escalation beds"]')).to_have_value("100")
    assert_no_exception(page)


METRIC_CUT_JS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetricValue"],'
      + ' [data-testid="stMain"] [data-testid="stMetricLabel"]')) {
    for (const e of [el, ...el.querySelectorAll('*')]) {
      const style = getComputedStyle(e);
      if (e.scrollWidth > e.clientWidth + 1 && (style.overflowX !== 'visible' || style.textOverflow === 'ellipsis')) {
        bad.push(`${el.getAttribute('data-testid')}: "${(el.innerText || '').slice(0, 40)}"`);
        break;
      }
    }
  }
  return bad;
}"""


def test_tiles_never_cut_a_number_or_label(page: Page, app_url: str) -> None:
    """Five tiles a row on a laptop screen: values like "11.1% / 5.6%" wrap rather than end in "…"."""
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in ("winter", ""):
        page.goto(f"{app_url}/{path}")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
        wait_idle(page, 120_000)
        assert page.evaluate(METRIC_CUT_JS) == [], path
