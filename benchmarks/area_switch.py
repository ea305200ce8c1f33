"""Area switch benchmark (issue 21): server time to open a real area in the app, and what each step costs.

Printed JSON lines like benchmarks/run.py's ``record``, for a London borough (Harrow), a county (East Sussex), a
small unitary (Rutland) and the largest area (Kent):

- ``open_<code>_ms``: ``open_area`` of the built folder (read, derive the level-only tables, validate);
- ``fits_<code>_ms``: the fits (level-only admissions, the placements GLM on the ASCOF years);
- ``switch_<code>_s``: the app's server time to switch to the area from the sidebar and render Home (AppTest:
  open, check, fit, the baseline's projection, its winter and finance at the draws the workload guard allows);
- ``switch_again_<code>_s``: the same switch a second time (the opened area and its fits are cached per server).

    python benchmarks/area_switch.py [--areas DIR]

The areas are built from ``BCF_REALDATA_DIR/areas`` into a temporary folder unless ``--areas`` names a built one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models import pipeline  # noqa: E402 - after the path is set
from models.core.paths import AREAS_ENV  # noqa: E402
from models.inputs.areas import load_area  # noqa: E402
from models.inputs.builder.build import build_all, default_source_dir  # noqa: E402
from models.inputs.built_area import open_area  # noqa: E402

AREAS = {"E09000015": "Harrow", "E10000011": "East Sussex", "E06000017": "Rutland", "E10000016": "Kent"}


def _record(metric: str, value: float, unit: str, note: str = "") -> None:
    row = {"metric": metric, "value": round(float(value), 3), "unit": unit}
    if note:
        row["note"] = note
    print(json.dumps(row), flush=True)


def _switch_seconds(code: str) -> tuple[float, float]:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    PagesManager.uses_pages_directory = False
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    times = []
    for target in (code, "demo", code):
        picker = next(s for s in at.sidebar.selectbox if s.label == "Area")
        t = time.perf_counter()
        picker.set_value(target).run()
        times.append(time.perf_counter() - t)
        if at.exception:
            raise RuntimeError(str(at.exception[0].value))
    return times[0], times[2]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--areas", type=Path, default=None, help="a built areas folder (default: build them now)")
    args = p.parse_args()
    os.environ.setdefault("BCF_WARM_PRESETS", "0")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.areas
        if root is None:
            root = Path(tmp) / "areas"
            build_all(default_source_dir(), root)  # a full build: the benchmarks need every area
        os.environ[AREAS_ENV] = str(root)
        demo, _ = load_area()
        for code, name in AREAS.items():
            t = time.perf_counter()
            area, problems = open_area(root / code, demo)
            _record(f"open_{code}_ms", (time.perf_counter() - t) * 1000, "ms", name)
            if area is None:
                print(f"error: {name}: {problems[:2]}", file=sys.stderr)
                return 1
            t = time.perf_counter()
            pipeline.fit_all(area)
            _record(f"fits_{code}_ms", (time.perf_counter() - t) * 1000, "ms", name)
            first, again = _switch_seconds(code)
            _record(f"switch_{code}_s", first, "s", f"{name}: from the demo, cold (AppTest, Home page)")
            _record(f"switch_again_{code}_s", again, "s", f"{name}: the same switch once cached")
    return 0


if __name__ == "__main__":
    sys.exit(main())
