"""An anonymous browser reads the public list and searches it (read-only: the post-deploy check)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import Step, StepFailed


@pytest.mark.persona("browser")
def test_browser_reads_and_searches_the_public_list(page: Page, *, step: Step) -> None:
    with step("open the reading list"):
        page.goto("/")
        books = page.locator("#books li")
        expect(books.first).to_be_visible()

    with step("search by an author's name"):
        author = books.first.locator(".meta").inner_text().split(" · ")[0]
        word = author.split()[-1]
        page.get_by_role("searchbox", name="Search").fill(word)
        page.get_by_role("button", name="Search").click()
        expect(books.first).to_be_visible()
        listed = books.locator(".meta").all_inner_texts()
        if not all(word.casefold() in text.casefold() for text in listed):
            raise StepFailed(f"searching {word!r} listed {listed}")
