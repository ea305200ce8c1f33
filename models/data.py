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

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from models.fy import complete_fy_totals, fy_label

AGE_BANDS: tuple[str, ...] = ("0-17", "18-64", "65-74", "75-84", "85+")
OLDER_BANDS: tuple[str, ...] = ("65-74", "75-84", "85+")
SCHEME_METRICS: tuple[str, ...] = ("nea", "acs", "placements", "delayed_days")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # keep in step with .streamlit/config.toml (maxUploadSize, MB)
MAX_ROWS = 5_000
MIN_MONTHS = 72  # = models.demand.MIN_MONTHS: 36 months' training + 3 backtest years (and 6 FYs of placements)
DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"


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
    columns: Mapping[str, str]  # column -> kind: "month", "int", "float" (≥ 0), "signed", "text", "year", "band", "any"
    description: str
    required: bool = True  # False: an uploaded area may fall back to the demo file
    monthly: bool = False  # one row per month, no gaps or duplicates
    checks: tuple[Callable[[pd.DataFrame, str], list[Problem]], ...] = field(default=())


def _band_check(df: pd.DataFrame, file: str) -> list[Problem]:
    bad = ~df["age_band"].isin(AGE_BANDS)
    return [
        Problem(file, f"age band '{v}' is not one of {', '.join(AGE_BANDS)}", int(i) + 2, "age_band")
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
    return [
        Problem(
            file, "ACS admissions are a subset of all emergency admissions, so cannot exceed 'nea'", int(i) + 2, "acs"
        )
        for i in df.index[bad]
    ]


def _schemes_check(df: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    dup = df["name"].duplicated(keep="first")
    problems += [
        Problem(file, f"scheme name '{n}' is used twice", int(i) + 2, "name") for i, n in df.loc[dup, "name"].items()
    ]
    bad_metric = ~df["metric"].isin(SCHEME_METRICS)
    problems += [
        Problem(file, f"metric '{m}' is not one of {', '.join(SCHEME_METRICS)}", int(i) + 2, "metric")
        for i, m in df.loc[bad_metric, "metric"].items()
    ]
    order = (df["effect_low"] > df["effect_central"]) | (df["effect_central"] > df["effect_high"])
    problems += [
        Problem(file, "effects must satisfy low ≤ central ≤ high", int(i) + 2, "effect_central")
        for i in df.index[order]
    ]
    return problems


def _unique_key_check(key: str) -> Callable[[pd.DataFrame, str], list[Problem]]:
    def check(df: pd.DataFrame, file: str) -> list[Problem]:
        dup = df[key].duplicated(keep="first")
        return [Problem(file, f"'{v}' appears twice", int(i) + 2, key) for i, v in df.loc[dup, key].items()]

    return check


FILES: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (
        FileSpec(
            "admissions_monthly.csv",
            "Emergency admissions by month",
            {"month": "month", "nea": "int", "acs": "int"},
            "One row per month (first day of the month, YYYY-MM-DD): all-age emergency (non-elective) "
            "admissions of residents (nea) and, of those, chronic ambulatory-care-sensitive admissions (acs).",
            monthly=True,
            checks=(_admissions_check,),
        ),
        FileSpec(
            "placements_monthly.csv",
            "Care-home placements 65+ by month",
            {"month": "month", "placements_65plus": "int"},
            "One row per month: permanent admissions of people aged 65+ to residential and nursing care.",
            monthly=True,
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
                "funding_source": "text",
                "lead_partner": "text",
                "budget_gbp": "float",
                "metric": "text",
                "effect_low": "float",
                "effect_central": "float",
                "effect_high": "float",
                "ramp_months": "int",
                "saturation": "float",
            },
            "One row per scheme: budget £ a year, the metric it affects (nea, acs, placements, delayed_days) "
            "and activity avoided a year at that budget (low, central, high), ramp-up months and saturation "
            "(budget scale, as a multiple of the budget, at which returns diminish).",
            required=False,
            checks=(_schemes_check,),
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


def _coerce(df: pd.DataFrame, spec: FileSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert each column to its kind, reporting every cell that will not convert."""
    out = pd.DataFrame(index=df.index)
    problems: list[Problem] = []
    for col, kind in spec.columns.items():
        raw = df[col]
        blank = raw.isna() | (raw.astype(str).str.strip() == "")
        if kind != "any":
            problems += [Problem(spec.name, "value is missing", int(i) + 2, col) for i in df.index[blank]]
        if kind in ("int", "float", "signed", "year"):
            num = pd.to_numeric(raw, errors="coerce")
            bad = num.isna() & ~blank
            problems += [Problem(spec.name, f"'{raw[i]}' is not a number", int(i) + 2, col) for i in df.index[bad]]
            if kind in ("int", "year"):
                frac = num.notna() & (num % 1 != 0)
                problems += [
                    Problem(spec.name, f"'{raw[i]}' should be a whole number", int(i) + 2, col) for i in df.index[frac]
                ]
            out[col] = num.astype("float64")
        elif kind == "month":
            when = pd.to_datetime(raw.astype(str).str.strip(), format="%Y-%m-%d", errors="coerce")
            bad = when.isna() & ~blank
            problems += [
                Problem(spec.name, f"'{raw[i]}' is not a date like 2021-04-01", int(i) + 2, col) for i in df.index[bad]
            ]
            not_first = when.notna() & (when.dt.day != 1)
            problems += [
                Problem(spec.name, f"'{raw[i]}' should be the first day of its month", int(i) + 2, col)
                for i in df.index[not_first]
            ]
            out[col] = when
        else:
            out[col] = raw.astype(str).str.strip() if kind != "any" else raw
    return out, problems


def _monthly_problems(df: pd.DataFrame, file: str, today: date) -> list[Problem]:
    months = df["month"]
    problems = [
        Problem(file, f"month {m:%Y-%m} appears more than once", int(i) + 2, "month")
        for i, m in months[months.duplicated(keep="first")].items()
    ]
    future = months > pd.Timestamp(today)
    problems += [
        Problem(file, f"month {m:%Y-%m} is in the future", int(i) + 2, "month") for i, m in months[future].items()
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

    Parameters
    ----------
    raw : bytes
        File contents.
    filename : str
        The user's file name (used for the format and in messages).
    spec_name : str, optional
        The expected table, used in messages; defaults to ``filename``.
    """
    label = spec_name or filename
    if len(raw) > MAX_UPLOAD_BYTES:
        return None, [Problem(label, f"file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB")]
    if not raw.strip():
        return None, [Problem(label, "file is empty")]
    is_excel = filename.lower().endswith((".xlsx", ".xlsm")) or raw[:2] == b"PK"
    try:
        if is_excel:
            return _read_excel(raw, label)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            return None, [
                Problem(label, f"file is not UTF-8 text (byte {err.start}); in Excel use 'Save as → CSV UTF-8'")
            ]
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError, zipfile.BadZipFile, KeyError, OSError) as err:
        return None, [Problem(label, f"could not be read as a table ({type(err).__name__}: {str(err)[:120]})")]
    if len(df) > MAX_ROWS:
        return None, [Problem(label, f"{len(df):,} rows; at most {MAX_ROWS:,} are accepted")]
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df, []


def _read_excel(raw: bytes, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read the first sheet of an .xlsx file, refusing formulas (their values may not be stored)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    sheet = book.worksheets[0]
    rows = []
    for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if r > MAX_ROWS + 1:
            return None, [Problem(label, f"more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are accepted")]
        for c, value in enumerate(row, start=1):
            if isinstance(value, str) and value.startswith("="):
                col = openpyxl.utils.get_column_letter(c)
                return None, [Problem(label, f"cell {col}{r} holds a formula ({value[:30]}); paste values only", r)]
        rows.append(
            [
                "" if v is None else (v.date().isoformat() if hasattr(v, "date") and hasattr(v, "hour") else str(v))
                for v in row
            ]
        )
    book.close()
    if not rows:
        return None, [Problem(label, "the first sheet is empty")]
    header, body = rows[0], rows[1:]
    df = pd.DataFrame(body, columns=[str(h).strip().lower() for h in header], dtype=str)
    df = df.loc[~(df == "").all(axis=1)].reset_index(drop=True)  # trailing blank rows
    # Excel stores whole numbers typed as numbers as floats; "12.0" -> "12"
    df = df.apply(lambda s: s.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True))
    return df, []


def validate_table(
    df: pd.DataFrame, spec_name: str, today: date | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate a raw table against its spec; return the typed frame or the problems."""
    spec = FILES[spec_name]
    today = today or date.today()
    df = df.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns[:8])) or "none"
        return None, [Problem(spec.name, f"column(s) {', '.join(missing)} missing (found: {found})")]
    if df.empty:
        return None, [Problem(spec.name, "no data rows")]
    df = df.reset_index(drop=True)
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
    for col in extra:  # keep notes such as 'source'
        typed[col] = df[col]
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
    sources: Mapping[str, str] = field(default_factory=dict)  # file -> provenance note


@dataclass(frozen=True, eq=False)
class AreaData:
    """Validated, typed tables for one area (see ``docs/data.md`` for columns)."""

    meta: AreaMeta
    tables: Mapping[str, pd.DataFrame]

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

    @property
    def fingerprint(self) -> str:
        """Content hash: a cache key that changes exactly when the data change."""
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


def load_area(folder: Path = DEMO_DIR, today: date | None = None) -> tuple[AreaData | None, list[Problem]]:
    """Load and validate every file of an area folder (the demo area by default)."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in FILES:
        path = folder / name
        if not path.exists():
            problems.append(Problem(name, "file not found in " + str(folder)))
            continue
        raw_df, p = read_table(path.read_bytes(), name)
        problems += p
        if raw_df is not None:
            typed, p = validate_table(raw_df, name, today)
            problems += p
            if typed is not None:
                tables[name] = typed
    meta_path = folder / "area.json"
    try:
        info = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return None, problems + [Problem("area.json", f"could not be read: {err}")]
    if problems:
        return None, problems
    meta = AreaMeta(
        name=str(info["name"]),
        base_year=int(tables["population.csv"]["year"].max()),
        synthetic=bool(info.get("synthetic", False)),
        label=str(info.get("label", "")),
        provenance=str(info.get("provenance", "")),
        ambition_placements=int(info.get("ambition_placements", 146)),
        ambition_rate_per_100k=float(info.get("ambition_rate_per_100k", 350)),
        sources={name: str(info.get("provenance", "")) for name in tables},
    )
    return AreaData(meta, tables), []


def with_uploads(
    base: AreaData, uploads: Mapping[str, pd.DataFrame], name: str, source_note: str
) -> tuple[AreaData | None, list[Problem]]:
    """A new area: the validated uploaded tables replace those of ``base``.

    The required area files (admissions, placements, population) must all be
    uploaded; optional ones fall back to ``base`` and are labelled as such.
    Cross-file checks: the admissions and placements series must cover the same
    period and the population must include the years the series span.
    """
    missing = [n for n, s in FILES.items() if s.required and n not in uploads]
    if missing:
        return None, [Problem(n, "needed for a new area: upload this file too") for n in missing]
    tables = {**base.tables, **uploads}
    problems = []
    adm, plc, pop = tables["admissions_monthly.csv"], tables["placements_monthly.csv"], tables["population.csv"]
    for file, frame in (("admissions_monthly.csv", adm), ("placements_monthly.csv", plc)):
        if len(frame) < MIN_MONTHS:
            problems.append(
                Problem(
                    file,
                    f"{len(frame)} months; at least {MIN_MONTHS} (6 years) are needed to fit and backtest the models",
                )
            )
    first_year = int(min(adm["month"].min().year, plc["month"].min().year))
    years = set(pop["year"])
    if not any(y <= first_year + 1 for y in years):
        problems.append(Problem("population.csv", f"no population for the start of the series ({first_year})"))
    if problems:
        return None, problems
    sources = {
        n: (source_note if n in uploads else f"demo default ({base.meta.name}): {base.meta.sources.get(n, '')}")
        for n in FILES
    }
    meta = AreaMeta(
        name=name,
        base_year=int(pop["year"].max()),
        synthetic=False,
        label="",
        provenance=source_note,
        ambition_placements=base.meta.ambition_placements,
        ambition_rate_per_100k=base.meta.ambition_rate_per_100k,
        sources=sources,
    )
    return AreaData(meta, tables), []


def template_csv(spec_name: str, demo: AreaData) -> bytes:
    """A template for one file: the demo area's own table, so every column is shown with real-looking values."""
    df = demo.tables[spec_name].copy()
    if "month" in df:
        df["month"] = df["month"].dt.strftime("%Y-%m-%d")
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def annual_by_fy(monthly: pd.Series) -> pd.Series:
    """Sum a monthly series into NHS financial years (April–March), complete years only.

    Returns a Series indexed by FY label ("2019-20").
    """
    sums = complete_fy_totals(monthly)
    sums.index = [fy_label(y) for y in sums.index]
    return sums
