"""The contract layer: schemathesis against the environment's OpenAPI spec, plus breaking changes.

Schemathesis runs as a bounded child process (``python -m schemathesis.cli run``) on the
spec fetched once and stored as ``contract/openapi.json``; its NDJSON events become one
record per failing check per operation (with a curl reproduction and the ``st replay``
command), one record per operation, and samples for budgets (README, "Contract layer").

Bad input and what it becomes:

=====================================================  ==========================================
spec file missing, not JSON/YAML, not OpenAPI/Swagger,  ConfigError (exit 2): the configuration
no operations, base URL path contradicting the spec,    points at the wrong thing
unknown check name, token env var unset,
``account = "generated"`` without ``[auth.signup]``
spec URL unreachable / HTTP error / serves HTML,        LayerResult status=error (exit 3): the
login refused, sign-up of the throwaway account         target or the tool may be at fault;
refused, schemathesis crashed, timed out or             never a pass
exercised nothing
=====================================================  ==========================================

The run acts as a throwaway account when the environment can make one (``[auth.signup]``),
else as the configured one (a note in the report), and at its end, also after a failure or an
interrupt, deletes what it created and that account (``_contract/account.py``, ``cleanup.json``).
"""

from __future__ import annotations

import json
import os
import random
import shlex
from typing import TYPE_CHECKING, Any

from releasegate.config import Environment
from releasegate.configfile import choose
from releasegate.errors import ConfigError
from releasegate.layers._contract.settings import CHECKS, ContractSettings
from releasegate.results import LayerResult, LayerStatus, MetricKind, Record, Status, shareable, utcnow
from releasegate.spec import LayerContext, LayerSettings, LayerSpec, MetricSpec, Policy, RunOptions

if TYPE_CHECKING:
    from releasegate.layers._contract.account import CleanupState, RunAccount

__all__ = ["CHECKS", "SPEC", "ContractSettings", "run"]

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CLEANUP_GRACE_S = 20.0
"""After Ctrl-C / SIGTERM the engine waits this long for the clean-up (its resources get at most
half of it, then the throwaway account is removed)."""


def _header_templates(ctx: LayerContext, login_token: bool, generated: bool = False) -> dict[str, str]:
    """Header -> value template holding ``${VAR}`` references, never values."""
    from releasegate.layers._contract.auth import TOKEN_VAR

    env = ctx.environment
    templates = {h: "${" + var + "}" for h, var in env.headers_from_env.items() if os.environ.get(var)}
    if generated and env.auth:
        templates[env.auth.header] = env.auth.header_value("${" + TOKEN_VAR + "}")
    elif env.auth and env.auth.token_env:
        templates[env.auth.header] = env.auth.header_value("${" + env.auth.token_env + "}")
    elif login_token and env.auth:
        templates[env.auth.header] = env.auth.header_value("${" + TOKEN_VAR + "}")
    return templates


def _selected(ops: tuple[str, ...], settings: ContractSettings, safe_only: bool) -> list[str]:
    chosen = [o for o in ops if not settings.include_operations or o in settings.include_operations]
    chosen = [o for o in chosen if o not in settings.exclude_operations]
    if safe_only:
        chosen = [o for o in chosen if o.split(" ", 1)[0] in SAFE_METHODS]
    return chosen


def _error(ctx: LayerContext, started: Any, message: str, meta: dict[str, Any] | None = None) -> LayerResult:
    return LayerResult(
        layer="contract",
        status=LayerStatus.ERROR,
        started_at=started,
        finished_at=utcnow(),
        error=ctx.redact(message),
        meta=meta or {},
    )


def _baseline_document(ctx: LayerContext, location: str) -> tuple[str, dict[str, Any]]:
    from releasegate.layers._contract.spec import load_spec

    if location.startswith("env:"):
        if ctx.config is None:
            raise ConfigError(
                f"baseline_spec {location!r} names another environment, but the run has no configuration "
                "to find it in",
                key="layers.contract",
            )
        other = choose(
            "environment",
            location[4:],
            ctx.config.environments,
            ctx.config,
            key="layers.contract.baseline_spec",
        )
        spec = load_spec(other.openapi, other.base_url or ctx.base_url, headers={}, timeout_s=15.0)
    else:
        spec = load_spec(location, ctx.base_url, headers={}, timeout_s=15.0)
    return spec.source, spec.document


