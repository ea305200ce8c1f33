"""Command line: reproducible scenario runs without the UI.

    python -m models run SCENARIO.json --data DIR --out RESULTS.xlsx [--json] [--draws N] [--seed N] [--no-charts]

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
import sys
from collections.abc import Sequence
from pathlib import Path

from models import pipeline
from models.charts.board import scenario_figures
from models.inputs.areas import DEMO_DIR, load_area
from models.pipeline import compare
from models.report.board import board_workbook
from models.report.render import render_pngs
from models.scenario import Scenario, evolve, explain


class InputProblem(Exception):
    pass


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
    return p


def load_scenario(path: Path, draws: int | None = None, seed: int | None = None) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise InputProblem(f"cannot read the scenario file {path}: {err.strerror or err}") from err
    try:
        sc = Scenario.from_json(text)
        changes = {k: v for k, v in (("n_draws", draws), ("seed", seed)) if v is not None}
        return evolve(sc, **changes) if changes else sc
    except json.JSONDecodeError as err:
        raise InputProblem(f"{path} is not valid JSON (line {err.lineno}, column {err.colno}): {err.msg}") from err
    except ValueError as err:
        lines = explain(err) if hasattr(err, "errors") else [str(err)]
        raise InputProblem(f"{path} is not a scenario this app accepts: " + "; ".join(lines)) from err


def _jsonable(v: object) -> object:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.out is None and not args.json:
            raise InputProblem("nothing to do: give --out RESULTS.xlsx and/or --json")
        if args.out is not None and args.out.suffix.lower() != ".xlsx":
            raise InputProblem(f"--out must name an .xlsx file (got {args.out})")
        sc = load_scenario(args.scenario, args.draws, args.seed)
        if not args.data.is_dir():
            raise InputProblem(f"--data {args.data} is not a folder")
        area, problems = load_area(args.data)
        if area is None:
            raise InputProblem(f"the data in {args.data} have problems:\n  " + "\n  ".join(map(str, problems)))
        try:
            results = pipeline.run(sc, area)
        except ValueError as err:
            raise InputProblem(f"the models cannot run on these data: {err}") from err
    except InputProblem as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        images = False if args.no_charts else render_pngs(scenario_figures(results, area))
        args.out.write_bytes(board_workbook([results], area, charts=images))
        if images and images.problem:
            print(f"charts not included: {images.problem}", file=sys.stderr)
        print(f"wrote {args.out}", file=sys.stderr)
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
            "headline": {k: _jsonable(v) for k, v in compare.headline_of(results).items()},
        }
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


def main() -> None:
    sys.exit(run())
