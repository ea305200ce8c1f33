"""The board pack: one workbook a board paper can take as it is (docs/board-pack.md).

Sheets, in order: Cover (with contents) · Headline (the three BCF core metrics against the area's maximum levels,
the settlement years, the quarterly on-track report, supporting measures and every headline figure against current
funding) · Levers (the scenario's levers in words) · Results by year · Winter (the first
projected winter, its costs and the planner's options) · Risk share (each partner's P10/P50/P90 and chance of an
overspend, year by year, the fund's lines and the tornado) · Charts · Assumptions (the scenario's own values, with
sources) · Provenance.

Every number is read from the one pipeline's results (:func:`models.pipeline.run`, :func:`~models.pipeline.finance`,
:func:`~models.pipeline.tornado`, :func:`~models.pipeline.winter_options`), so it equals the page's and the command
line's for the same scenario, seed and draws. Tables are built from the frames the pipeline returns, column by
column, so a new KPI or option column appears here without a code change. The scenario carries one name
everywhere (:func:`pack_name`). Each sheet is laid out for A4 (models/report/sheets.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from models import pipeline
from models.charts.board import chart_note, scenario_figures
from models.charts.finance import tornado_chart
from models.core.labels import readable
from models.core.paths import app_version
from models.core.xlsx import GBP, ONE_DP, PCT_FRACTION, THOUSANDS, Book
from models.inputs.areas import AreaData
from models.money.riskshare import SUMMARY_COLUMNS, SUMMARY_HEADERS, Finance
from models.pipeline import HEADLINE_LABELS, Results
from models.pipeline.benchmarks import PROVENANCE_COLUMNS, benchmark_table, low_coverage_months
from models.pipeline.core_metrics import (
    CORE_METRICS,
    PLAN_YEARS,
    core_metrics,
    on_track_summary,
    quarterly_table,
    yearly_table,
)
from models.pipeline.views import plan_money
from models.report.levers import METRIC_NAMES, SERIES_NAMES, day_month, lever_table
from models.report.render import RENDER_TIMEOUT_S, ChartImages, render_pngs
from models.report.sheets import PX_PT, PrintSheet, printable_pt
from models.scenario import RISK_LINES, Scenario

#: Width of a chart picture on the page (points): inside a portrait A4 page's printable width (523 pt), so two
#: charts (1200 × 640 pictures: 267 pt high each) and their titles fit on one page.
CHART_WIDTH_PT = 500.0


@dataclass(frozen=True)
class AmbitionMetric:
    """One metric the board tracks against an ambition: a headline figure, its unit, its ambition, its direction.

    ``ambition`` reads the ambition from the scenario (None: the metric has no ambition of its own). The three
    2025-27 core metrics have their own table (:func:`core_metric_table`); these are the supporting measures.
    """

    label: str
    key: str  # a key of models.pipeline.HEADLINE_LABELS
    unit: str  # "count", "rate", "share" or "gbp"
    ambition: Callable[[Scenario], float | None]
    lower_is_better: bool = True


AMBITION_METRICS: tuple[AmbitionMetric, ...] = (
    AmbitionMetric(
        "Care-home placements 65+ a year", "placements_first_fy", "count", lambda sc: float(sc.ambition_placements)
    ),
    AmbitionMetric("Emergency admissions (NEA) a year, all ages", "nea_first_fy", "count", lambda sc: None),
    AmbitionMetric("Avoidable (ACS) admissions a year", "acs_first_fy", "count", lambda sc: None),
    AmbitionMetric("Winter delayed bed days", "winter_delayed_bed_days", "count", lambda sc: None),
)
"""The supporting measures under the three core metrics (:func:`core_metric_table`) on the Headline sheet."""
UNIT_FORMAT = {"count": THOUSANDS, "rate": ONE_DP, "share": PCT_FRACTION, "gbp": GBP}


@dataclass(frozen=True)
class PackInputs:
    """Everything the pack shows, computed by the one pipeline (see :func:`pack_inputs`)."""

    results: Results
    reference: Results | None
    finance: Finance | None
    tornado: pd.DataFrame | None
    options: pd.DataFrame | None
    capacity: Mapping[str, Mapping[str, float | str]] | None = None  # pipeline.capacity_attribution

    def scheme_table(self) -> pd.DataFrame:
        """The Scheme funding page's table: what each scheme buys, with its winter bed days when it buys capacity."""
        return pipeline.scheme_table_with_winter(self.results, dict(self.capacity) if self.capacity else None)


