"""Demand projections: NEA, ACS and care-home placements — history, fit, fan chart, backtest."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.charts.demand import fan_chart, residuals_chart
from models.data import annual_by_fy
from pages.common import (
    area,
    demo_note,
    downloads,
    ensure_frame,
    fits,
    how_calculated,
    lever,
    projection,
    scenario,
    show_lever_errors,
)

ensure_frame()

a, sc = area(), scenario()
st.title("Demand projections")
st.markdown(
    "What happens if we do nothing new? Baseline projections of emergency admissions (NEA), avoidable "
    "(ambulatory-care-sensitive, ACS) admissions and permanent care-home admissions 65+, driven by the "
    "demographic growth on the previous page, with 80% and 95% intervals, and the effect of the funded schemes."
)
lever(
    st.radio,
    "COVID-19 period (Apr 2020 – Mar 2021) in the SARIMAX candidate",
    ("demand", "covid"),
    options=["intervention", "exclude"],
    horizontal=True,
    format_func=lambda v: {"intervention": "Model it (intervention regressors)", "exclude": "Exclude it"}[v],
    help="'Model it' adds a step and a pulse for the disruption; 'Exclude' treats those months as missing. "
    "ETS candidates always replace those months by the same month a year earlier. Changing this refits once.",
)
show_lever_errors()

f, proj = fits(), projection()
note = demo_note()
PCT = st.column_config.NumberColumn(format="%.1f%%")


def short(x: float) -> str:
    """A count short enough for a metric tile: 18.8k, 950."""
    return f"{x / 1000:.1f}k" if abs(x) >= 10_000 else f"{x:,.0f}"


def backtest_table(bt: pd.DataFrame) -> None:
    view = bt.assign(
        mape=bt["mape"],
        pi80_coverage=bt["pi80_coverage"] * 100,
        pi95_coverage=bt["pi95_coverage"] * 100,
    )
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        column_config={
            "model": "Model",
            "mase": st.column_config.NumberColumn("MASE (lower is better)", format="%.3f"),
            "mape": st.column_config.NumberColumn("MAPE", format="%.1f%%"),
            "pi80_coverage": st.column_config.NumberColumn("80% interval coverage", format="%.0f%%"),
            "pi95_coverage": st.column_config.NumberColumn("95% interval coverage", format="%.0f%%"),
            "chosen": st.column_config.CheckboxColumn("Chosen"),
        },
    )


def series_tab(metric: str, label: str) -> dict[str, pd.DataFrame]:
    fit = getattr(f, metric)
    monthly = proj.monthly[proj.monthly["metric"] == metric]
    scen = monthly[monthly["series"] == "scenario"]
    base = monthly[monthly["series"] == "baseline"]
    annual = proj.annual[proj.annual["metric"] == metric]
    a_scen = annual[annual["series"] == "scenario"].reset_index(drop=True)
    a_base = annual[annual["series"] == "baseline"].reset_index(drop=True)
    observed = annual_by_fy(a.monthly_series(metric))
    last_fy, last_obs = observed.index[-1], float(observed.iloc[-1])
    first = a_scen.iloc[0]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(f"{label} {last_fy} (recorded)", f"{last_obs:,.0f}")
    c2.metric(
        f"Baseline {first.fy}",
        f"{a_base.iloc[0]['mean']:,.0f}",
        f"{(a_base.iloc[0]['mean'] / last_obs - 1) * 100:+.1f}% on {last_fy}",
        delta_color="inverse",
    )
    c3.metric(
        f"With schemes {first.fy}",
        f"{first['mean']:,.0f}",
        f"{first['mean'] - a_base.iloc[0]['mean']:+,.0f} vs baseline",
        delta_color="inverse",
    )
    c4.metric(f"80% interval {first.fy}", f"{short(first.p10)} – {short(first.p90)}")
    hist = fit.fitted.rename(columns={"observed": "observed"})
    st.plotly_chart(
        fan_chart(
            hist,
            scen,
            base,
            f"{label} a month: recorded, model fit and projection",
            f"{label} a month",
            fitted=hist,
            note=note,
        ),
        width="stretch",
        key=f"fan_{metric}",
    )
    table = (
        a_base[["fy", "mean", "p10", "p90"]]
        .rename(columns={"mean": "baseline_mean", "p10": "baseline_p10", "p90": "baseline_p90"})
        .merge(
            a_scen[["fy", "mean", "p10", "p90", "p025", "p975"]].rename(
                columns={
                    "mean": "with_schemes_mean",
                    "p10": "with_schemes_p10",
                    "p90": "with_schemes_p90",
                    "p025": "with_schemes_p025",
                    "p975": "with_schemes_p975",
                }
            ),
            on="fy",
        )
    )
    st.markdown(f"**{label} a financial year (April–March)**")
    num = st.column_config.NumberColumn(format="%,.0f")
    st.dataframe(table, hide_index=True, width="stretch", column_config={c: num for c in table.columns if c != "fy"})
    d = fit.diagnostics
    verdict = "beats" if d.get("beats_benchmark") else "does **not** beat"
    st.markdown(
        f"**Model choice.** Rolling-origin backtest ({d.get('backtest_origins', '')}; 12-month horizon): "
        f"**{fit.chosen}** has the lowest MASE ({d.get('chosen_mase', float('nan')):.3f}) and {verdict} the "
        f"seasonal naive benchmark ({d.get('benchmark_mase', float('nan')):.3f}). COVID-19: {d.get('covid', fit.covid)}."
    )
    backtest_table(fit.backtest)
    with st.expander("Residual diagnostics"):
        st.plotly_chart(
            residuals_chart(fit.residuals, f"{label}: residuals of the chosen model"),
            width="stretch",
            key=f"resid_{metric}",
        )
        st.markdown(
            f"Ljung–Box test of residual autocorrelation to lag 12: p = {d.get('ljung_box_p', float('nan')):.2f} "
            "(above 0.05: no evidence the model leaves a pattern behind). "
            f"Converged: {d.get('converged')}. Failed candidates: {d.get('failed') or 'none'}."
        )
    return {
        f"{metric}_annual": table,
        f"{metric}_monthly": monthly.drop(columns=["metric"]),
        f"{metric}_backtest": fit.backtest,
    }


tab_nea, tab_acs, tab_plc = st.tabs(
    ["Emergency admissions (NEA)", "Avoidable admissions (ACS)", "Care-home placements 65+"]
)
frames: dict[str, pd.DataFrame] = {}
with tab_nea:
    frames |= series_tab("nea", "Emergency admissions")
with tab_acs:
    frames |= series_tab("acs", "ACS admissions")
with tab_plc:
    pf = f.placements
    pt = proj.placements_table
    scen, base = (
        pt[pt["series"] == "scenario"].reset_index(drop=True),
        pt[pt["series"] == "baseline"].reset_index(drop=True),
    )
    as_rate = st.toggle("Show as rate per 100,000 aged 65+ (ASCOF 2A/2C)", key="plc_rate")
    prefix = "rate_" if as_rate else ""
    hist = pf.table.assign(
        observed=pf.table["rate_per_100k"] if as_rate else pf.table["observed"],
        fitted=pf.table["fitted_rate_per_100k"] if as_rate else pf.table["fitted"],
    )
    proj_view = scen.assign(**{c: scen[prefix + c] for c in ("mean", "p025", "p10", "p90", "p975")})
    base_view = base.assign(mean=base[prefix + "mean"])
    ambition = sc.ambition_rate_per_100k if as_rate else float(sc.ambition_placements)
    first = scen.iloc[0]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        f"Placements {pf.table['fy'].iloc[-1]} (recorded)",
        f"{pf.table['observed'].iloc[-1]:,.0f}",
        f"{pf.table['rate_per_100k'].iloc[-1]:.0f} per 100k",
        delta_color="off",
        delta_arrow="off",
    )
    c2.metric(
        f"With schemes {first.fy}",
        f"{first['mean']:,.0f}",
        f"{first['rate_mean']:.0f} per 100k",
        delta_color="off",
        delta_arrow="off",
    )
    c3.metric(
        "Ambition",
        f"≤ {sc.ambition_placements:,}",
        f"{sc.ambition_rate_per_100k:.0f} per 100k",
        delta_color="off",
        delta_arrow="off",
    )
    c4.metric(f"Chance of meeting it {first.fy}", f"{first.p_meet_ambition * 100:.0f}%")
    unit = "per 100,000 aged 65+" if as_rate else "placements a year"
    st.plotly_chart(
        fan_chart(
            hist,
            proj_view,
            base_view,
            f"Permanent care-home admissions 65+ ({unit})",
            unit,
            x_col="fy",
            fitted=hist,
            ambition=ambition,
            note=note,
        ),
        width="stretch",
        key="fan_placements",
    )
    num = st.column_config.NumberColumn(format="%,.1f")
    plc_table = (
        base[["fy", "mean", "rate_mean"]]
        .rename(columns={"mean": "baseline", "rate_mean": "baseline_rate_per_100k"})
        .merge(
            scen[
                [
                    "fy",
                    "mean",
                    "p10",
                    "p90",
                    "rate_mean",
                    "rate_p10",
                    "rate_p90",
                    "p_meet_ambition",
                    "population_65plus",
                ]
            ],
            on="fy",
        )
    )
    st.dataframe(
        plc_table, hide_index=True, width="stretch", column_config={c: num for c in plc_table.columns if c != "fy"}
    )
    disp = pf.dispersion
    st.markdown(
        f"**Model.** GLM, **{pf.family.replace('_', ' ')}** family, log link, offset log(population 65+), linear "
        f"trend ({(pf.params['trend']) * 100:+.1f}% a year on the log scale) and a 2020-21 COVID-19 effect. "
        f"Overdispersion check: Pearson χ²/df = {disp.get('pearson_ratio', float('nan')):.2f} "
        f"(negative binomial when above 1 with p < 0.05). One-year-ahead backtest MAPE {pf.mape:.1f}%."
    )
    st.dataframe(pf.backtest, hide_index=True, width="stretch")
    frames |= {"placements": plc_table, "placements_backtest": pf.backtest}

downloads(frames, "bcf_demand_projections")
how_calculated(
    """
