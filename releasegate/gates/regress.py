"""Baselines a budget is compared with, and the regression test against them.

A baseline is an earlier comparable run, or several (:class:`BaselineRuns`, whose values are
the median of their aggregates). :func:`regression` compares this run's observations with
the baseline's by Mann-Whitney U plus a minimum effect size (:mod:`releasegate.gates.stats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from releasegate.gates import aggregate as agg
from releasegate.gates.budgets import BudgetSpec
from releasegate.gates.messages import subject
from releasegate.gates.model import Regression
from releasegate.gates.stats import RegressionPolicy, compare, representative
from releasegate.gates.units import fmt_value
from releasegate.results import LayerResult, LayerStatus, RunResult, Samples

__all__ = ["Baseline", "BaselineRuns", "baseline_series", "regression"]


@dataclass(frozen=True)
class BaselineRuns:
    """Several earlier runs standing as one baseline: values are the median of their aggregates."""

    runs: tuple[RunResult, ...]
    label: str = ""


Baseline = RunResult | BaselineRuns


def own_baseline(layer: LayerResult, b: BudgetSpec) -> list[list[Samples]] | None:
    """The layer's own before-window (``LayerResult.baseline_samples``) for ``b``, when it has one."""
    found = [s for s in layer.baseline_samples if s.metric == b.metric and agg.matches(s.tags, b.selector)]
    return [found] if agg.observations(found) else None


def baseline_series(baseline: Baseline | None, b: BudgetSpec) -> list[list[Samples]] | None:
    if baseline is None:
        return None
    runs = baseline.runs if isinstance(baseline, BaselineRuns) else (baseline,)
    out = []
    for r in runs:
        layer = r.layer(b.layer)
        if layer is not None and layer.status is LayerStatus.OK:
            found = agg.select(layer, b.metric, b.selector)
            if agg.observations(found):
                out.append(found)
    return out or None


def regression(
    b: BudgetSpec, series: Sequence[Samples], base_series: list[list[Samples]], policy: RegressionPolicy
) -> Regression | None:
    current = representative(
        agg.weighted([v for s in series for v in s.values], [bk for s in series for bk in s.buckets]),
        policy.max_points,
    )
    pooled = [s for group in base_series for s in group]
    base = representative(
        agg.weighted([v for s in pooled for v in s.values], [bk for s in pooled for bk in s.buckets]),
        policy.max_points,
    )
    result = compare(current, base, policy)
    if result is None:
        return None
    what = subject(b.layer, b.metric, b.shown_selector)
    message = (
        f"median of {what} moved from {fmt_value(result.baseline_median, 's')} to "
        f"{fmt_value(result.median, 's')} ({result.relative_change * 100:+.0f} %, Mann-Whitney "
        f"p = {result.p_value:.2g})"
    )
    if result.detected:
        message = "regression: " + message
    return Regression(
        key=b.key,
        p_value=result.p_value,
        median=result.median,
        baseline_median=result.baseline_median,
        relative_change=result.relative_change,
        absolute_change=result.absolute_change,
        samples=result.samples,
        baseline_samples=result.baseline_samples,
        detected=result.detected,
        message=message,
    )
