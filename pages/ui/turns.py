"""How page scripts share the server's two cores: one BLAS thread, and whole script runs taking turns.

Imported by the frame (app.py) before any page runs; it imports nothing from the app.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import numpy  # noqa: F401 - loads numpy's BLAS, so that the limit below applies to it
import scipy.linalg  # noqa: F401 - loads SciPy's own BLAS (the models' fits use it), likewise
from threadpoolctl import threadpool_limits

# One BLAS thread for the whole server: the matrices are small (draws × months), and on a shared
# 2-core server BLAS threads spin against the other sessions' script threads (a projection took
# 150 ms with two BLAS threads under load, 48 ms with one). The limit applies to the BLAS libraries
# loaded when it is set, hence the two imports above.
threadpool_limits(limits=1, user_api="blas")

# Page scripts take turns (see script_turn).
_SCRIPT_TURN = threading.BoundedSemaphore(1)
SCRIPT_TURN_WAIT_S = 2.0


@contextlib.contextmanager
def script_turn() -> Iterator[None]:
    """Run one page script at a time in this server, waiting at most ``SCRIPT_TURN_WAIT_S`` for a turn.

    The scripts are Python under one interpreter lock. When a workshop's 30 sessions move a
    slider at once, 30 script threads share it in 5 ms slices and all finish late (slider
    p95 2.6–3.2 s on the 2-core machine); taking turns by whole runs finishes most of them early
    (p95 1.7–1.9 s, ``benchmarks/load_test.py``). A run waits at most two seconds and then goes
    ahead anyway, so a heavy one (an uploaded area's first fit) delays the others by no more than
    that. ``BCF_SCRIPT_TURNS=0`` turns this off.
    """
    if os.environ.get("BCF_SCRIPT_TURNS", "1") == "0":
        yield
        return
    got = _SCRIPT_TURN.acquire(timeout=SCRIPT_TURN_WAIT_S)
    try:
        yield
    finally:
        if got:
            _SCRIPT_TURN.release()