def pack_name(scenario: Scenario, label: str | None = None) -> str:
    """The scenario's one name in the pack (cover, levers, footers, charts).

    ``label`` is what the app calls it (a preset's or saved name, or "Custom" after a change). When it differs from
    the name stored in the scenario, both are said once, so the cover never says "Custom" while the levers say
    "Baseline".
    """
    stored = scenario.name.strip()
    if not label or label.strip() == stored:
        return stored
    return f"{label.strip()} (changed from {stored})" if label.strip() == "Custom" else label.strip()


def pack_inputs(
    results: Results,
    area: AreaData,
    stages: pipeline.Stages | None = None,
    *,
    finance: Finance | None = None,
    tornado: pd.DataFrame | None = None,
    options: pd.DataFrame | None = None,
    reference: Results | None = None,
) -> PackInputs:
    """The pack's numbers: what is given, the rest from the pipeline with ``stages`` (the caller's caches).

    The reference is current funding (:func:`models.pipeline.reference_scenario`), on the same draws and seed.
    """
    sc = results.scenario
    stages = stages or pipeline.memo_stages()
    if reference is None:
        ref_sc = pipeline.reference_scenario(area, sc)
        reference = results if ref_sc.to_json() == sc.to_json() else pipeline.run(ref_sc, area, stages)
    finance = finance if finance is not None else pipeline.finance(sc, area, stages)
    tornado = tornado if tornado is not None else pipeline.tornado(sc, area, stages)
    capacity = None
    if results.winter is not None:
        options = options if options is not None else pipeline.winter_options(sc, results.winter)
        capacity = pipeline.capacity_attribution(sc, results.winter)
    return PackInputs(results, reference, finance, tornado, options, capacity)


# --- tables --------------------------------------------------------------------------------------------------


def ambition_table(results: Results, reference: Results | None) -> pd.DataFrame:
    """Each metric of :data:`AMBITION_METRICS`: the scenario, current funding, the change, the ambition, met or not."""
    h = pipeline.headline(results)
    r = pipeline.headline(reference) if reference is not None else {}
    rows = []
    for m in AMBITION_METRICS:
        value = h.get(m.key, float("nan"))
        ambition = m.ambition(results.scenario)
        met = (
            "–"
            if ambition is None or pd.isna(value)
            else ("Yes" if (value <= ambition if m.lower_is_better else value >= ambition) else "No")
        )
        rows.append(
            {
                "metric": m.label,
                "scenario": value,
                "current": r.get(m.key, float("nan")),
                "change": value - r.get(m.key, float("nan")),
                "ambition": ambition,
                "meets": met,
            }
        )
    return pd.DataFrame(rows)


def core_metric_table(results: Results, reference: Results | None, area: AreaData) -> pd.DataFrame:
    """The three BCF core metrics (:mod:`models.pipeline.core_metrics`): the scenario's P50 and P10–P90, current
    funding's P50, the maximum level, the chance of staying at or under it and whether the P50 does.

    One row per metric; ``estimate`` says when the figure rests on an estimate (65+ admissions without a recorded
    series)."""
    now = core_metrics(results, area)
    cur = core_metrics(reference, area) if reference is not None else {}
    return pd.DataFrame(
        [
            {
                "metric": m.label,
                "period": m.period or "–",
                "p50": m.p50,
                "p10": m.p10,
                "p90": m.p90,
                "current": cur[k].p50 if k in cur else float("nan"),
                "ambition": m.ambition,
                "chance": m.chance,
                "within": "–" if m.within is None else ("Yes" if m.within else "No"),
                "latest": m.latest,
                "estimate": "Estimate" if m.estimate else "",
            }
            for k, m in now.items()
        ]
    )


def headline_table(results: Results, reference: Results | None) -> pd.DataFrame:
    """Every headline figure (:data:`models.pipeline.HEADLINE_LABELS`): scenario, current funding and the change."""
    h = pipeline.headline(results)
    r = pipeline.headline(reference) if reference is not None else dict.fromkeys(h, float("nan"))
    return pd.DataFrame(
        [
            {"figure": HEADLINE_LABELS.get(k, readable(k)), "scenario": v, "current": r[k], "change": v - r[k]}
            for k, v in h.items()
        ]
    )


