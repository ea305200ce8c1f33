"""Warm-up: every demo preset's projection, winter, options, bed need and capacity outcomes, computed once
per server in a background thread, so that switching preset in a workshop only reads the caches."""

from __future__ import annotations

import logging
import os
import threading

from models import pipeline
from pages.ui.cache import SHARED, warm_winter_extras
from pages.ui.state import area, area_presets, demo_area

_WARMED: set[str] = set()
_WARM_LOCK = threading.Lock()
_WARM_THREAD = "bcf-warm-presets"


def warm_presets() -> None:
    """Make switching presets instant: compute each preset's projection and winter once per dataset.

    Then the winter page's options and bed need and the scheme page's capacity outcomes
    (a few seconds in all for the demo's presets).

    Runs once per server, for the demo area, in a background thread after the first page has
    been drawn, into the shared caches (``pages.ui.cache``), so that picking a preset later only
    reads them. ``BCF_WARM_PRESETS=0`` turns it off.
    """
    if os.environ.get("BCF_WARM_PRESETS", "1") == "0":
        return
    a = area()
    if a.fingerprint != demo_area().fingerprint:  # uploads come and go: only the workshop's demo area
        return
    with _WARM_LOCK:
        if a.fingerprint in _WARMED:
            return
        _WARMED.add(a.fingerprint)
    todo = list(area_presets().values())

    def work() -> None:
        winters = {}
        for sc in todo:  # first what Home shows for every preset, then the winter and scheme pages' extras
            try:
                w = pipeline.run(sc, a, SHARED).winter
                if w is not None:
                    winters[sc.to_json()] = (sc, w)
            except Exception:  # noqa: BLE001, S112 - a preset the data cannot run shows its own message when picked
                continue
        for sc, w in winters.values():
            try:
                warm_winter_extras(a, sc, w)
            except Exception:  # noqa: BLE001, S112 - as above
                continue

    threading.Thread(target=work, name=_WARM_THREAD, daemon=True).start()


class _QuietWarmThread(logging.Filter):
    """The warm-up runs outside a script run on purpose: drop Streamlit's "missing ScriptRunContext" notes for it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _WARM_THREAD


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietWarmThread())
