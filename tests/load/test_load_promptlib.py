"""The load layer end to end: real Locust against the real promptlib, judged by gates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from releasegate.layers._load.profiles import Endpoint, Profile
from releasegate.results import LayerStatus
from tests.load.conftest import DEFAULT_BUDGETS, abort_rules_from, judge, run_layer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OPEN = Profile(users=8, spawn_rate=8, arrival_rate=30, duration_s=6, max_duration_s=20, max_requests=5_000)
CLOSED = Profile(users=6, spawn_rate=6, duration_s=6, max_duration_s=20, max_requests=20_000)


def _sample(result: Any, metric: str, **tags: str) -> Any:
    found = [
        s for s in result.samples if s.metric == metric and all(s.tags.get(k) == v for k, v in tags.items())
    ]
    assert found, f"no {metric} samples with {tags}"
    return found[0]


def test_clean_promptlib_is_go_under_default_budgets(promptlib: Any, ctx_factory: Callable[..., Any]) -> None:
    result = run_layer(ctx_factory(promptlib.url, OPEN))
    assert result.status is LayerStatus.OK, result.error
    assert result.aborted is None
    verdict = judge(result, {**DEFAULT_BUDGETS, "load.achieved_rate": "value > 0.8"})
    assert verdict.decision.value == "GO", [b.message for b in verdict.budgets]
    reqs = sum(s.values[0] for s in result.samples if s.metric == "http_reqs")
    assert reqs >= 100
    # the server's own view sits beside the client's
    server = [s for s in result.samples if s.metric == "server_requests"]
    assert server
    assert all(s.tags["source"] == "server" for s in server)
    served = sum(s.values[0] for s in server if s.tags["endpoint"] == "GET /api/tags")
    assert served == _sample(result, "http_reqs", endpoint="GET /api/tags").values[0]
    # exact percentiles beside Locust's approximate ones, per second too
    dur = _sample(result, "http_req_duration", endpoint="GET /api/prompts")
    assert dur.buckets
    assert len(dur.timeline) >= 5
    assert any(m.name == "locust_p95_approx" for r in result.records for m in r.measurements)
    assert result.findings == []  # nothing failed: no cause to show


def test_slow_endpoint_fails_its_own_budget_only(
    start_promptlib: Any, ctx_factory: Callable[..., Any]
) -> None:
    app = start_promptlib("latency:/api/prompts=300ms")
    result = run_layer(ctx_factory(app.url, OPEN))
    assert result.status is LayerStatus.OK, result.error
    budgets = {
        "load.http_req_duration{endpoint:GET /api/prompts}": "p(95) < 250ms",
        "load.http_req_duration{endpoint:GET /api/tags}": "p(95) < 250ms",
        "load.http_req_duration{endpoint:GET /health}": "p(95) < 250ms",
    }
    verdict = judge(result, budgets)
    status = {b.key: b.status.value for b in verdict.budgets if b.key.startswith("load.")}
    assert status["load.http_req_duration{endpoint:GET /api/prompts}"] == "fail"
    assert status["load.http_req_duration{endpoint:GET /api/tags}"] == "pass"
    assert status["load.http_req_duration{endpoint:GET /health}"] == "pass"
    assert verdict.decision.value == "NO_GO"
    slow = next(b for b in verdict.budgets if b.key.endswith("GET /api/prompts}"))
    assert slow.observed is not None
    assert slow.observed >= 0.300


def test_two_percent_errors_fail_the_error_rate_budget(
    start_promptlib: Any, ctx_factory: Callable[..., Any]
) -> None:
    app = start_promptlib("errors=2%")
    endpoints = [
        Endpoint(method="GET", path="/api/tags"),
        Endpoint(method="GET", path="/api/prompts?limit=5", name="GET /api/prompts"),
    ]
    result = run_layer(ctx_factory(app.url, CLOSED, endpoints=endpoints))
    assert result.status is LayerStatus.OK, result.error
    verdict = judge(result, DEFAULT_BUDGETS)
    failed = next(b for b in verdict.budgets if b.key == "load.http_req_failed")
    assert failed.status.value == "fail", failed.message
    assert failed.observed is not None
    assert 0.005 < failed.observed < 0.06
    latency = [b for b in verdict.budgets if b.key == "load.http_req_duration"]
    assert latency
    assert all(b.status.value == "pass" for b in latency)
    # the cause per endpoint: the status code and how often, linked to the failing budget
    assert failed.findings
    assert all(f.where in ("GET /api/tags", "GET /api/prompts") for f in failed.findings)
    assert all(f.tags["status_code"] == "500" and f.what.startswith("HTTP 500") for f in failed.findings)
    failures = sum(s.buckets[1][1] for s in result.samples if s.metric == "http_req_failed")
    assert sum(f.count for f in failed.findings) == failures


def test_half_errors_abort_the_run_early(start_promptlib: Any, ctx_factory: Callable[..., Any]) -> None:
    app = start_promptlib("errors=50%")
    budgets = {"load.http_req_failed": {"expr": "rate < 5%", "abort": True, "window": "2s", "grace": "2s"}}
    rules = abort_rules_from(budgets)
    assert rules
    assert rules[0].window_s == 2.0
    long = Profile(users=4, spawn_rate=4, duration_s=40, max_duration_s=60, max_requests=50_000)
    endpoints = [Endpoint(method="GET", path="/api/tags")]
    result = run_layer(ctx_factory(app.url, long, endpoints=endpoints, abort_rules=rules))
    assert result.status is LayerStatus.OK, result.error
    assert result.aborted is not None
    assert "load.http_req_failed" in result.aborted
    assert "rate < 5%" in result.aborted
    assert result.meta["stop_reason"] == "aborted"
    assert result.duration_s is not None
    assert result.duration_s < 25
    verdict = judge(result, budgets)
    assert next(b for b in verdict.budgets if b.key == "load.http_req_failed").status.value == "fail"


def test_persona_journeys_log_in_once_and_clean_up(promptlib: Any, ctx_factory: Callable[..., Any]) -> None:
    import httpx

    before = httpx.get(promptlib.url + "/api/prompts?limit=1", timeout=5).json()["total"]
    profile = Profile(
        users=6, spawn_rate=6, duration_s=6, think_time_s=(0.1, 0.3), max_duration_s=20, max_requests=5_000
    )
    result = run_layer(ctx_factory(promptlib.url, profile, locustfile="promptlib"))
    assert result.status is LayerStatus.OK, result.error
    names = {s.tags["endpoint"] for s in result.samples if s.metric == "http_reqs"}
    assert {"GET /api/prompts", "GET /api/prompts/{id}", "POST /api/auth/login"} <= names
    logins = _sample(result, "http_reqs", endpoint="POST /api/auth/login").values[0]
    assert 1 <= logins <= profile.users  # once per simulated author, never per iteration
    verdict = judge(result, DEFAULT_BUDGETS)
    assert verdict.decision.value == "GO", [b.message for b in verdict.budgets]
    after = httpx.get(promptlib.url + "/api/prompts?limit=1", timeout=5).json()["total"]
    assert after - before <= profile.users  # created prompts are deleted again
