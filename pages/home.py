"""Home: the area, its data period and the headline history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.charts.history import monthly_admissions, placements_rate
from models.history import admissions_by_fy, placements_by_fy
from pages.common import (
    area,
    downloads,
    ensure_frame,
    fmt_gbp,
    how_calculated,
    projection,
    scenario,
    winter_result,
)

ensure_frame()

a = area()
sc = scenario()
note = "Illustrative demo data (synthetic)" if a.meta.synthetic else f"Source: {a.meta.provenance[:80]}"

st.title("BCF Scenario Lab")
st.markdown(
    "Test Better Care Fund scenarios before committing money: demographic growth, emergency and avoidable "
    "admissions, care-home placements, what funded schemes avoid, winter beds and discharge capacity."
)
adm = a.admissions
first, last = adm["month"].min(), adm["month"].max()
st.markdown(
    f"**{a.meta.name}** · data {first:%B %Y} – {last:%B %Y} · population base year {a.meta.base_year} · "
    f"scenario **{sc.name}**"
)

fy_adm = admissions_by_fy(a)
fy_plc = placements_by_fy(a)
latest, prior = fy_adm.iloc[-1], fy_adm.iloc[-2]
plc_latest, plc_prior = fy_plc.iloc[-1], fy_plc.iloc[-2]
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    f"Emergency admissions {latest.fy}",
    f"{latest.nea:,}",
    f"{latest.nea - prior.nea:+,} on {prior.fy}",
    delta_color="inverse",
)
c2.metric(
    f"Avoidable (ACS) admissions {latest.fy}", f"{latest.acs:,}", f"{latest.acs - prior.acs:+,}", delta_color="inverse"
)
c3.metric(
    f"Care-home placements 65+ {plc_latest.fy}",
    f"{plc_latest.placements:,}",
    f"{plc_latest.placements - plc_prior.placements:+,}",
    delta_color="inverse",
)
c4.metric(
    "per 100,000 aged 65+",
    f"{plc_latest.rate_per_100k:.0f}",
    f"{plc_latest.rate_per_100k - sc.ambition_rate_per_100k:+.0f} vs ambition {sc.ambition_rate_per_100k:.0f}",
    delta_color="inverse",
)

st.subheader(f"Scenario: {sc.name}")
proj = projection()
first_fy = proj.first_fy
plc = proj.placements_table
plc_first = plc[(plc["series"] == "scenario") & (plc["fy"] == first_fy)].iloc[0]
w = winter_result()
k = w.kpis.set_index("kpi")
t1, t2, t3, t4 = st.columns(4)
t1.metric(
    f"Projected emergency admissions {first_fy}",
    f"{proj.annual_mean('nea', 'scenario'):,.0f}",
    f"{proj.annual_mean('nea', 'scenario') - proj.annual_mean('nea', 'baseline'):+,.0f} from schemes",
    delta_color="inverse",
)
t2.metric(
    f"Placements 65+ {first_fy}",
    f"{plc_first['mean']:,.0f}",
    f"{plc_first['rate_mean']:.0f} per 100k vs ambition {sc.ambition_rate_per_100k:.0f}",
    delta_color="off",
    delta_arrow="off",
)
t3.metric(
    f"Winter peak occupancy {w.start:%b %Y}–{(w.start + pd.Timedelta(days=181)):%b %Y}",
    f"{w.weekly['mean'].max():.0f}%",
    f"{k.loc['days_above_95', 'mean']:.0f} days above 95%",
    delta_color="off",
    delta_arrow="off",
)
t4.metric(
    "Pooled fund (schemes)",
    fmt_gbp(sc.scheme_budget_gbp),
    f"{len(sc.schemes)} schemes",
    delta_color="off",
    delta_arrow="off",
)
st.caption(
    "Projections are means of the Monte Carlo draws; see each page for intervals. Partner risk-share positions "
    "are not modelled yet."
)

st.subheader("History")
st.plotly_chart(monthly_admissions(adm, note), width="stretch", key="home_adm")
st.plotly_chart(placements_rate(fy_plc, sc.ambition_rate_per_100k, note), width="stretch", key="home_plc")
st.dataframe(fy_adm.merge(fy_plc, on="fy", how="outer"), hide_index=True, width="stretch")
downloads({"history": fy_adm.merge(fy_plc, on="fy", how="outer"), "admissions_monthly": adm}, "bcf_history")
how_calculated(
    "Financial years run April to March. Placements per 100,000 use the mid-year population aged 65+ of the year "
    "in which the financial year starts (ASCOF 2A/2C). Nothing on this page is modelled: it is the area's data."
)
