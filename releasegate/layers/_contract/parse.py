"""Reading schemathesis's NDJSON event stream (and its crash files) into plain statistics.

Each ``ScenarioFinished`` event carries a recorder: the cases it generated, the checks run
on each case and the HTTP interactions. From them: per operation, the number of cases,
passed and failed checks, response times and server errors; per (check, operation), the
first failing example (case id, status code, message) and how often it failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FailureExample", "OperationStats", "StReport", "crash_samples", "parse_ndjson"]

STATEFUL_LABEL = "Stateful tests"
NETWORK_ERRORS = frozenset({"ConnectionError", "ServerUnavailable", "ChunkedEncodingError", "ProtocolError"})
"""Tool errors meaning the target could not be reached: the run is incomplete, never a pass."""


@dataclass
class FailureExample:
    check: str
    operation: str
    title: str
    message: str
    code: str
    case_id: str
    status_code: int | None
    phase: str
    method: str
    url: str
    count: int = 1


AUTH_REFUSED = frozenset({401, 403})
NOT_REACHED_SHARE = 0.95
"""An operation whose responses are (nearly) all 401/403/404, none 2xx, was not reached."""


@dataclass
class OperationStats:
    cases: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    server_errors: int = 0
    response_times: list[float] = field(default_factory=list)
    checks: set[str] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def not_reached(self) -> str | None:
        """Why the operation does not count as tested, or None when it was reached.

        No response at all; only 401/403 (the credentials were refused); or (nearly) only
        401/403/404 and never a 2xx (the requests went to a path the API does not serve).
        """
        if not self.response_times:
            return "no response received"
        total = sum(self.statuses.values())
        if not total:
            return None
        refused = sum(n for code, n in self.statuses.items() if code in AUTH_REFUSED)
        if refused == total:
            return f"every response was 401/403 ({total}): authentication failed"
        missing = self.statuses.get(404, 0)
        succeeded = sum(n for code, n in self.statuses.items() if 200 <= code < 300)
        if not succeeded and missing and refused + missing >= NOT_REACHED_SHARE * total:
            return f"{missing} of {total} responses were 404 and none succeeded: the path is not served"
        return None

    @property
    def exercised(self) -> bool:
        """Reached: answered, and not only with refusals or 404s."""
        return self.not_reached is None


@dataclass
class StReport:
    seed: int | None = None
    command: str = ""
    version: str = ""
    operations: dict[str, OperationStats] = field(default_factory=dict)
    failures: dict[tuple[str, str], FailureExample] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    network_errors: list[str] = field(default_factory=list)
    fatal: str | None = None
    finished: bool = False
    stop_reason: str = ""
    running_time_s: float | None = None
    selected_operations: int | None = None

    @property
    def test_cases(self) -> int:
        return sum(s.cases for s in self.operations.values())

    def stats(self, operation: str) -> OperationStats:
        return self.operations.setdefault(operation, OperationStats())


def _events(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed run
        if isinstance(event, dict) and len(event) == 1:
            name, body = next(iter(event.items()))
            if isinstance(body, dict):
                yield name, body


def _operation_of(case: dict[str, Any], label: str, known: frozenset[str]) -> str:
    value = case.get("value") or {}
    own = f"{str(value.get('method', '')).upper()} {value.get('path', '')}"
    if own in known or label == STATEFUL_LABEL or label not in known:
        return own
    return label


def _scenario(report: StReport, body: dict[str, Any], known: frozenset[str]) -> None:
    recorder = body.get("recorder") or {}
    label = str(recorder.get("label", ""))
    cases: dict[str, Any] = recorder.get("cases") or {}
    checks: dict[str, list[dict[str, Any]]] = recorder.get("checks") or {}
    interactions: dict[str, Any] = recorder.get("interactions") or {}
    for case_id, case in cases.items():
        operation = _operation_of(case, label, known)
        stats = report.stats(operation)
        stats.cases += 1
        response = (interactions.get(case_id) or {}).get("response") or {}
        request = (interactions.get(case_id) or {}).get("request") or {}
        status = response.get("status_code")
        if isinstance(response.get("elapsed"), (int, float)):
            stats.response_times.append(float(response["elapsed"]))
        if isinstance(status, int):
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if isinstance(status, int) and status >= 500:
            stats.server_errors += 1
        for check in checks.get(case_id, []):
            stats.checks.add(str(check.get("name", "unknown")))
            if check.get("status") != "failure":
                stats.checks_passed += 1
                continue
            stats.checks_failed += 1
            failure = (check.get("failure_info") or {}).get("failure") or {}
            name = str(check.get("name", "unknown"))
            target = str(failure.get("operation") or operation)
            key = (name, target)
            if key in report.failures:
                report.failures[key].count += 1
                continue
            report.failures[key] = FailureExample(
                check=name,
                operation=target,
                title=str(failure.get("title", name)),
                message=str(failure.get("message", "")),
                code=str(failure.get("code", "")),
                case_id=case_id,
                status_code=status if isinstance(status, int) else None,
                phase=str(body.get("phase", "")),
                method=str(request.get("method", "")),
                url=str(request.get("uri", "")),
            )


def parse_ndjson(path: Path, spec_operations: Iterable[str]) -> StReport:
    report = StReport()
    known = frozenset(spec_operations)
    if not path.is_file():
        return report
    with path.open(encoding="utf-8", errors="replace") as fh:
        for name, body in _events(fh):
            if name == "Initialize":
                report.seed = body.get("seed")
                report.command = str(body.get("command", ""))
                report.version = str(body.get("schemathesis_version", ""))
            elif name == "LoadingFinished":
                ops = ((body.get("statistic") or {}).get("operations")) or {}
                if isinstance(ops.get("selected"), int):
                    report.selected_operations = ops["selected"]
            elif name == "ScenarioFinished":
                _scenario(report, body, known)
            elif name == "NonFatalError":
                value = body.get("value") or {}
                text = f"{body.get('label', '')}: {value.get('type', '')}: {value.get('message', '')}"
                report.errors.append(text)
                if value.get("type") in NETWORK_ERRORS:
                    report.network_errors.append(text.split("\n", 1)[0])
            elif name == "FatalError":
                exc = body.get("exception") or {}
                report.fatal = f"{exc.get('type', 'error')}: {exc.get('message', '')}"
            elif name == "EngineFinished":
                report.finished = True
                report.stop_reason = str(body.get("stop_reason", ""))
                if isinstance(body.get("running_time"), (int, float)):
                    report.running_time_s = float(body["running_time"])
    return report


def crash_samples(crash_dir: Path) -> dict[str, str]:
    """case id -> schemathesis's own curl sample, from the crash files of the run."""
    samples: dict[str, str] = {}
    if not crash_dir.is_dir():
        return samples
    for path in crash_dir.glob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("case_id") and data.get("code_sample"):
            samples[str(data["case_id"])] = str(data["code_sample"])
    return samples
