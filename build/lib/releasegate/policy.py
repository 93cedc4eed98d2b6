"""The production policy, declared per layer and decided once for every layer.

Each :class:`~releasegate.spec.LayerSpec` declares what it does to the target
(:class:`~releasegate.spec.Policy`): ``reads``, ``writes`` or ``loads``. Against an
environment marked ``production = true``:

========  =====================================================================
reads     always runs
writes    runs in full with ``--allow-production`` (or the environment's
          ``allow_production_writes``); otherwise a layer that can narrow itself
          (``read_only_on_production``: contract's safe methods, e2e's smoke
          personas) runs read-only, and any other layer is refused
loads     runs only with ``--allow-production-load`` together with ``--max-rate``
========  =====================================================================

A refusal is a :class:`~releasegate.errors.UsageError` (exit 2), raised before the target
is resolved.
"""

from __future__ import annotations

from enum import StrEnum

from releasegate.config import Environment
from releasegate.errors import UsageError
from releasegate.spec import LayerSpec, Policy, RunOptions

__all__ = ["Access", "access"]


class Access(StrEnum):
    FULL = "full"
    READ_ONLY = "read-only"


def access(spec: LayerSpec, env: Environment, options: RunOptions) -> Access:
    """How ``spec`` may run against ``env``; UsageError (exit 2) when it may not run at all."""
    if spec.policy is Policy.READS or not env.production:
        return Access.FULL
    if spec.policy is Policy.LOADS:
        if options.allow_production_load and options.max_rate:
            return Access.FULL
        raise UsageError(
            f"environment {env.name!r} is marked production (production = true): "
            f"the {spec.name} layer generates load and refuses it",
            hint="pass --allow-production-load together with --max-rate N (requests per second), "
            "or run the layer against a staging environment, or leave it out with --layers",
        )
    if options.allow_production or env.allow_production_writes:
        return Access.FULL
    if spec.read_only_on_production:
        return Access.READ_ONLY
    raise UsageError(
        f"layer {spec.name!r} sends writes, and environment {env.name!r} is production "
        "(production = true); refusing to run it",
        hint="pass --allow-production if this is intended, or leave the layer out with --layers",
    )
