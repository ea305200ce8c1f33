"""Safe, readable exports: CSV bytes, Excel workbooks of tables, and the board-ready workbook.

Formula injection (OWASP "CSV injection"): a text cell that begins with ``= + - @``
(or a tab or carriage return) could run as a formula when opened in a spreadsheet.

- CSV has no cell types, so such cells are prefixed with an apostrophe.
- Excel workbooks keep the text exactly as it is and write it as a text cell with
  Excel's hidden *quote prefix* (the cell stays text even if edited), so nothing is
  mangled: "+27 escalation beds" reads "+27 escalation beds". XlsxWriter is also told
  never to turn strings into formulas or links.

Workbooks are written for people: readable headers ("Baseline, P10" rather than
``baseline_p10``), numbers as numbers with £ / % / thousands formats and sensible
decimals, dates as dates, frozen header rows, column widths that fit.
"""

from __future__ import annotations

import io
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ROOT = Path(__file__).resolve().parents[1]


def app_version() -> str:
    """The app's version (pyproject.toml)."""
    try:
        return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# --- CSV ------------------------------------------------------------------------------------


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


# --- readable headers and number formats ----------------------------------------------------

_WORDS = {
    "nea": "NEA",
    "acs": "ACS",
    "fy": "financial year",
    "gbp": "(£)",
    "pct": "(%)",
    "pp": "(percentage points)",
    "65plus": "65+",
    "icb": "ICB",
    "los": "length of stay",
    "p0": "P0",
    "p1": "P1",
    "p2": "P2",
    "p3": "P3",
    "per": "per",
    "100k": "100,000",
    "id": "ID",
}
_HEADERS = {
    "fy": "Financial year",
    "p_meet_ambition": "Chance of meeting the ambition",
    "p_break_even": "Chance of breaking even",
    "mean": "Mean",
    "metric": "Measure",
    "series": "Series",
}
_PERCENTILE = re.compile(r"^p(\d{2,3})$")


def _percentile_label(token: str) -> str | None:
    m = _PERCENTILE.fullmatch(token)
    if not m:
        return None
    digits = m.group(1)
    if len(digits) == 3:  # p025 -> P2.5, p975 -> P97.5
        return f"P{int(digits) / 10:g}"
    return f"P{int(digits)}"


def readable(column: object) -> str:
    """A header for people: ``baseline_p10`` → "Baseline, P10", ``budget_gbp`` → "Budget (£)"."""
    name = str(column)
    if name in _HEADERS:
        return _HEADERS[name]
    if not re.fullmatch(r"[a-z0-9_]+", name):
        return name  # already readable (or user text)
    if _percentile_label(name):
        return _percentile_label(name)
    tokens = name.split("_")
    tail = ""
    if len(tokens) > 1 and _percentile_label(tokens[-1]):
        tail = ", " + _percentile_label(tokens.pop())
    elif len(tokens) > 1 and tokens[-1] == "mean":
        tokens.pop()
        tail = ", mean"
    words = [_WORDS.get(t, t) for t in tokens]
    text = " ".join(w for w in words if w)
    text = text.replace(" (£)", " (£)").replace("  ", " ")
    return (text[:1].upper() + text[1:] + tail) if text else name


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


# --- the workbook writer ----------------------------------------------------------------------


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

    def value(self, ws: Any, row: int, col: int, value: Any, num_format: str | None = None, **props: Any) -> None:
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
            value = _rounded(float(value), num_format)
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
    ) -> Any:
        """One sheet holding ``df``: bold wrapped headers (frozen), typed and formatted cells, fitted widths."""
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
                self.value(ws, i, j, v, fmts[j])
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

    def image(self, name: str, pngs: Mapping[str, bytes]) -> None:
        ws = self.sheet(name)
        r = 0
        for title, png in pngs.items():
            self.text(ws, r, 0, title, bold=True, font_size=12)
            ws.insert_image(r + 1, 0, f"{title}.png", {"image_data": io.BytesIO(png), "x_scale": 0.8, "y_scale": 0.8})
            r += 30

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


# --- the board-ready workbook -----------------------------------------------------------------

