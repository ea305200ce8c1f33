"""Unit tests for models.flow.beds: Erlang B/C against docs/sources.md#reference-values-for-tests and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import poisson

from models.flow.beds import (
    beds_for_occupancy,
    beds_for_refusal,
    erlang_b,
    erlang_c,
    occupancy_at_refusal_target,
    occupancy_risk_curve,
)

pytestmark = pytest.mark.unit


def test_erlang_b_one_percent_reference():
    assert erlang_b(15, 8.108) == pytest.approx(0.010, abs=5e-4)


@pytest.mark.parametrize(("servers", "load"), [(5, 1.657), (9, 4.345), (15, 9.010), (25, 17.505), (89, 77.342)])
def test_erlang_b_two_percent_table(servers, load):
    assert round(erlang_b(servers, load), 3) == 0.020


@pytest.mark.parametrize(
    ("load", "beds", "refused", "occupancy"),
    [(60.0, 66, 0.046, 0.867), (60.0, 75, 0.008, 0.793), (140.0, 144, 0.048, 0.925), (140.0, 159, 0.0097, 0.872)],
)
def test_bed_base_examples(load, beds, refused, occupancy):
    b = erlang_b(beds, load)
    assert b == pytest.approx(refused, abs=5e-4)
    assert load * (1 - b) / beds == pytest.approx(occupancy, abs=5e-4)
    row = occupancy_risk_curve(load, [beds]).iloc[0]
    assert row["refusal_probability"] == pytest.approx(b)
    assert row["mean_occupancy"] == pytest.approx(load * (1 - b) / beds)
    assert row["carried_load"] == pytest.approx(load * (1 - b))


def test_erlang_c_reference_values():
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, abs=5e-4)
    assert round(erlang_c(10, 8.0), 3) == 0.409
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.0) == 1.0


@pytest.mark.parametrize("servers", [1, 2, 5, 17, 50, 120, 300])
@pytest.mark.parametrize("ratio", [0.3, 0.8, 0.95, 1.0, 1.2])
def test_erlang_b_matches_truncated_poisson(servers, ratio):
    # B(c, A) = P(N = c) / P(N <= c) for N ~ Poisson(A) (truncated Poisson).
    a = servers * ratio
    direct = poisson.pmf(servers, a) / poisson.cdf(servers, a)
    assert erlang_b(servers, a) == pytest.approx(direct, rel=1e-9, abs=1e-300)


def test_erlang_b_stable_for_thousands_of_beds():
    b = erlang_b(5000, 4900.0)
    assert 0 < b < 0.01
    assert np.isfinite(erlang_c(5000, 4900.0))


def test_edge_cases_and_validation():
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(4, 0.0) == 0.0
    with pytest.raises(ValueError, match="servers"):
        erlang_b(-1, 2.0)
    with pytest.raises(ValueError, match="offered_load"):
        erlang_b(3, float("nan"))
    with pytest.raises(ValueError, match="target_refusal"):
        beds_for_refusal(10.0, 1.5)
    with pytest.raises(ValueError, match="target_occupancy"):
        beds_for_occupancy(10.0, 0.0)


@pytest.mark.parametrize("load", [1.657, 8.0, 60.0, 140.0, 400.0])
@pytest.mark.parametrize("target", [0.01, 0.02, 0.05])
def test_beds_for_refusal_is_smallest(load, target):
    c = beds_for_refusal(load, target)
    assert erlang_b(c, load) <= target
    assert erlang_b(c - 1, load) > target


@pytest.mark.parametrize("load", [5.0, 60.0, 140.0])
@pytest.mark.parametrize("target", [0.85, 0.92])
def test_beds_for_occupancy_is_smallest(load, target):
    c = beds_for_occupancy(load, target)
    occ = lambda k: load * (1 - erlang_b(k, load)) / k  # noqa: E731
    assert c >= load
    assert occ(c) <= target + 1e-12
    assert c - 1 < load or occ(c - 1) > target


def test_risk_curve_shape_and_monotonicity():
    df = occupancy_risk_curve(60.0)
    assert list(df.columns) == [
        "beds",
        "refusal_probability",
        "mean_occupancy",
        "carried_load",
        "wait_probability_erlang_c",
    ]
    assert (np.diff(df["refusal_probability"]) < 0).all()
    assert (np.diff(df["carried_load"]) > 0).all()
    assert df["wait_probability_erlang_c"].between(0, 1).all()
    assert (df["wait_probability_erlang_c"] >= df["refusal_probability"]).all()


def test_small_units_must_run_emptier():
    df = occupancy_at_refusal_target([1.657, 9.010, 77.342], 0.0201)
    assert list(df["beds"]) == [5, 15, 89]
    assert (np.diff(df["mean_occupancy"]) > 0).all()
    assert df["mean_occupancy"].iloc[0] < 0.35 < 0.85 < df["mean_occupancy"].iloc[-1]
