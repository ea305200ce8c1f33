"""Unit: every kind of bad input gets a clear message naming file, row and column; good input loads."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from models.inputs.areas import DEMO_DIR, FILES, MAX_UPLOAD_BYTES, read_table, validate_table, with_uploads

ADM = "admissions_monthly.csv"


def _raw(name: str = ADM) -> bytes:
    return (DEMO_DIR / name).read_bytes()


def _check(raw: bytes, name: str = ADM, filename: str | None = None, today: date | None = None):
    df, problems = read_table(raw, filename or name, name)
    if df is None:
        return None, problems
    return validate_table(df, name, today=today)


def _messages(problems) -> str:
    return "\n".join(map(str, problems))


@pytest.mark.parametrize("name", list(FILES))
def test_every_demo_file_is_valid(name: str) -> None:
    typed, problems = _check(_raw(name), name)
    assert problems == [] and typed is not None and len(typed) > 0


def test_missing_column() -> None:
    raw = _raw().replace(b"month,nea,acs", b"date,nea,acs", 1)
    typed, problems = _check(raw)
    assert typed is None and "column(s) month missing" in _messages(problems)


def test_text_in_numeric_column_names_row_and_column() -> None:
    raw = _raw().replace(b"2015-06-01,", b"2015-06-01,lots", 1)
    _, problems = _check(raw)
    assert any(p.row == 4 and p.column == "nea" and "is not a number" in p.message for p in problems)


def test_negative_counts() -> None:
    raw = _raw().replace(b"2016-01-01,", b"2016-01-01,-", 1)
    _, problems = _check(raw)
    assert any(p.column == "nea" and "must not be negative" in p.message for p in problems)


def test_duplicated_month() -> None:
    lines = _raw().decode().splitlines()
    raw = "\n".join(lines + [lines[5]]).encode()
    _, problems = _check(raw)
    assert any("appears more than once" in p.message for p in problems)


def test_missing_months() -> None:
    lines = _raw().decode().splitlines()
    raw = "\n".join(lines[:10] + lines[13:]).encode()
    _, problems = _check(raw)
    assert any("3 month(s) missing" in p.message for p in problems)


def test_future_dates() -> None:
    _, problems = _check(_raw(), today=date(2024, 12, 31))
    assert any("in the future" in p.message and p.row is not None for p in problems)


def test_date_not_first_of_month_and_bad_date() -> None:
    raw = _raw().replace(b"2015-05-01", b"2015-05-07", 1).replace(b"2015-07-01", b"July 2015", 1)
    _, problems = _check(raw)
    text = _messages(problems)
    assert "first day of its month" in text and "not a date like 2021-04-01" in text


def test_empty_file() -> None:
    _, problems = _check(b"")
    assert "file is empty" in _messages(problems)
    _, problems = _check(b"month,nea,acs\n")
    assert "no data rows" in _messages(problems)


def test_non_utf8_file() -> None:
    # UTF-16 with a byte-order mark (Excel's "Unicode text") is unambiguous: read
    df, problems = read_table("month,nea,acs\n2015-04-01,1,1\n".encode("utf-16"), ADM)
    assert problems == [] and df.columns.tolist() == ["month", "nea", "acs"]
    # Latin-1 is refused in plain words: the byte and line, no codec name
    raw = "month,nea,acs\n2015-04-01,1,1\n2015-05-01,2,1 caf\xe9\n".encode("latin-1")
    _, problems = _check(raw)
    text = _messages(problems)
    assert "not UTF-8" in text and "line 3" in text and "codec" not in text and "0xe9" not in text


def test_excel_with_formulas_refused() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["month", "nea", "acs"])
    ws.append(["2015-04-01", 10, 2])
    ws.append(["2015-05-01", "=B2*2", 2])
    buf = io.BytesIO()
    book.save(buf)
    _, problems = _check(buf.getvalue(), filename="adm.xlsx")
    assert "cell B3 holds a formula" in _messages(problems)


def test_excel_values_accepted() -> None:
    df = pd.read_csv(DEMO_DIR / ADM)
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    typed, problems = _check(buf.getvalue(), filename="adm.xlsx")
    assert problems == [] and len(typed) == len(df)


def test_oversized_file() -> None:
    _, problems = _check(b"x" * (MAX_UPLOAD_BYTES + 1))
    assert "the limit is" in _messages(problems)


def test_acs_above_nea() -> None:
    raw = _raw().replace(b"2015-04-01,1635,158", b"2015-04-01,100,158", 1)
    _, problems = _check(raw)
    assert any(p.column == "acs" and "cannot exceed" in p.message for p in problems)


def test_population_bad_band() -> None:
    raw = _raw("population.csv").replace(b",85+,", b",90+,", 1)
    _, problems = _check(raw, "population.csv")
    assert "is not one of" in _messages(problems)


def test_uploaded_area_needs_required_files(demo_area) -> None:
    typed, _ = _check(_raw())
    area, problems = with_uploads(demo_area, {ADM: typed}, "Test", "test")
    assert area is None and {p.file for p in problems} == {"placements_monthly.csv", "population.csv"}


def test_uploaded_area_replaces_tables(demo_area) -> None:
    uploads = {}
    for name in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv"):
        df = pd.read_csv(DEMO_DIR / name)
        if name == ADM:
            df = df.iloc[12:]  # a shorter series: a different area
            df["nea"] = (df["nea"] * 1.5).round().astype(int)
        raw_df, _ = read_table(df.to_csv(index=False).encode(), name)
        typed, problems = validate_table(raw_df, name)
        assert problems == []
        uploads[name] = typed
    area, problems = with_uploads(demo_area, uploads, "Elsewhere", "test upload")
    assert problems == [] and area is not None
    assert area.meta.name == "Elsewhere" and not area.meta.synthetic
    assert area.fingerprint != demo_area.fingerprint and len(area.admissions) == 108
    assert "demo default" in area.meta.sources["unit_costs.csv"]


def test_uploaded_area_too_short_for_the_models(demo_area) -> None:
    from models.demand import forecasting as demand
    from models.inputs.areas import MIN_MONTHS

    assert MIN_MONTHS == demand.MIN_MONTHS == 12  # the upload check and the model agree (docs/data.md)
    for months, accepted in ((10, False), (24, True)):
        uploads = {}
        for name in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv"):
            df = pd.read_csv(DEMO_DIR / name)
            if "month" in df:
                df = df.iloc[-months:]
            typed, problems = validate_table(read_table(df.to_csv(index=False).encode(), name)[0], name)
            assert problems == []
            uploads[name] = typed
        area, problems = with_uploads(demo_area, uploads, "Short", "test")
        if accepted:
            assert area is not None and problems == []
        else:
            assert area is None and "at least 12" in "\n".join(map(str, problems))