def run(ctx: LayerContext) -> LayerResult:
    """Run schemathesis as the run's own account (or the configured one), then clean up after it."""
    from releasegate.accounts import AccountError
    from releasegate.layers._contract.account import CleanupState, choose_account, clean_up, with_cleanup
    from releasegate.proc import interrupts

    started = utcnow()
    settings = ctx.settings_as(ContractSettings)
    env = ctx.environment
    work = ctx.artifact_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        who = choose_account(
            settings.account,
            env,
            ctx.base_url,
            run_id=ctx.run_id,
            read_only=ctx.read_only,
            timeout_s=settings.request_timeout_s,
        )
    except AccountError as exc:
        return _error(
            ctx,
            started,
            f"contract: the throwaway account could not be made: {exc}; fix [auth.signup], or set "
            '[layers.contract] account = "configured" to run as the configured (shared) account',
        )
    ctx.secrets.extend(s for s in who.secrets if s not in ctx.secrets)
    state = CleanupState(work=work, headers=env.resolved_headers())
    seen = interrupts()
    try:
        result = _fuzz(ctx, settings, who, started, state)
    finally:
        report = (
            clean_up(
                env,
                ctx.base_url,
                who,
                work=work,
                document=state.document if settings.cleanup else None,
                api_url=state.api_url,
                headers=state.headers,
                timeout_s=settings.request_timeout_s,
                redact=ctx.redact,
                budget_s=CLEANUP_GRACE_S / 2 if interrupts() > seen else None,
            )
            if settings.cleanup or who.throwaway is not None
            else None
        )
    return with_cleanup(ctx, result, who, report)


