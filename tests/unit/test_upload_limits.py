"""Unit: hostile uploads are refused within the bounds (time and memory), before or while parsing.

Every file here is built in the test (openpyxl / zipfile) and goes through the real reader.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import openpyxl
import pandas as pd
import pytest

from models.inputs.areas import (
    DEMO_DIR,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_UNPACKED_BYTES,
    read_table,
    validate_table,
)

ADM = "admissions_monthly.csv"


def _workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _replace_part(xlsx: bytes, part: str, content: bytes) -> bytes:
    """The same workbook with one zip entry's content replaced (compressed hard, as a bomb would be)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == part else src.read(info.filename))
    return out.getvalue()


def _bounded(fn, seconds: float = 10.0, megabytes: float = 200.0):  # noqa: ANN001, ANN202
    """Run ``fn``: it must finish within ``seconds``; run again under tracemalloc: peak below ``megabytes``.

    The time bounds are loose (a shared, loaded machine) but far below what the unbounded reader took
    (36 s to 471 s for the wide CSVs, 13 s and 0.6 GB for one enormous .xlsx row); the memory bounds are tight.
    """
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert peak < megabytes, f"peak {peak:.0f} MB"
    return result


def _text(problems) -> str:  # noqa: ANN001
    return "\n".join(map(str, problems))


def test_xlsx_zip_bomb_refused_from_its_directory() -> None:
    base = _workbook([["month", "nea", "acs"], ["2015-04-01", 1, 1]])
    sheet = b"<worksheet><sheetData>" + b" " * (MAX_XLSX_UNPACKED_BYTES * 3) + b"</sheetData></worksheet>"
    bomb = _replace_part(base, "xl/worksheets/sheet1.xml", sheet)
    assert len(bomb) < 200_000  # a small file ...
    df, problems = _bounded(lambda: read_table(bomb, "adm.xlsx", ADM), seconds=1.0, megabytes=20)
    assert df is None and "unpacks to" in _text(problems)  # ... refused before openpyxl opens it


def test_xlsx_with_too_many_parts_refused() -> None:
    base = _workbook([["month", "nea", "acs"]])
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        for i in range(MAX_XLSX_ENTRIES):
            dst.writestr(f"junk/{i}.xml", b"")
    df, problems = read_table(out.getvalue(), "adm.xlsx", ADM)
    assert df is None and "parts" in _text(problems)


def test_xlsx_many_cells_under_the_unpacked_limit_stops_at_the_cell_limit() -> None:
    # 120,000 cells of sheet XML (under the unpacked-size and element limits): reading stops at the cell limit
    rows = "".join(f'<row r="{r}">' + "<c><v>1</v></c>" * 40 + "</row>" for r in range(1, 3_001))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows
        + "</sheetData></worksheet>"
    ).encode()
    assert len(sheet) < MAX_XLSX_UNPACKED_BYTES
    xlsx = _replace_part(_workbook([["a"]]), "xl/worksheets/sheet1.xml", sheet)
    df, problems = _bounded(lambda: read_table(xlsx, "adm.xlsx", ADM))
    assert df is None and f"more than {MAX_CELLS:,} cells" in _text(problems)


def test_xlsx_repeated_cells_stop_at_the_xml_element_limit() -> None:
    rows = "".join(f'<row r="{r}"><c><v>1</v></c></row>' for r in range(1, 400_001))  # 1 MB zipped, 1.2 M elements
    sheet = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    xlsx = _replace_part(_workbook([["a"]]), "xl/worksheets/sheet1.xml", sheet.encode())
    df, problems = _bounded(lambda: read_table(xlsx, "adm.xlsx", ADM), seconds=5.0)
    assert df is None and "XML elements" in _text(problems)


def test_xlsx_one_enormous_row_refused_before_openpyxl() -> None:
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        + "<c><v>1</v></c>" * 1_000_000
        + "</row></sheetData></worksheet>"
    ).encode()  # 15 MB of XML in a 30 kB file: openpyxl alone took 13 s and 0.6 GB
    xlsx = _replace_part(_workbook([["a"]]), "xl/worksheets/sheet1.xml", sheet)
    df, problems = _bounded(lambda: read_table(xlsx, "adm.xlsx", ADM), seconds=3.0, megabytes=50)
    assert df is None and "more than 200 cells" in _text(problems)


