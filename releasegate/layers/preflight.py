"""The release checklist, ``releasegate preflight``, as a pseudo-layer named ``preflight``.

Before a deploy: the variables the configuration names are set (values never read out), the
target's ``/version`` is the commit being deployed, its health payload reports migrations
applied (when it carries that check), optionally a pip-audit of a requirements file, and
optionally the application's own line coverage from a Cobertura XML. Each check yields
records and a gauge, so the verdict comes from the same gates and reports as any run:

=====================================  ======  ============================================
metric                                 unit    meaning
=====================================  ======  ============================================
``preflight.missing_variables``        count   required variables not set
``preflight.version_mismatch``         0/1     1 when /version is not the expected commit
``preflight.migrations_pending``       count   migration checks in /health not passing
``preflight.vulnerabilities``          count   known vulnerabilities pip-audit reported
``preflight.coverage_line_rate``       ratio   covered lines / valid lines
=====================================  ======  ============================================

A check that does not apply (no expected version, no migrations check, no audit or coverage
asked for) feeds no budget; one that applied but could not measure leaves its budget without
data, which gates judge inconclusive. :data:`PREFLIGHT_SPEC` is the metric catalogue gates
validate ``preflight.*`` budgets against; it is not a layer of ``releasegate run``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from releasegate.config import Config
from releasegate.layers._preflight.audit import check_audit
from releasegate.layers._preflight.coverage import check_coverage
from releasegate.layers._preflight.outcome import LAYER, Outcome
from releasegate.layers._preflight.target import check_migrations, check_version
from releasegate.layers._preflight.variables import check_variables
from releasegate.results import LayerResult, LayerStatus, MetricKind, utcnow
from releasegate.spec import LayerContext, LayerSettings, LayerSpec, MetricSpec

__all__ = [
    "DEFAULT_BUDGETS",
    "LAYER",
    "PREFLIGHT_SPEC",
    "SPEC",
    "PreflightOptions",
    "PreflightSettings",
    "applicable_budgets",
    "preflight_budgets",
    "run_checks",
]

DEFAULT_BUDGETS: dict[str, str] = {
    "preflight.missing_variables": "value == 0",
    "preflight.version_mismatch": "value == 0",
    "preflight.migrations_pending": "value == 0",
    "preflight.vulnerabilities": "value == 0",
    "preflight.coverage_line_rate": "value >= 80%",
}
"""The release checklist's budgets; ``[budgets]`` entries with the same key replace them."""


class PreflightSettings(LayerSettings):
    """``[layers.preflight]``-style settings (taken from ``config.layers["preflight"]``)."""

    timeout_s: float = 300.0
    http_timeout_s: float = 10.0
    audit_timeout_s: float = 240.0


@dataclass(frozen=True)
class PreflightOptions:
    """What the command line asked for."""

    config: Config
    expect_version: str | None = None
    requirements: Path | None = None
    audit: bool = False
    coverage_xml: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def _gauge(unit: str, description: str) -> MetricSpec:
    return MetricSpec(kind=MetricKind.GAUGE, unit=unit, description=description)


METRICS: dict[str, MetricSpec] = {
    "missing_variables": _gauge("", "Required environment variables (headers, tokens, logins) not set."),
    "version_mismatch": _gauge("", "1 when the target's /version is not the expected commit, else 0."),
    "migrations_pending": _gauge("", "Migration checks in the health payload that do not pass."),
    "vulnerabilities": _gauge("", "Known vulnerabilities pip-audit reported for the requirements."),
    "coverage_line_rate": _gauge("ratio", "The application's line coverage from its Cobertura XML."),
}


def _run_from_context(ctx: LayerContext) -> LayerResult:
    opts = ctx.options.extra.get("preflight")
    if not isinstance(opts, PreflightOptions):
        raise TypeError("the preflight layer runs only through `releasegate preflight`")
    return run_checks(ctx, opts)


PREFLIGHT_SPEC = LayerSpec(
    name=LAYER,
    summary="release checklist: variables, deployed version, migrations, audit, coverage",
    settings_model=PreflightSettings,
    metrics=METRICS,
    run=_run_from_context,
)
SPEC = PREFLIGHT_SPEC  # the registry's name for it


def run_checks(ctx: LayerContext, opts: PreflightOptions) -> LayerResult:
    """Every check the options ask for, as one ``preflight`` LayerResult.

    ``meta["checks"]`` maps each metric to ``"measured"``, ``"no data"`` or
    ``"not applicable"`` (see :func:`applicable_budgets`).
    """
    settings = ctx.settings_as(PreflightSettings)
    result = LayerResult(layer=LAYER, status=LayerStatus.OK)
    outcomes: list[Outcome] = [check_variables(opts.config, ctx.environment, opts.environ)]
    headers = ctx.environment.resolved_headers(dict(opts.environ))
    with httpx.Client(timeout=settings.http_timeout_s, headers=headers, follow_redirects=True) as client:
        base = ctx.base_url.rstrip("/")
        outcomes.append(check_version(client, base + ctx.environment.version_path, opts.expect_version))
        if ctx.environment.health_path:
            outcomes.append(check_migrations(client, base + ctx.environment.health_path))
    if opts.audit:
        outcomes.append(
            check_audit(opts.requirements, artifact_dir=ctx.artifact_dir, timeout_s=settings.audit_timeout_s)
        )
    if opts.coverage_xml is not None:
        outcomes.append(check_coverage(opts.coverage_xml))
    checks: dict[str, str] = {}
    for outcome in outcomes:
        result.records += [r.model_copy(update={"message": ctx.redact(r.message)}) for r in outcome.records]
        result.samples += outcome.samples
        checks[outcome.metric] = (
            "measured" if outcome.measured else "no data" if outcome.applicable else "not applicable"
        )
    result.meta["checks"] = checks
    result.finished_at = utcnow()
    return result


def preflight_budgets(config: Config) -> dict[str, object]:
    """The ``preflight.*`` budgets: :data:`DEFAULT_BUDGETS` overlaid by the file's ``[budgets]``."""
    merged: dict[str, object] = dict(DEFAULT_BUDGETS)
    merged.update({k: v for k, v in config.budgets.items() if k.strip().startswith(LAYER + ".")})
    return merged


def applicable_budgets(config: Config, checks: Mapping[str, str]) -> dict[str, object]:
    """The preflight budgets to judge: those of checks that ran (measured or not)."""
    wanted = {metric for metric, state in checks.items() if state != "not applicable"}

    def metric_of(key: str) -> str:
        return key.strip()[len(LAYER) + 1 :].split("{", 1)[0].strip()

    return {k: v for k, v in preflight_budgets(config).items() if metric_of(k) in wanted}
