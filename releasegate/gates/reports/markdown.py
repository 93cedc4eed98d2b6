"""``summary.md`` for ``$GITHUB_STEP_SUMMARY`` and pull-request comments, and GitHub annotations."""

from __future__ import annotations

from releasegate.gates.model import BudgetStatus, BudgetVerdict, Decision, Verdict
from releasegate.gates.units import fmt_delta, fmt_value

ICONS = {
    Decision.GO: "✅",
    Decision.GO_WITH_WARNINGS: "⚠️",
    Decision.NO_GO: "❌",
    Decision.INCONCLUSIVE: "❔",
}
STATUS_ICONS = {
    BudgetStatus.PASS: "✅",
    BudgetStatus.WARN: "⚠️",
    BudgetStatus.FAIL: "❌",
    BudgetStatus.INCONCLUSIVE: "❔",
    BudgetStatus.OFF: "➖",
}
LAYER_ICONS = {"ok": "✅", "error": "❔", "missing": "❔", "aborted": "❌", "skipped": "➖"}


def render_markdown(verdict: Verdict) -> str:
    d = verdict.decision
    lines = [f"## {ICONS[d]} {d.label}", "", f"**{_cell(verdict.reason)}**", ""]
    run = verdict.run
    if run:
        facts = [f"`{run.environment}`", run.stage, f"run `{run.run_id}`"]
        if run.commit:
            facts.append(f"commit `{run.commit}`")
        if verdict.baseline_run:
            facts.append(f"baseline {verdict.baseline_run}")
        lines += [" · ".join(facts), ""]
    if verdict.layers:
        lines += ["Layers: " + " · ".join(f"{LAYER_ICONS.get(la.status, '•')} {la.name} {la.status}"
                                           for la in verdict.layers), ""]
    problems = verdict.problems
    if problems:
        lines += _table(problems)
    passed = [b for b in verdict.passed if b.status is BudgetStatus.PASS]
    off = [b for b in verdict.passed if b.status is BudgetStatus.OFF]
    if passed:
        lines += ["", f"<details><summary>{len(passed)} passed</summary>", "", *_table(passed), "", "</details>"]
    if off:
        lines += ["", f"<details><summary>{len(off)} not judged (off)</summary>", "",
                  *[f"- `{_cell(b.key)}` `{_cell(b.expr)}`: {_cell(b.message)}" for b in off], "", "</details>"]
    return "\n".join(lines).rstrip() + "\n"


def _table(items: list[BudgetVerdict]) -> list[str]:
    rows = ["| | budget | observed | limit | Δ | vs baseline |", "|---|---|---|---|---|---|"]
    for b in items:
        limit = f"{b.operator} {fmt_value(b.limit, b.unit)}" if b.limit is not None else "n/a"
        base = ""
        if b.baseline is not None:
            base = f"{fmt_value(b.baseline, b.unit)} ({fmt_delta(b.baseline_delta)})"
        rows.append(
            f"| {STATUS_ICONS[b.status]} {b.status.value} | `{_cell(b.key)}` `{_cell(b.expr)}` | "
            f"{fmt_value(b.observed, b.unit)} | {_cell(limit)} | {fmt_delta(b.delta)} | {base} |"
        )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def github_annotations(verdict: Verdict) -> list[str]:
    """``::error`` / ``::warning`` workflow commands for the problems (the CLI prints them in Actions)."""
    out = []
    for b in verdict.problems:
        blocking = b.level == "error" and not b.allow_missing
        if b.status is BudgetStatus.FAIL or (b.status is BudgetStatus.INCONCLUSIVE and blocking):
            command = "error"
        elif b.status is BudgetStatus.WARN:
            command = "warning"
        else:
            command = "notice"
        title = _escape_property(f"releasegate {b.status.value}: {b.key}")
        out.append(f"::{command} title={title}::{_escape_data(b.message)}")
    return out


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
