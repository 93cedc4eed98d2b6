"""One deterministic run with every kind of outcome, shared by the report tests."""

from __future__ import annotations

from releasegate.gates import Verdict, judge
from releasegate.results import Finding, LayerStatus, MetricKind, Record, RunResult, Samples, Status
from tests.gates.factories import budgets, counter, failing_record, layer, rate, run, timeline, trend

BUDGETS = {
    "load.http_req_duration": ["avg < 2s", "p(95) < 800ms"],
    "load.http_req_duration{endpoint:GET /api/prompts}": "p(95) < 800ms",
    "load.http_req_failed": "rate < 0.5%",
    "web.largest_contentful_paint{page:/explore}": "med < 2.5s",
    "web.cumulative_layout_shift": "max < 0.1",
    "contract.failures": "count == 0",
    "e2e.flaky": {"expr": "count == 0", "level": "warn"},
    "e2e.failed": "count == 0",
    "smoke.availability": "rate >= 99.5%",
}


def scenario_run() -> RunResult:
    per_second = [[0.3 + 0.01 * i] * 8 + [0.95] * 2 for i in range(20)]
    slow = trend(
        "http_req_duration", [v for s in per_second for v in s], endpoint="GET /api/prompts", method="GET"
    )
    slow.timeline = timeline(per_second)
    fast = trend("http_req_duration", [0.05] * 100, endpoint="GET /api/tags", method="GET")
    load = layer(
        "load",
        slow,
        fast,
        rate("http_req_failed", 299, 1, endpoint="GET /api/prompts", method="GET"),
        records=[failing_record("load", "GET /api/prompts", endpoint="GET /api/prompts")],
        artifacts=["load/locust.html"],
        meta={"profile": "smoke"},
    )
    web = layer(
        "web",
        trend("largest_contentful_paint", [1.2, 1.3, 1.25], page="/explore"),
        trend("cumulative_layout_shift", [0.01, 0.02, 0.01], unit="", page="/explore"),
    )
    contract = layer("contract", counter("failures", 0, check="not_a_server_error"))
    e2e = layer(
        "e2e",
        counter("failed", 0, persona="marketer"),
        counter("flaky", 1, persona="marketer"),
        records=[
            Record(
                layer="e2e",
                check="marketer saves a prompt",
                status=Status.FLAKY,
                tags={"persona": "marketer"},
                artifacts=["e2e/trace.zip", "e2e/failure.png"],
            )
        ],
        findings=[
            Finding(
                layer="e2e",
                kind="step_failed",
                where="marketer: save the prompt",
                what="flaky, passed on a retry after: "
                "marketer failed at: save the prompt — button did not submit",
                evidence=["e2e/trace.zip", "e2e/failure.png"],
                reproduce="python -m pytest suites/e2e -k saves_a_prompt --headed",
                metric="flaky",
                tags={"persona": "marketer", "scenario": "saves_a_prompt"},
                duration_s=4.2,
            )
        ],
    )
    smoke = layer(
        "smoke",
        status=LayerStatus.ERROR,
        error="health probe timed out after 10 s",
        findings=[
            Finding(
                layer="smoke",
                kind="check_failed",
                where="health: GET http://127.0.0.1:8000/health",
                what="health: expected GET /health to answer 2xx reporting pass, "
                "saw timed out (0/3 probes ok)",
                count=3,
                reproduce="curl -sS -i -X GET 'http://127.0.0.1:8000/health'",
                metric="checks_failed",
                tags={"check": "health"},
            )
        ],
    )
    gauge = Samples(metric="vus", kind=MetricKind.GAUGE, values=[10, 20])
    load.samples.append(gauge)
    return run(smoke, contract, e2e, load, web, commit="abc1234", tool_versions={"locust": "2.47"})


def scenario_verdict() -> Verdict:
    return judge(scenario_run(), budgets(BUDGETS))
