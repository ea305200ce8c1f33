"""The whole-scenario run: data → fits → simulated demand → scheme effects → results.

``run(scenario, area)`` is pure. It is split into stages whose inputs differ, so
that the app can cache each stage by exactly what it depends on:

1. :func:`fit_all` — statsmodels fits and backtests; depend on the data (and the
   COVID-19 treatment) only, never on a slider;
2. :func:`simulate_base` — future rate paths from the fitted models; depend on the
   fits, the seed, the number of draws and the horizon;
3. :func:`project` — everything a lever moves: population growth, the age-weighted
   index, counts, scheme effects, placements, money. Fast (NumPy on ready paths);
4. :func:`winter` — the daily discharge-flow simulation for the first projected
   winter (see models/flow/simulate.py).

Random numbers: each stage takes its own child stream of ``SeedSequence(seed)``,
so two scenarios with the same seed share every random number they can
(common random numbers) and their difference is not Monte Carlo noise.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from models.core.fy import annual_to_monthly, fy_label, fy_layout, fy_matrix, fy_start, month_columns, sum_by_fy
from models.core.summaries import P10_P50_P90, quantiles, summarise
from models.demand.forecasting import SeriesFit, fit_series, level_only_fit
from models.demand.older import OlderShare, older_share
from models.demand.placements import PlacementsFit, fit_placements, simulate_counts, summarise_placements
from models.demand.population import demand_index, growth_rates, history_and_projection, monthly_index
from models.flow.beds import beds_for_refusal
from models.flow.simulate import (
    Calibration,
    FlowParams,
    FlowRun,
    arrivals_profile,
    calibrate_system,
    compare_options,
    flow_costs,
    flow_kpis,
    per_rep_kpis,
    simulate_flow,
    weekly_occupancy,
)
from models.inputs.areas import AreaData
from models.money.riskshare import flow_unit_costs
from models.money.schemes import (
    ADMISSION_METRICS,
    SchemeEffects,
    compute_effects,
    placement_savings,
    scheme_table,
    scheme_uniforms,
    with_schemes,
)
from models.scenario import Scenario, baseline
from models.scenario.capacity import CAPACITY_LEVER, capacity_bought, capacity_changes

DEFAULT_LEVEL_SD = 0.14  # an estimated level's doubt when the area gives none (docs/areas.md#level-only)

# Child streams of SeedSequence(seed): fixed positions keep common random numbers stable.
STREAM_NEA, STREAM_ACS, STREAM_PLACEMENTS, STREAM_FLOW = range(4)


def _streams(seed: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]


# --- stage 1: fits -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Fits:
    """Fitted models for one area's data (read-only; shared across sessions)."""

    nea: SeriesFit
    acs: SeriesFit
    placements: PlacementsFit
    seconds: float  # wall time of the cold fit, s
    fingerprint: str = ""  # the area data's fingerprint (AreaData.fingerprint) the models were fitted on
    covid: str = ""  # the COVID-19 treatment they were fitted with


def rates(area: AreaData, column: str) -> dict[str, float]:
    """Admissions per 1,000 residents a year by age band (``nea_per_1000`` or ``acs_per_1000``)."""
    t = area.admission_rates
    return dict(zip(t["age_band"].astype(str), t[column].astype(float), strict=True))


def history_index(area: AreaData, column: str) -> pd.Series:
    """Age-weighted demand index for the observed months (base year = 1.0)."""
    idx = demand_index(area.population, rates(area, column), area.meta.base_year)
    months = pd.DatetimeIndex(area.admissions["month"], freq="MS")
    return pd.Series(monthly_index(idx, months), index=months)


def pop65_by_year(area: AreaData) -> pd.Series:
    """Mid-year population 65+ (persons) indexed by year."""
    return area.population_65plus().astype(float)


def fit_all(area: AreaData, covid: str = "auto") -> Fits:
    """Fit NEA, ACS (with backtests and model choice) and placements for an area."""
    start = time.perf_counter()
    # Small matrices: BLAS threads only contend (2-core machine: 1.7 s single-threaded, up to 20 s with
    # oversubscription while other work runs), so the fits run on one BLAS thread.
    with threadpool_limits(limits=1, user_api="blas"):
        nea, acs = (
            _fit_one(area, name, column, covid) for name, column in (("nea", "nea_per_1000"), ("acs", "acs_per_1000"))
        )
        plc = fit_placements(area.monthly_series("placements_65plus"), pop65_by_year(area))
    return Fits(nea, acs, plc, time.perf_counter() - start, area.fingerprint, covid)


def _fit_one(area: AreaData, name: str, column: str, covid: str) -> SeriesFit:
    """One admissions series' model: chosen by backtest, or level-only when the area's series is an estimate."""
    if name in area.meta.estimated:
        sd = float(area.meta.estimate_sd.get(name, DEFAULT_LEVEL_SD))
        note = area.meta.estimate_notes.get(name, "an estimated level")
        return level_only_fit(area.monthly_series(name), history_index(area, column), name, sd, note)
    return fit_series(area.monthly_series(name), history_index(area, column), name, covid)


# --- stage 2: simulated rate paths ---------------------------------------------------


@dataclass(frozen=True, eq=False)
class BasePaths:
    """Future rate paths (admissions a month at base-year age structure), shape (n_draws, n_months)."""

    months: pd.DatetimeIndex
    nea_rate: np.ndarray
    acs_rate: np.ndarray
    seed: int


