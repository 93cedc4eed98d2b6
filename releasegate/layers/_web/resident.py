"""One long-lived Lighthouse runner per layer run: a Node process driving one Chrome.

Starting Node, Chrome and Lighthouse costs several seconds per run when the CLI is run once
per measurement. :class:`Resident` starts ``runner.mjs`` (shipped next to this module) once,
which launches Chrome once through chrome-launcher with the same flags as the CLI, and then
takes one JSON request per line on stdin (url, preset, headers incl. cookies, output base)
and answers one JSON line per run on stdout. Every run gets a browser context of its own
(fresh cookies, storage, cache) besides Lighthouse's own storage reset, so runs stay
independent; they stay sequential.

Bounds and failures, as with the CLI runner:

* a run (including starting the runner when needed) is bounded by its timeout; on timeout the
  Node process group and its Chrome (found by its own ``--user-data-dir``) are killed, and the
  next run starts a new runner;
* a crashed Chrome (or a runner that died) is relaunched once; after that every run fails at
  once as a browser failure, so the layer errors instead of looping;
* :meth:`Resident.close` (and the interpreter's exit, for an interrupted run whose layer thread
  is still alive) stops the runner; a closed runner launches nothing more.

Every file a run writes is scrubbed of secrets (:func:`runner.scrub`), as are the messages.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from releasegate.layers._web import runner
from releasegate.layers._web.runner import RunOutput, RunRequest
from releasegate.proc import interrupts, sweep
from releasegate.redact import redact

__all__ = ["SCRIPT", "SKIPPED_AUDITS", "Resident", "ResidentTool"]

SCRIPT = Path(__file__).with_name("runner.mjs")
SKIPPED_AUDITS: tuple[str, ...] = ()
"""Audits left out of every run (``skipAudits``). None: the four categories the budgets score use
nearly all of them, a user's lighthouserc may name any, and the rest cost little. The per-run work
nothing reads, the full-page screenshot (element thumbnails in the HTML report), is not gathered
(``disableFullPageScreenshot``, as the CLI runner's ``--disable-full-page-screenshot``)."""
_POLL_S = 0.1  # how often a waiting run looks at its deadline and the closed flag
_RELAUNCHES = 1

_LIVE: weakref.WeakSet[Resident] = weakref.WeakSet()


@dataclass(frozen=True)
class ResidentTool:
    """Node, the pinned Lighthouse package directory and the browser it drives."""

    node: str
    lighthouse_dir: Path
    chrome_path: str
    chrome_flags: Sequence[str]


class _Proc:
    """One started runner: the Node process, its profile directory and a reader of its answers."""

    def __init__(self, tool: ResidentTool) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="releasegate-lh-"))
        self.profile = self.scratch / "profile"
        self.profile.mkdir()
        options = {
            "lighthouseDir": str(tool.lighthouse_dir),
            "chromePath": tool.chrome_path,
            "chromeFlags": list(tool.chrome_flags),
            "userDataDir": str(self.profile),
        }
        self.popen = subprocess.Popen(
            [tool.node, str(SCRIPT), json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "CHROME_PATH": tool.chrome_path},
            start_new_session=True,
        )
        self.answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr: list[str] = []
        assert self.popen.stdout is not None
        assert self.popen.stderr is not None
        threading.Thread(target=self._read, args=(self.popen.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.popen.stderr,), daemon=True).start()
        self.ready = False

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            with contextlib.suppress(ValueError):
                answer = json.loads(raw)
                if isinstance(answer, dict):
                    self.answers.put(answer)
        self.answers.put(None)  # end of output: the runner is gone

    def _drain(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self.stderr.append(raw.decode("utf-8", "replace"))
            del self.stderr[:-50]

    def send(self, request: dict[str, Any]) -> bool:
        stdin = self.popen.stdin
        assert stdin is not None
        try:
            stdin.write((json.dumps(request) + "\n").encode())
            stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        runner._kill_browsers(self.profile)
        sweep(str(self.scratch).encode())  # Chrome's helpers (crashpad, ...) name only the profile
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.close() if stream is not None else None
        shutil.rmtree(self.scratch, ignore_errors=True)

    def stop(self) -> None:
        """Ask the runner to finish (closing stdin ends its loop and Chrome), then make sure."""
        with contextlib.suppress(OSError, ValueError):
            if self.popen.stdin is not None:
                self.popen.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        self.kill()


class Resident:
    """Runs Lighthouse requests one after the other on one Node process and one Chrome."""

    def __init__(self, tool: ResidentTool, secrets: Sequence[str], skip_audits: Sequence[str] = ()) -> None:
        self.tool = tool
        self.secrets = tuple(secrets)
        self.skip_audits = tuple(skip_audits)
        self.relaunches = 0
        self.launches = 0
        self._proc: _Proc | None = None
        self._closed = threading.Event()
        self._broken: str | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self._interrupts = interrupts()
        _LIVE.add(self)

    def __enter__(self) -> Resident:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Closed, or the run was interrupted since this runner was made (the engine says so)."""
        return self._closed.is_set() or interrupts() > self._interrupts

    def close(self) -> None:
        """Stop the runner and its Chrome; nothing is launched after this."""
        self._closed.set()
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.stop()

    def abort(self) -> None:
        """Interrupted: kill the runner and its Chrome now, no grace."""
        self._closed.set()
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()

    def run(self, request: RunRequest) -> RunOutput:
        """One Lighthouse run; never raises for tool failures, returns them in ``failure``."""
        with self._lock:
            return self._run(request)

    def _run(self, request: RunRequest) -> RunOutput:
        request.out_base.parent.mkdir(parents=True, exist_ok=True)
        json_path = request.out_base.with_name(request.out_base.name + ".report.json")
        html_path = request.out_base.with_name(request.out_base.name + ".report.html")
        for stale in (json_path, html_path):
            stale.unlink(missing_ok=True)
        started = time.monotonic()
        deadline = started + request.timeout_s
        if self.closed:
            self.abort()
            raise _Stopped("the web layer was interrupted: no further Lighthouse run is started")
        if self._broken:
            return RunOutput(request, None, None, 0.0, "browser", self._broken)
        answer, timed_out = self._exchange(request, deadline)
        duration = time.monotonic() - started
        written = [p for p in (json_path, html_path) if p.exists()]
        runner.scrub(written, self.secrets)
        found_json = json_path if json_path.exists() else None
        found_html = html_path if html_path.exists() else None
        if timed_out:
            return RunOutput(
                request,
                found_json,
                found_html,
                duration,
                "timeout",
                f"Lighthouse did not finish within {request.timeout_s:g}s (run_timeout_s); it was killed",
            )
        if answer is None or answer.get("ready") is False:
            # the runner died (or never came up): treat as the browser going away
            why = redact(self._why_gone(answer), self.secrets)
            if not self._broken:
                self._lost(why)
            return runner._failure(
                request, json_path=found_json, html_path=found_html, duration=duration, rc=-1, stderr=why
            )
        if answer.get("ok") and found_json is not None:
            return RunOutput(request, found_json, found_html, duration)
        error = redact(str(answer.get("error") or "no report written"), self.secrets)
        if answer.get("browserGone"):
            self._lost(error)
            message = f"the browser failed: {error}"
            return RunOutput(request, found_json, found_html, duration, "browser", message)
        return runner._failure(
            request, json_path=found_json, html_path=found_html, duration=duration, rc=1, stderr=error
        )

    def _exchange(self, request: RunRequest, deadline: float) -> tuple[dict[str, Any] | None, bool]:
        """Send one request and wait for its answer: (answer or None when the runner died, timed out)."""
        proc = self._proc
        if proc is not None and proc.popen.poll() is not None:
            # Chrome went away between runs (the runner exits when it loses its browser)
            self._discard()
            self._lost(f"the Lighthouse runner exited {proc.popen.returncode} between runs")
            if self._broken:
                return {"ready": False, "error": self._broken}, False
            proc = None
        if proc is None:
            proc = self._proc = _Proc(self.tool)
            self.launches += 1
        if not proc.ready:
            hello = self._wait(proc, deadline)
            if hello is _TIMEOUT:
                self._discard()
                return None, True
            if not isinstance(hello, dict) or not hello.get("ready"):
                self._discard()
                return (hello if isinstance(hello, dict) else None), False
            proc.ready = True
        self._next_id += 1
        rid = self._next_id
        sent = proc.send(
            {
                "id": rid,
                "url": request.url,
                "preset": request.preset,
                "headers": dict(request.headers),
                "storage": [{"area": a, "key": k, "value": v} for a, k, v in request.storage],
                "outBase": str(request.out_base),
                "skipAudits": list(self.skip_audits),
            }
        )
        if not sent:
            self._discard()
            return None, False
        while True:
            answer = self._wait(proc, deadline)
            if answer is _TIMEOUT:
                self._discard()
                return None, True
            if answer is None:
                self._discard()
                return None, False
            if isinstance(answer, dict) and answer.get("id") == rid:
                if answer.get("browserGone"):
                    self._discard()
                return answer, False

    def _wait(self, proc: _Proc, deadline: float) -> dict[str, Any] | object | None:
        while True:
            if self.closed:
                self.abort()
                raise _Stopped("the web layer was interrupted during a Lighthouse run")
            left = deadline - time.monotonic()
            if left <= 0:
                return _TIMEOUT
            try:
                return proc.answers.get(timeout=min(_POLL_S, left))
            except queue.Empty:
                continue

    def _discard(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            self._last_stderr = "".join(proc.stderr[-5:])
            proc.kill()

    def _why_gone(self, answer: dict[str, Any] | None) -> str:
        if answer is not None and answer.get("error"):
            return str(answer["error"])
        tail = getattr(self, "_last_stderr", "").strip()
        return f"the Lighthouse runner exited (Chrome crashed?): {tail or 'no output'}"

    def _lost(self, why: str) -> None:
        """Chrome (or the runner) went away: allow one relaunch, then refuse further runs."""
        if self.relaunches >= _RELAUNCHES:
            self._broken = f"the browser failed again after {self.relaunches} relaunch(es): {why}"
        else:
            self.relaunches += 1


_TIMEOUT = object()


class _Stopped(KeyboardInterrupt):
    """The runner was closed while a run was waiting (an interrupted layer)."""


@atexit.register
def _close_all() -> None:
    """An interrupted run leaves its layer thread behind: stop every runner it started."""
    for resident in list(_LIVE):
        with contextlib.suppress(Exception):
            resident.abort()
