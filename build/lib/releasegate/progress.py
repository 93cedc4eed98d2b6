"""Showing a run's progress: a live line per layer on a terminal, plain lines in CI and logs."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

from releasegate.events import Event, LayerFinished, LayerMessage, LayerStarted, RunFinished, RunStarted
from releasegate.results import LayerResult, LayerStatus, Status

__all__ = ["Progress", "describe_layer"]

_SPINNER = "|/-\\"
_TICK_S = 0.25


def describe_layer(result: LayerResult) -> str:
    """``ok in 3.2s: 14 checks, 1 failed`` — one line summing up a layer."""
    took = f" in {result.duration_s:.1f}s" if result.duration_s is not None else ""
    if result.status == LayerStatus.ERROR:
        return f"ERROR{took}: {result.error}"
    counts = {s: sum(1 for r in result.records if r.status == s) for s in Status}
    parts = [f"{len(result.records)} checks"]
    parts += [f"{counts[s]} {s.value}" for s in (Status.FAIL, Status.ERROR, Status.FLAKY) if counts[s]]
    aborted = f" (aborted: {result.aborted})" if result.aborted else ""
    return f"{result.status.value}{took}: {', '.join(parts)}{aborted}"


class Progress:
    """An event handler for :func:`releasegate.engine.execute`."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        if live is None:
            live = self.stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
        self.live = live
        self._lock = threading.Lock()
        self._layer: str | None = None
        self._message = ""
        self._started = 0.0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._line(
                f"releasegate run {event.run_id}: {event.environment} at {event.base_url}, "
                f"stage {event.stage}, layers {', '.join(event.layers)}"
            )
        elif isinstance(event, LayerStarted):
            self._start_layer(event)
        elif isinstance(event, LayerMessage):
            if self.live:
                with self._lock:
                    self._message = event.message
            else:
                self._line(f"[{event.layer}] {event.message}")
        elif isinstance(event, LayerFinished):
            self._stop_ticker()
            mark = "+ " if event.result.status == LayerStatus.OK else "! "
            self._line(f"{mark if self.live else ''}[{event.layer}] {describe_layer(event.result)}")
        elif isinstance(event, RunFinished):
            self._stop_ticker()
            self._line(f"results: {event.run_dir / 'results.json'}")

    def _start_layer(self, event: LayerStarted) -> None:
        self._stop_ticker()
        header = f"[{event.layer}] started ({event.index}/{event.total}, timeout {event.timeout_s:g}s)"
        if not self.live:
            self._line(header)
            return
        with self._lock:
            self._layer, self._message, self._started = event.layer, "", time.monotonic()
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        frame = 0
        while not self._stop.wait(_TICK_S if frame else 0):
            with self._lock:
                elapsed = time.monotonic() - self._started
                text = f"{_SPINNER[frame % len(_SPINNER)]} [{self._layer}] {elapsed:5.1f}s  {self._message}"
                width = max(20, _columns() - 1)
                self.stream.write("\r\033[K" + text[:width])
                self.stream.flush()
            frame += 1

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join(timeout=2)
            self._ticker = None
            self.stream.write("\r\033[K")

    def _line(self, text: str) -> None:
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()


def _columns() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 100