def projection_months(last_month: pd.Timestamp, horizon_years: int) -> pd.DatetimeIndex:
    """Months from the one after ``last_month`` to the March ending the ``horizon_years``-th financial year."""
    first = pd.Timestamp(last_month) + pd.DateOffset(months=1)
    end_fy = fy_start(first) + horizon_years - 1
    if first.month != 4:  # a part year first: it does not count as one of the horizon's years
        end_fy += 1
    return pd.date_range(first, pd.Timestamp(end_fy + 1, 3, 1), freq="MS")


MAX_HORIZON_YEARS = 10  # = Scenario.horizon_years' upper limit


def simulate_base_full(fits: Fits, n_draws: int, seed: int) -> BasePaths:
    """Rate paths for NEA and ACS at the longest horizon (seeded); shorter horizons are prefixes.

    Simulating once at the longest horizon and slicing makes a horizon change as cheap as
    a growth change, and a shorter horizon's paths are exactly the first months of a longer
    one's (the same draws), so changing the horizon never reshuffles the random numbers.
    """
    months = projection_months(fits.nea.last_month, MAX_HORIZON_YEARS)
    streams = _streams(seed)
    nea = fits.nea.simulate_rate_paths(len(months), n_draws, streams[STREAM_NEA])
    acs = fits.acs.simulate_rate_paths(len(months), n_draws, streams[STREAM_ACS])
    for arr in (nea, acs):
        arr.setflags(write=False)  # shared through a cache: never mutated
    return BasePaths(months, nea, acs, seed)


def base_for_horizon(full: BasePaths, horizon_years: int) -> BasePaths:
    """The first months of :func:`simulate_base_full`'s paths for ``horizon_years`` (views, no copy)."""
    n = len(projection_months(full.months[0] - pd.DateOffset(months=1), horizon_years))
    return BasePaths(full.months[:n], full.nea_rate[:, :n], full.acs_rate[:, :n], full.seed)


def simulate_base(fits: Fits, horizon_years: int, n_draws: int, seed: int) -> BasePaths:
    """Simulate future rate paths for NEA and ACS from the fitted models (seeded), for one horizon."""
    return base_for_horizon(simulate_base_full(fits, n_draws, seed), horizon_years)


# --- stage 3: the scenario projection ------------------------------------------------


@dataclass(frozen=True, eq=False)
class Projection:
    """Everything the levers move, as arrays (for downstream Monte Carlo) and tidy frames.

    Frames
    ------
    population : year, age_band, population (persons); history then projection.
    index : year, population, population_65plus, expected_admissions (NEA a year at the age
        profile), index (age-weighted, base year = 1), population_index (base year = 1), acs_index.
    monthly : metric ("nea", "acs", "nea_65plus"), series ("baseline", "scenario"), month, mean, p025, p10, p50, p90, p975
        (admissions a month).
    annual : metric ("nea", "acs", "nea_65plus", "placements"), series, fy, mean, p10, p50, p90, p025, p975 (a year).
    placements : series, fy, mean … p975 (placements a year), rate_mean, rate_p10 … (per 100,000
        aged 65+), p_meet_ambition, population_65plus.
    schemes : see :func:`models.money.schemes.scheme_table`.
    money : see :func:`money_by_fy` (the scheme changes' money by financial year).
    """

    months: pd.DatetimeIndex
    growth: dict[str, float]
    population: pd.DataFrame
    index: pd.DataFrame
    nea_baseline: np.ndarray
    nea: np.ndarray
    acs_baseline: np.ndarray
    acs: np.ndarray
    nea65_baseline: np.ndarray  # (n_draws, n_months), emergency admissions of people aged 65+ a month
    nea65: np.ndarray
    older: OlderShare  # how the 65+ series was obtained (recorded and calibrated, or estimated)
    placements_baseline: np.ndarray  # (n_draws, n_fy), placements a year
    placements: np.ndarray
    fy_years: np.ndarray
    effects: SchemeEffects
    monthly: pd.DataFrame
    annual: pd.DataFrame
    placements_table: pd.DataFrame
    schemes: pd.DataFrame
    money: pd.DataFrame

    @property
    def first_fy(self) -> str:
        """Label of the first complete projected financial year, e.g. ``"2025-26"``."""
        return str(self.annual["fy"].iloc[0])

    def annual_mean(self, metric: str, series: str, fy: str | None = None) -> float:
        """Mean over draws of ``metric`` ("nea", "acs", "placements") a year in ``fy`` (default the first).

        ``series`` is "baseline" (no scheme effects) or "scenario" (with schemes); NaN if absent.
        """
        a = self.annual
        hit = a.loc[(a["metric"] == metric) & (a["series"] == series) & (a["fy"] == (fy or self.first_fy)), "mean"]
        return float(hit.iloc[0]) if len(hit) else float("nan")

    def monthly_of(self, metric: str, series: str) -> pd.DataFrame:
        """The monthly summary rows of ``metric`` ("nea", "acs") and ``series`` ("baseline", "scenario")."""
        m = self.monthly
        return m.loc[(m["metric"] == metric) & (m["series"] == series)].reset_index(drop=True)

    def annual_of(self, metric: str, series: str) -> pd.DataFrame:
        """The yearly summary rows of ``metric`` ("nea", "acs", "placements") and ``series``."""
        a = self.annual
        return a.loc[(a["metric"] == metric) & (a["series"] == series)].reset_index(drop=True)

    def placements_of(self, series: str) -> pd.DataFrame:
        """The placements table's rows of ``series`` ("baseline", "scenario")."""
        t = self.placements_table
        return t.loc[t["series"] == series].reset_index(drop=True)

    def baseline_a_year(self, metric: str) -> float:
        """Mean activity a year without the scheme changes, averaged over the horizon (every month, part years
        included: the same averaging as the scheme table). Placements: each month carries its year's rate."""
        if metric in ADMISSION_METRICS:
            return float(self.monthly_of(metric, "baseline")["mean"].mean() * 12.0)
        return float(self.placements_baseline[:, month_columns(self.fy_years, self.months)].mean())

    @property
    def money_table(self) -> pd.DataFrame:
        """The money by financial year as the Scheme funding page shows it: one row per line (``label``,
        ``basis``), one column of means (£) per financial year label."""
        return self.money.pivot_table(index=["label", "basis"], columns="fy", values="mean", sort=False).reset_index()


