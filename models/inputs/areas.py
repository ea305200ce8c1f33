"""Area data: read, validate and load the files that describe one area.

An area is a folder (or a set of uploads) of small CSV/Excel tables in the
formats documented in ``docs/data.md``; the embedded demo area lives in
``data/demo``. Every problem found is reported as a :class:`Problem` naming the
file, the spreadsheet row (the header is row 1), the column and what is wrong,
in plain English. Nothing here raises on bad user input: readers return
``(frame, problems)`` so that a page can show the problems and keep what was
already loaded.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from models.core.fy import complete_fy_totals, fy_label
from models.core.jsonsafe import JsonProblem, decode_text, kind_of, load_json
from models.core.numbers import (
    NumberError,
    cell_type_problem,
    number_problem,
    parse_number,
    parse_numbers,
    quoted,
    visible,
)
from models.core.paths import DEMO_DIR as DEMO_PATH
from models.core.xlsx import Book
from models.inputs.funding_rules import AMOUNT_COLUMNS, read_funding, side_of_lead
from models.inputs.scheme_rules import (
    MAX_SCHEMES,
    METRIC_REASON,
    effect_order_problem,
    name_problem,
    repeated_names,
    scheme_metric,
)

AGE_BANDS: tuple[str, ...] = ("0-17", "18-64", "65-74", "75-84", "85+")
OLDER_BANDS: tuple[str, ...] = ("65-74", "75-84", "85+")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # keep in step with .streamlit/config.toml (maxUploadSize, MB)
MAX_ROWS = 5_000  # data rows a file
MAX_COLUMNS = 50  # columns a file (the widest template has 11)
MAX_CELLS = 50_000  # cells a file, counted while reading (the largest template, 5,000 × 5, has 25,000)
MAX_XLSX_ENTRIES = 100  # parts in an .xlsx zip (a workbook saved by Excel has about 10-20)
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024  # total unpacked size of an .xlsx, from its zip directory
MAX_XML_ELEMENTS = 600_000  # XML elements in all parts of an .xlsx (a 5,000-row table has about 45,000)
MAX_ROW_CELLS = 200  # cells one row of sheet XML may hold (formatted blanks included)
MAX_SHEET_ROWS_SCANNED = 4 * MAX_ROWS  # physical rows of a sheet looked at (blank ones included)
MAX_COUNT = 1_000_000_000  # largest whole number (counts, population) accepted
MAX_MAGNITUDE = 1e12  # largest size of any other number accepted
AREA_FILE = "area.csv"  # optional: the area's own settings (name, placements ambition)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and encrypted .xlsx (OLE compound file)
MIN_MONTHS = 12  # = models.demand.forecasting.MIN_MONTHS; seasonal models from SEASONAL_MONTHS (docs/data.md)
SEASONAL_MONTHS = 24  # = models.demand.forecasting.SEASONAL_MONTHS
DEMO_DIR = DEMO_PATH


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file."""

    file: str
    message: str
    row: int | None = None  # spreadsheet row: header is row 1
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class FileSpec:
    """What one input table must look like."""

    name: str  # file name, e.g. "admissions_monthly.csv"
    title: str
    # column -> kind: "month", "int", "float" (≥ 0), "signed", "text", "year", "band", "metric" (a scheme metric), "any"
    columns: Mapping[str, str]
    description: str
    required: bool = True  # False: an uploaded area may fall back to the demo file
    monthly: bool = False  # one row per month, no gaps or duplicates
    checks: tuple[Callable[[pd.DataFrame, str], list[Problem]], ...] = field(default=())
    optional: Mapping[str, str] = field(default_factory=dict)  # column -> kind, checked like the others when given


def _band_check(df: pd.DataFrame, file: str) -> list[Problem]:
    bad = ~df["age_band"].isin(AGE_BANDS)
    return [
        Problem(file, f"age band {quoted(v)} is not one of {', '.join(AGE_BANDS)}", int(i) + 2, "age_band")
        for i, v in df.loc[bad, "age_band"].items()
    ]


def _population_check(df: pd.DataFrame, file: str) -> list[Problem]:
    problems = _band_check(df, file)
    dup = df.duplicated(["year", "age_band"], keep="first")
    problems += [Problem(file, "year and age band repeated", int(i) + 2) for i in df.index[dup]]
    for year, group in df.groupby("year"):
        missing = sorted(set(AGE_BANDS) - set(group["age_band"]))
        if missing:
            problems.append(Problem(file, f"year {year} has no row for age band(s) {', '.join(missing)}"))
    if df["year"].nunique() < 2:
        problems.append(Problem(file, "at least two years of population are needed to see growth"))
    return problems


def _rates_check(df: pd.DataFrame, file: str) -> list[Problem]:
    problems = _band_check(df, file)
    missing = sorted(set(AGE_BANDS) - set(df["age_band"]))
    if missing:
        problems.append(Problem(file, f"no row for age band(s) {', '.join(missing)}"))
    return problems


def _growth_check(df: pd.DataFrame, file: str) -> list[Problem]:
    problems = _band_check(df, file)
    need = {"low", "principal", "high"}
    have = set(df["variant"].astype(str))
    if not need <= have:
        problems.append(Problem(file, f"variants {', '.join(sorted(need - have))} missing (need low, principal, high)"))
    extreme = df["annual_growth_pct"].abs() > 20
    problems += [
        Problem(file, "annual growth beyond ±20% a year is not plausible", int(i) + 2, "annual_growth_pct")
        for i in df.index[extreme]
    ]
    return problems


def _admissions_check(df: pd.DataFrame, file: str) -> list[Problem]:
    bad = df["acs"] > df["nea"]
    problems = [
        Problem(
            file, "ACS admissions are a subset of all emergency admissions, so cannot exceed 'nea'", int(i) + 2, "acs"
        )
        for i in df.index[bad]
    ]
    if "nea_65plus" in df.columns:  # optional: recorded emergency admissions of residents aged 65+
        older = df["nea_65plus"]
        problems += [
            Problem(
                file,
                f"admissions of people aged 65+ ({int(older[i]):,}) are a subset of all emergency admissions, so "
                f"cannot exceed 'nea' ({int(df['nea'][i]):,})",
                int(i) + 2,
                "nea_65plus",
            )
            for i in df.index[older > df["nea"]]
        ]
        if len(df) and (older == 0).all():
            problems.append(
                Problem(
                    file,
                    "every month is 0: leave the nea_65plus column out if 65+ admissions are not recorded",
                    None,
                    "nea_65plus",
                )
            )
    return problems


def _schemes_check(df: pd.DataFrame, file: str) -> list[Problem]:
    """The scheme rules of :mod:`models.inputs.scheme_rules` the editor also applies: names, effect order, count."""
    problems = [
        Problem(
            file,
            f"scheme name {quoted(df['name'].iloc[i])} is already used by row {int(df.index[first]) + 2} "
            "(names are compared ignoring case, accents written either way and invisible characters)",
            int(df.index[i]) + 2,
            "name",
        )
        for i, first in repeated_names(df["name"])
    ]
    problems += [
        Problem(file, f"scheme name {quoted(v)} {name_problem(v)}", int(i) + 2, "name")
        for i, v in df["name"].items()
        if name_problem(v)
    ]
    effects = df[["effect_low", "effect_central", "effect_high"]].to_numpy(dtype=float)
    for i, (lo, mid, hi) in zip(df.index, effects, strict=True):
        order = effect_order_problem(float(lo), float(mid), float(hi))
        if order:
            problems.append(Problem(file, order[1], int(i) + 2, order[0]))
    if len(df) > MAX_SCHEMES:
        problems.append(Problem(file, f"{len(df):,} schemes; at most {MAX_SCHEMES} are supported"))
    return problems