def test_xlsx_doctype_refused() -> None:
    sheet = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>'
    xlsx = _replace_part(_workbook([["a"]]), "xl/worksheets/sheet1.xml", sheet)
    df, problems = read_table(xlsx, "adm.xlsx", ADM)
    assert df is None and "document type declaration" in _text(problems)


def test_xlsx_wide_row_refused() -> None:
    xlsx = _workbook([[f"c{i}" for i in range(MAX_COLUMNS + 5)]])
    df, problems = _bounded(lambda: read_table(xlsx, "adm.xlsx", ADM))
    assert df is None and f"more than {MAX_COLUMNS} columns" in _text(problems)


def test_wide_csv_refused_fast() -> None:
    # the cases: one valid row and 5,000 empty columns; 10,000 columns × 72 rows; a header of 1 M columns
    one_row = ("month,nea,acs" + "," * 5000 + "\n2015-04-01,1,1" + "," * 5000 + "\n").encode()
    wide = ("\n".join([",".join(f"c{i}" for i in range(10_000))] + [",".join(["1"] * 10_000)] * 72)).encode()
    huge_header = ("," * 1_000_000 + "\n").encode()
    for raw in (one_row, wide, huge_header):
        df, problems = _bounded(lambda raw=raw: read_table(raw, ADM), seconds=3.0)
        assert df is None and f"at most {MAX_COLUMNS} are accepted" in _text(problems)


def test_csv_wide_data_row_under_a_narrow_header_refused() -> None:
    raw = ("month,nea,acs\n" + "2015-04-01,1,1" + ",1" * 200_000 + "\n").encode()
    df, problems = _bounded(lambda: read_table(raw, ADM), seconds=3.0)
    assert df is None and "values in one row" in _text(problems)


def test_csv_row_and_cell_limits() -> None:
    rows = "month,nea,acs\n" + "2015-04-01,1,1\n" * (MAX_ROWS + 1)
    df, problems = read_table(rows.encode(), ADM)
    assert df is None and f"more than {MAX_ROWS:,} rows" in _text(problems)
    width = 45
    many = ",".join(f"c{i}" for i in range(width)) + "\n" + (",".join(["1"] * width) + "\n") * (MAX_CELLS // width)
    df, problems = read_table(many.encode(), ADM)
    assert df is None and f"more than {MAX_CELLS:,} cells" in _text(problems)


def test_within_limits_accepted() -> None:
    width = MAX_COLUMNS
    raw = (",".join(f"c{i}" for i in range(width)) + "\n" + ",".join(["1"] * width) + "\n").encode()
    df, problems = read_table(raw, ADM)
    assert problems == [] and df.shape == (1, width)


def test_validate_is_linear_in_columns() -> None:
    # validate_table keeps extra columns with one concat; a frame given directly is bounded too
    df = pd.read_csv(DEMO_DIR / ADM, dtype=str)
    for i in range(40):
        df[f"note{i}"] = "x"
    typed, problems = _bounded(lambda: validate_table(df, ADM), seconds=5.0)
    assert problems == [] and typed.shape[1] == 44  # month, nea, acs, nea_65plus and the 40 notes
    wide = pd.DataFrame({f"c{i}": ["1"] for i in range(5000)})
    typed, problems = _bounded(lambda: validate_table(wide, ADM), seconds=3.0)
    assert typed is None and "columns are accepted" in _text(problems)


@pytest.mark.parametrize("size", [MAX_XLSX_UNPACKED_BYTES // 2])
def test_xlsx_padding_under_the_limit_is_read_quickly(size: int) -> None:
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + b" " * size
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>month</t></is></c></row></sheetData></worksheet>'
    )
    xlsx = _replace_part(_workbook([["a"]]), "xl/worksheets/sheet1.xml", sheet)
    df, problems = _bounded(lambda: read_table(xlsx, "adm.xlsx", ADM), megabytes=300)
    assert df is not None and list(df.columns) == ["month"]
