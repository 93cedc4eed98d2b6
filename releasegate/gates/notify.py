"""Posting the verdict to a Slack-compatible incoming webhook.

The URL comes from the environment variable named by ``[notify] webhook_env``; the payload
holds the decision, the reason and the problem budgets only (no base URL credentials, no
headers, no evidence contents), so nothing secret leaves the run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from releasegate.config import Config
from releasegate.gates.model import Verdict
from releasegate.gates.reports.markdown import ICONS
from releasegate.results import RunResult

MAX_LINES = 10


def payload(verdict: Verdict, run: RunResult) -> dict[str, Any]:
    """The JSON a Slack-compatible webhook accepts: ``text`` plus one mrkdwn block."""
    info = run.info
    head = (
        f"{ICONS[verdict.decision]} *{verdict.decision.label}* · {info.environment} · {info.stage} "
        f"· run {info.run_id}"
    )
    if info.commit:
        head += f" · commit {info.commit}"
    lines = [head, verdict.reason]
    for b in verdict.problems[:MAX_LINES]:
        lines.append(f"• {b.status.value}: `{b.key}` `{b.expr}`: {b.message}")
    if len(verdict.problems) > MAX_LINES:
        lines.append(f"… and {len(verdict.problems) - MAX_LINES} more")
    text = "\n".join(lines)
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        "releasegate": {
            "verdict": verdict.decision.value,
            "exit_code": int(verdict.exit_code),
            "run_id": info.run_id,
            "environment": info.environment,
            "target": _safe_url(info.base_url),
        },
    }


def _safe_url(url: str) -> str:
    """The target's URL without user info, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def post_summary(url: str, verdict: Verdict, run: RunResult, *, timeout_s: float = 10.0) -> None:
    """POST the summary; httpx.HTTPError when the webhook cannot be reached or refuses it."""
    response = httpx.post(url, json=payload(verdict, run), timeout=timeout_s)
    response.raise_for_status()


def notify_from_config(
    config: Config, verdict: Verdict, run: RunResult, environ: Mapping[str, str] | None = None
) -> str | None:
    """Post when ``[notify] webhook_env`` names a set variable; a note saying what happened, or None."""
    name = config.notify.webhook_env
    if not name:
        return None
    env = os.environ if environ is None else environ
    url = env.get(name)
    if not url:
        return f"notification skipped: environment variable {name} is not set"
    try:
        post_summary(url, verdict, run)
    except httpx.HTTPError as exc:
        return f"notification to the webhook in {name} failed: {type(exc).__name__}"
    return f"summary posted to the webhook in {name}"
