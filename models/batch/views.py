"""What the ICB view page shows (pages/icb.py computes nothing): the ICBs of the built areas, each place's run, the
places side by side on the three core metrics with the ICB's total, and the total's activity and money.

The page runs each place's **baseline** (current funding at the place's own defaults and maximum levels) through
the one pipeline (:func:`models.batch.tasks.run_scenario`, as a batch does), with the place's own seed
(:func:`models.batch.tasks.area_seed` of the baseline's seed), so its figures for a place equal
``python -m models batch --areas CODE --scenarios preset:Baseline --draws N`` at the same draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from models import pipeline
from models.batch.rollup import rollup_summary
from models.batch.tasks import run_scenario, task_scenario
from models.core.units import fmt_gbp
from models.inputs.areas import AreaData
from models.pipeline.core_metrics import CORE_METRICS, LABELS, format_value
from models.scenario import baseline

#: Draws the page offers for its live runs (fewer than a board paper's 1,000: a place takes seconds, not minutes).
PAGE_DRAWS = (100, 200, 500, 1000)


def icb_choices(index: pd.DataFrame) -> dict[str, str]:
    """ICB code → "name (n places)" for every ICB the built areas lie in, by name.

    ``index``: :func:`models.inputs.built_area.area_index` (``icb_codes`` and ``icb_names`` separated by ``;``).
    """
    names: dict[str, str] = {}
    count: dict[str, int] = {}
    for codes, labels in zip(index["icb_codes"].fillna(""), index["icb_names"].fillna(""), strict=True):
        for code, name in zip(_split(codes), _split(labels), strict=False):
            names.setdefault(code, name)
            count[code] = count.get(code, 0) + 1
    order = sorted(names, key=lambda c: names[c])
    return {c: f"{names[c]} ({count[c]} place{'s' if count[c] != 1 else ''})" for c in order}


def _split(text: str) -> list[str]:
    return [p.strip() for p in str(text).split(";") if p.strip()]


def icb_places(index: pd.DataFrame, icb: str) -> pd.DataFrame:
    """The built areas (index rows) that lie wholly or partly in ``icb``, by name."""
    inside = [icb in _split(codes) for codes in index["icb_codes"].fillna("")]
    return index.loc[inside].sort_values("name").reset_index(drop=True)


def place_run(
    area: AreaData, draws: int, stages: pipeline.Stages | None = None
) -> tuple[pd.DataFrame, dict[str, object]]:
    """A place's baseline run for the page: its draw table and summary figures (see the module docstring).

    ``stages``: the app's cached stages (its fits are then shared with the other pages and across draws).
    """
    code = area.meta.code or area.meta.name
    sc = task_scenario(baseline(area), code, "area", draws)
    return run_scenario(sc, area, stages or pipeline.memo_stages())


def levels_of(record: dict[str, object]) -> dict[str, float]:
    """A place's maximum levels of the three core metrics, from its summary figures."""
    return {k: float(record[f"{k}_level"]) for k in CORE_METRICS}  # type: ignore[arg-type]


def side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """The places and the total side by side: one row each, one column per core metric ("P50 (maximum level)"),
    the chance of staying at or under each level, and each place's share of the activity behind it.

    ``table``: :func:`models.batch.rollup.core_metrics_table`.
    """
    rows: dict[str, dict[str, object]] = {}
    for r in table.itertuples(index=False):
        row = rows.setdefault(r.place, {"Place": r.place})
        mark = "–" if r.within is None else ("within" if r.within else "over")
        row[f"{LABELS[r.metric]} ({r.fy})"] = (
            f"{format_value(r.metric, r.p50)} ({mark} {format_value(r.metric, r.level)})"
        )
        row[f"Chance at or under: {_short(r.metric)}"] = f"{r.chance:.0%}" if np.isfinite(r.chance) else "–"
        if r.metric == "nea65":
            row["Share of the ICB's 65+ residents"] = f"{r.share:.0%}" if np.isfinite(r.share) else "–"
    return pd.DataFrame(list(rows.values()))


def _short(metric: str) -> str:
    return {"nea65": "65+ admissions", "delay": "discharge delay", "ascof2c": "care-home admissions"}[metric]


#: The total's measures the page lists (activity, money, winter), in order.
TOTAL_MEASURES = (
    "nea",
    "nea65",
    "placements",
    "variance_gbp",
    "net_position_gbp",
    "winter_delayed_bed_days",
    "winter_boarding_days",
    "winter_occupied_beds",
)


def total_view(tables: dict[str, pd.DataFrame], names: dict[str, str]) -> pd.DataFrame:
    """The ICB's total of each measure in the first projected year (the winter's year for winter measures): P50 and
    P10–P90 of the draw-by-draw sum, and the largest place's share (not for money, which can be of either sign)."""
    summary = rollup_summary(tables)
    rows = []
    for measure in TOTAL_MEASURES:
        part = summary.loc[summary["measure"] == measure]
        if part.empty:
            continue
        r = part.iloc[0]
        shares = {c: r[f"share_{c}"] for c in tables}
        top = max(shares, key=lambda c: shares[c] if np.isfinite(shares[c]) else -1)
        fmt = fmt_gbp if measure.endswith("_gbp") else (lambda v: f"{v:,.0f}")
        rows.append(
            {
                "Measure": r["label"],
                "Year": r["fy"],
                "P50": fmt(r["p50"]),
                "P10–P90": f"{fmt(r['p10'])} – {fmt(r['p90'])}",
                "Largest share": f"{names.get(top, top)} {shares[top]:.0%}"
                if np.isfinite(shares[top]) and not measure.endswith("_gbp")  # £ of either sign: no share
                else "–",
            }
        )
    return pd.DataFrame(rows)


def core_metrics_figure(table: pd.DataFrame) -> go.Figure:
    """The places and the total on each core metric: P50 with the P10–P90 range, and each one's maximum level."""
    fig = make_subplots(rows=1, cols=len(CORE_METRICS), subplot_titles=[LABELS[k] for k in CORE_METRICS])
    for j, key in enumerate(CORE_METRICS, start=1):
        t = table.loc[table["metric"] == key]
        if t.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=t["p50"],
                y=t["place"],
                mode="markers",
                marker={"size": 10, "color": ["#1f4e79" if p != "Total" else "#000000" for p in t["place"]]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": t["p90"] - t["p50"],
                    "arrayminus": t["p50"] - t["p10"],
                },
                name="P50 (P10–P90)",
                showlegend=j == 1,
            ),
            row=1,
            col=j,
        )
        fig.add_trace(
            go.Scatter(
                x=t["level"],
                y=t["place"],
                mode="markers",
                marker={"symbol": "line-ns-open", "size": 16, "color": "#c00000"},
                name="Maximum level",
                showlegend=j == 1,
            ),
            row=1,
            col=j,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=140 + 40 * max(table["place"].nunique(), 1), margin={"t": 60, "b": 30})
    return fig
