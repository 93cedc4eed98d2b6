"""The one results model every layer produces and every gate and report reads.

A layer run yields a :class:`LayerResult` holding two kinds of data:

* :class:`Record` — evidence for people: one checked thing (a probe, a failing contract
  check, a persona scenario, a Lighthouse page) with its status, message, tags,
  artifacts (paths relative to the run directory) and a reproduction hint.
* :class:`Finding` — a cause, in one shape for every layer: where it happened, what went
  wrong, how often, the evidence (paths relative to the run directory), one command per line
  that reproduces it, and the metric (and tags) it feeds, so a failing budget can show the
  findings behind it.
* :class:`Samples` — data for gates: observations of one metric under one set of tags.
  Metric kinds follow k6: ``trend`` (values: durations, sizes, scores), ``rate``
  (0/1 observations: failed?, available?), ``counter`` (increments: failures, bytes),
  ``gauge`` (a level: a share, a score, a count at a point in time).

Units: durations are stored in seconds (unit ``"s"``), sizes in bytes (``"B"``),
shares as fractions 0..1 (``"ratio"``), plain numbers with unit ``""``.

Large trends (load) may be pre-binned: ``buckets`` holds ``(value, count)`` pairs from an
HDR histogram (3 significant figures) instead of raw ``values``. A layer that measures a
"before" window itself (the post-deploy watch) puts it in ``baseline_samples``: the same
metrics, which a budget's ``baseline`` operand reads before any earlier run. ``timeline`` optionally
holds per-second points so gates can evaluate a sustained breach (``window``).

A whole run is a :class:`RunResult`: :class:`RunInfo` plus one LayerResult per layer. It is
written to ``reports/<run-id>/results.json`` and is all ``python -m releasegate.gates`` needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class Status(StrEnum):
    """Outcome of one checked thing."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"
    FLAKY = "flaky"
    WARN = "warn"  # failed at warning level: reported, never a pass, never blocking


class LayerStatus(StrEnum):
    """Whether a layer produced trustworthy data. ``error`` is never a pass."""

    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


class MetricKind(StrEnum):
    TREND = "trend"
    RATE = "rate"
    COUNTER = "counter"
    GAUGE = "gauge"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Measurement(_Model):
    """A single named value attached to a record, for people to read."""

    name: str
    value: float
    unit: str = ""


class Record(_Model):
    layer: str
    check: str = Field(description="Stable id of what was checked, e.g. 'health' or 'GET /api/prompts'.")
    status: Status
    message: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    measurements: list[Measurement] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list, description="Paths relative to the run directory.")
    reproduction: str | None = None
    started_at: datetime | None = None
    duration_s: float | None = None


class Finding(_Model):
    """One cause a reader can act on: "GET /api/prompts answered HTTP 500 (4x)"."""

    layer: str
    kind: str = Field(
        description="What sort of cause: check_failed, server_error, step_failed, http_error, ..."
    )
    where: str = Field(description="The operation, persona step, endpoint, page or URL it happened at.")
    what: str = Field(description="The cause in one line, as the tool reported it (secrets masked).")
    count: int = Field(default=1, description="How often it was seen.")
    evidence: list[str] = Field(
        default_factory=list, description="Paths relative to the run directory: screenshots, traces, reports."
    )
    reproduce: str | None = Field(
        default=None, description="Commands that reproduce it, one per line, run from the run directory."
    )
    metric: str | None = Field(
        default=None, description="The layer metric it feeds (without the layer prefix); None: any metric."
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Matched against a budget's selector.")
    duration_s: float | None = Field(default=None, description="How long its source took to check.")

    @property
    def commands(self) -> list[str]:
        return [line for line in (self.reproduce or "").splitlines() if line.strip()]


class TimePoint(_Model):
    """Observations of one metric during one second (``t`` = seconds since layer start)."""

    t: float
    values: list[float] = Field(default_factory=list)
    buckets: list[tuple[float, int]] = Field(default_factory=list)


class Samples(_Model):
    """Observations of one metric of one layer under one set of tags."""

    metric: str = Field(description="Metric name without the layer prefix, e.g. 'http_req_duration'.")
    kind: MetricKind
    unit: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    values: list[float] = Field(default_factory=list)
    buckets: list[tuple[float, int]] = Field(
        default_factory=list, description="(value, count) pairs when pre-binned (HDR histogram)."
    )
    timeline: list[TimePoint] = Field(default_factory=list)
    duration_s: float | None = Field(
        default=None, description="How long the observation lasted, for per-second rates."
    )

    @property
    def count(self) -> int:
        return len(self.values) + sum(c for _, c in self.buckets)


class LayerResult(_Model):
    layer: str
    status: LayerStatus
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    records: list[Record] = Field(default_factory=list)
    samples: list[Samples] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list, description="The causes behind failing records.")
    baseline_samples: list[Samples] = Field(
        default_factory=list,
        description="The same metrics measured by the layer itself over a window before the change "
        "(e.g. before a deploy); budgets' `baseline` reads these first.",
    )
    error: str | None = Field(default=None, description="Why the layer's data cannot be trusted.")
    aborted: str | None = Field(default=None, description="Why and when the layer stopped early.")
    meta: dict[str, Any] = Field(
        default_factory=dict, description="Tool versions, seed, browser, profile: what a rerun needs."
    )
    artifacts: list[str] = Field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RunInfo(_Model):
    run_id: str
    environment: str
    stage: str
    base_url: str
    layers: list[str]
    embedded: bool = False
    production: bool = False
    commit: str | None = Field(default=None, description="Version/commit the target reported.")
    expected_version: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    releasegate_version: str = ""
    tool_versions: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)


class RunResult(_Model):
    schema_version: int = SCHEMA_VERSION
    info: RunInfo
    layers: list[LayerResult] = Field(default_factory=list)

    def layer(self, name: str) -> LayerResult | None:
        return next((lr for lr in self.layers if lr.layer == name), None)


_INTERNAL = frozenset({".hypothesis", "st-cache", "__pycache__", ".pytest_cache", "node_modules"})


def shareable(paths: Iterable[str]) -> list[str]:
    """The paths a reader may be shown as evidence: relative to the run directory, inside it,
    and not a tool's own cache or state (``.hypothesis``, crash caches, dot-files)."""
    out: list[str] = []
    for path in paths:
        parts = PurePosixPath(path).parts
        if not parts or path.startswith("/") or ":" in parts[0] or ".." in parts:
            continue
        if any(p in _INTERNAL or p.startswith(".") for p in parts):
            continue
        if path not in out:
            out.append(path)
    return out


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line (whitespace runs collapsed), cut at ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
