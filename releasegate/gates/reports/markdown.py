"""``summary.md`` for ``$GITHUB_STEP_SUMMARY`` and pull-request comments, and GitHub annotations."""

from __future__ import annotations

from releasegate.gates.model import BudgetStatus, BudgetVerdict, Decision, Verdict
from releasegate.gates.units import fmt_delta, fmt_value, fmt_vs_baseline
from releasegate.redact import MASK

STEP_SUMMARY_LIMIT = 1024 * 1024  # GitHub refuses a step summary larger than 1 MiB
TOP_FINDINGS = 5
MAX_FINDING_SECTIONS = 20
MAX_WINDOW_ROWS = 20

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


def render_markdown(verdict: Verdict, *, limit: int = STEP_SUMMARY_LIMIT) -> str:
    """The summary, cut at a line boundary with a note when it would pass ``limit`` bytes."""
    text = _render(verdict)
    if len(text.encode("utf-8")) <= limit:
        return text
    note = (
        f"\n\n> ✂️ Truncated to stay under GitHub's {limit // 1024} KiB step-summary limit: "
        "the whole verdict is in `report.html` and `verdict.json` of the run.\n"
    )
    budget = limit - len(note.encode("utf-8"))
    kept: list[str] = []
    size = 0
    for line in text.splitlines():
        size += len(line.encode("utf-8")) + 1
        if size > budget:
            break
        kept.append(line)
    if sum(1 for line in kept if line.startswith("```")) % 2:
        kept.append("```")  # close a cut code block
    return "\n".join(kept).rstrip() + note


def _render(verdict: Verdict) -> str:
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
        lines += ["Layers: " + " · ".join(_layer(la.name, la.status, la.failed_budgets) for la in verdict.layers), ""]
    problems = verdict.problems
    if problems:
        causes = _causes(problems)
        lines += [*causes[1:], ""] if causes else []
        lines += _table(problems)
    windows = _windows(verdict.problems + verdict.passed)
    if windows:
        lines += ["", *windows]
    if verdict.notes:
        lines += ["", *[f"> **Note:** {_cell(n)}" for n in verdict.notes]]
    passed = [b for b in verdict.passed if b.status is BudgetStatus.PASS]
    off = [b for b in verdict.passed if b.status is BudgetStatus.OFF]
    if passed:
        lines += ["", f"<details><summary>{len(passed)} passed</summary>", "", *_table(passed), "", "</details>"]
    if off:
        lines += ["", f"<details><summary>{len(off)} not judged (off)</summary>", "",
                  *[f"- `{_cell(b.key)}` `{_cell(b.expr)}`: {_cell(b.message)}" for b in off], "", "</details>"]
    return "\n".join(lines).rstrip() + "\n"


def _layer(name: str, status: str, failed_budgets: int) -> str:
    if status == "ok" and failed_budgets:
        return f"❌ {name} failed budgets: {failed_budgets}"
    return f"{LAYER_ICONS.get(status, '•')} {name} {status}"


def _causes(problems: list[BudgetVerdict]) -> list[str]:
    """Per problem budget its top findings and one reproduction."""
    lines: list[str] = []
    for b in [b for b in problems if b.findings][:MAX_FINDING_SECTIONS]:
        lines += ["", f"### {STATUS_ICONS[b.status]} `{_cell(b.key)}`", ""]
        for f in b.findings[:TOP_FINDINGS]:
            lines.append(f"- **{_cell(f.where)}**: {_cell(f.what)} (×{f.count})")
        if len(b.findings) > TOP_FINDINGS:
            lines.append(f"- … and {len(b.findings) - TOP_FINDINGS} more in report.html")
        commands = next((f.commands for f in b.findings if f.commands), [])
        if commands:
            lines += ["", "Reproduce:", "", "```sh"]
            lines += [c.replace(MASK, "$SECRET") for c in commands]
            lines.append("```")
    return lines


def _windows(items: list[BudgetVerdict]) -> list[str]:
    """Budgets charted as windows (a layer's own before/after): baseline vs now, with the limit."""
    shown = [b for b in items if b.chart == "windows" and (b.observed is not None or b.baseline is not None)]
    if not shown:
        return []
    rows = ["Before vs after the change:", "", "| | metric | baseline | now | limit |", "|---|---|---|---|---|"]
    for b in shown[:MAX_WINDOW_ROWS]:
        aggregation = b.comparisons[0].aggregation if b.comparisons else ""
        limit = f"{b.operator} {fmt_value(b.limit, b.unit)}" if b.limit is not None else "n/a"
        rows.append(
            f"| {STATUS_ICONS[b.status]} | `{_cell(b.key)}` {_cell(aggregation)} | {fmt_value(b.baseline, b.unit)} | "
            f"{fmt_value(b.observed, b.unit)} | {_cell(limit)} |"
        )
    if len(shown) > MAX_WINDOW_ROWS:
        rows.append(f"| | … {len(shown) - MAX_WINDOW_ROWS} more in report.html | | | |")
    return rows


def _table(items: list[BudgetVerdict]) -> list[str]:
    rows = ["| | budget | observed | limit | Δ | vs baseline |", "|---|---|---|---|---|---|"]
    for b in items:
        limit = f"{b.operator} {fmt_value(b.limit, b.unit)}" if b.limit is not None else "n/a"
        base = ""
        if b.baseline is not None:
            base = fmt_vs_baseline(b.baseline, b.baseline_delta, b.unit)
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
