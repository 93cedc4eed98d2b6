"""Each smoke rule as a table: what passes, what fails, and the message naming the check."""

from __future__ import annotations

import json

import pytest

from releasegate.layers._smoke import checks
from releasegate.layers._smoke.probe import Probe

URL = "http://t/"


def ok(status: int = 200, body: object = "", elapsed: float = 0.05, **headers: str) -> Probe:
    text = body if isinstance(body, str) else json.dumps(body)
    return Probe("GET", URL, status, elapsed, text, {k.replace("_", "-"): v for k, v in headers.items()})


def with_headers(headers: dict[str, str]) -> Probe:
    return ok(200, "", 0.05, **headers)


REFUSED = Probe("GET", URL, error="connection refused by http://t/")


@pytest.mark.parametrize(
    ("probes", "status", "seen"),
    [
        ([ok(body={"status": "pass"})] * 3, "pass", None),
        ([ok(body="OK")] * 2, "fail", "a body that is not a JSON object"),
        (
            [ok(body="<html><title>Welcome</title></html>", content_type="text/html")],
            "fail",
            "a body that is not a JSON object (text/html)",
        ),
        ([ok(body={"healthy": True})], "fail", "JSON without a 'status' field"),
        ([ok(503, {"status": "fail"})] * 3, "fail", "HTTP 503 with status 'fail'"),
        ([ok(200, {"status": "down"})], "fail", "status 'down'"),
        ([ok(body={"status": "pass"}), REFUSED], "flaky", "connection refused"),
        ([REFUSED] * 3, "fail", "connection refused by http://t/"),
    ],
)
def test_health(probes: list[Probe], status: str, seen: str | None) -> None:
    outcome = checks.health_outcome("/health", probes)
    assert outcome.status == status
    assert outcome.message.startswith("health: ")
    if seen:
        assert f"saw {seen}" in outcome.message
    assert len(outcome.successes) == len(probes)


@pytest.mark.parametrize(
    ("probe", "configured", "status", "seen"),
    [
        (ok(body="OK"), {"contains": "OK"}, "pass", None),
        (ok(body="<html>Welcome</html>"), {"contains": "OK"}, "fail", "a body without 'OK'"),
        (ok(204, ""), {"status": 204}, "pass", None),
        (ok(200, ""), {"status": 204}, "fail", "HTTP 200"),
        (ok(body={"state": "up"}), {"field": "state"}, "pass", None),
        (ok(body={"state": "down"}), {"field": "state"}, "fail", "state 'down'"),
        (ok(body={"status": "pass"}), {"field": "state"}, "fail", "JSON without a 'state' field"),
    ],
)
def test_health_as_configured(
    probe: Probe, configured: dict[str, object], status: str, seen: str | None
) -> None:
    outcome = checks.health_outcome("/health", [probe], **configured)  # type: ignore[arg-type]
    assert outcome.status == status, outcome.message
    if seen:
        assert f"saw {seen}" in outcome.message


def test_dependencies_from_an_ietf_health_payload() -> None:
    payload = {
        "status": "fail",
        "checks": {
            "database": [{"status": "fail", "output": "pool exhausted"}],
            "cache:responseTime": [{"status": "pass"}],
            "odd": ["not a dict"],
        },
    }
    found = {o.check: o for o in checks.dependency_outcomes([ok(503, payload)])}
    assert found["health: database"].status == "fail"
    assert "saw status 'fail' (pool exhausted)" in found["health: database"].message
    assert found["health: cache:responseTime"].status == "pass"
    assert found["health: odd"].status == "skipped"


def test_dependencies_spring_style_and_absent() -> None:
    found = checks.dependency_outcomes([ok(body={"status": "UP", "components": {"db": {"status": "UP"}}})])
    assert [(o.check, o.status) for o in found] == [("health: db", "pass")]
    assert checks.dependency_outcomes([REFUSED]) == []
    assert checks.dependency_outcomes([ok(body="plain")]) == []


@pytest.mark.parametrize(
    ("expected", "body", "matches"),
    [
        ("3f9c2a1", {"version": "1.4.0", "commit": "3f9c2a1e7b5d"}, True),
        ("3f9c2a1e7b5d4c8a", {"releaseId": "1.4.0+3f9c2a1e7b5d"}, True),
        ("1.4.0", {"version": "1.4.0"}, True),
        ("deadbee", {"version": "1.4.0", "commit": "3f9c2a1e7b5d"}, False),
        ("3f9c", {"commit": "3f9c2a1e7b5d"}, False),
    ],
)
def test_version_matching(expected: str, body: dict[str, str], matches: bool) -> None:
    outcome = checks.version_outcome("/version", [ok(body=body)], expected)
    assert (outcome.status == "pass") is matches
    if not matches:
        assert outcome.message.startswith(
            f"version: expected GET /version to report version {expected!r}, saw "
        )


