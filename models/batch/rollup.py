"""Roll-ups: an ICB, a region or any list of areas, added up draw by draw.

Each area's draw table (:func:`models.batch.tasks.draw_table`) holds one row per Monte Carlo draw and financial
year. The total of a group is the sum **draw by draw** — draw d of the group is draw d of every area added up — so
its P10/P50/P90 are quantiles of the total, not sums of the areas' quantiles (which would overstate the spread
unless every area hit its P90 together). Rates are recomputed from the summed parts: the group's 65+ admissions
per 100,000 aged 65+ is Σ admissions ÷ Σ residents aged 65+, and its average discharge delay is Σ days after
the ready date ÷ Σ discharges (the way NHS England forms a region's figure from its areas').

How the areas' draws relate is set by their seeds (:mod:`models.batch.tasks`): with each area's own seed (the
batch default) the areas' draws are independent, so the total's interval is narrower than a sum of intervals; with
one seed for every area, draw d of each area uses the same random numbers and the areas move together.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.core.summaries import P10_P50_P90, quantiles
from models.money.riskshare import LINES
from models.pipeline.core_metrics import CORE_METRICS, LABELS, chance_at_or_under, format_value

#: Columns added up across areas (counts, £, bed days), with a label and unit each.
SUMS: dict[str, tuple[str, str]] = {
    "nea": ("Emergency admissions", "admissions a year"),
    "nea65": ("Emergency admissions 65+", "admissions a year"),
    "placements": ("Care-home admissions 65+", "admissions a year"),
    "pop65": ("Residents aged 65+", "persons"),
    **{f"{line}_gbp": (f"Outturn: {line.replace('_', ' ')}", "£ a year") for line in LINES},
    "variance_gbp": ("Outturn less plan (all lines)", "£ a year"),
    "net_position_gbp": ("Partners' net positions added up", "£ a year"),
    "winter_discharges": ("Winter discharges (a night or more)", "discharges"),
    "winter_delay_days": ("Winter days after the discharge-ready date", "days"),
    "winter_delayed_bed_days": ("Winter delayed bed days", "bed days"),
    "winter_boarding_days": ("Winter patient-days waiting in ED", "patient-days"),
    "winter_occupied_beds": ("Winter acute beds occupied (mean a day)", "beds"),
    "winter_beds_open": ("Winter acute beds open (mean a day)", "beds"),
}
#: Rates of the group: (numerator column, denominator column, scale).
RATES: dict[str, tuple[str, str, float]] = {
    "nea65_rate": ("nea65", "pop65", 100_000.0),
    "ascof2c_rate": ("placements", "pop65", 100_000.0),
    "winter_avg_delay": ("winter_delay_days", "winter_discharges", 1.0),
}
#: The core metric each rate column is (models.pipeline.core_metrics).
METRIC_COLUMN = {"nea65": "nea65_rate", "delay": "winter_avg_delay", "ascof2c": "ascof2c_rate"}
#: The column a metric's maximum level is weighted by when levels are combined for a group.
LEVEL_WEIGHT = {"nea65": "pop65", "delay": "winter_discharges", "ascof2c": "pop65"}


class RollupProblem(ValueError):
    """Areas whose draws cannot be added up (different draws or no financial year in common), in plain words."""


def _aligned(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each table indexed by (draw, fy), kept to the financial years every area has, in the same order."""
    if not tables:
        raise RollupProblem("no areas to add up")
    draws = {code: int(t["draw"].max()) + 1 for code, t in tables.items()}
    if len(set(draws.values())) > 1:
        listing = ", ".join(f"{c}: {n:,}" for c, n in draws.items())
        raise RollupProblem(
            f"the areas were run with different numbers of draws ({listing}); run them with one --draws"
        )
    common = set.intersection(*(set(t["fy"]) for t in tables.values()))
    if not common:
        raise RollupProblem("the areas have no projected financial year in common")
    first = next(iter(tables.values()))
    order = [fy for fy in dict.fromkeys(first["fy"]) if fy in common]
    index = pd.MultiIndex.from_product([range(next(iter(draws.values()))), order], names=["draw", "fy"])
    return {code: t.set_index(["draw", "fy"]).reindex(index) for code, t in tables.items()}


