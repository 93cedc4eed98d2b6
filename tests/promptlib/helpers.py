"""Helpers for promptlib's tests: demo logins, fresh users, an in-process client."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from releasegate.fixtures.promptlib import DEMO_USERS

__all__ = ["InProcessClient", "demo", "in_process", "login", "new_user"]


def demo(role_or_plan: str) -> tuple[str, str]:
    user = next(u for u in DEMO_USERS if u.email.startswith(role_or_plan))
    return user.email, user.password


def login(client: httpx.Client | InProcessClient, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


PASSWORD = "correct-horse-1"


def new_user(client: httpx.Client | InProcessClient) -> tuple[str, dict[str, str]]:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    response = client.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return email, {"Authorization": f"Bearer {response.json()['access_token']}"}


class InProcessClient:
    """A synchronous httpx client over ASGI: the app runs in this process, no server start-up."""

    def __init__(self, app: Any) -> None:
        self._loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        self._client = httpx.AsyncClient(transport=transport, base_url="http://promptlib.test", timeout=15)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


def in_process(faults: str | None = None) -> InProcessClient:
    from releasegate.fixtures.promptlib.app import create_app
    from releasegate.fixtures.promptlib.faults import parse_faults
    from releasegate.fixtures.promptlib.settings import Settings

    return InProcessClient(create_app(Settings(faults=parse_faults(faults))))
