"""Server-rendered pages: they render, carry their data-testids, and the forms work."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from releasegate.fixtures.promptlib.launcher import RunningApp
from releasegate.fixtures.promptlib.models import TITLE_MAX
from tests.promptlib.helpers import demo, in_process, new_user

NAV_ANON = {"nav-explore", "nav-pricing", "nav-login", "nav-signup"}
NAV_USER = {"nav-explore", "nav-pricing", "nav-new-prompt", "nav-my-prompts", "profile-menu", "logout-button"}


def find_testids(html: str) -> set[str]:
    return set(re.findall(r'data-testid="([^"]+)"', html))


@pytest.fixture
def web(clean_app: RunningApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=clean_app.url, follow_redirects=True, timeout=15) as client:
        yield client


def _sign_in(web: httpx.Client, who: str) -> None:
    email, password = demo(who)
    response = web.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert email in response.text


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", NAV_ANON | {"prompt-card", "prompt-title", "like-button", "like-count"}),
        (
            "/explore",
            NAV_ANON | {"search-input", "search-submit", "tag-filter", "tag-marketing", "prompt-card"},
        ),
        ("/login", NAV_ANON | {"login-email", "login-password", "login-submit"}),
        ("/signup", NAV_ANON | {"signup-email", "signup-password", "signup-submit"}),
        ("/pricing", NAV_ANON | {"subscribe-pro"}),
        ("/prompts/1", NAV_ANON | {"prompt-detail", "prompt-text", "like-button", "like-count"}),
    ],
)
def test_public_pages_render_with_their_testids(web: httpx.Client, path: str, expected: set[str]) -> None:
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert expected <= find_testids(response.text)
    assert '<html lang="en">' in response.text
    assert '<main id="main">' in response.text
    assert not re.search(r'(src|href)="https?://', response.text), "pages must not load external resources"


def test_explore_filters_by_tag_and_searches(web: httpx.Client) -> None:
    tagged = web.get("/explore", params={"tag": "seo"}).text
    assert tagged.count('data-testid="prompt-card"') == 2
    found = web.get("/explore", params={"q": "blog"}).text
    assert found.count('data-testid="prompt-card"') == 1
    assert "Blog outline" in found
    assert 'data-testid="empty-state"' in web.get("/explore", params={"q": "zzzz-nothing"}).text


def test_a_whole_title_of_the_longest_length_finds_only_itself() -> None:
    client = in_process()
    try:
        _, auth = new_user(client)
        full, prefix = "q" * TITLE_MAX, "q" * (TITLE_MAX - 10)
        for title in (full, prefix):
            body = {"title": title, "text": "text", "agent_type": "LLM"}
            assert client.post("/api/prompts", json=body, headers=auth).status_code == 201
        page = client.get("/explore", params={"q": full}).text
        assert page.count('data-testid="prompt-card"') == 1
        assert f'value="{full}"' in page
        api = client.get("/api/prompts", params={"q": full})
        assert api.status_code == 200, api.text
        assert [p["title"] for p in api.json()["items"]] == [full]
        assert client.get("/api/prompts", params={"q": full + "q"}).status_code == 422
    finally:
        client.close()


def test_signup_lands_on_explore_with_the_profile_menu(web: httpx.Client) -> None:
    response = web.post("/signup", data={"email": "Page.User@Example.com", "password": "long-enough-1"})
    assert response.url.path == "/explore"
    assert find_testids(response.text) >= NAV_USER
    assert "page.user@example.com" in response.text
    assert "pro-badge" not in find_testids(response.text)
    again = web.post("/signup", data={"email": "page.user@example.com", "password": "long-enough-1"})
    assert again.status_code == 400
    assert "form-error" in find_testids(again.text)


def test_login_errors_and_logout(web: httpx.Client) -> None:
    failed = web.post("/login", data={"email": "free@promptlib.test", "password": "wrong-password"})
    assert failed.status_code == 401
    assert "form-error" in find_testids(failed.text)
    _sign_in(web, "free")
    out = web.post("/logout")
    assert out.url.path == "/"
    assert "nav-login" in find_testids(out.text)


def test_author_creates_edits_likes_and_deletes_a_prompt(web: httpx.Client) -> None:
    web.post("/signup", data={"email": "author@example.com", "password": "long-enough-1"})
    form = web.get("/prompts/new").text
    assert {
        "prompt-form-title",
        "prompt-form-description",
        "prompt-form-text",
        "prompt-form-agent",
        "prompt-form-tags",
        "prompt-form-public",
        "prompt-form-pro-only",
        "prompt-form-submit",
    } <= find_testids(form)
    created = web.post(
        "/prompts/new",
        data={
            "title": "Haiku",
            "description": "Short",
            "text": "Write a haiku",
            "agent_type": "LLM",
            "tags": "Poetry, fun",
            "is_public": "1",
        },
    )
    assert created.url.path.startswith("/prompts/")
    assert {
        "prompt-detail",
        "edit-button",
        "delete-button",
    } <= find_testids(created.text)
    prompt_path = created.url.path
    assert "#fun" in created.text
    assert "#poetry" in created.text
    liked = web.post(f"{prompt_path}/like", data={"next": prompt_path})
    assert re.search(r'data-testid="like-count">1<', liked.text)
    edited = web.post(
        f"{prompt_path}/edit",
        data={"title": "Haiku 2", "text": "Write two", "agent_type": "IMAGE", "tags": "", "is_public": "1"},
    )
    assert "Haiku 2" in edited.text
    assert 'data-testid="prompt-agent">IMAGE<' in edited.text
    mine = web.get("/me/prompts").text
    assert "Haiku 2" in mine
    denied = web.post("/prompts/new", data={"title": "P", "text": "t", "agent_type": "LLM", "pro_only": "1"})
    assert denied.status_code == 400
    assert "form-error" in find_testids(denied.text)
    deleted = web.post(f"{prompt_path}/delete")
    assert deleted.url.path == "/me/prompts"
    assert "Haiku 2" not in deleted.text


def test_pricing_to_pro_through_the_sandbox_payment_page(web: httpx.Client) -> None:
    web.post("/signup", data={"email": "buyer@example.com", "password": "long-enough-1"})
    assert "pro-only-badge" not in find_testids(web.get("/explore").text)
    sandbox = web.post("/pricing/checkout")
    assert sandbox.url.path.startswith("/sandbox/checkout/cs_test_")
    assert "pay-button" in find_testids(sandbox.text)
    paid = web.post(f"{sandbox.url.path}/pay")
    assert paid.url.path == "/pricing"
    assert {"pro-badge", "checkout-success", "pro-active"} <= find_testids(paid.text)
    assert "pro-only-badge" in find_testids(web.get("/explore").text)


def test_pro_only_prompt_page_asks_free_users_to_upgrade(web: httpx.Client) -> None:
    response = web.get("/prompts/10")
    assert response.status_code == 403
    assert "upgrade-link" in find_testids(response.text)
    _sign_in(web, "free")
    liked = web.post("/prompts/10/like")
    assert liked.status_code == 403
    assert "upgrade-link" in find_testids(liked.text)
    _sign_in(web, "pro")
    assert "pro-only-badge" in find_testids(web.get("/prompts/10").text)


def test_admin_page_lists_users_and_refuses_others(web: httpx.Client) -> None:
    assert web.get("/admin/users").url.path == "/login"
    _sign_in(web, "free")
    refused = web.get("/admin/users")
    assert refused.status_code == 403
    assert "upgrade-link" not in find_testids(refused.text)
    _sign_in(web, "admin")
    page = web.get("/admin/users").text
    assert "admin-users-table" in find_testids(page)
    assert page.count('data-testid="admin-user-row"') >= 3


def test_protected_pages_redirect_to_login(web: httpx.Client) -> None:
    for path in ("/prompts/new", "/me/prompts"):
        response = web.get(path)
        assert response.url.path == "/login"
        assert response.url.params["next"] == path
