"""App (AppTest): UK conventions on every page, read as a finance lead reads them.

Every page is opened once (one session, as a user clicks through the sidebar) and what
it renders is checked: table headers are words ("Without scheme changes, P10"), not
``baseline_p10``; no raw "12-01 to 03-31" month-day ranges or ISO dates in the text; no
Python list printed into a sentence; number boxes never show "15.00" for a count; every
number and date column of a table carries a display format; one financial year per table
row and per row of tiles.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP_PAGES

ROOT = Path(__file__).resolve().parents[2]
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
MONTH_DAY = re.compile(r"(?<![\d/-])(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])")  # "12-01", not "2025-26"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
LIST_REPR = re.compile(r"\[\s*'|'\s*\]|\[\s*\d+(\.\d+)?\s*,\s*\d+")  # ['Mar 2023', …] or [2023, 2024]
FY = re.compile(r"\b(20\d\d-\d\d)\b")
TWO_PLACES_WHOLE = re.compile(r"(?<![\d.])\d[\d,]*\.00(?!\d)")  # "15.00"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, source: Path) -> dict[str, dict]:
    """What each page renders: tables (frame and column config), texts, tiles, number boxes, buttons.

    The session's area is the demo; two real places of one ICB (Rutland and Leicester) are built so that the ICB
    view has places to show."""
    from models.inputs.builder.build import build_all
    from pages.ui.areas import built_area, built_index

    areas = tmp_path_factory.mktemp("areas") / "areas"
    build_all(source, areas, only=["E06000017", "E06000016"])
    mp = pytest.MonkeyPatch()
    mp.delenv("DATABASE_URL", raising=False)
    mp.setenv("BCF_DATA_DIR", str(tmp_path_factory.mktemp("library")))
    mp.setenv("BCF_AREAS_DIR", str(areas))
    built_index.clear()
    built_area.clear()
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003 - as tests/app/conftest.py
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    mp.setattr(PagesManager, "__init__", init)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    out: dict[str, dict] = {}
    try:
        for page in APP_PAGES:
            at.switch_page(page).run()
            assert not at.exception, (page, [e.value for e in at.exception])
            tables = []
            for el in [*at.dataframe, *at.table]:
                try:
                    config = json.loads(el.proto.columns) if el.proto.columns else {}
                except (AttributeError, ValueError):
                    config = {}
                tables.append((el.value, config, type(el).__name__))
            texts = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "subheader", "title")
                     for e in at.get(kind)]
            metrics = [(m.label, m.value) for m in at.metric]
            boxes = [(n.label, n.proto.format, n.value) for n in at.number_input]
            buttons = [b.label for b in at.get("download_button")]
            out[page] = {"tables": tables, "texts": texts, "metrics": metrics, "boxes": boxes, "buttons": buttons}
    finally:
        mp.undo()
        built_index.clear()
        built_area.clear()
    return out


def _headers(df: pd.DataFrame, config: dict) -> list[str]:
    """The headers a reader sees: the column config's label, else the column name (hidden columns left out)."""
    shown = []
    for col in df.columns:
        cfg = config.get(str(col)) or {}
        if isinstance(cfg, dict) and cfg.get("hidden"):
            continue
        label = cfg.get("label") if isinstance(cfg, dict) else None
        shown.append(str(label or col))
    if df.index.name:
        shown.append(str(df.index.name))
    return shown


@pytest.mark.parametrize("page", APP_PAGES)
def test_table_headers_are_words(rendered: dict, page: str) -> None:
    assert rendered[page]["tables"] or page in ("pages/compare.py",), f"{page}: no table found"
    for df, config, kind in rendered[page]["tables"]:
        for header in _headers(df, config):
            assert "_" not in header and not SNAKE.match(header), f"{page} {kind}: header {header!r}"
            assert not header[:1].islower(), f"{page} {kind}: header {header!r} is a code, not a heading"
            assert header.strip() == header and header, f"{page}: blank or padded header {header!r}"


