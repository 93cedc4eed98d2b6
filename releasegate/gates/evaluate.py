"""The judge: run results and budgets in, one verdict record per budget out. Pure.

Statuses: ``pass``; ``fail`` (error level) or ``warn`` (warn level, or a passing latency
budget that regressed significantly against the baseline); ``inconclusive`` (no data,
fewer than ``min_samples``, the layer errored, no baseline to compare with); ``off``
(switched off, or its layer is not part of this run).

The run's decision: any error-level ``fail`` -> NO_GO; else any error-level
``inconclusive`` (without ``allow_missing``) -> INCONCLUSIVE; else any ``warn`` ->
GO_WITH_WARNINGS; else GO. A layer that errored, or that the run lists but never
reported, adds a synthetic ``<layer>.layer_status`` record (error level, inconclusive), so a
crashed layer is never a pass even without budgets; an aborted layer adds
``<layer>.aborted`` (error level, fail). A run where no budget applied at all is
INCONCLUSIVE: nothing was judged.

``baseline`` in an expression is the same aggregation over the baseline's samples: a layer's
own ``baseline_samples`` (a window it measured before the change, e.g. before a deploy) when it
has them for the key, else the baseline run(s).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from releasegate.aggregations import holds
from releasegate.defaults import DEFAULT_DESCRIPTION
from releasegate.gates import aggregate as agg
from releasegate.gates import evidence as ev
from releasegate.gates.budgets import BudgetSet, BudgetSpec
from releasegate.gates.catalog import result_unit
from releasegate.gates.decide import decide, layer_summaries, run_summary
from releasegate.gates.expand import expand
from releasegate.gates.messages import observation, relative, subject
from releasegate.gates.model import BudgetStatus, BudgetVerdict, ComparisonResult, Regression, Verdict
from releasegate.gates.nodes import Arith, BaselineRef, Comparison, Expr, Operand, Quantity
from releasegate.gates.regress import Baseline, BaselineRuns, baseline_series, own_baseline, regression
from releasegate.gates.stats import RegressionPolicy
from releasegate.gates.units import fmt_value
from releasegate.results import LayerResult, LayerStatus, MetricKind, RunResult, Samples


def judge(
    run: RunResult,
    budgets: BudgetSet,
    *,
    baseline: Baseline | None = None,
    policy: RegressionPolicy | None = None,
) -> Verdict:
    """Every budget of ``budgets`` judged against ``run`` (and ``baseline`` when given).

    A budget with glob selector values is judged once per matching value (:mod:`releasegate.gates.expand`).
    """
    chosen = policy or RegressionPolicy()
    records = [_judge_one(run, one, baseline, chosen) for b in budgets for one in expand(b, run)]
    records += _synthetic(run)
    decision, reason = decide(records)
    return Verdict(
        decision=decision,
        exit_code=decision.exit_code,
        reason=reason,
        budgets=records,
        layers=layer_summaries(run, records),
        run=run_summary(run),
        baseline_run=_baseline_label(baseline),
    )


def _baseline_label(baseline: Baseline | None) -> str | None:
    if baseline is None:
        return None
    if isinstance(baseline, BaselineRuns):
        return baseline.label or "median of " + ", ".join(r.info.run_id for r in baseline.runs)
    return baseline.info.run_id


def _record(b: BudgetSpec, status: BudgetStatus, message: str, **extra: object) -> BudgetVerdict:
    if b.description == DEFAULT_DESCRIPTION:
        message += f" [{DEFAULT_DESCRIPTION}: the config sets no budget for {b.layer}]"
    return BudgetVerdict(
        key=b.key,
        expr=b.expr_text,
        level=b.level,
        status=status,
        message=message,
        layer=b.layer,
        description=b.description,
        window_s=b.window_s,
        unit=_unit_of(b),
        allow_missing=b.allow_missing,
        pattern_key=b.pattern_key,
        expanded=dict(b.expanded),
        chart=str(b.metric_spec.chart),
        **extra,
    )


def _unit_of(b: BudgetSpec) -> str:
    first = b.expr if isinstance(b.expr, Comparison) else next(iter(_leaves(b.expr)))
    return result_unit(first.aggregation.name, b.metric_spec)


def _leaves(expr: Expr) -> list[Comparison]:
    if isinstance(expr, Comparison):
        return [expr]
    return [c for item in expr.items for c in _leaves(item)]


def _judge_one(
    run: RunResult, b: BudgetSpec, baseline: Baseline | None, policy: RegressionPolicy
) -> BudgetVerdict:
    """One budget on one run, in steps: can it be judged, is there data, compare, window, status."""
    unjudged = _unjudged(run, b)
    if unjudged is not None:
        return unjudged
    layer = run.layer(b.layer)
    assert layer is not None  # _unjudged answered otherwise
    series = agg.select(layer, b.metric, b.selector)
    n = agg.observations(series)
    if n == 0 or n < b.min_samples:
        return _missing(b, layer, n)
    base_series = own_baseline(layer, b) or baseline_series(baseline, b)
    judged = _comparisons(b, series, layer.duration_s, base_series)
    if b.window_s is not None and judged.outcome is not None:
        judged = _with_window(b, series, judged)
    moved = None
    compared = baseline is not None or bool(layer.baseline_samples)
    if compared and b.metric_spec.kind is MetricKind.TREND and judged.unit == "s" and base_series:
        moved = regression(b, series, base_series, policy)
    status, message = _status(b, judged, moved)
    deciding = judged.deciding
    return _record(
        b,
        status,
        message,
        observed=deciding.observed,
        limit=deciding.limit,
        operator=deciding.operator,
        samples=n,
        delta=relative(deciding.observed, deciding.limit),
        baseline=deciding.baseline,
        baseline_delta=relative(deciding.observed, deciding.baseline),
        comparisons=judged.results,
        regression=moved,
        **(ev.for_budget(layer, b) if status is not BudgetStatus.PASS else {}),
    )


def _unjudged(run: RunResult, b: BudgetSpec) -> BudgetVerdict | None:
    """The verdict of a budget that cannot be judged on this run (off, no layer, broken layer)."""
    if b.level == "off":
        return _record(b, BudgetStatus.OFF, f'{b.key} [{b.expr_text}] is switched off (level = "off")')
    layer = run.layer(b.layer)
    if layer is None:
        if b.layer in run.info.layers:
            return _record(b, BudgetStatus.INCONCLUSIVE, f"layer {b.layer} reported no result")
        return _record(b, BudgetStatus.OFF, f"layer {b.layer} was not part of this run")
    if layer.status is LayerStatus.SKIPPED:
        return _record(
            b, BudgetStatus.OFF, f"layer {b.layer} was skipped" + (f": {layer.error}" if layer.error else "")
        )
    if layer.status is LayerStatus.ERROR:
        return _record(
            b,
            BudgetStatus.INCONCLUSIVE,
            f"layer {b.layer} errored, its data cannot be trusted: {layer.error or 'no reason given'}",
            **ev.for_budget(layer, b, everything=True),
        )
    return None


def _missing(b: BudgetSpec, layer: LayerResult, n: int) -> BudgetVerdict:
    missing = (
        f"no data for {b.key}"
        if n == 0
        else f"only {n} samples for {b.key}, fewer than min_samples = {b.min_samples}"
    )
    allowed = " (allowed: allow_missing = true)" if b.allow_missing else ""
    return _record(b, BudgetStatus.INCONCLUSIVE, missing + allowed, samples=n, **ev.for_budget(layer, b))


@dataclass(frozen=True)
class _Judged:
    """The comparisons of one budget's expression and the one that decides it."""

    results: list[ComparisonResult]
    outcome: bool | None
    deciding: ComparisonResult
    leaf: Comparison
    unit: str
    message: str


