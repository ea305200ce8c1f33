"""Scenarios side by side: run 2–4 scenarios with common random numbers and tabulate their headlines.

Common random numbers: every scenario is run with the first one's seed and number of
draws, so the simulated futures are the same and a difference between two scenarios
is the effect of their levers, not Monte Carlo noise. The headline figures are
:func:`models.pipeline.results.headline` of each run (one dict of figures per scenario).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from models.core.labels import readable
from models.core.units import fmt_gbp
from models.inputs.areas import AreaData
from models.pipeline.results import HEADLINE_LABELS, Results, headline
from models.pipeline.runs import Stages, memo_stages, run
from models.scenario import Scenario, evolve

MAX_SCENARIOS = 4


def common_numbers(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios with the first one's seed and draws (common random numbers)."""
    first = scenarios[0]
    same = (first.seed, first.n_draws)
    return [sc if (sc.seed, sc.n_draws) == same else evolve(sc, seed=first.seed, n_draws=first.n_draws) for sc in scenarios]


def run_all(scenarios: Sequence[Scenario], area: AreaData, stages: Stages | None = None) -> list[Results]:
    """Run each scenario through the one pipeline on common random numbers (the first scenario's seed and
    draws). ``stages`` defaults to :func:`models.pipeline.runs.memo_stages` (fits and paths computed once)."""
    if not 1 <= len(scenarios) <= MAX_SCENARIOS:
        raise ValueError(f"compare between 1 and {MAX_SCENARIOS} scenarios ({len(scenarios)} given)")
    stages = stages or memo_stages()
    return [run(sc, area, stages) for sc in common_numbers(scenarios)]


def headline_of(results: Results) -> dict[str, float]:
    """The headline figures of one run: :func:`models.pipeline.results.headline` (the engine's one definition)."""
    return dict(headline(results))


def headlines(results: Sequence[Results]) -> list[dict[str, float]]:
    return [headline_of(r) for r in results]


def figure_label(key: str) -> str:
    """The engine's label for a headline key (:data:`models.pipeline.results.HEADLINE_LABELS`)."""

    return HEADLINE_LABELS.get(key) or readable(key)


def unit_of(key: str) -> str:
    """The unit of a headline figure, from its key: "£", "%" (percent), "share" (a fraction of 1) or ""."""
    k = key.lower()
    if k.endswith("_gbp") or "_gbp_" in k:
        return "£"
    if k.endswith("_pct"):
        return "%"
    if k.startswith("p_") or "share" in k:
        return "share"
    return ""


def comparison_table(figures: Sequence[Mapping[str, float]], labels: Sequence[str]) -> pd.DataFrame:
    """One row per headline figure: its value in each scenario and the difference of each to the first.

    Columns: ``figure`` (the headline key), ``unit``, one column per label, then
    ``<label> − <first label>`` for every other scenario. Figures missing from a scenario are NaN.
    """
    if len(figures) != len(labels) or not figures:
        raise ValueError("one label per scenario, at least one scenario")
    keys: list[str] = []
    for f in figures:
        keys += [k for k in f if k not in keys]
    rows: list[dict[str, Any]] = []
    for key in keys:
        row: dict[str, Any] = {"figure": key, "unit": unit_of(key)}
        values = [_num(f.get(key)) for f in figures]
        for lab, v in zip(labels, values, strict=True):
            row[lab] = v
        for lab, v in zip(labels[1:], values[1:], strict=True):
            row[diff_label(lab, labels[0])] = v - values[0]
        rows.append(row)
    return pd.DataFrame(rows)


def format_figure(v: float | None, unit: str, signed: bool = False) -> str:
    """A headline figure as the comparison shows it, UK style: 21,406 · £5.5m · 93.3% · differences signed with
    a true minus (−3.8 pp), a difference that rounds to nothing as 0; "–" for a missing figure.

    ``unit`` is :func:`unit_of`'s: "£", "%" (percent), "share" (a fraction of 1, shown in %) or "" (a count).
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if unit == "£":
        text = fmt_gbp(v)
        if signed and fmt_gbp(abs(v)) in ("£0", "£0k"):
            return "£0"
        text = ("+" + text) if signed and v > 0 else text
    elif unit in ("%", "share"):
        pct = v * 100 if unit == "share" else v
        if signed:
            text = "0 pp" if abs(pct) < 0.05 else f"{pct:+.1f} pp"
        else:
            text = f"{pct:.0f}%" if pct in (0.0, 100.0) else f"{pct:.1f}%"
    else:
        decimals = 0 if abs(v) >= 100 or float(v).is_integer() else 1
        if signed and abs(v) < 0.5 * 10**-decimals:
            return "0"
        text = f"{v:+,.{decimals}f}" if signed else f"{v:,.{decimals}f}"
    return text.replace("-", "−")


def diff_label(label: str, first: str) -> str:
    return f"{label} − {first}"


def unique_labels(names: Sequence[str]) -> list[str]:
    """Column labels: the names, with (2), (3)… added where a name repeats."""
    out: list[str] = []
    for n in names:
        lab, i = n, 2
        while lab in out:
            lab, i = f"{n} ({i})", i + 1
        out.append(lab)
    return out


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def monthly_overlay(results: Sequence[Results], labels: Sequence[str], metric: str) -> pd.DataFrame:
    """Monthly projection (with schemes) of ``metric`` ("nea"/"acs") for each scenario, with a ``scenario`` column."""
    frames = []
    for lab, r in zip(labels, results, strict=True):
        m = r.projection.monthly
        d = m[(m["metric"] == metric) & (m["series"] == "scenario")].copy()
        d.insert(0, "scenario", lab)
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def placements_overlay(results: Sequence[Results], labels: Sequence[str]) -> pd.DataFrame:
    """Care-home placements 65+ a year (with schemes) by financial year for each scenario."""
    frames = []
    for lab, r in zip(labels, results, strict=True):
        t = r.projection.placements_table
        d = t[t["series"] == "scenario"].copy() if "series" in t.columns else t.copy()
        d.insert(0, "scenario", lab)
        frames.append(d)
    return pd.concat(frames, ignore_index=True)
