"""Open a real area built from public files (``python -m models areas build``; docs/areas.md).

A built area folder holds what is published for the area (population, care-home admissions history, discharge-
ready-date history, pathway mix, step-down stays, intermediate-care spend, an estimated emergency-admissions level)
with each figure's provenance. This module turns it into the same :class:`~models.inputs.areas.AreaData` the demo
and uploads give, so every page, the CLI and the batch runner use one pipeline:

- **Emergency admissions**: no series is published by Health and Wellbeing Board area, so the area's estimated
  year (its share of its ICB's HES total) is spread over the months with England's seasonal shape and marked as an
  ESTIMATE (``AreaMeta.estimated``). The demand stage projects it level-only (the estimated level grown with the
  population, :func:`models.demand.forecasting.level_only_fit`) until the user uploads the area's own series.
  Avoidable (ACS) admissions are the same level × the age-weighted ACS share of the demo's age-band rates.
- **Care-home admissions 65+**: the published ASCOF rates × the area's 65+ population give the yearly counts the
  placements model fits (it models financial-year totals; the months only carry them).
- **Population**: Census 2021 (and the two pre-Census estimates), carried forward to the estimate's year with the
  demo's principal growth (an illustrative assumption, said in the sources).
- **Hospital flow**: the area's own pathway shares, step-down stays and discharge-ready-date figures over the demo's
  defaults, with capacities computed for the area's size (≈1.05 × each pathway's winter demand, as the demo's).
- **Schemes**: the area's 2022-23 BCF intermediate-care spend lines as capacity schemes (a starting point).

Nothing here raises on what a folder holds: problems are :class:`Problem` s naming the file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.core.jsonsafe import JsonProblem, decode_text, load_json
from models.core.units import DAYS_A_YEAR, WEEKS_A_YEAR
from models.inputs.areas import (
    AREA_JSON,
    MAX_UPLOAD_BYTES,
    OLDER_BANDS,
    AreaData,
    AreaMeta,
    Problem,
    load_area,
    read_area_json,
    read_table,
    validate_table,
)

ESTIMATE_FILE = "admissions_estimate.json"  # marks a built folder (the builder writes it for every area)
PROVENANCE_FILE = "provenance.json"
INDEX_FILE = "index.csv"
BENCHMARKS_FILE = "benchmarks.csv"
# England's emergency admissions by calendar month as a share of the financial year: the mean over the 8 complete
# pre-COVID years 2011-12 to 2018-19 of NHS England's monthly HES series (../shared/realdata/
# england_emergency_admissions.csv; tests/unit/test_built_area.py recomputes it). Sums to 1.
ENGLAND_MONTH_SHARE: Mapping[int, float] = {
    4: 0.08029,
    5: 0.08398,
    6: 0.08132,
    7: 0.08390,
    8: 0.08081,
    9: 0.08104,
    10: 0.08523,
    11: 0.08422,
    12: 0.08657,
    1: 0.08580,
    2: 0.07928,
    3: 0.08756,
}
SEASON_SOURCE = "England's seasonal shape (NHS England HES monthly emergency admissions, 2011-12 to 2018-19)"
# The doubt over an estimated level (log-scale SD). The population-share estimate differs from the trust-catchment
# cross-check by a median of 14% over the 153 areas (measured 2026-12-05); an area's own difference is used when
# larger (up to 25%) and the median when the cross-check matched few trusts.
LEVEL_SD_MEDIAN = 0.14
LEVEL_SD_RANGE = (0.05, 0.25)
MIN_TRUSTS_MATCHED = 3
CAPACITY_MARGIN = 1.05  # capacity ≈ 1.05 × each pathway's winter demand, as the demo's (scripts/make_demo_data.py)
CORE_OCCUPANCY = 0.94  # mean winter G&A occupancy, NHS England winter 2024/25 (the demo's core beds)
PARTNER_OF_TYPE = {"home_based_ic": "Council", "bed_based_ic": "ICB"}  # assumption: who usually leads each
METRIC_OF_TYPE = {"home_based_ic": "p1_capacity", "bed_based_ic": "p2_capacity"}
GROWTH_VARIANT = "principal"


def is_built(folder: Path) -> bool:
    """Whether ``folder`` is an area folder written by the area builder (it holds ``admissions_estimate.json``)."""
    return (Path(folder) / ESTIMATE_FILE).is_file()


def open_area(folder: Path, demo: AreaData | None = None) -> tuple[AreaData | None, list[Problem]]:
    """Open any area folder: a built one (see the module docstring) or one in the upload format (the demo's).

    Parameters
    ----------
    folder : Path
        The area folder.
    demo : AreaData, optional
        The demo area, whose unit costs, age-band rates, growth variants and flow defaults fill what is not
        published for a built area (loaded when not given).

    Returns
    -------
    (AreaData or None, list of Problem)
    """
    folder = Path(folder)
    if not is_built(folder):
        return load_area(folder)
    if demo is None:
        demo, problems = load_area()
        if demo is None:
            return None, problems
    try:
        return _open_built(folder, demo)
    except (KeyError, ValueError, TypeError, IndexError) as err:  # a hand-edited folder: say which, build nothing
        return None, [Problem(folder.name, f"could not be opened as a built area ({err})")]


def _read_csv(folder: Path, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    path = folder / name
    if not path.is_file():
        problems.append(Problem(name, f"file not found in {folder}"))
        return None
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        problems.append(Problem(name, "is too large"))
        return None
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        problems.append(Problem(name, f"could not be read ({type(err).__name__})"))
        return None


def _read_json(path: Path, problems: list[Problem]) -> dict:
    try:
        raw = path.read_bytes()
        info = load_json(decode_text(raw, "the file"), "the file", max_chars=MAX_UPLOAD_BYTES)
    except (OSError, JsonProblem) as err:
        problems.append(Problem(path.name, str(err)))
        return {}
    if not isinstance(info, dict):
        problems.append(Problem(path.name, "should hold one object"))
        return {}
    return info


def _typed(name: str, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    """A generated table through the upload checks, so it is typed exactly as an upload of it would be."""
    raw, p = read_table(frame.to_csv(index=False).encode(), name, name)
    problems += p
    if raw is None:
        return None
    typed, p = validate_table(raw, name)
    problems += p
    return typed


def _open_built(folder: Path, demo: AreaData) -> tuple[AreaData | None, list[Problem]]:
    problems: list[Problem] = []
    info, p = read_area_json(folder)
    problems += p
    raw_info = _read_json(folder / AREA_JSON, problems)
    estimate = _read_json(folder / ESTIMATE_FILE, problems)
    pop_raw = _read_csv(folder, "population.csv", problems)
    ascof = _read_csv(folder, "history_ascof.csv", problems)
    flow = _read_csv(folder, "flow_defaults.csv", problems)
    spend = _read_csv(folder, "schemes_ic_spend.csv", problems)
    if problems or info is None or pop_raw is None or ascof is None or flow is None or spend is None:
        return None, problems
    fy = int(str(estimate.get("period", ""))[:4])
    annual = float(estimate["annual_emergency_admissions"])
    if not annual > 0:
        return None, [Problem(ESTIMATE_FILE, "the estimated emergency admissions are not positive")]
    population, pop_note = _population(pop_raw, demo, fy)
    rates = demo.admission_rates
    admissions = _admissions(annual, fy, population, rates)
    placements, ascof_note = _placements(ascof, population)
    tables = dict(demo.tables)
    schemes = _schemes(spend) if len(spend) else _scaled_demo_schemes(demo, annual)
    generated = {
        "population.csv": population,
        "admissions_monthly.csv": admissions,
        "placements_monthly.csv": placements,
        "flow_defaults.csv": _at_least_bought(
            _flow_defaults(demo.tables["flow_defaults.csv"], flow, annual), schemes, demo.unit_costs
        ),
        "schemes.csv": schemes,
    }
    for name, frame in generated.items():
        typed = _typed(name, frame, problems)
        if typed is not None:
            tables[name] = typed
    if problems:
        return None, problems
    meta = _meta(info, raw_info, estimate, tables, demo, pop_note, ascof_note)
    return AreaData(meta, tables, _extras(folder, meta, ascof)), []


def _population(pop: pd.DataFrame, demo: AreaData, fy: int) -> tuple[pd.DataFrame, str]:
    """The published population carried forward to mid-``fy`` with the demo's principal growth."""
    pop = pop[["year", "age_band", "population"]].copy()
    last = int(pop["year"].max())
    growth = demo.growth[demo.growth["variant"].astype(str) == GROWTH_VARIANT]
    g = dict(zip(growth["age_band"].astype(str), growth["annual_growth_pct"].astype(float), strict=True))
    base = pop[pop["year"] == last]
    rows = [
        {"year": last + k, "age_band": b, "population": int(round(float(v) * (1 + g[str(b)] / 100) ** k))}
        for k in range(1, max(fy - last, 0) + 1)
        for b, v in zip(base["age_band"], base["population"], strict=True)
    ]
    note = (
        f"{last + 1}–{fy} carried forward from {last} with the demo's principal growth (illustrative assumption, "
        "not ONS projections)"
        if rows
        else ""
    )
    return pd.concat([pop, pd.DataFrame(rows)], ignore_index=True), note


def _admissions(annual: float, fy: int, population: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """The estimated year by month (England's seasonal shape); ACS at the age-weighted ACS share of all emergency
    admissions (the demo's age-band rates applied to the area's population)."""
    months = pd.date_range(pd.Timestamp(fy, 4, 1), periods=12, freq="MS")
    nea = _split_whole(annual, [ENGLAND_MONTH_SHARE[m.month] for m in months])
    acs = _split_whole(annual * acs_share(population, rates, fy), [ENGLAND_MONTH_SHARE[m.month] for m in months])
    return pd.DataFrame({"month": months.strftime("%Y-%m-%d"), "nea": nea, "acs": acs})


def acs_share(population: pd.DataFrame, rates: pd.DataFrame, year: int) -> float:
    """Avoidable (ACS) admissions as a share of all emergency admissions, age-weighted for the area in ``year``."""
    pop = population[population["year"] == min(int(year), int(population["year"].max()))]
    r = rates.set_index(rates["age_band"].astype(str))
    p = pop.set_index(pop["age_band"].astype(str))["population"].astype(float)
    return float((r["acs_per_1000"].astype(float) * p).sum() / (r["nea_per_1000"].astype(float) * p).sum())


def _split_whole(total: float, shares: list[float]) -> list[int]:
    """Whole numbers in proportion to ``shares`` that add up to round(total) (largest remainders)."""
    target = int(round(total))
    raw = np.asarray(shares, dtype=float) / float(np.sum(shares)) * target
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out), kind="stable")[: target - int(out.sum())]:
        out[i] += 1
    return [int(v) for v in out]


