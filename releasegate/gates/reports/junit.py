"""``junit.xml``: one test case per budget, grouped in a test suite per layer.

``fail`` -> <failure> (value, limit and delta in the message); error-level ``inconclusive``
-> <error>; ``off`` and tolerated inconclusive -> <skipped>; ``warn`` passes with the
warning in <system-out>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from releasegate.gates.model import BudgetStatus, BudgetVerdict, Verdict
from releasegate.gates.units import fmt_delta, fmt_value


def render_junit(verdict: Verdict) -> str:
    suites = ET.Element("testsuites", name="releasegate", tests=str(len(verdict.budgets)))
    failures = errors = skipped = 0
    ordered = sorted(verdict.budgets, key=lambda b: b.layer or b.key.split(".")[0])
    for layer, group in groupby(ordered, key=lambda b: b.layer or b.key.split(".")[0]):
        items = list(group)
        suite = ET.SubElement(suites, "testsuite", name=f"releasegate.{layer}", tests=str(len(items)))
        counts = {"failures": 0, "errors": 0, "skipped": 0}
        for b in items:
            kind = _case(suite, layer, b)
            if kind:
                counts[kind] += 1
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


def _detail(b: BudgetVerdict) -> str:
    lines = [
        f"budget:   {b.key} {b.expr} (level {b.level})",
        f"observed: {fmt_value(b.observed, b.unit)} ({b.samples} samples)",
        f"limit:    {b.operator} {fmt_value(b.limit, b.unit)}".rstrip(),
    ]
    if b.delta is not None:
        lines.append(f"delta:    {fmt_delta(b.delta)}")
    if b.baseline is not None:
        lines.append(f"baseline: {fmt_value(b.baseline, b.unit)} ({fmt_delta(b.baseline_delta)})")
    lines += [f"evidence: {e}" for e in b.evidence]
    return "\n".join(lines)
