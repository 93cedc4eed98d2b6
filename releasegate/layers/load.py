"""The load layer: Locust in its own processes, judged on exact HDR statistics.

``run(ctx)`` picks a profile, writes a plan for the recorder plugin (``_load/recorder.py``),
starts ``python -m locust`` (one process, a loopback master with ``ctx.options.workers``
workers, or a master for ``ctx.options.expect_workers`` workers on other hosts), scrapes the
target's Prometheus metrics before and after, and turns the results file the recorder wrote
into Samples for gates and Records for people. Locust is never imported here.
"""

from __future__ import annotations

import difflib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from releasegate.auth import LoginFailed, MissingCredential, credentials, renew_at
from releasegate.config import Environment
from releasegate.errors import ConfigError, LayerError
from releasegate.layers._load import collect, launcher, prom
from releasegate.layers._load import workers as remote_workers
from releasegate.layers._load.abort import Rule, check_supported
from releasegate.layers._load.profiles import DEFAULT_PROFILES, Endpoint, LoadSettings, Profile
from releasegate.results import LayerResult, LayerStatus, MetricKind, Record, Status, utcnow
from releasegate.scrub import scrub_tree
from releasegate.spec import LayerContext, LayerSettings, LayerSpec, MetricSpec, Policy, RunOptions

_EP = ("endpoint", "method")

METRICS: dict[str, MetricSpec] = {
    "http_req_duration": MetricSpec(
        MetricKind.TREND, "s", "Response time per request (exact HDR, 3 sig. figs)", _EP
    ),
    "http_req_failed": MetricSpec(MetricKind.RATE, "ratio", "Share of failed requests", _EP),
    "http_reqs": MetricSpec(MetricKind.COUNTER, "", "Requests sent", _EP),
    "rps": MetricSpec(MetricKind.GAUGE, "", "Requests per second over the whole run"),
    "achieved_rate": MetricSpec(
        MetricKind.GAUGE, "ratio", "Achieved / target arrival rate (open-model profiles)"
    ),
    "schedule_lag": MetricSpec(MetricKind.TREND, "s", "Actual minus intended start of a paced request", _EP),
    "http_req_corrected": MetricSpec(
        MetricKind.TREND, "s", "Response time from the intended start (coordinated omission corrected)", _EP
    ),
    "server_requests": MetricSpec(
        MetricKind.COUNTER, "", "Requests the server counted (Prometheus)", ("endpoint", "status", "source")
    ),
    "server_req_duration": MetricSpec(
        MetricKind.TREND, "s", "Server-side latency (Prometheus buckets, coarse)", ("endpoint", "source")
    ),
}


def profiles(settings: LoadSettings) -> dict[str, Profile]:
    return {**DEFAULT_PROFILES, **settings.profiles}


def _profile(settings: LoadSettings, options: RunOptions) -> tuple[str, Profile]:
    all_profiles = profiles(settings)
    name = options.load_profile or settings.profile
    if name not in all_profiles:
        close = difflib.get_close_matches(name, list(all_profiles), n=1)
        raise ConfigError(
            f"unknown load profile {name!r}",
            key="--profile" if options.load_profile else "layers.load.profile",
            hint=(f"did you mean {close[0]!r}? " if close else "")
            + f"known profiles: {', '.join(sorted(all_profiles))}",
        )
    return name, all_profiles[name]


def _locustfile(settings: LoadSettings) -> Path:
    locustfile = launcher.resolve_locustfile(settings.locustfile)
    if not locustfile.is_file():
        raise ConfigError(
            f"locustfile {str(locustfile)!r} does not exist",
            key="layers.load.locustfile",
            hint="use 'generic', 'promptlib' or a path to a locustfile that imports releasegate.load",
        )
    return locustfile


def prepare(settings: LayerSettings, options: RunOptions, _env: Environment) -> None:
    """Up-front checks (before the target starts): the profile and the locustfile exist."""
    assert isinstance(settings, LoadSettings)
    _profile(settings, options)
    _locustfile(settings)


def _rules(ctx: LayerContext) -> list[Rule]:
    rules = [
        Rule.from_any(r) for r in ctx.abort_rules if r.key.startswith("load.") or r.metric.startswith("load.")
    ]
    for rule in rules:
        problem = check_supported(rule)
        if problem:
            raise ConfigError(
                problem,
                key=rule.key,
                hint="abort = true works on http_req_duration, "
                "http_req_failed and http_reqs with endpoint/method tags",
            )
    return rules


def _endpoints(ctx: LayerContext, settings: LoadSettings) -> list[Endpoint]:
    if settings.endpoints:
        return settings.endpoints
    env = ctx.environment
    if env.endpoints:
        return [Endpoint(method=p.method, path=p.path, name=p.name) for p in env.endpoints]
    if env.health_path is False:
        raise ConfigError(
            "the load layer has no endpoints: [layers.load] endpoints and the environment's endpoints "
            "are unset, and health_path = false",
            key="layers.load.endpoints",
            hint='list the requests to send, e.g. endpoints = [{ path = "/api/items" }]',
        )
    return [Endpoint(method="GET", path=env.health_path)]


