"""Unit: page scripts take turns by whole runs, and a long run holds the others back for at most the wait."""

from __future__ import annotations

import threading
import time

import pages.ui.session as common


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
