"""Safe exports: CSV and Excel bytes with spreadsheet formula injection neutralised.

A text cell that begins with ``= + - @`` (or a tab or carriage return) could be
run as a formula when the file is opened in Excel (OWASP "CSV injection").
Such cells are prefixed with an apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would treat as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot start a formula."""
    out = df.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    return out


def _datelike_to_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM so Excel reads £ and – correctly), formula-safe."""
    return neutralise(_datelike_to_text(df)).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def to_excel_bytes(sheets: Mapping[str, pd.DataFrame], notes: str = "") -> bytes:
    """An .xlsx workbook, one sheet per frame (names cut to Excel's 31 characters), formula-safe.

    XlsxWriter is told not to turn strings into formulas or URLs, and text
    cells are neutralised as well, so the file is safe in any spreadsheet.
    """
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        if notes:
            pd.DataFrame({"note": notes.splitlines()}).to_excel(writer, sheet_name="About", index=False)
        for name, df in sheets.items():
            safe = neutralise(_datelike_to_text(df))
            sheet = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
            safe.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            for i, col in enumerate(safe.columns):
                longest = safe[col].astype(str).str.len().max() if len(safe) else 0
                width = min(60, max(10, len(str(col)) + 2, int(0 if pd.isna(longest) else longest) + 2))
                worksheet.set_column(i, i, width)
    return buffer.getvalue()
