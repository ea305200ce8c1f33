"""The headline charts of a scenario or a comparison, as the pages draw them (for the board workbook).

Each builder takes engine results and returns ``{title: figure}`` built with the same pure
chart functions the pages use (models/charts/*), so a chart in the workbook is the chart
on the screen. Rendering to PNG is models/report/board.py's job (``render_pngs``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from models.charts.compare import difference_bars, overlay_fans
from models.charts.demand import fan_chart
from models.charts.flow import occupancy_fan
from models.charts.schemes import before_after
from models.pipeline import compare
from models.pipeline.compare import figure_label


def chart_note(area: Any) -> str:  # noqa: ANN401 - models.inputs.areas.AreaData
    """The charts' footnote (as pages/common.demo_note): says when the numbers are illustrative."""
    return "Illustrative demo data (synthetic)" if area.meta.synthetic else f"Data: {html.escape(area.meta.name)}"


def _series(frame: pd.DataFrame, metric: str | None, series: str) -> pd.DataFrame:
    keep = frame["series"] == series
    if metric is not None:
        keep &= frame["metric"] == metric
    return frame.loc[keep].reset_index(drop=True)


def scenario_figures(results: Any, area: Any) -> dict[str, go.Figure]:  # noqa: ANN401 - engine.Results, AreaData
    """Emergency admissions fan, placements 65+ fan, the schemes' effect on admissions, winter occupancy."""
    note = chart_note(area)
    proj, fits, sc = results.projection, results.fits, results.scenario
    out: dict[str, go.Figure] = {}
    nea_hist = fits.nea.fitted
    out["Emergency admissions (NEA) a month"] = fan_chart(
        nea_hist,
        _series(proj.monthly, "nea", "scenario"),
        _series(proj.monthly, "nea", "baseline"),
        "Emergency admissions a month: recorded, model fit and projection",
        "Emergency admissions a month",
        fitted=nea_hist,
        note=note,
    )
    pt = proj.placements_table
    out["Care-home placements 65+ a year"] = fan_chart(
        fits.placements.table,
        _series(pt, None, "scenario"),
        _series(pt, None, "baseline"),
        "Permanent care-home admissions 65+ (placements a year)",
        "placements a year",
        x_col="fy",
        fitted=fits.placements.table,
        ambition=float(sc.ambition_placements),
        note=note,
    )
    out["Emergency admissions with and without the scheme changes"] = before_after(
        None, _series(proj.monthly, "nea", "baseline"), _series(proj.monthly, "nea", "scenario"), "nea", note
    )
    winter = getattr(results, "winter", None)
    if winter is not None and isinstance(getattr(winter, "weekly", None), pd.DataFrame):
        out["Acute bed occupancy through the first projected winter"] = occupancy_fan(winter.weekly, note)
    return out


def difference_keys(table: pd.DataFrame, first: str) -> dict[str, str]:
    """The headline figures a difference bar can show: those whose first-scenario value is not zero."""

    return {k: figure_label(k) for k in table["figure"] if table.loc[table["figure"] == k, first].abs().gt(0).all()}


def comparison_figures(
    results: Sequence[Any], labels: Sequence[str], area: Any, table: pd.DataFrame | None = None  # noqa: ANN401
) -> dict[str, go.Figure]:
    """The Compare page's charts: admissions and placements overlaid, and the differences to the first."""

    note = chart_note(area)
    labels = list(labels)
    if table is None:
        table = compare.comparison_table(compare.headlines(results), labels)
    out: dict[str, go.Figure] = {
        "Emergency admissions (NEA) a month": overlay_fans(
            compare.monthly_overlay(results, labels, "nea"),
            "month",
            "Emergency admissions (NEA) a month, P50 and P10–P90",
            "admissions a month",
            note,
        ),
        "Care-home placements 65+ a year": overlay_fans(
            compare.placements_overlay(results, labels),
            "fy",
            "Care-home placements 65+ a year, P50 and P10–P90",
            "placements a year",
            note,
        ),
    }
    keys = difference_keys(table, labels[0])
    if keys and len(labels) > 1:
        out["Differences to the first scenario"] = difference_bars(table, labels[0], labels[1:], keys)
    return out