@pytest.mark.parametrize("page", APP_PAGES)
def test_numbers_and_dates_in_tables_have_a_display_format(rendered: dict, page: str) -> None:
    for df, config, kind in rendered[page]["tables"]:
        if kind == "Table":  # st.table shows strings the page formatted itself
            assert all(not pd.api.types.is_float_dtype(df[c]) for c in df.columns), page
            continue
        for col in df.columns:
            cfg = config.get(str(col)) or {}
            if isinstance(cfg, dict) and cfg.get("hidden"):
                continue
            fmt = ((cfg.get("type_config") or {}).get("format") if isinstance(cfg, dict) else None) or None
            if pd.api.types.is_float_dtype(df[col]) or pd.api.types.is_datetime64_any_dtype(df[col]):
                assert fmt, f"{page}: column {col!r} ({df[col].dtype}) is shown without a format"


@pytest.mark.parametrize("page", APP_PAGES)
def test_text_has_uk_dates_and_no_python_lists(rendered: dict, page: str) -> None:
    r = rendered[page]
    words = [*r["texts"], *(f"{lab} {val}" for lab, val in r["metrics"]), *r["buttons"]]
    words += [str(v) for df, _, _ in r["tables"] for c in df.columns if df[c].dtype == object for v in df[c].head(50)]
    for text in words:
        assert not MONTH_DAY.search(text), f"{page}: month-day as digits in {text[:160]!r}"
        assert not LIST_REPR.search(text), f"{page}: a Python list in {text[:160]!r}"
        if page != "pages/data.py":  # the Data page documents the upload formats (YYYY-MM-DD, 2021-04-01)
            assert not ISO_DATE.search(text), f"{page}: ISO date in {text[:160]!r}"
    for lab, val in r["metrics"]:
        assert not TWO_PLACES_WHOLE.search(str(val)), f"{page}: {lab} = {val}"


@pytest.mark.parametrize("page", APP_PAGES)
def test_number_boxes_show_counts_as_whole_numbers(rendered: dict, page: str) -> None:
    for label, fmt, value in rendered[page]["boxes"]:
        assert fmt != "%0.2f", f"{page}: {label!r} shows {value} with two decimals (Streamlit's default)"


@pytest.mark.parametrize("page", APP_PAGES)
def test_download_labels_are_words(rendered: dict, page: str) -> None:
    for label in rendered[page]["buttons"]:
        assert "_" not in label, f"{page}: download button {label!r}"


def test_one_financial_year_per_row_of_tiles(rendered: dict) -> None:
    home = rendered["pages/home.py"]["metrics"]
    # Home leads with the projected core metrics and headline figures; the recorded history's row comes last
    recorded = {m for lab, _ in home[-4:] for m in FY.findall(lab)}
    projected = {m for lab, _ in home[:-4] for m in FY.findall(lab)}
    assert len(recorded) == 1 and len(projected) == 1, (recorded, projected)
    demand = rendered["pages/demand.py"]["metrics"]
    last_recorded = {m for lab, _ in demand if "(recorded)" in lab for m in FY.findall(lab)}
    first_projected = {m for lab, _ in demand if lab.startswith(("Scenario", "Current funding", "80%", "Chance"))
                       for m in FY.findall(lab)}
    assert last_recorded == recorded, (last_recorded, recorded)  # admissions and placements: the same recorded year
    assert first_projected == projected, (first_projected, projected)


@pytest.mark.parametrize("page", APP_PAGES)
def test_one_row_per_financial_year_in_tables(rendered: dict, page: str) -> None:
    for df, config, _ in rendered[page]["tables"]:
        for col in df.columns:
            label = (config.get(str(col)) or {}).get("label") if isinstance(config.get(str(col)), dict) else None
            if str(col) == "fy" or label == "Financial year":
                key = [c for c in df.columns if str(c) in ("partner", "label", "metric", "series", "scenario")]
                assert not df.duplicated(subset=[col, *key]).any(), f"{page}: a financial year twice in one table"
