"""``[layers.contract]``: the contract layer's settings and the checks it knows."""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import Field, field_validator

from releasegate.spec import LayerSettings

__all__ = ["ALL_PHASES", "CHECKS", "SUITE_HOOKS", "ContractSettings", "Phase"]

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)
Phase = Literal["examples", "coverage", "fuzzing", "stateful"]
ALL_PHASES: tuple[Phase, ...] = ("examples", "coverage", "fuzzing", "stateful")


def _known_checks(names: list[str], field: str) -> list[str]:
    for name in names:
        if name not in CHECKS and name != "all":
            close = difflib.get_close_matches(name, CHECKS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{field}: unknown check {name!r}{hint} Known checks: {', '.join(CHECKS)}")
    return names


SUITE_HOOKS = "releasegate.suites.contract.hooks"


class ContractSettings(LayerSettings):
    """``[layers.contract]``, overlaid by ``[environments.<name>.layers.contract]``."""

    timeout_s: float = Field(default=300.0, gt=0, description="Hard limit: the tool is stopped after it.")
    phases: list[Phase] = Field(default_factory=lambda: list(ALL_PHASES))
    checks: list[str] = Field(
        default_factory=list, description="Checks to run; empty: schemathesis defaults."
    )
    exclude_checks: list[str] = Field(default_factory=list)
    levels: dict[str, Literal["error", "warn"]] = Field(
        default_factory=dict, description="Per-check level; a 'warn' check's failures are tagged level=warn."
    )
    max_examples: int = Field(default=20, ge=1)
    workers: int | Literal["auto"] = 1
    seed: int | None = Field(default=None, description="Fixed seed; else a random one, recorded in meta.")
    max_time_s: int | None = Field(default=None, ge=1, description="Schemathesis's own time budget.")
    request_timeout_s: float = Field(default=10.0, gt=0)
    include_operations: list[str] = Field(default_factory=list, description="'METHOD /path' labels.")
    exclude_operations: list[str] = Field(default_factory=list)
    baseline_spec: str | None = Field(
        default=None, description="Spec to compare with: a file, a URL or env:NAME (another environment)."
    )
    extra_args: list[str] = Field(default_factory=list, description="Passed to `schemathesis run` as is.")
    hooks: str | None = Field(
        default=SUITE_HOOKS, description="Module of schemathesis hooks/checks (SCHEMATHESIS_HOOKS)."
    )
    config: str | None = Field(
        default=None,
        description="schemathesis.toml to start from (default: the project's, else suites/contract's).",
    )
    account: Literal["auto", "generated", "configured"] = Field(
        default="auto",
        description="Who the run acts as: a throwaway account made through [auth.signup] and removed "
        "at the end ('generated'), the environment's configured credentials ('configured'), or "
        "'auto': generated when the environment can make accounts and the run may write.",
    )
    cleanup: bool = Field(
        default=True, description="Delete what the run created where the spec has a DELETE for it."
    )

    @field_validator("checks", "exclude_checks")
    @classmethod
    def _checks(cls, v: list[str]) -> list[str]:
        return _known_checks(v, "checks")

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: dict[str, str]) -> dict[str, str]:
        _known_checks(list(v), "levels")
        return v
