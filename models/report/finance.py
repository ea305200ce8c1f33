"""Board-ready Excel workbook of a scenario's finance and risk share (XlsxWriter, through ``models.core.xlsx.Book``).

Sheets: Cover (scenario, area, date, app version, seed, draws, the "illustrative data"
label), Terms (levers and risk-share terms), Statement (year by year per partner), Fund
(year by year per line), Percentiles (per partner over the horizon), the fund statement
(:func:`models.money.fund.fund_statement`: Fund by source — income, spend and balance —,
Spend by scheme, Spend by type, Contributions by funder), National conditions (both checks and
every warning), Assumptions (unit costs with their sources, from the area's ``unit_costs.csv``).

Numbers are written as numbers, as computed, with £ / % formats, dates as dates, header rows frozen.
Every text cell is written as a string cell, a leading ``=`` ``+`` ``-`` ``@`` with Excel's hidden quote
prefix (:meth:`models.core.xlsx.Book.text`), so a name such as ``=HYPERLINK(...)`` is shown as typed and
never evaluated, with no apostrophe added to the text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from models.core.paths import app_version
from models.core.xlsx import Book
from models.inputs.areas import AreaData
from models.inputs.funding_rules import SOURCES
from models.money.fund import conditions_table, fund_statement, national_conditions
from models.money.riskshare import SUMMARY_HEADERS, Finance, split_weights
from models.scenario import RISK_LINES, Scenario

GBP = "£#,##0;[Red]-£#,##0"
PCT = "0.0%"
DATE = "d mmm yyyy"
COUNT = "#,##0"
GENERAL = "General"  # Excel's own format for a number with none of the above
HEADER = {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}  # as Book.table's
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
    "p_overspend": "Chance of an overspend",
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


def _format_for(col: str) -> str:
    if col.endswith("_gbp"):
        return GBP
    if col.startswith("p_") or col in ("share",):
        return PCT
    return GENERAL


def _table(book: Book, name: str, df: pd.DataFrame, headers: dict[str, str]) -> None:
    """The columns of ``df`` named in ``headers``, in their order, under those headers; numbers as computed."""
    cols = [c for c in headers if c in df.columns]
    book.table(name, df[cols], headers=headers, formats={c: _format_for(c) for c in cols}, exact=True)


def _key_values(book: Book, name: str, rows: Sequence[tuple[str, Any, str | None]], header: tuple[str, str]) -> None:
    """A two-column sheet of labels and values, each value with its own number format, under a frozen header."""
    ws = book.sheet(name)
    for j, label in enumerate(header):
        book.text(ws, 0, j, label, **HEADER)
    for i, (label, value, fmt) in enumerate(rows, start=1):
        book.text(ws, i, 0, label)
        book.value(ws, i, 1, value, fmt, exact=True)
    ws.set_column(0, 0, 52)
    ws.set_column(1, 1, 40)
    ws.freeze_panes(1, 0)


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
        rows.append(
            (
                f"Line: {label}",
                {"pool": "pooled", "lead": "its lead partner", "outside": "not shared"}.get(how, how),
                None,
            )
        )
    for s in scenario.schemes:
        rows.append((f"Scheme: {s.name} (£ a year, lead {s.lead_partner})", float(s.budget_gbp), GBP))
    rows.append(
        (
            "NHS minimum contribution to adult social care required (£ a year)",
            "not entered" if scenario.nhs_asc_requirement_gbp is None else float(scenario.nhs_asc_requirement_gbp),
            GBP,
        )
    )
    return rows


def _weights(fin: Finance) -> tuple[np.ndarray, np.ndarray]:
    return split_weights(fin.terms, fin.allocation.contributions)


def finance_workbook(
    scenario: Scenario, area: AreaData, fin: Finance, *, today: dt.date | None = None, exceed_gbp: float = 0.0
) -> bytes:
    """The finance workbook as .xlsx bytes (see the module docstring)."""
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
    book = Book()
    _key_values(book, "Cover", cover_rows, ("Item", "Value"))
    _key_values(book, "Terms", term_rows(scenario, fin), ("Lever or term", "Value"))
    _table(book, "Statement", fin.statement, STATEMENT_HEADERS)
    _table(book, "Fund", fin.fund, FUND_HEADERS)
    _table(book, "Percentiles", fin.summary, SUMMARY_HEADERS)
    _fund_sheets(book, scenario)
    _table(book, "Assumptions", assumptions(area), ASSUMPTION_HEADERS)
    return book.close()


SOURCE_HEADERS = {
    "label": "Funding source",
    "funder": "Paid by",
    "income_gbp": "Income (£ a year)",
    "spend_gbp": "Spend (£ a year)",
    "balance_gbp": "Balance: unallocated + / overcommitted − (£ a year)",
    "status": "Balance",
}
_BY_SOURCE = {f"{k}_gbp": f"From {src.label} (£ a year)" for k, src in SOURCES.items()}
SCHEME_HEADERS = {
    "scheme": "Scheme",
    "scheme_type": "Service type",
    "step": "Step-up / step-down",
    "lead_partner": "Lead partner",
    "current_budget_gbp": "Current budget (£ a year)",
    "budget_gbp": "Scenario budget (£ a year)",
    **_BY_SOURCE,
}
TYPE_HEADERS = {"scheme_type": "Service type", "schemes": "Schemes", "budget_gbp": "Spend (£ a year)", **_BY_SOURCE}
CONTRIBUTION_HEADERS = {"partner": "Partner", "contribution_gbp": "Contribution (£ a year)", "basis": "Basis"}
CONDITION_HEADERS = {
    "condition": "National condition",
    "required": "Required",
    "scenario": "This scenario",
    "status": "Status",
}


def _fund_sheets(book: Book, scenario: Scenario) -> None:
    """The fund statement (by source, scheme and type; contributions by funder) and the national conditions."""
    fund = fund_statement(scenario)
    _table(book, "Fund by source", fund.sources, SOURCE_HEADERS)
    _table(book, "Spend by scheme", fund.schemes, SCHEME_HEADERS)
    _table(book, "Spend by type", fund.types, TYPE_HEADERS)
    _table(book, "Contributions", fund.contributions, CONTRIBUTION_HEADERS)
    warnings = fund.warnings + national_conditions(scenario)
    conditions = pd.concat(
        [
            conditions_table(scenario),
            pd.DataFrame({"condition": ["Warning"] * len(warnings), "status": warnings}),
        ],
        ignore_index=True,
    ).fillna("")
    _table(book, "National conditions", conditions, CONDITION_HEADERS)


ASSUMPTION_HEADERS = {"item": "Unit cost", "value": "Value", "unit": "Unit", "source": "Source"}


def assumptions(area: AreaData) -> pd.DataFrame:
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
