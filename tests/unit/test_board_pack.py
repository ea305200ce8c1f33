"""Unit: the board pack reads back whole (openpyxl) and prints cleanly (LibreOffice → PDF): page count, no chart
split across pages, one name for the scenario, the scenario's own assumptions, partners by name."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from models import pipeline
from models.pipeline.core_metrics import core_metrics
from models.report import pack as pack_mod
from models.report.pack import AMBITION_METRICS, AmbitionMetric, board_pack, pack_inputs, pack_name
from models.report.render import render_pngs
from models.report.sheets import A4_PT, MARGIN_IN, ROW_PT
from models.scenario import evolve
from tests.browser.conftest import chromium_path
from tests.unit.pdf_pages import read_pages

#: The pack's stated print length for the demo area's scenarios (5 years, two partners, six charts): 18 today.
MAX_PAGES = 20


@pytest.fixture(scope="module")
def scenario(base_scenario):
    # 0 escalation beds against the area's default of 27: the assumptions must list the scenario's own 0
    return evolve(base_scenario, n_draws=200, flow={"escalation_beds": 0})


@pytest.fixture(scope="module")
def inputs(scenario, demo_area):
    stages = pipeline.memo_stages()
    return pack_inputs(pipeline.run(scenario, demo_area, stages), demo_area, stages)


@pytest.fixture(scope="module")
def images(inputs, demo_area, monkeypatch_module):
    monkeypatch_module.setenv("BROWSER_PATH", chromium_path())
    drawn = render_pngs(pack_mod.pack_figures(inputs, demo_area))
    assert not drawn.problem, drawn.problem
    return drawn


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def raw(inputs, demo_area, images) -> bytes:
    return board_pack(inputs, demo_area, label="Custom", charts=images)


@pytest.fixture(scope="module")
def book(raw):
    return openpyxl.load_workbook(io.BytesIO(raw))


def _cells(ws) -> list:  # noqa: ANN001 - an openpyxl worksheet
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def _pairs(ws, first_row: int = 1) -> dict:  # noqa: ANN001
    return {r[0]: r[1] for r in ws.iter_rows(min_row=first_row, values_only=True) if r[0] is not None}


def test_sheets_and_contents(book) -> None:
    assert book.sheetnames == [
        "Cover",
        "Headline",
        "Levers",
        "Schemes",
        "Results by year",
        "Winter",
        "Risk share",
        "Charts",
        "Assumptions",
        "Provenance",
    ]
    listed = [r[0] for r in book["Cover"].iter_rows(values_only=True)]
    contents = listed[listed.index("Contents") + 1 :]
    assert [x for x in contents if x] == book.sheetnames[1:]  # the contents name every other sheet, in order


def test_one_name_everywhere(book, scenario) -> None:
    name = pack_name(scenario, "Custom")
    assert name == "Custom (changed from Baseline)"
    assert _pairs(book["Cover"])["Scenario"] == name
    assert book["Levers"]["B4"].value == name  # the levers' column is headed by the same name
    assert all(name in str(book[s]["A1"].value) for s in ("Cover", "Levers", "Schemes"))
    assert pack_name(scenario, "Baseline") == "Baseline" and pack_name(scenario, None) == "Baseline"
    assert pack_name(scenario, "My plan") == "My plan"


def test_no_raw_python_text_and_partners_by_name(book, inputs) -> None:
    for ws in book.worksheets:
        for c in _cells(ws):
            text = str(c.value)
            assert "{" not in text and "'name'" not in text and "None" != text and "nan" != text.lower(), (
                ws.title,
                text,
            )
    levers = _pairs(book["Levers"], 4)
    assert levers["Risk share: partners"].startswith("ICB: contribution the income of the sources it pays, cap none")
    assert levers["Risk share: shares of an overspend"] == "ICB 50%; Council 50%"
    partners = [r[0] for r in book["Risk share"].iter_rows(min_row=5, max_row=6, values_only=True)]
    assert partners == list(inputs.finance.allocation.partners)


def test_assumptions_are_the_scenarios_own(book) -> None:
    rows = {r[1]: r for r in book["Assumptions"].iter_rows(min_row=4, values_only=True) if r[1]}
    esc = rows["Escalation beds"]
    assert esc[2] == 0 and "Set in this scenario" in esc[4] and "27" in esc[4]
    core = rows["Core beds"]
    assert core[2] == 320 and not core[4].startswith("Set in this scenario")  # the area's default, its own source
    assert rows["NEA spell"][2] == 2400 and "NAO" in rows["NEA spell"][4]


def test_headline_against_ambitions_and_results(book, inputs, demo_area) -> None:
    h = pipeline.headline(inputs.results)
    ws = book["Headline"]
    rows = list(ws.iter_rows(values_only=True))
    core = next(i for i, r in enumerate(rows) if r[0] == "Core metric")
    metrics = core_metrics(inputs.results, demo_area)
    for r, m in zip(rows[core + 1 : core + 4], metrics.values(), strict=True):  # the core metrics lead the sheet
        assert r[0] == m.label and r[2] == pytest.approx(m.p50, abs=0.01) and r[6] == pytest.approx(m.ambition)
    assert ws.cell(core + 2, 3).number_format == "#,##0" and ws.cell(core + 3, 3).number_format == "0.00"
    top = next(i for i, r in enumerate(rows) if r[0] == "Supporting measures") + 2
    support = {r[0]: r for r in rows[top : top + len(AMBITION_METRICS)]}
    plc = support["Care-home placements 65+ a year"]
    assert plc[1] == pytest.approx(h["placements_first_fy"], abs=0.01) and plc[4] == 146.0 and plc[5] == "No"
    assert support["Emergency admissions (NEA) a year, all ages"][5] == "–"  # no ambition of its own
    years = [c.value for c in book["Results by year"][4]][1:]
    assert [y for y in years if y] == list(inputs.results.projection.annual["fy"].unique())


def test_ambitions_are_a_list(inputs, demo_area) -> None:
    """Issue 20's core metrics are a data change: a new entry appears with no other code change."""
    extra = AmbitionMetric("Winter boarding days", "winter_boarding_days", "count", lambda sc: 5000.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pack_mod, "AMBITION_METRICS", (*AMBITION_METRICS, extra))
        book = openpyxl.load_workbook(io.BytesIO(board_pack(inputs, demo_area, charts=False)))
    labels = [r[0] for r in book["Headline"].iter_rows(values_only=True)]
    assert "Winter boarding days" in labels


