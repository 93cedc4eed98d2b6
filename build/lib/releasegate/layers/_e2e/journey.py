"""What one scenario did: its named steps, the console errors it met and the web vitals it saw.

App-neutral: a scenario says ``with step("sign up"):`` and the journey keeps the timing and,
when the block raises, which step failed and why. Console errors and in-page web vitals
(LCP and CLS through ``PerformanceObserver``) are collected from every page of the
persona's browser context.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page

_ID_SEGMENT = re.compile(r"/(?:\d+|(?=[^/]*\d)[A-Za-z0-9_-]{12,})(?=/|$)")

# Sends the page's LCP and cumulative CLS to the harness through an exposed binding. Runs in
# every document before its own scripts; `__rgFlush` re-sends the latest values on demand.
VITALS_SCRIPT = """
(() => {
  if (window.__rgVitalsInstalled) return;
  window.__rgVitalsInstalled = true;
  const doc = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const state = { lcp: null, cls: 0, clsSeen: false };
  const send = (kind) => {
    const value = kind === "lcp" ? state.lcp : state.cls;
    if (value === null || typeof window.__rgVital !== "function") return;
    try { window.__rgVital({ doc, path: location.pathname, kind, value }); } catch (e) {}
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) state.lcp = (e.renderTime || e.startTime) / 1000;
      send("lcp");
    }).observe({ type: "largest-contentful-paint", buffered: true });
  } catch (e) {}
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) state.cls += e.value;
      state.clsSeen = true;
      send("cls");
    }).observe({ type: "layout-shift", buffered: true });
  } catch (e) {}
  addEventListener("load", () => setTimeout(() => send("cls"), 0));
  window.__rgFlush = () => { send("lcp"); state.clsSeen = true; send("cls"); };
  addEventListener("pagehide", () => window.__rgFlush());
})();
"""


def page_key(url: str) -> str:
    """A page as metrics tag it: the path, with numeric ids folded (``/prompts/{id}``)."""
    path = urlsplit(url).path or "/"
    return _ID_SEGMENT.sub("/{id}", path)


class StepFailed(AssertionError):
    """Raised by page objects with a short reason a release manager can read."""


@dataclass
class StepRecord:
    name: str
    started_s: float
    duration_s: float
    ok: bool
    error: str | None = None


@dataclass
class Journey:
    persona: str
    role: str
    scenario: str
    steps: list[StepRecord] = field(default_factory=list)
    failed_step: str | None = None
    failure: str | None = None
    console_errors: list[dict[str, str]] = field(default_factory=list)
    vitals: dict[str, dict[str, Any]] = field(default_factory=dict)
    cleanup_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _t0: float = field(default_factory=time.perf_counter)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one thing the persona does; on error remember it as the failing step."""
        start = time.perf_counter()
        try:
            yield
        except BaseException as exc:
            reason = short_reason(exc)
            self.steps.append(StepRecord(name, start - self._t0, time.perf_counter() - start, False, reason))
            if self.failed_step is None:
                self.failed_step, self.failure = name, reason
            raise
        self.steps.append(StepRecord(name, start - self._t0, time.perf_counter() - start, True))

    def message(self) -> str | None:
        if self.failed_step is None:
            return None
        return f"{self.role} failed at: {self.failed_step} — {self.failure}"

    # --- browser wiring -------------------------------------------------------------------
    def watch(self, context: BrowserContext) -> None:
        """Collect console errors and vitals from every page of ``context``."""
        context.add_init_script(VITALS_SCRIPT)
        context.expose_binding("__rgVital", self._on_vital)
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def flush(self, context: BrowserContext) -> None:
        for page in context.pages:
            try:
                page.evaluate("() => window.__rgFlush && window.__rgFlush()")
            except Exception:
                continue

    def _watch_page(self, page: Page) -> None:
        page.on("console", lambda msg: self._on_console(page, msg))
        page.on("pageerror", lambda err: self._on_pageerror(page, err))

    def _on_console(self, page: Page, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            where = f"{loc.get('url', '')}:{loc.get('lineNumber', '')}" if loc else ""
            self.console_errors.append(
                {"page": page_key(page.url), "kind": "console", "text": msg.text[:2000], "where": where}
            )

    def _on_pageerror(self, page: Page, err: Error) -> None:
        text = f"{err.name}: {err.message}" if getattr(err, "name", None) else str(err)
        self.console_errors.append(
            {"page": page_key(page.url), "kind": "uncaught", "text": text[:2000], "where": ""}
        )

    def _on_vital(self, _source: Any, payload: dict[str, Any]) -> None:
        try:
            doc, kind, value = str(payload["doc"]), str(payload["kind"]), float(payload["value"])
            path = page_key(str(payload.get("path", "/")))
        except (KeyError, TypeError, ValueError):
            return
        entry = self.vitals.setdefault(doc, {"page": path})
        if kind in ("lcp", "cls"):
            entry[kind] = value

    def to_json(self) -> dict[str, Any]:
        return {
            "persona": self.persona,
            "role": self.role,
            "scenario": self.scenario,
            "steps": [asdict(s) for s in self.steps],
            "failed_step": self.failed_step,
            "failure": self.failure,
            "message": self.message(),
            "console_errors": self.console_errors,
            "vitals": list(self.vitals.values()),
            "cleanup_errors": self.cleanup_errors,
            "notes": self.notes,
        }


def short_reason(exc: BaseException) -> str:
    """The first meaningful line of an error, without Playwright's call log."""
    text = str(exc).strip() or type(exc).__name__
    line = text.splitlines()[0].strip()
    line = re.sub(r"^(AssertionError|Error|TimeoutError):\s*", "", line)
    if type(exc).__name__ == "TimeoutError" and "timeout" not in line.lower():
        line = f"timed out: {line}"
    return line[:300]