def results_by_year(results: Results) -> pd.DataFrame:
    """The scenario's projections by financial year: a row per measure and statistic, a column per year."""
    p = results.projection
    annual = p.annual.loc[p.annual["series"] == "scenario"]
    rows: list[dict[str, Any]] = []
    for metric, t in annual.groupby("metric", sort=False):
        for stat, word in (("mean", "mean"), ("p10", "P10"), ("p90", "P90")):
            rows.append(
                {
                    "measure": f"{METRIC_NAMES.get(metric, readable(metric))}, {word}",
                    **dict(zip(t["fy"], t[stat].astype(float), strict=True)),
                }
            )
    plc = p.placements_table.loc[p.placements_table["series"] == "scenario"]
    if "rate_mean" in plc:
        rows.append(
            {"measure": "Placements per 100,000 aged 65+, mean", **dict(zip(plc["fy"], plc["rate_mean"], strict=True))}
        )
    if "p_meet_ambition" in plc:
        rows.append(
            {
                "measure": "Chance of meeting the placements ambition",
                **dict(zip(plc["fy"], plc["p_meet_ambition"], strict=True)),
            }
        )
    for _line, t in p.money.groupby("line", sort=False):
        rows.append({"measure": f"{t['label'].iloc[0]} (£, mean)", **dict(zip(t["fy"], t["mean"], strict=True))})
    return pd.DataFrame(rows)


def option_format(column: str) -> str:
    """The number format of an options column (a row of :func:`options_table`), from its name."""
    c = column.lower()
    if "cost" in c or "spend" in c or c.endswith("_gbp"):
        return GBP
    if c.startswith("share") or c.startswith("p_"):
        return PCT_FRACTION
    return ONE_DP


def winter_kpi_table(winter: Any) -> pd.DataFrame:  # noqa: ANN401 - models.pipeline.Winter
    """The winter's KPIs as the pipeline returns them, labelled, shares in %, whatever KPIs it has."""
    k = winter.kpis.copy()
    stats = [c for c in ("mean", "p10", "p50", "p90") if c in k]
    share = k["kpi"].astype(str).str.startswith("share_")
    k.loc[share, stats] = k.loc[share, stats].astype(float) * 100
    k.loc[share, "label"] = k.loc[share, "label"].astype(str) + " (%)"
    return k.drop(columns=["kpi"]).rename(columns={"label": "measure"})


def options_table(options: pd.DataFrame) -> pd.DataFrame:
    """The planner's options side by side: a row per measure (every column the pipeline returns), a column each."""
    t = options.set_index("option")
    t.index = [("The scenario's winter" if str(o) == "baseline" else str(o)) for o in t.index]
    out = t.T.reset_index().rename(columns={"index": "measure"})
    out["measure"] = out["measure"].map(lambda c: readable(c))
    return out


def partner_table(fin: Finance) -> pd.DataFrame:
    """Each partner by name: contribution, P10/P50/P90 and mean net position, chance of an overspend, liability."""
    # the page's columns but the chance of exceeding an amount, which the pack does not state
    keep = [c for c in SUMMARY_COLUMNS if c != "p_exceed" and c in fin.summary]
    return fin.summary[keep].assign(partner=fin.summary["partner"].astype(str))


FUND_HEADERS = {
    "fy": "Financial year",
    "label": "Line",
    "plan_gbp": "Plan (£)",
    "outturn_gbp": "Outturn (£, mean)",
    "variance_gbp": "Variance (£, mean)",
    "variance_p10_gbp": "Variance P10 (£)",
    "variance_p90_gbp": "Variance P90 (£)",
}


def fund_table(fin: Finance) -> pd.DataFrame:
    """The fund's lines by year (plan, outturn, variance and its P10/P90), without the lines at £0 in a year."""
    fund = fin.fund
    money = [c for c in FUND_HEADERS if c.endswith("_gbp") and c in fund]
    keep = fund[money].abs().max(axis=1) >= 0.5
    return fund.loc[keep, [c for c in FUND_HEADERS if c in fund]].reset_index(drop=True)


def fund_note(fin: Finance, results: Results) -> str:
    """How the winter's lines are booked across the years (one simulated winter, in its financial year only)."""
    w = results.winter
    winter_lines = ", ".join(
        RISK_LINES[k].lower() for k in ("escalation_beds", "p3_interim", "delayed_days", "boarding")
    )
    if w is None or fin.activity.winter_fy is None:
        return (
            f"The winter's lines ({winter_lines}) are £0 in every year: the horizon holds no whole winter "
            "inside its complete financial years."
        )
    fy = fin.activity.fy[fin.activity.winter_fy]
    return (
        f"The winter's lines ({winter_lines}) are booked in {fy} only: the model simulates one winter, the first "
        f"projected ({w.start:%-d %b %Y} – {w.end:%-d %b %Y}); the other years carry no winter lines, so they "
        "understate a recurring winter's cost. Other lines are booked in the year the activity happens."
    )