def _comparisons(
    b: BudgetSpec,
    series: Sequence[Samples],
    duration: float | None,
    base_series: list[list[Samples]] | None,
) -> _Judged:
    kind = b.metric_spec.kind
    leaves = _leaves(b.expr)
    results = [_compare(c, series, kind, duration, base_series) for c in leaves]
    outcome = _combine(b.expr, {id(c): r.passed for c, r in zip(leaves, results, strict=True)})
    deciding = _deciding(results, outcome)
    unit = _unit_of(b)
    leaf = leaves[results.index(deciding)]
    message = observation(
        leaf.aggregation,
        subject(b.layer, b.metric, b.shown_selector),
        observed=deciding.observed,
        op=deciding.operator,
        limit=deciding.limit,
        unit=unit,
        passed=deciding.passed,
        baseline=deciding.baseline,
        relative_to_baseline=leaf.uses_baseline,
    )
    if len(results) > 1:
        message += f" [{b.expr_text}]"
    return _Judged(results, outcome, deciding, leaf, unit, message)


def _with_window(b: BudgetSpec, series: Sequence[Samples], judged: _Judged) -> _Judged:
    """The outcome of a budget with a window: a sustained breach over it (see ``_windowed``)."""
    outcome, window_note, sustained_value = _windowed(
        b, series, b.metric_spec.kind, judged.results, judged.outcome is not False
    )
    message = judged.message
    if sustained_value is not None:
        message = observation(
            judged.leaf.aggregation,
            subject(b.layer, b.metric, b.shown_selector),
            observed=sustained_value,
            op=judged.deciding.operator,
            limit=judged.deciding.limit,
            unit=judged.unit,
            passed=outcome,
        )
    return dataclasses.replace(judged, outcome=outcome, message=message + window_note)


def _status(b: BudgetSpec, judged: _Judged, regression: Regression | None) -> tuple[BudgetStatus, str]:
    message = judged.message
    if judged.outcome is None:
        return BudgetStatus.INCONCLUSIVE, message
    if judged.outcome:
        if regression is not None and regression.detected:
            return BudgetStatus.WARN, message + "; " + regression.message
        return BudgetStatus.PASS, message
    return (BudgetStatus.FAIL if b.level == "error" else BudgetStatus.WARN), message


