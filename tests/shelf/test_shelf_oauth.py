"""The OAuth2 token endpoint: password and client_credentials grants, Bearer use, expiry."""

from __future__ import annotations

import time

import httpx
import pytest

from releasegate.fixtures.shelf.launcher import Running, start
from tests.shelf.conftest import CLIENT, READER, login, token_auth

pytestmark = pytest.mark.integration


def _token(running: Running, **form: str) -> httpx.Response:
    return httpx.post(running.oauth_token_url, data=form, timeout=10)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_password_grant_gives_a_bearer_token(shelf: Running, api: httpx.Client) -> None:
    response = _token(shelf, grant_type="password", username=READER[0], password=READER[1])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    token = body["access_token"]
    me = api.get("/user", headers=_bearer(token))
    assert me.status_code == 200
    assert me.json()["user"] == {"email": READER[0], "username": "reader", "token": token}
    assert api.get("/user", headers=token_auth(token)).status_code == 401


def test_password_grant_accepts_the_configured_client_id_only(shelf: Running) -> None:
    ok = _token(shelf, grant_type="password", username=READER[0], password=READER[1], client_id=CLIENT[0])
    assert ok.status_code == 200
    other = _token(shelf, grant_type="password", username=READER[0], password=READER[1], client_id="intruder")
    assert other.status_code == 401
    assert other.json()["error"] == "invalid_client"


def test_client_credentials_grant_reads_but_acts_for_no_user(shelf: Running, api: httpx.Client) -> None:
    response = _token(shelf, grant_type="client_credentials", client_id=CLIENT[0], client_secret=CLIENT[1])
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert api.get("/books", headers=_bearer(token)).status_code == 200
    assert api.get("/user", headers=_bearer(token)).status_code == 403


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": CLIENT[0], "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        ({"grant_type": "password", "username": READER[0], "password": "wrong-one"}, 400, "invalid_grant"),
        ({"grant_type": "password", "username": READER[0]}, 400, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
    ],
)
def test_refused_grants_say_why(shelf: Running, form: dict[str, str], status: int, error: str) -> None:
    response = _token(shelf, **form)
    assert response.status_code == status
    assert response.json()["error"] == error


def test_the_form_must_be_urlencoded(shelf: Running) -> None:
    response = httpx.post(
        shelf.oauth_token_url, json={"grant_type": "password", "username": READER[0], "password": READER[1]}
    )
    assert response.status_code == 400


def test_a_short_ttl_expires_both_kinds_of_token() -> None:
    ttl = 3  # long enough that a loaded machine still uses the tokens before they expire
    with start(token_ttl=ttl, seed_user=READER, oauth_client=CLIENT, seed_books=False) as running:
        api = httpx.Client(base_url=f"{running.api_url}/v2/api", timeout=10)
        issued = time.monotonic()
        login_token = login(api, *READER)
        oauth = _token(running, grant_type="client_credentials", client_id=CLIENT[0], client_secret=CLIENT[1])
        assert oauth.json()["expires_in"] == ttl
        oauth_token = oauth.json()["access_token"]
        assert api.get("/user", headers=token_auth(login_token)).status_code == 200
        assert api.get("/books", headers=_bearer(oauth_token)).status_code == 200
        time.sleep(max(0.0, issued + ttl + 0.6 - time.monotonic()))
        assert api.get("/user", headers=token_auth(login_token)).status_code == 401
        assert api.get("/books", headers=_bearer(oauth_token)).status_code == 401
        api.close()
