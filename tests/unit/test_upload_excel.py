"""Unit: broken, odd and multi-sheet workbooks through the real reader: plain messages, never a traceback."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
from openpyxl.chart import BarChart, Reference

from models.inputs.areas import (
    AREA_FILE,
    DEMO_DIR,
    FILES,
    default_ambition,
    load_area,
    read_area_settings,
    read_table,
    read_workbook,
    templates_workbook,
    validate_table,
    with_uploads,
)

ADM = "admissions_monthly.csv"
CLASS_NAMES = ("BadZipFile", "KeyError", "ParseError", "Exception", "Error:", "Traceback", "XMLSyntaxError")


def _save(book: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _demo_sheet(ws, name: str = ADM) -> None:  # noqa: ANN001
    df = pd.read_csv(DEMO_DIR / name, dtype=str)
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))


def _plain(problems) -> str:  # noqa: ANN001
    text = "\n".join(map(str, problems))
    assert text, "expected a problem"
    assert not any(c in text for c in CLASS_NAMES), text
    return text


def test_duplicate_columns_csv_and_case_duplicates() -> None:
    for header in ("month,nea,nea", "month,nea,NEA ", "month,nea,acs,Acs"):
        raw = f"{header}\n2015-04-01,1,1" + (",1" if header.count(",") == 3 else "") + "\n"
        df, problems = read_table(raw.encode(), ADM)
        assert df is None and "appears 2 times" in _plain(problems)


def _rewrite(xlsx: bytes, part: str, content: bytes | None) -> bytes:
    """The same workbook with one zip entry replaced by ``content`` (``None``: left out)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info.filename, src.read(info.filename))
            elif content is not None:
                dst.writestr(info.filename, content)
    return out.getvalue()


def test_duplicate_columns_excel() -> None:
    book = openpyxl.Workbook()
    book.active.append(["month", "NEA", "nea", "acs"])
    book.active.append(["2015-04-01", 1, 1, 1])
    df, problems = read_table(_save(book), "adm.xlsx", ADM)
    assert df is None and "'nea' appears 2 times" in _plain(problems)


