"""Who the contract run acts as, and what it leaves behind.

Stateful fuzzing edits, demotes and deletes whatever its account owns. So when the environment
can make accounts (``[auth.signup]``), the run signs up a throwaway account unique to it,
fuzzes as that account and removes it at the end; otherwise it uses the environment's
configured credentials (the account later layers use too) and says so. At the end, also when
the run failed or was interrupted, the resources its calls created are deleted where the spec
has a DELETE for them, then the throwaway account; ``contract/cleanup.json`` says what was
removed, what remains and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from releasegate.accounts import AccountError, Throwaway, delete_throwaway, make_throwaway
from releasegate.auth import LoginFailed, MissingCredential, credentials
from releasegate.config import Environment
from releasegate.layers._contract.cleanup import created_resources, delete_resources
from releasegate.results import LayerResult, Record, Status
from releasegate.spec import LayerContext

__all__ = [
    "AccountMode",
    "CleanupState",
    "RunAccount",
    "choose_account",
    "clean_up",
    "shared_note",
    "with_cleanup",
]

AccountMode = Literal["auto", "generated", "configured"]
CLEANUP_FILE = "cleanup.json"


@dataclass
class RunAccount:
    """The account of one contract run: ``throwaway`` when generated, else the configured one."""

    mode: Literal["generated", "configured", "anonymous"]
    reason: str = ""  # why it is not a generated one
    read_only: bool = False  # only safe methods: nothing of the account's can change
    throwaway: Throwaway | None = field(default=None, repr=False)

    @property
    def token(self) -> str | None:
        return self.throwaway.credentials.token if self.throwaway else None

    @property
    def secrets(self) -> tuple[str, ...]:
        """What to mask: its password and tokens (its generated email names it in cleanup.json)."""
        if self.throwaway is None:
            return ()
        return tuple(s for s in self.throwaway.credentials.secrets if s != self.throwaway.account.email)


def choose_account(
    mode: AccountMode, env: Environment, base_url: str, *, run_id: str, read_only: bool, timeout_s: float
) -> RunAccount:
    """Make the throwaway account when wanted and possible; AccountError when making it failed."""
    can = env.auth is not None and env.auth.signup is not None
    if mode == "configured" or (mode == "auto" and (not can or read_only)):
        who: Literal["configured", "anonymous"] = "configured" if env.auth else "anonymous"
        if mode == "configured":
            reason = '[layers.contract] account = "configured"'
        elif read_only:
            reason = "the run is read-only (production): no account is made"
        else:
            reason = "the environment declares no way to make an account ([auth.signup])"
        return RunAccount(who, reason, read_only=read_only)
    made = make_throwaway(env, base_url, run_id=run_id, persona="contract", timeout_s=timeout_s)
    return RunAccount("generated", throwaway=made)


def shared_note(who: RunAccount) -> str | None:
    """The report's warning when the run did not act as an account of its own."""
    if who.mode == "generated":
        return None
    if who.mode == "anonymous" or who.read_only:
        return None  # no account, or only reads: nothing of anyone's to spoil
    return (
        f"ran as the environment's configured (shared) account: {who.reason}; its writes may have "
        "changed that account's data for the layers after it"
    )


def _fresh_headers(
    env: Environment, base_url: str, made: Throwaway, timeout_s: float
) -> Mapping[str, str] | None:
    """The account's headers from a new login (its token may have expired), None when it is gone."""
    try:
        return credentials(env, base_url, made.environ, timeout_s=timeout_s).headers
    except LoginFailed as exc:
        if exc.kind == "refused":
            return None
        raise AccountError(str(exc)) from None
    except MissingCredential as exc:
        raise AccountError(str(exc)) from None


def _remove_account(
    env: Environment, base_url: str, made: Throwaway, headers: Mapping[str, str] | None
) -> dict[str, Any]:
    row: dict[str, Any] = {"email": made.account.email, "created": True}
    if headers is None:
        return {**row, "outcome": "already gone", "problem": None}  # the run deleted it itself
    fresh = Throwaway(made.account, type(made.credentials)(headers, None, ()), made.environ)
    problem = delete_throwaway(env, base_url, fresh)
    return {**row, "outcome": "remains" if problem else "deleted", "problem": problem}


