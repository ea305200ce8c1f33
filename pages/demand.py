"""Demand projections: NEA, ACS and care-home placements — history, fit, fan chart, backtest."""

from __future__ import annotations

import typing

import pandas as pd
import streamlit as st

from models.charts.core import core_metric_chart
from models.charts.demand import fan_chart, residuals_chart
from models.demand.forecasting import BENCHMARK, COVID_LABELS, NAIVE, normalise_covid
from models.pipeline.core_metrics import (
    ASCOF_JOIN_NOTE,
    DEFINITIONS,
    core_metrics,
    metric_history,
    older_monthly_history,
    yearly_table,
)
from models.pipeline.views import demand_annual_table, demand_tiles, placements_annual_table
from models.scenario import Demand
from pages.ui.cache import fits, projection, results
from pages.ui.core import core_metric_tiles
from pages.ui.downloads import downloads
from pages.ui.state import area, ensure_frame, reference, scenario
from pages.ui.tables import show_table
from pages.ui.text import demo_note, how_calculated
from pages.ui.widgets import lever, show_lever_errors, signed_delta

ensure_frame()

a, sc = area(), scenario()
st.title("Demand projections")
st.markdown(
    "What happens at current funding? Emergency admissions of people aged 65+ per 100,000 (BCF core metric), "
    "all-age emergency admissions (NEA), avoidable (ambulatory-care-sensitive, ACS) admissions as a supporting "
    "measure, and long-term care-home admissions 65+ (ASCOF 2C), driven by the demographic growth on the previous page, "
    "with 80% and 95% intervals: without the scenario's changes to scheme funding (every scheme at today's "
    "budget; the history already contains today's schemes) and with them. **Current funding** in the tiles is "
    "the area's own trend: every scheme at today's budget and the default levers, on the same random numbers."
)
COVID_CHOICES = typing.get_args(Demand.model_fields["covid"].annotation)
lever(
    st.radio,
    "COVID-19 disruption (from March 2020)",
    ("demand", "covid"),
    options=list(COVID_CHOICES),
    horizontal=True,
    format_func=lambda v: COVID_LABELS[normalise_covid(v)],
    help="How the models treat March 2020 - March 2021. The default lets the data decide the post-COVID level "
    "(chosen by backtest at origins after the disruption); 'Return to the pre-COVID level' assumes admissions go "
    "back to where they were, which real series did not. Changing this refits once.",
)
show_lever_errors()

f, proj = fits(), projection()
ref = projection(reference())  # current funding, on the same random numbers
note = demo_note()
PCT = st.column_config.NumberColumn(format="%.1f%%")


def short(x: float) -> str:
    """A count short enough for a metric tile: 18.8k, 950."""
    return f"{x / 1000:.1f}k" if abs(x) >= 10_000 else f"{x:,.0f}"


BACKTEST_COLUMNS = {
    "model": "Model",
    "mase": st.column_config.NumberColumn("MASE (lower is better)", format="%.2f"),
    "mape": st.column_config.NumberColumn("MAPE", format="%.1f%%"),
    "bias": st.column_config.NumberColumn("Bias (+ = too high)", format="%+.1f%%"),
    "pi80_coverage": st.column_config.NumberColumn("80% interval covered", format="%.0f%%"),
    "pi95_coverage": st.column_config.NumberColumn("95% interval covered", format="%.0f%%"),
    "chosen": st.column_config.CheckboxColumn("Chosen"),
}


_SERIES_LABELS = {"baseline": "Without scheme changes", "with_schemes": "With scheme changes"}
_STAT_LABELS = {"mean": "mean", "p10": "P10", "p90": "P90", "p025": "P2.5", "p975": "P97.5"}


def annual_columns(table: pd.DataFrame) -> dict:
    """Readable headers for a year-by-year table: "Without scheme changes, P10" rather than ``baseline_p10``."""
    out: dict = {"fy": "Financial year"}
    for c in table.columns:
        series, _, stat = str(c).rpartition("_")
        if series in _SERIES_LABELS and stat in _STAT_LABELS:
            out[c] = st.column_config.NumberColumn(f"{_SERIES_LABELS[series]}, {_STAT_LABELS[stat]}", format="%,.0f")
    return out


