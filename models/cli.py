"""Command line: reproducible scenario runs without the UI.

    python -m models run SCENARIO.json --data DIR --out RESULTS.xlsx [--json] [--draws N] [--seed N] [--no-charts]
    python -m models areas build [--from DIR] [--out DIR] [--only CODE ...]   (docs/areas.md)
    python -m models optimise [--data DIR] [--scenario FILE] [--target-prob 0.8] [--bounds p1=30:80 ...]
                              [--out ANSWER.json] [--scenario-out SCENARIO.json]   (docs/optimiser.md)
    python -m models batch --areas DIR|ICB|REGION|all --scenarios FILE|preset:NAME ... --out DIR
                           [--executor process|dask --scheduler ADDRESS]   (docs/batch.md)

``SCENARIO.json`` is a scenario as the app saves it (older schema versions are migrated);
``--data`` is an area folder in the upload format or one built by ``areas build`` (default: the embedded demo area).
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

from pydantic import ValidationError

from models import pipeline
from models.batch.cli import add_batch_arguments, run_batch_command
from models.inputs.areas import DEMO_DIR, AreaData, load_area
from models.inputs.builder.build import add_build_arguments, run_build
from models.inputs.built_area import open_area
from models.money.fund import fund_statement, national_conditions
from models.pipeline import compare
from models.pipeline import optimise as opt
from models.pipeline.core_metrics import core_metrics_record
from models.pipeline.guards import check_area, check_workload
from models.report import render
from models.report.board import board_workbook
from models.scenario import Scenario, baseline, evolve, explain
from models.scenario.files import ScenarioFileError, read_scenario_path


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
    _optimise_parser(sub.add_parser("optimise", help="the cheapest capacity mix that meets the delay ambition"))
    areas = sub.add_parser("areas", help="real areas from public files (docs/areas.md)")
    areas_sub = areas.add_subparsers(dest="areas_command", required=True)
    add_build_arguments(areas_sub.add_parser("build", help="build one area folder per Health and Wellbeing Board area"))
    add_batch_arguments(
        sub.add_parser("batch", help="run scenarios over many areas, on this machine or a Dask cluster (docs/batch.md)")
    )
    return p


def _optimise_parser(p: argparse.ArgumentParser) -> None:
    """The ``optimise`` subcommand's options (docs/optimiser.md)."""
    p.add_argument("--data", type=Path, default=DEMO_DIR, help="area data folder (default: the demo area)")
    p.add_argument("--scenario", type=Path, help="scenario JSON file (default: the area's baseline)")
    p.add_argument(
        "--target-prob",
        type=float,
        default=0.8,
        help="chance (0-1) that the average discharge delay stays at or under the maximum level (default 0.8)",
    )
    p.add_argument(
        "--no-target", action="store_true", help="no delay target: the cheapest mix of capacity and outcomes"
    )
    p.add_argument("--target-days", type=float, help="the maximum average delay, days (default: the scenario's)")
    p.add_argument(
        "--objective",
        choices=("total", "spend"),
        default="total",
        help="total: capacity cost + costed outcomes (default); spend: capacity cost only",
    )
    p.add_argument(
        "--bounds", nargs="*", default=[], metavar="LEVER=LO:HI", help="e.g. p1=30:80 p2=40:90 p3=4:12 esc=0:30"
    )
    p.add_argument("--budget", type=float, help="most extra capacity cost this winter, £ (default: no cap)")
    p.add_argument("--draws", type=int, help="Monte Carlo draws (default: the scenario's)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--search-draws", type=int, default=100, help="draws the search runs on (default 100)")
    p.add_argument("--curve", type=int, default=1, help="the cost curve shows each lever ± 1 … this many units")
    p.add_argument("--out", type=Path, help="write the answer as JSON here")
    p.add_argument("--scenario-out", type=Path, help="write the answer applied as a scenario (JSON) here")


def run_optimise(args: argparse.Namespace) -> int:
    """``python -m models optimise …``: print the answer; 0 on success, 2 with a plain message for bad inputs."""
    try:
        for path in (args.out, args.scenario_out):
            if path is not None and (path.suffix.lower() != ".json" or path.is_dir()):
                raise InputProblem(f"{path}: give a .json file name")
        if not args.no_target and not (0.0 < args.target_prob <= 1.0):
            raise InputProblem("--target-prob is a chance between 0 and 1 (e.g. 0.8 for 8 winters in 10)")
        area = check_data(args.data)
        if args.scenario is not None:
            sc = load_scenario(args.scenario, args.draws, args.seed)
        else:
            sc = baseline(area)
            if args.draws is not None or args.seed is not None:
                changes = {k: v for k, v in (("n_draws", args.draws), ("seed", args.seed)) if v is not None}
                try:
                    sc = evolve(sc, **changes)
                except ValidationError as err:
                    raise InputProblem("--draws or --seed: " + "; ".join(explain(err))) from err
        heavy = check_workload(sc, area)
        if heavy:
            raise InputProblem(heavy[0].replace("Use at most", "Use --draws with at most"))
        settings = opt.Settings(
            bounds=opt.parse_bounds(args.bounds),
            objective=args.objective,
            target_prob=None if args.no_target else args.target_prob,
            target_days=args.target_days,
            budget_gbp=args.budget,
            search_draws=args.search_draws,
            curve_units=args.curve,
        )
        try:
            result = opt.optimise(sc, area, settings)
        except opt.OptimiseProblem:
            raise
        except ValueError as err:  # the models' own plain sentences (e.g. a series too short to fit)
            raise InputProblem(f"the models cannot run on these data: {err}") from err
        if args.out is not None:
            _write(args.out, json.dumps(opt.result_record(result), indent=2, ensure_ascii=False).encode("utf-8"))
        if args.scenario_out is not None:
            _write(args.scenario_out, opt.result_scenario(result).to_json().encode("utf-8"))
    except (InputProblem, opt.OptimiseProblem) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("\n".join(opt.answer_lines(result)))
    return 0


def load_scenario(path: Path, draws: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario in ``path`` through the app's own guarded entry (:func:`models.scenario.files.read_scenario_path`)."""
    try:
        return read_scenario_path(path, draws, seed)
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
    area, problems = open_area(folder)  # an upload-format folder or one the area builder wrote
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
    if args.command == "optimise":  # python -m models optimise … (models/pipeline/optimise.py)
        return run_optimise(args)
    if args.command == "batch":  # python -m models batch … (models/batch)
        return run_batch_command(args)
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
