"""Many areas at once: batch runs of scenarios over area folders, and roll-ups of their draws (docs/batch.md).

- :mod:`models.batch.areas`: which areas a run covers (a folder, an ICB, a region, ``all``) and opening them;
- :mod:`models.batch.tasks`: one task = one area and its scenarios, run through the one pipeline
  (:mod:`models.pipeline.runs`), giving a draw-level table per scenario;
- :mod:`models.batch.store`: results on disk (one Parquet file per area and scenario, the manifest that makes a
  rerun skip what is done, the summary table);
- :mod:`models.batch.runner`: the tasks on any :class:`concurrent.futures.Executor` (a local process pool or Dask
  distributed), with progress, failures reported per area and a restarted pool after a killed worker;
- :mod:`models.batch.rollup`: an ICB, region or any list of areas summed draw by draw;
- :mod:`models.batch.cli`: ``python -m models batch …``.

This ``__init__`` imports nothing on purpose: a spawned worker imports :mod:`models.batch.worker` (which sets the
thread limits) before anything loads NumPy or Numba.
"""
