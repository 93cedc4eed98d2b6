"""Running the layers of one stage against one target, and keeping what they measured.

:func:`plan` validates everything a run needs before anything starts (stage, layer names,
each layer's settings, the production-writes guard). :func:`execute` then gives the run an
id and ``<report_dir>/<run-id>/``, points ``<report_dir>/latest`` at it, runs each layer
with its settings and a deadline, turns every crash, timeout or empty result into
``LayerResult(status=error)``, and rewrites ``results.json`` after every layer, so nothing
measured is lost when a later layer fails or the run is interrupted.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import platform
import secrets as _secrets
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from releasegate import __version__, policy
from releasegate import layers as registry
from releasegate.config import Config, Environment
from releasegate.configfile import choose, config_error_from_validation
from releasegate.errors import ConfigError, LayerError, UsageError
from releasegate.events import Event, LayerFinished, LayerMessage, LayerStarted, RunFinished, RunStarted
from releasegate.proc import interrupted
from releasegate.redact import collect_secrets, redact, redact_model
from releasegate.results import LayerResult, LayerStatus, RunInfo, RunResult, utcnow
from releasegate.spec import AbortRule, LayerContext, LayerSettings, LayerSpec, Policy, RunOptions

__all__ = [
    "RESULTS_FILE",
    "Plan",
    "RunOutcome",
    "check_credentials",
    "check_report_dir",
    "credential_vars",
    "execute",
    "new_run_id",
    "plan",
]

RESULTS_FILE = "results.json"
LATEST = "latest"
TIMEOUT_GRACE_S = 15.0
INTERRUPT_GRACE_S = 3.0

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Plan:
    """A validated run, ready to execute once the target is up."""

    config: Config
    environment: Environment
    stage: str
    layers: tuple[LayerSpec, ...]
    settings: Mapping[str, LayerSettings]
    options: RunOptions = field(default_factory=RunOptions)
    report_dir: Path = Path("reports")
    abort_rules: Mapping[str, tuple[AbortRule, ...]] = field(default_factory=dict)
    access: Mapping[str, policy.Access] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    result: RunResult
    interrupted: str | None = None  # the signal that stopped the run early; later layers never ran


def plan(
    config: Config,
    environment: Environment,
    *,
    stage: str,
    layers: Sequence[str] | None = None,
    options: RunOptions | None = None,
    report_dir: Path | str = "reports",
    abort_rules: Mapping[str, tuple[AbortRule, ...]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Plan:
    """Validate a run before anything starts; ConfigError/UsageError (exit 2) on any problem."""
    options = options or RunOptions()
    stage_def = choose("stage", stage, config.stages, config, key="--stage")
    names = list(layers) if layers else list(stage_def.layers)
    if not names:
        raise UsageError(f"stage {stage!r} runs no layers", hint="list some with --layers")
    specs = _in_safe_order(tuple(_spec(name) for name in dict.fromkeys(names)))
    settings: dict[str, LayerSettings] = {}
    access: dict[str, policy.Access] = {}
    for spec in specs:
        raw = config.layer_settings(spec.name, environment)
        try:
            settings[spec.name] = spec.settings_model.model_validate(raw)
        except ValidationError as exc:
            raise config_error_from_validation(
                exc, file=config.source, model=spec.settings_model, prefix=("layers", spec.name)
            ) from None
        access[spec.name] = policy.access(spec, environment, options)
        if spec.prepare is not None:
            spec.prepare(settings[spec.name], options, environment)
    check_credentials(environment, settings, os.environ if environ is None else environ)
    check_report_dir(Path(report_dir))
    return Plan(
        config,
        environment,
        stage,
        specs,
        settings,
        options,
        Path(report_dir),
        dict(abort_rules or {}),
        access,
    )


_ORDER = {Policy.READS: 0, Policy.LOADS: 1, Policy.WRITES: 2}


def _in_safe_order(specs: tuple[LayerSpec, ...]) -> tuple[LayerSpec, ...]:
    """Read-only layers first, then load, then the layers that write (stable within each), so a
    later layer's verdict never depends on what an earlier one wrote into the target."""
    return tuple(sorted(specs, key=lambda spec: _ORDER[spec.policy]))


