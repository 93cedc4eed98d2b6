"""The Prometheus text exposition format, parsed into snapshots and diffed into intervals.

A :class:`Snapshot` holds, per route, the request counters (split into errors and all) and
the cumulative latency buckets, as one scrape of ``/metrics`` shows them. The difference of
two snapshots of the same process is one :class:`Interval`: exact request and error counts
and the bucket deltas a quantile is interpolated from. A counter that went down between two
scrapes means the process restarted: :class:`CounterReset`, never a silent negative delta.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from releasegate.layers._watch.quantile import bucket_quantile

__all__ = ["CounterReset", "Interval", "Names", "Snapshot", "parse_samples", "snapshot"]

_LINE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+\S+)?$")
_LABEL = re.compile(r'\s*(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*,?')


class CounterReset(ValueError):
    """A counter or bucket went down between two scrapes: the process restarted."""


@dataclass(frozen=True)
class Names:
    """Which metric and label names the target uses."""

    requests: str = "http_requests_total"
    duration: str = "http_request_duration_seconds"
    route: str = "route"
    status: str = "status"
    error_status: str = "5.."
    ignore_routes: frozenset[str] = frozenset()  # not the service's traffic (scrapes of /metrics)


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def parse_samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample line as ``(name, labels, value)``; comments and blank lines skipped."""
    out: list[tuple[str, dict[str, str], float]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(f"not a metric line: {line[:120]!r}")
        labels = {m["key"]: _unescape(m["value"]) for m in _LABEL.finditer(match["labels"] or "")}
        try:
            value = float(match["value"])
        except ValueError:
            raise ValueError(f"not a number in {line[:120]!r}") from None
        out.append((match["name"], labels, value))
    return out


@dataclass
class RouteCounts:
    requests: float = 0.0
    errors: float = 0.0
    buckets: dict[float, float] = field(default_factory=dict)  # le -> cumulative count


@dataclass
class Snapshot:
    """One scrape: per route, the counters since the process started."""

    routes: dict[str, RouteCounts] = field(default_factory=dict)
    taken_at: float = 0.0  # epoch seconds
    has_requests: bool = False
    has_buckets: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "taken_at": self.taken_at,
            "routes": {
                r: {
                    "requests": c.requests,
                    "errors": c.errors,
                    "buckets": [[b, n] for b, n in c.buckets.items()],
                }
                for r, c in self.routes.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        routes = {
            str(r): RouteCounts(
                requests=float(c["requests"]),
                errors=float(c["errors"]),
                buckets={float(b): float(n) for b, n in c.get("buckets", [])},
            )
            for r, c in dict(data["routes"]).items()
        }
        return cls(routes=routes, taken_at=float(data["taken_at"]), has_requests=True, has_buckets=True)


def snapshot(text: str, names: Names, taken_at: float) -> Snapshot:
    """The requests counter and the latency histogram of one ``/metrics`` text, per route."""
    errors = re.compile(names.error_status)
    snap = Snapshot(taken_at=taken_at)
    bucket_name = names.duration + "_bucket"
    for name, labels, value in parse_samples(text):
        if name not in (names.requests, bucket_name):
            continue
        route = labels.get(names.route, "")
        if route in names.ignore_routes:
            continue
        counts = snap.routes.setdefault(route, RouteCounts())
        if name == names.requests:
            snap.has_requests = True
            counts.requests += value
            if errors.fullmatch(labels.get(names.status, "")):
                counts.errors += value
        else:
            snap.has_buckets = True
            le = labels.get("le")
            if le is None:
                continue
            bound = math.inf if le in ("+Inf", "Inf") else float(le)
            counts.buckets[bound] = counts.buckets.get(bound, 0.0) + value
    return snap


@dataclass(frozen=True)
class RouteInterval:
    requests: float
    errors: float
    buckets: tuple[tuple[float, float], ...]

    def quantile(self, q: float) -> float | None:
        return bucket_quantile(q, self.buckets) if self.requests > 0 else None


@dataclass(frozen=True)
class Interval:
    """What happened between two snapshots (or, for a baseline snapshot, since the process started)."""

    start: float
    end: float
    routes: Mapping[str, RouteInterval]

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


def diff(before: Snapshot | None, after: Snapshot) -> Interval:
    """``after - before`` per route; ``before=None`` takes the counters since the start."""
    routes: dict[str, RouteInterval] = {}
    for route, now in after.routes.items():
        old = before.routes.get(route, RouteCounts()) if before is not None else RouteCounts()
        requests, errors = now.requests - old.requests, now.errors - old.errors
        deltas = {b: n - old.buckets.get(b, 0.0) for b, n in now.buckets.items()}
        if requests < 0 or errors < 0 or any(d < 0 for d in deltas.values()):
            raise CounterReset(f"the counters of route {route!r} went down between two scrapes")
        routes[route] = RouteInterval(requests, errors, tuple(sorted(deltas.items())))
    if before is not None:
        gone = [r for r, c in before.routes.items() if r not in after.routes and c.requests > 0]
        if gone:
            raise CounterReset(
                f"route(s) {', '.join(sorted(gone))} vanished from /metrics between two scrapes"
            )
    return Interval(before.taken_at if before is not None else 0.0, after.taken_at, routes)