MONEY_LINES = {
    "budget_change": ("Scheme budgets: change against current funding", "spend"),
    "nea_value": ("Emergency admissions avoided (NEA and ACS schemes)", "gross notional value"),
    "placements_cash": ("Care-home placements avoided 65+", "cash released"),
    "net": ("Net: value and cash less the budget change", "mixed"),
}


def money_by_fy(scenario: Scenario, effects: SchemeEffects, months: pd.DatetimeIndex) -> pd.DataFrame:
    """The scheme changes' money in £ by financial year, across draws.

    Budget changes are spent month by month (1/12 of the annual change a month, so a
    part year counts its months); avoided admissions are valued at £ per spell when they
    are avoided (gross notional value); avoided placements release the weekly cost for as
    long as each stay would have lasted, within the horizon (cash released, see
    :func:`models.money.schemes.placement_savings`). The first winter's delayed and boarding
    days are on the winter page (gross notional value).

    Returns
    -------
    pandas.DataFrame
        Columns ``fy`` (label), ``line`` (``budget_change``: extra spend; ``nea_value`` and
        ``placements_cash``: savings; ``net`` = savings − extra spend), ``label``, ``basis``,
        ``mean``, ``p10``, ``p50``, ``p90`` (£ in the financial year).
    """
    c = scenario.costs
    n_draws = effects.n_draws
    change = np.array([s.budget_gbp - s.current_budget_gbp for s in scenario.schemes], dtype=float)
    monthly_budget = np.full((n_draws, effects.n_months), change.sum() / 12.0)
    nea_value = effects.total_nea_avoided() * c.nea_spell
    cash = placement_savings(effects.by_metric("placements"), c.care_home_week, c.placement_duration_weeks)
    lines = {"budget_change": monthly_budget, "nea_value": nea_value, "placements_cash": cash}
    lines["net"] = nea_value + cash - monthly_budget
    matrix, fy_years = fy_matrix(months)  # months × FYs (part years too)
    by_fy = np.stack([paths @ matrix for paths in lines.values()])  # (lines, draws, FYs)
    q = quantiles(by_fy, P10_P50_P90, axis=1)  # one call for every line and year (slider hot path)
    mean = by_fy.mean(axis=1)
    rows = []
    for j, y in enumerate(fy_years):
        for i, key in enumerate(lines):
            label, basis = MONEY_LINES[key]
            rows.append(
                {
                    "fy": fy_label(int(y)),
                    "line": key,
                    "label": label,
                    "basis": basis,
                    "mean": float(mean[i, j]),
                    "p10": float(q[0, i, j]),
                    "p50": float(q[1, i, j]),
                    "p90": float(q[2, i, j]),
                }
            )
    return pd.DataFrame(rows)


def older_share_for(area: AreaData, pop: pd.DataFrame, months: pd.DatetimeIndex) -> OlderShare:
    """The 65+ share of emergency admissions over ``months`` (calibrated to the area's recorded 65+ series when it
    has one; see :mod:`models.demand.older`)."""
    recorded = area.monthly_series("nea_65plus") if "nea_65plus" in area.admissions.columns else None
    return older_share(pop, rates(area, "nea_per_1000"), months, area.monthly_series("nea"), recorded)


def older_with_schemes(nea65_base: np.ndarray, older: OlderShare, effects: SchemeEffects) -> np.ndarray:
    """65+ admissions a month with the schemes: 65+ schemes avoid 65+ admissions; all-age and ACS schemes avoid
    them in proportion to the 65+ share (an assumption: the same mix of ages as the admissions they act on)."""
    own = effects.by_metric("nea_65plus")
    others = effects.total_nea_avoided() - own
    return np.maximum(nea65_base - own - others * older.share[None, :], 0.0)


