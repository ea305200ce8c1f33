"""Compare scenarios: 2–4 saved scenarios or presets side by side, with common random numbers."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from models.charts.board import comparison_figures
from models.core.xlsx import to_csv_bytes
from models.pipeline import compare
from models.report.board import board_workbook
from models.scenario import Scenario
from models.store.library import StoreError
from pages.ui.cache import SHARED
from pages.ui.state import area, area_presets, ensure_frame, library, scenario, scenario_label
from pages.ui.text import how_calculated

ensure_frame()

ON_SCREEN = "on-screen"

st.title("Compare scenarios")
if not st.session_state.get("presentation"):
    st.markdown(
        "Pick two to four scenarios: the one on screen, presets, or scenarios saved in the library. Each is run with "
        "the **same random numbers** (the first scenario's seed and draws), so a difference is the effect of the "
        "levers, not chance. Differences are to the first scenario picked."
    )

a = area()
options: dict[str, tuple[str, object]] = {ON_SCREEN: ("On screen: " + scenario_label(), scenario())}
for name, sc in area_presets().items():
    options[f"preset:{name}"] = (f"Preset: {name}", sc)
library_problem = ""
try:
    for e in library().list():
        when = f"{e.updated_at.day} {e.updated_at:%b %Y}"
        options[f"saved:{e.id}"] = (f"Saved: {e.name[:70]} ({when})", e.id)
except StoreError as err:
    library_problem = str(err)
if library_problem:
    st.warning(f"The scenario library cannot be read, so only presets can be compared: {library_problem}")

presets_keys = [k for k in options if k.startswith("preset:")]
default = [ON_SCREEN] + [k for k in presets_keys if options[k][1] != scenario()][:1]
if "compare_pick" in st.session_state:
    st.session_state.compare_pick = [k for k in st.session_state.compare_pick if k in options]
picked = st.multiselect(
    "Scenarios to compare (2 to 4; the first is the reference)",
    list(options),
    default=None if "compare_pick" in st.session_state else default,
    format_func=lambda k: options[k][0],
    max_selections=compare.MAX_SCENARIOS,
    key="compare_pick",
)
if len(picked) < 2:
    st.info("Pick at least two scenarios to compare.")
    st.stop()

scenarios: list[Scenario] = []
names: list[str] = []
for key in picked:
    label, ref = options[key]
    if key.startswith("saved:"):
        try:
            entry, sc = library().load(str(ref))
        except StoreError as err:
            st.error(f"{label} cannot be compared: {err}")
            st.stop()
        if entry.area_fingerprint and entry.area_fingerprint != a.fingerprint:
            st.warning(f"“{entry.name[:80]}” was saved on {entry.area_name or 'other'} data; it is run here on {a.meta.name}.")
        scenarios.append(sc)
        names.append(entry.name[:80])
    else:
        scenarios.append(ref)  # type: ignore[arg-type]
        names.append(label.split(": ", 1)[1])
labels = compare.unique_labels(names)


@st.cache_resource(show_spinner="Running the scenarios with the same random numbers…", max_entries=16)
def _compare(fingerprint: str, key: tuple[str, ...], _scenarios: tuple[Scenario, ...], _area) -> list:  # noqa: ANN001
    return compare.run_all(list(_scenarios), _area, SHARED)


try:
    results = _compare(a.fingerprint, tuple(sc.to_json() for sc in scenarios), tuple(scenarios), a)
except ValueError as err:
    st.error(f"The scenarios cannot be run on {a.meta.name}'s data: {err}")
    st.stop()
table = compare.comparison_table(compare.headlines(results), labels)
first, others = labels[0], labels[1:]
for lab, r in zip(labels, results, strict=True):
    if r.winter is not None and not r.winter.can_cope:
        st.warning(
            f"**{lab}: the winter figures are not a forecast** (average demand above capacity; the queue grows every "
            "day): read its winter rows as a system that cannot cope, not as a prediction."
        )


shown = pd.DataFrame({"Headline figure": [compare.figure_label(k) for k in table["figure"]]})
for lab in labels:
    shown[lab] = [compare.format_figure(v, u) for v, u in zip(table[lab], table["unit"], strict=True)]
for lab in others:
    col = compare.diff_label(lab, first)
    shown[col] = [compare.format_figure(v, u, signed=True) for v, u in zip(table[col], table["unit"], strict=True)]
seeds = {sc.seed for sc in scenarios}
st.caption(
    f"First projected financial year {results[0].projection.first_fy} · seed {results[0].scenario.seed} · "
    f"{results[0].scenario.n_draws:,} draws for every scenario"
    + (" (some scenarios had another seed or number of draws: the first one's are used)" if len(seeds) > 1 else "")
    + ". The first six rows are the three BCF core metrics (means) and each one's chance of staying at or under "
    "its maximum level (each scenario's own levels)."
)
st.table(shown.set_index("Headline figure"))

for fig in comparison_figures(results, labels, a, table).values():  # the workbook's Charts sheet draws the same
    st.plotly_chart(fig, width="stretch")

if not st.session_state.get("presentation"):
    c1, c2 = st.columns(2)
    stem = "bcf_comparison" + ("_illustrative" if a.meta.synthetic else "")
    export_table = table.assign(figure=[compare.figure_label(k) for k in table["figure"]])
    c1.download_button(
        "Download the comparison (Excel, board-ready)",
        functools.partial(board_workbook, results, a, labels=labels, headline=export_table),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="compare_xlsx",
        width="stretch",
        on_click="ignore",
        help="Cover, levers, every results table and these charts as pictures, with provenance and assumptions. "
        "Built when you click (a few seconds for the charts).",
    )
    c2.download_button(
        "Download the headline table (CSV)",
        functools.partial(to_csv_bytes, export_table),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="compare_csv",
        width="stretch",
        on_click="ignore",
    )
how_calculated(
    "Each scenario is projected with the engine (`models.pipeline.run`) from the same fitted models and the same "
    "simulated futures (common random numbers: the first scenario's seed and number of draws), so the "
    "differences are due to the levers. The headline figures are the engine's (`models.pipeline.results.headline`): "
    "means over the simulated futures for the first projected financial year (with the schemes' effects) and "
    "the first projected winter (unless the figure says P90). Bands are the P10–P90 range (8 futures in 10)."
)
