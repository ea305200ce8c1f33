"""The three BCF core metrics of 2025-27, against the maximum levels the area sets (one definition for every caller).

Since 2025-26 every Health and Wellbeing Board plans against three core metrics, each with a maximum level it sets
for itself, and reports each quarter whether it is on track (BCF policy framework 2025-26; docs/core-metrics.md):

1. **Emergency admissions of people aged 65+ per 100,000 residents aged 65+** (a year; ``nea65``): the projection's
   65+ series (:mod:`models.demand.older`: recorded and calibrated, or estimated) over the mid-year 65+ population
   of the year the financial year starts in.
2. **Average discharge delay** (``delay``): days from the discharge-ready date to discharge, averaged over all
   discharges of a night or more (NHS England's discharge-ready-date statistics: share delayed × mean delay of the
   delayed), from the flow model's first projected winter (1 October – 31 March).
3. **Long-term admissions to residential and nursing care of people 65+ per 100,000** (``ascof2c``; ASCOF 2C,
   from council client-level data since 2023-24; 2A part 2 before, its predecessor): the placements model over the
   same 65+ population.

Each is reported as P10/P50/P90 over the Monte Carlo draws, with the **chance of staying at or under** the maximum
level (the share of draws ≤ it). A **quarter is on track** when its figure is at or under the quarter's share of
the maximum level: for the two rates, the annual level × the quarter's share of a year's activity (the projection's
own seasonality; a quarter of it for placements, which the annual model does not split by season); for the delay
(an average, not a count), the level itself. Recorded quarters compare the recorded figure; projected quarters
compare the P50 and give the chance.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from models.core.fy import fy_label, fy_layout, fy_start, sum_by_fy
from models.core.summaries import P10_P50_P90, quantiles
from models.demand.older import rate_per_100k
from models.inputs.areas import AreaData
from models.inputs.history import nea65_by_fy, placements_by_fy
from models.pipeline.stages import Projection, Winter
from models.scenario import Scenario
from models.scenario.groups import Flow


class Results(Protocol):
    """The parts of a run read here (:class:`models.pipeline.results.Results`, which imports this module)."""

    @property
    def scenario(self) -> Scenario: ...
    @property
    def projection(self) -> Projection: ...
    @property
    def winter(self) -> Winter | None: ...


CORE_METRICS: tuple[str, ...] = ("nea65", "delay", "ascof2c")
LABELS: dict[str, str] = {
    "nea65": "Emergency admissions 65+ per 100,000 aged 65+",
    "delay": "Average discharge delay (days)",
    "ascof2c": "Care-home admissions 65+ per 100,000 (ASCOF 2C)",
}
UNITS: dict[str, str] = {
    "nea65": "admissions a year per 100,000 residents aged 65+",
    "delay": "days after the discharge-ready date, averaged over all discharges",
    "ascof2c": "long-term admissions a year per 100,000 residents aged 65+",
}
DEFINITIONS: dict[str, str] = {
    "nea65": "Emergency (non-elective) admissions of residents aged 65+ in the financial year, per 100,000 residents "
    "aged 65+ (mid-year population of the year the financial year starts in).",
    "delay": "Days from the discharge-ready date to discharge, averaged over all discharges of a night or more "
    "(= share discharged after the ready date × their mean delay), NHS England's discharge-ready-date measure.",
    "ascof2c": "Long-term admissions of people aged 65+ to residential and nursing care in the financial year, per "
    "100,000 residents aged 65+ (ASCOF 2C from 2023-24; 2A part 2, its predecessor, before).",
}
QUARTER_MONTHS = {1: (4, 5, 6), 2: (7, 8, 9), 3: (10, 11, 12), 4: (1, 2, 3)}  # financial-year quarters


@dataclass(frozen=True)
class CoreMetric:
    """One core metric's headline: the first projected period against the maximum level.

    Attributes
    ----------
    key, label, unit : identifier, heading and unit (see :data:`LABELS`, :data:`UNITS`).
    period : the projected period, e.g. "2025-26" or "winter 2025-26 (Oct–Mar)".
    ambition : the area's maximum level (same unit).
    mean, p10, p50, p90 : the projection over draws (NaN when not available).
    chance : share of draws at or under the maximum level (0–1; NaN when not available).
    latest, latest_period : the latest recorded figure and its period (NaN / "" when none).
    estimate : True when the figure rests on an estimate (65+ admissions without a recorded series).
    note : plain words on how it was obtained (estimates, the series join, not a forecast …).
    """

    key: str
    label: str
    unit: str
    period: str
    ambition: float
    mean: float
    p10: float
    p50: float
    p90: float
    chance: float
    latest: float
    latest_period: str
    estimate: bool
    note: str

    @property
    def available(self) -> bool:
        return bool(np.isfinite(self.p50))

    @property
    def gap(self) -> float:
        """The P50 less the maximum level (negative: under it), in the metric's unit."""
        return self.p50 - self.ambition

    @property
    def within(self) -> bool | None:
        """Whether the P50 is at or under the maximum level (None when not available)."""
        return None if not self.available else bool(self.p50 <= self.ambition)


