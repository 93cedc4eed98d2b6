"""The syntax tree of a budget expression.

Each node prints back to canonical text (``str(node)``), so ``parse(str(parse(x))) ==
parse(x)``. Quantities keep the number and unit as written and expose the value in the
metric's base unit (seconds, bytes, fractions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from releasegate.gates.units import dimension, to_base

AGGREGATIONS = ("avg", "min", "max", "med", "p", "rate", "count", "rps", "value")
ALIASES = {"median": "med"}
OPERATORS = ("<", "<=", ">", ">=", "==", "!=")


def _fmt_number(value: float) -> str:
    return repr(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


@dataclass(frozen=True)
class Aggregation:
    """What is computed from the samples: ``avg``, ``p(95)``, ``rate`` ..."""

    name: str
    arg: float | None = None  # the percentile of p(N)

    def __str__(self) -> str:
        return f"p({_fmt_number(self.arg)})" if self.name == "p" and self.arg is not None else self.name

    @property
    def label(self) -> str:
        """Short form used in sentences: ``p95``, ``median``, ``error rate``."""
        if self.name == "p" and self.arg is not None:
            return f"p{_fmt_number(self.arg)}"
        return {"med": "median", "avg": "average", "rps": "requests per second"}.get(self.name, self.name)


@dataclass(frozen=True)
class Quantity:
    number: float
    unit: str | None = None

    @property
    def value(self) -> float:
        return to_base(self.number, self.unit)

    @property
    def dimension(self) -> str:
        return dimension(self.unit)

    def __str__(self) -> str:
        return _fmt_number(self.number) + (self.unit or "")


@dataclass(frozen=True)
class BaselineRef:
    """The same aggregation, computed on the baseline run."""

    def __str__(self) -> str:
        return "baseline"


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: Operand
    right: Operand

    def __str__(self) -> str:
        return f"({self.left} {self.op} {self.right})"


Operand = Quantity | BaselineRef | Arith


@dataclass(frozen=True)
class Comparison:
    aggregation: Aggregation
    op: str
    limit: Operand

    def __str__(self) -> str:
        limit = str(self.limit)
        if isinstance(self.limit, Arith):
            limit = limit[1:-1]
        return f"{self.aggregation} {self.op} {limit}"

    @property
    def uses_baseline(self) -> bool:
        return any(isinstance(node, BaselineRef) for node in walk_operand(self.limit))


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    items: tuple[Expr, ...]

    def __str__(self) -> str:
        return f" {self.op} ".join(
            f"({item})" if isinstance(item, BoolOp) else str(item) for item in self.items
        )


Expr = Comparison | BoolOp


def walk_operand(node: Operand) -> Iterator[Operand]:
    yield node
    if isinstance(node, Arith):
        yield from walk_operand(node.left)
        yield from walk_operand(node.right)


def comparisons(expr: Expr) -> Iterator[Comparison]:
    """Every comparison of an expression, left to right."""
    if isinstance(expr, Comparison):
        yield expr
    else:
        for item in expr.items:
            yield from comparisons(item)