def test_winter_tables_follow_the_pipeline(inputs, demo_area, book) -> None:
    """The winter's KPIs and options come from the pipeline's frames: a new KPI or column appears by itself."""
    w = inputs.results.winter
    ws = book["Winter"]
    measures = [r[0] for r in ws.iter_rows(values_only=True)]
    for label in w.kpis["label"]:
        assert any(str(m).startswith(label) for m in measures), label
    heads = [r for r in ws.iter_rows(values_only=True) if r[0] == "Measure"][-1]
    assert list(heads[1 : 1 + len(inputs.options)]) == ["The scenario's winter", *inputs.options["option"][1:]]
    kpis = pd.concat(
        [
            w.kpis,
            pd.DataFrame(
                [
                    {
                        "kpi": "hours_waited",
                        "label": "Hours waited in ED",
                        "mean": 7.5,
                        "p10": 1.0,
                        "p50": 6.0,
                        "p90": 15.0,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    options = inputs.options.assign(mean_wait_hours=1.25)
    changed = dataclasses.replace(
        inputs, results=dataclasses.replace(inputs.results, winter=dataclasses.replace(w, kpis=kpis)), options=options
    )
    ws2 = openpyxl.load_workbook(io.BytesIO(board_pack(changed, demo_area, charts=False)))["Winter"]
    labels = [r[0] for r in ws2.iter_rows(values_only=True)]
    assert "Hours waited in ED" in labels and "Mean wait hours" in labels


def test_finance_lines_say_how_the_winter_is_booked(book, inputs) -> None:
    fy = inputs.finance.activity.fy[inputs.finance.activity.winter_fy]
    notes = [str(c.value) for c in _cells(book["Results by year"]) if "booked in" in str(c.value)]
    assert notes and f"booked in {fy} only" in notes[0]


# --- print layout ---------------------------------------------------------------------------------------------


def test_every_sheet_is_set_up_for_print(book) -> None:
    for ws in book.worksheets:
        ps = ws.page_setup
        assert ps.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth in (None, 1), ws.title  # 1 is the default
        assert ws.print_area, ws.title
        assert "Page &P of &N" in ws.oddFooter.right.text, ws.title
    for title in ("Levers", "Schemes", "Results by year", "Assumptions"):
        assert book[title].print_title_rows, title  # long tables repeat their header row
    assert book["Schemes"].page_setup.orientation == "landscape"  # wide
    assert book["Cover"].page_setup.orientation == "portrait"


def _page_height_pt(ws) -> float:  # noqa: ANN001
    portrait = ws.page_setup.orientation != "landscape"
    height = (A4_PT[1] if portrait else A4_PT[0]) - 72.0 * (MARGIN_IN["top"] + MARGIN_IN["bottom"])
    return height


def test_no_chart_is_split_by_the_page_layout(book) -> None:
    """From the workbook alone: each picture's rows lie between two page breaks, in less than a page."""
    ws = book["Charts"]
    assert ws.page_setup.orientation == "portrait"
    breaks = sorted(b.id for b in ws.row_breaks.brk)  # a break after row id (1-based) = a page starting at id + 1
    page_h = _page_height_pt(ws)
    assert len(ws._images) == 6
    for img in ws._images:
        first, last = img.anchor._from.row, img.anchor.to.row  # 0-based rows the picture spans
        height = sum(ws.row_dimensions[r + 1].height or ROW_PT for r in range(first, last + 1))
        assert height >= pack_mod.CHART_WIDTH_PT * img.height / img.width * 0.95  # the rows hold the whole picture
        start = max([b for b in breaks if b <= first] + [0])
        assert not [b for b in breaks if first < b <= last], (first, last, breaks)  # no break inside the picture
        above = sum(ws.row_dimensions[r + 1].height or ROW_PT for r in range(start, first))
        assert above + height <= page_h, (first, above, height, page_h)


@pytest.fixture(scope="module")
def pdf(raw, tmp_path_factory) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed (Debian: libreoffice-calc-nogui; scripts/test.sh installs it)"
    folder = tmp_path_factory.mktemp("pack")
    src = folder / "pack.xlsx"
    src.write_bytes(raw)
    env = {"HOME": str(folder), "PATH": "/usr/bin:/bin"}  # a profile of its own: never races another LibreOffice
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(src)],
        check=True,
        timeout=180,
        capture_output=True,
        env=env,
    )
    return Path(folder / "pack.pdf").read_bytes()


def test_the_pack_prints_in_few_pages_with_every_chart_whole(pdf, book) -> None:
    pages = read_pages(pdf)
    assert 9 <= len(pages) <= MAX_PAGES, len(pages)  # at least a page a sheet, and a stated bound
    drawn = [name for p in pages for name in p.images]
    assert len(drawn) == len(book["Charts"]._images) == 6  # each chart drawn once: a split chart is drawn twice
    assert len(set(drawn)) == len(drawn)
    assert not pages[0].landscape  # the cover is portrait
