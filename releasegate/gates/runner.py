"""``run_gates``: judge a stored or fresh run, write every report, file it in the history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from releasegate.config import Config
from releasegate.errors import ConfigError, UsageError
from releasegate.gates.baseline import resolve_baseline
from releasegate.gates.budgets import BudgetSet, validate_budgets
from releasegate.gates.evaluate import judge
from releasegate.gates.history import History
from releasegate.gates.model import Verdict
from releasegate.gates.notify import notify_from_config, push_metrics
from releasegate.gates.regress import Baseline
from releasegate.gates.reports.html import render_html
from releasegate.gates.reports.jsonout import render_json
from releasegate.gates.reports.junit import render_junit
from releasegate.gates.reports.markdown import render_markdown
from releasegate.gates.reports.openmetrics import render_openmetrics
from releasegate.gates.reproduce import seed_notes
from releasegate.gates.slo import Event, attach_slo, run_events
from releasegate.results import RunResult
from releasegate.spec import LayerSpec

REPORTS = ("report.html", "summary.md", "junit.xml", "verdict.json", "metrics.prom")


def load_run(run_dir: Path) -> RunResult:
    """``RUN_DIR/results.json``; ConfigError naming the file when missing or invalid."""
    path = run_dir / "results.json"
    if not path.is_file():
        raise ConfigError(f"{path} does not exist", hint="pass the directory of a run, e.g. reports/<run-id>")
    try:
        return RunResult.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path} is not a releasegate results file: {str(exc).splitlines()[0]}") from None


def needs_history(config: Config, budgets: BudgetSet, *, record_history: bool, baseline: str | None) -> bool:
    """Whether judging opens the history: to file the run, for a baseline or for the SLO."""
    return config.history.enabled and (
        record_history or baseline is not None or budgets.uses_baseline or budgets.slo_objective is not None
    )


def run_gates(
    run_dir: Path,
    run: RunResult,
    config: Config,
    *,
    budgets: BudgetSet | None = None,
    baseline: str | None = None,
    record_history: bool = True,
    layers: Mapping[str, LayerSpec] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Verdict:
    """Judge ``run``, write report.html, summary.md, junit.xml and verdict.json into ``run_dir``,
    post the optional notification and file the run in the history.

    ``budgets`` are ``config``'s budgets already validated; without them they are validated
    here against ``layers`` (the layers' specs, handed in by the caller: gates never import
    the layers)."""
    if budgets is None:
        if layers is None:
            raise UsageError("run_gates needs the validated budgets or the layers' specs")
        budgets = validate_budgets(config, layers)
    wants_history = needs_history(config, budgets, record_history=record_history, baseline=baseline)
    if baseline is not None and not config.history.enabled:
        raise UsageError("--baseline needs the history, which [history] enabled = false switches off")
    notes: list[str] = []
    history = History(config.history.location) if wants_history else None
    try:
        chosen: Baseline | None = None
        if baseline is not None and history is not None:
            chosen = resolve_baseline(baseline, run, history)
        elif needs_baseline_run(budgets, run) and history is not None:
            try:
                chosen = resolve_baseline("last-pass", run, history)
            except UsageError as exc:
                notes.append(f"no baseline: {exc.message}")
        events = run_events(run, history, budgets.slo_source)
        judged = (
            run
            if budgets.slo_objective is None
            else attach_slo(run, events, budgets.slo_objective, budgets.slo_source)
        )
        verdict = judge(judged, budgets, baseline=chosen)
        if history is not None:
            notes += seed_notes(run, history)
        notes += [f"{lr.layer}: {note}" for lr in run.layers for note in lr.meta.get("notes") or []]
        verdict.notes.extend(notes)
        note = notify_from_config(config, verdict, run, environ)
        if note:
            verdict.notes.append(note)
        pushed = push_metrics(config, render_openmetrics(verdict, judged), judged)
        if pushed:
            verdict.notes.append(pushed)
        write_reports(run_dir, verdict, judged, availability=_availability(events))
        if record_history and history is not None:
            history.record(run, verdict)
    finally:
        if history is not None:
            history.close()
    return verdict


def needs_baseline_run(budgets: BudgetSet, run: RunResult) -> bool:
    """Whether a budget of a layer in ``run`` names ``baseline`` that only an earlier run can give:
    budgets of layers not in the run, and of layers carrying their own before-window
    (``baseline_samples``), need none."""
    for b in budgets:
        if not b.uses_baseline:
            continue
        layer = run.layer(b.layer)
        if layer is None and b.layer not in run.info.layers:
            continue
        if layer is not None and layer.baseline_samples:
            continue
        return True
    return False


def write_reports(
    run_dir: Path,
    verdict: Verdict,
    run: RunResult,
    *,
    availability: list[tuple[datetime, float]] | None = None,
) -> dict[str, Path]:
    run_dir.mkdir(parents=True, exist_ok=True)
    rendered = {
        "report.html": render_html(verdict, run, availability=availability or []),
        "summary.md": render_markdown(verdict),
        "junit.xml": render_junit(verdict),
        "verdict.json": render_json(verdict),
        "metrics.prom": render_openmetrics(verdict, run),
    }
    paths = {}
    for name, text in rendered.items():
        path = run_dir / name
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths


def _availability(events: list[Event]) -> list[tuple[datetime, float]]:
    return [(e.at, e.good / e.total) for e in sorted(events, key=lambda e: e.at) if e.total]