def project(scenario: Scenario, area: AreaData, fits: Fits, base: BasePaths) -> Projection:
    """Apply the scenario's levers to the simulated base paths.

    Demand: counts = simulated rate × the scenario's age-weighted index (the rate
    is modelled per age-weighted population, so demographic growth and
    non-demographic trend stay separate). Schemes: activity avoided is drawn from
    each scheme's range (common random numbers keyed by scheme name) and
    subtracted, capped at the baseline.
    """
    sc = scenario
    months = base.months
    n_draws = base.nea_rate.shape[0]
    growth = growth_rates(area.growth, sc.growth.variant, sc.growth.override_map(), sc.growth.older_people_adjust_pp)
    years_needed = int(months[-1].year - area.meta.base_year + 1)
    pop = history_and_projection(area.population, growth, area.meta.base_year, years_needed)
    idx_nea = demand_index(pop, rates(area, "nea_per_1000"), area.meta.base_year)
    idx_acs = demand_index(pop, rates(area, "acs_per_1000"), area.meta.base_year)
    index = idx_nea.assign(acs_index=idx_acs["index"].to_numpy())

    nea_base = base.nea_rate * monthly_index(idx_nea, months)[None, :]
    acs_base = base.acs_rate * monthly_index(idx_acs, months)[None, :]
    older = older_share_for(area, pop, months)
    nea65_base = nea_base * older.share[None, :]

    # Placements: annual GLM paths with the scenario's 65+ population as exposure.
    matrix, fy_years = fy_matrix(months)  # months × financial years (part years too)
    pop65 = index.set_index("year")["population_65plus"]
    exposure = np.array([float(pop65.get(int(y), pop65.iloc[-1])) for y in fy_years])
    plc_base = simulate_counts(fits.placements, exposure, fy_years, n_draws, _streams(sc.seed)[STREAM_PLACEMENTS])
    plc_monthly_base = annual_to_monthly(plc_base, fy_years, months)

    # Schemes (common random numbers keyed by scheme name).
    uniforms = scheme_uniforms([s.name for s in sc.schemes], n_draws, sc.seed)
    effects = compute_effects(
        sc.schemes,
        months,
        {"nea": nea_base, "acs": acs_base, "nea_65plus": nea65_base, "placements": plc_monthly_base},
        uniforms,
        sc.savings_realised_pct,
    )
    nea = with_schemes(nea_base, effects, "nea")
    acs = with_schemes(acs_base, effects, "acs")
    nea65 = older_with_schemes(nea65_base, older, effects)
    plc = np.maximum(plc_base - effects.by_metric("placements") @ matrix, 0.0)  # avoided, summed into years

    named = (
        ("nea", "baseline", nea_base),
        ("nea", "scenario", nea),
        ("acs", "baseline", acs_base),
        ("acs", "scenario", acs),
        ("nea_65plus", "baseline", nea65_base),
        ("nea_65plus", "scenario", nea65),
    )
    monthly = summarise(named, months)
    labels, month_fy, _ = fy_layout(months)  # complete financial years only
    annual_named = tuple((m, s, sum_by_fy(paths, month_fy, len(labels))) for m, s, paths in named)
    annual = summarise(annual_named, pd.Index(list(labels)), "fy")
    plc_tables = []
    for series, paths in (("baseline", plc_base), ("scenario", plc)):
        t = summarise_placements(paths, fy_years, exposure, ambition=sc.ambition_placements)
        plc_tables.append(t.assign(series=series, population_65plus=exposure))
    placements_table = pd.concat(plc_tables, ignore_index=True)
    annual = pd.concat(
        [
            annual,
            placements_table[["fy", "mean", "p10", "p50", "p90", "p025", "p975", "series"]].assign(metric="placements"),
        ],
        ignore_index=True,
    )
    table = scheme_table(sc.schemes, effects, sc.costs)
    money = money_by_fy(sc, effects, months)
    return Projection(
        months=months,
        growth=growth,
        population=pop,
        index=index,
        nea_baseline=nea_base,
        nea=nea,
        acs_baseline=acs_base,
        acs=acs,
        nea65_baseline=nea65_base,
        nea65=nea65,
        older=older,
        placements_baseline=plc_base,
        placements=plc,
        fy_years=fy_years,
        effects=effects,
        monthly=monthly,
        annual=annual,
        placements_table=placements_table,
        schemes=table,
        money=money,
    )


# --- stage 4: the first projected winter (discharge flow and beds) -------------------

WINTER_DAYS = 182  # 1 October – 31 March
MAX_FLOW_REPS = 2000  # replications × days × 18 int64 arrays: 2,000 × 182 ≈ 52 MB per run


