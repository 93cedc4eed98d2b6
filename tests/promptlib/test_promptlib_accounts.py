"""DELETE /api/me: confirmed by the password, the account and all that is its own go; its tokens die."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from releasegate.fixtures.promptlib import DEFAULT_WEBHOOK_SECRET, WEBHOOK_SIGNATURE_HEADER
from releasegate.fixtures.promptlib.db import Database
from releasegate.fixtures.promptlib.payments import checkout_completed_event, sign
from tests.promptlib.helpers import InProcessClient, demo, login, new_user

PASSWORD = {"password": "correct-horse-1"}  # what `new_user` signs up with
PROMPT = {"title": "Launch note", "text": "Announce {product} to {audience}.", "agent_type": "LLM"}


def _deliver(client: httpx.Client | InProcessClient, event: dict[str, Any]) -> httpx.Response:
    body = json.dumps(event).encode()
    headers = {
        "Content-Type": "application/json",
        WEBHOOK_SIGNATURE_HEADER: sign(DEFAULT_WEBHOOK_SECRET, body),
    }
    return client.post("/api/webhooks/payments", content=body, headers=headers)


def _becomes_pro(client: httpx.Client | InProcessClient, auth: dict[str, str]) -> dict[str, Any]:
    me = client.get("/api/me", headers=auth).json()
    session = client.post("/api/subscriptions/checkout", headers=auth).json()
    event = checkout_completed_event(me["id"], session["session_id"])
    assert _deliver(client, event).status_code == 200
    return event


def _snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


@pytest.fixture
def own_db(tmp_path: Path) -> Iterator[tuple[InProcessClient, Path]]:
    """An in-process promptlib on its own SQLite file (so its rows can be read, and it may lose its admin)."""
    from releasegate.fixtures.promptlib.app import create_app
    from releasegate.fixtures.promptlib.settings import Settings

    path = tmp_path / "promptlib.sqlite3"
    client = InProcessClient(create_app(Settings(database_url=f"sqlite:///{path}")))
    yield client, path
    client.close()


def test_deleting_an_account_removes_all_it_made_and_restores_the_rest(
    own_db: tuple[InProcessClient, Path],
) -> None:
    client, path = own_db
    before = _snapshot(path)
    _, auth = new_user(client)
    _, other = new_user(client)
    created = client.post("/api/prompts", json={**PROMPT, "tags": ["email", "sales"]}, headers=auth).json()
    assert client.post(f"/api/prompts/{created['id']}/like", headers=other).status_code == 200
    assert client.post("/api/prompts/1/like", headers=auth).json()["liked"] is True
    _becomes_pro(client, auth)
    assert client.get("/api/subscriptions/me", headers=auth).json()["plan"] == "pro"

    response = client.request("DELETE", "/api/me", headers=auth, json=PASSWORD)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert client.request("DELETE", "/api/me", headers=other, json=PASSWORD).status_code == 204
    assert _snapshot(path) == before


def test_a_deleted_account_is_gone_everywhere(client: httpx.Client) -> None:
    email, auth = new_user(client)
    prompt = client.post("/api/prompts", json=PROMPT, headers=auth).json()
    seeded = client.get("/api/prompts/1").json()
    assert client.post("/api/prompts/1/like", headers=auth).json()["like_count"] == seeded["like_count"] + 1
    event = _becomes_pro(client, auth)

    assert client.request("DELETE", "/api/me", headers=auth, json=PASSWORD).status_code == 204

    for method, url in [
        ("GET", "/api/me"),
        ("GET", "/api/subscriptions/me"),
        ("GET", "/api/prompts"),
        ("GET", "/api/tags"),
        ("POST", "/api/subscriptions/checkout"),
        ("POST", "/api/prompts/1/like"),
    ]:
        answer = client.request(method, url, headers=auth)
        assert answer.status_code == 401, (method, url, answer.status_code, answer.text)
    assert (
        client.post("/api/auth/login", json={"email": email, "password": "correct-horse-1"}).status_code
        == 401
    )
    assert client.get(f"/api/prompts/{prompt['id']}").status_code == 404
    after = client.get("/api/prompts/1").json()
    assert (after["like_count"], after["updated_at"]) == (seeded["like_count"], seeded["updated_at"])
    # The event's row went with the account: a replay is no longer a duplicate, its user is unknown.
    assert _deliver(client, event).status_code == 404
    page = client.get("/explore", headers={"Cookie": f"promptlib_session={auth['Authorization'].split()[1]}"})
    assert page.status_code == 200
    assert 'data-testid="nav-login"' in page.text


def test_a_new_account_never_inherits_a_deleted_ones_id_or_tokens(
    own_db: tuple[InProcessClient, Path],
) -> None:
    client, _ = own_db
    _, auth = new_user(client)
    old_id = client.get("/api/me", headers=auth).json()["id"]
    assert client.request("DELETE", "/api/me", headers=auth, json=PASSWORD).status_code == 204
    _, fresh = new_user(client)
    assert client.get("/api/me", headers=fresh).json()["id"] > old_id
    assert client.get("/api/me", headers=auth).status_code == 401


def test_an_admin_can_delete_their_own_account(own_db: tuple[InProcessClient, Path]) -> None:
    client, _ = own_db
    admin = login(client, *demo("admin"))
    admin_id = client.get("/api/me", headers=admin).json()["id"]
    before = client.get("/api/prompts?limit=100", headers=admin).json()["items"]
    assert any(p["author"]["id"] == admin_id for p in before)
    liked = {p["id"] for p in before if p["liked_by_me"]}
    assert liked

    email, password = demo("admin")
    assert client.request("DELETE", "/api/me", headers=admin, json={"password": password}).status_code == 204
    assert client.post("/api/auth/login", json={"email": email, "password": password}).status_code == 401

    assert client.get("/api/admin/users", headers=admin).status_code == 401
    pro = login(client, *demo("pro"))
    after = {
        p["id"]: p["like_count"] for p in client.get("/api/prompts?limit=100", headers=pro).json()["items"]
    }
    assert after == {
        p["id"]: p["like_count"] - (p["id"] in liked) for p in before if p["author"]["id"] != admin_id
    }


def test_deletion_needs_the_token_and_the_password_and_is_declared(client: httpx.Client) -> None:
    _, auth = new_user(client)
    assert client.request("DELETE", "/api/me", json=PASSWORD).status_code == 401
    bad_token = {"Authorization": "Bearer not-a-token"}
    assert client.request("DELETE", "/api/me", headers=bad_token, json=PASSWORD).status_code == 401
    assert client.request("DELETE", "/api/me", headers=auth).status_code == 422
    assert client.request("DELETE", "/api/me", headers=auth, json={**PASSWORD, "extra": 1}).status_code == 422
    wrong = client.request("DELETE", "/api/me", headers=auth, json={"password": "not-my-password"})
    assert wrong.status_code == 403
    assert client.get("/api/me", headers=auth).status_code == 200
    operation = client.get("/openapi.json").json()["paths"]["/api/me"]["delete"]
    assert operation["operationId"] == "deleteMe"
    assert set(operation["responses"]) == {"204", "400", "401", "403", "422"}
    assert operation["requestBody"]["required"] is True
    assert operation["security"] == [{"bearerAuth": []}]


def test_an_older_database_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE webhook_events "
            "(id VARCHAR(255) PRIMARY KEY, type VARCHAR(100), received_at DATETIME)"
        )
        conn.execute(
            "INSERT INTO webhook_events VALUES ('evt_1', 'checkout.session.completed', '2025-01-01')"
        )
    database = Database(f"sqlite:///{path}")
    try:
        assert "0003_webhook_event_owner" in database.migrate()
        assert database.migrate() == []
    finally:
        database.dispose()
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(webhook_events)")}
        assert conn.execute("SELECT id, user_id, session_id FROM webhook_events").fetchall() == [
            ("evt_1", None, None)
        ]
    assert {"user_id", "session_id"} <= columns
