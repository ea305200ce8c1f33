"""A batch's results on disk: written idempotently, so a rerun skips what is done and a killed run resumes.

Layout of ``--out DIR``::

    DIR/manifest.json                 every area and scenario attempted: its fingerprint, status (done / failed),
                                      reason, seed, draws, seconds and summary figures
    DIR/results/AREA/SCENARIO.parquet the draw-level table of one area and scenario (models.batch.tasks.draw_table),
                                      its fingerprint, area, scenario and seed in the file's metadata
    DIR/summary.parquet, summary.csv  one row per area and scenario of the latest run (see :data:`SUMMARY_FRONT`)

Every file is written to a temporary name in the same folder and then renamed over the old one (``os.replace``:
atomic on one file system), so a run killed at any moment leaves each file either complete or as it was. A
result counts as done when the manifest gives it as done with the same fingerprint **and** its file is there.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "manifest.json"
RESULTS = "results"
SUMMARY = "summary"
MANIFEST_FORMAT = 1
#: The summary's first columns (the figures of models.batch.tasks.summary_record follow).
SUMMARY_FRONT = (
    "area_code", "area_name", "region", "icb_codes", "scenario", "scenario_name", "status", "reason", "seed",
    "draws", "seconds", "file",
)  # fmt: skip


class StoreProblem(OSError):
    """The output folder cannot be used (plain words)."""


def result_path(out: Path, area_code: str, key: str) -> Path:
    """Where one area and scenario's draw table is written."""
    return out / RESULTS / area_code / f"{key}.parquet"


def entry_key(area_code: str, key: str) -> str:
    return f"{area_code}/{key}"


def _atomic_write(path: Path, write: object) -> None:
    """Write through ``write(temporary path)`` and rename over ``path`` (no half-written file is ever left)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))  # type: ignore[operator]
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_result(out: Path, area_code: str, key: str, table: pd.DataFrame, meta: Mapping[str, object]) -> Path:
    """Write a draw table (Parquet) with ``meta`` (fingerprint, seed …) in the file's metadata; returns the path."""
    path = result_path(out, area_code, key)
    t = pa.Table.from_pandas(table, preserve_index=False)
    extra = {b"bcf_batch": json.dumps(dict(meta), default=str).encode("utf-8")}
    t = t.replace_schema_metadata({**(t.schema.metadata or {}), **extra})
    _atomic_write(path, lambda p: pq.write_table(t, p))
    return path


def read_result(path: Path) -> pd.DataFrame:
    """A draw table written by :func:`write_result`."""
    return pq.read_table(path).to_pandas()


def result_meta(path: Path) -> dict[str, object]:
    """The metadata :func:`write_result` put in a file (empty when none)."""
    raw = (pq.read_schema(path).metadata or {}).get(b"bcf_batch")
    return json.loads(raw) if raw else {}


def read_manifest(out: Path) -> dict[str, dict[str, object]]:
    """The manifest's entries by ``AREA/SCENARIO`` (empty for a new folder; an unreadable one is started again:
    results whose files are there are then rerun, never trusted blind)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("results") if isinstance(data, dict) else None
    return {k: v for k, v in entries.items() if isinstance(v, dict)} if isinstance(entries, dict) else {}


def write_manifest(out: Path, entries: Mapping[str, Mapping[str, object]]) -> None:
    """Replace the manifest (atomically)."""
    body = json.dumps({"format": MANIFEST_FORMAT, "results": entries}, indent=1, sort_keys=True, default=str)
    _atomic_write(out / MANIFEST, lambda p: p.write_text(body, encoding="utf-8"))


def is_done(out: Path, entries: Mapping[str, Mapping[str, object]], area_code: str, key: str, fp: str) -> bool:
    """Whether this area and scenario is already done for these inputs: same fingerprint, file present."""
    e = entries.get(entry_key(area_code, key))
    return bool(
        e is not None
        and e.get("status") == "done"
        and e.get("fingerprint") == fp
        and result_path(out, area_code, key).is_file()
    )


def write_summary(out: Path, rows: list[Mapping[str, object]]) -> pd.DataFrame:
    """The summary table (Parquet and CSV), one row per area and scenario; returns it."""
    table = pd.DataFrame(rows)
    front = [c for c in SUMMARY_FRONT if c in table.columns]
    table = table[front + [c for c in table.columns if c not in front]]
    _atomic_write(out / f"{SUMMARY}.parquet", lambda p: table.to_parquet(p, index=False))
    _atomic_write(out / f"{SUMMARY}.csv", lambda p: table.to_csv(p, index=False))
    return table


def check_out(out: Path) -> None:
    """Refuse an output folder that is a file or cannot be written, before anything runs."""
    if out.exists() and not out.is_dir():
        raise StoreProblem(f"--out {out} is a file; give a folder")
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise StoreProblem(f"--out {out}: the folder {existing} cannot be written to")


def done_tables(
    out: Path, summary: pd.DataFrame, key: str
) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, float]], dict[str, str]]:
    """The draw tables of one scenario's areas that are done, with each area's maximum levels and name (for a
    roll-up: :mod:`models.batch.rollup`)."""
    rows = summary.loc[(summary["scenario"] == key) & (summary["status"] == "done")]
    tables, levels, names = {}, {}, {}
    for r in rows.to_dict("records"):
        code = str(r["area_code"])
        tables[code] = read_result(out / str(r["file"]))
        levels[code] = {m: float(r[f"{m}_level"]) for m in ("nea65", "delay", "ascof2c")}
        names[code] = str(r["area_name"])
    return tables, levels, names
