"""Which routes got worse: per route, baseline window -> watch window, as findings.

A route is *worse* on its error rate when the watch's rate is above the baseline's times
``worse_ratio`` and at least 0.1 percentage point higher; on latency when the median of its
per-interval quantiles is above the baseline's times ``worse_ratio``. Each worse route and
metric becomes one :class:`~releasegate.results.Finding` (``metric`` ``error_rate`` or
``latency``, tag ``route``), so a failing budget on that metric shows it under its reason.

Significance, stated in each finding (at ``ALPHA``):

* error rate: a one-sided two-proportion z-test on the requests and errors of both windows;
* latency: a one-sided sign test of the watch's per-interval quantiles against the baseline's
  median (a ``/metrics`` mark is one value, so a test over the baseline's spread is not possible).

Order: most worsened first. An error-rate finding counts the errors above what the baseline
rate predicts; a latency finding the intervals slower than the baseline times ``worse_ratio``.
Findings are returned sorted by that count, then by the size of the change.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from releasegate.layers._watch.series import Tick
from releasegate.results import Finding

__all__ = ["ALPHA", "RouteChange", "changes", "findings"]

ALPHA = 0.05
MIN_RATE_STEP = 0.001  # an error rate must rise by at least 0.1 percentage point to count as worse


@dataclass(frozen=True)
class RouteChange:
    """One metric of one route that got worse from the baseline window to the watch window."""

    route: str
    metric: str  # "error_rate" | "latency"
    baseline: float
    watch: float
    p_value: float
    count: int  # extra errors (error_rate) or slower intervals (latency)
    intervals: int

    @property
    def relative(self) -> float:
        return (self.watch - self.baseline) / self.baseline if self.baseline > 0 else math.inf

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def _z_test(base_n: float, base_e: float, n: float, e: float) -> float:
    """One-sided p-value that the watch's error share is above the baseline's."""
    pooled = (base_e + e) / (base_n + n)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / base_n + 1 / n))
    if spread == 0:
        return 1.0
    z = (e / n - base_e / base_n) / spread
    return 0.5 * math.erfc(z / math.sqrt(2))


def _sign_test(values: Sequence[float], level: float) -> float:
    """One-sided p-value that the values lie above ``level`` more often than chance (ties dropped)."""
    above = sum(1 for v in values if v > level)
    n = above + sum(1 for v in values if v < level)
    if n == 0:
        return 1.0
    return float(sum(math.comb(n, k) for k in range(above, n + 1)) / 2**n)


def _per_route(ticks: Sequence[Tick]) -> dict[str, tuple[float, float, list[float]]]:
    out: dict[str, tuple[float, float, list[float]]] = {}
    for tick in ticks:
        for route, r in tick.routes.items():
            n, e, lat = out.get(route, (0.0, 0.0, []))
            out[route] = (n + r.requests, e + r.errors, lat + ([r.latency] if r.latency is not None else []))
    return out


def changes(watch: Sequence[Tick], baseline: Sequence[Tick], worse_ratio: float) -> list[RouteChange]:
    """The routes (in both windows) whose error rate or latency got worse, most worsened first."""
    now, before = _per_route(watch), _per_route(baseline)
    out: list[RouteChange] = []
    for route in sorted(set(now) & set(before)):
        n, e, lat = now[route]
        bn, be, blat = before[route]
        if n > 0 and bn > 0:
            rate, brate = e / n, be / bn
            if rate > brate * worse_ratio and rate - brate >= MIN_RATE_STEP:
                extra = max(1, round(e - brate * n))
                intervals = sum(1 for t in watch if route in t.routes and t.routes[route].requests)
                out.append(
                    RouteChange(route, "error_rate", brate, rate, _z_test(bn, be, n, e), extra, intervals)
                )
        if lat and blat:
            p, bp = statistics.median(lat), statistics.median(blat)
            if bp > 0 and p > bp * worse_ratio:
                slower = sum(1 for v in lat if v > bp * worse_ratio)
                out.append(RouteChange(route, "latency", bp, p, _sign_test(lat, bp), slower, len(lat)))
    out.sort(key=lambda c: (-c.count, -c.relative))
    return out


def _sentence(c: RouteChange, quantile: float) -> str:
    test = f"p = {c.p_value:.2g}" + (", significant" if c.significant else ", not significant")
    if c.metric == "error_rate":
        step = (c.watch - c.baseline) * 100
        return (
            f"error rate {c.baseline:.2%} -> {c.watch:.2%} (+{step:.2f} pp; {c.count} errors more than the "
            f"baseline rate predicts; two-proportion z-test {test})"
        )
    change = f"+{c.relative * 100:.0f} %" if math.isfinite(c.relative) else "from 0"
    return (
        f"p{quantile * 100:g} latency {c.baseline * 1000:.1f} ms -> {c.watch * 1000:.1f} ms ({change}; "
        f"slower in {c.count} of {c.intervals} intervals; sign test {test})"
    )


def findings(found: Sequence[RouteChange], quantile: float) -> list[Finding]:
    return [
        Finding(
            layer="watch",
            kind="route_worse",
            where=f"route {c.route}",
            what=_sentence(c, quantile),
            count=c.count,
            metric=c.metric,
            tags={"route": c.route},
        )
        for c in found
    ]
