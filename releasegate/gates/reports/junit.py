"""``junit.xml``: one test case per budget, and one per finding source (the operation,
persona step, endpoint, page or URL a finding behind a problem budget happened at, with the
time its check took), grouped in a test suite per layer.

``fail`` -> <failure> (value, limit and delta in the message); error-level ``inconclusive``
-> <error>; ``off`` and tolerated inconclusive -> <skipped>; ``warn`` passes with the
warning in <system-out>. A finding source fails (<failure> carrying the cause) when one of
its findings feeds an error-level budget that failed; otherwise it passes with the causes
in <system-out>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from releasegate.gates.model import BudgetStatus, BudgetVerdict, Verdict
from releasegate.gates.units import fmt_delta, fmt_value, fmt_vs_baseline
from releasegate.results import Finding


def _sources(verdict: Verdict) -> dict[str, dict[str, list[tuple[Finding, bool]]]]:
    """layer -> where -> its findings, each with whether it feeds a failed error-level budget."""
    out: dict[str, dict[str, list[tuple[Finding, bool]]]] = {}
    for b in verdict.problems:
        failing = b.status is BudgetStatus.FAIL and b.level == "error"
        for f in b.findings:
            entries = out.setdefault(f.layer, {}).setdefault(f.where, [])
            known = next((i for i, (g, _) in enumerate(entries) if g == f), None)
            if known is None:
                entries.append((f, failing))
            elif failing:
                entries[known] = (f, True)
    return out


def render_junit(verdict: Verdict) -> str:
    sources = _sources(verdict)
    total = len(verdict.budgets) + sum(len(w) for w in sources.values())
    suites = ET.Element("testsuites", name="releasegate", tests=str(total))
    failures = errors = skipped = 0
    ordered = sorted(verdict.budgets, key=lambda b: b.layer or b.key.split(".")[0])
    grouped = {layer: list(g) for layer, g in groupby(ordered, key=lambda b: b.layer or b.key.split(".")[0])}
    for layer in [*grouped, *(name for name in sources if name not in grouped)]:
        items = grouped.get(layer, [])
        found = sources.get(layer, {})
        suite = ET.SubElement(
            suites, "testsuite", name=f"releasegate.{layer}", tests=str(len(items) + len(found))
        )
        counts = {"failures": 0, "errors": 0, "skipped": 0}
        for b in items:
            kind = _case(suite, layer, b)
            if kind:
                counts[kind] += 1
        for where, entries in found.items():
            if _source_case(suite, layer, where, entries):
                counts["failures"] += 1
        for name, value in counts.items():
            suite.set(name, str(value))
        failures, errors, skipped = failures + counts["failures"], errors + counts["errors"], skipped + counts["skipped"]
    suites.set("failures", str(failures))
    suites.set("errors", str(errors))
    suites.set("skipped", str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _case(suite: ET.Element, layer: str, b: BudgetVerdict) -> str | None:
    case = ET.SubElement(suite, "testcase", classname=f"releasegate.{layer}", name=f"{b.key} [{b.expr}]")
    detail = _detail(b)
    if b.status is BudgetStatus.FAIL:
        ET.SubElement(case, "failure", message=b.message, type=b.level).text = detail
        return "failures"
    if b.status is BudgetStatus.INCONCLUSIVE and b.level == "error" and not b.allow_missing:
        ET.SubElement(case, "error", message=b.message, type="inconclusive").text = detail
        return "errors"
    if b.status in (BudgetStatus.OFF, BudgetStatus.INCONCLUSIVE):
        ET.SubElement(case, "skipped", message=b.message)
        return "skipped"
    ET.SubElement(case, "system-out").text = ("WARNING: " if b.status is BudgetStatus.WARN else "") + b.message
    return None


def _source_case(suite: ET.Element, layer: str, where: str, entries: list[tuple[Finding, bool]]) -> bool:
    times = [f.duration_s for f, _ in entries if f.duration_s is not None]
    case = ET.SubElement(
        suite, "testcase", classname=f"releasegate.{layer}.findings", name=where, time=f"{max(times, default=0.0):.3f}"
    )
    lines = []
    for f, _ in entries:
        lines.append(f"{f.kind}: {f.what} (x{f.count})")
        lines += [f"  reproduce: {c}" for c in f.commands]
        lines += [f"  evidence:  {p}" for p in f.evidence]
    failing = [f for f, bad in entries if bad]
    if failing:
        first = failing[0]
        ET.SubElement(case, "failure", message=f"{first.what} (x{first.count})", type=first.kind).text = "\n".join(
            lines
        )
        return True
    ET.SubElement(case, "system-out").text = "\n".join(lines)
    return False


def _detail(b: BudgetVerdict) -> str:
    lines = [
        f"budget:   {b.key} {b.expr} (level {b.level})",
        f"observed: {fmt_value(b.observed, b.unit)} ({b.samples} samples)",
        f"limit:    {b.operator} {fmt_value(b.limit, b.unit)}".rstrip(),
    ]
    if b.delta is not None:
        lines.append(f"delta:    {fmt_delta(b.delta)}")
    if b.baseline is not None:
        lines.append(f"baseline: {fmt_vs_baseline(b.baseline, b.baseline_delta, b.unit)}")
    lines += [f"finding:  {f.where}: {f.what} (x{f.count})" for f in b.findings]
    lines += [f"evidence: {e}" for e in b.evidence]
    return "\n".join(lines)
