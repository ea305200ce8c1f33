"""Unit: an uploaded area is checked as the Scenario built from it; workload and scheme-effect limits."""

from __future__ import annotations

import pandas as pd
import pytest

from models.inputs.areas import DEMO_DIR, read_table, validate_table, with_uploads
from models.pipeline import guards as limits
from models.scenario import baseline, evolve


def _typed(name: str, df: pd.DataFrame | None = None) -> pd.DataFrame:
    df = pd.read_csv(DEMO_DIR / name, dtype=str, keep_default_na=False) if df is None else df
    frame, problems = read_table(df.to_csv(index=False).encode(), name)
    assert frame is not None, problems
    typed, problems = validate_table(frame, name)
    assert problems == [], problems
    return typed


def _area(demo, **replaced: pd.DataFrame):  # noqa: ANN001, ANN202
    uploads = {n: _typed(n) for n in ("admissions_monthly.csv", "placements_monthly.csv", "population.csv")}
    uploads |= {n.replace("__", "."): _typed(n.replace("__", "."), df) for n, df in replaced.items()}
    area, problems = with_uploads(demo, uploads, "Uploaded", "test")
    assert problems == [] and area is not None
    return area


def _schemes(**changes: object) -> pd.DataFrame:
    df = pd.read_csv(DEMO_DIR / "schemes.csv", dtype=str, keep_default_na=False)
    for col, value in changes.items():
        df.loc[1, col] = value
    if "budget_gbp" in changes:  # no amounts by source: the funding falls back to the lead side's line
        df.loc[1, [c for c in df.columns if c.endswith("_gbp") and c not in ("budget_gbp", "current_budget_gbp")]] = ""
    return df


def test_demo_area_passes(demo_area) -> None:
    assert limits.check_area(demo_area, demo_area) == []


@pytest.mark.parametrize(
    "column,value,words",
    [
        ("lead_partner", "London Borough of Harrow Adult Social Care " * 10, "lead_partner"),
        ("name", "A scheme with a very long name " * 10, "name"),
        ("budget_gbp", "20000000000", "budget_gbp"),
    ],
)
def test_scheme_rows_beyond_the_scenario_limits_get_per_field_messages(demo_area, column, value, words) -> None:  # noqa: ANN001
    area = _area(demo_area, schemes__csv=_schemes(**{column: value}))
    problems = limits.check_area(area, demo_area)
    row3 = [p for p in problems if p.startswith("schemes.csv, row 3, column")]
    assert row3 and words in row3[0], problems
    with pytest.raises(Exception):  # noqa: B017, PT011 - this is the crash the check prevents
        baseline(area)


def test_bad_flow_defaults_rows(demo_area) -> None:
    flow = pd.read_csv(DEMO_DIR / "flow_defaults.csv", dtype=str, keep_default_na=False)
    text = flow.copy()
    text.loc[text["parameter"] == "core_beds", "value"] = "lots"
    problems = limits.check_area(_area(demo_area, flow_defaults__csv=text), demo_area)
    assert problems == ["flow_defaults.csv, parameter 'core_beds': 'lots' is not a number"]
    shares = flow.copy()
    shares.loc[shares["parameter"] == "p0_share", "value"] = "0.9"
    problems = limits.check_area(_area(demo_area, flow_defaults__csv=shares), demo_area)
    assert len(problems) == 1 and problems[0].startswith("flow_defaults.csv") and "add up to 100%" in problems[0]
    beds = flow.copy()
    beds.loc[beds["parameter"] == "core_beds", "value"] = "99999"
    problems = limits.check_area(_area(demo_area, flow_defaults__csv=beds), demo_area)
    assert problems and "'core_beds'" in problems[0] and "5000" in problems[0]
    missing = flow[flow["parameter"] != "p2_beds"]
    problems = limits.check_area(_area(demo_area, flow_defaults__csv=missing), demo_area)
    assert problems == ["flow_defaults.csv: parameter 'p2_beds' is missing"]


def test_workload_cap(demo_area) -> None:
    sc = baseline(demo_area)
    assert limits.check_workload(sc) == [] and limits.workload(sc) <= limits.MAX_WORKLOAD
    schemes = tuple(sc.schemes[0].model_copy(update={"name": f"s{i}"}) for i in range(200))
    heavy = evolve(sc, n_draws=5000, horizon_years=10, schemes=[s.model_dump() for s in schemes])
    msg = limits.check_workload(heavy)
    assert len(msg) == 1 and "5,000 draws × 120 months × 200 schemes" in msg[0] and "at most 250 draws" in msg[0]
    fitted, notes = limits.fit_workload(heavy)
    assert fitted.n_draws == 200 and limits.check_workload(fitted) == [] and "reduced to 200" in notes[0]
    assert fitted.schemes == heavy.schemes and fitted.horizon_years == 10
    just = evolve(sc, n_draws=5000, horizon_years=10)  # 5,000 × 120 × demo schemes
    assert (limits.check_workload(just) == []) == (limits.workload(just) <= limits.MAX_WORKLOAD)
    assert limits.fit_workload(sc) == (sc, [])


def test_scheme_effect_larger_than_the_baseline(demo_area) -> None:
    sc = baseline(demo_area)
    activity = limits.annual_activity(demo_area, sc.flow.core_beds)
    assert limits.check_scheme_effects(sc, activity) == []
    nea = next(s for s in sc.schemes if s.metric == "nea")
    typo = nea.model_copy(update={"effect_low": 1.0, "effect_central": 2.0, "effect_high": activity["nea"] * 10})
    big = evolve(sc, schemes=[typo.model_dump() if s.name == nea.name else s.model_dump() for s in sc.schemes])
    lines = limits.check_scheme_effects(big, activity)
    assert len(lines) == 1 and nea.name in lines[0] and "more than the area has in a year" in lines[0]
    central = nea.model_copy(update={"effect_central": activity["nea"] * 2, "effect_high": activity["nea"] * 2})
    big = evolve(sc, schemes=[central.model_dump() if s.name == nea.name else s.model_dump() for s in sc.schemes])
    assert any(line.startswith("Together the schemes") for line in limits.scheme_warnings(demo_area, big))


@pytest.mark.parametrize(
    "text",
    [
        "[click](http://evil.example/)",
        "![pic](https://evil.example/i.png)",
        "www.evil.example",
        "mail me@evil.example",
        "# Heading\n- list",
        ":red[colour] :material/home: $x^2$",
        "<img src=x onerror=alert(1)>",
        "London Borough of Harrow (Adult Social Care) - 50% * 2",
    ],
)
def test_safe_text_leaves_no_markdown(text: str) -> None:
    import re

    from pages.ui.text import WORD_JOINER, safe_text

    safe = safe_text(text)
    # every markdown/HTML/directive character is backslash-escaped (the real renderer is tested in the browser)
    unescaped = re.findall(r"(?<!\\)[\[\]()!<>*_#`$:|~]", safe.replace("\\\\", ""))
    assert unescaped == [], (safe, unescaped)
    assert "://" not in safe.replace("\\", "") and "www." not in safe.replace("\\", "").lower()
    assert "@" not in safe or "@" + WORD_JOINER in safe
    assert "\n" not in safe
    shown = safe.replace("\\", "").replace(WORD_JOINER, "")  # what the reader sees
    assert shown == " ".join(text.split())
