"""What the contract run created, found in schemathesis's NDJSON, and deleted where the spec allows.

A resource counts as created by a 2xx answer to a POST (or a 201 to a PUT) that names it: a
``Location`` header, or an ``id`` in the JSON body (top level, or in the one object it wraps).
It can be deleted when the spec has a DELETE on its path: the ``Location`` path itself, the
POST's path plus one parameter (``POST /api/prompts`` -> ``DELETE /api/prompts/{prompt_id}``),
or the PUT's own path. A 200 to a PUT changed something that existed before the run: never
deleted. Deleting sends the run's own headers; a 404 or 410 means it is already gone.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

__all__ = ["Created", "created_resources", "delete_resources"]

MAX_DELETES = 500
"""At most this many DELETE requests at the end of a run (each bounded by the request timeout)."""
CLEANUP_BUDGET_S = 60.0
"""And for at most this long in all: an interrupted run must still stop soon."""


@dataclass(frozen=True)
class Created:
    url: str  # absolute, what DELETE is sent to ("" when the spec has no DELETE for it)
    created_by: str  # "POST /api/prompts"
    resource: str  # the path (or id) that names it, for the report
    delete: str | None  # "DELETE /api/prompts/{prompt_id}", or None: cannot be deleted through the API
    count: int = 1  # how many answers created one (the unnamed ones are counted, not listed)


def _templates(document: Mapping[str, Any]) -> list[tuple[str, re.Pattern[str], set[str]]]:
    out = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        methods = {m.upper() for m in item if m.lower() in {"get", "put", "post", "delete", "patch"}}
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "/?$")
        out.append((str(path), pattern, methods))
    return out


def _match(templates: list[tuple[str, re.Pattern[str], set[str]]], path: str) -> tuple[str, set[str]] | None:
    hits = [(t, m) for t, p, m in templates if p.match(path)]
    if not hits:
        return None
    return min(hits, key=lambda hit: hit[0].count("{"))  # the literal path before a templated one


def _decoded(value: Any) -> Any:
    raw = value.get("$base64") if isinstance(value, dict) else None
    if not isinstance(raw, str):
        return None
    try:
        return json.loads(base64.b64decode(raw))
    except ValueError:
        return None


def _id_of(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    candidates = [body] + [v for v in body.values() if isinstance(v, dict)] if len(body) == 1 else [body]
    for candidate in candidates:
        found = candidate.get("id")
        if isinstance(found, str | int) and not isinstance(found, bool) and str(found):
            return str(found)
    return None


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            first = value[0] if isinstance(value, list) and value else value
            return str(first) if first else None
    return None


def _interactions(ndjson: Path) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    with ndjson.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            body = event.get("ScenarioFinished") if isinstance(event, dict) else None
            recorder = body.get("recorder") if isinstance(body, dict) else None
            for interaction in ((recorder or {}).get("interactions") or {}).values():
                request, response = interaction.get("request"), interaction.get("response")
                if isinstance(request, dict) and isinstance(response, dict):
                    yield request, response


def created_resources(ndjson: Path | None, document: Mapping[str, Any], api_url: str) -> list[Created]:
    """Every resource the run's calls created, once each, in the order they were created."""
    if ndjson is None or not ndjson.is_file():
        return []
    templates = _templates(document)
    prefix = urlsplit(api_url).path.rstrip("/")
    found: dict[str, Created] = {}
    for request, response in _interactions(ndjson):
        method, status = str(request.get("method", "")).upper(), response.get("status_code")
        if not isinstance(status, int) or not 200 <= status < 300 or method not in ("POST", "PUT"):
            continue
        if method == "PUT" and status != 201:
            continue
        uri = str(request.get("uri", ""))
        path = urlsplit(uri).path
        relative = path[len(prefix) :] if prefix and path.startswith(prefix) else path
        own = _match(templates, relative)
        if own is None:
            continue
        created_by = f"{method} {own[0]}"
        location = _header(response.get("headers") or {}, "location")
        created = None
        if location:
            target = urljoin(uri, location)
            where = urlsplit(target).path
            hit = _match(templates, where[len(prefix) :] if prefix and where.startswith(prefix) else where)
            delete = f"DELETE {hit[0]}" if hit and "DELETE" in hit[1] else None
            created = Created(target if delete else "", created_by, where, delete)
        elif method == "PUT":
            delete = f"DELETE {own[0]}" if "DELETE" in own[1] else None
            created = Created(uri if delete else "", created_by, path, delete)
        else:
            ident = _id_of(_decoded(response.get("content")))
            if ident is None:
                if status == 201:  # created something the answer does not name
                    key = f"{created_by} unnamed"
                    seen = found.get(key)
                    found[key] = (
                        replace(seen, count=seen.count + 1) if seen else Created("", created_by, "", None)
                    )
                continue
            child = _match(templates, relative.rstrip("/") + "/" + ident)
            depth = own[0].rstrip("/").count("/") + 1
            ok = child is not None and "DELETE" in child[1] and child[0].count("/") == depth
            url = uri.rstrip("/") + "/" + ident
            created = Created(url if ok else "", created_by, f"{path.rstrip('/')}/{ident}",
                              f"DELETE {child[0]}" if ok and child else None)  # fmt: skip
        key = created.url or f"{created.created_by} {created.resource}"
        found.setdefault(key, created)
    return list(found.values())


