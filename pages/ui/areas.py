"""Real areas built from public files (docs/areas.md): the list, opening one, and the area named in the address.

Built areas live outside the repository, in ``BCF_AREAS_DIR`` (default ``../bcf-areas``); they are read, never
written, here. An area is opened once per server and shared between sessions (areas are never mutated).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from models.core.paths import areas_dir
from models.inputs.areas import AreaData
from models.inputs.built_area import area_index, open_area
from models.pipeline.guards import check_area
from pages.ui.state import demo_area

AREA_PARAM = "area"  # the address's area code (?area=E09000015): a shared link reopens the same real area
_CODE = re.compile(r"^E\d{8}$")  # an ONS code of a Health and Wellbeing Board area (E06/E08/E09/E10 …)


@st.cache_data(show_spinner=False, ttl=600)
def built_index() -> pd.DataFrame:
    """The built areas (``code``, ``name``, ``region``, ``icb_codes``, ``icb_names``, ``folder``), by name."""
    return area_index(areas_dir())[0]


@st.cache_resource(show_spinner=False, max_entries=16)
def built_area(code: str) -> tuple[AreaData | None, tuple[str, ...]]:
    """A built area opened and checked as the app would use it, or ``(None, reasons)`` in plain words."""
    index = built_index()
    if not _CODE.match(code) or code not in set(index["code"]):
        return None, (f"No built area has the code {code[:20]!r} (built areas are in {areas_dir()}).",)
    folder = index.loc[index["code"] == code, "folder"].iloc[0]
    area, problems = open_area(Path(folder), demo_area())
    if area is None:
        return None, tuple(str(p) for p in problems)
    checks = check_area(area, demo_area())
    return (None, tuple(checks)) if checks else (area, ())


def area_code(a: AreaData) -> str:
    """The code of ``a`` if it is a built area as built (not one with uploads over it), else ""."""
    if not a.meta.code or not _CODE.match(a.meta.code):
        return ""
    opened, _ = built_area(a.meta.code) if a.meta.code in set(built_index()["code"]) else (None, ())
    return a.meta.code if opened is not None and opened == a else ""


def area_from_address() -> tuple[AreaData | None, str]:
    """The built area the address names (``?area=``), or ``(None, message)`` when it names one that cannot open."""
    code = st.query_params.get(AREA_PARAM)
    if not code:
        return None, ""
    area, reasons = built_area(str(code))
    if area is None:
        return None, f"The link's area could not be opened ({reasons[0] if reasons else 'unknown'}); showing the demo."
    return area, ""