def chance_at_or_under(draws: np.ndarray, level: float) -> np.ndarray:
    """Share of draws (axis 0) at or under ``level``; NaN draws (no figure) are left out; NaN when none has one."""
    x = np.asarray(draws, dtype=float)
    have = np.isfinite(x)
    n = have.sum(axis=0)
    hits = (have & (x <= level)).sum(axis=0)
    return np.divide(hits, n, out=np.full(np.shape(n), np.nan), where=n > 0)


def _pop65(p: Projection, years: Sequence[int]) -> np.ndarray:
    """Mid-year 65+ population of each year (the last year's carried on beyond the table)."""
    pop = p.index.set_index("year")["population_65plus"]
    return np.array([float(pop.get(int(y), pop.iloc[-1])) for y in years])


def nea65_rate_draws(p: Projection, series: str = "scenario") -> tuple[tuple[str, ...], np.ndarray]:
    """65+ emergency admissions per 100,000 aged 65+ for each complete projected financial year, per draw.

    Returns the financial-year labels and an array (n_draws, n_fy).
    """
    labels, month_fy, years = fy_layout(p.months)
    paths = p.nea65 if series == "scenario" else p.nea65_baseline
    counts = sum_by_fy(paths, month_fy, len(labels))
    return labels, rate_per_100k(counts, _pop65(p, years)[None, :])


def ascof2c_rate_draws(p: Projection, series: str = "scenario") -> tuple[tuple[str, ...], np.ndarray]:
    """Care-home admissions 65+ per 100,000 aged 65+ for each complete projected financial year, per draw."""
    labels, _, years = fy_layout(p.months)
    cols = np.searchsorted(p.fy_years, years)
    paths = p.placements if series == "scenario" else p.placements_baseline
    return labels, rate_per_100k(paths[:, cols], _pop65(p, years)[None, :])


def delay_draws(w: Winter, quarter: int | None = None) -> np.ndarray:
    """Average discharge delay (days over all discharges) per replication of the winter, or of one of its quarters
    (3: October–December, 4: January–March). NaN for a replication with no discharges."""
    dis = w.run.dis.astype(float)
    delay = w.run.delay_days.astype(float)
    if quarter is not None:
        days = pd.date_range(w.start, periods=dis.shape[1], freq="D")
        keep = np.isin(days.month, QUARTER_MONTHS[quarter])
        dis, delay = dis[:, keep], delay[:, keep]
    total, n = delay.sum(axis=1), dis.sum(axis=1)
    return np.divide(total, n, out=np.full(n.shape, np.nan), where=n > 0)