def _fuzz(  # noqa: PLR0915
    ctx: LayerContext, settings: ContractSettings, who: RunAccount, started: Any, state: CleanupState
) -> LayerResult:
    from releasegate.layers._contract import records as rec
    from releasegate.layers._contract.auth import TOKEN_VAR, AuthFailed, resolve_token
    from releasegate.layers._contract.breaking import Change, breaking_changes
    from releasegate.layers._contract.parse import crash_samples, parse_ndjson
    from releasegate.layers._contract.runner import RunPlan, build_command, run_schemathesis
    from releasegate.layers._contract.spec import SpecUnavailable, check_base_path, load_spec
    from releasegate.layers._contract.suite import suite_config, suite_env
    from releasegate.scrub import scrub_tree

    env = ctx.environment
    work = state.work
    generated = who.throwaway is not None
    try:
        token = who.token if generated else resolve_token(env.auth, ctx.base_url)
    except AuthFailed as exc:
        return _error(ctx, started, f"contract: authentication failed: {exc}")
    if token and token not in ctx.secrets:
        ctx.secrets.append(token)
    login_token = bool(token and env.auth and (env.auth.login or generated))
    templates = _header_templates(ctx, login_token=login_token, generated=generated)
    child_env = dict(os.environ)
    if token and env.auth and (env.auth.login or generated):
        child_env[TOKEN_VAR] = token
    fetch_headers = env.resolved_headers()
    if token and env.auth:
        fetch_headers[env.auth.header] = env.auth.header_value(token)
    state.headers = dict(fetch_headers)

    try:
        spec = load_spec(
            env.openapi, ctx.base_url, headers=fetch_headers, timeout_s=settings.request_timeout_s
        )
    except SpecUnavailable as exc:
        return _error(ctx, started, f"contract: {exc}")
    api_url = check_base_path(spec, ctx.base_url)
    state.document, state.api_url = spec.document, api_url
    spec_file = work / "openapi.json"
    spec_file.write_text(json.dumps(spec.document, indent=1), encoding="utf-8")

    changes: list[Change] | None = None
    baseline_source = ""
    if settings.baseline_spec:
        try:
            baseline_source, baseline_doc = _baseline_document(ctx, settings.baseline_spec)
        except SpecUnavailable as exc:
            return _error(ctx, started, f"contract: baseline spec: {exc}")
        changes = breaking_changes(baseline_doc, spec.document)

    safe_only = ctx.read_only
    selected = _selected(spec.operations, settings, safe_only)
    seed = settings.seed if settings.seed is not None else random.SystemRandom().randrange(1, 2**31)
    exclude_checks = list(settings.exclude_checks)
    if safe_only and "unsupported_method" not in exclude_checks:
        exclude_checks.append("unsupported_method")
    base_settings, base_file = suite_config(settings.config)
    plan = RunPlan(
        spec_file=spec_file,
        api_url=api_url,
        work_dir=work,
        seed=seed,
        phases=settings.phases,
        max_examples=settings.max_examples,
        workers=ctx.options.workers or settings.workers,
        request_timeout_s=settings.request_timeout_s,
        checks=settings.checks,
        exclude_checks=exclude_checks,
        include_operations=settings.include_operations,
        exclude_operations=settings.exclude_operations,
        safe_methods_only=safe_only,
        max_time_s=settings.max_time_s,
        header_vars=templates,
        extra_args=settings.extra_args,
        base_settings=base_settings,
    )
    hard_limit = settings.timeout_s
    remaining = ctx.remaining_s()
    if remaining is not None:
        hard_limit = min(hard_limit, max(1.0, remaining - 2.0))
    ctx.progress(f"contract: schemathesis on {len(selected)} operation(s) of {spec.source}, seed {seed}")
    child_env = {**child_env, **suite_env(settings.hooks)}
    st = run_schemathesis(plan, env=child_env, hard_timeout_s=hard_limit)
    scrub_tree(work, ctx.secrets)

    ndjson = next(iter(sorted(plan.report_dir.glob("*.ndjson"))), None)
    report = parse_ndjson(ndjson, spec.operations) if ndjson else parse_ndjson(work / "missing", ())
    artifacts = shareable(ctx.rel(p) for p in sorted(work.rglob("*")) if p.is_file())
    # run from the run directory: every path of a reproduction is relative to it
    replay = shlex.join(["schemathesis", "--config-file", ctx.rel(plan.config_file), "replay"])
    evidence = rec.Evidence(
        artifacts=[ctx.rel(p) for p in sorted(plan.report_dir.glob("*"))],
        header_templates=templates,
        replay_prefix=replay,
    )
    records: list[Record] = rec.failure_records(
        report, settings.levels, crash_samples(plan.cache_dir / "crashes"), evidence
    )
    findings = rec.findings(report, settings.levels, crash_samples(plan.cache_dir / "crashes"), evidence)
    records += rec.operation_records(report, selected)
    if changes is not None:
        records += rec.breaking_records(changes, baseline_source, [ctx.rel(spec_file)])
    checks_run = {op: s.checks for op, s in report.operations.items() if s.exercised}
    samples = rec.run_samples(
        report, selected, settings.levels, checks_run, changes=changes, duration_s=st.duration_s
    )
    meta: dict[str, Any] = {
        "seed": seed,
        "seed_fixed": settings.seed is not None,
        "tool": "schemathesis",
        "schemathesis_version": report.version,
        "spec": spec.source,
        "spec_version": spec.version,
        "api_url": api_url,
        "operations_total": len(spec.operations),
        "operations_selected": len(selected),
        "operations_exercised": sum(1 for o in selected if o in checks_run),
        "test_cases": report.test_cases,
        "exit_code": st.exit_code,
        "duration_s": round(st.duration_s, 3),
        "stop_reason": report.stop_reason,
        "safe_methods_only": safe_only,
        "tool_errors": report.errors[:50],
        "command": ctx.redact(shlex.join(build_command(plan))),
        "rerun": f"seed {seed}: set [layers.contract] seed = {seed}",
    }
    if changes is not None:
        meta["baseline_spec"] = baseline_source
    if base_file is not None:
        meta["schemathesis_config"] = str(base_file)
    if st.overridden:
        meta["schemathesis_config_overridden"] = list(st.overridden)
        records.append(
            Record(
                layer="contract",
                check="schemathesis.toml",
                status=Status.SKIPPED,
                message=f"releasegate's own settings replaced these keys of {base_file}: "
                + ", ".join(st.overridden),
            )
        )
    not_reached = {
        op: report.operations[op].not_reached or ""
        for op in selected
        if op in report.operations and not report.operations[op].exercised
    }
    if not_reached:
        meta["not_reached"] = not_reached
    refused = [op for op, why in not_reached.items() if "authentication failed" in why]
    if refused:
        meta["auth_refused"] = refused
        ctx.progress(
            f"contract: warning: authentication failed on {len(refused)} operation(s) (only 401/403 "
            f"answers), not counted as tested: {', '.join(refused[:5])}"
        )
    servers = [str(s.get("url", "")) for s in spec.document.get("servers") or [] if isinstance(s, dict)]
    error = _judge_run(st, report, selected, checks_run, hard_limit, api_url=api_url, servers=servers)
    result = LayerResult(
        layer="contract",
        status=LayerStatus.ERROR if error else LayerStatus.OK,
        started_at=started,
        finished_at=utcnow(),
        records=records,
        samples=samples,
        findings=findings,
        error=ctx.redact(error) if error else None,
        meta=meta,
        artifacts=artifacts,
    )
    return result  # a timeout is an error (inconclusive), never "aborted": it proves nothing wrong


