"""Reading one Lighthouse JSON report (an "LHR") into the numbers the web layer publishes.

Timings are converted from Lighthouse's milliseconds to seconds; CLS stays unitless;
category scores stay 0..1; resource sizes are transfer sizes in bytes from the
``resource-summary`` audit. A report that cannot be trusted (a runtime error, a metric
without a value, a page that redirected elsewhere) raises :class:`ReportError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# metric name -> (audit id, factor from the audit's numericValue to the published unit)
VITALS: dict[str, tuple[str, float]] = {
    "largest_contentful_paint": ("largest-contentful-paint", 0.001),
    "cumulative_layout_shift": ("cumulative-layout-shift", 1.0),
    "total_blocking_time": ("total-blocking-time", 0.001),
    "first_contentful_paint": ("first-contentful-paint", 0.001),
    "speed_index": ("speed-index", 0.001),
}
CATEGORIES: tuple[str, ...] = ("performance", "accessibility", "best-practices", "seo")
RESOURCE_TYPES: tuple[str, ...] = (
    "total", "document", "script", "stylesheet", "image", "font", "media", "other", "third-party",
)  # fmt: skip


class ReportError(Exception):
    """A Lighthouse report that cannot be used as a measurement."""


@dataclass(frozen=True)
class AuditValue:
    """The parts of one audit result that Lighthouse CI assertions read."""

    score: float | None
    numeric: float | None
    items: int | None
    resources: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # type -> (bytes, count)


@dataclass(frozen=True)
class PageRun:
    """What one successful Lighthouse run measured."""

    requested_url: str
    final_url: str
    lighthouse_version: str
    form_factor: str
    vitals: Mapping[str, float]
    scores: Mapping[str, float]
    sizes: Mapping[str, float]
    counts: Mapping[str, float]
    audits: Mapping[str, AuditValue]
    blamed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def load(path: Path) -> PageRun:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path.name} is not a readable Lighthouse JSON report: {exc}") from None
    if not isinstance(data, dict) or "audits" not in data:
        raise ReportError(f"{path.name} is not a Lighthouse report (no 'audits')")
    return parse(data)


def parse(lhr: Mapping[str, Any]) -> PageRun:
    runtime = lhr.get("runtimeError")
    if isinstance(runtime, dict) and runtime.get("code") not in (None, "NO_ERROR"):
        raise ReportError(f"Lighthouse runtime error {runtime.get('code')}: {runtime.get('message', '')}")
    requested = str(lhr.get("requestedUrl") or "")
    final = str(lhr.get("finalDisplayedUrl") or lhr.get("finalUrl") or requested)
    _check_redirect(requested, final)
    audits: Mapping[str, Any] = lhr["audits"]
    vitals = {name: _numeric(audits, audit) * factor for name, (audit, factor) in VITALS.items()}
    categories = lhr.get("categories") or {}
    scores: dict[str, float] = {}
    for cat in CATEGORIES:
        score = (categories.get(cat) or {}).get("score")
        if not isinstance(score, int | float):
            raise ReportError(f"category {cat!r} has no score (Lighthouse could not compute it)")
        scores[cat] = float(score)
    resources = _resources(audits.get("resource-summary"))
    return PageRun(
        requested_url=requested,
        final_url=final,
        lighthouse_version=str(lhr.get("lighthouseVersion", "")),
        form_factor=str((lhr.get("configSettings") or {}).get("formFactor", "")),
        vitals=vitals,
        scores=scores,
        sizes={t: resources.get(t, (0.0, 0.0))[0] for t in RESOURCE_TYPES},
        counts={t: resources.get(t, (0.0, 0.0))[1] for t in RESOURCE_TYPES},
        audits=_audit_values(audits),
        blamed=_blamed(lhr),
        warnings=tuple(str(w) for w in lhr.get("runWarnings") or ()),
    )


def _check_redirect(requested: str, final: str) -> None:
    want, got = urlsplit(requested), urlsplit(final)
    if (want.netloc, want.path.rstrip("/") or "/") != (got.netloc, got.path.rstrip("/") or "/"):
        hint = ""
        if "login" in got.path or "signin" in got.path:
            hint = (
                " (the page needs a signed-in session: mark it auth = true and set cookie_env "
                "or session_cookie in [layers.web])"
            )
        raise ReportError(f"the page redirected to {got.path or '/'} instead of staying on {want.path}{hint}")


def _numeric(audits: Mapping[str, Any], audit_id: str) -> float:
    audit = audits.get(audit_id) or {}
    value = audit.get("numericValue")
    if not isinstance(value, int | float):
        why = audit.get("errorMessage") or "no numericValue"
        raise ReportError(f"audit {audit_id!r} produced no value: {why}")
    return float(value)


def _resources(audit: Mapping[str, Any] | None) -> dict[str, tuple[float, float]]:
    items = ((audit or {}).get("details") or {}).get("items")
    if not isinstance(items, list):
        raise ReportError("audit 'resource-summary' has no items: page weight unknown")
    out: dict[str, tuple[float, float]] = {}
    for item in items:
        kind = item.get("resourceType")
        if isinstance(kind, str):
            out[kind] = (float(item.get("transferSize") or 0), float(item.get("requestCount") or 0))
    return out


def _audit_values(audits: Mapping[str, Any]) -> dict[str, AuditValue]:
    out: dict[str, AuditValue] = {}
    for audit_id, audit in audits.items():
        details = audit.get("details") or {}
        items = details.get("items")
        score, numeric = audit.get("score"), audit.get("numericValue")
        out[audit_id] = AuditValue(
            score=float(score) if isinstance(score, int | float) else None,
            numeric=float(numeric) if isinstance(numeric, int | float) else None,
            items=len(items) if isinstance(items, list) else None,
            resources=_resources(audit) if audit_id == "resource-summary" else {},
        )
    return out


def _blamed(lhr: Mapping[str, Any], limit: int = 3) -> tuple[str, ...]:
    """The performance audits that failed, worst savings first: what Lighthouse blames."""
    audits: Mapping[str, Any] = lhr.get("audits") or {}
    perf = (lhr.get("categories") or {}).get("performance") or {}
    found: list[tuple[float, str]] = []
    for ref in perf.get("auditRefs") or ():
        if ref.get("weight"):
            continue
        audit = audits.get(ref.get("id")) or {}
        score = audit.get("score")
        if (
            not isinstance(score, int | float)
            or score >= 0.9
            or audit.get("scoreDisplayMode") == "informative"
        ):
            continue
        savings = audit.get("metricSavings") or {}
        weight = float(sum(v for v in savings.values() if isinstance(v, int | float)))
        if weight <= 0 and score >= 0.5:
            continue
        shown = f"{audit.get('title', ref.get('id'))}" + (
            f" ({audit['displayValue']})" if audit.get("displayValue") else ""
        )
        found.append((weight, shown))
    found.sort(key=lambda pair: -pair[0])
    return tuple(text for _, text in found[:limit])
