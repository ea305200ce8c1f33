"""Dask distributed for the batch: a local cluster or a remote scheduler, behind ``Client.get_executor()``.

Dask is an optional extra (``pip install -r requirements-batch.txt``): it is imported only when ``--executor
dask`` asks for it, so the rest of the app neither needs it nor pays for its import (about a second).
"""

from __future__ import annotations

import importlib
from concurrent.futures import Executor
from types import ModuleType
from typing import Any

from models.batch.worker import init_worker, worker_env


class DaskMissing(ImportError):
    """Dask distributed is not installed (plain words)."""


def _distributed() -> ModuleType:
    try:
        return importlib.import_module("distributed")  # optional: loaded on demand only (see the module docstring)
    except ImportError as err:
        raise DaskMissing(
            "--executor dask needs Dask distributed, which is not installed: "
            "pip install -r requirements-batch.txt (or use the default --executor process)"
        ) from err


class DaskSession:
    """A Dask client (and the local cluster it started, if any), closed on exit.

    Parameters
    ----------
    scheduler : a scheduler's address (``tcp://host:8786``); None starts a local cluster of ``workers`` processes
        with one thread each.
    workers : local workers (ignored with a scheduler).
    numba_cache : ``NUMBA_CACHE_DIR`` for the local workers (a remote cluster sets it in its worker image).
    """

    def __init__(self, scheduler: str | None = None, workers: int = 2, numba_cache: str | None = None) -> None:
        dist = _distributed()
        self.cluster: Any = None
        if scheduler:
            self.client = dist.Client(scheduler, timeout="30s")
        else:
            self.cluster = dist.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                env=worker_env(numba_cache),  # read by each worker process as it starts, before NumPy and Numba
            )
            self.client = dist.Client(self.cluster)
        self.client.run(init_worker, numba_cache)  # the workers already running; each task also limits itself

    def executor(self) -> Executor:
        """A ``concurrent.futures.Executor`` over the cluster (tasks are not deduplicated by their arguments)."""
        return self.client.get_executor(pure=False)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
