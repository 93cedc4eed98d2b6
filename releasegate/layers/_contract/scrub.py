"""Removing secrets from every file schemathesis wrote.

Schemathesis masks the headers it knows are sensitive, but a server that echoes request
headers (httpbin's ``/headers``, a debug endpoint) puts the token into response bodies,
which end up in cassettes, NDJSON events (base64), JUnit messages and crash files. After the
run every file under the layer's directory is rewritten with each secret replaced, in every
form :func:`releasegate.redact.secret_forms` lists and base64-encoded inside NDJSON events.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from releasegate.redact import all_forms, mask

__all__ = ["scrub_file", "scrub_tree"]


def _scrub_b64(node: Any, forms: Sequence[str]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$base64"} and isinstance(node["$base64"], str):
            try:
                raw = base64.b64decode(node["$base64"], validate=True)
            except (binascii.Error, ValueError):
                return node
            text = raw.decode("utf-8", errors="surrogateescape")
            cleaned = mask(text, forms)
            if cleaned != text:
                raw = cleaned.encode("utf-8", errors="surrogateescape")
                return {"$base64": base64.b64encode(raw).decode("ascii")}
            return node
        return {k: _scrub_b64(v, forms) for k, v in node.items()}
    if isinstance(node, list):
        return [_scrub_b64(v, forms) for v in node]
    return node


def _scrub_ndjson(text: str, forms: Sequence[str]) -> str:
    out: list[str] = []
    for line in text.splitlines():
        cleaned = line
        if "$base64" in line:
            with contextlib.suppress(ValueError):
                cleaned = json.dumps(_scrub_b64(json.loads(line), forms))
        out.append(cleaned)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def scrub_file(path: Path, forms: Sequence[str]) -> bool:
    """Rewrite ``path`` without any of ``forms`` (``releasegate.redact.all_forms``); True when it changed."""
    try:
        original = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return False
    text = _scrub_ndjson(original, forms) if path.suffix == ".ndjson" else original
    text = mask(text, forms)
    if text == original:
        return False
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    return True


def scrub_tree(root: Path, secrets: Iterable[str]) -> list[Path]:
    """Scrub every file under ``root``; the files that held a secret."""
    forms = all_forms(s for s in secrets if len(s) >= 4)
    if not forms or not root.exists():
        return []
    return [p for p in sorted(root.rglob("*")) if p.is_file() and scrub_file(p, forms)]
