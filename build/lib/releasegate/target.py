"""Resolving the environment a run verifies into a base URL.

Three ways, in this order: ``--base-url URL`` (optionally with ``--env NAME`` for that
environment's checks), ``--env NAME`` from the config, or the embedded ``demo`` environment,
which starts ``fixtures/promptlib`` on a free loopback port and stops it when the run ends,
also on Ctrl-C and on errors (use :func:`resolve` as a context manager).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from releasegate.config import Config, Environment
from releasegate.configfile import environment_named
from releasegate.errors import TargetError, UsageError

__all__ = ["Target", "check_url", "resolve", "select_environment"]

ADHOC_NAME = "url"


@dataclass
class Target:
    """A resolved environment: where it is and, for the embedded one, how to stop it."""

    environment: Environment
    base_url: str
    embedded: bool = False
    faults: tuple[str, ...] = ()
    _app: Any = field(default=None, repr=False)

    def stop(self) -> None:
        app, self._app = self._app, None
        if app is not None:
            app.stop()


def check_url(url: str, *, what: str = "--base-url") -> str:
    """A base URL with scheme http(s) and a host, without a trailing slash; UsageError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{what} {url!r} is not an http(s) URL",
            hint="give a full URL such as https://staging.example.com or http://127.0.0.1:8000",
        )
    try:
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        raise UsageError(f"{what} {url!r} has an invalid port") from None
    return url.rstrip("/")


def select_environment(
    config: Config, *, env_name: str | None, base_url: str | None, openapi: str | None = None
) -> Environment:
    """The Environment a run uses, with ``--base-url``/``--openapi`` applied (not started)."""
    if env_name:
        env = environment_named(config, env_name).model_copy(deep=True)
    elif base_url:
        env = Environment(name=ADHOC_NAME)
    else:
        env = environment_named(config, config.default_environment).model_copy(deep=True)
    updates: dict[str, Any] = {}
    if base_url:
        updates.update(base_url=check_url(base_url), embedded=False)
    if openapi:
        updates["openapi"] = openapi
    env = env.model_copy(update=updates)
    if not env.embedded and not env.base_url:
        raise UsageError(
            f"environment {env.name!r} has no base_url and is not embedded",
            hint=f"set base_url in [environments.{env.name}] or pass --base-url URL",
        )
    return env


@contextlib.contextmanager
def resolve(environment: Environment, *, faults: Sequence[str] = ()) -> Iterator[Target]:
    """Yield a Target for ``environment``; start and stop the embedded target around it."""
    if not environment.embedded:
        if faults:
            raise UsageError(
                "--demo-faults only applies to the embedded demo target",
                hint=f"environment {environment.name!r} is at {environment.base_url}; drop --demo-faults",
            )
        assert environment.base_url is not None
        yield Target(environment=environment, base_url=check_url(environment.base_url, what="base_url"))
        return
    target = _start_embedded(environment, faults)
    try:
        yield target
    finally:
        target.stop()


def _start_embedded(environment: Environment, faults: Sequence[str]) -> Target:
    wanted = tuple(faults) if faults else tuple(environment.faults)
    try:
        from releasegate.fixtures.promptlib.faults import FaultError, parse_faults
        from releasegate.fixtures.promptlib.launcher import start
    except ImportError as exc:
        raise TargetError(
            f"the embedded demo target cannot be imported: {exc}",
            hint="install releasegate with its fixtures (pip install -e .) or pass --base-url URL",
        ) from None
    try:
        parse_faults(list(wanted))
    except FaultError as exc:
        raise UsageError(f"--demo-faults: {exc}") from None
    try:
        app = start(faults=",".join(wanted) or None, commit=None)
    except Exception as exc:
        raise TargetError(
            f"the embedded demo target did not start: {type(exc).__name__}: {exc}",
            hint="run `python -m releasegate.fixtures.promptlib --port 0` to see why",
        ) from None
    env = environment.model_copy(update={"base_url": app.url})
    return Target(environment=env, base_url=app.url, embedded=True, faults=wanted, _app=app)
