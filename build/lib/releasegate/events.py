"""What the engine tells the outside world while a run goes on.

The engine yields these events to one handler; the terminal progress display
(:mod:`releasegate.progress`) is one such handler, a test's list.append another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from releasegate.results import LayerResult, RunResult

__all__ = ["Event", "LayerFinished", "LayerMessage", "LayerStarted", "RunFinished", "RunStarted"]


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    run_dir: Path
    environment: str
    base_url: str
    stage: str
    layers: tuple[str, ...]


@dataclass(frozen=True)
class LayerStarted:
    layer: str
    index: int
    total: int
    timeout_s: float


@dataclass(frozen=True)
class LayerMessage:
    layer: str
    message: str


@dataclass(frozen=True)
class LayerFinished:
    layer: str
    result: LayerResult


@dataclass(frozen=True)
class RunFinished:
    result: RunResult
    run_dir: Path


Event = RunStarted | LayerStarted | LayerMessage | LayerFinished | RunFinished
