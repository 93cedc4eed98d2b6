"""What an environment offers, found from its URL: for ``releasegate init``.

From the root page (and the web URL's root) it finds the OpenAPI spec, the health and version
endpoints, a few parameterless GET endpoints and the pages, trying the usual locations and the
API prefixes (``/v2``, ``/v2/api``, ``/api/v1``) the root page links to. Every probe is one GET
through one client with a short timeout, and the whole discovery is bounded
(:data:`MAX_REQUESTS` requests, :data:`DEADLINE_S` seconds): an unknown server is never
hammered, and a slow one never stalls ``init``.

Only :func:`discover` raises: :class:`~releasegate.errors.UsageError` for a URL that is not
http(s) (exit 2), :class:`~releasegate.errors.TargetError` when the root cannot be reached
(exit 3).
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import yaml

from releasegate.errors import TargetError, UsageError

__all__ = ["DEADLINE_S", "MAX_REQUESTS", "TIMEOUT_S", "Discovery", "Found", "check_url", "discover"]

MAX_REQUESTS = 60
TIMEOUT_S = 5.0
ROOT_TIMEOUT_S = 10.0  # the first request may wake a cold server
DEADLINE_S = 30.0
MAX_PAGES = 5
MAX_REDIRECTS = 5
MAX_PREFIXES = 4
MAX_SCRIPTS = 2  # same-origin scripts of the root pages read for API prefixes (a single-page app)
DEFAULT_PREFIXES = ("/v1", "/v2")  # tried after the prefixes the pages name
MAX_ENDPOINTS = 3

SPEC_PATHS = (
    "/openapi.json",
    "/swagger.json",
    "/api/openapi.json",
    "/docs/openapi.json",
    "/openapi.yaml",
    "/v3/api-docs",
    "/swagger/v1/swagger.json",
)
PREFIXED_SPEC_PATHS = ("/openapi.json", "/api/openapi.json", "/swagger.json")
HEALTH_PATHS = ("/health", "/healthz", "/status", "/api/health", "/_health", "/health/live", "/livez")
PREFIXED_HEALTH_PATHS = ("/health", "/status", "/healthz")
HEALTH_NAMES = frozenset({"health", "healthz", "status", "_health", "livez", "readyz", "ping", "live"})
VERSION_PATHS = ("/version", "/api/version")
VERSION_KEYS = ("version", "commit", "sha", "git_sha", "build")
_SPEC_LINK = re.compile(r"""["'(]([^"'()\s<>]*(?:openapi|swagger|api-docs)[^"'()\s<>]*)["')]""", re.I)
_PREFIX_SEGMENT = re.compile(r"^(?:v\d+|api)$")
_API_PATH = re.compile(r"(?<![\w.-])((?:/api)?/v\d+(?:/api)?)(?=[/\"'`?#\s$]|$)")
_ASSET = re.compile(
    r"\.(?:css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|pdf|zip|xml|txt|json|ya?ml)$", re.I
)
_UNSAFE_PAGE = re.compile(r"log-?out|sign-?out|delete|remove|unsubscribe|/admin", re.I)


@dataclass(frozen=True)
class Found:
    """A discovered endpoint: its path relative to the base URL and what it answered."""

    path: str
    detail: str


@dataclass
class Discovery:
    """Everything :func:`discover` found, and what it tried where it found nothing."""

    base_url: str
    web_url: str
    openapi: Found | None = None
    health: Found | None = None
    version: Found | None = None
    endpoints: list[Found] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    tried: dict[str, list[str]] = field(default_factory=dict)
    requests: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def same_origin_web(self) -> bool:
        return self.web_url == self.base_url


