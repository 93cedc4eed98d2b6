"""User flows through the JSON API of a real promptlib process."""

from __future__ import annotations

import json
import time

import httpx

from releasegate.fixtures.promptlib import DEFAULT_WEBHOOK_SECRET, WEBHOOK_SIGNATURE_HEADER
from releasegate.fixtures.promptlib.payments import checkout_completed_event, sign
from tests.promptlib.helpers import demo, login, new_user

PROMPT = {
    "title": "Weekly digest",
    "description": "Summarise the week.",
    "text": "Summarise these updates for {team}: {notes}",
    "agent_type": "LLM",
    "tags": ["productivity", "email"],
}


def _webhook(
    client: httpx.Client, event: dict[str, object], *, timestamp: int | None = None, signed: bool = True
) -> httpx.Response:
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if signed:
        headers[WEBHOOK_SIGNATURE_HEADER] = sign(DEFAULT_WEBHOOK_SECRET, body, timestamp)
    return client.post("/api/webhooks/payments", content=body, headers=headers)


def test_signup_to_pro_through_the_signed_webhook(client: httpx.Client) -> None:
    email, auth = new_user(client)
    me = client.get("/api/me", headers=auth).json()
    assert me["email"] == email
    assert me["plan"] == "free"
    assert me["role"] == "user"
    assert login(client, email, "correct-horse-1")

    created = client.post("/api/prompts", json=PROMPT, headers=auth)
    assert created.status_code == 201
    prompt = created.json()
    assert created.headers["location"] == f"/api/prompts/{prompt['id']}"
    assert prompt["tags"] == ["email", "productivity"]
    assert prompt["like_count"] == 0

    liked = client.post(f"/api/prompts/{prompt['id']}/like", headers=auth).json()
    assert liked == {"prompt_id": prompt["id"], "liked": True, "like_count": 1}
    again = client.post(f"/api/prompts/{prompt['id']}/like", headers=auth).json()
    assert again["like_count"] == 1
    assert client.get(f"/api/prompts/{prompt['id']}", headers=auth).json()["liked_by_me"] is True
    unliked = client.delete(f"/api/prompts/{prompt['id']}/like", headers=auth).json()
    assert unliked["like_count"] == 0
    assert unliked["liked"] is False

    pro_titles = {
        p["title"]
        for p in client.get("/api/prompts?limit=100", headers=auth).json()["items"]
        if p["pro_only"]
    }
    assert pro_titles == set()
    pro_prompt_id = _a_pro_only_prompt_id(client)
    assert client.get(f"/api/prompts/{pro_prompt_id}", headers=auth).status_code == 403
    assert client.post("/api/prompts", json={**PROMPT, "pro_only": True}, headers=auth).status_code == 403

    checkout = client.post("/api/subscriptions/checkout", headers=auth)
    assert checkout.status_code == 201
    session = checkout.json()
    assert session["checkout_url"] == f"/sandbox/checkout/{session['session_id']}"
    assert client.get("/api/subscriptions/me", headers=auth).json()["status"] == "none"

    event = checkout_completed_event(me["id"], session["session_id"])
    response = _webhook(client, event)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "event_id": event["id"], "handled": True}

    subscription = client.get("/api/subscriptions/me", headers=auth).json()
    assert subscription["plan"] == "pro"
    assert subscription["status"] == "active"
    assert client.get(f"/api/prompts/{pro_prompt_id}", headers=auth).status_code == 200
    items = client.get("/api/prompts?limit=100", headers=auth).json()["items"]
    assert any(p["pro_only"] for p in items)
    assert client.post("/api/subscriptions/checkout", headers=auth).status_code == 409


def _a_pro_only_prompt_id(client: httpx.Client) -> int:
    pro = login(client, *demo("pro"))
    items = client.get("/api/prompts?limit=100", headers=pro).json()["items"]
    return int(next(p["id"] for p in items if p["pro_only"]))


def test_unsigned_forged_stale_and_replayed_webhooks_are_rejected(client: httpx.Client) -> None:
    _, auth = new_user(client)
    user_id = client.get("/api/me", headers=auth).json()["id"]
    event = checkout_completed_event(user_id)

    unsigned = _webhook(client, event, signed=False)
    assert unsigned.status_code == 401
    assert "Missing" in unsigned.json()["detail"]
    body = json.dumps(event).encode()
    forged = client.post(
        "/api/webhooks/payments",
        content=body,
        headers={"Content-Type": "application/json", WEBHOOK_SIGNATURE_HEADER: sign("wrong-secret", body)},
    )
    assert forged.status_code == 401
    stale = _webhook(client, event, timestamp=int(time.time()) - 600)
    assert stale.status_code == 400
    assert "tolerance" in stale.json()["detail"]
    assert client.get("/api/subscriptions/me", headers=auth).json()["plan"] == "free"

    assert _webhook(client, event).status_code == 200
    replay = _webhook(client, event)
    assert replay.status_code == 409
    assert "already processed" in replay.json()["detail"]


def test_webhook_for_other_event_types_is_acknowledged_but_ignored(client: httpx.Client) -> None:
    event = {**checkout_completed_event(1), "type": "invoice.created"}
    response = _webhook(client, event)
    assert response.status_code == 200
    assert response.json()["handled"] is False


