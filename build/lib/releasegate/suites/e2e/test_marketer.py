"""Kim Miso, marketer: from sign-up to Pro."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import Account, StepFailed
from releasegate.suites.e2e.api import PromptlibAPI
from releasegate.suites.e2e.pages import (
    BasePage,
    ExplorePage,
    LoginPage,
    PricingPage,
    PromptForm,
    PromptPage,
    SignupPage,
)

TAG = "marketing"


@pytest.mark.persona("marketer", signs_up=True)
def test_marketer_signs_up_and_goes_pro(
    page: Page, *, account: Account, step: Callable[[str], Any], run_id: str, api: PromptlibAPI, cleanup: Any
) -> None:
    site = BasePage(page)
    title = f"Launch email {run_id}"

    with step("sign up"):
        SignupPage(page).open()
        SignupPage(page).sign_up(account.email, account.password)

    with step("see her email in the profile menu"):
        site.expect_logged_in_as(account.email)

    with step("log out and in again"):
        site.log_out()
        LoginPage(page).open()
        LoginPage(page).log_in(account.email, account.password)

    with step("create a prompt with tags"):
        PromptForm(page).open()
        prompt_id = (
            PromptForm(page)
            .fill(
                title=title,
                description="Announce the spring launch to subscribers.",
                text="Write a launch email for {product} with a subject line under 50 characters.",
                tags=[TAG, "email"],
            )
            .submit()
        )
        cleanup(
            "delete her prompt", lambda: _as_owner(api, account, lambda t: api.delete_prompt(t, prompt_id))
        )

    with step("find it in explore by tag"):
        explore = ExplorePage(page)
        explore.open()
        explore.filter_by_tag(TAG)
        expect(explore.card_titled(title)).to_be_visible()

    with step("like another prompt"):
        others = explore.cards.filter(has_not=page.get_by_test_id("prompt-title").filter(has_text=title))
        other = others.last  # the oldest listed: seeded, never another run's prompt
        other_id = int(other.get_attribute("data-prompt-id") or 0)
        cleanup(
            "unlike the prompt she liked", lambda: _as_owner(api, account, lambda t: api.unlike(t, other_id))
        )
        explore.like(other)

    with step("subscribe to Pro through the sandbox checkout"):
        PricingPage(page).open()
        PricingPage(page).subscribe_pro()

    with step("see the Pro badge and a Pro-only prompt"):
        expect(site.by("pro-badge")).to_be_visible()
        explore.open()
        explore.search(_a_pro_only_title(api, account))
        pro_card = explore.cards.filter(has=page.get_by_test_id("pro-only-badge")).first
        expect(pro_card).to_be_visible()
        pro_card.get_by_test_id("prompt-title").click()
        expect(PromptPage(page).detail).to_be_visible()
        expect(site.by("prompt-text")).not_to_be_empty()


def _a_pro_only_title(api: PromptlibAPI, account: Account, pages: int = 20, per_page: int = 50) -> str:
    """The title of a Pro-only prompt the now-Pro marketer may see, wherever it sits in explore's
    order (other users' prompts can push it off the first page)."""
    token = api.token(account.email, account.password)
    for page_number in range(pages):
        items = api.prompts(token, limit=per_page, offset=page_number * per_page)
        found = next((str(item["title"]) for item in items if item.get("pro_only")), None)
        if found is not None:
            return found
        if len(items) < per_page:
            break
    raise StepFailed("no Pro-only prompt is listed for a Pro user")


def _as_owner(api: PromptlibAPI, account: Account, action: Callable[[str], None]) -> None:
    token = api.token(account.email, account.password)
    if token is not None:
        action(token)
