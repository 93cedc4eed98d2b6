"""Keeping secrets out of everything releasegate writes or prints.

The values of the environment variables an environment names (headers, tokens, login
credentials) are collected once per run; :func:`redact` replaces them in text and
:func:`redact_model` in any pydantic model (records, errors, meta) before it is stored.
A secret is replaced in every form :func:`secret_forms` lists, not only as it was given.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel

__all__ = [
    "MASK",
    "URL_MASK",
    "all_forms",
    "collect_secrets",
    "mask",
    "mask_url",
    "redact",
    "redact_model",
    "secret_forms",
    "url_passwords",
]

MASK = "[redacted]"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_SCHEMES = ("Bearer", "Token", "Basic", "JWT", "bearer", "token")
URL_MASK = "***"  # a URL's password, as shown (the URL stays readable)
_MIN_LENGTH = 4  # shorter values would mask ordinary words

M = TypeVar("M", bound=BaseModel)


def collect_secrets(names: Iterable[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of the named environment variables that are set (longest first), each as
    given and without surrounding whitespace (``echo $TOKEN > file`` leaves a newline)."""
    env = os.environ if environ is None else environ
    values: set[str] = set()
    for name in names:
        raw = env.get(name) or ""
        values |= {v for v in (raw, raw.strip()) if len(v.strip()) >= _MIN_LENGTH}
    return sorted(values, key=len, reverse=True)


def secret_forms(secret: str) -> list[str]:
    """How ``secret`` may appear in a file or message (longest first; none for an empty one).

    As given; inside a JSON string, escaped the way Python writes it (non-ASCII as ``\\uXXXX``)
    and the way JavaScript and pydantic do (non-ASCII kept); and inside a JSON string in an HTML
    ``<script>`` (``<`` as ``\\u003c``, with or without ``/`` as ``\\/``), as in Lighthouse's
    HTML report.
    """
    if not secret:
        return []
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    scheme, _, bare = secret.partition(" ")
    if bare and scheme in _SCHEMES and len(bare) >= _MIN_LENGTH:
        forms |= set(secret_forms(bare))  # "Bearer <jwt>" also appears as the bare token
    for escaped in (json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]):
        in_script = escaped.replace("<", "\\u003c")
        forms |= {escaped, in_script, in_script.replace("/", "\\/")}
    return _longest_first(forms)


def all_forms(secrets: Iterable[str]) -> list[str]:
    """Every form of every secret, longest first: compute once, then :func:`mask` many texts."""
    return _longest_first({form for secret in secrets for form in secret_forms(secret)})


def mask(text: str, forms: Iterable[str]) -> str:
    """``text`` with each of ``forms`` (from :func:`all_forms`, longest first) replaced by MASK."""
    for form in forms:
        text = text.replace(form, MASK)
    return JWT.sub(MASK, text)  # a JWT-shaped string is a token, wherever it came from


def redact(text: str, secrets: Iterable[str]) -> str:
    return mask(text, all_forms(secrets))


def redact_model(model: M, secrets: Iterable[str]) -> M:
    """A copy of ``model`` with every secret replaced in every string it holds (keys included)."""
    forms = all_forms(secrets)
    dumped = model.model_dump_json()
    if not forms and not JWT.search(dumped):
        return model
    data = _mask_strings(json.loads(dumped), forms)
    return type(model).model_validate_json(json.dumps(data))


def _mask_strings(value: Any, forms: list[str]) -> Any:
    if isinstance(value, str):
        return mask(value, forms)
    if isinstance(value, list):
        return [_mask_strings(item, forms) for item in value]
    if isinstance(value, dict):
        return {mask(key, forms): _mask_strings(item, forms) for key, item in value.items()}
    return value


def _longest_first(forms: Iterable[str]) -> list[str]:
    return sorted(forms, key=lambda form: (-len(form), form))


def mask_url(location: str) -> str:
    """``location`` fit to print: the password of a URL (in the user part or as a
    ``password=`` parameter) replaced by ``***``."""
    if "://" not in location:
        return location
    try:
        parts = urlsplit(location)
    except ValueError:
        return location.split("://", 1)[0] + "://" + URL_MASK
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":" + URL_MASK
        netloc = f"{user}@{host}"
    query = urlencode(
        [(k, URL_MASK if k.lower() == "password" else v) for k, v in parse_qsl(parts.query)], safe="*"
    )
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment))


def url_passwords(location: str) -> list[str]:
    """The password forms of ``location`` (raw and percent-decoded), for scrubbing messages."""
    if "://" not in location:
        return []
    try:
        parts = urlsplit(location)
    except ValueError:
        return [location]
    raw = parts.netloc.rsplit("@", 1)[0].split(":", 1)[1:] if "@" in parts.netloc else []
    found = raw + [unquote(p) for p in raw]
    found += [v for k, v in parse_qsl(parts.query) if k.lower() == "password"]
    return sorted({s for s in found if s}, key=len, reverse=True)
