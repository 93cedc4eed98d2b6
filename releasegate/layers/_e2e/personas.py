"""Personas: who the e2e scenarios act as, loaded from ``fixtures/personas.yaml``.

A persona names a kind of user and everything a scenario needs to act as them: role, plan,
locale, device (``desktop`` or a Playwright device profile name) and where the credentials
come from:

* ``generated``: the run creates a throwaway account unique to it and removes it at the end;
* ``none``: an anonymous visitor, never logged in;
* ``{env: {email: VAR, password: VAR}}``: an account that already exists in the environment,
  read from environment variables (``fallback: generated`` creates one when they are unset).

Tags say where a persona may run: ``smoke`` = read-only, safe against production after a deploy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from releasegate.accounts import Account, generated_email, generated_password
from releasegate.errors import ConfigError

__all__ = [
    "Account",
    "EnvCredentials",
    "Persona",
    "generated_email",
    "generated_password",
    "load_personas",
    "resolve_account",
    "secret_values",
]

SMOKE_TAG = "smoke"
DESKTOP = "desktop"
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnvVars(_Strict):
    email: str = Field(description="Environment variable holding the account's email.")
    password: str = Field(description="Environment variable holding the account's password.")

    @field_validator("email", "password")
    @classmethod
    def _is_var_name(cls, v: str) -> str:
        if not _ENV_VAR.match(v):
            raise ValueError(f"{v!r} is not an environment variable name")
        return v


class EnvCredentials(_Strict):
    env: EnvVars
    fallback: Literal["generated"] | None = Field(
        default=None, description="Create a throwaway account when the variables are unset."
    )


CredentialsSource = Literal["generated", "none"] | EnvCredentials


class Persona(_Strict):
    key: str = Field(default="", description="The id scenarios name it by (the YAML key).")
    name: str
    role: str
    plan: Literal["free", "pro"] = "free"
    locale: str = "en-US"
    device: str = DESKTOP
    credentials: CredentialsSource = "generated"
    tags: tuple[str, ...] = ()
    description: str = ""

    @property
    def smoke(self) -> bool:
        return SMOKE_TAG in self.tags

    @property
    def anonymous(self) -> bool:
        return self.credentials == "none"

    @property
    def desktop(self) -> bool:
        return self.device == DESKTOP


class PersonaFile(_Strict):
    personas: dict[str, Persona]

    @field_validator("personas")
    @classmethod
    def _keys(cls, v: dict[str, Persona]) -> dict[str, Persona]:
        bad = [k for k in v if not _KEY.match(k)]
        if bad:
            raise ValueError(f"persona keys must be lowercase identifiers, got {bad}")
        if not v:
            raise ValueError("at least one persona is needed")
        return {k: p.model_copy(update={"key": k}) for k, p in v.items()}


def load_personas(path: Path, devices: Mapping[str, object] | None = None) -> dict[str, Persona]:
    """Read and validate a persona file; ``devices`` (Playwright's registry) checks device names."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            "persona file not found", file=str(path), hint="create it or set [layers.e2e] personas"
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=str(path)) from exc
    try:
        personas = PersonaFile.model_validate(raw).personas
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{first['msg']} ({len(exc.errors())} problem(s))",
            file=str(path),
            key=key,
            hint="fields: name, role, plan (free|pro), locale, device, credentials, tags",
        ) from exc
    if devices is not None:
        for key, persona in personas.items():
            if not persona.desktop and persona.device not in devices:
                import difflib

                close = difflib.get_close_matches(persona.device, list(devices), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "use 'desktop' or a Playwright device name"
                raise ConfigError(
                    f"unknown device {persona.device!r}",
                    file=str(path),
                    key=f"personas.{key}.device",
                    hint=hint,
                )
    return personas


def resolve_account(
    persona: Persona,
    *,
    run_id: str,
    secret: str,
    domain: str,
    environ: Mapping[str, str] | None = None,
) -> Account | None:
    """The account a persona uses in this run; None for anonymous personas.

    Raises ConfigError when environment credentials are required but unset.
    """
    env = os.environ if environ is None else environ
    source = persona.credentials
    if source == "none":
        return None
    if isinstance(source, EnvCredentials):
        email, password = env.get(source.env.email), env.get(source.env.password)
        if email and password:
            return Account(persona.key, email, password, created=False)
        if source.fallback is None:
            missing = [v for v in (source.env.email, source.env.password) if not env.get(v)]
            raise ConfigError(
                f"persona {persona.key!r} needs credentials from {', '.join(missing)}",
                key=f"personas.{persona.key}.credentials",
                hint="export the variables, or add `fallback: generated`",
            )
    return Account(
        persona.key,
        generated_email(run_id, persona.key, domain),
        generated_password(secret, run_id, persona.key),
        created=True,
    )


def secret_values(
    personas: Mapping[str, Persona], *, run_id: str, secret: str, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Every password (and env-provided email's password) a run may type: for redaction."""
    env = os.environ if environ is None else environ
    out: list[str] = []
    for key, persona in personas.items():
        if isinstance(persona.credentials, EnvCredentials):
            value = env.get(persona.credentials.env.password)
            if value:
                out.append(value)
        if persona.credentials != "none":
            out.append(generated_password(secret, run_id, key))
    return out
