"""Ticks (what one interval showed, per route) turned into Samples for gates.

Both sources produce :class:`Tick` values: per route the requests and errors of the
interval and the interval's latency quantile. Samples hold one observation per interval so
the gates' statistics apply unchanged:

* ``error_rate`` (rate): the interval's requests as weighted 0/1 observations,
  ``buckets = [(1, errors), (0, ok)]``, per route; ``rate`` over the key is the exact
  request-weighted error rate. Fractional counts (Prometheus rates x seconds) are rounded
  on the running total, so the rounding never drifts over many intervals.
* ``latency`` (trend, s): one value per interval and route, the interval's quantile.
* ``throughput`` (trend): one value per interval, requests per second over every route.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from releasegate.results import MetricKind, Samples, TimePoint

__all__ = ["RouteTick", "Tick", "route_totals", "to_samples", "total_requests"]


@dataclass(frozen=True)
class RouteTick:
    requests: float
    errors: float
    latency: float | None = None  # the interval's quantile, seconds


@dataclass(frozen=True)
class Tick:
    at: float  # epoch seconds at the end of the interval
    seconds: float  # the interval's length
    routes: Mapping[str, RouteTick]


def total_requests(ticks: Sequence[Tick]) -> float:
    return sum(r.requests for t in ticks for r in t.routes.values())


def route_totals(ticks: Sequence[Tick]) -> dict[str, tuple[float, float, list[float]]]:
    """Route -> (requests, errors, latency values)."""
    out: dict[str, tuple[float, float, list[float]]] = {}
    for tick in ticks:
        for route, r in tick.routes.items():
            n, e, lat = out.get(route, (0.0, 0.0, []))
            out[route] = (
                n + r.requests,
                e + r.errors,
                [*lat, *([r.latency] if r.latency is not None else [])],
            )
    return out


def _rounded(values: Sequence[float]) -> list[int]:
    """Per-step whole counts whose running total tracks the running total of ``values``."""
    out, total, emitted = [], 0.0, 0
    for v in values:
        total += max(0.0, v)
        step = max(0, round(total) - emitted)
        out.append(step)
        emitted += step
    return out


def to_samples(
    ticks: Sequence[Tick], t0: float, *, extra_tags: Mapping[str, str] | None = None
) -> list[Samples]:
    """The ticks as ``error_rate``/``latency`` per route and ``throughput``; ``t`` relative to ``t0``."""
    tags = dict(extra_tags or {})
    routes = sorted({route for t in ticks for route in t.routes})
    duration = sum(t.seconds for t in ticks) or None
    out: list[Samples] = []
    for route in routes:
        present = [t for t in ticks if route in t.routes]
        requests = _rounded([t.routes[route].requests for t in present])
        errors = _rounded([t.routes[route].errors for t in present])
        points = []
        for tick, n, raw_e in zip(present, requests, errors, strict=True):
            e = min(raw_e, n)
            if n:
                points.append(TimePoint(t=round(tick.at - t0, 3), buckets=[(1.0, e), (0.0, n - e)]))
        if points:
            err, ok = sum(p.buckets[0][1] for p in points), sum(p.buckets[1][1] for p in points)
            out.append(
                Samples(
                    metric="error_rate",
                    kind=MetricKind.RATE,
                    unit="ratio",
                    tags={**tags, "route": route},
                    buckets=[(1.0, err), (0.0, ok)],
                    timeline=points,
                    duration_s=duration,
                )
            )
        lat = [(t, t.routes[route].latency) for t in present if t.routes[route].latency is not None]
        if lat:
            out.append(
                Samples(
                    metric="latency",
                    kind=MetricKind.TREND,
                    unit="s",
                    tags={**tags, "route": route},
                    values=[float(v) for _, v in lat if v is not None],
                    timeline=[
                        TimePoint(t=round(t.at - t0, 3), values=[float(v)]) for t, v in lat if v is not None
                    ],
                    duration_s=duration,
                )
            )
    rates = [(t, sum(r.requests for r in t.routes.values()) / t.seconds) for t in ticks if t.seconds > 0]
    if rates:
        out.append(
            Samples(
                metric="throughput",
                kind=MetricKind.TREND,
                unit="",
                tags=tags,
                values=[v for _, v in rates],
                timeline=[TimePoint(t=round(t.at - t0, 3), values=[v]) for t, v in rates],
                duration_s=duration,
            )
        )
    return out
