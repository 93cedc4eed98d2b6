"""Aggregations over every Samples a budget key selects. Pure functions.

Definitions (all exact; raw ``values`` and HDR ``buckets`` are merged as weighted
observations, a raw value weighing 1 and a bucket its count; percentiles are never averaged):

* ``avg`` mean of all observations; ``min`` / ``max`` the extremes.
* ``p(N)`` nearest rank: the smallest observed value v such that at least N % of all
  observations are <= v (rank ``ceil(N/100 * n)``, at least 1). ``p(0)`` is the minimum.
  On buckets this is the bucket value where the cumulative count reaches the rank.
* ``med`` / ``median`` = ``p(50)``.
* ``rate`` mean of 0/1 observations (share of true).
* ``count`` trend: number of observations; rate: number of true observations;
  counter: sum of increments.
* ``rps`` ``count`` per second over the observation's duration (``Samples.duration_s``,
  longest of the selected series; else the span of their timelines; else the layer's).
* ``value`` (gauge) the last observation of each selected series; across several series the
  largest of those.

Selectors: a series matches when, for every ``tag:pattern`` of the key, the series has the
tag and its value matches the glob pattern (``fnmatch``, case-sensitive). A key without a
selector takes every series of the metric, so a layer must not publish an extra
all-tags series next to per-tag ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase

from releasegate.aggregations import Weighted, percentile, weighted
from releasegate.aggregations import stats as _stats
from releasegate.results import LayerResult, MetricKind, Samples, TimePoint

__all__ = ["Weighted", "aggregate", "matches", "per_second", "percentile", "select", "weighted"]


def matches(tags: Mapping[str, str], selector: Mapping[str, str]) -> bool:
    return all(name in tags and fnmatchcase(tags[name], pattern) for name, pattern in selector.items())


def select(layer: LayerResult, metric: str, selector: Mapping[str, str]) -> list[Samples]:
    return [s for s in layer.samples if s.metric == metric and matches(s.tags, selector)]


def observations(series: Sequence[Samples]) -> int:
    return sum(s.count for s in series)


def duration_of(series: Sequence[Samples], layer_duration: float | None = None) -> float | None:
    known = [s.duration_s for s in series if s.duration_s]
    if known:
        return max(known)
    stamps = [p.t for s in series for p in s.timeline]
    if stamps:
        return max(stamps) - min(stamps) + 1.0
    return layer_duration


def aggregate(
    name: str,
    arg: float | None,
    series: Sequence[Samples],
    kind: MetricKind,
    *,
    layer_duration: float | None = None,
) -> float | None:
    """``name`` (``arg``) over all observations of ``series``; None when there is nothing to judge."""
    if not series or observations(series) == 0:
        return None
    if name == "value":
        lasts = [s.values[-1] if s.values else max(v for v, _ in s.buckets) for s in series if s.count]
        return max(lasts) if lasts else None
    if name == "rps":
        duration = duration_of(series, layer_duration)
        if not duration or duration <= 0:
            return None
        count = _stats("count", None, _merge(series), kind)
        return None if count is None else count / duration
    return _stats(name, arg, _merge(series), kind)


def _merge(series: Sequence[Samples]) -> Weighted:
    pairs: Weighted = []
    for s in series:
        pairs += weighted(s.values, s.buckets)
    pairs.sort(key=lambda p: p[0])
    return pairs


def per_second(
    name: str, arg: float | None, series: Sequence[Samples], kind: MetricKind
) -> list[tuple[float, float]]:
    """``name`` computed for each second of the merged timelines: (t, value) sorted by t."""
    by_t: dict[float, list[TimePoint]] = {}
    for s in series:
        for point in s.timeline:
            by_t.setdefault(point.t, []).append(point)
    out: list[tuple[float, float]] = []
    for t in sorted(by_t):
        pairs: Weighted = []
        for point in by_t[t]:
            pairs += weighted(point.values, point.buckets)
        pairs.sort(key=lambda p: p[0])
        if name == "rps":
            value = _stats("count", None, pairs, kind)
        elif name == "value":
            value = pairs[-1][0] if pairs else None
        else:
            value = _stats(name, arg, pairs, kind)
        if value is not None:
            out.append((t, value))
    return out


def sustained_breach(
    points: Sequence[tuple[float, float]], broken: Mapping[float, bool]
) -> tuple[float, list[float]]:
    """Longest run of consecutive seconds in breach: (length in seconds, the values in it).

    ``broken`` maps each t to whether the budget failed in that second. A gap of more than
    one second in the timeline ends a run.
    """
    best_len, best_values = 0.0, []
    run_start: float | None = None
    run_values: list[float] = []
    previous: float | None = None
    for t, value in points:
        if broken.get(t):
            contiguous = run_start is not None and previous is not None and t - previous <= 1.0 + 1e-9
            if contiguous:
                run_values.append(value)
            else:
                run_start, run_values = t, [value]
        else:
            run_start, run_values = None, []
        previous = t
        if run_start is not None and t - run_start + 1.0 > best_len:
            best_len, best_values = t - run_start + 1.0, list(run_values)
    return best_len, best_values
