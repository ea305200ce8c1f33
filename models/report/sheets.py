"""Printable sheets for the board pack: sections laid out down a sheet, with the print set-up a board paper needs.

A :class:`PrintSheet` writes titles, paragraphs, tables and pictures one below the other and remembers each
section's rows and heights. :meth:`PrintSheet.finish` then sets the paper (A4), the orientation (landscape when the
sheet is wider than a portrait page), fit to one page wide, the print area, the repeated header row and the manual
page breaks: a section that would not fit on what is left of a page starts a new one, so a table's title stays
with its rows and a chart is never split across pages.

Sizes follow Excel's conventions: a column ``w`` characters wide is ``7w + 5`` pixels, a pixel is 0.75 point, the
default row is 15 points (20 pixels).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from models.core.labels import readable
from models.core.xlsx import Book, number_format, png_size

ROW_PT = 15.0  # Excel's default row height, points
PX_PT = 0.75  # points per pixel
A4_PT = (595.0, 842.0)  # portrait width, height
MARGIN_IN = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75}
HEADER_IN = 0.3  # header and footer distance from the edge
MAX_COL_CHARS = 40.0  # wider text wraps (rows are made tall enough)
#: Text is estimated 25% wider than Excel's width unit: LibreOffice without Calibri (or its metric twin Carlito)
#: draws it in DejaVu Sans, which is wider. Every row gets an explicit height from this estimate, so a printout
#: is laid out the same in Excel and LibreOffice (an automatic row height would grow after the page breaks are set).
TEXT_WIDTH_FACTOR = 1.25
ONE_PAGE_SLACK = 1.3
MIN_SCALE = 0.65  # below this a printed 11 pt font reads smaller than 7 pt  # a sheet up to 1.3 pages long is shrunk onto one page rather than split
HEAD = {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}


def orientation(width_pt: float, height_pt: float) -> bool:
    """Landscape (True) or portrait for a sheet this wide and tall (points), printed one page wide.

    The one with fewer pages, portrait on a tie, never shrinking below :data:`MIN_SCALE` when the other
    orientation does not need to.
    """
    best: tuple[int, int, bool] | None = None
    for landscape in (False, True):
        page_w, page_h = printable_pt(landscape)
        scale = min(1.0, page_w / width_pt) if width_pt else 1.0
        pages = math.ceil(height_pt * scale / page_h)
        key = (int(scale < MIN_SCALE), pages, int(landscape))
        if best is None or key < best:
            best = key
    return bool(best and best[2])


def col_pt(width_chars: float) -> float:
    """A column's width in points from Excel's width in characters (default font)."""
    return (7.0 * width_chars + 5.0) * PX_PT


def printable_pt(landscape: bool) -> tuple[float, float]:
    """The printable width and height (points) of an A4 page with the pack's margins."""
    w, h = A4_PT if not landscape else (A4_PT[1], A4_PT[0])
    return (
        w - 72.0 * (MARGIN_IN["left"] + MARGIN_IN["right"]),
        h - 72.0 * (MARGIN_IN["top"] + MARGIN_IN["bottom"]),
    )


@dataclass
class Section:
    """Rows ``first``..``last`` (0-based, inclusive) that print together when they fit on one page."""

    first: int
    last: int


