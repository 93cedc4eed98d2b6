"""The seam between the app-neutral persona machinery and one application.

A suite's ``conftest.py`` implements the ``pytest_releasegate_adapter`` hook and returns an object with
these methods; everything else (personas, steps, sessions, evidence, clean-up) is generic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from releasegate.layers._e2e.personas import Account


class AppAdapter(Protocol):
    def create_account(self, account: Account) -> None:
        """Create the account (e.g. through the app's sign-up API)."""

    def log_in(self, page: Page, account: Account) -> None:
        """Log in through the UI, leaving ``page``'s context authenticated."""

    def delete_account(self, account: Account) -> str | None:
        """Remove the account and everything it owns; returns a problem sentence or None.

        An account that does not exist (a sign-up that never happened) is not a problem."""


class AdapterHooks:
    @pytest.hookspec(firstresult=True)
    def pytest_releasegate_adapter(self, config: pytest.Config, base_url: str) -> AppAdapter | None:
        """Return the application's adapter for persona accounts and log-in."""
