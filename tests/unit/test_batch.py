"""Unit: the batch runner (models/batch) — the same results serially, on a process pool (the killed-worker test's
rerun) and on a two-worker Dask cluster; a failing area reported while the others finish; a killed worker retried,
then a rerun that resumes; a rerun that skips what is done; the roll-up added up draw by draw; a batch result equal
to ``python -m models run``'s.

Areas are copies of the demo area in a temporary folder, with their own names and scaled series (the repository's
data/ is never written). 50 draws keep the whole file to well under a minute of fits and runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import threading
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models import cli
from models.batch import store
from models.batch.areas import open_ref, read_index, select_areas
from models.batch.cli import add_batch_arguments, run_batch_command
from models.batch.cluster import DaskSession
from models.batch.rollup import RollupProblem, core_metrics_table, rollup_summary, total_draws
from models.batch.runner import (
    DIED,
    BatchPlan,
    SerialExecutor,
    plan_batch,
    process_executor,
    read_sources,
    run_batch,
)
from models.batch.tasks import AreaTask, Outcome, ScenarioJob, area_seed, run_area_task, task_scenario
from models.core.summaries import quantiles
from models.inputs.areas import DEMO_DIR
from models.scenario import baseline

DRAWS = 50
SCALE = {"E0600000A": 1.0, "E0600000B": 1.35}  # admissions and population of the second area × 1.35


def _area(root: Path, code: str, scale: float) -> Path:
    folder = root / code
    shutil.copytree(DEMO_DIR, folder)
    info = json.loads((folder / "area.json").read_text(encoding="utf-8"))
    info.update(name=f"Place {code[-1]}", code=code)
    (folder / "area.json").write_text(json.dumps(info), encoding="utf-8")
    for name, cols in (("admissions_monthly.csv", ["nea", "acs", "nea_65plus"]), ("population.csv", ["population"])):
        t = pd.read_csv(folder / name)
        t[cols] = (t[cols] * scale).round().astype(int)
        t.to_csv(folder / name, index=False)
    return folder


@pytest.fixture(scope="module")
def areas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("areas")
    for code, scale in SCALE.items():
        _area(root, code, scale)
    bad = _area(root, "E0600000Z", 1.0)  # a broken area: its population file has a word where a number belongs
    pop = (bad / "population.csv").read_text(encoding="utf-8").splitlines()
    pop[3] = pop[3].rsplit(",", 1)[0] + ",lots"
    (bad / "population.csv").write_text("\n".join(pop) + "\n", encoding="utf-8")
    return root


def _plan(areas: Path, out: Path, codes: list[str], seed_mode: str = "area"):  # noqa: ANN202 - a BatchPlan
    refs = [r for r in read_index(areas) if r.code in codes]
    return plan_batch(refs, read_sources(["preset:Baseline"]), out, DRAWS, seed_mode)


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {p.parent.name: store.read_result(p) for p in sorted((out / store.RESULTS).glob("*/*.parquet"))}


@pytest.fixture(scope="module")
def serial(areas: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both good areas and the broken one, run in this process: the reference for every other executor."""
    out = tmp_path_factory.mktemp("serial")
    run_batch(_plan(areas, out, [*SCALE, "E0600000Z"]), out, SerialExecutor, in_flight=1)
    return out


def test_a_failing_area_is_reported_and_the_others_finish(serial: Path) -> None:
    summary = pd.read_csv(serial / "summary.csv").set_index("area_code")
    assert list(summary.loc[list(SCALE), "status"]) == ["done", "done"]
    bad = summary.loc["E0600000Z"]
    assert bad["status"] == "failed"
    assert "population.csv" in bad["reason"] and "lots" in bad["reason"]
    assert "Traceback" not in bad["reason"]
    assert set(_tables(serial)) == set(SCALE)
    done = pd.read_parquet(serial / "summary.parquet")
    assert len(done) == 3 and done["seed"].notna().sum() == 2


def test_each_area_has_its_own_seed_from_the_scenarios(serial: Path) -> None:
    summary = pd.read_csv(serial / "summary.csv").set_index("area_code")
    for code in SCALE:
        assert summary.loc[code, "seed"] == area_seed(2022, code)
    assert area_seed(2022, "E0600000A") != area_seed(2022, "E0600000B")
    assert area_seed(2022, "E0600000A") != area_seed(2023, "E0600000A")
    assert area_seed(2022, "E0600000A") == area_seed(2022, "E0600000A")  # stable: no hash() salt, no order


