"""Scrub secrets (passwords, tokens) from the files a run leaves behind, traces included."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from releasegate.redact import all_forms

# Bearer tokens and session cookies (JWTs) show up in traces' network logs.
_JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_MARK = b"[redacted]"
_TEXT_SUFFIXES = {".json", ".jsonl", ".txt", ".log", ".html", ".md", ".xml"}


def scrub_bytes(data: bytes, secrets: Sequence[bytes]) -> bytes:
    for secret in secrets:
        if secret:
            data = data.replace(secret, _MARK)
    return _JWT.sub(_MARK, data)


def _scrub_zip(path: Path, secrets: Sequence[bytes]) -> None:
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    changed = [(info, scrub_bytes(data, secrets)) for info, data in entries]
    if all(new == old for (_, new), (_, old) in zip(changed, entries, strict=True)):
        return
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, data in changed:
            target.writestr(info, data)
    tmp.replace(path)


def encoded_forms(secrets: Sequence[str]) -> list[bytes]:
    """Every form of every secret (``releasegate.redact.all_forms``) as UTF-8, longest first."""
    return [form.encode() for form in all_forms(secrets)]


def scrub_file(path: Path, forms: Sequence[bytes]) -> bool:
    """Scrub one text file or zip (Playwright trace) in place; True when it changed."""
    if path.suffix == ".zip":
        before = path.stat().st_mtime_ns
        _scrub_zip(path, forms)
        return path.stat().st_mtime_ns != before
    data = path.read_bytes()
    new = scrub_bytes(data, forms)
    if new == data:
        return False
    path.write_bytes(new)
    return True


def scrub_tree(root: Path, secrets: Sequence[str]) -> int:
    """Scrub every text file and zip (Playwright traces) under ``root``; returns files changed."""
    forms = encoded_forms(secrets)
    return sum(
        scrub_file(path, forms)
        for path in root.rglob("*")
        if path.is_file() and (path.suffix == ".zip" or path.suffix in _TEXT_SUFFIXES)
    )
