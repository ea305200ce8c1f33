"""Demographic growth: population by age band, growth variants and overrides, and why demand grows faster."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from models.charts.demand import growth_vs_demand, population_bands
from models.demand.population import AGE_BANDS, growth_rates
from models.pipeline.views import growth_overrides_with, growth_summary, growth_table, population_view
from models.scenario import evolve, explain
from pages.ui.cache import projection
from pages.ui.changes import set_scenario
from pages.ui.downloads import downloads
from pages.ui.state import area, ensure_frame, scenario
from pages.ui.tables import show_table
from pages.ui.text import demo_note, how_calculated, safe_text
from pages.ui.widgets import lever, show_lever_errors

ensure_frame()

a, sc = area(), scenario()
st.title("Demographic growth")
st.markdown(
    "Older residents are admitted to hospital several times as often as working-age adults, so demand grows "
    "faster than the population when the older bands grow fastest. Choose a growth variant, adjust any band, "
    "and compare **population growth** with **age-weighted demand growth** — the demographic pressure that "
    "drives the demand projections."
)

variants_table = a.tables["growth_variants.csv"]
growth_source = str(variants_table["source"].iloc[0]) if "source" in variants_table and len(variants_table) else ""
left, right = st.columns([1, 2])
with left:
    lever(
        st.selectbox,
        "Growth variant",
        ("growth", "variant"),
        options=["low", "principal", "high"],
        help="Annual growth by age band; source: the area's growth_variants.csv "
        + f"({safe_text(growth_source) if growth_source else 'uploaded'}).",
    )
    lever(
        st.slider,
        "Older people (65+): extra growth, percentage points a year",
        ("growth", "older_people_adjust_pp"),
        min_value=-3.0,
        max_value=3.0,
        step=0.1,
        help="Workshop lever: added to each 65+ band's annual growth (illustrative).",
    )
    variant_rates = growth_rates(a.growth, sc.growth.variant)
    current = growth_rates(a.growth, sc.growth.variant, sc.growth.override_map())
    st.markdown("**Annual growth by age band, % a year**")
    for band in AGE_BANDS:
        key = f"band:{band}#{st.session_state.rev}"

        def apply(band: str = band, key: str = key) -> None:
            over = growth_overrides_with(scenario().growth.overrides, variant_rates, band, st.session_state[key])
            try:
                set_scenario(evolve(scenario(), growth={"overrides": over}))
            except ValidationError as err:
                st.session_state.lever_errors = explain(err)

        label = f"{band}" + (" (overridden)" if band in dict(sc.growth.overrides) else "")
        st.slider(
            label,
            min_value=-5.0,
            max_value=10.0,
            value=float(current[band]),
            step=0.1,
            key=key,
            on_change=apply,
            help=f"Variant '{sc.growth.variant}': {variant_rates[band]:+.1f}% a year.",
        )
    if sc.growth.overrides and st.button("Clear band overrides"):
        set_scenario(evolve(sc, growth={"overrides": ()}), external=True)
        st.rerun()
    show_lever_errors()

proj = projection()
base_year = a.meta.base_year
view = growth_table(proj, base_year)
g = growth_summary(proj, base_year)
with right:
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Population growth {base_year}–{g.last_year}", f"{g.population_growth_pct:+.1f}%")
    c2.metric(
        "Age-weighted demand growth (NEA)",
        f"{g.demand_growth_pct:+.1f}%",
        f"{g.demand_above_population_pts:+.1f} pts above population",
        delta_color="off",
        delta_arrow="off",
    )
    c3.metric(
        "Residents 65+",
        f"{g.population_65plus:,.0f}",
        f"{g.population_65plus_growth_pct:+.1f}%",
        delta_color="off",
        delta_arrow="off",
    )
    st.plotly_chart(growth_vs_demand(view, base_year, demo_note()), width="stretch", key="growth_vs_demand")

pop = population_view(proj)
st.plotly_chart(population_bands(pop, base_year, demo_note()), width="stretch", key="population_bands")

table = view[
    ["year", "population", "population_65plus", "expected_admissions", "population_growth_pct", "demand_growth_pct"]
]
show_table(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "year": st.column_config.NumberColumn("Mid-year", format="%d"),
        "population": st.column_config.NumberColumn("Residents", format="%,.0f"),
        "population_65plus": st.column_config.NumberColumn("Residents 65+", format="%,.0f"),
        "expected_admissions": st.column_config.NumberColumn("Expected NEA a year (age profile)", format="%,.0f"),
        "population_growth_pct": st.column_config.NumberColumn("Population growth on base, %", format="%+.1f"),
        "demand_growth_pct": st.column_config.NumberColumn("Demand growth on base, %", format="%+.1f"),
    },
)
growth_table = pd.DataFrame({"age_band": list(proj.growth), "annual_growth_pct": list(proj.growth.values())})
downloads({"demographic index": table, "growth by age band": growth_table, "population": pop}, "bcf_growth")
rates_t = a.admission_rates
how_calculated(
    f"""
Population by band is projected from the base year ({base_year}) with compounding annual growth:
the variant's rate for each band, or your override, plus the 65+ workshop lever for the older bands.

**Age-weighted demand** is Σ over bands of *admission rate × population*, with the area's age profile of
emergency admission rates (admissions a year per 1,000 residents: {", ".join(f"{b} {r:g}" for b, r in zip(rates_t["age_band"], rates_t["nea_per_1000"], strict=True))}).
Its growth is the demographic pressure on admissions; it exceeds population growth when the older bands grow
fastest. The demand projections model the admission **rate per age-weighted population**, so that this
demographic growth and the non-demographic trend stay separate (as the Strategy Unit's NHP model does).

Sources: growth variants and rates are in the area's data files (for the demo: illustrative assumptions
informed by Harrow's published 65+ growth of about 22% by 2025 and +27% older people by 2030).
"""
)
