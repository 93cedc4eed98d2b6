"""The smoke layer: is the deployment up, the right build, healthy and safe?

Generic and driven by the environment's config: the health endpoint (and the dependencies
it lists), the reported version against ``--expect-version``, each critical page and
endpoint with its expected status and text, response times against a degraded and a hard
limit, security headers, "not indexable" outside production and, over https, the
certificate. Each probe is repeated ``repeats`` times; availability is recorded per check.
The checks live in ``suites/smoke``; this module turns their outcomes into records and samples.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Self

from pydantic import Field, model_validator

from releasegate.results import (
    Finding,
    LayerResult,
    LayerStatus,
    Measurement,
    MetricKind,
    Record,
    Samples,
    Status,
    one_line,
)
from releasegate.spec import LayerContext, LayerSettings, LayerSpec, MetricSpec

if TYPE_CHECKING:
    from releasegate.layers._smoke.checks import Outcome
    from releasegate.layers._smoke.runner import SmokeParams

__all__ = ["SPEC", "SmokeSettings"]


class SmokeSettings(LayerSettings):
    """``[layers.smoke]`` in releasegate.toml."""

    timeout_s: float = 120.0
    repeats: int = Field(default=3, ge=1, le=100, description="How many times each URL is probed.")
    concurrency: int = Field(default=4, ge=1, le=32)
    request_timeout_s: float = Field(default=10.0, gt=0)
    degraded_s: float = Field(default=1.0, gt=0, description="Median response time counted as degraded.")
    limit_s: float = Field(default=2.0, gt=0, description="Median response time that fails the check.")
    min_cert_days: float = Field(default=14.0, ge=0)
    https_redirect: bool = Field(default=False, description="Check that http:// redirects to https://.")
    ca_file: str | None = Field(default=None, description="CA bundle for the target's certificate.")
    headers_path: str = Field(default="/", description="Page whose security and robots headers are checked.")
    security_headers: bool = True
    noindex: bool = Field(default=True, description="Require noindex outside production.")

    @model_validator(mode="after")
    def _limits_in_order(self) -> Self:
        if self.degraded_s > self.limit_s:
            raise ValueError(f"degraded_s ({self.degraded_s}) must not exceed limit_s ({self.limit_s})")
        return self


METRICS = {
    "availability": MetricSpec(
        MetricKind.RATE, "ratio", "1 per probe that succeeded, 0 per probe that did not.", ("check",)
    ),
    "response_time": MetricSpec(
        MetricKind.TREND, "s", "Time to the full response of each probe.", ("check",)
    ),
    "checks_failed": MetricSpec(
        MetricKind.COUNTER, "", "1 per failing check (0 for a passing one).", ("check",)
    ),
    "checks_degraded": MetricSpec(
        MetricKind.COUNTER, "", "1 per check whose median response time is past degraded_s.", ("check",)
    ),
    "cert_days_left": MetricSpec(
        MetricKind.GAUGE, "", "Days until the https certificate expires.", ("check",)
    ),
}

PROBES_FILE = "probes.json"
_STATUS = {"pass": Status.PASS, "fail": Status.FAIL, "flaky": Status.FLAKY, "skipped": Status.SKIPPED}


def _params(ctx: LayerContext) -> SmokeParams:
    from releasegate.layers._smoke.runner import PageSpec, SmokeParams

    env, s = ctx.environment, ctx.settings_as(SmokeSettings)
    pages = [PageSpec(p.check_id, "page", p.method, p.path, p.status, p.contains) for p in env.pages]
    pages += [PageSpec(p.check_id, "endpoint", p.method, p.path, p.status, p.contains) for p in env.endpoints]
    health = env.health_check
    remaining = ctx.remaining_s(s.request_timeout_s)  # 0 once the deadline passed, never None
    return SmokeParams(
        base_url=ctx.base_url,
        web_url=ctx.web_url,
        health_path=health.path if health else None,
        health_status=health.status if health else None,
        health_contains=health.contains if health else None,
        health_field=health.field if health else "status",
        version_path=env.version_path,
        expect_version=ctx.options.expect_version or env.expect_version,
        pages=pages,
        production=env.production,
        headers=env.resolved_headers(),
        repeats=s.repeats,
        concurrency=s.concurrency,
        request_timeout_s=max(0.5, min(s.request_timeout_s, remaining)),
        degraded_s=s.degraded_s,
        limit_s=s.limit_s,
        min_cert_days=s.min_cert_days,
        https_redirect=s.https_redirect,
        ca_file=s.ca_file,
        headers_path=s.headers_path,
        security_headers=s.security_headers,
        noindex=s.noindex,
    )


def _record(outcome: Outcome, ctx: LayerContext) -> Record:
    tags = {"check": outcome.check, "category": outcome.category}
    if outcome.category in ("page", "endpoint"):
        tags[outcome.category] = outcome.check
    probe = outcome.probes[0] if outcome.probes else None
    reproduction = f"curl -sS -i -X {probe.method} '{probe.url}'" if probe else None
    measurements = [Measurement(name=k, value=v, unit=u) for k, (v, u) in outcome.measurements.items()]
    return Record(
        layer="smoke",
        check=outcome.check,
        status=_STATUS[outcome.status],
        message=ctx.redact(outcome.message),
        tags=tags,
        measurements=measurements,
        reproduction=reproduction,
        artifacts=[ctx.rel(ctx.artifact_dir / PROBES_FILE)],
    )


def _findings(outcome: Outcome, record: Record) -> list[Finding]:
    """A failing, flaky or degraded check at its URL: expected vs got, how many probes."""
    if outcome.status not in ("fail", "flaky") and not outcome.degraded:
        return []
    probe = outcome.probes[0] if outcome.probes else None
    where = f"{outcome.check}: {probe.method} {probe.url}" if probe else outcome.check
    base = {
        "layer": "smoke",
        "where": where,
        "what": one_line(record.message),
        "evidence": list(record.artifacts),
        "reproduce": record.reproduction,
        "tags": {"check": outcome.check},
        "duration_s": sum(p.elapsed_s or 0.0 for p in outcome.probes),
    }
    out: list[Finding] = []
    if outcome.status == "fail":
        out.append(Finding(**base, kind="check_failed", metric="checks_failed"))
    down = sum(1 for ok in outcome.successes if not ok)
    if down and outcome.category != "latency":
        out.append(Finding(**base, kind="probe_failed", count=down, metric="availability"))
    if outcome.degraded:
        out.append(Finding(**base, kind="degraded", metric="checks_degraded"))
    return out


def _samples(outcomes: list[Outcome], cert_days_left: float | None) -> list[Samples]:
    out: list[Samples] = []
    for o in outcomes:
        tags = {"check": o.check}
        if o.successes and o.category != "latency":
            out.append(
                Samples(
                    metric="availability",
                    kind=MetricKind.RATE,
                    unit="ratio",
                    tags=tags,
                    values=[1.0 if ok else 0.0 for ok in o.successes],
                )
            )
            times = [p.elapsed_s for p in o.probes if p.elapsed_s is not None]
            if times:
                out.append(
                    Samples(metric="response_time", kind=MetricKind.TREND, unit="s", tags=tags, values=times)
                )
        if o.status != "skipped":
            failed = 1.0 if o.status == "fail" else 0.0
            out.append(Samples(metric="checks_failed", kind=MetricKind.COUNTER, tags=tags, values=[failed]))
        if o.category == "latency" and o.status != "skipped":
            out.append(
                Samples(
                    metric="checks_degraded",
                    kind=MetricKind.COUNTER,
                    tags=tags,
                    values=[1.0 if o.degraded else 0.0],
                )
            )
    if cert_days_left is not None:
        out.append(
            Samples(
                metric="cert_days_left",
                kind=MetricKind.GAUGE,
                tags={"check": "tls: days to expiry"},
                values=[cert_days_left],
            )
        )
    return out


def run(ctx: LayerContext) -> LayerResult:
    from releasegate.layers._smoke.runner import run_checks

    result = LayerResult(layer="smoke", status=LayerStatus.OK)
    params = _params(ctx)
    smoke = run_checks(params, ctx.progress)
    result.records = [_record(o, ctx) for o in smoke.outcomes]
    result.findings = [
        f for o, r in zip(smoke.outcomes, result.records, strict=True) for f in _findings(o, r)
    ]
    result.samples = _samples(smoke.outcomes, smoke.cert_days_left)
    raw = [
        {
            "method": p.method,
            "url": p.url,
            "status": p.status,
            "elapsed_s": p.elapsed_s,
            "error": p.error,
            "headers": {
                k: v for k, v in p.headers.items() if k.lower() not in ("set-cookie", "authorization")
            },
        }
        for p in smoke.probes
    ]
    probes_file = ctx.artifact_dir / PROBES_FILE
    probes_file.write_text(ctx.redact(json.dumps(raw, indent=2)), encoding="utf-8")
    result.artifacts = [ctx.rel(probes_file)]
    result.meta = {"repeats": params.repeats, "reported_version": smoke.reported_versions}
    commit = next((v for v in smoke.reported_versions if len(v) >= 7 and v.isalnum()), None)
    if commit:
        result.meta["commit"] = commit
    failing = sum(1 for o in smoke.outcomes if o.status == "fail")
    ctx.progress(f"{len(smoke.outcomes)} checks, {failing} failing")
    return result


SPEC = LayerSpec(
    name="smoke",
    summary="Deployment up, right build, healthy and safe: health, version, pages, timings, headers, TLS.",
    settings_model=SmokeSettings,
    metrics=METRICS,
    run=run,
    slo_metric="availability",
)
