"""Explore: browse, search by title, filter by tag, like."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from releasegate.e2e import StepFailed
from releasegate.suites.e2e.pages.base import BasePage


class ExplorePage(BasePage):
    path = "/explore"

    @property
    def cards(self) -> Locator:
        return self.by("prompt-card")

    def card_titled(self, title: str) -> Locator:
        return self.cards.filter(has=self.page.get_by_test_id("prompt-title").filter(has_text=title))

    def expect_prompts(self) -> int:
        try:
            expect(self.cards.first).to_be_visible()
        except AssertionError as exc:
            raise StepFailed(f"no prompts listed on {self.current_path()}") from exc
        return self.cards.count()

    def titles(self) -> list[str]:
        return [t.strip() for t in self.by("prompt-title").all_inner_texts()]

    def search(self, text: str) -> None:
        self.by("search-input").fill(text)
        self.by("search-submit").click()
        self.page.wait_for_url(re.compile(r"[?&]q="))

    def filter_by_tag(self, tag: str) -> None:
        link = self.by(f"tag-{tag}")
        if not link.count():
            raise StepFailed(f"explore offers no #{tag} filter")
        link.click()
        self.page.wait_for_url(re.compile(rf"[?&]tag={re.escape(tag)}"))
        expect(self.by("result-count")).to_contain_text(f"#{tag}")

    def tag_names(self) -> list[str]:
        ids = self.page.locator('[data-testid^="tag-"]').evaluate_all(
            "els => els.map(e => e.getAttribute('data-testid'))"
        )
        return [i.removeprefix("tag-") for i in ids if i not in ("tag-all", "tag-filter")]

    def like(self, card: Locator) -> int:
        """Like the prompt of ``card``; returns its new like count.

        Other users may like or unlike the same prompt meanwhile, so the proof is this user's
        pressed state plus a count that includes at least this like.
        """
        card.get_by_test_id("like-button").click()
        self.page.wait_for_load_state()
        prompt_id = card.get_attribute("data-prompt-id")
        fresh = self.page.locator(f'[data-testid="prompt-card"][data-prompt-id="{prompt_id}"]')
        try:
            expect(fresh.get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")
            expect(fresh.get_by_test_id("like-count")).not_to_have_text("0")
        except AssertionError as exc:
            raise StepFailed("the like did not register") from exc
        return int(fresh.get_by_test_id("like-count").inner_text())
