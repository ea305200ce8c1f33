"""The board-ready workbook: cover, levers in words, results by financial year, the winter and its options,
provenance and assumptions, with the headline charts as pictures (models/report/render.py).

Written with the one workbook writer, :class:`models.core.xlsx.Book` (formula-safe text cells, numbers as numbers
with £ / % / thousands formats, dates as dates, frozen headers, fitted columns); headers are the same words as on
the screen (:func:`models.core.labels.readable`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from models.charts.board import comparison_figures, scenario_figures
from models.core.labels import readable
from models.core.paths import app_version
from models.core.xlsx import GBP, ONE_DP, PCT_FRACTION, Book
from models.report.levers import (  # noqa: F401 - re-exported: the lever text is shared with the board pack
    LEVER_LABELS,
    METRIC_NAMES,
    MONTH_DAY_LEVERS,
    SERIES_NAMES,
    day_month,
    lever_table,
)
from models.report.pack import board_pack, charts_line, pack_inputs
from models.report.render import RENDER_TIMEOUT_S, ChartImages, render_pngs

log = logging.getLogger(__name__)


# --- CSV ------------------------------------------------------------------------------------










# --- readable headers and number formats ----------------------------------------------------















# --- the workbook writer ----------------------------------------------------------------------






# --- charts as PNG (kaleido drives a headless Chromium) -----------------------------------------















# --- the board-ready workbook -----------------------------------------------------------------

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
    area: Any,  # noqa: ANN401 - models.inputs.areas.AreaData
    *,
    labels: Sequence[str] | None = None,
    headline: pd.DataFrame | None = None,
    extra_tables: Mapping[str, pd.DataFrame] | None = None,
    charts: bool | Mapping[str, bytes] | ChartImages = True,
    created: datetime | None = None,
    title: str | None = None,
    chart_timeout: float = RENDER_TIMEOUT_S,
    stages: Any = None,  # noqa: ANN401 - models.pipeline.Stages: the caller's caches for the pack's finance
) -> bytes:
    """The board's workbook: the board pack for one scenario (:func:`models.report.pack.board_pack`: finance,
    risk share, tornado and the winter's options computed through ``stages``), the comparison workbook for several.

    The comparison's sheets: Cover · Headline (if given) · Levers · Schemes · Annual projections ·
    Placements 65+ · Scheme results · Monthly projections · any ``extra_tables`` ·
    Charts · Provenance · Assumptions.

    ``charts``: True (the default) draws the headline charts the pages show
    (models/charts/board.py: the scenario's, or the Compare page's for several) as PNG
    with kaleido, within ``chart_timeout`` seconds; False leaves them out; PNG bytes by
    title (or a :class:`ChartImages`) are used as given. When charts cannot be drawn (no
    Chromium, a failure, too slow) the workbook is still written and its Cover and Charts
    sheets say plainly that charts were not included, and why.
    """
    if len(results) == 1 and headline is None and not extra_tables:
        inputs = pack_inputs(results[0], area, stages)
        label = labels[0] if labels else None
        return board_pack(inputs, area, label=label, charts=charts, created=created, chart_timeout=chart_timeout)
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
    cover.append(("Charts", charts_line(images, charts)))
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
        book.image("Charts", images.pngs, intro=charts_line(images, charts))
    elif charts is not False:
        book.key_values("Charts", [("Charts", charts_line(images, charts))], title="Charts")
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
        figures = comparison_figures(results, labels, area) if len(results) > 1 else scenario_figures(results[0], area)
    except Exception as err:  # noqa: BLE001 - the tables matter more than the pictures
        log.warning("board workbook charts not built: %r", err)
        return ChartImages(problem="the charts could not be built from these results (the details are in the server log)")
    return render_pngs(figures, timeout=timeout)


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
