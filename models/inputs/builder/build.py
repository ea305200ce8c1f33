"""Build every area folder: read, reconcile, derive, validate with the app's own readers, write.

``python -m models areas build --from DIR --out DIR [--only CODE ...]`` calls :func:`main`. The order is
what makes a build safe: every source is read and reconciled before anything is written, so a file-level fault or
a total that does not reconcile stops the build with nothing changed; an area whose figures have a problem is not
written (its old folder, if any, is removed) and ``index.csv`` says why; every table written is first checked with
the app's own validation (:func:`models.inputs.areas.validate_table`, :func:`~models.inputs.areas.read_area_json`),
so a built area is always one the app accepts. A full build also writes ``benchmarks.csv`` (each area beside its
region and England: :mod:`models.inputs.builder.benchmarks`). See ``docs/areas.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from models.core.paths import AREAS_ENV, DEFAULT_AREAS_DIR, REPO_ROOT, areas_dir, realdata_dir
from models.inputs.areas import AREA_JSON, read_area_json, validate_table
from models.inputs.builder import derive, services
from models.inputs.builder.benchmarks import AreaMetrics, benchmark_table
from models.inputs.builder.reconcile import ReconciliationFailure, checks_table, reconcile
from models.inputs.builder.sources import SOURCES, SourceFault, read_sources

INDEX_COLUMNS = ["code", "name", "region", "icb_codes", "icb_names", "built", "reason"]
ENGLAND_DRD = "NHS England discharge-ready-date data 2024-25, England"


def default_source_dir() -> Path:
    """The public files: ``areas/`` in the real-data folder (``BCF_REALDATA_DIR``, default ``../shared/realdata``)."""
    return realdata_dir() / "areas"


class BuildStopped(Exception):
    """The build cannot go on (a file-level fault, totals that do not reconcile, a bad request): nothing written."""


@dataclass
class Built:
    """One area's tables and provenance, ready to write."""

    code: str
    tables: dict[str, pd.DataFrame]
    documents: dict[str, dict[str, object]]
    fields: list[derive.Field] = field(default_factory=list)
    metrics: AreaMetrics | None = None  # what the area contributes to benchmarks.csv


def _england_drd(frames: dict[str, pd.DataFrame]) -> tuple[float, float]:
    """England 2024-25: % of discharges after the ready date and mean delay among them (days)."""
    eng = frames["drd_england_monthly.csv"]
    year = eng[(eng["month"] >= derive.DRD_YEAR[0]) & (eng["month"] <= derive.DRD_YEAR[1])]
    after, n, days = (float(year[c].sum()) for c in ("discharged_after_drd", "discharges", "bed_days_after_drd"))
    return round(after / n * 100, 2), round(days / after, 2)


def _drd_defaults(drd: derive.Drd, england: tuple[float, float]) -> list[tuple[str, object, str, str, str]]:
    """``drd_pct_delayed`` and ``drd_mean_delay_days`` from the counted months (England's with too few)."""
    counted = drd.summary.iloc[1]
    if drd.counted >= derive.MIN_COUNTED_MONTHS:
        where = (
            f"NHS England discharge-ready-date data 2024-25, the area's residents: {drd.counted} of 12 months counted "
            f"(low-coverage months left out: {12 - drd.counted})"
        )
        return [
            (
                "drd_pct_delayed",
                counted["pct_delayed"],
                "% of discharges after the ready date",
                where,
                "Σ discharged after the ready date ÷ Σ discharges over the counted months × 100",
            ),
            (
                "drd_mean_delay_days",
                counted["mean_delay_delayed_days"],
                "days, among delayed discharges",
                where,
                "Σ bed days after the ready date ÷ Σ discharged after it, over the counted months",
            ),
        ]
    why = (
        f"{ENGLAND_DRD}: the area has {drd.counted} month(s) of acceptable coverage, fewer than "
        f"{derive.MIN_COUNTED_MONTHS}, so England's figure is used"
    )
    return [
        ("drd_pct_delayed", england[0], "% of discharges after the ready date", why, "England, 12 months"),
        ("drd_mean_delay_days", england[1], "days, among delayed discharges", why, "England, 12 months"),
    ]


