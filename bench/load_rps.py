"""Requests per second of the load layer's Locust run against its peers, on one tiny endpoint.

Clients, interleaved and repeated (medians printed):
  layer        suites/load/generic.py + recorder (exact HDR recording), 1 process
  layer-2w     the same, master + 2 worker processes
  fasthttp     plain Locust FastHttpUser, 1 process
  httpuser     plain Locust HttpUser, 1 process
  wrk          wrk -t2 -c50 (the ceiling)
Target: tests/load/delay_app.py (bare ASGI, GET /) under uvicorn on loopback.

    python bench/load_rps.py [--seconds 5] [--repeat 3] [--users 50]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from releasegate.layers._load import launcher  # noqa: E402
from tests.load.servers import delay_server, require_loopback  # noqa: E402


def _csv_rps(prefix: Path) -> float:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == "Aggregated":
                return float(row["Requests/s"])
    raise RuntimeError(f"no Aggregated row in {prefix}_stats.csv")


def layer(url: str, seconds: int, users: int, workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        art = Path(tmp)
        plan = {
            "out": str(art / "results.json"),
            "profile": {
                "users": users,
                "spawn_rate": users,
                "duration_s": seconds,
                "max_duration_s": seconds + 5,
                "max_requests": 10_000_000,
                "think_time_s": [0, 0],
            },
            "endpoints": [{"method": "GET", "path": "/", "weight": 1}],
            "abort_rules": [],
        }
        outcome = launcher.run(
            launcher.Launch(
                launcher.resolve_locustfile("generic"),
                url,
                users,
                users,
                seconds + 10,
                workers,
                art,
                plan,
                timeout_s=seconds + 60,
            )
        )
        if outcome.returncode != 0:
            raise RuntimeError(launcher.tail(outcome.logs[0]))
        return _csv_rps(art / "locust")


def plain(url: str, seconds: int, users: int, locustfile: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "plain"
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / locustfile),
            "--headless",
            "--host",
            url,
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--only-summary",
            "--csv",
            str(prefix),
            "--exit-code-on-error",
            "0",
        ]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=seconds + 60)
        return _csv_rps(prefix)


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", url + "/"],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(out)
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    results: dict[str, list[float]] = {k: [] for k in ("layer", "layer-2w", "fasthttp", "httpuser", "wrk")}
    with delay_server() as url:
        require_loopback(url)
        for i in range(args.repeat):
            results["layer"].append(layer(url, args.seconds, args.users, 0))
            results["fasthttp"].append(plain(url, args.seconds, args.users, "load_plain_fasthttp.py"))
            results["httpuser"].append(plain(url, args.seconds, args.users, "load_plain_httpuser.py"))
            results["layer-2w"].append(layer(url, args.seconds, args.users, 2))
            if shutil.which("wrk"):
                results["wrk"].append(wrk(url, args.seconds))
            print(
                f"round {i + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in results.items() if v),
                flush=True,
            )
    med = {k: statistics.median(v) for k, v in results.items() if v}
    print("\nmedian requests/s:")
    for k, v in med.items():
        print(f"  {k:10s} {v:9.0f}")
    print("\nratios:")
    print(f"  layer / plain FastHttpUser   {med['layer'] / med['fasthttp']:.2f}   (aim >= 0.9)")
    print(f"  layer / plain HttpUser       {med['layer'] / med['httpuser']:.2f}")
    if "wrk" in med:
        print(f"  layer / wrk (ceiling)        {med['layer'] / med['wrk']:.2f}")
    print(f"  2 workers / 1 process        {med['layer-2w'] / med['layer']:.2f}")


if __name__ == "__main__":
    main()
