"""``releasegate slo``: availability and error-budget burn rates from the run history.

The uptime schedule runs the smoke layer every few minutes; each run's ``smoke.availability``
lands in the history (``[history] path``, or ``url`` for PostgreSQL). This command computes
availability per window and the multi-window burn rates (1 h / 5 m at 14.4x, 6 h / 30 m at 6x)
against the objective.
"""

from __future__ import annotations

import argparse
from typing import Any

from releasegate.configfile import load_config
from releasegate.errors import UsageError
from releasegate.exitcodes import ExitCode

__all__ = ["register", "run"]

EXAMPLES = """\
examples:
  releasegate slo --env production
  releasegate slo --env production --objective 99.9%
  releasegate slo --history reports/history.sqlite --env staging
  releasegate slo --history postgresql://ci@history.internal:5432/releasegate --env production

exit codes: 0 within budget, 1 a fast or slow burn alert is firing, 2 usage or config error,
3 no availability data for the environment in the history.
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "slo",
        help="availability and error-budget burn rates from the history (uptime)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE", help="releasegate.toml to use (default: search upwards)")
    parser.add_argument("--env", metavar="NAME", help="environment to report on (default: the config's)")
    parser.add_argument(
        "--history", metavar="URL", help="postgresql://... or a SQLite file (default: [history])"
    )
    parser.add_argument(
        "--objective", metavar="PERCENT", default="99.5%", help="availability objective (default: 99.5%%)"
    )
    return parser


def run(args: argparse.Namespace) -> ExitCode:
    from releasegate.commands.judging import with_history
    from releasegate.gates.budgets import parse_objective
    from releasegate.gates.slo import slo_report

    config = with_history(load_config(args.config), args.history)
    environment = args.env or config.default_environment
    history = config.history.location
    objective = parse_objective(args.objective, lambda message: UsageError(f"--{message}"))
    from releasegate.commands.judging import specs
    from releasegate.spec import slo_source

    report = slo_report(history, environment, source=slo_source(specs()), objective=objective)
    print(report.render())
    return report.exit_code
