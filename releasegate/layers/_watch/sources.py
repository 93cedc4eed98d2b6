"""Where the watch reads the service's own numbers: a Prometheus server, or the target's ``/metrics``.

Both turn what they read into :class:`~releasegate.layers._watch.series.Tick` values and raise
:class:`SourceError` (naming the query or URL and the reason) whenever the data cannot be
trusted: unreachable, an error answer, a query returning no series, metrics missing, a
counter reset. The layer turns that into an inconclusive result, never a pass.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Template
from typing import Any

import httpx

from releasegate.layers._watch.exposition import CounterReset, Names, Snapshot, diff, snapshot
from releasegate.layers._watch.series import RouteTick, Tick

__all__ = ["MetricsSource", "PromSource", "SourceError", "render_query"]

PER_ROUTE = ("throughput_by_route", "error_rate_by_route", "latency_by_route")
OVERALL = ("error_rate", "latency")


class SourceError(RuntimeError):
    """The source's data cannot be trusted; the message names the query or URL and why."""


def render_query(template: str, values: Mapping[str, str]) -> str:
    """A query template with ``$selector``, ``$range``, ``$route`` ... filled in.

    An empty selector leaves no dangling comma (``{status=~"5..",}`` -> ``{status=~"5.."}``)."""
    text = Template(template).safe_substitute(values)
    return text.replace(",}", "}").replace("{,", "{")


def _number(raw: Any) -> float:
    value = float(raw)
    return value


@dataclass
class PromSource:
    """Instant queries every interval during the watch, range queries for the baseline window."""

    url: str
    queries: Mapping[str, str]  # name -> rendered PromQL
    route_label: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0
    overall: dict[str, list[float]] = field(default_factory=dict)  # overall query -> values per tick

    def _get(self, path: str, params: Mapping[str, str], name: str) -> list[dict[str, Any]]:
        query = self.queries[name]
        try:
            response = httpx.get(
                self.url.rstrip("/") + path,
                params=dict(params),
                headers=dict(self.headers),
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise SourceError(
                f"Prometheus at {self.url} cannot be reached for query {name} ({query}): {why}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or body.get("status") != "success":
            why = body.get("error") or response.text[:200]
            raise SourceError(
                f"Prometheus refused query {name} ({query}): HTTP {response.status_code}: {why}"
            )
        result = body.get("data", {}).get("result")
        if not isinstance(result, list) or not result:
            raise SourceError(f"query {name} returned no series: {query}")
        return result

    def instant(self, name: str, at: float) -> dict[str, float]:
        """Route label value (or "" without one) -> value at ``at``."""
        result = self._get("/api/v1/query", {"query": self.queries[name], "time": f"{at:.3f}"}, name)
        return {str(s.get("metric", {}).get(self.route_label, "")): _number(s["value"][1]) for s in result}

    def range(self, name: str, start: float, end: float, step: float) -> dict[float, dict[str, float]]:
        """Timestamp -> route -> value over ``[start, end]``."""
        params = {
            "query": self.queries[name],
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{step:g}",
        }
        out: dict[float, dict[str, float]] = {}
        for series in self._get("/api/v1/query_range", params, name):
            route = str(series.get("metric", {}).get(self.route_label, ""))
            for ts, raw in series.get("values", []):
                out.setdefault(round(float(ts), 3), {})[route] = _number(raw)
        return out

    def tick(self, at: float, seconds: float) -> Tick:
        values = {name: self.instant(name, at) for name in PER_ROUTE}
        for name in OVERALL:
            got = self.instant(name, at)
            self.overall.setdefault(name, []).extend(v for v in got.values() if math.isfinite(v))
        return _tick(at, seconds, values)

    def window(self, start: float, end: float, step: float) -> list[Tick]:
        ranges = {name: self.range(name, start, end, step) for name in PER_ROUTE}
        ticks = []
        for ts in sorted(ranges["throughput_by_route"]):
            values = {name: ranges[name].get(ts, {}) for name in PER_ROUTE}
            ticks.append(_tick(ts, step, values))
        return ticks


def _tick(at: float, seconds: float, values: Mapping[str, Mapping[str, float]]) -> Tick:
    routes = {}
    for route, rps in values["throughput_by_route"].items():
        if not math.isfinite(rps):
            continue
        requests = rps * seconds
        ratio = values["error_rate_by_route"].get(route, math.nan)
        latency = values["latency_by_route"].get(route)
        routes[route] = RouteTick(
            requests=requests,
            errors=ratio * requests if math.isfinite(ratio) else 0.0,
            latency=latency if latency is not None and math.isfinite(latency) else None,
        )
    return Tick(at=at, seconds=seconds, routes=routes)


@dataclass
class MetricsSource:
    """Scrapes of the target's own ``/metrics``; each tick is the delta to the previous scrape."""

    url: str
    names: Names
    quantile: float
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0
    last: Snapshot | None = None

    def scrape(self, *, require: bool = True) -> Snapshot:
        """One scrape; with ``require``, SourceError when the counter or the histogram is missing."""
        try:
            response = httpx.get(self.url, headers=dict(self.headers), timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise SourceError(f"GET {self.url} failed: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise SourceError(f"GET {self.url} answered HTTP {response.status_code}")
        try:
            snap = snapshot(response.text, self.names, time.time())
        except ValueError as exc:
            raise SourceError(f"GET {self.url} is not Prometheus text exposition: {exc}") from None
        if not require:
            return snap
        if not snap.has_requests:
            raise SourceError(f"{self.url} has no {self.names.requests} counter")
        if not snap.has_buckets:
            raise SourceError(f"{self.url} has no {self.names.duration}_bucket histogram")
        return snap

    def start(self) -> None:
        self.last = self.scrape()

    def tick(self) -> Tick:
        # counters that vanished since the last scrape are a reset, which diff() names as such
        now = self.scrape(require=False)
        try:
            interval = diff(self.last, now)
        except CounterReset as exc:
            raise SourceError(f"{self.url}: {exc} (the service restarted during the watch)") from None
        self.last = now
        return to_tick(
            interval_routes=interval.routes, at=interval.end, seconds=interval.seconds, q=self.quantile
        )


def to_tick(*, interval_routes: Mapping[str, Any], at: float, seconds: float, q: float) -> Tick:
    """An exposition interval as a Tick: exact counts, the quantile of the bucket deltas."""
    routes = {
        route: RouteTick(requests=r.requests, errors=r.errors, latency=r.quantile(q))
        for route, r in interval_routes.items()
        if r.requests > 0
    }
    return Tick(at=at, seconds=seconds, routes=routes)
