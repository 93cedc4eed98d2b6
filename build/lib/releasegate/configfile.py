"""Finding, reading and validating ``releasegate.toml``, and the precedence of settings.

Where a setting comes from is an explicit value, :data:`PRECEDENCE`: a command-line flag
beats a ``RELEASEGATE_*`` environment variable, which beats the config file, which beats
the built-in default. :func:`layered` applies it and says which source won.

Every validation error becomes a :class:`~releasegate.errors.ConfigError` naming the file,
the dotted key and what was expected, with a "did you mean" for misspelt keys and names.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from releasegate.config import Config, Environment
from releasegate.errors import ConfigError
from releasegate.redact import mask_url
from releasegate.registry import STAGE_LAYERS

__all__ = [
    "CONFIG_ENV",
    "CONFIG_NAME",
    "ENV_PREFIX",
    "PRECEDENCE",
    "Layered",
    "choose",
    "config_error_from_validation",
    "environment_named",
    "find_config",
    "layered",
    "load",
    "load_config",
]

CONFIG_NAME = "releasegate.toml"
ENV_PREFIX = "RELEASEGATE_"
CONFIG_ENV = "RELEASEGATE_CONFIG"
DEMO = "demo"  # the embedded environment, available even when the file does not define it

PRECEDENCE: tuple[str, ...] = ("cli", "env", "file", "default")
"""Sources of a setting, strongest first."""

T = TypeVar("T")


@dataclass(frozen=True)
class Layered(Generic[T]):
    """A resolved setting and the source it came from (one of :data:`PRECEDENCE`)."""

    value: T
    source: str


def layered(
    name: str,
    *,
    cli: T | None = None,
    file: T | None = None,
    default: T,
    environ: Mapping[str, str] | None = None,
    convert: Any = None,
) -> Layered[T]:
    """Resolve one setting: ``--flag`` > ``RELEASEGATE_<NAME>`` > file > default.

    ``name`` is the setting's name (``"env"``, ``"report_dir"``); its environment variable is
    ``RELEASEGATE_`` + the name upper-cased with dashes as underscores. ``None`` and ``""``
    mean "not given" at every level except the default.
    """
    env = os.environ if environ is None else environ
    raw_env = env.get(ENV_PREFIX + name.upper().replace("-", "_"))
    from_env: Any = convert(raw_env) if (convert is not None and raw_env) else raw_env
    candidates: dict[str, Any] = {"cli": cli, "env": from_env, "file": file, "default": default}
    for source in PRECEDENCE:
        value = candidates[source]
        if value is not None and value != "":
            return Layered(value, source)
    return Layered(default, "default")


def find_config(explicit: str | Path | None = None, *, start: Path | None = None) -> Path | None:
    """The config file: ``explicit`` (``--config``/``RELEASEGATE_CONFIG``) or the first
    ``releasegate.toml`` from ``start`` (the working directory) upwards; None when there is none."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"config file {str(path)!r} does not exist",
                hint="pass an existing file with --config, or run from a directory holding releasegate.toml",
            )
        return path
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load(path: Path | None) -> Config:
    """Read and validate a config file; the built-in defaults when ``path`` is None."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    environments = raw.get("environments")
    if isinstance(environments, dict):
        environments.setdefault(DEMO, {"embedded": True})
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise config_error_from_validation(exc, file=str(path), model=Config) from None
    config.source = str(path)
    check_references(config)
    return config


def load_config(explicit: str | Path | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """Find (``--config`` > ``RELEASEGATE_CONFIG`` > upwards search) and load the config."""
    env = os.environ if environ is None else environ
    return load(find_config(explicit or env.get(CONFIG_ENV) or None))


def check_references(config: Config) -> None:
    """Names that must point at something: the default environment and stage."""
    choose("environment", config.default_environment, config.environments, config, key="default_environment")
    choose("stage", config.default_stage, config.stages, config, key="default_stage")


def choose(kind: str, name: str, options: Mapping[str, T], config: Config, *, key: str | None = None) -> T:
    """``options[name]``, or a ConfigError with a "did you mean" naming what exists."""
    if name in options:
        return options[name]
    close = difflib.get_close_matches(name, list(options), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    known = ", ".join(sorted(options)) or "none"
    raise ConfigError(
        f"unknown {kind} {name!r}",
        file=config.source,
        key=key,
        hint=f"{hint}{kind}s defined: {known}",
    )


def _dotted(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if not text.replace("_", "").replace("-", "").isalnum():
                text = f'"{text}"'
            out += f".{text}" if out else text
    return out


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside ``X``, ``X | None``, ``list[X]`` or ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(getattr(annotation, "__args__", ()) or ()):
        found = _inner_model(arg)
        if found is not None:
            return _MappingOf(found) if getattr(annotation, "__origin__", None) is dict else found
    return None


class _MappingOf:
    """Marker for ``dict[str, Model]``: the next location part is a key, not a field."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model


def _fields_for(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(current, _MappingOf):
            current = current.model
            continue
        if isinstance(part, int) or current is None:
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = _inner_model(field.annotation) if field else None
        else:
            current = None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _layer_hint(given: Any) -> str | None:
    """A "did you mean" for misspelt layer names in a stage's list."""
    if not isinstance(given, list):
        return None
    guesses = []
    for name in given:
        if isinstance(name, str) and name not in STAGE_LAYERS:
            close = difflib.get_close_matches(name, STAGE_LAYERS, n=1)
            if close:
                guesses.append(f"did you mean {close[0]!r} for {name!r}?")
    return " ".join(guesses) or None


def config_error_from_validation(
    exc: ValidationError,
    *,
    file: str | None,
    model: type[BaseModel],
    prefix: tuple[str, ...] = (),
) -> ConfigError:
    """Turn pydantic's errors into one ConfigError naming the first bad key (others in the hint)."""
    errors = exc.errors(include_url=False)
    messages: list[tuple[str, str, str | None]] = []
    for err in errors:
        loc = tuple(err["loc"])
        key = _dotted((*prefix, *loc))
        hint: str | None = None
        if err["type"] == "extra_forbidden":
            known = _fields_for(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            what = "unknown key"
            hint = f"did you mean {close[0]!r}?" if close else None
            if known:
                hint = (hint + " " if hint else "") + f"allowed keys: {', '.join(known)}"
            text = what
        elif err["type"] == "missing":
            text = "required key is missing"
        else:
            given = err.get("input")
            if isinstance(given, str):
                given = mask_url(given)  # a URL's password is never echoed
            shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
            text = f"{err['msg'].removeprefix('Value error, ')} (got {shown})"
            hint = _layer_hint(given)
        messages.append((key, text, hint))
    key, text, hint = messages[0]
    if len(messages) > 1:
        more = "; ".join(f"{k}: {t}" for k, t, _ in messages[1:4])
        hint = (hint + "; " if hint else "") + f"also: {more}"
    return ConfigError(text, file=file, key=key, hint=hint)


def environment_named(config: Config, name: str) -> Environment:
    """The environment called ``name``, with a "did you mean" when it does not exist."""
    return choose("environment", name, config.environments, config, key="--env")
