"""The web layer's settings: the ``[layers.web]`` table of releasegate.toml."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from releasegate.spec import LayerSettings

Preset = Literal["desktop", "mobile"]
PRESETS: tuple[Preset, ...] = ("desktop", "mobile")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Page(BaseModel):
    """One page to measure. ``auth = true`` sends the configured credentials with it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    auth: bool = False

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError(f"page {v!r} must be a path starting with '/', e.g. '/explore'")
        return v


def _env_var(value: str | None) -> str | None:
    if value is not None and not _ENV_VAR.match(value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value


class WebSettings(LayerSettings):
    """Which pages Lighthouse measures, how often, and how to judge their stability."""

    pages: list[Page] = Field(
        default_factory=lambda: [Page(path="/"), Page(path="/explore"), Page(path="/login")],
        description="Paths on the environment's base URL: '/x' or {path = '/x', auth = true}.",
    )
    runs: int = Field(default=3, ge=1, le=20, description="Lighthouse runs per page and preset.")
    preset: Preset | list[Preset] = Field(default="desktop", description="desktop, mobile or both.")
    parallel: int = Field(
        default=1, ge=1, le=4, description="Lighthouse processes at once (timings distort)."
    )
    run_timeout_s: float = Field(default=90.0, gt=0, description="Hard limit for one Lighthouse run.")
    retries: int = Field(default=1, ge=0, le=3, description="Retries of a run that crashed or timed out.")
    unstable_spread: float = Field(
        default=0.25, gt=0, description="Relative spread (max-min)/median above which a page is unstable."
    )
    unstable_metrics: list[str] = Field(default_factory=lambda: ["largest_contentful_paint"])
    unstable_min_delta_s: float = Field(
        default=0.1, ge=0, description="Ignore spreads of timing metrics smaller than this many seconds."
    )
    cookie_env: str | None = Field(
        default=None, description="Env var holding a Cookie header value sent to pages with auth = true."
    )
    session_cookie: str | None = Field(
        default=None,
        description="Cookie name carrying the token from the environment's [auth] (token_env or login).",
    )
    storage: dict[Literal["localStorage", "sessionStorage"], dict[str, str]] = Field(
        default_factory=dict,
        description='Web Storage set before pages with auth = true load: { localStorage = { key = "token", '
        'value = "${token}" } }; ${token} is the environment\'s auth token, ${VAR} an environment variable.',
    )
    lighthouserc: str | None = Field(
        default=None, description="A Lighthouse CI config whose assertions are also checked."
    )
    lighthouse: str | None = Field(default=None, description="Lighthouse CLI; default node_modules/.bin.")

    @field_validator("pages", mode="before")
    @classmethod
    def _paths_as_pages(cls, v: object) -> object:
        if isinstance(v, list):
            return [{"path": item} if isinstance(item, str) else item for item in v]
        return v

    @field_validator("cookie_env")
    @classmethod
    def _cookie_env_name(cls, v: str | None) -> str | None:
        return _env_var(v)

    @model_validator(mode="after")
    def _distinct_pages(self) -> WebSettings:
        paths = [page.path for page in self.pages]
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        if dupes:
            raise ValueError(f"pages listed twice: {dupes}")
        if not self.pages:
            raise ValueError("pages is empty: list at least one path, e.g. ['/']")
        return self

    @property
    def presets(self) -> tuple[Preset, ...]:
        chosen = [self.preset] if isinstance(self.preset, str) else list(self.preset)
        return tuple(p for p in PRESETS if p in chosen)
