"""Running every smoke check of one environment: probes in parallel, outcomes in a fixed order."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from releasegate.layers._smoke import checks
from releasegate.layers._smoke.checks import FAIL, PASS, SKIPPED, Outcome
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
    base_url: str  # the API origin: health, version, endpoints
    web_url: str | None = None  # the frontend origin when it differs: pages, page headers, CORS
    health_path: str | None = "/health"  # None: the health check is switched off
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
    health_status: int | None = None
    health_contains: str | None = None
    health_field: str = "status"


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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def run_checks(params: SmokeParams, progress: Callable[[str], None] = lambda _m: None) -> SmokeRun:
    base = params.base_url
    web = params.web_url or base
    health = {"health": ("GET", _url(base, params.health_path), params.repeats)} if params.health_path else {}
    groups: dict[str, tuple[str, str, int]] = {
        **health,
        "version": ("GET", _url(base, params.version_path), params.repeats if params.expect_version else 1),
    }
    for page in params.pages:
        origin = web if page.category == "page" else base
        groups[page.check] = (page.method, _url(origin, page.path), params.repeats)
    page_checks = [p for p in params.pages if p.category == "page" and p.method == "GET"]
    header_key = next((p.check for p in page_checks if p.path == params.headers_path), None)
    header_key = header_key or next((p.check for p in page_checks), None)
    if header_key is None and (params.security_headers or params.noindex):
        header_key = "headers"
        groups[header_key] = ("GET", _url(web, params.headers_path), 1)
    cors = _origin(web) != _origin(base)

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
        cors_outcome = _cors_outcome(client, params, web) if cors else None

    outcomes = _health_outcomes(params, probed)
    versions = checks.reported_version(probed["version"])
    if params.expect_version:
        outcomes.append(checks.version_outcome(params.version_path, probed["version"], params.expect_version))
    for page in params.pages:
        outcomes.append(
            checks.page_outcome(page.check, page.category, probed[page.check], page.status, page.contains)
        )
    timed = [
        *(["health"] if params.health_path else []),
        *(["version"] if params.expect_version else []),
        *(p.check for p in params.pages),
    ]
    outcomes += [checks.latency_outcome(k, probed[k], params.degraded_s, params.limit_s) for k in timed]
    https = urlsplit(base).scheme == "https"
    if header_key is not None:
        first = probed[header_key][0]
        not_a_page = _not_a_page(first) if header_key == "headers" else None
        if not_a_page:
            outcomes.append(Outcome("page checks", SKIPPED, not_a_page, "security"))
        else:
            if params.security_headers:
                outcomes += checks.security_header_outcomes(first, https=https)
            if params.noindex:
                outcomes.append(checks.indexing_outcome(first, production=params.production))
    if cors_outcome is not None:
        outcomes.append(cors_outcome)
    days: float | None = None
    if https:
        tls_outcomes, days = _tls_outcomes(params)
        outcomes += tls_outcomes
    if redirect is not None:
        outcomes.append(redirect)
    probes = [p for group in probed.values() for p in group]
    return SmokeRun(outcomes, probes, versions, days)


def _health_outcomes(params: SmokeParams, probed: Mapping[str, Sequence[Probe]]) -> list[Outcome]:
    if not params.health_path:
        return [Outcome("health", checks.SKIPPED, "health: switched off (health_path = false)", "health")]
    outcome = checks.health_outcome(
        params.health_path,
        probed["health"],
        status=params.health_status,
        contains=params.health_contains,
        field=params.health_field,
    )
    return [outcome, *checks.dependency_outcomes(probed["health"])]


def _not_a_page(probe: Probe) -> str | None:
    """Why the probed URL is no page to judge page headers on (an API root answering 404), or None."""
    if not probe.answered:
        return None  # no answer at all is a failure the security checks report
    kind = (probe.header("Content-Type") or "").lower()
    if probe.status is not None and probe.status >= 400:
        return (
            f"page checks (security headers, indexing) could not apply: {probe.url} answered "
            f"HTTP {probe.status}; list the pages in the environment's pages to check them"
        )
    if "html" not in kind:
        return f"page checks (security headers, indexing) could not apply: {probe.url} is {kind or 'no page'}"
    return None


def _cors_outcome(client: httpx.Client, params: SmokeParams, web: str) -> Outcome:
    """The API answers the frontend's origin: a CORS preflight from ``web`` to the API is allowed."""
    origin = _origin(web)
    path = next((p.path for p in params.pages if p.category == "endpoint"), params.health_path or "/")
    url = _url(params.base_url, path)
    check = "cors: web origin"
    wanted = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    if params.headers:
        wanted["Access-Control-Request-Headers"] = ", ".join(sorted(params.headers)).lower()
    probe = fetch(client, "OPTIONS", url, headers=wanted)
    allowed = probe.header("Access-Control-Allow-Origin") or ""
    if probe.answered and probe.status is not None and probe.status < 400 and allowed in (origin, "*"):
        message = f"{check}: {url} allows {origin} (Access-Control-Allow-Origin: {allowed})"
        return Outcome(check, PASS, message, "cors", [probe], [True])
    seen = probe.error or f"HTTP {probe.status}, Access-Control-Allow-Origin: {allowed or 'absent'}"
    message = f"{check}: expected {url} to allow requests from {origin}, saw {seen}"
    return Outcome(check, FAIL, message, "cors", [probe], [False])


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
