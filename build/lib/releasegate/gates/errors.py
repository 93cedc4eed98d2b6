"""Errors of the budget language.

    releasegate.errors.ConfigError        (exit 2)
    └── BudgetSyntaxError                 a budget expression that does not parse

Meaning errors (unknown metric, an aggregation that does not fit a metric) are plain
``ConfigError``s raised by :mod:`releasegate.gates.catalog`; both name the budget key.
"""

from __future__ import annotations

from releasegate.errors import ConfigError


class BudgetSyntaxError(ConfigError):
    """An expression that does not parse; ``position`` is the 0-based offset of the problem."""

    def __init__(
        self, message: str, *, text: str, position: int, key: str | None = None, file: str | None = None
    ) -> None:
        pointer = f"\n    {text}\n    {' ' * position}^"
        super().__init__(
            f"{message} at column {position + 1}{pointer}",
            key=key,
            file=file,
            hint="see docs/budgets.md for the grammar, e.g. 'p(95) < 800ms' or 'rate < 0.5%'",
        )
        self.text = text
        self.position = position
        self.reason = message
