"""What the pages show, computed here: the figures and tables each page renders (pages only format them).

Every number a page shows that is not read straight off a model's result is made here (or by a property of the
results: :class:`models.pipeline.stages.Projection`, :class:`models.pipeline.stages.Winter`,
:class:`models.money.riskshare.Allocation`), so that it has one definition and a test can hold it. "vs current
funding" is always against the run of :func:`models.pipeline.results.reference_scenario`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from models.core.labels import readable
from models.flow.simulate import Calibration
from models.inputs.areas import AreaData, annual_by_fy
from models.inputs.history import admissions_by_fy, nea65_by_fy, placements_by_fy
from models.money.fund import fund_statement
from models.pipeline.core_metrics import PLAN_YEARS
from models.pipeline.results import Results, headline_change
from models.pipeline.stages import Projection
from models.scenario import Flow, Scenario

# --------------------------------------------------------------------------- Home


@dataclass(frozen=True)
class LatestYear:
    """The area's last complete recorded financial year against the one before (counts a year; a change is None
    when there is no year before, e.g. a real area's single estimated year)."""

    fy: str
    prior_fy: str
    nea: int
    nea_change: int | None
    acs: int
    acs_change: int | None
    placements_fy: str
    placements: int
    placements_change: int | None
    rate_per_100k: float  # placements per 100,000 aged 65+
    rate_vs_ambition: float  # the rate less the scenario's ambition rate
    estimated: bool = False  # the admissions are a level-only estimate, not recorded counts


def data_period(area: AreaData) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last month of the area's admissions data."""
    months = area.admissions["month"]
    return months.min(), months.max()


def latest_year(area: AreaData, scenario: Scenario) -> LatestYear:
    """The Home page's history tiles: the latest complete financial year and its change on the year before."""
    adm, plc = admissions_by_fy(area), placements_by_fy(area)
    latest, plc_latest = adm.iloc[-1], plc.iloc[-1]
    prior = adm.iloc[-2] if len(adm) > 1 else None
    plc_prior = plc.iloc[-2] if len(plc) > 1 else None
    return LatestYear(
        fy=latest.fy,
        prior_fy=prior.fy if prior is not None else "",
        nea=latest.nea,
        nea_change=latest.nea - prior.nea if prior is not None else None,
        acs=latest.acs,
        acs_change=latest.acs - prior.acs if prior is not None else None,
        placements_fy=plc_latest.fy,
        placements=plc_latest.placements,
        placements_change=plc_latest.placements - plc_prior.placements if plc_prior is not None else None,
        rate_per_100k=plc_latest.rate_per_100k,
        rate_vs_ambition=plc_latest.rate_per_100k - scenario.ambition_rate_per_100k,
        estimated="nea" in area.meta.estimated,
    )


def history_table(area: AreaData) -> pd.DataFrame:
    """One row per recorded financial year: admissions, 65+ admissions and their rate (``nea65_rate_per_100k``;
    ``nea65_estimated`` when estimated from the age-band rates), placements, residents 65+ and the placements rate."""
    older = (
        nea65_by_fy(area)
        .drop(columns="population_65plus")
        .rename(columns={"rate_per_100k": "nea65_rate_per_100k", "estimated": "nea65_estimated"})
    )
    out = admissions_by_fy(area).merge(older, on="fy", how="left").merge(placements_by_fy(area), on="fy", how="outer")
    if "nea65_estimated" in out:  # years with placements but no admissions (a real area's ASCOF years): blank
        out["nea65_estimated"] = out["nea65_estimated"].astype("boolean")
    return out


# --------------------------------------------------------------------------- Demographic growth
@dataclass(frozen=True)
class GrowthSummary:
    """Growth from the base year to the last year of the horizon (%; points for the gap)."""

    last_year: int
    population_growth_pct: float
    demand_growth_pct: float  # age-weighted (NEA)
    demand_above_population_pts: float
    population_65plus: float  # persons in the last year
    population_65plus_growth_pct: float


def growth_table(projection: Projection, base_year: int) -> pd.DataFrame:
    """The demographic index from the base year to the end of the horizon, with ``population_growth_pct`` and
    ``demand_growth_pct`` (% on the base year) added to :attr:`Projection.index`'s columns."""
    idx = projection.index
    view = idx[(idx["year"] >= base_year) & (idx["year"] <= int(projection.months[-1].year))]
    return view.assign(
        population_growth_pct=(view["population_index"] - 1) * 100,
        demand_growth_pct=(view["index"] - 1) * 100,
    )


def growth_summary(projection: Projection, base_year: int) -> GrowthSummary:
    """The Demographic growth page's tiles (see :class:`GrowthSummary`)."""
    last = growth_table(projection, base_year).iloc[-1]
    idx = projection.index
    pop65_base = float(idx.loc[idx["year"] == base_year, "population_65plus"].iloc[0])
    return GrowthSummary(
        last_year=int(last.year),
        population_growth_pct=(last.population_index - 1) * 100,
        demand_growth_pct=(last["index"] - 1) * 100,
        demand_above_population_pts=(last["index"] - last.population_index) * 100,
        population_65plus=last.population_65plus,
        population_65plus_growth_pct=(last.population_65plus / pop65_base - 1) * 100,
    )


