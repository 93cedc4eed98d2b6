"""``releasegate run``: config -> target -> layers -> gates -> verdict, exit code."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from releasegate import layers as registry
from releasegate.commands.judging import check_baseline, check_history, checked_budgets, judge, with_history
from releasegate.config import Config, Environment
from releasegate.configfile import Layered, layered, load_config
from releasegate.engine import execute, plan
from releasegate.errors import UsageError
from releasegate.exitcodes import ExitCode
from releasegate.progress import Progress
from releasegate.spec import AbortRule, RunOptions
from releasegate.target import resolve, select_environment

if TYPE_CHECKING:
    from releasegate.gates import BudgetSet

__all__ = ["RunSettings", "options_from_args", "resolve_settings", "run_command"]

VERDICT_ENV = "RELEASEGATE_VERDICT"
HOOK_TIMEOUT_S = 300


@dataclass(frozen=True)
class RunSettings:
    """The run-wide settings after precedence (flag > RELEASEGATE_* > file > default)."""

    environment: Environment
    stage: Layered[str]
    layers: Layered[list[str]] | None
    report_dir: Layered[str]
    expect_version: Layered[str | None]
    demo_faults: Layered[list[str]]


def _csv(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _file_value(config: Config, name: str) -> Any:
    return getattr(config, name) if name in config.model_fields_set else None


def resolve_settings(args: argparse.Namespace, config: Config, environ: Mapping[str, str]) -> RunSettings:
    base_url = layered("base_url", cli=args.base_url, default=None, environ=environ).value
    env_name = layered("env", cli=args.env, default=None, environ=environ).value
    env = select_environment(config, env_name=env_name, base_url=base_url, openapi=args.openapi)
    stage = layered(
        "stage",
        cli=args.stage,
        file=_file_value(config, "default_stage"),
        default="pre-deploy",
        environ=environ,
    )
    cli_layers = _csv(args.layers)
    picked = layered("layers", cli=cli_layers, default=[], environ=environ, convert=_csv)
    layers = picked if picked.value else None
    report_dir = layered(
        "report_dir",
        cli=args.report_dir,
        file=_file_value(config, "report_dir"),
        default="reports",
        environ=environ,
    )
    expect = layered(
        "expect_version", cli=args.expect_version, file=env.expect_version, default=None, environ=environ
    )
    faults = layered(
        "demo_faults",
        cli=_csv(args.demo_faults),
        file=env.faults or None,
        default=[],
        environ=environ,
        convert=_csv,
    )
    return RunSettings(env, stage, layers, report_dir, expect, faults)


def _shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        index, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard {text!r}: expected i/n, e.g. 1/4") from None
    if not 1 <= index <= total:
        raise UsageError(f"--shard {text!r}: i must be between 1 and n")
    return index, total


def deployed_at(text: str | None, now: float | None = None) -> float:
    """``--deployed-at`` (ISO 8601 or epoch seconds) as epoch seconds; the run's start without it."""
    if not text:
        return time.time() if now is None else now
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--deployed-at {text!r} is neither ISO 8601 nor epoch seconds",
            hint="e.g. --deployed-at 2026-12-01T09:30:00Z or --deployed-at 1796117400",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _remote_load(args: argparse.Namespace) -> dict[str, Any]:
    """``--expect-workers N --master-bind HOST[:PORT] [--worker-wait S]``: a master for other hosts."""
    expect, bind = getattr(args, "expect_workers", None), getattr(args, "master_bind", None)
    if expect is None and bind is None:
        return {}
    if expect is None or bind is None:
        raise UsageError(
            "--expect-workers and --master-bind go together",
            hint="e.g. --expect-workers 2 --master-bind 0.0.0.0:5557, then on each worker host: "
            "releasegate load-worker --master THIS_HOST:5557",
        )
    if expect < 1:
        raise UsageError(f"--expect-workers {expect} must be 1 or more")
    if args.workers:
        raise UsageError(
            "--workers starts local load workers; --expect-workers waits for workers of other hosts",
            hint="use one of them",
        )
    wait = float(getattr(args, "worker_wait", 60.0))
    if wait <= 0:
        raise UsageError(f"--worker-wait {wait:g} must be above 0 seconds")
    from releasegate.layers._load.workers import parse_bind

    return {"expect_workers": expect, "master_bind": parse_bind(bind), "worker_wait_s": wait}


