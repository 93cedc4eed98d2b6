"""The load layer's settings: profiles, endpoints and server-side scraping.

A profile is either *closed* (``users`` + ``spawn_rate`` for ``duration_s``, optionally in
``stages``) or *open* (``arrival_rate`` iterations per second, paced across ``users``).
Every profile carries hard caps: ``max_duration_s`` and ``max_requests`` stop a run no matter
what the rest says.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from releasegate.spec import LayerSettings

Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stage(_Strict):
    """One step of a staged profile: hold ``users`` (reached at ``spawn_rate``) for ``duration_s``."""

    duration_s: float = Field(gt=0)
    users: int = Field(ge=0)
    spawn_rate: float = Field(gt=0)


class Profile(_Strict):
    description: str = ""
    users: int = Field(default=10, ge=1)
    spawn_rate: float = Field(default=10.0, gt=0)
    duration_s: float = Field(default=15.0, gt=0)
    arrival_rate: float | None = Field(
        default=None, gt=0, description="Open model: iterations (requests) per second, paced over the users."
    )
    stages: list[Stage] = Field(default_factory=list)
    think_time_s: tuple[float, float] = Field(
        default=(0.0, 0.0), description="Closed model: wait between iterations, uniform in [min, max]."
    )
    max_duration_s: float = Field(default=60.0, gt=0, description="Hard cap on the run's length.")
    max_requests: int = Field(default=100_000, ge=1, description="Hard cap on requests sent.")

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if self.stages and self.arrival_rate is not None:
            raise ValueError("a profile has either stages or an arrival_rate, not both")
        if self.stages:
            self.duration_s = sum(s.duration_s for s in self.stages)
            self.users = max(1, *(s.users for s in self.stages))
        return self

    @property
    def run_time_s(self) -> float:
        return min(self.duration_s, self.max_duration_s)


class Endpoint(_Strict):
    """A weighted request of the generic locustfile; ``name`` groups it in statistics."""

    method: Method = "GET"
    path: str
    weight: int = Field(default=1, ge=1)
    name: str | None = None
    json_body: dict[str, object] | None = Field(default=None, alias="json")
    status: list[int] = Field(
        default_factory=list, description="Statuses counted as success; empty means any status below 400."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.path}"


class ServerMetrics(_Strict):
    """Prometheus scraping of the target, before and after the run."""

    enabled: bool = True
    path: str = "/metrics"
    requests_metric: str = "http_requests_total"
    duration_metric: str = "http_request_duration_seconds"
    timeout_s: float = Field(default=5.0, gt=0)


class LoadSettings(LayerSettings):
    """``[layers.load]`` in releasegate.toml."""

    profile: str = "average"
    profiles: dict[str, Profile] = Field(default_factory=dict)
    locustfile: str = Field(
        default="generic",
        description="'generic', 'promptlib', or a path to a locustfile that imports the recorder.",
    )
    endpoints: list[Endpoint] = Field(default_factory=list)
    server_metrics: ServerMetrics = Field(default_factory=ServerMetrics)
    startup_timeout_s: float = Field(default=45.0, gt=0, description="Locust start-up allowance.")

    @field_validator("endpoints")
    @classmethod
    def _some_endpoints(cls, v: list[Endpoint]) -> list[Endpoint]:
        if not v:
            raise ValueError(
                "an empty list loads nothing the API serves; list the requests to send, or leave "
                "`endpoints` out to use the environment's endpoints"
            )
        return v


DEFAULT_PROFILES: dict[str, Profile] = {
    "smoke-load": Profile(
        description="a handful of users: does it hold any load at all",
        users=2,
        spawn_rate=2,
        duration_s=10,
        max_duration_s=30,
        max_requests=5_000,
    ),
    "average": Profile(
        description="expected traffic as a constant arrival rate",
        users=10,
        spawn_rate=10,
        arrival_rate=40,
        duration_s=15,
        max_duration_s=60,
        max_requests=20_000,
    ),
    "stress": Profile(
        description="well above expected traffic, no think time",
        users=50,
        spawn_rate=10,
        duration_s=60,
        max_duration_s=120,
        max_requests=300_000,
    ),
    "spike": Profile(
        description="a sudden burst and back",
        stages=[
            Stage(duration_s=10, users=5, spawn_rate=5),
            Stage(duration_s=20, users=60, spawn_rate=60),
            Stage(duration_s=10, users=5, spawn_rate=60),
        ],
        max_duration_s=60,
        max_requests=200_000,
    ),
    "soak": Profile(
        description="expected traffic for a long time",
        users=20,
        spawn_rate=5,
        arrival_rate=20,
        duration_s=1800,
        max_duration_s=2100,
        max_requests=60_000,
    ),
}
