"""``releasegate merge RUN_DIR... --out DIR``: the runs of several jobs -> one run to judge.

Load from several generators, e2e shards of a CI matrix (``--shard i/N``), any layer split
across jobs: the run directories of the same environment and stage become one, with every
metric merged exactly (the union of the observations), each shard's files copied under
``DIR/shards/<run-id>/`` and its records tagged with ``shard``. Then
``releasegate judge DIR`` gives the one verdict (run the shards with ``--no-history``: the
merged run is the one to file).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from releasegate.errors import UsageError
from releasegate.exitcodes import ExitCode

__all__ = ["merge_dirs", "register", "run"]

RESULTS = "results.json"
EXAMPLES = """\
examples:
  releasegate merge shard-1/ shard-2/ shard-3/ --out merged/ && releasegate judge merged/
  releasegate merge reports/20261201-0900*-* --out reports/merged-load

exit codes: 0 merged, 2 a run directory is missing or invalid, or the runs are not shards of one run
(another environment, stage, target version or settings)
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "merge",
        help="merge the run directories of several jobs (shards, load generators) into one to judge",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dirs", metavar="RUN_DIR", type=Path, nargs="+", help="run directories to merge")
    parser.add_argument("--out", metavar="DIR", type=Path, required=True, help="the merged run directory")
    return parser


def run(args: argparse.Namespace) -> ExitCode:
    merged = merge_dirs(args.run_dirs, args.out)
    print(f"merged {len(args.run_dirs)} runs into {args.out} (run {merged})")
    print(f"next: releasegate judge {args.out}")
    return ExitCode.GO


def merge_dirs(run_dirs: list[Path], out: Path) -> str:
    """Merge ``run_dirs`` into ``out`` (new or empty); the merged run's id."""
    from releasegate.engine import new_run_id
    from releasegate.gates import load_run
    from releasegate.gates.merge import SHARDS_DIR, merge_runs

    resolved = [d.resolve() for d in run_dirs]
    target = out.resolve()
    if any(target == d or d in target.parents or target in d.parents for d in resolved):
        raise UsageError(f"--out {out} overlaps a run directory being merged", hint="pick a new directory")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"--out {out} exists and is not empty", hint="pick a new or empty directory")
    shards = [load_run(d) for d in run_dirs]
    merged = merge_runs(shards, run_id=new_run_id())  # refuses conflicts before anything is written
    out.mkdir(parents=True, exist_ok=True)
    for run_dir, shard in zip(run_dirs, shards, strict=True):
        shutil.copytree(run_dir, out / SHARDS_DIR / shard.info.run_id, symlinks=True)
    (out / RESULTS).write_text(merged.model_dump_json(indent=2), encoding="utf-8")
    return merged.info.run_id
