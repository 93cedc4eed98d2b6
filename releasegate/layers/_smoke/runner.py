"""Running every smoke check of one environment: probes in parallel, outcomes in a fixed order."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from releasegate.layers._smoke import checks
from releasegate.layers._smoke.checks import Outcome
from releasegate.layers._smoke.probe import Probe, fetch, fetch_repeated
from releasegate.layers._smoke.tls import inspect_certificate

__all__ = ["PageSpec", "SmokeParams", "SmokeRun", "run_checks"]


@dataclass(frozen=True)
class PageSpec:
    check: str
    category: str  # "page" | "endpoint"
    method: str
    path: str
    status: int = 200
    contains: str | None = None


@dataclass(frozen=True)
class SmokeParams:
    base_url: str
    health_path: str = "/health"
    version_path: str = "/version"
    expect_version: str | None = None
    pages: Sequence[PageSpec] = ()
    production: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    repeats: int = 3
    concurrency: int = 4
    request_timeout_s: float = 10.0
    degraded_s: float = 1.0
    limit_s: float = 2.0
    min_cert_days: float = 14.0
    https_redirect: bool = False
    ca_file: str | None = None
    headers_path: str = "/"
    security_headers: bool = True
    noindex: bool = True


@dataclass
class SmokeRun:
    outcomes: list[Outcome]
    probes: list[Probe]
    reported_versions: list[str]
    cert_days_left: float | None = None


def _url(base: str, path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def run_checks(params: SmokeParams, progress: Callable[[str], None] = lambda _m: None) -> SmokeRun:
    base = params.base_url
    groups: dict[str, tuple[str, str, int]] = {
        "health": ("GET", _url(base, params.health_path), params.repeats),
        "version": ("GET", _url(base, params.version_path), params.repeats if params.expect_version else 1),
    }
    for page in params.pages:
        groups[page.check] = (page.method, _url(base, page.path), params.repeats)
    header_key = next(
        (p.check for p in params.pages if p.path == params.headers_path and p.method == "GET"), None
    )
    if header_key is None and (params.security_headers or params.noindex):
        header_key = "headers"
        groups[header_key] = ("GET", _url(base, params.headers_path), 1)

    timeout = httpx.Timeout(params.request_timeout_s)
    verify = ssl.create_default_context(cafile=params.ca_file)
    limits = httpx.Limits(max_connections=params.concurrency)
    headers = {"User-Agent": "releasegate-smoke", **params.headers}
    progress(f"probing {len(groups)} URLs x{params.repeats} at {base}")
    with (
        httpx.Client(timeout=timeout, verify=verify, headers=headers, limits=limits) as client,
        ThreadPoolExecutor(max_workers=params.concurrency, thread_name_prefix="smoke") as pool,
    ):
        futures = {
            key: pool.submit(fetch_repeated, client, method, url, repeats)
            for key, (method, url, repeats) in groups.items()
        }
        probed = {key: future.result() for key, future in futures.items()}
        redirect = _redirect_outcome(client, base) if params.https_redirect else None

    outcomes: list[Outcome] = [checks.health_outcome(params.health_path, probed["health"])]
    outcomes += checks.dependency_outcomes(probed["health"])
    versions = checks.reported_version(probed["version"])
    if params.expect_version:
        outcomes.append(checks.version_outcome(params.version_path, probed["version"], params.expect_version))
    for page in params.pages:
        outcomes.append(
            checks.page_outcome(page.check, page.category, probed[page.check], page.status, page.contains)
        )
    timed = ["health", *(["version"] if params.expect_version else []), *(p.check for p in params.pages)]
    outcomes += [checks.latency_outcome(k, probed[k], params.degraded_s, params.limit_s) for k in timed]
    https = urlsplit(base).scheme == "https"
    if header_key is not None:
        first = probed[header_key][0]
        if params.security_headers:
            outcomes += checks.security_header_outcomes(first, https=https)
        if params.noindex:
            outcomes.append(checks.indexing_outcome(first, production=params.production))
    days: float | None = None
    if https:
        tls_outcomes, days = _tls_outcomes(params)
        outcomes += tls_outcomes
    if redirect is not None:
        outcomes.append(redirect)
    probes = [p for group in probed.values() for p in group]
    return SmokeRun(outcomes, probes, versions, days)


def _tls_outcomes(params: SmokeParams) -> tuple[list[Outcome], float | None]:
    parts = urlsplit(params.base_url)
    host, port = parts.hostname or "", parts.port or 443
    info = inspect_certificate(host, port, ca_file=params.ca_file, timeout=params.request_timeout_s)
    where = f"{host}:{port}"
    if info.verified:
        cert = Outcome("tls: certificate", "pass", f"tls: certificate of {where} is valid for {host}", "tls")
    else:
        cert = Outcome(
            "tls: certificate",
            "fail",
            f"tls: certificate of {where}: expected a valid certificate for {host}, saw {info.error}",
            "tls",
        )
    out = [cert]
    if info.days_left is not None:
        days = info.days_left
        check = "tls: days to expiry"
        measured = {"days_left": (days, "d")}
        if days >= params.min_cert_days:
            out.append(Outcome(check, "pass", f"{check}: {days:.0f} days left", "tls", measurements=measured))
        else:
            message = f"{check}: expected at least {params.min_cert_days:g} days left, saw {days:.1f}"
            out.append(Outcome(check, "fail", message, "tls", measurements=measured))
    return out, info.days_left


def _redirect_outcome(client: httpx.Client, base: str) -> Outcome:
    parts = urlsplit(base)
    plain = urlunsplit(("http", parts.hostname or "", parts.path or "/", "", ""))
    probe = fetch(client, "GET", plain, follow_redirects=False)
    location = probe.header("Location") or ""
    check = "tls: http redirect"
    if probe.status in (301, 302, 307, 308) and location.startswith("https://"):
        return Outcome(check, "pass", f"{check}: {plain} redirects to {location}", "tls", [probe], [True])
    seen = probe.error or f"HTTP {probe.status}" + (f" to {location}" if location else "")
    return Outcome(
        check, "fail", f"{check}: expected {plain} to redirect to https, saw {seen}", "tls", [probe], [False]
    )
