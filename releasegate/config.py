"""The configuration models: environments, stages, layer settings and budgets.

``releasegate.toml`` maps onto :class:`Config`. Layer settings are carried as raw tables
here and validated by each layer's own settings model (see ``releasegate.layers``);
budgets are carried as raw values and validated by ``gates``. Loading, discovery and
precedence live in ``releasegate.configfile``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from releasegate.registry import STAGE_LAYERS, default_stages

BudgetValue = str | list[str] | dict[str, Any]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PageCheck(_Strict):
    """A critical page or endpoint the smoke layer probes."""

    path: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    status: int = 200
    contains: str | None = Field(default=None, description="Text the body must contain.")
    name: str | None = None

    @property
    def check_id(self) -> str:
        return self.name or f"{self.method} {self.path}"


class HealthCheck(_Strict):
    """What the health endpoint must answer.

    With neither ``status`` nor ``contains``: a 2xx JSON body whose ``field`` (``status``, as in
    health+json) reports pass/ok/up. With either: exactly that status (default any 2xx) and a
    body containing ``contains``.
    """

    path: str = "/health"
    status: int | None = Field(default=None, ge=100, le=599)
    contains: str | None = None
    field: str = Field(default="status", min_length=1, description="JSON field reporting the health.")

    @field_validator("path")
    @classmethod
    def _some_path(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the health path must not be empty")
        return v


VAR_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def variables_in(value: Any) -> list[str]:
    """The names of the ``${VAR}`` references in a string or a nested table, in order."""
    if isinstance(value, str):
        return VAR_PATTERN.findall(value)
    if isinstance(value, dict):
        return [name for item in value.values() for name in variables_in(item)]
    if isinstance(value, list):
        return [name for item in value for name in variables_in(item)]
    return []


class LoginFlow(_Strict):
    """Log in once for a token; every credential comes from environment variables.

    Either ``body`` (a table, nested allowed, with ``${VAR}`` references: a JSON login, an
    OAuth2 password or client-credentials grant as ``format = "form"``), or the short form
    ``username_env`` + ``password_env`` (posted as ``{username_field: ..., password_field: ...}``).
    """

    path: str = Field(default="/api/auth/login", description="Relative to base_url, or a full URL.")
    method: Literal["POST", "PUT"] = "POST"
    format: Literal["json", "form"] = "json"
    body: dict[str, Any] | None = Field(
        default=None, description="The request body, ${VAR} from the environment."
    )
    token: str | None = Field(
        default=None,
        description="Dotted path to the token in the JSON answer (default: access_token, then token).",
    )
    token_from: str | None = Field(
        default=None, description='"header:NAME" or "cookie:NAME" for apps that answer that way.'
    )
    username_env: str | None = None
    password_env: str | None = None
    username_field: str = "email"
    password_field: str = "password"
    token_field: str | None = Field(default=None, description="Old name of `token` (a top-level field).")

    @model_validator(mode="after")
    def _one_way_to_send_credentials(self) -> LoginFlow:
        short = (self.username_env, self.password_env)
        if self.body is None and None in short:
            raise ValueError(
                "give either body = {...} (with ${VAR} references) or both username_env and password_env"
            )
        if self.body is not None and short != (None, None):
            raise ValueError("give either body or username_env/password_env, not both")
        if self.format == "form" and self.body is not None:
            nested = [k for k, v in self.body.items() if not isinstance(v, str | int | float | bool)]
            if nested:
                raise ValueError(f'format = "form" needs a flat body; nested: {nested}')
        if self.token_from is not None:
            kind, _, name = self.token_from.partition(":")
            if kind not in ("header", "cookie", "json") or (kind != "json" and not name):
                raise ValueError('token_from must be "header:NAME", "cookie:NAME" or "json"')
        return self

    def variables(self) -> list[str]:
        """Every environment variable the flow reads."""
        if self.body is not None:
            return list(dict.fromkeys(variables_in(self.body)))
        return [name for name in (self.username_env, self.password_env) if name]

    @property
    def token_path(self) -> str | None:
        return self.token or self.token_field


ACCOUNT_NAME_VAR = "RELEASEGATE_ACCOUNT_NAME"
"""Set to a generated account's handle (lowercase letters and digits) in a sign-up body."""


