"""The bearer token the contract layer sends: from an environment variable or a login flow run once.

The token never lands in a file: the runner hands it to schemathesis through the environment
variable :data:`TOKEN_VAR`, which the generated ``schemathesis.toml`` expands.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from releasegate.auth import LoginFailed, MissingCredential, login, refusal_hint
from releasegate.config import AuthConfig, LoginFlow
from releasegate.errors import ConfigError

__all__ = ["TOKEN_VAR", "AuthFailed", "resolve_token"]

TOKEN_VAR = "RELEASEGATE_CONTRACT_TOKEN"


class AuthFailed(Exception):
    """The login flow did not yield a token (the target refused or answered oddly)."""


def _unset(name: str, what: str) -> ConfigError:
    return ConfigError(
        f"environment variable {name} ({what}) is not set",
        key="auth",
        hint=f"export {name}=... before the run, or remove the environment's auth settings",
    )


def _env(name: str, environ: Mapping[str, str], what: str) -> str:
    value = environ.get(name)
    if not value:
        raise _unset(name, what)
    return value


def _login(flow: LoginFlow, base_url: str, environ: Mapping[str, str], timeout_s: float) -> str:
    try:
        signed_in = login(flow, base_url, environ, timeout_s=timeout_s)
    except MissingCredential as exc:
        raise _unset(exc.name, exc.what) from None
    except LoginFailed as exc:
        hint = exc.hint or (refusal_hint(flow, exc.status) if exc.status else None)
        raise AuthFailed(f"{exc}; {hint}" if hint else str(exc)) from None
    return signed_in.token


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