def _funding_check(df: pd.DataFrame, file: str) -> list[Problem]:
    """Each scheme's funding: amounts by source adding up to its budget (±£1), none negative, or an old
    ``funding_source``; a known scheme type and step where given (:mod:`models.inputs.funding_rules`)."""
    if "funding_source" not in df.columns and not any(c in df.columns for c in AMOUNT_COLUMNS):
        return [
            Problem(
                file,
                "no funding columns: give the amount from each source (nhs_minimum_gbp, la_bcf_grant_gbp, dfg_gbp, "
                "additional_nhs_gbp, additional_council_gbp) or a funding_source column",
            )
        ]
    problems = []
    for i, rec in zip(df.index, df.to_dict("records"), strict=True):
        budget = float(rec["budget_gbp"]) if pd.notna(rec["budget_gbp"]) else None
        read = read_funding(rec, budget, side_of_lead(str(rec.get("lead_partner", ""))))
        problems += [Problem(file, msg, int(i) + 2, col) for col, msg in read.problems]
    return problems


def _not_all_zero(column: str, what: str) -> Callable[[pd.DataFrame, str], list[Problem]]:
    def check(df: pd.DataFrame, file: str) -> list[Problem]:
        if len(df) and (df[column] == 0).all():
            return [
                Problem(
                    file, f"every month is 0: the {what} model needs a series with some {what} to fit", None, column
                )
            ]
        return []

    return check


def _unique_key_check(key: str) -> Callable[[pd.DataFrame, str], list[Problem]]:
    def check(df: pd.DataFrame, file: str) -> list[Problem]:
        dup = df[key].duplicated(keep="first")
        return [Problem(file, f"{quoted(v)} appears twice", int(i) + 2, key) for i, v in df.loc[dup, key].items()]

    return check


FILES: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (
        FileSpec(
            "admissions_monthly.csv",
            "Emergency admissions by month",
            {"month": "month", "nea": "int", "acs": "int"},
            "One row per month (first day of the month, YYYY-MM-DD): all-age emergency (non-elective) "
            "admissions of residents (nea) and, of those, chronic ambulatory-care-sensitive admissions (acs); "
            "optionally nea_65plus, those of residents aged 65+ (BCF core metric 1; without it the 65+ figures "
            "are estimated from the age-band rates).",
            monthly=True,
            checks=(_admissions_check, _not_all_zero("nea", "admissions")),
            optional={"nea_65plus": "int"},
        ),
        FileSpec(
            "placements_monthly.csv",
            "Care-home placements 65+ by month",
            {"month": "month", "placements_65plus": "int"},
            "One row per month: permanent admissions of people aged 65+ to residential and nursing care.",
            monthly=True,
            checks=(_not_all_zero("placements_65plus", "placements"),),
        ),
        FileSpec(
            "population.csv",
            "Population by age band",
            {"year": "year", "age_band": "band", "population": "int"},
            "Mid-year resident population by year and age band (0-17, 18-64, 65-74, 75-84, 85+).",
            checks=(_population_check,),
        ),
        FileSpec(
            "admission_rates.csv",
            "Age profile of admission rates",
            {"age_band": "band", "nea_per_1000": "float", "acs_per_1000": "float"},
            "Emergency and ACS admissions per 1,000 residents a year in each age band.",
            required=False,
            checks=(_rates_check,),
        ),
        FileSpec(
            "growth_variants.csv",
            "Population growth variants",
            {"variant": "text", "age_band": "band", "annual_growth_pct": "signed"},
            "Annual growth, % a year, per age band for the low, principal and high variants.",
            required=False,
            checks=(_growth_check,),
        ),
        FileSpec(
            "schemes.csv",
            "Pooled-fund schemes",
            {
                "name": "text",
                "lead_partner": "text",
                "budget_gbp": "float",
                "metric": "metric",
                "effect_low": "float",
                "effect_central": "float",
                "effect_high": "float",
                "ramp_months": "int",
                "saturation": "float",
            },
            "One row per scheme: budget £ a year (optional current_budget_gbp: what is funded today, default the "
            "budget), what it does (nea, acs or placements: activity avoided a year at that budget, low / central "
            "/ high; p1_capacity, p2_capacity or p3_capacity: discharge capacity bought at the unit cost, effects "
            "0), ramp-up months and saturation (budget scale, as a multiple of the budget, at which returns "
            "diminish). Funding: the amount from each source (nhs_minimum_gbp, la_bcf_grant_gbp, dfg_gbp, "
            "additional_nhs_gbp, additional_council_gbp; together the budget), or one free-text funding_source "
            "(older files); optional scheme_type and step (docs/funding.md).",
            required=False,
            checks=(_schemes_check, _funding_check),
            optional={
                "funding_source": "any",
                "scheme_type": "any",
                "step": "any",
                **dict.fromkeys(AMOUNT_COLUMNS, "any"),
            },
        ),
        FileSpec(
            "unit_costs.csv",
            "Unit costs",
            {"item": "text", "value": "float", "unit": "text"},
            "Unit costs in £ with their units and sources.",
            required=False,
            checks=(_unique_key_check("item"),),
        ),
        FileSpec(
            "flow_defaults.csv",
            "Discharge and bed defaults",
            {"parameter": "text", "value": "any", "unit": "text"},
            "Bed base, length-of-stay targets, discharge pathway shares and capacities.",
            required=False,
            checks=(_unique_key_check("parameter"),),
        ),
    )
}

_NONNEG = {"int", "float", "year"}


def _pandera_schema(spec: FileSpec) -> pa.DataFrameSchema:
    """Range checks on already-coerced columns (types are coerced by :func:`_coerce`)."""
    cols: dict[str, pa.Column] = {}
    for col, kind in spec.columns.items():
        checks = []
        if kind in _NONNEG:
            checks.append(pa.Check.ge(0, error="must not be negative"))
        if kind == "year":
            checks.append(pa.Check.in_range(1990, 2100, error="must be a year between 1990 and 2100"))
        cols[col] = pa.Column(nullable=kind == "any", checks=checks)
    return pa.DataFrameSchema(cols, strict=False)


_DATE_HINT = "dates accepted: YYYY-MM-DD (2021-04-01), DD/MM/YYYY (01/04/2021), Mmm-YY (Apr-21) or an Excel date"
_MONTH_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%b-%y",
    "%b-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (1900 date system, after its 1900 leap-year bug)


def _column_problem(file: str, col: str, mask: pd.Series, raw: pd.Series, reason: str, hint: str = "") -> list[Problem]:
    """One problem for every cell of ``col`` flagged by ``mask``: the first value, its row and how many more."""
    idx = mask.index[mask.to_numpy()]
    if not len(idx):
        return []
    first = idx[0]
    shown = raw[first]
    # an empty cell is named as such, not quoted as ''
    msg = f"{quoted(shown, 40)} {reason}" if str(shown).strip() else f"empty cell: {reason}"
    if len(idx) > 1:
        rows = ", ".join(str(int(i) + 2) for i in idx[1:6]) + (" …" if len(idx) > 6 else "")
        msg += f"; so are {len(idx) - 1:,} more value(s) in this column (rows {rows})"
    if hint:
        msg += f"; {hint}"
    return [Problem(file, msg, int(first) + 2, col)]


