"""Command line: reproducible scenario runs without the UI.

    python -m models run SCENARIO.json --data DIR --out RESULTS.xlsx [--json] [--draws N] [--seed N] [--no-charts]
    python -m models areas build [--from DIR] [--out DIR] [--only CODE ...]   (docs/areas.md)

``SCENARIO.json`` is a scenario as the app saves it (older schema versions are migrated);
``--data`` is an area folder in the upload format (default: the embedded demo area).
``--out`` writes the board-ready workbook (models/report/board.py), with the headline charts as
PNG pictures when a Chromium browser is available (``--no-charts`` leaves them out; without
a browser the workbook says so); ``--json`` prints the
headline figures (models.pipeline.stages.headline) as JSON on standard output. The numbers are the
app's: the same engine, scenario, data, seed and draws give the same figures.
Exit status: 0 on success, 2 for a problem with the inputs (explained on standard error).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from models import pipeline
from models.inputs.areas import DEMO_DIR, AreaData, load_area
from models.inputs.builder.build import add_build_arguments, run_build
from models.money.fund import fund_statement, national_conditions
from models.pipeline import compare
from models.pipeline.core_metrics import core_metrics_record
from models.pipeline.guards import check_area, check_workload
from models.report import render
from models.report.board import board_workbook
from models.scenario import Scenario
from models.scenario.files import MAX_SCENARIO_BYTES, ScenarioFileError, read_scenario_file


class InputProblem(Exception):
    """A problem with the command's inputs, told on standard error in plain words (exit status 2)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m models", description="BCF Scenario Lab without the UI.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario and write its results")
    run.add_argument("scenario", type=Path, help="scenario JSON file (as saved by the app)")
    run.add_argument("--data", type=Path, default=DEMO_DIR, help="area data folder (default: the demo area)")
    run.add_argument("--out", type=Path, help="write the board-ready Excel workbook here (.xlsx)")
    run.add_argument("--json", action="store_true", help="print the headline figures as JSON on standard output")
    run.add_argument("--draws", type=int, help="Monte Carlo draws (default: the scenario's)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument(
        "--no-charts", action="store_true", help="leave the chart pictures out of the workbook (no browser needed)"
    )
    areas = sub.add_parser("areas", help="real areas from public files (docs/areas.md)")
    areas_sub = areas.add_subparsers(dest="areas_command", required=True)
    add_build_arguments(areas_sub.add_parser("build", help="build one area folder per Health and Wellbeing Board area"))
    return p


