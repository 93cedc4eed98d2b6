"""Throwaway accounts: one unique to a run, made at its start and removed at its end.

Shared by the layers that act as a user: the e2e personas (through their app's adapter) and
the contract layer (through the environment's ``[auth.signup]``: a sign-up request, the
environment's own login with the generated email and password in place of its variables,
and an optional ``delete`` request sent with the account's token). Everything the account
leaves behind is reported, never raised: a clean-up problem must not hide the run's result.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets as _secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from releasegate.auth import Credentials, LoginFailed, MissingCredential, credentials, expand
from releasegate.config import ACCOUNT_NAME_VAR, AccountRequest, Environment, SignupFlow

__all__ = [
    "Account",
    "AccountError",
    "Throwaway",
    "delete_throwaway",
    "generated_email",
    "generated_password",
    "make_throwaway",
]

DEFAULT_DOMAIN = "example.com"


@dataclass(frozen=True)
class Account:
    """Who a run acts as. ``created`` accounts are removed at its end."""

    persona: str
    email: str
    password: str
    created: bool

    def __repr__(self) -> str:
        return f"Account(persona={self.persona!r}, email={self.email!r}, created={self.created})"


def generated_password(secret: str, run_id: str, persona: str) -> str:
    """The password of a generated account: derived, so the run can redact it from artifacts."""
    digest = hmac.new(secret.encode(), f"{run_id}:{persona}".encode(), hashlib.sha256).hexdigest()
    return f"Rg-{digest[:24]}"


def generated_email(run_id: str, persona: str, domain: str) -> str:
    safe = re.sub(r"[^a-z0-9-]", "-", run_id.lower())
    return f"rg-{safe}-{persona}@{domain}"


def handle(account: Account) -> str:
    """A user name for apps that want one next to the email: lowercase letters and digits."""
    return re.sub(r"[^a-z0-9]", "", account.email.split("@")[0].lower())[-30:]


class AccountError(Exception):
    """The environment did not make (or log in) the throwaway account."""


@dataclass(frozen=True)
class Throwaway:
    """A made account, logged in: ``credentials`` carry its token and every secret to mask."""

    account: Account
    credentials: Credentials = field(repr=False)
    environ: Mapping[str, str] = field(repr=False)  # the login variables replaced by the account's


def _url(path: str, base_url: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _send(
    request: AccountRequest | SignupFlow,
    body: dict[str, Any] | None,
    base_url: str,
    headers: Mapping[str, str],
    timeout_s: float,
) -> Any:
    import httpx

    payload: dict[str, Any] = {}
    if body is not None:
        payload = {"json": body} if request.format == "json" else {"data": body}
    url = _url(request.path, base_url)
    try:
        return httpx.request(request.method, url, headers=dict(headers), timeout=timeout_s, **payload)
    except httpx.HTTPError as exc:
        raise AccountError(f"{request.method} {request.path} failed: {type(exc).__name__}") from None


def _environ(env: Environment, account: Account, base: Mapping[str, str]) -> dict[str, str]:
    assert env.auth is not None
    names = env.auth.account_vars()
    assert names is not None
    email_var, password_var = names
    return {
        **base,
        email_var: account.email,
        password_var: account.password,
        ACCOUNT_NAME_VAR: handle(account),
    }


def make_throwaway(
    env: Environment,
    base_url: str,
    *,
    run_id: str,
    persona: str,
    environ: Mapping[str, str] | None = None,
    domain: str = DEFAULT_DOMAIN,
    timeout_s: float = 15.0,
) -> Throwaway:
    """Sign a unique account up through ``env.auth.signup`` and log it in with ``env.auth.login``."""
    assert env.auth is not None
    assert env.auth.signup is not None
    flow = env.auth.signup
    source = os.environ if environ is None else environ
    unique = f"{persona}-{_secrets.token_hex(3)}"
    account = Account(
        unique,
        generated_email(run_id, unique, domain),
        generated_password(_secrets.token_hex(16), run_id, unique),
        created=True,
    )
    replaced = _environ(env, account, source)
    headers = env.resolved_headers(dict(source))
    login = env.auth.login
    assert login is not None
    if flow.body is not None:
        try:
            body = expand(flow.body, replaced, "sign-up body")
        except MissingCredential as exc:
            raise AccountError(str(exc)) from None
    else:
        body = {login.username_field: account.email, login.password_field: account.password}
    response = _send(flow, body, base_url, headers, timeout_s)
    if response.status_code >= 400:
        raise AccountError(f"sign-up at {flow.path} answered HTTP {response.status_code}")
    try:
        signed_in = credentials(env, base_url, replaced, timeout_s=timeout_s)
    except (LoginFailed, MissingCredential) as exc:
        raise AccountError(f"the new account could not log in: {exc}") from None
    return Throwaway(account, signed_in, replaced)


def delete_throwaway(
    env: Environment, base_url: str, made: Throwaway, *, timeout_s: float = 15.0
) -> str | None:
    """Remove the account through ``env.auth.signup.delete``; a problem sentence, or None."""
    flow = env.auth.signup if env.auth else None
    if flow is None or flow.delete is None:
        return (
            f"account {made.account.email} remains: the environment declares no way to delete it "
            "([auth.signup] delete)"
        )
    request = flow.delete
    try:
        body = expand(request.body, made.environ, "delete body") if request.body is not None else None
        response = _send(request, body, base_url, made.credentials.headers, timeout_s)
    except (AccountError, MissingCredential) as exc:
        return f"account {made.account.email} remains: {exc}"
    if 200 <= response.status_code < 300:
        return None
    answered = f"{request.method} {request.path} answered {response.status_code}"
    return f"account {made.account.email} remains: {answered}"
