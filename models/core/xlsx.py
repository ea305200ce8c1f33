"""Safe, readable tables for people: CSV bytes and Excel workbooks, written by one workbook writer (``Book``).

Imports no model, so the data templates (models/inputs) and the reports (models/report) both build on it.

Formula injection (OWASP "CSV injection"): a text cell that begins with ``= + - @`` (or a tab or carriage return)
could run as a formula when opened in a spreadsheet. CSV has no cell types, so such cells are prefixed with an
apostrophe; Excel workbooks keep the text exactly and write it as a text cell with Excel's hidden quote prefix,
and XlsxWriter is told never to turn strings into formulas or links. Numbers stay numbers with £ / % / thousands
formats, dates stay dates, header rows are frozen and columns fit their content.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from models.core.labels import readable

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would treat as a formula (for CSV)."""
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


GBP = "£#,##0;[Red]-£#,##0"


GBP_PENCE = "£#,##0.00;[Red]-£#,##0.00"


PCT_FRACTION = "0.0%"


PCT_POINTS = '0.0"%"'


THOUSANDS = "#,##0"


ONE_DP = "#,##0.0"


TWO_DP = "#,##0.00"


DATE = "d mmm yyyy"


MONTH = "mmm yyyy"


YEAR = "0"


def number_format(column: object, values: pd.Series) -> str | None:
    """The Excel number format for a column, from its name and values (None for text)."""
    name = str(column).lower()
    if pd.api.types.is_datetime64_any_dtype(values):
        s = values.dropna()
        month_starts = len(s) > 0 and bool((s.dt.day == 1).all()) and ("month" in name or len(s) > 2)
        return MONTH if month_starts else DATE
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    finite = pd.to_numeric(values, errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
    if name in ("year", "base_year") or name.endswith("_year") and "years" not in name:
        return YEAR
    if "gbp" in name or "cost" in name or "£" in name or "budget" in name or "savings" in name:
        small = len(finite) and finite.abs().max() < 100
        return GBP_PENCE if small else GBP
    if name.startswith("p_") or "share" in name or "probability" in name or name.endswith("_prob"):
        return PCT_FRACTION
    if "pct" in name or "%" in name or "occupancy" in name and len(finite) and finite.abs().max() > 1.5:
        return PCT_POINTS
    if "occupancy" in name:
        return PCT_FRACTION
    if pd.api.types.is_integer_dtype(values) or (len(finite) and bool((finite == finite.round()).all())):
        return THOUSANDS
    if not len(finite):
        return THOUSANDS
    typical = float(finite.abs().median())
    if typical >= 100:
        return THOUSANDS
    if typical >= 1:
        return ONE_DP
    return TWO_DP if typical >= 0.01 else "0.0000"


def _display_width(value: Any, fmt: str | None) -> int:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return 0
    if fmt in (DATE,):
        return 11
    if fmt in (MONTH,):
        return 8
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        v = float(value)
        decimals = {ONE_DP: 1, TWO_DP: 2, GBP_PENCE: 2, PCT_FRACTION: 1, PCT_POINTS: 1, "0.0000": 4}.get(fmt or "", 0)
        if fmt == PCT_FRACTION:
            v *= 100
        return len(f"{v:,.{decimals}f}") + (1 if fmt in (GBP, GBP_PENCE, PCT_FRACTION, PCT_POINTS) else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _rounded(value: float, fmt: str | None) -> float:
    """Keep a little more precision than shown (no 15-place floats in a board paper)."""
    if fmt in (PCT_FRACTION, "0.0000") or abs(value) < 1:
        return round(value, 4)
    return round(value, 2)


class Book:
    """An XlsxWriter workbook with the formats and safe writing used by every export."""

    def __init__(self) -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(
            self.buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": False}
        )
        self._formats: dict[tuple, Any] = {}
        self.names: list[str] = []

    def fmt(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, name: str) -> Any:
        clean = "".join(ch for ch in str(name) if ch not in "[]:*?/\\")[:31].strip("'") or "Sheet"
        base, n = clean, 2
        while clean.lower() in (s.lower() for s in self.names):
            suffix = f" ({n})"
            clean, n = base[: 31 - len(suffix)] + suffix, n + 1
        self.names.append(clean)
        return self.wb.add_worksheet(clean)

    def text(self, ws: Any, row: int, col: int, value: str, **props: Any) -> None:
        """Write text as text: a leading = + - @ gets Excel's hidden quote prefix (never a formula)."""
        value = str(value)
        if value.startswith(_TRIGGERS):
            props = {**props, "quote_prefix": True}
        ws.write_string(row, col, value, self.fmt(**props) if props else None)

    def value(
        self, ws: Any, row: int, col: int, value: Any, num_format: str | None = None, *, exact: bool = False, **props: Any
    ) -> None:
        """Write one cell: blank for a missing value, numbers as numbers (rounded a little beyond what ``num_format``
        shows unless ``exact``), dates as dates, anything else as text (:meth:`text`)."""
        if value is None or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_blank(row, col, None, self.fmt(**props) if props else None)
            return
        try:
            if pd.isna(value):
                ws.write_blank(row, col, None, self.fmt(**props) if props else None)
                return
        except (TypeError, ValueError):
            pass
        if isinstance(value, bool | np.bool_):
            ws.write_boolean(row, col, bool(value), self.fmt(**props) if props else None)
        elif isinstance(value, pd.Timestamp | datetime | date | np.datetime64):
            ts = pd.Timestamp(value)
            if ts.tzinfo is not None:
                ts = ts.tz_convert("UTC").tz_localize(None)
            ws.write_datetime(row, col, ts.to_pydatetime(), self.fmt(num_format=num_format or DATE, **props))
        elif isinstance(value, int | float | np.integer | np.floating):
            value = float(value) if exact else _rounded(float(value), num_format)
            f = self.fmt(num_format=num_format, **props) if num_format else (self.fmt(**props) if props else None)
            ws.write_number(row, col, float(value), f)
        else:
            self.text(ws, row, col, value, **props)

    def table(
        self,
        name: str,
        df: pd.DataFrame,
        *,
        headers: Mapping[str, str] | None = None,
        formats: Mapping[str, str] | None = None,
        title: str = "",
        exact: bool = False,
    ) -> Any:
        """One sheet holding ``df``: bold wrapped headers (frozen), typed and formatted cells, fitted widths.

        ``exact`` writes numbers as they are (default: rounded a little beyond what their format shows).
        """
        ws = self.sheet(name)
        headers = headers or {}
        formats = formats or {}
        top = 0
        if title:
            self.text(ws, 0, 0, title, bold=True, font_size=12)
            top = 2
        head = self.fmt(bold=True, text_wrap=True, valign="top", bg_color="#DDEBF7", border=1)
        cols = list(df.columns)
        fmts = [formats.get(str(c), number_format(c, df[c])) for c in cols]
        for j, c in enumerate(cols):
            label = headers.get(str(c)) or readable(c)
            self.text(ws, top, j, label, bold=True, text_wrap=True, valign="top", bg_color="#DDEBF7", border=1)
        del head
        widths = [min(40, max(8, len(headers.get(str(c)) or readable(c)) + 2)) for c in cols]
        records = df.itertuples(index=False, name=None)
        for i, row in enumerate(records, start=top + 1):
            for j, v in enumerate(row):
                self.value(ws, i, j, v, fmts[j], exact=exact)
                if i < top + 2000:
                    widths[j] = max(widths[j], min(60, _display_width(v, fmts[j]) + 2))
        for j, w in enumerate(widths):
            ws.set_column(j, j, w, self.fmt(text_wrap=True, valign="top") if w >= 60 else None)
        longest = max((len(headers.get(str(c)) or readable(c)) / max(widths[j] - 1, 1) for j, c in enumerate(cols)), default=1)
        if longest > 1:
            ws.set_row(top, 15 * math.ceil(longest))
        ws.freeze_panes(top + 1, 0)
        if cols and len(df):
            ws.autofilter(top, 0, top + len(df), len(cols) - 1)
        return ws

    def key_values(self, name: str, rows: Sequence[tuple[str, Any]], title: str = "", widths: tuple[int, int] = (28, 90)) -> Any:
        """A two-column sheet of labels and values (the cover, provenance)."""
        ws = self.sheet(name)
        r = 0
        if title:
            self.text(ws, 0, 0, title, bold=True, font_size=16)
            r = 2
        wrap = {"text_wrap": True, "valign": "top"}
        for label, value in rows:
            self.text(ws, r, 0, label, bold=True, valign="top")
            if isinstance(value, date | datetime | pd.Timestamp):
                self.value(ws, r, 1, value, DATE, align="left")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                self.value(ws, r, 1, value, YEAR if label.lower().endswith("seed") else THOUSANDS, align="left")
            else:
                self.value(ws, r, 1, "" if value is None else str(value), **wrap)
                lines = sum(max(1, math.ceil(len(p) / (widths[1] * 1.1))) for p in str(value).split("\n"))
                if lines > 1:
                    ws.set_row(r, 15 * lines)
            r += 1
        ws.set_column(0, 0, widths[0])
        ws.set_column(1, 1, widths[1])
        return ws

    def image(self, name: str, pngs: Mapping[str, bytes], intro: str = "", width_px: int = 960) -> Any:
        """A sheet of PNG charts, one below the other, each under its title, shown ``width_px`` wide."""
        ws = self.sheet(name)
        r = 0
        if intro:
            self.text(ws, 0, 0, intro, italic=True)
            r = 2
        for title, png in pngs.items():
            self.text(ws, r, 0, title, bold=True, font_size=12)
            w, h = png_size(png)
            scale = min(1.0, width_px / w) if w else 1.0
            ws.insert_image(
                r + 1, 0, f"{title}.png", {"image_data": io.BytesIO(png), "x_scale": scale, "y_scale": scale}
            )
            r += 3 + math.ceil(h * scale / 20)  # default rows are 20 px high
        ws.set_column(0, 0, 12)
        return ws

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()


def to_excel_bytes(sheets: Mapping[str, pd.DataFrame], notes: str = "") -> bytes:
    """An .xlsx workbook, one sheet per frame (names cut to Excel's 31 characters), formula-safe and formatted.

    ``notes`` (lines of text) go first, on an "About" sheet. Headers are made readable
    (``baseline_p10`` → "Baseline, P10"), numbers keep number formats, dates are dates.
    """
    book = Book()
    if notes:
        book.table("About", pd.DataFrame({"note": notes.splitlines()}), headers={"note": "About this file"})
    for name, df in sheets.items():
        book.table(name, df)
    return book.close()


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header ((0, 0) if it is not a PNG)."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    return struct.unpack(">II", png[16:24])
