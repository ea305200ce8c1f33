"""Schemes: what the pooled fund's schemes change, against current funding, with uncertainty.

Three kinds of scheme (docs/model.md#schemes):

- **admission avoidance** (``nea``, ``acs``) and **placement avoidance**
  (``placements``): each states the activity it avoids **a year at its reference
  budget** (low / central / high);
- **discharge capacity** (``p1_capacity``, ``p2_capacity``, ``p3_capacity``): the budget
  buys capacity at the scenario's unit cost for the service (Home First / P1 starts a
  week at £ per start; step-down / P2 beds at £ per bed day; interim care-home / P3
  placements a week at £ per week × weeks per placement). The capacity feeds the flow
  model; the delayed days and boarding it avoids come out of the simulation
  (:mod:`models.pipeline.stages`), never from a typed-in effect.

**The baseline is current funding.** The demand history already contains the schemes
the area funds today (``current_budget_gbp``), so a scenario's effect is the *change*
against current funding: ``effect × (f(B) − f(B_current))`` - zero when the budget is
unchanged, negative (more activity) when money is cut; a new scheme has
``B_current = 0``. Capacity likewise changes by ``(B − B_current) / unit cost``.

The avoidance model, per Monte Carlo draw and projected month:

1. **Uncertainty**: the annual effect at the reference budget is drawn from a
   triangular(low, central, high) distribution by inverse CDF of uniforms keyed by the
   scheme's name (common random numbers, docs/model.md#uncertainty).
2. **Saturation**: the effect scales with the budget through a concave curve
   (:func:`effect_multiplier`) that is 0 at £0 and exactly 1 at the reference budget.
3. **Ramp**: the change builds up linearly over ``ramp_months`` from the first projected
   month (for a cut, the same months are the lag before services wind down) (:func:`ramp`).
4. **Realisation**: the change is multiplied by ``realised_pct`` / 100 (the "what if the
   savings don't materialise" lever).
5. **No double counting**: for each metric the schemes together cannot avoid more than
   the baseline activity in that draw-month (an avoided ACS admission *is* an avoided
   emergency admission, so NEA and ACS schemes together are capped at the NEA
   baseline); extra activity from cuts is not capped.

Money: £ a year unless stated. Savings are *gross notional value* (acute admissions and
delayed bed days: the costs are largely fixed in the short run) unless they are *cash
released* (care-home placements the council pays for week by week, spread over the
placement's expected duration within the horizon: :func:`placement_savings`). This
module is pure NumPy/pandas (no streamlit).
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.core.units import WEEKS_A_YEAR
from models.inputs.funding_rules import SCHEME_TYPES
from models.inputs.scheme_rules import SCHEME_METRICS
from models.scenario.capacity import CAPACITY_METRICS, capacity_bought, ramp
from models.scenario.groups import Costs, Scheme
from models.scenario.tables import ramp_note

#: Schemes that avoid emergency admissions: all ages, and the ACS and 65+ subsets of them.
ADMISSION_METRICS: tuple[str, ...] = ("nea", "acs", "nea_65plus")
_CAP_SAFETY = 1.0 - 1e-12  # scaled totals land just under the baseline despite rounding

METRIC_SHORT: dict[str, str] = {
    "nea": "NEA",
    "acs": "ACS admissions",
    "nea_65plus": "NEA 65+",
    "placements": "placements",
    "p1_capacity": "P1 starts a week",
    "p2_capacity": "P2 beds",
    "p3_capacity": "P3 placements a week",
}
METRIC_UNITS: dict[str, str] = {
    "nea": "admissions a year",
    "acs": "admissions a year",
    "nea_65plus": "admissions a year",
    "placements": "placements a year",
    "p1_capacity": "starts a week",
    "p2_capacity": "beds",
    "p3_capacity": "placements a week",
}

TABLE_COLUMNS: tuple[str, ...] = (
    "scheme",
    "kind",
    "funding_source",
    "scheme_type",
    "step",
    "lead_partner",
    "metric",
    "savings_basis",
    "current_budget_gbp",
    "budget_gbp",
    "budget_change_gbp",
    "unit_value_gbp",
    "avoided_a_year_mean",
    "avoided_a_year_p10",
    "avoided_a_year_p90",
    "cost_per_avoided_gbp",
    "gross_savings_gbp",
    "net_cost_gbp",
    "break_even_activity",
    "p_break_even",
    "change_a_year_mean",
    "change_a_year_p10",
    "change_a_year_p90",
    "change_savings_gbp",
    "change_net_gbp",
    "capacity_now",
    "capacity",
    "winter_delayed_days_avoided",
    "winter_boarding_days_avoided",
    "winter_surge_bed_days_avoided",
    "winter_diverted_avoided",
    "winter_value_note",
)
_TEXT_COLUMNS = {*TABLE_COLUMNS[:8], "winter_value_note"}  # scheme … savings_basis, and the note
WHOLE_FUND = "Whole fund"


# --------------------------------------------------------------------------- money format


# --------------------------------------------------------------------------- saturation, ramp
def effect_multiplier(
    budget_gbp: float | np.ndarray, reference_budget_gbp: float | np.ndarray, saturation: float | np.ndarray
) -> float | np.ndarray:
    """Share of the reference effect bought by a budget (diminishing returns).

    ``f(B) = (1 − exp(−B / (s·B0))) / (1 − exp(−1/s))``

    Why this form: it is 0 at £0, exactly 1 at the reference budget ``B0`` (where the
    effect was estimated), increasing and concave (each extra £ buys less than the
    last: doubling the money does not double the effect) and bounded: however much
    money, the effect never exceeds ``1 / (1 − exp(−1/s))`` × the reference effect.
    The saturation ``s`` is the budget scale of diminishing returns as a multiple of
    ``B0``: a large ``s`` is close to linear (f(2·B0) → 2), a small ``s`` saturates
    quickly (s = 0.5: f(2·B0) ≈ 1.16, ceiling ≈ 1.16).

    Parameters
    ----------
    budget_gbp : float or ndarray
        Budget, £ a year (≥ 0).
    reference_budget_gbp : float or ndarray
        Budget at which the effects were estimated, £ a year (> 0).
    saturation : float or ndarray
        ``s`` > 0, a multiple of the reference budget.

    Returns
    -------
    float or ndarray
        Multiplier of the reference effect (dimensionless); float for scalar inputs.
    """
    b = np.asarray(budget_gbp, dtype=float)
    b0 = np.asarray(reference_budget_gbp, dtype=float)
    s = np.asarray(saturation, dtype=float)
    # (B/B0)/s, not B/(s·B0): at B = B0 this is exactly 1/s, so f(B0) == 1.0 exactly.
    # expm1 keeps precision when s is large (nearly linear).
    out = np.expm1(-(np.maximum(b, 0.0) / b0) / s) / np.expm1(-1.0 / s)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- discharge capacity


# --------------------------------------------------------------------------- random effects
def scheme_uniforms(names: Sequence[str], n_draws: int, seed: int) -> np.ndarray:
    """Uniforms for common random numbers, keyed by scheme **name**.

    Each scheme gets its own stream seeded by ``(seed, crc32(name))``, so adding,
    removing or reordering schemes, or changing budgets, leaves every other scheme's
    draws unchanged (renaming a scheme gives it new draws).

    Parameters
    ----------
    names : sequence of str
        Scheme names (their order gives the column order).
    n_draws : int
        Monte Carlo draws.
    seed : int
        The scenario seed.

    Returns
    -------
    ndarray
        Shape ``(n_draws, n_schemes)``, uniforms in [0, 1).
    """
    out = np.empty((n_draws, len(names)))
    for j, name in enumerate(names):
        # the constant tags this stream so it cannot coincide with default_rng(seed) used elsewhere
        ss = np.random.SeedSequence([int(seed), 0x5C4E3E, zlib.crc32(name.encode("utf-8"))])
        out[:, j] = np.random.default_rng(ss).random(n_draws)
    return out


def triangular_ppf(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Inverse CDF of triangular(low, mode, high), vectorised; returns ``low`` when low == high.

    Parameters
    ----------
    u : ndarray
        Uniforms in [0, 1], shape ``(n_draws, n_schemes)``.
    low, mode, high : ndarray
        Shape ``(n_schemes,)``, with low ≤ mode ≤ high.

    Returns
    -------
    ndarray
        Same shape as ``u``; monotone non-decreasing in ``u``.
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    a, c, b = (np.asarray(v, dtype=float) for v in (low, mode, high))
    width = b - a
    safe = np.where(width > 0, width, 1.0)
    fc = np.where(width > 0, (c - a) / safe, 0.5)
    left = a + np.sqrt(u * width * (c - a))
    right = b - np.sqrt((1.0 - u) * width * (b - c))
    x = np.where(u < fc, left, right)
    return np.clip(x, a, b)  # guards rounding at the ends and the degenerate low == high case


def effects_from_uniforms(schemes: Sequence[Scheme], uniforms: np.ndarray) -> np.ndarray:
    """Annual activity avoided at the reference budget, one value per draw and scheme.

    Parameters
    ----------
    schemes : sequence of Scheme
    uniforms : ndarray
        Shape ``(n_draws, n_schemes)``; column ``j`` drives scheme ``j``.

    Returns
    -------
    ndarray
        Shape ``(n_draws, n_schemes)``, activity avoided a year at the reference budget.
    """
    u = np.asarray(uniforms, dtype=float)
    if u.ndim != 2 or u.shape[1] != len(schemes):
        raise ValueError(f"uniforms has shape {u.shape}; expected (n_draws, {len(schemes)})")
    low = np.array([s.effect_low for s in schemes], dtype=float)
    mid = np.array([s.effect_central for s in schemes], dtype=float)
    high = np.array([s.effect_high for s in schemes], dtype=float)
    return triangular_ppf(u, low, mid, high)


def draw_effects(schemes: Sequence[Scheme], n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Annual activity avoided at the reference budget, drawn by scheme **position**.

    Draws one uniform per draw and scheme from ``rng`` (in one block, so column ``j``
    always uses the same random numbers for a given generator state). Prefer
    :func:`scheme_uniforms` + :func:`effects_from_uniforms` when schemes may be added
    or removed between scenarios.

    Returns
    -------
    ndarray
        Shape ``(n_draws, n_schemes)``, activity avoided a year at the reference budget.
    """
    return effects_from_uniforms(schemes, rng.random((n_draws, len(schemes))))