def total_draws(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The group's draw table: every column of :data:`SUMS` added up draw by draw (NaN where any area has none:
    a winter one area lacks), and the :data:`RATES` recomputed from the sums.

    Returns
    -------
    DataFrame with ``draw``, ``fy``, the :data:`SUMS` columns and the :data:`RATES` columns.
    """
    aligned = _aligned(tables)
    cols = [c for c in SUMS if all(c in t.columns for t in aligned.values())]
    total = None
    for t in aligned.values():
        part = t[cols].astype(float)
        total = part if total is None else total + part  # NaN in any area stays NaN: nothing is left out silently
    assert total is not None
    for rate, (num, den, scale) in RATES.items():
        if num in total.columns and den in total.columns:
            d = total[den].to_numpy(dtype=float)
            n = total[num].to_numpy(dtype=float)
            total[rate] = np.divide(n * scale, d, out=np.full(len(d), np.nan), where=d > 0)
    return total.reset_index()


def _stats(x: np.ndarray) -> dict[str, float]:
    x = x[np.isfinite(x)]
    if not len(x):
        nan = float("nan")
        return {"mean": nan, "p10": nan, "p50": nan, "p90": nan}
    q = quantiles(x, P10_P50_P90)
    return {"mean": float(x.mean()), "p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}


def rollup_summary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """P10/P50/P90 (and mean) of the group's total of each measure by financial year, and each area's share.

    Returns
    -------
    DataFrame
        ``fy``, ``measure``, ``label``, ``unit``, ``mean``, ``p10``, ``p50``, ``p90`` (of the total over draws),
        then one ``share_<AREA>`` column per area: the area's mean over the total's mean (fraction; NaN for rates,
        and where the total's mean is 0; for money, which can be of either sign, only meaningful when the areas'
        means have one sign).
    """
    aligned = _aligned(tables)
    total = total_draws(tables).set_index(["draw", "fy"])
    rows = []
    for fy in total.index.get_level_values("fy").unique():
        t = total.xs(fy, level="fy")
        for measure in [*[c for c in SUMS if c in t.columns], *[r for r in RATES if r in t.columns]]:
            stats = _stats(t[measure].to_numpy(dtype=float))
            if not np.isfinite(stats["mean"]):
                continue
            label, unit = SUMS.get(measure) or (_rate_label(measure), _rate_unit(measure))
            row = {"fy": fy, "measure": measure, "label": label, "unit": unit, **stats}
            for code, a in aligned.items():
                share = np.nan
                if measure in SUMS and stats["mean"] != 0:
                    share = float(a.xs(fy, level="fy")[measure].astype(float).mean() / stats["mean"])
                row[f"share_{code}"] = share
            rows.append(row)
    return pd.DataFrame(rows)


def _rate_label(rate: str) -> str:
    key = next(k for k, c in METRIC_COLUMN.items() if c == rate)
    return LABELS[key]


def _rate_unit(rate: str) -> str:
    return "days" if rate == "winter_avg_delay" else "per 100,000 aged 65+ a year"


def _metric_fy(table: pd.DataFrame, key: str) -> str | None:
    """The financial year a core metric is read in: the first projected one; for the delay, the winter's."""
    col = METRIC_COLUMN[key]
    have = table.loc[np.isfinite(table[col].to_numpy(dtype=float)), "fy"] if col in table.columns else []
    return str(have.iloc[0]) if len(have) else None


def core_metrics_table(
    tables: Mapping[str, pd.DataFrame], levels: Mapping[str, Mapping[str, float]], names: Mapping[str, str]
) -> pd.DataFrame:
    """The three core metrics of each area and of the group's total, against their maximum levels.

    Parameters
    ----------
    tables : each area's draw table (same draws).
    levels : each area's maximum level of each metric (``{"nea65": …, "delay": …, "ascof2c": …}``).
    names : each area's display name.

    Returns
    -------
    DataFrame
        ``place`` (the area's name, or "Total"), ``code`` ("" for the total), ``metric``, ``label``, ``fy``,
        ``p10``, ``p50``, ``p90``, ``level``, ``chance`` (share of draws at or under the level), ``within`` (P50 at
        or under it), ``share`` (the area's share of the total's activity behind the metric: 65+ residents for the
        rates, winter discharges for the delay; 1 for the total). The total's level is the areas' levels weighted
        by that same activity (the level the group meets when every area meets its own, at that mix).
    """
    total = total_draws(tables)
    rows = []
    for key in CORE_METRICS:
        fy = _metric_fy(total, key)
        if fy is None:
            continue
        col, weight = METRIC_COLUMN[key], LEVEL_WEIGHT[key]
        w = {c: float(t.loc[t["fy"] == fy, weight].astype(float).mean()) for c, t in tables.items()}
        w_sum = sum(w.values())
        group_level = sum(levels[c][key] * w[c] for c in tables) / w_sum if w_sum > 0 else float("nan")
        parts = [
            (names.get(c, c), c, t, levels[c][key], w[c] / w_sum if w_sum > 0 else np.nan) for c, t in tables.items()
        ]
        for place, code, t, level, share in [*parts, ("Total", "", total, group_level, 1.0)]:
            x = t.loc[t["fy"] == fy, col].to_numpy(dtype=float)
            stats = _stats(x)
            rows.append(
                {
                    "place": place,
                    "code": code,
                    "metric": key,
                    "label": LABELS[key],
                    "fy": fy,
                    **{k: stats[k] for k in ("p10", "p50", "p90")},
                    "level": float(level),
                    "chance": float(chance_at_or_under(x[np.isfinite(x)], level)) if np.isfinite(x).any() else np.nan,
                    "within": bool(stats["p50"] <= level) if np.isfinite(stats["p50"]) else None,
                    "share": float(share),
                }
            )
    return pd.DataFrame(rows)


def core_metrics_view(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`core_metrics_table` as a page or a terminal shows it: one row per place and metric, text cells."""
    return pd.DataFrame(
        {
            "Place": table["place"],
            "Metric": table["label"],
            "Year": table["fy"],
            "P50": [format_value(k, v) for k, v in zip(table["metric"], table["p50"], strict=True)],
            "P10–P90": [
                f"{format_value(k, a)} – {format_value(k, b)}"
                for k, a, b in zip(table["metric"], table["p10"], table["p90"], strict=True)
            ],
            "Maximum level": [format_value(k, v) for k, v in zip(table["metric"], table["level"], strict=True)],
            "Chance at or under": [f"{c:.0%}" if np.isfinite(c) else "–" for c in table["chance"]],
            "Within (P50)": ["–" if w is None else ("Yes" if w else "No") for w in table["within"]],
            "Share of the total": [f"{s:.0%}" if np.isfinite(s) else "–" for s in table["share"]],
        }
    )
