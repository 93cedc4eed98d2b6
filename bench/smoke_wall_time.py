"""Wall time of `releasegate run --stage post-deploy --layers smoke` on the embedded target.

Each run is a fresh process, the embedded promptlib's start and stop included, as a user
or a post-deploy CI step would see it. For scale it also times the target's start+stop
alone, so the smoke layer's own share (probes, gates, reports) is visible.

    python bench/smoke_wall_time.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_cli(report_dir: Path) -> float:
    command = [sys.executable, "-m", "releasegate", "run", "--stage", "post-deploy", "--layers", "smoke",
               "--plain", "--no-history", "--report-dir", str(report_dir)]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"run failed with exit {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def time_target_only() -> float:
    code = "from fixtures.promptlib.launcher import start\nstart().stop()\n"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        totals = [time_cli(Path(tmp) / "reports") for _ in range(runs)]
    starts = [time_target_only() for _ in range(runs)]
    total, start = statistics.median(totals), statistics.median(starts)
    print(f"releasegate run --stage post-deploy --layers smoke (embedded), {runs} runs")
    print(f"  median wall time      {total:6.2f} s   (min {min(totals):.2f}, max {max(totals):.2f})")
    print(f"  target start+stop     {start:6.2f} s   (median, same process shape)")
    print(f"  smoke + gates + CLI   {total - start:6.2f} s   ratio run/target-start {total / start:.2f}x")


if __name__ == "__main__":
    main()
