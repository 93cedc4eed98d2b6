"""What a problem budget shows as its cause: the findings that feed it, and their evidence.

A finding feeds a budget when it names the budget's metric (or no metric at all) and its tags
match the budget's selector, so ``server_errors`` shows the 5xx responses only, and
``http_req_failed{endpoint:GET /api/prompts}`` only that endpoint's failures. A layer without
findings falls back to the artifacts and reproductions of the records the key selects.
Every path is relative to the run directory and none is a tool's own internal file.
"""

from __future__ import annotations

from typing import Any

from releasegate.gates import aggregate as agg
from releasegate.gates.budgets import BudgetSpec
from releasegate.results import Finding, LayerResult, Status, shareable

MAX_EVIDENCE = 12
MAX_FINDINGS = 20


def linked(layer: LayerResult, b: BudgetSpec) -> list[Finding]:
    """The findings that feed ``b``, the most frequent first."""
    found = [
        f
        for f in layer.findings
        if (f.metric is None or f.metric == b.metric) and agg.matches(f.tags, b.selector)
    ]
    found.sort(key=lambda f: -f.count)
    return found[:MAX_FINDINGS]


def for_budget(layer: LayerResult, b: BudgetSpec, *, everything: bool = False) -> dict[str, Any]:
    """``evidence`` and ``findings`` of a problem budget (``everything``: the layer broke, so every
    artifact is evidence; its findings all go with the layer's own status record)."""
    if everything:
        return {"evidence": _record_evidence(layer, b, everything=True), "findings": linked(layer, b)}
    feeding = linked(layer, b)
    if feeding:
        return {
            "evidence": shareable(p for f in feeding for p in f.evidence)[:MAX_EVIDENCE],
            "findings": feeding,
        }
    return {"evidence": _record_evidence(layer, b), "findings": []}


def for_layer(layer: LayerResult, evidence: list[str] | None = None) -> dict[str, Any]:
    """A broken or aborted layer: its artifacts, and every finding it made before it stopped."""
    paths = evidence if evidence is not None else shareable(layer.artifacts)[:MAX_EVIDENCE]
    return {"evidence": paths, "findings": sorted(layer.findings, key=lambda f: -f.count)[:MAX_FINDINGS]}


def _record_evidence(layer: LayerResult, b: BudgetSpec, *, everything: bool = False) -> list[str]:
    """Artifacts and reproductions of the records the key selects, failing ones first."""
    records = [r for r in layer.records if everything or agg.matches(r.tags, b.selector)]
    records.sort(key=lambda r: r.status not in (Status.FAIL, Status.ERROR, Status.FLAKY))
    out: list[str] = []
    for r in records:
        out += [a for a in shareable(r.artifacts) if a not in out]
        if r.reproduction and r.reproduction not in out and r.status is not Status.PASS:
            out.append(r.reproduction)
    out += [a for a in shareable(layer.artifacts) if a not in out]
    return out[:MAX_EVIDENCE]