def load_scenario(path: Path, draws: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario in ``path`` through the app's own guarded entry (:func:`models.scenario.files.read_scenario_file`)."""
    if path.is_dir():
        raise InputProblem(f"the scenario file {path} is a folder; give a scenario JSON file")
    try:
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise InputProblem(f"{path} is larger than {MAX_SCENARIO_BYTES:,} bytes, so it is not a scenario file")
        raw = path.read_bytes()
    except OSError as err:
        raise InputProblem(
            f"cannot read the scenario file {path}: {(err.strerror or 'the system refused').lower()}"
        ) from err
    try:
        return read_scenario_file(raw, str(path), draws, seed)
    except ScenarioFileError as err:
        raise InputProblem(str(err)) from err


def check_out(out: Path) -> None:
    """Refuse an ``--out`` the workbook cannot be written to, before anything is run.

    It must name an .xlsx file (not a folder) in a folder that exists or can be made and can be written.
    """
    if out.suffix.lower() != ".xlsx":
        raise InputProblem(f"--out must name an .xlsx file (got {out})")
    if out.is_dir():
        raise InputProblem(f"--out {out} is a folder; give a file name such as {out / 'results.xlsx'}")
    folder = out.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise InputProblem(f"--out {out}: {existing} is a file, not a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise InputProblem(f"--out {out}: the folder {existing} cannot be written to")
    if out.exists() and not os.access(out, os.W_OK):
        raise InputProblem(f"--out {out} exists and cannot be written to (is it open in Excel, or read-only?)")


def check_data(folder: Path) -> AreaData:
    """The area in ``folder``, or every problem with its files in plain words (nothing raised but InputProblem)."""
    if not folder.is_dir():
        raise InputProblem(f"--data {folder} is not a folder")
    area, problems = load_area(folder)
    if area is None:
        raise InputProblem(f"the data in {folder} have problems:\n  " + "\n  ".join(map(str, problems)))
    demo, _ = load_area()
    checks = check_area(area, demo)
    if checks:
        raise InputProblem(f"the data in {folder} cannot be used:\n  " + "\n  ".join(checks))
    return area


def _write(out: Path, content: bytes) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
    except OSError as err:
        raise InputProblem(f"could not write {out}: {(err.strerror or 'the system refused').lower()}") from err


def _jsonable(v: object) -> object:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def run(argv: Sequence[str] | None = None) -> int:
    """``python -m models run …``: 0 on success, 2 with a plain message on standard error for bad inputs."""
    args = _parser().parse_args(argv)
    if args.command == "areas":  # python -m models areas build … (models/inputs/builder)
        return run_build(args)
    try:
        if args.out is None and not args.json:
            raise InputProblem("nothing to do: give --out RESULTS.xlsx and/or --json")
        if args.out is not None:
            check_out(args.out)  # before the run: a bad --out is said at once, not after it
        sc = load_scenario(args.scenario, args.draws, args.seed)
        area = check_data(args.data)
        heavy = check_workload(sc, area)  # the app's cap: a run that would take hours or gigabytes is refused
        if heavy:
            raise InputProblem(heavy[0].replace("Use at most", "Use --draws with at most"))
        stages = pipeline.memo_stages()  # one fit for the run, the pack's finance and its charts
        try:
            results = pipeline.run(sc, area, stages)
        except ValueError as err:  # the models' own plain sentences (e.g. a series too short to fit)
            raise InputProblem(f"the models cannot run on these data: {err}") from err
        except ArithmeticError as err:
            raise InputProblem(
                "the models cannot run on these data: a figure they divide by is zero or too large "
                "(check the population and admissions files)"
            ) from err
        for line in [*fund_statement(sc).warnings, *national_conditions(sc)]:  # the page's warnings, in words
            print(f"warning: {line}", file=sys.stderr)
        if args.out is not None:
            if not args.no_charts and render.browser_path() is None:  # the pack says so too (Cover and Charts)
                print("charts not included: no Chromium browser was found", file=sys.stderr)
            _write(args.out, board_workbook([results], area, charts=not args.no_charts, stages=stages))
            print(f"wrote {args.out}", file=sys.stderr)
    except InputProblem as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        out = {
            "scenario": sc.name,
            "schema_version": sc.schema_version,
            "area": area.meta.name,
            "area_fingerprint": area.fingerprint,
            "illustrative_data": area.meta.synthetic,
            "seed": sc.seed,
            "draws": sc.n_draws,
            "first_financial_year": results.projection.first_fy,
            "core_metrics": core_metrics_record(results, area),
            "contributions_by_funder": fund_statement(sc).contributions.to_dict("records"),
            "fund_warnings": fund_statement(sc).warnings,
            "national_conditions": national_conditions(sc),
            "headline": {k: _jsonable(v) for k, v in compare.headline_of(results).items()},
            "winter_is_forecast": results.winter is not None and results.winter.can_cope,
            "winter_warnings": list(results.winter.cope_messages) if results.winter is not None else [],
            "schemes": _scheme_rows(results),
            "partners": [
                {k: _jsonable(v) for k, v in row.items()}
                for row in pipeline.finance(sc, area, stages).summary.to_dict("records")
            ],
        }
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


def _scheme_rows(results: pipeline.Results) -> list[dict[str, object]]:
    """The scheme table as the Schemes page shows it (discharge schemes valued on the winter at the margin)."""
    table = pipeline.scheme_table_with_winter(results)
    keep = ("scheme", "kind", "lead_partner", "budget_gbp", "gross_savings_gbp", "net_cost_gbp", "winter_value_note")
    return [{k: _jsonable(row[k]) for k in keep} for row in table.to_dict("records")]


def main() -> None:
    sys.exit(run())
