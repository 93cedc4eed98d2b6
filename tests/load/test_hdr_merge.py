"""HDR statistics: merging across workers is exact, percentiles within 0.1 % of the truth."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from releasegate.gates.aggregate import percentile, weighted
from releasegate.layers._load import hdr

latencies_ms = st.lists(
    st.floats(min_value=0.05, max_value=120_000, allow_nan=False), min_size=1, max_size=400
)


def _hist(values: list[float]) -> object:
    h = hdr.new()
    for v in values:
        hdr.record_ms(h, v)
    return h


@settings(max_examples=25, deadline=None)
@given(latencies_ms, st.integers(min_value=1, max_value=5), st.randoms(use_true_random=False))
def test_merging_worker_histograms_equals_one_process(
    values: list[float], workers: int, rnd: random.Random
) -> None:
    parts: list[list[float]] = [[] for _ in range(workers)]
    for v in values:
        parts[rnd.randrange(workers)].append(v)
    merged = hdr.merge(hdr.encode(_hist(p)) for p in parts)  # as shipped: encoded, then merged
    single = _hist(values)
    assert hdr.buckets_s(merged) == hdr.buckets_s(single)
    for pct in (50.0, 90.0, 95.0, 99.0, 99.9, 100.0):
        assert hdr.percentile_s(merged, pct) == hdr.percentile_s(single, pct)


@settings(max_examples=25, deadline=None)
@given(latencies_ms)
def test_percentiles_are_within_a_tenth_of_a_percent(values: list[float]) -> None:
    pairs = weighted([], hdr.buckets_s(_hist(values)))
    ordered = sorted(v / 1000.0 for v in values)
    for pct in (50.0, 95.0, 99.0):
        true = ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]
        got = percentile(pairs, pct)
        assert got is not None
        assert abs(got - true) <= 0.001 * true + 1e-6


def test_bucket_percentiles_match_the_histogram() -> None:
    rnd = random.Random(7)
    h = _hist([rnd.lognormvariate(4, 1) for _ in range(20_000)])
    pairs = hdr.buckets_s(h)
    for pct in (50.0, 95.0, 99.0, 99.99):
        assert hdr.percentile_of_buckets(pairs, pct) == hdr.percentile_s(h, pct)
    assert sum(c for _, c in pairs) == 20_000


def test_summary_of_an_empty_histogram_says_so() -> None:
    assert hdr.summary(hdr.new()) == {"count": 0.0}
    assert hdr.percentile_s(hdr.new(), 99) == 0.0
