"""Unit: the one number parser (models.core.numbers) and its three callers: uploads, the scheme editor, schemes.csv.

Every expected value below is worked by hand from the UK conventions in the module docstring.
"""

from __future__ import annotations

import io
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from models.core.numbers import (
    HIDDEN,
    NumberError,
    cell_type_problem,
    number_problem,
    parse_number,
    parse_numbers,
    quoted,
    visible,
)
from models.inputs.areas import DEMO_DIR, read_table, validate_table
from models.scenario.tables import schemes_from_table, schemes_to_rows, validate_scheme_rows

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("3,400,000", 3_400_000.0),
        ("£3,400,000", 3_400_000.0),
        ("1,700", 1_700.0),
        ("1,234,567.5", 1_234_567.5),
        (" 12 ", 12.0),
        ("\u00a04413\u00a0", 4_413.0),  # non-breaking spaces at the ends are trimmed
        ("0.25", 0.25),
        (".5", 0.5),
        ("5.", 5.0),
        ("-£3", -3.0),
        ("£-3", -3.0),
        ("\u22125", -5.0),  # typographic minus
        ("+4,413", 4_413.0),
        ("1e6", 1_000_000.0),  # Excel writes very large numbers with an exponent
        ("0", 0.0),
        (7, 7.0),
        (2.5, 2.5),
        (np.int64(3), 3.0),
        (np.float32(0.5), 0.5),
    ],
)
def test_accepted_numbers(cell: object, expected: float) -> None:
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", ["0,250", "1,70", "12,34,5", "01,700", "1,7000", "1,700,00"])
def test_decimal_or_misplaced_comma_refused_with_what_was_expected(cell: str) -> None:
    with pytest.raises(NumberError) as err:
        parse_number(cell)
    text = str(err.value)
    assert text.startswith(f"'{cell}' is not a number")
    assert "groups of three (1,700 or 3,400,000)" in text and "with a point" in text


def test_editor_and_upload_agree_on_the_comma_rules() -> None:
    cells = ["1,70", "1,700", "0,250", "£3,400,000", "lots", "1 700"]
    column = parse_numbers(pd.Series(cells)).tolist()
    for cell, value in zip(cells, column, strict=True):
        try:
            one = parse_number(cell)
        except NumberError:
            one = math.nan
        assert (math.isnan(one) and math.isnan(value)) or one == value, cell
    assert column[1] == 1_700 and column[3] == 3_400_000


def test_control_characters_are_shown_in_words_never_raw() -> None:
    with pytest.raises(NumberError) as err:
        parse_number("1\x0070")
    text = str(err.value)
    assert "\x00" not in text
    assert HIDDEN in text and "hidden control character (character code 0)" in text
    assert visible("a\x1bb\u200bc") == f"a{HIDDEN}b{HIDDEN}c"  # escape and a zero-width space
    assert quoted("x" * 40) == "'" + "x" * 30 + "…'"


def test_cell_objects_refused_by_type() -> None:
    formula = ArrayFormula("A1:A2", "=SUM(B1:B2)")
    assert cell_type_problem(formula) == "holds a formula (ArrayFormula), not a value; paste values only"
    with pytest.raises(NumberError) as err:
        parse_number(formula)
    assert str(err.value) == "the cell holds a formula (ArrayFormula), not a value; paste values only"
    assert "object at 0x" not in str(err.value)
    with pytest.raises(NumberError, match="holds a list object"):
        parse_number([1, 2])
    assert cell_type_problem("text") is None and cell_type_problem(3.5) is None and cell_type_problem(None) is None


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (True, "'True' is a yes/no value, not a number"),
        (float("inf"), "is not a finite number"),
        ("inf", "'inf' is not a finite number"),
        ("nan", "'nan' is not a finite number"),
        ("1e999", "'1e999' is not a finite number"),
        (None, "the cell is blank"),
        ("  ", "the cell is blank"),
        ("lots", "'lots' is not a number; write numbers like 4413, 4,413, £3,400,000 or 0.25"),
        ("1 700", "remove the spaces inside it"),
    ],
)
def test_other_refusals(cell: object, words: str) -> None:
    with pytest.raises(NumberError) as err:
        parse_number(cell)
    assert words in str(err.value)


def test_column_parser_gives_infinity_for_the_caller_to_refuse() -> None:
    out = parse_numbers(pd.Series(["inf", "-inf", "4,413", "", "1,23"]))
    assert out.iloc[0] == np.inf and out.iloc[1] == -np.inf and out.iloc[2] == 4_413
    assert out.iloc[3:].isna().all()
    assert number_problem("1,23").startswith("is not a number: commas may only separate thousands")


