"""Throughput of promptlib (uvicorn + uvloop) measured with wrk.

    python bench/promptlib_throughput.py [--runs 3] [--duration 10s] [--connections 50] [--threads 2]

Starts a clean promptlib on a free port, warms it up, then runs wrk against each target
`--runs` times, the targets interleaved (list, health, list, health, ...) so both see the same
machine, and prints the median requests/s (and the spread), the ratio list/health and the load
average before and after. Run on demand; not a CI gate.
"""

from __future__ import annotations

import argparse
import json
import os
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
    runs: dict[str, list[float]] = {target: [] for target in TARGETS}
    non_2xx: dict[str, int] = dict.fromkeys(TARGETS, 0)
    load_before = os.getloadavg()
    with start() as app:
        for target in TARGETS:
            wrk(f"{app.url}{target}", threads=args.threads, connections=args.connections, duration="2s")
        for _ in range(args.runs):
            for target in TARGETS:
                rps, errors = wrk(
                    f"{app.url}{target}",
                    threads=args.threads,
                    connections=args.connections,
                    duration=args.duration,
                )
                runs[target].append(rps)
                non_2xx[target] += errors
    load_after = os.getloadavg()
    results = [Result(t, runs[t], statistics.median(runs[t]), non_2xx[t]) for t in TARGETS]
    ratio = results[0].median_rps / results[1].median_rps if results[1].median_rps else 0.0
    load = " / ".join(f"{a:.2f}" for a in load_before) + " -> " + " / ".join(f"{a:.2f}" for a in load_after)
    if args.json:
        data = {"results": [asdict(r) for r in results], "ratio": ratio, "loadavg": [load_before, load_after]}
        print(json.dumps(data, indent=2))
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
        print(f"  ratio {TARGETS[0]} / {TARGETS[1]} = {ratio:.2f}")
        print(f"  load average (1/5/15 min) {load} on {os.cpu_count()} cores")
    return 1 if any(r.non_2xx for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
