"""A developer publishes through the API and checks the result in the UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from releasegate.suites.e2e.api import PromptlibAPI
from releasegate.suites.e2e.pages import MyPromptsPage, PromptPage


@pytest.mark.persona("developer")
def test_developer_creates_through_api_and_checks_ui(
    page: Page, *, token: str, step: Callable[[str], Any], run_id: str, api: PromptlibAPI, cleanup: Any
) -> None:
    title = f"SQL reviewer {run_id}"
    text = "Review this SQL for injection risks and missing indexes: {query}"

    with step("create a prompt through the API"):
        created = api.create_prompt(token, title=title, text=text, tags=["productivity"], agent_type="LLM")
        cleanup("delete the API-created prompt", lambda: api.delete_prompt(token, created["id"]))

    with step("find it in my prompts"):
        mine = MyPromptsPage(page)
        mine.open()
        expect(mine.card_titled(title)).to_be_visible()

    with step("open it and check the text"):
        mine.card_titled(title).get_by_test_id("prompt-title").click()
        PromptPage(page).expect_text(text)