def population_view(projection: Projection) -> pd.DataFrame:
    """Population by age band up to the last year of the horizon (history, then projection)."""
    pop = projection.population
    return pop[pop["year"] <= int(projection.months[-1].year)]


def growth_overrides_with(
    overrides: tuple[tuple[str, float], ...], variant_rates: dict[str, float], band: str, value: float
) -> tuple[tuple[str, float], ...]:
    """The growth overrides with ``band`` set to ``value`` (% a year, rounded to 0.01); a value equal to the
    variant's own rate removes the override instead."""
    value = round(float(value), 2)
    over = dict(overrides)
    if abs(value - variant_rates[band]) < 1e-9:
        over.pop(band, None)
    else:
        over[band] = value
    return tuple(over.items())


# --------------------------------------------------------------------------- Demand projections
@dataclass(frozen=True)
class DemandTiles:
    """A demand tab's tiles: the last recorded year, current funding and the scenario in the first projected year."""

    last_fy: str
    recorded: float  # a year
    first_fy: str
    current_funding: float  # the reference run's mean a year
    current_funding_change_pct: float  # % on the last recorded year
    scenario: float  # mean a year
    change_vs_current_funding: float
    p10: float
    p90: float


def demand_tiles(area: AreaData, projection: Projection, reference: Projection, metric: str) -> DemandTiles:
    """Recorded, current-funding and scenario admissions a year (``metric`` "nea" or "acs")."""
    observed = annual_by_fy(area.monthly_series(metric))
    last_obs = float(observed.iloc[-1])
    first = projection.annual_of(metric, "scenario").iloc[0]
    ref = reference.annual_of(metric, "baseline").iloc[0]
    return DemandTiles(
        last_fy=str(observed.index[-1]),
        recorded=last_obs,
        first_fy=str(first.fy),
        current_funding=float(ref["mean"]),
        current_funding_change_pct=(ref["mean"] / last_obs - 1) * 100,
        scenario=float(first["mean"]),
        change_vs_current_funding=first["mean"] - ref["mean"],
        p10=float(first.p10),
        p90=float(first.p90),
    )


def demand_annual_table(projection: Projection, metric: str) -> pd.DataFrame:
    """Admissions a financial year: the scenario without its scheme changes (``baseline_mean``, ``_p10``,
    ``_p90``: its own growth, every scheme at today's budget) and with them (``with_schemes_mean``, ``_p10``,
    ``_p90``, ``_p025``, ``_p975``)."""
    base = projection.annual_of(metric, "baseline")[["fy", "mean", "p10", "p90"]]
    scen = projection.annual_of(metric, "scenario")[["fy", "mean", "p10", "p90", "p025", "p975"]]
    return base.rename(columns={c: f"baseline_{c}" for c in ("mean", "p10", "p90")}).merge(
        scen.rename(columns={c: f"with_schemes_{c}" for c in ("mean", "p10", "p90", "p025", "p975")}), on="fy"
    )


PLACEMENT_SCENARIO_COLUMNS = (
    "fy",
    "mean",
    "p10",
    "p90",
    "rate_mean",
    "rate_p10",
    "rate_p90",
    "p_meet_ambition",
    "population_65plus",
)


def placements_annual_table(projection: Projection) -> pd.DataFrame:
    """Placements 65+ a financial year: the scenario without its scheme changes (``baseline``,
    ``baseline_rate_per_100k``: means) and with them (:data:`PLACEMENT_SCENARIO_COLUMNS`)."""
    base = projection.placements_of("baseline")[["fy", "mean", "rate_mean"]]
    return base.rename(columns={"mean": "baseline", "rate_mean": "baseline_rate_per_100k"}).merge(
        projection.placements_of("scenario")[list(PLACEMENT_SCENARIO_COLUMNS)], on="fy"
    )


# --------------------------------------------------------------------------- Discharge and winter beds
def pathway_shares_with(flow: Flow, field: str, value: float) -> dict[str, float]:
    """The change to the flow levers when P1, P2 or P3's share (``field``, a fraction) is set to ``value``:
    P0 (home with no new support) takes the rest, never below 0 (over 100% in all, the sum check refuses it)."""
    others = sum(getattr(flow, g) for g in ("p1_share", "p2_share", "p3_share") if g != field)
    return {"p0_share": max(0.0, round(1.0 - others - value, 6))}