def parse_months(raw: pd.Series) -> pd.Series:
    """Dates from text cells (NaT where not a date).

    Accepted: ``YYYY-MM-DD``, ``DD/MM/YYYY`` (UK order), ``Mmm-YY`` / ``Mmm-YYYY`` (Apr-21),
    those with a midnight time (``2021-04-01 00:00:00``) and Excel serial day numbers
    (20000–80000, i.e. 1954–2119). A time other than midnight is not a date (NaT).
    """
    text = raw.astype(str).str.strip()
    when = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in _MONTH_FORMATS:
        todo = when.isna() & (text != "")
        if not todo.any():
            break
        when = when.fillna(pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[us]"))
    serial = when.isna() & text.str.fullmatch(r"\d{5}(\.0+)?", na=False)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        days = days[(days >= 20_000) & (days <= 80_000)]
        when = when.fillna((_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype("datetime64[us]"))
    return when.where(when.isna() | (when == when.dt.normalize()))


def _coerce(df: pd.DataFrame, spec: FileSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert each column to its kind; one problem per column and kind of fault (first row named)."""
    out: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for col, kind in spec.columns.items():
        raw = df[col]
        blank = raw.isna() | (raw.astype(str).str.strip() == "")
        if kind != "any":
            problems += _column_problem(spec.name, col, blank, raw.fillna(""), "value is missing")
        if kind in ("int", "float", "signed", "year"):
            num = parse_numbers(raw)
            bad = num.isna() & ~blank
            if bad.any():  # the reason the first refused cell gives (a decimal comma, a hidden character …)
                reason = number_problem(str(raw[bad].iloc[0]))
                problems += _column_problem(spec.name, col, bad, raw, reason)
            finite = np.isfinite(num.to_numpy())
            problems += _column_problem(
                spec.name,
                col,
                pd.Series(num.notna().to_numpy() & ~finite, index=num.index),
                raw,
                "is not a finite number",
            )
            limit = MAX_COUNT if kind in ("int", "year") else MAX_MAGNITUDE
            huge = pd.Series(finite & (np.abs(num.fillna(0).to_numpy()) > limit), index=num.index)
            problems += _column_problem(spec.name, col, huge, raw, f"is too large (at most {limit:,.0f})")
            if kind in ("int", "year"):
                frac = pd.Series(finite, index=num.index) & ~huge & (num % 1 != 0)
                problems += _column_problem(spec.name, col, frac, raw, "should be a whole number")
            out[col] = num
        elif kind == "month":
            when = parse_months(raw)
            bad = when.isna() & ~blank
            problems += _column_problem(spec.name, col, bad, raw, "is not a date like 2021-04-01", _DATE_HINT)
            not_first = when.notna() & (when.dt.day != 1)
            problems += _column_problem(spec.name, col, not_first, raw, "should be the first day of its month")
            out[col] = when
        elif kind == "metric":
            text = raw.astype(str).str.strip()
            metric = text.map(scheme_metric)
            problems += _column_problem(spec.name, col, metric.isna() & ~blank, raw, METRIC_REASON)
            out[col] = metric.fillna(text)
        else:
            out[col] = raw.astype(str).str.strip() if kind != "any" else raw
    return pd.DataFrame(out, index=df.index), problems


def _monthly_problems(df: pd.DataFrame, file: str, today: date) -> list[Problem]:
    months = df["month"]
    problems = [
        Problem(file, f"month {m:%Y-%m} appears more than once", int(i) + 2, "month")
        for i, m in months[months.duplicated(keep="first")].items()
    ]
    # a month that has not ended (today's, or later) would be fitted as a whole month: refused, by its row
    this_month = pd.Timestamp(today.year, today.month, 1)
    problems += [
        Problem(
            file,
            f"month {m:%Y-%m} is in the future"
            if m > this_month
            else f"month {m:%Y-%m} has not ended yet (today is "
            f"{today.day} {today:%b %Y}), so its figures are part of a month; remove this row and upload it when "
            "the month is complete",
            int(i) + 2,
            "month",
        )
        for i, m in months[months >= this_month].items()
    ]
    unique = pd.DatetimeIndex(months.drop_duplicates().sort_values())
    if len(unique):
        expected = pd.date_range(unique[0], unique[-1], freq="MS")
        missing = expected.difference(unique)
        if len(missing):
            shown = ", ".join(f"{m:%Y-%m}" for m in missing[:6]) + (" …" if len(missing) > 6 else "")
            problems.append(
                Problem(file, f"{len(missing)} month(s) missing between first and last: {shown}", None, "month")
            )
    return problems


def read_table(raw: bytes, filename: str, spec_name: str | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read CSV or Excel bytes into a raw frame of text cells, refusing unsafe or broken files.

    Bounded before and during parsing (see ``docs/data.md``, "Limits"): the bytes, the
    rows, the columns and the cells; for an .xlsx also the number of entries and the
    unpacked size of its zip directory, checked before the workbook is opened. Nothing
    here raises on a bad file: every failure is a :class:`Problem` in plain words.

    Parameters
    ----------
    raw : bytes
        File contents.
    filename : str
        The user's file name (used for the format and in messages).
    spec_name : str, optional
        The expected table, used in messages and to pick the sheet of a workbook;
        defaults to ``filename``.
    """
    label = spec_name or filename
    if len(raw) > MAX_UPLOAD_BYTES:
        return None, [Problem(label, f"file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB")]
    if not raw.strip():
        return None, [Problem(label, "file is empty")]
    if raw[:8] == _OLE_MAGIC or filename.lower().endswith(".xls"):
        return None, [
            Problem(
                label,
                "is an old-style Excel file (.xls) or a password-protected workbook; "
                "save it as an unprotected .xlsx workbook or as CSV UTF-8",
            )
        ]
    is_excel = filename.lower().endswith((".xlsx", ".xlsm")) or raw[:4] == b"PK\x03\x04"
    try:
        if is_excel:
            rows, problems = _excel_rows(raw, label, _sheet_names_for(spec_name or filename, filename))
        else:
            rows, problems = _csv_rows(raw, label)
        if rows is None:
            return None, problems
        return _frame(rows, label)
    except Exception:  # noqa: BLE001 - any parser failure on user bytes must become a plain message
        kind = "an Excel workbook" if is_excel else "a CSV table"
        return None, [
            Problem(
                label,
                f"could not be read as {kind}: the file is damaged or not in that format. "
                "Open it in Excel and save it again (as .xlsx, or as CSV UTF-8)",
            )
        ]


def read_workbook(raw: bytes, filename: str) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read every sheet of a workbook named like an area file (the app's own template workbook).

    Returns raw frames keyed by file name (``admissions_monthly.csv``, ``area.csv`` …) for each
    visible sheet named like a file (``admissions_monthly``); hidden sheets are never read (a
    hidden sheet named like a file is reported). Other sheets (e.g. ``About``) are ignored.
    """
    label = filename
    if len(raw) > MAX_UPLOAD_BYTES:
        return {}, [Problem(label, f"file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB")]
    try:
        book, problems = _open_workbook(raw, label)
        if book is None:
            return {}, problems
        wanted = {n.removesuffix(".csv").lower(): n for n in (*FILES, AREA_FILE)}
        frames: dict[str, pd.DataFrame] = {}
        found = []
        for ws in book.worksheets:
            title = str(ws.title).strip().lower()
            found.append(str(ws.title))
            if title not in wanted:
                continue
            name = wanted[title]
            if ws.sheet_state != "visible":
                problems.append(Problem(name, f"sheet '{ws.title}' is hidden, so it was not read; unhide it to use it"))
                continue
            rows, p = _sheet_rows(ws, name)
            if rows is None:
                problems += p
                continue
            df, p = _frame(rows, name)
            problems += p
            if df is not None:
                frames[name] = df
        book.close()
    except Exception:  # noqa: BLE001 - see read_table
        return {}, [
            Problem(
                label,
                "could not be read as an Excel workbook: the file is damaged or not in that format. "
                "Open it in Excel and save it again",
            )
        ]
    if not frames and not problems:
        sheets = ", ".join(f"'{s}'" for s in found) or "none"
        problems.append(
            Problem(
                label,
                f"no sheet is named like an area file (sheets found: {sheets}); name each sheet like its file, "
                "e.g. admissions_monthly",
            )
        )
    return frames, problems


def _sheet_names_for(spec_name: str, filename: str) -> tuple[str, ...]:
    """Sheet names that mean "this file": the table's name and the uploaded file's name, without extension."""
    stems = [spec_name.rsplit(".", 1)[0], Path(filename).name.rsplit(".", 1)[0]]
    return tuple(dict.fromkeys(s.strip().lower() for s in stems if s.strip()))


def _csv_text(raw: bytes, label: str) -> tuple[str | None, list[Problem]]:
    """CSV bytes as text with ``\n`` line ends, or why not.

    Read: UTF-8 with any number of byte-order marks (a file saved twice by some tools has two),
    UTF-16 with a byte-order mark (Excel's "Unicode text"), Windows (CR LF) and old Mac (CR
    only) line ends, and Excel's ``sep=,`` first line (dropped; another separator is explained).
    """
    try:
        text = decode_text(raw, "the file")
    except JsonProblem as err:
        return None, [
            Problem(
                label,
                str(err)
                .removeprefix("the file ")
                .replace("save it again as UTF-8", "in Excel use 'Save as → CSV UTF-8'"),
            )
        ]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    first, _, rest = text.partition("\n")
    sep = re.fullmatch(r'"?sep=(.)"?,*', first.strip().lstrip("\ufeff"))
    if sep:
        if sep.group(1) != ",":
            what = {";": "semicolons (;)", "\t": "tabs"}.get(sep.group(1), f"'{visible(sep.group(1))}'")
            return None, [
                Problem(
                    label,
                    f"the first line (sep=) says the values are separated by {what}; the file must use commas. "
                    "In Excel use 'Save as → CSV UTF-8 (comma delimited)'",
                    1,
                )
            ]
        text = rest  # Excel's hint line, not the header
    return text.lstrip("\ufeff"), []


def _csv_rows(raw: bytes, label: str) -> tuple[list[list[str]] | None, list[Problem]]:
    """Split CSV text into rows of cells, stopping as soon as a limit is passed."""
    text, problems = _csv_text(raw, label)
    if text is None:
        return None, problems
    first_line = text.split("\n", 1)[0]
    # the header decides the width: refuse a wide file before reading any further
    header_cells = first_line.count(",") + 1
    if header_cells > MAX_COLUMNS + 1:  # one spare for a trailing comma
        return None, [Problem(label, f"{header_cells:,} columns; at most {MAX_COLUMNS} are accepted")]
    rows: list[list[str]] = []
    cells = 0
    for row in csv.reader(io.StringIO(text)):
        if not row or all(not c.strip() for c in row):
            continue  # blank line
        if len(row) > MAX_COLUMNS + 1:
            return None, [
                Problem(
                    label, f"{len(row):,} values in one row; at most {MAX_COLUMNS} columns are accepted", len(rows) + 1
                )
            ]
        rows.append(row)
        cells += len(row)
        if len(rows) > MAX_ROWS + 1:
            return None, [Problem(label, f"more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are accepted")]
        if cells > MAX_CELLS:
            return None, [Problem(label, f"more than {MAX_CELLS:,} cells; at most {MAX_CELLS:,} are accepted")]
    if rows and len(rows[0]) == 1:
        for sep, what in ((";", "semicolons (;)"), ("\t", "tabs")):
            if sep in rows[0][0]:
                return None, [
                    Problem(
                        label,
                        f"the values seem to be separated by {what}; the file must use commas. "
                        "In Excel use 'Save as → CSV UTF-8 (comma delimited)'",
                    )
                ]
    return rows, []


def _open_workbook(raw: bytes, label: str):  # noqa: ANN202 - an openpyxl workbook or None
    """Open an .xlsx after checking its zip directory (entry count, unpacked size, encryption)."""
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, OSError):
        return None, [
            Problem(label, "is not a valid .xlsx workbook (the file is damaged, or not Excel); save it again as .xlsx")
        ]
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_XLSX_ENTRIES:
            return None, [
                Problem(label, f"the workbook holds {len(entries):,} parts; at most {MAX_XLSX_ENTRIES} are accepted")
            ]
        unpacked = sum(e.file_size for e in entries)
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            return None, [
                Problem(
                    label,
                    f"the workbook unpacks to {unpacked / 2**20:,.0f} MB; at most {MAX_XLSX_UNPACKED_BYTES / 2**20:.0f} MB "
                    "are accepted (save the table alone, values only, or as CSV)",
                )
            ]
        if any(e.flag_bits & 0x1 for e in entries):
            return None, [Problem(label, "the workbook is encrypted; save an unprotected copy")]
        if "xl/workbook.xml" not in {e.filename for e in entries}:
            return None, [Problem(label, "is not an Excel workbook (no workbook inside the file); save it as .xlsx")]
        refusal = _scan_xml(archive, entries)
        if refusal:
            return None, [Problem(label, refusal)]
    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    return book, []


_XML_NAMES = (".xml", ".rels", ".vml")  # compared in lower case: ".XML" is the same part to openpyxl
_XML_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC, which libxml2 recognises


def _may_be_xml(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Whether an XML parser could read this part: by its name (any case) or by its first bytes.

    openpyxl finds parts through the relationships, whatever their names, so the name alone is not
    enough: a part is scanned unless its first bytes cannot start an XML document (images, printer
    settings and other binary parts start otherwise, and an XML parser refuses them at once).
    """
    if entry.is_dir() or entry.file_size == 0:
        return False
    if entry.filename.lower().endswith(_XML_NAMES):
        return True
    try:
        with archive.open(entry) as part:
            head = part.read(256)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError):
        return True  # the scan reports the damage
    if head.startswith(_XML_BOMS) or head.startswith(_EBCDIC_XML):
        return True
    return head.lstrip(b" \t\r\n\x00").startswith(b"<")


class _XmlRefused(Exception):
    """Raised inside the XML pre-scan to stop it at the first limit passed."""


def _scan_xml(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> str | None:
    """Stream every XML part of an .xlsx once, counting elements, before openpyxl sees it.

    openpyxl holds a whole row (and all shared strings and styles) in memory, so a small
    file of repeated cells can cost gigabytes. This scan (expat, in chunks, no tree) stops
    at the first limit passed: :data:`MAX_XML_ELEMENTS` elements in all, more than
    :data:`MAX_ROW_CELLS` cells in one row, or any DOCTYPE (entity expansion). Malformed
    XML is refused here too. Returns the reason for refusing, or None.
    """
    from xml.parsers import expat

    budget = MAX_XML_ELEMENTS
    for entry in entries:
        if not _may_be_xml(archive, entry):
            continue
        sheet = entry.filename.lower().startswith("xl/worksheets/")
        row_cells = 0
        parser = expat.ParserCreate()

        def start(name: str, _attrs: object, sheet: bool = sheet) -> None:
            nonlocal budget, row_cells
            budget -= 1
            if budget < 0:
                raise _XmlRefused(
                    f"the workbook holds more than {MAX_XML_ELEMENTS:,} XML elements; save the table alone, "
                    "values only, or as CSV"
                )
            if sheet:
                local = name.rsplit(":", 1)[-1]
                if local == "row":
                    row_cells = 0
                elif local == "c":
                    row_cells += 1
                    if row_cells > MAX_ROW_CELLS:
                        raise _XmlRefused(
                            f"a row holds more than {MAX_ROW_CELLS} cells; at most {MAX_COLUMNS} columns are accepted"
                        )

        def doctype(*_args: object) -> None:
            raise _XmlRefused("the workbook contains a document type declaration, which Excel never writes")

        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = doctype
        try:
            with archive.open(entry) as part:
                while chunk := part.read(1 << 16):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _XmlRefused as err:
            return str(err)
        except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError):
            return (
                f"the workbook is damaged (part {entry.filename[:60]} is not well-formed); open it in Excel and "
                "save it again, or save it as CSV UTF-8"
            )
    return None


def _excel_rows(raw: bytes, label: str, names: tuple[str, ...]) -> tuple[list[list[str]] | None, list[Problem]]:
    """Pick the sheet to read (named like the file, else the only visible one) and read its rows."""
    book, problems = _open_workbook(raw, label)
    if book is None:
        return None, problems
    try:
        sheets = list(book.worksheets)
        named = [ws for ws in sheets if str(ws.title).strip().lower() in names]
        visible = [ws for ws in sheets if ws.sheet_state == "visible"]
        hidden = [str(ws.title) for ws in sheets if ws.sheet_state != "visible"]
        if named:
            ws = named[0]
            if ws.sheet_state != "visible":
                return None, [
                    Problem(
                        label, f"sheet '{ws.title}' is hidden; unhide it (or delete it) so that it is not read blind"
                    )
                ]
        elif len(visible) == 1:
            ws = visible[0]
        elif not visible:
            charts = len(book.chartsheets)
            what = []
            if charts:
                what.append(f"{charts} chart sheet(s)")
            if hidden:
                what.append("hidden sheet(s) " + ", ".join(f"'{h}'" for h in hidden[:5]))
            return None, [
                Problem(
                    label,
                    "the workbook has no visible worksheet"
                    + (f" (only {' and '.join(what)})" if what else "")
                    + "; put the table on a visible worksheet",
                )
            ]
        else:
            shown = ", ".join(f"'{w.title}'" for w in visible[:8])
            return None, [
                Problem(
                    label,
                    f"the workbook has {len(visible)} sheets ({shown}) and none is named '{names[0]}'; "
                    f"name the sheet to read '{names[0]}' or upload a workbook with one sheet",
                )
            ]
        return _sheet_rows(ws, label)
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV would hold (whole numbers without '.0'; dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sheet_rows(ws, label: str) -> tuple[list[list[str]] | None, list[Problem]]:  # noqa: ANN001 - a worksheet
    """Read a worksheet's rows as text, bounded in rows, columns and cells; formulas refused."""
    import openpyxl

    rows: list[list[str]] = []
    cells = 0
    scanned = 0
    for r, row in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 2), start=1):
        scanned += 1
        if scanned > MAX_SHEET_ROWS_SCANNED:
            return None, [
                Problem(label, f"the sheet goes on past row {MAX_SHEET_ROWS_SCANNED:,}; delete the empty rows")
            ]
        values = list(row)
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        if not values:
            continue
        if len(values) > MAX_COLUMNS + 1:
            return None, [Problem(label, f"more than {MAX_COLUMNS} columns; at most {MAX_COLUMNS} are accepted", r)]
        for c, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith("="):
                col = openpyxl.utils.get_column_letter(c)
                return None, [Problem(label, f"cell {col}{r} holds a formula ({visible(value)}); paste values only", r)]
            problem = cell_type_problem(value)
            if problem:  # e.g. an array formula: openpyxl gives an object, not its text
                col = openpyxl.utils.get_column_letter(c)
                return None, [Problem(label, f"cell {col}{r} {problem}", r)]
        rows.append([_cell_text(v) for v in values])
        cells += len(values)
        if len(rows) > MAX_ROWS + 1:
            return None, [Problem(label, f"more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are accepted")]
        if cells > MAX_CELLS:
            return None, [Problem(label, f"more than {MAX_CELLS:,} cells; at most {MAX_CELLS:,} are accepted")]
    if not rows:
        return None, [Problem(label, f"sheet '{ws.title}' is empty")]
    return rows, []


def _frame(rows: list[list[str]], label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A frame of text cells from a header row and data rows (built once: linear in the cells)."""
    header = [str(h).strip().lower() for h in rows[0]]
    body = rows[1:]
    width = len(header)
    # trailing unnamed columns (a trailing comma, Excel's formatted blanks) are dropped when empty
    while width and not header[width - 1] and all(len(r) < width or not str(r[width - 1]).strip() for r in body):
        width -= 1
    header = header[:width]
    if width > MAX_COLUMNS:
        return None, [Problem(label, f"{width:,} columns; at most {MAX_COLUMNS} are accepted")]
    if not width:
        return None, [Problem(label, "the first row (the header) is empty; it must name the columns")]
    problems = []
    unnamed = [i + 1 for i, h in enumerate(header) if not h]
    if unnamed:
        problems.append(Problem(label, f"column {unnamed[0]} has no name in the header row", 1))
    seen: dict[str, int] = {}
    for h in header:
        seen[h] = seen.get(h, 0) + 1
    dups = [h for h, n in seen.items() if n > 1 and h]
    if dups:
        problems += [
            Problem(label, f"column '{h}' appears {seen[h]} times (names are compared ignoring case and spaces)", 1, h)
            for h in dups
        ]
    long_rows = [i + 2 for i, r in enumerate(body) if len(r) > width and any(str(v).strip() for v in r[width:])]
    if long_rows:
        problems.append(
            Problem(
                label,
                f"{len(long_rows)} row(s) have more values than the header has columns (first: row {long_rows[0]}); "
                "check for commas inside numbers or names (put such names in quotes)",
                long_rows[0],
            )
        )
    if problems:
        return None, problems
    body = [(r[:width] + [""] * (width - len(r))) if len(r) != width else r for r in body]
    df = pd.DataFrame(body, columns=header, dtype=str)
    return df.reset_index(drop=True), []


def validate_table(
    df: pd.DataFrame, spec_name: str, today: date | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate a raw table against its spec; return the typed frame or the problems."""
    spec = FILES[spec_name]
    today = today or date.today()
    df = df.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    dups = sorted(c for c, n in Counter(df.columns).items() if n > 1)
    if dups:
        return None, [
            Problem(
                spec.name, f"column '{c}' appears more than once (names are compared ignoring case and spaces)", 1, c
            )
            for c in dups
        ]
    if len(df.columns) > MAX_COLUMNS or len(df) > MAX_ROWS:
        return None, [Problem(spec.name, f"at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns are accepted")]
    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns[:8])) or "none"
        return None, [Problem(spec.name, f"column(s) {', '.join(missing)} missing (found: {found})")]
    if df.empty:
        return None, [Problem(spec.name, "no data rows")]
    df = df.reset_index(drop=True)
    given = {c: k for c, k in spec.optional.items() if c in df.columns}
    if given:  # optional columns the file has are typed and checked like the required ones
        spec = replace(spec, columns={**spec.columns, **given})
    typed, problems = _coerce(df, spec)
    if problems:
        return None, problems
    try:
        _pandera_schema(spec).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        for case in err.failure_cases.itertuples():
            idx = case.index
            row = int(idx) + 2 if idx is not None and not pd.isna(idx) else None
            problems.append(Problem(spec.name, f"{case.failure_case} {case.check}", row, case.column))
    if spec.monthly:
        problems += _monthly_problems(typed, spec.name, today)
    for check in spec.checks:
        problems += check(typed, spec.name)
    if problems:
        return None, problems
    for col, kind in spec.columns.items():
        if kind in ("int", "year"):
            typed[col] = typed[col].astype("int64")
    extra = [c for c in df.columns if c not in spec.columns]
    if extra:  # keep notes such as 'source' (one concat: linear in the columns)
        typed = pd.concat([typed, df[extra]], axis=1)
    if spec.monthly:
        typed = typed.sort_values("month").reset_index(drop=True)
    return typed, []


@dataclass(frozen=True)
class AreaMeta:
    """Who and what an area's data describe."""

    name: str
    base_year: int  # the last complete mid-year population year; projections start after it
    synthetic: bool
    label: str
    provenance: str
    ambition_placements: int = 146  # Harrow 2021-22 ambition, seed 003
    ambition_rate_per_100k: float = 350.0  # seed 003
    nhs_asc_requirement_gbp: float | None = None  # £ a year, NHS minimum to adult social care (area.json)
    sources: Mapping[str, str] = field(default_factory=dict)  # file -> provenance note
    # BCF 2025-27 maximum levels (None: the area's latest recorded level, i.e. "no worse than now")
    ambition_nea65_per_100k: float | None = None  # emergency admissions 65+ a year per 100,000 aged 65+
    ambition_delay_days: float | None = None  # average discharge delay over all discharges, days
    # A real area built from public files (models/inputs/built_area.py); blank for the demo and uploads
    code: str = ""  # ONS code of the Health and Wellbeing Board area (upper-tier local authority), e.g. E09000015
    region: str = ""  # NHS England region
    icbs: tuple[tuple[str, str, float], ...] = ()  # (ICB ODS code, name, share of the area's LSOAs)
    # Monthly series that are level-only ESTIMATES, not recorded counts ("nea", "acs", "placements_65plus")
    estimated: tuple[str, ...] = ()
    estimate_notes: Mapping[str, str] = field(default_factory=dict)  # series -> how it was estimated (plain words)
    estimate_sd: Mapping[str, float] = field(default_factory=dict)  # series -> doubt over the level (log-scale SD)


@dataclass(frozen=True, eq=False)
class AreaData:
    """Validated, typed tables for one area (see ``docs/data.md`` for columns).

    ``extras`` holds a real area's published context that is not a model input: ``provenance`` (each figure's
    source, period and derivation), ``benchmarks`` (the area against its region and England), ``history_drd``
    (monthly discharge-ready-date figures with coverage flags), ``drd_summary``, ``ascof`` (the published
    care-home admissions history). Empty for the demo and uploads.
    """

    meta: AreaMeta
    tables: Mapping[str, pd.DataFrame]
    extras: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def admissions(self) -> pd.DataFrame:
        return self.tables["admissions_monthly.csv"]

    @property
    def placements(self) -> pd.DataFrame:
        return self.tables["placements_monthly.csv"]

    @property
    def population(self) -> pd.DataFrame:
        return self.tables["population.csv"]

    @property
    def admission_rates(self) -> pd.DataFrame:
        return self.tables["admission_rates.csv"]

    @property
    def growth(self) -> pd.DataFrame:
        return self.tables["growth_variants.csv"]

    @property
    def schemes(self) -> pd.DataFrame:
        return self.tables["schemes.csv"]

    @property
    def unit_costs(self) -> dict[str, float]:
        t = self.tables["unit_costs.csv"]
        return dict(zip(t["item"], t["value"].astype(float), strict=True))

    @property
    def flow_defaults(self) -> dict[str, str]:
        t = self.tables["flow_defaults.csv"]
        return dict(zip(t["parameter"], t["value"].astype(str), strict=True))

    @functools.cached_property
    def fingerprint(self) -> str:
        """Content hash: a cache key that changes exactly when the data change.

        Computed once per object (the tables are never changed in place; every page run asks
        for it several times, and hashing the tables takes a few milliseconds).
        """
        h = hashlib.sha256(self.meta.name.encode())
        for name in sorted(self.tables):
            h.update(name.encode())
            h.update(pd.util.hash_pandas_object(self.tables[name], index=False).to_numpy().tobytes())
        return h.hexdigest()[:16]

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AreaData) and other.fingerprint == self.fingerprint

    def population_65plus(self) -> pd.Series:
        """Population aged 65+ by mid-year (persons)."""
        pop = self.population
        return pop[pop["age_band"].isin(OLDER_BANDS)].groupby("year")["population"].sum()

    def monthly_series(self, column: str) -> pd.Series:
        """A monthly count series (float) with a DatetimeIndex at month starts."""
        frame = self.placements if column == "placements_65plus" else self.admissions
        s = frame.set_index("month")[column].astype(float)
        s.index = pd.DatetimeIndex(s.index, freq="MS")
        return s


