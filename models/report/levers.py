"""The scenario's levers in words, shared by the board pack and the comparison workbook.

A lever is written as people say it: a readable label, dates as "1 Dec", lists joined with "; ", and a list of
records (the risk-share partners) as one phrase per record ("ICB: contribution the schemes it leads, no cap"),
never as raw Python text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from models.core.labels import readable

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
    "risk_share.partners": "Risk share: partners",
    "risk_share.overspend_split": "Risk share: shares of an overspend",
    "risk_share.underspend_split": "Risk share: shares of an underspend",
    "risk_share.line_terms": "Risk share: who carries each line (changes from the defaults)",
}
METRIC_NAMES = {
    "nea": "Emergency admissions (NEA)",
    "acs": "Avoidable admissions (ACS)",
    "nea_65plus": "Emergency admissions 65+",
    "placements": "Care-home placements 65+",
    "delayed_days": "Delayed bed days",
    "p1_capacity": "Home First (P1) starts a week",
    "p2_capacity": "Step-down (P2) beds",
    "p3_capacity": "Interim care-home (P3) placements a week",
}
SERIES_NAMES = {"baseline": "Without scheme changes", "scenario": "Scenario (with scheme changes)"}
MONTH_DAY_LEVERS = ("flow.escalation_open", "flow.escalation_close")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
#: How a partner's fields read (a missing contribution is the income of the sources it pays; a missing cap is none).
_PARTNER_WORDS = {
    "contribution_gbp": ("contribution", "the income of the sources it pays"),
    "cap_gbp": ("cap", "none"),
}


def day_month(mmdd: str) -> str:
    """A month-day lever as people write it: "12-01" → "1 Dec" (UK order, no leading zero)."""
    m = _MONTH_DAY.fullmatch(mmdd)
    if not m or not 1 <= int(m.group(1)) <= 12:
        return mmdd
    return f"{int(m.group(2))} {date(2000, int(m.group(1)), 1):%b}"


def _money(x: float) -> str:
    return f"£{x:,.0f}" if x >= 0 else f"\u2212£{-x:,.0f}"


def record_words(rec: Mapping[str, Any]) -> str:
    """One record of a list lever in words: its name, then each other field ("ICB: contribution £1,000, cap none")."""
    name = rec.get("name")
    parts = []
    for k, v in rec.items():
        if k == "name":
            continue
        word, missing = _PARTNER_WORDS.get(k, (readable(k).lower(), "none"))
        text = missing if v is None else (_money(float(v)) if k.endswith("_gbp") else str(v))
        parts.append(f"{word} {text}")
    return (f"{name}: " if name is not None else "") + ", ".join(parts)


def _item_words(x: Any) -> str:  # noqa: ANN401 - one element of a list lever
    if isinstance(x, Mapping):
        return record_words(x)
    if isinstance(x, list | tuple):
        return " ".join(map(str, x))
    return str(x)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        path = f"{prefix}{k}"
        if k in ("schemes", "schema_version"):
            continue
        if isinstance(v, Mapping):
            out += _flatten(v, path + ".")
        elif isinstance(v, list | tuple):
            out.append((path, "; ".join(_item_words(x) for x in v) or "none"))
        else:
            out.append((path, v))
    return out


def _splits(flat: dict[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The risk-share splits as "ICB 50%; Council 50%" (partners by name, shares in %)."""
    rs = raw.get("risk_share") or {}
    names = [p.get("name") for p in rs.get("partners", []) if isinstance(p, Mapping)]
    for key in ("overspend_split", "underspend_split"):
        shares = rs.get(key)
        if isinstance(shares, list | tuple) and len(shares) == len(names):
            flat[f"risk_share.{key}"] = "; ".join(f"{n} {float(x):.0%}" for n, x in zip(names, shares, strict=True))
    return flat


def _lever_value(key: str, value: Any) -> Any:  # noqa: ANN401
    return day_month(value) if key in MONTH_DAY_LEVERS and isinstance(value, str) else value


def lever_label(key: str) -> str:
    """A lever's readable label from its dotted path ("flow.core_beds" → "Flow: core beds")."""
    group, _, field = key.rpartition(".")
    return LEVER_LABELS.get(key) or ((readable(group) + ": " if group else "") + readable(field).lower())


def lever_table(scenarios: Sequence[Any], labels: Sequence[str]) -> pd.DataFrame:
    """Every lever (one row each) with a column per scenario, in words."""
    raws = [sc.model_dump(mode="json") for sc in scenarios]
    flat = [_splits(dict(_flatten(raw)), raw) for raw in raws]
    rows = []
    for key in flat[0]:
        rows.append(
            {
                "Lever": lever_label(key),
                **{lab: _lever_value(key, f.get(key)) for lab, f in zip(labels, flat, strict=True)},
            }
        )
    return pd.DataFrame(rows)
