"""The login flow the layers share: credentials from the environment, a token from the answer."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from releasegate.auth import Login, LoginFailed, MissingCredential, credentials, login
from releasegate.config import AuthConfig, Environment, LoginFlow

FLOW = LoginFlow(username_env="RG_TEST_USER", password_env="RG_TEST_PASSWORD")
ENV = {"RG_TEST_USER": "pro@promptlib.test", "RG_TEST_PASSWORD": "correct-horse-1"}


@dataclass
class Target:
    """A stand-in login endpoint: answers every POST with ``status`` and ``body``, records requests."""

    url: str
    status: int = 200
    body: bytes = b'{"access_token": "tok-0123456789"}'
    received: list[tuple[str, object]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def target() -> Iterator[Target]:
    state = Target(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                state.received.append((self.path, dict(urllib.parse.parse_qsl(raw.decode()))))
            else:
                state.received.append((self.path, json.loads(raw)))
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_login_posts_the_credentials_and_returns_the_token(target: Target) -> None:
    signed_in = login(FLOW, target.url, ENV)
    assert signed_in == Login("tok-0123456789", "pro@promptlib.test", "correct-horse-1")
    assert target.received == [
        ("/api/auth/login", {"email": "pro@promptlib.test", "password": "correct-horse-1"})
    ]
    assert "tok-0123456789" not in repr(signed_in)
    assert "correct-horse-1" not in repr(signed_in)


def test_login_uses_the_flows_field_names_and_joins_the_path(target: Target) -> None:
    target.body = b'{"jwt": "tok-abcdefgh"}'
    flow = FLOW.model_copy(
        update={"path": "session/new", "username_field": "user", "password_field": "pw", "token_field": "jwt"}
    )
    assert login(flow, target.url + "/", ENV).token == "tok-abcdefgh"
    assert target.received == [("/session/new", {"user": "pro@promptlib.test", "pw": "correct-horse-1"})]


@pytest.mark.parametrize(
    ("environ", "name", "what"),
    [
        ({}, "RG_TEST_USER", "login user name"),
        ({"RG_TEST_USER": "u@x.io"}, "RG_TEST_PASSWORD", "login password"),
        ({"RG_TEST_USER": "u@x.io", "RG_TEST_PASSWORD": ""}, "RG_TEST_PASSWORD", "login password"),
    ],
)
def test_an_unset_credential_is_named_before_any_request(
    target: Target, environ: dict[str, str], name: str, what: str
) -> None:
    with pytest.raises(MissingCredential) as info:
        login(FLOW, target.url, environ)
    assert (info.value.name, info.value.what) == (name, what)
    assert str(info.value) == f"environment variable {name} ({what}) is not set"
    assert target.received == []


def test_the_environment_is_read_when_none_is_given(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    assert login(FLOW, target.url).token == "tok-0123456789"


def test_a_refused_login_carries_the_status(target: Target) -> None:
    target.status, target.body = 401, b'{"detail": "bad credentials"}'
    with pytest.raises(LoginFailed) as info:
        login(FLOW, target.url, ENV)
    failure = info.value
    assert (failure.kind, failure.status, failure.url) == ("refused", 401, f"{target.url}/api/auth/login")
    assert str(failure) == f"login at {target.url}/api/auth/login answered HTTP 401"


@pytest.mark.parametrize(
    "body",
    [b'{"jwt": "tok-0123456789"}', b'{"access_token": ""}', b'{"access_token": 42}', b"[]", b"<html>"],
    ids=["other-field", "empty", "not-a-string", "not-an-object", "not-json"],
)
def test_an_answer_without_a_token_is_a_failure(target: Target, body: bytes) -> None:
    target.body = body
    with pytest.raises(LoginFailed) as info:
        login(FLOW, target.url, ENV)
    assert info.value.kind == "no_token"
    assert "'access_token' field" in str(info.value)


def test_an_unreachable_target_names_the_client_error() -> None:
    with pytest.raises(LoginFailed) as info:
        login(FLOW, "http://127.0.0.1:9", ENV, timeout_s=5.0)
    failure = info.value
    assert (failure.kind, failure.cause) == ("unreachable", "ConnectError")
    assert str(failure) == "login at http://127.0.0.1:9/api/auth/login failed: ConnectError"


# --- auth as data: any app's login with configuration alone -------------------------------

NESTED = LoginFlow(
    path="/api/users/login",
    body={"user": {"email": "${APP_EMAIL}", "password": "${APP_PASSWORD}"}},
    token="user.token",
)
APP = {"APP_EMAIL": "kim@shelf.test", "APP_PASSWORD": "s3cret-shelf-pw"}


def test_a_nested_json_login_with_a_dotted_token_path_and_the_token_scheme(target: Target) -> None:
    target.body = b'{"user": {"email": "kim@shelf.test", "token": "jwt-abcdef123456"}}'
    env = Environment(name="shelf", auth=AuthConfig(scheme="Token", login=NESTED))
    found = credentials(env, target.url, APP)
    assert target.received == [
        ("/api/users/login", {"user": {"email": "kim@shelf.test", "password": "s3cret-shelf-pw"}})
    ]
    assert found.headers == {"Authorization": "Token jwt-abcdef123456"}
    assert {"jwt-abcdef123456", "Token jwt-abcdef123456", "s3cret-shelf-pw", "kim@shelf.test"} <= set(
        found.secrets
    )
    assert "jwt-abcdef123456" not in repr(found)


def test_an_oauth2_password_grant_as_a_form(target: Target) -> None:
    flow = LoginFlow(
        path="/oauth/token",
        format="form",
        body={"grant_type": "password", "username": "${APP_EMAIL}", "password": "${APP_PASSWORD}"},
        token="access_token",
    )
    target.body = b'{"access_token": "oauth-tok-987654", "token_type": "bearer", "expires_in": 60}'
    signed_in = login(flow, target.url, APP)
    assert target.received == [
        (
            "/oauth/token",
            {"grant_type": "password", "username": "kim@shelf.test", "password": "s3cret-shelf-pw"},
        )
    ]
    assert signed_in.token == "oauth-tok-987654"
    assert signed_in.expires_in == 60


def test_a_token_from_a_header_and_a_custom_header_name(target: Target) -> None:
    target.headers = {"X-Auth-Token": "hdr-tok-55555"}
    flow = NESTED.model_copy(update={"token": None, "token_from": "header:X-Auth-Token"})
    env = Environment(name="x", auth=AuthConfig(header="X-Api-Key", scheme="", login=flow))
    assert credentials(env, target.url, APP).headers == {"X-Api-Key": "hdr-tok-55555"}


def test_a_missing_token_path_names_the_keys_that_were_there(target: Target) -> None:
    target.body = b'{"user": {"email": "kim@shelf.test", "bearer": "xyz-123456"}}'
    with pytest.raises(LoginFailed) as info:
        login(NESTED, target.url, APP)
    assert "'user.token'" in str(info.value)
    assert "user.email" in str(info.value)
    assert "user.bearer" in str(info.value)
    assert "xyz-123456" not in str(info.value)  # keys, never values


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (422, "rejected the request body; check [auth.login] body and format"),
        (401, "APP_EMAIL / APP_PASSWORD"),
    ],
)
def test_a_refused_login_says_what_likely_went_wrong(target: Target, status: int, hint: str) -> None:
    target.status = status
    with pytest.raises(LoginFailed) as info:
        login(NESTED, target.url, APP)
    assert hint in (info.value.hint or "")


def test_an_unset_variable_in_the_body_and_a_trailing_newline(target: Target) -> None:
    with pytest.raises(MissingCredential) as info:
        login(NESTED, target.url, {"APP_EMAIL": "kim@shelf.test"})
    assert info.value.name == "APP_PASSWORD"
    target.body = b'{"user": {"token": "tok-newline-1"}}'
    login(NESTED, target.url, {**APP, "APP_PASSWORD": "s3cret-shelf-pw\n"})
    assert target.received[-1][1] == {"user": {"email": "kim@shelf.test", "password": "s3cret-shelf-pw"}}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"path": "/x"}, "either body"),
        ({"body": {"a": "${A}"}, "username_env": "U", "password_env": "P"}, "not both"),
        ({"format": "xml", "body": {"a": "b"}}, "json"),
        ({"format": "form", "body": {"user": {"a": "b"}}}, "flat body"),
        ({"body": {"a": "b"}, "token_from": "query:x"}, "token_from"),
        ({"body": {"a": "b"}, "tokn": "x"}, "tokn"),
    ],
)
def test_bad_login_tables_are_refused(table: dict[str, object], message: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message.replace("[", "\\[")):
        LoginFlow.model_validate(table)


def test_a_cookie_session_from_the_login_answer(target: Target) -> None:
    target.headers = {"Set-Cookie": "session=sess-abc123456; Path=/; HttpOnly"}
    flow = NESTED.model_copy(update={"token": None, "token_from": "cookie:session"})
    env = Environment(name="x", auth=AuthConfig(header="Cookie", scheme="session=", login=flow))
    assert credentials(env, target.url, APP).headers == {"Cookie": "session=sess-abc123456"}
