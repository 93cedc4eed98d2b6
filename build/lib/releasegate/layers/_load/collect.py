"""Turn the recorder's results file (and the server's scrape) into Samples and Records.

Encodings for gates:

* ``http_req_duration`` (trend, s): ``buckets`` are the merged HDR histogram as
  ``(value_seconds, count)``; ``timeline`` holds one point per second with that second's buckets.
* ``http_req_failed`` (rate): ``buckets`` ``[(0.0, successes), (1.0, failures)]``; the rate is
  their weighted mean. Timeline points carry the same pair per second.
* ``http_reqs`` (counter): ``values`` ``[requests]``; timeline points ``values [requests that second]``.
* ``rps`` (gauge, no tags): requests per second of the whole run; per-second points.
* open-model profiles: ``achieved_rate`` (gauge, ratio of the target), ``schedule_lag`` (trend,
  actual minus intended start) and ``http_req_corrected`` (trend, latency from the intended start).
* server side (``source:server``): ``server_requests`` (counter) and ``server_req_duration``
  (trend, buckets at the upper bounds of the server's own histogram buckets: coarse).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from releasegate.layers._load import hdr
from releasegate.layers._load.prom import ServerView
from releasegate.results import Finding, Measurement, MetricKind, Record, Samples, Status, TimePoint, one_line


@dataclass
class EndpointData:
    """One endpoint's figures; ``seconds`` holds each second's ``(ok, failed, buckets)``."""

    name: str
    total: HdrHistogram = field(default_factory=hdr.new)
    ok: int = 0
    failed: int = 0
    seconds: dict[int, tuple[int, int, list[tuple[float, int]]]] = field(default_factory=dict)
    lag: list[str] = field(default_factory=list)
    corr: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def tags(self) -> dict[str, str]:
        return {"endpoint": self.name, "method": self.method}


def endpoints(results: dict[str, Any]) -> dict[str, EndpointData]:
    """Per-endpoint totals merged exactly from every per-second cell, each decoded once.

    Compute this once per results file and hand it to :func:`client_samples` and :func:`records`.
    """
    out: dict[str, EndpointData] = {}
    for t, name, ok, failed, h, lag, corr in results.get("cells", []):
        ep = out.get(name)
        if ep is None:
            ep = out[name] = EndpointData(name)
        second = hdr.decode(h)
        ep.total.add(second)
        ep.ok += ok
        ep.failed += failed
        ep.seconds[int(t)] = (ok, failed, hdr.buckets_s(second))
        if lag is not None:
            ep.lag.append(lag)
            ep.corr.append(corr)
    return out


def duration_s(results: dict[str, Any]) -> float:
    return max(1e-3, float(results["stopped_at"]) - float(results["t0"]))


def _timeline_hist(ep: EndpointData) -> list[TimePoint]:
    return [TimePoint(t=float(t), buckets=b) for t, (_o, _f, b) in sorted(ep.seconds.items())]


def client_samples(
    results: dict[str, Any], eps: dict[str, EndpointData], target_rate: float | None
) -> list[Samples]:
    """The client-side Samples of ``results``; ``eps`` is :func:`endpoints` of the same results."""
    dur = duration_s(results)
    out: list[Samples] = []
    per_second: dict[int, int] = defaultdict(int)
    for ep in eps.values():
        secs = sorted(ep.seconds.items())
        for t, (o, f, _b) in secs:
            per_second[t] += o + f
        out.append(
            Samples(
                metric="http_req_duration",
                kind=MetricKind.TREND,
                unit="s",
                tags=ep.tags,
                buckets=hdr.buckets_s(ep.total),
                timeline=_timeline_hist(ep),
                duration_s=dur,
            )
        )
        out.append(
            Samples(
                metric="http_req_failed",
                kind=MetricKind.RATE,
                unit="ratio",
                tags=ep.tags,
                buckets=[(0.0, ep.ok), (1.0, ep.failed)],
                duration_s=dur,
                timeline=[TimePoint(t=float(t), buckets=[(0.0, o), (1.0, f)]) for t, (o, f, _b) in secs],
            )
        )
        out.append(
            Samples(
                metric="http_reqs",
                kind=MetricKind.COUNTER,
                tags=ep.tags,
                values=[float(ep.ok + ep.failed)],
                duration_s=dur,
                timeline=[TimePoint(t=float(t), values=[float(o + f)]) for t, (o, f, _b) in secs],
            )
        )
        if ep.lag:
            out.append(
                Samples(
                    metric="schedule_lag",
                    kind=MetricKind.TREND,
                    unit="s",
                    tags=ep.tags,
                    buckets=hdr.buckets_s(hdr.merge(ep.lag)),
                    duration_s=dur,
                )
            )
            out.append(
                Samples(
                    metric="http_req_corrected",
                    kind=MetricKind.TREND,
                    unit="s",
                    tags=ep.tags,
                    buckets=hdr.buckets_s(hdr.merge(ep.corr)),
                    duration_s=dur,
                )
            )
    total = sum(per_second.values())
    out.append(
        Samples(
            metric="rps",
            kind=MetricKind.GAUGE,
            values=[total / dur],
            duration_s=dur,
            timeline=[TimePoint(t=float(t), values=[float(n)]) for t, n in sorted(per_second.items())],
        )
    )
    if target_rate:
        out.append(
            Samples(
                metric="achieved_rate",
                kind=MetricKind.GAUGE,
                unit="ratio",
                values=[achieved(per_second, results, target_rate)],
                duration_s=dur,
            )
        )
    return out


def achieved(per_second: dict[int, int], results: dict[str, Any], target_rate: float) -> float:
    """Requests per second over the steady seconds (after spawning, before stopping) / target."""
    start = int(results.get("spawn_complete_s") or 0) + 1
    end = int(duration_s(results))  # the last whole second
    steady = [per_second.get(t, 0) for t in range(start, end)]
    if not steady:
        steady = [per_second.get(t, 0) for t in range(0, max(1, end))]
    return (sum(steady) / len(steady)) / target_rate


def server_samples(view: ServerView) -> list[Samples]:
    out: list[Samples] = []
    for (endpoint, status), n in sorted(view.requests.items()):
        tags = {"endpoint": endpoint, "status": status, "source": "server"}
        out.append(Samples(metric="server_requests", kind=MetricKind.COUNTER, tags=tags, values=[n]))
    for endpoint, pairs in sorted(view.buckets.items()):
        out.append(
            Samples(
                metric="server_req_duration",
                kind=MetricKind.TREND,
                unit="s",
                tags={"endpoint": endpoint, "source": "server"},
                buckets=pairs,
            )
        )
    return out


def records(results: dict[str, Any], eps: dict[str, EndpointData], redact: Any) -> list[Record]:
    """One record per endpoint: exact figures, with Locust's own (approximate) ones beside them."""
    approx = results.get("locust_approx", {})
    dur = duration_s(results)
    out: list[Record] = []
    for name, ep in sorted(eps.items()):
        s = hdr.summary(ep.total)
        n = ep.ok + ep.failed
        rate = ep.failed / n if n else 0.0
        meas = [
            Measurement(name="requests", value=n),
            Measurement(name="failed", value=ep.failed),
            Measurement(name="error_rate", value=rate, unit="ratio"),
            Measurement(name="rps", value=n / dur),
        ]
        meas += [
            Measurement(name=k, value=s[k], unit="s") for k in ("avg", "p50", "p95", "p99", "max") if k in s
        ]
        loc = approx.get(name)
        if loc:
            meas += [
                Measurement(name="locust_p95_approx", value=float(loc["p95_ms"]) / 1e3, unit="s"),
                Measurement(name="locust_p99_approx", value=float(loc["p99_ms"]) / 1e3, unit="s"),
            ]
        errors = results.get("errors", {}).get(name, {})
        top = "; ".join(f"{c}x {m}" for m, c in sorted(errors.items(), key=lambda kv: -kv[1])[:3])
        msg = (
            f"{n} requests, {ep.failed} failed ({rate:.2%}); p50 {s.get('p50', 0) * 1e3:.1f} ms, "
            f"p95 {s.get('p95', 0) * 1e3:.1f} ms, p99 {s.get('p99', 0) * 1e3:.1f} ms (exact, HDR)"
        )
        out.append(
            Record(
                layer="load",
                check=name,
                status=Status.FAIL if ep.failed else Status.PASS,
                message=redact(msg + (f"; errors: {top}" if top else "")),
                tags=ep.tags,
                measurements=meas,
            )
        )
    return out


