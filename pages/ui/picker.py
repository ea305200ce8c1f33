"""The sidebar's area picker: the demo, an uploaded area, and every built real area by name (searchable)."""

from __future__ import annotations

import streamlit as st

from models.core.paths import areas_dir
from pages.ui.areas import area_code, built_area, built_index
from pages.ui.changes import switch_area
from pages.ui.state import area, demo_area
from pages.ui.text import safe_text

DEMO, UPLOAD = "demo", "upload"


def _current_key() -> str:
    a = area()
    if a == demo_area():
        return DEMO
    return area_code(a) or UPLOAD


def _switch(key: str) -> None:
    picked = st.session_state[key]
    if picked == DEMO:
        switch_area(demo_area())
        return
    if picked == UPLOAD:
        return
    opened, reasons = built_area(picked)
    if opened is None:
        st.session_state["area_message"] = "That area could not be opened: " + "; ".join(reasons[:3])
        return
    try:  # switch_area builds the scenario first: a failure leaves the area as it was
        switch_area(opened)
    except (ValueError, TypeError, ArithmeticError) as err:
        st.session_state["area_message"] = f"That area could not be opened: {err}"
    else:
        st.session_state["area_message"] = (
            f"Now using {opened.meta.name}: public figures, with estimated emergency admissions (see the Data page)."
        )


def area_picker() -> None:
    """A searchable select box of areas; choosing one switches every page to it."""
    index = built_index()
    names = dict(zip(index["code"], index["label"], strict=True))
    current = _current_key()
    options = [DEMO, *([UPLOAD] if current == UPLOAD else []), *names]
    labels = {DEMO: f"{demo_area().meta.name}", UPLOAD: f"Uploaded: {area().meta.name}"} | names
    key = f"area_pick#{st.session_state.rev}"
    if st.session_state.get(key) != current:
        st.session_state[key] = current
    st.selectbox(
        "Area",
        options,
        key=key,
        format_func=lambda k: labels.get(k, k),
        on_change=_switch,
        args=(key,),
        help="The demo area, or any of the English Health and Wellbeing Board areas built from public data "
        "(type to search by name). Upload an area's own files on the Data page.",
    )
    if not names:
        st.caption(
            f"No real areas built yet ({safe_text(str(areas_dir()))}): run `python -m models areas build` "
            "(docs/areas.md)."
        )
    message = st.session_state.pop("area_message", None)
    if message:
        st.info(safe_text(message))
