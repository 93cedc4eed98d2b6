"""The fault matrix as data: each seeded fault of promptlib, the layers that must catch it, and
the error-level budgets that must block it.

A row's ``blocks`` are patterns (``fnmatch``, on budget keys) each of which must match a failing
error-level budget; ``also`` lists the consequences the fault may legitimately cause too (a
multi-megabyte image also slows the page's LCP). Any other failing error-level budget is a
false alarm and fails the test.

:func:`run_case` runs ``releasegate run`` in a child process against the embedded promptlib
started with that fault and reads the verdict back; :func:`render` turns the outcomes into
``docs/fault-matrix.md``. The test (``test_fault_matrix.py``) and the generator
(``python -m tests.matrix.generate``) share both.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from releasegate.fixtures.promptlib import DEFAULT_COMMIT

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "fault-matrix.md"
CASE_TIMEOUT_S = 480
LOAD_PROFILE = "smoke-load"
WEB_RUNS = 1  # Lighthouse runs per page in the fault rows (the shipped config's runs in the clean stage run)
WATCH_LAYERS = ("smoke", "watch")
WATCH_DURATION_S = 6  # --watch-duration of the watch rows, at WATCH_INTERVAL_S
WATCH_INTERVAL_S = 1
WATCH_WARMUP_S = 3.0  # traffic before the mark, so the baseline has requests on every route
WATCH_RATE = 20.0  # requests per second of the watch rows' users
# The watch rows judge latency at error level (the shipped budget is a warning) on the median of
# the intervals' p95 with an absolute margin: one or two slow intervals of a shared machine (a
# fast route's p95 of a few ms jumping a histogram bucket) do not block, while the latency fault,
# which slows every request, moves every interval; allow_missing keeps a route seen only in the
# watch from blocking.
WATCH_LATENCY_SHIPPED = (
    '"watch.latency{route:*}" = { expr = "p(95) < baseline * 1.2", level = "warn", allow_missing = true }'
)
WATCH_LATENCY_BUDGET = (
    '"watch.latency{route:*}" = { expr = "p(50) < baseline * 1.2 + 50ms", allow_missing = true }'
)


@dataclass(frozen=True)
class Case:
    """One row: ``fault`` seeded, ``layers`` run, ``blocks`` must fail, ``also`` may fail."""

    fault: str
    layers: tuple[str, ...]
    blocks: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    expect_version: bool = False
    baseline_spec: bool = False
    checks: str | None = None  # pattern of the failing record (``check`` id) that must show the fault
    why: str = ""
    expect: str = "NO_GO"  # "INCONCLUSIVE": cannot be judged, and must say so (exit 3); "GO" (exit 0)
    broken: tuple[str, ...] = ()  # layers that must end in error (an INCONCLUSIVE row)
    interrupt_after_s: float | None = None  # Ctrl-C the run this long after it started
    label: str = ""  # the row's name when it seeds no fault
    traffic: bool = True  # a watch row: users' traffic during the mark and the watch

    @property
    def watches(self) -> bool:
        """A post-deploy row: a clean release marked, then this fault deployed and watched."""
        return "watch" in self.layers

    @property
    def name(self) -> str:
        return self.label or self.fault


# fmt: off
FAULTS: tuple[Case, ...] = (
    Case("latency=2500ms", ("smoke",), ("smoke.checks_failed",), ("smoke.response_time*",),
         checks="response time: GET /api/*",
         why="API endpoints answer 2.5 s late: past the smoke checks' hard limit (limit_s)"),
    Case("unhealthy", ("smoke",), ("smoke.checks_failed",), ("smoke.availability*",), checks="health*",
         why="/health answers 503 with status fail"),
    Case("wrong-version", ("smoke",), ("smoke.checks_failed",), ("smoke.availability*",), expect_version=True,
         checks="version", why="/version reports another commit than --expect-version"),
    Case("missing-security-headers", ("smoke",), ("smoke.checks_failed",), checks="header*",
         why="responses carry no security headers"),
    Case("schema-drift", ("contract",), ("contract.failures*",),
         why="a response no longer matches its documented schema"),
    Case("server-error-on-input", ("contract",), ("contract.failures*",), ("contract.server_errors*",),
         why="some valid input makes the API answer 500"),
    Case("undocumented-status", ("contract",), ("contract.failures*",),
         why="an operation answers a status its spec does not list"),
    Case("ignored-auth", ("contract",), ("contract.failures*",),
         why="a protected operation answers without credentials"),
    Case("breaking-change", ("contract",), ("contract.breaking_changes*",), ("contract.failures*",),
         baseline_spec=True, why="the spec drops or narrows what the baseline spec promised its clients"),
    Case("errors=2%", ("load",), ("load.http_req_failed*",), why="2 % of requests fail under load"),
    Case("broken-signup", ("e2e",), ("e2e.failed*",), why="the signup button does nothing"),
    Case("js-error", ("e2e",), ("e2e.console_errors*",), why="pages throw an uncaught JavaScript error"),
    Case("heavy-page", ("web",), ("web.resource_size{page:/explore,type:total}",),
         ("web.resource_size{page:/explore,*", "web.largest_contentful_paint{page:/explore}",
          "web.total_blocking_time{page:/explore}", "web.score{page:/explore,*"),
         why="/explore loads a multi-megabyte image and a render-blocking script"),
    Case("layout-shift", ("web",), ("web.cumulative_layout_shift*",), ("web.score*",),
         why="a late banner pushes the content down after first paint"),
    Case("rate-limit=5/s", ("load",), ("load.http_req_failed*",), ("load.aborted", "load.achieved_rate*"),
         why="a rate-limited backend answers 429 to most requests"),
    Case("dies-after=60", ("contract",), expect="INCONCLUSIVE", broken=("contract",),
         why="the target dies during the contract run"),
    Case("", ("load",), expect="INCONCLUSIVE", broken=("load",), interrupt_after_s=8.0,
         label="Ctrl-C during load", why="the run is interrupted (Ctrl-C) while the load layer runs"),
    Case("", WATCH_LAYERS, expect="GO", label="clean deploy (watch)",
         why="a release without a fault, watched after the deploy: no false alarm"),
    Case("errors:/api/tags=20%", WATCH_LAYERS, ("watch.error_rate",), ("watch.error_rate{*",),
         checks="route /api/tags",
         why="20 % of GET /api/tags fail, an endpoint no smoke probe calls: only the watch sees it"),
    Case("latency=300ms", WATCH_LAYERS, ("watch.latency{route:*}",), checks="route *",
         why="every API route answers 300 ms later than before the deploy"),
    Case("", WATCH_LAYERS, expect="INCONCLUSIVE", broken=("watch",), traffic=False,
         label="no traffic (watch)", why="nobody uses the service during the watch: fewer than min_requests"),
)
# fmt: on

CLEAN_CHEAP = Case("", ("smoke", "contract", "load"), expect_version=True)
CLEAN_FULL = Case("", (), expect_version=True)  # every layer of the pre-deploy stage
CLEAN_REPEATS = 3


@dataclass
class Outcome:
    case: Case
    exit_code: int
    decision: str
    failing: dict[str, str] = field(default_factory=dict)  # error-level failing key -> message
    other: dict[str, str] = field(default_factory=dict)  # other non-passing keys -> "status (level)"
    evidence: str = ""  # the failing record that shows the fault ("" when there is none)
    wall_s: float = 0.0
    run_dir: Path | None = None
    output: str = ""
    errored: tuple[str, ...] = ()  # layers whose status was error

    @property
    def blocked_by(self) -> tuple[str, ...]:
        return tuple(sorted(self.failing))

    def problems(self) -> list[str]:
        """Why this outcome does not match its row (empty when it does)."""
        case, found = self.case, self.blocked_by
        wrong = [
            f"required budget {p!r} did not fail"
            for p in case.blocks
            if not any(fnmatchcase(k, p) for k in found)
        ]
        allowed = case.blocks + case.also
        wrong += [
            f"unexpected failing budget {k!r}" for k in found if not any(fnmatchcase(k, p) for p in allowed)
        ]
        if case.checks is not None and not self.evidence:
            wrong.append(f"no failing record matches {case.checks!r}")
        expected_exit = {"NO_GO": 1, "INCONCLUSIVE": 3, "GO": 0}[case.expect]
        decision = "GO" if self.decision == "GO_WITH_WARNINGS" and case.expect == "GO" else self.decision
        if decision != case.expect or self.exit_code != expected_exit:
            wrong.insert(
                0,
                f"verdict {self.decision} (exit {self.exit_code}), "
                f"expected {case.expect} (exit {expected_exit})",
            )
        wrong += [f"layer {name} did not end in error" for name in case.broken if name not in self.errored]
        return wrong


def matrix_configs(work: Path) -> dict[str, Path]:
    """Two configs: the repo's releasegate.toml with the demo environment's web layer at
    ``WEB_RUNS`` Lighthouse runs per page (``matrix``), and the same plus a contract baseline
    spec taken from the clean promptlib (``baseline``)."""
    import httpx

    from releasegate.fixtures.promptlib.launcher import start

    shipped = (ROOT / "releasegate.toml").read_text()
    if "[environments.demo.layers" in shipped:
        raise RuntimeError(
            "releasegate.toml defines [environments.demo.layers.*]: adapt tests/matrix/cases.py"
        )
    spec = work / "baseline-openapi.json"
    with start() as app:
        spec.write_text(httpx.get(f"{app.url}/openapi.json", timeout=30).text)
    web = f"\n[environments.demo.layers.web]\nruns = {WEB_RUNS}\n"
    contract = f'\n[environments.demo.layers.contract]\nbaseline_spec = "{spec.as_posix()}"\n'
    configs = {
        "matrix": work / "matrix.toml",
        "baseline": work / "matrix-baseline.toml",
        "watch": work / "matrix-watch.toml",
    }
    configs["matrix"].write_text(shipped + web)
    configs["baseline"].write_text(shipped + web + contract)
    configs["watch"].write_text(watch_config(shipped))
    return configs


def watch_config(shipped: str) -> str:
    """The shipped config with the watch rows' interval and their error-level latency budget."""
    interval = re.compile(r"^interval_s = \d+(\.\d+)?", re.M)
    section = shipped.index("[layers.watch]")
    head, tail = shipped[:section], shipped[section:]
    if not interval.search(tail) or WATCH_LATENCY_SHIPPED not in tail:
        raise RuntimeError(
            "releasegate.toml's [layers.watch] or watch budgets changed: adapt tests/matrix/cases.py"
        )
    tail = interval.sub(f"interval_s = {WATCH_INTERVAL_S}", tail, count=1)
    return head + tail.replace(WATCH_LATENCY_SHIPPED, WATCH_LATENCY_BUDGET)


