"""``releasegate load-worker --master HOST[:PORT]``: lend this host's load to a master elsewhere.

Runs a Locust worker with releasegate's recorder. The locustfile comes from the master
(Locust's ``-f -``) and the run's plan (endpoints, auth headers, profile) from the master's
recorder, so this host needs only releasegate installed: no checkout, no config, no secrets.
The plan stays in the worker's memory; nothing of it is written to a file or logged.

Start the master first (``releasegate run --layers load --expect-workers N --master-bind
HOST:PORT``, which prints this command), then one worker per host. The worker ends by itself:
when the master ends the run, when the master goes silent for 10 s, when no master answers
within ``--wait`` seconds, or after ``--max-run`` seconds at most.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from typing import IO, Any

from releasegate.exitcodes import ExitCode

__all__ = ["register", "run"]

JOINED = "plan received from the master"
SILENT = "Didn't get heartbeat from master"  # Locust's worker, when the master is gone
EXAMPLES = """\
examples:
  releasegate load-worker --master 10.0.0.5:5557
  releasegate load-worker --master load-master.ci.svc:5557 --wait 120

exit codes: 0 the master ended the run and this worker took part; 3 no master answered, the
master went silent, the worker failed, or it was stopped at --max-run
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "load-worker",
        help="run a load worker for a master on another host (releasegate run --expect-workers)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--master", metavar="HOST[:PORT]", required=True, help="the master's address (port 5557 by default)"
    )
    parser.add_argument(
        "--name", metavar="NAME", help="how reports name this worker (default: the host name; e.g. a pod's)"
    )
    parser.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=60.0,
        help="how long to wait for the master to hand out the plan (default: 60)",
    )
    parser.add_argument(
        "--max-run",
        metavar="SECONDS",
        type=float,
        default=3600.0,
        help="stop after this long whatever happens (default: 3600)",
    )
    return parser


def command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        "-",
        "--worker",
        "--master-host",
        host,
        "--master-port",
        str(port),
        "--exit-code-on-error",
        "0",
    ]


def _pump(stream: IO[bytes], joined: threading.Event, silent: threading.Event) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace")
        if JOINED in line:
            joined.set()
        if SILENT in line:
            silent.set()
        sys.stdout.write(line)
        sys.stdout.flush()


def run(args: argparse.Namespace) -> ExitCode:
    from releasegate.layers._load.launcher import NAME_ENV, REMOTE_ENV
    from releasegate.layers._load.workers import parse_bind
    from releasegate.proc import stop_group

    host, port = parse_bind(args.master)
    env = {**os.environ, REMOTE_ENV: "1", "PYTHONUNBUFFERED": "1"}
    if args.name:
        env[NAME_ENV] = args.name
    print(f"load-worker: joining the master at {host}:{port} (waiting up to {args.wait:g}s)", flush=True)
    proc = subprocess.Popen(
        command(host, port), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    assert proc.stdout is not None
    joined, silent = threading.Event(), threading.Event()
    pump = threading.Thread(target=_pump, args=(proc.stdout, joined, silent), daemon=True)
    pump.start()
    started = time.monotonic()
    reason = None
    try:
        while proc.poll() is None:
            elapsed = time.monotonic() - started
            if not joined.is_set() and elapsed > args.wait:
                reason = f"no master handed out a plan at {host}:{port} within {args.wait:g}s"
                break
            if elapsed > args.max_run:
                reason = f"stopped after --max-run {args.max_run:g}s"
                break
            time.sleep(0.2)
    finally:
        stop_group(proc)
        pump.join(timeout=2.0)
    if reason is None and not joined.is_set():
        reason = f"the worker exited ({proc.returncode}) before the master at {host}:{port} handed out a plan"
    if reason is None and silent.is_set():
        reason = f"the master at {host}:{port} went silent before the run ended; stopped"
    if reason is None and proc.returncode != 0:
        reason = f"the worker exited with {proc.returncode}"
    if reason:
        print(f"load-worker: {reason}", file=sys.stderr)
        return ExitCode.INCONCLUSIVE
    print("load-worker: the master ended the run; done", flush=True)
    return ExitCode.GO