def test_webhook_for_unknown_user_is_404(client: httpx.Client) -> None:
    assert _webhook(client, checkout_completed_event(999_999)).status_code == 404


def test_admin_lists_users_and_others_get_403(client: httpx.Client) -> None:
    admin = login(client, *demo("admin"))
    users = client.get("/api/admin/users", headers=admin)
    assert users.status_code == 200
    emails = {u["email"] for u in users.json()}
    assert {"admin@promptlib.test", "pro@promptlib.test", "free@promptlib.test"} <= emails
    assert client.get("/api/admin/users", headers=login(client, *demo("free"))).status_code == 403
    assert client.get("/api/admin/users").status_code == 401


def test_only_the_author_changes_a_prompt(client: httpx.Client) -> None:
    _, author = new_user(client)
    _, other = new_user(client)
    prompt_id = client.post("/api/prompts", json=PROMPT, headers=author).json()["id"]
    assert client.patch(f"/api/prompts/{prompt_id}", json={"title": "x"}, headers=other).status_code == 403
    patched = client.patch(
        f"/api/prompts/{prompt_id}", json={"title": "Renamed", "tags": ["a1"]}, headers=author
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "Renamed"
    assert patched.json()["tags"] == ["a1"]
    replaced = client.put(f"/api/prompts/{prompt_id}", json={**PROMPT, "agent_type": "IMAGE"}, headers=author)
    assert replaced.json()["agent_type"] == "IMAGE"
    assert client.delete(f"/api/prompts/{prompt_id}", headers=other).status_code == 403
    assert client.delete(f"/api/prompts/{prompt_id}", headers=author).status_code == 204
    assert client.get(f"/api/prompts/{prompt_id}").status_code == 404


def test_listing_filters_sorts_and_paginates(client: httpx.Client) -> None:
    page = client.get("/api/prompts", params={"tag": "marketing", "limit": 2}).json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    assert all("marketing" in p["tags"] for p in page["items"])
    liked = client.get("/api/prompts", params={"sort": "most_liked", "limit": 5}).json()["items"]
    counts = [p["like_count"] for p in liked]
    assert counts == sorted(counts, reverse=True)
    found = client.get("/api/prompts", params={"q": "LAUNCH"}).json()["items"]
    assert [p["title"] for p in found] == ["Launch announcement"]
    tags = client.get("/api/tags").json()
    assert {"name": "marketing", "count": 3} in tags  # the fourth is Pro-only


def test_strict_validation_and_honest_errors(client: httpx.Client) -> None:
    _, auth = new_user(client)
    coerced = client.post("/api/prompts", json={**PROMPT, "title": 5}, headers=auth)
    assert coerced.status_code == 422
    assert coerced.json()["detail"][0]["loc"] == ["body", "title"]
    assert client.post("/api/prompts", json={**PROMPT, "extra": 1}, headers=auth).status_code == 422
    assert client.patch("/api/prompts/1", json={"title": None}, headers=auth).status_code == 422
    malformed = client.post(
        "/api/prompts", content=b"{", headers={**auth, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert "Malformed JSON" in malformed.json()["detail"]
    assert client.get("/api/prompts", params={"limit": "ten"}).status_code == 422
    assert client.get("/api/prompts/99999999999").status_code == 422
    assert client.get("/api/prompts/123456").status_code == 404
    not_allowed = client.put("/api/prompts")
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "GET, POST"
    assert client.get("/api/me").headers["www-authenticate"].startswith("Bearer")
    assert client.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert (
        client.post(
            "/api/auth/signup", json={"email": "admin@promptlib.test", "password": "whatever-1"}
        ).status_code
        == 409
    )
    assert (
        client.post(
            "/api/auth/login", json={"email": "admin@promptlib.test", "password": "wrong-pass"}
        ).status_code
        == 401
    )


def test_operations_endpoints(client: httpx.Client) -> None:
    health = client.get("/health")
    assert health.status_code == 200
    assert health.headers["content-type"].startswith("application/health+json")
    body = health.json()
    assert body["status"] == "pass"
    assert body["releaseId"].startswith("1.4.0+")
    assert body["checks"]["database"][0]["status"] == "pass"
    assert body["checks"]["migrations"][0]["observedValue"] == "0003_webhook_event_owner"
    version = client.get("/version").json()
    assert version["commit"] == "3f9c2a1e7b5d4c8a9e0f1b2c3d4e5f6a7b8c9d0e"
    assert version["version"] == "1.4.0"
    client.get("/api/prompts/1")
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/api/prompts/{prompt_id}",status="200"}' in metrics.text
    assert (
        'http_request_duration_seconds_bucket{method="GET",route="/api/prompts/{prompt_id}",le="+Inf"}'
        in metrics.text
    )


def test_security_headers_on_every_response(client: httpx.Client) -> None:
    for path in ("/", "/api/prompts", "/health", "/does-not-exist"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "strict-transport-security" not in headers


def test_openapi_declares_security_links_and_errors(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    create = spec["paths"]["/api/prompts"]["post"]
    assert set(create["responses"]) >= {"201", "400", "401", "403", "422"}
    links = create["responses"]["201"]["links"]
    assert {links[name]["operationId"] for name in links} >= {"getPrompt", "replacePrompt", "deletePrompt"}
    assert spec["components"]["schemas"]["PromptIn"]["additionalProperties"] is False
