"""Shelf's side of the persona machinery: how its accounts are made, logged into and removed.

Everything else (personas, steps, sessions, evidence, clean-up) comes from releasegate; this
file only answers the ``pytest_releasegate_adapter`` hook with an object of the
:class:`releasegate.e2e.AppAdapter` shape. Shelf's frontend tells where its API lives in a
``<meta name="shelf-api">`` tag, so the adapter needs nothing but the frontend's URL.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import Account

TIMEOUT_S = 10.0


def api_origin(web_url: str) -> str:
    """The API origin the frontend calls, read from its page."""
    page = httpx.get(web_url, timeout=TIMEOUT_S).text
    found = re.search(r'<meta name="shelf-api" content="([^"]+)"', page)
    if not found:
        raise AssertionError(f"{web_url} does not say where its API is (<meta name='shelf-api'>)")
    return found.group(1).rstrip("/")


class ShelfAdapter:
    def __init__(self, web_url: str) -> None:
        self.api = api_origin(web_url) + "/v2/api"

    def create_account(self, account: Account) -> None:
        username = re.sub(r"[^a-z0-9]", "", account.email.split("@")[0].lower())[:30]
        user = {"email": account.email, "username": username, "password": account.password}
        response = httpx.post(f"{self.api}/users", json={"user": user}, timeout=TIMEOUT_S)
        if response.status_code not in (201, 409):
            raise AssertionError(
                f"could not create the {account.persona} account: sign-up answered {response.status_code}"
            )

    def log_in(self, page: Page, account: Account) -> None:
        page.goto("/login")
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#whoami")).to_be_visible()  # the token is in localStorage now

    def delete_account(self, account: Account) -> str | None:
        login = {"user": {"email": account.email, "password": account.password}}
        response = httpx.post(f"{self.api}/users/login", json=login, timeout=TIMEOUT_S)
        if response.status_code == 401:
            return None  # never created, or already gone
        token = response.json()["user"]["token"]
        gone = httpx.delete(
            f"{self.api}/user", headers={"Authorization": f"Token {token}"}, timeout=TIMEOUT_S
        )
        if gone.status_code == 204:
            return None
        return f"account {account.email} remains: DELETE /v2/api/user answered {gone.status_code}"


def pytest_releasegate_adapter(config: pytest.Config, base_url: str) -> ShelfAdapter | None:
    return ShelfAdapter(base_url) if base_url else None
