"""The watch layer's pure parts: bucket quantiles, exposition deltas, samples, live aborts, baselines."""

from __future__ import annotations

import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from releasegate.commands.run import deployed_at
from releasegate.config import Config, Environment
from releasegate.errors import ConfigError, UsageError
from releasegate.fixtures.promptlib.metrics import Metrics
from releasegate.gates import BudgetSet, validate_budgets
from releasegate.gates.evaluate import judge
from releasegate.gates.model import BudgetStatus, Decision
from releasegate.layers import watch
from releasegate.layers._watch import live
from releasegate.layers._watch.exposition import CounterReset, Names, diff, snapshot
from releasegate.layers._watch.quantile import bucket_quantile
from releasegate.layers._watch.series import RouteTick, Tick, to_samples
from releasegate.layers._watch.sources import MetricsSource, SourceError, render_query, to_tick
from releasegate.results import LayerResult, LayerStatus, RunInfo, RunResult
from releasegate.spec import AbortRule, RunOptions

POSITIVE = [(0.1, 50.0), (0.2, 70.0), (1.0, 110.0), (math.inf, 120.0)]
NEGATIVE = [(-0.2, 10.0), (-0.1, 20.0), (0.3, 20.0), (math.inf, 30.0)]


@pytest.mark.parametrize(
    ("q", "buckets", "expected"),
    [
        # PromQL's histogram_quantile on the same cumulative buckets gives these values
        (0.0, POSITIVE, 0.0),
        (0.2, POSITIVE, 0.048),
        (0.5, POSITIVE, 0.15),
        (0.8, POSITIVE, 0.72),
        (1.0, POSITIVE, 1.0),  # in the +Inf bucket: the highest finite bound
        (0.0, NEGATIVE, -0.2),  # first bucket with a bound <= 0: the bound itself
        (0.2, NEGATIVE, -0.2),
        (0.5, NEGATIVE, -0.15),
        (0.8, NEGATIVE, 0.3),
        (1.0, NEGATIVE, 0.3),
        (-0.1, POSITIVE, -math.inf),
        (1.1, POSITIVE, math.inf),
        (0.5, [(0.1, 5.0), (0.1, 5.0), (math.inf, 10.0)], 0.05),  # equal bounds merge: 10 <= 0.1
        (0.5, [(0.1, 8.0), (0.2, 6.0), (math.inf, 10.0)], 0.0625),  # made monotonic: (0.2, 8)
    ],
)
def test_bucket_quantile_matches_promql(
    q: float, buckets: list[tuple[float, float]], expected: float
) -> None:
    got = bucket_quantile(q, buckets)
    assert got is not None
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    "buckets",
    [[], [(math.inf, 5.0)], [(0.1, 1.0), (0.2, 2.0)], [(0.1, 0.0), (math.inf, 0.0)]],
)
def test_bucket_quantile_without_an_answer(buckets: list[tuple[float, float]]) -> None:
    """No +Inf bucket, one bucket, or no observations: PromQL answers NaN, this None."""
    assert bucket_quantile(0.95, buckets) is None


def _metrics_text(observations: list[tuple[str, int, float]]) -> str:
    m = Metrics()
    for route, status, seconds in observations:
        m.observe("GET", route, status, seconds)
    return m.render()


def test_scrape_deltas_give_exact_counts_and_quantiles() -> None:
    first = [("/api/tags", 200, 0.003)] * 10
    more = [("/api/tags", 200, 0.03)] * 18 + [("/api/tags", 500, 0.2)] * 2 + [("/health", 200, 0.001)] * 5
    names = Names()
    before = snapshot(_metrics_text(first), names, 100.0)
    after = snapshot(_metrics_text(first + more), names, 115.0)
    interval = diff(before, after)
    tags = interval.routes["/api/tags"]
    assert (tags.requests, tags.errors) == (20.0, 2.0)
    # 18 in (0.025, 0.05], 2 in (0.1, 0.25]: rank 19 of 20 lies in (0.1, 0.25], 1 of 2 in it
    assert tags.quantile(0.95) == pytest.approx(0.1 + 0.15 * 0.5)
    tick = to_tick(interval_routes=interval.routes, at=interval.end, seconds=interval.seconds, q=0.95)
    assert tick.seconds == 15.0
    assert tick.routes["/health"].requests == 5


