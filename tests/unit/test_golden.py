"""Unit: the golden outputs (every demo preset's headline figures, scheme table, winter KPIs and options, money
by year and each partner's P10/P50/P90 at a fixed seed) are reproduced by the code as it is now.

The reference was recorded before the models were restructured into stage subpackages; a change of behaviour
must rewrite it deliberately (``python scripts/golden_outputs.py --write``) and say why.
"""

from __future__ import annotations

import json

from scripts.golden_outputs import GOLDEN, collect, differences


def test_every_preset_reproduces_its_golden_outputs():
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    diffs = differences(recorded, collect())
    assert not diffs, "\n".join(diffs[:30])


def test_the_comparison_notices_a_change():
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    first = next(iter(recorded))
    changed = json.loads(json.dumps(recorded))
    changed[first]["headline"]["nea_first_fy"] *= 1.000001
    changed[first]["partners"][0]["p90_gbp"] += 1.0
    assert len(differences(recorded, changed)) == 2
