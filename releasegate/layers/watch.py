"""The watch layer: after a deploy, the service's own error rate and latency, watched against before.

Probes only see the endpoints they call; the service's own request metrics see every user.
For ``duration_s`` (``--watch-duration``) the layer reads, every ``interval_s``, either a
Prometheus server (``prometheus_url``: instant queries, PromQL templates in
``[layers.watch.queries]``) or the target's own ``metrics_path`` (scrape deltas: exact counts,
quantiles interpolated in the bucket deltas exactly as PromQL's ``histogram_quantile`` does).

Baseline window: from Prometheus, the same duration just before ``--deployed-at`` (default:
the run's start); from ``/metrics``, the mark ``releasegate watch mark`` stored before the
deploy (the old process's counters since it started). Without one there is no baseline: the
layer's own first scrape is after the deploy and is never used as one. The baseline's samples
go into ``LayerResult.baseline_samples``, where the gates' ``baseline`` operand finds them.

Fail closed: an unreachable source, a query without series, missing metrics, a counter reset
or fewer than ``min_requests`` requests make the layer an error (the verdict inconclusive).
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from releasegate.config import Environment
from releasegate.errors import ConfigError
from releasegate.layers._watch import live
from releasegate.layers._watch.changes import changes, findings
from releasegate.layers._watch.exposition import diff
from releasegate.layers._watch.mark import load_mark, mark_path, write_mark
from releasegate.layers._watch.series import Tick, route_totals, to_samples, total_requests
from releasegate.layers._watch.settings import MARGIN_S, WatchQueries, WatchSettings
from releasegate.layers._watch.sources import MetricsSource, PromSource, SourceError, to_tick
from releasegate.results import (
    LayerResult,
    LayerStatus,
    Measurement,
    MetricKind,
    Record,
    Samples,
    Status,
    utcnow,
)
from releasegate.spec import (
    AbortRule,
    Chart,
    LayerContext,
    LayerSettings,
    LayerSpec,
    MetricSpec,
    Policy,
    RunOptions,
)

__all__ = ["SPEC", "WatchQueries", "WatchSettings", "take_mark"]

DURATION_KEY = "watch_duration"  # RunOptions.extra: --watch-duration
DEPLOYED_AT_KEY = "deployed_at"  # RunOptions.extra: --deployed-at (epoch seconds)
SLICE_S = 0.2  # how often the wait between intervals checks the deadline


_ROUTE = ("route",)
METRICS: dict[str, MetricSpec] = {
    "error_rate": MetricSpec(
        MetricKind.RATE,
        "ratio",
        "Share of requests answering an error status, per route.",
        _ROUTE,
        chart=Chart.WINDOWS,
    ),
    "latency": MetricSpec(
        MetricKind.TREND,
        "s",
        "Latency quantile (default p95), one per interval and route.",
        _ROUTE,
        chart=Chart.WINDOWS,
    ),
    "throughput": MetricSpec(MetricKind.TREND, "", "Requests per second, one per interval, all routes."),
}


def _duration(settings: WatchSettings, options: RunOptions) -> float:
    value = options.extra.get(DURATION_KEY)
    return float(value) if value else settings.duration_s


def prepare(settings: LayerSettings, options: RunOptions, _env: Environment) -> None:
    """Up-front checks: --watch-duration fits the layer's timeout; the auth variable is named."""
    assert isinstance(settings, WatchSettings)
    duration = _duration(settings, options)
    if duration <= 0 or duration < settings.interval_s:
        raise ConfigError(
            f"--watch-duration {duration:g} must be at least interval_s ({settings.interval_s:g} s)",
            key="--watch-duration",
        )
    if duration + MARGIN_S > settings.timeout_s:
        raise ConfigError(
            f"--watch-duration {duration:g} s does not fit layers.watch.timeout_s = {settings.timeout_s:g}",
            key="layers.watch.timeout_s",
            hint=f"set timeout_s to at least {duration + MARGIN_S:g}",
        )


def _headers(settings: WatchSettings) -> tuple[dict[str, str], list[str]]:
    if not settings.auth_header_env:
        return {}, []
    value = os.environ.get(settings.auth_header_env)
    if not value:
        raise ConfigError(
            f"environment variable {settings.auth_header_env} (layers.watch.auth_header_env) is not set",
            key="layers.watch.auth_header_env",
        )
    return {settings.auth_header: value}, [value]


def _rules(ctx: LayerContext) -> list[AbortRule]:
    rules = list(ctx.abort_rules)
    for rule in rules:
        problem = live.check_supported(rule)
        if problem:
            raise ConfigError(
                problem, key=rule.key, hint="abort = true works on error_rate, latency, throughput"
            )
    return rules


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


