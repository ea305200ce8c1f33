"""The initialiser of every batch worker process: one BLAS thread and one Numba thread, a shared Numba cache.

Deliberately light (no NumPy, no Numba, no model import): in a spawned worker it runs before the task's modules
are imported, so the environment settings below apply when NumPy loads its BLAS and Numba reads its
configuration. In a worker that already has them loaded (a forked one, a Dask worker), the limits are also set
at run time.

Why one thread each: a batch runs one task per core, so a second BLAS or Numba thread in a worker only competes
with the other workers (and oversubscribed BLAS threads slow small statsmodels fits down several-fold).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

#: Environment settings of a batch worker (read by OpenBLAS, MKL, OpenMP and Numba when they load).
THREAD_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}


def worker_env(numba_cache: str | None = None) -> dict[str, str]:
    """The environment a worker needs: :data:`THREAD_ENV`, and ``NUMBA_CACHE_DIR`` when a shared cache is given."""
    env = dict(THREAD_ENV)
    if numba_cache:
        env["NUMBA_CACHE_DIR"] = numba_cache
    return env


def init_worker(numba_cache: str | None = None) -> None:
    """Set one BLAS and one Numba thread in this process, and the shared Numba cache folder.

    Parameters
    ----------
    numba_cache : folder of compiled Numba functions shared by the workers (``NUMBA_CACHE_DIR``); None keeps
        Numba's own choice (beside the package's source, else a per-user folder: shared on one machine).
    """
    os.environ.update(worker_env(numba_cache))
    threadpool_limits(limits=1)  # BLAS/OpenMP libraries already loaded in this process (none in a fresh spawn)
    numba = sys.modules.get("numba")
    if numba is not None:  # already imported (a forked or Dask worker): NUMBA_NUM_THREADS came too late
        numba.set_num_threads(1)


@contextmanager
def single_threaded() -> Iterator[None]:
    """One BLAS and one Numba thread for the calling thread while the block runs, then as before.

    For the task itself: a Dask worker runs tasks in threads other than its initialiser's (Numba's thread count is
    per calling thread), and a serial run in the caller's own process must not change its settings for good.
    """
    numba = sys.modules.get("numba")
    before = numba.get_num_threads() if numba is not None else None
    try:
        with threadpool_limits(limits=1):
            if numba is not None:
                numba.set_num_threads(1)
            yield
    finally:
        if numba is not None and before is not None:
            numba.set_num_threads(before)
