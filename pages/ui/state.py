"""The session's current area and scenario, read-only: the demo area, presets, baseline, label, the library.

The bottom of the app's own modules: it imports only ``models``. Changing the scenario or the
area is :mod:`pages.ui.changes` (it also keeps the address in step, :mod:`pages.ui.links`).
Returned objects are shared between sessions (Scenarios are immutable; areas must not be mutated).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from models import pipeline
from models.inputs.areas import AreaData, load_area
from models.scenario import Scenario, baseline, presets
from models.store.library import ScenarioStore, open_store


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
    if PagesManager.uses_pages_directory or "area" not in st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()


def area() -> AreaData:
    """The session's area (set up by :func:`pages.ui.changes.init_state`)."""
    return st.session_state["area"]


def scenario() -> Scenario:
    """The session's scenario (always a valid one: levers refuse invalid changes)."""
    return st.session_state["scenario"]


def library() -> ScenarioStore:
    """The scenario library (SQLite file by default, PostgreSQL with DATABASE_URL); raises StoreError."""
    return open_store()


@st.cache_resource(show_spinner=False, max_entries=8)
def _baseline_for(fingerprint: str, _area: AreaData) -> Scenario:
    return baseline(_area)


def area_baseline(a: AreaData | None = None) -> Scenario:
    """The baseline scenario of ``a`` (default: the session's area), cached per dataset."""
    a = a or area()
    return _baseline_for(a.fingerprint, a)


@st.cache_resource(show_spinner=False, max_entries=8)  # Scenarios are immutable: share them, no copy per run
def _presets_for(fingerprint: str, _area: AreaData) -> dict[str, Scenario]:
    return presets(_area)


def area_presets() -> dict[str, Scenario]:
    """The session's area's named workshop presets (the first is its baseline), cached per dataset."""
    return _presets_for(area().fingerprint, area())


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


def reference() -> Scenario:
    """The current-funding baseline the session's scenario is compared with (same draws and seed)."""
    return pipeline.reference_scenario(area(), scenario())