LEVER_LABELS = {
    "name": "Scenario name",
    "horizon_years": "Horizon (financial years)",
    "n_draws": "Monte Carlo draws",
    "seed": "Random seed",
    "growth.variant": "Population growth variant",
    "growth.overrides": "Growth overrides by age band (% a year)",
    "growth.older_people_adjust_pp": "Older people's growth adjustment (percentage points)",
    "demand.covid": "COVID-19 treatment in the demand models",
    "savings_realised_pct": "Scheme savings realised (%)",
    "ambition_placements": "Ambition: care-home placements 65+ a year",
    "ambition_rate_per_100k": "Ambition: placements per 100,000 aged 65+",
}


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        path = f"{prefix}{k}"
        if k in ("schemes", "schema_version"):
            continue
        if isinstance(v, Mapping):
            out += _flatten(v, path + ".")
        elif isinstance(v, list | tuple):
            out.append((path, "; ".join(" ".join(map(str, x)) if isinstance(x, list | tuple) else str(x) for x in v) or "none"))
        else:
            out.append((path, v))
    return out


def lever_table(scenarios: Sequence[Any], labels: Sequence[str]) -> pd.DataFrame:
    """Every lever (one row each) with a column per scenario."""
    flat = [dict(_flatten(sc.model_dump(mode="json"))) for sc in scenarios]
    keys = list(flat[0])
    rows = []
    for key in keys:
        group, _, field = key.rpartition(".")
        label = LEVER_LABELS.get(key) or (
            (readable(group) + ": " if group else "") + readable(field).lower().replace("(£)", "(£)")
        )
        rows.append({"Lever": label, **{lab: f.get(key) for lab, f in zip(labels, flat, strict=True)}})
    df = pd.DataFrame(rows)
    return df


def scheme_levers(scenarios: Sequence[Any], labels: Sequence[str]) -> pd.DataFrame:
    frames = []
    for lab, sc in zip(labels, scenarios, strict=True):
        df = pd.DataFrame([s.model_dump() for s in sc.schemes])
        if df.empty:
            continue
        df.insert(0, "scenario", lab)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"scenario": []})


SCHEME_HEADERS = {
    "scenario": "Scenario",
    "name": "Scheme",
    "budget_gbp": "Budget (£ a year)",
    "reference_budget_gbp": "Reference budget (£ a year)",
    "metric": "Activity it avoids",
    "effect_low": "Effect a year at reference budget, low",
    "effect_central": "Effect, central",
    "effect_high": "Effect, high",
    "ramp_months": "Ramp-up (months)",
    "saturation": "Saturation (× reference budget)",
    "source": "Source",
}
RESULT_HEADERS = {
    "scenario": "Scenario",
    "metric": "Measure",
    "series": "Series",
    "p025": "P2.5",
    "p975": "P97.5",
    "rate_mean": "Rate per 100,000 aged 65+, mean",
    "rate_p10": "Rate per 100,000, P10",
    "rate_p50": "Rate per 100,000, P50",
    "rate_p90": "Rate per 100,000, P90",
    "rate_p025": "Rate per 100,000, P2.5",
    "rate_p975": "Rate per 100,000, P97.5",
    "avoided_a_year_mean": "Avoided a year, mean",
    "cost_per_avoided_gbp": "Cost per activity avoided (£)",
    "unit_value_gbp": "Value per activity (£)",
    "break_even_activity": "Break-even activity a year",
}
METRIC_NAMES = {
    "nea": "Emergency admissions (NEA)",
    "acs": "Avoidable admissions (ACS)",
    "placements": "Care-home placements 65+",
    "delayed_days": "Delayed bed days",
}

SERIES_NAMES = {"baseline": "Current funding trend", "scenario": "Scenario (with scheme changes)"}  # as engine.SERIES_LABELS