def test_a_counter_that_went_down_is_a_reset_not_a_negative_delta() -> None:
    names = Names()
    before = snapshot(_metrics_text([("/api/tags", 200, 0.01)] * 10), names, 1.0)
    after = snapshot(_metrics_text([("/api/tags", 200, 0.01)] * 3), names, 2.0)
    with pytest.raises(CounterReset, match="went down"):
        diff(before, after)


def test_custom_label_and_metric_names() -> None:
    text = (
        'srv_total{path="/a",code="503"} 3\nsrv_total{path="/a",code="200"} 7\n'
        'lat_bucket{path="/a",le="0.1"} 9\nlat_bucket{path="/a",le="+Inf"} 10\n'
    )
    snap = snapshot(text, Names(requests="srv_total", duration="lat", route="path", status="code"), 0.0)
    counts = snap.routes["/a"]
    assert (counts.requests, counts.errors) == (10.0, 3.0)
    assert counts.buckets == {0.1: 9.0, math.inf: 10.0}


def test_queries_render_without_dangling_commas() -> None:
    settings = watch.WatchSettings(selector='{job="api"}', rate_window="30s")
    q = settings.rendered_queries()
    assert q["error_rate"] == (
        '(sum(rate(http_requests_total{status=~"5..",job="api",route!~"/metrics"}[30s])) or vector(0))'
        ' / sum(rate(http_requests_total{job="api",route!~"/metrics"}[30s]))'
    )
    assert "{}" in render_query("x{$selector}", {"selector": ""})
    assert render_query('x{s="5",$selector}', {"selector": ""}) == 'x{s="5"}'


def test_the_scrapes_of_metrics_are_not_the_services_traffic() -> None:
    """The watch's own scrapes (and Prometheus's) of metrics_path count as no route's traffic, so an
    idle service stays "too little traffic" instead of being judged on its scrapes."""
    text = (
        'http_requests_total{route="/metrics",status="200"} 40\n'
        'http_requests_total{route="/a",status="500"} 2\n'
        'http_request_duration_seconds_bucket{route="/metrics",le="+Inf"} 40\n'
        'http_request_duration_seconds_bucket{route="/a",le="+Inf"} 2\n'
    )
    default = watch.WatchSettings()
    assert set(snapshot(text, default.names(), 0.0).routes) == {"/a"}
    counted = watch.WatchSettings(ignore_routes=[])
    assert set(snapshot(text, counted.names(), 0.0).routes) == {"/a", "/metrics"}
    moved = watch.WatchSettings(metrics_path="/ops/metrics", ignore_routes=None)
    assert 'route!~"/ops/metrics"' in moved.rendered_queries()["throughput_by_route"]
    templated = watch.WatchSettings(ignore_routes=["/items/{id}"], route_label="handler")
    assert 'handler!~"/items/\\\\{id\\\\}"' in templated.rendered_queries()["latency"]
    assert "!~" not in counted.rendered_queries()["latency"]


def _tick(at: float, routes: dict[str, tuple[float, float, float | None]], seconds: float = 1.0) -> Tick:
    return Tick(at=at, seconds=seconds, routes={r: RouteTick(*v) for r, v in routes.items()})


def test_fractional_counts_round_on_the_running_total() -> None:
    ticks = [_tick(float(i), {"/a": (20.0, 0.4, 0.01)}) for i in range(1, 11)]
    samples = {s.metric: s for s in to_samples(ticks, 0.0)}
    rate = samples["error_rate"]
    assert dict(rate.buckets) == {1.0: 4, 0.0: 196}  # 10 x 0.4 errors: 4, not 10 x round(0.4) = 0
    assert len(rate.timeline) == 10
    assert samples["latency"].values == [0.01] * 10
    assert samples["throughput"].values == [20.0] * 10


