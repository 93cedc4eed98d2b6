"""``metrics.prom``: the verdict as OpenMetrics gauges, for a Prometheus to scrape or a Pushgateway.

One family per fact, every sample labelled ``environment`` and ``stage``:

* ``releasegate_verdict{decision}`` 1 for the decision reached (GO, GO_WITH_WARNINGS, NO_GO,
  INCONCLUSIVE), 0 for the others; ``releasegate_exit_code`` the exit code;
* ``releasegate_budget_observed`` / ``releasegate_budget_limit`` per budget (``budget``,
  ``layer``, ``level``, ``status``), in the metric's base unit; absent when there was no value;
  ``releasegate_budget_passed`` 1 for pass, 0 otherwise (off budgets are left out);
* ``releasegate_layer_duration_seconds{layer,status}``; ``releasegate_run_info{run_id,commit}`` 1.

No units, timestamps or exemplars: the same text is valid Prometheus text format 0.0.4, which
is what a Pushgateway accepts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from releasegate.gates.model import BudgetStatus, BudgetVerdict, Decision, Verdict
from releasegate.results import RunResult

__all__ = ["CONTENT_TYPE", "render_openmetrics"]

CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _family(name: str, help_text: str, samples: Iterable[tuple[Mapping[str, str], float]]) -> list[str]:
    lines = [f"# TYPE {name} gauge", f"# HELP {name} {help_text}"]
    lines += [f"{name}{_labels(labels)} {_number(value)}" for labels, value in samples]
    return lines


def render_openmetrics(verdict: Verdict, run: RunResult) -> str:
    info = run.info
    base = {"environment": info.environment, "stage": info.stage}
    lines = _family(
        "releasegate_verdict",
        "1 for the run's decision, 0 for the others.",
        [({**base, "decision": d.value}, 1.0 if verdict.decision is d else 0.0) for d in Decision],
    )
    lines += _family("releasegate_exit_code", "The run's exit code.", [(base, float(int(verdict.exit_code)))])
    judged = [b for b in verdict.budgets if b.status is not BudgetStatus.OFF]

    def labels(b: BudgetVerdict) -> dict[str, str]:
        return {**base, "budget": b.key, "layer": b.layer, "level": b.level, "status": b.status.value}

    lines += _family(
        "releasegate_budget_observed",
        "What the budget's aggregation observed, in the metric's base unit.",
        [(labels(b), b.observed) for b in judged if b.observed is not None],
    )
    lines += _family(
        "releasegate_budget_limit",
        "The budget's limit, in the metric's base unit.",
        [(labels(b), b.limit) for b in judged if b.limit is not None],
    )
    lines += _family(
        "releasegate_budget_passed",
        "1 when the budget passed, 0 when it failed, warned or was inconclusive.",
        [(labels(b), 1.0 if b.status is BudgetStatus.PASS else 0.0) for b in judged],
    )
    lines += _family(
        "releasegate_layer_duration_seconds",
        "How long each layer ran.",
        [
            ({**base, "layer": lr.layer, "status": lr.status.value}, lr.duration_s)
            for lr in run.layers
            if lr.duration_s is not None
        ],
    )
    lines += _family(
        "releasegate_run_info",
        "The run this verdict belongs to.",
        [({**base, "run_id": info.run_id, "commit": info.commit or ""}, 1.0)],
    )
    return "\n".join(lines) + "\n# EOF\n"
