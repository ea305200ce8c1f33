"""Unit: exports open cleanly and read well: formula-safe, typed, formatted; the board-ready workbook."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from models import engine
from models.export import board_workbook, readable, to_csv_bytes, to_excel_bytes
from models.scenario import evolve


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
    named = evolve(base_scenario, name="=HYPERLINK(\"http://x\")", n_draws=200)
    other = evolve(named, name="+27 beds", flow={"escalation_beds": 27})
    r1 = engine.run(named, demo_area)
    r2 = engine.run(other, demo_area, fits=r1.fits)
    headline = pd.DataFrame({"figure": ["Emergency admissions"], "first_gbp": [1.0]})
    raw = board_workbook([r1, r2], demo_area, labels=[named.name, other.name], headline=headline,
                         created=datetime(2026, 12, 1, 9, 30))
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