def credential_vars(environment: Environment, settings: Mapping[str, LayerSettings]) -> list[tuple[str, str]]:
    """(config key, variable) for every environment variable the run's credentials come from."""
    where = f"environments.{environment.name or 'adhoc'}"
    found = [(f'{where}.headers_from_env."{h}"', var) for h, var in environment.headers_from_env.items()]
    auth = environment.auth
    if auth and auth.token_env:
        found.append((f"{where}.auth.token_env", auth.token_env))
    if auth and auth.login:
        login = auth.login
        if login.body is not None:
            found += [(f"{where}.auth.login.body", var) for var in login.variables()]
        else:
            found += [
                (f"{where}.auth.login.{field}", var)
                for field, var in (("username_env", login.username_env), ("password_env", login.password_env))
                if var
            ]
    for name, layer_settings in settings.items():
        cookie = getattr(layer_settings, "cookie_env", None)
        if isinstance(cookie, str) and cookie:
            found.append((f"layers.{name}.cookie_env", cookie))
    return found


def check_credentials(
    environment: Environment, settings: Mapping[str, LayerSettings], environ: Mapping[str, str]
) -> None:
    """An unset credential variable is a config error: a run without it would test anonymously."""
    missing = [(key, var) for key, var in credential_vars(environment, settings) if not environ.get(var)]
    if missing:
        key, var = missing[0]
        more = f" (and {', '.join(v for _k, v in missing[1:])})" if len(missing) > 1 else ""
        raise ConfigError(
            f"environment variable {var} is not set{more}; without it the run would go out "
            "unauthenticated and judge the wrong thing",
            key=key,
            hint=f"export {var} before the run, or remove the entry at {key}",
        )


