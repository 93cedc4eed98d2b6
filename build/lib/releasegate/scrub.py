"""One scrubber for every artifact every layer writes: secrets out of a whole directory.

:func:`scrub_tree` rewrites each file under a directory with every form of every secret
(:func:`releasegate.redact.all_forms`: raw, JSON-escaped, HTML-script-escaped) replaced by
``[redacted]``, and JWT-shaped strings (a token a login returned, echoed by an app) masked
whatever their origin. It reads files as bytes, so binary files survive, and it looks inside:

* ``.zip`` members (Playwright traces) and ``.gz`` files (compressed logs);
* base64 bodies in NDJSON events (``{"$base64": ...}``, schemathesis's reports).

Layers call it once over their artifact directory when their tool has finished.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from releasegate.redact import JWT as _JWT
from releasegate.redact import MASK, all_forms

__all__ = ["JWT", "scrub_bytes", "scrub_file", "scrub_tree"]

JWT = re.compile(_JWT.pattern.encode())
_MARK = MASK.encode()
_MIN_LENGTH = 4


def _encoded(secrets: Iterable[str]) -> list[bytes]:
    return [form.encode("utf-8", errors="surrogateescape") for form in all_forms(secrets)]


def scrub_bytes(data: bytes, forms: Sequence[bytes]) -> bytes:
    """``data`` with each of ``forms`` (longest first) and every JWT-shaped string masked."""
    for form in forms:
        if form:
            data = data.replace(form, _MARK)
    return JWT.sub(_MARK, data)


def _scrub_b64(node: Any, forms: Sequence[bytes]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$base64"} and isinstance(node["$base64"], str):
            try:
                raw = base64.b64decode(node["$base64"], validate=True)
            except (binascii.Error, ValueError):
                return node
            cleaned = scrub_bytes(raw, forms)
            return node if cleaned == raw else {"$base64": base64.b64encode(cleaned).decode("ascii")}
        return {k: _scrub_b64(v, forms) for k, v in node.items()}
    if isinstance(node, list):
        return [_scrub_b64(v, forms) for v in node]
    return node


def _scrub_ndjson(data: bytes, forms: Sequence[bytes]) -> bytes:
    out: list[bytes] = []
    for line in data.split(b"\n"):
        cleaned = line
        if b"$base64" in line:
            with contextlib.suppress(ValueError):
                cleaned = json.dumps(_scrub_b64(json.loads(line), forms)).encode()
        out.append(cleaned)
    return b"\n".join(out)


def _scrub_content(name: str, data: bytes, forms: Sequence[bytes]) -> bytes:
    if name.endswith(".gz"):
        try:
            inner = gzip.decompress(data)
        except (OSError, EOFError):
            return scrub_bytes(data, forms)
        cleaned = _scrub_content(name[:-3], inner, forms)
        return data if cleaned == inner else gzip.compress(cleaned)
    if name.endswith(".zip"):
        return _scrub_zip(data, forms)
    if name.endswith(".ndjson"):
        data = _scrub_ndjson(data, forms)
    return scrub_bytes(data, forms)


def _scrub_zip(data: bytes, forms: Sequence[bytes]) -> bytes:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            entries = [(info, source.read(info)) for info in source.infolist()]
    except zipfile.BadZipFile:
        return scrub_bytes(data, forms)
    changed = [(info, _scrub_content(info.filename, body, forms)) for info, body in entries]
    if all(new == old for (_, new), (_, old) in zip(changed, entries, strict=True)):
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, body in changed:
            target.writestr(info, body)
    return out.getvalue()


def scrub_file(path: Path, forms: Sequence[bytes]) -> bool:
    """Rewrite one file without any of ``forms``; True when it changed."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    cleaned = _scrub_content(path.name, data, forms)
    if cleaned == data:
        return False
    tmp = path.with_name(path.name + ".scrub-tmp")
    tmp.write_bytes(cleaned)
    tmp.replace(path)
    return True


def scrub_tree(root: Path, secrets: Iterable[str]) -> list[Path]:
    """Scrub every file under ``root`` (or ``root`` itself when it is a file); the files changed."""
    forms = _encoded(s for s in secrets if s and len(s) >= _MIN_LENGTH)
    if not root.exists():
        return []
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [p for p in files if scrub_file(p, forms)]
