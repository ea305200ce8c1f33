"""Finance and risk share: who carries the overspend, with what probability (docs/model.md#finance-and-risk-share).

Pure and vectorised over the Monte Carlo draws, by complete financial year of the horizon.

1. :func:`activity` takes the **plan** run (the scenario with its savings fully realised:
   what the partners agreed) and the **outturn** run (the scenario as it happens, e.g. with
   the savings not materialising) and keeps the activity per draw: emergency admissions,
   care-home placements, and the first winter's escalation bed days, P3 interim placements,
   delayed days and ED boarding days. Draw ``d`` is one demand path, one set of scheme
   effects and winter replication ``d`` (draws beyond the winter's replications reuse them
   cyclically).
2. :func:`cost` prices it: plan (£, per line and year) and outturn per draw; the variance
   is outturn − plan. Care-home placements cost their weekly cost over the weeks of each
   stay that fall in the horizon (models.money.schemes.placement_savings).
3. :func:`allocate` applies the risk-share terms (models.scenario.RiskShare) draw by draw:
   each line goes to the pool, to its lead partner or to a named partner; a pooled
   overspend is covered by underspends on other pooled lines, then the contingency, then
   a threshold of each overspending line borne by its lead partner, then the split
   (agreed, or in proportion to contributions) with caps; a net underspend is shared by
   the underspend split. Money is conserved: the partners' shares plus the pool's cover
   (contingency used and any capped excess left to the pool) and the lines left outside
   the agreement equal the total variance, in every draw and year.

Sign convention: positive £ is an overspend (a cost to whoever carries it); negative is an
underspend (money back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.core.fy import sum_by_fy
from models.core.summaries import quantiles
from models.flow.simulate import FlowCosts
from models.money.schemes import placement_kernel
from models.scenario import RISK_LINES, Costs, RiskShare, Scenario
from models.scenario.terms import contributions

LINES: tuple[str, ...] = tuple(RISK_LINES)
#: Lead of each line: the acute lead (NHS) or the social-care lead (council), named in the terms.
LINE_SIDE: dict[str, str] = {
    "acute_nea": "acute",
    "placements": "social care",
    "escalation_beds": "acute",
    "p3_interim": "social care",
    "delayed_days": "acute",
    "boarding": "acute",
    "performance": "acute",
}
LINE_BASIS: dict[str, str] = {
    "acute_nea": "acute activity at the cost per spell",
    "placements": "cash (care-home weeks within the horizon)",
    "escalation_beds": "cash (escalation bed days open)",
    "p3_interim": "cash (interim weeks funded per P3 discharge)",
    "delayed_days": "gross notional value",
    "boarding": "gross notional value",
    "performance": "cash withheld from schemes",
}
WINTER_VOLUMES = ("escalation_beds", "p3", "delayed_days_cost", "boarding_cost")
UNIT_COSTING = FlowCosts(
    escalation_bed_day=1.0, delayed_bed_day=1.0, boarding_day=1.0, p1_start=0.0, p2_bed_day=0.0, p3_week=1.0,
    p3_weeks_funded=1.0, surge_bed_day=1.0, divert=1.0,
)  # unit costs of 1: per_rep_costs returns volumes (bed days, P3 discharges, delayed and boarding days)


# --------------------------------------------------------------------------- activity
@dataclass(frozen=True, eq=False)
class Activity:
    """Plan and outturn activity per draw (complete financial years only).

    Attributes
    ----------
    fy : tuple of str
        Financial-year labels, e.g. ``("2025-26", ...)``.
    nea_plan, nea_trend : ndarray (n_fy,)
        Planned emergency admissions a year (mean of the plan run) and the current-funding
        trend's (mean of the baseline paths), for targets.
    nea_out, nea_trend_out : ndarray (n_draws, n_fy)
        Outturn admissions a year per draw, and the same draw without the schemes.
    plc_plan_m, plc_trend_m : ndarray (n_months,)
        Planned placements a month (mean of the plan run) and the trend's.
    plc_out_m : ndarray (n_draws, n_months)
    winter_plan : dict volume -> float (mean over the plan winter's replications)
    winter_out : dict volume -> ndarray (n_draws,)
    winter_fy : int or None
        Index into ``fy`` of the winter's financial year (None: no winter in a complete year).
    month_fy : ndarray (n_months,) index into ``fy`` of each projected month (-1: part year).
    scheme_budget_gbp : float (£ a year, block contracts: plan = outturn)
    """

    fy: tuple[str, ...]
    nea_plan: np.ndarray
    nea_trend: np.ndarray
    nea_out: np.ndarray
    nea_trend_out: np.ndarray
    plc_plan_m: np.ndarray
    plc_trend_m: np.ndarray
    plc_out_m: np.ndarray
    winter_plan: dict[str, float]
    winter_out: dict[str, np.ndarray]
    winter_fy: int | None
    month_fy: np.ndarray
    scheme_budget_gbp: float

    @property
    def n_draws(self) -> int:
        return int(self.nea_out.shape[0])


# --------------------------------------------------------------------------- money
@dataclass(frozen=True, eq=False)
class FinanceInputs:
    """Plan and outturn in £ per line and year (lines in :data:`LINES` order; the performance line is 0 here).

    ``plan`` (n_lines, n_fy); ``outturn`` (n_draws, n_lines, n_fy); ``nea_reduction``
    (n_draws, n_fy): each draw's emergency-admissions reduction on its own current funding
    trend (fraction), for the performance element.
    """

    fy: tuple[str, ...]
    plan: np.ndarray
    outturn: np.ndarray
    nea_reduction: np.ndarray
    scheme_budget_gbp: float

    @property
    def variance(self) -> np.ndarray:
        return self.outturn - self.plan[None, :, :]


def _placement_cost(monthly: np.ndarray, costs: Costs, month_fy: np.ndarray, n_fy: int) -> np.ndarray:
    """£ per financial year of placements starting each month: :func:`models.money.schemes.placement_savings`
    summed into years, computed as one (months × years) product (a test checks they agree)."""
    a = np.atleast_2d(np.asarray(monthly, dtype=float))
    n = a.shape[-1]
    k = placement_kernel(n, costs.placement_duration_weeks) * float(costs.care_home_week)
    idx = np.arange(n)
    lag = idx[None, :] - idx[:, None]
    toeplitz = np.where(lag >= 0, k[np.clip(lag, 0, n - 1)], 0.0)
    return a @ sum_by_fy(toeplitz, month_fy, n_fy)


def cost(act: Activity, terms: RiskShare, plan_costs: Costs, out_costs: Costs | None = None) -> FinanceInputs:
    """Price plan and outturn: the plan at the agreed unit costs, the outturn at ``out_costs`` (default the same).

    Planned activity is the plan run's expected activity, or the terms' targets (a
    reduction on the current funding trend) where they are set.
    """
    oc = out_costs or plan_costs
    n_fy, n_draws = len(act.fy), act.n_draws
    nea_plan = act.nea_plan
    if terms.plan_nea_reduction_pct is not None:
        nea_plan = act.nea_trend * (1.0 - terms.plan_nea_reduction_pct / 100.0)
    plc_plan = act.plc_plan_m
    if terms.plan_placements_reduction_pct is not None:
        plc_plan = act.plc_trend_m * (1.0 - terms.plan_placements_reduction_pct / 100.0)
    plan = np.zeros((len(LINES), n_fy))
    out = np.zeros((n_draws, len(LINES), n_fy))
    i = LINES.index
    plan[i("acute_nea")] = nea_plan * plan_costs.nea_spell
    out[:, i("acute_nea")] = act.nea_out * oc.nea_spell
    plan[i("placements")] = _placement_cost(plc_plan, plan_costs, act.month_fy, n_fy)[0]
    out[:, i("placements")] = _placement_cost(act.plc_out_m, oc, act.month_fy, n_fy)
    if act.winter_fy is not None:
        unit_plan = winter_unit_prices(plan_costs)
        unit_out = winter_unit_prices(oc)
        for line, vol in (
            ("escalation_beds", "escalation_beds"),
            ("p3_interim", "p3"),
            ("delayed_days", "delayed_days_cost"),
            ("boarding", "boarding_cost"),
        ):
            plan[i(line), act.winter_fy] = act.winter_plan[vol] * unit_plan[vol]
            out[:, i(line), act.winter_fy] = act.winter_out[vol] * unit_out[vol]
    with np.errstate(divide="ignore", invalid="ignore"):
        red = np.where(act.nea_trend_out > 0, 1.0 - act.nea_out / act.nea_trend_out, 0.0)
    return FinanceInputs(act.fy, plan, out, red, act.scheme_budget_gbp)


def flow_unit_costs(c: Costs) -> FlowCosts:
    """The flow model's unit costs from the scenario's costs: one cost basis for the winter page, the scheme
    table and the finance (£ a bed day, a start, a week)."""
    return FlowCosts(
        escalation_bed_day=c.escalation_bed_day,
        delayed_bed_day=c.excess_bed_day,
        boarding_day=c.boarding_day,
        p1_start=c.p1_start,
        p2_bed_day=c.p2_bed_day,
        p3_week=c.p3_week,
        p3_weeks_funded=c.p3_weeks_per_placement,
        surge_bed_day=c.surge_bed_day,
        divert=c.divert,
    )


def winter_unit_prices(c: Costs) -> dict[str, float]:
    """£ per unit of each winter volume (:data:`WINTER_VOLUMES`), from :func:`flow_unit_costs`: an escalation bed
    day, a P3 discharge (its funded interim weeks), a delayed bed day and an ED boarding day."""
    u = flow_unit_costs(c)
    return {
        "escalation_beds": u.escalation_bed_day,
        "p3": u.p3_week * u.p3_weeks_funded,
        "delayed_days_cost": u.delayed_bed_day,
        "boarding_cost": u.boarding_day,
    }


# --------------------------------------------------------------------------- terms
def terms_with_partner_added(terms: RiskShare) -> dict[str, Any]:
    """The terms (as a dict to validate) with one more partner ("ICB 2", "ICB 3" …, no contribution) and
    even splits."""
    n = len(terms.partners) + 1
    even = [1.0 / n] * n
    names = {p.name for p in terms.partners}
    name = next(f"ICB {i}" for i in range(2, 99) if f"ICB {i}" not in names)
    return {
        **terms.model_dump(),
        "partners": [*(p.model_dump() for p in terms.partners), {"name": name, "contribution_gbp": 0.0}],
        "overspend_split": even,
        "underspend_split": even,
        "split_basis": terms.split_basis,
    }


def terms_without_last_partner(terms: RiskShare) -> dict[str, Any]:
    """The terms (as a dict to validate) without the last partner: even splits, every line back to its default."""
    keep = [p.model_dump() for p in terms.partners[:-1]]
    n = len(keep)
    return {
        **terms.model_dump(), "partners": keep, "overspend_split": [1 / n] * n, "underspend_split": [1 / n] * n,
        "line_terms": (),
    }


def split_weights(terms: RiskShare, contrib: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overspend and underspend shares per partner (fractions adding to 1)."""
    if terms.split_basis == "contributions" and contrib.sum() > 0:
        w = contrib / contrib.sum()
        return w, w
    return np.asarray(terms.overspend_split, dtype=float), np.asarray(terms.underspend_split, dtype=float)


def line_partner(terms: RiskShare, line: str) -> int | None:
    """Index of the partner carrying a line outside the pool; None for a pooled line or one outside the agreement."""
    names = [p.name for p in terms.partners]
    how = terms.treatment(line)
    if how in ("pool", "outside"):
        return None
    if how == "lead":
        return names.index(lead_of(terms, line))
    return names.index(how)


def lead_of(terms: RiskShare, line: str) -> str:
    return terms.acute_lead if LINE_SIDE[line] == "acute" else terms.social_care_lead


# --------------------------------------------------------------------------- allocation
@dataclass(frozen=True, eq=False)
class Allocation:
    """Who carries each draw's variance, £ (positive: overspend carried).

    Arrays: ``variance`` (n_draws, n_lines, n_fy); per partner (n_draws, n_partners, n_fy):
    ``direct`` (lines carried outside the pool), ``threshold``, ``overspend`` (split share
    after caps, with any excess received), ``underspend`` (≤ 0), ``shares`` (their sum: the
    partner's net position); per pool (n_draws, n_fy): ``contingency_used``,
    ``pool_excess`` (capped excess left to the pool); ``unshared`` (n_draws, n_fy): the
    variance of lines outside the agreement (shared by no one); ``released`` (n_draws, n_fy) whether
    the performance element was released; ``performance_gbp`` £ a year held back.
    """

    partners: tuple[str, ...]
    fy: tuple[str, ...]
    contributions: np.ndarray
    plan: np.ndarray
    outturn: np.ndarray
    variance: np.ndarray
    direct: np.ndarray
    threshold: np.ndarray
    overspend: np.ndarray
    underspend: np.ndarray
    shares: np.ndarray
    contingency_used: np.ndarray
    pool_excess: np.ndarray
    unshared: np.ndarray
    released: np.ndarray
    performance_gbp: float
    scheme_budget_gbp: float

    @property
    def pool_cover(self) -> np.ndarray:
        return self.contingency_used + self.pool_excess

    @property
    def mean_pool_cover(self) -> float:
        """Mean over the draws of what the pool covers over the horizon (contingency and capped excess), £."""
        return float(self.pool_cover.sum(axis=1).mean())

    @property
    def mean_unshared(self) -> float:
        """Mean over the draws of the variance of lines outside the agreement over the horizon, £."""
        return float(self.unshared.sum(axis=1).mean())

    @property
    def share_released(self) -> float:
        """Share of draw-years in which the performance element is released to the schemes."""
        return float(self.released.mean())

    def position(self, horizon: bool = True) -> np.ndarray:
        """Net position per draw and partner: over the horizon (n_draws, n_partners) or by year."""
        return self.shares.sum(axis=2) if horizon else self.shares


def allocate(inputs: FinanceInputs, terms: RiskShare, contrib: np.ndarray) -> Allocation:
    """Apply the risk-share terms to every draw and year (see the module docstring)."""
    n_p = len(terms.partners)
    contrib = np.asarray(contrib, dtype=float)
    perf = float(terms.performance_pct) / 100.0 * float(contrib[[p.name for p in terms.partners].index(terms.acute_lead)])
    released = inputs.nea_reduction >= terms.admissions_target_pct / 100.0 - 1e-12
    outturn = inputs.outturn.copy()
    outturn[:, LINES.index("performance")] = np.where(released, 0.0, perf)
    var = outturn - inputs.plan[None, :, :]
    d, _, y = var.shape

    pooled = [j for j, line in enumerate(LINES) if terms.treatment(line) == "pool"]
    outside = [j for j, line in enumerate(LINES) if terms.treatment(line) == "outside"]
    unshared = var[:, outside, :].sum(axis=1)
    direct = np.zeros((d, n_p, y))
    for j, line in enumerate(LINES):
        k = line_partner(terms, line)
        if k is not None:
            direct[:, k] += var[:, j]

    names = [p.name for p in terms.partners]
    lead_onehot = np.zeros((len(pooled), n_p))
    for r, j in enumerate(pooled):
        lead_onehot[r, names.index(lead_of(terms, LINES[j]))] = 1.0
    vp = var[:, pooled, :]
    net = vp.sum(axis=1)  # (d, y): underspends elsewhere in the pool net off first
    over_total = np.maximum(net, 0.0)
    overs = np.maximum(vp, 0.0)
    s = overs.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(s > 0, over_total / s, 0.0)
    remaining = overs * scale[:, None, :]  # each line's overspend left after the netting
    cont = np.minimum(over_total, float(terms.contingency_gbp))
    after_c = over_total - cont
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(over_total > 0, after_c / over_total, 0.0)
    remaining = remaining * scale[:, None, :]
    thr_line = np.minimum(remaining, float(terms.threshold_gbp))
    threshold = np.einsum("dly,lp->dpy", thr_line, lead_onehot)
    rest = after_c - thr_line.sum(axis=1)

    w_over, w_under = split_weights(terms, contrib)
    split = rest[:, None, :] * w_over[None, :, None]
    caps = np.array([np.inf if p.cap_gbp is None else float(p.cap_gbp) for p in terms.partners])
    liab, pool_excess = _apply_caps(threshold + split, caps, w_over, terms.cap_excess_to)
    overspend = liab - threshold
    underspend = -np.maximum(-net, 0.0)[:, None, :] * w_under[None, :, None]
    shares = direct + liab + underspend
    return Allocation(
        partners=tuple(names),
        fy=inputs.fy,
        contributions=contrib,
        plan=inputs.plan.copy(),
        outturn=outturn,
        variance=var,
        direct=direct,
        threshold=threshold,
        overspend=overspend,
        underspend=underspend,
        shares=shares,
        contingency_used=cont,
        pool_excess=pool_excess,
        unshared=unshared,
        released=released,
        performance_gbp=perf,
        scheme_budget_gbp=inputs.scheme_budget_gbp,
    )


def _apply_caps(
    liab: np.ndarray, caps: np.ndarray, weights: np.ndarray, excess_to: str
) -> tuple[np.ndarray, np.ndarray]:
    """Cap each partner's overspend liability; the excess goes to partners below their cap (pro rata to
    the split, equally where their split is 0) or, with ``excess_to == "pool"`` or when every partner is
    at its cap, stays with the pool. Returns (liability, excess left to the pool)."""
    liab = liab.copy()
    cap = caps[None, :, None]
    pool = np.zeros((liab.shape[0], liab.shape[2]))
    for _ in range(len(caps) + 1):
        excess = np.maximum(liab - cap, 0.0)
        liab = np.minimum(liab, cap)
        total = excess.sum(axis=1)
        if excess_to == "pool" or not np.any(total > 0):
            pool += total
            break
        room = liab < cap - 1e-9
        w = np.where(room, weights[None, :, None], 0.0)
        wsum = w.sum(axis=1, keepdims=True)
        eq = room / np.maximum(room.sum(axis=1, keepdims=True), 1)
        share = np.where(wsum > 0, w / np.where(wsum > 0, wsum, 1.0), eq)
        nobody = room.sum(axis=1) == 0
        pool += np.where(nobody, total, 0.0)
        liab += share * np.where(nobody, 0.0, total)[:, None, :]
    leftover = np.maximum(liab - cap, 0.0)
    pool += leftover.sum(axis=1)
    return np.minimum(liab, cap), pool


# --------------------------------------------------------------------------- summaries
SUMMARY_COLUMNS = (
    "partner",
    "contribution_gbp",
    "p10_gbp",
    "p50_gbp",
    "p90_gbp",
    "mean_gbp",
    "p_overspend",
    "p_exceed",
    "expected_liability_gbp",
)
#: The partner table's column headings, the same on the Finance page, the board pack and the finance workbook
#: (``p_exceed`` names its amount where it is shown, e.g. "Chance of more than £1.0m").
SUMMARY_HEADERS: dict[str, str] = {
    "partner": "Partner",
    "contribution_gbp": "Contribution (£ a year)",
    "p10_gbp": "P10 (£)",
    "p50_gbp": "P50 (£)",
    "p90_gbp": "P90 (£)",
    "mean_gbp": "Mean (£)",
    "p_overspend": "Chance of an overspend",
    "p_exceed": "Chance of more than the stated amount",
    "expected_liability_gbp": "Expected liability (£)",
}


def partner_summary(alloc: Allocation, exceed_gbp: float = 0.0) -> pd.DataFrame:
    """Per partner over the horizon: contribution (£ a year), P10/P50/P90 and mean net position,
    P(overspend) (= P(position > 0)), P(position > ``exceed_gbp``), expected liability (mean of the
    overspend part, max(position, 0))."""
    pos = alloc.position()
    q = quantiles(pos)
    return pd.DataFrame(
        {
            "partner": list(alloc.partners),
            "contribution_gbp": alloc.contributions,
            "p10_gbp": q[0],
            "p50_gbp": q[1],
            "p90_gbp": q[2],
            "mean_gbp": pos.mean(axis=0),
            "p_overspend": (pos > 0).mean(axis=0),
            "p_exceed": (pos > exceed_gbp).mean(axis=0),
            "expected_liability_gbp": np.maximum(pos, 0.0).mean(axis=0),
        },
        columns=list(SUMMARY_COLUMNS),
    )


def summary_change(summary: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Each partner's P50 and P90 net position over the horizon less the reference summary's (£; NaN for a
    partner the reference does not have). Columns ``partner``, ``p50_change_gbp``, ``p90_change_gbp``."""
    ref = {row.partner: row for row in reference.itertuples()}
    nan = float("nan")
    return pd.DataFrame(
        {
            "partner": list(summary["partner"]),
            "p50_change_gbp": [r.p50_gbp - ref[r.partner].p50_gbp if r.partner in ref else nan for r in summary.itertuples()],
            "p90_change_gbp": [r.p90_gbp - ref[r.partner].p90_gbp if r.partner in ref else nan for r in summary.itertuples()],
        }
    )


def whole_pounds(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every ``*_gbp`` column rounded to whole pounds for display (and −£0 shown as £0)."""
    return frame.assign(**{c: frame[c].round(0) + 0.0 for c in frame.columns if c.endswith("_gbp")})


STATEMENT_COLUMNS = (
    "partner",
    "fy",
    "contribution_gbp",
    "lines_carried_gbp",
    "threshold_gbp",
    "overspend_share_gbp",
    "underspend_share_gbp",
    "net_position_gbp",
    "p10_gbp",
    "p50_gbp",
    "p90_gbp",
    "p_overspend",
)


def partner_statement(alloc: Allocation) -> pd.DataFrame:
    """Year by year per partner: means over draws of each part of the net position, and its percentiles."""
    rows = []
    q = quantiles(alloc.shares)  # (3, n_partners, n_fy)
    for k, name in enumerate(alloc.partners):
        for j, fy in enumerate(alloc.fy):
            rows.append(
                {
                    "partner": name,
                    "fy": fy,
                    "contribution_gbp": float(alloc.contributions[k]),
                    "lines_carried_gbp": float(alloc.direct[:, k, j].mean()),
                    "threshold_gbp": float(alloc.threshold[:, k, j].mean()),
                    "overspend_share_gbp": float(alloc.overspend[:, k, j].mean()),
                    "underspend_share_gbp": float(alloc.underspend[:, k, j].mean()),
                    "net_position_gbp": float(alloc.shares[:, k, j].mean()),
                    "p10_gbp": float(q[0, k, j]),
                    "p50_gbp": float(q[1, k, j]),
                    "p90_gbp": float(q[2, k, j]),
                    "p_overspend": float((alloc.shares[:, k, j] > 0).mean()),
                }
            )
    return pd.DataFrame(rows, columns=list(STATEMENT_COLUMNS))


FUND_COLUMNS = (
    "fy", "line", "label", "basis", "carried_by", "plan_gbp", "outturn_gbp", "variance_gbp", "variance_p10_gbp",
    "variance_p90_gbp",
)


def fund_statement(alloc: Allocation, terms: RiskShare) -> pd.DataFrame:
    """Year by year per line: plan, mean outturn and variance (with P10/P90), and who carries it;
    then the scheme budgets (block contracts, plan = outturn) and the pool's cover."""
    rows = []
    q = quantiles(alloc.variance)
    qc = quantiles(alloc.pool_cover)  # (3, n_fy)
    for j, fy in enumerate(alloc.fy):
        rows.append(
            {
                "fy": fy, "line": "schemes", "label": "Scheme budgets (block contracts)", "basis": "cash",
                "carried_by": "budgets", "plan_gbp": alloc.scheme_budget_gbp, "outturn_gbp": alloc.scheme_budget_gbp,
                "variance_gbp": 0.0, "variance_p10_gbp": 0.0, "variance_p90_gbp": 0.0,
            }
        )
        for i, line in enumerate(LINES):
            k = line_partner(terms, line)
            rows.append(
                {
                    "fy": fy,
                    "line": line,
                    "label": RISK_LINES[line],
                    "basis": LINE_BASIS[line],
                    "carried_by": (
                        alloc.partners[k] if k is not None
                        else "outside the agreement" if terms.treatment(line) == "outside" else "pool"
                    ),
                    "plan_gbp": float(alloc.plan[i, j]),
                    "outturn_gbp": float(alloc.outturn[:, i, j].mean()),
                    "variance_gbp": float(alloc.variance[:, i, j].mean()),
                    "variance_p10_gbp": float(q[0, i, j]),
                    "variance_p90_gbp": float(q[2, i, j]),
                }
            )
        rows.append(
            {
                "fy": fy, "line": "pool_cover", "label": "Covered by the pool (contingency and capped excess)",
                "basis": "", "carried_by": "pool", "plan_gbp": 0.0,
                "outturn_gbp": float(alloc.pool_cover[:, j].mean()), "variance_gbp": float(alloc.pool_cover[:, j].mean()),
                "variance_p10_gbp": float(qc[0, j]),
                "variance_p90_gbp": float(qc[2, j]),
            }
        )
    return pd.DataFrame(rows, columns=list(FUND_COLUMNS))


# --------------------------------------------------------------------------- presets of terms
PRESET_NAMES = ("50:50", "In proportion to contributions", "NHS carries acute activity, council carries placements")


def preset_terms(name: str, terms: RiskShare) -> RiskShare:
    """One of :data:`PRESET_NAMES` applied to ``terms`` (partners, contributions and caps kept)."""
    n = len(terms.partners)
    data = terms.model_dump()
    if name == "50:50":
        even = tuple([1.0 / n] * n)
        data.update(split_basis="agreed", overspend_split=even, underspend_split=even, line_terms=())
    elif name == "In proportion to contributions":
        data.update(split_basis="contributions", line_terms=())
    elif name == PRESET_NAMES[2]:
        data.update(
            line_terms=(
                ("acute_nea", terms.acute_lead),
                ("escalation_beds", terms.acute_lead),
                ("placements", terms.social_care_lead),
                ("p3_interim", terms.social_care_lead),
            )
        )
    else:
        raise ValueError(f"unknown preset '{name}'; use one of {', '.join(PRESET_NAMES)}")
    return RiskShare.model_validate(data)


# --------------------------------------------------------------------------- the whole computation
@dataclass(frozen=True, eq=False)
class Finance:
    """A scenario's finance: its terms, activity (plan and outturn), the priced inputs and the allocation."""

    terms: RiskShare
    activity: Activity
    inputs: FinanceInputs
    allocation: Allocation
    summary: pd.DataFrame
    statement: pd.DataFrame
    fund: pd.DataFrame


def finance_from_activity(scenario: Scenario, act: Activity, exceed_gbp: float = 0.0) -> Finance:
    """Price and allocate (the fast part: a change of terms only reruns this)."""
    terms = scenario.risk_share
    inputs = cost(act, terms, scenario.costs)
    alloc = allocate(inputs, terms, contributions(scenario))
    return Finance(
        terms, act, inputs, alloc, partner_summary(alloc, exceed_gbp), partner_statement(alloc),
        fund_statement(alloc, terms),
    )


# --------------------------------------------------------------------------- tornado
UNIT_COST_INPUTS: dict[str, tuple[str, float]] = {
    "nea_spell": ("Cost per emergency admission", 0.2),
    "care_home_week": ("Care-home weekly cost", 0.2),
    "placement_duration_weeks": ("Length of a care-home stay", 0.25),
    "escalation_bed_day": ("Escalation bed-day cost", 0.2),
    "p3_week": ("P3 interim weekly cost", 0.2),
}
TORNADO_COLUMNS = ("input", "low_label", "high_label", "partner", "p50_base_gbp", "p50_low_gbp", "p50_high_gbp", "swing_gbp")


def _p50(scenario: Scenario, inputs: FinanceInputs) -> np.ndarray:
    alloc = allocate(inputs, scenario.risk_share, contributions(scenario))
    return quantiles(alloc.position(), 0.5)


@dataclass(frozen=True, eq=False)
class TornadoCase:
    """One input at the low and high end of its range: outturn activity and unit costs at each end."""

    input: str
    low_label: str
    high_label: str
    low: Activity
    high: Activity
    low_costs: Costs | None = None  # None: the scenario's unit costs
    high_costs: Costs | None = None


def tornado_table(scenario: Scenario, act: Activity, cases: Sequence[TornadoCase]) -> pd.DataFrame:
    """Each partner's P50 net position at the low and high end of each input (fast: the terms only)."""
    terms = scenario.risk_share
    p50 = _p50(scenario, cost(act, terms, scenario.costs))
    rows: list[dict[str, Any]] = []
    for c in cases:
        a = _p50(scenario, cost(c.low, terms, c.low_costs or scenario.costs))
        b = _p50(scenario, cost(c.high, terms, c.high_costs or scenario.costs))
        for k, partner in enumerate(terms.partners):
            rows.append(
                {
                    "input": c.input, "low_label": c.low_label, "high_label": c.high_label, "partner": partner.name,
                    "p50_base_gbp": float(p50[k]), "p50_low_gbp": float(a[k]), "p50_high_gbp": float(b[k]),
                    "swing_gbp": float(abs(b[k] - a[k])),
                }
            )
    df = pd.DataFrame(rows, columns=list(TORNADO_COLUMNS))
    if df.empty:
        return df
    order = list(df.groupby("input", sort=False)["swing_gbp"].max().sort_values(ascending=False, kind="stable").index)
    df["rank"] = df["input"].map({name: i for i, name in enumerate(order)})
    return df.sort_values(["rank", "partner"], kind="stable").drop(columns="rank").reset_index(drop=True)
