"""Noor, a reader: adds a book to her shelf through the frontend, finds it, removes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from releasegate.e2e import Account, Step, StepFailed


@pytest.mark.persona("reader")  # logged in by the adapter before the scenario starts
def test_reader_adds_and_removes_a_book(page: Page, *, account: Account, step: Step, run_id: str) -> None:
    title = f"The Overstory {run_id}"

    with step("open my shelf"):
        page.goto("/shelf")
        expect(page.locator("#whoami")).to_contain_text("Signed in as")

    with step("add a book"):
        page.get_by_label("Title").fill(title)
        page.get_by_label("Author").fill("Richard Powers")
        page.get_by_label("Status").select_option("reading")
        page.get_by_role("button", name="Add to shelf").click()
        added = page.locator("#my-books li", has_text=title)
        try:
            expect(added).to_be_visible(timeout=5000)
        except AssertionError:
            raise StepFailed(
                "the book never appeared on the shelf: the Add to shelf button did not save"
            ) from None

    with step("remove it"):
        added.get_by_role("button", name="Remove").click()
        expect(page.locator("#my-books li", has_text=title)).to_have_count(0)
