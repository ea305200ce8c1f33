"""The plausibility guard: a projection far outside an area's own recorded range is refused.

Rule (docs/forecasting.md)
--------------------------
Every 12-month total of a projection, at every horizon up to :data:`GUARD_MONTHS` (10 years: the longest the app
projects), must lie within ``[LOW_SHARE x lowest, HIGH_SHARE x highest]`` of the 12-month totals of the recorded
series (every run of 12 consecutive recorded months; runs that overlap the COVID-19 disruption, March 2020 - March
2021, are left out of the lowest when any run outside it exists, so a pandemic trough does not license a collapse).
``LOW_SHARE`` = 0.5 and ``HIGH_SHARE`` = 1.5 are the issue's thresholds (an assumption: wide enough for any trend
real admissions have shown over five years, narrow enough to catch an extrapolated recovery slope).

The guard is applied to the **rate** (admissions a month at base-year age structure,
:mod:`models.demand.forecasting`), so demographic growth comes on top: the envelope of projected *counts* is the
rate envelope times the growth of the age-weighted index since the recorded months (:func:`count_envelope`).

A refused model is replaced by the next candidate in the order of preference that passes; when none passes, by
the recorded average of the last 12 months (per day, times the days in each month), which lies inside the
envelope by construction. :class:`GuardResult` carries the plain message the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LOW_SHARE = 0.5  # a projected year below half the lowest recorded year is refused (issue 19)
HIGH_SHARE = 1.5  # a projected year above 1.5 x the highest recorded year is refused (issue 19)
GUARD_MONTHS = 120  # horizon checked, months (= models.pipeline.stages.MAX_HORIZON_YEARS x 12)
YEAR = 12
_DIS_START, _DIS_END = pd.Timestamp("2020-03-01"), pd.Timestamp("2021-03-01")


@dataclass(frozen=True)
class Envelope:
    """The range a projection's 12-month totals must stay in (units of the series a year).

    Attributes
    ----------
    lowest, highest : float
        Lowest and highest recorded 12-month total (disrupted runs left out of the lowest when possible).
    low, high : float
        The bounds: ``LOW_SHARE x lowest`` and ``HIGH_SHARE x highest``.
    """

    lowest: float
    highest: float

    @property
    def low(self) -> float:
        return LOW_SHARE * self.lowest

    @property
    def high(self) -> float:
        return HIGH_SHARE * self.highest

    def describe(self, unit: str = "a year") -> str:
        """The rule in words, with the figures."""
        return (
            f"between half the lowest recorded 12 months ({self.lowest:,.0f} {unit}) and 1.5 times the highest "
            f"({self.highest:,.0f} {unit}), i.e. {self.low:,.0f} to {self.high:,.0f} {unit}"
        )


def rolling_totals(values: np.ndarray) -> np.ndarray:
    """Totals of every run of 12 consecutive months (empty when fewer than 12 months)."""
    v = np.asarray(values, dtype=float)
    if len(v) < YEAR:
        return np.array([])
    c = np.r_[0.0, np.cumsum(v)]
    return c[YEAR:] - c[:-YEAR]


def envelope(history: pd.Series) -> Envelope:
    """The plausibility envelope of a monthly series (first-of-month index, at least 12 months).

    Raises
    ------
    ValueError
        Fewer than 12 months (the demand models refuse such a series first).
    """
    y = np.asarray(history, dtype=float)
    tot = rolling_totals(y)
    if not len(tot):
        raise ValueError("the envelope needs at least 12 months of history")
    idx = pd.DatetimeIndex(history.index)
    dis = np.asarray((idx >= _DIS_START) & (idx <= _DIS_END), dtype=float)
    clean = rolling_totals(dis) == 0
    low_from = tot[clean] if clean.any() else tot
    return Envelope(lowest=float(low_from.min()), highest=float(tot.max()))


@dataclass(frozen=True)
class Breach:
    """Where a projection leaves the envelope: the worst 12-month total and the month it ends."""

    total: float
    month: pd.Timestamp
    too_high: bool


def first_breach(point: np.ndarray, months: pd.DatetimeIndex, env: Envelope) -> Breach | None:
    """The worst 12-month total of ``point`` outside ``env`` (None when every total is inside).

    ``point`` is the projected series (same units as the history), ``months`` its months.
    """
    tot = rolling_totals(point)
    if not len(tot):
        return None
    over = tot - env.high
    under = env.low - tot
    worst_hi, worst_lo = int(np.argmax(over)), int(np.argmax(under))
    if over[worst_hi] <= 0 and under[worst_lo] <= 0:
        return None
    hi = over[worst_hi] / env.high >= under[worst_lo] / max(env.low, 1e-9)
    pos = worst_hi if hi else worst_lo
    return Breach(float(tot[pos]), pd.Timestamp(months[pos + YEAR - 1]), bool(hi))


@dataclass(frozen=True)
class Refusal:
    """One model the guard refused, and why."""

    model: str
    breach: Breach


@dataclass(frozen=True)
class GuardResult:
    """What the plausibility guard did for one series.

    Attributes
    ----------
    envelope : Envelope
        The envelope the projection was held to (units of the modelled rate a year).
    refused : tuple of Refusal
        Models refused, in the order they were tried (empty when the first choice passed).
    used : str
        The model used.
    """

    envelope: Envelope
    used: str
    refused: tuple[Refusal, ...] = field(default_factory=tuple)

    @property
    def intervened(self) -> bool:
        """Whether any model was refused."""
        return bool(self.refused)

    def message(self, series: str = "this series") -> str:
        """The plain message for the page (blank when nothing was refused)."""
        if not self.refused:
            return ""
        parts = []
        for r in self.refused:
            way = "above" if r.breach.too_high else "below"
            parts.append(
                f"{r.model} was refused: its projection reaches {r.breach.total:,.0f} a year in the 12 months to "
                f"{r.breach.month:%b %Y}, {way} the plausible range"
            )
        return (
            f"Plausibility check on {series}: " + "; ".join(parts) + ". "
            f"A projection must stay {self.envelope.describe()} at every horizon up to {GUARD_MONTHS // YEAR} years "
            f"(at base-year age structure; demographic growth comes on top). **{self.used}** is used instead: "
            "the next model in the backtest's order of preference whose projection stays in that range."
        )


def count_envelope(env: Envelope, index_growth: float) -> tuple[float, float]:
    """The envelope of projected counts a year: the rate envelope times the demographic index's growth.

    ``index_growth`` is the future age-weighted index over its level in the recorded months (dimensionless).
    """
    g = float(index_growth)
    return env.low * min(g, 1.0), env.high * max(g, 1.0)


__all__ = [
    "GUARD_MONTHS",
    "HIGH_SHARE",
    "LOW_SHARE",
    "Breach",
    "Envelope",
    "GuardResult",
    "Refusal",
    "count_envelope",
    "envelope",
    "first_breach",
    "rolling_totals",
]
