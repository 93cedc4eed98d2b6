"""The e2e layer: can each persona still do their job in a real browser?

Runs the persona scenarios (``suites/e2e`` by default) as a pytest subprocess with
pytest-playwright: ``-n`` workers through pytest-xdist, ``--shard i/n`` for CI machines,
traces and screenshots retained on failure. Failed scenarios are retried (``retries``); a pass
after a retry is ``flaky``, never a pass. Post-deploy, and against production unless
explicitly allowed, only ``smoke`` (read-only) personas run.

Shards (``--shard i/n`` on several machines) merge with ``releasegate merge`` (see
:mod:`releasegate.gates.merge`) before ``releasegate judge`` gives the one verdict.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from releasegate.config import Environment
from releasegate.errors import ConfigError, LayerError
from releasegate.results import LayerResult, LayerStatus, MetricKind, Record, Status, utcnow
from releasegate.spec import LayerContext, LayerSettings, LayerSpec, MetricSpec, Policy, RunOptions

if TYPE_CHECKING:
    from releasegate.browser import BrowserInfo
    from releasegate.layers._e2e.runner import Attempt

__all__ = ["SPEC", "E2ESettings", "run"]

_PKG = Path(__file__).resolve().parents[1]  # the releasegate package


class E2ESettings(LayerSettings):
    """``[layers.e2e]`` in releasegate.toml."""

    suite: str = Field(default="", description="Directory of scenarios (default: the bundled suites/e2e).")
    personas: str = Field(default="", description="Persona file (default: fixtures/personas.yaml).")
    retries: int = Field(
        default=1, ge=0, le=5, description="Re-runs of a failed scenario; a later pass is flaky."
    )
    workers: int = Field(default=1, ge=1, le=32, description="pytest-xdist workers (--workers overrides).")
    select: list[str] = Field(default_factory=list, description="Run only these personas (keys); empty: all.")
    smoke_only: bool = Field(default=False, description="Run only personas tagged smoke, whatever the stage.")
    action_timeout_ms: int = Field(default=15000, ge=1000, description="Default timeout of each page action.")
    email_domain: str = Field(default="example.com", description="Domain of the accounts a run creates.")


METRICS: dict[str, MetricSpec] = {
    "passed": MetricSpec(MetricKind.COUNTER, "", "scenarios that passed first time", ("persona", "scenario")),
    "failed": MetricSpec(
        MetricKind.COUNTER, "", "scenarios that failed every attempt", ("persona", "scenario")
    ),
    "flaky": MetricSpec(
        MetricKind.COUNTER, "", "scenarios that passed only after a retry", ("persona", "scenario")
    ),
    "step_duration": MetricSpec(MetricKind.TREND, "s", "time a persona step took", ("persona", "step")),
    "lcp": MetricSpec(
        MetricKind.TREND, "s", "largest contentful paint seen during journeys", ("persona", "page")
    ),
    "cls": MetricSpec(
        MetricKind.TREND, "", "cumulative layout shift of each page visited", ("persona", "page")
    ),
    "console_errors": MetricSpec(
        MetricKind.COUNTER, "", "browser console errors per page", ("persona", "page")
    ),
    "residue": MetricSpec(MetricKind.COUNTER, "", "accounts the run created but could not remove"),
}


def _path(value: str, default: Path) -> Path:
    return Path(value).expanduser().resolve() if value else default


def smoke_only_reason(ctx: LayerContext, settings: E2ESettings) -> str | None:
    if ctx.stage == "post-deploy":
        return "post-deploy stage: read-only (smoke) scenarios only"
    if ctx.read_only:
        return "production environment: read-only (smoke) scenarios only (--allow-production to run all)"
    if settings.smoke_only:
        return "[layers.e2e] smoke_only = true"
    return None


def _error(result: LayerResult, message: str) -> LayerResult:
    result.status, result.error, result.finished_at = LayerStatus.ERROR, message, utcnow()
    return result


@dataclass
class _Plan:
    suite: Path
    personas_file: Path
    browser: BrowserInfo
    smoke_reason: str | None
    workers: int
    secret: str
    hidden: list[str]

    @property
    def chromium(self) -> str | None:
        """The executable to launch, None for Playwright's own Chromium."""
        return None if self.browser.source == "playwright" else self.browser.path


@dataclass
class _Collected:
    attempts: list[list[dict[str, Any]]] = field(default_factory=list)
    cleanups: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


