"""An anonymous browser reads the public list and searches it (read-only: the post-deploy check)."""

from __future__ import annotations

import re

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
        # other layers' tests may have added books with odd authors: search a plain surname
        authors = [meta.split(" · ")[0] for meta in books.locator(".meta").all_inner_texts()]
        plain = [a.split()[-1] for a in authors if re.fullmatch(r"[A-Za-z][A-Za-z .'-]{2,}", a)]
        if not plain:
            raise StepFailed(f"no author with a plain name to search for among {authors[:5]}")
        word = plain[0]
        page.get_by_role("searchbox", name="Search").fill(word)
        page.get_by_role("button", name="Search").click()
        expect(books.first).to_be_visible()
        listed = books.locator(".meta").all_inner_texts()
        if not all(word.casefold() in text.casefold() for text in listed):
            raise StepFailed(f"searching {word!r} listed {listed}")