@dataclass
class PrintSheet:
    """One sheet of the pack, written top to bottom (see the module docstring)."""

    book: Book
    name: str
    title: str
    widths: list[float] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    header_row: int | None = None
    row: int = 0
    force_landscape: bool = False
    breaks_before: list[int] = field(default_factory=list)
    picture_rows: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.ws = self.book.sheet(self.name)
        self.book.text(self.ws, 0, 0, self.title, bold=True, font_size=16)
        self.heights[0] = 24.0
        self.sections.append(Section(0, 0))
        self.row = 2

    # --- column widths ------------------------------------------------------------------------------
    def _widen(self, col: int, chars: float) -> None:
        while len(self.widths) <= col:
            self.widths.append(8.0)
        self.widths[col] = max(self.widths[col], min(chars, MAX_COL_CHARS))

    def _width(self, col: int) -> float:
        return self.widths[col] if col < len(self.widths) else 8.0

    # --- writers ----------------------------------------------------------------------------------------
    def heading(self, text: str) -> int:
        """A section heading (bold); returns its row."""
        r = self.row
        self.book.text(self.ws, r, 0, text, bold=True, font_size=12)
        self.heights[r] = 18.0
        self.row += 1
        return r

    def paragraph(self, text: str, span: int = 6, *, italic: bool = False) -> None:
        """Wrapped text over ``span`` columns (merged), its row tall enough for the lines it needs."""
        r = self.row
        span = max(span, 1)
        width_chars = sum(self._width(c) for c in range(span))
        lines = _lines(text, width_chars)
        fmt = self.book.fmt(text_wrap=True, valign="top", italic=italic)
        if span > 1:
            self.ws.merge_range(r, 0, r, span - 1, "", fmt)
        self.book.text(self.ws, r, 0, text, text_wrap=True, valign="top", italic=italic)
        self.heights[r] = ROW_PT * lines
        self.ws.set_row(r, ROW_PT * lines)
        self.sections.append(Section(r, r))
        self.row += 2

    def pairs(self, rows: Sequence[tuple[str, Any]], value_width: float = 80.0) -> None:
        """Label / value rows (the cover); long values wrap."""
        self._widen(0, 30)
        self._widen(1, value_width)
        for label, value in rows:
            r = self.row
            self.book.text(self.ws, r, 0, label, bold=True, valign="top")
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.book.value(self.ws, r, 1, value, "0" if "seed" in label.lower() else "#,##0", align="left")
            else:
                self.book.value(self.ws, r, 1, value, "d mmm yyyy", text_wrap=True, valign="top", align="left")
            lines = _lines("" if value is None else str(value), value_width)
            self.ws.set_row(r, ROW_PT * lines)
            self.heights[r] = ROW_PT * lines
            self.row += 1
        self.row += 1

    def table(
        self,
        heading: str,
        df: pd.DataFrame,
        *,
        headers: Mapping[str, str] | None = None,
        formats: Mapping[str, str | None] | None = None,
        note: str = "",
        repeat: bool = False,
        row_formats: Sequence[str] | None = None,
        caps: Mapping[str, float] | None = None,
    ) -> int:
        """A titled table: wrapped header row, typed cells (blank when missing), an optional note under it.

        ``repeat`` makes its header row the sheet's repeated print header (one table per sheet that runs over
        pages). ``row_formats`` gives each row its own number format (a table whose rows are different measures),
        used for the columns without a format of their own in ``formats``. ``caps``: the widest a column may grow
        (characters; longer text wraps). The heading, header and the first rows
        are kept on one page. Returns the header's row.
        """
        headers = headers or {}
        formats = formats or {}
        caps = caps or {}
        first = self.heading(heading) if heading else self.row
        top = self.row
        cols = list(df.columns)
        fmts = [formats[c] if c in formats else number_format(c, df[c]) for c in cols]
        labels = [headers.get(str(c)) or readable(c) for c in cols]
        limit = [caps.get(str(c), MAX_COL_CHARS) for c in cols]
        for j, lab in enumerate(labels):
            self.book.text(self.ws, top, j, lab, **HEAD)
            self._widen(j, min(max(8, min(len(lab), 18) + 2), limit[j]))
        for k, rec in enumerate(df.itertuples(index=False, name=None)):
            for j, v in enumerate(rec):
                fmt = row_formats[k] if row_formats is not None and formats.get(cols[j]) is None else fmts[j]
                if isinstance(v, str) or isinstance(v, bool):
                    fmt = None
                self.book.value(self.ws, top + 1 + k, j, v, fmt, valign="top", text_wrap=isinstance(v, str))
                self._widen(j, min(_chars(v, fmt) + 2, limit[j]))
        for i, rec in enumerate([labels, *df.itertuples(index=False, name=None)], start=top):  # every row's height
            lines = max((_lines(v, self._width(j)) for j, v in enumerate(rec) if isinstance(v, str)), default=1)
            self.heights[i] = ROW_PT * lines
            self.ws.set_row(i, ROW_PT * lines)
        last = top + len(df)
        if repeat:
            self.header_row = top
        keep = min(last, top + 5)  # heading, header and a few rows together; a long table flows on
        self.sections.append(Section(first, keep))
        self.row = last + 1
        if note:
            self.paragraph(note, span=max(len(cols), 1), italic=True)
        else:
            self.row += 1
        return top

    def picture(self, title: str, png: bytes, width_pt: float) -> None:
        """A picture ``width_pt`` wide (height to scale) under its title; the two always on one page."""
        first = self.heading(title)
        self.picture_rows.add(first)
        w, h = png_size(png)
        scale = (width_pt / PX_PT) / w if w else 1.0
        self.ws.insert_image(
            self.row,
            0,
            f"{title}.png",
            {"image_data": io.BytesIO(png), "x_scale": scale, "y_scale": scale, "object_position": 3},
        )
        height_pt = h * scale * PX_PT
        n_rows = math.ceil(height_pt / ROW_PT) + 1
        self.sections.append(Section(first, self.row + n_rows - 1))
        self.row += n_rows + 1

    # --- print set-up -------------------------------------------------------------------------------
    def used_width_pt(self) -> float:
        """Total width of the used columns, points."""
        return sum(col_pt(w) for w in self.widths)

    def is_picture(self, s: Section) -> bool:
        """Whether a section holds a picture (never shrunk to squeeze a page)."""
        return s.first in self.picture_rows

    def row_pt(self, r: int) -> float:
        return self.heights.get(r, ROW_PT)

    def finish(self, footer_left: str) -> None:
        """Column widths, then the print set-up and page breaks (see the module docstring)."""
        for j, w in enumerate(self.widths):
            self.ws.set_column(j, j, w)
        last_col = max(len(self.widths) - 1, 0)
        last_row = max(self.row - 1, 0)
        width = self.used_width_pt()
        total = sum(self.row_pt(r) for r in range(last_row + 1))
        landscape = self.force_landscape or orientation(width, total)
        page_w, page_h = printable_pt(landscape)
        scale = min(1.0, page_w / width) if width else 1.0
        ws = self.ws
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(**MARGIN_IN)
        one_page = total * scale <= page_h * ONE_PAGE_SLACK and not any(
            s.last - s.first > 10 for s in self.sections if s.first > 0 and self.is_picture(s)
        )
        ws.fit_to_pages(1, 1 if one_page else 0)
        ws.print_area(0, 0, last_row, last_col)
        ws.hide_gridlines(0)  # show on screen, not on paper
        safe = footer_left.replace("&", "&&")[:80]
        ws.set_header(f"&L&8BCF Scenario Lab board pack&R&8{self.name.replace('&', '&&')}", {"margin": HEADER_IN})
        ws.set_footer(f"&L&8{safe}&R&8Page &P of &N", {"margin": HEADER_IN})
        if self.header_row is not None:
            ws.repeat_rows(self.header_row)
        self.breaks_before = [] if one_page else self.page_breaks(page_h / scale)
        if self.breaks_before:
            ws.set_h_pagebreaks(self.breaks_before)

    def page_breaks(self, page_h: float) -> list[int]:
        """Rows to start a page at, so that each section fits on one page where it can (heights in points)."""
        breaks: list[int] = []
        used = 0.0
        start = 0
        for s in sorted(self.sections, key=lambda s: s.first):
            if s.first < start:
                continue
            before = sum(self.row_pt(r) for r in range(start, s.first))
            block = sum(self.row_pt(r) for r in range(s.first, s.last + 1))
            if used + before + block > page_h and s.first > 0 and block <= page_h:
                breaks.append(s.first)
                used, start = block, s.last + 1
            else:
                used, start = used + before + block, s.last + 1
            while used > page_h:  # a block taller than a page flows on: Excel breaks it where it must
                used -= page_h
        return breaks


def _lines(text: str, width_chars: float) -> int:
    """Lines a wrapped text needs in a column ``width_chars`` wide (Excel units), with room for a wider font."""
    per_line = max((width_chars - 1) / TEXT_WIDTH_FACTOR, 4.0)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _chars(value: Any, fmt: str | None) -> int:  # noqa: ANN401 - any cell value
    """About how many characters a cell shows (for column widths)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return 1
    if isinstance(value, int | float) and not isinstance(value, bool):
        v = float(value) * (100 if fmt == "0.0%" else 1)
        return len(f"{v:,.1f}") + 1
    return min(max((len(s) for s in str(value).splitlines()), default=1), 50)
