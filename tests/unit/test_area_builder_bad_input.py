"""Unit: the area builder on broken copies of the public files (issue 21, bad input).

A fault in one area's rows names the file, row and problem and skips only that area; a fault in a whole file, or
totals that do not reconcile with England, stops the build with a plain message and writes nothing. The command
line exits 2 with ``error: …`` (1 when some areas were not built), never with a traceback. Each case edits a
copy of the public files in ``tmp_path`` and builds two areas (``--only``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from models.inputs.builder import build
from models.inputs.builder.build import BuildStopped, build_all, default_source_dir, main

ROOT = Path(__file__).resolve().parents[2]
HARROW, HILLINGDON = "E09000015", "E09000017"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    source = default_source_dir()
    if not (source / "drd_utla_monthly.csv").is_file():
        pytest.fail(f"the public area files are not in {source}: set BCF_REALDATA_DIR (docs/areas.md)")
    folder = tmp_path / "areas"
    shutil.copytree(source, folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    return folder


def edit(folder: Path, file: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Rewrite one copied file through ``change`` (text cells kept as they were)."""
    frame = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    change(frame).to_csv(folder / file, index=False)


def build_two(folder: Path, out: Path):
    report = build_all(folder, out, [HARROW, HILLINGDON])
    index = report.index.set_index("code")
    assert index.loc[HILLINGDON, "built"] == "yes"  # the other area still builds
    assert (out / HILLINGDON / "area.json").is_file()
    return index.loc[HARROW]


def test_a_missing_column_stops_the_build(copy: Path, tmp_path: Path) -> None:
    edit(copy, "drd_utla_monthly.csv", lambda f: f.drop(columns="discharged_after_drd"))
    with pytest.raises(BuildStopped, match=r"drd_utla_monthly.csv: column\(s\) discharged_after_drd missing"):
        build_all(copy, tmp_path / "out")
    assert not (tmp_path / "out" / HARROW).exists()