# --------------------------------------------------------------------------- the three callers
def _upload(name: str, df: pd.DataFrame) -> list[str]:
    frame, problems = read_table(df.to_csv(index=False).encode(), name)
    assert frame is not None, problems
    _, problems = validate_table(frame, name)
    return [str(p) for p in problems]


def test_upload_refuses_a_decimal_comma_plainly() -> None:
    df = pd.read_csv(DEMO_DIR / "admission_rates.csv", dtype=str, keep_default_na=False)
    df.loc[0, "nea_per_1000"] = "1,70"
    problems = _upload("admission_rates.csv", df)
    assert len(problems) == 1
    assert "row 2, column 'nea_per_1000': '1,70' is not a number: commas may only separate thousands" in problems[0]


def test_upload_accepts_pounds_and_thousands() -> None:
    df = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    df.loc[0, "budget_gbp"] = "£3,400,000"
    frame, problems = read_table(df.to_csv(index=False).encode(), "schemes.csv")
    typed, problems = validate_table(frame, "schemes.csv")
    assert problems == [] and typed.loc[0, "budget_gbp"] == 3_400_000


def test_upload_shows_a_control_character_in_words() -> None:
    df = pd.read_csv(DEMO_DIR / "admission_rates.csv", dtype=str, keep_default_na=False)
    df.loc[1, "acs_per_1000"] = "2\x007"
    problems = _upload("admission_rates.csv", df)
    assert len(problems) == 1 and "\x00" not in problems[0] and f"'2{HIDDEN}7'" in problems[0]


def test_upload_refuses_an_array_formula_by_type() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "admission_rates"
    ws.append(["age_band", "nea_per_1000", "acs_per_1000"])
    ws.append(["0-17", 30, 2])
    ws["B2"] = ArrayFormula("B2:B2", "=SUM(C2:C2)")
    buf = io.BytesIO()
    book.save(buf)
    frame, problems = read_table(buf.getvalue(), "rates.xlsx", "admission_rates.csv")
    assert frame is None and len(problems) == 1
    assert str(problems[0]) == (
        "admission_rates.csv, row 2: cell B2 holds a formula (ArrayFormula), not a value; paste values only"
    )


def _demo_schemes() -> list:
    df = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    frame, _ = read_table(df.to_csv(index=False).encode(), "schemes.csv")
    typed, _ = validate_table(frame, "schemes.csv")
    return schemes_from_table(typed)


def _editor_rows() -> pd.DataFrame:
    return schemes_to_rows(_demo_schemes()).astype(object)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("£3,400,000", 3_400_000.0), ("1,700", 1_700.0), (" 250000 ", 250_000.0)],
)
def test_editor_accepts_uk_numbers(cell: str, expected: float) -> None:
    rows = _editor_rows()
    rows.loc[0, "budget_gbp"] = cell
    # the editor knows the schemes before the edit: a budget changed alone keeps its funding mix, scaled
    out, messages = validate_scheme_rows(rows, 60, previous=_demo_schemes())
    assert out is not None, messages
    assert out[0].budget_gbp == expected


@pytest.mark.parametrize("cell", ["1,70", "0,250", "12,34,5"])
def test_editor_refuses_a_decimal_comma(cell: str) -> None:
    """The editor once read '1,70' as 170; it now refuses it as the upload does."""
    rows = _editor_rows()
    rows.loc[0, "budget_gbp"] = cell
    out, messages = validate_scheme_rows(rows, 60)
    assert out is None
    assert any(f"column 'budget_gbp': '{cell}' is not a number: commas may only" in m for m in messages), messages


def test_editor_refuses_cell_objects_and_hides_control_characters() -> None:
    rows = _editor_rows()
    cells = rows["effect_central"].tolist()
    cells[0] = ArrayFormula("A1:A1", "=1")  # pandas takes the object for a list if set with .loc
    rows["effect_central"] = pd.Series(cells, index=rows.index, dtype=object)
    rows.loc[1, "effect_low"] = "1\x00"
    out, messages = validate_scheme_rows(rows, 60)
    assert out is None
    assert any("column 'effect_central': the cell holds a formula (ArrayFormula)" in m for m in messages)
    assert any(f"column 'effect_low': '1{HIDDEN}' contains a hidden control character" in m for m in messages)
    assert not any("\x00" in m for m in messages)


def test_schemes_csv_optional_amounts_use_the_same_parser() -> None:
    df = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    frame, _ = read_table(df.to_csv(index=False).encode(), "schemes.csv")
    typed, _ = validate_table(frame, "schemes.csv")
    typed = typed.iloc[[0]].copy()
    typed["current_budget_gbp"] = "£3,400,000"
    assert schemes_from_table(typed)[0].current_budget_gbp == 3_400_000
    typed["current_budget_gbp"] = "1,70"
    with pytest.raises(ValueError, match=r"schemes.csv: '1,70' is not a number: commas may only"):
        schemes_from_table(typed)
