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
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from releasegate.config import VAR_PATTERN, Environment, LoginFlow

__all__ = [
    "Credentials",
    "FailureKind",
    "Login",
    "LoginFailed",
    "MissingCredential",
    "credentials",
    "expand",
    "login",
    "refusal_hint",
    "renew_at",
]

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
        self,
        message: str,
        *,
        kind: FailureKind,
        url: str,
        status: int | None = None,
        cause: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.url = url
        self.status = status
        self.cause = cause  # the HTTP client's exception name, for "unreachable"
        self.hint = hint  # what likely went wrong, for the user


@dataclass(frozen=True)
class Login:
    """What one login yielded: the token and the credentials that obtained it (all secrets)."""

    token: str = field(repr=False)
    username: str = field(repr=False)
    password: str = field(repr=False)
    expires_in: float | None = None  # seconds, when the answer said so (OAuth2 ``expires_in``)
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)  # every credential sent


def expand(value: Any, environ: Mapping[str, str], what: str = "login body") -> Any:
    """``value`` with every ``${VAR}`` replaced from ``environ``; MissingCredential when unset."""
    if isinstance(value, str):

        def one(match: re.Match[str]) -> str:
            return _credential(environ, match.group(1), what)

        return VAR_PATTERN.sub(one, value)
    if isinstance(value, dict):
        return {k: expand(v, environ, what) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, environ, what) for v in value]
    return value


def _body(flow: LoginFlow, env: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    if flow.body is not None:
        names = flow.variables()
        return expand(flow.body, env), [_credential(env, n, "login body") for n in names]
    assert flow.username_env
    assert flow.password_env
    username = _credential(env, flow.username_env, "login user name")
    password = _credential(env, flow.password_env, "login password")
    return {flow.username_field: username, flow.password_field: password}, [username, password]


def _url(flow: LoginFlow, base_url: str) -> str:
    if flow.path.startswith(("http://", "https://")):
        return flow.path
    return base_url.rstrip("/") + "/" + flow.path.lstrip("/")


def _dig(answer: Any, path: str) -> Any:
    for part in path.split("."):
        answer = answer.get(part) if isinstance(answer, dict) else None
    return answer


def _keys(answer: Any, prefix: str = "") -> list[str]:
    if not isinstance(answer, dict):
        return []
    out: list[str] = []
    for key, value in answer.items():
        out.append(prefix + str(key))
        out += _keys(value, prefix + str(key) + ".")
    return out


def _token_of(flow: LoginFlow, response: Any, url: str) -> tuple[str, float | None]:
    kind, _, name = (flow.token_from or "json").partition(":")
    if kind == "header":
        value = response.headers.get(name)
        if not value:
            raise LoginFailed(f"login at {url} answered without a {name} header", kind="no_token", url=url)
        return str(value), None
    if kind == "cookie":
        value = response.cookies.get(name)
        if not value:
            raise LoginFailed(f"login at {url} set no {name!r} cookie", kind="no_token", url=url)
        return str(value), None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    paths = [flow.token_path] if flow.token_path else ["access_token", "token"]
    for path in paths:
        token = _dig(answer, path)
        if isinstance(token, str) and token:
            expires = _dig(answer, "expires_in")
            return token, float(expires) if isinstance(expires, int | float) else None
    found = ", ".join(_keys(answer)) or "no JSON object"
    raise LoginFailed(
        f"login at {url} answered without a {paths[0]!r} field"
        + (f" (nor {paths[1]!r})" if len(paths) > 1 else "")
        + f" in its JSON body (keys there: {found})",
        kind="no_token",
        url=url,
        hint='set [auth.login] token to the dotted path of the token, e.g. token = "user.token"',
    )


def refusal_hint(flow: LoginFlow, status: int) -> str:
    names = " / ".join(flow.variables()) or "the login variables"
    if status in {422, 400}:
        return "the login endpoint rejected the request body; check [auth.login] body and format"
    if status in (401, 403):
        return f"check the credentials in {names}"
    if status in (404, 405):
        return "check [auth.login] path and method"
    return f"check [auth.login] and the credentials in {names}"


def login(
    flow: LoginFlow,
    base_url: str,
    environ: Mapping[str, str] | None = None,
    *,
    timeout_s: float = 15.0,
    headers: Mapping[str, str] | None = None,
) -> Login:
    """Send the flow's body to its path on ``base_url`` (or its full URL); the token from the answer.

    ``headers`` are sent along (an environment's own headers, e.g. a gateway key).
    """
    env = os.environ if environ is None else environ
    body, values = _body(flow, env)
    import httpx

    url = _url(flow, base_url)
    payload: dict[str, Any] = {"json": body} if flow.format == "json" else {"data": body}
    try:
        response = httpx.request(flow.method, url, headers=dict(headers or {}), timeout=timeout_s, **payload)
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
            hint=refusal_hint(flow, response.status_code),
        )
    token, expires = _token_of(flow, response, url)
    username = values[0] if values else ""
    password = values[1] if len(values) > 1 else ""
    return Login(token, username, password, expires, tuple(values))


def _credential(environ: Mapping[str, str], name: str, what: str) -> str:
    value = (environ.get(name) or "").strip()  # `echo $TOKEN > file` leaves a newline
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
    expires_in: float | None = None  # seconds, when the login said so


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
    expires: float | None = None
    auth = env.auth
    if auth is not None and auth.token_env:
        token = _credential(source, auth.token_env, "token")
    elif auth is not None and auth.login is not None:
        signed_in = login(auth.login, base_url, source, timeout_s=timeout_s, headers=headers)
        token = signed_in.token
        expires = signed_in.expires_in
        secrets += [signed_in.username, signed_in.password, *signed_in.secrets]
    if token and auth is not None:
        headers = {**headers, auth.header: auth.header_value(token)}
        secrets += [token, headers[auth.header]]
    kept = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))
    return Credentials(headers, token, kept, expires)


RENEW_MARGIN_S = 30.0


def renew_at(expires_in: float | None, now: float | None = None) -> float | None:
    """When to renew a token that lives ``expires_in`` seconds: a fifth of its life (at most
    :data:`RENEW_MARGIN_S`) before it expires; None when the login did not say."""
    if not expires_in:
        return None
    return (time.time() if now is None else now) + expires_in - min(RENEW_MARGIN_S, expires_in / 5.0)