def assumptions(scenario: Scenario, area: AreaData) -> pd.DataFrame:
    """The scenario's own flow levers and unit costs, each with its unit and source.

    The value is the scenario's; the source is the area's file when the value is the area's default, and says
    "set in this scenario" (with the default) when it is not.
    """
    rows = []
    for group, lever, table, key in (
        ("Discharge flow", scenario.flow, "flow_defaults.csv", "parameter"),
        ("Unit cost", scenario.costs, "unit_costs.csv", "item"),
    ):
        t = area.tables.get(table)
        known = t.set_index(t[key].astype(str)) if t is not None and key in t else pd.DataFrame()
        for field, value in lever.model_dump().items():
            info = type(lever).model_fields[field]
            unit = str(known.loc[field, "unit"]) if field in known.index and "unit" in known else ""
            source = str(known.loc[field, "source"]) if field in known.index and "source" in known else ""
            default = known.loc[field, "value"] if field in known.index else None
            if default is not None and not _same(default, value):
                source = f"Set in this scenario (the area's default: {_plain(default)}; {source})"
            elif not source:
                source = info.description or "Model default (assumption)"
            rows.append(
                {
                    "group": group,
                    "assumption": readable(field),
                    "value": _plain(value, field),
                    "unit": unit,
                    "source": source,
                }
            )
    return pd.DataFrame(rows)


def _same(default: Any, value: Any) -> bool:  # noqa: ANN401
    try:
        return abs(float(default) - float(value)) < 1e-9
    except (TypeError, ValueError):
        return str(default).strip() == str(value).strip()


def _plain(value: Any, field: str = "") -> Any:  # noqa: ANN401
    if isinstance(value, str) and field in ("escalation_open", "escalation_close"):
        return day_month(value)
    if isinstance(value, str):
        try:
            v = float(value)
        except ValueError:
            return value
        return int(v) if v.is_integer() else v
    return value


# --- the workbook ---------------------------------------------------------------------------------------------

CONTENTS = {
    "Headline": "The three BCF core metrics against the maximum levels, by plan year and quarter; every headline "
    "figure against current funding",
    "Levers": "The scenario's levers in words",
    "Schemes": "The pooled-fund schemes: lead partner, budgets and effects, with sources",
    "Results by year": "Admissions, placements and the scheme changes' money by financial year",
    "Winter": "The first projected winter: occupancy, delays, costs and the planner's options",
    "Risk share": "Each partner's P10/P50/P90 and chance of an overspend; the fund's lines by year; the tornado",
    "Charts": "The headline charts as on the screen, two a page",
    "Assumptions": "The scenario's flow levers and unit costs, with sources",
    "Provenance": "Where the data come from",
}


def board_pack(
    inputs: PackInputs,
    area: AreaData,
    *,
    label: str | None = None,
    charts: bool | Mapping[str, bytes] | ChartImages = True,
    created: datetime | date | None = None,
    chart_timeout: float = RENDER_TIMEOUT_S,
) -> bytes:
    """The board pack as .xlsx bytes (see the module docstring); ``label``: the app's name for the scenario."""
    r = inputs.results
    sc = r.scenario
    name = pack_name(sc, label)
    images = _images(inputs, area, charts, chart_timeout)
    book = Book()
    footer = f"{name} · {area.meta.name}" + (" · illustrative data" if area.meta.synthetic else "")
    sheets = [_cover(book, inputs, area, name, created, images, charts)]
    sheets.append(_headline(book, inputs, area))
    sheets.append(_levers(book, sc, name))
    sheets.append(_schemes(book, sc, name))
    sheets.append(_by_year(book, inputs))
    sheets.append(_winter(book, inputs))
    sheets.append(_risk(book, inputs))
    if images.pngs or charts not in (False, None):  # a failed drawing says so on its own sheet too
        sheets.append(_charts(book, images))
    sheets.append(_assumptions(book, sc, area))
    sheets.append(_provenance(book, area))
    for s in sheets:
        s.finish(footer)
    return book.close()


def _images(inputs: PackInputs, area: AreaData, charts: Any, timeout: float) -> ChartImages:  # noqa: ANN401
    if isinstance(charts, ChartImages):
        return charts
    if charts is False or charts is None:
        return ChartImages(problem="this export was made without charts")
    if isinstance(charts, Mapping):
        return ChartImages(dict(charts))
    return render_pngs(pack_figures(inputs, area), timeout=timeout)


def pack_figures(inputs: PackInputs, area: AreaData) -> dict[str, Any]:
    """The pack's charts: the scenario's headline charts and each partner's tornado (the pages' own builders)."""
    figures: dict[str, Any] = dict(scenario_figures(inputs.results, area))
    if inputs.tornado is not None and inputs.finance is not None and len(inputs.tornado):
        for partner in inputs.finance.allocation.partners:
            figures[f"What moves {partner}'s position (tornado)"] = tornado_chart(
                inputs.tornado, partner, chart_note(area)
            )
    return figures