def delete_resources(
    created: list[Created],
    headers: Mapping[str, str],
    *,
    timeout_s: float,
    probe_headers: Mapping[str, str] | None = None,
    budget_s: float = CLEANUP_BUDGET_S,
) -> list[dict[str, Any]]:
    """DELETE each deletable resource; one row per resource: its outcome and why.

    Outcomes: ``deleted``, ``already gone`` (404/410: the run deleted it itself), ``remains``
    (the DELETE failed or was refused) and ``not deletable`` (the spec has no DELETE for it).
    A DELETE refused with 401/403 (the account that made it was deleted during the run) is
    followed by a GET with ``probe_headers``: a 404/410 there means it went with its account."""
    import httpx

    rows: list[dict[str, Any]] = []
    sent = 0
    deadline = time.monotonic() + budget_s
    with httpx.Client(headers=dict(headers), timeout=timeout_s) as client:
        for item in created:
            row: dict[str, Any] = {
                "resource": item.resource,
                "created_by": item.created_by,
                "delete": item.delete,
            }
            if item.delete is None:
                why = (
                    "the spec has no DELETE operation for it"
                    if item.resource
                    else "the answer names no resource"
                )
                count = {"count": item.count} if not item.resource else {}
                rows.append({**row, **count, "outcome": "not deletable", "problem": why})
                continue
            if time.monotonic() > deadline:
                rows.append(
                    {**row, "outcome": "remains", "problem": f"the clean-up's {budget_s:.0f} s ran out"}
                )
                continue
            if sent >= MAX_DELETES:
                rows.append(
                    {**row, "outcome": "remains", "problem": f"over the cap of {MAX_DELETES} deletions"}
                )
                continue
            sent += 1
            try:
                code = client.delete(item.url).status_code
            except httpx.HTTPError as exc:
                rows.append({**row, "outcome": "remains", "problem": f"DELETE failed: {type(exc).__name__}"})
                continue
            if 200 <= code < 300:
                rows.append({**row, "outcome": "deleted", "status": code, "problem": None})
            elif code in (404, 410):
                rows.append({**row, "outcome": "already gone", "status": code, "problem": None})
            elif code in (401, 403) and _gone(item.url, probe_headers, timeout_s):
                # an app may also hide what a caller may not see behind a 404: say what was seen
                why = f"DELETE answered {code}; a GET without the run's credentials answers 404/410 "
                why += "(gone with its account, or hidden from callers without them)"
                rows.append({**row, "outcome": "already gone", "status": code, "problem": why})
            else:
                rows.append(
                    {**row, "outcome": "remains", "status": code, "problem": f"DELETE answered {code}"}
                )
    return rows


def _gone(url: str, headers: Mapping[str, str] | None, timeout_s: float) -> bool:
    """Whether a GET without the run's credentials finds the resource gone (404/410)."""
    import httpx

    try:
        answer = httpx.get(url, headers=dict(headers or {}), timeout=timeout_s)
    except httpx.HTTPError:
        return False
    return answer.status_code in (404, 410)