def test_a_rerun_skips_what_is_done_and_reruns_what_changed(serial: Path, areas: Path) -> None:
    plan = _plan(areas, serial, list(SCALE))
    assert plan.pending == 0 and plan.skipped == 2
    (serial / store.RESULTS / "E0600000A" / "baseline.parquet").rename(serial / "moved.parquet")
    try:
        plan = _plan(areas, serial, list(SCALE))
        assert plan.pending == 1 and [t.area_code for t in plan.tasks] == ["E0600000A"]  # a lost file is rerun
    finally:
        (serial / "moved.parquet").rename(serial / store.RESULTS / "E0600000A" / "baseline.parquet")
    other = plan_batch(read_index(areas)[:1], read_sources(["preset:Baseline"]), serial, DRAWS + 10)
    assert other.pending == 1  # other draws: another fingerprint


def test_a_two_worker_dask_cluster_gives_the_serial_results(serial: Path, areas: Path, tmp_path: Path) -> None:
    with DaskSession(workers=2) as dask:
        assert len(dask.client.scheduler_info()["workers"]) == 2
        run_batch(_plan(areas, tmp_path, list(SCALE)), tmp_path, dask.executor)
    got, want = _tables(tmp_path), _tables(serial)
    assert set(got) == set(SCALE)
    for code in SCALE:
        pd.testing.assert_frame_equal(got[code], want[code], check_exact=True)


KILL_FILE = "kill.txt"  # the area codes whose worker process dies as the task starts (tests only)


def dying_task(task: AreaTask) -> list:  # noqa: ANN201 - module level: it is pickled to the workers
    """The real task, except that the worker process dies at once for an area listed in the kill file."""
    kill = Path(os.environ["BCF_TEST_KILL_DIR"]) / KILL_FILE
    if kill.is_file() and task.area_code in kill.read_text(encoding="utf-8").split():
        os._exit(1)  # as the kernel's out-of-memory killer would: no exception, no clean-up
    return run_area_task(task)