def test_a_renamed_area_code_skips_that_area(copy: Path, tmp_path: Path) -> None:
    def rename(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[f["utla_code"] == HARROW, "utla_code"] = "E09000099"
        return f

    edit(copy, "drd_utla_monthly.csv", rename)
    harrow = build_two(copy, tmp_path / "out")
    assert harrow["built"] == "no"
    assert "drd_utla_monthly.csv, row " in harrow["reason"] and "'E09000099'" in harrow["reason"]
    assert "was the code changed" in harrow["reason"]
    assert not (tmp_path / "out" / HARROW).exists()


def test_a_duplicated_key_names_both_rows(copy: Path, tmp_path: Path) -> None:
    def repeat(f: pd.DataFrame) -> pd.DataFrame:
        row = f[(f["utla_code"] == HARROW) & (f["year"] == "2021")].iloc[[0]]
        return pd.concat([f, row], ignore_index=True)

    edit(copy, "population_utla_age.csv", repeat)
    harrow = build_two(copy, tmp_path / "out")
    assert harrow["built"] == "no"
    assert "population_utla_age.csv, rows 1707 and 2297" in harrow["reason"]
    assert "appears more than once" in harrow["reason"]


def test_an_area_missing_from_one_source_is_not_built(copy: Path, tmp_path: Path) -> None:
    edit(copy, "ascof_by_council.csv", lambda f: f[f["hwb_code_2023"] != HARROW])
    harrow = build_two(copy, tmp_path / "out")
    assert harrow["built"] == "no"
    assert (
        harrow["reason"] == "ascof_by_council.csv: no rows for E09000015 (Harrow); every area must be in every source"
    )


def test_an_area_whose_totals_do_not_reconcile_is_not_built(copy: Path, tmp_path: Path) -> None:
    def more(f: pd.DataFrame) -> pd.DataFrame:
        may = (f["utla_code"] == HARROW) & (f["month"] == "2024-05-01")
        for col in ("discharges", "discharged_on_drd"):
            f.loc[may, col] = str(int(f.loc[may, col].iloc[0]) + 100)
        return f

    edit(copy, "drd_utla_monthly.csv", more)
    harrow = build_two(copy, tmp_path / "out")
    assert harrow["built"] == "no"
    assert "drd_bands_2024_25.csv, rows" in harrow["reason"] and "do not reconcile" in harrow["reason"]
    assert "11,117" in harrow["reason"] and "11,217" in harrow["reason"]


def test_totals_off_against_england_stop_the_build(copy: Path, tmp_path: Path) -> None:
    def fewer(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[f["month"] == "2024-06-01", "discharges"] = "300000"  # the areas hold 308,284: over 100%
        return f

    edit(copy, "drd_england_monthly.csv", fewer)
    with pytest.raises(BuildStopped, match=r"2024-06-01.*308,284.0, the published England total is 300,000.0"):
        build_all(copy, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_non_number_in_one_areas_row_skips_it(copy: Path, tmp_path: Path) -> None:
    def word(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[(f["utla_code"] == HARROW) & (f["month"] == "2024-07-01"), "bed_days_after_drd"] = "n/a"
        return f

    edit(copy, "drd_utla_monthly.csv", word)
    harrow = build_two(copy, tmp_path / "out")
    assert harrow["reason"] == "drd_utla_monthly.csv, row 1361, column 'bed_days_after_drd': 'n/a' is not a number"


def test_a_non_number_that_throws_a_total_out_is_named_when_the_build_stops(copy: Path, tmp_path: Path) -> None:
    def word(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[(f["hwb_code"] == HARROW), "reablement_own_home_gbp"] = "about £1.6m"
        return f

    edit(copy, "bcf_spend_hwb.csv", word)
    with pytest.raises(BuildStopped) as err:
        build_all(copy, tmp_path / "out", [HARROW])
    assert "bcf_spend_hwb.csv: reablement in a person's own home" in str(err.value)
    assert "row 110, column 'reablement_own_home_gbp': 'about £1.6m' is not a number" in str(err.value)


def test_a_rebuild_removes_an_area_that_no_longer_builds(copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_all(copy, out, [HARROW]).index["built"].tolist() == ["yes"]
    before = (out / HARROW / "flow_defaults.csv").read_bytes()
    assert build_all(copy, out, [HARROW]).index["built"].tolist() == ["yes"]
    assert (out / HARROW / "flow_defaults.csv").read_bytes() == before  # a build is reproducible byte for byte
    edit(copy, "trust_catchment_utla.csv", lambda f: f[f["utla_code"] != HARROW])
    assert build_all(copy, out, [HARROW]).index["built"].tolist() == ["no"]
    assert not (out / HARROW).exists()  # no earlier figures left behind
    index = pd.read_csv(out / "index.csv", keep_default_na=False)
    assert index.set_index("code").loc[HARROW, "built"] == "no"


def test_cli_exit_codes_and_plain_messages(
    copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert main(["--from", str(copy), "--out", str(out), "--only", HARROW]) == 0
    assert "built 1 of 1 areas" in capsys.readouterr().err
    assert main(["--from", str(copy), "--out", str(out), "--only", "E09999999"]) == 2
    assert "error: --only E09999999: not a Health and Wellbeing Board code" in capsys.readouterr().err
    repo = tmp_path / "checkout"  # a stand-in for the repository: a broken guard must not write into the real one
    monkeypatch.setattr(build, "REPO_ROOT", repo)
    assert main(["--from", str(copy), "--out", str(repo / "built-areas")]) == 2
    assert "is inside the repository" in capsys.readouterr().err and not (repo / "built-areas").exists()
    monkeypatch.undo()
    edit(copy, "ascof_by_council.csv", lambda f: f[f["hwb_code_2023"] != HARROW])
    assert main(["--from", str(copy), "--out", str(out), "--only", HARROW, HILLINGDON]) == 1
    assert "not built: E09000015 Harrow: ascof_by_council.csv: no rows" in capsys.readouterr().err
    (copy / "community_beds_icb.csv").write_bytes(b"\xff\xfe not text")
    proc = subprocess.run(
        [sys.executable, "-m", "models", "areas", "build", "--from", str(copy), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stderr.strip() == "error: community_beds_icb.csv is not UTF-8 text"
    assert "Traceback" not in proc.stderr
