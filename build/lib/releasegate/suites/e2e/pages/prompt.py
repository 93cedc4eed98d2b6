"""A prompt's page, the prompt form (new and edit) and "my prompts"."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from releasegate.e2e import StepFailed
from releasegate.suites.e2e.pages.base import BasePage

_DETAIL = re.compile(r"/prompts/(\d+)(?:[?#].*)?$")


class PromptForm(BasePage):
    path = "/prompts/new"

    def fill(
        self,
        *,
        title: str | None = None,
        text: str | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
        agent: str | None = None,
    ) -> PromptForm:
        if title is not None:
            self.by("prompt-form-title").fill(title)
        if description is not None:
            self.by("prompt-form-description").fill(description)
        if text is not None:
            self.by("prompt-form-text").fill(text)
        if agent is not None:
            self.by("prompt-form-agent").select_option(agent)
        if tags is not None:
            self.by("prompt-form-tags").fill(", ".join(tags))
        return self

    def submit(self) -> int:
        """Save; returns the prompt's id from the page it lands on."""
        self.by("prompt-form-submit").click()
        try:
            self.page.wait_for_url(_DETAIL, timeout=10_000)
        except Exception as exc:
            error = self.by("form-error")
            reason = error.inner_text() if error.count() else f"still on {self.current_path()}"
            raise StepFailed(f"the prompt was not saved: {reason}") from exc
        match = _DETAIL.search(self.page.url)
        assert match is not None
        return int(match[1])


class PromptPage(BasePage):
    @property
    def detail(self) -> Locator:
        return self.by("prompt-detail")

    def open_prompt(self, prompt_id: int) -> PromptPage:
        self.open(f"/prompts/{prompt_id}")
        expect(self.detail).to_be_visible()
        return self

    def expect_text(self, text: str) -> None:
        expect(self.by("prompt-text")).to_have_text(text)

    def edit(self) -> PromptForm:
        self.by("edit-button").click()
        expect(self.by("prompt-form")).to_be_visible()
        return PromptForm(self.page)

    def delete(self) -> None:
        self.by("delete-button").click()
        try:
            self.page.wait_for_url(lambda url: _DETAIL.search(url) is None, timeout=10_000)
        except Exception as exc:
            raise StepFailed("the delete button did not delete the prompt") from exc


class MyPromptsPage(BasePage):
    path = "/me/prompts"

    def card_titled(self, title: str) -> Locator:
        return self.by("prompt-card").filter(
            has=self.page.get_by_test_id("prompt-title").filter(has_text=title)
        )
