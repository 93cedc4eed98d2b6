"""Fixtures for Shelf's own tests: one clean start per session, helpers to sign up and log in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from releasegate.fixtures.shelf.launcher import Running, start

READER = ("reader@shelf.test", "reader-password-1")
CLIENT = ("shelf-ci", "client-secret-1")
PASSWORD = "correct-horse-1"


@pytest.fixture(scope="session")
def shelf() -> Iterator[Running]:
    """The clean app (both origins), with a seeded reader and an OAuth client."""
    with start(seed_user=READER, oauth_client=CLIENT) as running:
        yield running


@pytest.fixture
def api(shelf: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{shelf.api_url}/v2/api", timeout=10) as client:
        yield client


def login(client: httpx.Client, email: str, password: str) -> str:
    response = client.post("/users/login", json={"user": {"email": email, "password": password}})
    assert response.status_code == 200, response.text
    token: str = response.json()["user"]["token"]
    return token


def new_user(client: httpx.Client) -> tuple[str, str, str]:
    """(email, username, token) of a fresh account."""
    name = f"u{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    response = client.post("/users", json={"user": {"email": email, "username": name, "password": PASSWORD}})
    assert response.status_code == 201, response.text
    return email, name, response.json()["user"]["token"]


def token_auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}
