"""Finding, fetching and validating an OpenAPI (3.x) or Swagger (2.0) document.

A location is a URL (``https://…/openapi.json``), a path on the target (``/openapi.json``,
joined to the base URL) or a file. Bad input is never a pass:

* a file that does not exist, a document that is not JSON/YAML, a document that is not an
  OpenAPI/Swagger spec, a spec with no operations, a base path that contradicts the base
  URL → :class:`ConfigError` (exit 2: the configuration points at the wrong thing);
* a URL that cannot be reached, answers with an error status or serves HTML → :class:`SpecUnavailable`
  (the layer reports ``status=error``, exit 3: the target, not the config, may be at fault).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from releasegate.errors import ConfigError

__all__ = ["HTTP_METHODS", "LoadedSpec", "SpecUnavailable", "load_spec", "operations_of", "resolve_location"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecUnavailable(Exception):
    """The spec could not be fetched from the target (unreachable, error status, HTML)."""


@dataclass(frozen=True)
class LoadedSpec:
    source: str  # what the user configured, resolved to a URL or an absolute file path
    document: dict[str, Any]
    version: str  # "2.0" or "3.x.y"
    operations: tuple[str, ...]  # "METHOD /path" labels, the spec's own paths
    base_path: str  # the server path the spec declares ("" when none)

    @property
    def is_swagger2(self) -> bool:
        return self.version.startswith("2")


def resolve_location(location: str, base_url: str) -> str:
    """A URL or an absolute file path for ``location``.

    ``/openapi.json`` is a path on the target unless it names a file, or a file in an existing
    local directory (``/srv/specs/api.json``); relative paths are files."""
    if location.startswith(("http://", "https://")):
        return location
    local = Path(location)
    if (
        location.startswith("/")
        and not local.is_file()
        and not (local.parent != Path("/") and local.parent.is_dir())
    ):
        return urljoin(base_url.rstrip("/") + "/", location.lstrip("/"))
    return str(Path(location).resolve())


def _parse(text: str, source: str) -> Any:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"the spec at {source} is not valid JSON ({exc})") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"the spec at {source} is neither JSON nor YAML ({exc})") from None


def _looks_like_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:200].lower()
    return "html" in content_type.lower() or head.startswith(("<!doctype html", "<html"))


def fetch_text(url: str, *, headers: dict[str, str], timeout_s: float) -> str:
    import httpx

    hint = "check the environment's `openapi` setting and that the target is up"
    try:
        response = httpx.get(url, headers=headers, timeout=timeout_s, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise SpecUnavailable(f"could not fetch the OpenAPI spec from {url}: {exc}; {hint}") from None
    if response.status_code >= 400:
        raise SpecUnavailable(
            f"fetching the OpenAPI spec from {url} answered HTTP {response.status_code}; {hint}"
        )
    if _looks_like_html(response.text, response.headers.get("content-type", "")):
        raise SpecUnavailable(
            f"{url} serves an HTML page, not an OpenAPI document; point `openapi` at the JSON/YAML "
            "spec itself (for example /openapi.json), not at its documentation page"
        )
    return response.text


def operations_of(document: dict[str, Any]) -> tuple[str, ...]:
    paths = document.get("paths") or {}
    labels: list[str] = []
    if isinstance(paths, dict):
        for path, item in paths.items():
            if isinstance(item, dict):
                labels += [f"{m.upper()} {path}" for m in HTTP_METHODS if isinstance(item.get(m), dict)]
    return tuple(labels)


def _base_path(document: dict[str, Any]) -> str:
    if "swagger" in document:
        return str(document.get("basePath") or "").rstrip("/")
    servers = document.get("servers") or []
    if servers and isinstance(servers[0], dict):
        url = str(servers[0].get("url") or "")
        return urlsplit(url).path.rstrip("/") if "{" not in url else ""
    return ""


def validate(document: Any, source: str) -> LoadedSpec:
    if not isinstance(document, dict):
        raise ConfigError(f"the spec at {source} is not an OpenAPI document (expected a JSON/YAML object)")
    version = document.get("openapi") or document.get("swagger")
    if not isinstance(version, str) or version[:1] not in ("2", "3"):
        raise ConfigError(
            f"the spec at {source} is not an OpenAPI document: no `openapi: 3.x` or `swagger: 2.0` key",
            hint="point the environment's `openapi` at an OpenAPI 3.x or Swagger 2.0 document",
        )
    if not isinstance(document.get("paths"), dict):
        raise ConfigError(f"the spec at {source} has no `paths` object", hint="is this the full spec?")
    operations = operations_of(document)
    if not operations:
        raise ConfigError(
            f"the spec at {source} declares no operations under `paths`: there is nothing to test",
            hint="publish the API's operations in the spec, or drop the contract layer for this environment",
        )
    return LoadedSpec(source, document, version, operations, _base_path(document))


def load_spec(
    location: str, base_url: str, *, headers: dict[str, str], timeout_s: float = 15.0
) -> LoadedSpec:
    source = resolve_location(location, base_url)
    if source.startswith(("http://", "https://")):
        text = fetch_text(source, headers=headers, timeout_s=timeout_s)
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigError(
                f"the OpenAPI spec file {source} does not exist",
                hint="set the environment's `openapi` to a URL, a path on the target (/openapi.json) "
                "or a file",
            )
        text = path.read_text(encoding="utf-8")
        if _looks_like_html(text, ""):
            raise ConfigError(f"{source} is an HTML page, not an OpenAPI document")
    return validate(_parse(text, source), source)


def check_base_path(spec: LoadedSpec, base_url: str) -> str:
    """The URL schemathesis sends requests to: the base URL, plus the spec's base path when
    the base URL has none. A base URL whose path contradicts the spec's is a ConfigError."""
    url_path = urlsplit(base_url).path.rstrip("/")
    if not url_path:
        return base_url.rstrip("/") + spec.base_path
    paths = [op.split(" ", 1)[1] for op in spec.operations]
    if not spec.base_path and all(p == url_path or p.startswith(url_path + "/") for p in paths):
        raise ConfigError(
            f"the base URL {base_url} has path {url_path!r}, and every path of the spec at {spec.source} "
            f"already starts with it: requests would go to {url_path}{paths[0]}",
            hint=f"give the base URL without {url_path!r}: the spec has no servers, its paths are absolute",
        )
    if spec.base_path and url_path != spec.base_path:
        raise ConfigError(
            f"the base URL {base_url} has path {url_path!r} but the spec at {spec.source} declares base path "
            f"{spec.base_path!r}",
            hint="give the base URL without a path (the spec's base path is appended) "
            "or fix the spec's servers",
        )
    return base_url.rstrip("/")