def check_report_dir(report_dir: Path) -> None:
    """The report directory exists (or can be made) and is writable, before any target starts."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        probe = report_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(
            f"cannot write reports to {report_dir}: {exc.strerror or exc}",
            hint="pass --report-dir DIR (or report_dir in the config) pointing at a writable directory",
        ) from None


def _spec(name: str) -> LayerSpec:
    if name not in registry.LAYER_NAMES:
        close = difflib.get_close_matches(name, registry.LAYER_NAMES, n=1)
        known = ", ".join(registry.LAYER_NAMES)
        hint = (f"did you mean {close[0]!r}? " if close else "") + f"layers: {known}"
        raise UsageError(f"unknown layer {name!r}", hint=hint)
    try:
        return registry.get(name)
    except ModuleNotFoundError:
        raise UsageError(
            f"layer {name!r} is not installed in this build",
            hint="`releasegate layers` lists the layers available",
        ) from None


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + _secrets.token_hex(3)


def execute(
    the_plan: Plan,
    base_url: str,
    *,
    on_event: Handler | None = None,
    run_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunOutcome:
    """Run every layer of the plan against ``base_url``; results.json is current after each layer."""
    emit: Handler = on_event or (lambda _e: None)
    run_id = run_id or new_run_id()
    run_dir = the_plan.report_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    _point_latest(the_plan.report_dir, run_id)
    secrets = collect_secrets(the_plan.environment.secret_env_names(), environ)
    env = the_plan.environment.model_copy(update={"base_url": base_url.rstrip("/")})
    info = RunInfo(
        run_id=run_id,
        environment=env.name,
        stage=the_plan.stage,
        base_url=base_url,
        layers=[spec.name for spec in the_plan.layers],
        embedded=env.embedded,
        production=env.production,
        expected_version=the_plan.options.expect_version,
        releasegate_version=__version__,
        tool_versions={"python": platform.python_version(), "releasegate": __version__},
        options=_jsonable_options(the_plan.options),
    )
    run = RunResult(info=info)
    write_results(run_dir, run)
    emit(RunStarted(run_id, run_dir, env.name, base_url, the_plan.stage, tuple(info.layers)))
    total = len(the_plan.layers)
    for index, spec in enumerate(the_plan.layers, start=1):
        settings = the_plan.settings[spec.name]
        artifact_dir = run_dir / spec.name
        artifact_dir.mkdir(parents=True, exist_ok=True)
        emit(LayerStarted(spec.name, index, total, settings.timeout_s))

        def progress(message: str, layer: str = spec.name) -> None:
            emit(LayerMessage(layer, redact(message, secrets)))

        ctx = LayerContext(
            run_id=run_id,
            stage=the_plan.stage,
            environment=env,
            base_url=base_url,
            settings=settings,
            run_dir=run_dir.resolve(),
            artifact_dir=artifact_dir.resolve(),
            options=the_plan.options,
            secrets=secrets,  # shared: a token a layer's login returned is masked from then on
            progress=progress,
            deadline=time.monotonic() + settings.timeout_s,
            abort_rules=tuple(the_plan.abort_rules.get(spec.name, ())),
            config=the_plan.config,
            read_only=the_plan.access.get(spec.name) is policy.Access.READ_ONLY,
        )
        try:
            result = run_layer(spec, ctx)
        except Interrupted as stop:
            run.layers.append(redact_model(stop.result, secrets))
            run.info.options["interrupted"] = stop.signal_name
            _finish(run, run_dir)
            emit(LayerFinished(spec.name, stop.result))
            return RunOutcome(run_dir, run, interrupted=stop.signal_name)
        except KeyboardInterrupt as stop:
            interrupted()  # a layer thread still running stops launching tools
            what = str(stop) or "Ctrl-C"
            run.layers.append(_error_result(spec.name, f"interrupted ({what}) before the layer finished"))
            run.info.options["interrupted"] = what
            _finish(run, run_dir)
            return RunOutcome(run_dir, run, interrupted=what)
        result = redact_model(result, secrets)  # includes what the layer added to ctx.secrets
        run.layers.append(result)
        if env.reset and spec.policy is Policy.WRITES and index < total:
            problem = _reset(env.reset, run_dir, spec.name, secrets)
            if problem:
                emit(LayerMessage(spec.name, problem))
                for rest in the_plan.layers[index:]:
                    run.layers.append(_error_result(rest.name, problem))
                    emit(LayerFinished(rest.name, run.layers[-1]))
                break
        if run.info.commit is None and isinstance(result.meta.get("commit"), str):
            run.info.commit = result.meta["commit"]
        write_results(run_dir, run)
        emit(LayerFinished(spec.name, result))
    _finish(run, run_dir)
    emit(RunFinished(run, run_dir))
    return RunOutcome(run_dir, run)


RESET_TIMEOUT_S = 300.0


def _reset(command: str, run_dir: Path, after: str, secrets: Sequence[str]) -> str | None:
    """Run the environment's reset command after a writing layer; why the next layers cannot be
    trusted when it fails (its output is in ``reset-after-<layer>.log``), else None."""
    import subprocess

    log = run_dir / f"reset-after-{after}.log"
    try:
        done = subprocess.run(
            command, shell=True, capture_output=True, text=True, timeout=RESET_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        log.write_text(f"$ {command}\n(timed out after {RESET_TIMEOUT_S:g}s)\n", encoding="utf-8")
        return f"the environment's reset command timed out after the {after} layer (see {log.name})"
    log.write_text(redact(f"$ {command}\n{done.stdout}{done.stderr}", secrets), encoding="utf-8")
    if done.returncode != 0:
        return (
            f"the environment's reset command exited with {done.returncode} after the {after} layer: "
            f"the target's data cannot be trusted for the next layers (see {log.name})"
        )
    return None


def _finish(run: RunResult, run_dir: Path) -> None:
    run.info.finished_at = utcnow()
    write_results(run_dir, run)


def run_layer(spec: LayerSpec, ctx: LayerContext) -> LayerResult:
    """Run one layer in a worker thread, bounded by its deadline; never raises for layer faults."""
    timeout = ctx.settings.timeout_s
    box: dict[str, object] = {}

    done = threading.Event()  # not Thread.join: a join cut short by Ctrl-C can lose the thread's state

    def work() -> None:
        try:
            box["result"] = spec.run(ctx)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    started = utcnow()
    before = _children()
    worker = threading.Thread(target=work, name=f"layer-{spec.name}", daemon=True)
    worker.start()
    try:
        done.wait(timeout + TIMEOUT_GRACE_S)
    except KeyboardInterrupt as stop:
        raise _interrupted(spec, ctx, done=done, box=box, before=before, started=started, exc=stop) from None
    if not done.is_set():
        return _error_result(spec.name, f"timed out: still running after {timeout:g}s (timeout_s)", started)
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, LayerError):
            message = exc.message.removeprefix(f"{spec.name}: ")
            message += f" (hint: {exc.hint})" if exc.hint else ""
        else:
            message = f"crashed: {type(exc).__name__}: {exc}"
        return _error_result(spec.name, message, started)
    result = box.get("result")
    if not isinstance(result, LayerResult):
        return _error_result(spec.name, f"returned {type(result).__name__}, not a LayerResult", started)
    if result.finished_at is None:
        result.finished_at = utcnow()
    if result.status == LayerStatus.OK and not result.records and not result.samples:
        result.status = LayerStatus.ERROR
        result.error = result.error or "produced no data (no records, no samples)"
    return result


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a layer; ``result`` holds what the layer measured until then."""

    def __init__(self, result: LayerResult, signal_name: str) -> None:
        super().__init__(signal_name)
        self.result = result
        self.signal_name = signal_name


