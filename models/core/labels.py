"""Readable labels for column and field names: ``baseline_p10`` → "Baseline, P10", ``budget_gbp`` → "Budget (£)".

One definition shared by the pages' tables, the workbooks and the comparison, so a header reads the same on the
screen and in the export.
"""

from __future__ import annotations

import re

_WORDS = {
    "nea": "NEA",
    "acs": "ACS",
    "fy": "financial year",
    "gbp": "(£)",
    "pct": "(%)",
    "pp": "(percentage points)",
    "65plus": "65+",
    "icb": "ICB",
    "los": "length of stay",
    "p0": "P0",
    "p1": "P1",
    "p2": "P2",
    "p3": "P3",
    "per": "per",
    "100k": "100,000",
    "id": "ID",
}


_HEADERS = {
    "fy": "Financial year",
    "p_meet_ambition": "Chance of meeting the ambition",
    "p_break_even": "Chance of breaking even",
    "mean": "Mean",
    "metric": "Measure",
    "series": "Series",
}


_PERCENTILE = re.compile(r"^p(\d{2,3})$")


def _percentile_label(token: str) -> str | None:
    m = _PERCENTILE.fullmatch(token)
    if not m:
        return None
    digits = m.group(1)
    if len(digits) == 3:  # p025 -> P2.5, p975 -> P97.5
        return f"P{int(digits) / 10:g}"
    return f"P{int(digits)}"


def readable(column: object) -> str:
    """A header for people: ``baseline_p10`` → "Baseline, P10", ``budget_gbp`` → "Budget (£)"."""
    name = str(column)
    if name in _HEADERS:
        return _HEADERS[name]
    if not re.fullmatch(r"[a-z0-9_]+", name):
        return name  # already readable (or user text)
    if _percentile_label(name):
        return _percentile_label(name)
    tokens = name.split("_")
    tail = ""
    if len(tokens) > 1 and _percentile_label(tokens[-1]):
        tail = ", " + _percentile_label(tokens.pop())
    elif len(tokens) > 1 and tokens[-1] == "mean":
        tokens.pop()
        tail = ", mean"
    words = [_WORDS.get(t, t) for t in tokens]
    text = " ".join(w for w in words if w)
    text = text.replace(" (£)", " (£)").replace("  ", " ")
    return (text[:1].upper() + text[1:] + tail) if text else name
