"""Budgets as data: ``[budgets]`` of releasegate.toml parsed and checked before any run.

A budget value is a string (one expression), a list of strings (each must hold; each is
judged on its own) or a table::

    "load.http_req_duration{endpoint:GET /api/*}" = { expr = "p(95) < 800ms", level = "warn",
        min_samples = 100, window = "for 30s", abort = true, grace = "10s",
        allow_missing = false, description = "listing stays fast" }

``objective`` (e.g. ``"99.5%"``) is accepted on ``slo.*`` keys: the SLO burn rates are
computed against it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from releasegate.config import Config
from releasegate.errors import ConfigError
from releasegate.gates.catalog import (
    Catalog,
    Key,
    build_catalog,
    check_expression,
    did_you_mean,
    parse_key,
    resolve,
)
from releasegate.gates.errors import BudgetSyntaxError
from releasegate.gates.nodes import BoolOp, Expr, Quantity, comparisons
from releasegate.gates.parser import parse
from releasegate.spec import AbortRule, LayerSpec, MetricSpec, SloSource, slo_source

LEVELS = ("error", "warn", "off")
TABLE_KEYS = (
    "expr",
    "level",
    "min_samples",
    "window",
    "abort",
    "grace",
    "allow_missing",
    "description",
    "objective",
)
DEFAULT_OBJECTIVE = 0.995
_DURATION = re.compile(r"^\s*(?:for\s+)?(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class BudgetSpec:
    """One checked budget expression on one key.

    ``pattern_key`` is the key as written when the key has glob values (see
    :mod:`releasegate.gates.expand`); an expanded budget's ``key`` names its concrete values, which
    ``expanded`` maps by tag, while ``selector`` holds them escaped for exact matching.
    """

    key: str
    layer: str
    metric: str
    selector: Mapping[str, str]
    expr_text: str
    expr: Expr
    metric_spec: MetricSpec
    level: str = "error"
    min_samples: int = 1
    window_s: float | None = None
    abort: bool = False
    grace_s: float | None = None
    allow_missing: bool = False
    description: str = ""
    objective: float | None = None
    pattern_key: str | None = None
    expanded: Mapping[str, str] = field(default_factory=dict)

    @property
    def shown_selector(self) -> dict[str, str]:
        """The selector as a reader sees it: a glob tag of an expanded budget shows its value."""
        return {**self.selector, **self.expanded}

    @property
    def uses_baseline(self) -> bool:
        return any(c.uses_baseline for c in comparisons(self.expr))


@dataclass(frozen=True)
class BudgetSet:
    budgets: tuple[BudgetSpec, ...] = ()
    catalog: Mapping[str, Mapping[str, MetricSpec]] = field(default_factory=dict)
    slo_source: SloSource | None = None  # the layer metric whose probes feed the slo.* metrics

    def __iter__(self) -> Iterator[BudgetSpec]:
        return iter(self.budgets)

    def __len__(self) -> int:
        return len(self.budgets)

    def for_layer(self, layer: str) -> tuple[BudgetSpec, ...]:
        return tuple(b for b in self.budgets if b.layer == layer)

    @property
    def uses_baseline(self) -> bool:
        return any(b.uses_baseline for b in self.budgets)

    @property
    def slo_objective(self) -> float | None:
        """The objective of the slo.* budgets (one per budget file), None without any."""
        return next((b.objective for b in self.budgets if b.layer == "slo"), None)


def parse_duration(text: str) -> float:
    """``"for 30s"`` / ``"30s"`` / ``"1m"`` in seconds; ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 'for 30s' or '1m'")
    return float(match.group(1)) * _SECONDS[match.group(2)]


def validate_budgets(config: Config, layers: Mapping[str, LayerSpec]) -> BudgetSet:
    """Every budget of ``config`` parsed and checked against the layers' metric catalogue.

    Raises ConfigError (exit 2) naming the key and what was meant.
    """
    parsed = parse_budgets(config.budgets, build_catalog(layers), source=config.source)
    return dataclasses.replace(parsed, slo_source=slo_source(layers))


def parse_budgets(raw: Mapping[str, Any], catalog: Catalog, *, source: str | None = None) -> BudgetSet:
    budgets: list[BudgetSpec] = []
    for key, value in raw.items():
        budgets.extend(_parse_one(key, value, catalog, source))
    objectives = {b.objective for b in budgets if b.layer == "slo"}
    if len(objectives) > 1:
        shown = ", ".join(f"{o * 100:g}%" for o in sorted(o for o in objectives if o is not None))
        raise ConfigError(
            f"slo.* budgets disagree on the objective ({shown}); give them one objective",
            file=source,
            key="budgets",
        )
    return BudgetSet(tuple(budgets), catalog)


