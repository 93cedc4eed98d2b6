"""``python -m tests.matrix.generate``: run the fault matrix and rewrite docs/fault-matrix.md.

Runs exactly what ``tests/matrix/test_fault_matrix.py`` runs, without pytest, prints a line
per case, and exits 1 when any row does not come out as its table says. ``--only F[,F]``
runs just those faults (and no clean runs) without writing the page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from releasegate.layers import available
from tests.matrix.cases import (
    CLEAN_CHEAP,
    CLEAN_FULL,
    CLEAN_REPEATS,
    DOC,
    FAULTS,
    Outcome,
    config_for,
    matrix_configs,
    render,
    run_case,
)


def _line(name: str, outcome: Outcome, problems: list[str]) -> None:
    verdict = "ok" if not problems else "UNEXPECTED: " + "; ".join(problems)
    print(
        f"{name:26} {outcome.decision:17} {outcome.wall_s:5.0f}s  "
        f"{', '.join(outcome.blocked_by) or '-'}  [{verdict}]",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.matrix.generate", description=__doc__)
    parser.add_argument("--only", help="comma-separated faults to run; the page is not rewritten")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    started = time.monotonic()
    present = available()
    outcomes: list[Outcome] = []
    clean: list[Outcome] = []
    skipped: dict[str, str] = {}
    ok = True
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as tmp:
        work = Path(tmp)
        configs = matrix_configs(work)
        for i, case in enumerate(FAULTS):
            if only is not None and case.name not in only:
                continue
            absent = [n for n in case.layers if n not in present]
            if absent:
                skipped[case.name] = f"layer module(s) {', '.join(absent)} not in this build"
                print(f"{case.name:26} skipped: {skipped[case.name]}", flush=True)
                continue
            outcome = run_case(case, work / f"fault-{i}", config=config_for(case, configs))
            outcomes.append(outcome)
            problems = outcome.problems()
            ok &= not problems
            _line(case.name, outcome, problems)
        if only is None:
            for i in range(CLEAN_REPEATS):
                clean.append(run_case(CLEAN_CHEAP, work / f"clean-{i}", config=configs["matrix"]))
                _clean_line(clean[-1])
            clean.append(run_case(CLEAN_FULL, work / "clean-full", config=configs["matrix"]))
            _clean_line(clean[-1])
            ok &= all(o.decision in ("GO", "GO_WITH_WARNINGS") for o in clean)
    total = time.monotonic() - started
    if only is None:
        DOC.write_text(render(outcomes, clean, skipped=skipped, total_s=total))
        print(f"wrote {DOC.relative_to(DOC.parents[1])} in {total:.0f}s")
    else:
        print(f"{total:.0f}s")
    return 0 if ok else 1


def _clean_line(o: Outcome) -> None:
    good = o.decision in ("GO", "GO_WITH_WARNINGS")
    problems = [] if good else [f"clean run came out {o.decision}: {', '.join(o.blocked_by) or o.other}"]
    _line("clean " + (",".join(o.case.layers) or "pre-deploy"), o, problems)


if __name__ == "__main__":
    sys.exit(main())