def _rule(expr_metric: str, agg: str, op: str, threshold: float, **tags: str) -> AbortRule:
    key = f"watch.{expr_metric}" + ("{" + ",".join(f"{k}:{v}" for k, v in tags.items()) + "}" if tags else "")
    return AbortRule(key, f"{agg} {op} {threshold}", expr_metric, agg, op, threshold, tags, 3.0, 2.0)


def test_abort_rule_breaks_per_route_after_grace() -> None:
    rule = _rule("error_rate", "rate", "<", 0.05, route="*")
    clean = [_tick(t, {"/a": (100, 0, 0.01), "/b": (100, 1, 0.01)}) for t in (1.0, 2.0)]
    assert live.evaluate([rule], clean, 0.0) is None
    bad = [*clean, _tick(3.0, {"/a": (100, 0, 0.01), "/b": (100, 20, 0.01)})]
    breach = live.evaluate([rule], bad, 0.0)
    assert breach is not None
    assert breach.key == "watch.error_rate{route:/b}"
    assert "aborted at t=3s" in breach.sentence()
    early = [_tick(1.0, {"/b": (100, 90, 0.01)})]
    assert live.evaluate([rule], early, 0.0) is None  # within grace


def test_abort_rule_on_latency_and_unsupported_rules() -> None:
    rule = _rule("latency", "p(95)", "<", 0.5)
    ticks = [_tick(float(t), {"/a": (10, 0, 0.9)}) for t in (1, 2, 3)]
    assert live.evaluate([rule], ticks, 0.0) is not None
    assert live.check_supported(rule) is None
    assert "not supported live" in (live.check_supported(_rule("error_rate", "avg", "<", 1)) or "")
    assert "only the route tag" in (live.check_supported(_rule("latency", "avg", "<", 1, method="GET")) or "")


def _run(watch_values: list[float], base_values: list[float] | None) -> RunResult:
    watch_ticks = [_tick(float(t), {"/api/tags": (100, 0, v)}) for t, v in enumerate(watch_values, 1)]
    layer = LayerResult(layer="watch", status=LayerStatus.OK, samples=to_samples(watch_ticks, 0.0))
    if base_values is not None:
        base = [_tick(float(t), {"/api/tags": (100, 0, v)}) for t, v in enumerate(base_values, 1)]
        layer.baseline_samples = to_samples(base, 0.0)
    info = RunInfo(run_id="r", environment="e", stage="post-deploy", base_url="http://x", layers=["watch"])
    return RunResult(info=info, layers=[layer])


def _budgets(level: str = "error", allow_missing: bool = False) -> BudgetSet:
    value = {"expr": "p(95) < baseline * 1.2", "level": level, "allow_missing": allow_missing}
    config = Config(budgets={"watch.latency{route:*}": value, "watch.error_rate": "rate < 0.5%"})
    return validate_budgets(config, {"watch": watch.SPEC})


def test_a_latency_regression_fails_the_baseline_budget() -> None:
    verdict = judge(_run([0.35] * 10, [0.02] * 10), _budgets())
    record = next(b for b in verdict.budgets if b.key == "watch.latency{route:/api/tags}")
    assert record.status is BudgetStatus.FAIL
    assert record.baseline == pytest.approx(0.02)
    assert verdict.decision is Decision.NO_GO


def test_the_same_latency_as_before_passes() -> None:
    verdict = judge(_run([0.021] * 10, [0.02] * 10), _budgets())
    assert verdict.decision is Decision.GO


def test_without_a_baseline_window_the_baseline_budget_is_missing_data() -> None:
    verdict = judge(_run([0.35] * 10, None), _budgets(level="warn", allow_missing=True))
    record = next(b for b in verdict.budgets if b.key.startswith("watch.latency"))
    assert record.status is BudgetStatus.INCONCLUSIVE
    assert verdict.decision is Decision.GO  # a warn-level budget with allow_missing never blocks


