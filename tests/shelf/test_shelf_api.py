"""The API origin as a client sees it: prefix and spec, status, nested login, the Token scheme, books."""

from __future__ import annotations

import httpx
import pytest

from releasegate.fixtures.shelf.launcher import Running
from tests.shelf.conftest import PASSWORD, READER, login, new_user, token_auth

pytestmark = pytest.mark.integration


def test_the_spec_is_served_under_the_prefix_with_its_servers_entry(shelf: Running) -> None:
    spec = httpx.get(shelf.spec_url, timeout=10).json()
    assert spec["openapi"].startswith("3.")
    assert spec["servers"] == [{"url": "/v2/api"}]
    assert "/books" in spec["paths"]
    assert "/users/login" in spec["paths"]
    assert not any(path.startswith("/v2") for path in spec["paths"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "429" in codes, (method, path)
            if operation.get("requestBody") or operation.get("parameters"):
                assert "422" in codes, (method, path)
            if operation.get("security") and {} not in operation["security"]:
                assert "401" in codes, (method, path)


@pytest.mark.parametrize("path", ["/", "/openapi.json", "/docs", "/redoc", "/health", "/v2/api/docs"])
def test_nothing_answers_at_the_usual_places(shelf: Running, path: str) -> None:
    response = httpx.get(f"{shelf.api_url}{path}", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_status_lives_under_v2_with_its_own_shape(shelf: Running) -> None:
    response = httpx.get(shelf.status_url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert httpx.head(shelf.status_url, timeout=10).status_code == 200


def test_nested_login_answers_a_nested_user_with_a_token(api: httpx.Client) -> None:
    response = api.post("/users/login", json={"user": {"email": READER[0], "password": READER[1]}})
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["email"] == READER[0]
    assert user["username"] == "reader"
    assert user["token"].count(".") == 2


def test_flat_login_and_a_wrong_password_are_refused(api: httpx.Client) -> None:
    flat = api.post("/users/login", json={"email": READER[0], "password": READER[1]})
    assert flat.status_code == 422
    wrong = api.post("/users/login", json={"user": {"email": READER[0], "password": "wrong-password"}})
    assert wrong.status_code == 401


def test_the_token_scheme_is_required(api: httpx.Client) -> None:
    token = login(api, *READER)
    assert api.get("/user", headers=token_auth(token)).status_code == 200
    assert api.get("/user").status_code == 401
    assert api.get("/user", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert api.get("/user", headers={"Authorization": token}).status_code == 401
    assert api.get("/user", headers={"Authorization": "Token not-a-jwt"}).status_code == 401


def test_current_user_echoes_the_callers_token(api: httpx.Client) -> None:
    token = login(api, *READER)
    body = api.get("/user", headers=token_auth(token)).json()
    assert body == {"user": {"email": READER[0], "username": "reader", "token": token}}


def test_signup_answers_201_and_a_duplicate_409(api: httpx.Client) -> None:
    email, name, token = new_user(api)
    assert api.get("/user", headers=token_auth(token)).json()["user"]["username"] == name
    again = api.post(
        "/users", json={"user": {"email": email, "username": "other-name", "password": PASSWORD}}
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    same_name = api.post(
        "/users", json={"user": {"email": "x" + email, "username": name.upper(), "password": PASSWORD}}
    )
    assert same_name.status_code == 409


def test_books_are_added_listed_searched_changed_and_removed(api: httpx.Client) -> None:
    _, name, token = new_user(api)
    auth = token_auth(token)
    book = {"title": "Solaris", "author": "Stanisław Lem", "isbn": "9780156027601", "status": "reading"}
    created = api.post("/books", json=book, headers=auth)
    assert created.status_code == 201, created.text
    book_id = created.json()["id"]
    assert created.json()["owner"] == name
    hidden = api.post("/books", json={"title": "Diary", "author": name, "public": False}, headers=auth).json()
    found = api.get("/books", params={"q": "lem solaris"}).json()
    assert [b["id"] for b in found["books"]] == [book_id]
    assert found["total"] == 1
    assert api.get(f"/books/{hidden['id']}").status_code == 404
    assert api.get(f"/books/{hidden['id']}", headers=auth).status_code == 200
    assert {b["id"] for b in api.get("/user/books", headers=auth).json()["books"]} == {book_id, hidden["id"]}
    patched = api.patch(f"/books/{book_id}", json={"status": "done", "rating": 5}, headers=auth)
    assert patched.json()["status"] == "done"
    assert patched.json()["rating"] == 5
    assert api.patch(f"/books/{book_id}", json={"rating": None}, headers=auth).json()["rating"] is None
    _, _, other = new_user(api)
    assert api.delete(f"/books/{book_id}", headers=token_auth(other)).status_code == 404
    assert api.delete(f"/books/{book_id}", headers=auth).status_code == 204
    assert api.get(f"/books/{book_id}", headers=auth).status_code == 404


def test_book_requests_are_strict(api: httpx.Client) -> None:
    auth = token_auth(new_user(api)[2])
    base = {"title": "Dune", "author": "Frank Herbert"}
    assert api.post("/books", json={**base, "rating": 4.0}, headers=auth).status_code == 201
    for bad in (
        {"rating": "4"},
        {"rating": 6},
        {"status": "lost"},
        {"isbn": "123"},
        {"extra": 1},
        {"public": "yes"},
    ):
        response = api.post("/books", json={**base, **bad}, headers=auth)
        assert response.status_code == 422, bad
        assert response.json()["error"]["fields"]
    malformed = api.post("/books", content=b"{", headers={**auth, "Content-Type": "application/json"})
    assert malformed.status_code == 400


def test_deleting_the_account_deletes_its_books_and_its_tokens(api: httpx.Client) -> None:
    email, _, token = new_user(api)
    auth = token_auth(token)
    book_id = api.post("/books", json={"title": "Gone", "author": "Nobody"}, headers=auth).json()["id"]
    assert api.delete("/user", headers=auth).status_code == 204
    assert api.get("/user", headers=auth).status_code == 401
    assert api.get(f"/books/{book_id}").status_code == 404
    refused = api.post("/users/login", json={"user": {"email": email, "password": PASSWORD}})
    assert refused.status_code == 401


def test_unsupported_methods_answer_405_with_allow(api: httpx.Client) -> None:
    response = api.put("/books")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}


def test_security_headers_on_the_api(shelf: Running) -> None:
    for url in (shelf.status_url, shelf.spec_url, f"{shelf.api_url}/nowhere"):
        headers = httpx.get(url, timeout=10).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"]
        assert headers["x-robots-tag"].startswith("noindex")
