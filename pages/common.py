"""Shared page plumbing: session state, the current area and scenario, lever widgets, downloads.

Pages read the scenario from here, call ``models/`` and render; they never
compute model quantities themselves. Levers never mutate the scenario: each
change builds a new, validated one (``models.scenario.evolve``); an invalid
change is refused with a plain message and the last valid scenario stays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from models import engine
from models.data import AreaData, load_area
from models.export import to_csv_bytes, to_excel_bytes
from models.scenario import Scenario, baseline, evolve, explain, presets
from models.schemes import fmt_gbp  # noqa: F401 - re-exported for pages

SHARE_PARAM = "s"


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
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
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
        token = st.query_params.get(SHARE_PARAM)
        if token:
            try:
                ss.scenario = Scenario.from_token(token)
                ss.link_message = ("success", "Opened the shared scenario from the link.")
            except Exception:  # noqa: BLE001 - a mangled link (bad base64, zlib, JSON or values) must not crash
                ss.link_message = ("warning", "The link's scenario could not be read; showing the baseline instead.")


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
    st.query_params[SHARE_PARAM] = new.to_token()


def switch_area(new_area: AreaData) -> None:
    """Use another area: its baseline becomes the scenario."""
    st.session_state.area = new_area
    set_scenario(baseline(new_area), external=True)


def area_presets() -> dict[str, Scenario]:
    return _presets_for(area().fingerprint, area())


@st.cache_data(show_spinner=False, max_entries=8)
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
        st.error(f"Not applied: {line}. The last valid scenario is still in use.")


def downloads(frames: dict[str, pd.DataFrame], stem: str, note: str = "") -> None:
    """CSV (first frame) and Excel (all frames) download buttons, formula-safe (hidden when presenting)."""
    if st.session_state.get("presentation"):
        return
    synthetic = area().meta.synthetic
    label = "illustrative demo data" if synthetic else area().meta.name
    about = f"BCF Scenario Lab export: {stem}. Area: {area().meta.name} ({label}). Scenario: {scenario().name}."
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


# --- cached model stages (see models/engine.py) ------------------------------------------
# Fits depend on the data (and the COVID-19 treatment) only, so they are cached per
# dataset fingerprint and shared by every session: moving a slider never refits.
# Returned objects are shared: pages must not mutate them.


@st.cache_resource(show_spinner="Fitting the demand models to this area's data (once per dataset)…", max_entries=8)
def _fits(fingerprint: str, covid: str, _area: AreaData) -> engine.Fits:
    return engine.fit_all(_area, covid)


@st.cache_resource(show_spinner=False, max_entries=16)
def _base(
    fingerprint: str, covid: str, horizon_years: int, n_draws: int, seed: int, _fits: engine.Fits
) -> engine.BasePaths:
    return engine.simulate_base(_fits, horizon_years, n_draws, seed)


@st.cache_resource(show_spinner=False, max_entries=64)
def _projection(
    fingerprint: str,
    scenario_json: str,
    _scenario: Scenario,
    _area: AreaData,
    _fits: engine.Fits,
    _base: engine.BasePaths,
) -> engine.Projection:
    return engine.project(_scenario, _area, _fits, _base)


def model_error(err: Exception) -> None:
    """Say plainly why the models cannot run on this area's data, then stop the page (no traceback)."""
    st.error(
        f"The models cannot run on {area().meta.name}'s data: {err}. Fix the file on the Data page "
        "(the last valid area is still loaded there) or go back to the demo area."
    )
    st.stop()


def fits() -> engine.Fits:
    a, sc = area(), scenario()
    try:
        return _fits(a.fingerprint, sc.demand.covid, a)
    except ValueError as err:  # DemandDataError / PlacementsDataError carry plain messages
        model_error(err)
        raise  # unreachable: st.stop() raises


def base_paths() -> engine.BasePaths:
    a, sc = area(), scenario()
    return _base(a.fingerprint, sc.demand.covid, sc.horizon_years, sc.n_draws, sc.seed, fits())


def projection(sc: Scenario | None = None) -> engine.Projection:
    """The projection for ``sc`` (default: the session's scenario), from cached fits and paths."""
    a = area()
    sc = sc or scenario()
    f = fits()
    b = _base(a.fingerprint, sc.demand.covid, sc.horizon_years, sc.n_draws, sc.seed, f)
    try:
        return _projection(a.fingerprint, sc.to_json(), sc, a, f, b)
    except ValueError as err:
        model_error(err)
        raise


def demo_note() -> str:
    """Footnote for charts: says when the numbers are illustrative."""
    return "Illustrative demo data (synthetic)" if area().meta.synthetic else f"Data: {area().meta.name}"


@st.cache_resource(show_spinner="Simulating the winter…", max_entries=32)
def _winter(
    fingerprint: str, scenario_json: str, _scenario: Scenario, _area: AreaData, _projection: engine.Projection
) -> engine.Winter:
    return engine.winter(_scenario, _area, _projection)


@st.cache_resource(show_spinner="Comparing the options with the same random numbers…", max_entries=32)
def _winter_options(
    fingerprint: str, scenario_json: str, _scenario: Scenario, _projection: engine.Projection
) -> pd.DataFrame:
    return engine.winter_options(_scenario, _projection)


def winter_result() -> engine.Winter:
    """The first projected winter for the session's scenario (cached by scenario and data)."""
    a, sc = area(), scenario()
    try:
        return _winter(a.fingerprint, sc.to_json(), sc, a, projection())
    except ValueError as err:
        model_error(err)
        raise


def winter_options_result() -> pd.DataFrame:
    a, sc = area(), scenario()
    try:
        return _winter_options(a.fingerprint, sc.to_json(), sc, projection())
    except ValueError as err:
        model_error(err)
        raise
