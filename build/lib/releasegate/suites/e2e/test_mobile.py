"""A mobile user (device emulation) does the core journey on a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import Account
from releasegate.suites.e2e.api import PromptlibAPI
from releasegate.suites.e2e.pages import ExplorePage, MyPromptsPage, PromptForm


@pytest.mark.persona("mobile")
def test_mobile_user_likes_and_saves_a_prompt(
    page: Page,
    *,
    account: Account,
    token: str,
    step: Callable[[str], Any],
    run_id: str,
    api: PromptlibAPI,
    cleanup: Any,
) -> None:
    title = f"Caption ideas {run_id}"

    with step("open explore on her phone"):
        explore = ExplorePage(page)
        explore.open()
        explore.expect_prompts()
        explore.expect_logged_in_as(account.email)

    with step("like a prompt"):
        card = explore.cards.last  # the oldest listed: seeded, never another run's prompt
        liked_id = int(card.get_attribute("data-prompt-id") or 0)
        cleanup("unlike the prompt she liked", lambda: api.unlike(token, liked_id))
        explore.like(card)

    with step("save her own prompt"):
        PromptForm(page).open()
        prompt_id = (
            PromptForm(page)
            .fill(title=title, text="Five Instagram captions for {photo}.", tags=["social"])
            .submit()
        )
        cleanup("delete her prompt", lambda: api.delete_prompt(token, prompt_id))

    with step("find it in my prompts"):
        mine = MyPromptsPage(page)
        mine.open()
        expect(mine.card_titled(title)).to_be_visible()
