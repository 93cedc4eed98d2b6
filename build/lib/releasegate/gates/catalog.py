"""The metric catalogue budgets are checked against, and the rules of meaning.

Each layer declares its metrics (``LayerSpec.metrics``: kind, unit, tags). A budget key
``layer.metric{tag:value,tag2:glob*}`` must name a known layer, one of its metrics and only
tags that metric carries. An aggregation must fit the metric's kind, and a quantity's unit
must fit what the aggregation yields:

=========  ==========================================  ===================================
kind       aggregations                                 unit of the result
=========  ==========================================  ===================================
trend      avg, min, max, med, p(N), count, rps         the metric's unit; count/rps plain
rate       rate, count                                  rate a share (0..1 or %); count plain
counter    count, rps                                   the metric's unit (count); rps per s
gauge      value, min, max, avg, med                    the metric's unit
=========  ==========================================  ===================================

Besides the layers, the catalogue holds ``slo``: availability and burn rates computed from
the smoke history (see :mod:`releasegate.gates.slo`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from releasegate.gates.nodes import BaselineRef, Comparison, Operand, Quantity, comparisons
from releasegate.gates.nodes import Expr as ExprNode
from releasegate.gates.units import DIMENSION_NAMES
from releasegate.results import MetricKind
from releasegate.spec import Chart, LayerSpec, MetricSpec

KIND_AGGREGATIONS: dict[MetricKind, tuple[str, ...]] = {
    MetricKind.TREND: ("avg", "min", "max", "med", "p", "count", "rps"),
    MetricKind.RATE: ("rate", "count"),
    MetricKind.COUNTER: ("count", "rps"),
    MetricKind.GAUGE: ("value", "min", "max", "avg", "med"),
}

SLO_WINDOWS: dict[str, float] = {
    "5m": 300.0,
    "30m": 1800.0,
    "1h": 3600.0,
    "6h": 21600.0,
    "1d": 86400.0,
    "3d": 259200.0,
    "7d": 604800.0,
    "28d": 2419200.0,
    "30d": 2592000.0,
}
SLO_METRICS: dict[str, MetricSpec] = {
    "availability": MetricSpec(
        MetricKind.GAUGE, "ratio", "Share of good probes in a window.", ("window",), Chart.NONE
    ),
    "burn_rate": MetricSpec(
        MetricKind.GAUGE,
        "",
        "How fast the error budget burns in a window (1 = exactly on budget).",
        ("window",),
        Chart.NONE,
    ),
    "error_budget_remaining": MetricSpec(
        MetricKind.GAUGE,
        "ratio",
        "Share of the window's error budget not yet spent.",
        ("window",),
        Chart.NONE,
    ),
}

Catalog = Mapping[str, Mapping[str, MetricSpec]]

_KEY = re.compile(r"^\s*(?P<layer>[A-Za-z_][\w-]*)\.(?P<metric>[A-Za-z_]\w*)\s*(?:\{(?P<sel>[^{}]*)\})?\s*$")


@dataclass(frozen=True)
class Key:
    layer: str
    metric: str
    selector: tuple[tuple[str, str], ...]

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.selector)


def build_catalog(layers: Mapping[str, LayerSpec]) -> dict[str, Mapping[str, MetricSpec]]:
    catalog: dict[str, Mapping[str, MetricSpec]] = {name: spec.metrics for name, spec in layers.items()}
    catalog.setdefault("slo", SLO_METRICS)
    return catalog


def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"known: {', '.join(sorted(choices))}" if choices else "none are declared"


def parse_key(key: str) -> Key:
    """``layer.metric{tag:value}`` split into parts; ValueError with the reason when malformed."""
    match = _KEY.match(key)
    if not match:
        raise ValueError("a budget key looks like 'layer.metric' or 'layer.metric{tag:value,tag2:glob*}'")
    selector: list[tuple[str, str]] = []
    raw = match.group("sel")
    if raw is not None:
        for part in raw.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition(":")
            if not sep or not name.strip() or not value.strip():
                raise ValueError(f"selector part {part.strip()!r} is not 'tag:value'")
            selector.append((name.strip(), value.strip()))
    return Key(match.group("layer"), match.group("metric"), tuple(selector))


def resolve(key: Key, catalog: Catalog) -> MetricSpec:
    """The metric a key names; ValueError with a 'did you mean' when it does not exist."""
    if key.layer not in catalog:
        raise ValueError(f"unknown layer {key.layer!r}; {did_you_mean(key.layer, list(catalog))}")
    metrics = catalog[key.layer]
    if key.metric not in metrics:
        raise ValueError(
            f"layer {key.layer!r} has no metric {key.metric!r}; {did_you_mean(key.metric, list(metrics))}"
        )
    spec = metrics[key.metric]
    for tag, value in key.selector:
        if tag not in spec.tags:
            raise ValueError(
                f"metric {key.layer}.{key.metric} has no tag {tag!r}; {did_you_mean(tag, list(spec.tags))}"
            )
        if key.layer == "slo" and tag == "window" and value not in SLO_WINDOWS:
            raise ValueError(f"unknown SLO window {value!r}; {did_you_mean(value, list(SLO_WINDOWS))}")
    return spec


def result_unit(aggregation: str, spec: MetricSpec) -> str:
    """The base unit of what ``aggregation`` yields on a metric."""
    unit = spec.unit if spec.unit in DIMENSION_NAMES else ""
    if aggregation == "rate":
        return "ratio"
    if aggregation == "count":
        return unit if spec.kind is MetricKind.COUNTER else ""
    if aggregation == "rps":
        return unit if spec.kind is MetricKind.COUNTER and unit == "B" else ""
    return unit


def check_expression(expr: ExprNode, spec: MetricSpec) -> None:
    """ValueError when an aggregation does not fit the metric or a unit does not fit its values."""
    for comparison in comparisons(expr):
        name = comparison.aggregation.name
        allowed = KIND_AGGREGATIONS[spec.kind]
        if name not in allowed:
            shown = ", ".join("p(N)" if a == "p" else a for a in allowed)
            raise ValueError(
                f"{comparison.aggregation} does not fit a {spec.kind.value} metric; use one of {shown}"
            )
        _check_units(comparison, result_unit(name, spec))


def _check_units(comparison: Comparison, expected: str) -> None:
    found = _dimension(comparison.limit, expected)
    if found == "" and expected == "s" and not _is_zero(comparison.limit):
        raise ValueError(
            f"{comparison}: give the duration a unit, e.g. {comparison.aggregation} {comparison.op} 800ms"
        )


def _dimension(node: Operand, expected: str) -> str:
    """The dimension of an operand ("" when plain); ValueError when it mixes incompatible units."""
    if isinstance(node, BaselineRef):
        return expected
    if isinstance(node, Quantity):
        dim = node.dimension
        if dim and dim != expected:
            wanted = DIMENSION_NAMES.get(expected, "a plain number")
            raise ValueError(f"{node} is {DIMENSION_NAMES[dim]} but this value is {wanted}")
        return dim
    left, right = _dimension(node.left, expected), _dimension(node.right, expected)
    if node.op in "+-":
        return left or right
    if node.op == "*":
        if left and right:
            raise ValueError(f"{node} multiplies two quantities with units; one side must be a plain number")
        return left or right
    if right:
        raise ValueError(f"{node} divides by a quantity with a unit; divide by a plain number")
    return left


def _is_zero(node: Operand) -> bool:
    return isinstance(node, Quantity) and node.number == 0
