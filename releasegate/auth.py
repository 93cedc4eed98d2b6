"""An environment's auth for every layer: headers, a token (static or from a login), secrets.

:func:`credentials` is what the layers call: the environment's ``headers_from_env`` and an
``Authorization`` header from ``auth.token_env`` or a login run once, with every value to mask.

An environment's ``[auth.login]`` names the variables holding a user name and a password;
:func:`login` posts them as JSON to the target's login path and returns the token its
answer carries. The layers that sign in turn :class:`MissingCredential` and
:class:`LoginFailed` into errors of their own, naming their own settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from releasegate.config import Environment, LoginFlow

__all__ = ["Credentials", "FailureKind", "Login", "LoginFailed", "MissingCredential", "credentials", "login"]

FailureKind = Literal["unreachable", "refused", "no_token"]


class MissingCredential(Exception):
    """An environment variable the login flow reads is not set (or empty)."""

    def __init__(self, name: str, what: str) -> None:
        super().__init__(f"environment variable {name} ({what}) is not set")
        self.name = name
        self.what = what


class LoginFailed(Exception):
    """The target handed out no token: unreachable, refused (with ``status``), or no token field."""

    def __init__(
        self, message: str, *, kind: FailureKind, url: str, status: int | None = None, cause: str = ""
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.url = url
        self.status = status
        self.cause = cause  # the HTTP client's exception name, for "unreachable"


@dataclass(frozen=True)
class Login:
    """What one login yielded: the token, and the credentials that obtained it (all secrets)."""

    token: str = field(repr=False)
    username: str = field(repr=False)
    password: str = field(repr=False)


def login(
    flow: LoginFlow,
    base_url: str,
    environ: Mapping[str, str] | None = None,
    *,
    timeout_s: float = 15.0,
    headers: Mapping[str, str] | None = None,
) -> Login:
    """POST the flow's credentials to its path on ``base_url``; the token from the JSON answer.

    ``headers`` are sent along (an environment's own headers, e.g. a gateway key).
    """
    env = os.environ if environ is None else environ
    username = _credential(env, flow.username_env, "login user name")
    password = _credential(env, flow.password_env, "login password")
    import httpx

    url = base_url.rstrip("/") + "/" + flow.path.lstrip("/")
    body = {flow.username_field: username, flow.password_field: password}
    try:
        response = httpx.post(url, json=body, headers=dict(headers or {}), timeout=timeout_s)
    except httpx.HTTPError as exc:
        cause = type(exc).__name__
        raise LoginFailed(
            f"login at {url} failed: {cause}", kind="unreachable", url=url, cause=cause
        ) from None
    if response.status_code >= 400:
        raise LoginFailed(
            f"login at {url} answered HTTP {response.status_code}",
            kind="refused",
            url=url,
            status=response.status_code,
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    token = answer.get(flow.token_field) if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise LoginFailed(
            f"login at {url} answered without a {flow.token_field!r} field in its JSON body",
            kind="no_token",
            url=url,
        )
    return Login(token, username, password)


def _credential(environ: Mapping[str, str], name: str, what: str) -> str:
    value = environ.get(name)
    if not value:
        raise MissingCredential(name, what)
    return value


@dataclass(frozen=True)
class Credentials:
    """What an environment's auth gives every layer: request headers and the secrets to mask.

    ``headers`` holds the environment's ``headers_from_env`` plus ``Authorization`` when it
    has a token (``auth.token_env``, or a login run once); ``secrets`` every value involved
    (header values, the token with and without its scheme, the login's credentials).
    """

    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    token: str | None = field(default=None, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)


def credentials(
    env: Environment,
    base_url: str,
    environ: Mapping[str, str] | None = None,
    *,
    timeout_s: float = 15.0,
) -> Credentials:
    """The headers and secrets of ``env``'s auth (MissingCredential / LoginFailed on failure)."""
    source = os.environ if environ is None else environ
    headers = env.resolved_headers(dict(source))
    secrets = list(headers.values())
    token: str | None = None
    auth = env.auth
    if auth is not None and auth.token_env:
        token = _credential(source, auth.token_env, "bearer token")
    elif auth is not None and auth.login is not None:
        signed_in = login(auth.login, base_url, source, timeout_s=timeout_s, headers=headers)
        token = signed_in.token
        secrets += [signed_in.username, signed_in.password]
    if token:
        headers = {**headers, "Authorization": f"Bearer {token}"}
        secrets += [token, headers["Authorization"]]
    kept = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))
    return Credentials(headers, token, kept)
