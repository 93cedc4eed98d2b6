"""One web-layer run: find the tools, measure each page, turn the outcomes into a LayerResult."""

from __future__ import annotations

import dataclasses
import json
import queue
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from releasegate.browser import HEADLESS_FLAGS, find_chromium
from releasegate.errors import LayerError, TargetError
from releasegate.layers._web import auth, lhcirc, parse, resident, runner
from releasegate.layers._web.aggregate import (
    PageOutcome,
    findings_for,
    records_for,
    samples_for,
    unstable_metrics,
)
from releasegate.layers._web.settings import Page, WebSettings
from releasegate.nodetools import NodeToolsError, ensure_web_tools
from releasegate.results import LayerResult, LayerStatus, MetricKind, Record, Samples
from releasegate.spec import LayerContext

__all__ = ["PageOutcome", "Prepared", "RunFn", "judge", "launchers", "measure_page", "page_slug", "prepare"]

RunFn = Callable[[runner.RunRequest], runner.RunOutput]

_MIN_RUN_S = 10.0  # below this much time left, a run is not started
_NPM_HINT = "run `releasegate install web` (or `npm ci` in a checkout), or set lighthouse in [layers.web]"


@dataclass(frozen=True)
class Prepared:
    tool: runner.Tool
    version: str
    browser: str
    credentials: auth.Credentials
    rc: lhcirc.RcFile | None
    resident: resident.ResidentTool | None = None  # None: the CLI, one process per run

    @property
    def mode(self) -> str:
        if self.resident is None:
            return "lighthouse CLI, one Node process and one Chrome per run"
        return "one resident Lighthouse runner (one Node process, one Chrome) for the whole layer run"