def _scrub_attempt(attempt: Attempt, log: Path, hidden: Sequence[str]) -> None:
    """Scrub secrets from what one attempt wrote: its output, its results and its log.

    Earlier attempts' files were scrubbed when their own attempt ended and are not read again.
    """
    from releasegate import scrub

    for root in (attempt.output_dir, attempt.results_dir, log):
        scrub.scrub_tree(root, hidden)


def _run_attempts(ctx: LayerContext, settings: E2ESettings, plan: _Plan) -> _Collected:
    """Attempt 1 runs the selection; each retry re-runs only what failed or errored."""
    from releasegate.layers._e2e import parse, runner

    got = _Collected()
    targets: list[str] = [str(plan.suite)]
    for number in range(1, settings.retries + 2):
        remaining = ctx.remaining_s(settings.timeout_s)
        timeout_s = min(settings.timeout_s, remaining if remaining is not None else settings.timeout_s)
        state_dir = Path(tempfile.mkdtemp(prefix="rg-e2e-state-"))
        attempt = runner.Attempt(
            number=number,
            targets=targets,
            base_url=ctx.web_url,
            run_id=ctx.run_id,
            personas=plan.personas_file,
            results_dir=ctx.artifact_dir / "results" / f"attempt-{number}",
            output_dir=ctx.artifact_dir / f"attempt-{number}",
            state_dir=state_dir,
            chromium=plan.chromium,
            workers=min(plan.workers, len(targets)) if number > 1 else plan.workers,
            shard=ctx.options.shard if number == 1 else None,
            only_tags=("smoke",) if plan.smoke_reason else (),
            personas_only=settings.select if number == 1 else (),
            headed=ctx.options.headed,
            slow_mo_ms=ctx.options.slow_mo_ms,
            action_timeout_ms=settings.action_timeout_ms,
            email_domain=settings.email_domain,
            headers=ctx.environment.resolved_headers(),
        )
        log = ctx.artifact_dir / f"pytest-attempt-{number}.log"
        try:
            outcome = runner.run_attempt(attempt, secret=plan.secret, timeout_s=timeout_s, log=log)
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
        _scrub_attempt(attempt, log, plan.hidden)
        got.logs.append(ctx.rel(log))
        entries = parse.read_entries(attempt.results_dir)
        got.attempts.append(entries)
        got.cleanups += parse.read_cleanup(attempt.results_dir) or []
        ctx.progress(f"e2e: attempt {number}: {len(entries)} scenario(s) in {outcome.duration_s:.1f}s")
        if outcome.exit_code is None:
            got.problems.append(
                f"attempt {number} timed out after {timeout_s:.0f}s (accounts it created may remain)"
            )
            break
        if outcome.exit_code not in (0, 1):
            reason = (
                "no scenario was selected" if outcome.exit_code == 5 else "pytest could not run the suite"
            )
            got.problems.append(f"attempt {number}: {reason} (exit {outcome.exit_code}); see {ctx.rel(log)}")
            break
        targets = [e["select"] for e in entries if e["outcome"] in ("failed", "error")]
        if not targets:
            break
        if number <= settings.retries:
            ctx.progress(f"e2e: retrying {len(targets)} failed scenario(s)")
    return got


def _plan(ctx: LayerContext, settings: E2ESettings) -> _Plan:
    from releasegate.browser import find_chromium
    from releasegate.layers._e2e.personas import load_personas, secret_values

    suite = _path(settings.suite, _PKG / "suites" / "e2e")
    personas_file = _path(settings.personas, _PKG / "fixtures" / "personas.yaml")
    personas = load_personas(personas_file)
    unknown = sorted(set(settings.select) - set(personas))
    if unknown:
        raise ConfigError(
            f"select names unknown persona(s) {unknown}",
            key="layers.e2e.select",
            hint=f"known: {sorted(personas)}",
        )
    browser = find_chromium()
    if not suite.is_dir():
        raise LayerError("e2e", f"no scenario directory at {suite}", hint="set [layers.e2e] suite")
    secret = secrets.token_hex(16)
    return _Plan(
        suite=suite,
        personas_file=personas_file,
        browser=browser,
        smoke_reason=smoke_only_reason(ctx, settings),
        workers=ctx.options.workers or settings.workers,
        secret=secret,
        hidden=[*secret_values(personas, run_id=ctx.run_id, secret=secret), *ctx.secrets],
    )


