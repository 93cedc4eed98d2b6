"""Keeping secrets out of everything releasegate writes or prints.

The values of the environment variables an environment names (headers, tokens, login
credentials) are collected once per run; :func:`redact` replaces them in text and
:func:`redact_model` in any pydantic model (records, errors, meta) before it is stored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import TypeVar

from pydantic import BaseModel

__all__ = ["MASK", "collect_secrets", "redact", "redact_model"]

MASK = "[redacted]"
_MIN_LENGTH = 4  # shorter values would mask ordinary words

M = TypeVar("M", bound=BaseModel)


def collect_secrets(names: Iterable[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of the named environment variables that are set (longest first)."""
    env = os.environ if environ is None else environ
    values = {env[name] for name in names if env.get(name) and len(env[name]) >= _MIN_LENGTH}
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def redact_model(model: M, secrets: Iterable[str]) -> M:
    """A copy of ``model`` with every secret replaced in every string it holds."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return model
    text = model.model_dump_json()
    for secret in secrets:
        text = text.replace(json.dumps(secret)[1:-1], MASK)
    return type(model).model_validate_json(text)
