"""The ``releasegate`` command line: parses flags, prints, and picks the exit code.

Only this module prints errors and turns them into exit codes (see
:class:`~releasegate.exitcodes.ExitCode`); nothing below it imports it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
from collections.abc import Sequence
from types import FrameType

from releasegate import __version__
from releasegate.errors import ReleasegateError
from releasegate.exitcodes import ExitCode

__all__ = ["build_parser", "main"]

RUN_EXAMPLES = """\
examples:
  releasegate run                                   every pre-deploy layer against the embedded demo
  releasegate run --stage post-deploy --layers smoke
  releasegate run --demo-faults unhealthy           see a NO-GO without breaking anything
  releasegate run --env staging --expect-version 3f9c2a1
  releasegate run --base-url https://staging.example.com --layers smoke,contract
  releasegate run --env production --stage post-deploy --on-no-go ./rollback.sh
  releasegate run --layers load --expect-workers 2 --master-bind 0.0.0.0:5557
                                                    load from 2 hosts running releasegate load-worker

exit codes: 0 GO (warnings allowed), 1 NO-GO, 2 usage/config error, 3 inconclusive
environment: RELEASEGATE_ENV, RELEASEGATE_STAGE, RELEASEGATE_LAYERS, RELEASEGATE_BASE_URL,
  RELEASEGATE_CONFIG, RELEASEGATE_REPORT_DIR, RELEASEGATE_EXPECT_VERSION, RELEASEGATE_DEMO_FAULTS,
  RELEASEGATE_HISTORY
  (a flag beats its variable, which beats releasegate.toml, which beats the default)