def run(ctx: LayerContext) -> LayerResult:
    from releasegate.errors import ReleasegateError
    from releasegate.layers._e2e import parse, runner

    settings = ctx.settings_as(E2ESettings)
    result = LayerResult(layer="e2e", status=LayerStatus.OK)
    try:
        plan = _plan(ctx, settings)
    except ReleasegateError as exc:
        return _error(result, str(exc))
    shard = f"{ctx.options.shard[0]}/{ctx.options.shard[1]}" if ctx.options.shard else None
    result.meta.update(
        browser=plan.browser.describe(),
        browser_source=plan.browser.source,
        smoke_only=plan.smoke_reason,
        workers=plan.workers,
        shard=shard,
        retries=settings.retries,
        headed=ctx.options.headed,
        slow_mo_ms=ctx.options.slow_mo_ms,
    )
    ctx.progress(
        f"e2e: {plan.browser.describe()}, {plan.workers} worker(s)"
        + (f", shard {shard}" if shard else "")
        + (f"; {plan.smoke_reason}" if plan.smoke_reason else "")
    )
    ctx.artifact_dir.mkdir(parents=True, exist_ok=True)
    got = _run_attempts(ctx, settings, plan)
    result.artifacts += got.logs
    scenarios = parse.group(got.attempts)
    reproduction = (
        f"python -m pytest {_shown(plan.suite)} -p {runner.PLUGIN} --base-url {ctx.base_url} "
        "-k {scenario} --headed --slowmo 500"
    )

    def rel(path: str) -> str | None:
        try:
            return ctx.rel(Path(path))
        except ValueError:
            return None

    result.records = [parse.to_record(s, rel, reproduction) for s in scenarios]
    result.findings = [
        f for s, r in zip(scenarios, result.records, strict=True) for f in parse.findings(s, r)
    ]
    residue = [c for c in got.cleanups if not c.get("removed")]
    if got.cleanups:
        result.records.append(_cleanup_record(got.cleanups, residue))
    result.samples = parse.to_samples(scenarios, len(residue) if not got.problems else None)
    problems = list(got.problems)
    errored = [s.key for s in scenarios if s.status is Status.ERROR]
    if errored:
        problems.append(f"{len(errored)} scenario(s) could not run: {', '.join(errored)}")
    if not scenarios and not problems:
        problems.append("the suite produced no scenario results")
    elif scenarios and all(s.status is Status.SKIPPED for s in scenarios):
        problems.append(f"all {len(scenarios)} scenario(s) were skipped: nothing was verified")
    result.finished_at = utcnow()
    if problems:
        return _error(result, ctx.redact("; ".join(problems)))
    return result


def _cleanup_record(cleanups: list[dict[str, Any]], residue: list[dict[str, Any]]) -> Record:
    return Record(
        layer="e2e",
        check="clean-up: accounts the run created",
        status=Status.FAIL if residue else Status.PASS,
        message="; ".join(str(c["problem"]) for c in residue)
        if residue
        else f"removed {len(cleanups)} account(s) created by the run",
    )


BUNDLED_TARGET = "promptlib"  # the app the bundled suites/e2e personas were written for
PERSONAS_GUIDE = "docs/personas.md"


def _identifies(url: str, headers: dict[str, str]) -> tuple[bool, str]:
    import httpx

    try:
        response = httpx.get(url, headers=headers, timeout=5.0)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return False, f"{url} could not be read ({type(exc).__name__})"
    service = body.get("service") if isinstance(body, dict) else None
    return service == BUNDLED_TARGET, f"{url} reports service {service!r}"


def prepare(settings: LayerSettings, options: RunOptions, env: Environment) -> None:
    """The bundled personas are promptlib's: against any other app a suite of its own is needed."""
    assert isinstance(settings, E2ESettings)
    if settings.suite or env.embedded or not env.base_url:
        return
    url = env.base_url.rstrip("/") + "/" + env.version_path.lstrip("/")
    ours, seen = _identifies(url, env.resolved_headers())
    if not ours:
        raise ConfigError(
            f"the bundled e2e personas are written for the reference app {BUNDLED_TARGET}, "
            f"and this target is not it ({seen})",
            key="layers.e2e.suite",
            hint=f'write personas for your app and set [layers.e2e] suite = "path/to/your/suite" '
            f"(and personas = ...): see {PERSONAS_GUIDE}; or leave e2e out with --layers",
        )


def _shown(path: Path) -> str:
    """A path for a command a reader runs from the project checkout: relative when it lies inside."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


SPEC = LayerSpec(
    name="e2e",
    summary="Persona scenarios in a real browser (Playwright): can each kind of user still do their job?",
    settings_model=E2ESettings,
    metrics=METRICS,
    run=run,
    policy=Policy.WRITES,
    read_only_on_production=True,
    prepare=prepare,
)
