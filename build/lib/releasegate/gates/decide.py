"""From verdict records to the run's decision and its one-line reason."""

from __future__ import annotations

from releasegate.gates.messages import count_phrase
from releasegate.gates.model import BudgetStatus, BudgetVerdict, Decision, LayerSummary, RunSummary
from releasegate.results import LayerStatus, RunResult, Status


def decide(records: list[BudgetVerdict]) -> tuple[Decision, str]:
    """The run's decision, fail closed, and a one-line reason naming the first cause."""
    failed = [r for r in records if r.status is BudgetStatus.FAIL and r.level == "error"]
    blocked = [
        r
        for r in records
        if r.status is BudgetStatus.INCONCLUSIVE and r.level == "error" and not r.allow_missing
    ]
    warned = [r for r in records if r.status is BudgetStatus.WARN]
    judged = [r for r in records if r.status in (BudgetStatus.PASS, BudgetStatus.WARN, BudgetStatus.FAIL)]
    if failed:
        return Decision.NO_GO, _lead(failed, "budget failed", "budgets failed")
    if blocked:
        return Decision.INCONCLUSIVE, _lead(
            blocked, "check could not be judged", "checks could not be judged"
        )
    if not judged:
        return Decision.INCONCLUSIVE, "nothing was judged: no budget applies to the layers of this run"
    if warned:
        return Decision.GO_WITH_WARNINGS, _lead(warned, "warning", "warnings")
    return Decision.GO, f"all {count_phrase(len(judged), 'budget')} passed"


def _lead(items: list[BudgetVerdict], one: str, many: str) -> str:
    first = items[0]
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    noun = one if len(items) == 1 else many
    return f"{len(items)} {noun}: {first.key}: {first.message}{more}"


def layer_summaries(run: RunResult, records: list[BudgetVerdict] | None = None) -> list[LayerSummary]:
    failing: dict[str, int] = {}
    for r in records or []:
        if r.status is BudgetStatus.FAIL and r.level == "error" and r.layer:
            failing[r.layer] = failing.get(r.layer, 0) + 1
    out = []
    for name in dict.fromkeys([*run.info.layers, *(lr.layer for lr in run.layers)]):
        layer = run.layer(name)
        if layer is None:
            out.append(LayerSummary(name=name, status="missing", error="reported no result"))
            continue
        failed = sum(1 for r in layer.records if r.status in (Status.FAIL, Status.ERROR))
        status = layer.status.value
        if layer.status is LayerStatus.OK and layer.aborted:
            status = "aborted"
        out.append(
            LayerSummary(
                name=name,
                status=status,
                error=layer.error,
                aborted=layer.aborted,
                records=len(layer.records),
                failed_records=failed,
                failed_budgets=failing.get(name, 0),
                duration_s=layer.duration_s,
                artifacts=list(layer.artifacts),
            )
        )
    return out


def run_summary(run: RunResult) -> RunSummary:
    info = run.info
    return RunSummary(
        run_id=info.run_id,
        environment=info.environment,
        stage=info.stage,
        base_url=info.base_url,
        commit=info.commit,
        started_at=info.started_at,
        finished_at=info.finished_at,
        releasegate_version=info.releasegate_version,
    )
