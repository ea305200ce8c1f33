"""Unit: the data every chart builder in models/charts draws (order, signs, labels, units).

Charts are pure functions returning Plotly figures, so each test builds one from a small hand-made frame and reads
``fig.data`` / ``fig.layout``; no browser. Expected values are worked by hand from the frames.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from models.charts import BAND_80, BAND_95
from models.charts.board import chart_note, difference_keys
from models.charts.compare import difference_bars, overlay_fans
from models.charts.demand import fan_chart, growth_vs_demand, population_bands, residuals_chart
from models.charts.finance import TORNADO_TITLE, position_violins, tornado_chart
from models.charts.flow import occupancy_fan, occupancy_risk, options_chart, size_matters
from models.charts.history import monthly_admissions, placements_rate
from models.charts.schemes import before_after, cost_per_avoided, metric_waterfall
from models.money.schemes import WHOLE_FUND

MONTHS = pd.date_range("2025-04-01", periods=4, freq="MS")


def _trace(fig: go.Figure, name: str) -> go.BaseTraceType:
    hits = [t for t in fig.data if t.name == name]
    assert len(hits) == 1, [t.name for t in fig.data]
    return hits[0]


def _y(trace: go.BaseTraceType) -> list[float]:
    return [float(v) for v in trace.y]


def _x(trace: go.BaseTraceType) -> list[float]:
    return [float(v) for v in trace.x]


# ---------------------------------------------------------------------------- finance: tornado and violins


def _tornado_table() -> pd.DataFrame:
    """Ordered as models.money.riskshare.tornado_table orders it: by the widest swing over all partners."""
    rows = [
        # input, partner, base, low, high
        ("Demographic growth", "Council", 50.0, 50.0, 50.0),  # moves the ICB a lot, the Council not at all
        ("Demographic growth", "ICB", 100.0, 20.0, 220.0),
        ("Cost per emergency admission", "Council", 50.0, 30.0, 90.0),
        ("Cost per emergency admission", "ICB", 100.0, 70.0, 160.0),
        ("Care-home weekly cost", "Council", 50.0, 40.0, 60.0),
        ("Care-home weekly cost", "ICB", 100.0, 90.0, 110.0),
    ]
    return pd.DataFrame(
        [
            {
                "input": i, "low_label": "−20%", "high_label": "+20%", "partner": p, "p50_base_gbp": b,
                "p50_low_gbp": lo, "p50_high_gbp": hi, "swing_gbp": abs(hi - lo),
            }
            for i, p, b, lo, hi in rows
        ]
    )


def test_each_partners_tornado_puts_its_own_widest_swing_at_the_top() -> None:
    table = _tornado_table()
    council = tornado_chart(table, "Council")
    # Plotly draws the first category at the bottom: read the y order top-down.
    top_down = list(council.data[0].y)[::-1]
    assert top_down == ["Cost per emergency admission", "Care-home weekly cost", "Demographic growth"]  # £60k, £20k, £0
    icb = tornado_chart(table, "ICB")
    assert list(icb.data[0].y)[::-1] == ["Demographic growth", "Cost per emergency admission", "Care-home weekly cost"]
    assert council.layout.title.text == f"{TORNADO_TITLE}: Council"


def test_tornado_bars_run_from_the_partners_p50_to_each_end() -> None:
    fig = tornado_chart(_tornado_table(), "ICB")
    low, high = fig.data
    assert (low.name, high.name) == ("low end", "high end")
    assert all(o == "h" for o in (low.orientation, high.orientation))
    assert low.base == 100.0 and high.base == 100.0
    # bottom-up order: care-home, cost per admission, growth
    assert _x(low) == [-10.0, -30.0, -80.0]  # P50 at the low end minus the base: below it (money back)
    assert _x(high) == [10.0, 60.0, 120.0]
    assert [float(v) for v in high.customdata] == [110.0, 160.0, 220.0]  # hover: the P50 itself, £
    assert list(low.text) == ["−20%"] * 3
    assert all(t.startswith(("£", "\u2212£")) for t in fig.layout.xaxis.ticktext)  # UK money ticks: −£2m, never £−2m
    assert fig.layout.shapes[0].x0 == 100.0  # the P50 line


def test_position_violins_mark_each_partners_percentiles() -> None:
    rng = np.random.default_rng(0)
    pos = np.column_stack([rng.normal(0, 1000, 500), rng.normal(5000, 10, 500)])
    fig = position_violins(pos, ["ICB", "Council <b>"], exceed_gbp=2000.0)
    violins = [t for t in fig.data if t.type == "violin"]
    assert [t.name for t in violins] == ["ICB", "Council &lt;b&gt;"]  # names escaped
    for k, v in enumerate(violins):
        np.testing.assert_allclose(v.customdata[0], np.quantile(pos[:, k], [0.1, 0.5, 0.9]))
    ticks = [t for t in fig.data if t.type == "scatter"]
    assert list(ticks[1].customdata) == ["P10", "P50", "P90"]
    np.testing.assert_allclose(_y(ticks[1]), np.quantile(pos[:, 1], [0.1, 0.5, 0.9]))
    lo, hi = fig.layout.yaxis.range
    assert lo < 0 and hi > 5000 and hi > 2000  # zero, the stated amount and the draws all on the axis
    assert any(s.y0 == 2000.0 for s in fig.layout.shapes)


# ---------------------------------------------------------------------------- demand


def _projection() -> pd.DataFrame:
    return pd.DataFrame(
        {"month": MONTHS, "mean": [100.0] * 4, "p025": [80.0] * 4, "p10": [90.0] * 4, "p90": [110.0] * 4,
         "p975": [120.0] * 4}
    )


def test_fan_chart_bands_outer_then_inner_then_lines() -> None:
    hist = pd.DataFrame({"month": pd.date_range("2025-01-01", periods=3, freq="MS"), "observed": [95.0, 97.0, 99.0]})
    base = pd.DataFrame({"month": MONTHS, "mean": [104.0] * 4})
    fig = fan_chart(hist, _projection(), base, "t", "admissions a month", fitted=hist.rename(columns={"observed": "fitted"}))
    names = [t.name for t in fig.data]
    assert names == [
        "95% interval", "80% interval", "Recorded", "Model fit", "Without scheme changes", "Projection (mean)"
    ]
    b95, b80 = fig.data[0], fig.data[1]
    assert b95.fillcolor == BAND_95 and b80.fillcolor == BAND_80
    assert _y(b95) == [120.0] * 4 + [80.0] * 4  # upper edge left to right, then the lower edge back
    assert _y(b80) == [110.0] * 4 + [90.0] * 4
    assert list(b95.x) == list(MONTHS) + list(MONTHS[::-1])
    assert _y(_trace(fig, "Without scheme changes")) == [104.0] * 4
    assert _y(_trace(fig, "Projection (mean)")) == [100.0] * 4
    assert fig.layout.yaxis.title.text == "admissions a month"


def test_fan_chart_financial_years_in_time_order_with_the_ambition() -> None:
    hist = pd.DataFrame({"fy": ["2023-24", "2024-25"], "observed": [150.0, 148.0]})
    proj = _projection().assign(fy=["2025-26", "2026-27", "2027-28", "2028-29"]).drop(columns="month")
    fig = fan_chart(hist, proj, None, "t", "placements a year", x_col="fy", ambition=146.0)
    assert list(fig.layout.xaxis.categoryarray) == ["2023-24", "2024-25", "2025-26", "2026-27", "2027-28", "2028-29"]
    assert fig.layout.shapes[0].y0 == 146.0
    assert any(a.text == "Ambition 146" for a in fig.layout.annotations)


def test_population_bands_recorded_solid_and_projected_dotted() -> None:
    pop = pd.DataFrame(
        {"year": [2022, 2023, 2024, 2022, 2023, 2024], "age_band": ["65-74"] * 3 + ["85+"] * 3,
         "population": [10.0, 11.0, 12.0, 5.0, 6.0, 7.0]}
    )
    fig = population_bands(pop, base_year=2023)
    rec, proj = fig.data[0], fig.data[1]
    assert rec.name == "65-74" and list(rec.x) == [2022, 2023] and rec.line.dash is None
    assert proj.name == "65-74 projected" and list(proj.x) == [2023, 2024] and proj.line.dash == "dot"
    assert _y(fig.data[3]) == [6.0, 7.0]
    assert fig.layout.yaxis.type == "log" and fig.layout.shapes[0].x0 == 2023


def test_growth_vs_demand_in_percent_of_the_base_year() -> None:
    idx = pd.DataFrame(
        {"year": [2022, 2023, 2024], "population_index": [0.99, 1.0, 1.02], "index": [0.98, 1.0, 1.05],
         "acs_index": [1.0, 1.0, 1.1]}
    )
    fig = growth_vs_demand(idx, 2023)
    assert [t.name for t in fig.data] == [
        "Population growth", "Age-weighted demand growth (NEA)", "Age-weighted demand growth (ACS)"
    ]
    np.testing.assert_allclose(_y(fig.data[0]), [0.0, 2.0])
    np.testing.assert_allclose(_y(fig.data[1]), [0.0, 5.0])
    assert list(fig.data[1].x) == [2023, 2024] and fig.layout.yaxis.ticksuffix == "%"


def test_residuals_are_observed_minus_fitted_by_month() -> None:
    res = pd.Series([3.0, -2.0], index=MONTHS[:2])
    fig = residuals_chart(res, "NEA residuals")
    assert _y(fig.data[0]) == [3.0, -2.0] and fig.layout.yaxis.title.text == "observed − fitted"


# ---------------------------------------------------------------------------- compare


def test_overlay_fans_band_then_median_per_scenario() -> None:
    frame = pd.DataFrame(
        {"scenario": ["A", "A", "B", "B"], "fy": ["2025-26", "2026-27"] * 2, "p10": [1.0, 2.0, 3.0, 4.0],
         "p50": [2.0, 3.0, 4.0, 5.0], "p90": [3.0, 4.0, 5.0, 6.0]}
    )
    fig = overlay_fans(frame, "fy", "t", "placements a year")
    assert len(fig.data) == 6
    upper, lower, mid = fig.data[3:6]  # scenario B
    assert _y(upper) == [5.0, 6.0] and _y(lower) == [3.0, 4.0] and lower.fill == "tonexty"
    assert mid.name == "B" and _y(mid) == [4.0, 5.0]
    assert fig.data[2].name == "A" and fig.data[2].line.color != mid.line.color


def test_difference_bars_are_signed_percent_of_the_first_scenario() -> None:
    table = pd.DataFrame(
        {"figure": ["cost_gbp", "beds", "zero"], "A": [200.0, -50.0, 0.0], "B": [250.0, -40.0, 5.0],
         "C": [150.0, -60.0, 1.0]}
    )
    fig = difference_bars(table, "A", ["B", "C"], {"cost_gbp": "Cost", "beds": "Beds", "zero": "Zero"})
    b, c = fig.data
    assert list(b.y) == ["Cost", "Beds", "Zero"]
    assert _x(b)[:2] == [25.0, 20.0]  # (250 − 200) / 200; (−40 − −50) / |−50|: higher is +
    assert _x(c)[:2] == [-25.0, -20.0]
    assert np.isnan(_x(b)[2])  # no percent of zero
    assert fig.layout.xaxis.ticksuffix == "%" and fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.title.text == "Difference to A"
    assert set(difference_keys(table, "A")) == {"cost_gbp", "beds"}  # a bar needs a first value that is not 0


# ---------------------------------------------------------------------------- flow


def _weekly() -> pd.DataFrame:
    return pd.DataFrame(
        {"week_start": pd.date_range("2025-10-01", periods=3, freq="7D"), "mean": [90.0, 95.0, 99.0],
         "p10": [85.0, 88.0, 93.0], "p90": [94.0, 99.0, 100.0], "beds": [500.0, 500.0, 520.0],
         "boarding_mean": [0.0, 1.5, 4.0]}
    )


def test_occupancy_fan_band_lines_and_thresholds() -> None:
    ref = _weekly().assign(mean=[80.0, 82.0, 84.0])
    fig = occupancy_fan(_weekly(), reference=ref)
    band = fig.data[0]
    assert _y(band) == [94.0, 99.0, 100.0, 93.0, 88.0, 85.0]  # P90 forwards, P10 backwards
    assert list(band.x) == list(_weekly()["week_start"]) + list(_weekly()["week_start"][::-1])
    assert _y(_trace(fig, "Current funding trend (mean)")) == [80.0, 82.0, 84.0]
    mean = _trace(fig, "Scenario (mean)")
    assert _y(mean) == [90.0, 95.0, 99.0]
    np.testing.assert_allclose(mean.customdata, [[500.0, 0.0], [500.0, 1.5], [520.0, 4.0]])
    assert sorted(s.y0 for s in fig.layout.shapes) == [92, 100]
    assert fig.layout.yaxis.ticksuffix == "%" and tuple(fig.layout.yaxis.range) == (70.0, 101.5)


def test_options_chart_leaves_out_the_baseline_and_shows_cost_in_thousands() -> None:
    opts = pd.DataFrame(
        {"option": ["baseline", "+10 beds", "+5 P1"], "delayed_days_avoided": [0.0, -20.0, 300.0],
         "boarding_days_avoided": [0.0, 500.0, 100.0], "extra_cost": [0.0, 250_000.0, 40_000.0]}
    )
    fig = options_chart(opts)
    delayed, boarding, cost = fig.data
    assert list(delayed.x) == ["+10 beds", "+5 P1"]
    assert _y(delayed) == [-20.0, 300.0] and _y(boarding) == [500.0, 100.0]
    assert _y(cost) == [250.0, 40.0] and cost.yaxis == "y2"
    assert fig.layout.yaxis2.title.text == "extra cost, £k"


def test_occupancy_risk_and_size_matters_in_percent() -> None:
    curve = pd.DataFrame({"beds": [10, 11], "refusal_probability": [0.05, 0.02], "mean_occupancy": [0.9, 0.85]})
    fig = occupancy_risk(curve, 10.4)
    np.testing.assert_allclose(_y(fig.data[0]), [5.0, 2.0])
    np.testing.assert_allclose(_y(fig.data[1]), [90.0, 85.0])
    assert fig.data[1].yaxis == "y2" and fig.layout.title.text == "Risk by bed base (load 10)"
    sizes = pd.DataFrame({"beds": [5, 89], "mean_occupancy": [0.33, 0.85]})
    sm = size_matters(sizes, 0.005)
    np.testing.assert_allclose(_y(sm.data[0]), [33.0, 85.0])
    assert sm.data[0].name == "Occupancy at 0.5% refusal"  # not "0%"
    assert sm.layout.xaxis.type == "log"


# ---------------------------------------------------------------------------- history


def test_monthly_admissions_nea_left_acs_right() -> None:
    adm = pd.DataFrame({"month": MONTHS, "nea": [100.0, 110.0, 105.0, 99.0], "acs": [10.0, 12.0, 11.0, 9.0]})
    fig = monthly_admissions(adm)
    nea, acs = fig.data
    assert _y(nea) == [100.0, 110.0, 105.0, 99.0] and nea.yaxis in (None, "y")
    assert _y(acs) == [10.0, 12.0, 11.0, 9.0] and acs.yaxis == "y2"
    assert fig.layout.yaxis.title.text == "NEA a month" and fig.layout.yaxis2.title.text == "ACS a month"


def test_placements_rate_bars_by_year_with_the_ambition() -> None:
    annual = pd.DataFrame({"fy": ["2022-23", "2023-24"], "placements": [300.0, 280.0], "rate_per_100k": [600.0, 550.0]})
    fig = placements_rate(annual, 560.0)
    bar = fig.data[0]
    assert list(bar.x) == ["2022-23", "2023-24"] and _y(bar) == [600.0, 550.0]
    assert [float(v) for v in bar.customdata] == [300.0, 280.0]
    assert fig.layout.shapes[0].y0 == 560.0


# ---------------------------------------------------------------------------- schemes


def _scheme_table() -> pd.DataFrame:
    rows = [
        ("A nea", "nea", "admission avoidance", 100.0, 80.0, 120.0, 50_000.0, 1_000.0, 2_400.0),
        ("B placements", "placements", "placement avoidance", 5.0, 4.0, 6.0, 20_000.0, 40_000.0, 100_000.0),
        ("C acs", "acs", "admission avoidance", 40.0, 30.0, 50.0, -10_000.0, 3_000.0, 2_400.0),
        ("D capacity", "p1_capacity", "discharge capacity", 0.0, 0.0, 0.0, 0.0, np.nan, np.nan),
        (WHOLE_FUND, "nea", "", 140.0, 110.0, 170.0, 40_000.0, np.nan, np.nan),
    ]
    return pd.DataFrame(
        [
            {
                "scheme": s, "metric": m, "kind": k, "change_a_year_mean": c, "change_a_year_p10": lo,
                "change_a_year_p90": hi, "budget_change_gbp": b, "cost_per_avoided_gbp": cpa, "unit_value_gbp": uv,
                "budget_gbp": 100_000.0, "gross_savings_gbp": 50_000.0,
            }
            for s, m, k, c, lo, hi, b, cpa, uv in rows
        ]
    )


def test_waterfall_steps_down_by_what_each_scheme_avoids() -> None:
    fig = metric_waterfall(_scheme_table(), 24_000.0, "nea")
    wf = fig.data[0]
    assert list(wf.x) == ["Without scheme changes", "A nea", "C acs", "Scenario"]  # ACS counts as NEA; no total row
    assert _y(wf) == [24_000.0, -100.0, -40.0, 23_860.0]
    assert list(wf.measure) == ["absolute", "relative", "relative", "total"]
    plc = metric_waterfall(_scheme_table(), 190.0, "placements").data[0]
    assert list(plc.x) == ["Without scheme changes", "B placements", "Scenario"] and _y(plc)[-1] == 185.0


def test_before_after_labels_current_funding_and_scenario() -> None:
    base = pd.DataFrame({"month": MONTHS, "mean": [100.0] * 4, "p10": [95.0] * 4, "p50": [100.0] * 4, "p90": [105.0] * 4})
    after = base.assign(mean=[90.0] * 4, p10=[85.0] * 4, p90=[96.0] * 4)
    fig = before_after(None, base, after)
    band, before, scen = fig.data
    assert band.name == "Scenario: 80% range" and _y(band) == [96.0] * 4 + [85.0] * 4
    assert before.name == "Without scheme changes" and _y(before) == [100.0] * 4
    assert scen.name == "Scenario (scheme changes)" and _y(scen) == [90.0] * 4
    np.testing.assert_allclose(scen.customdata, [[85.0, 96.0]] * 4)


def test_cost_per_avoided_keeps_the_table_order_top_down_and_skips_capacity() -> None:
    fig = cost_per_avoided(_scheme_table())
    bars = [t for t in fig.data if t.type == "bar"]
    assert sorted(s for t in bars for s in t.y) == ["A nea", "B placements", "C acs"]
    # categories bottom-up: the last scheme first, so the first scheme is at the top (metrics alternate here)
    assert list(fig.layout.yaxis.categoryarray) == ["C acs", "B placements", "A nea"]
    marker = _trace(fig, "Value of one avoided (break-even)")
    assert dict(zip(marker.y, _x(marker), strict=True)) == {"C acs": 2_400.0, "B placements": 100_000.0, "A nea": 2_400.0}
    a = next(t for t in bars if "A nea" in t.y)
    assert float(a.x[list(a.y).index("A nea")]) == 1_000.0 and fig.layout.xaxis.type == "log"


def test_chart_note_says_when_the_numbers_are_illustrative() -> None:
    def area(name: str, synthetic: bool) -> SimpleNamespace:
        return SimpleNamespace(meta=SimpleNamespace(name=name, synthetic=synthetic))

    assert chart_note(area("Demo", True)) == "Illustrative demo data (synthetic)"
    assert chart_note(area("Leeds <ICB>", False)) == "Data: Leeds &lt;ICB&gt;"


def test_money_ticks_read_in_uk_style() -> None:
    from models.charts import money_ticks

    ticks = money_ticks(-4.2e6, 3.1e6)
    assert ticks["ticktext"] == ["−£4.0m", "−£2.0m", "£0", "£2.0m"]
    assert ticks["tickvals"] == [-4e6, -2e6, 0, 2e6]  # inside the range only
    assert money_ticks(0, 1)["tickvals"] == [0, 1]  # never finer than £1
