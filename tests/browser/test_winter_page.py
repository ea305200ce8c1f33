"""Browser: on Discharge and winter beds, adding escalation beds changes the occupancy chart."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

# Plotly ships numpy arrays base64-encoded; _fullData holds them decoded.
FIGURE_JS = """(title) => {
  for (const d of document.querySelectorAll('.js-plotly-plot')) {
    const t = d.layout && d.layout.title && d.layout.title.text;
    if (t && t.includes(title)) return d._fullData.map(tr => ({name: tr.name, y: Array.from(tr.y || [])}));
  }
  return null;
}"""


def occupancy_mean(page: Page) -> list[float]:
    data = page.evaluate(FIGURE_JS, "Acute bed occupancy")
    assert data is not None, "occupancy chart not found"
    return next(tr["y"] for tr in data if tr["name"] == "Mean occupancy")


def test_escalation_beds_change_the_occupancy_chart(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/winter")
    wait_idle(page, 90_000)
    expect(page.get_by_role("heading", name="Discharge and winter beds", exact=True).first).to_be_visible()
    page.wait_for_selector(".js-plotly-plot")
    before = occupancy_mean(page)
    slider = page.get_by_role("group", name="Escalation beds").locator("input[type=range]")
    slider.focus()
    for _ in range(20):
        slider.press("ArrowRight")
    expect(slider).to_have_value("20")
    page.wait_for_function(
        "(args) => { const f = (" + FIGURE_JS + ")(args[0]); if (!f) return false;"
        " const y = f.find(t => t.name === 'Mean occupancy').y; return y.join() !== args[1]; }",
        arg=["Acute bed occupancy", ",".join(str(v) for v in before)],
        timeout=60_000,
    )
    after = occupancy_mean(page)
    # escalation opens 1 December (week 9): occupancy as a share of funded beds falls from then on
    assert len(after) == len(before)
    assert after[0] == before[0]
    assert sum(after[10:20]) < sum(before[10:20])
    assert_no_exception(page)
