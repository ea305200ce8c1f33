"""Unit: exports open cleanly and read well: formula-safe, typed, formatted; the board-ready workbook."""

from __future__ import annotations

import io
import time
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from models import pipeline
from models.core.labels import readable
from models.core.xlsx import to_csv_bytes, to_excel_bytes
from models.report import board as export
from models.report import render
from models.report.board import board_workbook
from models.scenario import evolve
from tests.browser.conftest import chromium_path


def test_excel_with_blank_column_and_empty_frame() -> None:
    frames = {
        "schemes": pd.DataFrame({"scheme": ["=cmd|' /C calc'!A0", "ok"], "cost": [np.nan, np.nan]}),
        "empty": pd.DataFrame({"a": []}),
    }
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frames, notes="about")))
    assert book.sheetnames == ["About", "schemes", "empty"]
    cell = book["schemes"]["A2"]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"  # text, not a formula; nothing added
    assert cell.quotePrefix  # Excel keeps it text even when edited
    assert book["schemes"]["B2"].value is None


def test_csv_dates_as_iso_text() -> None:
    df = pd.DataFrame({"month": pd.to_datetime(["2025-04-01"]), "value": [1.5]})
    assert to_csv_bytes(df).decode("utf-8-sig").splitlines() == ["month,value", "2025-04-01,1.5"]


def test_csv_neutralises_formula_text() -> None:
    df = pd.DataFrame({"scheme": ["@SUM(A1)", "+27 beds", "fine"]})
    lines = to_csv_bytes(df).decode("utf-8-sig").splitlines()
    assert lines[1:] == ["'@SUM(A1)", "'+27 beds", "fine"]


@pytest.mark.parametrize(
    ("raw", "nice"),
    [
        ("baseline_p10", "Baseline, P10"),
        ("budget_gbp", "Budget (£)"),
        ("p025", "P2.5"),
        ("rate_p975", "Rate, P97.5"),
        ("fy", "Financial year"),
        ("population_65plus", "Population 65+"),
        ("Already readable", "Already readable"),
    ],
)
def test_readable_headers(raw: str, nice: str) -> None:
    assert readable(raw) == nice


def test_table_sheets_are_typed_and_formatted() -> None:
    df = pd.DataFrame(
        {
            "month": pd.date_range("2025-04-01", periods=3, freq="MS"),
            "budget_gbp": [1_000_000.123456, 2.5e6, np.nan],
            "p_break_even": [0.8123456, 0.5, 1.0],
            "admissions": [1749.3537961, 1800.0, 1900.25],
            "year": [2025, 2026, 2027],
        }
    )
    ws = openpyxl.load_workbook(io.BytesIO(to_excel_bytes({"t": df})))["t"]
    assert [c.value for c in ws[1]] == ["Month", "Budget (£)", "Chance of breaking even", "Admissions", "Year"]
    a2, b2, c2, d2, e2 = ws[2]
    assert isinstance(a2.value, datetime) and a2.number_format == "mmm yyyy"
    assert b2.value == pytest.approx(1_000_000.12) and b2.number_format.startswith("£#,##0")
    assert c2.value == pytest.approx(0.8123) and c2.number_format == "0.0%"
    assert d2.number_format == "#,##0" and e2.number_format == "0"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= len("Chance of breaking even") / 2


