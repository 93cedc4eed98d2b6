"""Turning a parsed schemathesis run into records (evidence) and samples (data for gates)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from releasegate.layers._contract.breaking import Change
from releasegate.layers._contract.parse import FailureExample, StReport
from releasegate.results import Finding, MetricKind, Record, Samples, Status, one_line, shareable

__all__ = [
    "Evidence",
    "breaking_records",
    "curl_for",
    "failure_records",
    "findings",
    "operation_records",
    "run_samples",
]

LAYER = "contract"
_FILTERED_HEADER = re.compile(r"-H '([^':]+): \[Filtered\]'")


@dataclass(frozen=True)
class Evidence:
    artifacts: Sequence[str]
    header_templates: Mapping[str, str]  # header -> value template with ${VAR} references
    replay_prefix: str  # the command that replays one case id


def curl_for(example: FailureExample, sample: str | None, headers: Mapping[str, str]) -> str:
    """A curl command reproducing the case; secret headers as ``${VAR}`` references, never values."""
    curl = sample or f"curl -X {example.method or 'GET'} {shlex.quote(example.url)}"
    curl = " ".join(curl.replace("\\\n", " ").split())  # one command on one line

    def _header(match: re.Match[str]) -> str:
        name = match.group(1)
        template = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
        # a value the tool filtered and no template names: a placeholder the reader fills in
        return f'-H "{name}: {template or "${" + re.sub(r"[^A-Z0-9]", "_", name.upper()) + "}"}"'

    curl = _FILTERED_HEADER.sub(_header, curl)
    for name, template in headers.items():
        if f"{name}:".lower() not in curl.lower():
            curl = curl.replace("curl ", f'curl -H "{name}: {template}" ', 1)
    return curl


def failure_records(
    report: StReport, levels: Mapping[str, str], samples: Mapping[str, str], evidence: Evidence
) -> list[Record]:
    records: list[Record] = []
    for (check, operation), ex in sorted(report.failures.items()):
        level = levels.get(check, "error")
        status = f"HTTP {ex.status_code}" if ex.status_code is not None else "no response"
        first_line = ex.message.strip().splitlines()[0] if ex.message.strip() else ex.title
        records.append(
            Record(
                layer=LAYER,
                check=f"{check} {operation}",
                status=Status.FAIL,
                message=f"{ex.title} ({ex.code}) on {operation}: {first_line} [{status}; "
                f"{ex.count} failing case(s); level {level}]",
                tags={
                    "check": check,
                    "operation": operation,
                    "level": level,
                    "code": ex.code,
                    "case_id": ex.case_id,
                    "phase": ex.phase,
                    "status_code": str(ex.status_code) if ex.status_code is not None else "",
                },
                artifacts=list(evidence.artifacts),
                reproduction=_reproduce(ex, samples, evidence),
            )
        )
    return records


def _reproduce(ex: FailureExample, samples: Mapping[str, str], evidence: Evidence) -> str:
    curl = curl_for(ex, samples.get(ex.case_id), evidence.header_templates)
    return f"{curl}\n{evidence.replay_prefix} {ex.case_id}"


def _cause(ex: FailureExample) -> str:
    first_line = ex.message.strip().splitlines()[0] if ex.message.strip() else ex.title
    return one_line(f"{ex.title} ({ex.code}): {first_line}")


def findings(
    report: StReport, levels: Mapping[str, str], samples: Mapping[str, str], evidence: Evidence
) -> list[Finding]:
    """One finding per failing check x operation (feeding ``failures``), and one per operation
    that answered with 5xx (feeding ``server_errors``: the server errors only)."""
    paths = shareable(evidence.artifacts)
    out: list[Finding] = []
    for (check, operation), ex in sorted(report.failures.items()):
        status = f"HTTP {ex.status_code}" if ex.status_code is not None else "no response"
        out.append(
            Finding(
                layer=LAYER,
                kind="check_failed",
                where=operation,
                what=f"{_cause(ex)} [{status}]",
                count=ex.count,
                evidence=paths,
                reproduce=_reproduce(ex, samples, evidence),
                metric="failures",
                tags={
                    "check": check,
                    "operation": operation,
                    "level": levels.get(check, "error"),
                    "status_code": str(ex.status_code) if ex.status_code is not None else "",
                },
            )
        )
    for operation, stats in sorted(report.operations.items()):
        if not stats.server_errors:
            continue
        examples = [
            ex
            for (_c, op), ex in sorted(report.failures.items())
            if op == operation and (ex.status_code or 0) >= 500
        ]
        first = examples[0] if examples else None
        codes = sorted({str(ex.status_code) for ex in examples}) or ["5xx"]
        what = f"HTTP {'/'.join(codes)}"
        what += f": {_cause(first)}" if first else " (no failing check recorded the response)"
        out.append(
            Finding(
                layer=LAYER,
                kind="server_error",
                where=operation,
                what=what,
                count=stats.server_errors,
                evidence=paths,
                reproduce=_reproduce(first, samples, evidence) if first else None,
                metric="server_errors",
                tags={"operation": operation, "status_code": codes[0]},
            )
        )
    return out


def operation_records(report: StReport, selected: Sequence[str]) -> list[Record]:
    records: list[Record] = []
    failing_ops = {op for _, op in report.failures}
    for operation in selected:
        stats = report.operations.get(operation)
        if stats is None or not stats.exercised:
            why = stats.not_reached if stats is not None else "no response received"
            records.append(
                Record(
                    layer=LAYER,
                    check=operation,
                    status=Status.SKIPPED,
                    message=f"{operation} was not exercised ({why})",
                    tags={"operation": operation, "kind": "operation"},
                )
            )
            continue
        records.append(
            Record(
                layer=LAYER,
                check=operation,
                status=Status.FAIL if operation in failing_ops else Status.PASS,
                message=f"{stats.cases} case(s), {stats.checks_passed} check(s) passed, "
                f"{stats.checks_failed} failed, {stats.server_errors} server error(s)",
                tags={"operation": operation, "kind": "operation"},
            )
        )
    return records


def breaking_records(changes: Sequence[Change], baseline: str, artifacts: Sequence[str]) -> list[Record]:
    return [
        Record(
            layer=LAYER,
            check=f"breaking {c.kind} {c.operation}",
            status=Status.FAIL,
            message=f"{c.message} (compared with the baseline spec {baseline})",
            tags={
                "kind": c.kind,
                "operation": c.operation,
                "location": c.location,
                "check": "breaking_change",
            },
            artifacts=list(artifacts),
        )
        for c in changes
    ]


def run_samples(
    report: StReport,
    selected: Sequence[str],
    levels: Mapping[str, str],
    checks_run: Mapping[str, set[str]],
    *,
    changes: Sequence[Change] | None,
    duration_s: float,
) -> list[Samples]:
    samples: list[Samples] = []
    failing = {(check, op): ex.count for (check, op), ex in report.failures.items()}
    keys = set(failing) | {(check, op) for op, checks in checks_run.items() for check in checks}
    for check, op in sorted(keys):
        tags = {"check": check, "operation": op, "level": levels.get(check, "error")}
        count = failing.get((check, op), 0)
        samples.append(Samples(metric="failures", kind=MetricKind.COUNTER, tags=tags, values=[float(count)]))
    exercised = 0
    for op in sorted(set(selected) | set(report.operations)):
        stats = report.operations.get(op)
        if stats is None or not stats.exercised:
            continue
        exercised += op in selected
        samples.append(
            Samples(
                metric="server_errors",
                kind=MetricKind.COUNTER,
                tags={"operation": op},
                values=[float(stats.server_errors)],
            )
        )
        samples.append(
            Samples(
                metric="response_time",
                kind=MetricKind.TREND,
                unit="s",
                tags={"operation": op},
                values=list(stats.response_times),
            )
        )
    share = exercised / len(selected) if selected else 0.0
    samples.append(
        Samples(
            metric="operations_tested",
            kind=MetricKind.GAUGE,
            unit="ratio",
            values=[share],
            duration_s=duration_s,
        )
    )
    if changes is not None:
        if not changes:
            samples.append(
                Samples(
                    metric="breaking_changes",
                    kind=MetricKind.COUNTER,
                    tags={"kind": "none", "operation": "none"},
                    values=[0.0],
                )
            )
        per_key: dict[tuple[str, str], int] = {}
        for c in changes:
            per_key[(c.kind, c.operation)] = per_key.get((c.kind, c.operation), 0) + 1
        for (kind, op), n in sorted(per_key.items()):
            samples.append(
                Samples(
                    metric="breaking_changes",
                    kind=MetricKind.COUNTER,
                    tags={"kind": kind, "operation": op},
                    values=[float(n)],
                )
            )
    return samples
