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

import asyncio
import io
import logging
import math
import os
import re
import struct
import threading
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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


# --- charts as PNG (kaleido drives a headless Chromium) -----------------------------------------

RENDER_TIMEOUT_S = 30.0  # for all of a workbook's charts, browser start included (≈ 3 s for four charts)
PNG_WIDTH, PNG_HEIGHT, PNG_SCALE = 1200, 640, 1.5  # CSS pixels (the figures' fonts are sized for this), then ×1.5
_RENDER_SLOTS = threading.BoundedSemaphore(2)  # at most two browsers at once (≈ 200 MB each)
log = logging.getLogger(__name__)


@dataclass
class ChartImages:
    """Charts rendered for a workbook: ``pngs`` by title, and ``problem`` saying why some or all are missing."""

    pngs: dict[str, bytes] = field(default_factory=dict)
    problem: str = ""
    seconds: float = 0.0


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header ((0, 0) if it is not a PNG)."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    return struct.unpack(">II", png[16:24])


def browser_path() -> str | None:
    """The Chromium (or Chrome) kaleido will drive: $BROWSER_PATH, $BCF_CHROMIUM, else choreographer's search.

    choreographer looks for ``chromium``, ``chromium-browser``, ``google-chrome`` … on the PATH
    and in the usual install folders (and a copy fetched by ``kaleido_get_chrome``).
    """
    for var in ("BROWSER_PATH", "BCF_CHROMIUM"):
        if (p := os.environ.get(var)) and os.path.isfile(p):
            return p
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    try:
        found = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a broken lookup is the same as no browser
        return None
    return found if found and os.path.isfile(found) else None


def _plain_reason(err: BaseException) -> str:
    name = type(err).__name__
    if isinstance(err, TimeoutError | asyncio.TimeoutError):
        return "drawing them took too long"
    if "ChromeNotFound" in name:
        return "no Chromium browser was found on this computer to draw them"
    if "Browser" in name or "Channel" in name:
        return "the Chromium browser that draws them failed to start or stopped"
    return "drawing them failed unexpectedly (the details are in the server log)"


def _for_print(fig: Any) -> Any:  # noqa: ANN401 - a plotly Figure (or its dict)
    """A copy of the figure for a picture: the title kept clear of the picture's left edge."""
    try:
        import plotly.graph_objects as go

        out = go.Figure(fig)
        out.update_layout(title_pad_l=16)
        return out
    except Exception:  # noqa: BLE001 - draw it as it is
        return fig


def render_pngs(figures: Mapping[str, Any], *, timeout: float = RENDER_TIMEOUT_S) -> ChartImages:
    """Plotly figures as PNG bytes, with one browser start for all of them, in at most ``timeout`` seconds.

    Never raises: without kaleido or a browser, on a failure or when time runs out, the
    result says why in plain words (``problem``) and holds whatever was drawn by then.
    """
    start = time.monotonic()
    if not figures:
        return ChartImages()
    try:
        import kaleido
    except ImportError:
        return ChartImages(problem="the chart renderer (the kaleido package) is not installed")
    path = browser_path()
    if path is None:
        return ChartImages(problem="no Chromium browser was found on this computer to draw them")
    if not _RENDER_SLOTS.acquire(timeout=timeout):
        return ChartImages(problem="the chart renderer was busy with other exports; try again in a moment")
    pngs: dict[str, bytes] = {}
    errors: list[BaseException] = []
    left = max(1.0, timeout - (time.monotonic() - start))

    async def draw() -> None:
        opts = {"format": "png", "width": PNG_WIDTH, "height": PNG_HEIGHT, "scale": PNG_SCALE}
        async with kaleido.Kaleido(n=1, timeout=left, mathjax=False, path=path) as k:  # no MathJax: nothing fetched
            for title, fig in figures.items():
                pngs[title] = await k.calc_fig(_for_print(fig), opts=opts)

    def work() -> None:  # a thread of its own: its own event loop, whatever the caller runs in
        try:
            asyncio.run(asyncio.wait_for(draw(), left))
        except BaseException as err:  # noqa: BLE001 - reported in plain words, never a traceback
            errors.append(err)
        finally:
            _RENDER_SLOTS.release()

    thread = threading.Thread(target=work, name="board-charts", daemon=True)
    thread.start()
    thread.join(left + 5.0)  # the browser gets a few seconds to close after a timeout
    seconds = time.monotonic() - start
    drawn = {t: pngs[t] for t in figures if t in pngs and png_size(pngs[t])[0]}
    if thread.is_alive():
        problem = f"drawing them took longer than {timeout:.0f} seconds"
    elif errors:
        problem = _plain_reason(errors[0])
        log.warning("board workbook charts not drawn: %r", errors[0], exc_info=errors[0])
    elif len(drawn) < len(figures):
        problem = "some charts came back empty"
    else:
        problem = ""
    if problem and drawn:
        missing = [t for t in figures if t not in drawn]
        problem = f"{len(missing)} of {len(figures)} charts are missing ({'; '.join(missing)}): {problem}"
    return ChartImages(drawn, problem, seconds)


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


_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")


def day_month(mmdd: str) -> str:
    """A month-day lever as people write it: "12-01" → "1 Dec" (UK order, no leading zero)."""
    m = _MONTH_DAY.fullmatch(mmdd)
    if not m or not 1 <= int(m.group(1)) <= 12:
        return mmdd
    return f"{int(m.group(2))} {date(2000, int(m.group(1)), 1):%b}"


