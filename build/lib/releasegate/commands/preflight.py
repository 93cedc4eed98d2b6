"""``releasegate preflight``: the release checklist, judged by the same gates as a run.

Checks that the variables the configuration names are set (values are never printed), that
the target's /version is the commit being deployed, that its health payload reports the
migrations applied, and optionally a pip-audit of a requirements file and the application's
own line coverage from a Cobertura XML. Writes reports/<run-id>/ like `releasegate run`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from releasegate.commands.judging import checked_budgets, judge
from releasegate.config import Config
from releasegate.configfile import config_error_from_validation, layered, load_config
from releasegate.engine import Plan, execute
from releasegate.errors import UsageError
from releasegate.exitcodes import ExitCode
from releasegate.layers.preflight import (
    LAYER,
    PREFLIGHT_SPEC,
    PreflightOptions,
    PreflightSettings,
    applicable_budgets,
    preflight_budgets,
    run_checks,
)
from releasegate.progress import Progress
from releasegate.results import LayerResult, Status
from releasegate.spec import RunOptions
from releasegate.target import resolve, select_environment

__all__ = ["register", "run"]

STAGE = "preflight"

EXAMPLES = """\
examples:
  releasegate preflight --env staging --expect-version "$GITHUB_SHA"
  releasegate preflight --base-url https://staging.example.com --coverage-xml coverage.xml
  releasegate preflight --env production --requirements requirements.txt --audit

exit codes: 0 GO, 1 NO-GO (a check failed: a missing variable, another version, pending
migrations, vulnerabilities, coverage under its budget), 2 usage or config error,
3 inconclusive (a check could not measure: target unreachable, audit offline).
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "preflight",
        help="release checklist before a deploy: variables, version, migrations, audit, coverage",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--env", metavar="NAME", help="environment from the config")
    parser.add_argument(
        "--base-url", metavar="URL", help="target URL (with --env: that environment's checks)"
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default: releasegate.toml upwards)")
    parser.add_argument("--report-dir", metavar="DIR", help="where run directories go (default: reports)")
    parser.add_argument("--expect-version", metavar="SHA", help="commit or version /version must report")
    parser.add_argument("--requirements", metavar="FILE", type=Path, help="requirements file for --audit")
    parser.add_argument(
        "--audit",
        action="store_true",
        help="audit dependencies with pip-audit (needs network; off by default)",
    )
    parser.add_argument("--coverage-xml", metavar="FILE", type=Path, help="Cobertura XML of the app's tests")
    parser.set_defaults(func=run, handler=run)
    return parser


def _existing(path: Path | None, flag: str) -> Path | None:
    if path is not None and not path.is_file():
        raise UsageError(
            f"{flag} {str(path)!r} does not exist", hint=f"give {flag} the path of an existing file"
        )
    return path


def _settings(config: Config) -> PreflightSettings:
    raw = config.layers.get(LAYER, {})
    try:
        return PreflightSettings.model_validate(raw)
    except ValidationError as exc:
        raise config_error_from_validation(
            exc, file=config.source, model=PreflightSettings, prefix=("layers", LAYER)
        ) from None


def _gate_config(config: Config, budgets: dict[str, object]) -> Config:
    return config.model_copy(update={"budgets": budgets})


def run(args: argparse.Namespace) -> ExitCode:
    environ = dict(os.environ)
    if args.requirements is not None and not args.audit:
        raise UsageError("--requirements is only read by --audit", hint="add --audit, or drop --requirements")
    requirements = _existing(args.requirements, "--requirements")
    coverage_xml = _existing(args.coverage_xml, "--coverage-xml")
    config = load_config(args.config, environ=environ)
    settings = _settings(config)
    env_name = layered("env", cli=args.env, default="", environ=environ).value or None
    base_url = layered("base_url", cli=args.base_url, default="", environ=environ).value or None
    environment = select_environment(config, env_name=env_name, base_url=base_url)
    expect = layered(
        "expect_version",
        cli=args.expect_version,
        file=environment.expect_version,
        default="",
        environ=environ,
    ).value
    report_dir = Path(
        layered(
            "report_dir", cli=args.report_dir, file=config.report_dir, default="reports", environ=environ
        ).value
    )
    checked_budgets(_gate_config(config, preflight_budgets(config)), {LAYER: PREFLIGHT_SPEC})

    options = PreflightOptions(
        config=config,
        expect_version=expect or None,
        requirements=requirements,
        audit=args.audit,
        coverage_xml=coverage_xml,
        environ=environ,
    )
    spec = dataclasses.replace(PREFLIGHT_SPEC, run=lambda ctx: run_checks(ctx, options))
    with resolve(environment) as target:
        plan = Plan(
            config=config,
            environment=target.environment,
            stage=STAGE,
            layers=(spec,),
            settings={LAYER: settings},
            options=RunOptions(expect_version=expect or None),
            report_dir=report_dir,
        )
        outcome = execute(plan, target.base_url, on_event=Progress(), environ=environ)
    result = outcome.result.layer(LAYER)
    checks = dict(result.meta.get("checks", {})) if result is not None else {}
    gate_config = _gate_config(config, applicable_budgets(config, checks))
    budgets = checked_budgets(gate_config, {LAYER: PREFLIGHT_SPEC})
    _print_findings(result)
    judged = judge(outcome.run_dir, outcome.result, gate_config, budgets, record_history=False)
    return judged.exit_code


def _print_findings(result: LayerResult | None) -> None:
    if result is None:
        return
    if result.error:
        print(f"preflight: ERROR {result.error}", file=sys.stderr)
    for rec in result.records:
        if rec.status in (Status.FAIL, Status.ERROR):
            print(f"preflight: {rec.status.value.upper()} {rec.check}: {rec.message}")
