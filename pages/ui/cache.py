"""The pipeline's stages through Streamlit's caches (see ``models/pipeline/stages.py`` and ``runs.py``).

Fits depend on the data (and the COVID-19 treatment) only, so they are cached per dataset
fingerprint and shared by every session: moving a slider never refits. Projections, winters,
finances and the rest are cached per scenario and dataset. Returned objects are shared: pages
must not mutate them. :data:`SHARED` is the stages as they are (the background warm-up uses it),
:data:`CACHED` the same caches with data errors shown plainly on the page (every page uses it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from models import pipeline
from models.inputs.areas import AreaData
from models.money.riskshare import Finance, TornadoCase, tornado_table
from models.pipeline import stages
from models.scenario import RiskShare, Scenario, evolve
from pages.ui.state import area, scenario


# bounds: fits are ≈ 5 MB and shared by all sessions on one dataset; base paths ≤ 15 MB (5,000 draws × 120
# months × 3 series); both expire when unused for an hour so that uploaded areas do not accumulate.
@st.cache_resource(
    show_spinner="Fitting the demand models to this area's data (once per dataset)…", max_entries=8, ttl=3600
)
def _fits(fingerprint: str, covid: str, _area: AreaData) -> pipeline.Fits:
    return stages.fit_all(_area, covid)


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def _base_full(fingerprint: str, covid: str, n_draws: int, seed: int, _fits: pipeline.Fits) -> pipeline.BasePaths:
    return stages.simulate_base_full(_fits, n_draws, seed)


# A projection holds ≈ 10 arrays of draws × months (1,000 × 72 × 8 B ≈ 0.6 MB each); a winter
# holds a flow run (18 × draws × 182 days × 4 B ≈ 13 MB at 1,000 draws). Both expire when unused.
@st.cache_resource(show_spinner=False, max_entries=24, ttl=1800)
def _projection(
    fingerprint: str,
    scenario_json: str,
    _scenario: Scenario,
    _area: AreaData,
    _fits: pipeline.Fits,
    _base: pipeline.BasePaths,
) -> pipeline.Projection:
    return stages.project(_scenario, _area, _fits, _base)


@st.cache_resource(show_spinner="Simulating the winter…", max_entries=16, ttl=1800)
def _winter(
    fingerprint: str, scenario_json: str, _scenario: Scenario, _area: AreaData, _projection: pipeline.Projection
) -> pipeline.Winter:
    return stages.winter(_scenario, _area, _projection)


@st.cache_resource(show_spinner="Comparing the options with the same random numbers…", max_entries=16, ttl=1800)
def _winter_options(fingerprint: str, scenario_json: str, _scenario: Scenario, _winter: pipeline.Winter) -> pd.DataFrame:
    return pipeline.winter_options(_scenario, _winter)


@st.cache_resource(show_spinner="Simulating what each discharge scheme's capacity avoids…", max_entries=16, ttl=1800)
def _capacity_outcomes(
    fingerprint: str, scenario_json: str, _scenario: Scenario, _winter: pipeline.Winter
) -> dict[str, dict[str, float]]:
    return pipeline.capacity_attribution(_scenario, _winter)


@st.cache_resource(show_spinner="Simulating the beds the winter would need…", max_entries=16, ttl=1800)
def _bed_need(fingerprint: str, scenario_json: str, _winter: pipeline.Winter) -> dict[str, float]:
    return pipeline.bed_need(_winter)


def warm_winter_extras(a: AreaData, sc: Scenario, w: pipeline.Winter) -> None:
    """Fill the caches behind the winter page's options and bed need and the scheme page's capacity outcomes
    for ``sc``'s winter ``w`` on ``a`` (the background warm-up, :mod:`pages.ui.warmup`)."""
    key = sc.to_json()
    _winter_options(a.fingerprint, key, sc, w)
    _bed_need(a.fingerprint, key, w)
    _capacity_outcomes(a.fingerprint, key, sc, w)


def model_error(err: Exception) -> None:
    """Say plainly why the models cannot run on this area's data, then stop the page (no traceback)."""
    st.error(
        f"The models cannot run on {area().meta.name}'s data: {err}. Fix the file on the Data page "
        "(the last valid area is still loaded there) or go back to the demo area."
    )
    st.stop()


def _cached_base(f: pipeline.Fits, horizon_years: int, n_draws: int, seed: int) -> pipeline.BasePaths:
    """Base paths for one horizon: a prefix of the longest horizon's (a horizon change never resimulates)."""
    return stages.base_for_horizon(_base_full(f.fingerprint, f.covid, n_draws, seed, f), horizon_years)


