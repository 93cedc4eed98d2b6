"""Quantiles of a cumulative bucket histogram by linear interpolation inside the bucket.

The same rule as PromQL's ``histogram_quantile``, so a quantile computed here from
``/metrics`` bucket deltas equals the one a Prometheus query gives on the same buckets:

* buckets are sorted by upper bound; without a ``+Inf`` bucket, with fewer than two buckets
  or without observations there is no answer (None, where PromQL answers NaN);
* equal upper bounds are merged and counts made monotonic (a scrape racing an update);
* rank = q x total; the first bucket whose cumulative count reaches the rank holds it;
* in the ``+Inf`` bucket the answer is the highest finite upper bound; in the first bucket
  the lower edge is 0 (or the bound itself when it is <= 0); otherwise
  ``start + (end - start) x (rank - count_below) / count_in_bucket``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["bucket_quantile"]


def bucket_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float | None:
    """The ``q``-quantile (0..1) of cumulative ``(upper_bound, count)`` buckets, or None."""
    if math.isnan(q):
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    merged: dict[float, float] = {}
    for bound, count in buckets:
        merged[bound] = merged.get(bound, 0.0) + count
    ordered = sorted(merged.items())
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]) or ordered[-1][0] < 0:
        return None
    monotonic: list[tuple[float, float]] = []
    highest = 0.0
    for bound, count in ordered:
        highest = max(highest, count)
        monotonic.append((bound, highest))
    total = monotonic[-1][1]
    if total <= 0:
        return None
    rank = q * total
    index = next(i for i, (_, count) in enumerate(monotonic) if count >= rank)
    if index == len(monotonic) - 1:
        return monotonic[-2][0]
    end, count = monotonic[index]
    if index == 0 and end <= 0:
        return end
    start = 0.0
    if index > 0:
        start, below = monotonic[index - 1]
        count -= below
        rank -= below
    if count <= 0:
        return None  # rank 0 in an empty first bucket: 0/0, which PromQL answers NaN
    return start + (end - start) * (rank / count)