class _Watch:
    """One watch: the state the run function threads through its steps."""

    def __init__(self, ctx: LayerContext, settings: WatchSettings) -> None:
        self.ctx = ctx
        self.settings = settings
        self.duration = _duration(settings, ctx.options)
        self.records: list[Record] = []
        self.baseline: list[Tick] = []
        self.baseline_note = ""
        self.ticks: list[Tick] = []
        self.aborted: str | None = None
        self.failure: str | None = None
        self.t0 = time.time()
        self.source_name = "prometheus" if settings.prometheus_url else "metrics"

    def note(self, check: str, status: Status, message: str, **tags: str) -> None:
        self.records.append(
            Record(layer="watch", check=check, status=status, message=self.ctx.redact(message), tags=tags)
        )

    # -- baselines ---------------------------------------------------------------------------

    def prom_baseline(self, source: PromSource, deployed_at: float) -> None:
        start = deployed_at - self.duration + self.settings.interval_s
        try:
            self.baseline = source.window(start, deployed_at, self.settings.interval_s)
            self.baseline_note = (
                f"baseline: Prometheus, {self.duration:g} s before the deploy "
                f"({_when(deployed_at - self.duration)} to {_when(deployed_at)})"
            )
        except SourceError as exc:
            self.baseline_note = f"no baseline: {exc}; baseline budgets are missing data"

    def mark_baseline(self, url: str) -> None:
        path = mark_path(self.ctx.run_dir.parent, self.ctx.environment.name, self.settings.mark_file)
        if not path.is_file():
            self.baseline_note = (
                f"no baseline: no mark at {path} (run `releasegate watch mark` before the deploy); the "
                "watch's own first scrape is after the deploy and is not a baseline, so baseline budgets "
                "are missing data"
            )
            return
        try:
            header, snap = load_mark(path)
        except ValueError as exc:
            self.baseline_note = f"no baseline: {exc}"
            return
        if header.get("url") != url:
            self.baseline_note = f"no baseline: the mark at {path} is of {header.get('url')}, not {url}"
            return
        interval = diff(None, snap)
        self.baseline = [
            to_tick(interval_routes=interval.routes, at=snap.taken_at, seconds=0.0, q=self.settings.quantile)
        ]
        self.baseline_note = (
            f"baseline: the mark at {path}, taken {_when(snap.taken_at)} (counters since the process started)"
        )

    # -- the watch ---------------------------------------------------------------------------

    def wait_until(self, moment: float) -> bool:
        """Sleep until ``moment`` (epoch); False when the layer's deadline comes first."""
        while True:
            left = moment - time.time()
            if left <= 0:
                return True
            if self.ctx.remaining_s(math.inf) - MARGIN_S < left:
                return False
            time.sleep(min(SLICE_S, left))

    def loop(self, tick: Callable[[], Tick], rules: list[AbortRule]) -> None:
        interval = self.settings.interval_s
        steps = max(1, int(self.duration // interval))
        for step in range(1, steps + 1):
            if not self.wait_until(self.t0 + step * interval):
                self.note(
                    "deadline", Status.ERROR, f"stopped after {len(self.ticks)} intervals: timeout_s reached"
                )
                break
            try:
                self.ticks.append(tick())
            except SourceError as exc:
                self.failure = f"{exc} (after {len(self.ticks)} of {steps} intervals)"
                return
            last = self.ticks[-1]
            n = sum(r.requests for r in last.routes.values())
            e = sum(r.errors for r in last.routes.values())
            rate = f"{e / n:.2%}" if n else "-"
            rps = n / max(last.seconds, 1e-9)
            self.ctx.progress(f"watch {step}/{steps}: {rps:.1f} req/s, errors {rate} ({self.source_name})")
            breach = live.evaluate(rules, self.ticks, self.t0)
            if breach is not None:
                self.aborted = breach.sentence()
                return

    # -- results -----------------------------------------------------------------------------

    def compare_routes(self) -> None:
        watch, base = route_totals(self.ticks), route_totals(self.baseline)
        ratio = self.settings.worse_ratio
        for route in sorted(watch):
            n, e, lat = watch[route]
            rate = e / n if n else 0.0
            p = statistics.median(lat) if lat else None
            measurements = [
                Measurement(name="requests", value=round(n, 1)),
                Measurement(name="error_rate", value=rate, unit="ratio"),
            ]
            if p is not None:
                measurements.append(Measurement(name="latency", value=p, unit="s"))
            worse: list[str] = []
            text = f"route {route}: error rate {rate:.2%}" + (
                f", p{self.settings.quantile * 100:g} {p * 1000:.0f} ms" if p is not None else ""
            )
            if route in base and base[route][0] > 0:
                bn, be, blat = base[route]
                brate = be / bn
                bp = statistics.median(blat) if blat else None
                measurements.append(Measurement(name="baseline_error_rate", value=brate, unit="ratio"))
                text += f" (baseline {brate:.2%}"
                if bp is not None:
                    measurements.append(Measurement(name="baseline_latency", value=bp, unit="s"))
                    text += f", {bp * 1000:.0f} ms"
                text += ")"
                if rate > brate * ratio and rate - brate > 0.001:
                    worse.append("error rate")
                if p is not None and bp is not None and bp > 0 and p > bp * ratio:
                    worse.append("latency")
            elif self.baseline:
                text += " (not in the baseline: a new route)"
            if worse:
                text += ": worse " + " and ".join(worse)
            self.records.append(
                Record(
                    layer="watch",
                    check=f"route {route}",
                    status=Status.FAIL if worse else Status.PASS,
                    message=text,
                    tags={"route": route},
                    measurements=measurements,
                )
            )


def _source(w: _Watch, headers: dict[str, str]) -> tuple[Callable[[], Tick], PromSource | MetricsSource]:
    """(tick function, source) for the configured source; the baseline is read here too."""
    settings, ctx = w.settings, w.ctx
    deployed_at = float(ctx.options.extra.get(DEPLOYED_AT_KEY) or w.t0)
    if settings.prometheus_url:
        queries = settings.rendered_queries()
        prom = PromSource(
            settings.prometheus_url, queries, settings.route_label, headers, settings.request_timeout_s
        )
        w.note(
            "queries", Status.PASS, "; ".join(f"{k}: {v}" for k, v in queries.items()), source="prometheus"
        )
        w.prom_baseline(prom, deployed_at)
        return (lambda: prom.tick(time.time(), settings.interval_s)), prom
    url = ctx.base_url + settings.metrics_path
    scraper = MetricsSource(
        url,
        settings.names(),
        settings.quantile,
        ctx.environment.resolved_headers(),
        settings.request_timeout_s,
    )
    w.note(
        "queries",
        Status.PASS,
        f"scrapes of {url} every {settings.interval_s:g} s: deltas of {settings.requests_metric} "
        f"and {settings.duration_metric}_bucket",
        source="metrics",
    )
    w.mark_baseline(url)
    scraper.start()
    return scraper.tick, scraper


def run(ctx: LayerContext) -> LayerResult:
    started = utcnow()
    settings = ctx.settings_as(WatchSettings)
    headers, secrets = _headers(settings)
    ctx.secrets.extend(secrets)
    rules = _rules(ctx)
    w = _Watch(ctx, settings)
    meta: dict[str, Any] = {
        "source": w.source_name,
        "duration_s": w.duration,
        "interval_s": settings.interval_s,
    }
    try:
        tick, source = _source(w, headers)
    except SourceError as exc:
        return _result(w, started, meta, failure=str(exc))
    w.note("baseline", Status.PASS if w.baseline else Status.SKIPPED, w.baseline_note)
    w.t0 = time.time()
    w.loop(tick, rules)
    if isinstance(source, PromSource):
        overall = {k: (statistics.median(v) if v else None) for k, v in source.overall.items()}
        meta["overall"] = overall
        shown = ", ".join(f"{k} {'-' if v is None else f'{v:.4g}'}" for k, v in overall.items())
        w.note(
            "overall",
            Status.PASS,
            f"all routes, median over the intervals (queries error_rate, latency): {shown}",
        )
    return _result(w, started, meta, failure=w.failure)


def _result(w: _Watch, started: datetime, meta: dict[str, Any], failure: str | None) -> LayerResult:
    settings = w.settings
    seen = total_requests(w.ticks)
    meta["requests"] = round(seen, 1)
    if failure is None and not w.aborted and seen < settings.min_requests:
        failure = (
            f"too little traffic to judge: {seen:.0f} requests in the watch, fewer than "
            f"min_requests = {settings.min_requests}"
        )
    baseline_samples: list[Samples] = []
    if w.baseline:
        base_seen = total_requests(w.baseline)
        if base_seen >= settings.min_requests:
            # t relative to the watch's start (negative): the report draws both windows on one axis
            baseline_samples = to_samples(w.baseline, w.t0)
        else:
            w.note(
                "baseline",
                Status.SKIPPED,
                f"baseline ignored: {base_seen:.0f} requests, "
                f"fewer than min_requests = {settings.min_requests}",
            )
    w.compare_routes()
    worse = changes(w.ticks, w.baseline, settings.worse_ratio) if baseline_samples else []
    found = [f.model_copy(update={"what": w.ctx.redact(f.what)}) for f in findings(worse, settings.quantile)]
    if failure:
        w.note("source", Status.ERROR, failure)
    return LayerResult(
        layer="watch",
        status=LayerStatus.ERROR if failure else LayerStatus.OK,
        started_at=started,
        finished_at=utcnow(),
        records=w.records,
        samples=to_samples(w.ticks, w.t0),
        baseline_samples=baseline_samples,
        findings=found,
        error=w.ctx.redact(failure) if failure else None,
        aborted=w.aborted,
        meta=meta,
    )


def take_mark(
    base_url: str, environment: str, settings: WatchSettings, report_dir: Path, headers: dict[str, str]
) -> Path:
    """Scrape ``base_url`` + ``metrics_path`` now and store it as the /metrics baseline (SourceError)."""
    url = base_url.rstrip("/") + settings.metrics_path
    snap = MetricsSource(
        url, settings.names(), settings.quantile, headers, settings.request_timeout_s
    ).scrape()
    return write_mark(
        mark_path(report_dir, environment, settings.mark_file), environment=environment, url=url, snap=snap
    )


SPEC = LayerSpec(
    name="watch",
    summary="After a deploy: the service's own error rate, latency and throughput vs before "
    "(Prometheus or /metrics).",
    settings_model=WatchSettings,
    metrics=METRICS,
    run=run,
    policy=Policy.READS,
    prepare=prepare,
)