# The stages through the shared caches, as they are (the background warm-up uses these: it has no page to
# write an error on) ...
SHARED = pipeline.Stages(
    fits=lambda a, covid: _fits(a.fingerprint, covid, a),
    base=_cached_base,
    project=lambda sc, a, f, b: _projection(a.fingerprint, sc.to_json(), sc, a, f, b),
    winter=lambda sc, a, p: _winter(a.fingerprint, sc.to_json(), sc, a, p),
)


def _on_page(stage: Callable[..., Any]) -> Callable[..., Any]:
    """A stage whose data errors become the page's plain message (``model_error``); a projection too short to
    hold a winter is not an error (the pipeline reports no winter)."""

    def call(*args: Any) -> Any:  # the stage's own result
        try:
            return stage(*args)
        except pipeline.WinterTooShort:
            raise
        except ValueError as err:  # DemandDataError / PlacementsDataError carry plain messages
            model_error(err)
            raise  # unreachable: st.stop() raises

    return call


# ... and as every page uses them: the same caches, with data errors shown plainly on the page.
CACHED = pipeline.Stages(
    fits=_on_page(SHARED.fits), base=SHARED.base, project=_on_page(SHARED.project), winter=_on_page(SHARED.winter)
)


def fits(sc: Scenario | None = None) -> pipeline.Fits:
    """The fitted models for ``sc``'s COVID-19 treatment (default: the session's scenario)."""
    return CACHED.fits_for(sc or scenario(), area())


def projection(sc: Scenario | None = None) -> pipeline.Projection:
    """The projection for ``sc`` (default: the session's scenario), from cached fits and paths."""
    return CACHED.projection(sc or scenario(), area())


def winter_result(sc: Scenario | None = None) -> pipeline.Winter:
    """The first projected winter for ``sc`` (default the session's scenario), cached by scenario and data."""
    sc = sc or scenario()
    try:
        return CACHED.winter(sc, area(), projection(sc))
    except pipeline.WinterTooShort as err:
        model_error(err)
        raise


def bed_need() -> dict[str, float]:
    """Beds the session's winter would occupy with no limit (see :func:`models.pipeline.stages.bed_need`)."""
    a, sc = area(), scenario()
    return _bed_need(a.fingerprint, sc.to_json(), winter_result())


def winter_options_result() -> pd.DataFrame:
    """The planner's options against the session's scenario (baseline row = the headline run)."""
    a, sc = area(), scenario()
    return _on_page(_winter_options)(a.fingerprint, sc.to_json(), sc, winter_result())


def capacity_outcomes() -> dict[str, dict[str, float]]:
    """What each discharge-capacity scheme's budget avoids in the first winter (paired flow runs)."""
    a, sc = area(), scenario()
    return _on_page(_capacity_outcomes)(a.fingerprint, sc.to_json(), sc, winter_result())


def results(sc: Scenario | None = None) -> pipeline.Results:
    """The whole run for ``sc`` (default the session's scenario): :func:`models.pipeline.run` on the cached
    stages (``winter`` is None when the horizon is too short to hold one)."""
    return pipeline.run(sc or scenario(), area(), CACHED)


# --- finance and risk share (models.pipeline.finance on the cached stages) ----------------------------------
# A finance holds a few (draws × years) arrays (≈ 1 MB at 1,000 draws); the tornado's cases a dozen. Inside a
# cached function the stages are SHARED (no page messages from a cache); the caller turns errors into messages.
@st.cache_resource(show_spinner=False, max_entries=32, ttl=1800)
def _finance(fingerprint: str, scenario_json: str, exceed_gbp: float, _scenario: Scenario, _area: AreaData) -> Finance:
    return pipeline.finance(_scenario, _area, SHARED, exceed_gbp=exceed_gbp)


@st.cache_resource(show_spinner="Re-running the scenario for each input of the tornado…", max_entries=8, ttl=1800)
def _tornado_cases(fingerprint: str, cases_key: str, _scenario: Scenario, _area: AreaData) -> list[TornadoCase]:
    act, plan, out_winter = pipeline.scenario_activity(_scenario, _area, SHARED)
    return pipeline.tornado_cases(_scenario, _area, act, plan, out_winter, SHARED)


def finance_result(sc: Scenario | None = None, exceed_gbp: float = 0.0) -> Finance:
    """The scenario's finance and risk share (:func:`models.pipeline.finance` on the cached stages).

    The plan is the scenario with its savings fully realised, the outturn the scenario itself.
    """
    a, sc = area(), sc or scenario()
    return _on_page(_finance)(a.fingerprint, sc.to_json(), float(exceed_gbp), sc, a)


def finance_tornado(fin: Finance, sc: Scenario | None = None) -> pd.DataFrame:
    """Tornado of inputs moving each partner's P50 (the re-runs are cached without the terms)."""
    a, sc = area(), sc or scenario()
    key = evolve(sc, risk_share=RiskShare()).to_json()
    return tornado_table(sc, fin.activity, _tornado_cases(a.fingerprint, key, sc, a))
