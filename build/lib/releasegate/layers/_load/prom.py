"""Scrape the target's Prometheus ``/metrics`` before and after a run and diff the two.

Only the text exposition format is read, and only two metrics: a request counter
(``http_requests_total{method,route,status}``) and a latency histogram
(``http_request_duration_seconds_bucket{method,route,le}``). Label names ``route``,
``path``, ``handler`` or ``endpoint`` are all accepted for the path template.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import httpx

_LINE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)")
_LABEL = re.compile(r'(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"')
_ROUTE_LABELS = ("route", "path", "handler", "endpoint")

Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Series:
    """(metric name, sorted labels) -> value for every sample line."""
    out: Series = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            continue
        labels = tuple(sorted((lm["key"], lm["value"]) for lm in _LABEL.finditer(m["labels"] or "")))
        try:
            out[(m["name"], labels)] = float(m["value"])
        except ValueError:
            continue
    return out


def scrape(url: str, timeout_s: float, headers: dict[str, str] | None = None) -> Series | None:
    """The parsed metrics, or None when the target exposes none (404, not text, unreachable)."""
    try:
        resp = httpx.get(url, timeout=timeout_s, headers=headers or {})
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        return None
    series = parse(resp.text)
    return series or None


def _endpoint(labels: dict[str, str]) -> str | None:
    route = next((labels[k] for k in _ROUTE_LABELS if k in labels), None)
    if route is None:
        return None
    method = labels.get("method", "").upper()
    return f"{method} {route}" if method else route


@dataclass
class ServerView:
    """What the server counted during the run, per endpoint ('METHOD /route')."""

    requests: dict[tuple[str, str], float] = field(default_factory=dict)  # (endpoint, status) -> n
    buckets: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # endpoint -> (le, n)
    sums: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.requests.values())


def diff(before: Series, after: Series, requests_metric: str, duration_metric: str) -> ServerView:
    view = ServerView()
    cumulative: dict[str, dict[float, float]] = defaultdict(dict)
    for (name, labels), value in after.items():
        delta = value - before.get((name, labels), 0.0)
        lab = dict(labels)
        endpoint = _endpoint(lab)
        if endpoint is None or delta <= 0:
            continue
        if name == requests_metric:
            key = (endpoint, lab.get("status", lab.get("code", "")))
            view.requests[key] = view.requests.get(key, 0.0) + delta
        elif name == f"{duration_metric}_bucket" and "le" in lab:
            le = math.inf if lab["le"] == "+Inf" else float(lab["le"])
            cumulative[endpoint][le] = cumulative[endpoint].get(le, 0.0) + delta
        elif name == f"{duration_metric}_sum":
            view.sums[endpoint] = view.sums.get(endpoint, 0.0) + delta
    for endpoint, cum in cumulative.items():
        pairs: list[tuple[float, int]] = []
        prev = 0.0
        finite = [b for b in sorted(cum) if math.isfinite(b)]
        for bound in [*finite, math.inf]:
            c = cum.get(bound, prev)
            if c > prev:
                value = bound if math.isfinite(bound) else (finite[-1] if finite else 0.0)
                pairs.append((value, round(c - prev)))
            prev = max(prev, c)
        view.buckets[endpoint] = pairs
    return view
