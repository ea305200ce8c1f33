"""Schemes: what the pooled fund's schemes change, against current funding, with uncertainty.

Three kinds of scheme (DESIGN.md 4.4):

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
   scheme's name (common random numbers, DESIGN.md 4.7).
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
from pydantic import ValidationError

from models.core.units import WEEKS_A_YEAR, fmt_gbp
from models.inputs.areas import FILES, SCHEME_METRICS
from models.scenario.capacity import CAPACITY_METRICS, capacity_bought, ramp
from models.scenario.levers import Costs, Scheme

MAX_SCHEME_ROWS = 200  # same limit as Scenario.schemes
MAX_MESSAGES = 25  # per-row problems shown before "… and N more"
_CAP_SAFETY = 1.0 - 1e-12  # scaled totals land just under the baseline despite rounding

METRIC_SHORT: dict[str, str] = {
    "nea": "NEA",
    "acs": "ACS admissions",
    "placements": "placements",
    "p1_capacity": "P1 starts a week",
    "p2_capacity": "P2 beds",
    "p3_capacity": "P3 placements a week",
}
METRIC_UNITS: dict[str, str] = {
    "nea": "admissions a year",
    "acs": "admissions a year",
    "placements": "placements a year",
    "p1_capacity": "starts a week",
    "p2_capacity": "beds",
    "p3_capacity": "placements a week",
}

TABLE_COLUMNS: tuple[str, ...] = (
    "scheme",
    "kind",
    "funding_source",
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
)
_TEXT_COLUMNS = {"scheme", "kind", "funding_source", "lead_partner", "metric", "savings_basis"}
WHOLE_FUND = "Whole fund"

ROW_COLUMNS: tuple[str, ...] = tuple(FILES["schemes.csv"].columns)  # the upload format is the editor format
OPTIONAL_ROW_COLUMNS: tuple[str, ...] = ("current_budget_gbp", "reference_budget_gbp", "source")


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




def ramp_note(name: str, ramp_months: int, horizon_months: int) -> str | None:
    """Plain-English note when a ramp-up is longer than the horizon, else None."""
    if ramp_months > horizon_months:
        return (
            f"Note: '{name}' ramps up over {ramp_months} months, longer than the {horizon_months}-month "
            "horizon, so it never reaches its full effect in this projection."
        )
    return None


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
        """Emergency admissions avoided per month by NEA **and** ACS schemes, shape ``(n_draws, n_months)``.

        An avoided ACS admission is an avoided emergency admission; the sum is capped
        at the NEA baseline (when one was given).
        """
        return self.avoided[:, self._mask(["nea", "acs"]), :].sum(axis=1)

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
            who = "NEA and ACS" if metric == "nea" and "acs" in metrics else METRIC_SHORT[metric]
            messages.append(
                f"Schemes affecting {who} would avoid more than the baseline in {_pct(share)} of draws; "
                "capped at the baseline."
            )

    # ACS first (its own baseline), then NEA + ACS together against the NEA baseline: an avoided
    # ACS admission is an avoided emergency admission, so it must not be counted twice.
    apply("acs", ["acs"])
    apply("nea", ["nea", "acs"])
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

    For ``"nea"`` the avoided activity includes ACS schemes (:meth:`SchemeEffects.total_nea_avoided`).
    """
    avoided = effects.total_nea_avoided() if metric == "nea" else effects.by_metric(metric)
    return np.asarray(baseline_paths, dtype=float) - avoided


# --------------------------------------------------------------------------- money
def unit_value(metric: str, costs: Costs) -> float:
    """£ saved per unit of activity avoided (gross; NaN for capacity schemes, whose value comes from the flow).

    nea, acs: £ per emergency admission (``costs.nea_spell``); placements: £ per week ×
    expected weeks in a care home (the whole stay, however far it runs).
    """
    if metric in ("nea", "acs"):
        return float(costs.nea_spell)
    if metric == "placements":
        return float(costs.care_home_week * costs.placement_duration_weeks)
    if metric in CAPACITY_METRICS:
        return float("nan")
    raise ValueError(f"unknown metric '{metric}'; use one of {', '.join(SCHEME_METRICS)}")


SAVINGS_BASIS: dict[str, str] = {
    "nea": "gross notional value (acute costs are largely fixed in a year)",
    "acs": "gross notional value (acute costs are largely fixed in a year)",
    "placements": "cash released (council-paid care-home weeks, spread over the stay)",
    "p1_capacity": "gross notional value of bed days freed",
    "p2_capacity": "gross notional value of bed days freed",
    "p3_capacity": "gross notional value of bed days freed",
}