@dataclass(frozen=True, eq=False)
class Winter:
    """The first projected winter, simulated day by day (see models/flow/simulate.py).

    Replication ``d`` is driven by Monte Carlo draw ``d`` of the projection: its own
    monthly emergency admissions (growth, trend and scheme changes), so the winter's
    percentiles carry demand and scheme uncertainty as well as day-to-day noise.

    Attributes
    ----------
    start : first day (1 October).
    arrivals_per_day : (n_reps, days) expected arrivals a day of each replication.
    params : the flow levers simulated (capacities after the scheme changes).
    capacity_change : change of each capacity lever from the scheme budgets (see
        :func:`models.money.schemes.capacity_changes`).
    calibration : the stay calibration used (models.flow.simulate.Calibration).
    run : the simulation (models.flow.simulate.FlowRun).
    weekly : week, week_start, mean, p10, p50, p90 (occupancy, % of open beds), beds, census_mean,
        boarding_mean, delayed_mean.
    kpis : kpi, label, mean, p10, p50, p90, p_day (see models.flow.simulate.flow_kpis).
    costs : component, label, mean, p10, p50, p90 (£ over the winter).
    seed : the flow model's seed (the options use the same one: common random numbers).
    messages : plain-English notes for the page.
    cope : average demand against capacity for the beds and each pathway (:func:`cope_checks`).
    mean_los_days : the scenario's mean stay (days), for the cope checks of other capacities.
    """

    start: pd.Timestamp
    arrivals_per_day: np.ndarray
    params: FlowParams
    capacity_change: dict[str, float]
    calibration: Calibration
    run: FlowRun
    weekly: pd.DataFrame
    kpis: pd.DataFrame
    costs: pd.DataFrame
    seed: int
    messages: tuple[str, ...]
    cope: tuple[CopeCheck, ...] = ()
    mean_los_days: float = 5.0

    @property
    def can_cope(self) -> bool:
        """Whether average demand fits the beds and every pathway (else the figures are not a forecast)."""
        return all(c.copes for c in self.cope)

    @property
    def cope_messages(self) -> tuple[str, ...]:
        """Plain words for each resource that cannot cope."""
        return tuple(c.message() for c in self.cope if not c.copes)

    def kpi(self, name: str, stat: str = "mean") -> float:
        """One KPI statistic (see models.flow.simulate.KPI_LABELS)."""
        k = self.kpis.set_index("kpi")
        return float(k.loc[name, stat])

    def kpi_change(self, other: Winter, name: str, stat: str = "mean") -> float:
        """This winter's KPI statistic less ``other``'s (e.g. the reference run's winter)."""
        return self.kpi(name, stat) - other.kpi(name, stat)

    @property
    def lost_bed_days(self) -> float:
        """Mean delayed bed days plus mean ED boarding days over the winter (bed days lost to waiting)."""
        return self.kpi("delayed_bed_days") + self.kpi("boarding_days")

    @property
    def end(self) -> pd.Timestamp:
        """Last day simulated (31 March)."""
        return self.start + pd.Timedelta(days=self.run.days - 1)

    @property
    def mean_arrivals_per_day(self) -> float:
        """Expected emergency arrivals a day, averaged over the days and replications."""
        return float(self.arrivals_per_day.mean())

    @property
    def capacity_changed(self) -> bool:
        """Whether the scheme budgets change any discharge capacity lever."""
        return any(abs(v) > 1e-9 for v in self.capacity_change.values())


class WinterTooShort(ValueError):
    """The projection ends before a whole October–March winter: there is no winter to simulate."""


def winter_start(months: pd.DatetimeIndex) -> pd.Timestamp:
    """1 October of the first projected financial year whose October–March lies in the projection."""
    octobers = [m for m in months if m.month == 10 and m + pd.DateOffset(months=5) <= months[-1]]
    if not octobers:
        raise WinterTooShort("the projection is too short to hold a whole winter (October–March)")
    return pd.Timestamp(octobers[0])


def _day_offset(start: pd.Timestamp, mmdd: str, after: pd.Timestamp | None = None) -> int:
    """Days from ``start`` to the next ``mmdd`` on or after ``after`` (default ``start``)."""
    after = after or start
    month, day = (int(x) for x in mmdd.split("-"))
    for year in (after.year, after.year + 1):
        try:
            when = pd.Timestamp(year, month, day)
        except ValueError:  # 02-29 in a non-leap year
            when = pd.Timestamp(year, month, 28)
        if when >= after:
            return int((when - start).days)
    raise AssertionError("unreachable")


def flow_seed(seed: int) -> int:
    """The flow model's seed: a fixed child of the scenario seed (common to every option)."""
    return int(np.random.SeedSequence(seed).spawn(4)[STREAM_FLOW].generate_state(1, np.uint64)[0] >> np.uint64(1))


def typical_arrivals_per_day(area: AreaData) -> float:
    """Mean emergency admissions a day over the area's last 12 months of data (for the calibration)."""
    adm = area.admissions.tail(12)
    days = pd.DatetimeIndex(adm["month"]).days_in_month.to_numpy().sum()
    return float(adm["nea"].sum() / max(days, 1))


@functools.lru_cache(maxsize=32)
def _calibration(
    mean_los: float, s14: float, s21: float, current: tuple, arrivals: float, drd: tuple[float, float]
) -> Calibration:  # pragma: no cover - thin cache
    core, shares, p1, p2, p2_los, p3 = current
    params = FlowParams(
        core_beds=core,
        pathway_shares=shares,
        p1_starts_per_week=p1,
        p2_beds=p2,
        p2_los_days=p2_los,
        p3_per_week=p3,
    )
    return calibrate_system(mean_los, s14, s21, params, arrivals, drd_pct_delayed=drd[0], drd_mean_delay_days=drd[1])


def calibration(scenario: Scenario, area: AreaData) -> Calibration:
    """Stays calibrated to the scenario's mean stay and 14+/21+ shares on the area's *current* system.

    The discharge capacities and pathway shares are the area's own (its baseline scenario),
    because the shares describe today's system; a scenario's capacity changes then move the
    shares (more Home First, fewer long stays). Cached by value.
    """
    f = scenario.flow
    cur = baseline(area).flow
    current = (
        cur.core_beds,
        (cur.p0_share, cur.p1_share, cur.p2_share, cur.p3_share),
        cur.p1_starts_per_week,
        cur.p2_beds,
        cur.p2_los_days,
        cur.p3_per_week,
    )
    return _calibration(
        float(f.mean_los_days),
        float(f.share_14plus),
        float(f.share_21plus),
        current,
        typical_arrivals_per_day(area),
        (float(f.drd_pct_delayed), float(f.drd_mean_delay_days)),
    )