AREA_JSON = "area.json"  # an area folder's own settings (name, ambitions, provenance)


def _read_file(path: Path) -> tuple[bytes | None, str | None]:
    """A file's bytes, or why not in plain words (a folder, no permission …)."""
    if path.is_dir():
        return None, f"is a folder, not a file ({path})"
    try:
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            return None, f"is larger than {MAX_UPLOAD_BYTES / 1e6:.0f} MB"
        return path.read_bytes(), None
    except OSError as err:
        return None, f"could not be read ({(err.strerror or 'the system refused').lower()})"


def _json_text(value: object, key: str, limit: int, problems: list[Problem]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(Problem(AREA_JSON, f"'{key}' should be text in quotes (found {kind_of(value)})"))
        return ""
    if len(value) > limit:
        problems.append(Problem(AREA_JSON, f"'{key}' has {len(value):,} characters; at most {limit:,} are accepted"))
    return value


def _json_number(info: dict, key: str, top: float, whole: bool, problems: list[Problem]) -> float | None:
    if key not in info:
        return None
    value = info[key]
    try:
        num = parse_number(value)
    except NumberError as err:
        problems.append(Problem(AREA_JSON, f"'{key}': {err}"))
        return None
    if not 0 <= num <= top or (whole and num % 1):
        kind = "a whole number" if whole else "a number"
        problems.append(Problem(AREA_JSON, f"'{key}' should be {kind} from 0 to {top:,.0f} (found {num:g})"))
        return None
    return num


def read_area_json(folder: Path) -> tuple[dict[str, object] | None, list[Problem]]:
    """An area folder's ``area.json``: its name (required), ambitions, label and provenance, checked.

    Returns ``(settings, [])`` or ``(None, problems)``: never raises on what the file holds (a list,
    a missing name, text where a number belongs, 100,000 levels of nesting, Latin-1 text …).
    """
    raw, why = _read_file(folder / AREA_JSON)
    if raw is None:
        return None, [Problem(AREA_JSON, why if (folder / AREA_JSON).exists() else f"file not found in {folder}")]
    try:
        info = load_json(decode_text(raw, "the file"), "the file", max_chars=MAX_UPLOAD_BYTES)
    except JsonProblem as err:
        return None, [Problem(AREA_JSON, str(err).removeprefix("the file "))]
    if not isinstance(info, dict):
        return None, [Problem(AREA_JSON, f'holds {kind_of(info)}; it should be one object {{ "name": …, … }}')]
    problems: list[Problem] = []
    name = _json_text(info.get("name"), "name", 120, problems).strip()
    if not name and not problems:
        problems.append(Problem(AREA_JSON, "'name' is missing or blank: give the area a name"))
    elif name_problem(name):
        problems.append(Problem(AREA_JSON, f"'name' {name_problem(name)}"))
    out: dict[str, object] = {
        "name": name,
        "label": _json_text(info.get("label"), "label", 300, problems),
        "provenance": _json_text(info.get("provenance"), "provenance", 5000, problems),
    }
    synthetic = info.get("synthetic", False)
    if not isinstance(synthetic, bool):
        problems.append(Problem(AREA_JSON, f"'synthetic' should be true or false (found {kind_of(synthetic)})"))
    out["synthetic"] = synthetic is True
    count = _json_number(info, "ambition_placements", 100_000, True, problems)
    rate = _json_number(info, "ambition_rate_per_100k", 10_000, False, problems)
    out["ambition_placements"] = 146 if count is None else int(count)
    out["ambition_rate_per_100k"] = 350.0 if rate is None else float(rate)
    asc = _json_number(info, "nhs_asc_requirement_gbp", 1e10, False, problems)
    out["nhs_asc_requirement_gbp"] = None if asc is None else float(asc)
    for key in ("ambition_nea65_per_100k", "ambition_delay_days"):
        value = _json_number(info, key, AMBITION_LIMITS[key], False, problems)
        out[key] = None if value is None else float(value)
    return (None, problems) if problems else (out, [])


def load_area(folder: Path = DEMO_DIR, today: date | None = None) -> tuple[AreaData | None, list[Problem]]:
    """Load and validate every file of an area folder (the demo area by default).

    Never raises on what the folder holds: every fault (a missing or unreadable file, a bad
    ``area.json``) is a :class:`Problem`.
    """
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in FILES:
        path = folder / name
        if not path.exists():
            problems.append(Problem(name, "file not found in " + str(folder)))
            continue
        raw, why = _read_file(path)
        if raw is None:
            problems.append(Problem(name, str(why)))
            continue
        raw_df, p = read_table(raw, name)
        problems += p
        if raw_df is not None:
            typed, p = validate_table(raw_df, name, today)
            problems += p
            if typed is not None:
                tables[name] = typed
    info, p = read_area_json(folder)
    problems += p
    if problems or info is None:
        return None, problems
    meta = AreaMeta(
        name=str(info["name"]),
        base_year=int(tables["population.csv"]["year"].max()),
        synthetic=bool(info["synthetic"]),
        label=str(info["label"]),
        provenance=str(info["provenance"]),
        ambition_placements=int(info["ambition_placements"]),  # type: ignore[call-overload]
        ambition_rate_per_100k=float(info["ambition_rate_per_100k"]),  # type: ignore[arg-type]
        nhs_asc_requirement_gbp=info.get("nhs_asc_requirement_gbp"),  # type: ignore[arg-type]
        sources={name: str(info["provenance"]) for name in tables},
        ambition_nea65_per_100k=info.get("ambition_nea65_per_100k"),  # type: ignore[arg-type]
        ambition_delay_days=info.get("ambition_delay_days"),  # type: ignore[arg-type]
    )
    return AreaData(meta, tables), []


def with_uploads(
    base: AreaData,
    uploads: Mapping[str, pd.DataFrame],
    name: str,
    source_note: str,
    settings: Mapping[str, float] | None = None,
) -> tuple[AreaData | None, list[Problem]]:
    """A new area: the validated uploaded tables replace those of ``base``.

    ``settings`` (from :func:`read_area_settings` or the Data page) may give the area's
    ``ambition_placements`` and ``ambition_rate_per_100k``; without them the rate is
    ``base``'s and the count is that rate applied to the new area's 65+ population in
    its base year (an area never inherits another's count).

    Over the demo, the required area files (admissions, placements, population) must all be
    uploaded; optional ones fall back to ``base`` and are labelled as such. Over a real area
    (``base.meta.code`` set), any file may be uploaded alone: an uploaded monthly series replaces
    the level-only estimate it covers and the rest of the area (its population, history, pathways,
    provenance) stays. Cross-file checks: each series needs ``MIN_MONTHS`` months, and over the demo
    the population must include the years the series span.
    """
    real = bool(base.meta.code)
    missing = [n for n, s in FILES.items() if s.required and n not in uploads and not real]
    if missing:
        return None, [Problem(n, "needed for a new area: upload this file too") for n in missing]
    tables = {**base.tables, **uploads}
    problems = _series_problems(tables, uploads, check_population=not real)
    if problems:
        return None, problems
    pop = tables["population.csv"]
    own = "" if real else "demo default "
    sources = {
        n: (source_note if n in uploads else f"{own}({base.meta.name}): {base.meta.sources.get(n, '')}") for n in FILES
    }
    settings = settings or {}
    ambition_rate = float(settings.get("ambition_rate_per_100k", base.meta.ambition_rate_per_100k))
    ambition_count = int(settings.get("ambition_placements", default_ambition(pop, ambition_rate)))
    replaced = {"admissions_monthly.csv": ("nea", "acs"), "placements_monthly.csv": ("placements_65plus",)}
    gone = {s for f, series in replaced.items() if f in uploads for s in series}
    meta = replace(
        base.meta if real else AreaMeta(name, 0, False, "", ""),
        name=name,
        base_year=int(pop["year"].max()),
        synthetic=False,
        label=base.meta.label if real else "",
        provenance=(base.meta.provenance + " Uploaded by the user: " + ", ".join(sorted(uploads)) + ".")
        if real
        else source_note,
        ambition_placements=ambition_count,
        ambition_rate_per_100k=ambition_rate,
        sources=sources,
        ambition_nea65_per_100k=_optional_float(
            settings.get("ambition_nea65_per_100k", base.meta.ambition_nea65_per_100k if real else None)
        ),
        ambition_delay_days=_optional_float(
            settings.get("ambition_delay_days", base.meta.ambition_delay_days if real else None)
        ),
        nhs_asc_requirement_gbp=_optional_float(
            settings.get("nhs_asc_requirement_gbp", base.meta.nhs_asc_requirement_gbp if real else None)
        ),
        estimated=tuple(s for s in base.meta.estimated if s not in gone) if real else (),
        estimate_notes={k: v for k, v in base.meta.estimate_notes.items() if k not in gone} if real else {},
        estimate_sd={k: v for k, v in base.meta.estimate_sd.items() if k not in gone} if real else {},
    )
    return AreaData(meta, tables, base.extras if real else {}), []


def _series_problems(
    tables: Mapping[str, pd.DataFrame], uploads: Mapping[str, pd.DataFrame], check_population: bool
) -> list[Problem]:
    """Cross-file checks of an area's monthly series (uploaded ones only) and, over the demo, its population."""
    problems = []
    adm, plc, pop = tables["admissions_monthly.csv"], tables["placements_monthly.csv"], tables["population.csv"]
    for file, frame in (("admissions_monthly.csv", adm), ("placements_monthly.csv", plc)):
        if file in uploads and len(frame) < MIN_MONTHS:
            problems.append(
                Problem(
                    file,
                    f"{len(frame)} months; at least {MIN_MONTHS} are needed to forecast "
                    f"({SEASONAL_MONTHS} for seasonal models)",
                )
            )
    if check_population:
        first_year = int(min(adm["month"].min().year, plc["month"].min().year))
        if not any(y <= first_year + 1 for y in set(pop["year"])):
            problems.append(Problem("population.csv", f"no population for the start of the series ({first_year})"))
    return problems


def _optional_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def default_ambition(population: pd.DataFrame, rate_per_100k: float) -> int:
    """Placements a year at ``rate_per_100k`` for the 65+ population of the last year in ``population``."""
    last = population[population["year"] == population["year"].max()]
    pop65 = float(last.loc[last["age_band"].isin(OLDER_BANDS), "population"].sum())
    return int(round(rate_per_100k * pop65 / 100_000))


AREA_SETTINGS: dict[str, str] = {
    "name": "the area's name, as shown on every page (at most 120 characters)",
    "ambition_placements": "placements ambition: at most this many care-home placements 65+ a year (0-100,000)",
    "ambition_rate_per_100k": "ASCOF 2C maximum level: care-home admissions 65+ per 100,000 residents aged 65+ "
    "(0-10,000)",
    "ambition_nea65_per_100k": "maximum level: emergency admissions 65+ a year per 100,000 residents aged 65+ "
    "(0-100,000; blank: the latest year's rate)",
    "ambition_delay_days": "maximum level: average discharge delay over all discharges, days (0-60; blank: the "
    "area's discharge-ready-date figures)",
    "nhs_asc_requirement_gbp": "national condition: the NHS minimum contribution to adult social care the plan must "
    "keep, £ a year (blank: not checked)",
}
#: The largest value each ambition may take; anything larger is a typing error (65+ admissions above 100,000 per
#: 100,000 would be more than one emergency admission a year for every resident aged 65+).
AMBITION_LIMITS: dict[str, float] = {
    "ambition_placements": 100_000,
    "ambition_rate_per_100k": 10_000,
    "ambition_nea65_per_100k": 100_000,
    "ambition_delay_days": 60,
    "nhs_asc_requirement_gbp": 1e10,
}


def area_settings_csv(meta: AreaMeta) -> bytes:
    """The ``area.csv`` template: one row per setting (``setting``, ``value``, ``meaning``)."""
    values = {
        "name": meta.name,
        "ambition_placements": str(meta.ambition_placements),
        "ambition_rate_per_100k": f"{meta.ambition_rate_per_100k:g}",
        "ambition_nea65_per_100k": "" if meta.ambition_nea65_per_100k is None else f"{meta.ambition_nea65_per_100k:g}",
        "ambition_delay_days": "" if meta.ambition_delay_days is None else f"{meta.ambition_delay_days:g}",
        "nhs_asc_requirement_gbp": ""
        if meta.nhs_asc_requirement_gbp is None
        else f"{meta.nhs_asc_requirement_gbp:.0f}",
    }
    df = pd.DataFrame(
        {"setting": list(AREA_SETTINGS), "value": list(values.values()), "meaning": list(AREA_SETTINGS.values())}
    )
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def read_area_settings(df: pd.DataFrame) -> tuple[dict[str, object], list[Problem]]:
    """The settings in an uploaded ``area.csv`` (columns ``setting``, ``value``); unknown settings are problems."""
    df = df.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if not {"setting", "value"} <= set(df.columns):
        return {}, [Problem(AREA_FILE, "columns setting and value are needed")]
    out: dict[str, object] = {}
    problems: list[Problem] = []
    for i, (key, value) in enumerate(zip(df["setting"].astype(str), df["value"].astype(str), strict=True)):
        key, value, row = key.strip().lower(), value.strip(), i + 2
        if key not in AREA_SETTINGS:
            problems.append(
                Problem(AREA_FILE, f"unknown setting {quoted(key, 40)}; use {', '.join(AREA_SETTINGS)}", row, "setting")
            )
        elif key in out:
            problems.append(Problem(AREA_FILE, f"setting '{key}' is given twice", row, "setting"))
        elif key == "name":
            if not value or len(value) > 120:
                problems.append(Problem(AREA_FILE, "the name must have 1 to 120 characters", row, "value"))
            elif name_problem(value):
                problems.append(Problem(AREA_FILE, f"the name {name_problem(value)}", row, "value"))
            else:
                out[key] = value
        else:
            if not value and key in ("ambition_nea65_per_100k", "ambition_delay_days", "nhs_asc_requirement_gbp"):
                continue  # blank: the area's own latest level (the requirement: not checked)
            num = float(parse_numbers(pd.Series([value])).iloc[0])
            top = AMBITION_LIMITS[key]
            if np.isnan(num) and value:  # the parser's own reason: a decimal comma, a hidden character …
                problems.append(Problem(AREA_FILE, f"{quoted(value, 40)} {number_problem(value)}", row, "value"))
            elif not np.isfinite(num) or not 0 <= num <= top:
                problems.append(
                    Problem(AREA_FILE, f"{quoted(value, 40)} is not a number between 0 and {top:,.0f}", row, "value")
                )
            elif key == "ambition_placements" and num % 1:
                problems.append(Problem(AREA_FILE, f"{quoted(value, 40)} should be a whole number", row, "value"))
            else:
                out[key] = int(num) if key == "ambition_placements" else num
    return out, problems


def template_csv(spec_name: str, demo: AreaData) -> bytes:
    """A template for one file: the demo area's own table, so every column is shown with real-looking values."""
    df = demo.tables[spec_name].copy()
    if "month" in df:
        df["month"] = df["month"].dt.strftime("%Y-%m-%d")
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def templates_workbook(demo: AreaData) -> bytes:
    """Every template in one .xlsx, one sheet per file named like it (``admissions_monthly`` …, ``area``).

    Column headers stay the file's column names (so the workbook uploads whole, see
    :func:`read_workbook`); an "About" sheet says how to use it.
    """

    book = Book()
    about = pd.DataFrame(
        {
            "note": [
                "BCF Scenario Lab templates: one sheet per file, named like the file.",
                "Fill in the sheets and upload the workbook whole on the Data page, or save one sheet as CSV UTF-8.",
                "Values only (no formulas). Sheets you leave as they are keep the demo values.",
            ]
        }
    )
    book.table("About", about, headers={"note": "About this file"})
    sheets = {n: template_csv(n, demo) for n in FILES} | {AREA_FILE: area_settings_csv(demo.meta)}
    for name, raw in sheets.items():
        df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
        for col in df.columns:  # numbers as numbers, so that Excel shows them as such
            num = pd.to_numeric(df[col], errors="coerce")
            if col != "month" and num.notna().all():
                df[col] = num
        book.table(name.removesuffix(".csv"), df, headers={str(c): str(c) for c in df.columns})
    return book.close()


def annual_by_fy(monthly: pd.Series) -> pd.Series:
    """Sum a monthly series into NHS financial years (April–March), complete years only.

    Returns a Series indexed by FY label ("2019-20").
    """
    sums = complete_fy_totals(monthly)
    sums.index = [fy_label(y) for y in sums.index]
    return sums