def _headers(ctx: LayerContext) -> tuple[dict[str, str], list[str], dict[str, Any] | None]:
    """The environment's headers and auth (the shared login flow), the secrets they hold, and
    what simulated users need to renew the token (variable names only, never values)."""
    try:
        found = credentials(ctx.environment, ctx.base_url)
    except MissingCredential as exc:
        raise ConfigError(
            str(exc), key="auth", hint=f"export {exc.name}=... before the run, or remove the auth settings"
        ) from None
    except LoginFailed as exc:
        raise LayerError(
            "load", f"login failed: {exc}", hint="check [auth.login] and its credentials"
        ) from None
    auth = ctx.environment.auth
    renewal = None
    if auth is not None and auth.login is not None:
        renewal = {
            "login": auth.login.model_dump(mode="json"),
            "header": auth.header,
            "scheme": auth.scheme,
            "base_url": ctx.base_url,
            "renew_at": renew_at(found.expires_in),
        }
    return dict(found.headers), list(found.secrets), renewal


def _results(
    outcome: launcher.Outcome,
    out: Path,
    live: Path,
    remote: launcher.Remote | None,
    *,
    timeout: float,
    base_url: str,
) -> tuple[dict[str, Any] | None, str | None]:
    """The recorder's results and, when they cannot be trusted, why (fail closed)."""
    log_tail = launcher.tail(outcome.logs[0]) if outcome.logs else ""
    if outcome.timed_out:
        return None, f"Locust did not finish within {timeout:.0f}s and was stopped\n{log_tail}"
    if not out.exists():
        if remote and remote_workers.GAVE_UP in log_tail:
            return None, remote_workers.no_show(remote, live)
        return None, f"Locust (exit {outcome.returncode}) wrote no results\n{log_tail}"
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    short = remote_workers.shortfall(results, remote.expect) if remote else None
    if short:
        return results, short
    if outcome.returncode != 0:
        return results, f"Locust exited with {outcome.returncode}\n{log_tail}"
    missing = results["workers"]["missing"]
    if missing:
        return results, f"{len(missing)} worker(s) never sent their final statistics: {missing}"
    if not results["cells"]:
        return results, f"no request was recorded against {base_url}\n{log_tail}"
    return results, None


def _timeout(
    ctx: LayerContext, settings: LoadSettings, profile: Profile, workers: int, remote: launcher.Remote | None
) -> float:
    """How long Locust may take: the run, its start, each worker, and the wait for remote ones."""
    wait = remote.wait_s if remote else 0.0
    budget = profile.run_time_s + settings.startup_timeout_s + 15.0 * (1 + workers) + wait
    return min(budget, settings.timeout_s + wait, ctx.remaining_s(budget))


def _remote(options: RunOptions) -> launcher.Remote | None:
    if not options.expect_workers:
        return None
    host, port = options.master_bind or ("0.0.0.0", remote_workers.DEFAULT_PORT)
    return launcher.Remote(host=host, port=port, expect=options.expect_workers, wait_s=options.worker_wait_s)


def _scrape(ctx: LayerContext, settings: LoadSettings, headers: dict[str, str]) -> prom.Series | None:
    sm = settings.server_metrics
    if not sm.enabled:
        return None
    return prom.scrape(ctx.base_url.rstrip("/") + sm.path, sm.timeout_s, headers)


def _error(ctx: LayerContext, started: Any, message: str, meta: dict[str, Any]) -> LayerResult:
    return LayerResult(
        layer="load",
        status=LayerStatus.ERROR,
        started_at=started,
        finished_at=utcnow(),
        error=ctx.redact(message),
        meta=meta,
    )


