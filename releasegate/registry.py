"""The registry of layers: one entry per layer, the only list of layer names in the engine.

A layer is a module ``releasegate/layers/<name>.py`` exposing ``SPEC`` (a
:class:`~releasegate.spec.LayerSpec`) plus its private package ``releasegate/layers/_<name>/``
and its content folder ``suites/<name>/``. Adding one means adding its entry here; the
config, the CLI, the engine and the gates learn everything else from its spec.

This module is at the bottom (it imports nothing of releasegate), so the configuration
models can check stage lists against it without importing any layer.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ENTRIES", "STAGE_LAYERS", "Entry", "default_stages"]


@dataclass(frozen=True)
class Entry:
    name: str
    module: str
    in_stages: bool = True  # False: a pseudo-layer run by its own command (preflight)
    default_stages: tuple[str, ...] = ("pre-deploy",)  # stages it joins when the config has none


ENTRIES: tuple[Entry, ...] = (
    Entry("smoke", "releasegate.layers.smoke", default_stages=("pre-deploy", "post-deploy")),
    Entry("contract", "releasegate.layers.contract"),
    Entry("e2e", "releasegate.layers.e2e", default_stages=("pre-deploy", "post-deploy")),
    Entry("load", "releasegate.layers.load"),
    Entry("web", "releasegate.layers.web"),
    Entry("watch", "releasegate.layers.watch", default_stages=("post-deploy",)),
    Entry("preflight", "releasegate.layers.preflight", in_stages=False, default_stages=()),
)

STAGE_LAYERS: tuple[str, ...] = tuple(e.name for e in ENTRIES if e.in_stages)
"""The layers a stage may list, in the registry's order."""


def default_stages() -> dict[str, list[str]]:
    """Stage name -> its layers, for a config that defines no stages."""
    stages: dict[str, list[str]] = {}
    for entry in ENTRIES:
        for stage in entry.default_stages:
            stages.setdefault(stage, []).append(entry.name)
    return stages
