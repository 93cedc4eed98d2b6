"""The pytest plugin the suites run under (registered through the ``pytest11`` entry point).

* ``base_url`` is pytest-base-url's fixture and ``--base-url`` its option; this plugin only
  fills the option in when it is not given: from ``RELEASEGATE_BASE_URL``, else from the
  selected environment's ``base_url``.
* ``--rg-env NAME`` (or ``RELEASEGATE_ENV``) selects the environment from the config
  (``--rg-config FILE`` or ``RELEASEGATE_CONFIG``, else ``releasegate.toml`` found upwards).
* Fixtures: ``rg_config``, ``rg_environment``, ``http_client`` (httpx, with the
  environment's headers) and ``auth_client`` (a bearer token from the environment's
  ``auth`` settings; skipped when no credentials are configured).

Nothing is loaded unless a suite asks for it, so the plugin costs nothing elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from releasegate.config import Config, Environment
from releasegate.configfile import CONFIG_ENV, environment_named, load_config
from releasegate.errors import ReleasegateError

if TYPE_CHECKING:
    import httpx

__all__ = ["STATE", "PluginState"]

ENV_VAR = "RELEASEGATE_ENV"
BASE_URL_VAR = "RELEASEGATE_BASE_URL"
HTTP_TIMEOUT_S = 15.0


@dataclass
class PluginState:
    env_name: str | None
    config_path: str | None
    config: Config | None = None

    def load(self) -> Config:
        if self.config is None:
            self.config = load_config(self.config_path)
        return self.config

    def environment(self) -> Environment:
        config = self.load()
        return environment_named(config, self.env_name or config.default_environment)


STATE = pytest.StashKey[PluginState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("releasegate")
    group.addoption("--rg-env", metavar="NAME", default=None, help="environment from releasegate.toml")
    group.addoption("--rg-config", metavar="FILE", default=None, help="releasegate.toml to use")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    state = PluginState(
        env_name=config.getoption("rg_env") or os.environ.get(ENV_VAR) or None,
        config_path=config.getoption("rg_config") or os.environ.get(CONFIG_ENV) or None,
    )
    config.stash[STATE] = state
    if not hasattr(config.option, "base_url") or config.option.base_url:
        return
    if os.environ.get(BASE_URL_VAR):
        config.option.base_url = os.environ[BASE_URL_VAR]
    elif state.env_name:
        try:
            env = state.environment()
        except ReleasegateError as exc:
            raise pytest.UsageError(f"releasegate: {exc}") from None
        if env.base_url:
            config.option.base_url = env.base_url


@pytest.fixture(scope="session")
def rg_config(pytestconfig: pytest.Config) -> Config:
    """The validated releasegate config."""
    try:
        return pytestconfig.stash[STATE].load()
    except ReleasegateError as exc:
        raise pytest.UsageError(f"releasegate: {exc}") from None


@pytest.fixture(scope="session")
def rg_environment(pytestconfig: pytest.Config, rg_config: Config) -> Environment:
    """The environment under test (``--rg-env`` / ``RELEASEGATE_ENV`` / the default)."""
    try:
        return pytestconfig.stash[STATE].environment()
    except ReleasegateError as exc:
        raise pytest.UsageError(f"releasegate: {exc}") from None


def _require_base_url(base_url: str | None) -> str:
    if not base_url:
        pytest.skip("no base URL: pass --base-url URL or --rg-env NAME")
    return base_url


@pytest.fixture(scope="session")
def http_client(base_url: str | None, rg_environment: Environment) -> Iterator[httpx.Client]:
    """An httpx client on ``base_url`` carrying the environment's configured headers."""
    import httpx

    url = _require_base_url(base_url)
    with httpx.Client(
        base_url=url, headers=rg_environment.resolved_headers(), timeout=HTTP_TIMEOUT_S
    ) as client:
        yield client


def bearer_token(env: Environment, base_url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A token from ``auth.token_env``, or by logging in with ``auth.login``; None when not configured."""
    from releasegate.auth import LoginFailed, MissingCredential, login

    values = os.environ if environ is None else environ
    auth = env.auth
    if auth is None:
        return None
    if auth.token_env and values.get(auth.token_env):
        return values[auth.token_env]
    if auth.login is None:
        return None
    try:
        return login(auth.login, base_url, values, headers=env.resolved_headers(values)).token
    except MissingCredential:
        return None
    except LoginFailed as exc:
        raise pytest.fail.Exception(str(exc)) from None


@pytest.fixture(scope="session")
def auth_client(base_url: str | None, rg_environment: Environment) -> Iterator[httpx.Client]:
    """An httpx client with a bearer token; skipped when the environment configures no credentials."""
    import httpx

    url = _require_base_url(base_url)
    token = bearer_token(rg_environment, url)
    if token is None:
        pytest.skip(
            f"environment {rg_environment.name!r} configures no credentials (auth.token_env / auth.login)"
        )
    auth = rg_environment.auth
    assert auth is not None  # bearer_token answered a token
    headers = {**rg_environment.resolved_headers(), auth.header: auth.header_value(token)}
    with httpx.Client(base_url=url, headers=headers, timeout=HTTP_TIMEOUT_S) as client:
        yield client
