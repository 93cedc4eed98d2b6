"""Workers on other hosts, seen from the load layer: who came, who delivered, who dropped out.

The master's recorder keeps a roster (``_load/remote.py``) and writes it into the results
file; this module turns it into the sentences of the report and the console, and says when
the run cannot be trusted: fewer than the expected workers came, or fewer delivered their
data (requests and the final batch). Fail closed: such a run is an error, so its budgets are
INCONCLUSIVE. Locust is never imported here.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from releasegate.errors import UsageError
from releasegate.layers._load.launcher import Remote
from releasegate.results import Record, Status

DEFAULT_PORT = 5557
GAVE_UP = "Gave up waiting for workers to connect"  # Locust's master, at --expect-workers-max-wait


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (``[::1]:5557`` or a bare ``fe80::1`` for IPv6) -> (host, port); the port
    defaults to 5557."""
    raw = text.strip()
    host, port = raw, str(DEFAULT_PORT)
    if raw.startswith("["):
        host, closed, rest = raw[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else port if closed and not rest else ""
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(
            f"{text!r} is not HOST[:PORT]", hint="e.g. 0.0.0.0:5557, 10.0.0.5 (port 5557) or [::]:5557"
        )
    return host, int(port)


def waiting_line(remote: Remote) -> str:
    return (
        f"load: master on {remote.host}:{remote.port} waits up to {remote.wait_s:g}s for "
        f"{remote.expect} worker(s); on each worker host run: {remote.join}"
    )


def progress_line(live: dict[str, Any]) -> str:
    if live.get("waiting"):
        return f"load: {live.get('workers', 0)} of {live.get('expected', '?')} worker(s) joined"
    return f"load: {live.get('elapsed_s', 0):.0f}s, {live.get('requests', 0)} requests"


def no_show(remote: Remote, live: Path) -> str:
    """Why a master that wrote no results stopped: the workers that came, and how to start them."""
    came = 0
    with contextlib.suppress(OSError, ValueError, AttributeError):
        came = int(json.loads(live.read_text(encoding="utf-8")).get("workers", 0))
    return (
        f"{came} of {remote.expect} expected worker(s) joined the master on {remote.host}:{remote.port} "
        f"within {remote.wait_s:g}s; start one on each worker host with: {remote.join}"
    )


def _who(client_id: str, entry: dict[str, Any]) -> str:
    return f"{entry.get('host') or '?'} at {entry.get('address') or 'unknown address'} ({client_id})"


def shortfall(results: dict[str, Any], expect: int) -> str | None:
    """Why fewer than ``expect`` workers delivered their data (None when all did)."""
    roster: dict[str, dict[str, Any]] = results.get("workers", {}).get("roster", {})
    delivered = [cid for cid, e in roster.items() if e["final"] and e["requests"] > 0]
    if len(delivered) >= expect:
        return None
    problems = []
    for cid, e in roster.items():
        if cid in delivered:
            continue
        if e.get("dropped_s") is not None:
            last = e.get("last_report_s")
            heard = f", last report at t={last:g}s" if last is not None else ", no report"
            problems.append(
                f"{_who(cid, e)} dropped out at t={e['dropped_s']:g}s after {e['requests']} requests{heard}"
            )
        elif not e["final"]:
            problems.append(f"{_who(cid, e)} never sent its final statistics ({e['requests']} requests)")
        else:
            problems.append(f"{_who(cid, e)} sent no request")
    return f"{len(delivered)} of {expect} expected worker(s) delivered their data: " + "; ".join(problems)


def records(results: dict[str, Any]) -> list[Record]:
    """One record per worker of the roster: where it ran and what it delivered."""
    out = []
    for cid, e in results.get("workers", {}).get("roster", {}).items():
        ok = e["final"] and e["requests"] > 0
        dropped = f", dropped out at t={e['dropped_s']:g}s" if e.get("dropped_s") is not None else ""
        out.append(
            Record(
                layer="load",
                check="worker",
                status=Status.PASS if ok else Status.ERROR,
                message=f"worker {_who(cid, e)}: {e['requests']} requests"
                + ("" if e["final"] else ", no final statistics")
                + dropped,
                tags={"worker": cid, "address": str(e.get("address") or "unknown")},
            )
        )
    return out
