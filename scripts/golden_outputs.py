"""Record (or check) the golden outputs: every preset's headline numbers at a fixed seed.

For each preset of the demo area: the headline figures, the scheme table, the winter KPIs, the winter options
table, the capacity attribution of the discharge schemes, the money by financial year and each partner's
P10/P50/P90 of the risk share. A restructuring of the code must reproduce them (``tests/unit/test_golden.py``);
a deliberate change of behaviour rewrites the file with ``python scripts/golden_outputs.py --write`` and says
why in the commit.

Usage::

    python scripts/golden_outputs.py --write     # record tests/reference/golden.json
    python scripts/golden_outputs.py             # compare with the recorded file; exit 1 on a difference
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOLDEN = ROOT / "tests" / "reference" / "golden.json"
DRAWS = 300  # enough draws to reach every code path; few enough for a unit test
SEED = 20260401


def _clean(v: Any) -> Any:  # noqa: ANN401 - any JSON-able value
    """Plain JSON values (NaN as None; numpy scalars as Python numbers)."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _records(frame: Any) -> list[dict[str, Any]]:  # noqa: ANN401 - a DataFrame
    return _clean(frame.reset_index(drop=True).to_dict(orient="records"))


def collect() -> dict[str, Any]:
    """Golden outputs of every demo preset (a JSON-able dict keyed by preset name)."""
    from models import pipeline
    from models.inputs.areas import load_area
    from models.scenario import evolve, presets

    area, problems = load_area()
    assert area is not None, problems
    stages = pipeline.memo_stages()
    out: dict[str, Any] = {}
    for name, preset in presets(area).items():
        sc = evolve(preset, n_draws=DRAWS, seed=SEED)
        res = pipeline.run(sc, area, stages)
        w = res.winter
        fin = pipeline.finance(sc, area, stages)
        out[name] = {
            "headline": pipeline.headline(res),
            "schemes": _records(res.projection.schemes),
            "money": _records(res.projection.money),
            "annual": _records(res.projection.annual),
            "placements": _records(res.projection.placements_table),
            "winter_kpis": _records(w.kpis),
            "winter_costs": _records(w.costs),
            "winter_options": _records(pipeline.winter_options(sc, w)),
            "capacity_attribution": pipeline.capacity_attribution(sc, w),
            "partners": _records(fin.summary),
            "partner_statement": _records(fin.statement),
            "fund_statement": _records(fin.fund),
        }
    return _clean(out)


def differences(a: Any, b: Any, path: str = "", rel: float = 1e-9) -> list[str]:  # noqa: ANN401
    """Paths where two JSON trees differ (floats within ``rel`` relative tolerance count as equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: missing on one side" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            out += differences(a[k], b[k], f"{path}/{k}", rel)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{i}]", rel)
        return out
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        if math.isclose(a, b, rel_tol=rel, abs_tol=1e-6):
            return []
        return [f"{path}: {a!r} against {b!r}"]
    return [] if a == b else [f"{path}: {a!r} against {b!r}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the golden file instead of comparing")
    args = parser.parse_args(argv)
    now = collect()
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN.relative_to(ROOT)} ({len(now)} presets)")
        return 0
    diffs = differences(json.loads(GOLDEN.read_text(encoding="utf-8")), now)
    for d in diffs[:50]:
        print(d)
    print(f"{len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
