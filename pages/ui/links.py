"""The page address holds the scenario: open a shared link on a session's first run, keep the address in step.

``?s=`` carries the scenario as a token (``models/store/links.py``); a scenario too large for an address
is kept in the library and linked by ``?id=``; ``&present=1`` opens in presentation mode. The frame calls
:func:`keep_link` on every run: Streamlit drops the query string when the sidebar switches pages, so the
address is put back from the session's scenario each time.
"""

from __future__ import annotations

import streamlit as st

from models.inputs.areas import AreaData
from models.scenario import Scenario
from models.scenario.migrate import SCHEMA_VERSION, V2_NOTE
from models.store.library import StoreError
from models.store.links import LinkError, from_link_token, to_link_token
from models.store.links import fits as link_fits
from pages.ui.areas import AREA_PARAM, area_code
from pages.ui.state import area, area_baseline, demo_area, library, scenario

SHARE_PARAM = "s"  # the scenario's link token (models/store/links.py)
LINK_ID_PARAM = "id"  # a scenario too large for a link, kept in the library
PRESENT_PARAM = "present"  # presentation mode


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
        ss.link_message = (
            "warning",
            f"The link's scenario could not be read: {err}. Showing the baseline scenario instead.",
        )
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
    if not link_id and opened.schema_version < SCHEMA_VERSION:  # made by an older app: say what changed
        kind, text = ss.link_message
        ss.link_message = (kind, f"{text} {V2_NOTE}")


def link_params(sc: Scenario, a: AreaData) -> dict[str, str]:
    """The query parameters that reopen ``sc`` on ``a``: ``?s=`` if short enough, else saved and ``?id=``."""
    token = to_link_token(sc, area_baseline(a), a.fingerprint)
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
    code = area_code(area())
    if code:
        want[AREA_PARAM] = code
    for name in (SHARE_PARAM, LINK_ID_PARAM, PRESENT_PARAM, AREA_PARAM):
        if name not in want:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != want[name]:
            st.query_params[name] = want[name]
