"""The single-page app in a real Chromium (Playwright's sync API): login, token, shelf, broken-save."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright import sync_api

from releasegate.browser import find_chromium
from releasegate.fixtures.shelf import TOKEN_STORAGE_KEY
from releasegate.fixtures.shelf.launcher import Running, start
from tests.shelf.conftest import READER

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Playwright's own Chromium when installed, else the system one (`releasegate.browser`)."""
    executable = find_chromium().path
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture(scope="module")
def broken_save() -> Iterator[Running]:
    with start(faults="broken-save", seed_user=READER, seed_books=False) as running:
        yield running


def _errors(tab: Any) -> list[str]:
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _log_in(tab: Any, running: Running) -> None:
    tab.goto(f"{running.web_url}/login")
    tab.fill("#login-form input[name=email]", READER[0])
    tab.fill("#login-form input[name=password]", READER[1])
    tab.click("#login-form button[type=submit]")
    tab.wait_for_url("**/shelf")
    sync_api.expect(tab.locator("#whoami")).to_have_text("Signed in as reader")


def _add_book(tab: Any, title: str) -> None:
    tab.fill("#add-book input[name=title]", title)
    tab.fill("#add-book input[name=author]", "Tove Jansson")
    tab.select_option("#add-book select[name=rating]", "4")
    tab.click("#add-to-shelf")


def test_the_public_books_show_on_the_home_page(tab: Any, shelf: Running) -> None:
    errors = _errors(tab)
    tab.goto(shelf.web_url)
    sync_api.expect(tab.locator("#books li").first).to_be_visible()
    assert "Le Guin" in tab.locator("#books").inner_text()
    assert errors == []


def test_the_shelf_redirects_to_login_without_a_token(tab: Any, shelf: Running) -> None:
    tab.goto(f"{shelf.web_url}/shelf")
    tab.wait_for_url("**/login")
    sync_api.expect(tab.locator("#heading")).to_have_text("Log in")


def test_logging_in_stores_the_token_in_local_storage(tab: Any, shelf: Running) -> None:
    errors = _errors(tab)
    tab.goto(f"{shelf.web_url}/login")
    assert tab.evaluate(f"localStorage.getItem({TOKEN_STORAGE_KEY!r})") is None
    _log_in(tab, shelf)
    token = tab.evaluate(f"localStorage.getItem({TOKEN_STORAGE_KEY!r})")
    assert isinstance(token, str)
    assert token.count(".") == 2
    assert errors == []


def test_add_to_shelf_saves_the_book(tab: Any, shelf: Running) -> None:
    errors = _errors(tab)
    _log_in(tab, shelf)
    title = f"Moominland {uuid.uuid4().hex[:6]}"
    _add_book(tab, title)
    sync_api.expect(tab.locator("#my-books")).to_contain_text(title)
    assert errors == []


def test_broken_save_swallows_the_click_and_throws(tab: Any, broken_save: Running) -> None:
    errors = _errors(tab)
    _log_in(tab, broken_save)
    title = f"Comet in Moominland {uuid.uuid4().hex[:6]}"
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(f"{request.method} {request.url}"))
    _add_book(tab, title)
    tab.wait_for_timeout(700)
    assert any("broken-save" in error for error in errors), errors
    assert not any(r.startswith("POST ") and r.endswith("/v2/api/books") for r in requests), requests
    assert title not in tab.locator("#my-books").inner_text()
    assert tab.locator("#add-book input[name=title]").input_value() == title
