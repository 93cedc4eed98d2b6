"""Turn the plugin's per-worker JSON lines into records (for people) and samples (for gates)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasegate.results import Finding, Measurement, MetricKind, Record, Samples, Status, one_line, shareable

LAYER = "e2e"


def read_entries(results_dir: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for path in sorted(results_dir.glob("results-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entries.append(json.loads(line))
    return entries


def read_cleanup(results_dir: Path) -> list[dict[str, Any]] | None:
    path = results_dir / "cleanup.json"
    if not path.exists():
        return None
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


@dataclass
class Scenario:
    """Every attempt at one scenario, in order."""

    key: str
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def final(self) -> dict[str, Any]:
        return self.attempts[-1]

    @property
    def status(self) -> Status:
        outcome = self.final["outcome"]
        if outcome == "passed":
            return Status.FLAKY if len(self.attempts) > 1 else Status.PASS
        return {"failed": Status.FAIL, "skipped": Status.SKIPPED}.get(outcome, Status.ERROR)

    def first_failure(self) -> dict[str, Any] | None:
        return next((a for a in self.attempts if a["outcome"] in ("failed", "error")), None)


def group(attempts: Iterable[Sequence[dict[str, Any]]]) -> list[Scenario]:
    """Attempts (each a list of entries) -> scenarios, keyed by node id, in first-seen order."""
    found: dict[str, Scenario] = {}
    for entries in attempts:
        for entry in entries:
            found.setdefault(entry["nodeid"], Scenario(entry["nodeid"])).attempts.append(entry)
    return list(found.values())


def _journey(entry: Mapping[str, Any]) -> dict[str, Any]:
    return dict(entry.get("journey") or {})


def _failure_message(entry: Mapping[str, Any]) -> str:
    journey = _journey(entry)
    if journey.get("message"):
        return str(journey["message"])
    role = entry.get("role") or entry.get("persona")
    return f"{role} failed: {entry.get('error') or 'no reason recorded'}"


def _message(scenario: Scenario) -> str:
    final = scenario.final
    status = scenario.status
    if status is Status.PASS:
        steps = len(_journey(final).get("steps", []))
        text = f"{final.get('role')}: all {steps} steps passed"
    elif status is Status.FLAKY:
        first = scenario.first_failure() or final
        text = f"passed on attempt {len(scenario.attempts)} after: {_failure_message(first)}"
    elif status is Status.SKIPPED:
        text = f"skipped: {final.get('error') or 'no reason given'}"
    elif status is Status.FAIL:
        text = _failure_message(final)
    else:
        text = f"could not run: {final.get('error') or 'no reason recorded'}"
    errors = [e for a in scenario.attempts for e in _journey(a).get("console_errors", [])]
    if errors:
        pages = sorted({e["page"] for e in errors})
        text += f" · {len(errors)} console error(s) on {', '.join(pages)}: {errors[0]['text'][:160]}"
    residue = [e for a in scenario.attempts for e in _journey(a).get("cleanup_errors", [])]
    if residue:
        text += f" · clean-up failed: {'; '.join(residue)}"
    return text


def to_record(scenario: Scenario, rel: Callable[[str], str | None], reproduction: str) -> Record:
    final = scenario.final
    artifacts: list[str] = []
    for attempt in scenario.attempts:
        for artifact in attempt.get("artifacts", []):
            path = rel(artifact["path"])
            if path and path not in artifacts:
                artifacts.append(path)
    steps = _journey(final).get("steps", [])
    failed_step = next(
        (_journey(a).get("failed_step") for a in scenario.attempts if _journey(a).get("failed_step")), None
    )
    tags = {"persona": final["persona"], "scenario": final["scenario"], "role": str(final.get("role", ""))}
    if failed_step:
        tags["failed_step"] = str(failed_step)
    return Record(
        layer=LAYER,
        check=f"{final['persona']}: {final['scenario']}",
        status=scenario.status,
        message=_message(scenario),
        tags=tags,
        measurements=[
            Measurement(name=f"step: {s['name']}", value=round(s["duration_s"], 4), unit="s") for s in steps
        ],
        artifacts=artifacts,
        reproduction=reproduction.format(scenario=final["scenario"]),
        duration_s=sum(float(a.get("duration_s") or 0.0) for a in scenario.attempts),
    )


def findings(scenario: Scenario, record: Record) -> list[Finding]:
    """A failed or flaky scenario: persona, the step that failed and why, with its screenshots
    and traces; and every page's console errors."""
    out: list[Finding] = []
    final = scenario.final
    persona = str(final["persona"])
    tags = {"persona": persona, "scenario": str(final["scenario"])}
    status = scenario.status
    if status in (Status.FAIL, Status.FLAKY):
        failing = final if status is Status.FAIL else (scenario.first_failure() or final)
        step = _journey(failing).get("failed_step")
        out.append(
            Finding(
                layer=LAYER,
                kind="step_failed" if step else "scenario_failed",
                where=f"{persona}: {step}" if step else f"{persona}: {final['scenario']}",
                what=one_line(
                    ("flaky, passed on a retry after: " if status is Status.FLAKY else "")
                    + _failure_message(failing)
                ),
                evidence=shareable(record.artifacts),
                reproduce=record.reproduction,
                metric="failed" if status is Status.FAIL else "flaky",
                tags={**tags, **({"step": str(step)} if step else {})},
                duration_s=record.duration_s,
            )
        )
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for attempt in scenario.attempts:
        for e in _journey(attempt).get("console_errors", []):
            seen[(str(e["page"]), one_line(str(e["text"]), 200))] += 1
    for (page, text), n in seen.items():
        out.append(
            Finding(
                layer=LAYER,
                kind="console_error",
                where=f"{persona}: {page}",
                what=text,
                count=n,
                evidence=shareable(record.artifacts),
                metric="console_errors",
                tags={"persona": persona, "page": page},
            )
        )
    return out


