"""Stopping the child processes layers start (Locust, pytest, schemathesis, Lighthouse).

Every tool is started in its own session (``start_new_session=True``), so signalling the
process group reaches the grandchildren too (browsers, Locust workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["interrupted", "interruptible", "interrupts", "stop_group"]

_interrupts: list[int] = [0]  # a one-cell counter (no `global`)
_interrupts_lock = threading.Lock()


def interrupted() -> None:
    """Say that the run was interrupted (Ctrl-C, SIGTERM): a layer still running in its worker
    thread sees :func:`interrupts` grow and stops launching tools."""
    with _interrupts_lock:
        _interrupts[0] += 1


def interrupts() -> int:
    """How many interrupts this process has seen; compare with the count at a layer's start."""
    return _interrupts[0]


_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def interruptible(cmd: Sequence[str]) -> list[str]:
    """``cmd``, started with SIGINT at its default, for a tool that is stopped with SIGINT.

    A harness started in the background or under ``nohup`` inherits SIGINT ignored, and so would
    its tools: a Python tool would then never see KeyboardInterrupt nor write its reports. The
    tool replaces a small launcher (same pid, same process group), so this is safe with threads.
    """
    return [sys.executable, "-c", _DEFAULT_SIGINT, *cmd]


def stop_group(
    procs: subprocess.Popen[bytes] | Iterable[subprocess.Popen[bytes]],
    *,
    first: signal.Signals = signal.SIGTERM,
    grace_s: float = 5.0,
) -> None:
    """Send ``first`` to each process group, then SIGKILL to those still alive after ``grace_s``.

    ``first=SIGINT`` lets a tool write its reports before it exits; ``first=SIGKILL`` skips the
    grace. Never raises for processes that are already gone; always reaps the leaders.
    """
    group = [procs] if isinstance(procs, subprocess.Popen) else list(procs)
    for sig in dict.fromkeys((first, signal.SIGKILL)):
        targets = group if sig is first else [p for p in group if p.poll() is None]
        for proc in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
        deadline = time.monotonic() + grace_s
        while any(p.poll() is None for p in targets) and time.monotonic() < deadline:
            time.sleep(0.05)
    for proc in group:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1.0)


def pids_with(marker: bytes, *, whole_arg: bool = False) -> list[int]:
    """Processes whose command line holds ``marker`` (as one whole argument with ``whole_arg``)."""
    found = []
    me = os.getpid()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        held = marker in cmdline.split(b"\0") if whole_arg else marker in cmdline
        if held and int(entry.name) != me:
            found.append(int(entry.name))
    return found


def sweep(marker: bytes, *, whole_arg: bool = False, settle_s: float = 5.0) -> None:
    """SIGKILL every process naming ``marker`` (a browser's profile directory, a scratch folder),
    sweeping until a sweep finds none: a browser caught starting up may still spawn helpers, and a
    killed process stays visible until it has exited. Bounded by ``settle_s``."""
    deadline = time.monotonic() + settle_s
    while True:
        found = pids_with(marker, whole_arg=whole_arg)
        if not found:
            return
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