def _placements(ascof: pd.DataFrame, population: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Care-home admissions 65+ a year (ASCOF rate × the 65+ population), carried by the year's months."""
    pop65 = population[population["age_band"].isin(OLDER_BANDS)].groupby("year")["population"].sum()
    rows, used = [], []
    for _, r in ascof.sort_values("fy").iterrows():
        start = int(str(r["fy"])[:4])
        if start not in pop65.index or not pd.notna(r["rate_per_100k"]):
            continue
        count = float(r["rate_per_100k"]) * float(pop65[start]) / 100_000
        months = pd.date_range(pd.Timestamp(start, 4, 1), periods=12, freq="MS")
        rows += list(zip(months.strftime("%Y-%m-%d"), _split_whole(count, [1.0] * 12), strict=True))
        used.append(str(r["fy"]))
    note = (
        f"ASCOF care-home admissions 65+ per 100,000 ({used[0]} to {used[-1]}) × the area's 65+ population: yearly "
        "counts (the placements model fits years; the months only carry them, evenly)"
        if used
        else "no ASCOF year with a population"
    )
    return pd.DataFrame(rows, columns=["month", "placements_65plus"]), note


def _flow_defaults(demo_flow: pd.DataFrame, built: pd.DataFrame, annual: float) -> pd.DataFrame:
    """The demo's flow defaults with the area's published rows laid over them and capacities sized to the area."""
    out = demo_flow.copy().astype({"value": str})
    out["source"] = "demo default: " + out["source"].astype(str)
    for _, r in built.iterrows():
        hit = out["parameter"] == r["parameter"]
        row = {"parameter": r["parameter"], "value": str(r["value"]), "unit": r["unit"], "source": r["source"]}
        if hit.any():
            out.loc[hit, ["value", "unit", "source"]] = [row["value"], row["unit"], row["source"]]
        else:
            out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
    val = dict(zip(out["parameter"], out["value"], strict=True))
    winter_share = sum(ENGLAND_MONTH_SHARE[m] for m in (10, 11, 12, 1, 2, 3))
    per_day = annual * winter_share / 182.0  # winter arrivals a day (1 October – 31 March)
    los = float(val["mean_los_days"])
    core = int(round(per_day * los / CORE_OCCUPANCY))
    how = f"computed for the area: {per_day:.1f} estimated emergency admissions a day in winter"
    sized = {
        "core_beds": (core, f"{how} × {los:g} days ÷ {CORE_OCCUPANCY:.0%} mean occupancy (NHS winter 2024/25)"),
        "p1_starts_per_week": (
            math.ceil(CAPACITY_MARGIN * per_day * float(val["p1_share"]) * 7),
            f"{how} × the P1 share × 7 × {CAPACITY_MARGIN} (as the demo's)",
        ),
        "p2_beds": (
            math.ceil(CAPACITY_MARGIN * per_day * float(val["p2_share"]) * float(val["p2_los_days"])),
            f"{how} × the P2 share × the P2 stay × {CAPACITY_MARGIN}: includes step-down beds outside the NHS "
            "community bed audit (council-commissioned and care-home beds; assumption)",
        ),
        "p3_per_week": (
            round(CAPACITY_MARGIN * per_day * float(val["p3_share"]) * 7, 1),
            f"{how} × the P3 share × 7 × {CAPACITY_MARGIN} (as the demo's)",
        ),
        "escalation_beds": (int(round(core * 27 / 320)), "assumption: the demo's 27 escalation beds per 320 core beds"),
        "surge_beds": (int(round(0.05 * core)), "assumption: 5% of core beds opened as surge capacity"),
        "ed_max_waiting": (int(round(0.10 * core)), "assumption: ED holds 10% of core beds' worth of patients waiting"),
    }
    for key, (value, source) in sized.items():
        out.loc[out["parameter"] == key, ["value", "source"]] = [str(value), source]
    return out[["parameter", "value", "unit", "source"]]


# flow capacity lever -> (scheme metric, £ a year one unit costs from the unit costs): the same bases as
# models.scenario.capacity.capacity_unit_cost (tests/unit/test_built_area.py checks they agree)
_UNIT_COST = {
    "p1_starts_per_week": ("p1_capacity", lambda c: c["p1_start"] * WEEKS_A_YEAR),
    "p2_beds": ("p2_capacity", lambda c: c["p2_bed_day"] * DAYS_A_YEAR),
    "p3_per_week": ("p3_capacity", lambda c: c["p3_week"] * c["p3_weeks_per_placement"] * WEEKS_A_YEAR),
}


def bought_capacity(schemes: pd.DataFrame, costs: Mapping[str, float]) -> dict[str, float]:
    """Capacity the schemes' current budgets buy, per flow capacity lever (starts a week, beds, placements a week)."""
    current = schemes.get("current_budget_gbp", schemes["budget_gbp"]).astype(float)
    out = {}
    for lever, (metric, unit) in _UNIT_COST.items():
        cost = float(unit(costs))
        out[lever] = float(current[schemes["metric"] == metric].sum()) / cost if cost > 0 else 0.0
    return out


def _at_least_bought(flow: pd.DataFrame, schemes: pd.DataFrame, costs: Mapping[str, float]) -> pd.DataFrame:
    """Raise a pathway's capacity to what the pooled fund's schemes already buy (a total below it is refused)."""
    out = flow.copy()
    for lever, bought in bought_capacity(schemes, costs).items():
        row = out["parameter"] == lever
        value = float(out.loc[row, "value"].iloc[0])
        if bought > value:
            whole = math.ceil(bought * 10) / 10 if lever == "p3_per_week" else math.ceil(bought)
            note = f"raised to what the pooled fund's capacity schemes buy at current budgets ({bought:.1f})"
            out.loc[row, ["value", "source"]] = [str(whole), note]
    return out


def _schemes(spend: pd.DataFrame) -> pd.DataFrame:
    """The area's intermediate-care spend lines as capacity schemes (a starting point for its own scheme table)."""
    rows = []
    for _, r in spend.iterrows():
        kind = str(r["scheme_type"])
        budget = float(r["budget_gbp"])
        rows.append(
            {
                "name": str(r["name"]),
                "lead_partner": PARTNER_OF_TYPE.get(kind, "ICB"),
                "current_budget_gbp": budget,
                "budget_gbp": budget,
                "nhs_minimum_gbp": budget,
                "la_bcf_grant_gbp": 0,
                "dfg_gbp": 0,
                "additional_nhs_gbp": 0,
                "additional_council_gbp": 0,
                "scheme_type": kind,
                "step": "step-down",
                "metric": METRIC_OF_TYPE.get(kind, "p1_capacity"),
                "effect_low": 0,
                "effect_central": 0,
                "effect_high": 0,
                "ramp_months": 3,
                "saturation": 1.5,
                "source": f"{r['source']} ({r['period']}); lead partner and funding source (NHS minimum "
                "contribution) are assumptions: replace with the area's own scheme table",
            }
        )
    return pd.DataFrame(rows)


def _scaled_demo_schemes(demo: AreaData, annual: float) -> pd.DataFrame:
    """No intermediate-care spend published: the demo's schemes scaled to the area's size (illustrative)."""
    demo_annual = float(demo.admissions.tail(12)["nea"].sum())
    k = annual / demo_annual
    out = demo.schemes.copy()
    money = [c for c in out.columns if c.endswith("_gbp")]
    out[money] = (out[money].astype(float) * k).round(0)
    effects = ["effect_low", "effect_central", "effect_high"]
    out[effects] = (out[effects].astype(float) * k).round(0)
    out["source"] = f"illustrative: the demo's scheme scaled by the area's size (× {k:.2f}); no BCF spend published"
    return out.drop(columns=[c for c in ("funding_source",) if c in out.columns])


def _level_sd(estimate: Mapping[str, object]) -> tuple[float, str]:
    """The doubt over the estimated level, from the area's own cross-check where it matched enough trusts."""
    cross = estimate.get("cross_check") or {}
    value = float(estimate["annual_emergency_admissions"])
    other = float(cross.get("annual_emergency_admissions") or 0) if isinstance(cross, dict) else 0.0
    trusts = int(cross.get("trusts_matched") or 0) if isinstance(cross, dict) else 0
    if other > 0 and trusts >= MIN_TRUSTS_MATCHED:
        gap = abs(math.log(value / other))
        sd = float(np.clip(max(gap, LEVEL_SD_MEDIAN if gap > LEVEL_SD_RANGE[1] else gap), *LEVEL_SD_RANGE))
        return sd, f"±{sd:.0%} (the trust-catchment cross-check gives {other:,.0f}, {gap:.0%} apart)"
    return LEVEL_SD_MEDIAN, f"±{LEVEL_SD_MEDIAN:.0%} (the median gap to the cross-check over all areas)"


def _meta(
    info: Mapping[str, object],
    raw: Mapping[str, object],
    estimate: Mapping[str, object],
    tables: Mapping[str, pd.DataFrame],
    demo: AreaData,
    pop_note: str,
    ascof_note: str,
) -> AreaMeta:
    sd, sd_note = _level_sd(estimate)
    annual = float(estimate["annual_emergency_admissions"])  # type: ignore[arg-type]
    note = (
        f"ESTIMATED {annual:,.0f} emergency admissions in {estimate.get('period')} (the area's share of its ICB's "
        f"HES total; not a recorded count), spread over the months with {SEASON_SOURCE}; level doubt {sd_note}"
    )
    own = str(info["provenance"])
    sources = {name: f"demo default ({demo.meta.name}): {demo.meta.sources.get(name, '')}" for name in tables}
    sources |= {
        "admissions_monthly.csv": note,
        "placements_monthly.csv": ascof_note,
        "population.csv": "ONS Census 2021 and mid-2019/2020 estimates" + (f"; {pop_note}" if pop_note else ""),
        "flow_defaults.csv": "the area's pathway shares, step-down stays and discharge-ready-date figures (public "
        "data, provenance.json) over the demo's defaults; capacities computed for the area's size",
        "schemes.csv": "BCF 2022-23 intermediate-care spend (NHS England end-of-year data) as capacity schemes",
    }
    icbs = tuple(
        (str(i.get("code", "")), str(i.get("name", "")), float(i.get("share_of_area_lsoas", 1.0)))
        for i in raw.get("icbs", [])  # type: ignore[union-attr]
        if isinstance(i, dict)
    )
    pop = tables["population.csv"]
    return AreaMeta(
        name=str(info["name"]),
        base_year=int(pop["year"].max()),
        synthetic=False,
        label=str(info["label"]),
        provenance=own,
        ambition_placements=int(info["ambition_placements"]),  # type: ignore[call-overload]
        ambition_rate_per_100k=float(info["ambition_rate_per_100k"]),  # type: ignore[arg-type]
        nhs_asc_requirement_gbp=info.get("nhs_asc_requirement_gbp"),  # type: ignore[arg-type]
        sources=sources,
        ambition_nea65_per_100k=info.get("ambition_nea65_per_100k"),  # type: ignore[arg-type]
        ambition_delay_days=info.get("ambition_delay_days"),  # type: ignore[arg-type]
        code=str(raw.get("code", "")),
        region=str(raw.get("region", "")),
        icbs=icbs,
        estimated=("nea", "acs"),
        estimate_notes={"nea": note, "acs": note + "; ACS at the age-weighted ACS share of the demo's rates"},
        estimate_sd={"nea": sd, "acs": sd},
    )


def _extras(folder: Path, meta: AreaMeta, ascof: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The area's published context: provenance, benchmarks, discharge-ready-date history, ASCOF history."""
    problems: list[Problem] = []
    out: dict[str, pd.DataFrame] = {"ascof": ascof}
    for key, name in (("history_drd", "history_drd.csv"), ("drd_summary", "drd_summary.csv")):
        frame = _read_csv(folder, name, problems)
        if frame is not None:
            out[key] = frame
    prov = _read_json(folder / PROVENANCE_FILE, problems)
    fields = prov.get("fields", [])
    if isinstance(fields, list) and fields:
        cols = ["file", "field", "value", "publication", "period", "derivation", "licence"]
        out["provenance"] = pd.DataFrame([f for f in fields if isinstance(f, dict)]).reindex(columns=cols)
    bench = _read_csv(folder.parent, BENCHMARKS_FILE, []) if (folder.parent / BENCHMARKS_FILE).is_file() else None
    if bench is not None:
        keep = (bench["code"] == meta.code) | (bench["geography_level"] == "england")  # the area and its nearest
        keep |= (bench["geography_level"] == "region") & (bench["name"] == meta.region)
        out["benchmarks"] = bench[keep].reset_index(drop=True)
    return out


def area_index(root: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The built areas under ``root`` (its ``index.csv``): ``code``, ``name``, ``region``, ``icb_codes``,
    ``icb_names``, ``folder``, ``label`` ("Rutland · East Midlands"); only areas that built and whose folder is
    there."""
    problems: list[Problem] = []
    index = _read_csv(Path(root), INDEX_FILE, problems)
    cols = ["code", "name", "region", "icb_codes", "icb_names", "folder", "label"]
    if index is None:
        return pd.DataFrame(columns=cols), problems
    index = index[index.get("built", "yes").astype(str) == "yes"].copy()
    index["folder"] = [str(Path(root) / str(c)) for c in index["code"]]
    index["label"] = index["name"].astype(str) + " · " + index["region"].fillna("").astype(str)
    index = index[[is_built(Path(f)) for f in index["folder"]]]
    return index.reindex(columns=cols).sort_values("name").reset_index(drop=True), []


def with_meta(area: AreaData, **changes: object) -> AreaData:
    """``area`` with some of its settings changed (a new object; the tables are shared, never copied)."""
    return AreaData(replace(area.meta, **changes), area.tables, area.extras)
