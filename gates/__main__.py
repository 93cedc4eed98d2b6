"""``python -m gates RUN_DIR``: re-judge and re-render a stored run without rerunning anything.

Exit codes: 0 GO (also with warnings), 1 NO-GO, 2 usage or config error, 3 inconclusive.
In GitHub Actions (``GITHUB_ACTIONS=true``) it prints ``::error``/``::warning`` annotations
and appends summary.md to ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gates.reports.markdown import github_annotations, render_markdown
from gates.runner import load_run, run_gates
from releasegate.errors import ReleasegateError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gates", description="Re-judge a stored releasegate run.")
    p.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run directory holding results.json")
    p.add_argument("--config", help="releasegate.toml to take the budgets from (default: found upwards)")
    p.add_argument("--baseline", help="last-pass | RUN_ID | median:N")
    p.add_argument("--no-history", action="store_true", help="do not file this judgement in the history")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from releasegate.configfile import load_config

        config = load_config(args.config)
        run = load_run(args.run_dir)
        verdict = run_gates(
            args.run_dir, run, config, baseline=args.baseline, record_history=not args.no_history
        )
    except ReleasegateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(verdict):
            print(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(render_markdown(verdict))
    print(f"verdict: {verdict.decision.label}")
    print(f"reason: {verdict.reason}")
    for note in verdict.notes:
        print(f"note: {note}")
    print(f"report: {args.run_dir / 'report.html'}")
    return int(verdict.exit_code)


if __name__ == "__main__":
    sys.exit(main())