_WHOLE = {"format": "%,.0f"}
PLACEMENT_COLUMNS = {
    "fy": "Financial year",
    "baseline": st.column_config.NumberColumn("Without scheme changes, mean", **_WHOLE),
    "baseline_rate_per_100k": st.column_config.NumberColumn("Without scheme changes, per 100,000 aged 65+", **_WHOLE),
    "mean": st.column_config.NumberColumn("With scheme changes, mean", **_WHOLE),
    "p10": st.column_config.NumberColumn("With scheme changes, P10", **_WHOLE),
    "p90": st.column_config.NumberColumn("With scheme changes, P90", **_WHOLE),
    "rate_mean": st.column_config.NumberColumn("Per 100,000 aged 65+, mean", **_WHOLE),
    "rate_p10": st.column_config.NumberColumn("Per 100,000 aged 65+, P10", **_WHOLE),
    "rate_p90": st.column_config.NumberColumn("Per 100,000 aged 65+, P90", **_WHOLE),
    "p_meet_ambition": st.column_config.NumberColumn("Chance of meeting the ambition", format="percent"),
    "population_65plus": st.column_config.NumberColumn("Residents 65+ (mid-year)", **_WHOLE),
}
PLACEMENT_BACKTEST_COLUMNS = {
    "fy": "Financial year",
    "observed": st.column_config.NumberColumn("Recorded placements", **_WHOLE),
    "predicted": st.column_config.NumberColumn("Predicted a year ahead", format="%,.1f"),
    "abs_pct_error": st.column_config.NumberColumn("Error, % of recorded", format="%.1f%%"),
}


def backtest_table(bt: pd.DataFrame, key: str) -> None:
    view = bt.assign(pi80_coverage=bt["pi80_coverage"] * 100, pi95_coverage=bt["pi95_coverage"] * 100)
    show_table(view, hide_index=True, width="stretch", column_config=BACKTEST_COLUMNS, key=key)


def honesty_panel(fit, label: str, metric: str) -> None:  # noqa: ANN001 - a models.demand.SeriesFit
    """Chosen model, how many origins, its accuracy against seasonal naive and naive, and what the intervals rest on."""
    d = fit.diagnostics
    bt = fit.backtest
    origins = d.get("backtest_origins", [])
    n = d.get("n_origins", len(origins))
    st.markdown(f"**How good is this projection?** Chosen model: **{fit.chosen}**. {d.get('choice', '')}")
    if d.get("level_only"):  # no recorded series: nothing was fitted or backtested; say so instead of empty tables
        st.warning(d["note"])
        st.markdown(f"**Intervals.** {d.get('calibration', '')}")
        return
    if d.get("note"):
        st.info(d["note"])
    shown = origins if len(origins) <= 4 else [*origins[:2], "…", *origins[-2:]]
    st.markdown(
        f"Accuracy rests on **{n} backtest origin{'s' if n != 1 else ''}** (the last month of training: "
        f"{', '.join(shown)}), each forecasting up to 12 months ahead with only the data before it. MASE below 1 "
        "means smaller errors than the seasonal naive forecast makes in-sample; months from March 2020 to March 2021 "
        "are not scored."
    )
    picks = [fit.chosen, BENCHMARK, NAIVE]
    key_rows = bt[bt["model"].isin(picks)].copy()
    key_rows["order"] = key_rows["model"].map({m: i for i, m in enumerate(picks)})
    key_rows["model"] = key_rows["model"].map(lambda m: f"{m} (chosen)" if m == fit.chosen else f"{m} (benchmark)")
    backtest_table(key_rows.sort_values("order").drop(columns=["order"]), key=f"bt_key_{metric}")
    st.markdown(f"**Intervals.** {d.get('calibration', '')}")
    st.markdown(f"**COVID-19.** {d.get('covid', fit.covid)}")
    with st.expander(f"{label}: every candidate in the backtest"):
        backtest_table(bt, key=f"bt_all_{metric}")
        failed = d.get("failed") or {}
        if failed:
            st.caption("Could not be fitted: " + "; ".join(f"{k}: {v}" for k, v in failed.items()))


