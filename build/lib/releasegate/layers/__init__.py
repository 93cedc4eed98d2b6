"""The layers: each lives in ``releasegate/layers/<name>.py`` exposing ``SPEC``.

Which layers exist is :mod:`releasegate.registry`'s one list; the contract types every
layer implements (:class:`~releasegate.spec.LayerSpec` and friends) live in the bottom
module :mod:`releasegate.spec`, so that gates and reports never import this package.
"""

from __future__ import annotations

import importlib

from releasegate.errors import ConfigError
from releasegate.registry import ENTRIES, STAGE_LAYERS
from releasegate.spec import LayerSpec

__all__ = ["LAYER_NAMES", "available", "get"]

LAYER_NAMES: tuple[str, ...] = STAGE_LAYERS
"""The layers a stage may run."""

_MODULES = {entry.name: entry.module for entry in ENTRIES}


def get(name: str) -> LayerSpec:
    """The spec of a layer by name; a ConfigError when it does not exist."""
    if name not in _MODULES:
        raise ConfigError(f"unknown layer {name!r}", hint=f"known layers: {', '.join(LAYER_NAMES)}")
    module = importlib.import_module(_MODULES[name])
    spec: LayerSpec = module.SPEC
    return spec


def available(*, stages_only: bool = False) -> dict[str, LayerSpec]:
    """Every layer whose module is installed, by name (with ``stages_only``: no pseudo-layers)."""
    found: dict[str, LayerSpec] = {}
    for name, module in _MODULES.items():
        if stages_only and name not in LAYER_NAMES:
            continue
        try:
            found[name] = get(name)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return found
