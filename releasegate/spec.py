"""The layer contract, at the bottom of the house: what every layer is and what it is given.

A layer is a name, a typed settings model, a metric catalogue, a production policy, an
optional up-front ``prepare`` check and a ``run`` function. The gates read specs as data
(metric catalogue, which metric feeds the SLO, how a metric is charted) and never import the
layers package; the engine reads the policy instead of knowing layer names.

A layer module (``releasegate/layers/<name>.py``) exposes ``SPEC: LayerSpec``. Importing it
must be cheap (no tool imports at module level: Locust in particular must never be
imported into this process). ``run(ctx)`` runs the tool, writes raw artifacts under
``ctx.artifact_dir`` and returns a :class:`~releasegate.results.LayerResult` with records
(evidence) and samples (data for gates). It raises :class:`~releasegate.errors.LayerError`
or returns ``status=error`` when its data cannot be trusted; the engine turns any other
exception into an error result too, so a crash is never a pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar, overload

from pydantic import BaseModel, ConfigDict

from releasegate.config import Config, Environment
from releasegate.redact import redact
from releasegate.results import LayerResult, MetricKind


class LayerSettings(BaseModel):
    """Base for each layer's settings model (``[layers.<name>]`` in releasegate.toml)."""

    model_config = ConfigDict(extra="forbid")

    timeout_s: float = 600.0


class Policy(StrEnum):
    """What a layer does to the target: refused on production unless explicitly allowed."""

    READS = "reads"  # read-only: always allowed
    WRITES = "writes"  # creates or changes data: needs --allow-production
    LOADS = "loads"  # generates load: needs --allow-production-load (or --allow-production)


class Chart(StrEnum):
    """How the report charts a metric's budgets."""

    TIMELINE = "timeline"  # a trend with per-second points: percentiles over time + histogram
    BARS = "bars"  # one value per run (e.g. a Lighthouse run): bars against the budget
    WINDOWS = "windows"  # per-interval values before (``baseline_samples``) and after a change, side by side
    NONE = "none"


@dataclass(frozen=True)
class MetricSpec:
    """A metric a layer publishes and budgets may name (``<layer>.<metric>{tag:value}``)."""

    kind: MetricKind
    unit: str
    description: str
    tags: tuple[str, ...] = ()
    chart: Chart = Chart.TIMELINE


@dataclass(frozen=True)
class AbortRule:
    """A live stop condition derived by gates from an error-level budget marked ``abort``.

    The layer evaluates it on its own per-second time-series: when ``aggregation`` of
    ``metric`` (restricted to ``tags``, globs allowed) over the last ``window_s`` seconds
    breaks ``op threshold`` after ``grace_s`` seconds from the start, the layer stops early
    and sets ``LayerResult.aborted`` to a sentence naming ``key`` and ``expr``.
    Thresholds are in base units (seconds, fractions 0..1, counts).
    """

    key: str
    expr: str
    metric: str
    aggregation: str  # "avg", "min", "max", "median", "p(95)", "rate", "count", "rps"
    op: str  # "<", "<=", ">", ">=", "==", "!="
    threshold: float
    tags: Mapping[str, str] = field(default_factory=dict)
    window_s: float = 10.0
    grace_s: float = 5.0


@dataclass(frozen=True)
class RunOptions:
    """Run-wide switches that layers may honour."""

    allow_production: bool = False
    allow_production_load: bool = False
    max_rate: float | None = None
    expect_version: str | None = None
    workers: int | None = None
    shard: tuple[int, int] | None = None
    headed: bool = False
    slow_mo_ms: int = 0
    load_profile: str | None = None
    expect_workers: int | None = None  # load: a master for this many workers on other hosts
    master_bind: tuple[str, int] | None = None  # load: where that master listens
    worker_wait_s: float = 60.0  # load: how long the master waits for them
    extra: Mapping[str, Any] = field(default_factory=dict)


S = TypeVar("S", bound=LayerSettings)


def _print_progress(message: str) -> None:
    print(message, flush=True)


@dataclass
class LayerContext:
    run_id: str
    stage: str
    environment: Environment
    base_url: str
    settings: LayerSettings
    run_dir: Path
    artifact_dir: Path
    options: RunOptions = field(default_factory=RunOptions)
    secrets: list[str] = field(default_factory=list)
    progress: Callable[[str], None] = _print_progress
    deadline: float | None = None  # time.monotonic() value
    abort_rules: tuple[AbortRule, ...] = ()
    config: Config | None = None  # the run's loaded configuration, to look up other environments
    read_only: bool = False  # the production policy narrowed this run to read-only work

    def settings_as(self, model: type[S]) -> S:
        """This layer's settings as its own model (the engine validated them; a context built by
        hand with plain :class:`LayerSettings` gets them re-validated, defaults filled in)."""
        if isinstance(self.settings, model):
            return self.settings
        return model.model_validate(self.settings.model_dump(exclude_unset=True))

    @property
    def web_url(self) -> str:
        """The frontend's origin (pages, web, e2e): the environment's ``web_url``, else the base URL."""
        return (self.environment.web_url or self.base_url).rstrip("/")

    def __post_init__(self) -> None:
        # One base URL: the environment handed to the layer carries the started target's URL.
        url = self.base_url.rstrip("/")
        if self.environment.base_url != url:
            self.environment = self.environment.model_copy(update={"base_url": url})
        self.base_url = url

    @overload
    def remaining_s(self) -> float | None: ...
    @overload
    def remaining_s(self, default: float) -> float: ...
    def remaining_s(self, default: float | None = None) -> float | None:
        """Seconds left before the deadline (0.0 once it passed); ``default`` when there is none."""
        if self.deadline is None:
            return default
        return max(0.0, self.deadline - time.monotonic())

    def rel(self, path: Path) -> str:
        """A path as stored in records: relative to the run directory."""
        return path.resolve().relative_to(self.run_dir.resolve()).as_posix()

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)


Prepare = Callable[["LayerSettings", "RunOptions", Environment], None]
"""An up-front check of a layer's settings against the run's options and environment, run
before the target starts; raises ConfigError/UsageError (exit 2) naming the key."""


@dataclass(frozen=True)
class LayerSpec:
    name: str
    summary: str
    settings_model: type[LayerSettings]
    metrics: Mapping[str, MetricSpec]
    run: Callable[[LayerContext], LayerResult]
    policy: Policy = Policy.READS
    read_only_on_production: bool = False  # a writing layer that narrows itself to reads there
    prepare: Prepare | None = None
    slo_metric: str | None = None  # this layer's rate metric whose samples feed the SLO history
    cleanup_grace_s: float = 0.0  # after an interrupt, how long it may take to undo what it made

    @property
    def writes(self) -> bool:
        """Sends writes or load: refused on production unless allowed."""
        return self.policy is not Policy.READS


@dataclass(frozen=True)
class SloSource:
    """The one layer metric the SLO and uptime figures are computed from."""

    layer: str
    metric: str


def slo_source(specs: Mapping[str, LayerSpec]) -> SloSource | None:
    """The metric that feeds the SLO, as the layers declare it (None when none does)."""
    for name, spec in specs.items():
        if spec.slo_metric:
            return SloSource(name, spec.slo_metric)
    return None