"""


def _add_config(parser: argparse._ActionsContainer) -> None:
    parser.add_argument("--config", metavar="FILE", help="releasegate.toml to use (default: search upwards)")


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser(
        "run",
        help="run the layers of a stage and judge them",
        description="Run the layers of a stage against an environment, judge them against the budgets, "
        "and print the verdict and where the report is.",
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = run.add_argument_group("target")
    target.add_argument("--env", metavar="NAME", help="environment from the config (default: demo, embedded)")
    target.add_argument(
        "--base-url", metavar="URL", help="verify this URL (with --env: that environment's checks)"
    )
    target.add_argument("--openapi", metavar="PATH_OR_URL", help="the OpenAPI spec when not at /openapi.json")
    target.add_argument("--demo-faults", metavar="F[,F]", help="start the embedded demo with these faults")
    what = run.add_argument_group("what runs")
    what.add_argument("--stage", metavar="NAME", help="pre-deploy or post-deploy (default: pre-deploy)")
    what.add_argument("--layers", metavar="A,B", help="only these layers: smoke,contract,e2e,load,web")
    _add_config(what)
    what.add_argument("--report-dir", metavar="DIR", help="where run directories go (default: reports)")
    what.add_argument("--expect-version", metavar="SHA", help="the version/commit the target must report")
    what.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")
    safety = run.add_argument_group("safety")
    safety.add_argument("--allow-production", action="store_true", help="allow write scenarios on production")
    safety.add_argument("--allow-production-load", action="store_true", help="allow load on production")
    safety.add_argument("--max-rate", metavar="RPS", type=float, help="cap the request rate of load")
    tuning = run.add_argument_group("layer tuning")
    tuning.add_argument("--workers", metavar="N", type=int, help="parallel workers (e2e)")
    tuning.add_argument("--shard", metavar="I/N", help="run shard I of N (e2e)")
    tuning.add_argument("--headed", action="store_true", help="show the browser (e2e)")
    tuning.add_argument(
        "--slow-mo", metavar="MS", type=int, default=0, help="slow browser actions down (e2e)"
    )
    tuning.add_argument("--profile", metavar="NAME", help="load profile from [layers.load.profiles]")
    tuning.add_argument(
        "--expect-workers",
        metavar="N",
        type=int,
        help="load: run the master for N workers on other hosts (each: releasegate load-worker)",
    )
    tuning.add_argument(
        "--master-bind", metavar="HOST[:PORT]", help="load: where that master listens (port 5557 by default)"
    )
    tuning.add_argument(
        "--worker-wait",
        metavar="SECONDS",
        type=float,
        default=60.0,
        help="load: how long the master waits for its workers (default: 60)",
    )
    tuning.add_argument(
        "--watch-duration",
        metavar="SECONDS",
        type=float,
        help="how long the watch lasts (default: duration_s)",
    )
    tuning.add_argument(
        "--deployed-at",
        metavar="TIME",
        help="when the deploy happened, ISO 8601 or epoch seconds (watch baseline; default: the run's start)",
    )
    judging = run.add_argument_group("judging")
    judging.add_argument("--baseline", metavar="REF", help="last-pass, a run id, or median:N")
    judging.add_argument("--no-history", action="store_true", help="do not file this run in the history")
    judging.add_argument(
        "--history", metavar="URL", help="postgresql://... or a SQLite file (default: [history])"
    )
    judging.add_argument(
        "--on-no-go", metavar="COMMAND", help="run COMMAND on NO-GO with RELEASEGATE_VERDICT=<verdict.json>"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="releasegate",
        description="Release verification: layered suites against an environment, "
        "judged against one budget file.",
        epilog="Run `releasegate run --help` for examples.",
    )
    parser.add_argument("--version", action="version", version=f"releasegate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_run(sub)
    envs = sub.add_parser("envs", help="list the environments and stages of the config")
    _add_config(envs)
    layers = sub.add_parser("layers", help="list the layers, their stages and the metrics budgets may name")
    _add_config(layers)
    from releasegate.commands import init, install, judge, load_worker, merge, preflight, sla, slo, watch

    init.register(sub)
    install.register(sub)
    judge.register(sub)
    load_worker.register(sub)
    merge.register(sub)
    preflight.register(sub)
    slo.register(sub)
    sla.register(sub)
    watch.register(sub)
    return parser


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _dispatch(args: argparse.Namespace) -> ExitCode:
    if args.command == "preflight":
        from releasegate.commands.preflight import run as preflight_command

        return preflight_command(args)
    if args.command == "install":
        from releasegate.commands.install import run as install_command

        return install_command(args)
    if args.command == "judge":
        from releasegate.commands.judge import run as judge_command

        return judge_command(args)
    if args.command == "load-worker":
        from releasegate.commands.load_worker import run as load_worker_command

        return load_worker_command(args)
    if args.command == "merge":
        from releasegate.commands.merge import run as merge_command

        return merge_command(args)
    if args.command == "init":
        from releasegate.commands.init import run as init_command

        return init_command(args)
    if args.command == "slo":
        from releasegate.commands.slo import run as slo_command

        return slo_command(args)
    if args.command == "sla":
        from releasegate.commands.sla import run as sla_command

        return sla_command(args)
    if args.command == "watch":
        from releasegate.commands.watch import run as watch_command

        return watch_command(args)
    if args.command == "run":
        from releasegate.commands.run import run_command

        return run_command(args)
    from releasegate.commands.info import envs_command, layers_command

    return envs_command(args) if args.command == "envs" else layers_command(args)


def main(argv: Sequence[str] | None = None) -> ExitCode:
    """Entry point of the console script; returns the exit code, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return ExitCode.GO if exc.code in (0, None) else ExitCode.USAGE
    previous = None
    # SIGTERM stops a run as Ctrl-C does (children stopped, reports written), also when a handler
    # of someone else's was installed first (coverage's, a wrapper's); only an ignored one is kept
    if (
        args.command in ("run", "preflight", "load-worker")
        and signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN
    ):
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _dispatch(args)
    except ReleasegateError as exc:
        print(f"releasegate: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(textwrap.indent(f"hint: {exc.hint}", "  "), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("releasegate: interrupted; nothing was judged", file=sys.stderr)
        return ExitCode.INCONCLUSIVE
    except Exception as exc:
        if os.environ.get("RELEASEGATE_DEBUG"):
            raise
        print(f"releasegate: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("  hint: rerun with RELEASEGATE_DEBUG=1 for the traceback", file=sys.stderr)
        return ExitCode.INCONCLUSIVE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
