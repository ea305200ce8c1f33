"""App (AppTest): an uploaded 36-month area whose window contains the COVID-19 disruption (issue 19).

The demo area cut to Oct 2019 - Sep 2022 (the real case: a trust's latest 36 months uploaded from the templates)
and reshaped like it: emergency and avoidable admissions fall 35% in March - April 2020 and recover over the
following year. Every page renders, and no projected year on the Demand page leaves the plausibility envelope:
between half the lowest and 1.5 times the highest recorded 12 months of the modelled rate, times the demographic
index over the projection (models.demand.plausibility).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from models import pipeline
from models.demand.plausibility import envelope
from models.inputs.areas import load_area, with_uploads
from tests.conftest import APP_PAGES

ROOT = Path(__file__).resolve().parents[2]
START, END = pd.Timestamp("2019-10-01"), pd.Timestamp("2022-09-01")


def _disrupted_area():  # noqa: ANN202 - an AreaData
    demo, problems = load_area()
    assert demo is not None, problems
    adm = demo.admissions[(demo.admissions["month"] >= START) & (demo.admissions["month"] <= END)].copy()
    months = pd.DatetimeIndex(adm["month"])
    before = adm.loc[months < pd.Timestamp("2020-03-01"), ["nea", "acs"]].mean()
    # The real case's shape: a 35% collapse for two months, a year's recovery, then the area's own months.
    shape = np.ones(len(adm))
    at = int(np.flatnonzero(months == pd.Timestamp("2020-03-01"))[0])
    shape[at : at + 2] = 0.65
    shape[at + 2 : at + 14] = np.linspace(0.65, 1.0, 13)[1:]
    for col in ("nea", "acs"):
        reshaped = np.where(shape < 1, before[col] * shape, adm[col].to_numpy())
        adm[col] = np.round(reshaped).astype(int)
    plc = demo.placements[(demo.placements["month"] >= START) & (demo.placements["month"] <= END)]
    uploads = {
        "admissions_monthly.csv": adm.reset_index(drop=True),
        "placements_monthly.csv": plc.reset_index(drop=True),
        "population.csv": demo.population,
    }
    area, problems = with_uploads(demo, uploads, "Disrupted test area", "demo data, Oct 2019 - Sep 2022, reshaped")
    assert area is not None, problems
    assert len(area.admissions) == 36
    return area


# Session scope, not module: under pytest-xdist a worker interleaves this file's tests with others', and a module
# fixture is then rebuilt each time the worker comes back to the file (it was one AppTest run of the app per page).
@pytest.fixture(scope="session")
def disrupted() -> tuple[AppTest, object]:
    area = _disrupted_area()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["area"] = area
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, area


@pytest.mark.parametrize("page", APP_PAGES)
def test_every_page_renders_on_a_36_month_area_across_the_disruption(disrupted, page: str) -> None:
    at, _ = disrupted
    at = at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]
    assert at.session_state["area"].meta.name == "Disrupted test area"


def test_no_projected_year_on_the_demand_page_leaves_the_envelope(disrupted) -> None:
    at, area = disrupted
    at = at.switch_page("pages/demand.py").run()
    assert not at.exception, [e.value for e in at.exception]
    results = pipeline.run(at.session_state["scenario"], area, with_winter=False)
    tables = [df.value for df in at.dataframe if "baseline_mean" in df.value.columns]
    assert len(tables) == 3  # emergency admissions 65+, then all ages (NEA) and avoidable (ACS), a financial year
    older, tables = tables[0], tables[1:]
    np.testing.assert_allclose(  # the 65+ table is the pipeline's, and never above all ages
        older["baseline_mean"].to_numpy(dtype=float),
        results.projection.annual_of("nea_65plus", "baseline")["mean"].to_numpy(),
        rtol=1e-9,
    )
    assert (older["baseline_mean"].to_numpy() <= tables[0]["baseline_mean"].to_numpy()).all()
    for fit, table, index_col in zip((results.fits.nea, results.fits.acs), tables, ("index", "acs_index"), strict=True):
        env = envelope(fit.rate)
        ix = results.projection.index[index_col]
        lo, hi = env.low * float(ix.min()), env.high * float(ix.max())
        for col in ("baseline_mean", "with_schemes_mean"):
            values = table[col].to_numpy(dtype=float)
            assert np.all((values >= lo) & (values <= hi)), (fit.name, col, values, lo, hi)
        # And it is the app's own figure: the page shows what the pipeline computes.
        np.testing.assert_allclose(
            table["baseline_mean"].to_numpy(dtype=float),
            results.projection.annual_of(fit.name, "baseline")["mean"].to_numpy(),
            rtol=1e-9,
        )
