"""``releasegate sla``: the calendar month's availability from the scheduled smoke runs.

Counted by time from the history's probe runs (each covers the interval until the next; a gap
longer than the schedule's interval is unknown, not up): availability, downtime, the error
budget allowed / used / remaining, the incidents with the checks that failed, and whether the
objective was met.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from releasegate.configfile import load_config
from releasegate.errors import UsageError
from releasegate.exitcodes import ExitCode

__all__ = ["register", "run"]

EXAMPLES = """\
examples:
  releasegate sla --env production
  releasegate sla --env production --month 2026-11 --objective 99.9% --format html > sla.html
  releasegate sla --history postgresql://ci@history.internal:5432/releasegate --format json

exit codes: 0 objective met, 1 objective missed, 2 usage or config error, 3 nothing observed
in the month.
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sla",
        help="the month's availability, downtime, error budget and incidents from the history",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE", help="releasegate.toml to use (default: search upwards)")
    parser.add_argument("--month", metavar="YYYY-MM", help="calendar month, UTC (default: the current one)")
    parser.add_argument("--env", metavar="NAME", help="environment to report on (default: the config's)")
    parser.add_argument(
        "--objective", metavar="PERCENT", default="99.5%", help="availability objective (default: 99.5%%)"
    )
    parser.add_argument(
        "--history", metavar="URL", help="postgresql://... or a SQLite file (default: [history])"
    )
    parser.add_argument(
        "--interval",
        metavar="DURATION",
        help="the probe schedule's period, e.g. 5m (default: the median gap between probe runs)",
    )
    parser.add_argument("--format", choices=("md", "html", "json"), default="md", help="output (default: md)")
    return parser


def run(args: argparse.Namespace) -> ExitCode:
    from releasegate.commands.judging import specs, with_history
    from releasegate.gates.budgets import parse_duration, parse_objective
    from releasegate.gates.sla import month_bounds, monthly_report, render_html, render_json, render_markdown
    from releasegate.spec import slo_source

    config = with_history(load_config(args.config), args.history)
    now = datetime.now(UTC)
    month = args.month or f"{now:%Y-%m}"
    try:
        month_bounds(month)
    except ValueError as exc:
        raise UsageError(f"--month: {exc}") from None
    interval = None
    if args.interval:
        try:
            interval = parse_duration(args.interval)
        except ValueError as exc:
            raise UsageError(f"--interval: {exc}") from None
    objective = parse_objective(args.objective, lambda message: UsageError(f"--{message}"))
    report = monthly_report(
        config.history.location,
        args.env or config.default_environment,
        source=slo_source(specs()),
        month=month,
        objective=objective,
        interval_s=interval,
        now=now,
    )
    render = {"md": render_markdown, "html": render_html, "json": render_json}[args.format]
    print(render(report), end="")
    if report.met is None:
        return ExitCode.INCONCLUSIVE
    return ExitCode.GO if report.met else ExitCode.NO_GO