def _interrupted(
    spec: LayerSpec,
    ctx: LayerContext,
    *,
    done: threading.Event,
    box: dict[str, object],
    before: set[int],
    started: datetime,
    exc: KeyboardInterrupt,
) -> Interrupted:
    """Stop the layer at once: no new work, its tools' process groups stopped, its data kept."""
    ctx.deadline = time.monotonic()  # remaining_s() is 0 from now on: layers start nothing new
    interrupted()  # and layers watching releasegate.proc.interrupts() stop launching tools
    what = str(exc) or "Ctrl-C"
    stop_children(before)
    # the layer may still turn what its tools wrote into data, and undo what it made (its account)
    done.wait(INTERRUPT_GRACE_S + spec.cleanup_grace_s)
    stop_children(before, grace_s=0.0)  # anything it started meanwhile
    found = box.get("result")
    result = found if isinstance(found, LayerResult) else _error_result(spec.name, "", started)
    result.status = LayerStatus.ERROR
    result.error = (
        f"interrupted ({what}) before the layer finished; the data shown is what it measured so far"
    )
    if result.finished_at is None:
        result.finished_at = utcnow()
    return Interrupted(result, what)


def _children() -> set[int]:
    """PIDs of this process's direct children (Linux /proc; empty elsewhere)."""
    me = os.getpid()
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(entry.path, "stat").read_text(encoding="utf-8", errors="replace")
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == me:
                    found.add(int(entry.name))
    return found


def stop_children(keep: set[int], *, grace_s: float = INTERRUPT_GRACE_S) -> None:
    """SIGTERM, then SIGKILL after ``grace_s``, to the process group of every child not in ``keep``.

    The tools run in their own sessions (one process group each), so this reaches what they
    forked too (Locust workers, browsers). ``keep`` spares what the run started before the
    layer, such as the embedded target.
    """
    targets = sorted(_children() - keep)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in targets:
            with contextlib.suppress(OSError):
                if os.getpgid(pid) == pid:
                    os.killpg(pid, sig)
                else:
                    os.kill(pid, sig)
        deadline = time.monotonic() + (grace_s if sig is signal.SIGTERM else 2.0)
        while time.monotonic() < deadline and any(_alive(pid) for pid in targets):
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Alive and not a zombie (a zombie is reaped by the Popen that started it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return state[state.rindex(")") + 2 :].split()[0] != "Z"


def _error_result(layer: str, message: str, started: datetime | None = None) -> LayerResult:
    result = LayerResult(layer=layer, status=LayerStatus.ERROR, error=message, finished_at=utcnow())
    if started is not None:
        result.started_at = started
    return result


def write_results(run_dir: Path, run: RunResult) -> Path:
    """Atomically (re)write ``results.json``."""
    path = run_dir / RESULTS_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(run.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _point_latest(report_dir: Path, run_id: str) -> None:
    link = report_dir / LATEST
    tmp = report_dir / f".{LATEST}.{run_id}"
    with contextlib.suppress(OSError):
        tmp.symlink_to(run_id, target_is_directory=True)
        os.replace(tmp, link)


def _jsonable_options(options: RunOptions) -> dict[str, object]:
    data = asdict(options)
    data["extra"] = dict(options.extra)
    if options.shard is not None:
        data["shard"] = list(options.shard)
    return data