def clean_up(
    env: Environment,
    base_url: str,
    who: RunAccount,
    *,
    work: Path,
    document: Mapping[str, Any] | None,
    api_url: str,
    headers: Mapping[str, str],
    timeout_s: float,
    redact: Callable[[str], str],
    budget_s: float | None = None,
) -> dict[str, Any]:
    """Delete what the run created, then its account; write and return ``cleanup.json``."""
    report: dict[str, Any] = {"account": {"mode": who.mode, "reason": who.reason or None}, "resources": []}
    fresh: Mapping[str, str] | None = headers
    login_problem: str | None = None
    if who.throwaway is not None:  # a new login: the run's token may have expired, the account be gone
        try:
            fresh = _fresh_headers(env, base_url, who.throwaway, timeout_s)
        except AccountError as exc:
            fresh, login_problem = headers, f"cannot log in to remove it: {exc}"
    try:
        if document is not None:
            ndjson = next(iter(sorted((work / "reports").glob("*.ndjson"))), None)
            created = created_resources(ndjson, document, api_url)
            report["resources"] = delete_resources(
                created,
                fresh or headers,
                timeout_s=min(timeout_s, budget_s) if budget_s else timeout_s,
                probe_headers=env.resolved_headers(),
                **({"budget_s": budget_s} if budget_s else {}),
            )
    except Exception as exc:  # clean-up never hides the run's own result, but says what it missed
        report["problem"] = (
            f"the created resources could not be listed or deleted: {type(exc).__name__}: {exc}"
        )
    if who.throwaway is not None:
        if login_problem is not None:
            report["account"].update(
                email=who.throwaway.account.email, outcome="remains", problem=login_problem
            )
        else:
            try:
                report["account"].update(_remove_account(env, base_url, who.throwaway, fresh))
            except Exception as exc:
                report["account"].update(outcome="remains", problem=f"{type(exc).__name__}: {exc}")
    rows = report["resources"]
    report["summary"] = {
        outcome: sum(1 for r in rows if r.get("outcome") == outcome)
        for outcome in ("deleted", "already gone", "remains", "not deletable")
    }
    work.mkdir(parents=True, exist_ok=True)
    (work / CLEANUP_FILE).write_text(redact(json.dumps(report, indent=2)), encoding="utf-8")
    return report


@dataclass
class CleanupState:
    """What the clean-up at the end needs from the run, filled in as the run gets there."""

    work: Path
    headers: dict[str, str]
    document: dict[str, Any] | None = None
    api_url: str = ""


def with_cleanup(
    ctx: LayerContext, result: LayerResult, who: RunAccount, report: dict[str, Any] | None
) -> LayerResult:
    """The result with who the run acted as, what the clean-up did, and the report's notes."""
    meta = {**result.meta, "account": who.mode}
    notes: list[str] = []
    note = shared_note(who)
    if note:
        notes.append(note)
        ctx.progress(f"contract: warning: {note}")
    records, artifacts = list(result.records), list(result.artifacts)
    if report is not None:
        summary, account = report["summary"], report["account"]
        meta["cleanup"] = {**summary, "account": account.get("outcome")}
        left = summary["remains"]
        behind = [f"{left} created resource(s)"] if left else []
        if account.get("outcome") == "remains":
            behind.append(f"the throwaway account {account.get('email')}")
        if behind:
            notes.append(f"the clean-up left {' and '.join(behind)} behind: see contract/cleanup.json")
        if report.get("problem"):
            notes.append(f"the clean-up did not finish: {report['problem']}")
        acted = "without logging in" if who.mode == "anonymous" else f"as the {who.mode} account"
        message = (
            f"ran {acted}; created resources: {summary['deleted']} deleted, "
            f"{summary['already gone']} already gone, {left} remain, {summary['not deletable']} not deletable"
        )
        if who.mode == "generated":
            message += f"; the account: {account.get('outcome')}"
        cleanup_file = ctx.rel(ctx.artifact_dir / "cleanup.json")
        records.append(
            Record(
                layer="contract",
                check="cleanup",
                status=Status.WARN if notes else Status.PASS,
                message=message,
                artifacts=[cleanup_file],
            )
        )
        if cleanup_file not in artifacts:
            artifacts.append(cleanup_file)
    if notes:
        meta["notes"] = [*(meta.get("notes") or []), *notes]
    return result.model_copy(update={"meta": meta, "records": records, "artifacts": artifacts})