def test_deployed_at_accepts_iso_and_epoch() -> None:
    assert deployed_at("1796117400") == 1796117400.0
    assert deployed_at("2026-12-01T09:30:00Z") == deployed_at("2026-12-01T09:30:00+00:00")
    assert deployed_at("2026-12-01T09:30:00") == deployed_at("2026-12-01T09:30:00Z")
    assert deployed_at(None, now=5.0) == 5.0
    with pytest.raises(UsageError, match="neither ISO 8601 nor epoch"):
        deployed_at("yesterday")


def test_watch_settings_are_checked_up_front() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        watch.WatchSettings(duration_s=900, timeout_s=600)
    settings = watch.WatchSettings(duration_s=20, interval_s=1, timeout_s=60)
    watch.prepare(settings, RunOptions(), Environment(name="e"))
    with pytest.raises(ConfigError, match="does not fit"):
        watch.prepare(settings, RunOptions(extra={"watch_duration": 120.0}), Environment(name="e"))


def test_watch_joins_only_the_post_deploy_stage_by_default() -> None:
    from releasegate.registry import default_stages

    stages = default_stages()
    assert "watch" in stages["post-deploy"]
    assert "watch" not in stages["pre-deploy"]


def test_an_earlier_run_is_looked_up_only_when_a_layer_in_the_run_lacks_its_own_baseline() -> None:
    from releasegate.gates.runner import needs_baseline_run

    budgets = _budgets()
    with_own = _run([0.02] * 5, [0.02] * 5)
    assert not needs_baseline_run(budgets, with_own)
    assert needs_baseline_run(budgets, _run([0.02] * 5, None))
    info = RunInfo(run_id="p", environment="e", stage="pre-deploy", base_url="http://x", layers=["smoke"])
    assert not needs_baseline_run(budgets, RunResult(info=info))  # the watch is not part of the run


def test_cli_refuses_bad_watch_flags_before_anything_starts(tmp_path: Path) -> None:
    from releasegate.cli import main

    config = tmp_path / "releasegate.toml"
    config.write_text("", encoding="utf-8")
    base = ["run", "--config", str(config), "--report-dir", str(tmp_path / "r"), "--layers", "watch"]
    assert main([*base, "--deployed-at", "yesterday"]) == 2
    assert main([*base, "--watch-duration", "0"]) == 2
    assert main([*base, "--watch-duration", "5000"]) == 2  # longer than layers.watch.timeout_s
    assert not (tmp_path / "r").exists()


def test_watch_mark_needs_a_deployed_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from releasegate.cli import main

    config = tmp_path / "releasegate.toml"
    config.write_text("", encoding="utf-8")
    assert main(["watch", "mark", "--config", str(config)]) == 2
    assert "no deployed service to mark" in capsys.readouterr().err
    assert main(["watch", "mark", "--config", str(config), "--base-url", "http://127.0.0.1:9"]) == 3


class _Exposition(BaseHTTPRequestHandler):
    bodies: ClassVar[dict[str, tuple[int, str]]] = {
        "/counter-only": (200, 'http_requests_total{route="/a",status="200"} 5\n'),
        "/json": (200, '{"status": "pass"}'),
        "/missing": (404, "not found"),
    }

    def do_GET(self) -> None:
        status, body = self.bodies.get(self.path, (404, ""))
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/counter-only", "has no http_request_duration_seconds_bucket histogram"),
        ("/json", "is not Prometheus text exposition"),
        ("/missing", "answered HTTP 404"),
    ],
)
def test_metrics_missing_on_the_target_fail_closed(path: str, reason: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Exposition)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}{path}"
        with pytest.raises(SourceError, match=reason):
            MetricsSource(url, Names(), 0.95).start()
    finally:
        server.shutdown()
        server.server_close()


def test_counters_that_vanished_are_a_reset() -> None:
    names = Names()
    before = snapshot(_metrics_text([("/api/tags", 200, 0.01)] * 5), names, 1.0)
    with pytest.raises(CounterReset, match="vanished"):
        diff(before, snapshot("", names, 2.0))
