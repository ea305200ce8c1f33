"""App: page = export = command line. For one scenario, seed and draws, the headline figures, the scheme table and
each partner's P10/P50/P90 are the same on the pages (AppTest: what they render), in the board pack and in
``python -m models run --json`` (with ``--out``: the same pack, written by the command line)."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from models import cli
from models.core.units import fmt_gbp
from models.pipeline import HEADLINE_LABELS
from models.scenario import evolve

ROOT = Path(__file__).resolve().parents[2]
DRAWS, SEED = 200, 7


@pytest.fixture(scope="module")
def scenario(base_scenario):
    return evolve(base_scenario, n_draws=DRAWS, seed=SEED)


@pytest.fixture(scope="module")
def app(scenario) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["scenario"] = scenario  # the session's scenario, as a link or the levers would set it
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def command_line(scenario, tmp_path_factory) -> tuple[dict, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "scenario.json"
    path.write_text(scenario.to_json(), encoding="utf-8")
    out = folder / "pack.xlsx"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = cli.run(["run", str(path), "--json", "--out", str(out), "--no-charts"])
    assert status == 0
    return json.loads(buffer.getvalue()), openpyxl.load_workbook(out)


def _metric(at: AppTest, starts: str, ends: str = "") -> str:
    found = [m.value for m in at.metric if m.label.startswith(starts) and m.label.endswith(ends)]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def _sheet_pairs(ws, first: str) -> dict:  # noqa: ANN001 - the rows of the table headed by ``first``
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == first)
    out = {}
    for r in rows[top + 1 :]:
        if r[0] is None:
            break
        out[r[0]] = r
    return out


def test_headline_figures_agree(app, command_line, scenario) -> None:
    data, book = command_line
    assert data["seed"] == SEED and data["draws"] == DRAWS and data["scenario"] == scenario.name
    h = data["headline"]
    pack = {r[0]: r[1] for r in _sheet_pairs(book["Headline"], "Figure").values()}
    for key, label in HEADLINE_LABELS.items():  # workbook = CLI, every figure (the pack rounds to 2 decimals)
        if h[key] is None or (isinstance(h[key], float) and math.isnan(h[key])):
            assert pack[label] is None, key
        else:
            assert pack[label] == pytest.approx(h[key], abs=0.006), key
    fy = data["first_financial_year"]
    # page = CLI, as the page rounds them
    assert _metric(app, f"Emergency admissions {fy}") == f"{h['nea_first_fy']:,.0f}"
    assert _metric(app, f"Care-home placements 65+ {fy}") == f"{h['placements_first_fy']:,.0f}"
    assert _metric(app, "Winter ", " occupancy") == f"{h['winter_mean_occupancy_pct']:.1f}%"
    assert _metric(app, "Pooled fund") == fmt_gbp(h["fund_budget_gbp"])
    assert _metric(app, "Winter capacity spend") == fmt_gbp(h["winter_capacity_spend_gbp"])
    assert _metric(app, "Winter delayed bed days") == f"{h['winter_delayed_bed_days']:,.0f}"


def test_partners_agree(app, command_line) -> None:
    _data, book = command_line
    at = app
    at.switch_page("pages/finance.py").run()
    assert not at.exception, [e.value for e in at.exception]
    page = next(df.value for df in at.dataframe if "Expected liability (£)" in df.value.columns).set_index("Partner")
    pack = _sheet_pairs(book["Risk share"], "Partner")
    assert list(pack) == list(page.index) and len(pack) >= 2  # partners by name, in the same order
    for partner, row in pack.items():
        p10, p50, p90, chance = row[2], row[3], row[4], row[6]
        assert (round(p10), round(p50), round(p90)) == (
            round(page.loc[partner, "P10 (£)"]),
            round(page.loc[partner, "P50 (£)"]),
            round(page.loc[partner, "P90 (£)"]),
        ), partner
        assert chance == pytest.approx(page.loc[partner, "Chance of an overspend"], abs=1e-9)
    home = at.switch_page("pages/home.py").run()
    for partner, row in pack.items():  # the Home tiles say the same, in short money
        assert _metric(home, f"{partner}: net position P50 / P90") == f"{fmt_gbp(row[3])} / {fmt_gbp(row[4])}"


def test_scheme_table_agrees(app, command_line) -> None:
    data, book = command_line
    at = app.switch_page("pages/schemes.py").run()
    assert not at.exception, [e.value for e in at.exception]
    page = next(df.value for df in at.dataframe if "avoided_a_year_mean" in df.value.columns).set_index("scheme")
    pack = _sheet_pairs(book["Results by year"], "Scheme")
    assert list(pack) == list(page.index)
    columns = ("budget_gbp", "budget_change_gbp", "avoided_a_year_mean", "cost_per_avoided_gbp", "net_cost_gbp")
    for name, row in pack.items():
        for got, col in zip(row[2:7], columns, strict=True):
            want = page.loc[name, col]
            if pd.isna(want):
                assert got is None, (name, col)  # blank in the workbook, as on the page
            else:
                assert got == pytest.approx(want, abs=0.01), (name, col)
    cli_rows = {r["scheme"]: r for r in data["schemes"]}  # the command line's JSON: the same table
    assert list(cli_rows) == list(page.index)
    for name, r in cli_rows.items():
        for col in ("budget_gbp", "net_cost_gbp"):
            want = page.loc[name, col]
            assert (r[col] is None and pd.isna(want)) or r[col] == pytest.approx(want, abs=0.01), (name, col)


def test_core_metrics_agree(app, command_line) -> None:
    """The three core metrics: Home's tiles = the board workbook's first table = the JSON's core_metrics."""
    data, book = command_line
    core = data["core_metrics"]["metrics"]
    assert list(core) == ["nea65", "delay", "ascof2c"]
    pack = _sheet_pairs(book["Headline"], "Core metric")
    assert list(pack)[:3] == [m["label"] for m in core.values()]  # the three rows, then the table's note
    home = app.switch_page("pages/home.py").run()
    shown = {"nea65": "{:,.0f}", "delay": "{:.2f} days", "ascof2c": "{:,.1f}"}
    for key, m in core.items():
        row = pack[m["label"]]
        assert row[2] == pytest.approx(m["p50"], abs=0.006) and row[6] == pytest.approx(m["ambition"])
        assert row[7] == pytest.approx(m["chance"], abs=1e-3) and row[8] == ("Yes" if m["within"] else "No")
        assert _metric(home, m["label"]) == shown[key].format(m["p50"]), key
    assert data["core_metrics"]["summary"] in [md.value for md in home.markdown]
