"""Unit: UK formats accepted (thousands separators, DD/MM/YYYY, Mmm-YY, Excel serials, midnight timestamps);
anything else gets one message per column naming the format; odd numbers get clear messages."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from models.core.numbers import parse_numbers
from models.inputs.areas import DEMO_DIR, MAX_COUNT, parse_months, read_table, validate_table

ADM = "admissions_monthly.csv"
PLC = "placements_monthly.csv"


def _demo(name: str = ADM) -> pd.DataFrame:
    return pd.read_csv(DEMO_DIR / name, dtype=str)


def _check(df: pd.DataFrame, name: str = ADM):  # noqa: ANN202
    raw = df.to_csv(index=False).encode()
    frame, problems = read_table(raw, name)
    assert frame is not None, problems
    return validate_table(frame, name)


def _reference(name: str = ADM) -> pd.DataFrame:
    typed, problems = _check(_demo(name), name)
    assert problems == []
    return typed


@pytest.mark.parametrize(
    "fmt",
    [
        lambda d: d.strftime("%d/%m/%Y"),
        lambda d: f"{d.day}/{d.month}/{d.year}",
        lambda d: d.strftime("%b-%y"),
        lambda d: d.strftime("%b-%Y").upper(),
        lambda d: d.strftime("%Y-%m-%d 00:00:00"),
        lambda d: d.strftime("%Y-%m-%dT00:00:00"),
        lambda d: str((d - pd.Timestamp("1899-12-30")).days),  # an Excel serial saved to CSV
    ],
    ids=["dd/mm/yyyy", "d/m/yyyy", "mmm-yy", "MMM-YYYY", "midnight", "iso-midnight", "excel-serial"],
)
def test_uk_date_formats_accepted(fmt) -> None:  # noqa: ANN001
    df = _demo()
    df["month"] = [fmt(pd.Timestamp(m)) for m in df["month"]]
    typed, problems = _check(df)
    assert problems == []
    pd.testing.assert_series_equal(typed["month"], _reference()["month"], check_dtype=False)


def test_thousands_separators_accepted() -> None:
    df = _demo()
    df["nea"] = [f"{int(v):,}" for v in df["nea"]]
    assert any("," in v for v in df["nea"])
    typed, problems = _check(df)
    assert problems == [] and typed["nea"].tolist() == _reference()["nea"].tolist()


def test_bad_dates_one_message_per_column_naming_the_format() -> None:
    df = _demo()
    df.loc[3:40, "month"] = "July 2015"
    df.loc[50, "month"] = "2019-13-45"
    _, problems = _check(df)
    dates = [p for p in problems if p.column == "month" and "not a date" in p.message]
    assert len(dates) == 1  # one per column, not one per row
    p = dates[0]
    assert p.row == 5 and "38 more" in p.message and "YYYY-MM-DD" in p.message and "DD/MM/YYYY" in p.message


def test_bad_numbers_one_message_per_column() -> None:
    df = _demo()
    df.loc[[2, 7, 9], "nea"] = ["lots", "4.413,5", "12 345"]
    _, problems = _check(df)
    nums = [p for p in problems if p.column == "nea"]
    assert len(nums) == 1 and nums[0].row == 4 and "2 more" in nums[0].message and "4,413" in nums[0].message


def test_non_midnight_timestamp_is_not_a_date() -> None:
    df = _demo()
    df.loc[0, "month"] = "2015-04-01 13:30:00"
    _, problems = _check(df)
    assert any(p.column == "month" and p.row == 2 for p in problems)


def test_huge_count_is_too_large_not_negative() -> None:
    df = _demo()
    df.loc[4, "nea"] = "1e19"
    _, problems = _check(df)
    text = "\n".join(map(str, problems))
    assert "too large" in text and f"{MAX_COUNT:,}" in text and "negative" not in text


def test_infinity_in_a_rate_refused() -> None:
    df = _demo("admission_rates.csv")
    df.loc[0, "nea_per_1000"] = "inf"
    _, problems = _check(df, "admission_rates.csv")
    assert any("not a finite number" in p.message and p.column == "nea_per_1000" for p in problems)


def test_all_zero_placements_refused_plainly() -> None:
    df = _demo(PLC)
    df["placements_65plus"] = "0"
    _, problems = _check(df, PLC)
    text = "\n".join(map(str, problems))
    assert "every month is 0" in text and "placements" in text


@pytest.mark.parametrize("sep,word", [(";", "semicolons"), ("\t", "tabs")])
def test_separator_hint(sep: str, word: str) -> None:
    raw = _demo().to_csv(index=False, sep=sep).encode()
    df, problems = read_table(raw, ADM)
    assert df is None and word in problems[0].message and "CSV UTF-8" in problems[0].message


def test_excel_dates_and_serials() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["month", "nea", "acs"])
    demo = _demo()
    for i, row in demo.iterrows():
        when = pd.Timestamp(row["month"])
        cell = when.to_pydatetime() if i % 2 else (when - pd.Timestamp("1899-12-30")).days  # a date, or a bare serial
        ws.append([cell, float(row["nea"]), int(row["acs"])])
    buf = io.BytesIO()
    book.save(buf)
    df, problems = read_table(buf.getvalue(), "adm.xlsx", ADM)
    typed, problems = validate_table(df, ADM)
    assert problems == [] and typed["nea"].tolist() == _reference()["nea"].tolist()
    assert typed["month"].iloc[1] == pd.Timestamp(datetime(2015, 5, 1))


def test_parsers_directly() -> None:
    assert parse_numbers(pd.Series(["4,413", "1,234,567.5", "12", "1,23", " 7 "])).tolist()[:3] == [4413, 1234567.5, 12]
    assert pd.isna(parse_numbers(pd.Series(["1,23"])).iloc[0])  # not a thousands group
    got = parse_months(pd.Series(["01/04/2020", "Apr-20", "43922", "2020-04-01 00:00:00", "04/01/2020 00:00"]))
    assert got.iloc[:4].tolist() == [pd.Timestamp("2020-04-01")] * 4
    assert got.iloc[4] == pd.Timestamp("2020-01-04")  # UK order: day first
