"""Board-ready Excel workbook of a scenario's finance and risk share (openpyxl).

Sheets: Cover (scenario, area, date, app version, seed, draws, the "illustrative data"
label), Terms (levers and risk-share terms), Statement (year by year per partner), Fund
(year by year per line), Percentiles (per partner over the horizon), Assumptions (unit
costs with their sources, from the area's ``unit_costs.csv``).

Numbers are written as numbers with £ / % formats, dates as dates, header rows frozen.
Every text cell is written as a string cell (``data_type = "s"``), so a name such as
``=HYPERLINK(...)`` is shown as typed and never evaluated, with no apostrophe added.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import tomllib
from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook  # noqa: F401 - load_workbook re-exported for tests
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.core.paths import REPO_ROOT
from models.money.riskshare import Finance, split_weights
from models.scenario.levers import RISK_LINES, Scenario

GBP = "£#,##0;[Red]-£#,##0"
PCT = "0.0%"
DATE = "d mmm yyyy"
COUNT = "#,##0"
ROOT = REPO_ROOT
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
ILLUSTRATIVE = "Illustrative demo data (synthetic): not real patient data"

STATEMENT_HEADERS = {
    "partner": "Partner",
    "fy": "Financial year",
    "contribution_gbp": "Contribution (£ a year)",
    "lines_carried_gbp": "Lines carried outside the pool (£, mean)",
    "threshold_gbp": "Threshold borne as lead (£, mean)",
    "overspend_share_gbp": "Share of pooled overspend (£, mean)",
    "underspend_share_gbp": "Share of pooled underspend (£, mean)",
    "net_position_gbp": "Net position (£, mean)",
    "p10_gbp": "Net position P10 (£)",
    "p50_gbp": "Net position P50 (£)",
    "p90_gbp": "Net position P90 (£)",
    "p_overspend": "Probability of an overspend",
}
SUMMARY_HEADERS = {
    "partner": "Partner",
    "contribution_gbp": "Contribution (£ a year)",
    "p10_gbp": "P10 (£)",
    "p50_gbp": "P50 (£)",
    "p90_gbp": "P90 (£)",
    "mean_gbp": "Mean (£)",
    "p_overspend": "Probability of an overspend",
    "p_exceed": "Probability of exceeding the stated amount",
    "expected_liability_gbp": "Expected liability (£)",
}
FUND_HEADERS = {
    "fy": "Financial year",
    "label": "Line",
    "basis": "Basis",
    "carried_by": "Carried by",
    "plan_gbp": "Plan (£)",
    "outturn_gbp": "Outturn (£, mean)",
    "variance_gbp": "Variance (£, mean)",
    "variance_p10_gbp": "Variance P10 (£)",
    "variance_p90_gbp": "Variance P90 (£)",
}


def app_version() -> str:
    """The app's version (pyproject.toml)."""
    try:
        return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:  # noqa: ANN401
    """Write one cell: text as a string cell (never a formula), numbers as numbers, dates as dates."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        cell.value = None
        return
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, int | float):
        cell.value = float(value) if isinstance(value, float) else value
        if fmt:
            cell.number_format = fmt
    elif isinstance(value, dt.date | dt.datetime):
        cell.value = value
        cell.number_format = fmt or DATE
    else:
        cell.value = str(value)
        cell.data_type = "s"  # literal text: a leading '=', '+', '-' or '@' is not a formula
    return


def _format_for(col: str) -> str | None:
    if col.endswith("_gbp"):
        return GBP
    if col.startswith("p_") or col in ("share",):
        return PCT
    return None


def _table(ws: Worksheet, df: pd.DataFrame, headers: dict[str, str]) -> None:
    cols = [c for c in headers if c in df.columns]
    for j, c in enumerate(cols, start=1):
        _put(ws, 1, j, headers[c])
        cell = ws.cell(row=1, column=j)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, rec in enumerate(df[cols].itertuples(index=False), start=2):
        for j, (c, v) in enumerate(zip(cols, rec, strict=True), start=1):
            _put(ws, i, j, v.item() if hasattr(v, "item") else v, _format_for(c))
    for j, c in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(48, len(headers[c]) + 2))
    ws.freeze_panes = "A2"


def _key_values(ws: Worksheet, rows: Sequence[tuple[str, Any, str | None]], header: tuple[str, str]) -> None:
    _put(ws, 1, 1, header[0])
    _put(ws, 1, 2, header[1])
    for j in (1, 2):
        ws.cell(row=1, column=j).font = Font(bold=True)
        ws.cell(row=1, column=j).fill = HEADER_FILL
    for i, (k, v, fmt) in enumerate(rows, start=2):
        _put(ws, i, 1, k)
        _put(ws, i, 2, v, fmt)
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 40
    ws.freeze_panes = "A2"


def term_rows(scenario: Scenario, fin: Finance) -> list[tuple[str, Any, str | None]]:
    """The levers and risk-share terms as (label, value, number format) rows."""
    t = scenario.risk_share
    a = fin.allocation
    rows: list[tuple[str, Any, str | None]] = [
        ("Horizon (financial years)", scenario.horizon_years, COUNT),
        ("Scheme changes realised", scenario.savings_realised_pct / 100.0, PCT),
        ("Pooled fund: scheme budgets (£ a year)", scenario.scheme_budget_gbp, GBP),
        ("Split basis", "in proportion to contributions" if t.split_basis == "contributions" else "agreed split", None),
    ]
    for k, p in enumerate(t.partners):
        rows += [
            (f"{p.name}: contribution (£ a year)", float(a.contributions[k]), GBP),
            (f"{p.name}: share of an overspend", float(_weights(fin)[0][k]), PCT),
            (f"{p.name}: share of an underspend", float(_weights(fin)[1][k]), PCT),
            (f"{p.name}: cap on its overspend a year (£)", "no cap" if p.cap_gbp is None else float(p.cap_gbp), GBP),
        ]
    rows += [
        ("Contingency / risk pool (£ a year)", float(t.contingency_gbp), GBP),
        ("Threshold borne by the overspending line's lead (£ a year)", float(t.threshold_gbp), GBP),
        ("Capped excess goes to", t.cap_excess_to, None),
        ("Acute lead", t.acute_lead, None),
        ("Social-care lead", t.social_care_lead, None),
        ("Performance element (% of the acute lead's contribution)", t.performance_pct / 100.0, PCT),
        ("Performance element (£ a year)", float(a.performance_gbp), GBP),
        ("Admissions reduction target", t.admissions_target_pct / 100.0, PCT),
        (
            "Planned NEA",
            "the scenario's expected"
            if t.plan_nea_reduction_pct is None
            else f"{t.plan_nea_reduction_pct:g}% below the current funding trend",
            None,
        ),
        (
            "Planned placements",
            "the scenario's expected"
            if t.plan_placements_reduction_pct is None
            else f"{t.plan_placements_reduction_pct:g}% below the current funding trend",
            None,
        ),
    ]
    for line, label in RISK_LINES.items():
        how = t.treatment(line)
        rows.append((f"Line: {label}", {"pool": "pooled", "lead": "its lead partner", "outside": "not shared"}.get(how, how), None))
    for s in scenario.schemes:
        rows.append((f"Scheme: {s.name} (£ a year, lead {s.lead_partner})", float(s.budget_gbp), GBP))
    return rows


def _weights(fin: Finance) -> tuple[Any, Any]:
    return split_weights(fin.terms, fin.allocation.contributions)


def finance_workbook(
    scenario: Scenario, area: Any, fin: Finance, *, today: dt.date | None = None, exceed_gbp: float = 0.0  # noqa: ANN401
) -> bytes:
    """The finance workbook as .xlsx bytes (see the module docstring)."""
    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    meta = area.meta
    cover_rows: list[tuple[str, Any, str | None]] = [
        ("Report", "Risk share and finance: who carries the overspend", None),
        ("Scenario", scenario.name, None),
        ("Area", meta.name, None),
        ("Date", today or dt.date.today(), DATE),
        ("App version", app_version(), None),
        ("Random seed", scenario.seed, "0"),
        ("Monte Carlo draws", scenario.n_draws, COUNT),
        ("Financial years", f"{fin.allocation.fy[0]} – {fin.allocation.fy[-1]}" if fin.allocation.fy else "", None),
        ("Stated amount for the exceedance probability (£)", float(exceed_gbp), GBP),
        ("Sign convention", "positive £ = overspend a partner carries; negative = money back", None),
    ]
    if meta.synthetic:
        cover_rows.insert(1, ("Data", ILLUSTRATIVE, None))
    _key_values(cover, cover_rows, ("Item", "Value"))
    _key_values(wb.create_sheet("Terms"), term_rows(scenario, fin), ("Lever or term", "Value"))
    _table(wb.create_sheet("Statement"), fin.statement, STATEMENT_HEADERS)
    _table(wb.create_sheet("Fund"), fin.fund, FUND_HEADERS)
    summary = fin.summary.copy()
    _table(wb.create_sheet("Percentiles"), summary, SUMMARY_HEADERS)
    _table(wb.create_sheet("Assumptions"), assumptions(area), ASSUMPTION_HEADERS)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ASSUMPTION_HEADERS = {"item": "Unit cost", "value": "Value", "unit": "Unit", "source": "Source"}


def assumptions(area: Any) -> pd.DataFrame:  # noqa: ANN401
    """The area's unit costs with value (a number), unit and source."""
    t = area.tables.get("unit_costs.csv")
    if t is None:
        return pd.DataFrame(columns=list(ASSUMPTION_HEADERS))
    out = pd.DataFrame(
        {
            "item": t["item"].astype(str),
            "value": pd.to_numeric(t["value"], errors="coerce"),
            "unit": t["unit"].astype(str) if "unit" in t else "",
            "source": t["source"].astype(str) if "source" in t else "",
        }
    )
    return out
