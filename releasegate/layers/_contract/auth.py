"""The bearer token the contract layer sends: from an environment variable or a login flow run once.

The token never lands in a file: the runner hands it to schemathesis through the environment
variable :data:`TOKEN_VAR`, which the generated ``schemathesis.toml`` expands.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from releasegate.config import AuthConfig, LoginFlow
from releasegate.errors import ConfigError

__all__ = ["TOKEN_VAR", "AuthFailed", "resolve_token"]

TOKEN_VAR = "RELEASEGATE_CONTRACT_TOKEN"


class AuthFailed(Exception):
    """The login flow did not yield a token (the target refused or answered oddly)."""


def _env(name: str, environ: Mapping[str, str], what: str) -> str:
    value = environ.get(name)
    if not value:
        raise ConfigError(
            f"environment variable {name} ({what}) is not set",
            key="auth",
            hint=f"export {name}=... before the run, or remove the environment's auth settings",
        )
    return value


def _login(flow: LoginFlow, base_url: str, environ: Mapping[str, str], timeout_s: float) -> str:
    import httpx

    body = {
        flow.username_field: _env(flow.username_env, environ, "login user name"),
        flow.password_field: _env(flow.password_env, environ, "login password"),
    }
    url = base_url.rstrip("/") + "/" + flow.path.lstrip("/")
    try:
        response = httpx.post(url, json=body, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise AuthFailed(f"login at {url} failed: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise AuthFailed(
            f"login at {url} answered HTTP {response.status_code}; check the credentials in "
            f"{flow.username_env} / {flow.password_env}"
        )
    try:
        token = response.json().get(flow.token_field)
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise AuthFailed(f"login at {url} answered without a {flow.token_field!r} field in its JSON body")
    return token


def resolve_token(
    auth: AuthConfig | None,
    base_url: str,
    *,
    environ: Mapping[str, str] | None = None,
    timeout_s: float = 15.0,
) -> str | None:
    """The bearer token for this environment, or None when it has no auth settings."""
    env = os.environ if environ is None else environ
    if auth is None:
        return None
    if auth.token_env:
        return _env(auth.token_env, env, "bearer token")
    if auth.login:
        return _login(auth.login, base_url, env, timeout_s)
    return None