def _cover(
    book: Book,
    inputs: PackInputs,
    area: AreaData,
    name: str,
    created: Any,
    images: ChartImages,  # noqa: ANN401
    charts: Any,
) -> PrintSheet:  # noqa: ANN401
    sc = inputs.results.scenario
    meta = area.meta
    when = created.date() if isinstance(created, datetime) else (created or date.today())
    s = PrintSheet(book, "Cover", f"BCF Scenario Lab board pack: {name}")
    rows: list[tuple[str, Any]] = [
        ("Scenario", name),
        ("Area", meta.name),
        ("Data", meta.label or ("Illustrative data" if meta.synthetic else "The area's own data")),
        ("Created", when),
        ("App version", f"BCF Scenario Lab {app_version()}"),
        ("Random seed", sc.seed),
        ("Monte Carlo draws", sc.n_draws),
        ("Horizon", f"{sc.horizon_years} financial years from {inputs.results.projection.first_fy}"),
        ("Data fingerprint", area.fingerprint),
        (
            "How to read",
            "P10–P90 is the range in which 8 futures in 10 fall; P50 is the middle. Money in £; "
            "financial years run April–March; a change is against current funding (the area's "
            "baseline on the same random numbers).",
        ),
        ("Charts", charts_line(images, charts)),
    ]
    if meta.synthetic:
        rows.insert(
            3,
            (
                "Illustrative data",
                "The series are synthetic, calibrated to published figures. They are "
                "not real patient data and must not be used for decisions.",
            ),
        )
    s.pairs(rows)
    s.heading("Contents")
    present = [k for k in CONTENTS if k != "Charts" or images.pngs or charts not in (False, None)]
    s.pairs([(k, CONTENTS[k]) for k in present])
    return s


def charts_line(images: ChartImages, charts: Any) -> str:  # noqa: ANN401
    """The Cover's line about the charts: how many are on the Charts sheet, or why none (both workbooks)."""
    n = len(images.pngs)
    if n and not images.problem:
        return f"{n} chart{'s' if n != 1 else ''} on the Charts sheet (pictures of the app's charts)."
    if n:
        return f"{n} chart{'s' if n != 1 else ''} on the Charts sheet; {images.problem}."
    if charts is False or charts is None:
        return "Not included: this export was made without charts."
    return f"Not included: {images.problem}. The tables hold every number the charts show."


def _core(s: PrintSheet, inputs: PackInputs, area: AreaData) -> None:
    """The three core metrics, the settlement years and the quarterly on-track report (Headline sheet)."""
    r, ref = inputs.results, inputs.reference
    core = core_metric_table(r, ref, area)
    s.table(
        "The BCF core metrics (2025-27) against the area's maximum levels",
        core,
        headers={
            **_CORE_HEADERS,
            "metric": "Core metric",
            "period": "Period",
            "current": "Current funding P50",
            "latest": "Latest recorded",
            "estimate": "Estimate?",
        },
        formats={"chance": PCT_FRACTION},
        row_formats=[CORE_FORMAT[k] for k in CORE_METRICS],
        note=on_track_summary(core_metrics(r, area))
        + " 65+ admissions and care-home admissions (ASCOF 2C; 2A part 2 before 2023-24) per 100,000 residents aged "
        "65+ a year; the delay in days after the discharge-ready date over all discharges, from the first winter.",
    )
    plan = yearly_table(r, PLAN_YEARS)
    if len(plan):
        s.table(
            "Three-year plan: the settlement years 2026-27 to 2028-29",
            plan[["label", "period", "p50", "p10", "p90", "ambition", "chance"]].assign(
                within=plan["within"].map({True: "Yes", False: "No"})
            ),
            headers={**_CORE_HEADERS, "label": "Core metric", "period": "Financial year"},
            formats={"chance": PCT_FRACTION},
            row_formats=[CORE_FORMAT[k] for k in plan["metric"]],
        )
    money = plan_money(r.scenario)
    s.table(
        "Income and spend, the settlement years (£ a year)",
        money,
        headers={"line": "Line"},
        formats=dict.fromkeys(PLAN_YEARS, GBP),
        note="Flat in cash across the plan years: the scenario's income by source and spend by scheme type (no "
        "uplift assumed).",
    )
    q = quarterly_table(r, area)
    s.table(
        "Quarterly on-track report",
        q[["label", "fy", "quarter", "source", "value", "level", "chance"]].assign(
            on_track=q["on_track"].map({True: "Yes", False: "No"}).fillna("–")
        ),
        headers={
            "label": "Core metric",
            "fy": "Financial year",
            "quarter": "Quarter",
            "source": "Figures",
            "value": "Figure (recorded, or P50)",
            "level": "Quarter's maximum level",
            "chance": "Chance at or under",
            "on_track": "On track",
        },
        formats={"chance": PCT_FRACTION, "quarter": "0"},
        row_formats=[CORE_FORMAT[k] for k in q["metric"]],
        note="On track: the quarter's figure at or under its share of the maximum level (the year's level × the "
        "quarter's share of a year's admissions, from the projection's seasonality; a quarter for care-home "
        "admissions; for the delay, the level itself). Rates are per 100,000 aged 65+ in the quarter.",
    )


