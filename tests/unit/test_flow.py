"""Unit tests for models.flow: exact checks (Little's law, Erlang B, queue growth),
calibration round trip, validation, summaries, and the DES reference model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.beds import erlang_b
from models.des_reference import run_des
from models.flow import (
    FlowCosts,
    FlowParams,
    arrivals_profile,
    calibrate_los,
    compare_options,
    flow_costs,
    flow_kpis,
    lognormal_mean,
    ready_day_pmf,
    simulate_flow,
    snapshot_share,
    weekly_occupancy,
)

pytestmark = pytest.mark.unit

HARROW_Q3 = (0.109, 0.056)
AMPLE = dict(p1_starts_per_week=math.inf, p2_beds=10**6, p3_per_week=math.inf)


def _mean_se(per_rep: np.ndarray) -> tuple[float, float]:
    return float(per_rep.mean()), float(per_rep.std(ddof=1) / math.sqrt(per_rep.size))


def test_littles_law_with_ample_capacity():
    mu, sigma = calibrate_los(*HARROW_Q3)
    p = FlowParams(core_beds=10**6, los_mu=mu, los_sigma=sigma, **AMPLE)
    lam = 70.0
    run = simulate_flow(np.full(182, lam), p, 300, np.random.default_rng(11))
    assert run.delayed.sum() == 0
    pmf = ready_day_pmf(mu, sigma, p.max_stay_days)
    expected = lam * float(np.arange(pmf.size) @ pmf)  # arrivals x mean censuses per stay
    mean, se = _mean_se(run.census.mean(axis=1))
    # Replication means are independent: 4 standard errors is a ~1-in-15,000 false alarm.
    assert abs(mean - expected) < 4 * se
    # ... and the daily model's mean stay equals the continuous log-normal mean
    # (up to truncation at max_stay_days, < 0.1% here).
    assert expected == pytest.approx(lam * lognormal_mean(mu, sigma), rel=1e-3)


def test_erlang_b_in_loss_mode():
    """Loss system (overflow="lost", no discharge delays) against Erlang B.

    Discretisation: the daily model frees a bed at the start of the day on which its
    patient becomes ready, so every arrival that day can use it; in continuous time
    the bed is freed on average half a day later. The daily model therefore behaves
    like an Erlang loss system with mean holding time E[D] - 1/2 days (E[D] = mean
    censuses per stay). That is exact in the limit of few arrivals per day and long
    stays, so the check uses 0.5 arrivals/day and 30-day stays (offered load ~15,
    18 beds, B ~ 8%): the remaining batch-arrival effect is well under the MC error.
    """
    lam, mean_stay, sigma, beds = 0.5, 30.0, 0.5, 18
    mu = math.log(mean_stay) - sigma**2 / 2
    p = FlowParams(
        core_beds=beds, los_mu=mu, los_sigma=sigma, pathway_shares=(1, 0, 0, 0), overflow="lost", max_stay_days=150
    )
    run = simulate_flow(np.full(1000, lam), p, 600, np.random.default_rng(7), warmup_days=150)
    assert (run.census <= beds).all()
    assert (run.overflow == 0).all()
    pmf = ready_day_pmf(mu, sigma, p.max_stay_days)
    ed = float(np.arange(pmf.size) @ pmf)
    b = erlang_b(beds, lam * (ed - 0.5))
    assert 0.01 < b < 0.2
    refused_share = run.refused.sum(axis=1) / run.arrivals.sum(axis=1)
    mean, se = _mean_se(refused_share)
    assert abs(mean - b) < 4 * se, (mean, b, se)
    # Carried load (Little's law on admitted patients).
    carried = run.admitted.sum() / run.arrivals.sum() * lam * ed
    assert run.census.mean() == pytest.approx(carried, rel=0.01)


def test_zero_p1_capacity_queue_grows_at_p1_arrival_rate():
    lam, share_p1 = 20.0, 0.4
    p = FlowParams(
        core_beds=500,
        los_mu=1.2,
        los_sigma=0.8,
        pathway_shares=(1 - share_p1, share_p1, 0.0, 0.0),
        p1_starts_per_week=0.0,
    )
    days = 120
    run = simulate_flow(np.full(days, lam), p, 200, np.random.default_rng(3), warmup_days=0)
    assert run.p1_starts.sum() == 0
    q = run.queue_p1
    assert (np.diff(q, axis=1) >= 0).all()  # nobody ever leaves the P1 queue
    slope = (q[:, -1] - q[:, 9]) / (days - 10)
    mean, se = _mean_se(slope)
    assert abs(mean - lam * share_p1) < 4 * se
    # Delayed bed-days are the queue; waiting patients keep ageing into 14+/21+.
    assert (run.delayed == q).all()
    assert run.stay21[:, -1].mean() > run.stay21[:, 0].mean() + 50


def test_infinite_capacity_means_no_delay():
    p = FlowParams(core_beds=300, los_mu=1.2, los_sigma=0.9, **AMPLE)
    run = simulate_flow(np.full(60, 40.0), p, 50, np.random.default_rng(1))
    assert run.delayed.sum() == 0
    assert run.new_delayed.sum() == 0
    for k in ("queue_p1", "queue_p2", "queue_p3"):
        assert getattr(run, k).sum() == 0


def test_calibration_round_trip_analytic_and_simulated():
    for target in (HARROW_Q3, (0.103, 0.049)):
        mu, sigma = calibrate_los(*target)
        assert snapshot_share(mu, sigma, 14) == pytest.approx(target[0], abs=1e-6)
        assert snapshot_share(mu, sigma, 21) == pytest.approx(target[1], abs=1e-6)
        assert 3.0 < lognormal_mean(mu, sigma) < 8.0  # plausible all-age emergency stay
    mu, sigma = calibrate_los(*HARROW_Q3, mean_days=4.58)
    assert lognormal_mean(mu, sigma) == pytest.approx(4.58)
    # Simulation reproduces the targets when calibrated for its truncation.
    mu, sigma = calibrate_los(*HARROW_Q3, max_stay_days=120)
    p = FlowParams(core_beds=10**6, los_mu=mu, los_sigma=sigma, **AMPLE)
    run = simulate_flow(np.full(182, 70.0), p, 300, np.random.default_rng(5))
    for field, target in (("stay14", HARROW_Q3[0]), ("stay21", HARROW_Q3[1])):
        per_rep = getattr(run, field).sum(axis=1) / run.census.sum(axis=1)
        mean, se = _mean_se(per_rep)
        assert abs(mean - target) < 4 * se, (field, mean, target, se)


def test_calibration_rejects_bad_targets():
    with pytest.raises(ValueError, match="share_21plus < share_14plus"):
        calibrate_los(0.05, 0.06)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(pathway_shares=(0.5, 0.5, 0.1, 0.0)), "sum to 1"),
        (dict(pathway_shares=(0.5, 0.5, 0.0)), "4 values"),
        (dict(pathway_shares=(1.2, -0.2, 0.0, 0.0)), ">= 0"),
        (dict(core_beds=-1), "core_beds"),
        (dict(core_beds=10.5), "core_beds must be an integer"),
        (dict(p2_beds=-3), "p2_beds"),
        (dict(los_sigma=0.0), "los_sigma"),
        (dict(los_sigma=5.0), "los_sigma"),
        (dict(los_mu=float("nan")), "los_mu"),
        (dict(escalation_open_day=30, escalation_close_day=10), "escalation"),
        (dict(p1_starts_per_week=-1.0), "p1_starts_per_week"),
        (dict(p3_per_week=float("nan")), "p3_per_week"),
        (dict(p2_los_days=0.0), "p2_los_days"),
        (dict(max_stay_days=10), "max_stay_days"),
        (dict(overflow="spill"), "overflow"),
    ],
)
def test_flow_params_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FlowParams(**kwargs)


def test_escalation_window_and_funded_beds_invariant():
    p = FlowParams(
        core_beds=330,
        escalation_beds=27,
        escalation_open_day=10,
        escalation_close_day=20,
        los_mu=1.014,
        los_sigma=1.007,
        p1_starts_per_week=7 * 32.0,
        p2_beds=100,
    )
    beds = p.beds_available(30)
    assert beds[9] == 330 and beds[10] == 357 and beds[19] == 357 and beds[20] == 330
    run = simulate_flow(np.full(30, 72.0), p, 100, np.random.default_rng(2))
    assert (run.occupied <= run.beds_available[None, :]).all()
    assert (run.occupied + run.overflow == run.census).all()
    assert run.overflow.sum() > 0  # ~330 needed on average: some days overflow
    assert (run.stay21 <= run.stay14).all() and (run.stay14 <= run.census).all()
    assert (run.delayed <= run.census).all()


def test_same_seed_same_run_and_common_random_numbers():
    p = FlowParams(core_beds=200, los_mu=1.1, los_sigma=0.9, p1_starts_per_week=7 * 14.0, p2_beds=40)
    lam = np.full(50, 30.0)
    a = simulate_flow(lam, p, 30, np.random.default_rng(9))
    b = simulate_flow(lam, p, 30, np.random.default_rng(9))
    assert np.array_equal(a.census, b.census) and np.array_equal(a.delayed, b.delayed)
    more = FlowParams(**{**p.__dict__, "p1_starts_per_week": 7 * 16.0})
    c = simulate_flow(lam, more, 30, np.random.default_rng(9))
    assert np.array_equal(a.arrivals, c.arrivals)
    assert np.array_equal(a.ready, c.ready)  # same patients become ready on the same days
    assert (c.delayed.sum(axis=1) <= a.delayed.sum(axis=1)).all()


def test_summaries_and_costs():
    p = FlowParams(
        core_beds=340,
        escalation_beds=20,
        escalation_open_day=0,
        escalation_close_day=28,
        los_mu=1.014,
        los_sigma=1.007,
        p1_starts_per_week=7 * 31.0,
        p2_beds=90,
        p3_per_week=7 * 0.8,
    )
    run = simulate_flow(
        arrivals_profile("2022-12-01", 56, annual_admissions=70 * 365.25), p, 60, np.random.default_rng(4)
    )
    wk = weekly_occupancy(run, start_date="2022-12-01")
    assert list(wk.columns) == ["week", "week_start", "mean", "p10", "p50", "p90", "beds", "census_mean"]
    assert len(wk) == 8 and (wk["p10"] <= wk["p50"]).all() and (wk["p50"] <= wk["p90"]).all()
    assert wk["beds"].iloc[0] == 360 and wk["beds"].iloc[-1] == 340
    k = flow_kpis(run).set_index("kpi")
    assert k.loc["delayed_bed_days", "mean"] == pytest.approx(run.delayed.sum(axis=1).mean())
    assert 0 < k.loc["share_21plus", "mean"] < k.loc["share_14plus", "mean"] < 1
    c = flow_costs(run, FlowCosts()).set_index("component")
    assert c.loc["escalation_beds", "mean"] == pytest.approx(20 * 28 * 901.0)
    assert c.loc["p2_beds", "mean"] == pytest.approx(90 * 56 * 300.0)
    assert c.loc["delayed_days_value", "mean"] == pytest.approx(run.delayed.sum(axis=1).mean() * 395.0)
    parts = ["escalation_beds", "overflow_beds", "p1", "p2_beds", "p3"]
    assert c.loc["total_spend", "mean"] == pytest.approx(c.loc[parts, "mean"].sum())


def test_compare_options_uses_common_random_numbers():
    base = FlowParams(core_beds=330, los_mu=1.014, los_sigma=1.007, p1_starts_per_week=7 * 31.0, p2_beds=80)
    opts = {
        "+14 P1 starts/week": FlowParams(**{**base.__dict__, "p1_starts_per_week": 7 * 33.0}),
        "+10 step-down beds": FlowParams(**{**base.__dict__, "p2_beds": 90}),
        "+27 beds": FlowParams(**{**base.__dict__, "escalation_beds": 27, "escalation_close_day": 60}),
    }
    df = compare_options(np.full(60, 70.0), base, opts, n_reps=40, seed=1)
    assert list(df["option"]) == ["baseline", *opts]
    d = df.set_index("option")
    assert d.loc["baseline", "delayed_days_avoided"] == 0 and d.loc["baseline", "extra_cost"] == 0
    assert d.loc["+14 P1 starts/week", "delayed_days_avoided"] > 0
    assert d.loc["+10 step-down beds", "delayed_days_avoided"] >= 0
    # Beds do not change discharge flow in queue mode: same delays, fewer crowded days.
    assert d.loc["+27 beds", "delayed_days_avoided"] == 0
    assert d.loc["+27 beds", "days_above_95"] <= d.loc["baseline", "days_above_95"]
    # Escalation beds cost 27 x 60 days x £901, less the surge bed-days they replace.
    assert 0 < d.loc["+27 beds", "extra_cost"] <= 27 * 60 * 901.0
    cpd = d.loc["+14 P1 starts/week", "cost_per_delayed_day_avoided"]
    assert cpd == pytest.approx(
        d.loc["+14 P1 starts/week", "extra_cost"] / d.loc["+14 P1 starts/week", "delayed_days_avoided"]
    )


def test_arrivals_profile():
    x = arrivals_profile("2023-01-02", 364, annual_admissions=25_000, winter_uplift_pct=0.0)
    assert x.mean() == pytest.approx(25_000 / 365.25, rel=1e-9)
    assert x[0] > x[5]  # Monday above Saturday
    w = arrivals_profile("2023-01-02", 364, annual_admissions=25_000, winter_uplift_pct=3.0)
    months = pd.date_range("2023-01-02", periods=364).month
    winter = np.isin(months, (12, 1, 2))
    assert np.allclose(w[winter] / x[winter], 1.03) and np.allclose(w[~winter], x[~winter])
    m = arrivals_profile("2023-04-01", 30, monthly_means=[70.0] * 12, weekday_shape=[1] * 7)
    assert np.allclose(m, 70.0)
    with pytest.raises(ValueError, match="exactly one"):
        arrivals_profile("2023-04-01", 30)


def test_daily_model_matches_simpy_des():
    """Same stationary system in the daily model and the simpy DES: steady-state means agree."""
    lam, mu, sigma, q, cap = 12.0, 1.0144, 1.0069, 0.5, 6.6
    des = run_des(lam, mu, sigma, 400, cap, 1500, 6, 3, queue_share=q, warmup_days=150)
    p = FlowParams(
        core_beds=400, los_mu=mu, los_sigma=sigma, pathway_shares=(1 - q, q, 0, 0), p1_starts_per_week=7 * cap
    )
    run = simulate_flow(np.full(1500, lam), p, 200, np.random.default_rng(8), warmup_days=150)
    for vec, d_mean, d_se in (
        (run.census.mean(axis=1), des["mean_occupancy"], des["occupancy_se"]),
        (run.delayed.mean(axis=1), des["delayed_days_per_day"], des["delayed_se"]),
    ):
        v_mean, v_se = _mean_se(vec)
        assert abs(v_mean - d_mean) < 4 * math.hypot(v_se, d_se), (v_mean, d_mean)