def test_a_killed_worker_is_reported_a_rerun_resumes_and_the_pool_gives_the_serial_results(
    serial: Path, areas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BCF_TEST_KILL_DIR", str(tmp_path))  # the spawned workers inherit it
    (tmp_path / KILL_FILE).write_text("E0600000A", encoding="utf-8")
    out = tmp_path / "out"
    shutil.copytree(serial, out)  # a run that was killed after B: A's result is not there
    shutil.rmtree(out / store.RESULTS / "E0600000A")
    pool = lambda: process_executor(1)  # noqa: E731 - one worker, one area at a time: the cheapest pool
    plan = _plan(areas, out, list(SCALE))
    assert [t.area_code for t in plan.tasks] == ["E0600000A"]
    first = run_batch(plan, out, pool, in_flight=1, max_attempts=2, task_fn=dying_task).set_index("area_code")
    assert first.loc["E0600000A", "status"] == "failed"
    assert first.loc["E0600000A", "reason"] == DIED.format(n=2)  # the pool was started again, and it died again
    assert first.loc["E0600000B", "status"] == "done"
    (tmp_path / KILL_FILE).unlink()
    plan = _plan(areas, out, list(SCALE))
    assert [t.area_code for t in plan.tasks] == ["E0600000A"]  # resumes: only what is not done
    second = run_batch(plan, out, pool, in_flight=1, task_fn=dying_task)
    assert (second["status"] == "done").all()
    got, want = _tables(out), _tables(serial)  # A from the process pool, exactly as the serial run made it
    for code in SCALE:
        pd.testing.assert_frame_equal(got[code], want[code], check_exact=True)


class BreakingPool(Executor):
    """A stand-in process pool: each task runs a moment after it is submitted, unless a killer is among the tasks
    then running; then every task running in the pool fails with BrokenProcessPool, as when a worker dies."""

    pools = 0

    def __init__(self, killers: set[str]) -> None:
        BreakingPool.pools += 1
        self.killers, self.running, self.lock = killers, [], threading.Lock()

    def submit(self, fn, task):  # noqa: ANN001, ANN201 - the Executor signature
        f: Future = Future()
        with self.lock:
            self.running.append((f, fn, task))
        threading.Timer(0.05, self._settle).start()
        return f

    def _settle(self) -> None:
        with self.lock:
            running, self.running = self.running, []
        broken = any(task.area_code in self.killers for _, _, task in running)
        for f, fn, task in running:
            f.set_exception(BrokenProcessPool("a worker died")) if broken else f.set_result(fn(task))


def quick_task(task: AreaTask) -> list[Outcome]:
    return [
        Outcome(task.area_code, j.key, j.fingerprint, pd.DataFrame({"draw": [0], "fy": ["2025-26"]})) for j in task.jobs
    ]


def test_only_the_area_whose_worker_dies_alone_is_failed(tmp_path: Path) -> None:
    codes = ["A", "B", "C"]
    plan = BatchPlan(
        tasks=[AreaTask(c, None, (ScenarioJob("s", "{}", f"fp{c}"),)) for c in codes],  # type: ignore[arg-type]
        rows={store.entry_key(c, "s"): {"area_code": c, "scenario": "s", "status": "pending"} for c in codes},
    )
    BreakingPool.pools = 0
    summary = run_batch(plan, tmp_path, lambda: BreakingPool({"B"}), in_flight=2, max_attempts=2, task_fn=quick_task)
    status = dict(zip(summary["area_code"], summary["status"], strict=True))
    assert status == {"A": "done", "B": "failed", "C": "done"}  # A ran beside B when the pool broke: not failed
    assert BreakingPool.pools == 4  # A+B broke; A alone; B alone (dies); B alone (dies again); then C
    reasons = dict(zip(summary["area_code"], summary["reason"], strict=True))
    assert reasons["B"] == DIED.format(n=2)


def test_a_batch_result_equals_the_command_lines(serial: Path, areas: Path) -> None:
    """python -m models run with the batch's seed and draws gives the same core metrics and money, exactly."""
    summary = pd.read_csv(serial / "summary.csv").set_index("area_code")
    code = "E0600000B"
    seed = int(summary.loc[code, "seed"])
    scenario_file = serial / "baseline.json"
    area, _ = open_ref(next(r for r in read_index(areas) if r.code == code))
    scenario_file.write_text(baseline(area).to_json(), encoding="utf-8")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        status = cli.run(
            [
                "run",
                str(scenario_file),
                "--data",
                str(areas / code),
                "--json",
                "--draws",
                str(DRAWS),
                "--seed",
                str(seed),
            ]
        )
    assert status == 0
    printed = json.loads(stdout.getvalue())
    table = store.read_result(serial / summary.loc[code, "file"])
    assert printed["seed"] == seed and printed["draws"] == DRAWS == table["draw"].nunique()
    by_year = {(r["metric"], r["fy"]): r for r in printed["core_metrics"]["by_year"]}
    for metric, column in (("nea65", "nea65_rate"), ("ascof2c", "ascof2c_rate"), ("delay", "winter_avg_delay")):
        rows = table.dropna(subset=[column])
        for fy, part in rows.groupby("fy", sort=False):
            want = by_year[(metric, fy)]
            got = quantiles(part.sort_values("draw")[column].to_numpy(), [0.1, 0.5, 0.9])
            assert list(got) == [want["p10"], want["p50"], want["p90"]], (metric, fy)
    metrics = printed["core_metrics"]["metrics"]
    for key in ("nea65", "delay", "ascof2c"):
        assert summary.loc[code, f"{key}_p50"] == pytest.approx(metrics[key]["p50"], rel=0, abs=0)
        assert summary.loc[code, f"{key}_level"] == metrics[key]["ambition"]
    assert summary.loc[code, "nea_first_fy"] == printed["headline"]["nea_first_fy"]


def test_the_scenario_seed_mode_runs_the_scenario_as_it_is(areas: Path) -> None:
    area, _ = open_ref(read_index(areas)[0])
    sc = baseline(area)
    assert task_scenario(sc, "E0600000A", "scenario", DRAWS).seed == sc.seed
    assert task_scenario(sc, "E0600000A", "area", DRAWS).seed == area_seed(sc.seed, "E0600000A")
    with pytest.raises(ValueError, match="seed mode"):
        task_scenario(sc, "E0600000A", "random")


def test_the_rollup_of_two_areas_is_their_draw_by_draw_sum(serial: Path) -> None:
    tables = _tables(serial)
    a, b = tables["E0600000A"], tables["E0600000B"]
    total = total_draws(tables)
    for col in ("nea", "nea65", "placements", "pop65", "variance_gbp", "net_position_gbp", "winter_delayed_bed_days"):
        want = a[col].to_numpy() + b[col].to_numpy()  # same (draw, fy) order in both files
        np.testing.assert_array_equal(total[col].to_numpy(), want)
    rate = total["nea65_rate"].to_numpy()
    np.testing.assert_allclose(rate, (a["nea65"] + b["nea65"]) / (a["pop65"] + b["pop65"]) * 1e5, rtol=1e-12)
    winter = total.dropna(subset=["winter_avg_delay"])
    assert len(winter) == DRAWS  # one winter year
    ratio = winter["winter_delay_days"] / winter["winter_discharges"]
    np.testing.assert_allclose(winter["winter_avg_delay"], ratio, rtol=1e-12)
    summary = rollup_summary(tables)
    first = summary.loc[(summary["measure"] == "nea") & (summary["fy"] == a["fy"].iloc[0])].iloc[0]
    sums = a.loc[a["fy"] == first["fy"], "nea"].to_numpy() + b.loc[b["fy"] == first["fy"], "nea"].to_numpy()
    assert first["p50"] == quantiles(sums, 0.5)
    assert first["p90"] < quantiles(a.loc[a["fy"] == first["fy"], "nea"].to_numpy(), 0.9) + quantiles(
        b.loc[b["fy"] == first["fy"], "nea"].to_numpy(), 0.9
    )  # independent draws: the total's P90 is under the sum of the P90s
    assert first["share_E0600000A"] + first["share_E0600000B"] == pytest.approx(1.0)
    assert first["share_E0600000B"] == pytest.approx(1.35 / 2.35, abs=0.02)


def test_the_group_core_metrics_weigh_the_levels_by_activity(serial: Path) -> None:
    tables = _tables(serial)
    levels = {"E0600000A": {"nea65": 20_000.0, "delay": 0.5, "ascof2c": 300.0}}
    levels["E0600000B"] = {"nea65": 30_000.0, "delay": 1.0, "ascof2c": 400.0}
    t = core_metrics_table(tables, levels, {"E0600000A": "Place A", "E0600000B": "Place B"})
    total = t.loc[t["place"] == "Total"].set_index("metric")
    a, b = tables["E0600000A"], tables["E0600000B"]
    fy = total.loc["nea65", "fy"]
    wa, wb = a.loc[a["fy"] == fy, "pop65"].mean(), b.loc[b["fy"] == fy, "pop65"].mean()
    assert total.loc["nea65", "level"] == pytest.approx((20_000 * wa + 30_000 * wb) / (wa + wb))
    places = t.loc[t["place"] != "Total"]
    assert places.groupby("metric")["share"].sum().to_numpy() == pytest.approx([1.0, 1.0, 1.0])
    draws = total_draws(tables)
    x = draws.loc[draws["fy"] == fy, "nea65_rate"].to_numpy()
    assert total.loc["nea65", "chance"] == pytest.approx((x <= total.loc["nea65", "level"]).mean())


def test_a_rollup_of_different_draws_is_refused(serial: Path) -> None:
    tables = _tables(serial)
    short = tables["E0600000B"][tables["E0600000B"]["draw"] < DRAWS - 1]
    with pytest.raises(RollupProblem, match="different numbers of draws"):
        total_draws({"E0600000A": tables["E0600000A"], "E0600000B": short})


def test_areas_are_selected_by_code_region_icb_and_folder(tmp_path: Path) -> None:
    (tmp_path / "index.csv").write_text(
        "code,name,region,icb_codes,icb_names,built,reason\n"
        "E1,One,London,QRV,NHS North West London ICB,yes,\n"
        'E2,Two,London,QRV; QMJ,"NHS North West London ICB; NHS North Central London ICB",yes,\n'
        "E3,Three,South West,QOX,NHS Somerset ICB,no,a source has no rows for it\n",
        encoding="utf-8",
    )
    assert [r.code for r in select_areas(["qmj"], tmp_path)] == ["E2"]
    assert [r.code for r in select_areas(["London"], tmp_path)] == ["E1", "E2"]
    assert [r.code for r in select_areas(["NHS North West London ICB", "E3"], tmp_path)] == ["E1", "E2", "E3"]
    assert [r.code for r in select_areas(["all"], tmp_path)] == ["E1", "E2", "E3"]
    not_built = select_areas(["E3"], tmp_path)[0]
    assert not not_built.built and "no rows" in not_built.reason
    with pytest.raises(ValueError, match="regions: London, South West"):
        select_areas(["Narnia"], tmp_path)


def test_the_command_reports_bad_inputs_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*argv: str) -> int:
        return _run_batch(list(argv))

    assert run("--areas", str(tmp_path / "none"), "--scenarios", "preset:Baseline", "--out", str(tmp_path)) == 2
    assert "error:" in capsys.readouterr().err
    assert run("--areas", "all", "--scenarios", "nope.json", "--out", str(tmp_path), "--areas-dir", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    assert run("--areas", "x", "--scenarios", "preset:Baseline", "--out", str(tmp_path), "--draws", "7") == 2
    assert "--draws must be from 50" in capsys.readouterr().err


def _run_batch(argv: list[str]) -> int:
    """``python -m models batch`` through the batch's own parser (models/cli.py wires the same two functions)."""
    parser = argparse.ArgumentParser(prog="python -m models batch")
    add_batch_arguments(parser)
    return run_batch_command(parser.parse_args(argv))
