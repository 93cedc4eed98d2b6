"""``releasegate judge RUN_DIR``: re-judge and re-render a stored run without rerunning anything.

New budgets, a baseline comparison, or a merged run: the verdict comes from the run's
``results.json`` and the current budgets, through the same path as ``releasegate run``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from releasegate.commands.judging import check_baseline, check_history, checked_budgets, judge, with_history
from releasegate.configfile import load_config
from releasegate.exitcodes import ExitCode

__all__ = ["register", "run"]

EXAMPLES = """\
examples:
  releasegate judge reports/latest
  releasegate judge reports/20261122-035613-4af336 --baseline median:5
  releasegate judge merged/ --config ci/releasegate.toml --no-history
  releasegate judge merged/ --history postgresql://ci@history.internal:5432/releasegate

exit codes: 0 GO (warnings allowed), 1 NO-GO, 2 usage/config error, 3 inconclusive
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "judge",
        help="re-judge a stored run (new budgets, a baseline) without rerunning it",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run directory holding results.json")
    parser.add_argument("--config", metavar="FILE", help="releasegate.toml (default: found upwards)")
    parser.add_argument("--baseline", metavar="REF", help="last-pass, a run id, or median:N")
    parser.add_argument("--no-history", action="store_true", help="do not file this judgement in the history")
    parser.add_argument(
        "--history", metavar="URL", help="postgresql://... or a SQLite file (default: [history])"
    )
    return parser


def run(args: argparse.Namespace) -> ExitCode:
    from releasegate.gates import load_run

    config = with_history(load_config(args.config), args.history)
    checked_budgets(config)  # the config's own budgets, checked before the results are read
    check_baseline(args.baseline)
    stored = load_run(args.run_dir)
    budgets = checked_budgets(config, run_layers=stored.info.layers)
    check_history(config, budgets, record_history=not args.no_history, baseline=args.baseline)
    judged = judge(
        args.run_dir, stored, config, budgets, baseline=args.baseline, record_history=not args.no_history
    )
    return judged.exit_code
