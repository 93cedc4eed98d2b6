"""promptlib's side of the persona machinery: how its accounts are made, logged into and removed.

The machinery itself (personas, steps, sessions, evidence, clean-up) is the app-neutral plugin
``releasegate.e2e.PLUGIN``; another application brings its own conftest with an
``pytest_releasegate_adapter`` hook, its page objects and its scenarios.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from releasegate.e2e import Account
from releasegate.suites.e2e.api import PromptlibAPI
from releasegate.suites.e2e.pages import LoginPage


class PromptlibAdapter:
    def __init__(self, base_url: str) -> None:
        self.api = PromptlibAPI(base_url)

    def create_account(self, account: Account) -> None:
        status = self.api.sign_up(account.email, account.password)
        if status not in (201, 409):
            raise AssertionError(f"could not create the {account.persona} account: sign-up answered {status}")

    def log_in(self, page: Page, account: Account) -> None:
        login = LoginPage(page)
        login.open()
        login.log_in(account.email, account.password)

    def delete_account(self, account: Account) -> str | None:
        token = self.api.token(account.email, account.password)
        if token is None:
            return None  # never created (e.g. the sign-up failed) or already gone
        response = self.api.delete_me(token, account.password)
        if response.status_code in (200, 204):
            return None
        return (
            f"account {account.email} remains: DELETE /api/me answered {response.status_code} "
            "(promptlib needs an account deletion endpoint)"
        )


def pytest_releasegate_adapter(config: pytest.Config, base_url: str) -> PromptlibAdapter | None:
    return PromptlibAdapter(base_url) if base_url else None


@pytest.fixture(scope="session")
def api(base_url: str) -> Iterator[PromptlibAPI]:
    client = PromptlibAPI(base_url)
    yield client
    client.close()


@pytest.fixture
def token(api: PromptlibAPI, account: Account | None) -> str:
    """An API token of the persona's account."""
    assert account is not None, "this scenario needs a persona with an account"
    found = api.token(account.email, account.password)
    assert found is not None, f"cannot log in as {account.email} through the API"
    return found
