"""Throughput of promptlib (uvicorn + uvloop) measured with wrk.

    python bench/promptlib_throughput.py [--runs 3] [--duration 10s] [--connections 50] [--threads 2]

Starts a clean promptlib on a free port, warms it up, then runs wrk against each target
`--runs` times and prints the median requests/s (and the spread). Run on demand; not a CI gate.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from releasegate.fixtures.promptlib.launcher import start

TARGETS = ("/api/prompts?limit=10", "/health")
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


@dataclass(frozen=True)
class Result:
    target: str
    runs: list[float]
    median_rps: float
    non_2xx: int


def wrk(url: str, *, threads: int, connections: int, duration: str) -> tuple[float, int]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600).stdout
    match = _RPS.search(output)
    if match is None:
        raise RuntimeError(f"could not read Requests/sec from wrk output:\n{output}")
    errors = _NON_2XX.search(output)
    return float(match.group(1)), int(errors.group(1)) if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    results: list[Result] = []
    with start() as app:
        for target in TARGETS:
            url = f"{app.url}{target}"
            wrk(url, threads=args.threads, connections=args.connections, duration="2s")
            runs: list[float] = []
            non_2xx = 0
            for _ in range(args.runs):
                rps, errors = wrk(
                    url, threads=args.threads, connections=args.connections, duration=args.duration
                )
                runs.append(rps)
                non_2xx += errors
            results.append(Result(target, runs, statistics.median(runs), non_2xx))
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print(
            f"promptlib throughput: wrk -t{args.threads} -c{args.connections} -d{args.duration}, "
            f"median of {args.runs} runs"
        )
        for r in results:
            spread = ", ".join(f"{x:,.0f}" for x in r.runs)
            print(
                f"  GET {r.target:<24} {r.median_rps:>9,.0f} req/s   (runs: {spread}; non-2xx: {r.non_2xx})"
            )
    return 1 if any(r.non_2xx for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
