"""Checks against the running target: the deployed version and the migrations in its health."""

from __future__ import annotations

import json
from typing import Any

import httpx

from releasegate.layers._preflight.outcome import Outcome, gauge, record
from releasegate.results import Status

VERSION_METRIC = "version_mismatch"
MIGRATIONS_METRIC = "migrations_pending"

VERSION_FIELDS = ("commit", "sha", "git_sha", "git_commit", "revision", "build", "version", "releaseId")
_MIN_PREFIX = 7


def versions_match(expected: str, reported: str) -> bool:
    """Equal, or one a prefix of the other when both are at least 7 characters (short SHAs)."""
    a, b = expected.strip().lower(), reported.strip().lower()
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= _MIN_PREFIX and longer.startswith(shorter)


def reported_versions(response: httpx.Response) -> dict[str, str]:
    """The version-like fields of a /version payload (JSON object), or the body as text."""
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = response.text.strip()
        return {"body": text} if text else {}
    if isinstance(payload, dict):
        return {k: str(payload[k]) for k in VERSION_FIELDS if isinstance(payload.get(k), str | int)}
    if isinstance(payload, str):
        return {"body": payload}
    return {}


def check_version(client: httpx.Client, url: str, expected: str | None) -> Outcome:
    outcome = Outcome(metric=VERSION_METRIC)
    if not expected:
        outcome.applicable = False
        outcome.records.append(
            record("version", Status.SKIPPED, "no expected version given (--expect-version)", url=url)
        )
        return outcome
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        outcome.records.append(
            record("version", Status.ERROR, f"GET {url} failed: {type(exc).__name__}: {exc}", url=url)
        )
        return outcome
    if response.status_code != 200:
        outcome.records.append(
            record(
                "version", Status.ERROR, f"GET {url} answered {response.status_code}, expected 200", url=url
            )
        )
        return outcome
    found = reported_versions(response)
    if not found:
        outcome.records.append(
            record("version", Status.ERROR, f"GET {url} reported no version or commit field", url=url)
        )
        return outcome
    matched = [k for k, v in found.items() if versions_match(expected, v)]
    shown = ", ".join(f"{k}={v}" for k, v in found.items())
    if matched:
        outcome.records.append(
            record("version", Status.PASS, f"deployed version matches {expected} ({matched[0]})", url=url)
        )
    else:
        outcome.records.append(
            record(
                "version", Status.FAIL, f"expected version {expected}, the target reports {shown}", url=url
            )
        )
    outcome.samples.append(gauge(VERSION_METRIC, 0 if matched else 1))
    return outcome


def migration_checks(payload: Any) -> list[tuple[str, dict[str, Any]]]:
    """The migration entries of a health payload (draft-inadarei ``checks`` or a flat list)."""
    if not isinstance(payload, dict):
        return []
    checks = payload.get("checks")
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(checks, dict):
        for name, entries in checks.items():
            if "migration" not in str(name).lower():
                continue
            items = entries if isinstance(entries, list) else [entries]
            found += [(str(name), item) for item in items if isinstance(item, dict)]
    elif isinstance(checks, list):
        found = [
            (str(item.get("name", "")), item)
            for item in checks
            if isinstance(item, dict) and "migration" in str(item.get("name", "")).lower()
        ]
    return found


def check_migrations(client: httpx.Client, url: str) -> Outcome:
    outcome = Outcome(metric=MIGRATIONS_METRIC)
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        outcome.records.append(
            record("migrations", Status.ERROR, f"GET {url} failed: {type(exc).__name__}: {exc}", url=url)
        )
        return outcome
    try:
        entries = migration_checks(response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        entries = []
    if not entries and not response.is_success:
        # a broken health endpoint says nothing about migrations: unmeasured, never "not applicable"
        outcome.records.append(
            record("migrations", Status.ERROR, f"GET {url} answered HTTP {response.status_code}", url=url)
        )
        return outcome
    if not entries:
        outcome.applicable = False
        outcome.records.append(
            record(
                "migrations", Status.SKIPPED, f"the health payload at {url} has no migrations check", url=url
            )
        )
        return outcome
    pending = 0
    for name, entry in entries:
        status = str(entry.get("status", "")).lower()
        detail = entry.get("output") or entry.get("observedValue")
        if status in ("pass", "ok", "up"):
            message = f"{name}: applied" + (f" (latest {detail})" if detail else "")
            outcome.records.append(record("migrations", Status.PASS, message, url=url, check=name))
        else:
            pending += 1
            message = f"{name}: {status or 'no status'}" + (f": {detail}" if detail else "")
            outcome.records.append(record("migrations", Status.FAIL, message, url=url, check=name))
    outcome.samples.append(gauge(MIGRATIONS_METRIC, pending))
    return outcome
