"""Glob selectors judge each matching tag value on its own. Pure.

A selector value with glob characters (``*``, ``?``, ``[``) stands for every value of that tag
the run published: ``web.largest_contentful_paint{page:*}`` becomes one budget per page
(``{page:/}``, ``{page:/explore}``, ...), each judged on that page's series alone, so a
broken page cannot hide among healthy ones. With several glob tags there is one budget per
distinct combination of their values. Exact values and keys without a selector are left
alone (no selector still pools the whole metric).

The expanded budgets keep the key as written in ``pattern_key`` and the values they stand
for in ``expanded``; their selector holds those values escaped, so each matches exactly one
value even when the value itself contains glob characters. A glob that matches nothing
stays one budget on the pattern key, which the judge finds without data (inconclusive,
unless ``allow_missing``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from releasegate.gates import aggregate as agg
from releasegate.gates.budgets import BudgetSpec
from releasegate.results import LayerStatus, RunResult, Samples

GLOB_CHARS = "*?["
_SPECIAL = re.compile(r"([*?\[])")


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in GLOB_CHARS)


def glob_tags(selector: Mapping[str, str]) -> tuple[str, ...]:
    """The tags of ``selector`` whose value is a glob, in selector order."""
    return tuple(tag for tag, pattern in selector.items() if is_glob(pattern))


def escape(value: str) -> str:
    """A pattern matching exactly ``value``: ``GET /a[1]*`` -> ``GET /a[[]1][*]``."""
    return _SPECIAL.sub(r"[\1]", value)


def format_key(layer: str, metric: str, selector: Mapping[str, str]) -> str:
    if not selector:
        return f"{layer}.{metric}"
    return f"{layer}.{metric}{{" + ",".join(f"{t}:{v}" for t, v in selector.items()) + "}"


def combinations(series: Sequence[Samples], tags: Sequence[str]) -> list[dict[str, str]]:
    """The distinct values of ``tags`` among ``series`` (which all carry them), sorted."""
    found = {tuple(s.tags[t] for t in tags) for s in series}
    return [dict(zip(tags, values, strict=True)) for values in sorted(found)]


def concrete(b: BudgetSpec, values: Mapping[str, str]) -> BudgetSpec:
    """``b`` narrowed to one value of each of its glob tags."""
    shown = {tag: values.get(tag, pattern) for tag, pattern in b.selector.items()}
    selector = {tag: escape(values[tag]) if tag in values else pattern for tag, pattern in b.selector.items()}
    return replace(
        b,
        key=format_key(b.layer, b.metric, shown),
        selector=selector,
        pattern_key=b.key,
        expanded=dict(values),
    )


def expand(b: BudgetSpec, run: RunResult) -> list[BudgetSpec]:
    """One budget per distinct value (combination) of ``b``'s glob tags in ``run``.

    Budgets without glob tags come back unchanged. When the layer did not run, errored or
    was skipped, or the budget is off, or nothing matches, the pattern stays one budget
    (marked with its ``pattern_key``) and the judge says why.
    """
    tags = glob_tags(b.selector)
    if not tags:
        return [b]
    marked = replace(b, pattern_key=b.key)
    layer = run.layer(b.layer)
    if b.level == "off" or layer is None or layer.status is not LayerStatus.OK:
        return [marked]
    found = combinations(agg.select(layer, b.metric, b.selector), tags)
    return [concrete(b, values) for values in found] or [marked]
