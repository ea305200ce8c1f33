"""ICB view: an Integrated Care Board's places side by side on the three BCF core metrics, and the ICB's total.

Each place's baseline (current funding at its own defaults and maximum levels) is run live through the one pipeline
with a modest number of draws and cached per place and draws for every session; the total is the places added up
draw by draw (models/batch/rollup.py). The page computes nothing itself: models/batch/views.py does.
"""

from __future__ import annotations

import streamlit as st

from models.batch.rollup import RollupProblem, core_metrics_table
from models.batch.views import (
    PAGE_DRAWS,
    core_metrics_figure,
    icb_choices,
    icb_places,
    levels_of,
    place_run,
    side_by_side,
    total_view,
)
from models.core.paths import areas_dir
from models.inputs.areas import AreaData
from pages.ui.areas import built_area, built_index
from pages.ui.cache import SHARED
from pages.ui.state import area, ensure_frame
from pages.ui.text import how_calculated, safe_text

ensure_frame()


# A place's run: ≈ 1 MB of draw table at 1,000 draws; shared by every session, dropped when unused for an hour.
@st.cache_resource(show_spinner=False, max_entries=64, ttl=3600)
def _place(fingerprint: str, draws: int, _area: AreaData) -> tuple[object, dict[str, object]]:
    return place_run(_area, draws, SHARED)  # the app's cached fits: shared with the other pages


st.title("ICB view")
if not st.session_state.get("presentation"):
    st.markdown(
        "Pick an Integrated Care Board: its places (Health and Wellbeing Board areas) side by side on the three "
        "BCF core metrics against each place's maximum level, and the ICB's total added up **draw by draw**. Each "
        "place runs its **baseline** (current funding at its own defaults) from its built area."
    )

index = built_index()
if index.empty:
    st.info(
        f"No built areas were found in {safe_text(str(areas_dir()))}. Build them with "
        "`python -m models areas build --out DIR` and point the `BCF_AREAS_DIR` setting at DIR."
    )
    st.stop()

choices = icb_choices(index)
own = [code for code, _, _ in area().meta.icbs if code in choices]  # a real area opens on its own ICB
icb = st.selectbox(
    "Integrated Care Board",
    list(choices),
    index=list(choices).index(own[0]) if own else 0,
    format_func=lambda c: choices[c],
    key="icb_pick",
)
draws = st.select_slider(
    "Draws per place",
    options=list(PAGE_DRAWS),
    value=200,
    help="Monte Carlo draws of each place's run. 200 show the picture in seconds a place; a board paper uses "
    "1,000 (python -m models batch).",
)
places = icb_places(index, icb)
tables, levels, names, left_out = {}, {}, {}, []
for i, row in enumerate(places.itertuples(index=False), start=1):
    area, reasons = built_area(row.code)
    if area is None:
        left_out.append(f"{row.name}: {reasons[0] if reasons else 'cannot be opened'}")
        continue
    try:
        with st.spinner(f"Running {safe_text(row.name)} ({i} of {len(places)}; once per place and draws)…"):
            table, record = _place(area.fingerprint, draws, area)
    except ValueError as err:  # the models' own plain sentences
        left_out.append(f"{row.name}: {err}")
        continue
    tables[row.code], levels[row.code], names[row.code] = table, levels_of(record), row.name
for line in left_out:
    st.warning(f"Left out of the total: {safe_text(line)}")
if not tables:
    st.error("None of this ICB's places could be run.")
    st.stop()

try:
    metrics = core_metrics_table(tables, levels, names)
except RollupProblem as err:
    st.error(f"The places cannot be added up: {err}")
    st.stop()
total = metrics.loc[metrics["place"] == "Total"]
cols = st.columns(len(total))
for col, r in zip(cols, total.itertuples(index=False), strict=True):
    col.metric(
        f"{r.label}, ICB total ({r.fy})",
        side_by_side(metrics.loc[metrics["metric"] == r.metric]).iloc[-1, 1],
        help="P50 of the places added up draw by draw, and the total's maximum level: the places' levels weighted "
        "by their 65+ residents (admissions rates) or winter discharges (delay).",
    )
st.subheader("Places side by side")
st.table(side_by_side(metrics).set_index("Place"))
st.plotly_chart(core_metrics_figure(metrics), width="stretch", config={"displayModeBar": False})
st.subheader("The ICB's total")
st.table(total_view(tables, names).set_index("Measure"))
st.caption(
    f"{len(tables)} of {len(places)} places, {draws:,} draws each. Emergency admissions of a built area are an "
    "ESTIMATE (its share of its ICB's published total, projected level-only) until its own series is uploaded. "
    "A place in several ICBs counts in full in each."
)
how_calculated(
    "Each place runs with its own seed (derived from the baseline's seed and the place's code), so the places' "
    "draws are independent: draw d of the total is draw d of every place added up, and its P10–P90 are quantiles "
    "of the total (narrower than the places' ranges added up). Rates are recomputed from the summed counts "
    "(Σ 65+ admissions ÷ Σ 65+ residents × 100,000); the delay is Σ days after the ready date ÷ Σ discharges. "
    "The same figures for every ICB at 1,000 draws, with CSV and Parquet files: "
    "`python -m models batch --areas ICB-CODE --scenarios preset:Baseline --out DIR` (docs/batch.md)."
)