# --------------------------------------------------------------------------- effects
@dataclass(frozen=True, eq=False)
class SchemeEffects:
    """Activity avoided by each scheme in each draw and month (read-only arrays).

    Attributes
    ----------
    avoided : ndarray
        Shape ``(n_draws, n_schemes, n_months)``: activity avoided **per month** by the
        scenario's change against current funding, after ramp, saturation, the realised %
        and capping at the baseline (negative: extra activity from a cut; 0 for capacity
        schemes and unchanged budgets).
    drawn : ndarray
        Shape ``(n_draws, n_schemes)``: the drawn annual effect at the reference budget.
    multiplier : ndarray
        Shape ``(n_schemes,)``: f(B) at the scenario budget (0 for capacity schemes).
    realised : float
        Share of benefits realised (0–1).
    names, metrics : tuple of str
        Scheme names and metrics, in column order.
    budgets_gbp : ndarray
        Shape ``(n_schemes,)``, £ a year.
    months : DatetimeIndex
        The projected months (first day of month).
    capped : dict
        metric -> whether the cap at the baseline bound in any draw-month.
    capped_share : dict
        metric -> share of draws in which the cap bound in at least one month.
    messages : list of str
        Plain-English notes (caps, ramps longer than the horizon).
    """

    avoided: np.ndarray
    drawn: np.ndarray
    multiplier: np.ndarray
    realised: float
    names: tuple[str, ...]
    metrics: tuple[str, ...]
    budgets_gbp: np.ndarray
    months: pd.DatetimeIndex
    capped: dict[str, bool]
    capped_share: dict[str, float] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def n_draws(self) -> int:
        return self.avoided.shape[0]

    @property
    def n_months(self) -> int:
        return self.avoided.shape[2]

    def _mask(self, metrics: Sequence[str]) -> np.ndarray:
        return np.array([m in metrics for m in self.metrics], dtype=bool)

    def by_metric(self, metric: str) -> np.ndarray:
        """Total avoided per month by the schemes **of this metric only**, shape ``(n_draws, n_months)``.

        For NEA including ACS schemes use :meth:`total_nea_avoided`.
        """
        if metric not in SCHEME_METRICS:
            raise ValueError(f"unknown metric '{metric}'; use one of {', '.join(SCHEME_METRICS)}")
        return self.avoided[:, self._mask([metric]), :].sum(axis=1)

    def total_nea_avoided(self) -> np.ndarray:
        """Emergency admissions avoided per month by NEA, ACS **and** 65+ schemes, shape ``(n_draws, n_months)``.

        An avoided ACS or 65+ admission is an avoided emergency admission; the sum is capped
        at the NEA baseline (when one was given).
        """
        return self.avoided[:, self._mask(ADMISSION_METRICS), :].sum(axis=1)

    def annual_by_scheme(self) -> np.ndarray:
        """Average activity avoided **a year over the horizon**, shape ``(n_draws, n_schemes)``."""
        return self.avoided.sum(axis=2) * (12.0 / max(self.n_months, 1))

    def monthly_by_scheme_mean(self) -> pd.DataFrame:
        """Mean avoided per month: rows = months, columns = scheme names."""
        return pd.DataFrame(self.avoided.mean(axis=0).T, index=self.months, columns=list(self.names))