def _judge_run(
    st: Any,
    report: Any,
    selected: list[str],
    checks_run: dict[str, set[str]],
    limit: float,
    *,
    api_url: str = "",
    servers: list[str] | None = None,
) -> str | None:
    """Why the run's data cannot be trusted, or None."""
    if st.timed_out:
        return f"contract: schemathesis did not finish within {limit:.0f}s and was stopped (timeout_s)"
    if report.fatal:
        return f"contract: schemathesis could not run: {report.fatal}"
    if st.exit_code not in (0, 1) or not report.finished:
        return (
            f"contract: schemathesis exited with code {st.exit_code} without finishing; "
            "see contract/schemathesis-output.txt"
        )
    if report.stop_reason == "server_unavailable":
        first = report.network_errors[-1] if report.network_errors else "no detail"
        return (
            "contract: the target stopped responding during the run (schemathesis stopped: server "
            f"unavailable); the operations after it went untested: {first}"
        )
    if report.stop_reason == "interrupted":
        return "contract: schemathesis was interrupted before it finished"
    if report.network_errors:
        return (
            f"contract: {len(report.network_errors)} request(s) got no answer (network error), so "
            f"the run is incomplete: {report.network_errors[0]}"
        )
    if not selected:
        return "contract: no operation of the spec is selected (include/exclude filters or production safety)"
    if not any(op in checks_run for op in selected):
        reasons = [report.operations[op].not_reached for op in selected if op in report.operations]
        if reasons and all("authentication failed" in (r or "") for r in reasons):
            return (
                "contract: authentication failed: every operation answered only 401/403, nothing was "
                "tested; check the credentials (auth, headers_from_env) of the environment"
            )
        if any("not served" in (r or "") for r in reasons):
            declared = ", ".join(servers or []) or "none"
            return (
                f"contract: no operation of the spec was reached: the requests to {api_url} were "
                f"answered 404; the spec's servers: {declared}. Does the base URL repeat (or miss) "
                "the spec's base path?"
            )
        return "contract: schemathesis exercised none of the spec's operations (no response received)"
    return None


def _prepare(settings: LayerSettings, options: RunOptions, environment: Environment) -> None:
    """``account = "generated"`` needs an environment that can make accounts."""
    del options
    chosen = settings if isinstance(settings, ContractSettings) else ContractSettings()
    if chosen.account == "generated" and (environment.auth is None or environment.auth.signup is None):
        raise ConfigError(
            'account = "generated" needs a way to make accounts, and the environment '
            f"{environment.name or '(ad hoc)'} declares none",
            key="layers.contract.account",
            hint='add [environments.<name>.auth.signup] (see docs/auth.md), or use account = "auto"',
        )


SPEC = LayerSpec(
    name="contract",
    summary="schemathesis against the environment's OpenAPI spec, plus breaking changes against a baseline",
    settings_model=ContractSettings,
    metrics={
        "failures": MetricSpec(
            MetricKind.COUNTER,
            "",
            "Failing test cases per check and operation.",
            ("check", "operation", "level"),
        ),
        "server_errors": MetricSpec(MetricKind.COUNTER, "", "Responses with a 5xx status.", ("operation",)),
        "operations_tested": MetricSpec(
            MetricKind.GAUGE, "ratio", "Share of the spec's selected operations that got a response."
        ),
        "response_time": MetricSpec(MetricKind.TREND, "s", "Response time of test requests.", ("operation",)),
        "breaking_changes": MetricSpec(
            MetricKind.COUNTER, "", "Changes that break clients of the baseline spec.", ("kind", "operation")
        ),
    },
    run=run,
    policy=Policy.WRITES,
    read_only_on_production=True,
    prepare=_prepare,
    cleanup_grace_s=CLEANUP_GRACE_S,
)
