"""The operators and aggregations of the budget language: one set, used by both judges.

The verdict (``gates``) and the live abort rules a layer evaluates while it runs (the load
layer's :mod:`releasegate.layers._load.abort`) aggregate observations and compare them with
the same functions, so a budget cannot pass after the run by a rule that aborted it live, or
the other way round. Observations are ``(value, weight)`` pairs: raw values weigh 1, a
pre-binned HDR bucket weighs its count.

================  =============================================================
aggregation       meaning over the pairs
================  =============================================================
``avg``           weighted mean
``min``/``max``   smallest / largest value
``med``, ``p(N)``  nearest-rank percentile (``med`` = ``p(50)``)
``rate``          share of non-zero observations (rate metrics: 1 = failed)
``count``         sum of values (counters), of non-zero observations (rates),
                  else the number of observations
================  =============================================================

This module is at the bottom: it imports only the results model.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from releasegate.results import MetricKind

__all__ = ["OPERATORS", "Breach", "Weighted", "holds", "parse_aggregation", "percentile", "stats", "weighted"]

Weighted = list[tuple[float, float]]

OPERATORS: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}

_PCT = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")


def holds(observed: float, op: str, limit: float) -> bool:
    """``observed op limit``; KeyError for an unknown operator."""
    return OPERATORS[op](observed, limit)


def parse_aggregation(text: str) -> tuple[str, float | None]:
    """``"p(95)"`` -> ``("p", 95.0)``; ``"median"``/``"med"`` -> ``("med", None)``; else ``(text, None)``."""
    match = _PCT.match(text)
    if match:
        return "p", float(match.group(1))
    return ("med", None) if text in ("median", "med") else (text, None)


def weighted(values: Iterable[float], buckets: Iterable[tuple[float, int]]) -> Weighted:
    """Observations as sorted (value, weight) pairs."""
    pairs: Weighted = [(float(v), 1.0) for v in values if not math.isnan(v)]
    pairs += [(float(v), float(c)) for v, c in buckets if c > 0 and not math.isnan(v)]
    pairs.sort(key=lambda p: p[0])
    return pairs


def percentile(pairs: Weighted, p: float) -> float | None:
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    rank = max(1.0, math.ceil(p / 100.0 * total - 1e-9))
    seen = 0.0
    for value, weight in pairs:
        seen += weight
        if seen >= rank:
            return value
    return pairs[-1][0]


def stats(name: str, arg: float | None, pairs: Weighted, kind: MetricKind) -> float | None:
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    if name == "avg":
        return sum(v * w for v, w in pairs) / total
    if name == "min":
        return pairs[0][0]
    if name == "max":
        return pairs[-1][0]
    if name == "med":
        return percentile(pairs, 50.0)
    if name == "p":
        return percentile(pairs, arg if arg is not None else 50.0)
    if name == "rate":
        return sum(w for v, w in pairs if v != 0) / total
    if name == "count":
        if kind is MetricKind.COUNTER:
            return sum(v * w for v, w in pairs)
        if kind is MetricKind.RATE:
            return sum(w for v, w in pairs if v != 0)
        return total
    raise ValueError(f"no aggregation {name!r}")


@dataclass(frozen=True)
class Breach:
    """A live abort rule broken over its window: the sentence ``LayerResult.aborted`` carries."""

    key: str
    expr: str
    observed: float
    at_s: float
    window_s: float
    during: str = ""  # e.g. " of the watch": what ``at_s`` counts from, when not the layer's start

    def sentence(self) -> str:
        return (
            f"aborted at t={self.at_s:.0f}s{self.during}: budget {self.key} '{self.expr}' broken over the "
            f"last {self.window_s:g}s (observed {_fmt(self.observed)})"
        )


def _fmt(value: float) -> str:
    if math.isfinite(value) and 0 <= value < 10:
        return f"{value:.4g}"
    return f"{value:g}"