def _as_paths(value: Any, n_draws: int, n_months: int, metric: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    try:
        arr = np.broadcast_to(arr, (n_draws, n_months))
    except ValueError as err:
        raise ValueError(
            f"baseline '{metric}' has shape {arr.shape}; expected ({n_draws}, {n_months}) or ({n_months},)"
        ) from err
    # NaN baseline -> no cap there; negative baseline -> nothing can be avoided
    return np.where(np.isnan(arr), np.inf, np.maximum(arr, 0.0))


def _cap(avoided: np.ndarray, mask: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Scale the masked schemes' avoided activity in place so the total avoided ≤ base per draw-month.

    Only avoided activity (positive entries) is scaled; extra activity from cuts (negative
    entries) is left as it is. Returns the draw-months where the cap bound.
    """
    sub = avoided[:, mask, :]
    pos = np.maximum(sub, 0.0)
    total = pos.sum(axis=1)
    over = total > base
    if over.any():
        scale = np.divide(base, total, out=np.ones_like(total), where=over) * np.where(over, _CAP_SAFETY, 1.0)
        avoided[:, mask, :] = pos * scale[:, None, :] + np.minimum(sub, 0.0)
    return over


def compute_effects(
    schemes: Sequence[Scheme],
    months: pd.DatetimeIndex,
    baseline: Mapping[str, np.ndarray],
    uniforms: np.ndarray,
    realised_pct: float = 100.0,
) -> SchemeEffects:
    """Activity avoided per draw, scheme and month, without double counting.

    Parameters
    ----------
    schemes : sequence of Scheme
    months : DatetimeIndex
        Projected months; each scheme starts in the first one.
    baseline : mapping
        metric -> baseline activity per month without schemes, shape ``(n_draws, n_months)``
        (or ``(n_months,)``, shared by all draws): "nea" and "acs" admissions a month,
        "placements" a month, "delayed_days" bed days a month. A metric missing from
        the mapping is not capped.
    uniforms : ndarray
        Shape ``(n_draws, n_schemes)``, e.g. from :func:`scheme_uniforms` (common random numbers).
    realised_pct : float
        % of scheme effects realised (0–100).

    Returns
    -------
    SchemeEffects
    """
    months = pd.DatetimeIndex(months)
    n_months = len(months)
    u = np.asarray(uniforms, dtype=float)
    if u.ndim != 2 or u.shape[1] != len(schemes):
        raise ValueError(f"uniforms has shape {u.shape}; expected (n_draws, {len(schemes)})")
    n_draws = u.shape[0]
    names = tuple(s.name for s in schemes)
    metrics = tuple(s.metric for s in schemes)
    budgets = np.array([s.budget_gbp for s in schemes], dtype=float)
    messages: list[str] = []

    drawn = effects_from_uniforms(schemes, u)  # (n_draws, n_schemes) a year at reference budget
    ref = np.array([s.reference_budget_gbp for s in schemes], dtype=float)
    sat = np.array([s.saturation for s in schemes], dtype=float)
    current = np.array([s.current_budget_gbp for s in schemes], dtype=float)
    mult = np.asarray(effect_multiplier(budgets, ref, sat), dtype=float).reshape(len(schemes))
    mult_now = np.asarray(effect_multiplier(current, ref, sat), dtype=float).reshape(len(schemes))
    avoidance = np.array([m not in CAPACITY_METRICS for m in metrics], dtype=bool)
    # The change against current funding: exactly 0 when the budget is unchanged.
    change = np.where(avoidance & (budgets != current), mult - mult_now, 0.0)
    realised = min(max(float(realised_pct), 0.0), 100.0) / 100.0
    # Benefits (more money) are realised at `realised`; the harm of a cut is not softened by it.
    factor = np.where(change > 0, realised, 1.0)
    # ramps: (n_schemes, n_months); one row per distinct ramp length would be no faster at this size
    ramps = np.stack([ramp(n_months, s.ramp_months) for s in schemes]) if schemes else np.empty((0, n_months))
    shape = (change * factor / 12.0)[:, None] * ramps  # per month, per unit of annual effect
    avoided = drawn[:, :, None] * shape[None, :, :]

    capped = dict.fromkeys(SCHEME_METRICS, False)
    capped_share = dict.fromkeys(SCHEME_METRICS, 0.0)
    metric_arr = np.array(metrics, dtype=object)

    def apply(metric: str, members: Sequence[str]) -> None:
        mask = np.isin(metric_arr, list(members)) if schemes else np.zeros(0, dtype=bool)
        if metric not in baseline or not mask.any():
            return
        over = _cap(avoided, mask, _as_paths(baseline[metric], n_draws, n_months, metric))
        if over.any():
            share = float(over.any(axis=1).mean())
            capped[metric] = True
            capped_share[metric] = share
            subsets = [METRIC_SHORT[m] for m in ADMISSION_METRICS[1:] if m in metrics]
            who = " and ".join(["NEA", *subsets]) if metric == "nea" and subsets else METRIC_SHORT[metric]
            messages.append(
                f"Schemes affecting {who} would avoid more than the baseline in {_pct(share)} of draws; "
                "capped at the baseline."
            )

    # ACS and 65+ first (their own baselines), then all admission schemes together against the NEA baseline:
    # an avoided ACS or 65+ admission is an avoided emergency admission, so it must not be counted twice.
    apply("acs", ["acs"])
    apply("nea_65plus", ["nea_65plus"])
    apply("nea", ADMISSION_METRICS)
    apply("placements", ["placements"])

    for s in schemes:
        note = ramp_note(s.name, s.ramp_months, n_months)
        if note:
            messages.append(note)

    avoided.flags.writeable = False
    budgets.flags.writeable = False
    drawn.flags.writeable = False
    return SchemeEffects(
        avoided=avoided,
        drawn=drawn,
        multiplier=np.where(avoidance, mult, 0.0),
        realised=realised,
        names=names,
        metrics=metrics,
        budgets_gbp=budgets,
        months=months,
        capped=capped,
        capped_share=capped_share,
        messages=messages,
    )


def _pct(share: float) -> str:
    if 0 < share < 0.01:
        return "under 1%"
    return f"{share:.0%}"


def with_schemes(baseline_paths: np.ndarray, effects: SchemeEffects, metric: str) -> np.ndarray:
    """Activity per month with the schemes: baseline − avoided, shape ``(n_draws, n_months)``.

    For ``"nea"`` the avoided activity includes ACS and 65+ schemes (:meth:`SchemeEffects.total_nea_avoided`).
    """
    avoided = effects.total_nea_avoided() if metric == "nea" else effects.by_metric(metric)
    return np.asarray(baseline_paths, dtype=float) - avoided


# --------------------------------------------------------------------------- money
def unit_value(metric: str, costs: Costs) -> float:
    """£ saved per unit of activity avoided (gross; NaN for capacity schemes, whose value comes from the flow).

    nea, acs: £ per emergency admission (``costs.nea_spell``); placements: £ per week ×
    expected weeks in a care home (the whole stay, however far it runs).
    """
    if metric in ADMISSION_METRICS:
        return float(costs.nea_spell)
    if metric == "placements":
        return float(costs.care_home_week * costs.placement_duration_weeks)
    if metric in CAPACITY_METRICS:
        return float("nan")
    raise ValueError(f"unknown metric '{metric}'; use one of {', '.join(SCHEME_METRICS)}")


SAVINGS_BASIS: dict[str, str] = {
    "nea": "gross notional value (acute costs are largely fixed in a year)",
    "acs": "gross notional value (acute costs are largely fixed in a year)",
    "nea_65plus": "gross notional value (acute costs are largely fixed in a year)",
    "placements": "cash released (council-paid care-home weeks, spread over the stay)",
    "p1_capacity": "gross notional value of bed days freed",
    "p2_capacity": "gross notional value of bed days freed",
    "p3_capacity": "gross notional value of bed days freed",
}


def placement_kernel(n_months: int, mean_weeks: float) -> np.ndarray:
    """Expected care-home weeks in each month after a placement starts (mid-month), shape ``(n_months,)``.

    Stays are exponential with mean ``mean_weeks`` (the skewed stays in docs/sources.md#hospital-flow: mean 801
    days, median 462). Month 0 holds the half month after the start; the kernel sums to
    ``mean_weeks`` over an unlimited horizon and to less within a finite one.
    """
    if mean_weeks <= 0 or n_months <= 0:
        return np.zeros(max(n_months, 0))
    w = WEEKS_A_YEAR / 12.0
    edges = np.concatenate([[0.0], (np.arange(n_months) + 0.5) * w])
    surv = np.exp(-edges / mean_weeks)
    return mean_weeks * (surv[:-1] - surv[1:])


def placement_savings(avoided_monthly: np.ndarray, weekly_cost_gbp: float, mean_weeks: float) -> np.ndarray:
    """Cash released each month by placements avoided, within the horizon (£ a month).

    A placement avoided in month ``m0`` saves ``weekly_cost × weeks`` in each later month
    while the stay would have lasted (:func:`placement_kernel`); weeks beyond the last
    projected month are not booked.

    Parameters
    ----------
    avoided_monthly : ndarray
        Placements avoided per month, shape ``(n_draws, n_months)`` (negative: extra
        placements from a cut, costing money).
    weekly_cost_gbp : float
        £ a week.
    mean_weeks : float
        Expected length of a permanent placement, weeks.

    Returns
    -------
    ndarray
        £ a month, shape ``(n_draws, n_months)``.
    """
    a = np.asarray(avoided_monthly, dtype=float)
    return a @ _savings_matrix(a.shape[-1], float(mean_weeks), float(weekly_cost_gbp))


@functools.lru_cache(maxsize=32)
def _savings_matrix(n: int, mean_weeks: float, weekly_cost_gbp: float) -> np.ndarray:
    """(start month, month) → £ released: the kernel as an upper-triangular Toeplitz matrix (cached, read-only)."""
    k = placement_kernel(n, mean_weeks) * weekly_cost_gbp
    idx = np.arange(n)
    lag = idx[None, :] - idx[:, None]  # (m0, m)
    out = np.where(lag >= 0, k[np.clip(lag, 0, n - 1)], 0.0)
    out.flags.writeable = False
    return out


def break_even_activity(budget_gbp: float, unit_value_gbp: float) -> float:
    """Activity a scheme must avoid a year to pay for itself: budget (£ a year) / £ per unit.

    Returns ``inf`` when a unit saves nothing but the budget is positive, 0 for a £0 budget.
    """
    if budget_gbp <= 0:
        return 0.0
    if unit_value_gbp <= 0:
        return math.inf
    return budget_gbp / unit_value_gbp


def cost_per_avoided(budget_gbp: float, avoided_a_year: float) -> float | None:
    """£ of budget a year per unit avoided a year; None when nothing is avoided."""
    if not (avoided_a_year > 0) or not math.isfinite(avoided_a_year):
        return None
    return budget_gbp / avoided_a_year


def gross_savings(avoided_a_year: float | np.ndarray, unit_value_gbp: float) -> float | np.ndarray:
    """£ a year saved: activity avoided a year × £ per unit."""
    return avoided_a_year * unit_value_gbp


def net_cost(budget_gbp: float, gross_savings_gbp: float) -> float:
    """£ a year the scheme costs after its savings (negative: it saves more than it costs)."""
    return budget_gbp - gross_savings_gbp


def _fy_means(monthly: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Average a year over the horizon of monthly values, shape ``(n_draws, ...)``: sum × 12 / months."""
    return monthly.sum(axis=-1) * (12.0 / max(len(months), 1))


@dataclass(frozen=True, eq=False)
class _Buys:
    """What each scheme buys and changes, per draw, with the summaries the table shows (read-only arrays)."""

    buys: np.ndarray  # (n_draws, n_schemes) activity avoided a year at the scenario budget, whole effect
    units: np.ndarray  # (n_schemes,) £ per unit avoided
    buys_mean: np.ndarray  # (n_schemes,)
    buys_q: np.ndarray  # (2, n_schemes) p10, p90
    change_mean: np.ndarray  # (n_schemes,) activity avoided a year against current funding
    change_q: np.ndarray  # (2, n_schemes)
    placement_cash: dict[int, float]  # scheme position -> £ a year released (placements only)


def _buys(schemes: Sequence[Scheme], effects: SchemeEffects, costs: Costs) -> _Buys:
    """Per-scheme activity bought and changed, and its quantiles (two NumPy calls: rebuilt on every slider move)."""
    buys = effects.drawn * (effects.multiplier * effects.realised)[None, :]  # (n_draws, n_schemes) a year
    units = np.array([unit_value(s.metric, costs) for s in schemes], dtype=float)
    change_annual = _fy_means(effects.avoided, effects.months)  # (n_draws, n_schemes)
    n_s = len(schemes)
    if effects.n_draws and n_s:
        buys_q = np.quantile(buys, (0.1, 0.9), axis=0)
        change_q = np.quantile(change_annual, (0.1, 0.9), axis=0)
        buys_mean, change_mean = buys.mean(axis=0), change_annual.mean(axis=0)
    else:
        buys_q = change_q = np.zeros((2, n_s))
        buys_mean = change_mean = np.zeros(n_s)
    plc = [j for j, s in enumerate(schemes) if s.metric == "placements"]
    plc_sav: dict[int, float] = {}
    if plc:  # cash released, spread over the stays within the horizon: one matrix product for all
        cash = placement_savings(effects.avoided[:, plc, :], costs.care_home_week, costs.placement_duration_weeks)
        plc_sav = dict(zip(plc, _fy_means(cash, effects.months).mean(axis=0), strict=True))
    return _Buys(buys, units, buys_mean, buys_q, change_mean, change_q, plc_sav)


def _winter_value(outcome: Mapping[str, float | str], costs: Costs) -> float:
    """£ a capacity scheme's winter outcomes are worth: delayed bed days, patient-days in ED, surge bed days and
    diverts it avoids, at their unit costs; NaN when the winter without it could not cope (no honest figure)."""
    if not outcome:
        return 0.0
    if outcome.get("unable_to_cope"):
        return float("nan")
    return float(
        float(outcome.get("delayed_days_avoided", 0.0)) * costs.excess_bed_day
        + float(outcome.get("boarding_days_avoided", 0.0)) * costs.boarding_day
        + float(outcome.get("surge_bed_days_avoided", 0.0)) * costs.surge_bed_day
        + float(outcome.get("diverted_avoided", 0.0)) * costs.divert
    )


def _scheme_row(
    j: int, s: Scheme, b: _Buys, costs: Costs, outcome: Mapping[str, float | str]
) -> dict[str, str | float]:
    """The table row of scheme ``j`` (see :func:`scheme_table` for the columns)."""
    cap = s.metric in CAPACITY_METRICS
    unit = b.units[j]
    b_mean = float(b.buys_mean[j])
    if j in b.placement_cash:
        change_sav = float(b.placement_cash[j])
    elif cap:
        change_sav = 0.0
    else:
        change_sav = float(b.change_mean[j] * unit)
    winter_sav = _winter_value(outcome, costs)
    savings = float(b_mean * unit) if not cap else winter_sav
    cpa = cost_per_avoided(s.budget_gbp, b_mean) if not cap else None
    return {
        "scheme": s.name,
        "kind": s.kind,
        "funding_source": s.funding_source,
        "scheme_type": SCHEME_TYPES[s.scheme_type].label,
        "step": s.step,
        "lead_partner": s.lead_partner,
        "metric": s.metric,
        "savings_basis": SAVINGS_BASIS[s.metric],
        "current_budget_gbp": s.current_budget_gbp,
        "budget_gbp": s.budget_gbp,
        "budget_change_gbp": s.budget_gbp - s.current_budget_gbp,
        "unit_value_gbp": unit,
        "avoided_a_year_mean": np.nan if cap else b_mean,
        "avoided_a_year_p10": np.nan if cap else float(b.buys_q[0, j]),
        "avoided_a_year_p90": np.nan if cap else float(b.buys_q[1, j]),
        "cost_per_avoided_gbp": np.nan if cpa is None else cpa,
        "gross_savings_gbp": savings,
        "net_cost_gbp": s.budget_gbp - savings,
        "break_even_activity": np.nan if cap else break_even_activity(s.budget_gbp, unit),
        "p_break_even": (
            float((b.buys[:, j] * unit >= s.budget_gbp).mean()) if s.budget_gbp > 0 and not cap else np.nan
        ),
        "change_a_year_mean": float(b.change_mean[j]) if not cap else np.nan,
        "change_a_year_p10": float(b.change_q[0, j]) if not cap else np.nan,
        "change_a_year_p90": float(b.change_q[1, j]) if not cap else np.nan,
        "change_savings_gbp": change_sav,
        "change_net_gbp": (s.budget_gbp - s.current_budget_gbp) - change_sav,
        "capacity_now": capacity_bought(s, costs, s.current_budget_gbp) if cap else np.nan,
        "capacity": capacity_bought(s, costs) if cap else np.nan,
        "winter_delayed_days_avoided": outcome.get("delayed_days_avoided", np.nan) if cap else np.nan,
        "winter_boarding_days_avoided": outcome.get("boarding_days_avoided", np.nan) if cap else np.nan,
        "winter_surge_bed_days_avoided": outcome.get("surge_bed_days_avoided", np.nan) if cap else np.nan,
        "winter_diverted_avoided": outcome.get("diverted_avoided", np.nan) if cap else np.nan,
        "winter_value_note": str(outcome.get("note", "")) if cap else "",
    }


def _whole_fund_row(
    rows: Sequence[Mapping[str, str | float]], schemes: Sequence[Scheme], effects: SchemeEffects, b: _Buys
) -> dict[str, str | float]:
    """The "Whole fund" row: sums of the additive columns; activity columns only when every scheme avoids one metric."""
    total: dict[str, str | float] = {c: np.nan for c in TABLE_COLUMNS}
    total.update(
        scheme=WHOLE_FUND,
        kind="all",
        funding_source="All",
        scheme_type="All",
        step="All",
        lead_partner="All",
        metric="all",
        savings_basis="mixed",
    )
    for col in (
        "current_budget_gbp",
        "budget_gbp",
        "budget_change_gbp",
        "gross_savings_gbp",
        "net_cost_gbp",
        "change_savings_gbp",
        "change_net_gbp",
    ):
        total[col] = float(np.nansum([float(r[col]) for r in rows]))
    unvalued = [str(r["scheme"]) for r in rows if not np.isfinite(float(r["gross_savings_gbp"]))]
    total["winter_value_note"] = (
        f"Sums of the schemes with a figure; {len(unvalued)} without one ({', '.join(unvalued)}): see their notes."
        if unvalued
        else ""
    )
    budget = float(total["budget_gbp"])
    one_metric = len(set(effects.metrics)) == 1 and schemes and schemes[0].metric not in CAPACITY_METRICS
    if one_metric:
        act_q = np.quantile(b.buys.sum(axis=1), (0.1, 0.9))
        total.update(
            metric=effects.metrics[0],
            unit_value_gbp=b.units[0],
            avoided_a_year_mean=float(sum(r["avoided_a_year_mean"] for r in rows)),
            avoided_a_year_p10=float(act_q[0]),
            avoided_a_year_p90=float(act_q[1]),
            break_even_activity=break_even_activity(budget, b.units[0]),
        )
        cpa = cost_per_avoided(budget, float(total["avoided_a_year_mean"]))
        total["cost_per_avoided_gbp"] = np.nan if cpa is None else cpa
    avoid = [j for j, s in enumerate(schemes) if s.metric not in CAPACITY_METRICS]
    if avoid and budget > 0:
        fund_savings = (b.buys[:, avoid] * b.units[avoid][None, :]).sum(axis=1)
        total["p_break_even"] = float((fund_savings >= sum(schemes[j].budget_gbp for j in avoid)).mean())
    return total


def scheme_table(
    schemes: Sequence[Scheme],
    effects: SchemeEffects,
    costs: Costs,
    horizon_label: str | None = None,
    capacity_outcomes: Mapping[str, Mapping[str, float | str]] | None = None,
) -> pd.DataFrame:
    """One row per scheme plus a "Whole fund" row: what each buys, and what the scenario changes.

    Two views side by side:

    * **what the scheme buys at the scenario budget** (``avoided_a_year_*``, ``cost_per_avoided_gbp``,
      ``gross_savings_gbp``, ``net_cost_gbp``, ``break_even_activity``, ``p_break_even``): the
      whole effect ``effect × f(B)`` against no scheme at all, a year at full effect;
    * **the change against current funding** (``change_a_year_*``, ``change_savings_gbp``,
      ``change_net_gbp``): what the projection uses, average a year over the horizon (ramp
      months count); placements' cash is spread over the stays within the horizon.

    Capacity schemes show capacity instead of activity (``capacity_now``, ``capacity``,
    units in ``METRIC_UNITS``), and, when ``capacity_outcomes`` is given (scheme name ->
    ``{"delayed_days_avoided": …, "boarding_days_avoided": …}`` in the first winter, from paired
    flow runs), what the capacity at the scenario budget avoids.

    Columns
    -------
    scheme, kind, funding_source, scheme_type, step, lead_partner, metric, savings_basis : str
    current_budget_gbp, budget_gbp, budget_change_gbp : float (£ a year)
    unit_value_gbp : float (£ per unit avoided; NaN for capacity schemes)
    avoided_a_year_mean, avoided_a_year_p10, avoided_a_year_p90 : float (activity a year)
    cost_per_avoided_gbp, gross_savings_gbp, net_cost_gbp, break_even_activity, p_break_even : float
    change_a_year_mean, change_a_year_p10, change_a_year_p90 : float (activity avoided a year; < 0 = more)
    change_savings_gbp, change_net_gbp : float (£ a year; net = budget change − savings change)
    capacity_now, capacity : float (capacity schemes only)
    winter_delayed_days_avoided, winter_boarding_days_avoided, winter_surge_bed_days_avoided,
    winter_diverted_avoided : float (capacity schemes, if given: what the scheme's capacity avoids in the winter)
    winter_value_note : str (why a capacity scheme has no money figure: the winter without it could not cope)

    A capacity scheme's ``gross_savings_gbp`` is its winter value (:func:`_winter_value`), NaN when the winter
    without it could not cope; the whole fund's savings then sum the schemes with a figure and its note names
    the others.

    Additive columns of the scheme rows sum to the whole-fund row.
    """
    if tuple(s.name for s in schemes) != effects.names:
        raise ValueError("scheme_table: the schemes are not the ones the effects were computed for")
    b = _buys(schemes, effects, costs)
    capacity_outcomes = capacity_outcomes or {}
    rows = [_scheme_row(j, s, b, costs, capacity_outcomes.get(s.name, {})) for j, s in enumerate(schemes)]
    rows.append(_whole_fund_row(rows, schemes, effects, b))
    # one frame, column by column (much cheaper than records + concat + a cast per column)
    df = pd.DataFrame(
        {
            c: [r[c] for r in rows] if c in _TEXT_COLUMNS else np.array([r[c] for r in rows], dtype="float64")
            for c in TABLE_COLUMNS
        }
    )
    if horizon_label is None and len(effects.months):
        horizon_label = f"average a year over {effects.months[0]:%b %Y} – {effects.months[-1]:%b %Y}"
    df.attrs["horizon"] = horizon_label or ""
    return df
