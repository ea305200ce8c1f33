"""BCF Scenario Lab: the frame (page config, navigation, shared scenario sidebar).

Run with ``streamlit run app.py``. Pages live in ``pages/``; models in ``models/``.
"""

from __future__ import annotations

import streamlit as st

from pages.common import area, area_presets, init_state, lever, scenario, set_scenario, show_lever_errors

st.set_page_config(
    page_title="BCF Scenario Lab",
    page_icon=":material/local_hospital:",
    layout="wide",
    initial_sidebar_state="expanded",
)
init_state()

PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.1rem; }
.stMarkdown p, .stMarkdown li { font-size: 1.15rem; }
</style>
"""


def sidebar() -> None:
    """The shared scenario controls, present on every page."""
    with st.sidebar:
        st.markdown(f"**Area:** {area().meta.name}")
        sc = scenario()
        choices = area_presets()
        names = list(choices)
        matching = [n for n, p in choices.items() if p == sc]
        custom = f"Custom: {sc.name}" if not matching else None
        options = ([custom] if custom else []) + names
        key = f"preset#{st.session_state.rev}"

        def apply_preset() -> None:
            picked = st.session_state[key]
            if picked in choices:
                set_scenario(choices[picked], external=True)

        st.selectbox(
            "Scenario preset",
            options,
            index=options.index(custom or matching[0]),
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
        st.caption("Share this scenario: copy the page address; it holds the whole scenario.")


nav = st.navigation(
    {
        "Overview": [
            st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        ],
        "Demand": [
            st.Page("pages/growth.py", title="Demographic growth", icon=":material/groups:", url_path="growth"),
            st.Page("pages/demand.py", title="Demand projections", icon=":material/trending_up:", url_path="demand"),
        ],
        "Winter": [
            st.Page("pages/winter.py", title="Discharge and winter beds", icon=":material/bed:", url_path="winter"),
        ],
        "Money": [
            st.Page("pages/schemes.py", title="Scheme funding", icon=":material/payments:", url_path="schemes"),
        ],
        "Data": [st.Page("pages/data.py", title="Data", icon=":material/dataset:", url_path="data")],
    }
)
sidebar()
if st.session_state.get("presentation"):
    st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
if "link_message" in st.session_state:
    kind, text = st.session_state.pop("link_message")
    getattr(st, kind)(text)
if area().meta.synthetic:
    st.info(
        "**Illustrative demo data.** The series are synthetic, calibrated to published Harrow figures; "
        "they are not real patient data. Load your own area on the Data page.",
        icon=":material/info:",
    )
nav.run()