def test_malformed_sheet_xml() -> None:
    good = _save(openpyxl.Workbook())
    sheet = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet1.xml")
    broken = _rewrite(good, "xl/worksheets/sheet1.xml", sheet[: len(sheet) // 2] + b"<row><c><v>1</broken>")
    df, problems = read_table(broken, "adm.xlsx", ADM)
    assert df is None and "damaged" in _plain(problems)


def test_not_a_zip_and_old_xls() -> None:
    df, problems = read_table(b"PK\x03\x04 not really a zip", "adm.xlsx", ADM)
    assert df is None and "not a valid .xlsx" in _plain(problems)
    df, problems = read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "adm.xls", ADM)
    assert df is None and ".xls" in _plain(problems)


def test_workbook_without_a_worksheet() -> None:
    df, problems = read_table(_rewrite(_save(openpyxl.Workbook()), "xl/workbook.xml", None), "adm.xlsx", ADM)
    assert df is None and "no workbook inside" in _plain(problems)


def test_workbook_whose_only_sheet_is_hidden_or_a_chart() -> None:
    book = openpyxl.Workbook()
    data = book.active
    _demo_sheet(data)
    chart = book.create_chartsheet("Chart", 0)
    bars = BarChart()
    bars.add_data(Reference(data, min_col=2, min_row=1, max_row=10))
    chart.add_chart(bars)
    data.sheet_state = "hidden"
    df, problems = read_table(_save(book), "adm.xlsx", ADM)
    text = _plain(problems)
    assert df is None and "no visible worksheet" in text and "chart sheet" in text and "hidden" in text


def test_chartsheet_first_then_the_data() -> None:
    book = openpyxl.Workbook()
    data = book.active
    _demo_sheet(data)
    chart = book.create_chartsheet("Chart", 0)
    bars = BarChart()
    bars.add_data(Reference(data, min_col=2, min_row=1, max_row=10))
    chart.add_chart(bars)
    df, problems = read_table(_save(book), "adm.xlsx", ADM)
    assert problems == [] and len(df) == len(pd.read_csv(DEMO_DIR / ADM))


def test_hidden_first_sheet_is_not_read_silently() -> None:
    book = openpyxl.Workbook()
    stale = book.active
    stale.title = "old"
    stale.append(["month", "nea", "acs"])
    stale.append(["2000-04-01", 1, 1])
    stale.sheet_state = "hidden"
    _demo_sheet(book.create_sheet("current"))
    df, problems = read_table(_save(book), "adm.xlsx", ADM)
    assert problems == [] and df["month"].iloc[0] == "2015-04-01"  # the visible sheet, not the hidden one
    # a hidden sheet named like the file is reported, never read
    book.create_sheet("other")
    stale.title = "admissions_monthly"
    df, problems = read_table(_save(book), "adm.xlsx", ADM)
    assert df is None and "is hidden" in _plain(problems)


def test_several_visible_sheets_pick_the_one_named_like_the_file() -> None:
    book = openpyxl.Workbook()
    book.active.title = "About"
    book.active.append(["notes"])
    _demo_sheet(book.create_sheet("admissions_monthly"))
    df, problems = read_table(_save(book), "whatever.xlsx", ADM)
    assert problems == [] and "nea" in df.columns
    book["admissions_monthly"].title = "Sheet2"
    df, problems = read_table(_save(book), "whatever.xlsx", ADM)
    text = _plain(problems)
    assert df is None and "'About'" in text and "'Sheet2'" in text and "admissions_monthly" in text


def _templates_workbook(demo) -> bytes:  # noqa: ANN001
    """The Data page's 'All templates (Excel)' workbook."""
    return templates_workbook(demo)


def test_the_apps_template_workbook_uploads_every_file(demo_area) -> None:
    frames, problems = read_workbook(_templates_workbook(demo_area), "bcf_templates.xlsx")
    assert problems == [] and set(frames) == set(FILES) | {AREA_FILE}
    typed = {}
    for name in FILES:
        t, p = validate_table(frames[name], name)
        assert p == [], (name, p)
        typed[name] = t
    settings, p = read_area_settings(frames[AREA_FILE])
    assert p == [] and settings["name"] == demo_area.meta.name
    area, p = with_uploads(demo_area, typed, settings["name"], "test", settings)
    assert p == [] and area.meta.ambition_placements == demo_area.meta.ambition_placements
    for name in FILES:  # the same data round-trip
        pd.testing.assert_frame_equal(
            area.tables[name].reset_index(drop=True), demo_area.tables[name].reset_index(drop=True), check_dtype=False
        )
    # and the single-file reader finds each file's sheet in the same workbook
    df, p = read_table(_templates_workbook(demo_area), "bcf_templates.xlsx", "population.csv")
    assert p == [] and list(df.columns)[:3] == ["year", "age_band", "population"]


def test_workbook_with_hidden_template_sheet_and_nothing_matching(demo_area) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    hidden = book.create_sheet("population")
    hidden.append(["year"])
    hidden.sheet_state = "hidden"
    frames, problems = read_workbook(_save(book), "x.xlsx")
    assert frames == {} and "is hidden" in _plain(problems)
    frames, problems = read_workbook(_save(openpyxl.Workbook()), "x.xlsx")
    assert frames == {} and "no sheet is named like an area file" in _plain(problems)


def test_area_settings_file(demo_area) -> None:
    good = b"setting,value\nname,London Borough of Harrow [test](x)\nambition_placements,\"1,204\"\nambition_rate_per_100k,410\n"
    df, p = read_table(good, AREA_FILE)
    settings, p = read_area_settings(df)
    assert p == [] and settings == {
        "name": "London Borough of Harrow [test](x)",
        "ambition_placements": 1204,
        "ambition_rate_per_100k": 410.0,
    }
    bad = b"setting,value\ncolour,blue\nambition_placements,1e19\nambition_rate_per_100k,inf\n"
    _, p = read_area_settings(read_table(bad, AREA_FILE)[0])
    text = _plain(p)
    assert "unknown setting 'colour'" in text and "between 0 and 100,000" in text and "between 0 and 10,000" in text


def test_uploaded_area_gets_its_own_ambition(demo_area) -> None:
    uploads = {}
    for name in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv"):
        df = pd.read_csv(DEMO_DIR / name)
        if name == "population.csv":
            df["population"] = df["population"] * 2  # a bigger area
        typed, p = validate_table(read_table(df.to_csv(index=False).encode(), name)[0], name)
        uploads[name] = typed
    area, p = with_uploads(demo_area, uploads, "Twice", "test")
    assert p == [] and area.meta.ambition_rate_per_100k == demo_area.meta.ambition_rate_per_100k
    expected = default_ambition(uploads["population.csv"], demo_area.meta.ambition_rate_per_100k)
    assert area.meta.ambition_placements == expected and expected > 250  # its own, not Harrow's 146
    area, p = with_uploads(demo_area, uploads, "Twice", "test", {"ambition_placements": 300})
    assert area.meta.ambition_placements == 300


def test_load_area_still_reads_the_demo() -> None:
    area, problems = load_area()
    assert problems == [] and area is not None