def _with_scenario(frames: Sequence[pd.DataFrame], labels: Sequence[str]) -> pd.DataFrame:
    out = []
    for lab, df in zip(labels, frames, strict=True):
        d = df.copy()
        if "metric" in d.columns:
            d["metric"] = d["metric"].map(lambda m: METRIC_NAMES.get(m, m))
        if "series" in d.columns:
            d["series"] = d["series"].map(lambda m: SERIES_NAMES.get(m, m))
        if len(labels) > 1:
            d.insert(0, "scenario", lab)
        out.append(d)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def board_workbook(
    results: Sequence[Any],
    area: Any,
    *,
    labels: Sequence[str] | None = None,
    headline: pd.DataFrame | None = None,
    extra_tables: Mapping[str, pd.DataFrame] | None = None,
    charts: Mapping[str, bytes] | None = None,
    created: datetime | None = None,
    title: str | None = None,
) -> bytes:
    """The board-ready workbook for one scenario or a comparison (``results``: engine.Results, one per scenario).

    Sheets: Cover · Headline (if given) · Levers · Schemes · Annual projections ·
    Placements 65+ · Scheme results · Monthly projections · any ``extra_tables`` ·
    Charts (PNG, if given) · Provenance · Assumptions.
    """
    if not results:
        raise ValueError("no results to export")
    scenarios = [r.scenario for r in results]
    labels = list(labels or [sc.name for sc in scenarios])
    created = created or datetime.now()
    meta = area.meta
    comparison = len(results) > 1
    book = Book()
    seeds = sorted({sc.seed for sc in scenarios})
    draws = sorted({sc.n_draws for sc in scenarios})
    cover = [
        ("Scenario" + ("s" if comparison else ""), "; ".join(labels)),
        ("Area", meta.name),
        ("Data", meta.label or ("Illustrative data" if meta.synthetic else "The area's own data")),
        ("Created", created.date() if isinstance(created, datetime) else created),
        ("App version", f"BCF Scenario Lab {app_version()}"),
        ("Random seed", seeds[0] if len(seeds) == 1 else ", ".join(map(str, seeds))),
        ("Monte Carlo draws", draws[0] if len(draws) == 1 else ", ".join(f"{d:,}" for d in draws)),
        ("Horizon", ", ".join(sorted({f"{sc.horizon_years} financial years" for sc in scenarios}))),
        ("First projected year", results[0].projection.first_fy),
        ("Data fingerprint", area.fingerprint),
    ]
    if comparison:
        cover.append(("Random numbers", "Common: every scenario uses the same seed, so differences are not noise"
                      if len(seeds) == 1 else "Different seeds: differences include Monte Carlo noise"))
    cover.append(("How to read", "P10–P90 is the range in which 8 futures in 10 fall; P50 is the middle. Money in £ a year "
                  "unless stated; financial years run April–March."))
    if meta.synthetic:
        cover.append(("Illustrative data", "The series are synthetic, calibrated to published figures. They are not real "
                      "patient data and must not be used for decisions."))
    book.key_values("Cover", cover, title="BCF Scenario Lab: " + (title or ("scenario comparison" if comparison else "scenario results")))
    if headline is not None:
        book.table("Headline", headline)
    book.table("Levers", lever_table(scenarios, labels), title="The scenario levers")
    book.table("Schemes", scheme_levers(scenarios, labels), headers=SCHEME_HEADERS, title="Pooled-fund schemes (levers)")
    p = [r.projection for r in results]
    book.table("Annual projections", _with_scenario([x.annual for x in p], labels), headers=RESULT_HEADERS)
    book.table("Placements 65+", _with_scenario([x.placements_table for x in p], labels), headers=RESULT_HEADERS)
    book.table("Scheme results", _with_scenario([x.schemes for x in p], labels), headers=RESULT_HEADERS)
    book.table("Monthly projections", _with_scenario([x.monthly for x in p], labels), headers=RESULT_HEADERS)
    winters = [getattr(r, "winter", None) for r in results]  # the engine's first projected winter, when it runs one
    if all(w is not None for w in winters):
        for attr, sheet in (("kpis", "Winter KPIs"), ("costs", "Winter costs"), ("weekly", "Winter by week")):
            frames = [getattr(w, attr, None) for w in winters]
            if all(isinstance(f, pd.DataFrame) for f in frames):
                book.table(sheet, _with_scenario(frames, labels), headers=RESULT_HEADERS)
    for name, df in (extra_tables or {}).items():
        book.table(name, df, headers=RESULT_HEADERS)
    if charts:
        book.image("Charts", charts)
    prov = [("Area", meta.name), ("Data", meta.label), ("Provenance", meta.provenance)]
    seen: set[str] = {meta.provenance}
    for file, note in (meta.sources or {}).items():
        if note not in seen:
            prov.append((file, note))
            seen.add(note)
    book.key_values("Provenance", prov, title="Where the data come from")
    book.table("Assumptions", assumptions_table(area), title="Assumptions and their sources")
    return book.close()


def assumptions_table(area: Any) -> pd.DataFrame:
    """Unit costs and flow defaults of the area, each with its unit and source."""
    frames = []
    for file, kind, key in (("unit_costs.csv", "Unit cost", "item"), ("flow_defaults.csv", "Discharge flow", "parameter")):
        t = area.tables.get(file)
        if t is None:
            continue
        d = pd.DataFrame(
            {
                "Group": kind,
                "Assumption": t[key].astype(str).map(readable),
                "Value": t["value"].astype(str),
                "Unit": t["unit"].astype(str) if "unit" in t else "",
                "Source": t["source"].astype(str) if "source" in t else "",
            }
        )
        frames.append(d)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not df.empty:
        df["Value"] = df["Value"].map(_as_number)
    return df


def _as_number(text: str) -> object:
    try:
        v = float(text)
    except ValueError:
        return text
    return int(v) if v.is_integer() else v
