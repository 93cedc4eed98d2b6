"""Request headers for Lighthouse: the environment's headers for every page, credentials for
pages marked ``auth = true``. Every value is also returned as a secret to scrub from reports."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from releasegate.auth import LoginFailed, MissingCredential, expand, login, refusal_hint
from releasegate.config import LoginFlow
from releasegate.errors import LayerError
from releasegate.layers._web.settings import WebSettings
from releasegate.spec import LayerContext


@dataclass(frozen=True)
class Credentials:
    common: Mapping[str, str] = field(default_factory=dict)
    private: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    missing: str | None = None  # why pages with auth = true cannot be signed in
    storage: tuple[tuple[str, str, str], ...] = ()  # (area, key, value) for pages with auth = true

    def headers_for(self, auth: bool) -> dict[str, str]:
        return {**self.common, **self.private} if auth else dict(self.common)


def resolve(
    ctx: LayerContext, settings: WebSettings, environ: Mapping[str, str] | None = None
) -> Credentials:
    env = os.environ if environ is None else environ
    common = ctx.environment.resolved_headers(dict(env))
    cookies: list[str] = []
    secrets: list[str] = [*ctx.secrets, *common.values()]
    missing: list[str] = []
    if settings.cookie_env:
        value = env.get(settings.cookie_env)
        if value:
            cookies.append(value)
            secrets += [value, *(part.split("=", 1)[-1].strip() for part in value.split(";"))]
        else:
            missing.append(f"environment variable {settings.cookie_env} (cookie_env) is not set")
    token: str | None = None
    if settings.session_cookie or settings.storage:
        token, creds = _token(ctx, env)
        secrets += creds
    storage: list[tuple[str, str, str]] = []
    for area, item in settings.storage.items():
        value = item.get("value", "")
        if "${token}" in value:
            if not token:
                missing.append("storage uses ${token} but the environment has no [auth] token_env or login")
                continue
            value = value.replace("${token}", token)
        try:
            value = str(expand(value, env, f"[layers.web] storage.{area}"))
        except MissingCredential as exc:
            missing.append(str(exc))
            continue
        storage.append((area, item.get("key", ""), value))
        secrets.append(value)
    if settings.session_cookie:
        if token:
            cookies.append(f"{settings.session_cookie}={token}")
            secrets.append(token)
        else:
            missing.append("session_cookie is set but the environment has no [auth] token_env or login")
    if not settings.cookie_env and not settings.session_cookie and not settings.storage:
        missing.append("no credentials configured: set cookie_env, session_cookie or storage in [layers.web]")
    private = {"Cookie": "; ".join(cookies)} if cookies else {}
    kept = tuple(sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True))
    signed_in = bool(cookies or storage) and not (settings.storage and len(storage) < len(settings.storage))
    return Credentials(common, private, kept, None if signed_in else "; ".join(missing), tuple(storage))


def _token(ctx: LayerContext, env: Mapping[str, str]) -> tuple[str | None, list[str]]:
    auth = ctx.environment.auth
    if auth is None:
        return None, []
    if auth.token_env and env.get(auth.token_env):
        return env[auth.token_env], []
    flow = auth.login
    if flow is None:
        return None, []
    try:
        signed_in = login(flow, ctx.base_url, env)
    except MissingCredential:
        raise LayerError(
            "web",
            f"cannot sign in for pages with auth = true: {' / '.join(flow.variables())} are not set",
            hint="export the persona's credentials, or drop auth = true from the page",
        ) from None
    except LoginFailed as exc:
        raise _sign_in_error(flow, exc) from None
    return signed_in.token, [signed_in.username, signed_in.password]


def _sign_in_error(flow: LoginFlow, failure: LoginFailed) -> LayerError:
    if failure.kind == "refused":
        return LayerError(
            "web",
            f"sign-in at {flow.method} {flow.path} answered HTTP {failure.status}",
            hint=failure.hint or refusal_hint(flow, failure.status or 0),
        )
    if failure.kind == "no_token":
        field_name = flow.token_path or "access_token"
        return LayerError("web", f"sign-in response has no {field_name!r} field", hint=failure.hint)
    return LayerError("web", f"sign-in at {failure.url} failed: {failure.cause}")
