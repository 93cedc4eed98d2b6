"""The budgets a run is judged by when the configuration gives a layer none.

Without them a run with no ``[budgets]`` for a layer would judge nothing and end
INCONCLUSIVE whatever the target did. Each layer of the run that has no budget of its own in
the user's config gets the defaults below; every default carries the description
``default budget`` so reports say where it came from. A budget on any key of a layer
replaces all of that layer's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DEFAULT_BUDGETS", "DEFAULT_DESCRIPTION", "with_defaults"]

DEFAULT_DESCRIPTION = "default budget"


def _default(expr: str, **extra: Any) -> dict[str, Any]:
    return {"expr": expr, "description": DEFAULT_DESCRIPTION, **extra}


DEFAULT_BUDGETS: Mapping[str, Mapping[str, dict[str, Any]]] = {
    "smoke": {
        "smoke.checks_failed": _default("count == 0"),
        "smoke.availability": _default("rate >= 99.5%"),
    },
    "contract": {
        "contract.server_errors": _default("count == 0"),
    },
    "e2e": {
        "e2e.failed": _default("count == 0"),
    },
    "load": {
        "load.http_req_duration": _default("avg < 2s"),
        "load.http_req_failed": _default("rate < 0.5%"),
    },
    "web": {
        "web.largest_contentful_paint{page:*}": _default("median <= 2.5s"),
        "web.cumulative_layout_shift{page:*}": _default("median <= 0.1"),
        "web.total_blocking_time{page:*}": _default("median <= 200ms"),
    },
}


def _layer_of(key: str) -> str:
    return key.split(".", 1)[0].strip()


def with_defaults(budgets: Mapping[str, Any], layers: Iterable[str]) -> dict[str, Any]:
    """``budgets`` plus the defaults of each of ``layers`` that has no budget in it."""
    covered = {_layer_of(key) for key in budgets}
    merged: dict[str, Any] = {}
    for layer in dict.fromkeys(layers):
        if layer not in covered:
            merged.update(DEFAULT_BUDGETS.get(layer, {}))
    merged.update(budgets)
    return merged
