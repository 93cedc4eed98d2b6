"""What every promptlib page has: the navigation and the profile menu."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from releasegate.e2e import StepFailed


class BasePage:
    path = "/"

    def __init__(self, page: Page) -> None:
        self.page = page

    def by(self, testid: str) -> Locator:
        return self.page.get_by_test_id(testid)

    def open(self, path: str | None = None) -> BasePage:
        response = self.page.goto(path or self.path)
        if response is not None and response.status >= 400:
            raise StepFailed(f"{path or self.path} answered {response.status}")
        return self

    def wait_for_path(self, path: str, failure: str, timeout_ms: float = 10_000) -> None:
        pattern = re.compile(rf"^[^?#]*{re.escape(path)}(?:[?#].*)?$")
        try:
            self.page.wait_for_url(pattern, timeout=timeout_ms)
        except Exception as exc:
            raise StepFailed(f"{failure} (still on {self.current_path()})") from exc

    def current_path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url) or "/"

    @property
    def profile_email(self) -> Locator:
        return self.by("profile-email")

    def expect_logged_in_as(self, email: str) -> None:
        expect(self.by("profile-menu")).to_be_visible()
        expect(self.profile_email).to_have_text(email)

    def log_out(self) -> None:
        self.by("logout-button").click()
        expect(self.by("nav-login")).to_be_visible()

    def go_explore(self) -> None:
        self.by("nav-explore").click()
        self.wait_for_path("/explore", "the Explore link did not open explore")