class AccountRequest(_Strict):
    """One request of a throwaway account's life: its ``body`` may hold ``${VAR}`` references."""

    path: str = Field(description="Relative to base_url, or a full URL.")
    method: Literal["POST", "PUT", "PATCH", "DELETE"] = "POST"
    format: Literal["json", "form"] = "json"
    body: dict[str, Any] | None = None


class SignupFlow(_Strict):
    """How the environment makes a throwaway account (the contract layer runs as one).

    The generated account's email and password stand in for the login's variables
    (``email_env`` / ``password_env``; default the login's ``username_env`` / ``password_env``)
    in the sign-up body, the login and ``delete``; ``${RELEASEGATE_ACCOUNT_NAME}`` is a handle
    for apps that want a user name too. Without ``body``: the login's short-form fields.
    """

    path: str = Field(description="The sign-up endpoint, relative to base_url, or a full URL.")
    method: Literal["POST", "PUT"] = "POST"
    format: Literal["json", "form"] = "json"
    body: dict[str, Any] | None = None
    email_env: str | None = None
    password_env: str | None = None
    delete: AccountRequest | None = Field(
        default=None, description="How the account removes itself at the end (sent with its token)."
    )


class AuthConfig(_Strict):
    header: str = Field(default="Authorization", description="The request header that carries the token.")
    scheme: str = Field(default="Bearer", description='Prefix of the token ("Token", "Bearer"; "" for none).')
    token_env: str | None = Field(default=None, description="Env var holding a static token.")
    login: LoginFlow | None = None
    signup: SignupFlow | None = Field(
        default=None, description="How to make a throwaway account that logs in like `login`."
    )

    @model_validator(mode="after")
    def _signup_logs_in(self) -> AuthConfig:
        if self.signup is None:
            return self
        if self.login is None:
            raise ValueError("auth.signup needs auth.login: the throwaway account logs in the same way")
        flow = self.login
        email = self.signup.email_env or flow.username_env
        password = self.signup.password_env or flow.password_env
        if not email or not password:
            raise ValueError(
                "auth.signup: set email_env and password_env to the login body's variables that "
                "the throwaway account's email and password replace"
            )
        unknown = [v for v in (email, password) if v not in flow.variables()]
        if unknown:
            raise ValueError(f"auth.signup: {', '.join(unknown)} is not a variable of auth.login")
        if self.signup.body is None and flow.body is not None:
            raise ValueError("auth.signup needs a body when auth.login has one")
        return self

    def account_vars(self) -> tuple[str, str] | None:
        """The login variables a throwaway account's (email, password) replace; None without signup."""
        if self.signup is None or self.login is None:
            return None
        email = self.signup.email_env or self.login.username_env
        password = self.signup.password_env or self.login.password_env
        assert email
        assert password
        return email, password

    def header_value(self, token: str) -> str:
        """``Bearer <token>``; a scheme ending in ``=`` (``session=``) is joined without a space."""
        if not self.scheme:
            return token
        return f"{self.scheme}{token}" if self.scheme.endswith("=") else f"{self.scheme} {token}"

    def variables(self) -> list[str]:
        names = [self.token_env] if self.token_env else []
        return names + (self.login.variables() if self.login else [])


