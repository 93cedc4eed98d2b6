"""Turning probes into outcomes: each names the check, what was expected and what was seen.

An outcome is ``pass`` when every probe of it succeeded, ``fail`` when none did and
``flaky`` when some did (availability then tells how many). Pure functions over
:class:`~releasegate.layers._smoke.probe.Probe` values, so each rule is tested without a network.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from releasegate.layers._smoke.probe import Probe

__all__ = [
    "Outcome",
    "dependency_outcomes",
    "health_outcome",
    "indexing_outcome",
    "latency_outcome",
    "page_outcome",
    "reported_version",
    "security_header_outcomes",
    "version_outcome",
]

PASS, FAIL, FLAKY, SKIPPED = "pass", "fail", "flaky", "skipped"
_HEALTHY = {"pass", "ok", "up", "healthy", "green", "warn"}
_VERSION_KEYS = ("commit", "sha", "git_sha", "gitSha", "revision", "releaseId", "build", "version")


@dataclass
class Outcome:
    check: str
    status: str
    message: str
    category: str
    probes: Sequence[Probe] = ()
    successes: Sequence[bool] = ()
    measurements: dict[str, tuple[float, str]] = field(default_factory=dict)
    degraded: bool = False


def _verdict(successes: Sequence[bool]) -> str:
    if successes and all(successes):
        return PASS
    return FLAKY if any(successes) else FAIL


def _seen(probe: Probe) -> str:
    return probe.error or f"HTTP {probe.status}"


def _tally(successes: Sequence[bool]) -> str:
    return f"{sum(successes)}/{len(successes)} probes ok"


def _probe_outcome(
    check: str, category: str, probes: Sequence[Probe], expected: str, judge: Callable[[Probe], str | None]
) -> Outcome:
    """``judge`` returns None when a probe is fine, else what was wrong with it."""
    problems = [judge(p) for p in probes]
    successes = [problem is None for problem in problems]
    status = _verdict(successes)
    if status == PASS:
        message = f"{check}: {expected}, as expected ({_tally(successes)})"
    else:
        wrong = next(problem for problem in problems if problem is not None)
        message = f"{check}: expected {expected}, saw {wrong} ({_tally(successes)})"
    return Outcome(check, status, message, category, probes, successes)


def health_status(payload: object) -> str | None:
    if isinstance(payload, dict):
        value = payload.get("status")
        if isinstance(value, str):
            return value
    return None


def health_outcome(
    path: str,
    probes: Sequence[Probe],
    *,
    status: int | None = None,
    contains: str | None = None,
    field: str = "status",
) -> Outcome:
    """Pass only on what proves health: a JSON body reporting pass, or exactly what is configured."""
    configured = status is not None or contains is not None

    def judge(probe: Probe) -> str | None:
        if not probe.answered:
            return _seen(probe)
        code = probe.status or 0
        payload = probe.json()
        reported = payload.get(field) if isinstance(payload, dict) else None
        said = f" with {field} {reported!r}" if isinstance(reported, str) else ""
        if (code != status) if status is not None else not 200 <= code < 300:
            return f"HTTP {probe.status}{said}"
        if configured:
            if contains is not None and contains not in probe.text:
                return f"a body without {contains!r}"
            return None
        if not isinstance(payload, dict):
            kind = probe.header("content-type") or "no content type"
            return f"a body that is not a JSON object ({kind.split(';')[0]}): it does not report health"
        if not isinstance(reported, str):
            return f"JSON without a {field!r} field"
        if reported.lower() not in _HEALTHY:
            return f"{field} {reported!r}"
        return None

    if configured:
        expected = f"GET {path} to answer {status or '2xx'}" + (
            f" containing {contains!r}" if contains else ""
        )
    else:
        expected = f"GET {path} to answer 2xx reporting pass"
    return _probe_outcome("health", "health", probes, expected, judge)


def _dependency_status(value: Any) -> tuple[str | None, str]:
    items = value if isinstance(value, list) else [value]
    worst: str | None = None
    detail = ""
    for item in items:
        if not isinstance(item, dict):
            continue
        status = item.get("status")
        if isinstance(status, str) and (worst is None or status.lower() not in _HEALTHY):
            worst = status
            detail = str(item.get("output") or "")
    return worst, detail


def dependency_outcomes(probes: Sequence[Probe]) -> list[Outcome]:
    """One outcome per dependency the health payload lists (``checks`` or ``components``)."""
    answered = [p for p in probes if p.answered]
    payload = answered[-1].json() if answered else None
    if not isinstance(payload, dict):
        return []
    listed = payload.get("checks") or payload.get("components") or payload.get("dependencies")
    if not isinstance(listed, dict):
        return []
    outcomes = []
    for name, value in listed.items():
        status, detail = _dependency_status(value)
        check = f"health: {name}"
        if status is None:
            outcomes.append(Outcome(check, SKIPPED, f"{check}: no status reported", "dependency"))
            continue
        ok = status.lower() in _HEALTHY
        why = f" ({detail})" if detail else ""
        message = (
            f"{check}: reports {status!r}"
            if ok
            else f"{check}: expected a passing dependency, saw status {status!r}{why}"
        )
        outcomes.append(Outcome(check, PASS if ok else FAIL, message, "dependency"))
    return outcomes


def reported_version(probes: Sequence[Probe]) -> list[str]:
    """Every version-like string the endpoint reported (commit first)."""
    found: list[str] = []
    for probe in probes:
        if not probe.answered:
            continue
        payload = probe.json()
        if isinstance(payload, dict):
            found += [str(payload[k]) for k in _VERSION_KEYS if isinstance(payload.get(k), str | int)]
        elif probe.text.strip() and len(probe.text) < 200:
            found.append(probe.text.strip())
        if found:
            break
    return found


def version_matches(expected: str, candidate: str) -> bool:
    e, c = expected.strip().lower(), candidate.strip().lower()
    if not e:
        return False
    if e == c:
        return True
    for part in [c, *re.split(r"[+\-_/@ ]", c)]:
        if len(e) >= 7 and len(part) >= 7 and (part.startswith(e) or e.startswith(part)):
            return True
    return False


def version_outcome(path: str, probes: Sequence[Probe], expected: str) -> Outcome:
    check = "version"

    def judge(probe: Probe) -> str | None:
        if not probe.answered:
            return _seen(probe)
        if probe.status != 200:
            return f"HTTP {probe.status}"
        seen = reported_version([probe])
        if any(version_matches(expected, value) for value in seen):
            return None
        return f"{', '.join(seen) or 'no version'}"

    return _probe_outcome(check, "version", probes, f"GET {path} to report version {expected!r}", judge)


def page_outcome(
    check: str, category: str, probes: Sequence[Probe], status: int, contains: str | None
) -> Outcome:
    expected = f"HTTP {status}" + (f" containing {contains!r}" if contains else "")

    def judge(probe: Probe) -> str | None:
        if not probe.answered:
            return _seen(probe)
        if probe.status != status:
            return f"HTTP {probe.status}"
        if contains and contains not in probe.text:
            return f"HTTP {probe.status} without {contains!r}"
        return None

    return _probe_outcome(check, category, probes, expected, judge)


def latency_outcome(check: str, probes: Sequence[Probe], degraded_s: float, limit_s: float) -> Outcome:
    times = [p.elapsed_s for p in probes if p.elapsed_s is not None]
    name = f"response time: {check}"
    if not times:
        return Outcome(name, SKIPPED, f"{name}: no response to time", "latency")
    median = statistics.median(times)
    shown = f"median {median * 1000:.0f} ms over {len(times)} probes (max {max(times) * 1000:.0f} ms)"
    measurements = {"median": (median, "s"), "max": (max(times), "s")}
    if median >= limit_s:
        message = f"{name}: expected under {limit_s:g}s, saw {shown}"
        return Outcome(name, FAIL, message, "latency", probes, measurements=measurements)
    if median >= degraded_s:
        message = f"{name}: degraded, {shown} (degraded from {degraded_s:g}s, limit {limit_s:g}s)"
        return Outcome(name, PASS, message, "latency", probes, measurements=measurements, degraded=True)
    return Outcome(
        name, PASS, f"{name}: {shown}, under {degraded_s:g}s", "latency", probes, measurements=measurements
    )


def _header_check(name: str, expected: str, ok: bool, seen: str | None) -> Outcome:
    check = f"header: {name}"
    if ok:
        return Outcome(check, PASS, f"{check}: {seen!r}", "security")
    shown = "absent" if seen is None else repr(seen)
    return Outcome(check, FAIL, f"{check}: expected {expected}, saw {shown}", "security")


def security_header_outcomes(probe: Probe, *, https: bool) -> list[Outcome]:
    """HSTS (on https), X-Content-Type-Options, frame protection and Referrer-Policy."""
    if not probe.answered:
        return [Outcome("header: *", FAIL, f"security headers: no response ({_seen(probe)})", "security")]
    out = []
    xcto = probe.header("X-Content-Type-Options")
    out.append(_header_check("X-Content-Type-Options", "'nosniff'", (xcto or "").lower() == "nosniff", xcto))
    xfo = probe.header("X-Frame-Options")
    csp = probe.header("Content-Security-Policy") or ""
    framed = (xfo or "").upper() in ("DENY", "SAMEORIGIN") or "frame-ancestors" in csp.lower()
    seen = xfo if xfo is not None else (None if "frame-ancestors" not in csp.lower() else csp)
    out.append(_header_check("X-Frame-Options", "DENY/SAMEORIGIN or CSP frame-ancestors", framed, seen))
    referrer = probe.header("Referrer-Policy")
    good = referrer is not None and referrer.strip().lower() not in ("", "unsafe-url")
    out.append(_header_check("Referrer-Policy", "a policy other than unsafe-url", good, referrer))
    if https:
        hsts = probe.header("Strict-Transport-Security")
        match = re.search(r"max-age\s*=\s*\"?(\d+)", hsts or "", re.IGNORECASE)
        out.append(
            _header_check("Strict-Transport-Security", "max-age > 0", bool(match and int(match[1]) > 0), hsts)
        )
    return out


_ROBOTS_META = re.compile(r"<meta[^>]+name\s*=\s*[\"']robots[\"'][^>]*>", re.IGNORECASE)


def indexing_outcome(probe: Probe, *, production: bool) -> Outcome:
    """Non-production deployments must tell crawlers not to index them."""
    check = "not indexable"
    if production:
        return Outcome(check, SKIPPED, f"{check}: production environment, indexing allowed", "indexing")
    if not probe.answered:
        return Outcome(check, FAIL, f"{check}: no response ({_seen(probe)})", "indexing")
    header = probe.header("X-Robots-Tag") or ""
    metas = _ROBOTS_META.findall(probe.text)
    if "noindex" in header.lower() or any("noindex" in m.lower() for m in metas):
        how = f"X-Robots-Tag {header!r}" if "noindex" in header.lower() else "robots meta tag"
        return Outcome(check, PASS, f"{check}: {how} says noindex", "indexing")
    return Outcome(
        check,
        FAIL,
        f"{check}: expected X-Robots-Tag: noindex or a robots noindex meta tag on {probe.url} "
        "(non-production), saw neither",
        "indexing",
    )
