"""The regression test: no false alarms on identical distributions; a 20 % shift is caught."""

from __future__ import annotations

import random

import pytest

from releasegate.gates.aggregate import weighted
from releasegate.gates.stats import RegressionPolicy, compare, representative


def latencies(rng: random.Random, n: int, scale: float = 1.0) -> list[float]:
    return [scale * rng.lognormvariate(-2.3, 0.5) for _ in range(n)]  # median ~100 ms, long tail


def test_no_false_alarm_on_identical_distributions_across_seeds():
    alarms = 0
    for seed in range(200):
        rng = random.Random(seed)
        result = compare(latencies(rng, 300), latencies(rng, 300))
        assert result is not None
        alarms += result.detected
    assert alarms == 0


def test_a_20_percent_shift_is_caught_across_seeds():
    caught = 0
    for seed in range(50):
        rng = random.Random(1000 + seed)
        result = compare(latencies(rng, 1000, 1.2), latencies(rng, 1000))
        assert result is not None
        caught += result.detected
    assert caught == 50


def test_significant_but_small_is_not_reported():
    rng = random.Random(7)
    result = compare(latencies(rng, 5000, 1.06), latencies(rng, 5000))
    assert result is not None
    assert result.significant
    assert not result.large_enough
    assert not result.detected


def test_large_but_not_significant_is_not_reported():
    rng = random.Random(3)
    result = compare(latencies(rng, 20, 1.3), latencies(rng, 20), RegressionPolicy(alpha=0.0001))
    assert result is not None
    assert not result.detected


def test_absolute_floor():
    fast = compare([0.0012] * 50, [0.001] * 50)  # +20 % but only 0.2 ms
    assert fast is not None
    assert fast.relative_change == pytest.approx(0.2)
    assert not fast.detected


def test_faster_is_never_a_regression():
    rng = random.Random(11)
    result = compare(latencies(rng, 300, 0.7), latencies(rng, 300))
    assert result is not None
    assert not result.detected
    assert result.p_value > 0.5


def test_too_few_samples():
    assert compare([1.0] * 5, [1.0] * 100) is None


def test_representative_keeps_small_sets_and_bounds_large_ones():
    assert representative(weighted([3.0, 1.0, 2.0], [])) == [1.0, 2.0, 3.0]
    big = representative(weighted([], [(0.1, 5000), (0.2, 5000)]), max_points=100)
    assert len(big) == 100
    assert big.count(0.1) == 50
