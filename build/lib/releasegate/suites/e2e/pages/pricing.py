"""Pricing and the sandbox checkout page of the payment provider."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from releasegate.e2e import StepFailed
from releasegate.suites.e2e.pages.base import BasePage


class PricingPage(BasePage):
    path = "/pricing"

    def subscribe_pro(self) -> None:
        """Subscribe, pay on the sandbox page (the provider fires the signed webhook), come back Pro."""
        self.by("subscribe-pro").click()
        try:
            self.page.wait_for_url(re.compile(r"/sandbox/checkout/"), timeout=10_000)
        except Exception as exc:
            raise StepFailed(f"Subscribe did not open the checkout (still on {self.current_path()})") from exc
        self.by("pay-button").click()
        try:
            self.page.wait_for_url(re.compile(r"/pricing\?checkout=success"), timeout=15_000)
        except Exception as exc:
            error = self.by("form-error")
            reason = error.inner_text() if error.count() else f"still on {self.current_path()}"
            raise StepFailed(f"the payment was not confirmed: {reason}") from exc
        expect(self.by("checkout-success")).to_be_visible()
