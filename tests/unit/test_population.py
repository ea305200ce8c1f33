"""Unit tests for models.demand.population: growth levers, projection and the age-weighted index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.demand.population import (
    AGE_BANDS,
    OLDER_BANDS,
    demand_index,
    growth_rates,
    history_and_projection,
    monthly_index,
    project_population,
)

pytestmark = pytest.mark.unit

RATES = {"0-17": 50.0, "18-64": 40.0, "65-74": 120.0, "75-84": 220.0, "85+": 320.0}
BASE_POP = {"0-17": 57000.0, "18-64": 160000.0, "65-74": 22000.0, "75-84": 14000.0, "85+": 5000.0}


def _population(years=(2023, 2024)) -> pd.DataFrame:
    rows = [
        {"year": y, "age_band": b, "population": BASE_POP[b] * (1 + 0.01 * (y - 2024))}
        for y in years
        for b in AGE_BANDS
    ]
    return pd.DataFrame(rows)


def _growth() -> pd.DataFrame:
    rows = []
    for variant, g in (("low", 0.0), ("principal", 1.0), ("high", 2.0)):
        for b in AGE_BANDS:
            rows.append(
                {"variant": variant, "age_band": b, "annual_growth_pct": g + (1.0 if b in OLDER_BANDS else 0.0)}
            )
    return pd.DataFrame(rows)


def test_growth_rates_variant_overrides_and_older_lever():
    g = growth_rates(_growth(), "principal")
    assert g == {"0-17": 1.0, "18-64": 1.0, "65-74": 2.0, "75-84": 2.0, "85+": 2.0}
    g = growth_rates(_growth(), "high", overrides={"0-17": -0.5, "85+": None}, older_people_adjust_pp=1.5)
    assert g["0-17"] == -0.5
    assert g["18-64"] == 2.0
    assert g["65-74"] == pytest.approx(4.5)
    assert g["85+"] == pytest.approx(4.5)  # None keeps the variant value, lever still applies


def test_growth_rates_rejects_unknown_variant_and_band():
    with pytest.raises(ValueError, match="Unknown growth variant"):
        growth_rates(_growth(), "central")
    with pytest.raises(ValueError, match="unknown age band"):
        growth_rates(_growth(), "low", overrides={"90+": 1.0})


def test_project_population_compounds_from_base_year_actuals():
    g = {b: 2.0 for b in AGE_BANDS} | {"85+": 5.0}
    proj = project_population(_population(), g, base_year=2024, horizon_years=3)
    assert list(proj.columns) == ["year", "age_band", "population"]
    assert sorted(proj["year"].unique()) == [2024, 2025, 2026, 2027]
    p85 = proj.loc[proj["age_band"] == "85+"].set_index("year")["population"]
    assert p85[2024] == BASE_POP["85+"]
    assert p85[2027] == pytest.approx(BASE_POP["85+"] * 1.05**3)
    p017 = proj.loc[proj["age_band"] == "0-17"].set_index("year")["population"]
    assert p017[2026] == pytest.approx(BASE_POP["0-17"] * 1.02**2)


def test_project_population_requires_growth_for_every_band():
    with pytest.raises(ValueError, match="No growth rate"):
        project_population(_population(), {"0-17": 1.0}, 2024, 2)


def test_demand_index_by_hand_two_bands():
    pop = pd.DataFrame(
        {
            "year": [2024, 2024, 2025, 2025],
            "age_band": ["18-64", "85+", "18-64", "85+"],
            "population": [1000.0, 100.0, 1000.0, 200.0],
        }
    )
    rates = {"18-64": 50.0, "85+": 400.0}
    di = demand_index(pop, rates, base_year=2024).set_index("year")
    # 2024: 1000*0.05 + 100*0.4 = 90; 2025: 50 + 80 = 130
    assert di.loc[2024, "expected_admissions"] == pytest.approx(90.0)
    assert di.loc[2025, "expected_admissions"] == pytest.approx(130.0)
    assert di.loc[2025, "index"] == pytest.approx(130 / 90)
    assert di.loc[2025, "population_index"] == pytest.approx(1200 / 1100)
    assert di.loc[2025, "population_65plus"] == pytest.approx(200.0)
    # Age-weighted pressure grows faster than headcount when the old grow.
    assert di.loc[2025, "index"] > di.loc[2025, "population_index"]


def test_zero_growth_leaves_index_at_one():
    proj = project_population(_population(), dict.fromkeys(AGE_BANDS, 0.0), 2024, 5)
    di = demand_index(proj, RATES, 2024)
    np.testing.assert_allclose(di["index"], 1.0)
    np.testing.assert_allclose(di["population_index"], 1.0)
    months = pd.date_range("2024-04-01", periods=72, freq="MS")
    np.testing.assert_allclose(monthly_index(di, months), 1.0)


def test_ten_percent_more_85plus_adds_exactly_rate_times_extra_people():
    base = project_population(_population(), dict.fromkeys(AGE_BANDS, 0.0), 2024, 1)
    di0 = demand_index(base, RATES, 2024).set_index("year")
    g = dict.fromkeys(AGE_BANDS, 0.0) | {"85+": 10.0}
    di1 = demand_index(project_population(_population(), g, 2024, 1), RATES, 2024).set_index("year")
    extra = RATES["85+"] * 0.1 * BASE_POP["85+"] / 1000
    assert di1.loc[2025, "expected_admissions"] - di0.loc[2025, "expected_admissions"] == pytest.approx(extra)
    assert di1.loc[2025, "index"] == pytest.approx(1 + extra / di0.loc[2024, "expected_admissions"])


def test_monthly_index_interpolates_and_extrapolates_with_last_growth():
    idx = pd.DataFrame({"year": [2023, 2024, 2025], "index": [1.0, 1.1, 1.21]})
    months = pd.date_range("2023-01-01", "2028-12-01", freq="MS")
    m = monthly_index(idx, months)
    s = pd.Series(m, index=months)
    # Mid-year (between June and July mid-months) equals the yearly value.
    assert (s["2024-06-01"] + s["2024-07-01"]) / 2 == pytest.approx(1.1, rel=1e-3)
    assert np.all(np.diff(m) > 0)  # keeps growing: no flat extrapolation
    # Two years after the last mid-year the index has grown by 10% twice more.
    assert (s["2027-06-01"] + s["2027-07-01"]) / 2 == pytest.approx(1.21 * 1.1**2, rel=1e-3)
    # Before the first year it continues the first year's growth backwards.
    assert s["2023-01-01"] < 1.0


def test_history_and_projection_joins_actuals_and_projection():
    pop = _population(years=(2020, 2021, 2022, 2023, 2024))
    out = history_and_projection(pop, dict.fromkeys(AGE_BANDS, 1.0), 2024, 3)
    assert sorted(out["year"].unique()) == list(range(2020, 2028))
    assert len(out) == 8 * len(AGE_BANDS)
