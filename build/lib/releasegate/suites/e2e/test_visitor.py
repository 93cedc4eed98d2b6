"""An anonymous visitor browses, searches and filters (read-only: safe after a deploy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import StepFailed
from releasegate.suites.e2e.pages import ExplorePage, PromptPage


@pytest.mark.persona("visitor")
def test_visitor_browses_searches_and_filters(page: Page, step: Callable[[str], Any]) -> None:
    explore = ExplorePage(page)

    with step("browse explore"):
        explore.open()
        explore.expect_prompts()
        expect(explore.by("nav-login")).to_be_visible()

    with step("search by title"):
        word = explore.titles()[-1].split()[0]
        explore.search(word)
        titles = explore.titles()
        if not titles or not all(word.casefold() in t.casefold() for t in titles):
            raise StepFailed(f"searching {word!r} listed {titles}")

    with step("filter by tag"):
        explore.open()
        tags = explore.tag_names()
        if not tags:
            raise StepFailed("explore offers no tag filters")
        explore.filter_by_tag(tags[0])
        explore.expect_prompts()

    with step("open a prompt"):
        explore.by("prompt-title").first.click()
        expect(PromptPage(page).detail).to_be_visible()
        expect(explore.by("prompt-text")).not_to_be_empty()
