"""Unit tests for models.flow: exact checks (Little's law, Erlang B, queue growth), beds that bind,
common random numbers that survive lever changes, the warm start, calibration on the simulated
system, summaries and costs, and the discrete-event reference for P1, P2 and P3."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from models.flow.beds import erlang_b
from models.flow.simulate import (
    WARMUP_DAYS,
    FlowCosts,
    FlowParams,
    arrivals_profile,
    calibrate_los,
    calibrate_system,
    compare_options,
    flow_costs,
    flow_kpis,
    lognormal_mean,
    per_rep_kpis,
    ready_day_pmf,
    simulate_flow,
    snapshot_share,
    weekly_occupancy,
)
from tests.reference.des import run_des

pytestmark = pytest.mark.unit

HARROW_Q3 = (0.109, 0.056)
AMPLE = dict(p1_starts_per_week=math.inf, p2_beds=10**5, p3_per_week=math.inf)
DEMO_LIKE = FlowParams(
    core_beds=320,
    los_mu=1.065,
    los_sigma=1.0,
    pathway_shares=(0.85, 0.10, 0.035, 0.015),
    p1_starts_per_week=44.0,
    p2_beds=47,
    p2_los_days=21.0,
    p3_per_week=6.7,
)


def _mean_se(per_rep: np.ndarray) -> tuple[float, float]:
    return float(per_rep.mean()), float(per_rep.std(ddof=1) / math.sqrt(per_rep.size))


def test_littles_law_with_ample_capacity():
    mu, sigma = calibrate_los(*HARROW_Q3)
    p = FlowParams(core_beds=10**6, los_mu=mu, los_sigma=sigma, **AMPLE)
    lam = 70.0
    run = simulate_flow(np.full(182, lam), p, 300, 11)
    assert run.delayed.sum() == 0 and run.boarding.sum() == 0
    pmf = ready_day_pmf(mu, sigma, p.max_stay_days)
    expected = lam * float(np.arange(pmf.size) @ pmf)  # arrivals x mean censuses per stay
    mean, se = _mean_se(run.census.mean(axis=1))
    # Replication means are independent: 4 standard errors is a ~1-in-15,000 false alarm.
    assert abs(mean - expected) < 4 * se
    # ... and the daily model's mean stay equals the continuous log-normal mean (truncation < 0.1%).
    assert expected == pytest.approx(lam * lognormal_mean(mu, sigma), rel=1e-3)


def test_erlang_b_in_loss_mode():
    """Loss system (overflow="lost", no discharge delays) against Erlang B.

    The daily model keeps time within the day in half hours: a patient arrives at a
    half hour and leaves at a random half hour of the day their stay ends, so the
    bed is held for E[D] = E[L] days on average, as in continuous time. Erlang B is
    insensitive to the stay distribution, so the refused share is B(beds, lam E[D]):
    0.5 arrivals/day, 30-day stays, 18 beds (B ~ 8.6%).
    """
    lam, mean_stay, sigma, beds = 0.5, 30.0, 0.5, 18
    mu = math.log(mean_stay) - sigma**2 / 2
    p = FlowParams(
        core_beds=beds, los_mu=mu, los_sigma=sigma, pathway_shares=(1, 0, 0, 0), overflow="lost", max_stay_days=150
    )
    run = simulate_flow(np.full(1000, lam), p, 600, 7, warmup_days=150)
    assert (run.census <= beds).all()
    assert run.boarding.sum() == 0 and run.boarded_new.sum() == 0
    pmf = ready_day_pmf(mu, sigma, p.max_stay_days)
    ed = float(np.arange(pmf.size) @ pmf)
    b = erlang_b(beds, lam * ed)
    assert 0.01 < b < 0.2
    refused_share = run.refused.sum(axis=1) / run.arrivals.sum(axis=1)
    mean, se = _mean_se(refused_share)
    assert abs(mean - b) < 4 * se, (mean, b, se)
    carried = run.admitted.sum() / run.arrivals.sum() * lam * ed  # Little's law on admitted patients
    assert run.census.mean() == pytest.approx(carried, rel=0.01)


def test_zero_p1_capacity_queue_grows_at_p1_arrival_rate_and_waiting_patients_age():
    lam, share_p1 = 20.0, 0.4
    p = FlowParams(
        core_beds=5000, los_mu=1.2, los_sigma=0.8, pathway_shares=(1 - share_p1, share_p1, 0.0, 0.0), p1_starts_per_week=0
    )
    days = 120
    run = simulate_flow(np.full(days, lam), p, 200, 3, warmup_days=0)
    assert run.p1_starts.sum() == 0
    q = run.queue_p1
    assert (np.diff(q, axis=1) >= 0).all()  # nobody ever leaves the P1 queue
    slope = (q[:, -1] - q[:, 9]) / (days - 10)
    mean, se = _mean_se(slope)
    assert abs(mean - lam * share_p1) < 4 * se
    assert (run.delayed == q).all()  # delayed bed days are the queue
    # Waiting patients keep ageing: after 60 days the 21+ census holds the queue's old members.
    assert (run.stay21[:, -1] >= q[:, -1] - q[:, -22]).all()
    assert run.stay21[:, -1].mean() > 0.9 * (q[:, -1] - q[:, -22]).mean()


def test_infinite_capacity_means_no_delay():
    p = FlowParams(core_beds=3000, los_mu=1.2, los_sigma=0.9, **AMPLE)
    run = simulate_flow(np.full(60, 40.0), p, 50, 1)
    assert run.delayed.sum() == 0
    for k in ("queue_p1", "queue_p2", "queue_p3"):
        assert getattr(run, k).sum() == 0


def test_beds_bind_and_arrivals_wait_in_ed():
    p = dataclasses.replace(DEMO_LIKE, core_beds=250)  # well below the ≈300 patients needing a bed
    run = simulate_flow(np.full(90, 60.0), p, 100, 2)
    assert (run.census <= run.beds_open).all()  # occupancy never above the open beds
    assert (run.beds_open == 250).all()
    assert run.boarding.sum() > 0 and run.boarded_new.sum() > 0
    # whenever anyone is waiting in ED at the census, every bed is full
    assert (run.census[run.boarding > 0] == 250).all()
    k = flow_kpis(run).set_index("kpi")
    assert k.loc["days_full", "mean"] >= k.loc["days_with_boarding", "mean"]
    assert k.loc["days_full", "p_day"] == pytest.approx(k.loc["days_full", "mean"] / 90)


def test_escalation_beds_open_close_and_empty_before_closing():
    p = dataclasses.replace(DEMO_LIKE, core_beds=280, escalation_beds=27, escalation_open_day=20, escalation_close_day=50)
    beds = p.beds_available(70)
    assert beds[19] == 280 and beds[20] == 307 and beds[49] == 307 and beds[50] == 280
    run = simulate_flow(np.full(70, 62.0), p, 80, 4)
    assert (run.census <= run.beds_open).all()
    assert (run.beds_open >= run.beds_scheduled[None, :]).all()
    # 200 beds due to close at once, with more patients in them than a day's discharges: they stay
    # open while occupied (nobody is put out of a bed), then close as their patients leave
    big = dataclasses.replace(p, escalation_beds=200, escalation_close_day=50, **AMPLE)
    run = simulate_flow(np.full(70, 85.0), big, 40, 4)
    assert (run.beds_open[:, 50] > 280).all() and (run.census[:, 50] > 280).all()
    assert (run.census <= run.beds_open).all()
    assert (run.beds_open[:, -1] == 280).all()
    assert (run.stay21 <= run.stay14).all() and (run.stay14 <= run.census).all()
    assert (run.delayed <= run.census).all()


def test_common_random_numbers_survive_lever_changes():
    lam = np.full(120, 58.0)
    a = simulate_flow(lam, DEMO_LIKE, 60, 9)
    b = simulate_flow(lam, DEMO_LIKE, 60, 9)
    assert np.array_equal(a.census, b.census) and np.array_equal(a.delayed, b.delayed)  # same seed, same run
    # more P1 capacity: same arrivals, never more delayed days
    c = simulate_flow(lam, dataclasses.replace(DEMO_LIKE, p1_starts_per_week=50.0), 60, 9)
    assert np.array_equal(a.arrivals, c.arrivals)
    assert (c.delayed.sum(axis=1) <= a.delayed.sum(axis=1)).all()
    # a 1% rise in arrivals (0.58 a day) moves each day's count by 0 or +1 only: inverse CDF from fixed
    # uniforms, the tightest coupling there is (a fresh Poisson draw would differ by ±11 on average)
    d = simulate_flow(lam * 1.01, DEMO_LIKE, 60, 9)
    step = d.arrivals - a.arrivals
    assert set(np.unique(step)) <= {0, 1}
    assert step.mean() == pytest.approx(0.58, abs=0.05)


def test_paired_difference_far_more_precise_than_unpaired():
    """Item 4 of issue 8: +1% arrivals, same seed vs different seeds."""
    lam = np.full(182, 58.0)
    reps = 300
    base = per_rep_kpis(simulate_flow(lam, DEMO_LIKE, reps, 21))["delayed_bed_days"]
    up = per_rep_kpis(simulate_flow(lam * 1.01, DEMO_LIKE, reps, 21))["delayed_bed_days"]
    other = per_rep_kpis(simulate_flow(lam * 1.01, DEMO_LIKE, reps, 22))["delayed_bed_days"]
    paired_se = float(np.std(up - base, ddof=1) / math.sqrt(reps))
    unpaired_se = math.sqrt(base.var(ddof=1) / reps + other.var(ddof=1) / reps)
    assert unpaired_se >= 5 * paired_se, (unpaired_se, paired_se)
    assert np.mean(up - base) > 0  # more arrivals, more delays


def test_per_replication_arrivals_drive_each_replication():
    days, reps = 120, 200
    rng = np.random.default_rng(5)
    level = rng.normal(58.0, 4.0, reps)  # demand uncertainty across draws
    lam2 = np.repeat(level[:, None], days, axis=1)
    lam1 = np.full(days, float(level.mean()))
    spread = simulate_flow(lam2, DEMO_LIKE, reps, 13)
    flat = simulate_flow(lam1, DEMO_LIKE, reps, 13)
    assert np.corrcoef(level, spread.arrivals.mean(axis=1))[0, 1] > 0.9
    occ_s = per_rep_kpis(spread)["mean_occupancy_pct"]
    occ_f = per_rep_kpis(flat)["mean_occupancy_pct"]
    # the winter's P90 widens when demand uncertainty is on
    assert np.quantile(occ_s, 0.9) - np.quantile(occ_s, 0.1) > 1.5 * (np.quantile(occ_f, 0.9) - np.quantile(occ_f, 0.1))
    with pytest.raises(ValueError, match="shape"):
        simulate_flow(np.ones((3, 10)), DEMO_LIKE, 4, 1)


def test_longer_warm_up_changes_nothing_beyond_monte_carlo_error():
    lam = np.full(182, 59.0)
    reps = 300
    outs = {wu: per_rep_kpis(simulate_flow(lam, DEMO_LIKE, reps, 31, warmup_days=wu)) for wu in (WARMUP_DAYS, 365)}
    for kpi in ("delayed_bed_days", "boarding_days", "mean_occupancy_pct", "share_21plus"):
        a, b = outs[WARMUP_DAYS][kpi], outs[365][kpi]
        se = math.sqrt(a.var(ddof=1) / reps + b.var(ddof=1) / reps)
        assert abs(a.mean() - b.mean()) < 4 * se + 1e-9, (kpi, a.mean(), b.mean(), se)


def test_calibration_analytic_round_trip():
    for target in (HARROW_Q3, (0.103, 0.049)):
        mu, sigma = calibrate_los(*target)
        assert snapshot_share(mu, sigma, 14) == pytest.approx(target[0], abs=1e-6)
        assert snapshot_share(mu, sigma, 21) == pytest.approx(target[1], abs=1e-6)
    mu, sigma = calibrate_los(*HARROW_Q3, mean_days=4.58)
    assert lognormal_mean(mu, sigma) == pytest.approx(4.58)
    with pytest.raises(ValueError, match="share_21plus < share_14plus"):
        calibrate_los(0.05, 0.06)


def test_calibration_on_the_simulated_system_hits_the_targets():
    cal = calibrate_system(5.0, *HARROW_Q3, DEMO_LIKE, 57.6)
    assert cal.simulated_mean_los == pytest.approx(5.0, abs=0.05)
    assert cal.miss_pp <= 1.0 and cal.message() is None
    # delays are part of the stay: the stay to medically ready is shorter than the mean stay
    assert lognormal_mean(cal.los_mu, cal.los_sigma) < 5.0
    assert cal.simulated_delayed_share > 0
    # an independent run with the calibrated stays gives the same shares (delays and truncation included)
    p = dataclasses.replace(DEMO_LIKE, core_beds=10_000, los_mu=cal.los_mu, los_sigma=cal.los_sigma)
    run = simulate_flow(np.full(182, 57.6), p, 300, 99)
    s14 = run.stay14.sum() / run.census.sum()
    s21 = run.stay21.sum() / run.census.sum()
    assert abs(s14 - HARROW_Q3[0]) < 0.01 and abs(s21 - HARROW_Q3[1]) < 0.01


def test_calibration_warns_when_no_stay_fits():
    # half the inpatients at 14+ days but nearly as many at 21+, with a 3-day mean stay: no log-normal does that
    cal = calibrate_system(3.0, 0.5, 0.49, DEMO_LIKE, 57.6)
    assert cal.miss_pp > 1.0
    msg = cal.message()
    assert msg and "mean stay of 3.0 days" in msg and "Check the mean length of stay" in msg
    with pytest.raises(ValueError, match="between 1 and 60"):
        calibrate_system(0.5, *HARROW_Q3, DEMO_LIKE, 57.6)
    with pytest.raises(ValueError, match="21\\+"):
        calibrate_system(5.0, 0.05, 0.06, DEMO_LIKE, 57.6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(pathway_shares=(0.5, 0.5, 0.1, 0.0)), "sum to 1"),
        (dict(pathway_shares=(0.5, 0.5, 0.0)), "4 values"),
        (dict(pathway_shares=(1.2, -0.2, 0.0, 0.0)), ">= 0"),
        (dict(core_beds=0), "core_beds must be >= 1"),
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


def test_summaries_and_costs():
    p = dataclasses.replace(DEMO_LIKE, core_beds=340, escalation_beds=20, escalation_open_day=0, escalation_close_day=28)
    run = simulate_flow(arrivals_profile("2022-12-01", 56, annual_admissions=58 * 365.25), p, 60, 4)
    wk = weekly_occupancy(run, start_date="2022-12-01")
    assert list(wk.columns) == [
        "week",
        "week_start",
        "mean",
        "p10",
        "p50",
        "p90",
        "beds",
        "census_mean",
        "boarding_mean",
        "delayed_mean",
    ]
    assert len(wk) == 8 and (wk["p10"] <= wk["p50"]).all() and (wk["p50"] <= wk["p90"]).all()
    assert wk["beds"].iloc[0] == 360 and wk["beds"].iloc[-1] == 340
    assert (wk["p90"] <= 100 + 1e-9).all()
    k = flow_kpis(run).set_index("kpi")
    assert k.loc["delayed_bed_days", "mean"] == pytest.approx(run.delayed.sum(axis=1).mean())
    # patient-days in ED: the time-integral of the ED queue to the half hour
    assert k.loc["boarding_days", "mean"] == pytest.approx((run.ed_wait_bins.sum(axis=1) / 48).mean())
    assert 0 < k.loc["share_21plus", "mean"] < k.loc["share_14plus", "mean"] < 1
    c = flow_costs(run, FlowCosts()).set_index("component")
    # escalation beds are paid for each scheduled day open; beds in use beyond the schedule (kept open for a
    # patient after the closing date, or surge) are surge bed days at the surge rate
    open_esc = float(np.maximum(run.beds_scheduled - 340, 0).sum())
    assert open_esc == 20 * 28
    assert c.loc["escalation_beds", "mean"] == pytest.approx(open_esc * 901.0)
    above = np.maximum(run.beds_open - run.beds_scheduled[None, :], 0).sum(axis=1).mean()
    assert c.loc["surge_cost", "mean"] == pytest.approx(above * FlowCosts().surge_bed_day)
    assert c.loc["p2_beds", "mean"] == pytest.approx(47 * 56 * 300.0)
    assert c.loc["p1", "mean"] == pytest.approx(44 / 7 * 56 * 2022.0)
    assert c.loc["delayed_days_cost", "mean"] == pytest.approx(run.delayed.sum(axis=1).mean() * 395.0)
    assert c.loc["boarding_cost", "mean"] == pytest.approx((run.ed_wait_bins.sum(axis=1) / 48).mean() * 345.0)
    assert c.loc["divert_cost", "mean"] == pytest.approx(run.diverted.sum(axis=1).mean() * FlowCosts().divert)
    parts = ["escalation_beds", "p1", "p2_beds", "p3"]
    assert c.loc["total_spend", "mean"] == pytest.approx(c.loc[parts, "mean"].sum())


def test_compare_options_uses_common_random_numbers_and_beds_score_on_boarding():
    base = dataclasses.replace(DEMO_LIKE, core_beds=300)
    opts = {
        "+15 P1 starts/week": dataclasses.replace(base, p1_starts_per_week=59.0),
        "+10 step-down beds": dataclasses.replace(base, p2_beds=57),
        "+27 beds": dataclasses.replace(base, escalation_beds=27, escalation_close_day=90),
    }
    headline = simulate_flow(np.full(90, 60.0), base, 120, 1)
    df = compare_options(np.full(90, 60.0), base, opts, n_reps=120, seed=1, baseline_run=headline)
    assert list(df["option"]) == ["baseline", *opts]
    d = df.set_index("option")
    # the baseline row is the headline run
    assert d.loc["baseline", "delayed_days"] == pytest.approx(headline.delayed.sum(axis=1).mean())
    assert d.loc["baseline", "delayed_days_avoided"] == 0 and d.loc["baseline", "extra_cost"] == 0
    assert d.loc["+15 P1 starts/week", "delayed_days_avoided"] > 0
    assert d.loc["+10 step-down beds", "delayed_days_avoided"] > 0
    # beds now bind, so escalation beds score on ED boarding and crowding
    assert d.loc["+27 beds", "boarding_days_avoided"] > 0
    assert d.loc["+27 beds", "days_full"] < d.loc["baseline", "days_full"]
    assert 0 < d.loc["+27 beds", "extra_cost"] <= 27 * 120 * 901.0
    row = d.loc["+15 P1 starts/week"]
    assert row["cost_per_delayed_day_avoided"] == pytest.approx(row["extra_cost"] / row["delayed_days_avoided"])
    assert row["cost_per_bed_day_freed"] == pytest.approx(
        row["extra_cost"] / (row["delayed_days_avoided"] + row["boarding_days_avoided"])
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


def test_daily_model_matches_simpy_des_on_p1_p2_and_p3():
    """Same stationary system in the daily model and the simpy DES: steady-state means agree by pathway."""
    lam, mu, sigma = 12.0, 1.0144, 1.0069
    shares = (0.55, 0.3, 0.1, 0.05)
    cap1, p2_beds, l2, cap3 = 3.9, 14, 10, 0.66  # utilisation ≈ 92%, 86%, 91%
    des = run_des(
        lam,
        mu,
        sigma,
        400,
        cap1,
        1500,
        6,
        3,
        warmup_days=200,
        pathway_shares=shares,
        p2_beds=p2_beds,
        p2_los_days=l2,
        p3_capacity_per_day=cap3,
    )
    p = FlowParams(
        core_beds=400,
        los_mu=mu,
        los_sigma=sigma,
        pathway_shares=shares,
        p1_starts_per_week=7 * cap1,
        p2_beds=p2_beds,
        p2_los_days=l2,
        p3_per_week=7 * cap3,
    )
    run = simulate_flow(np.full(1500, lam), p, 200, 8, warmup_days=200)
    assert run.boarding.sum() == 0  # ample beds: the DES has no ED boarding
    checks = (
        (run.census.mean(axis=1), des["mean_occupancy"], des["occupancy_se"]),
        (run.queue_p1.mean(axis=1), des["queue_p1"], des["queue_p1_se"]),
        (run.queue_p2.mean(axis=1), des["queue_p2"], des["queue_p2_se"]),
        (run.queue_p3.mean(axis=1), des["queue_p3"], des["queue_p3_se"]),
    )
    for vec, d_mean, d_se in checks:
        v_mean, v_se = _mean_se(vec)
        assert d_mean > 0
        assert abs(v_mean - d_mean) < 4 * math.hypot(v_se, d_se), (v_mean, d_mean, v_se, d_se)
