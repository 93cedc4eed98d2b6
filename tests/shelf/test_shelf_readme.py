"""The README's releasegate environments for Shelf: their `auth` tables are what the harness reads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from releasegate.auth import login
from releasegate.config import AuthConfig, Environment
from releasegate.fixtures.shelf.launcher import start

README = Path(__file__).resolve().parents[2] / "fixtures" / "shelf" / "README.md"


def _environments() -> dict[str, Any]:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    found: dict[str, Any] = {}
    for block in blocks:
        found.update(tomllib.loads(block).get("environments", {}))
    return found


def test_the_readme_shows_both_logins() -> None:
    environments = _environments()
    assert set(environments) == {"shelf", "shelf-oauth"}
    assert environments["shelf"]["openapi"] == "/v2/api/openapi.json"
    assert environments["shelf"]["health"]["path"] == "/v2/status"


@pytest.mark.parametrize("name", ["shelf", "shelf-oauth"])
def test_each_environment_is_valid_harness_config(name: str) -> None:
    """The whole table validates; the `health` table is the target shape, so until the harness
    reads it, it stands for `health_path`."""
    table = dict(_environments()[name])
    if "health" not in Environment.model_fields:
        table["health_path"] = table.pop("health")["path"]
    environment = Environment(**table)
    assert environment.base_url == "http://127.0.0.1:8801"
    assert environment.web_url == "http://127.0.0.1:8802"
    assert environment.openapi == "/v2/api/openapi.json"


@pytest.mark.parametrize(
    ("name", "scheme", "path", "fmt", "token"),
    [
        ("shelf", "Token", "/v2/api/users/login", "json", "user.token"),
        ("shelf-oauth", "Bearer", "/v2/oauth/token", "form", "access_token"),
    ],
)
def test_each_auth_table_is_valid_harness_config(
    name: str, scheme: str, path: str, fmt: str, token: str
) -> None:
    auth = AuthConfig(**_environments()[name]["auth"])
    assert auth.scheme == scheme
    assert auth.login is not None
    assert (auth.login.path, auth.login.format, auth.login.token_path) == (path, fmt, token)
    assert auth.variables() == ["SHELF_EMAIL", "SHELF_PASSWORD"]


@pytest.mark.integration
def test_the_harness_logs_in_with_each_readme_environment() -> None:
    """The documented config against a live Shelf: releasegate's own login, then a signed-in call."""
    environ = {"SHELF_EMAIL": "harness@shelf.test", "SHELF_PASSWORD": "harness-password-1"}
    with start(seed_user=(environ["SHELF_EMAIL"], environ["SHELF_PASSWORD"]), seed_books=False) as running:
        for name, environment in _environments().items():
            auth = AuthConfig(**environment["auth"])
            assert auth.login is not None
            token = login(auth.login, running.api_url, environ).token
            me = httpx.get(
                f"{running.api_url}/v2/api/user", headers={auth.header: auth.header_value(token)}, timeout=10
            )
            assert me.status_code == 200, (name, me.text)
            assert me.json()["user"]["token"] == token