def status_code(message: str) -> str:
    """The HTTP status a failure message names (``code=500``, ``500 Server Error``), else ''."""
    if match := re.search(
        r"code=(\d{3})\b|\b(\d{3}) (?:Server|Client) Error|status(?: code)? (\d{3})\b", message
    ):
        return next(g for g in match.groups() if g)
    return ""


def failure_counts(results: dict[str, Any], failures_csv: Path | None) -> dict[str, dict[str, int]]:
    """Per endpoint, each failure message and its count: the recorder's own tally, else the rows
    of Locust's ``*_failures.csv`` (Method, Name, Error, Occurrences)."""
    recorded: dict[str, dict[str, int]] = results.get("errors") or {}
    if recorded or failures_csv is None or not failures_csv.exists():
        return recorded
    out: dict[str, dict[str, int]] = defaultdict(dict)
    with failures_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = f"{row.get('Method', '')} {row.get('Name', '')}".strip()
            out[name][row.get("Error", "")] = int(float(row.get("Occurrences") or 0))
    return dict(out)


def findings(
    eps: dict[str, EndpointData],
    errors: dict[str, dict[str, int]],
    *,
    base_url: str,
    evidence: Sequence[str],
    redact: Callable[[str], str],
) -> list[Finding]:
    """One finding per endpoint and failure message: the status code (or the error) and how often."""
    out: list[Finding] = []
    for name, ep in sorted(eps.items()):
        if not ep.failed:
            continue
        messages = sorted((errors.get(name) or {}).items(), key=lambda kv: -kv[1])
        if not messages:
            messages = [("failed (no message recorded)", ep.failed)]
        method, _, path = name.partition(" ")
        curl = None
        if path.startswith("/") and not any(c in path for c in "{<*"):
            curl = f"curl -sS -i -X {method} '{base_url.rstrip('/')}{path}'"
        for message, count in messages:
            text = redact(one_line(message, 240))
            code = status_code(text)
            out.append(
                Finding(
                    layer="load",
                    kind="http_error",
                    where=name,
                    what=f"HTTP {code}: {text}" if code and not text.startswith(f"HTTP {code}") else text,
                    count=int(count),
                    evidence=list(evidence),
                    reproduce=curl,
                    metric="http_req_failed",
                    tags={**ep.tags, "status_code": code},
                )
            )
    return out