class _Bag:
    def __init__(self) -> None:
        self._data: dict[tuple[str, MetricKind, str, tuple[tuple[str, str], ...]], list[float]] = defaultdict(
            list
        )

    def add(self, metric: str, kind: MetricKind, unit: str, tags: Mapping[str, str], *values: float) -> None:
        self._data[(metric, kind, unit, tuple(sorted(tags.items())))].extend(values)

    def samples(self) -> list[Samples]:
        return [
            Samples(metric=m, kind=k, unit=u, tags=dict(t), values=v)
            for (m, k, u, t), v in self._data.items()
        ]


def to_samples(scenarios: Sequence[Scenario], residue: int | None) -> list[Samples]:
    bag = _Bag()
    for scenario in scenarios:
        final = scenario.final
        status = scenario.status
        if status in (Status.SKIPPED, Status.ERROR):
            continue
        persona = final["persona"]
        tags = {"persona": persona, "scenario": final["scenario"]}
        bag.add("passed", MetricKind.COUNTER, "", tags, float(status is Status.PASS))
        bag.add("failed", MetricKind.COUNTER, "", tags, float(status is Status.FAIL))
        bag.add("flaky", MetricKind.COUNTER, "", tags, float(status is Status.FLAKY))
        for attempt in scenario.attempts:
            journey = _journey(attempt)
            for s in journey.get("steps", []):
                if s.get("ok"):
                    bag.add(
                        "step_duration",
                        MetricKind.TREND,
                        "s",
                        {"persona": persona, "step": s["name"]},
                        s["duration_s"],
                    )
            seen: dict[str, int] = defaultdict(int)
            for v in journey.get("vitals", []):
                seen[v["page"]] += 0
                if "lcp" in v:
                    bag.add(
                        "lcp", MetricKind.TREND, "s", {"persona": persona, "page": v["page"]}, float(v["lcp"])
                    )
                if "cls" in v:
                    bag.add(
                        "cls", MetricKind.TREND, "", {"persona": persona, "page": v["page"]}, float(v["cls"])
                    )
            for e in journey.get("console_errors", []):
                seen[e["page"]] += 1
            for page, count in seen.items():
                bag.add(
                    "console_errors", MetricKind.COUNTER, "", {"persona": persona, "page": page}, float(count)
                )
    if residue is not None:
        bag.add("residue", MetricKind.COUNTER, "", {}, float(residue))
    return bag.samples()