def run(ctx: LayerContext) -> LayerResult:
    started = utcnow()
    settings = ctx.settings_as(LoadSettings)
    name, profile = _profile(settings, ctx.options)
    rules = _rules(ctx)
    locustfile = _locustfile(settings)
    art = ctx.artifact_dir
    art.mkdir(parents=True, exist_ok=True)
    target_rate = profile.arrival_rate
    max_rate = ctx.options.max_rate
    out, live = art / "results.json", art / "live.json"
    out.unlink(missing_ok=True)
    remote = _remote(ctx.options)
    workers = remote.expect if remote else max(0, int(ctx.options.workers or 0))
    plan = {
        "out": str(out),
        "live": str(live),
        "profile": profile.model_dump(mode="json"),
        "endpoints": [
            e.model_dump(mode="json", by_alias=True, exclude_none=True) for e in _endpoints(ctx, settings)
        ],
        "abort_rules": [r.as_dict() for r in rules],
        "max_rate": max_rate,
        "workers": workers,
    }
    meta: dict[str, Any] = {
        "profile": name,
        "profile_settings": plan["profile"],
        "workers": workers,
        "remote_workers": remote is not None,
        "locustfile": str(locustfile),
        "locust": _version("locust"),
        "max_rate": max_rate,
    }
    first = profile.stages[0] if profile.stages else None
    headers, secrets, renewal = _headers(ctx)
    plan["auth"] = renewal
    hidden = [*ctx.secrets, *secrets]
    before = _scrape(ctx, settings, headers)
    timeout = _timeout(ctx, settings, profile, workers, remote)
    ctx.progress(
        f"load: profile {name} for {profile.run_time_s:g}s against {ctx.base_url}"
        + (f" with {workers} workers" if workers else "")
    )
    if remote:
        ctx.progress(remote_workers.waiting_line(remote))
    outcome = launcher.run(
        launcher.Launch(
            locustfile=locustfile,
            host=ctx.base_url,
            users=first.users if first else profile.users,
            spawn_rate=first.spawn_rate if first else profile.spawn_rate,
            safety_run_time_s=profile.run_time_s + 15.0,
            workers=0 if remote else workers,
            artifact_dir=art,
            plan=plan,
            headers=headers,
            timeout_s=timeout,
            remote=remote,
        ),
        progress=lambda d: ctx.progress(remote_workers.progress_line(d)),
    )
    after = _scrape(ctx, settings, headers) if before is not None else None
    scrub_tree(art, hidden)  # Locust's CSV, HTML, logs and the recorder's files
    meta["locust_seconds"] = round(outcome.seconds, 2)
    artifacts = [
        ctx.rel(p) for p in [*outcome.logs, out, art / "locust.html", art / "locust_stats.csv"] if p.exists()
    ]
    results, problem = _results(outcome, out, live, remote, timeout=timeout, base_url=ctx.base_url)
    if results is not None:
        meta["worker_roster"] = results["workers"].get("roster", {})
    if problem or results is None:
        if remote:  # say it on the console too, not only in the report
            ctx.progress(f"load: {problem}")
        return _error(ctx, started, problem or "no results", meta)
    meta["stop_reason"] = results["stop_reason"]
    eps = collect.endpoints(results)
    samples = collect.client_samples(results, eps, target_rate)
    records = collect.records(results, eps, ctx.redact)
    if remote:
        records += remote_workers.records(results)
    reports = [ctx.rel(p) for p in (art / "locust.html", art / "locust_failures.csv") if p.exists()]
    findings = collect.findings(
        eps,
        collect.failure_counts(results, art / "locust_failures.csv"),
        base_url=ctx.base_url,
        evidence=reports,
        redact=ctx.redact,
    )
    view = _server_view(before, after, settings)
    records.append(_server_record(view, settings))
    if view is not None:
        samples += collect.server_samples(view)
    aborted = results["aborted"]["sentence"] if results.get("aborted") else None
    if results["stop_reason"] in ("max_requests", "max_rate"):
        records.append(
            Record(
                layer="load",
                check="caps",
                status=Status.PASS,
                message=f"stopped early by the {results['stop_reason']} cap",
            )
        )
    return LayerResult(
        layer="load",
        status=LayerStatus.OK,
        started_at=started,
        finished_at=utcnow(),
        records=records,
        samples=samples,
        findings=findings,
        aborted=aborted,
        meta=meta,
        artifacts=artifacts,
    )


def _server_view(
    before: prom.Series | None, after: prom.Series | None, settings: LoadSettings
) -> prom.ServerView | None:
    """What the target's metrics counted between the scrapes before and after the run, if both worked."""
    if before is None or after is None:
        return None
    sm = settings.server_metrics
    return prom.diff(before, after, sm.requests_metric, sm.duration_metric)


def _server_record(view: prom.ServerView | None, settings: LoadSettings) -> Record:
    """What the target's own metrics saw of the run (``view`` is None when there were none to scrape)."""
    sm = settings.server_metrics
    if view is None:
        return Record(
            layer="load",
            check="server metrics",
            status=Status.SKIPPED,
            message=f"the target exposes no Prometheus metrics at {sm.path} (or scraping is off)",
        )
    if view.total == 0:
        return Record(
            layer="load",
            check="server metrics",
            status=Status.SKIPPED,
            message=f"no series of {sm.requests_metric} at {sm.path} counted a request during the run",
        )
    return Record(
        layer="load",
        check="server metrics",
        status=Status.PASS,
        message=f"server counted {view.total:.0f} requests during the run ({sm.path})",
    )


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


SPEC = LayerSpec(
    name="load",
    summary="Locust load profiles with exact HDR percentiles, live abort rules and server-side metrics",
    settings_model=LoadSettings,
    metrics=METRICS,
    run=run,
    policy=Policy.LOADS,
    prepare=prepare,
)
