"""Each fault switch, one test each: what a client can see when it is on.

The apps run in-process (same code, no server start-up); test_promptlib_cli.py proves that
the same switches arrive through --faults and PROMPTLIB_FAULTS in a real process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from releasegate.fixtures.promptlib import DEFAULT_COMMIT
from tests.promptlib.helpers import InProcessClient, demo, in_process, login

FaultClient = Callable[[str], InProcessClient]


@pytest.fixture(scope="module")
def faulty() -> Iterator[FaultClient]:
    """`faulty("spec")` -> a client of an app created with that fault (once per spec)."""
    clients: dict[str, InProcessClient] = {}

    def get(spec: str) -> InProcessClient:
        if spec not in clients:
            clients[spec] = in_process(spec)
        return clients[spec]

    yield get
    for client in clients.values():
        client.close()


def _timed(client: InProcessClient, path: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.get(path)
    return response, time.perf_counter() - started


def test_latency_on_one_route(faulty: FaultClient) -> None:
    client = faulty("latency:/api/prompts=300ms")
    slow, slow_seconds = _timed(client, "/api/prompts?limit=1")
    assert slow.status_code == 200
    assert slow_seconds >= 0.3
    assert _timed(client, "/api/prompts/1")[1] >= 0.3
    assert _timed(client, "/api/tags")[1] < 0.3
    assert _timed(client, "/health")[1] < 0.3


def test_latency_on_all_api_routes(faulty: FaultClient) -> None:
    client = faulty("latency=250ms")
    assert _timed(client, "/api/tags")[1] >= 0.25
    assert _timed(client, "/version")[1] < 0.25


def test_errors_turn_a_share_of_api_responses_into_500s(faulty: FaultClient) -> None:
    client = faulty("errors=25%")
    statuses = [client.get("/api/tags").status_code for _ in range(40)]
    assert statuses.count(500) == 10
    assert statuses.count(200) == 30
    assert all(client.get("/health").status_code == 200 for _ in range(8))
    failed = next(r for r in (client.get("/api/tags") for _ in range(4)) if r.status_code == 500)
    assert failed.json() == {"detail": "Internal Server Error"}
    assert failed.headers["x-frame-options"] == "DENY"


def test_errors_on_one_route_leave_the_others_alone(faulty: FaultClient) -> None:
    client = faulty("errors:/api/tags=50%")
    statuses = [client.get("/api/tags").status_code for _ in range(20)]
    assert statuses.count(500) == 10
    assert all(client.get("/api/prompts?limit=1").status_code == 200 for _ in range(10))
    metrics = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/api/tags",status="500"} 10' in metrics


def test_schema_drift_returns_like_count_as_a_string(faulty: FaultClient) -> None:
    client = faulty("schema-drift")
    item = client.get("/api/prompts?limit=1").json()["items"][0]
    assert isinstance(item["like_count"], str)
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["PromptOut"]["properties"]["like_count"]["type"] == "integer"


def test_server_error_on_input_crashes_at_the_maximum_limit(faulty: FaultClient) -> None:
    client = faulty("server-error-on-input")
    assert client.get("/api/prompts?limit=99").status_code == 200
    crashed = client.get("/api/prompts?limit=100")
    assert crashed.status_code == 500
    assert crashed.headers["x-content-type-options"] == "nosniff"
    assert client.get("/health").status_code == 200


def test_undocumented_status_for_a_missing_prompt(faulty: FaultClient) -> None:
    client = faulty("undocumented-status")
    assert client.get("/api/prompts/424242").status_code == 410
    declared = client.get("/openapi.json").json()["paths"]["/api/prompts/{prompt_id}"]["get"]["responses"]
    assert "410" not in declared


def test_ignored_auth_accepts_a_missing_token(faulty: FaultClient) -> None:
    client = faulty("ignored-auth")
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/subscriptions/me").status_code == 200
    assert client.post("/api/prompts", json={}).status_code == 401


def test_breaking_change_drops_a_field_and_an_operation(faulty: FaultClient) -> None:
    client = faulty("breaking-change")
    spec = client.get("/openapi.json").json()
    assert "/api/tags" not in spec["paths"]
    assert "like_count" not in spec["components"]["schemas"]["PromptOut"]["properties"]
    assert client.get("/api/tags").status_code == 404
    assert "like_count" not in client.get("/api/prompts?limit=1").json()["items"][0]


def test_broken_signup_swallows_the_submit(faulty: FaultClient, client: httpx.Client) -> None:
    page = faulty("broken-signup").get("/signup").text
    assert "e.preventDefault()" in page
    assert 'data-testid="signup-submit"' in page
    assert "preventDefault" not in client.get("/signup").text


def test_js_error_throws_on_every_page(faulty: FaultClient, client: httpx.Client) -> None:
    broken = faulty("js-error")
    for path in ("/", "/explore", "/login"):
        assert "throw new Error" in broken.get(path).text
        assert "throw new Error" not in client.get(path).text


def test_heavy_page_loads_a_big_image_and_a_blocking_script(
    faulty: FaultClient, client: httpx.Client
) -> None:
    heavy = faulty("heavy-page")
    page = heavy.get("/explore").text
    head = page.split("</head>", 1)[0]
    assert '<script src="/assets/blocking.js"></script>' in head
    assert 'src="/assets/hero.png"' in page
    image = heavy.get("/assets/hero.png")
    assert image.headers["content-type"] == "image/png"
    assert len(image.content) > 4_000_000
    assert image.content.startswith(b"\x89PNG")
    assert len(heavy.get("/assets/blocking.js").content) > 300_000
    assert client.get("/assets/hero.png").status_code == 404
    assert "hero.png" not in client.get("/explore").text


def test_layout_shift_inserts_a_late_banner(faulty: FaultClient, client: httpx.Client) -> None:
    assert 'setAttribute("data-testid","late-banner")' in faulty("layout-shift").get("/explore").text
    assert "late-banner" not in client.get("/explore").text


def test_wrong_version_reports_another_commit(faulty: FaultClient) -> None:
    client = faulty("wrong-version")
    commit = client.get("/version").json()["commit"]
    assert commit != DEFAULT_COMMIT
    assert len(commit) == 40
    assert client.get("/health").json()["releaseId"].endswith(commit[:12])


def test_unhealthy_health_fails(faulty: FaultClient) -> None:
    health = faulty("unhealthy").get("/health")
    assert health.status_code == 503
    assert health.json()["status"] == "fail"
    assert health.json()["checks"]["database"][0]["status"] == "fail"


def test_missing_security_headers(faulty: FaultClient) -> None:
    client = faulty("missing-security-headers")
    for path in ("/", "/api/prompts", "/health"):
        headers = client.get(path).headers
        assert not {"x-content-type-options", "x-frame-options", "content-security-policy"} & set(headers)


def test_faults_never_switch_over_http(client: httpx.Client) -> None:
    for attempt in ({"faults": "unhealthy"}, {"PROMPTLIB_FAULTS": "unhealthy"}):
        assert client.get("/health", params=attempt).json()["status"] == "pass"
    assert client.get("/health", headers={"X-Promptlib-Faults": "unhealthy"}).json()["status"] == "pass"


def test_a_pro_user_still_sees_pro_prompts_with_faults_on(faulty: FaultClient) -> None:
    client = faulty("schema-drift")
    items = client.get("/api/prompts?limit=100", headers=login(client, *demo("pro"))).json()["items"]
    assert any(item["pro_only"] for item in items)
