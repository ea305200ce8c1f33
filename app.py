"""BCF Scenario Lab: the frame (page config, navigation, shared scenario sidebar).

Run with ``streamlit run app.py``. Pages live in ``pages/``; models in ``models/``.
"""

from __future__ import annotations

import streamlit as st

# Presentation mode (a projector; also from a &present=1 link) starts with the sidebar collapsed.
_presenting = st.session_state.get("presentation", st.query_params.get("present") == "1")
st.set_page_config(
    page_title="BCF Scenario Lab",
    page_icon="🏥",
    layout="wide",
    initial_sidebar_state="collapsed" if _presenting else "expanded",
)
# A plain message from the first paint: a fresh server imports the models and loads the area (several seconds)
# before the page can draw anything. The imports below come after it on purpose.
_loading = st.empty()
_loading.markdown("**BCF Scenario Lab** is loading… (the first visit to a fresh server takes a few seconds)")

from models.pipeline.guards import scheme_warnings  # noqa: E402 - after the loading message (see above)
from pages.ui.changes import init_state, set_scenario  # noqa: E402
from pages.ui.library import library_sidebar  # noqa: E402
from pages.ui.links import keep_link  # noqa: E402
from pages.ui.picker import area_picker  # noqa: E402
from pages.ui.state import area, area_presets, scenario, scenario_label  # noqa: E402
from pages.ui.text import safe_text  # noqa: E402
from pages.ui.turns import script_turn  # noqa: E402
from pages.ui.warmup import warm_presets  # noqa: E402
from pages.ui.widgets import lever, show_lever_errors  # noqa: E402

init_state()

# Always: a tile's number or label wraps onto a second line rather than being cut ("11.1% / 5…").
FRAME_CSS = """
<style>
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *,
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: break-word;
}
[data-testid="stMetric"] { min-width: 0; }
</style>
"""

PRESENTATION_CSS = """
<style>
/* Presentation mode (projector): larger type that never cuts a number or a label. */
html, body, [data-testid="stAppViewContainer"] { font-size: 19px; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  font-size: clamp(1.5rem, 2.3vw, 2.6rem) !important; line-height: 1.15;
}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] p { font-size: 1.05rem !important; }
[data-testid="stMetric"] *, [data-testid="stTable"] th, [data-testid="stTable"] td,
[data-testid="stWidgetLabel"] *, [data-testid="stExpander"] summary * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
[data-testid="stMetric"] { min-width: 0; }
.stMarkdown p, .stMarkdown li { font-size: 1.15rem; }
[data-testid="stTable"] table { width: 100%; table-layout: auto; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.05rem; }
/* Charts keep their own size: a CSS zoom on a chart made Plotly measure its box zoomed and draw it 1.25 × 1.25
   too wide (2,163 px in a 1,384 px column at 1920 × 1080), cutting off options, partners and axes. */
[data-testid="stPlotlyChart"], [data-testid="stPlotlyChart"] > div { max-width: 100%; }
[data-testid="stDataFrame"] { max-width: 100%; }
</style>
"""


def sidebar() -> None:
    """The shared scenario controls, present on every page."""
    with st.sidebar:
        area_picker()
        choices = area_presets()
        names = list(choices)
        label = scenario_label()  # a preset's name, a saved scenario's name, or "Custom" once edited
        options = names if label in choices else [label, *names]
        key = f"preset#{st.session_state.rev}"
        if st.session_state.get(key) != label:  # show "Custom" as soon as a lever changes the preset
            st.session_state[key] = label

        def apply_preset() -> None:
            picked = st.session_state[key]
            if picked in choices:
                set_scenario(choices[picked], external=True)

        st.selectbox(
            "Scenario preset",
            options,
            key=key,
            on_change=apply_preset,
            help="Named scenarios for workshops; each is the area's baseline with one change.",
        )
        c1, c2 = st.columns(2)
        c1.button(
            "Reset",
            help="Back to the area's baseline scenario",
            width="stretch",
            on_click=lambda: set_scenario(choices[names[0]], external=True),
        )
        c2.toggle(
            "Present",
            key="presentation",
            help="Presentation mode: larger type for a projector; hides downloads and method notes",
        )
        lever(
            st.slider,
            "Horizon (financial years)",
            ("horizon_years",),
            min_value=1,
            max_value=10,
            help="How many financial years (April–March) after the last year of data to project.",
        )
        with st.expander("Monte Carlo"):
            lever(
                st.select_slider,
                "Draws",
                ("n_draws",),
                options=[200, 500, 1000, 2000, 5000],
                help="Simulated futures behind every interval (default 1,000). More draws: smoother intervals, "
                "slower pages. The winter simulation uses at most 2,000.",
            )
            lever(
                st.number_input,
                "Random seed",
                ("seed",),
                min_value=0,
                max_value=2**32 - 1,
                step=1,
                help="The same seed gives the same numbers; scenarios with one seed share their random numbers, "
                "so their differences are not noise.",
            )
        show_lever_errors()
        library_sidebar()
        st.caption("Share this scenario: copy the page address; it holds the whole scenario on every page.")


# The real navigation: the sidebar's page list is off in .streamlit/config.toml so that a fresh server's first
# paint never lists the pages/ folder's module names; it is turned on for st.navigation here.
st.set_option("client.showSidebarNavigation", True)
nav = st.navigation(
    {
        "Overview": [
            st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        ],
        "Demand": [
            st.Page("pages/growth.py", title="Demographic growth", icon="👥", url_path="growth"),
            st.Page("pages/demand.py", title="Demand projections", icon="📈", url_path="demand"),
        ],
        "Winter": [
            st.Page("pages/winter.py", title="Discharge and winter beds", icon="🛏️", url_path="winter"),
        ],
        "Money": [
            st.Page("pages/schemes.py", title="Scheme funding", icon="💷", url_path="schemes"),
            st.Page("pages/finance.py", title="Risk share and finance", icon="🤝", url_path="finance"),
        ],
        "Scenarios": [
            st.Page("pages/compare.py", title="Compare scenarios", icon="⚖️", url_path="compare"),
        ],
        "Areas": [st.Page("pages/icb.py", title="ICB view", icon="🏛️", url_path="icb")],
        "Data": [st.Page("pages/data.py", title="Data", icon="🗂️", url_path="data")],
    }
)
with script_turn():  # sessions take turns by whole runs (see pages.ui.turns.script_turn)
    sidebar()
    keep_link()  # Streamlit drops the query string on a page switch: put the scenario back in the address
    st.markdown(FRAME_CSS, unsafe_allow_html=True)  # our own constant styles, no user text
    if st.session_state.get("presentation"):
        st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    if "link_message" in st.session_state:
        kind, text = st.session_state.pop("link_message")
        getattr(st, kind)(text)
    for line in scheme_warnings(area(), scenario()):  # a typed effect larger than the area's activity (a typo?)
        st.warning(safe_text(line))
    if area().meta.synthetic:
        st.info(
            "**Illustrative demo data.** The series are synthetic, calibrated to published Harrow figures; "
            "they are not real patient data. Load your own area on the Data page.",
            icon="ℹ️",
        )
    _loading.empty()
    nav.run()
warm_presets()  # in the background: the presets' projections and winters, so switching preset is instant