def _flow_defaults(
    src: derive.Sources,
    code: str,
    drd: derive.Drd,
    england: tuple[float, float],
    pathways: tuple[dict[str, float], list[derive.Field], pd.DataFrame],
) -> tuple[pd.DataFrame, list[derive.Field]]:
    """``flow_defaults.csv``: the DRD delays (counted months), the pathway shares and the step-down stay."""
    rows, fields = [], []
    for name, value, unit, source, how in _drd_defaults(drd, england):
        rows.append((name, value, unit, source))
        fields.append(derive.Field("flow_defaults.csv", name, value, "drd_utla_monthly.csv", "2024-25", how))
    shares, share_fields, _ = pathways
    for name, value in shares.items():
        rows.append(
            (
                name,
                value,
                "share of discharges",
                f"NHS England acute discharge sitrep {services.PATHWAY_PERIOD}"
                ", trusts weighted by the area's catchment share (OHID 2022)",
            )
        )
    fields += share_fields
    los, los_field = services.p2_los(src, code)
    rows.append(
        (
            "p2_los_days",
            los,
            "days",
            "NHS England Community Bed Audit 4 March 2026: post-hospital rehabilitation beds, the area's ICB(s)",
        )
    )
    fields.append(los_field)
    beds, beds_field = services.p2_audit_beds(src, code)
    rows.append(
        (
            services.AUDIT_BEDS,
            beds,
            "beds (NHS community post-hospital rehabilitation beds: the area's share of its ICB's)",
            "NHS England Community Bed Audit 4 March 2026, the area's ICB(s) × its share of their residents: for "
            "reference; the modelled P2 capacity also counts council-commissioned and care-home step-down beds",
        )
    )
    fields.append(beds_field)
    return pd.DataFrame(rows, columns=["parameter", "value", "unit", "source"]), fields


def _area_json(
    src: derive.Sources, code: str, ascof: pd.DataFrame, pop: pd.DataFrame
) -> tuple[dict[str, object], derive.Field]:
    latest = ascof.iloc[-1]
    base = int(pop["year"].max())
    pop65 = derive.older_population(pop, base)
    icbs = src.icbs[code]
    name = src.name(code)
    rate = float(latest["rate_per_100k"])
    info = {
        "name": name,
        "code": code,
        "synthetic": False,
        "label": f"Public data for {name} ({code}): NHS England, ONS and OHID publications; some figures estimated",
        "provenance": (
            f"Built by the area builder (python -m models areas build) from public files (Open Government Licence "
            f"v3.0); every figure's source, period and derivation is in provenance.json. Ambition: "
            f"{latest['measure']} {latest['fy']}, {rate:g} per 100,000 aged 65+, the latest year published: the "
            f"default ambition is no worse than the latest year. Placements ambition: that rate × {pop65:,} residents "
            f"aged 65+ (Census 2021) ÷ 100,000. Population: Census 2021 and pre-Census mid-2019/2020 estimates (a "
            f"step between the two vintages). Emergency admissions: an estimate (admissions_estimate.json)."
        ),
        "ambition_rate_per_100k": rate,
        "ambition_placements": int(round(rate * pop65 / 100_000)),
        "region": str(src.areas.at[code, "region"]),
        "icbs": [
            {"code": r["icb_ods_code"], "name": r["icb_name"], "share_of_area_lsoas": float(r["share_of_utla_lsoas"])}
            for _, r in icbs.iterrows()
        ],
    }
    how = f"{latest['measure']} {latest['fy']}: the latest published rate, as the ambition 'no worse than the latest year'"
    return info, derive.Field(AREA_JSON, "ambition_rate_per_100k", rate, "ascof_by_council.csv", str(latest["fy"]), how)


def build_area(src: derive.Sources, code: str, england: tuple[float, float]) -> Built:
    """Every table of one area; :class:`derive.AreaProblem` when one of its figures cannot be derived."""
    pop, fields = derive.population(src, code)
    ascof, f = derive.ascof_history(src, code)
    fields += f
    drd = derive.drd(src, code)
    fields += [
        derive.Field("history_drd.csv", f"month {m}", c, "drd_utla_monthly.csv", str(m), r)
        for m, c, r in zip(drd.months["month"], drd.months["coverage"], drd.months["coverage_reason"], strict=True)
    ]
    pathways = services.pathway_shares(src, code)
    flow, f = _flow_defaults(src, code, drd, england, pathways)
    fields += f
    estimate, f = services.admissions_estimate(src, code)
    fields += f
    metrics = AreaMetrics(
        code,
        drd.counted_sums,
        drd.counted,
        {p: float(pathways[2][p].sum()) for p in derive.PATHWAYS},
        str(ascof["fy"].iloc[-1]),
        float(ascof["rate_per_100k"].iloc[-1]),
        float(estimate["annual_emergency_admissions"]),
        float(src.census_total[code]),
        _age_shares(pop),
    )
    spend, f = services.ic_spend(src, code)
    fields += f
    info, f = _area_json(src, code, ascof, pop)
    fields.append(f)
    fields.append(
        derive.Field(
            AREA_JSON,
            "ambition_placements",
            info["ambition_placements"],
            "ascof_by_council.csv + population_utla_age.csv",
            "latest ASCOF year; Census 2021",
            "the ambition rate × residents aged 65+ (Census 2021) ÷ 100,000, rounded",
        )
    )
    for basis, row in zip(("all months", "counted months"), drd.summary.to_dict("records"), strict=True):
        fields.append(derive.Field("drd_summary.csv", basis, row, "drd_utla_monthly.csv", "2024-25", row["basis"]))
    tables = {
        "population.csv": pop,
        "flow_defaults.csv": flow,
        "history_ascof.csv": ascof,
        "history_drd.csv": drd.months,
        "drd_summary.csv": drd.summary,
        "schemes_ic_spend.csv": spend,
    }
    return Built(code, tables, {AREA_JSON: info, "admissions_estimate.json": estimate}, fields, metrics)