_CORE_HEADERS = {
    "p50": "Scenario P50",
    "p10": "P10",
    "p90": "P90",
    "ambition": "Maximum level",
    "chance": "Chance at or under",
    "within": "Within (P50)",
}


#: Number format of each core metric's figures in the workbooks.
CORE_FORMAT: dict[str, str] = {"nea65": THOUSANDS, "delay": "0.00", "ascof2c": ONE_DP}


def _headline(book: Book, inputs: PackInputs, area: AreaData) -> PrintSheet:
    r, ref = inputs.results, inputs.reference
    s = PrintSheet(book, "Headline", f"Headline metrics, {r.projection.first_fy} (the first projected year)")
    _core(s, inputs, area)
    amb = ambition_table(r, ref)
    s.table(
        "Supporting measures",
        amb,
        headers={
            "metric": "Metric",
            "scenario": "Scenario (mean)",
            "current": "Current funding (mean)",
            "change": "Change",
            "ambition": "Ambition",
            "meets": "Meets the ambition (mean)",
        },
        row_formats=[UNIT_FORMAT[m.unit] for m in AMBITION_METRICS],
    )
    head = headline_table(r, ref)
    s.table(
        "Every headline figure against current funding",
        head,
        headers={"figure": "Figure", "scenario": "Scenario", "current": "Current funding", "change": "Change"},
        row_formats=[_unit_of(k) for k in pipeline.headline(r)],
        note="Means over the Monte Carlo draws unless the figure says P90. Winter figures are for the first "
        "projected winter (1 October – 31 March)."
        + (
            " The winter figures are NOT A FORECAST: demand is above capacity (see the Winter sheet)."
            if r.winter is not None and not r.winter.can_cope
            else ""
        ),
    )
    return s


def _unit_of(key: str) -> str:
    if key.endswith("_gbp"):
        return GBP
    if key.startswith("p_") or "share" in key:
        return PCT_FRACTION
    if key.endswith("_pct") or "rate" in key:
        return ONE_DP
    return THOUSANDS


def _levers(book: Book, sc: Scenario, name: str) -> PrintSheet:
    s = PrintSheet(book, "Levers", f"The levers of {name}")
    levers = lever_table([sc], [name])
    levers = levers.loc[levers["Lever"] != "Scenario name"]
    s.table("Levers", levers, formats={name: None}, repeat=True)
    return s


def _schemes(book: Book, sc: Scenario, name: str) -> PrintSheet:
    s = PrintSheet(book, "Schemes", f"The pooled-fund schemes of {name}")
    schemes = pd.DataFrame([x.model_dump() for x in sc.schemes])
    if not len(schemes):
        s.paragraph("The scenario has no schemes.")
    else:
        keep = [
            c
            for c in (
                "name",
                "lead_partner",
                "current_budget_gbp",
                "budget_gbp",
                "metric",
                "effect_low",
                "effect_central",
                "effect_high",
                "source",
            )
            if c in schemes
        ]
        schemes = schemes[keep].assign(metric=schemes["metric"].map(lambda m: METRIC_NAMES.get(m, readable(m))))
        s.table(
            "",
            schemes,
            repeat=True,
            headers={
                "name": "Scheme",
                "lead_partner": "Lead partner",
                "current_budget_gbp": "Current budget (£ a year)",
                "budget_gbp": "Scenario budget (£ a year)",
                "metric": "What it changes",
                "effect_low": "Effect a year: low",
                "effect_central": "Central",
                "effect_high": "High",
            },
            caps={
                "name": 30,
                "lead_partner": 9,
                "current_budget_gbp": 12,
                "budget_gbp": 12,
                "metric": 22,
                "effect_low": 10,
                "effect_central": 9,
                "effect_high": 9,
                "source": 40,
            },
            note="Effects are a year at the reference budget (in the units of what the scheme changes); the "
            "scenario budget scales them, with diminishing returns above the reference.",
        )
    return s


