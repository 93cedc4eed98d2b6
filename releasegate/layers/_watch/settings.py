"""``[layers.watch]``: the watch layer's settings and its PromQL templates."""

from __future__ import annotations

import re
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from releasegate.layers._watch.exposition import Names
from releasegate.layers._watch.sources import render_query
from releasegate.spec import LayerSettings

__all__ = ["MARGIN_S", "WatchQueries", "WatchSettings"]

MARGIN_S = 10.0  # kept free before the layer's deadline for the records


class WatchQueries(BaseModel):
    """PromQL templates; ``$selector``, ``$range``, ``$quantile``, ``$requests``, ``$buckets``,
    ``$route``, ``$status`` and ``$errors`` are filled in from the settings.

    The error-rate numerators fall back to 0 (``or vector(0)``, ``or ... * 0``): a clean
    service has no 5xx series at all, which must read as 0 %, not as "no data"."""

    model_config = ConfigDict(extra="forbid")

    error_rate: str = (
        '(sum(rate($requests{$status=~"$errors",$selector}[$range])) or vector(0))'
        " / sum(rate($requests{$selector}[$range]))"
    )
    error_rate_by_route: str = (
        'sum by ($route) (rate($requests{$status=~"$errors",$selector}[$range]))'
        " / sum by ($route) (rate($requests{$selector}[$range]))"
        " or sum by ($route) (rate($requests{$selector}[$range])) * 0"
    )
    latency: str = "histogram_quantile($quantile, sum by (le) (rate($buckets{$selector}[$range])))"
    latency_by_route: str = (
        "histogram_quantile($quantile, sum by (le, $route) (rate($buckets{$selector}[$range])))"
    )
    throughput_by_route: str = "sum by ($route) (rate($requests{$selector}[$range]))"


class WatchSettings(LayerSettings):
    """``[layers.watch]`` in releasegate.toml."""

    timeout_s: float = 900.0
    duration_s: float = Field(default=300.0, gt=0, description="How long the watch lasts (--watch-duration).")
    interval_s: float = Field(default=15.0, gt=0, description="One sample (query or scrape) per interval.")
    min_requests: int = Field(default=50, ge=1, description="Fewer requests in a window: inconclusive.")
    quantile: float = Field(default=0.95, gt=0, le=1, description="The latency quantile per interval.")
    prometheus_url: str | None = Field(
        default=None, description="Read a Prometheus server instead of /metrics."
    )
    auth_header: str = Field(
        default="Authorization", description="Header sent to Prometheus with the value below."
    )
    auth_header_env: str | None = Field(default=None, description="Env var holding that header's value.")
    selector: str = Field(default="", description='Label matchers for the service, e.g. {job="api"}.')
    rate_window: str = Field(default="1m", description="PromQL range of rate(); >= 4 x the scrape interval.")
    queries: WatchQueries = Field(default_factory=WatchQueries)
    metrics_path: str = Field(default="/metrics", description="The target's own metrics, without Prometheus.")
    requests_metric: str = "http_requests_total"
    duration_metric: str = "http_request_duration_seconds"
    route_label: str = "route"
    status_label: str = "status"
    method_label: str = "method"
    error_status: str = Field(default="5..", description="Status values counted as errors (a regex).")
    request_timeout_s: float = Field(default=5.0, gt=0)
    mark_file: str | None = Field(
        default=None, description="Where `watch mark` stores the /metrics baseline."
    )
    ignore_routes: list[str] | None = Field(
        default=None,
        description="Routes left out of every figure (default: metrics_path, whose scrapes by the "
        "watch and by Prometheus are not the service's traffic); [] counts every route.",
    )
    worse_ratio: float = Field(default=1.2, gt=1, description="A route is 'worse' above baseline x this.")

    @field_validator("selector")
    @classmethod
    def _bare_selector(cls, value: str) -> str:
        return value.strip().removeprefix("{").removesuffix("}").strip()

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.interval_s > self.duration_s:
            raise ValueError(
                f"interval_s ({self.interval_s:g}) must not exceed duration_s ({self.duration_s:g})"
            )
        if self.duration_s + MARGIN_S > self.timeout_s:
            raise ValueError(
                f"duration_s ({self.duration_s:g}) needs timeout_s above {self.duration_s + MARGIN_S:g}"
            )
        return self

    def names(self) -> Names:
        return Names(
            requests=self.requests_metric,
            duration=self.duration_metric,
            route=self.route_label,
            status=self.status_label,
            error_status=self.error_status,
            ignore_routes=frozenset(self.ignored_routes()),
        )

    def ignored_routes(self) -> list[str]:
        return [self.metrics_path] if self.ignore_routes is None else list(self.ignore_routes)

    def _selector(self) -> str:
        """The selector plus the ignored routes left out (PromQL: ``route!~"/metrics"``)."""
        parts = [self.selector] if self.selector else []
        ignored = "|".join(re.escape(route) for route in self.ignored_routes())
        if ignored:
            quoted = ignored.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{self.route_label}!~"{quoted}"')
        return ",".join(parts)

    def rendered_queries(self) -> dict[str, str]:
        values = {
            "selector": self._selector(),
            "range": self.rate_window,
            "quantile": f"{self.quantile:g}",
            "requests": self.requests_metric,
            "buckets": self.duration_metric + "_bucket",
            "route": self.route_label,
            "status": self.status_label,
            "method": self.method_label,
            "errors": self.error_status,
        }
        return {name: render_query(text, values) for name, text in self.queries.model_dump().items()}
