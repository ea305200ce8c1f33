"""The rules a pooled-fund scheme must meet, written once for every caller.

Three callers check schemes: the upload of ``schemes.csv`` (:mod:`models.inputs.areas`),
the scheme editor (:func:`models.scenario.tables.validate_scheme_rows`) and the
``Scheme`` / ``Scenario`` models (:mod:`models.scenario.groups`,
:mod:`models.scenario.scenario`). Where they apply the same rule they use the
definition here: the metrics and their aliases, unique names (ignoring case and spaces
at the ends), the order of the effects, the limits on amounts, ramps, saturation, text
and the number of schemes. Money in £ a year; effects in activity a year.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from models.core.numbers import invisible_characters, invisible_problem

#: What a scheme acts on: avoided activity (nea, acs, nea_65plus, placements) or discharge capacity bought (p1-p3).
SCHEME_METRICS: tuple[str, ...] = ("nea", "acs", "nea_65plus", "placements", "p1_capacity", "p2_capacity", "p3_capacity")
#: Other words accepted for a metric (lower case, spaces and hyphens as underscores).
METRIC_ALIASES: dict[str, str] = {
    "placement": "placements",
    "admissions": "nea",
    "nea65": "nea_65plus",
    "nea_65": "nea_65plus",
    "admissions_65plus": "nea_65plus",
    "p1": "p1_capacity",
    "home_first": "p1_capacity",
    "p2": "p2_capacity",
    "step_down": "p2_capacity",
    "p3": "p3_capacity",
}
MAX_SCHEMES = 200  # schemes in one scenario (and rows in one scheme table)
MAX_NAME_CHARS = 200  # characters of a scheme name
#: Most characters kept of each optional text column (longer text is cut in the editor).
TEXT_LIMITS: dict[str, int] = {"funding_source": 120, "lead_partner": 120, "source": 300}
MAX_BUDGET_GBP = 1e10  # £ a year, any budget of one scheme
MAX_EFFECT = 1e7  # activity a year avoided at the reference budget
MAX_RAMP_MONTHS = 60
MAX_SATURATION = 100.0  # × the reference budget
DEFAULT_RAMP_MONTHS = 3
DEFAULT_SATURATION = 1.5


def scheme_metric(value: object) -> str | None:
    """The metric a cell names (case, spaces, hyphens and :data:`METRIC_ALIASES` allowed), or None."""
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    key = METRIC_ALIASES.get(key, key)
    return key if key in SCHEME_METRICS else None


#: Why a metric is refused, to follow the quoted cell.
METRIC_REASON = f"is not one of {', '.join(SCHEME_METRICS)}"


def metric_problem(shown: str) -> str:
    """Why a metric cell is refused: ``shown`` is the quoted cell text, or blank when the cell is blank."""
    if shown:
        return f"{shown} {METRIC_REASON}"
    return f"choose one of {', '.join(SCHEME_METRICS)}"


def name_key(name: str) -> str:
    """What makes two names the same (schemes, saved scenarios).

    Compared after Unicode NFKC normalisation (a composed "é" and "e" + accent, a full-width
    "Ａ" and "A", a non-breaking space and a space are the same), ignoring case, invisible
    characters (zero-width spaces, bidi marks, controls) and spaces at the ends.
    """
    text = unicodedata.normalize("NFKC", str(name))
    hidden = set(invisible_characters(text))
    if hidden:
        text = "".join(ch for ch in text if ch not in hidden)
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def name_problem(name: str) -> str | None:
    """Why a name (a scheme's, a scenario's) is refused for its characters, else None.

    Invisible characters (NUL and other controls, zero-width spaces, bidi controls) are refused:
    they make two names that look the same differ, and some databases cannot store them.
    """
    return invisible_problem(str(name))


def repeated_names(names: Iterable[str]) -> list[tuple[int, int]]:
    """``(position, position of the first use)`` of each name used before (0-based, by :func:`name_key`)."""
    first: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        key = name_key(name)
        if key in first:
            out.append((i, first[key]))
        else:
            first[key] = i
    return out


def effect_order_problem(low: float | None, central: float | None, high: float | None) -> tuple[str, str] | None:
    """``(column, message)`` when the effects break low ≤ central ≤ high, else None; a None effect is not compared."""
    if low is not None and central is not None and low > central:
        return "effect_low", f"low ({low:g}) is above central ({central:g}); need low ≤ central ≤ high"
    if central is not None and high is not None and central > high:
        return "effect_high", f"high ({high:g}) is below central ({central:g}); need low ≤ central ≤ high"
    if low is not None and high is not None and central is None and low > high:
        return "effect_high", f"high ({high:g}) is below low ({low:g})"
    return None


def budget_problem(budget_gbp: float) -> str | None:
    """Why a scenario budget (£ a year) is refused, else None."""
    if budget_gbp < 0:
        return "the budget cannot be negative"
    if budget_gbp > MAX_BUDGET_GBP:
        return "budgets above £10bn a year are not supported"
    return None


def ramp_problem(ramp_months: float) -> str | None:
    """Why a ramp-up (months) is refused, else None."""
    if ramp_months < 0 or ramp_months != int(ramp_months):
        return "use a whole number of months, 0 or more"
    if ramp_months > MAX_RAMP_MONTHS:
        return f"at most {MAX_RAMP_MONTHS} months of ramp-up are supported"
    return None


def saturation_problem(saturation: float) -> str | None:
    """Why a saturation (× the reference budget) is refused, else None."""
    if not 0 < saturation <= MAX_SATURATION:
        return f"use a number above 0 and at most {MAX_SATURATION:g}"
    return None
