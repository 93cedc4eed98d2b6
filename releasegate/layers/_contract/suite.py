"""What the contract layer takes from ``suites/contract``: the base config and the hooks module."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from releasegate.errors import ConfigError

__all__ = ["HOOKS_ENV", "suite_config", "suite_env"]

HOOKS_ENV = "SCHEMATHESIS_HOOKS"


def _suite_dir() -> Path | None:
    found = importlib.util.find_spec("suites.contract")
    if found is None or not found.submodule_search_locations:
        return None
    return Path(next(iter(found.submodule_search_locations)))


def suite_config(path: str | None) -> str:
    """The schemathesis.toml text a run starts from: ``path``, else the suite's, else nothing."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(
                f"{path} does not exist", key="layers.contract.base_config", hint="name a schemathesis.toml"
            )
        return file.read_text(encoding="utf-8")
    folder = _suite_dir()
    default = folder / "schemathesis.toml" if folder else None
    return default.read_text(encoding="utf-8") if default and default.is_file() else ""


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
