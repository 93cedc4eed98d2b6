"""The login flow the layers share: credentials from the environment, a token from the answer."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from releasegate.auth import Login, LoginFailed, MissingCredential, login
from releasegate.config import LoginFlow

FLOW = LoginFlow(username_env="RG_TEST_USER", password_env="RG_TEST_PASSWORD")
ENV = {"RG_TEST_USER": "pro@promptlib.test", "RG_TEST_PASSWORD": "correct-horse-1"}


@dataclass
class Target:
    """A stand-in login endpoint: answers every POST with ``status`` and ``body``, records requests."""

    url: str
    status: int = 200
    body: bytes = b'{"access_token": "tok-0123456789"}'
    received: list[tuple[str, object]] = field(default_factory=list)


@pytest.fixture
def target() -> Iterator[Target]:
    state = Target(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.received.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
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
    [b'{"token": "tok-0123456789"}', b'{"access_token": ""}', b'{"access_token": 42}', b"[]", b"<html>"],
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