def check_url(url: str, *, flag: str = "--base-url") -> str:
    """``url`` without its trailing slash, or a UsageError when it is not an http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{flag} {url!r} is not an http(s) URL",
            hint=f"pass the environment's address, e.g. {flag} https://staging.example.com",
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{flag} {url!r} has a query or fragment", hint="pass the site's root URL only")
    return url.strip().rstrip("/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[str] = []
        self.others: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("href", "src"):
                (self.anchors if tag == "a" else self.others).append(value)
                if tag == "script":
                    self.scripts.append(value)


class _Prober:
    """One client, a request budget and a deadline; a probe past either is not sent."""

    def __init__(self, client: httpx.Client, *, max_requests: int, deadline_s: float) -> None:
        self.client = client
        self.max_requests = max_requests
        self.deadline = time.monotonic() + deadline_s
        self.count = 0
        self.exhausted = False

    def get(self, url: str) -> httpx.Response | None:
        if self.count >= self.max_requests or time.monotonic() > self.deadline:
            self.exhausted = True
            return None
        self.count += 1
        try:
            return self.client.get(url)
        except httpx.HTTPError:
            return None


def _json(response: httpx.Response | None) -> Any:
    if response is None or not 200 <= response.status_code < 300:
        return None
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _spec_document(response: httpx.Response | None) -> dict[str, Any] | None:
    if response is None or not 200 <= response.status_code < 300:
        return None
    try:
        data = yaml.safe_load(response.text)  # JSON is YAML
    except yaml.YAMLError:
        return None
    if (
        isinstance(data, dict)
        and ("openapi" in data or "swagger" in data)
        and isinstance(data.get("paths"), dict)
    ):
        return data
    return None


def _relative(base: str, url: str) -> str | None:
    """``url`` as a path under ``base`` (``/x``), or None when it lies elsewhere."""
    b, u = urlsplit(base), urlsplit(url)
    if (u.scheme, u.netloc) != (b.scheme, b.netloc):
        return None
    root = b.path.rstrip("/")
    if root and not (u.path == root or u.path.startswith(root + "/")):
        return None
    return u.path[len(root) :] or "/"


def _strings(value: Any, limit: int = 200) -> list[str]:
    """String values of a JSON document (a JSON root often lists its links)."""
    out: list[str] = []
    stack = [value]
    while stack and len(out) < limit:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _prefixes(paths: list[str]) -> list[str]:
    """API prefixes seen in link paths: ``/v2/api/docs`` -> ``/v2``, ``/v2/api``."""
    found: list[str] = []
    for path in paths:
        segments = [s for s in path.split("/") if s][:2]
        prefix = ""
        for segment in segments:
            if not _PREFIX_SEGMENT.match(segment):
                break
            prefix += "/" + segment
            if prefix not in found and prefix != "/api":
                found.append(prefix)
    return found[:MAX_PREFIXES]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass
class _Root:
    links: list[str]  # absolute URLs, in page order
    anchors: list[str]
    mentions: list[str]  # spec-looking strings anywhere in the text
    scripts: list[str]  # the page's scripts (absolute URLs)
    api_paths: list[str]  # API-prefix-looking paths in the text ("/v2/api" in a template)


def _read_root(response: httpx.Response) -> _Root:
    url = str(response.url)
    text = response.text if len(response.content) < 2_000_000 else ""
    parser = _Links()
    data = None
    if "json" in response.headers.get("content-type", ""):
        data = _json(response)
    if data is not None:
        parser.others = [s for s in _strings(data) if s.startswith(("/", "http"))]
    else:
        with contextlib.suppress(AssertionError, ValueError):  # malformed markup: keep what was read
            parser.feed(text)
    anchors = [
        urljoin(url, a.split("#")[0])
        for a in parser.anchors
        if not a.startswith(("mailto:", "javascript:", "#"))
    ]
    others = [urljoin(url, o) for o in parser.others]
    mentions = [urljoin(url, m) for m in _SPEC_LINK.findall(text)]
    scripts = [urljoin(url, src) for src in parser.scripts]
    return _Root(
        _unique(anchors + others), _unique(anchors), _unique(mentions), _unique(scripts), _api_paths(text)
    )


def _api_paths(text: str) -> list[str]:
    return _unique(_API_PATH.findall(text))[:20]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _spec_operations(spec: dict[str, Any], base_url: str) -> tuple[str, list[tuple[str, bool]]]:
    """The servers' path prefix (relative to ``base_url``) and each path with whether it has a
    parameterless GET. A malformed part of the spec is skipped, never a crash."""
    servers = _as_list(spec.get("servers"))
    server = servers[0].get("url") if servers and isinstance(servers[0], dict) else spec.get("basePath")
    prefix = urlsplit(server).path.rstrip("/") if isinstance(server, str) else ""
    root = urlsplit(base_url).path.rstrip("/")
    if root and (prefix == root or prefix.startswith(root + "/")):
        prefix = prefix[len(root) :]
    out: list[tuple[str, bool]] = []
    for path, item in spec["paths"].items():
        if not isinstance(item, dict) or not isinstance(path, str) or not path.startswith("/"):
            continue
        get = item.get("get")
        parameters = (
            _as_list(get.get("parameters")) + _as_list(item.get("parameters"))
            if isinstance(get, dict)
            else []
        )
        required = any(isinstance(p, dict) and p.get("required") for p in parameters)
        out.append((prefix + path, isinstance(get, dict) and "{" not in path and not required))
    return prefix, out


def discover(
    base_url: str,
    web_url: str | None = None,
    *,
    client: httpx.Client | None = None,
    max_requests: int = MAX_REQUESTS,
    deadline_s: float = DEADLINE_S,
) -> Discovery:
    """Probe ``base_url`` (and ``web_url``, default the same) within the request budget."""
    base = check_url(base_url)
    web = check_url(web_url, flag="--web-url") if web_url else base
    own = client is None
    http = client or httpx.Client(
        timeout=httpx.Timeout(TIMEOUT_S, connect=min(3.0, TIMEOUT_S)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": "releasegate-init", "Accept": "application/json, text/html;q=0.9, */*;q=0.5"},
    )
    try:
        probe = _Prober(http, max_requests=max_requests, deadline_s=deadline_s)
        found = Discovery(base_url=base, web_url=web)
        root = _reach(probe, base + "/", "--base-url")
        web_root = root if web == base else _reach(probe, web + "/", "--web-url")
        roots = [_read_root(root)] + ([_read_root(web_root)] if web_root is not root else [])
        _find_all(probe, found, roots)
        found.requests = probe.count
        if probe.exhausted:
            found.notes.append(
                f"stopped probing after {probe.count} requests (limit {max_requests}, {deadline_s:g} s): "
                "what was not reached is left commented out"
            )
        return found
    finally:
        if own:
            http.close()


def _reach(probe: _Prober, url: str, flag: str) -> httpx.Response:
    probe.count += 1
    try:
        return probe.client.get(url, timeout=httpx.Timeout(ROOT_TIMEOUT_S, connect=ROOT_TIMEOUT_S / 2))
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise TargetError(
            f"cannot reach {url} ({flag}): {reason}",
            hint="check the URL, that the environment is up and that this machine can reach it",
        ) from None


def _find_all(probe: _Prober, found: Discovery, roots: list[_Root]) -> None:
    base = found.base_url
    _read_scripts(probe, found, roots)
    under = [p for r in roots for p in (_relative(base, u) for u in r.links) if p]
    named = _prefixes(under + [p for r in roots for p in r.api_paths])
    found.prefixes = _unique([*named, *DEFAULT_PREFIXES])[:MAX_PREFIXES]
    spec_paths = [p for r in roots for p in (_relative(base, u) for u in r.mentions) if p]
    spec_paths = [p for p in spec_paths if re.search(r"\.(?:json|ya?ml)$|api-docs$", p)]
    candidates = _unique(
        [*spec_paths, *SPEC_PATHS, *(pre + s for pre in found.prefixes for s in PREFIXED_SPEC_PATHS)]
    )
    operations: list[tuple[str, bool]] = []
    found.tried["openapi"] = []
    for path in candidates:
        found.tried["openapi"].append(path)
        spec = _spec_document(probe.get(base + path))
        if spec is None:
            continue
        server_prefix, operations = _spec_operations(spec, base)
        if server_prefix and server_prefix not in found.prefixes:
            found.prefixes.insert(0, server_prefix)
        title = spec.get("info", {}).get("title", "") if isinstance(spec.get("info"), dict) else ""
        kind = f"OpenAPI {spec.get('openapi') or 'Swagger ' + str(spec.get('swagger'))}"
        found.openapi = Found(path, f"{kind} {title!r}, {len(operations)} paths".replace(" '',", ","))
        break
    named = [p for p, plain in operations if plain and p.rstrip("/").rsplit("/", 1)[-1] in HEALTH_NAMES]
    found.health = _first_json(
        probe,
        found,
        "health",
        [*named, *HEALTH_PATHS, *(pre + h for pre in found.prefixes for h in PREFIXED_HEALTH_PATHS)],
        lambda data: isinstance(data, dict | list),
    )
    versions = [p for p, plain in operations if plain and p.rstrip("/").endswith("/version")]
    health = [found.health.path] if found.health else []
    found.version = _first_json(
        probe,
        found,
        "version",
        # last, the health answer itself: many report their version there
        [*versions, *VERSION_PATHS, *(pre + "/version" for pre in found.prefixes), *health],
        lambda data: isinstance(data, dict) and any(isinstance(data.get(k), str) for k in VERSION_KEYS),
    )
    taken = {f.path for f in (found.openapi, found.health, found.version) if f}
    _find_endpoints(probe, found, [p for p, plain in operations if plain and p not in taken])
    _find_pages(probe, found, roots[-1])


def _read_scripts(probe: _Prober, found: Discovery, roots: list[_Root]) -> None:
    """A single-page app names its API in its scripts: read a few, for prefixes and spec links."""
    origins = {urlsplit(found.base_url)[:2], urlsplit(found.web_url)[:2]}
    scripts = [u for r in roots for u in r.scripts if urlsplit(u)[:2] in origins]
    for url in _unique(scripts)[:MAX_SCRIPTS]:
        response = probe.get(url)
        if response is None or not 200 <= response.status_code < 300 or len(response.content) > 2_000_000:
            continue
        roots[-1].api_paths.extend(_api_paths(response.text))
        roots[-1].mentions.extend(urljoin(url, m) for m in _SPEC_LINK.findall(response.text))


def _first_json(probe: _Prober, found: Discovery, what: str, paths: list[str], accept: Any) -> Found | None:
    found.tried[what] = []
    for path in _unique(paths):
        found.tried[what].append(path)
        response = probe.get(found.base_url + path)
        data = _json(response)
        if data is not None and accept(data) and response is not None:
            status = data.get("status") if isinstance(data, dict) else None
            detail = f"HTTP {response.status_code} JSON" + (
                f", status {status!r}" if isinstance(status, str) else ""
            )
            return Found(path, detail)
    return None


def _find_endpoints(probe: _Prober, found: Discovery, paths: list[str]) -> None:
    skip = re.compile(r"auth|login|logout|token|admin|/me\b|metrics|openapi|swagger|docs", re.I)
    for path in [p for p in paths if not skip.search(p)][: MAX_ENDPOINTS * 2]:
        if len(found.endpoints) >= MAX_ENDPOINTS:
            break
        response = probe.get(found.base_url + path)
        if response is not None and 200 <= response.status_code < 300:
            found.endpoints.append(Found(path, f"HTTP {response.status_code}"))


def _find_pages(probe: _Prober, found: Discovery, web_root: _Root) -> None:
    web = found.web_url
    api = [found.openapi.path] if found.openapi else []
    api += [f.path for f in (found.health, found.version) if f] + [f.path for f in found.endpoints]
    candidates = ["/"]
    for url in web_root.anchors:
        path = _relative(web, url)
        if path is None or _ASSET.search(path) or _UNSAFE_PAGE.search(path):
            continue
        if path in api or any(path == p or path.startswith(p + "/") for p in [*found.prefixes, "/api"]):
            continue
        candidates.append(path.rstrip("/") or "/")
    for path in _unique(candidates):
        if len(found.pages) >= MAX_PAGES:
            break
        response = probe.get(web + path)
        if (
            response is not None
            and 200 <= response.status_code < 300
            and "html" in response.headers.get("content-type", "")
        ):
            found.pages.append(path)
    found.tried["pages"] = _unique(candidates)[: MAX_PAGES * 2]