MONTH_DAY_LEVERS = ("flow.escalation_open", "flow.escalation_close")


def _lever_value(key: str, value: Any) -> Any:  # noqa: ANN401
    return day_month(value) if key in MONTH_DAY_LEVERS and isinstance(value, str) else value


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
        rows.append({"Lever": label, **{lab: _lever_value(key, f.get(key)) for lab, f in zip(labels, flat, strict=True)}})
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
    "p_day": "Share of winter days",
    "week_start": "Week starting",
}
METRIC_NAMES = {
    "nea": "Emergency admissions (NEA)",
    "acs": "Avoidable admissions (ACS)",
    "placements": "Care-home placements 65+",
    "delayed_days": "Delayed bed days",
    "p1_capacity": "Home First (P1) starts a week",
    "p2_capacity": "Step-down (P2) beds",
    "p3_capacity": "Interim care-home (P3) placements a week",
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
    charts: bool | Mapping[str, bytes] | ChartImages = True,
    created: datetime | None = None,
    title: str | None = None,
    chart_timeout: float = RENDER_TIMEOUT_S,
) -> bytes:
    """The board-ready workbook for one scenario or a comparison (``results``: engine.Results, one per scenario).

    Sheets: Cover · Headline (if given) · Levers · Schemes · Annual projections ·
    Placements 65+ · Scheme results · Monthly projections · any ``extra_tables`` ·
    Charts · Provenance · Assumptions.

    ``charts``: True (the default) draws the headline charts the pages show
    (models/charts/board.py: the scenario's, or the Compare page's for several) as PNG
    with kaleido, within ``chart_timeout`` seconds; False leaves them out; PNG bytes by
    title (or a :class:`ChartImages`) are used as given. When charts cannot be drawn (no
    Chromium, a failure, too slow) the workbook is still written and its Cover and Charts
    sheets say plainly that charts were not included, and why.
    """
    if not results:
        raise ValueError("no results to export")
    scenarios = [r.scenario for r in results]
    labels = list(labels or [sc.name for sc in scenarios])
    images = _chart_images(results, area, labels, charts, chart_timeout)
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
    cover.append(("Charts", _charts_line(images, charts)))
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
                table, formats = _winter_sheet(attr, _with_scenario(frames, labels))
                book.table(sheet, table, headers=RESULT_HEADERS, formats=formats)
    for name, df in (extra_tables or {}).items():
        book.table(name, df, headers=RESULT_HEADERS)
    if images.pngs:
        book.image("Charts", images.pngs, intro=_charts_line(images, charts))
    elif charts is not False:
        book.key_values("Charts", [("Charts", _charts_line(images, charts))], title="Charts")
    prov = [("Area", meta.name), ("Data", meta.label), ("Provenance", meta.provenance)]
    seen: set[str] = {meta.provenance}
    for file, note in (meta.sources or {}).items():
        if note not in seen:
            prov.append((file, note))
            seen.add(note)
    book.key_values("Provenance", prov, title="Where the data come from")
    book.table("Assumptions", assumptions_table(area), title="Assumptions and their sources")
    return book.close()


def _winter_sheet(attr: str, df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A winter table for people: its label instead of the code, one unit per row (shares as %)."""
    df = df.copy()
    code = {"kpis": "kpi", "costs": "component"}.get(attr)
    if code is None or code not in df or "label" not in df:
        return df, {}
    stats = [c for c in ("mean", "p10", "p50", "p90") if c in df]
    if attr == "kpis":
        share = df[code].astype(str).str.startswith("share_")
        df.loc[share, stats] = df.loc[share, stats].astype(float) * 100
        df.loc[share, "label"] = df.loc[share, "label"].astype(str) + " (%)"
        formats = {c: ONE_DP for c in stats} | {"p_day": PCT_FRACTION}
    else:
        formats = {c: GBP for c in stats}
    df = df.drop(columns=[code]).rename(columns={"label": "metric"})
    return df, formats


def _chart_images(
    results: Sequence[Any], area: Any, labels: Sequence[str], charts: Any, timeout: float  # noqa: ANN401
) -> ChartImages:
    if isinstance(charts, ChartImages):
        return charts
    if charts is False or charts is None:
        return ChartImages(problem="this export was made without charts")
    if isinstance(charts, Mapping):
        return ChartImages(dict(charts))
    try:
        from models.charts.board import comparison_figures, scenario_figures

        figures = comparison_figures(results, labels, area) if len(results) > 1 else scenario_figures(results[0], area)
    except Exception as err:  # noqa: BLE001 - the tables matter more than the pictures
        log.warning("board workbook charts not built: %r", err)
        return ChartImages(problem="the charts could not be built from these results (the details are in the server log)")
    return render_pngs(figures, timeout=timeout)


def _charts_line(images: ChartImages, charts: Any) -> str:  # noqa: ANN401
    n = len(images.pngs)
    if n and not images.problem:
        return f"{n} chart{'s' if n != 1 else ''} on the Charts sheet (PNG pictures of the app's charts)."
    if n:
        return f"{n} chart{'s' if n != 1 else ''} on the Charts sheet; {images.problem}."
    if charts is False or charts is None:
        return "Not included: this export was made without charts."
    return f"Not included: {images.problem}. The tables hold every number the charts show."


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