def series_tab(metric: str, label: str) -> dict[str, pd.DataFrame]:
    fit = getattr(f, metric)
    monthly = proj.monthly[proj.monthly["metric"] == metric]
    scen = proj.monthly_of(metric, "scenario")
    base = proj.monthly_of(metric, "baseline")  # without the scheme changes
    t = demand_tiles(a, proj, ref, metric)
    c1, c2, c3, c4 = st.columns(4)
    recorded = "estimate" if metric in a.meta.estimated else "recorded"
    c1.metric(f"{label} {t.last_fy} ({recorded})", f"{t.recorded:,.0f}")
    c2.metric(
        f"Current funding {t.first_fy}",
        f"{t.current_funding:,.0f}",
        signed_delta(t.current_funding_change_pct, ".1f", f"on {t.last_fy}", unit="%"),
        delta_color="inverse",
    )
    c3.metric(
        f"Scenario {t.first_fy}",
        f"{t.scenario:,.0f}",
        signed_delta(t.change_vs_current_funding, ",.0f", "vs current funding"),
        delta_color="inverse",
    )
    c4.metric(f"80% interval {t.first_fy}", f"{short(t.p10)} – {short(t.p90)}")
    if fit.guard_message:  # the plausibility guard refused a model: say which, why, and what is used instead
        st.warning(fit.guard_message)
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
    table = demand_annual_table(proj, metric)
    st.markdown(f"**{label} a financial year (April–March)**")
    show_table(table, hide_index=True, width="stretch", column_config=annual_columns(table))
    d = fit.diagnostics
    honesty_panel(fit, label, metric)
    if not d.get("level_only"):
        residual_panel(fit, label, metric)
    name = metric.upper()
    return {
        f"{name} a year": table,
        f"{name} by month": monthly.drop(columns=["metric"]),
        f"{name} backtest": fit.backtest,
    }


def residual_panel(fit, label: str, metric: str) -> None:  # noqa: ANN001 - a models.demand.SeriesFit
    """The chosen model's residuals and the Ljung–Box test (a fitted model only)."""
    d = fit.diagnostics
    with st.expander("Residual diagnostics"):
        st.plotly_chart(
            residuals_chart(fit.residuals, f"{label}: residuals of the chosen model"),
            width="stretch",
            key=f"resid_{metric}",
        )
        st.markdown(
            f"Ljung–Box test of residual autocorrelation to lag 12: p = {d.get('ljung_box_p', float('nan')):.2f} "
            "(above 0.05: no evidence the model leaves a pattern behind). Residuals are shown where the model "
            "gives one-step-ahead fitted values."
        )


res = results()
st.markdown("#### BCF core metrics from demand (2025-27)")
core_metric_tiles(res, a, ("nea65", "ascof2c"))
tab_65, tab_nea, tab_acs, tab_plc = st.tabs(
    [
        "Emergency admissions 65+ (core metric)",
        "Emergency admissions (NEA)",
        "Avoidable admissions (ACS, supporting)",
        "Care-home admissions 65+ (ASCOF 2C)",
    ]
)
frames: dict[str, pd.DataFrame] = {}
with tab_65:
    older = core_metrics(res, a)["nea65"]
    if older.estimate:
        st.info(older.note)
    yearly = yearly_table(res)
    st.plotly_chart(
        core_metric_chart(
            metric_history(a, sc, "nea65"),
            yearly.loc[yearly["metric"] == "nea65"],
            older.ambition,
            "Emergency admissions 65+ per 100,000 aged 65+, by financial year",
            "per 100,000 aged 65+ a year",
            note=note,
        ),
        width="stretch",
        key="core_nea65_demand",
    )
    st.plotly_chart(
        fan_chart(
            older_monthly_history(a),
            proj.monthly_of("nea_65plus", "scenario"),
            proj.monthly_of("nea_65plus", "baseline"),
            "Emergency admissions 65+ a month: " + ("estimated" if older.estimate else "recorded") + " and projection",
            "65+ admissions a month",
            note=note,
        ),
        width="stretch",
        key="fan_nea65",
    )
    table65 = demand_annual_table(proj, "nea_65plus")
    st.markdown("**Emergency admissions 65+ a financial year (April–March)**")
    show_table(table65, hide_index=True, width="stretch", column_config=annual_columns(table65))
    st.caption(
        f"{DEFINITIONS['nea65']} {older.note} Schemes whose metric is nea_65plus avoid 65+ admissions (and so "
        "all-age ones); all-age and ACS schemes avoid 65+ admissions in proportion to the 65+ share."
    )
    frames |= {"NEA 65+ a year": table65, "core metrics by year": yearly}