def options_from_args(args: argparse.Namespace, settings: RunSettings) -> RunOptions:
    extra: dict[str, Any] = {"baseline": args.baseline, "history": not args.no_history}
    if getattr(args, "watch_duration", None) is not None:
        if args.watch_duration <= 0:
            raise UsageError(f"--watch-duration {args.watch_duration:g} must be above 0 seconds")
        extra["watch_duration"] = args.watch_duration
    extra["deployed_at"] = deployed_at(getattr(args, "deployed_at", None))
    return RunOptions(
        allow_production=args.allow_production,
        allow_production_load=args.allow_production_load,
        max_rate=args.max_rate,
        expect_version=settings.expect_version.value,
        workers=args.workers,
        shard=_shard(args.shard),
        headed=args.headed,
        slow_mo_ms=args.slow_mo,
        load_profile=args.profile,
        **_remote_load(args),
        extra=extra,
    )


def run_command(
    args: argparse.Namespace, *, out: TextIO | None = None, environ: Mapping[str, str] | None = None
) -> ExitCode:
    out = out or sys.stdout
    env = os.environ if environ is None else environ
    config = with_history(load_config(args.config, environ=env), getattr(args, "history", None), env)
    settings = resolve_settings(args, config, env)
    options = options_from_args(args, settings)
    budgets = checked_budgets(config, run_layers=_run_layers(config, settings))
    check_baseline(args.baseline)
    check_history(config, budgets, record_history=not args.no_history, baseline=args.baseline)
    the_plan = plan(
        config,
        settings.environment,
        stage=settings.stage.value,
        layers=settings.layers.value if settings.layers else None,
        options=options,
        report_dir=settings.report_dir.value,
        abort_rules=_abort_rules(budgets),
        environ=env,
    )
    progress = Progress(live=False if args.plain else None)
    with resolve(settings.environment, faults=settings.demo_faults.value) as target:
        outcome = execute(the_plan, target.base_url, on_event=progress, environ=env)
    verdict = judge(
        outcome.run_dir,
        outcome.result,
        config,
        budgets,
        baseline=args.baseline,
        record_history=not args.no_history,
        out=out,
        environ=env,
    )
    if outcome.interrupted:
        # an interrupted run proves nothing either way: exit 3, and no rollback hook
        print(f"interrupted ({outcome.interrupted}): the run stopped early, exit 3", file=out)
        return ExitCode.INCONCLUSIVE
    if verdict.exit_code == ExitCode.NO_GO and args.on_no_go:
        _run_hook(args.on_no_go, outcome.run_dir / "verdict.json", env)
    return verdict.exit_code


def _run_layers(config: Config, settings: RunSettings) -> list[str]:
    """The layers the run will hold (the plan checks the names), for the default budgets."""
    if settings.layers:
        return list(settings.layers.value)
    stage = config.stages.get(settings.stage.value)
    return list(stage.layers) if stage else []


def _abort_rules(budgets: BudgetSet) -> dict[str, tuple[AbortRule, ...]]:
    """The live stop rules of every layer."""
    from releasegate.gates import abort_rules

    return {name: abort_rules(budgets, name) for name in registry.LAYER_NAMES}


def _run_hook(command: str, verdict_path: Path, environ: Mapping[str, str]) -> None:
    env = {**environ, VERDICT_ENV: str(verdict_path.resolve())}
    try:
        done = subprocess.run(command, shell=True, env=env, timeout=HOOK_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        print(f"warning: --on-no-go command timed out after {HOOK_TIMEOUT_S}s", file=sys.stderr)
        return
    if done.returncode != 0:
        print(f"warning: --on-no-go command exited with {done.returncode}", file=sys.stderr)