def page_slug(path: str) -> str:
    """A file-system name for a page path: ``/`` -> ``root``, ``/prompts/1`` -> ``prompts-1``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", path.strip("/")).strip("-.")
    return slug or "root"


def lighthouse_bin(settings: WebSettings) -> str:
    if settings.lighthouse:
        found = shutil.which(settings.lighthouse) or settings.lighthouse
        if not Path(found).is_file():
            raise LayerError("web", f"lighthouse = {settings.lighthouse!r} does not exist", hint=_NPM_HINT)
        return found
    # a checkout's node_modules, the working directory's, else the per-user cache (installed
    # from the pinned lockfile on first use: releasegate.nodetools)
    try:
        folder = ensure_web_tools()
    except NodeToolsError as exc:
        raise LayerError("web", exc.message, hint=exc.hint or _NPM_HINT) from None
    return str(folder / "node_modules" / ".bin" / "lighthouse")


def resident_tool(settings: WebSettings, binary: str, chrome_path: str) -> resident.ResidentTool | None:
    """The pinned Lighthouse package for the resident runner, or None to run the CLI per run
    (a ``lighthouse`` of the user's choosing, or no ``node`` / package next to the binary)."""
    bin_dir = Path(binary).parent
    if settings.lighthouse or bin_dir.name != ".bin":
        return None
    node = shutil.which("node")
    package = bin_dir.parent / "lighthouse"
    if node is None or not (package / "core" / "index.js").is_file():
        return None
    return resident.ResidentTool(node, package, chrome_path, HEADLESS_FLAGS)


def _package_version(package: Path) -> str | None:
    try:
        version = json.loads((package / "package.json").read_text("utf-8")).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def _version(binary: str) -> str:
    try:
        done = subprocess.run(
            [binary, "--version"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LayerError("web", f"Lighthouse at {binary} does not start: {exc}", hint=_NPM_HINT) from None
    if done.returncode != 0:
        raise LayerError("web", f"Lighthouse at {binary} does not start: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def lighthouserc(settings: WebSettings) -> lhcirc.RcFile | None:
    """The user's lighthouserc: ``[layers.web] lighthouserc``, else one where lhci finds it."""
    if settings.lighthouserc:
        return lhcirc.load(Path(settings.lighthouserc))
    found = lhcirc.find()
    return lhcirc.load(found) if found is not None else None


def with_collect(
    settings: WebSettings, rc: lhcirc.RcFile | None, web_url: str
) -> tuple[WebSettings, list[str]]:
    """The lighthouserc's ``ci.collect`` (url, numberOfRuns, settings.preset) for what
    ``[layers.web]`` leaves unset; a note for each one where releasegate's setting won."""
    if rc is None or not rc.collect:
        return settings, []
    collect, chosen = rc.collect, settings.model_fields_set
    update: dict[str, object] = {}
    notes: list[str] = []
    wanted: dict[str, object] = {}
    if "numberOfRuns" in collect:
        wanted["runs"] = int(collect["numberOfRuns"])
    urls = collect.get("url")
    if urls:
        base = web_url.rstrip("/")
        paths = [
            u[len(base) :] or "/" if str(u).startswith(base) else str(u)
            for u in (urls if isinstance(urls, list) else [urls])
        ]
        wanted["pages"] = paths
    preset = (
        (collect.get("settings") or {}).get("preset") if isinstance(collect.get("settings"), dict) else None
    )
    if preset in ("desktop", "mobile"):
        wanted["preset"] = preset
    for key, value in wanted.items():
        if key in chosen:
            notes.append(f"[layers.web] {key} wins over the lighthouserc's ci.collect ({rc.path})")
        else:
            update[key] = value
    if update:
        settings = WebSettings.model_validate({**settings.model_dump(exclude_unset=True), **update})
    return settings, notes


def prepare(
    ctx: LayerContext,
    settings: WebSettings,
    rc: lhcirc.RcFile | None = None,
    notes: Sequence[str] = (),
) -> Prepared:
    """Everything a run needs before the first page: LayerError when something is missing."""
    binary = lighthouse_bin(settings)
    try:
        browser = find_chromium()
    except TargetError as exc:
        raise LayerError("web", exc.message, hint=exc.hint) from None
    if browser.path is None:
        raise LayerError("web", "no Chromium binary path to give Lighthouse", hint="set CHROME_PATH")
    if rc is None and settings.lighthouserc:
        rc = lhcirc.load(Path(settings.lighthouserc))
    if rc is not None and notes:
        rc = dataclasses.replace(rc, notes=tuple(notes))
    tool = resident_tool(settings, binary, browser.path)
    if settings.storage and tool is None:
        raise LayerError(
            "web",
            "[layers.web] storage needs the pinned Lighthouse's resident runner (it sets Web Storage "
            "before the page loads), not a lighthouse command of your own",
            hint="drop [layers.web] lighthouse, or sign pages in with cookie_env / session_cookie",
        )
    version = (_package_version(tool.lighthouse_dir) if tool else None) or _version(binary)
    return Prepared(
        tool=runner.Tool(binary, browser.path, HEADLESS_FLAGS),
        version=version,
        browser=browser.describe(),
        credentials=auth.resolve(ctx, settings),
        rc=rc,
        resident=tool,
    )


class Launchers:
    """What runs Lighthouse for the layer: ``parallel`` resident runners lent to one page at a
    time, or the CLI per run. :meth:`close` stops them; nothing is launched afterwards."""

    def __init__(self, prepared: Prepared, parallel: int) -> None:
        self.prepared = prepared
        secrets = prepared.credentials.secrets
        tool = prepared.resident
        self.residents = (
            [resident.Resident(tool, secrets, resident.SKIPPED_AUDITS) for _ in range(parallel)]
            if tool is not None
            else []
        )
        self._free: queue.Queue[resident.Resident] = queue.Queue()
        for one in self.residents:
            self._free.put(one)
        self.closed = False

    @contextmanager
    def lend(self) -> Iterator[RunFn]:
        if not self.residents:
            tool, secrets = self.prepared.tool, self.prepared.credentials.secrets

            def cli(request: runner.RunRequest) -> runner.RunOutput:
                if self.closed:
                    return runner.RunOutput(
                        request, None, None, 0.0, "lighthouse", "not started: the layer was stopped"
                    )
                return runner.run_lighthouse(tool, request, secrets)

            yield cli
            return
        one = self._free.get()
        try:
            yield one.run
        finally:
            self._free.put(one)

    def close(self) -> None:
        self.closed = True
        for one in self.residents:
            one.close()

    def abort(self) -> None:
        self.closed = True
        for one in self.residents:
            one.abort()

    @property
    def meta(self) -> dict[str, object]:
        out: dict[str, object] = {"runner": self.prepared.mode}
        if self.residents:
            out["runner_launches"] = sum(r.launches for r in self.residents)
            out["browser_relaunches"] = sum(r.relaunches for r in self.residents)
        return out


@contextmanager
def launchers(prepared: Prepared, parallel: int) -> Iterator[Launchers]:
    made = Launchers(prepared, parallel)
    try:
        yield made
    except BaseException:
        made.abort()  # interrupted or crashed: kill the runners now, no grace
        raise
    finally:
        made.close()


def measure_page(
    ctx: LayerContext, settings: WebSettings, prepared: Prepared, preset: str, page: Page, *, run: RunFn
) -> PageOutcome:
    url = ctx.web_url + page.path
    outcome = PageOutcome(page=page.path, preset=preset, url=url)
    creds = prepared.credentials
    if page.auth and creds.missing:
        outcome.errors.append(f"the page needs a signed-in session but {creds.missing}")
        return outcome
    job = _PageJob(
        ctx, settings, prepared, outcome, ctx.artifact_dir / preset / page_slug(page.path), run, page.auth
    )
    headers = creds.headers_for(page.auth)
    for index in range(1, settings.runs + 1):
        remaining = ctx.remaining_s()
        if remaining is not None and remaining < _MIN_RUN_S:
            outcome.errors.append(f"run {index}: not started, the layer's timeout_s is nearly spent")
            break
        timeout = settings.run_timeout_s if remaining is None else min(settings.run_timeout_s, remaining - 2)
        if job.run(index, headers, timeout):
            break
    return outcome


@dataclass(frozen=True)
class _PageJob:
    ctx: LayerContext
    settings: WebSettings
    prepared: Prepared
    outcome: PageOutcome
    folder: Path
    launch: RunFn
    page_auth: bool = False

    def run(self, index: int, headers: dict[str, str], timeout: float) -> bool:
        """Run (and retry) one Lighthouse run; True when the page is hopeless and later runs are skipped."""
        outcome, settings = self.outcome, self.settings
        label = f"{outcome.preset} {outcome.page} run {index}/{settings.runs}"
        for attempt in range(settings.retries + 1):
            name = f"run-{index}" if attempt == 0 else f"run-{index}-retry-{attempt}"
            storage = self.prepared.credentials.storage if self.page_auth else ()
            request = runner.RunRequest(
                outcome.url, outcome.preset, self.folder / name, headers, timeout, storage
            )
            out = self.launch(request)
            outcome.duration_s += out.duration_s
            outcome.artifacts += [self.ctx.rel(p) for p in (out.json_path, out.html_path) if p is not None]
            if out.failure is None and out.json_path is not None:
                try:
                    measured = parse.load(out.json_path)
                except parse.ReportError as exc:
                    outcome.errors.append(f"run {index}: {exc}")
                    return True
                outcome.runs.append(measured)
                self.ctx.progress(
                    f"{label}: LCP {measured.vitals['largest_contentful_paint']:.2f}s, "
                    f"CLS {measured.vitals['cumulative_layout_shift']:.3f}, "
                    f"performance {measured.scores['performance']:.2f} ({out.duration_s:.0f}s)"
                )
                return False
            if out.retryable and attempt < settings.retries:
                self.ctx.progress(f"{label}: {out.message}; retrying")
                continue
            outcome.errors.append(f"run {index}: {out.message}")
            self.ctx.progress(f"{label}: {out.message}")
            return out.failure == "http"
        return True


def judge(
    ctx: LayerContext, settings: WebSettings, prepared: Prepared, outcomes: list[PageOutcome]
) -> LayerResult:
    records: list[Record] = []
    samples: list[Samples] = []
    findings = [f for outcome in outcomes for f in findings_for(outcome)]
    unstable: dict[str, int] = {preset: 0 for preset in settings.presets}
    for outcome in outcomes:
        records += records_for(outcome, settings)
        samples += samples_for(outcome)
        if outcome.failed:
            continue
        if unstable_metrics(outcome, settings):
            unstable[outcome.preset] += 1
        if prepared.rc is None:
            continue  # no lighthouserc: nothing was asserted, so there is no count to publish
        reports = [ctx.run_dir / a for a in outcome.artifacts if a.endswith(".json")]
        rc_records, failures = lhcirc.check(prepared.rc, reports, outcome.tags)
        records += rc_records
        samples += [
            Samples(
                metric="lighthouserc_failures",
                kind=MetricKind.COUNTER,
                tags={**outcome.tags, "level": level},
                values=[float(n)],
            )
            for level, n in failures.items()
        ]
    samples += [
        Samples(metric="unstable_pages", kind=MetricKind.COUNTER, tags={"preset": preset}, values=[float(n)])
        for preset, n in unstable.items()
    ]
    failed = [o for o in outcomes if o.failed]
    error = None
    if failed:
        shown = "; ".join(f"{o.page} ({o.preset}): {'; '.join(o.errors) or 'no data'}" for o in failed)
        error = f"{len(failed)} of {len(outcomes)} page(s) could not be measured: {shown}"
    leaked = runner.leaks(ctx.artifact_dir, prepared.credentials.secrets)
    for path in leaked:
        path.unlink()
    if leaked:
        error = (error + "; " if error else "") + f"{len(leaked)} report(s) held a secret and were deleted"
    meta = {
        "lighthouse": prepared.version,
        "browser": prepared.browser,
        "presets": list(settings.presets),
        "runs": settings.runs,
        "pages": [p.path for p in settings.pages],
        "aggregation": "one sample value per run; budgets choose median (default) or max (pessimistic)",
        "uploads": "none: reports stay in the run directory",
        "skipped": (
            "the full-page screenshot (FullPageScreenshot gatherer, disableFullPageScreenshot): nothing "
            "the budgets or this report read; Lighthouse's HTML reports show no element thumbnails"
        ),
    }
    if prepared.rc is not None:
        meta["lighthouserc"] = prepared.rc.path
        if prepared.rc.ignored:
            meta["lighthouserc_ignored"] = list(prepared.rc.ignored)
    return LayerResult(
        layer="web",
        status=LayerStatus.ERROR if error else LayerStatus.OK,
        records=records,
        samples=samples,
        findings=findings,
        error=error,
        meta=meta,
        artifacts=sorted({a for o in outcomes for a in o.artifacts}),
    )
