"""Browser: on Risk share and finance, changing the overspend split (typed into the real inputs)
moves each partner's distribution (the violins' P10 / P50 / P90) and the P50 tiles."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_exception, wait_idle

TITLE = "Each partner's net position over the horizon"
QUANTILES = """(title) => {
  for (const d of document.querySelectorAll('.js-plotly-plot')) {
    const t = d.layout && d.layout.title && d.layout.title.text;
    if (t && t.includes(title)) {
      return d.data.filter(tr => tr.type === 'violin').map(tr => ({name: tr.name, q: tr.customdata[0]}));
    }
  }
  return null;
}"""


def _quantiles(page: Page) -> dict[str, list[float]]:
    page.wait_for_function(f"() => ({QUANTILES})({TITLE!r}) !== null", timeout=120_000)
    return {v["name"]: v["q"] for v in page.evaluate(QUANTILES, TITLE)}


def _set(page: Page, label: str, index: int, value: str) -> None:
    box = page.get_by_label(label, exact=True).nth(index)
    box.fill(value)
    box.press("Tab")


def test_changing_the_split_moves_the_distributions(page: Page, app_url: str) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="BCF Scenario Lab", exact=True).first).to_be_visible(timeout=120_000)
    page.goto(f"{app_url}/finance")
    expect(page.get_by_role("heading", name="Risk share and finance", exact=True).first).to_be_visible(
        timeout=180_000
    )
    wait_idle(page, 180_000)
    assert_no_exception(page)
    before = _quantiles(page)
    assert set(before) == {"ICB", "Council"}
    _set(page, "Share of overspend %", 0, "90")
    _set(page, "Share of overspend %", 1, "10")
    page.get_by_role("button", name="Apply the terms").click()
    page.wait_for_function(
        f"() => {{ const q = ({QUANTILES})({TITLE!r}); return q && q[0].q[2] !== {before['ICB'][2]!r}; }}",
        timeout=120_000,
    )
    wait_idle(page, 120_000)
    assert_no_exception(page)
    after = _quantiles(page)
    assert after["ICB"][2] > before["ICB"][2]  # P90: the ICB now carries 90% of a pooled overspend
    assert after["Council"][2] < before["Council"][2]
    expect(page.get_by_text("Not applied", exact=False)).to_have_count(0)
