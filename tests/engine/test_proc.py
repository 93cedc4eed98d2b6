"""stop_group: a tool's whole process group goes, politely first, by force after the grace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from releasegate.proc import interruptible, stop_group

# A leader that starts a grandchild in its group, then waits; both report their pids.
TREE = """
import os, signal, subprocess, sys, time
if sys.argv[1] == "deaf":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def _tree(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        interruptible([sys.executable, "-c", TREE, kind]), stdout=subprocess.PIPE, start_new_session=True
    )
    assert proc.stdout is not None
    grandchild = int(proc.stdout.readline())
    return proc, grandchild


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its reaper is gone too
        return stat.read().split(") ", 1)[1].startswith("Z")


def test_a_polite_signal_stops_the_whole_group_without_waiting_out_the_grace() -> None:
    proc, grandchild = _tree("polite")
    started = time.monotonic()
    stop_group(proc, first=signal.SIGINT, grace_s=30)
    assert proc.returncode is not None
    assert time.monotonic() - started < 30
    assert _gone(grandchild)


def test_a_group_that_ignores_signals_is_killed_after_the_grace() -> None:
    deaf, grandchild = _tree("deaf")
    polite, _ = _tree("polite")
    stop_group([deaf, polite], grace_s=0.5)
    assert deaf.returncode == -signal.SIGKILL
    assert polite.returncode == -signal.SIGTERM
    assert _gone(grandchild)


def test_stopping_what_already_ended_is_quiet() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    proc.wait(timeout=10)
    stop_group(proc, first=signal.SIGKILL)
    assert proc.returncode == 0


def test_a_tool_hears_sigint_even_when_the_harness_was_started_with_it_ignored() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as under nohup or `cmd &`
    try:
        proc, grandchild = _tree("polite")
    finally:
        signal.signal(signal.SIGINT, previous)
    started = time.monotonic()
    stop_group(proc, first=signal.SIGINT, grace_s=30)
    assert proc.returncode == -signal.SIGINT  # not SIGKILL after the grace
    assert time.monotonic() - started < 30
    assert _gone(grandchild)