def _parse_one(key: str, value: Any, catalog: Catalog, source: str | None) -> list[BudgetSpec]:
    where = f'budgets."{key}"'

    def fail(message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(message, file=source, key=where, hint=hint)

    try:
        parsed_key = parse_key(key)
        spec = resolve(parsed_key, catalog)
    except ValueError as exc:
        raise fail(str(exc)) from None
    options: dict[str, Any]
    if isinstance(value, str | list):
        options = {"expr": value}
    elif isinstance(value, dict):
        options = dict(value)
        for name in options:
            if name not in TABLE_KEYS:
                raise fail(f"unknown option {name!r}; {did_you_mean(name, list(TABLE_KEYS))}")
        if "expr" not in options:
            raise fail('a budget table needs \'expr\', e.g. { expr = "p(95) < 800ms", level = "warn" }')
    else:
        raise fail(f"a budget is a string, a list of strings or a table, not {type(value).__name__}")
    exprs = options["expr"] if isinstance(options["expr"], list) else [options["expr"]]
    if not exprs or not all(isinstance(e, str) for e in exprs):
        raise fail("'expr' must be a string or a non-empty list of strings")
    common = _options(options, parsed_key, fail)
    specs = []
    for text in exprs:
        try:
            expr = parse(text)
        except BudgetSyntaxError as exc:
            raise BudgetSyntaxError(
                exc.reason, text=exc.text, position=exc.position, key=where, file=source
            ) from None
        try:
            check_expression(expr, spec)
        except ValueError as exc:
            raise fail(f"{text!r}: {exc}") from None
        budget = BudgetSpec(
            key=key.strip(),
            layer=parsed_key.layer,
            metric=parsed_key.metric,
            selector=parsed_key.tags,
            expr_text=text.strip(),
            expr=expr,
            metric_spec=spec,
            **common,
        )
        if budget.abort:
            _abort_rule(budget, fail)
        specs.append(budget)
    return specs


def _options(options: Mapping[str, Any], key: Key, fail: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    level = options.get("level", "error")
    if level not in LEVELS:
        raise fail(f"level {level!r} is not one of {', '.join(LEVELS)}")
    out["level"] = level
    min_samples = options.get("min_samples", 1)
    if not isinstance(min_samples, int) or isinstance(min_samples, bool) or min_samples < 0:
        raise fail(f"min_samples must be a whole number >= 0, not {min_samples!r}")
    out["min_samples"] = min_samples
    for name, target in (("window", "window_s"), ("grace", "grace_s")):
        if name in options:
            try:
                out[target] = parse_duration(str(options[name]))
            except ValueError as exc:
                raise fail(f"{name}: {exc}") from None
            if out[target] <= 0 and name == "window":
                raise fail("window must be longer than 0 s")
    for name in ("abort", "allow_missing"):
        if name in options:
            if not isinstance(options[name], bool):
                raise fail(f"{name} must be true or false, not {options[name]!r}")
            out[name] = options[name]
    if "description" in options:
        out["description"] = str(options["description"])
    if "objective" in options:
        if key.layer != "slo":
            raise fail("'objective' applies only to slo.* budgets")
        out["objective"] = parse_objective(options["objective"], fail)
    elif key.layer == "slo":
        out["objective"] = DEFAULT_OBJECTIVE
    return out


def parse_objective(value: Any, fail: Any) -> float:
    """An SLO objective (``"99.5%"`` or ``0.995``) as a share; ``fail(message)`` builds the error."""
    try:
        expr_value = float(value) if not isinstance(value, str) else _percent(value)
    except ValueError:
        raise fail(f"objective {value!r} is not a share like '99.5%'") from None
    if not 0 < expr_value < 1:
        raise fail(f"objective {value!r} must lie between 0 and 100 %")
    return expr_value


def _percent(text: str) -> float:
    text = text.strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def _abort_rule(budget: BudgetSpec, fail: Any) -> AbortRule:
    expr = budget.expr
    if isinstance(expr, BoolOp) or expr.uses_baseline or not isinstance(expr.limit, Quantity):
        raise fail(f"{budget.expr_text!r}: abort needs one comparison with a fixed limit, e.g. 'p(95) < 2s'")
    if budget.level != "error":
        raise fail("abort applies only to error-level budgets")
    return AbortRule(
        key=budget.key,
        expr=budget.expr_text,
        metric=budget.metric,
        aggregation=str(expr.aggregation),
        op=expr.op,
        threshold=expr.limit.value,
        tags=dict(budget.selector),
        window_s=budget.window_s if budget.window_s is not None else 10.0,
        grace_s=budget.grace_s if budget.grace_s is not None else 5.0,
    )


def abort_rules(budgets: BudgetSet, layer: str) -> tuple[AbortRule, ...]:
    """Live stop conditions for ``layer``: its error-level budgets marked ``abort``."""
    return tuple(_abort_rule(b, _raise) for b in budgets.for_layer(layer) if b.abort and b.level == "error")


def _raise(message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(message, hint=hint)