def _check_own(built: Built) -> None:
    """The app's own validation of what it reads (population, flow defaults, area.json) before anything is kept."""
    for name in ("population.csv", "flow_defaults.csv"):
        frame = built.tables[name].astype(str)
        _, problems = validate_table(frame, name)
        if problems:
            raise derive.AreaProblem(f"the built {name} is refused by the app: {problems[0]}")
    shares = built.tables["flow_defaults.csv"].set_index("parameter")["value"]
    total = sum(float(shares[f"p{k}_share"]) for k in range(4))
    if abs(total - 1.0) > 1e-9:
        raise derive.AreaProblem(f"the pathway shares add up to {total}, not 1")


def _write_area(folder: Path, built: Built, digests: dict[str, str]) -> None:
    """Write into a fresh folder beside the target, check ``area.json`` with the app's reader, then swap it in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{built.code}-", dir=folder.parent))
    try:
        for name, table in built.tables.items():
            table.to_csv(work / name, index=False, lineterminator="\n")
        for name, doc in built.documents.items():
            (work / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        provenance = {
            "area": built.code,
            "sources": {
                s.file: {
                    "publication": s.publication,
                    "url": s.url,
                    "period": s.period,
                    "licence": s.licence,
                    "sha256": digests[s.file],
                }
                for s in SOURCES.values()
            },
            "fields": [f.record() for f in built.fields],
        }
        (work / "provenance.json").write_text(
            json.dumps(provenance, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        _, problems = read_area_json(work)
        if problems:
            raise derive.AreaProblem(f"the built area.json is refused by the app: {problems[0]}")
        shutil.rmtree(folder, ignore_errors=True)
        work.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class Report:
    """What a build did: one index row per area of the build, the checks and the notes."""

    index: pd.DataFrame  # INDEX_COLUMNS
    checks: pd.DataFrame  # reconciliation.csv
    notes: tuple[str, ...]

    @property
    def failed(self) -> pd.DataFrame:
        return self.index[self.index["built"] == "no"]


def _check_out(out: Path) -> None:
    """Built areas hold public data, which is never kept in the repository: refuse an ``--out`` inside it."""
    resolved = out.expanduser().resolve()
    if resolved == REPO_ROOT or REPO_ROOT in resolved.parents:
        raise BuildStopped(
            f"--out {out} is inside the repository ({REPO_ROOT}); built areas hold public data that is never copied "
            f"into it: use a folder outside it, e.g. {DEFAULT_AREAS_DIR} (or set {AREAS_ENV})"
        )
    existing = next((p for p in (resolved, *resolved.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise BuildStopped(f"--out {out}: {existing} is a file, not a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise BuildStopped(f"--out {out}: the folder {existing} cannot be written to")


def _index_row(src: derive.Sources, code: str, built: bool, reason: str) -> dict[str, object]:
    icbs = src.icbs.get(code)
    return {
        "code": code,
        "name": src.name(code),
        "region": src.areas.at[code, "region"],
        "icb_codes": "; ".join(icbs["icb_ods_code"]) if icbs is not None else "",
        "icb_names": "; ".join(icbs["icb_name"]) if icbs is not None else "",
        "built": "yes" if built else "no",
        "reason": reason,
    }


def _merged_index(out: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """The index of this build over an earlier one's (an ``--only`` build keeps the other areas' rows)."""
    path = out / "index.csv"
    if path.is_file():
        try:
            old = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
            old = pd.DataFrame(columns=INDEX_COLUMNS)
        if list(old.columns) == INDEX_COLUMNS:
            rows = pd.concat([old[~old["code"].isin(rows["code"])], rows], ignore_index=True)
    return rows.sort_values("code").reset_index(drop=True)


def _age_shares(pop: pd.DataFrame) -> tuple[float, float]:
    """Shares of residents aged 65+ and 85+ in the latest population year (for the nearest-areas benchmark)."""
    last = pop[pop["year"] == pop["year"].max()]
    total = float(last["population"].sum())
    older = float(last.loc[last["age_band"].isin(["65-74", "75-84", "85+"]), "population"].sum())
    oldest = float(last.loc[last["age_band"] == "85+", "population"].sum())
    return older / total, oldest / total


def build_all(source: Path, out: Path, only: Sequence[str] | None = None) -> Report:
    """Build the areas (all 153, or those in ``only``) from the public files in ``source`` into ``out``.

    Raises
    ------
    BuildStopped
        A file-level fault, totals that do not reconcile with England, an unknown ``--only`` code or a bad
        ``--out``: nothing is written.
    """
    _check_out(out)
    if not source.is_dir():
        raise BuildStopped(f"--from {source} is not a folder (it should hold the public files: see docs/areas.md)")
    try:
        read = read_sources(source)
    except SourceFault as err:
        raise BuildStopped(str(err)) from err
    try:
        checks = reconcile(read.frames)
    except ReconciliationFailure as err:
        found = [p for problems in read.area_problems.values() for p in problems]
        if found:  # a garbled figure in one area's row may be what throws the total out: name it
            raise BuildStopped(
                f"{err}\nproblems found in the areas' rows, which may explain it:\n  " + "\n  ".join(found[:10])
            ) from err
        raise BuildStopped(str(err)) from err
    src = derive.Sources(read.frames)
    codes = list(src.areas.index)
    unknown = [c for c in only or () if c not in src.areas.index]
    if unknown:
        raise BuildStopped(
            f"--only {', '.join(unknown)}: not a Health and Wellbeing Board code of the 2023 "
            "geography (e.g. E09000015 for Harrow; index.csv of a full build lists them all)"
        )
    england = _england_drd(read.frames)
    rows, metrics = [], []
    out.mkdir(parents=True, exist_ok=True)
    for code in dict.fromkeys(only) if only else codes:
        problems = read.area_problems.get(code, [])
        try:
            if problems:
                raise derive.AreaProblem("; ".join(problems))
            built = build_area(src, code, england)
            _check_own(built)
            _write_area(out / code, built, read.digests)
            rows.append(_index_row(src, code, True, ""))
            metrics.append(built.metrics)
        except derive.AreaProblem as err:
            shutil.rmtree(out / code, ignore_errors=True)  # never leave an earlier build's figures for this area
            rows.append(_index_row(src, code, False, str(err)))
    index = _merged_index(out, pd.DataFrame(rows, columns=INDEX_COLUMNS))
    table = checks_table(checks)
    index.to_csv(out / "index.csv", index=False, lineterminator="\n")
    table.to_csv(out / "reconciliation.csv", index=False, lineterminator="\n")
    if not only:  # regions are sums over their areas: only a full build can write them
        benchmark_table(src, metrics).to_csv(out / "benchmarks.csv", index=False, lineterminator="\n")
    built_rows = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    return Report(built_rows, table, tuple(read.notes))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m models areas build", description=__doc__.splitlines()[0])
    add_build_arguments(p)
    return p


def add_build_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``areas build`` (shared with models/cli.py's sub-command)."""
    p.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        help="folder of the public files (default: BCF_REALDATA_DIR/areas, i.e. ../shared/realdata/areas)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"folder to write the areas to, outside the repository (default: {AREAS_ENV} or ../bcf-areas)",
    )
    p.add_argument("--only", nargs="+", metavar="CODE", help="build only these areas (ONS codes, e.g. E09000015)")


def run_build(args: argparse.Namespace) -> int:
    """Run a parsed ``areas build``: 0 all built, 1 some areas not built (each named), 2 the build stopped."""
    source = args.source or default_source_dir()
    out = args.out or areas_dir()
    try:
        report = build_all(source, out, args.only)
    except BuildStopped as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    failed = report.failed
    for row in failed.itertuples():
        print(f"not built: {row.code} {row.name}: {row.reason}", file=sys.stderr)
    n = len(report.index)
    print(
        f"built {n - len(failed)} of {n} areas into {out} ({len(report.checks)} reconciliation checks passed)",
        file=sys.stderr,
    )
    return 1 if len(failed) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m models areas build …`` without the rest of the command line."""
    return run_build(_parser().parse_args(argv))