def _by_year(book: Book, inputs: PackInputs) -> PrintSheet:
    r = inputs.results
    s = PrintSheet(book, "Results by year", "Results by financial year (the scenario, with its scheme changes)")
    t = results_by_year(r)
    fmts = [
        GBP if "£" in m else PCT_FRACTION if m.startswith("Chance") else ONE_DP if "per 100,000" in m else THOUSANDS
        for m in t["measure"]
    ]
    s.table("Projections", t, headers={"measure": "Measure"}, repeat=True, row_formats=fmts)
    schemes = inputs.scheme_table()
    keep = [
        c
        for c in (
            "scheme",
            "lead_partner",
            "budget_gbp",
            "budget_change_gbp",
            "avoided_a_year_mean",
            "cost_per_avoided_gbp",
            "net_cost_gbp",
            "p_break_even",
        )
        if c in schemes
    ]
    s.table(
        "The schemes a year",
        schemes[keep],
        headers={
            "scheme": "Scheme",
            "lead_partner": "Lead partner",
            "budget_gbp": "Budget (£ a year)",
            "budget_change_gbp": "Change against current funding (£ a year)",
            "avoided_a_year_mean": "Avoided a year, mean",
            "cost_per_avoided_gbp": "Cost per activity avoided (£)",
            "net_cost_gbp": "Net cost (£ a year)",
            "p_break_even": "Chance of breaking even",
        },
    )
    if inputs.finance is not None:
        fund = fund_table(inputs.finance)
        s.table(
            "The fund's lines by year: plan, outturn and variance",
            fund,
            headers=FUND_HEADERS,
            note=fund_note(inputs.finance, r) + " Lines at £0 in a year are left out of that year.",
        )
        carried = inputs.finance.fund.drop_duplicates("line")[["label", "carried_by"]]
        s.table("Who carries each line's variance", carried, headers={"label": "Line", "carried_by": "Carried by"})
    return s


def _winter(book: Book, inputs: PackInputs) -> PrintSheet:
    w = inputs.results.winter
    s = PrintSheet(book, "Winter", "The first projected winter (1 October – 31 March)")
    if w is None:
        s.paragraph("The horizon is too short to hold a whole winter, so none was simulated.")
        return s
    s.paragraph(
        f"{w.start:%-d %b %Y} – {w.end:%-d %b %Y}: the daily flow of emergency admissions through the acute "
        "beds and the discharge pathways, one replication per Monte Carlo draw."
    )
    if not w.can_cope:
        s.paragraph(
            "NOT A FORECAST: average demand is above capacity, so a queue grows every day and these figures depend "
            "on the winter's length, the ED's limit and the surge beds. " + " ".join(w.cope_messages)
        )
    s.table(
        "Occupancy, delays and waits",
        winter_kpi_table(w),
        headers={"measure": "Measure", "p_day": "Share of winter days"},
        formats={"mean": ONE_DP, "p10": ONE_DP, "p50": ONE_DP, "p90": ONE_DP, "p_day": PCT_FRACTION},
    )
    costs = w.costs.drop(columns=["component"]).rename(columns={"label": "measure"})
    s.table(
        "Costs of the winter (£)",
        costs,
        headers={"measure": "Line"},
        formats={c: GBP for c in costs.columns if c != "measure"},
    )
    if inputs.options is not None and len(inputs.options):
        opt = options_table(inputs.options)
        units = [option_format(c) for c in inputs.options.columns if c != "option"]
        s.table(
            "The planner's options (same patients and random numbers)",
            opt,
            headers={"measure": "Measure"},
            row_formats=units,
            note="Each option adds capacity to the scenario's winter; avoided days and costs are against it.",
        )
    return s


