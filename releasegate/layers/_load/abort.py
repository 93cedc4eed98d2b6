"""Live abort rules evaluated on the per-second series while the load runs.

A rule (see :class:`releasegate.spec.AbortRule`) states the *passing* condition of a
budget, e.g. ``rate < 0.05`` on ``http_req_failed``. It is breached when the aggregation of
the last ``window_s`` complete seconds no longer satisfies it, once ``grace_s`` seconds have
passed since the start. A tag with a glob value (``{endpoint:*}``) is judged per value, as
the gates judge such budgets after the run: the rule breaches when any one endpoint (or
method) breaks it, and the breach names that endpoint. This module is pure: the Locust
process feeds it plain numbers and histograms, and tests feed it synthetic series.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hdrh.histogram import HdrHistogram

from releasegate.aggregations import OPERATORS, Breach, parse_aggregation, stats, weighted
from releasegate.layers._load import hdr
from releasegate.results import MetricKind

SUPPORTED: Mapping[str, tuple[str, ...]] = {
    "http_req_duration": ("avg", "min", "max", "median", "p(N)"),
    "http_req_failed": ("rate", "count"),
    "http_reqs": ("count", "rps"),
}

_PCT = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")


@dataclass
class Cell:
    """What one endpoint did during one second."""

    ok: int = 0
    failed: int = 0
    hist: HdrHistogram | str | None = None


Second = Mapping[str, Cell]  # endpoint name ("GET /api/prompts") -> cell


@dataclass(frozen=True)
class Rule:
    """A plain-data copy of an AbortRule, shippable to the Locust process as JSON."""

    key: str
    expr: str
    metric: str
    aggregation: str
    op: str
    threshold: float
    tags: Mapping[str, str]
    window_s: float
    grace_s: float

    @classmethod
    def from_any(cls, rule: Any) -> Rule:
        get = rule.get if isinstance(rule, Mapping) else lambda k, d=None: getattr(rule, k, d)
        return cls(
            key=str(get("key")),
            expr=str(get("expr")),
            metric=str(get("metric")),
            aggregation=str(get("aggregation")),
            op=str(get("op")),
            threshold=float(get("threshold", 0.0)),
            tags=dict(get("tags") or {}),
            window_s=float(get("window_s", 10.0)),
            grace_s=float(get("grace_s", 5.0)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "tags": dict(self.tags)}


def check_supported(rule: Rule) -> str | None:
    """Why a rule cannot be evaluated live, or None when it can."""
    metric = rule.metric.split(".", 1)[1] if rule.metric.startswith("load.") else rule.metric
    aggs = SUPPORTED.get(metric)
    if aggs is None:
        live = ", ".join(SUPPORTED)
        return f"abort rule {rule.key!r}: metric {rule.metric!r} is not in the live series ({live})"
    if rule.op not in OPERATORS:
        return f"abort rule {rule.key!r}: unknown operator {rule.op!r}"
    agg_ok = rule.aggregation in aggs or ("p(N)" in aggs and _PCT.match(rule.aggregation))
    if not agg_ok:
        return f"abort rule {rule.key!r}: aggregation {rule.aggregation!r} not supported on {metric}"
    bad = [t for t in rule.tags if t not in ("endpoint", "method")]
    if bad:
        return f"abort rule {rule.key!r}: tag(s) {bad} are not in the live series (endpoint, method)"
    return None


def _matches(endpoint: str, tags: Mapping[str, str]) -> bool:
    method = endpoint.split(" ", 1)[0]
    for tag, pattern in tags.items():
        value = endpoint if tag == "endpoint" else method
        if not fnmatch.fnmatchcase(value, pattern):
            return False
    return True


def observe(rule: Rule, window: Sequence[Second]) -> float | None:
    """The aggregated value of ``rule``'s metric over ``window``; None without data."""
    metric = rule.metric.removeprefix("load.")
    cells = [c for sec in window for name, c in sec.items() if _matches(name, rule.tags)]
    requests = sum(c.ok + c.failed for c in cells)
    failed = sum(c.failed for c in cells)
    if metric == "http_reqs":
        if rule.aggregation == "rps":
            return requests / max(1, len(window))
        return float(requests)
    if metric == "http_req_failed":
        if rule.aggregation == "count":
            return float(failed)
        return failed / requests if requests else None
    merged = hdr.merge(c.hist for c in cells if c.hist is not None)
    if hdr.count(merged) == 0:
        return None
    name, arg = parse_aggregation(rule.aggregation)
    # the same aggregation the verdict applies after the run, over the same HDR buckets
    return stats(name, arg, weighted((), hdr.buckets_s(merged)), MetricKind.TREND)


def evaluate(rules: Sequence[Rule], series: Mapping[int, Second], now_s: int) -> Breach | None:
    """The first breached rule given per-second ``series`` (offset -> second) up to ``now_s``.

    Only complete seconds ``< now_s`` count; a rule waits for its grace period and for a
    full window of data before it can fire.
    """
    for rule in rules:
        window_len = max(1, math.ceil(rule.window_s))
        if now_s < max(rule.grace_s, window_len):
            continue
        window = [series.get(t, {}) for t in range(now_s - window_len, now_s)]
        for key, part in _per_value(rule, window):
            value = observe(rule, part)
            if value is not None and not OPERATORS[rule.op](value, rule.threshold) and _certain(rule, part):
                return Breach(key, rule.expr, value, float(now_s), float(window_len))
    return None


Z_95 = 1.96


def wilson_lower(failed: int, total: int, z: float = Z_95) -> float:
    """The lower end of the Wilson score interval of a share ``failed / total`` (95 %)."""
    if total <= 0:
        return 0.0
    p = failed / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, (centre - spread) / (1 + z * z / total))


def _certain(rule: Rule, window: Sequence[Second]) -> bool:
    """A live abort stops a run early, so a failure *rate* must break its limit beyond chance:
    the 95 % lower bound of the window's failure share is above the limit. A run whose true
    rate is under the limit (2 % against a 5 % limit) is then not stopped by a lucky window;
    one where everything fails is stopped at once. Other aggregations breach as observed."""
    if rule.metric.removeprefix("load.") != "http_req_failed" or rule.aggregation != "rate":
        return True
    if rule.op not in ("<", "<="):
        return True
    cells = [c for sec in window for name, c in sec.items() if _matches(name, rule.tags)]
    failed = sum(c.failed for c in cells)
    return wilson_lower(failed, failed + sum(c.ok for c in cells)) > rule.threshold


def _tag_value(endpoint: str, tag: str) -> str:
    return endpoint if tag == "endpoint" else endpoint.split(" ", 1)[0]


def _per_value(rule: Rule, window: Sequence[Second]) -> list[tuple[str, list[Second]]]:
    """``window`` split by the values of the rule's glob tags, each with its concrete key."""
    globbed = [t for t, pattern in rule.tags.items() if any(c in pattern for c in "*?[")]
    if not globbed:
        return [(rule.key, list(window))]
    found = sorted(
        {tuple(_tag_value(n, t) for t in globbed) for sec in window for n in sec if _matches(n, rule.tags)}
    )
    base = rule.key.split("{", 1)[0]
    out: list[tuple[str, list[Second]]] = []
    for values in found:
        tags = {**rule.tags, **dict(zip(globbed, values, strict=True))}
        key = base + "{" + ",".join(f"{t}:{v}" for t, v in tags.items()) + "}"
        part: list[Second] = [
            {n: c for n, c in sec.items() if tuple(_tag_value(n, t) for t in globbed) == values}
            for sec in window
        ]
        out.append((key, part))
    return out
