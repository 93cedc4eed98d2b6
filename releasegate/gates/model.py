"""The verdict records every report is rendered from.

:class:`BudgetVerdict` is one judged budget expression (Lighthouse-CI style: expected,
actual, operator, level, status, message). :class:`Verdict` is the run's decision with
its one-line reason. :class:`VerdictDocument` is what ``verdict.json`` holds; its JSON
Schema is published at ``gates/schema/verdict.schema.json``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from releasegate.exitcodes import ExitCode
from releasegate.results import Finding

VERDICT_SCHEMA_VERSION = 1


class Decision(StrEnum):
    GO = "GO"
    GO_WITH_WARNINGS = "GO_WITH_WARNINGS"
    NO_GO = "NO_GO"
    INCONCLUSIVE = "INCONCLUSIVE"

    @property
    def exit_code(self) -> ExitCode:
        return {
            Decision.GO: ExitCode.GO,
            Decision.GO_WITH_WARNINGS: ExitCode.GO,
            Decision.NO_GO: ExitCode.NO_GO,
            Decision.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
        }[self]

    @property
    def label(self) -> str:
        return {
            "GO": "GO",
            "GO_WITH_WARNINGS": "GO with warnings",
            "NO_GO": "NO-GO",
            "INCONCLUSIVE": "INCONCLUSIVE",
        }[self.value]


class BudgetStatus(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    OFF = "off"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComparisonResult(_Model):
    """One comparison inside an expression (``p(95) < 800ms``)."""

    expr: str
    aggregation: str
    operator: str
    observed: float | None
    limit: float | None
    baseline: float | None = None
    passed: bool | None = Field(description="None when it could not be evaluated.")


class Regression(_Model):
    """A statistically significant and large enough slowdown against the baseline."""

    key: str
    p_value: float
    median: float
    baseline_median: float
    relative_change: float
    absolute_change: float
    samples: int
    baseline_samples: int
    detected: bool
    message: str


class BudgetVerdict(_Model):
    key: str = Field(
        description="The budget key: layer.metric{selector}; for a glob selector, the concrete value judged."
    )
    pattern_key: str | None = Field(
        default=None,
        description="The key as written when it has glob values ({page:*}); groups its values' verdicts.",
    )
    expanded: dict[str, str] = Field(
        default_factory=dict,
        description="The value of each glob tag this verdict judged, e.g. {page: /explore}.",
    )
    expr: str
    level: str = Field(description="error | warn | off")
    status: BudgetStatus
    observed: float | None = Field(default=None, description="In the metric's base unit (s, B, ratio).")
    limit: float | None = None
    operator: str = ""
    unit: str = Field(default="", description="Base unit of observed and limit: s, B, ratio or ''.")
    samples: int = 0
    delta: float | None = Field(default=None, description="(observed - limit) / |limit|.")
    baseline: float | None = Field(default=None, description="The same aggregation on the baseline run.")
    baseline_delta: float | None = Field(default=None, description="(observed - baseline) / |baseline|.")
    message: str
    evidence: list[str] = Field(
        default_factory=list, description="Artifact paths (relative to the run directory) and reproductions."
    )
    findings: list[Finding] = Field(
        default_factory=list, description="The causes behind a problem budget: the findings that feed it."
    )
    layer: str = ""
    description: str = ""
    comparisons: list[ComparisonResult] = Field(default_factory=list)
    regression: Regression | None = None
    window_s: float | None = None
    allow_missing: bool = Field(default=False, description="Missing data does not make the run inconclusive.")
    chart: str = Field(
        default="none", description="How the report charts it: timeline | bars | windows | none."
    )

    @property
    def is_problem(self) -> bool:
        """Worth a reader's attention: failed, warned, or could not be judged when data was required.
        A budget that explicitly allows missing data and got none is not a problem."""
        if self.status is BudgetStatus.INCONCLUSIVE:
            return not self.allow_missing
        return self.status in (BudgetStatus.FAIL, BudgetStatus.WARN)


class LayerSummary(_Model):
    name: str
    status: str = Field(description="ok | error | skipped | missing | not run")
    error: str | None = None
    aborted: str | None = None
    records: int = 0
    failed_records: int = 0
    failed_budgets: int = Field(default=0, description="Error-level budgets of this layer that failed.")
    duration_s: float | None = None
    artifacts: list[str] = Field(default_factory=list)


class RunSummary(_Model):
    run_id: str
    environment: str
    stage: str
    base_url: str
    commit: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    releasegate_version: str = ""


class Verdict(_Model):
    decision: Decision
    exit_code: ExitCode
    reason: str
    budgets: list[BudgetVerdict] = Field(default_factory=list)
    layers: list[LayerSummary] = Field(default_factory=list)
    run: RunSummary | None = None
    baseline_run: str | None = Field(default=None, description="Which run(s) 'baseline' referred to.")
    notes: list[str] = Field(default_factory=list)

    @property
    def problems(self) -> list[BudgetVerdict]:
        order = {BudgetStatus.FAIL: 0, BudgetStatus.INCONCLUSIVE: 1, BudgetStatus.WARN: 2}
        found = [b for b in self.budgets if b.is_problem]
        return sorted(found, key=lambda b: (b.level != "error", order.get(b.status, 3)))

    @property
    def passed(self) -> list[BudgetVerdict]:
        return [b for b in self.budgets if not b.is_problem]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in BudgetStatus}
        for b in self.budgets:
            out[b.status.value] += 1
        return out


class VerdictDocument(_Model):
    """The content of ``verdict.json``."""

    schema_version: int = VERDICT_SCHEMA_VERSION
    verdict: Decision
    exit_code: int
    reason: str
    generated_at: datetime | None = None
    run: RunSummary | None = None
    baseline_run: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    layers: list[LayerSummary] = Field(default_factory=list)
    budgets: list[BudgetVerdict] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> VerdictDocument:
        run = verdict.run
        return cls(
            verdict=verdict.decision,
            exit_code=int(verdict.exit_code),
            reason=verdict.reason,
            generated_at=(run.finished_at or run.started_at) if run else None,
            run=run,
            baseline_run=verdict.baseline_run,
            counts=verdict.counts(),
            layers=verdict.layers,
            budgets=verdict.budgets,
            notes=verdict.notes,
        )


def verdict_json_schema() -> dict[str, Any]:
    schema = VerdictDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "verdict.schema.json"
    return schema
