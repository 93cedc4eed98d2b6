"""Workers on other hosts: the plan comes from the master, and the master keeps a roster.

A worker started by ``releasegate load-worker`` (``RELEASEGATE_LOAD_REMOTE=1``) has the
locustfile from the master (Locust's ``-f -``) and no plan file: on init it asks the master for
the plan (custom message ``releasegate_plan_request``, with the address it reaches the master
from) and the master answers ``releasegate_plan`` with the plan and the request headers. Both
stay in the worker's memory: never written to a file, never logged. Its users wait (bounded)
for the plan before their first request, so no request goes out without it.

The master's roster holds, per worker: its address, when it joined, how many requests it
delivered, whether its final batch came, and when it dropped out (Locust declared it missing,
or it left, before the run stopped).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import gevent.event
import locust.runners
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner

from releasegate.layers._load.launcher import NAME_ENV, REMOTE_ENV

__all__ = ["REMOTE_ENV", "ROSTER", "Roster", "fetch_plan", "serve_plan"]
PLAN_REQUEST = "releasegate_plan_request"
PLAN_MESSAGE = "releasegate_plan"
PLAN_WAIT_S = 30.0
MASTER_SILENCE_S = 10  # a worker quits when the master is silent this long (Locust's default: 60)
MASTER_ONLY = ("out", "live")  # paths on the master's host
LOG = logging.getLogger("releasegate.remote")
READY = gevent.event.Event()


def own_address(host: str, port: int) -> str:
    """The address this host reaches ``host`` from (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((host, port))
        except OSError:
            return "unknown"
        address: str = sock.getsockname()[0]
        return address


class Roster:
    """The master's view of its workers (keyed by Locust's client id)."""

    def __init__(self) -> None:
        self.workers: dict[str, dict[str, Any]] = {}

    def joined(self, client_id: str) -> dict[str, Any]:
        entry = self.workers.get(client_id)
        if entry is None:
            entry = self.workers[client_id] = {
                "address": None,
                "host": None,
                "joined_at": time.time(),
                "requests": 0,
                "final": False,
                "dropped_at": None,
                "last_report_at": None,
            }
        return entry

    def delivered(self, client_id: str, batch: dict[str, Any], *, final: bool = False) -> None:
        entry = self.joined(client_id)
        entry["requests"] += sum(int(row[2]) + int(row[3]) for row in batch.get("rows", []))
        entry["last_report_at"] = time.time()
        if final:
            entry["final"] = True

    def check(self, runner: MasterRunner) -> None:
        """Mark workers that Locust declared missing, or that left, while the run goes on."""
        for client_id, entry in self.workers.items():
            if entry["final"] or entry["dropped_at"] is not None:
                continue
            node = runner.clients.get(client_id)
            if node is None or node.state == STATE_MISSING:
                entry["dropped_at"] = time.time()
                LOG.warning("releasegate: worker %s (%s) dropped out", client_id, entry["address"])

    def dropped(self) -> set[str]:
        return {cid for cid, e in self.workers.items() if e["dropped_at"] is not None and not e["final"]}

    def as_json(self, t0: float | None) -> dict[str, dict[str, Any]]:
        def rel(at: float | None) -> float | None:
            return None if at is None or t0 is None else round(at - t0, 2)

        return {
            cid: {
                **e,
                "joined_s": rel(e["joined_at"]),
                "dropped_s": rel(e["dropped_at"]),
                "last_report_s": rel(e["last_report_at"]),
            }
            for cid, e in sorted(self.workers.items())
        }


ROSTER = Roster()


def serve_plan(environment: Environment, plan: dict[str, Any], headers: dict[str, str]) -> None:
    """On the master: answer every worker's plan request (the plan without master-only paths)."""
    runner = environment.runner
    assert isinstance(runner, MasterRunner)
    shared = {k: v for k, v in plan.items() if k not in MASTER_ONLY}

    def answer(environment: Environment, msg: Any, **_: Any) -> None:
        entry = ROSTER.joined(msg.node_id)
        entry["address"] = (msg.data or {}).get("address")
        entry["host"] = (msg.data or {}).get("host")
        runner.send_message(PLAN_MESSAGE, {"plan": shared, "headers": headers}, client_id=msg.node_id)

    runner.register_message(PLAN_REQUEST, answer)


def fetch_plan(
    environment: Environment, plan: dict[str, Any], headers: dict[str, str], apply: Callable[[], None]
) -> None:
    """On a remote worker: ask the master for the plan; users wait for it before their first request."""
    runner = environment.runner
    assert isinstance(runner, WorkerRunner)
    locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_SILENCE_S

    def received(environment: Environment, msg: Any, **_: Any) -> None:
        plan.clear()
        plan.update(msg.data["plan"])
        headers.clear()
        headers.update(msg.data["headers"])
        apply()
        READY.set()
        LOG.info("releasegate: plan received from the master (%d endpoints)", len(plan.get("endpoints", [])))

    runner.register_message(PLAN_MESSAGE, received)
    for cls in environment.user_classes:
        cls.on_start = _gated(cls.on_start)  # type: ignore[method-assign]
    address = own_address(runner.master_host, runner.master_port)
    name = os.environ.get(NAME_ENV) or socket.gethostname()
    runner.send_message(PLAN_REQUEST, {"address": address, "host": name})


def _gated(original: Any) -> Any:
    def on_start(user: Any) -> None:
        if not READY.wait(timeout=PLAN_WAIT_S):
            LOG.error("releasegate: no plan from the master within %.0fs; this user stops", PLAN_WAIT_S)
            raise StopUser
        original(user)

    return on_start