class Environment(_Strict):
    name: str = ""
    base_url: str | None = None
    embedded: bool = Field(default=False, description="Start fixtures/promptlib on a free port.")
    faults: list[str] = Field(default_factory=list, description="Faults for the embedded target.")
    production: bool = False
    openapi: str = Field(default="/openapi.json", description="Spec path on the target, a URL or a file.")
    health_path: str | Literal[False] = Field(
        default="/health", description="Path of the health endpoint; false switches the health check off."
    )
    health: HealthCheck | None = Field(
        default=None, description="The health check in full: { path, status, contains, field }."
    )
    version_path: str = "/version"
    expect_version: str | None = None
    pages: list[PageCheck] = Field(default_factory=list)
    endpoints: list[PageCheck] = Field(default_factory=list)
    headers_from_env: dict[str, str] = Field(
        default_factory=dict, description="Header name -> environment variable holding its value."
    )
    auth: AuthConfig | None = None
    allow_production_writes: bool = False
    reset: str | None = Field(
        default=None,
        description="Shell command restoring the target's data, run after each layer that writes.",
    )
    layers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-environment overrides of [layers.*] settings."
    )

    web_url: str | None = Field(
        default=None,
        description="The frontend's origin when it is not base_url's (pages, web and e2e use it).",
    )

    @field_validator("base_url", "web_url")
    @classmethod
    def _no_trailing_slash(cls, v: str | None) -> str | None:
        return v.rstrip("/") if v else v

    @property
    def pages_url(self) -> str | None:
        """Where pages live: ``web_url``, else ``base_url``."""
        return self.web_url or self.base_url

    @model_validator(mode="after")
    def _one_health(self) -> Environment:
        if self.health_path == "":
            raise ValueError(
                "health_path is empty: give the health endpoint's path, or health_path = false "
                "to switch the health check off"
            )
        if self.health is not None:
            if "health_path" in self.model_fields_set and self.health_path != self.health.path:
                raise ValueError("health_path and health.path disagree: set one of them")
            self.health_path = self.health.path
        return self

    @property
    def health_check(self) -> HealthCheck | None:
        """The health check the run makes, or None when ``health_path = false``."""
        if self.health is not None:
            return self.health
        return None if self.health_path is False else HealthCheck(path=self.health_path)

    def resolved_headers(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        env = os.environ if environ is None else environ
        return {h: env[var].strip() for h, var in self.headers_from_env.items() if env.get(var, "").strip()}

    def secret_env_names(self) -> list[str]:
        """Names of environment variables whose values must never be printed."""
        names = list(self.headers_from_env.values())
        if self.auth:
            names += self.auth.variables()
        return names


class Stage(_Strict):
    layers: list[str]
    description: str = ""

    @field_validator("layers")
    @classmethod
    def _known_layers(cls, v: list[str]) -> list[str]:
        unknown = [name for name in v if name not in STAGE_LAYERS]
        if unknown:
            raise ValueError(f"unknown layer(s) {unknown}; known layers are {list(STAGE_LAYERS)}")
        return v


class HistoryConfig(_Strict):
    """Where judged runs are filed: a SQLite file (``path``, the default) or, shared by every
    runner, a PostgreSQL database (``url = "postgresql://user@host:5432/db"``, which wins over
    ``path``; keep the password out of the file: libpq reads ``PGPASSWORD``)."""

    path: str = "reports/history.sqlite"
    url: str | None = Field(default=None, description="postgresql://... shared by every runner")
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, v: str | None) -> str | None:
        if v and not v.lower().startswith(("postgresql://", "postgres://")):
            raise ValueError("expected postgresql://user@host:port/database (a SQLite file goes in path)")
        return v or None

    @property
    def location(self) -> str:
        """The URL when set, else the file path."""
        return self.url or self.path


class NotifyConfig(_Strict):
    webhook_env: str | None = Field(default=None, description="Env var holding a Slack-compatible URL.")
    report_url: str | None = Field(
        default=None,
        description="Where the run's report.html is published, with {run_id} for the run, e.g. "
        "https://ci.example.com/releasegate/{run_id}/report.html: the message links it.",
    )
    pushgateway_url: str | None = Field(
        default=None,
        description="Push metrics.prom (the verdict as gauges) to this Pushgateway after each run.",
    )


def _default_environments() -> dict[str, Environment]:
    return {"demo": Environment(name="demo", embedded=True)}


def _default_stages() -> dict[str, Stage]:
    return {name: Stage(layers=layers) for name, layers in default_stages().items()}


class Config(_Strict):
    default_environment: str = "demo"
    default_stage: str = "pre-deploy"
    report_dir: str = "reports"
    environments: dict[str, Environment] = Field(default_factory=_default_environments)
    stages: dict[str, Stage] = Field(default_factory=_default_stages)
    layers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Settings per layer, validated by the layer's own model."
    )
    budgets: dict[str, BudgetValue] = Field(default_factory=dict)
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    source: str | None = Field(default=None, exclude=True, description="File it was read from.")

    def model_post_init(self, __context: Any) -> None:
        for name, env in self.environments.items():
            if not env.name:
                env.name = name

    def layer_settings(self, layer: str, environment: Environment) -> dict[str, Any]:
        """The raw settings of one layer: [layers.X] overlaid by [environments.E.layers.X]."""
        return _deep_merge(self.layers.get(layer, {}), environment.layers.get(layer, {}))


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
