"""The registry of layers. Each layer lives in its own module exposing ``SPEC``."""

from __future__ import annotations

import importlib

from releasegate.config import LAYER_NAMES
from releasegate.errors import ConfigError
from releasegate.layers.base import (
    AbortRule,
    LayerContext,
    LayerSettings,
    LayerSpec,
    MetricSpec,
    RunOptions,
)

__all__ = [
    "LAYER_NAMES",
    "AbortRule",
    "LayerContext",
    "LayerSettings",
    "LayerSpec",
    "MetricSpec",
    "RunOptions",
    "available",
    "get",
]


def get(name: str) -> LayerSpec:
    """The spec of a layer by name; a ConfigError when it does not exist."""
    if name not in LAYER_NAMES:
        raise ConfigError(f"unknown layer {name!r}", hint=f"known layers: {', '.join(LAYER_NAMES)}")
    module = importlib.import_module(f"releasegate.layers.{name}")
    spec: LayerSpec = module.SPEC
    return spec


def available() -> dict[str, LayerSpec]:
    """Every layer whose module is installed, by name."""
    found: dict[str, LayerSpec] = {}
    for name in LAYER_NAMES:
        try:
            found[name] = get(name)
        except ModuleNotFoundError as exc:
            if exc.name != f"releasegate.layers.{name}":
                raise
    return found