def _risk(book: Book, inputs: PackInputs) -> PrintSheet:
    fin = inputs.finance
    s = PrintSheet(book, "Risk share", "Risk share: each partner's net position over the horizon")
    if fin is None:
        s.paragraph("The risk share was not computed for this pack.")
        return s
    s.table(
        "Each partner (£ over the horizon: + overspend it carries, − money back)",
        partner_table(fin),
        headers=SUMMARY_HEADERS,
    )
    st = fin.statement
    keep = [c for c in ("partner", "fy", "net_position_gbp", "p10_gbp", "p50_gbp", "p90_gbp", "p_overspend") if c in st]
    s.table(
        "Year by year",
        st[keep],
        headers={
            "partner": "Partner",
            "fy": "Financial year",
            "net_position_gbp": "Net position (£, mean)",
            "p10_gbp": "P10 (£)",
            "p50_gbp": "P50 (£)",
            "p90_gbp": "P90 (£)",
            "p_overspend": "Chance of an overspend",
        },
    )
    if inputs.tornado is not None and len(inputs.tornado):
        tor = inputs.tornado
        keep = [
            c
            for c in ("partner", "input", "low_label", "high_label", "p50_low_gbp", "p50_high_gbp", "swing_gbp")
            if c in tor
        ]
        s.table(
            "What moves each partner's position most (tornado)",
            tor[keep].sort_values(["partner", "swing_gbp"], ascending=[True, False], kind="stable"),
            headers={
                "partner": "Partner",
                "input": "Input",
                "low_label": "Low end",
                "high_label": "High end",
                "p50_low_gbp": "P50 at the low end (£)",
                "p50_high_gbp": "P50 at the high end (£)",
                "swing_gbp": "Swing (£)",
            },
            note="One input at a time over its range, on the same random numbers; the charts are on the Charts sheet.",
        )
    terms = fin.terms
    s.table(
        "Terms",
        pd.DataFrame(
            {
                "term": [
                    "Split of an overspend",
                    "Contingency (£ a year)",
                    "Threshold (£ a year)",
                    "Acute lead",
                    "Social-care lead",
                ],
                "value": [
                    terms.split_basis,
                    _money(terms.contingency_gbp),
                    _money(terms.threshold_gbp),
                    terms.acute_lead,
                    terms.social_care_lead,
                ],
            }
        ),
        headers={"term": "Term", "value": "Value"},
    )
    return s


def _money(x: float) -> str:
    return f"£{x:,.0f}" if x >= 0 else f"−£{-x:,.0f}"


def _charts(book: Book, images: ChartImages) -> PrintSheet:
    s = PrintSheet(book, "Charts", "Charts")
    # Ten equal columns as wide as the pictures: the sheet prints at 100% on a portrait page, two charts a page.
    s.widths = [((CHART_WIDTH_PT / 10) / PX_PT - 5) / 7] * 10
    if images.problem:
        s.paragraph(charts_line(images, True), italic=True)
    for title, png in images.pngs.items():
        s.picture(title, png, min(CHART_WIDTH_PT, printable_pt(False)[0]))
    return s


def _assumptions(book: Book, sc: Scenario, area: AreaData) -> PrintSheet:
    s = PrintSheet(book, "Assumptions", "Assumptions and their sources (this scenario's values)")
    t = assumptions(sc, area)
    s.table(
        "",
        t,
        headers={"group": "Group", "assumption": "Assumption", "value": "Value", "unit": "Unit", "source": "Source"},
        formats={"value": None},
        repeat=True,
    )
    return s


def _provenance(book: Book, area: AreaData) -> PrintSheet:
    meta = area.meta
    s = PrintSheet(book, "Provenance", "Where the data come from")
    rows: list[tuple[str, Any]] = [("Area", meta.name), ("Data", meta.label), ("Provenance", meta.provenance)]
    seen = {meta.provenance}
    for file, note in (meta.sources or {}).items():
        if note not in seen:
            rows.append((file, note))
            seen.add(note)
    s.pairs(rows)
    _real_area_sources(s, area)
    return s


def _real_area_sources(s: PrintSheet, area: AreaData) -> None:
    """A real area's published figures, each with its source and period; the benchmarks; low-coverage months."""
    prov = area.extras.get("provenance")
    if prov is not None and len(prov):
        cols = {k: v for k, v in PROVENANCE_COLUMNS.items() if k != "licence"}
        table = prov.reindex(columns=list(cols)).astype({"value": str})
        s.table(
            "Each published figure: source and period",
            table,
            headers=cols,
            repeat=True,
            caps={"publication": 40, "derivation": 50, "field": 30},
        )
    bench = benchmark_table(area)
    if len(bench):
        cols = {
            "measure": "Measure",
            "area": area.meta.name,
            "nearest": "Nearest areas (median)",
            "region": area.meta.region or "Region",
            "england": "England",
            "unit": "Unit",
            "period": "Period",
            "basis": "Basis",
        }
        s.table(
            "Benchmarks: the area, its nearest areas, its region and England",
            bench.reindex(columns=list(cols)),
            headers=cols,
        )
        if bench["nearest_areas"].iloc[0]:
            s.paragraph(
                "Nearest areas: the five most alike in size and age structure (not CIPFA's nearest "
                "neighbours): " + bench["nearest_areas"].iloc[0] + "."
            )
    low = low_coverage_months(area)
    if low:
        s.paragraph(
            "Discharge-ready-date months with low coverage, left out of the area's figures (never averaged in): "
            + ", ".join(low)
            + ". The area's main trust probably did not meet NHS England's monthly acceptance criteria."
        )


def series_name(code: str) -> str:
    """The projection's series as the pages say it."""
    return SERIES_NAMES.get(code, code)
