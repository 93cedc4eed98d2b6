"""Table tests: every aggregation on every kind, units, operators, selectors."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from releasegate.aggregations import holds as _holds
from releasegate.gates import aggregate as agg
from releasegate.gates.units import fmt_delta, fmt_value, fmt_vs_baseline, to_base
from releasegate.results import MetricKind, Samples, TimePoint

VALUES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def trend(values: Sequence[float] = (), buckets: Sequence[tuple[float, int]] = (), **tags: str) -> Samples:
    return Samples(
        metric="m", kind=MetricKind.TREND, unit="s", values=list(values), buckets=list(buckets), tags=tags
    )


@pytest.mark.parametrize(
    ("name", "arg", "expected"),
    [
        ("avg", None, 0.55),
        ("min", None, 0.1),
        ("max", None, 1.0),
        ("med", None, 0.5),
        ("p", 50.0, 0.5),
        ("p", 90.0, 0.9),
        ("p", 95.0, 1.0),
        ("p", 10.0, 0.1),
        ("p", 0.0, 0.1),
        ("p", 100.0, 1.0),
        ("p", 99.9, 1.0),
        ("count", None, 10),
    ],
)
def test_trend_aggregations_on_raw_values(name, arg, expected):
    assert agg.aggregate(name, arg, [trend(VALUES)], MetricKind.TREND) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "arg", "expected"),
    [
        ("avg", None, 0.55),
        ("min", None, 0.1),
        ("max", None, 1.0),
        ("med", None, 0.5),
        ("p", 95.0, 1.0),
        ("count", None, 10),
    ],
)
def test_buckets_give_the_same_answer_as_raw_values(name, arg, expected):
    bucketed = trend(buckets=[(v, 1) for v in VALUES])
    mixed = [trend(VALUES[:4]), trend(buckets=[(v, 1) for v in VALUES[4:]])]
    assert agg.aggregate(name, arg, [bucketed], MetricKind.TREND) == pytest.approx(expected)
    assert agg.aggregate(name, arg, mixed, MetricKind.TREND) == pytest.approx(expected)


def test_percentiles_are_computed_on_merged_observations_not_averaged():
    fast = trend([0.1] * 90, endpoint="a")
    slow = trend([2.0] * 10, endpoint="b")
    # p(95) of the union is 2 s; the mean of the two p95s would be 1.05 s
    assert agg.aggregate("p", 95.0, [fast, slow], MetricKind.TREND) == 2.0
    assert agg.aggregate("p", 90.0, [fast, slow], MetricKind.TREND) == 0.1


def test_weighted_buckets_percentile_is_bucket_cumulative():
    s = trend(buckets=[(0.01, 900), (0.5, 90), (3.0, 10)])
    assert agg.aggregate("p", 90.0, [s], MetricKind.TREND) == 0.01
    assert agg.aggregate("p", 95.0, [s], MetricKind.TREND) == 0.5
    assert agg.aggregate("p", 99.5, [s], MetricKind.TREND) == 3.0
    assert agg.aggregate("avg", None, [s], MetricKind.TREND) == pytest.approx((9 + 45 + 30) / 1000)


def test_rate_count_rps_and_value():
    failed = Samples(
        metric="f", kind=MetricKind.RATE, unit="ratio", values=[1, 0, 0, 0], buckets=[(0.0, 4), (1.0, 2)]
    )
    assert agg.aggregate("rate", None, [failed], MetricKind.RATE) == pytest.approx(0.3)
    assert agg.aggregate("count", None, [failed], MetricKind.RATE) == 3
    counter = Samples(metric="c", kind=MetricKind.COUNTER, values=[2, 3, 5], duration_s=5.0)
    assert agg.aggregate("count", None, [counter], MetricKind.COUNTER) == 10
    assert agg.aggregate("rps", None, [counter], MetricKind.COUNTER) == 2.0
    reqs = trend(VALUES)
    assert agg.aggregate("rps", None, [reqs], MetricKind.TREND, layer_duration=4.0) == 2.5
    assert agg.aggregate("rps", None, [reqs], MetricKind.TREND) is None
    timed = trend(VALUES)
    timed.timeline = [TimePoint(t=0.0, values=VALUES[:5]), TimePoint(t=1.0, values=VALUES[5:])]
    assert agg.aggregate("rps", None, [timed], MetricKind.TREND) == 5.0
    g1 = Samples(metric="g", kind=MetricKind.GAUGE, values=[5, 1, 3])
    g2 = Samples(metric="g", kind=MetricKind.GAUGE, values=[9, 4])
    assert agg.aggregate("value", None, [g1, g2], MetricKind.GAUGE) == 4
    assert agg.aggregate("max", None, [g1, g2], MetricKind.GAUGE) == 9


def test_no_data_is_none():
    assert agg.aggregate("avg", None, [], MetricKind.TREND) is None
    assert agg.aggregate("avg", None, [trend()], MetricKind.TREND) is None


@pytest.mark.parametrize(
    ("tags", "selector", "hit"),
    [
        ({"endpoint": "GET /api/prompts"}, {}, True),
        ({"endpoint": "GET /api/prompts"}, {"endpoint": "GET /api/prompts"}, True),
        ({"endpoint": "GET /api/prompts"}, {"endpoint": "GET /api/*"}, True),
        ({"endpoint": "POST /api/prompts"}, {"endpoint": "GET /api/*"}, False),
        ({"endpoint": "GET /api/prompts"}, {"endpoint": "get /api/*"}, False),
        ({"endpoint": "GET /api/prompts", "method": "GET"}, {"endpoint": "*", "method": "GET"}, True),
        ({"method": "GET"}, {"endpoint": "*"}, False),
    ],
)
def test_selectors(tags, selector, hit):
    assert agg.matches(tags, selector) is hit


@pytest.mark.parametrize(
    ("observed", "op", "limit", "holds"),
    [
        (1, "<", 2, True),
        (2, "<", 2, False),
        (2, "<=", 2, True),
        (3, "<=", 2, False),
        (3, ">", 2, True),
        (2, ">", 2, False),
        (2, ">=", 2, True),
        (1, ">=", 2, False),
        (0, "==", 0, True),
        (1, "==", 0, False),
        (1, "!=", 0, True),
        (0, "!=", 0, False),
    ],
)
def test_operators(observed, op, limit, holds):
    assert _holds(observed, op, limit) is holds


@pytest.mark.parametrize(
    ("number", "unit", "base"),
    [
        (800, "ms", 0.8),
        (2, "s", 2.0),
        (1.5, "m", 90.0),
        (1, "h", 3600.0),
        (0.5, "%", 0.005),
        (3, "B", 3.0),
        (2, "KB", 2000.0),
        (2, "KiB", 2048.0),
        (1.5, "MB", 1.5e6),
        (1, "MiB", 1048576.0),
        (1, "GB", 1e9),
        (1, "GiB", 1024.0**3),
        (7, None, 7.0),
    ],
)
def test_units(number, unit, base):
    assert to_base(number, unit) == pytest.approx(base)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.912, "s", "912 ms"),
        (2.5, "s", "2.50 s".replace("2.50", "2.5")),
        (0.005, "ratio", "0.5 %"),
        (0.995, "ratio", "99.5 %"),
        (1_500_000, "B", "1.5 MB"),
        (512, "B", "512 B"),
        (3, "", "3"),
        (None, "s", "n/a"),
        (math.inf, "", "∞"),
    ],
)
def test_formatting(value, unit, text):
    assert fmt_value(value, unit) == text


def test_delta_formatting():
    assert fmt_delta(0.14) == "+14 %"
    assert fmt_delta(-0.035) == "-3.5 %"
    assert fmt_delta(None) == ""
    # a zero baseline has no relative change: the cell shows the baseline alone, not "0 % ()"
    assert fmt_vs_baseline(0.0, float("inf"), "%") == fmt_value(0.0, "%")
    assert fmt_vs_baseline(0.0246, 0.14, "s") == f"{fmt_value(0.0246, 's')} (+14 %)"


def test_sustained_breach():
    points = [(float(t), 1.0) for t in range(10)]
    broken = {0.0: True, 1.0: True, 2.0: False, 3.0: True, 4.0: True, 5.0: True, 6.0: False, 7.0: True}
    length, values = agg.sustained_breach(points, broken)
    assert length == 3.0
    assert len(values) == 3
    gap = [(0.0, 1.0), (1.0, 1.0), (5.0, 1.0), (6.0, 1.0)]
    assert agg.sustained_breach(gap, dict.fromkeys([0.0, 1.0, 5.0, 6.0], True))[0] == 2.0