def _compare(
    c: Comparison,
    series: Sequence[Samples],
    kind: MetricKind,
    duration: float | None,
    base_series: list[list[Samples]] | None,
) -> ComparisonResult:
    name, arg = c.aggregation.name, c.aggregation.arg
    observed = agg.aggregate(name, arg, series, kind, layer_duration=duration)
    base_value = None
    if base_series:
        values = [agg.aggregate(name, arg, s, kind) for s in base_series]
        known = [v for v in values if v is not None]
        base_value = statistics.median(known) if known else None
    limit = _operand(c.limit, base_value)
    passed = None if observed is None or limit is None else holds(observed, c.op, limit)
    return ComparisonResult(
        expr=str(c),
        aggregation=str(c.aggregation),
        operator=c.op,
        observed=observed,
        limit=limit,
        baseline=base_value,
        passed=passed,
    )


def _operand(node: Operand, base: float | None) -> float | None:
    if isinstance(node, Quantity):
        return node.value
    if isinstance(node, BaselineRef):
        return base
    assert isinstance(node, Arith)
    left, right = _operand(node.left, base), _operand(node.right, base)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return left / right if right else None


def _combine(expr: Expr, passed: dict[int, bool | None]) -> bool | None:
    if isinstance(expr, Comparison):
        return passed[id(expr)]
    parts = [_combine(item, passed) for item in expr.items]
    if expr.op == "and":
        return False if False in parts else (None if None in parts else True)
    return True if True in parts else (None if None in parts else False)


def _deciding(results: list[ComparisonResult], outcome: bool | None) -> ComparisonResult:
    wanted: bool | None = outcome if outcome is not None else None
    for r in results:
        if r.passed is wanted:
            return r
    return results[0]


def _windowed(
    b: BudgetSpec,
    series: Sequence[Samples],
    kind: MetricKind,
    results: list[ComparisonResult],
    whole_run: bool,
) -> tuple[bool | None, str, float | None]:
    """A window only ever adds a failure: the budget is judged over the whole run as well.

    The expression fails when it is broken over the whole run (``whole_run`` is False), or
    when it was broken for ``window`` consecutive seconds, or for the whole of a timeline
    shorter than the window. A window is what makes a live abort wait; it never lets a
    broken budget pass.
    """
    leaves = _leaves(b.expr)
    curves = [dict(agg.per_second(c.aggregation.name, c.aggregation.arg, series, kind)) for c in leaves]
    stamps = sorted(set().union(*curves)) if curves else []
    window = b.window_s or 0.0
    if not stamps:
        if not whole_run:
            return (
                False,
                f"; over the whole run (no per-second timeline for the {fmt_value(window, 's')} window)",
                None,
            )
        return (
            None,
            f"; window {fmt_value(window, 's')} needs per-second timeline data, and there is none",
            None,
        )
    broken: dict[float, bool] = {}
    for t in stamps:
        verdicts = {
            id(c): (None if t not in curve or r.limit is None else holds(curve[t], c.op, r.limit))
            for c, curve, r in zip(leaves, curves, results, strict=True)
        }
        broken[t] = _combine(b.expr, verdicts) is False
    first = curves[0]
    points = [(t, first.get(t, float("nan"))) for t in stamps]
    length, values = agg.sustained_breach(points, broken)
    span = stamps[-1] - stamps[0] + 1.0
    needed = min(window, span)
    note = f"; longest breach {fmt_value(length, 's')} (window {fmt_value(window, 's')})"
    if span < window:
        note += f"; the timeline covers {fmt_value(span, 's')}, shorter than the window"
    if not whole_run:
        return False, note + "; broken over the whole run", None
    if length >= needed:
        op = leaves[0].op
        sustained = max(values) if op in (">", ">=") else min(values) if op in ("<", "<=") else values[0]
        return False, note, sustained
    return True, note, None


def _synthetic(run: RunResult) -> list[BudgetVerdict]:
    out = []
    for name in dict.fromkeys([*run.info.layers, *(lr.layer for lr in run.layers)]):
        layer = run.layer(name)
        base = {"key": f"{name}.layer_status", "expr": "status == ok", "level": "error", "layer": name}
        if layer is None:
            out.append(
                BudgetVerdict(
                    **base,
                    status=BudgetStatus.INCONCLUSIVE,
                    message=f"layer {name} was part of the run but reported no result",
                )
            )
        elif layer.status is LayerStatus.ERROR:
            out.append(
                BudgetVerdict(
                    **base,
                    status=BudgetStatus.INCONCLUSIVE,
                    message=f"layer {name} errored: {layer.error or 'no reason given'}",
                    **ev.for_layer(layer),
                )
            )
        if layer is not None and layer.aborted:
            out.append(
                BudgetVerdict(
                    key=f"{name}.aborted",
                    expr="not aborted",
                    level="error",
                    layer=name,
                    status=BudgetStatus.FAIL,
                    message=f"layer {name} stopped early: {layer.aborted}",
                    **ev.for_layer(layer),
                )
            )
    return out