# --------------------------------------------------------------------------- Scheme funding
@dataclass(frozen=True)
class SchemeFunding:
    """The Scheme funding page's figures: the pooled fund and the first projected year against current funding.

    Activity is the mean a year in the first projected financial year; winter figures are the first winter's
    delayed plus ED boarding days (NaN without a winter). Changes are against the reference run.
    """

    current_total_gbp: float  # today's budgets, £ a year
    scenario_total_gbp: float
    budget_change_gbp: float
    budgets_changed: bool
    n_illustrative: int  # schemes whose effect rests on an illustrative assumption
    first_fy: str
    nea: float
    nea_change: float
    placements: float
    placements_change: float
    lost_bed_days: float
    lost_bed_days_change: float


def scheme_funding(results: Results, reference: Results) -> SchemeFunding:
    """The Scheme funding page's tiles (see :class:`SchemeFunding`)."""
    sc, proj = results.scenario, results.projection
    current = sum(s.current_budget_gbp for s in sc.schemes)
    change = headline_change(results, reference)
    w, w_ref = results.winter, reference.winter
    nan = float("nan")
    return SchemeFunding(
        current_total_gbp=current,
        scenario_total_gbp=sc.scheme_budget_gbp,
        budget_change_gbp=sc.scheme_budget_gbp - current,
        budgets_changed=any(s.budget_gbp != s.current_budget_gbp for s in sc.schemes),
        n_illustrative=sum("illustrative" in s.source.lower() for s in sc.schemes),
        first_fy=proj.first_fy,
        nea=proj.annual_mean("nea", "scenario"),
        nea_change=change["nea_first_fy"],
        placements=proj.annual_mean("placements", "scenario"),
        placements_change=change["placements_first_fy"],
        lost_bed_days=w.lost_bed_days if w is not None else nan,
        lost_bed_days_change=w.lost_bed_days - w_ref.lost_bed_days if w is not None and w_ref is not None else nan,
    )


# --------------------------------------------------------------------------- Data
def unit_costs_table(area: AreaData) -> tuple[pd.DataFrame, bool]:
    """The area's unit costs with readable item names ("NEA spell", not "nea_spell"), and whether every value
    is a whole number (to show them without decimals)."""
    costs = area.tables["unit_costs.csv"]
    values = pd.to_numeric(costs["value"], errors="coerce").dropna()
    return costs.assign(item=costs["item"].astype(str).map(readable)), bool((values == values.round()).all())


def calibration_table(cal: Calibration) -> pd.DataFrame:
    """How close the calibrated winter model comes to each of the area's figures (the winter page's table).

    Rows: mean stay, the 14+ / 21+ day shares, and the discharge-ready-date share delayed and mean delay among
    the delayed; columns ``figure``, ``target`` and ``model`` as display text (the calibration run at the area's
    typical demand and today's capacities, not the winter itself).
    """
    rows = [
        ("Mean length of stay", f"{cal.target_mean_los:.2f} days", f"{cal.simulated_mean_los:.2f} days"),
        ("Inpatients staying 14+ days", f"{cal.target_14plus:.1%}", f"{cal.simulated_14plus:.1%}"),
        ("Inpatients staying 21+ days", f"{cal.target_21plus:.1%}", f"{cal.simulated_21plus:.1%}"),
        (
            "Discharges after the ready date",
            f"{cal.target_drd_pct_delayed:.1f}%",
            f"{cal.simulated_drd_pct_delayed:.1f}%",
        ),
        (
            "Mean delay among them",
            f"{cal.target_drd_mean_delay:.2f} days",
            f"{cal.simulated_drd_mean_delay:.2f} days",
        ),
        (
            "Non-capacity delays (P0, calibrated)",
            "",
            f"{cal.p0_delay_share:.1%} of P0 patients, mean {cal.p0_delay_mean_days:.1f} days",
        ),
    ]
    return pd.DataFrame(rows, columns=["figure", "target", "model"])


# --------------------------------------------------------------------------- Three-year plan: the money
def plan_money(scenario: Scenario, years: Sequence[str] = PLAN_YEARS) -> pd.DataFrame:
    """Income by source and spend by scheme type for each plan year (£ a year), with the balance.

    The scenario holds its budgets and income flat in cash across the years (no uplift is assumed), so every year
    shows the same figures; the table is the plan's shape for a board paper, by financial year.

    Returns
    -------
    DataFrame
        ``line`` (e.g. "Income: NHS minimum contribution", "Spend: Home-based intermediate care", "Balance …"),
        then one column per year of ``years`` (£).
    """
    f = fund_statement(scenario)
    rows = [(f"Income: {r.label}", float(r.income_gbp)) for r in f.sources.itertuples() if r.income_gbp or r.spend_gbp]
    rows.append(("Income, all sources", f.income_gbp))
    types = f.types.loc[f.types["scheme_type"] != "All schemes"]
    rows += [(f"Spend: {r.scheme_type}", float(r.budget_gbp)) for r in types.itertuples()]
    rows.append(("Spend, all schemes", f.spend_gbp))
    rows.append(("Balance: income less spend", f.income_gbp - f.spend_gbp))
    return pd.DataFrame([{"line": line, **dict.fromkeys(years, value)} for line, value in rows])
