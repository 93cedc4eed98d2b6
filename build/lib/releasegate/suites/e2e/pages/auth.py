"""Sign-up and log-in pages."""

from __future__ import annotations

from playwright.sync_api import expect

from releasegate.e2e import StepFailed
from releasegate.suites.e2e.pages.base import BasePage


class SignupPage(BasePage):
    path = "/signup"

    def sign_up(self, email: str, password: str) -> None:
        self.by("signup-email").fill(email)
        self.by("signup-password").fill(password)
        self.by("signup-submit").click()
        self.wait_for_path("/explore", "button did not submit")
        if self.by("form-error").count():
            raise StepFailed(f"the form said: {self.by('form-error').inner_text()}")


class LoginPage(BasePage):
    path = "/login"

    def log_in(self, email: str, password: str) -> None:
        self.by("login-email").fill(email)
        self.by("login-password").fill(password)
        self.by("login-submit").click()
        try:
            expect(self.profile_email).to_have_text(email, timeout=10_000)
        except AssertionError as exc:
            shown = self.by("form-error")
            reason = shown.inner_text() if shown.count() else "no profile menu appeared"
            raise StepFailed(f"log-in did not work: {reason}") from exc
