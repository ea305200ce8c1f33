"""Unit: the command line (python -m models run …) gives the app's numbers and plain errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from models import cli, pipeline
from models.pipeline import compare
from models.scenario import Scenario, evolve
from tests.browser.conftest import chromium_path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "scenario_v1.json"


def test_run_writes_workbook_and_json_with_the_apps_numbers(tmp_path: Path, demo_area) -> None:
    out = tmp_path / "results" / "run.xlsx"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "models",
            "run",
            str(FIXTURE),
            "--data",
            str(ROOT / "data" / "demo"),
            "--out",
            str(out),
            "--json",
            "--draws",
            "200",
            "--seed",
            "7",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BROWSER_PATH": chromium_path()},
    )
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    sc = evolve(Scenario.from_json(FIXTURE.read_text(encoding="utf-8")), n_draws=200, seed=7)
    expected = compare.headline_of(pipeline.run(sc, demo_area))  # what the app computes for this scenario
    assert printed["seed"] == 7 and printed["draws"] == 200 and printed["area"] == demo_area.meta.name
    assert printed["illustrative_data"] is True
    assert printed["headline"].keys() == expected.keys()
    for key, value in expected.items():
        assert printed["headline"][key] == pytest.approx(value, rel=1e-12, abs=1e-9), key
    book = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames[0] == "Cover" and "Results by year" in book.sheetnames  # the board pack
    cover = {r[0]: r[1] for r in book["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Random seed"] == 7 and cover["Monte Carlo draws"] == 200
    n = len(book["Charts"]._images)  # the pack's charts, as PNG (CI has Chromium)
    lines = [str(r[1]) for r in book["Cover"].iter_rows(values_only=True) if r[0] == "Charts"]
    assert n >= 4 and any(v.startswith(f"{n} charts") for v in lines), lines
    assert printed["winter_is_forecast"] is (printed["headline"]["winter_can_cope"] == 1.0)
    assert (printed["winter_warnings"] == []) is printed["winter_is_forecast"]
    assert {r["scheme"] for r in printed["schemes"]} >= {s.name for s in sc.schemes}
    assert len(printed["partners"]) >= 2


def test_no_charts_or_no_browser_still_writes_the_workbook(tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    from models.report import render as export

    out = tmp_path / "plain.xlsx"
    assert cli.run(["run", str(FIXTURE), "--out", str(out), "--draws", "100", "--no-charts"]) == 0
    cover = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Charts"] == "Not included: this export was made without charts."
    monkeypatch.setattr(export, "browser_path", lambda: None)
    assert cli.run(["run", str(FIXTURE), "--out", str(out), "--draws", "100"]) == 0
    assert "charts not included: no Chromium browser was found" in capsys.readouterr().err
    book = openpyxl.load_workbook(out)
    charts_text = " ".join(str(c.value) for row in book["Charts"].iter_rows() for c in row if c.value)
    assert book["Charts"]._images == [] and "no Chromium" in charts_text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"schema_version": 99}', "newer version of the app"),
        ('{"schema_version": 1, "n_draws": -5}', "not a scenario this app accepts"),
    ],
)
def test_bad_scenario_files_give_plain_errors(tmp_path: Path, capsys, content: str, message: str) -> None:  # noqa: ANN001
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert cli.run(["run", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_inputs_give_plain_errors(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert cli.run(["run", str(tmp_path / "none.json"), "--json"]) == 2
    assert "cannot read the scenario file" in capsys.readouterr().err
    assert cli.run(["run", str(FIXTURE)]) == 2
    assert "nothing to do" in capsys.readouterr().err
    assert cli.run(["run", str(FIXTURE), "--json", "--data", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.run(["run", str(FIXTURE), "--json", "--data", str(empty)]) == 2
    assert "have problems" in capsys.readouterr().err
