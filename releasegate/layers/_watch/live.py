"""Abort rules (``abort = true`` watch budgets) evaluated on the intervals seen so far.

A rule states a budget's *passing* condition. It is breached when the aggregation of the
intervals that ended within the last ``window_s`` seconds (at least the latest one) no longer
satisfies it, once ``grace_s`` seconds of the watch have passed. A glob tag value
(``{route:*}``) is judged per route, and the breach names that route. Pure: the layer feeds
it :class:`~releasegate.layers._watch.series.Tick` values, tests feed synthetic ones.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence

from releasegate.aggregations import OPERATORS, Breach, Weighted, holds, parse_aggregation, stats, weighted
from releasegate.layers._watch.series import Tick
from releasegate.results import MetricKind
from releasegate.spec import AbortRule

__all__ = ["Breach", "check_supported", "evaluate"]

_PCT = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")
_TREND = ("avg", "min", "max", "med", "median")
SUPPORTED: Mapping[str, str] = {
    "error_rate": "rate, count",
    "latency": "avg, min, max, median, p(N)",
    "throughput": "avg, min, max, median, p(N)",
}


def check_supported(rule: AbortRule) -> str | None:
    """Why a rule cannot be evaluated live, or None when it can."""
    if rule.metric not in SUPPORTED:
        known = ", ".join(SUPPORTED)
        return f"abort rule {rule.key!r}: metric {rule.metric!r} cannot stop the watch ({known} can)"
    agg = rule.aggregation
    ok = agg in ("rate", "count") if rule.metric == "error_rate" else (agg in _TREND or bool(_PCT.match(agg)))
    if not ok:
        allowed = SUPPORTED[rule.metric]
        return f"abort rule {rule.key!r}: {agg} on {rule.metric} is not supported live ({allowed})"
    if rule.op not in OPERATORS:
        return f"abort rule {rule.key!r}: unknown operator {rule.op!r}"
    bad = [t for t in rule.tags if t != "route"]
    if bad:
        return f"abort rule {rule.key!r}: only the route tag is known live, not {', '.join(bad)}"
    return None


def observe(rule: AbortRule, ticks: Sequence[Tick], routes: Sequence[str]) -> float | None:
    """The rule's aggregation over ``ticks`` restricted to ``routes``; None without data.

    Aggregated by the same functions as the verdict (:mod:`releasegate.aggregations`)."""
    name, arg = parse_aggregation(rule.aggregation)
    if rule.metric == "error_rate":
        n = sum(t.routes[r].requests for t in ticks for r in routes if r in t.routes)
        e = sum(t.routes[r].errors for t in ticks for r in routes if r in t.routes)
        pairs: Weighted = [(0.0, max(0.0, n - e)), (1.0, e)]
        return stats(name, arg, pairs, MetricKind.RATE)
    if rule.metric == "latency":
        values = [
            lat
            for t in ticks
            for r in routes
            if r in t.routes
            for lat in [t.routes[r].latency]
            if lat is not None
        ]
    else:
        values = [sum(x.requests for x in t.routes.values()) / t.seconds for t in ticks if t.seconds > 0]
    return stats(name, arg, weighted(values, []), MetricKind.TREND)


def _groups(rule: AbortRule, ticks: Sequence[Tick]) -> list[tuple[str, list[str]]]:
    """(concrete key, routes) pairs: one per route for a glob route tag."""
    pattern = rule.tags.get("route")
    known = sorted({r for t in ticks for r in t.routes})
    if pattern is None or rule.metric == "throughput":
        return [(rule.key, known)]
    chosen = [r for r in known if fnmatch.fnmatchcase(r, pattern)]
    if not any(c in pattern for c in "*?["):
        return [(rule.key, chosen)]
    base = rule.key.split("{", 1)[0]
    return [(f"{base}{{route:{r}}}", [r]) for r in chosen]


def evaluate(rules: Sequence[AbortRule], ticks: Sequence[Tick], t0: float) -> Breach | None:
    """The first breached rule given the ticks so far (``t0``: epoch start of the watch)."""
    if not ticks:
        return None
    now = ticks[-1].at
    elapsed = now - t0
    for rule in rules:
        if elapsed < rule.grace_s:
            continue
        window = [t for t in ticks if t.at > now - rule.window_s] or [ticks[-1]]
        for key, routes in _groups(rule, window):
            value = observe(rule, window, routes)
            if value is not None and not holds(value, rule.op, rule.threshold):
                return Breach(key, rule.expr, value, elapsed, rule.window_s, during=" of the watch")
    return None
