"""Posting the verdict to a Slack-compatible incoming webhook, as Block Kit.

The URL comes from the environment variable named by ``[notify] webhook_env``. The message:
a header with the verdict, the reason, fields (environment, stage, version, run), each
problem budget with its top finding, and a button to the report when ``[notify] report_url``
(a template with ``{run_id}``) is set. Every text stays within Slack's block limits (header
150 characters, section text 3,000, field 2,000, button label 75, 50 blocks). The payload
holds no base URL credentials, headers or evidence contents, so nothing secret leaves the run.
A failed POST is never silent: it comes back as a note (printed and shown in the report).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from releasegate.config import Config
from releasegate.gates.model import BudgetVerdict, Verdict
from releasegate.gates.reports.markdown import ICONS, STATUS_ICONS
from releasegate.results import RunResult

MAX_LINES = 10
MAX_PROBLEMS = 8
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
BUTTON_LIMIT = 75


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SECTION_LIMIT)}}


def _problem(b: BudgetVerdict) -> dict[str, Any]:
    text = f"{STATUS_ICONS[b.status]} *{b.status.value}* `{b.key}` `{b.expr}`\n{b.message}"
    if b.findings:
        top = b.findings[0]
        text += f"\n> {top.where}: {top.what} (\u00d7{top.count})"
        if len(b.findings) > 1:
            text += f"\n> … and {len(b.findings) - 1} more finding(s)"
    return _mrkdwn(text)


def report_link(template: str | None, run_id: str) -> str | None:
    """``[notify] report_url`` for this run, or None without one."""
    return template.replace("{run_id}", run_id) if template else None


def payload(verdict: Verdict, run: RunResult, *, report_url: str | None = None) -> dict[str, Any]:
    """The JSON a Slack-compatible webhook accepts: Block Kit ``blocks`` and a ``text`` fallback."""
    info = run.info
    label = f"{ICONS[verdict.decision]} {verdict.decision.label}"
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
    fields = {
        "Environment": info.environment,
        "Stage": info.stage,
        "Version": info.commit or "not reported",
        "Run": info.run_id,
    }
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(f"{label} · releasegate", HEADER_LIMIT)},
        },
        _mrkdwn(f"*{verdict.reason}*"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": _cut(f"*{k}*\n{v}", FIELD_LIMIT)} for k, v in fields.items()
            ],
        },
    ]
    problems = verdict.problems
    if problems:
        blocks.append({"type": "divider"})
        blocks += [_problem(b) for b in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            more = f"… and {len(problems) - MAX_PROBLEMS} more in the report"
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    if report_url:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": _cut("Open the report", BUTTON_LIMIT)},
            "url": report_url,
        }
        blocks.append({"type": "actions", "elements": [button]})
    return {
        "text": _cut("\n".join(lines), SECTION_LIMIT),
        "blocks": blocks,
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


def post_summary(
    url: str, verdict: Verdict, run: RunResult, *, report_url: str | None = None, timeout_s: float = 10.0
) -> None:
    """POST the summary; httpx.HTTPError when the webhook cannot be reached or refuses it."""
    response = httpx.post(url, json=payload(verdict, run, report_url=report_url), timeout=timeout_s)
    response.raise_for_status()


PUSH_TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


def push_metrics(config: Config, text: str, run: RunResult, *, timeout_s: float = 10.0) -> str | None:
    """PUT ``metrics.prom`` to ``[notify] pushgateway_url`` (grouped by job, environment and
    stage, replacing that group); a note saying what happened, or None when not configured."""
    url = config.notify.pushgateway_url
    if not url:
        return None
    group = "/".join(
        f"{name}/{quote(value, safe='')}"
        for name, value in (
            ("job", "releasegate"),
            ("environment", run.info.environment),
            ("stage", run.info.stage),
        )
    )
    target = url.rstrip("/") + "/metrics/" + group
    shown = _safe_url(url)
    try:
        response = httpx.put(
            target, content=text.encode(), headers={"Content-Type": PUSH_TEXT_FORMAT}, timeout=timeout_s
        )
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        return f"push of metrics.prom to the Pushgateway at {shown} failed: HTTP {exc.response.status_code}"
    except httpx.HTTPError as exc:
        return f"push of metrics.prom to the Pushgateway at {shown} failed: {type(exc).__name__}"
    return f"metrics.prom pushed to the Pushgateway at {shown}"


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
        post_summary(url, verdict, run, report_url=report_link(config.notify.report_url, run.info.run_id))
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        return f"notification to the webhook in {name} failed: HTTPStatusError (HTTP {status})"
    except httpx.HTTPError as exc:
        return f"notification to the webhook in {name} failed: {type(exc).__name__}"
    return f"summary posted to the webhook in {name}"
