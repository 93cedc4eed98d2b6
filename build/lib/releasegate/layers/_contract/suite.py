"""Where a contract run starts from: the user's (or the suite's) schemathesis.toml and hooks module."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

from releasegate.errors import ConfigError

__all__ = ["CONFIG_NAME", "HOOKS_ENV", "find_project_config", "suite_config", "suite_env"]

HOOKS_ENV = "SCHEMATHESIS_HOOKS"
CONFIG_NAME = "schemathesis.toml"


def _suite_dir() -> Path | None:
    found = importlib.util.find_spec("releasegate.suites.contract")
    if found is None or not found.submodule_search_locations:
        return None
    return Path(next(iter(found.submodule_search_locations)))


def find_project_config(start: Path | None = None) -> Path | None:
    """``schemathesis.toml`` as schemathesis finds it: the working directory, then its parents up
    to the repository root (a directory holding ``.git``)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def suite_config(path: str | None, start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """The schemathesis settings a run starts from and their file: ``[layers.contract] config``,
    else the project's ``schemathesis.toml``, else the suite's (``suites/contract``)."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(
                f"{path} does not exist", key="layers.contract.config", hint="name a schemathesis.toml"
            )
        return _read(file), file
    found = find_project_config(start)
    if found is None:
        folder = _suite_dir()
        found = folder / CONFIG_NAME if folder and (folder / CONFIG_NAME).is_file() else None
    return (_read(found), found) if found else ({}, None)


def _read(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"{file} is not a valid schemathesis.toml: {exc}", key="layers.contract.config"
        ) from None


def suite_env(module: str | None) -> dict[str, str]:
    """``SCHEMATHESIS_HOOKS`` for the child when the hooks module is importable here."""
    if not module:
        return {}
    try:
        found = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        found = None
    if found is None:
        raise ConfigError(
            f"hooks module {module!r} cannot be imported",
            key="layers.contract.hooks",
            hint='name an importable module of schemathesis hooks, or set hooks = "" for none',
        )
    return {HOOKS_ENV: module}
