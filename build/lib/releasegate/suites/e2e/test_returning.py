"""A returning user logs in, edits a prompt and deletes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import Account, StepFailed
from releasegate.suites.e2e.api import PromptlibAPI
from releasegate.suites.e2e.pages import LoginPage, MyPromptsPage, PromptPage


@pytest.mark.persona("returning", logged_in=False)
def test_returning_user_edits_and_deletes(
    page: Page,
    *,
    account: Account,
    token: str,
    step: Callable[[str], Any],
    run_id: str,
    api: PromptlibAPI,
    cleanup: Any,
) -> None:
    title = f"Weekly report {run_id}"
    earlier = api.create_prompt(
        token, title=title, text="Summarise this week's metrics: {data}", tags=["productivity"]
    )
    cleanup("delete the prompt from her earlier visit", lambda: api.delete_prompt(token, earlier["id"]))

    with step("log in"):
        LoginPage(page).open()
        LoginPage(page).log_in(account.email, account.password)

    with step("open her prompt from my prompts"):
        mine = MyPromptsPage(page)
        mine.open()
        mine.card_titled(title).get_by_test_id("prompt-title").click()
        expect(PromptPage(page).detail).to_be_visible()

    with step("edit the prompt"):
        new_text = "Summarise this week's metrics in three bullet points: {data}"
        PromptPage(page).edit().fill(title=f"{title} (v2)", text=new_text).submit()
        PromptPage(page).expect_text(new_text)

    with step("delete the prompt"):
        PromptPage(page).delete()
        if api.get_prompt(earlier["id"], token).status_code != 404:
            raise StepFailed("the prompt is still there after deleting it")
        mine.open()
        expect(mine.card_titled(title)).to_have_count(0)
