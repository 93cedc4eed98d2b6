"""Fetching a URL a few times and keeping what each attempt saw."""

from __future__ import annotations

import errno
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

__all__ = ["Probe", "describe_error", "fetch", "fetch_repeated"]

_BODY_LIMIT = 512 * 1024


@dataclass(frozen=True)
class Probe:
    """One request: what came back (status, headers, body, time) or why nothing did."""

    method: str
    url: str
    status: int | None = None
    elapsed_s: float | None = None
    text: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.status is not None

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), None)

    def json(self) -> object | None:
        import json

        try:
            payload: object = json.loads(self.text)
        except ValueError:
            return None
        return payload


def describe_error(exc: Exception, url: str) -> str:
    """A sentence naming what failed: refused connection, DNS, timeout, TLS."""
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    refused = isinstance(cause, ConnectionRefusedError) or (
        isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
    )
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connection to {url} timed out"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {url} in time ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        if refused or "refused" in text.lower() or "errno 111" in text.lower():
            return f"connection refused by {url}"
        if "certificate" in text.lower() or "ssl" in text.lower():
            return f"TLS handshake with {url} failed: {text}"
        if "name or service not known" in text.lower() or "nodename" in text.lower():
            return f"host of {url} not found (DNS): {text}"
        return f"cannot connect to {url}: {text}"
    return f"request to {url} failed: {type(exc).__name__}: {text}"


def fetch(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    follow_redirects: bool = True,
    headers: Mapping[str, str] | None = None,
) -> Probe:
    started = time.perf_counter()
    try:
        response = client.request(method, url, follow_redirects=follow_redirects, headers=headers)
    except httpx.HTTPError as exc:
        return Probe(method, url, error=describe_error(exc, url))
    elapsed = time.perf_counter() - started
    text = response.text[:_BODY_LIMIT] if method != "HEAD" else ""
    return Probe(method, url, response.status_code, elapsed, text, dict(response.headers))


def fetch_repeated(
    client: httpx.Client, method: str, url: str, repeats: int, *, follow_redirects: bool = True
) -> list[Probe]:
    return [fetch(client, method, url, follow_redirects=follow_redirects) for _ in range(max(1, repeats))]
