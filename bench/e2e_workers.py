"""Wall time of the e2e layer (all personas, real Chromium, real promptlib) with 1 vs 2 workers.

    python bench/e2e_workers.py [--repeat 3]

Prints the median wall time per worker count and the ratio (2 workers / 1 worker).
Each run starts from a fresh promptlib so earlier runs' data does not change the work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from releasegate.config import Environment
from releasegate.fixtures.promptlib.launcher import start
from releasegate.layers.e2e import E2ESettings, run
from releasegate.results import LayerStatus, Status
from releasegate.spec import LayerContext, RunOptions


def once(workers: int, index: int) -> float:
    with start() as app, tempfile.TemporaryDirectory() as tmp:
        ctx = LayerContext(
            run_id=f"bench{workers}w{index}{int(time.time()) % 100000}",
            stage="pre-deploy",
            environment=Environment(name="bench"),
            base_url=app.url,
            settings=E2ESettings(retries=0),
            run_dir=Path(tmp),
            artifact_dir=Path(tmp) / "e2e",
            options=RunOptions(workers=workers),
            progress=lambda _m: None,
        )
        started = time.perf_counter()
        result = run(ctx)
        elapsed = time.perf_counter() - started
    passed = sum(
        r.status is Status.PASS for r in result.records if r.check != "clean-up: accounts the run created"
    )
    if result.status is LayerStatus.ERROR and passed == 0:
        raise SystemExit(f"run failed: {result.error}")
    print(f"  workers={workers} run {index + 1}: {elapsed:.1f}s ({passed} scenarios passed)", flush=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    medians: dict[int, float] = {}
    for workers in (1, 2):
        medians[workers] = statistics.median(once(workers, i) for i in range(args.repeat))
    print(f"e2e suite wall time, median of {args.repeat}:")
    print(f"  1 worker : {medians[1]:.1f}s")
    print(f"  2 workers: {medians[2]:.1f}s")
    print(f"  ratio (2 workers / 1 worker): {medians[2] / medians[1]:.2f}")


if __name__ == "__main__":
    main()
