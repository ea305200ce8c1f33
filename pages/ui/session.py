"""Shared page plumbing: session state, the current area and scenario, lever widgets, downloads.

Pages read the scenario from here, call ``models/`` and render; they never
compute model quantities themselves. Levers never mutate the scenario: each
change builds a new, validated one (``models.scenario.evolve``); an invalid
change is refused with a plain message and the last valid scenario stays.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError
from threadpoolctl import threadpool_limits

from models import pipeline
from models.core.units import fmt_gbp  # noqa: F401 - re-exported for pages
from models.core.xlsx import to_csv_bytes, to_excel_bytes
from models.inputs.areas import AreaData, load_area
from models.money.riskshare import Finance, TornadoCase, tornado_table
from models.pipeline import stages
from models.pipeline.guards import fit_workload
from models.scenario.levers import RiskShare, Scenario, baseline, evolve, explain, presets
from models.store.library import ScenarioStore, StoreError, open_store
from models.store.links import LinkError, from_link_token, to_link_token
from models.store.links import fits as link_fits

# One BLAS thread for the whole server: the matrices are small (draws × months), and on a shared
# 2-core server BLAS threads spin against the other sessions' script threads (a projection took
# 150 ms with two BLAS threads under load, 48 ms with one).
threadpool_limits(limits=1, user_api="blas")

# Page scripts take turns (see script_turn).
_SCRIPT_TURN = threading.BoundedSemaphore(1)
SCRIPT_TURN_WAIT_S = 2.0


@contextlib.contextmanager
def script_turn() -> Iterator[None]:
    """Run one page script at a time in this server, waiting at most ``SCRIPT_TURN_WAIT_S`` for a turn.

    The scripts are Python under one interpreter lock. When a workshop's 30 sessions move a
    slider at once, 30 script threads share it in 5 ms slices and all finish late (slider
    p95 2.6–3.2 s on the 2-core machine); taking turns by whole runs finishes most of them early
    (p95 1.7–1.9 s, ``benchmarks/load_test.py``). A run waits at most two seconds and then goes
    ahead anyway, so a heavy one (an uploaded area's first fit) delays the others by no more than
    that. ``BCF_SCRIPT_TURNS=0`` turns this off.
    """
    if os.environ.get("BCF_SCRIPT_TURNS", "1") == "0":
        yield
        return
    got = _SCRIPT_TURN.acquire(timeout=SCRIPT_TURN_WAIT_S)
    try:
        yield
    finally:
        if got:
            _SCRIPT_TURN.release()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&^\"'])")
# GitHub-flavoured markdown links "http://…", "www.…" and "name@host.uk" in plain text, escaped or not;
# an invisible word joiner (U+2060) in "://", after '@' and in "www." breaks that, and the text reads the same
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=@)|(?<=www)(?=\\\.)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def safe_text(text: object) -> str:
    """User-supplied text (scenario, area, scheme, partner or file names) made literal for st.markdown.

    Every markdown, HTML and Streamlit directive character (``[`` ``]`` ``(`` ``!`` ``<``
    ``:`` ``$`` …) is backslash-escaped, addresses cannot be auto-linked and line breaks
    become spaces, so a name shows as typed: never a link, an image fetched from elsewhere,
    a heading, a colour or LaTeX. Use it wherever such text goes into markdown (also widget
    and metric labels).
    """
    flat = " ".join(str(text).split())
    return _AUTOLINK.sub(WORD_JOINER, _MARKDOWN_SPECIAL.sub(r"\\\1", flat))


SHARE_PARAM = "s"  # the scenario's link token (models/store/links.py)
LINK_ID_PARAM = "id"  # a scenario too large for a link, kept in the library
PRESENT_PARAM = "present"  # presentation mode


@st.cache_resource(show_spinner=False)
def demo_area() -> AreaData:
    """The embedded demo area, loaded and validated once per server."""
    area, problems = load_area()
    if area is None:  # the shipped data are checked by tests; this is a packaging fault
        raise RuntimeError("demo data invalid: " + "; ".join(map(str, problems)))
    return area


def ensure_frame() -> None:
    """Run the page inside the frame (app.py), never on its own.

    Streamlit treats a project with a ``pages/`` folder as a v1 multipage app until
    ``st.navigation`` has run once in the server process. If the very first request
    opens a page's URL, Streamlit would run that page script alone, without the
    frame's session set-up. Every page calls this first: it switches the process to
    ``st.navigation`` mode and reruns, which goes through app.py.

    The check is per session as well as per process: when several sessions open page URLs
    at once on a fresh server, one of them clears the process flag while the others' page
    scripts are already running alone; those have no area yet, so they rerun too (this was
    the ``KeyError 'area'`` race on first visits).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory or "area" not in st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()


def init_state() -> None:
    """Make sure the session has an area, a scenario and a widget revision; apply a shared link once."""
    ss = st.session_state
    ss.setdefault("area", demo_area())
    ss.setdefault("rev", 0)
    ss.setdefault("lever_errors", [])
    if "scenario" not in ss:
        ss.scenario = baseline(ss.area)
        open_link()
    # the heaviest valid scenarios (a link, the draws lever, a long scheme table) are capped
    # to what the server can run in about a second: fewer draws, with a message
    fitted, notes = fit_workload(ss.scenario)
    if notes:
        set_scenario(fitted, external=True)
        before = ss.get("link_message")
        ss.link_message = ("warning", (before[1] + " " if before else "") + notes[0])


def area() -> AreaData:
    return st.session_state["area"]


def scenario() -> Scenario:
    return st.session_state["scenario"]


def set_scenario(new: Scenario, external: bool = False) -> None:
    """Make ``new`` the session's scenario; ``external`` (preset, reset, load) re-initialises widgets."""
    ss = st.session_state
    ss.scenario = new
    ss.lever_errors = []
    if external:
        ss.rev += 1
    keep_link()


# --- links that hold the scenario (see models/store/links.py) ------------------------------------
# The frame calls keep_link() on every run: Streamlit drops the query string when the
# sidebar switches pages, so the address is put back from the session's scenario each time.


@st.cache_resource(show_spinner=False, max_entries=8)
def _baseline_for(fingerprint: str, _area: AreaData) -> Scenario:
    return baseline(_area)


def area_baseline() -> Scenario:
    """The loaded area's baseline scenario (cached per dataset)."""
    return _baseline_for(area().fingerprint, area())


def library() -> ScenarioStore:
    """The scenario library (SQLite file by default, PostgreSQL with DATABASE_URL); raises StoreError."""
    return open_store()


def open_link() -> None:
    """On a session's first run: take the scenario (and presentation mode) from the address, with a message."""
    ss, qp = st.session_state, st.query_params
    if qp.get(PRESENT_PARAM) == "1":
        ss.presentation = True
    token, link_id = qp.get(SHARE_PARAM), qp.get(LINK_ID_PARAM)
    if not token and not link_id:
        return
    fp: str | None
    try:
        if link_id:
            sc, fp = library().load_link(link_id)
        else:
            opened = from_link_token(token, area_baseline())
            sc, fp = opened.scenario, opened.area_fingerprint
    except (LinkError, StoreError) as err:
        ss.link_message = ("warning", f"The link's scenario could not be read: {err}. Showing the baseline scenario instead.")
        return
    ss.scenario = sc
    ss.scenario_origin = ("link", sc)
    if fp and fp != area().fingerprint:
        made_on = "the demo data" if fp == demo_area().fingerprint else "an uploaded area's data"
        ss.link_message = (
            "warning",
            f"This link was made on {made_on}, which is not loaded here, so its numbers will differ. "
            f"Its scenario is shown on {area().meta.name}; load the same files on the Data page to see the "
            "numbers it was made with.",
        )
    else:
        ss.link_message = ("success", "Opened the shared scenario from the link.")


def link_params(sc: Scenario, a: AreaData) -> dict[str, str]:
    """The query parameters that reopen ``sc`` on ``a``: ``?s=`` if short enough, else saved and ``?id=``."""
    token = to_link_token(sc, _baseline_for(a.fingerprint, a), a.fingerprint)
    if link_fits(f"{SHARE_PARAM}={token}&{PRESENT_PARAM}=1"):
        return {SHARE_PARAM: token}
    try:
        return {LINK_ID_PARAM: library().save_link(sc, a.fingerprint)}
    except StoreError:
        return {SHARE_PARAM: token}  # the library is unavailable: a long link beats none


def keep_link() -> None:
    """Put the session's scenario (and presentation mode) in the address; the frame calls this on every run."""
    ss = st.session_state
    key = (scenario(), area().fingerprint)
    cached = ss.get("_link")
    if cached is None or cached[0] != key:
        cached = ss["_link"] = (key, link_params(key[0], area()))
    want = dict(cached[1])
    if ss.get("presentation"):
        want[PRESENT_PARAM] = "1"
    for name in (SHARE_PARAM, LINK_ID_PARAM, PRESENT_PARAM):
        if name not in want:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != want[name]:
            st.query_params[name] = want[name]


def scenario_label() -> str:
    """What the sidebar and exports call the session's scenario: a preset's or saved name, or "Custom"."""
    sc = scenario()
    for name, preset in area_presets().items():
        if preset == sc:
            return name
    origin = st.session_state.get("scenario_origin")
    if origin and origin[1] == sc and origin[0] != "link":
        return origin[0]
    return "Custom"


_WARMED: set[str] = set()
_WARM_LOCK = threading.Lock()


def warm_presets() -> None:
    """Make switching presets instant: compute each preset's projection and winter once per dataset.

    Then the winter page's options and bed need and the scheme page's capacity outcomes
    (a few seconds in all for the demo's presets).

    Runs once per server, for the demo area, in a background thread after the first page has
    been drawn, into the shared caches (``_projection``, ``_winter``), so that picking a preset
    later only reads them. ``BCF_WARM_PRESETS=0`` turns it off.
    """
    if os.environ.get("BCF_WARM_PRESETS", "1") == "0":
        return
    a = area()
    if a.fingerprint != demo_area().fingerprint:  # uploads come and go: only the workshop's demo area
        return
    with _WARM_LOCK:
        if a.fingerprint in _WARMED:
            return
        _WARMED.add(a.fingerprint)
    todo = list(area_presets().values())

    def work() -> None:
        winters = {}
        for sc in todo:  # first what Home shows for every preset, then the winter and scheme pages' extras
            try:
                w = pipeline.run(sc, a, SHARED).winter
                if w is not None:
                    winters[sc.to_json()] = (sc, w)
            except Exception:  # noqa: BLE001, S112 - a preset the data cannot run shows its own message when picked
                continue
        for key, (sc, w) in winters.items():
            try:
                _winter_options(a.fingerprint, key, sc, w)
                _bed_need(a.fingerprint, key, w)
                _capacity_outcomes(a.fingerprint, key, sc, w)
            except Exception:  # noqa: BLE001, S112 - as above
                continue

    threading.Thread(target=work, name=_WARM_THREAD, daemon=True).start()


_WARM_THREAD = "bcf-warm-presets"


class _QuietWarmThread(logging.Filter):
    """The warm-up runs outside a script run on purpose: drop Streamlit's "missing ScriptRunContext" notes for it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _WARM_THREAD


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietWarmThread())


def switch_area(new_area: AreaData) -> None:
    """Use another area: its baseline becomes the scenario.

    The scenario is built first, so if the area cannot make one (check it with
    :func:`models.limits.check_area` first) this raises before anything changes.
    """
    new_scenario, _ = fit_workload(baseline(new_area))
    st.session_state.area = new_area
    set_scenario(new_scenario, external=True)


def area_presets() -> dict[str, Scenario]:
    return _presets_for(area().fingerprint, area())


@st.cache_resource(show_spinner=False, max_entries=8)  # Scenarios are immutable: share them, no copy per run
def _presets_for(fingerprint: str, _area: AreaData) -> dict[str, Scenario]:
    return presets(_area)


def _get(obj: Any, path: Sequence[str]) -> Any:
    for name in path:
        obj = getattr(obj, name)
    return obj


def _evolve_path(sc: Scenario, path: Sequence[str], value: Any, also: dict[str, Any] | None = None) -> Scenario:
    if len(path) == 1:
        return evolve(sc, **{path[0]: value}, **(also or {}))
    if len(path) == 2:
        return evolve(sc, **{path[0]: {path[1]: value, **(also or {})}})
    raise ValueError("levers are at most two levels deep")


def bound_widget(
    widget: Callable[..., Any], label: str, key: str, current: Any, apply: Callable[[Any], Scenario], **kwargs: Any
) -> Any:
    """A widget that always shows the scenario's value and, when changed, makes a new validated scenario.

    The widget's state is put in line with the scenario before it is drawn, so a change
    made elsewhere (another widget, a preset, a button) shows here, and a refused change
    springs back. ``apply(value)`` returns the new Scenario; a ValidationError becomes a
    plain message (see :func:`show_lever_errors`) and the last valid scenario stays.
    """
    if key not in st.session_state or st.session_state[key] != current:
        st.session_state[key] = current

    def on_change() -> None:
        try:
            set_scenario(apply(st.session_state[key]))
        except ValidationError as err:
            st.session_state.lever_errors = explain(err)

    return widget(label, key=key, on_change=on_change, **kwargs)


def lever(
    widget: Callable[..., Any],
    label: str,
    path: Sequence[str],
    *,
    to_value: Callable[[Any], Any] | None = None,
    also: Callable[[Scenario, Any], dict[str, Any]] | None = None,
    **kwargs: Any,
) -> Any:
    """Render ``widget`` for the scenario field at ``path`` (see :func:`bound_widget`).

    ``display_value`` (kwarg) is what the widget shows when it differs from the field
    (e.g. % for a share); ``to_value`` converts the widget's value back into the
    field's value; ``also(scenario, value)`` returns further changes to the same group
    made with it (e.g. P0 takes the rest of the pathway shares).
    """
    display = kwargs.pop("display_value", _get(scenario(), path))
    key = "lever:" + ".".join(path) + f"#{st.session_state.rev}"

    def apply(raw: Any) -> Scenario:
        value = to_value(raw) if to_value else raw
        now = scenario()
        return _evolve_path(now, path, value, also(now, value) if also else None)

    return bound_widget(widget, label, key, display, apply, **kwargs)


def show_lever_errors() -> None:
    for line in st.session_state.get("lever_errors", []):
        st.error(f"Not applied: {safe_text(line)}. The last valid scenario is still in use.")


def downloads(frames: dict[str, pd.DataFrame], stem: str, note: str = "") -> None:
    """CSV (first frame) and Excel (all frames) download buttons, formula-safe (hidden when presenting)."""
    if st.session_state.get("presentation"):
        return
    synthetic = area().meta.synthetic
    label = "illustrative demo data" if synthetic else area().meta.name
    about = f"BCF Scenario Lab export: {stem}. Area: {area().meta.name} ({label}). Scenario: {scenario_label()}."
    name = stem + ("_illustrative" if synthetic else "")  # the file name says so too
    c1, c2 = st.columns(2)
    first_name, first = next(iter(frames.items()))
    c1.download_button(
        f"Download {first_name} (CSV)",
        lambda: to_csv_bytes(first),  # built only when clicked: keeps slider reruns fast
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv:{stem}",
        width="stretch",
        on_click="ignore",
    )
    c2.download_button(
        "Download all tables (Excel)",
        lambda: to_excel_bytes(frames, notes=about + ("\n" + note if note else "")),
        file_name=f"{name}.xlsx",
        key=f"xlsx:{stem}",
        width="stretch",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )


def how_calculated(markdown: str) -> None:
    if st.session_state.get("presentation"):
        return
    with st.expander("How this is calculated"):
        st.markdown(markdown)


# --- cached model stages (see models/pipeline/stages.py) ------------------------------------------
# Fits depend on the data (and the COVID-19 treatment) only, so they are cached per
# dataset fingerprint and shared by every session: moving a slider never refits.
# Returned objects are shared: pages must not mutate them.


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


def model_error(err: Exception) -> None:
    """Say plainly why the models cannot run on this area's data, then stop the page (no traceback)."""
    st.error(
        f"The models cannot run on {area().meta.name}'s data: {err}. Fix the file on the Data page "
        "(the last valid area is still loaded there) or go back to the demo area."
    )
    st.stop()


# --- the pipeline's stages through the caches: every page, the finance, Compare and the warm-up use these ---
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

    def call(*args: Any) -> Any:  # noqa: ANN401 - the stage's own result
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


def demo_note() -> str:
    """Footnote for charts: says when the numbers are illustrative."""
    # chart text is Plotly's HTML subset: an area name must not become a link there either
    return "Illustrative demo data (synthetic)" if area().meta.synthetic else f"Data: {html.escape(area().meta.name)}"


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


def bed_need() -> dict[str, float]:
    """Beds the session's winter would occupy with no limit (see :func:`models.pipeline.stages.bed_need`)."""
    a, sc = area(), scenario()
    return _bed_need(a.fingerprint, sc.to_json(), winter_result())


def reference() -> Scenario:
    """The current-funding baseline the session's scenario is compared with (same draws and seed)."""
    return pipeline.reference_scenario(area(), scenario())


def winter_result(sc: Scenario | None = None) -> pipeline.Winter:
    """The first projected winter for ``sc`` (default the session's scenario), cached by scenario and data."""
    sc = sc or scenario()
    try:
        return CACHED.winter(sc, area(), projection(sc))
    except pipeline.WinterTooShort as err:
        model_error(err)
        raise


def winter_options_result() -> pd.DataFrame:
    """The planner's options against the session's scenario (baseline row = the headline run)."""
    a, sc = area(), scenario()
    try:
        return _winter_options(a.fingerprint, sc.to_json(), sc, winter_result())
    except ValueError as err:
        model_error(err)
        raise


def capacity_outcomes() -> dict[str, dict[str, float]]:
    """What each discharge-capacity scheme's budget avoids in the first winter (paired flow runs)."""
    a, sc = area(), scenario()
    try:
        return _capacity_outcomes(a.fingerprint, sc.to_json(), sc, winter_result())
    except ValueError as err:
        model_error(err)
        raise


def results(sc: Scenario | None = None) -> pipeline.Results:
    """The whole run for ``sc`` (default the session's scenario): :func:`models.pipeline.run` on the cached
    stages (``winter`` is None when the horizon is too short to hold one)."""
    return pipeline.run(sc or scenario(), area(), CACHED)


# --- finance and risk share (models.pipeline.finance on the cached stages) ----------------------------------
# A finance holds a few (draws × years) arrays (≈ 1 MB at 1,000 draws); the tornado's cases a dozen.
@st.cache_resource(show_spinner=False, max_entries=32, ttl=1800)
def _finance(fingerprint: str, scenario_json: str, exceed_gbp: float, _scenario: Scenario, _area: AreaData) -> Finance:
    return pipeline.finance(_scenario, _area, CACHED, exceed_gbp=exceed_gbp)


@st.cache_resource(show_spinner="Re-running the scenario for each input of the tornado…", max_entries=8, ttl=1800)
def _tornado_cases(fingerprint: str, cases_key: str, _scenario: Scenario, _area: AreaData) -> list[TornadoCase]:
    act, plan, out_winter = pipeline.scenario_activity(_scenario, _area, CACHED)
    return pipeline.tornado_cases(_scenario, _area, act, plan, out_winter, CACHED)


def finance_result(sc: Scenario | None = None, exceed_gbp: float = 0.0) -> Finance:
    """The scenario's finance and risk share (:func:`models.pipeline.finance` on the cached stages).

    The plan is the scenario with its savings fully realised, the outturn the scenario itself.
    """
    a, sc = area(), sc or scenario()
    try:
        return _finance(a.fingerprint, sc.to_json(), float(exceed_gbp), sc, a)
    except ValueError as err:
        model_error(err)
        raise


def finance_tornado(fin: Finance, sc: Scenario | None = None) -> pd.DataFrame:
    """Tornado of inputs moving each partner's P50 (the re-runs are cached without the terms)."""
    a, sc = area(), sc or scenario()
    key = evolve(sc, risk_share=RiskShare()).to_json()
    return tornado_table(sc, fin.activity, _tornado_cases(a.fingerprint, key, sc, a))