def winter_month_index(months: pd.DatetimeIndex, start: pd.Timestamp) -> int:
    """Months from the first projected month to the winter's start (ramps of capacity schemes)."""
    return int((start.year - months[0].year) * 12 + start.month - months[0].month)


def flow_params(
    scenario: Scenario,
    start: pd.Timestamp,
    cal: Calibration,
    capacity_change: dict[str, float] | None = None,
    days: int = WINTER_DAYS,
) -> tuple[FlowParams, list[str]]:
    """The scenario's flow levers as :class:`FlowParams` for a window starting ``start``.

    Capacities are the flow levers plus ``capacity_change`` (from scheme budgets).
    """
    f = scenario.flow
    messages = []
    change = capacity_change or {}
    open_day = _day_offset(start, f.escalation_open)
    close_day = _day_offset(start, f.escalation_close, start + pd.Timedelta(days=open_day)) + 1  # last day inclusive
    if f.escalation_beds and (open_day >= days or close_day > days):
        messages.append(
            f"Escalation beds open {_dm(f.escalation_open)} and close {_dm(f.escalation_close)}: outside this winter window "
            f"({start:%d %b %Y} – {start + pd.Timedelta(days=days - 1):%d %b %Y}); only the days inside it count."
        )
    open_day, close_day = min(open_day, days), min(close_day, days)
    p1 = max(0.0, f.p1_starts_per_week + change.get("p1_starts_per_week", 0.0))
    p2 = max(0, int(round(f.p2_beds + change.get("p2_beds", 0.0))))
    p3 = max(0.0, f.p3_per_week + change.get("p3_per_week", 0.0))
    params = FlowParams(
        core_beds=f.core_beds,
        escalation_beds=f.escalation_beds,
        escalation_open_day=open_day,
        escalation_close_day=max(open_day, close_day),
        los_mu=cal.los_mu,
        los_sigma=cal.los_sigma,
        pathway_shares=(f.p0_share, f.p1_share, f.p2_share, f.p3_share),
        p1_starts_per_week=p1,
        p2_beds=p2,
        p2_los_days=f.p2_los_days,
        p3_per_week=p3,
        surge_beds=min(f.surge_limit, 10 * f.core_beds),
        surge_after_hours=f.surge_after_hours,
        ed_max_waiting=f.ed_limit,
        p0_delay_share=cal.p0_delay_share,
        p0_delay_mean_days=cal.p0_delay_mean_days,
    )
    return params, messages


def winter_arrivals(
    scenario: Scenario, projection: Projection, start: pd.Timestamp, reps: int, days: int = WINTER_DAYS
) -> np.ndarray:
    """Expected emergency arrivals a day for each replication: draw ``d``'s projected NEA (with schemes).

    Each month's count is spread over its days with the weekday shape and the winter uplift
    (models.flow.simulate.arrivals_profile). Shape ``(reps, days)``.
    """
    dates = pd.date_range(start, periods=days, freq="D")
    month_pos = np.searchsorted(projection.months.to_numpy(), dates.to_period("M").to_timestamp().to_numpy())
    if month_pos.max() >= len(projection.months):
        raise ValueError("the projection ends before the winter does")
    shape = arrivals_profile(
        start, days, monthly_means=np.ones(12), winter_uplift_pct=scenario.flow.winter_uplift_pct
    )  # weekday × uplift, mean 1 a day per month
    per_day = projection.nea[:reps, month_pos] / dates.days_in_month.to_numpy()[None, :]
    return np.ascontiguousarray(np.maximum(per_day, 0.0) * shape[None, :])


def flow_reps(scenario: Scenario, messages: list[str] | None = None) -> int:
    """Replications for the flow model: the scenario's draws, capped to keep memory bounded."""
    if scenario.n_draws > MAX_FLOW_REPS and messages is not None:
        messages.append(
            f"The winter simulation uses the first {MAX_FLOW_REPS:,} of the {scenario.n_draws:,} demand draws; "
            "more would not fit comfortably in memory and would not change the averages visibly."
        )
    return min(scenario.n_draws, MAX_FLOW_REPS)


@dataclass(frozen=True)
class CopeCheck:
    """Average demand against capacity for one resource over the winter (beds, or a discharge pathway).

    Attributes
    ----------
    resource : what is compared ("acute beds", "Home First (P1)", ...).
    demand, capacity : average need and what is there, in ``unit``.
    unit : "beds", "starts a week", ...
    growth_per_day : patients a day the queue grows by when demand exceeds capacity (0 otherwise).
    """

    resource: str
    demand: float
    capacity: float
    unit: str
    growth_per_day: float

    @property
    def copes(self) -> bool:
        return self.demand <= self.capacity

    def message(self) -> str:
        """Plain words for a resource that cannot cope ("" when it copes)."""
        if self.copes:
            return ""
        return (
            f"{self.resource[0].upper()}{self.resource[1:]}: the winter needs about {self.demand:,.1f} {self.unit} on "
            f"average against {self.capacity:,.1f}, so its queue grows every day, by about "
            f"{self.growth_per_day:,.1f} patients a day, and never settles. The figures below are not a forecast: "
            "they show a system that cannot cope, held in check only by the ED's limit (diverts) and surge beds."
        )