def placement_kernel(n_months: int, mean_weeks: float) -> np.ndarray:
    """Expected care-home weeks in each month after a placement starts (mid-month), shape ``(n_months,)``.

    Stays are exponential with mean ``mean_weeks`` (the skewed stays of DOMAIN.md: mean 801
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


def scheme_table(
    schemes: Sequence[Scheme],
    effects: SchemeEffects,
    costs: Costs,
    horizon_label: str | None = None,
    capacity_outcomes: Mapping[str, Mapping[str, float]] | None = None,
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
    scheme, kind, funding_source, lead_partner, metric, savings_basis : str
    current_budget_gbp, budget_gbp, budget_change_gbp : float (£ a year)
    unit_value_gbp : float (£ per unit avoided; NaN for capacity schemes)
    avoided_a_year_mean, avoided_a_year_p10, avoided_a_year_p90 : float (activity a year)
    cost_per_avoided_gbp, gross_savings_gbp, net_cost_gbp, break_even_activity, p_break_even : float
    change_a_year_mean, change_a_year_p10, change_a_year_p90 : float (activity avoided a year; < 0 = more)
    change_savings_gbp, change_net_gbp : float (£ a year; net = budget change − savings change)
    capacity_now, capacity : float (capacity schemes only)
    winter_delayed_days_avoided, winter_boarding_days_avoided : float (capacity schemes, if given)

    Additive columns of the scheme rows sum to the whole-fund row.
    """
    if tuple(s.name for s in schemes) != effects.names:
        raise ValueError("scheme_table: the schemes are not the ones the effects were computed for")
    n_draws = effects.n_draws
    buys = effects.drawn * (effects.multiplier * effects.realised)[None, :]  # (n_draws, n_schemes) a year
    units = np.array([unit_value(s.metric, costs) for s in schemes], dtype=float)
    change_annual = _fy_means(effects.avoided, effects.months)  # (n_draws, n_schemes)
    capacity_outcomes = capacity_outcomes or {}
    n_s = len(schemes)
    # all quantiles in two NumPy calls (this table is rebuilt on every slider move)
    if n_draws and n_s:
        buys_q = np.quantile(buys, (0.1, 0.9), axis=0)
        change_q = np.quantile(change_annual, (0.1, 0.9), axis=0)
        buys_mean, change_mean = buys.mean(axis=0), change_annual.mean(axis=0)
    else:
        buys_q = change_q = np.zeros((2, n_s))
        buys_mean = change_mean = np.zeros(n_s)
    plc = [j for j, s in enumerate(schemes) if s.metric == "placements"]
    plc_sav = {}
    if plc:  # cash released, spread over the stays within the horizon: one matrix product for all
        cash = placement_savings(effects.avoided[:, plc, :], costs.care_home_week, costs.placement_duration_weeks)
        plc_sav = dict(zip(plc, _fy_means(cash, effects.months).mean(axis=0), strict=True))
    rows = []
    for j, s in enumerate(schemes):
        cap = s.metric in CAPACITY_METRICS
        b_mean = float(buys_mean[j])
        if j in plc_sav:
            change_sav = float(plc_sav[j])
        elif cap:
            change_sav = 0.0
        else:
            change_sav = float(change_mean[j] * units[j])
        out = capacity_outcomes.get(s.name, {})
        winter_sav = (
            out.get("delayed_days_avoided", 0.0) * costs.excess_bed_day
            + out.get("boarding_days_avoided", 0.0) * costs.boarding_day
            if out
            else 0.0
        )
        savings = float(b_mean * units[j]) if not cap else winter_sav
        cpa = cost_per_avoided(s.budget_gbp, b_mean) if not cap else None
        rows.append(
            {
                "scheme": s.name,
                "kind": s.kind,
                "funding_source": s.funding_source,
                "lead_partner": s.lead_partner,
                "metric": s.metric,
                "savings_basis": SAVINGS_BASIS[s.metric],
                "current_budget_gbp": s.current_budget_gbp,
                "budget_gbp": s.budget_gbp,
                "budget_change_gbp": s.budget_gbp - s.current_budget_gbp,
                "unit_value_gbp": units[j],
                "avoided_a_year_mean": np.nan if cap else b_mean,
                "avoided_a_year_p10": np.nan if cap else float(buys_q[0, j]),
                "avoided_a_year_p90": np.nan if cap else float(buys_q[1, j]),
                "cost_per_avoided_gbp": np.nan if cpa is None else cpa,
                "gross_savings_gbp": savings,
                "net_cost_gbp": s.budget_gbp - savings,
                "break_even_activity": np.nan if cap else break_even_activity(s.budget_gbp, units[j]),
                "p_break_even": (
                    float((buys[:, j] * units[j] >= s.budget_gbp).mean()) if s.budget_gbp > 0 and not cap else np.nan
                ),
                "change_a_year_mean": float(change_mean[j]) if not cap else np.nan,
                "change_a_year_p10": float(change_q[0, j]) if not cap else np.nan,
                "change_a_year_p90": float(change_q[1, j]) if not cap else np.nan,
                "change_savings_gbp": change_sav,
                "change_net_gbp": (s.budget_gbp - s.current_budget_gbp) - change_sav,
                "capacity_now": capacity_bought(s, costs, s.current_budget_gbp) if cap else np.nan,
                "capacity": capacity_bought(s, costs) if cap else np.nan,
                "winter_delayed_days_avoided": out.get("delayed_days_avoided", np.nan) if cap else np.nan,
                "winter_boarding_days_avoided": out.get("boarding_days_avoided", np.nan) if cap else np.nan,
            }
        )
    total: dict[str, Any] = {c: np.nan for c in TABLE_COLUMNS}
    total.update(
        scheme=WHOLE_FUND,
        kind="all",
        funding_source="All",
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
        total[col] = float(sum(r[col] for r in rows))
    one_metric = len(set(effects.metrics)) == 1 and schemes and schemes[0].metric not in CAPACITY_METRICS
    if one_metric:
        act = buys.sum(axis=1)
        act_q = np.quantile(act, (0.1, 0.9))
        total.update(
            metric=effects.metrics[0],
            unit_value_gbp=units[0],
            avoided_a_year_mean=float(sum(r["avoided_a_year_mean"] for r in rows)),
            avoided_a_year_p10=float(act_q[0]),
            avoided_a_year_p90=float(act_q[1]),
            break_even_activity=break_even_activity(total["budget_gbp"], units[0]),
        )
        cpa = cost_per_avoided(total["budget_gbp"], total["avoided_a_year_mean"])
        total["cost_per_avoided_gbp"] = np.nan if cpa is None else cpa
    avoid = [j for j, s in enumerate(schemes) if s.metric not in CAPACITY_METRICS]
    if avoid and total["budget_gbp"] > 0:
        fund_savings = (buys[:, avoid] * units[avoid][None, :]).sum(axis=1)
        total["p_break_even"] = float((fund_savings >= sum(schemes[j].budget_gbp for j in avoid)).mean())
    rows.append(total)
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


# --------------------------------------------------------------------------- table editing
def schemes_to_rows(schemes: Sequence[Scheme]) -> pd.DataFrame:
    """The editable table for ``st.data_editor`` (inverse of :func:`validate_scheme_rows`).

    ``reference_budget_gbp`` is left blank for a £0 scheme whose reference is the £1
    placeholder, so the effects typed in apply at the budget entered next.
    """
    recs = []
    for s in schemes:
        d = s.model_dump()
        rec = {c: d[c] for c in ROW_COLUMNS}
        placeholder = s.budget_gbp == 0 and s.reference_budget_gbp <= 1.0
        rec["current_budget_gbp"] = s.current_budget_gbp
        rec["reference_budget_gbp"] = np.nan if placeholder else s.reference_budget_gbp
        rec["source"] = s.source
        recs.append(rec)
    return pd.DataFrame(recs, columns=list(ROW_COLUMNS + OPTIONAL_ROW_COLUMNS))


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _number(v: Any) -> float | None:
    """A finite float from a cell (accepts '£3,400,000', '1 700'); None if not a number."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
    else:
        text = str(v).strip().replace("£", "").replace(",", "").replace(" ", "").replace("\u2212", "-")
        try:
            x = float(text)
        except ValueError:
            return None
    return x if math.isfinite(x) else None


def _metric(v: Any) -> str | None:
    key = str(v).strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {
        "placement": "placements",
        "admissions": "nea",
        "p1": "p1_capacity",
        "home_first": "p1_capacity",
        "p2": "p2_capacity",
        "step_down": "p2_capacity",
        "p3": "p3_capacity",
    }
    key = aliases.get(key, key)
    return key if key in SCHEME_METRICS else None


def validate_scheme_rows(
    rows: pd.DataFrame,
    horizon_months: int,
    reference: Mapping[str, float] | None = None,
    current: Mapping[str, float] | None = None,
) -> tuple[tuple[Scheme, ...] | None, list[str]]:
    """Turn an edited scheme table into Schemes, or say in plain English what is wrong.

    Parameters
    ----------
    rows : DataFrame
        What ``st.data_editor`` returns: columns ``name, funding_source, lead_partner,
        budget_gbp, metric, effect_low, effect_central, effect_high, ramp_months,
        saturation`` and optionally ``reference_budget_gbp`` and ``source``. Fully
        blank rows (a row just added) are ignored. Numbers may be typed as
        "£3,400,000". Rows are named by position (row 1 = first row) and name.
    horizon_months : int
        Projection length; a longer ramp-up gives a "Note:" (not an error).
    reference : mapping, optional
        scheme name -> reference budget (£ a year) to use when the table has no
        ``reference_budget_gbp`` column or the cell is blank (e.g. the last valid
        set's references, so that editing a budget keeps diminishing returns).
        Otherwise the reference is the budget (the effects are "at this budget");
        a £0 scheme gets a £1 placeholder reference and has zero effect.
    current : mapping, optional
        scheme name -> current budget (£ a year) when the ``current_budget_gbp`` cell is
        blank or missing; a scheme not named there is new (current budget £0).

    Returns
    -------
    (schemes, messages)
        ``schemes`` is None when there is any error (the caller keeps its last valid
        set); messages starting "Note:" are warnings that do not block.
    """
    if not isinstance(rows, pd.DataFrame):
        return None, ["The scheme table could not be read (expected a table)."]
    cols = {str(c).strip().lower(): c for c in rows.columns}
    missing = [c for c in ROW_COLUMNS if c not in cols]
    if missing:
        return None, [f"The scheme table has no column(s) {', '.join(missing)}."]
    frame = rows.rename(columns={v: k for k, v in cols.items()})
    # blank rows: vectorised so a huge paste is cheap to check
    text = frame[list(ROW_COLUMNS)].astype("string").fillna("").apply(lambda s: s.str.strip())
    keep = (text != "").any(axis=1).to_numpy()
    n = int(keep.sum())
    if n > MAX_SCHEME_ROWS:
        return None, [
            f"The table has {n:,} schemes; at most {MAX_SCHEME_ROWS} are supported. "
            "Nothing was changed: paste fewer rows."
        ]
    reference = dict(reference or {})
    errors: list[str] = []
    notes: list[str] = []
    parsed: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for pos, (keep_row, rec) in enumerate(zip(keep, frame.to_dict("records"), strict=True), start=1):
        if not keep_row:
            continue
        raw_name = rec.get("name")
        name = "" if _blank(raw_name) else str(raw_name).strip()
        where = f"Row {pos} ('{name}')" if name else f"Row {pos}"
        row_errors: list[str] = []
        if not name:
            row_errors.append(f"{where}, column 'name': the scheme name is blank.")
        elif len(name) > 200:
            row_errors.append(f"{where}, column 'name': names are at most 200 characters.")
        else:
            key = name.casefold()
            if key in seen:
                row_errors.append(f"{where}, column 'name': the name is already used by row {seen[key]}.")
            else:
                seen[key] = pos

        metric = _metric(rec.get("metric")) if not _blank(rec.get("metric")) else None
        values: dict[str, float] = {}
        for col in ("budget_gbp", "effect_low", "effect_central", "effect_high", "ramp_months", "saturation"):
            cell = rec.get(col)
            if _blank(cell) and col.startswith("effect_") and metric in CAPACITY_METRICS:
                values[col] = 0.0  # capacity schemes take no typed-in effect
                continue
            if _blank(cell):
                if col == "ramp_months":
                    values[col] = 3.0
                    notes.append(f"Note: {where}: no ramp-up given, so 3 months is assumed.")
                elif col == "saturation":
                    values[col] = 1.5
                    notes.append(f"Note: {where}: no saturation given, so 1.5 is assumed.")
                else:
                    row_errors.append(f"{where}, column '{col}': the cell is blank; enter a number.")
                continue
            x = _number(cell)
            if x is None:
                row_errors.append(f"{where}, column '{col}': '{str(cell)[:30]}' is not a number.")
                continue
            values[col] = x

        if "budget_gbp" in values:
            b = values["budget_gbp"]
            if b < 0:
                row_errors.append(f"{where}, column 'budget_gbp': the budget cannot be negative ({fmt_gbp(b)}).")
            elif b > 1e10:
                row_errors.append(f"{where}, column 'budget_gbp': budgets above £10bn a year are not supported.")
        now: float | None = None
        cur_cell = rec.get("current_budget_gbp")
        if not _blank(cur_cell):
            now = _number(cur_cell)
            if now is None or now < 0 or now > 1e10:
                row_errors.append(
                    f"{where}, column 'current_budget_gbp': '{str(cur_cell)[:30]}' must be a budget from £0 to £10bn."
                )
                now = None
        elif current is not None:
            now = float(current.get(name, 0.0))
        elif "budget_gbp" in values:
            now = values["budget_gbp"]
        for col in ("effect_low", "effect_central", "effect_high"):
            if col in values and values[col] < 0:
                row_errors.append(
                    f"{where}, column '{col}': activity avoided cannot be negative ({values[col]:g}); "
                    "a scheme that adds activity is not supported."
                )
        lo, mid, hi = (values.get(c) for c in ("effect_low", "effect_central", "effect_high"))
        if lo is not None and mid is not None and lo > mid:
            row_errors.append(
                f"{where}, column 'effect_low': low ({lo:g}) is above central ({mid:g}); need low ≤ central ≤ high."
            )
        if mid is not None and hi is not None and mid > hi:
            row_errors.append(
                f"{where}, column 'effect_high': high ({hi:g}) is below central ({mid:g}); need low ≤ central ≤ high."
            )
        if lo is not None and hi is not None and mid is None and lo > hi:
            row_errors.append(f"{where}, column 'effect_high': high ({hi:g}) is below low ({lo:g}).")
        if "ramp_months" in values:
            r = values["ramp_months"]
            if r < 0 or r != int(r):
                row_errors.append(f"{where}, column 'ramp_months': use a whole number of months, 0 or more.")
            elif r > 60:
                row_errors.append(f"{where}, column 'ramp_months': at most 60 months of ramp-up are supported.")
            else:
                note = ramp_note(name or f"row {pos}", int(r), horizon_months)
                if note:
                    notes.append(note)
        if "saturation" in values and not (0 < values["saturation"] <= 100):
            row_errors.append(f"{where}, column 'saturation': use a number above 0 and at most 100.")

        if metric is None:
            shown = "" if _blank(rec.get("metric")) else str(rec.get("metric"))[:30]
            row_errors.append(
                f"{where}, column 'metric': '{shown}' is not one of {', '.join(SCHEME_METRICS)}."
                if shown
                else f"{where}, column 'metric': choose one of {', '.join(SCHEME_METRICS)}."
            )

        ref: float | None = None
        ref_cell = rec.get("reference_budget_gbp")
        if not _blank(ref_cell):
            ref = _number(ref_cell)
            if ref is None or ref <= 0:
                row_errors.append(
                    f"{where}, column 'reference_budget_gbp': '{str(ref_cell)[:30]}' must be a budget above £0."
                )
        elif name in reference:
            ref = float(reference[name])
        if ref is None and "budget_gbp" in values:
            # effects are "at today's budget" (or at the budget for a new scheme); £0: placeholder, f(0) = 0
            ref = max(now if now else values["budget_gbp"], 1.0)

        if row_errors:
            errors.extend(row_errors)
            continue
        fields: dict[str, Any] = {
            "name": name,
            "current_budget_gbp": now if now is not None else values["budget_gbp"],
            "budget_gbp": values["budget_gbp"],
            "reference_budget_gbp": ref,
            "metric": metric,
            "effect_low": values["effect_low"],
            "effect_central": values["effect_central"],
            "effect_high": values["effect_high"],
            "ramp_months": int(values["ramp_months"]),
            "saturation": values["saturation"],
        }
        for col, limit in (("funding_source", 120), ("lead_partner", 120), ("source", 300)):
            cell = rec.get(col)
            if not _blank(cell):
                fields[col] = str(cell).strip()[:limit]
        parsed.append((where, fields))

    schemes: list[Scheme] = []
    for where, fields in parsed:
        try:
            schemes.append(Scheme(**fields))
        except ValidationError as err:  # anything the explicit checks above missed
            for e in err.errors():
                loc = " → ".join(str(p) for p in e["loc"])
                msg = e["msg"].removeprefix("Value error, ")
                errors.append(f"{where}{', column ' + repr(loc) if loc else ''}: {msg}.")
    if errors:
        shown = errors[:MAX_MESSAGES]
        if len(errors) > MAX_MESSAGES:
            shown.append(f"… and {len(errors) - MAX_MESSAGES} more problems.")
        return None, shown + notes[:MAX_MESSAGES]
    if not schemes:
        notes.append("Note: the table has no schemes, so no scheme effects are modelled.")
    return tuple(schemes), notes