with tab_nea:
    frames |= series_tab("nea", "Emergency admissions")
with tab_acs:
    frames |= series_tab("acs", "ACS admissions")
with tab_plc:
    pf = f.placements
    scen, base = proj.placements_of("scenario"), proj.placements_of("baseline")
    st.caption(ASCOF_JOIN_NOTE)
    as_rate = st.toggle("Show as rate per 100,000 aged 65+ (ASCOF 2C; 2A part 2 before 2023-24)", key="plc_rate")
    prefix = "rate_" if as_rate else ""
    hist = pf.table.assign(
        observed=pf.table["rate_per_100k"] if as_rate else pf.table["observed"],
        fitted=pf.table["fitted_rate_per_100k"] if as_rate else pf.table["fitted"],
    )
    proj_view = scen.assign(**{c: scen[f"{prefix}{c}"] for c in ("mean", "p025", "p10", "p90", "p975")})
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
        f"Scenario {first.fy}",
        f"{first['mean']:,.0f}",
        f"{first['rate_mean']:.0f} per 100k",
        delta_color="off",
        delta_arrow="off",
    )
    c3.metric(
        "Maximum level",
        f"{sc.ambition_rate_per_100k:.0f} per 100k",
        f"≤ {sc.ambition_placements:,} placements",
        delta_color="off",
        delta_arrow="off",
    )
    c4.metric(
        f"Chance at or under the maximum level {first.fy}",
        f"{core_metrics(res, a)['ascof2c'].chance:.0%}",
        help=f"Share of draws whose rate per 100,000 aged 65+ is at or under {sc.ambition_rate_per_100k:.0f} "
        f"({first.p_meet_ambition:.0%} at or under {sc.ambition_placements:,} placements)",
    )
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
    plc_table = placements_annual_table(proj)
    show_table(plc_table, hide_index=True, width="stretch", column_config=PLACEMENT_COLUMNS)
    disp = pf.dispersion
    terms = ["offset log(population 65+)"]
    terms.append(
        f"a linear trend ({pf.trend * 100:+.1f}% a year on the log scale)"
        if "trend" in pf.params
        else "no trend (fewer than four complete years: a flat rate per head)"
    )
    if "covid_2020" in pf.params:
        terms.append("a 2020-21 COVID-19 effect")
    elif "2020-21" in set(pf.table["fy"]):
        terms.append("2020-21 left out of the fit (too few years for its own term)")
    ratio = disp.get("pearson_ratio", float("nan"))
    mape = (
        f"One-year-ahead backtest MAPE {pf.mape:.1f}% ({len(pf.backtest)} year{'s' if len(pf.backtest) != 1 else ''})."
        if len(pf.backtest)
        else "No backtest: one complete year is all the data hold."
    )
    st.markdown(
        f"**Model.** GLM, **{pf.family.replace('_', ' ')}** family, log link, {', '.join(terms)}. "
        + (
            f"Overdispersion check: Pearson χ²/df = {ratio:.2f} (negative binomial when above 1 with p < 0.05). "
            if ratio == ratio
            else ""
        )
        + mape
    )
    show_table(pf.backtest, hide_index=True, width="stretch", column_config=PLACEMENT_BACKTEST_COLUMNS)
    frames |= {"placements": plc_table, "placements backtest": pf.backtest}