def cope_checks(params: FlowParams, arrivals_per_day: float, mean_los_days: float) -> tuple[CopeCheck, ...]:
    """Whether the winter's average demand fits the beds and each pathway (queues settle only if it does).

    Beds: arrivals a day × mean stay (delays included) against the scheduled beds averaged over the window
    plus the surge beds; the excess of patients a day is the bed queue's growth. Pathways: arrivals × the
    pathway's share against its starts (P1, P3) or its beds ÷ the stay (P2).
    """
    p0, p1, p2, p3 = params.pathway_shares
    beds = float(np.mean(params.beds_available(WINTER_DAYS))) + params.surge_beds
    need_beds = arrivals_per_day * mean_los_days
    l2 = max(1, round(params.p2_los_days))
    out = [
        CopeCheck("acute beds", need_beds, beds, "beds", max(0.0, (need_beds - beds) / max(mean_los_days, 1e-9))),
        CopeCheck(
            "Home First (P1)",
            arrivals_per_day * p1 * 7.0,
            params.p1_starts_per_week,
            "starts a week",
            max(0.0, arrivals_per_day * p1 - params.p1_starts_per_week / 7.0),
        ),
        CopeCheck(
            "step-down (P2)",
            arrivals_per_day * p2 * l2,
            float(params.p2_beds),
            "beds",
            max(0.0, arrivals_per_day * p2 - params.p2_beds / l2),
        ),
        CopeCheck(
            "care-home (P3)",
            arrivals_per_day * p3 * 7.0,
            params.p3_per_week,
            "placements a week",
            max(0.0, arrivals_per_day * p3 - params.p3_per_week / 7.0),
        ),
    ]
    return tuple(c for c in out if c.demand > 0 or c.resource == "acute beds")


def capacity_warnings(params: FlowParams, arrivals_per_day: float, mean_los_days: float = 5.0) -> list[str]:
    """Plain warnings for each resource whose capacity is below the winter's mean demand (queues never settle)."""
    return [c.message() for c in cope_checks(params, arrivals_per_day, mean_los_days) if not c.copes]


def winter(scenario: Scenario, area: AreaData, projection: Projection) -> Winter:
    """Simulate the first projected winter, one replication per demand draw (seeded, common random numbers)."""
    start = winter_start(projection.months)
    messages: list[str] = []
    reps = flow_reps(scenario, messages)
    lam = winter_arrivals(scenario, projection, start, reps)
    cal = calibration(scenario, area)
    note = cal.message()
    if note:
        messages.append(note)
    change = capacity_changes(
        scenario.schemes,
        scenario.costs,
        winter_month_index(projection.months, start),
        scenario.savings_realised_pct,
    )
    params, msgs = flow_params(scenario, start, cal, change)
    messages += msgs
    cope = cope_checks(params, float(lam.mean()), scenario.flow.mean_los_days)
    messages += [c.message() for c in cope if not c.copes]
    seed = flow_seed(scenario.seed)
    run = simulate_flow(lam, params, reps, seed)
    return Winter(
        start=start,
        arrivals_per_day=lam,
        params=params,
        capacity_change=change,
        calibration=cal,
        run=run,
        weekly=weekly_occupancy(run, start),
        kpis=flow_kpis(run),
        costs=flow_costs(run, flow_unit_costs(scenario.costs)),
        seed=seed,
        messages=tuple(messages),
        cope=cope,
        mean_los_days=float(scenario.flow.mean_los_days),
    )


def option_params(scenario: Scenario, w: Winter) -> dict[str, FlowParams]:
    """The planner's options: the scenario's winter plus extra escalation beds, P1 starts or P2 beds."""
    f = scenario.flow
    p = w.params
    esc_label = f"+{f.option_extra_beds} escalation beds ({_dm(f.escalation_open)} – {_dm(f.escalation_close)})"
    if p.escalation_close_day > p.escalation_open_day:
        esc = dataclasses.replace(p, escalation_beds=p.escalation_beds + f.option_extra_beds)
    else:  # no opening window inside the winter: open them for the whole window
        esc = dataclasses.replace(
            p, escalation_beds=f.option_extra_beds, escalation_open_day=0, escalation_close_day=WINTER_DAYS
        )
    return {
        esc_label: esc,
        f"+{f.option_extra_p1_per_week:g} Home First starts a week": dataclasses.replace(
            p, p1_starts_per_week=p.p1_starts_per_week + f.option_extra_p1_per_week
        ),
        f"+{f.option_extra_p2_beds} step-down beds": dataclasses.replace(p, p2_beds=p.p2_beds + f.option_extra_p2_beds),
    }


def _dm(mmdd: str) -> str:
    """'12-01' → '1 Dec'."""
    month, day = (int(x) for x in mmdd.split("-"))
    return f"{day} {pd.Timestamp(2000, month, 1):%b}"