def command(
    case: Case, report_dir: Path, *, config: Path | None = None, base_url: str | None = None
) -> list[str]:
    stage = "post-deploy" if case.watches else "pre-deploy"
    cmd = [sys.executable, "-m", "releasegate", "run", "--stage", stage, "--plain", "--no-history"]
    cmd += ["--report-dir", str(report_dir)]
    if base_url is not None:
        cmd += ["--base-url", base_url, "--watch-duration", str(WATCH_DURATION_S)]
    if case.layers:
        cmd += ["--layers", ",".join(case.layers)]
    if case.fault and base_url is None:
        cmd += ["--demo-faults", case.fault]
    if case.expect_version:
        cmd += ["--expect-version", DEFAULT_COMMIT]
    if "load" in case.layers:
        cmd += ["--profile", LOAD_PROFILE]
    if config is not None:
        cmd += ["--config", str(config)]
    return cmd


def config_for(case: Case, configs: dict[str, Path]) -> Path:
    if case.watches:
        return configs["watch"]
    return configs["baseline" if case.baseline_spec else "matrix"]


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELEASEGATE_")}
    env["CI"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _watched_release(
    case: Case, report_dir: Path, config: Path | None, env: dict[str, str]
) -> tuple[int, str]:
    """A post-deploy row: promptlib released clean, users' traffic (bounded loopback requests), the
    mark (``releasegate watch mark``), the release with the fault on the same port, then the run."""
    from tests.watch.helpers import Deployment, Traffic

    mark = [sys.executable, "-m", "releasegate", "watch", "mark", "--report-dir", str(report_dir)]
    mark += ["--config", str(config)] if config is not None else []
    deployment = Deployment()
    deployment.deploy()
    traffic = Traffic(deployment.url, rate=WATCH_RATE, cap=int(WATCH_RATE * (WATCH_DURATION_S + 60)))
    try:
        with contextlib.ExitStack() as stack:
            if case.traffic:
                stack.enter_context(traffic)
                time.sleep(WATCH_WARMUP_S)
            code, out = _run_bounded([*mark, "--base-url", deployment.url], env)
            if code != 0:
                return code, f"[matrix] watch mark failed\n{out}"
            deployment.deploy(case.fault)
            cmd = command(case, report_dir, config=config, base_url=deployment.url)
            return _run_bounded(cmd, env, case.interrupt_after_s)
    finally:
        deployment.stop()


def run_case(case: Case, report_dir: Path, *, config: Path | None = None) -> Outcome:
    """``releasegate run`` for one case in a child process; the verdict read back from disk."""
    env = _child_env()
    started = time.monotonic()
    if case.watches:
        returncode, output = _watched_release(case, report_dir, config, env)
    else:
        returncode, output = _run_bounded(
            command(case, report_dir, config=config), env, case.interrupt_after_s
        )
    wall = time.monotonic() - started
    latest = report_dir / "latest"
    run_dir = latest.resolve() if latest.exists() else None
    if run_dir is None or not (run_dir / "verdict.json").exists():
        return Outcome(case, returncode, "NO VERDICT", wall_s=wall, run_dir=run_dir, output=output)
    verdict: dict[str, Any] = json.loads((run_dir / "verdict.json").read_text())
    failing: dict[str, str] = {}
    other: dict[str, str] = {}
    for budget in verdict.get("budgets", []):
        key, status, level = budget["key"], budget["status"], budget.get("level", "error")
        if status == "fail" and level == "error":
            failing.setdefault(key, budget.get("message", ""))
        elif status not in ("pass", "off"):
            other.setdefault(key, f"{status} ({level})")
    results = json.loads((run_dir / "results.json").read_text())
    broken = [lr for lr in results.get("layers", []) if lr.get("status") == "error"]
    errored = tuple(lr["layer"] for lr in broken)
    reason = "; ".join(f"{lr['layer']}: {lr.get('error') or 'error'}" for lr in broken)
    return Outcome(
        case,
        returncode,
        str(verdict.get("verdict")),
        failing,
        other,
        (reason if case.expect == "INCONCLUSIVE" else first_failure(run_dir, case.checks or "*")).replace(
            str(config.parent) if config else "\0", "<work>"
        ),
        wall,
        run_dir,
        output,
        errored,
    )


def _run_bounded(
    cmd: list[str], env: dict[str, str], interrupt_after_s: float | None = None
) -> tuple[int, str]:
    """Run ``cmd`` in its own process group; past CASE_TIMEOUT_S the group gets SIGTERM (the CLI
    stops the embedded target and its tools on it), then SIGKILL. With ``interrupt_after_s`` the
    run gets a Ctrl-C (SIGINT) that long after it started."""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    if interrupt_after_s is not None:
        timer = threading.Timer(
            interrupt_after_s, lambda: proc.poll() is None and proc.send_signal(signal.SIGINT)
        )
        timer.daemon = True
        timer.start()
    try:
        out, _ = proc.communicate(timeout=CASE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        out += f"\n[matrix] stopped after {CASE_TIMEOUT_S}s"
    return proc.returncode, out


def first_failure(run_dir: Path, pattern: str = "*") -> str:
    """The first failing record in results.json whose check matches ``pattern``: the evidence."""
    results = json.loads((run_dir / "results.json").read_text())
    for layer in results.get("layers", []):
        for rec in layer.get("records", []):
            if rec.get("status") in ("fail", "error") and fnmatchcase(str(rec.get("check")), pattern):
                check, message = str(rec.get("check")), str(rec.get("message") or "")
                return message if message.startswith(check) else f"{check}: {message}".strip()
    return ""


def _cell(text: str, limit: int = 400) -> str:
    text = " ".join(text.replace("|", "\\|").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(outcomes: list[Outcome], clean: list[Outcome], *, skipped: dict[str, str], total_s: float) -> str:
    lines = [
        "# The fault matrix",
        "",
        "Generated by `python -m tests.matrix.generate` (the same code as",
        "`tests/matrix/test_fault_matrix.py`). Each seeded fault of the reference target (promptlib)",
        "is run through `releasegate run` with only the layers that fault concerns, the budgets",
        f"shipped in `releasegate.toml`, and {WEB_RUNS} Lighthouse run(s) per page. The test asserts",
        "that the run is NO-GO (exit 1), that the budgets the fault is meant to trip are among the",
        "failing ones, and that every other failing error-level budget is a listed consequence of",
        "the same fault (`tests/matrix/cases.py`): no false alarm elsewhere. Rows marked",
        "INCONCLUSIVE are faults that make a run impossible to judge (the target dies, the run is",
        "interrupted): they must end INCONCLUSIVE (exit 3) with the broken layer in error, never GO.",
        "",
        "The post-deploy rows (layers smoke, watch) release a clean promptlib on a fixed port, send it",
        f"bounded loopback traffic ({WATCH_RATE:g} requests/s), take `releasegate watch mark`, release the",
        f"faulty version on the same port and watch its `/metrics` for {WATCH_DURATION_S} s (every "
        f"{WATCH_INTERVAL_S} s), with",
        f"the latency budget at error level: `{WATCH_LATENCY_BUDGET}`.",
        "The clean deploy must come out GO.",
        "",
        "Budgets in bold are the ones each fault is meant to trip; those after *also* are its",
        "consequences. The message is the first blocking budget's, then the layer's evidence.",
        "",
        "| fault | layer | budget that blocked | message |",
        "| --- | --- | --- | --- |",
    ]
    for o in outcomes:
        meant = [k for k in o.blocked_by if any(fnmatchcase(k, p) for p in o.case.blocks)]
        also = [k for k in o.blocked_by if k not in meant]
        first = (meant or also or [""])[0]
        message = o.failing[first] if first else f"{o.decision} (exit {o.exit_code})"
        if o.evidence and o.case.expect != "INCONCLUSIVE":
            message += f". Evidence: {o.evidence}"
        budgets = ", ".join(f"**`{k}`**" for k in meant) or "none"
        if o.case.expect == "INCONCLUSIVE":
            budgets = f"**INCONCLUSIVE** (exit {o.exit_code}): {', '.join(o.errored) or 'no layer'} in error"
            message = o.evidence or f"{o.decision} (exit {o.exit_code})"
        elif o.case.expect == "GO":
            budgets = f"none: **{o.decision}** (exit {o.exit_code})"
            message = o.case.why
        if also:
            budgets += "; also " + ", ".join(f"`{k}`" for k in also)
        lines.append(f"| `{o.case.name}` | {', '.join(o.case.layers)} | {budgets} | {_cell(message)} |")
    for fault, reason in skipped.items():
        lines.append(f"| `{fault}` | | not run | {_cell(reason)} |")
    lines += [
        "",
        "## Clean runs (the flake check)",
        "",
        "| run | layers | verdict | wall time |",
        "| --- | --- | --- | --- |",
    ]
    for i, o in enumerate(clean, start=1):
        layers = ", ".join(o.case.layers) if o.case.layers else "every layer of the pre-deploy stage"
        blocked = f" ({', '.join(f'`{k}`' for k in o.blocked_by)})" if o.blocked_by else ""
        lines.append(f"| clean {i} | {layers} | {o.decision}{blocked} | {o.wall_s:.0f} s |")
    lines += [
        "",
        "## Cost",
        "",
        f"{len(outcomes)} fault runs and {len(clean)} clean runs took {total_s:.0f} s of wall time in "
        "total on the machine that generated this page (2 shared cores, every tool run for real).",
        "",
        "| fault | wall time |",
        "| --- | --- |",
    ]
    lines += [f"| `{o.case.name}` | {o.wall_s:.0f} s |" for o in outcomes]
    return "\n".join(lines) + "\n"