**Rates, not counts.** Each month's admissions are divided by the age-weighted demand index (base year = 1), so
the models see the non-demographic trend only. Projection = simulated future rate × the scenario's index − the
schemes' effects.

**Candidates** (statsmodels): ETS with additive damped / undamped trend and additive error and season, ETS
with multiplicative error and season and damped trend, and SARIMAX(0,1,1)(0,1,1)12 with the COVID-19 treatment
chosen above. The **seasonal naive** forecast (same month last year) is always shown as the benchmark.

**Choice by backtest.** Each candidate is refitted at three forecast origins (March of the last three complete
years before the end of the data) and forecasts 12 months ahead; MASE scales the error by the in-sample
seasonal naive error (below 1 beats it). Coverage is the share of actual months inside the 80% / 95%
intervals (36 forecasts, so coarse).

**Intervals** come from simulating 1,000 future paths from the chosen model (statsmodels' simulation for ETS; the
same state-space recursion vectorised for SARIMAX), seeded, so they carry into the schemes, beds and money.

**Placements** are small counts, summed to financial years and modelled with a GLM (Poisson, or negative
binomial when overdispersed) with the 65+ population as exposure; intervals combine parameter uncertainty
(draws from the estimates' covariance) with count noise. ASCOF rate = placements ÷ population 65+ × 100,000.
"""
)