def winter_options(scenario: Scenario, w: Winter) -> pd.DataFrame:
    """The planner's options against the scenario's winter, with common random numbers.

    The baseline row *is* the headline run (same arrivals, seed and replications), so it
    equals the figures above it on the page; each option differs from it only in capacity.
    """
    return compare_options(
        w.arrivals_per_day,
        w.params,
        option_params(scenario, w),
        w.run.n_reps,
        w.seed,
        flow_unit_costs(scenario.costs),
        baseline_run=w.run,
    )


def bed_need(w: Winter) -> dict[str, float]:
    """How many beds the winter's patients would occupy if beds never ran out (same draws and patients).

    The winter is simulated again with ample acute beds (no ED boarding), so the census is the
    demand for beds: delays included, and without the build-up of ED queues that binding beds
    cause. Returns the mean census (the offered load for the simple conversion and Erlang) and the
    P50 / P90 across draws of the busiest day's census (beds needed so that nobody waits in ED in
    half / nine in ten of winters).
    """
    ample = dataclasses.replace(w.params, core_beds=max(10 * w.params.core_beds, 10_000), escalation_beds=0)
    run = simulate_flow(w.arrivals_per_day, ample, w.run.n_reps, w.seed)
    peak = run.census.max(axis=1)
    return {
        "mean_census": float(run.census.mean()),
        "p50_peak": float(quantiles(peak, 0.5)),
        "p90_peak": float(quantiles(peak, 0.9)),
    }


def bed_sizing(need: dict[str, float], occupancy: float, refusal: float) -> dict[str, int]:
    """Beds for the winter's load (:func:`bed_need`'s mean census) two ways.

    ``simple``: the load ÷ the target mean ``occupancy`` (a fraction), rounded up — bed days ÷ (days × target
    occupancy), as the national hospital planning model does (covers the average only); ``erlang``: the fewest
    beds for which every bed is full no more than ``refusal`` (a fraction) of the time (Erlang loss model).
    """
    load = need["mean_census"]
    return {"simple": int(np.ceil(load / occupancy)), "erlang": int(beds_for_refusal(load, refusal))}


#: Shares of a capacity scheme's capacity tried, largest first, when valuing it at the margin.
MARGIN_SHARES = (1.0, 0.5, 0.25, 0.1)


def capacity_attribution(scenario: Scenario, w: Winter) -> dict[str, dict[str, float | str]]:
    """What each discharge-capacity scheme's capacity avoids in the winter, valued at the margin (paired runs).

    For each capacity scheme with a budget, the winter is simulated again without a share of the capacity
    that scheme's budget buys (same arrivals and random numbers): the whole of it if the system still copes
    without it (average demand within capacity: :func:`cope_checks`), else the largest of
    :data:`MARGIN_SHARES` that keeps it able to cope. The mean paired differences (delayed bed days,
    patient-days in ED, surge bed days, diverts) are what that share avoids, not scaled up: for a share below
    the whole it is a lower bound of the scheme's winter value, since the rest of its capacity avoids more
    (``share_valued`` and ``note`` say so). When even the smallest share leaves the system unable to cope, or
    the scenario's own winter cannot cope, no figure is honest: the entry says so (``unable_to_cope`` = 1 and a
    ``note``).
    """
    out: dict[str, dict[str, float | str]] = {}
    base = per_rep_kpis(w.run)
    arrivals = w.mean_arrivals_per_day
    for s in scenario.schemes:
        if s.metric not in CAPACITY_LEVER or s.budget_gbp <= 0:
            continue
        lever = CAPACITY_LEVER[s.metric]
        units = capacity_bought(s, scenario.costs)
        if not w.can_cope:  # paired differences between two runaway queues are not a value
            out[s.name] = {
                "unable_to_cope": 1.0,
                "note": "This winter cannot cope (demand above capacity): no honest money figure for its capacity.",
            }
            continue
        now = getattr(w.params, lever)
        prm, share, resource = None, 0.0, ""
        for share in MARGIN_SHARES:
            less = max(0.0, now - share * units)
            trial = dataclasses.replace(w.params, **{lever: int(round(less)) if lever == "p2_beds" else less})
            short = [c for c in cope_checks(trial, arrivals, w.mean_los_days) if not c.copes]
            if not short:
                prm = trial
                break
            resource = short[0].resource
        if prm is None or getattr(prm, lever) == now:
            out[s.name] = {
                "unable_to_cope": 1.0,
                "note": (
                    f"Without even {MARGIN_SHARES[-1]:.0%} of this scheme's capacity ({units:,.1f}) {resource} would "
                    "fall below the winter's demand and its queue would grow without limit: no honest money figure."
                ),
            }
            continue
        k = per_rep_kpis(simulate_flow(w.arrivals_per_day, prm, w.run.n_reps, w.seed))
        out[s.name] = {
            key: float(np.mean(k[kpi] - base[kpi]))
            for key, kpi in (
                ("delayed_days_avoided", "delayed_bed_days"),
                ("boarding_days_avoided", "boarding_days"),
                ("surge_bed_days_avoided", "surge_bed_days"),
                ("diverted_avoided", "diverted"),
            )
        }
        out[s.name]["share_valued"] = share
        if share < 1.0:
            out[s.name]["note"] = (
                f"What the last {share:.0%} of its capacity ({share * units:,.1f}) avoids: without more of it the "
                "system could not cope, so its whole capacity is worth more than this (a lower bound)."
            )
    return out