def test_reported_version_prefers_the_commit() -> None:
    assert checks.reported_version([REFUSED, ok(body={"version": "1.4.0", "commit": "abc1234"})]) == [
        "abc1234",
        "1.4.0",
    ]
    assert checks.reported_version([ok(body="v2.0.1\n")]) == ["v2.0.1"]
    assert checks.version_outcome("/version", [ok(404)], "abc1234").status == "fail"


@pytest.mark.parametrize(
    ("probe", "status", "seen"),
    [
        (ok(200, "<h1>Explore prompts</h1>"), "pass", None),
        (ok(200, "<h1>Oops</h1>"), "fail", "HTTP 200 without 'Explore prompts'"),
        (ok(404, "Explore prompts"), "fail", "HTTP 404"),
        (REFUSED, "fail", "connection refused"),
    ],
)
def test_pages(probe: Probe, status: str, seen: str | None) -> None:
    outcome = checks.page_outcome("GET /explore", "page", [probe], 200, "Explore prompts")
    assert outcome.status == status
    if seen:
        assert outcome.message.startswith(
            "GET /explore: expected HTTP 200 containing 'Explore prompts', saw " + seen
        )


@pytest.mark.parametrize(
    ("times", "status", "degraded", "words"),
    [
        ([0.1, 0.2, 0.1], "pass", False, "under 1s"),
        ([1.2, 1.5, 1.1], "pass", True, "degraded"),
        ([2.6, 2.5, 2.7], "fail", False, "expected under 2s, saw median 2600 ms"),
    ],
)
def test_latency(times: list[float], status: str, degraded: bool, words: str) -> None:
    outcome = checks.latency_outcome("GET /api/prompts", [ok(elapsed=t) for t in times], 1.0, 2.0)
    assert (outcome.status, outcome.degraded) == (status, degraded)
    assert outcome.check == "response time: GET /api/prompts"
    assert words in outcome.message
    assert checks.latency_outcome("x", [REFUSED], 1, 2).status == "skipped"


GOOD_HEADERS = {
    "X_Content_Type_Options": "nosniff",
    "X_Frame_Options": "DENY",
    "Referrer_Policy": "no-referrer",
    "Strict_Transport_Security": "max-age=31536000",
}


def test_security_headers_present() -> None:
    outcomes = checks.security_header_outcomes(with_headers(GOOD_HEADERS), https=True)
    assert [o.status for o in outcomes] == ["pass"] * 4


def test_security_headers_missing_are_named() -> None:
    outcomes = checks.security_header_outcomes(ok(), https=True)
    assert [o.status for o in outcomes] == ["fail"] * 4
    assert outcomes[0].message == "header: X-Content-Type-Options: expected 'nosniff', saw absent"
    assert "Strict-Transport-Security" in outcomes[3].check


def test_frame_protection_via_csp_and_weak_values() -> None:
    csp = ok(Content_Security_Policy="frame-ancestors 'none'", Referrer_Policy="unsafe-url")
    found = {o.check: o for o in checks.security_header_outcomes(csp, https=False)}
    assert found["header: X-Frame-Options"].status == "pass"
    assert found["header: Referrer-Policy"].status == "fail"
    assert "header: Strict-Transport-Security" not in found
    hsts0 = checks.security_header_outcomes(
        with_headers({**GOOD_HEADERS, "Strict_Transport_Security": "max-age=0"}), https=True
    )
    assert hsts0[-1].status == "fail"
    assert checks.security_header_outcomes(REFUSED, https=False)[0].status == "fail"


@pytest.mark.parametrize(
    ("probe", "production", "status"),
    [
        (ok(X_Robots_Tag="noindex, nofollow"), False, "pass"),
        (ok(200, '<meta name="robots" content="noindex">'), False, "pass"),
        (ok(200, "<html></html>"), False, "fail"),
        (ok(200, "<html></html>"), True, "skipped"),
        (REFUSED, False, "fail"),
    ],
)
def test_not_indexable_outside_production(probe: Probe, production: bool, status: str) -> None:
    outcome = checks.indexing_outcome(probe, production=production)
    assert outcome.status == status
    assert outcome.check == "not indexable"
