"""Changing the session: its set-up on the first run, a new scenario, another area.

Levers never mutate the scenario: each change builds a new, validated one (``models.scenario.evolve``)
and hands it to :func:`set_scenario`, which also puts it in the address (:func:`pages.ui.links.keep_link`).
"""

from __future__ import annotations

import streamlit as st

from models.inputs.areas import AreaData
from models.pipeline.guards import fit_workload
from models.scenario import Scenario, baseline
from pages.ui.areas import area_from_address
from pages.ui.links import keep_link, open_link
from pages.ui.state import demo_area


def init_state() -> None:
    """Make sure the session has an area, a scenario and a widget revision; apply a shared link once."""
    ss = st.session_state
    if "area" not in ss:  # a shared link may name a real area (?area=CODE)
        linked, message = area_from_address()
        ss.area = linked or demo_area()
        if message:
            ss.link_message = ("warning", message)
    ss.setdefault("rev", 0)
    ss.setdefault("lever_errors", [])
    if "scenario" not in ss:
        ss.scenario = baseline(ss.area)
        open_link()
    # the heaviest valid scenarios (a link, the draws lever, a long scheme table) are capped
    # to what the server can run in about a second: fewer draws, with a message
    fitted, notes = fit_workload(ss.scenario, ss.area)
    if notes:
        set_scenario(fitted, external=True)
        before = ss.get("link_message")
        ss.link_message = ("warning", (before[1] + " " if before else "") + notes[0])


def set_scenario(new: Scenario, external: bool = False) -> None:
    """Make ``new`` the session's scenario; ``external`` (preset, reset, load) re-initialises widgets."""
    ss = st.session_state
    ss.scenario = new
    ss.lever_errors = []
    if external:
        ss.rev += 1
    keep_link()


def switch_area(new_area: AreaData) -> None:
    """Use another area: its baseline becomes the scenario.

    The scenario is built first, so if the area cannot make one (check it with
    :func:`models.pipeline.guards.check_area` first) this raises before anything changes.
    """
    new_scenario, _ = fit_workload(baseline(new_area), new_area)
    st.session_state.area = new_area
    set_scenario(new_scenario, external=True)