downloads(frames, "bcf_demand_projections")
how_calculated(
    """
**Rates, not counts.** Each month's admissions are divided by the age-weighted demand index (base year = 1), so
the models see the non-demographic trend only. Projection = simulated future rate × the scenario's index − the
schemes' effects.

**Candidates.** Naive (last month), seasonal naive (same month last year), a flat smoothed level of admissions
per day (calendar-adjusted: times the days in each future month; how fast it adapts is set by the months outside
the COVID-19 disruption), ETS(A,Ad,A), an ETS chosen by AICc (multiplicative errors, with or without
seasonality, start values estimated) and Theta (statsmodels), and a combination: the geometric mean of the
level, naive and AICc ETS forecasts. Series of 12–23 months get non-seasonal candidates only (naive, drift, damped
trend, level, ETS, Theta, combination); seasonal ETS(A,Ad,A) and Theta need 36 months (24 months of training at
every backtest origin). SARIMAX(0,1,1)(0,1,1)12 is no longer a default candidate: it carries the latest slope on
for ever.

**Choice by backtest.** Each candidate is refitted at up to 12 rolling origins spread over the history (as many as
the data allow) and forecasts up to 12 months ahead from each, seeing only the data before it. MASE scales the
error by the in-sample seasonal naive error. The combination is used unless a single model's MASE is lower by more
than two standard errors (neighbouring origins share most of their test months, so they count as the number of
separate 12-month windows they span); on real emergency-admission series, picking the single model with the lowest
backtest MASE did worse than the combination. When the data span the COVID-19 disruption, only origins after it
count (the current regime; with two years or more after it, all 12 origins lie there); with fewer than 12 of them
the combination is used.

**Trends never explode.** A model with a slope (damped trend, drift, Theta) is chosen only when the backtest
spans at least three separate 12-month windows, and beyond the first year (what the backtest tests) its
year-on-year change is halved every year. A short window across the COVID-19 disruption therefore gets the flat
combination: its level comes from the months after the disruption, not from the recovery slope.

**Plausibility check.** Every projected 12 months, at every horizon up to 10 years, must stay between half the
lowest and 1.5 times the highest 12 months recorded (at base-year age structure; demographic growth comes on top).
A model that leaves that range is refused, the next in the backtest's order is used, and the page says so.

**COVID-19.** March 2020 – March 2021 are not scored. By default the backtest chooses between the months *as
recorded* and a *level shift* (the disrupted months replaced by the pre-pandemic pattern at the level the data
show afterwards), at origins after the disruption; the data decide the post-COVID level. *Return to the pre-COVID
level* is an assumption, offered only as an option.

**Intervals** are 1,000 simulated future paths: the point forecast times a random walk whose spread at each
horizon is calibrated on the series' own in-sample forecast errors 1–12 months ahead (disrupted months
excluded), scaled by how the chosen model did against a simple forecast in the backtest, widened (never narrowed)
so that the 80% interval covers 80% of the chosen model's own backtest errors (less so when the origins are few),
with Student-t tails. Beyond 12 months the spread grows by a bounded amount a year (at least England's own
growth of forecast error from one to five years ahead, at most a 14% standard deviation a year), not
compounding. Coverage in the tables is checked at the backtest origins, each using only the data before it (and
widened from the other origins' errors).

**One point forecast.** The mean shown in the tiles, tables, money and downloads is the chosen model's own
forecast, and the paths are centred on it (their mean is exactly it): on real series the model's forecast was
more accurate than the raw mean of the paths, which ran 1–2% high. The median (P50) is a little lower.

**Placements** are small counts, summed to financial years and modelled with a GLM (Poisson, or negative
binomial when overdispersed) with the 65+ population as exposure; intervals combine parameter uncertainty
(draws from the estimates' covariance) with count noise. ASCOF rate = placements ÷ population 65+ × 100,000.
"""
)