def _summary(draws: np.ndarray, ambition: float) -> dict[str, float]:
    x = np.asarray(draws, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        nan = float("nan")
        return {"mean": nan, "p10": nan, "p50": nan, "p90": nan, "chance": nan}
    q = quantiles(x, P10_P50_P90)
    return {
        "mean": float(x.mean()),
        "p10": float(q[0]),
        "p50": float(q[1]),
        "p90": float(q[2]),
        "chance": float(chance_at_or_under(x, ambition)),
    }


def drd_figure(flow: Flow) -> float:
    """The area's recorded average discharge delay (days over all discharges) from its discharge-ready-date
    figures (flow defaults: share delayed × mean delay among the delayed)."""
    return flow.drd_average_days


def _core_metrics(results: Results, area: AreaData) -> dict[str, CoreMetric]:
    """The three core metrics of a run: the first complete projected financial year (the first winter for the
    delay) against the scenario's maximum levels, with the latest recorded figure beside each."""
    p, sc, w = results.projection, results.scenario, results.winter
    labels, nea65 = nea65_rate_draws(p)
    _, ascof = ascof2c_rate_draws(p)
    out = {
        "nea65": _rate_metric(
            "nea65",
            labels[0],
            nea65[:, 0],
            sc.ambition_nea65_per_100k,
            _history(area, "nea65"),
            p.older.note,
            estimate=p.older.estimated,
        ),
        "ascof2c": _rate_metric(
            "ascof2c", labels[0], ascof[:, 0], sc.ambition_rate_per_100k, _history(area, "ascof2c"), ASCOF_JOIN_NOTE
        ),
    }
    out["delay"] = _delay_metric(results, w)
    return {k: out[k] for k in CORE_METRICS}


def _rate_metric(
    key: str,
    period: str,
    draws: np.ndarray,
    ambition: float,
    history: pd.DataFrame,
    note: str,
    *,
    estimate: bool = False,
) -> CoreMetric:
    """A rate metric's headline from its first year's draws and its recorded history (``fy``, ``rate_per_100k``)."""
    have = len(history) > 0
    return CoreMetric(
        key=key,
        label=LABELS[key],
        unit=UNITS[key],
        period=period,
        ambition=float(ambition),
        **_summary(draws, ambition),
        latest=float(history["rate_per_100k"].iloc[-1]) if have else float("nan"),
        latest_period=str(history["fy"].iloc[-1]) if have else "",
        estimate=bool(estimate),
        note=note,
    )


ASCOF_JOIN_NOTE = (
    "ASCOF 2C (long-term admissions 65+ from client-level data) is the current measure from 2023-24; years to "
    "2022-23 are its predecessor, ASCOF 2A part 2, read as the same series where they join."
)


def _delay_metric(results: Results, w: Winter | None) -> CoreMetric:
    sc = results.scenario
    recorded = drd_figure(sc.flow)
    base = {
        "key": "delay",
        "label": LABELS["delay"],
        "unit": UNITS["delay"],
        "ambition": float(sc.ambition_delay_days),
        "latest": recorded,
        "latest_period": "the area's discharge-ready-date figures",
        "estimate": False,
    }
    if w is None:
        nan = float("nan")
        return CoreMetric(
            period="",
            mean=nan,
            p10=nan,
            p50=nan,
            p90=nan,
            chance=nan,
            note="The projection is too short to hold a winter, so the flow model has no delay to report.",
            **base,
        )
    note = (
        "From the flow model's first projected winter (1 October – 31 March), calibrated so that today's "
        "capacities at typical demand give the area's discharge-ready-date figures."
    )
    if not w.can_cope:
        note += " Not a forecast: average demand is above capacity, so a queue grows every day."
    return CoreMetric(
        period=f"winter {fy_label(w.start.year)} (Oct–Mar)",
        **_summary(delay_draws(w), sc.ambition_delay_days),
        note=note,
        **base,
    )


def _yearly_table(results: Results) -> pd.DataFrame:
    """Each core metric by complete projected financial year: P10/P50/P90, the maximum level, the chance of staying
    at or under it, and whether the P50 is.

    The delay has a row only for the financial year of the first projected winter (the flow model runs one winter).

    Returns
    -------
    DataFrame
        ``metric``, ``label``, ``fy``, ``period``, ``mean``, ``p10``, ``p50``, ``p90``, ``ambition``, ``chance``,
        ``within`` (bool: P50 at or under the level).
    """
    p, sc, w = results.projection, results.scenario, results.winter
    rows = []
    for key, (labels, draws), ambition in (
        ("nea65", nea65_rate_draws(p), sc.ambition_nea65_per_100k),
        ("ascof2c", ascof2c_rate_draws(p), sc.ambition_rate_per_100k),
    ):
        for j, fy in enumerate(labels):
            rows.append(
                {"metric": key, "fy": fy, "period": fy, **_summary(draws[:, j], ambition), "ambition": ambition}
            )
    if w is not None:
        rows.append(
            {
                "metric": "delay",
                "fy": fy_label(int(fy_start(w.start))),
                "period": f"winter {fy_label(w.start.year)} (Oct–Mar)",
                **_summary(delay_draws(w), sc.ambition_delay_days),
                "ambition": float(sc.ambition_delay_days),
            }
        )
    t = pd.DataFrame(rows)
    t["label"] = t["metric"].map(LABELS)
    t["within"] = t["p50"] <= t["ambition"]
    order = {k: i for i, k in enumerate(CORE_METRICS)}
    t = t.sort_values(["fy", "metric"], key=lambda c: c.map(order) if c.name == "metric" else c, kind="stable")
    cols = ["metric", "label", "fy", "period", "mean", "p10", "p50", "p90", "ambition", "chance", "within"]
    return t[cols].reset_index(drop=True)


#: The financial years of the 2026-29 multi-year local government settlement, which BCF plans sit within.
PLAN_YEARS: tuple[str, ...] = ("2026-27", "2027-28", "2028-29")


def quarter_of(month: int) -> int:
    """The financial-year quarter (1: April–June … 4: January–March) of a calendar month (1–12)."""
    return next(q for q, months in QUARTER_MONTHS.items() if month in months)


def quarter_shares(months: pd.DatetimeIndex, monthly: np.ndarray) -> np.ndarray:
    """Each financial-year quarter's share (Q1..Q4) of a year's activity, from monthly figures of whole years."""
    q = np.array([quarter_of(m) for m in pd.DatetimeIndex(months).month])
    totals = np.array([float(np.asarray(monthly)[q == k].sum()) for k in (1, 2, 3, 4)])
    return totals / totals.sum() if totals.sum() > 0 else np.full(4, 0.25)


def quarter_flags(values: Sequence[float], levels: Sequence[float]) -> list[bool | None]:
    """On track in each quarter: the figure at or under the quarter's level (None when there is no figure)."""
    return [None if not np.isfinite(v) else bool(v <= lv) for v, lv in zip(values, levels, strict=True)]


def _recorded_quarters(monthly: pd.Series, pop65: pd.Series) -> tuple[str, np.ndarray] | None:
    """The latest complete recorded financial year's quarterly rates per 100,000 aged 65+ (or None)."""
    labels, month_fy, years = fy_layout(pd.DatetimeIndex(monthly.index))
    if not len(labels) or int(years[-1]) not in pop65.index:
        return None
    last = month_fy == len(labels) - 1
    months = pd.DatetimeIndex(monthly.index)[last]
    values = monthly.to_numpy(dtype=float)[last]
    q = np.array([quarter_of(m) for m in months.month])
    counts = np.array([values[q == k].sum() for k in (1, 2, 3, 4)])
    return labels[-1], rate_per_100k(counts, float(pop65[int(years[-1])]))


def older_monthly(area: AreaData) -> pd.Series:
    """Recorded 65+ emergency admissions a month, or all ages × the year's 65+ share (an estimate, as in
    :func:`models.inputs.history.nea65_by_fy`)."""
    if "nea_65plus" in area.admissions.columns:
        return area.monthly_series("nea_65plus")
    hist = _history(area, "nea65")
    nea = area.monthly_series("nea")
    fy = fy_start(pd.DatetimeIndex(nea.index))
    share = {
        int(r.fy[:4]): r.admissions_65plus / max(float(nea[fy == int(r.fy[:4])].sum()), 1.0) for r in hist.itertuples()
    }
    return nea * np.array([share.get(int(y), np.nan) for y in fy])


def _quarterly_table(results: Results, area: AreaData) -> pd.DataFrame:
    """Quarterly on-track flags: the latest recorded financial year's quarters and the first projected year's.

    Returns
    -------
    DataFrame
        ``metric``, ``label``, ``fy``, ``quarter`` (1–4), ``source`` ("recorded" or "projected"), ``value`` (the
        recorded figure, or the P50), ``p10``, ``p90``, ``level`` (the quarter's share of the maximum level),
        ``chance`` (of staying at or under it; projected only), ``on_track`` (bool, or None without a figure).
        Rates are per 100,000 aged 65+ **in the quarter**; the delay is days.
    """
    p, sc, w = results.projection, results.scenario, results.winter
    labels, month_fy, years = fy_layout(p.months)
    first = month_fy == 0
    season = quarter_shares(p.months[first], p.monthly_of("nea_65plus", "baseline")["mean"].to_numpy()[first])
    flat = np.full(4, 0.25)  # the placements model is annual: a quarter is a quarter of the year
    pop65 = _history(area, "pop65")
    rows: list[dict[str, object]] = []

    def add(key: str, fy: str, source: str, quarters: Sequence[int], stats: np.ndarray, levels: np.ndarray) -> None:
        for k, q in enumerate(quarters):
            s = stats[:, k]
            rows.append(
                {
                    "metric": key,
                    "fy": fy,
                    "quarter": q,
                    "source": source,
                    "value": s[1],
                    "p10": s[0],
                    "p90": s[2],
                    "level": float(levels[k]),
                    "chance": s[3],
                }
            )

    for key, monthly, shares, ambition in (
        ("nea65", older_monthly(area), season, sc.ambition_nea65_per_100k),
        ("ascof2c", area.monthly_series("placements_65plus"), flat, sc.ambition_rate_per_100k),
    ):
        rec = _recorded_quarters(monthly, pop65)
        if rec is not None:
            nan = np.full(4, np.nan)
            add(key, rec[0], "recorded", (1, 2, 3, 4), np.vstack([nan, rec[1], nan, nan]), ambition * shares)
    quarter_of_month = np.array([quarter_of(m) for m in p.months[first].month])
    counts = np.stack([p.nea65[:, first][:, quarter_of_month == k].sum(axis=1) for k in (1, 2, 3, 4)], axis=1)
    pop = _pop65(p, years[:1])[0]
    for key, draws, shares, ambition in (
        ("nea65", rate_per_100k(counts, pop), season, sc.ambition_nea65_per_100k),
        ("ascof2c", np.repeat(ascof2c_rate_draws(p)[1][:, :1] / 4.0, 4, axis=1), flat, sc.ambition_rate_per_100k),
    ):
        levels = ambition * shares
        add(key, labels[0], "projected", (1, 2, 3, 4), _quarter_stats(draws, levels), levels)
    if w is not None:
        draws = np.stack([delay_draws(w, 3), delay_draws(w, 4)], axis=1)
        levels = np.full(2, float(sc.ambition_delay_days))
        add("delay", fy_label(int(fy_start(w.start))), "projected", (3, 4), _quarter_stats(draws, levels), levels)
    t = pd.DataFrame(rows)
    t["label"] = t["metric"].map(LABELS)
    t["on_track"] = quarter_flags(t["value"].to_numpy(dtype=float), t["level"].to_numpy(dtype=float))
    cols = ["metric", "label", "fy", "quarter", "source", "value", "p10", "p90", "level", "chance", "on_track"]
    return t[cols]


def _quarter_stats(draws: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Rows P10, P50, P90 and the chance at or under each column's level, of draws (n_draws, n_quarters)."""
    q = np.nanquantile(draws, P10_P50_P90, axis=0)
    return np.vstack([q[0], q[1], q[2], chance_at_or_under(draws, levels[None, :]).reshape(-1)])


#: The first financial year of ASCOF 2C (long-term admissions 65+ from client-level data); 2A part 2 before it.
ASCOF_2C_FROM = "2023-24"


def metric_history(area: AreaData, scenario: Scenario, key: str) -> pd.DataFrame:
    """A core metric's recorded history by financial year: ``fy``, ``value``, ``measure``.

    - ``nea65``: recorded 65+ admissions per 100,000 aged 65+, or "estimate" (all ages × the age-band share);
    - ``ascof2c``: placements per 100,000 aged 65+, named "ASCOF 2A(2)" to 2022-23 and "ASCOF 2C" from 2023-24;
    - ``delay``: the area's discharge-ready-date figure (share delayed × mean delay), one point at the latest
      recorded financial year.
    """
    if key == "nea65":
        h = _history(area, "nea65")
        measure = np.where(h["estimated"], "estimate", "recorded")
        return pd.DataFrame({"fy": h["fy"], "value": h["rate_per_100k"], "measure": measure})
    if key == "ascof2c":
        h = _history(area, "ascof2c")
        measure = np.where(h["fy"] < ASCOF_2C_FROM, "ASCOF 2A(2)", "ASCOF 2C")
        return pd.DataFrame({"fy": h["fy"], "value": h["rate_per_100k"], "measure": measure})
    if key == "delay":
        last = fy_label(int(fy_start(pd.Timestamp(area.admissions["month"].max()))))
        return pd.DataFrame(
            {"fy": [last], "value": [drd_figure(scenario.flow)], "measure": ["discharge-ready-date figures"]}
        )
    raise ValueError(f"unknown core metric '{key}'; use one of {', '.join(CORE_METRICS)}")


def on_track_summary(metrics: dict[str, CoreMetric]) -> str:
    """One sentence, as board papers put it: on how many of the core metrics the P50 is within the maximum level."""
    have = [m for m in metrics.values() if m.available]
    within = [m for m in have if m.within]
    if not have:
        return "No core metric can be projected for this scenario."
    names = ", ".join(m.label.split(" (")[0].lower() for m in within) or "none"
    return (
        f"Projected within the maximum level on {len(within)} of the {len(have)} core metrics (P50; within: {names})."
    )


#: Display format of each metric's figures (rates to whole numbers; the delay to a hundredth of a day).
FORMATS: dict[str, str] = {"nea65": ",.0f", "delay": ".2f", "ascof2c": ",.1f"}


def format_value(key: str, value: float) -> str:
    """A core metric's figure as shown (``–`` when missing), e.g. ``24,753``, ``0.89 days``, ``409.5``."""
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:{FORMATS[key]}}"
    return f"{text} days" if key == "delay" else text


def _yes_no(flag: object) -> str:
    return "–" if flag is None or (isinstance(flag, float) and np.isnan(flag)) else ("Yes" if flag else "No")


def plan_view(results: Results, years: Sequence[str] = PLAN_YEARS) -> pd.DataFrame:
    """The three-year plan table as pages and workbooks show it: one row per metric and financial year of
    ``years`` that the projection holds (text cells formatted; the chance as a fraction of 1).

    Columns: ``Metric``, ``Financial year``, ``P50``, ``P10–P90``, ``Maximum level``, ``Chance at or under``,
    ``Within (P50)``.
    """
    t = yearly_table(results, years)
    return pd.DataFrame(
        {
            "Metric": t["label"],
            "Financial year": t["period"],
            "P50": [format_value(k, v) for k, v in zip(t["metric"], t["p50"], strict=True)],
            "P10–P90": [
                f"{format_value(k, a)} – {format_value(k, b)}"
                for k, a, b in zip(t["metric"], t["p10"], t["p90"], strict=True)
            ],
            "Maximum level": [format_value(k, v) for k, v in zip(t["metric"], t["ambition"], strict=True)],
            "Chance at or under": t["chance"],
            "Within (P50)": [_yes_no(v) for v in t["within"]],
        }
    )


def quarterly_view(results: Results, area: AreaData) -> pd.DataFrame:
    """The quarterly on-track report as pages and workbooks show it (text cells formatted; chance a fraction).

    Columns: ``Metric``, ``Quarter`` (e.g. "Q3 2025-26"), ``Figures`` ("recorded" / "projected (P50)"),
    ``Figure``, ``Quarter's maximum level``, ``Chance at or under``, ``On track``.
    """
    t = quarterly_table(results, area)
    return pd.DataFrame(
        {
            "Metric": t["label"],
            "Quarter": [f"Q{q} {fy}" for q, fy in zip(t["quarter"], t["fy"], strict=True)],
            "Figures": np.where(t["source"] == "recorded", "recorded", "projected (P50)"),
            "Figure": [format_value(k, v) for k, v in zip(t["metric"], t["value"], strict=True)],
            "Quarter's maximum level": [format_value(k, v) for k, v in zip(t["metric"], t["level"], strict=True)],
            "Chance at or under": t["chance"],
            "On track": [_yes_no(v) for v in t["on_track"]],
        }
    )


def older_monthly_history(area: AreaData) -> pd.DataFrame:
    """65+ emergency admissions a month as recorded (or estimated): ``month``, ``observed``, for the fan chart."""
    s = older_monthly(area)
    return pd.DataFrame({"month": s.index, "observed": s.to_numpy()})


def _plain(v: object) -> object:
    """A JSON-ready value: NaN → None, numpy scalars → Python."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def core_metrics_record(results: Results, area: AreaData) -> dict[str, object]:
    """The core metrics as plain data (the CLI's JSON): each metric's headline, the figures by financial year and
    the quarterly on-track report."""
    metrics = core_metrics(results, area)
    return {
        "summary": on_track_summary(metrics),
        "metrics": {
            k: {f: _plain(getattr(m, f)) for f in CoreMetric.__dataclass_fields__} | {"within": m.within}
            for k, m in metrics.items()
        },
        "by_year": [{k: _plain(v) for k, v in r.items()} for r in yearly_table(results).to_dict("records")],
        "quarterly": [{k: _plain(v) for k, v in r.items()} for r in quarterly_table(results, area).to_dict("records")],
    }


# --- one computation per run --------------------------------------------------------------------------------------
# Home, Demand, Winter, the pack and the CLI each ask for these several times per script run. A run's projection and
# winter are the pipeline's cached objects (compared by identity), the scenario and area by value, so each is
# computed once per run; the history depends on the area only.


@dataclass(frozen=True, eq=False)
class _Run:
    """A run's parts the metrics read (a stand-in for Results inside the cache)."""

    scenario: Scenario
    projection: Projection
    winter: Winter | None


@functools.lru_cache(maxsize=16)
def _history(area: AreaData, what: str) -> pd.DataFrame | pd.Series:
    """The area's recorded history the metrics read: "nea65", "ascof2c" (by financial year) or "pop65"."""
    if what == "nea65":
        return nea65_by_fy(area)
    if what == "ascof2c":
        return placements_by_fy(area)
    return area.population_65plus().astype(float)


@functools.lru_cache(maxsize=16)
def _tables(
    scenario: Scenario, projection: Projection, winter: Winter | None, area: AreaData
) -> tuple[dict[str, CoreMetric], pd.DataFrame]:
    run = _Run(scenario, projection, winter)
    return _core_metrics(run, area), _quarterly_table(run, area)


@functools.lru_cache(maxsize=16)
def _yearly(scenario: Scenario, projection: Projection, winter: Winter | None) -> pd.DataFrame:
    return _yearly_table(_Run(scenario, projection, winter))


def core_metrics(results: Results, area: AreaData) -> dict[str, CoreMetric]:
    """The three core metrics of a run: the first complete projected financial year (the first winter for the
    delay) against the scenario's maximum levels, with the latest recorded figure beside each (see
    :class:`CoreMetric`)."""
    return dict(_tables(results.scenario, results.projection, results.winter, area)[0])


def yearly_table(results: Results, years: Sequence[str] | None = None) -> pd.DataFrame:
    """Each core metric by complete projected financial year (columns: see :func:`_yearly_table`); ``years``
    keeps those financial years (e.g. :data:`PLAN_YEARS`)."""
    t = _yearly(results.scenario, results.projection, results.winter)
    if years is not None:
        t = t.loc[t["fy"].isin(list(years))]
    return t.reset_index(drop=True)


def quarterly_table(results: Results, area: AreaData) -> pd.DataFrame:
    """Quarterly on-track flags (columns: see :func:`_quarterly_table`)."""
    return _tables(results.scenario, results.projection, results.winter, area)[1].copy()
