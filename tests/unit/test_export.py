"""Unit: Excel/CSV exports open cleanly: formula-safe, blank columns and empty frames allowed."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd

from models.export import to_csv_bytes, to_excel_bytes


def test_excel_with_blank_column_and_empty_frame() -> None:
    frames = {
        "schemes": pd.DataFrame({"scheme": ["=cmd|' /C calc'!A0", "ok"], "cost": [np.nan, np.nan]}),
        "empty": pd.DataFrame({"a": []}),
    }
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frames, notes="about")))
    assert book.sheetnames == ["About", "schemes", "empty"]
    assert book["schemes"]["A2"].value == "'=cmd|' /C calc'!A0"  # text, not a formula
    assert book["schemes"]["A2"].data_type == "s"


def test_csv_dates_as_iso_text() -> None:
    df = pd.DataFrame({"month": pd.to_datetime(["2025-04-01"]), "value": [1.5]})
    assert to_csv_bytes(df).decode("utf-8-sig").splitlines() == ["month,value", "2025-04-01,1.5"]