def test_board_workbook_for_a_comparison(demo_area, base_scenario) -> None:
    named = evolve(base_scenario, name='=HYPERLINK("http://x")', n_draws=200)
    other = evolve(named, name="+27 beds", flow={"escalation_beds": 27})
    stages = pipeline.memo_stages()
    r1 = pipeline.run(named, demo_area, stages)
    r2 = pipeline.run(other, demo_area, stages)
    headline = pd.DataFrame({"figure": ["Emergency admissions"], "first_gbp": [1.0]})
    raw = board_workbook(
        [r1, r2],
        demo_area,
        labels=[named.name, other.name],
        headline=headline,
        created=datetime(2026, 12, 1, 9, 30),
        charts=False,
    )
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book.sheetnames[:3] == ["Cover", "Headline", "Levers"]
    assert {"Annual projections", "Placements 65+", "Scheme results", "Provenance", "Assumptions"} <= set(
        book.sheetnames
    )
    cover = {r[0]: r[1] for r in book["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Area"] == demo_area.meta.name
    assert cover["Created"] == datetime(2026, 12, 1)
    assert book["Cover"]["B6"].number_format == "d mmm yyyy"
    assert cover["Random seed"] == base_scenario.seed and cover["Monte Carlo draws"] == 200
    assert "Illustrative" in cover["Data"] and "Illustrative data" in cover
    assert cover["Scenarios"] == f"{named.name}; {other.name}"  # user text kept exactly, as text
    levers = book["Levers"]
    header_row = [c.value for c in levers[3]]
    assert header_row == ["Lever", named.name, "+27 beds"]
    assert levers.cell(3, 2).data_type == "s" and levers.cell(3, 2).quotePrefix
    annual = book["Annual projections"]
    heads = [c.value for c in annual[1]]
    assert heads[:4] == ["Scenario", "Measure", "Series", "Financial year"]
    row2 = [c for c in annual[2]]
    assert isinstance(row2[4].value, float) and row2[4].number_format == "#,##0"
    schemes = book["Scheme results"]
    budget_col = [c.value for c in schemes[1]].index("Budget (£)")
    assert schemes.cell(2, budget_col + 1).number_format.startswith("£")
    assumptions = book["Assumptions"]
    assert [c.value for c in assumptions[3]] == ["Group", "Assumption", "Value", "Unit", "Source"]
    assert any(isinstance(c.value, int | float) for c in assumptions["C"][3:])
    assert annual.freeze_panes == "A2" and assumptions.freeze_panes == "A4"


# --- charts as PNG -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stages():
    return pipeline.memo_stages()  # fitted once for the module: the pack's finance and tornado reuse the fits


@pytest.fixture(scope="module")
def small_runs(demo_area, base_scenario, stages):
    first = evolve(base_scenario, n_draws=200)
    other = evolve(first, name="+27 beds", flow={"escalation_beds": 27})
    return pipeline.run(first, demo_area, stages), pipeline.run(other, demo_area, stages)


def _cover(book: openpyxl.Workbook) -> dict:
    """The cover's items above its contents (which list the sheets by name)."""
    out = {}
    for r in book["Cover"].iter_rows(values_only=True):
        if r[0] == "Contents":
            break
        if r[0]:
            out[r[0]] = r[1]
    return out


def _pngs(ws) -> list[bytes]:  # noqa: ANN001 - an openpyxl worksheet
    return [img._data() for img in ws._images]


def test_scenario_workbook_is_the_board_pack_with_its_charts_as_png(small_runs, demo_area, stages, monkeypatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", chromium_path())
    raw = board_workbook([small_runs[0]], demo_area, stages=stages)
    book = openpyxl.load_workbook(io.BytesIO(raw))
    charts = book["Charts"]
    pngs = _pngs(charts)
    # admissions fan, placements fan, schemes' effect, winter occupancy, and each partner's tornado
    assert len(pngs) == 6, _cover(book).get("Charts")
    for png in pngs:
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and render.png_size(png)[0] >= 1200 and len(png) > 20_000
    titles = [c.value for c in charts["A"] if c.value]
    assert "Emergency admissions (NEA) a month" in titles and "Care-home placements 65+ a year" in titles
    assert "What moves ICB's position (tornado)" in titles and "What moves Council's position (tornado)" in titles
    assert _cover(book)["Charts"].startswith("6 charts on the Charts sheet")
    assert book.sheetnames.index("Charts") > book.sheetnames.index("Risk share")


def test_comparison_workbook_has_the_compare_pages_charts(small_runs, demo_area, monkeypatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", chromium_path())
    raw = board_workbook(list(small_runs), demo_area, labels=["Baseline", "+27 beds"])
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert len(_pngs(book["Charts"])) == 3  # admissions overlay, placements overlay, differences to the first
    titles = [c.value for c in book["Charts"]["A"] if c.value]
    assert "Differences to the first scenario" in titles


def _assert_plain_note(raw: bytes, reason: str) -> None:
    book = openpyxl.load_workbook(io.BytesIO(raw))
    line = _cover(book)["Charts"]
    assert line.startswith("Not included: ") and reason in line, line
    assert "Traceback" not in line and "Error" not in line
    assert book["Charts"]._images == []
    assert any(reason in str(c.value) for row in book["Charts"].iter_rows() for c in row)  # the Charts sheet too
    assert {"Results by year", "Winter", "Risk share", "Assumptions"} <= set(book.sheetnames)


def test_workbook_without_a_browser_says_charts_are_not_included(small_runs, demo_area, stages, monkeypatch) -> None:
    monkeypatch.setattr(render, "browser_path", lambda: None)
    _assert_plain_note(board_workbook([small_runs[0]], demo_area, stages=stages), "no Chromium browser was found")


def test_workbook_when_the_browser_fails_or_hangs(small_runs, demo_area, stages, monkeypatch) -> None:
    import asyncio

    import kaleido

    class Broken:
        def __init__(self, **_: object) -> None:
            raise RuntimeError("boom")

    monkeypatch.setattr(render, "browser_path", lambda: "/usr/bin/true")
    monkeypatch.setattr(kaleido, "Kaleido", Broken)
    _assert_plain_note(board_workbook([small_runs[0]], demo_area, stages=stages), "drawing them failed unexpectedly")

    class Hangs:
        def __init__(self, **_: object) -> None:
            pass

        async def __aenter__(self) -> Hangs:
            return self

        async def __aexit__(self, *_: object) -> None:
            return None

        async def calc_fig(self, *_: object, **__: object) -> bytes:
            await asyncio.sleep(60)
            return b""

    monkeypatch.setattr(kaleido, "Kaleido", Hangs)
    t0 = time.monotonic()
    raw = board_workbook([small_runs[0]], demo_area, chart_timeout=1.0, stages=stages)
    assert time.monotonic() - t0 < 10  # bounded: never waits for a stuck browser
    _assert_plain_note(raw, "took too long")


def test_charts_can_be_left_out_or_given(small_runs, demo_area, stages) -> None:
    book = openpyxl.load_workbook(io.BytesIO(board_workbook([small_runs[0]], demo_area, charts=False, stages=stages)))
    assert "Charts" not in book.sheetnames and _cover(book)["Charts"].startswith("Not included")


def test_board_workbook_reads_as_words_and_uk_dates(small_runs, demo_area, stages) -> None:
    book = openpyxl.load_workbook(io.BytesIO(board_workbook([small_runs[0]], demo_area, charts=False, stages=stages)))
    levers = {r[0]: r[1] for r in book["Levers"].iter_rows(min_row=4, values_only=True)}
    assert levers["Flow: escalation open"] == "1 Dec" and levers["Flow: escalation close"] == "31 Mar"
    assert export.day_month("02-29") == "29 Feb" and export.day_month("13-01") == "13-01"
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.font is not None and cell.font.b and isinstance(cell.value, str):  # titles and headers
                    assert "_" not in cell.value and not cell.value[:1].islower(), (ws.title, cell.value)
    winter = book["Winter"]
    rows = {r[0]: r for r in winter.iter_rows(values_only=True) if r[0]}
    heads = [r for r in winter.iter_rows(values_only=True) if r[0] == "Measure"][0]
    assert "Kpi" not in heads and "Share of winter days" in heads
    share = rows["Share of inpatients staying 21+ days (%)"]
    assert 1 < share[1] < 30
    row = next(c.row for c in winter["A"] if c.value == "Share of inpatients staying 21+ days (%)")
    assert winter.cell(row, 2).number_format == "#,##0.0"  # a % value, one decimal
    schemes = book["Schemes"]
    what = [r[4] for r in schemes.iter_rows(min_row=4, values_only=True) if r[0]]
    assert what and not any("_" in str(m) for m in what)


def test_placements_fan_puts_financial_years_in_time_order() -> None:
    """A category axis follows the traces' order unless told: the projection's bands came first,
    so 2025-26 was drawn before the recorded 2016-17 (and the bands showed markers)."""
    import pandas as pd

    from models.charts.demand import fan_chart

    hist = pd.DataFrame({"fy": ["2022-23", "2023-24", "2024-25"], "observed": [150.0, 148.0, 146.0]})
    proj = pd.DataFrame(
        {
            "fy": ["2025-26", "2026-27"],
            "mean": [145.0, 144.0],
            "p025": [120.0, 118.0],
            "p10": [130.0, 128.0],
            "p90": [160.0, 161.0],
            "p975": [170.0, 172.0],
        }
    )
    fig = fan_chart(hist, proj, None, "t", "y", x_col="fy", ambition=146.0)
    assert list(fig.layout.xaxis.categoryarray) == ["2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
    assert fig.layout.xaxis.categoryorder == "array"
    assert all(tr.mode == "lines" for tr in fig.data if tr.fill == "toself")
    assert fig.layout.shapes[0].y0 == 146.0
