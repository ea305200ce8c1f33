"""Unit: page scripts take turns by whole runs, and a long run holds the others back for at most the wait."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
import time
from pathlib import Path

import pages.ui.turns as common


def _run(log: list[tuple[str, float, float]], name: str, seconds: float) -> None:
    with common.script_turn():
        start = time.perf_counter()
        time.sleep(seconds)
        log.append((name, start, time.perf_counter()))


def test_runs_do_not_overlap(monkeypatch) -> None:
    monkeypatch.delenv("BCF_SCRIPT_TURNS", raising=False)
    log: list[tuple[str, float, float]] = []
    threads = [threading.Thread(target=_run, args=(log, f"s{i}", 0.05)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans = sorted((s, e) for _, s, e in log)
    assert len(spans) == 5
    assert all(later[0] >= earlier[1] - 1e-3 for earlier, later in zip(spans, spans[1:], strict=False))


def test_a_long_run_delays_the_others_by_at_most_the_wait(monkeypatch) -> None:
    monkeypatch.delenv("BCF_SCRIPT_TURNS", raising=False)
    monkeypatch.setattr(common, "SCRIPT_TURN_WAIT_S", 0.2)
    log: list[tuple[str, float, float]] = []
    long = threading.Thread(target=_run, args=(log, "long", 1.0))
    long.start()
    time.sleep(0.05)
    t0 = time.perf_counter()
    short = threading.Thread(target=_run, args=(log, "short", 0.0))
    short.start()
    short.join()
    waited = time.perf_counter() - t0
    long.join()
    assert 0.15 <= waited < 0.8  # went ahead after the wait, long before the long run ended
    # the turn is free again afterwards (the short run, which went ahead without one, released nothing)
    assert common._SCRIPT_TURN.acquire(timeout=0.1)
    common._SCRIPT_TURN.release()


def test_turns_can_be_switched_off(monkeypatch) -> None:
    monkeypatch.setenv("BCF_SCRIPT_TURNS", "0")
    log: list[tuple[str, float, float]] = []
    threads = [threading.Thread(target=_run, args=(log, f"s{i}", 0.2)) for i in range(3)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.perf_counter() - t0 < 0.5  # all three at once


def test_the_turns_module_alone_limits_every_blas_to_one_thread() -> None:
    """The limit applies to the BLAS libraries loaded when it is set: the module loads NumPy's and SciPy's first."""
    code = (
        "import pages.ui.turns\n"
        "from threadpoolctl import threadpool_info\n"
        "import scipy.stats, statsmodels.api\n"  # what the models load afterwards brings no other BLAS
        "print(sorted((i['filepath'], i['num_threads']) for i in threadpool_info() if i['user_api'] == 'blas'))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120, check=True)
    libs = ast.literal_eval(done.stdout.strip())
    assert len(libs) >= 2 and all(n == 1 for _, n in libs), libs
