"""App (AppTest): the ICB view page (pages/icb.py) on areas built from the public files.

Two places of NHS North West London ICB (QRV), Harrow and Brent, are built once into a temporary folder (the area
builder with ``--only``; it needs the public files, ``BCF_REALDATA_DIR``) and the page reads them through
``BCF_AREAS_DIR``. The page is run inside a minimal frame (the session set-up of app.py and a navigation holding
only this page), so the test does not depend on where app.py lists it.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models import cli
from models.core.paths import realdata_dir

ROOT = Path(__file__).resolve().parents[2]
PLACES = {"E09000015": "Harrow", "E09000005": "Brent"}
ICB = "QRV"

FRAME = f"""
import streamlit as st
from pages.ui.changes import init_state

init_state()
st.navigation([st.Page({str(ROOT / "pages" / "icb.py")!r}, title="ICB view", url_path="icb")]).run()
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = realdata_dir() / "areas"
    assert source.is_dir(), f"the public area files are needed: set BCF_REALDATA_DIR (looked in {source})"
    out = tmp_path_factory.mktemp("areas")
    with contextlib.redirect_stderr(io.StringIO()) as err:
        status = cli.run(["areas", "build", "--from", str(source), "--out", str(out), "--only", *PLACES])
    assert status == 0, err.getvalue()
    return out


@pytest.fixture()
def page(built: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("BCF_AREAS_DIR", str(built))
    from pages.ui.areas import built_area, built_index  # noqa: PLC0415 - the app's caches, emptied for this folder

    built_index.clear()
    built_area.clear()
    at = AppTest.from_string(FRAME, default_timeout=240)
    yield at
    built_index.clear()
    built_area.clear()


def test_the_icb_view_shows_its_places_and_the_total(page: AppTest) -> None:
    at = page
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "ICB view"
    pick = at.selectbox(key="icb_pick")
    assert pick.value == ICB and "2 places" in pick.format_func(ICB)
    assert at.select_slider[0].value == 200
    side = at.table[0].value
    assert list(side.index) == ["Brent", "Harrow", "Total"]
    columns = " ".join(side.columns)
    for metric in ("Emergency admissions 65+", "Average discharge delay", "Care-home admissions 65+"):
        assert metric in columns
    assert all(("within" in v or "over" in v) for v in side.iloc[:, 0])
    assert side.loc["Total", "Share of the ICB's 65+ residents"] == "100%"
    assert len(at.metric) == 3 and all("ICB total" in m.label for m in at.metric)
    total = at.table[1].value
    assert "Emergency admissions" in total.index and "Outturn less plan (all lines)" in total.index
    assert not at.warning, [w.value for w in at.warning]  # both places ran
    assert any("ESTIMATE" in c.value for c in at.caption)


def test_without_built_areas_the_page_says_how_to_build_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCF_AREAS_DIR", str(tmp_path))
    from pages.ui.areas import built_index  # noqa: PLC0415

    built_index.clear()
    at = AppTest.from_string(FRAME, default_timeout=60).run()
    built_index.clear()
    assert not at.exception, [e.value for e in at.exception]
    assert "python -m models areas build" in at.info[0].value
