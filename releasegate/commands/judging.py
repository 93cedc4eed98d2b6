"""One judge -> print path for ``run``, ``preflight`` and ``judge``.

Every command that ends in a verdict validates its budgets against the layers' specs before
anything starts (:func:`checked_budgets`, :func:`check_baseline`), then calls :func:`judge`
once the results exist, which writes the reports, prints the verdict in one shape and, under
GitHub Actions, the annotations and the step summary.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from releasegate import layers as registry
from releasegate.config import Config
from releasegate.defaults import with_defaults
from releasegate.exitcodes import ExitCode
from releasegate.results import LayerStatus, RunResult, Status
from releasegate.spec import LayerSpec

if TYPE_CHECKING:
    from releasegate.gates import BudgetSet

__all__ = [
    "Judged",
    "check_baseline",
    "check_history",
    "checked_budgets",
    "failing_lines",
    "judge",
    "specs",
    "with_history",
]


@dataclass(frozen=True)
class Judged:
    """What the CLI prints and exits with."""

    decision: str  # GO, GO (with warnings), NO-GO, INCONCLUSIVE
    exit_code: ExitCode
    reason: str


def specs() -> dict[str, LayerSpec]:
    """Every installed layer's spec (the metric catalogue gates validate budgets against)."""
    return registry.available()


def checked_budgets(
    config: Config,
    layers: Mapping[str, LayerSpec] | None = None,
    *,
    run_layers: Sequence[str] = (),
) -> BudgetSet:
    """Every budget of ``config`` validated before anything runs (ConfigError, exit 2).

    Each of ``run_layers`` that ``config`` gives no budget gets the shipped defaults
    (:mod:`releasegate.defaults`), so a run without a config is still judged.
    """
    from releasegate.gates import validate_budgets

    if run_layers:
        merged = with_defaults(config.budgets, run_layers)
        if merged != config.budgets:
            config = config.model_copy(update={"budgets": merged})
    return validate_budgets(config, specs() if layers is None else layers)


def check_baseline(spec: str | None) -> None:
    """``--baseline`` checked before anything runs (UsageError, exit 2)."""
    if spec is not None:
        from releasegate.gates.baseline import check_baseline_spec

        check_baseline_spec(spec)


def with_history(config: Config, chosen: str | None, environ: Mapping[str, str] | None = None) -> Config:
    """``config`` with the history ``--history`` (> ``RELEASEGATE_HISTORY`` > ``[history]``)
    names: a ``postgresql://`` URL, ``sqlite:///path`` or a file path."""
    from releasegate.configfile import layered
    from releasegate.gates.historydb import POSTGRES_SCHEMES, check_location

    location = layered("history", cli=chosen, default="", environ=environ).value
    if not location:
        return config
    check_location(location)
    scheme = location.split("://", 1)[0].lower() if "://" in location else ""
    if scheme in POSTGRES_SCHEMES:
        update: dict[str, str | None] = {"url": location}
    else:
        update = {"url": None, "path": location.split("://", 1)[1] if scheme else location}
    return config.model_copy(update={"history": config.history.model_copy(update=update)})


def check_history(config: Config, budgets: BudgetSet, *, record_history: bool, baseline: str | None) -> None:
    """Open the history once before anything runs when judging will need it (creating or
    upgrading its schema), so an unreachable database or a wrong URL stops a run before it
    starts (HistoryError, exit 3), not after."""
    from releasegate.gates.history import History
    from releasegate.gates.runner import needs_history

    if needs_history(config, budgets, record_history=record_history, baseline=baseline):
        History(config.history.location).close()


def judge(
    run_dir: Path,
    run: RunResult,
    config: Config,
    budgets: BudgetSet,
    *,
    baseline: str | None = None,
    record_history: bool = True,
    out: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> Judged:
    """Judge ``run``, write every report into ``run_dir`` and print the verdict."""
    from releasegate.gates import github_annotations, run_gates
    from releasegate.gates.reports.markdown import render_markdown

    out = out or sys.stdout
    env = os.environ if environ is None else environ
    verdict = run_gates(
        run_dir, run, config, budgets=budgets, baseline=baseline, record_history=record_history, environ=env
    )
    if env.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(verdict):
            print(line, file=out)
        summary = env.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(render_markdown(verdict))
    judged = Judged(verdict.decision.label, ExitCode(verdict.exit_code), verdict.reason)
    report = run_dir / "report.html"
    print(f"verdict: {judged.decision}", file=out)
    print(f"reason: {judged.reason}", file=out)
    for note in verdict.notes:
        print(f"note: {note}", file=out)
    if judged.exit_code != ExitCode.GO:
        for line in failing_lines(run):
            print(line, file=out)
    print(f"report: {report if report.exists() else run_dir / 'results.json'}", file=out)
    return judged


def failing_lines(run: RunResult, limit: int = 5) -> list[str]:
    """The failing checks and broken layers, one line each, for the end of the output."""
    lines = [f"  layer {lr.layer}: {lr.error}" for lr in run.layers if lr.status == LayerStatus.ERROR]
    bad = [r for lr in run.layers for r in lr.records if r.status in (Status.FAIL, Status.ERROR)]
    lines += [f"  failed: [{r.layer}] {r.message or r.check}" for r in bad[:limit]]
    if len(bad) > limit:
        lines.append(f"  ... and {len(bad) - limit} more failing checks in the report")
    return lines
