"""The page faults as a browser sees them (Playwright + Chromium); skipped without a browser."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright import sync_api

from releasegate.fixtures.promptlib.launcher import RunningApp, start
from tests.promptlib.helpers import PASSWORD, new_user

PAGE_FAULTS = "broken-signup,js-error,layout-shift,heavy-page"
CLS_SCRIPT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 1200);
})"""


WEIGHT_SCRIPT = """() => performance.getEntriesByType("navigation")
  .concat(performance.getEntriesByType("resource"))
  .reduce((sum, entry) => sum + entry.decodedBodySize, 0)"""


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROME_PATH"), "/usr/lib/chromium/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = _chromium()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def faulty_pages() -> Iterator[RunningApp]:
    with start(faults=PAGE_FAULTS) as app:
        yield app


@pytest.fixture
def tab(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def _errors(tab: Any) -> list[str]:
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _signup(tab: Any, url: str) -> str:
    email = f"browser-{uuid.uuid4().hex[:8]}@example.com"
    tab.goto(f"{url}/signup")
    tab.get_by_test_id("signup-email").fill(email)
    tab.get_by_test_id("signup-password").fill("long-enough-1")
    tab.get_by_test_id("signup-submit").click()
    return email


def test_clean_signup_lands_on_explore_without_errors(tab: Any, clean_app: RunningApp) -> None:
    errors = _errors(tab)
    email = _signup(tab, clean_app.url)
    tab.wait_for_url("**/explore")
    sync_api.expect(tab.get_by_test_id("profile-menu")).to_contain_text(email)
    assert errors == []


def test_broken_signup_button_does_nothing(tab: Any, faulty_pages: RunningApp) -> None:
    _signup(tab, faulty_pages.url)
    tab.wait_for_timeout(700)
    assert tab.url.endswith("/signup")
    assert tab.get_by_test_id("profile-menu").count() == 0


def test_js_error_reaches_the_console(tab: Any, faulty_pages: RunningApp, clean_app: RunningApp) -> None:
    errors = _errors(tab)
    tab.goto(f"{clean_app.url}/login", wait_until="load")
    assert errors == []
    tab.goto(f"{faulty_pages.url}/login", wait_until="load")
    tab.wait_for_timeout(200)
    assert any("fault js-error" in error for error in errors)


# Lighthouse's desktop preset and its default mobile device (moto g power).
VIEWPORTS = {"desktop": (1350, 940), "mobile": (412, 823)}


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_layout_shift_moves_the_content(
    chromium: Any, device: str, faulty_pages: RunningApp, clean_app: RunningApp
) -> None:
    width, height = VIEWPORTS[device]
    context = chromium.new_context(viewport={"width": width, "height": height})
    try:
        tab = context.new_page()
        tab.goto(f"{clean_app.url}/explore", wait_until="load")
        assert tab.evaluate(CLS_SCRIPT) < 0.01
        for page in ("/", "/explore", "/login"):
            tab.goto(f"{faulty_pages.url}{page}", wait_until="load")
            assert tab.evaluate(CLS_SCRIPT) > 0.2, (device, page)
            banner = tab.get_by_test_id("late-banner")
            sync_api.expect(banner).to_be_visible()
            assert banner.bounding_box()["height"] >= 400
    finally:
        context.close()


def test_heavy_page_weighs_megabytes(tab: Any, faulty_pages: RunningApp, clean_app: RunningApp) -> None:
    def weight(url: str) -> int:
        tab.goto(url, wait_until="load")
        total: int = tab.evaluate(WEIGHT_SCRIPT)
        return total

    assert weight(f"{clean_app.url}/explore") < 100_000
    assert weight(f"{faulty_pages.url}/explore") > 4_000_000


def test_long_unbroken_text_leaves_every_like_button_clickable_on_a_phone(
    chromium: Any, clean_app: RunningApp
) -> None:
    """Fuzzers and real users write titles and descriptions without spaces; the cards must wrap
    them, not overflow onto their neighbours and cover their buttons."""
    with httpx.Client(base_url=clean_app.url, timeout=10) as client:
        email, author = new_user(client)
        for title, description in (("0" * 120, "0" * 500), ("0", "1" * 300)):
            body = {
                "title": title,
                "description": description,
                "text": "x",
                "agent_type": "LLM",
                "tags": ["t" + "0" * 29],
            }
            created = client.post("/api/prompts", json=body, headers=author)
            assert created.status_code == 201, created.text
    phone = {"width": 412, "height": 839}  # Playwright's "Pixel 7"
    context = chromium.new_context(viewport=phone, device_scale_factor=2.625, is_mobile=True, has_touch=True)
    try:
        tab = context.new_page()
        tab.set_default_timeout(3_000)
        tab.goto(f"{clean_app.url}/login")
        tab.get_by_test_id("login-email").fill(email)
        tab.get_by_test_id("login-password").fill(PASSWORD)
        tab.get_by_test_id("login-submit").click()
        tab.wait_for_url(lambda url: "/login" not in url)
        tab.goto(f"{clean_app.url}/explore")
        cards = tab.get_by_test_id("prompt-card")
        blocked = []
        for index in range(cards.count()):
            try:
                cards.nth(index).get_by_test_id("like-button").click(trial=True)
            except sync_api.Error:
                blocked.append(cards.nth(index).get_attribute("data-prompt-id"))
        assert not blocked, f"like buttons covered on a phone: prompts {blocked}"
    finally:
        context.close()
