"""The contract layer's secrets: the bearer token it resolves, and the files it scrubs afterwards."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from releasegate.auth import Login, LoginFailed
from releasegate.config import AuthConfig, LoginFlow
from releasegate.errors import ConfigError
from releasegate.layers._contract import auth
from releasegate.layers._contract.auth import AuthFailed, resolve_token
from releasegate.scrub import scrub_tree


def test_scrub_masks_escaped_forms_inside_base64_and_html(tmp_path: Path) -> None:
    secret = 'tok</"PLANTED"-0123456789'
    escaped = json.dumps(secret)[1:-1]
    body = base64.b64encode(f'{{"echo": "{escaped}"}}'.encode()).decode()
    (tmp_path / "events.ndjson").write_text(json.dumps({"E": {"content": {"$base64": body}}}) + "\n")
    in_script = escaped.replace("<", "\\u003c").replace("/", "\\/")
    (tmp_path / "report.html").write_text(f'<script>var r = {{h: "{in_script}"}}</script>')
    assert len(scrub_tree(tmp_path, [secret])) == 2
    decoded = base64.b64decode(
        json.loads((tmp_path / "events.ndjson").read_text())["E"]["content"]["$base64"]
    )
    assert b"PLANTED" not in decoded
    assert "PLANTED" not in (tmp_path / "report.html").read_text()


LOGIN = AuthConfig(login=LoginFlow(username_env="RG_C_USER", password_env="RG_C_PASSWORD"))
SIGNED_IN = {"RG_C_USER": "pro@promptlib.test", "RG_C_PASSWORD": "correct-horse-1"}


@pytest.mark.parametrize(
    ("config", "environ", "named"),
    [
        (AuthConfig(token_env="RG_C_TOKEN"), {}, "RG_C_TOKEN (bearer token)"),
        (LOGIN, {}, "RG_C_USER (login user name)"),
        (LOGIN, {"RG_C_USER": "pro@promptlib.test"}, "RG_C_PASSWORD (login password)"),
    ],
    ids=["token", "user", "password"],
)
def test_an_unset_auth_variable_is_a_config_error(
    config: AuthConfig, environ: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=rf"auth: environment variable {re.escape(named)} is not set"):
        resolve_token(config, "http://127.0.0.1:9", environ=environ)


def test_a_token_from_the_environment_and_no_auth_need_no_login() -> None:
    from_env = AuthConfig(token_env="RG_C_TOKEN", login=LOGIN.login)
    assert resolve_token(from_env, "http://127.0.0.1:9", environ={"RG_C_TOKEN": "t0k3n"}) == "t0k3n"
    assert resolve_token(None, "http://h", environ={}) is None
    assert resolve_token(AuthConfig(), "http://h", environ={}) is None


def test_the_login_token_is_resolved_through_the_shared_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, float]] = []

    def fake_login(flow: LoginFlow, base_url: str, environ: dict[str, str], *, timeout_s: float) -> Login:
        seen.append((base_url, timeout_s))
        return Login("tok-0123456789", environ[flow.username_env], environ[flow.password_env])

    monkeypatch.setattr(auth, "login", fake_login)
    assert resolve_token(LOGIN, "http://h", environ=SIGNED_IN, timeout_s=3.0) == "tok-0123456789"
    assert seen == [("http://h", 3.0)]


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (
            LoginFailed(
                "login at http://h/api/auth/login answered HTTP 401", kind="refused", url="", status=401
            ),
            "login at http://h/api/auth/login answered HTTP 401; check the credentials in RG_C_USER / "
            "RG_C_PASSWORD",
        ),
        (
            LoginFailed("login at http://h/api/auth/login answered without a token", kind="no_token", url=""),
            "login at http://h/api/auth/login answered without a token",
        ),
    ],
    ids=["refused", "no-token"],
)
def test_a_failed_login_is_auth_failed(
    monkeypatch: pytest.MonkeyPatch, failure: LoginFailed, message: str
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> str:
        raise failure

    monkeypatch.setattr(auth, "login", refuse)
    with pytest.raises(AuthFailed) as info:
        resolve_token(LOGIN, "http://h", environ=SIGNED_IN)
    assert str(info.value) == message


def test_an_unreachable_login_is_auth_failed() -> None:
    with pytest.raises(
        AuthFailed, match=r"^login at http://127\.0\.0\.1:9/api/auth/login failed: ConnectError$"
    ):
        resolve_token(LOGIN, "http://127.0.0.1:9", environ=SIGNED_IN, timeout_s=5.0)
