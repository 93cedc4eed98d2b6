"""releasegate's Locust plugin: exact HDR statistics, live abort rules and bounded runs.

A locustfile registers it by importing the public module (``import releasegate.load``). It then

* records every request (Locust's ``request`` event) into an HDR histogram per endpoint
  (``"METHOD /path-template"``) and per second, in microseconds, 3 significant figures;
* on workers, ships the closed seconds to the master with each ``report_to_master`` and a
  final batch (custom message ``releasegate_final``) when the worker stops, so the master
  holds every request: the merge is exact;
* when a plan is given (``RELEASEGATE_LOAD_PLAN`` = path of a JSON file), the master (or the
  single local process) also paces users for open-model profiles (intended vs actual start),
  drives stages, enforces the duration and request caps, evaluates abort rules on the live
  per-second series, and writes the results file the load layer reads;
* on workers of other hosts (``releasegate load-worker``) the plan comes from the master
  instead of a file, and the master keeps a roster of them (``_load/remote.py``).

The request cap (``max_requests``) is held by each process that runs users: a user stops
before its next iteration once its process has sent its share (the cap split evenly over the
workers), so a run sends at most the cap plus one iteration per user (one request per user
with the generic locustfile, which is the documented margin), on top of what was already in
flight, never the ticks' worth of requests a periodic check would let through.

Without a plan, a plain ``locust -f`` run still records, and prints exact percentiles at exit.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import locust.runners
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from releasegate.layers._load import hdr, pacing, remote
from releasegate.layers._load.abort import Cell, Rule, evaluate
from releasegate.layers._load.remote import ROSTER

PLAN_ENV = "RELEASEGATE_LOAD_PLAN"
HEADERS_ENV = "RELEASEGATE_LOAD_HEADERS"
FORMAT = "releasegate-load/1"
FINAL_MESSAGE = "releasegate_final"
TICK_S = 0.5
LOG = logging.getLogger("releasegate.recorder")


def _load_plan() -> dict[str, Any]:
    path = os.environ.get(PLAN_ENV)
    if not path:
        return {}
    with open(path, encoding="utf-8") as fh:
        plan: dict[str, Any] = json.load(fh)
    return plan


def _env_headers() -> dict[str, str]:
    raw = os.environ.get(HEADERS_ENV)
    return {str(k): str(v) for k, v in json.loads(raw).items()} if raw else {}


# One object each for the whole process: a remote worker fills them in place when the plan
# arrives from the master (``remote.fetch_plan``), so what locustfiles hold stays current.
PLAN = _load_plan()
HEADERS = _env_headers()


def label(request_type: str, name: str) -> str:
    """The endpoint name statistics use: 'METHOD /path-template'."""
    return name if name.startswith(f"{request_type} ") else f"{request_type} {name}"


class _Live:
    __slots__ = ("corr", "failed", "hist", "lag", "ok")

    def __init__(self) -> None:
        self.hist = hdr.new()
        self.ok = 0
        self.failed = 0
        self.lag: Any = None
        self.corr: Any = None


class Recorder:
    """Per-process recording: cells keyed by (endpoint, epoch second)."""

    def __init__(self) -> None:
        self.live: dict[tuple[str, int], _Live] = {}
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.total = 0

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        *,
        exception: BaseException | None = None,
        start_time: float | None = None,
        context: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        started = start_time if start_time is not None else time.time() - response_time / 1000.0
        key = (label(request_type, name), int(started))
        cell = self.live.get(key)
        if cell is None:
            cell = self.live[key] = _Live()
        hdr.record_ms(cell.hist, response_time)
        self.total += 1
        if exception is None:
            cell.ok += 1
        else:
            cell.failed += 1
            self.errors[key[0]][str(exception)[:200]] += 1
        intended = context.get("rg_intended") if context else None
        if intended is not None:
            lag_ms = max(0.0, (started - float(intended)) * 1000.0)
            if cell.lag is None:
                cell.lag, cell.corr = hdr.new(), hdr.new()
            hdr.record_ms(cell.lag, lag_ms)
            hdr.record_ms(cell.corr, response_time + lag_ms)

    def drain(self, before: float | None = None) -> dict[str, Any]:
        """Rows for every cell of a second < ``before`` (all when None), removed from memory."""
        rows = []
        for key in [k for k in self.live if before is None or k[1] < before]:
            cell = self.live.pop(key)
            rows.append(
                [
                    key[1],
                    key[0],
                    cell.ok,
                    cell.failed,
                    hdr.encode(cell.hist),
                    hdr.encode(cell.lag) if cell.lag is not None else None,
                    hdr.encode(cell.corr) if cell.corr is not None else None,
                ]
            )
        errors = {name: dict(msgs) for name, msgs in self.errors.items()}
        self.errors.clear()
        return {"rows": rows, "errors": errors}


class Store:
    """The merged view (master or local process): second -> endpoint -> cell, exact."""

    def __init__(self) -> None:
        self.cells: dict[int, dict[str, list[Any]]] = defaultdict(dict)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.total = 0

    def add(self, batch: dict[str, Any]) -> None:
        for sec, name, ok, failed, h, lag, corr in batch.get("rows", []):
            self.total += ok + failed
            have = self.cells[int(sec)].get(name)
            if have is None:
                self.cells[int(sec)][name] = [ok, failed, h, lag, corr]
                continue
            have[0] += ok
            have[1] += failed
            have[2] = hdr.encode(hdr.merge([have[2], h]))
            for i, part in ((3, lag), (4, corr)):
                if part is not None:
                    have[i] = part if have[i] is None else hdr.encode(hdr.merge([have[i], part]))
        for name, msgs in batch.get("errors", {}).items():
            for msg, n in msgs.items():
                self.errors[name][msg] += n

    def series(self, t0: int) -> dict[int, dict[str, Cell]]:
        return {
            sec - t0: {name: Cell(c[0], c[1], c[2]) for name, c in row.items()}
            for sec, row in self.cells.items()
        }

    def rows(self, t0: int) -> list[list[Any]]:
        return [
            [sec - t0, name, *cell]
            for sec in sorted(self.cells)
            for name, cell in sorted(self.cells[sec].items())
        ]


RECORDER = Recorder()
STORE = Store()
STATE: dict[str, Any] = {"t0": None, "written": False, "spawned_at": None, "finals": set(), "workers": set()}


def _on(hook: Any, listener: Callable[..., Any]) -> None:
    """Locust's EventHook.add_listener, typed."""
    hook.add_listener(listener)


def _worker_connected(client_id: str) -> None:
    STATE["workers"].add(client_id)
    ROSTER.joined(client_id)
    if PLAN.get("live") and STATE["t0"] is None:  # still waiting for workers: say who came
        roster = ROSTER.as_json(None)
        _write(PLAN["live"], {"waiting": True, "workers": len(roster), "expected": PLAN.get("workers")})


def _on_init(environment: Environment, **_: Any) -> None:
    _on(environment.events.request, RECORDER.on_request)
    runner = environment.runner
    if isinstance(runner, WorkerRunner) and not PLAN and os.environ.get(remote.REMOTE_ENV):
        remote.fetch_plan(environment, PLAN, HEADERS, lambda: _apply_plan(environment))
    else:
        _apply_plan(environment)
    if isinstance(runner, WorkerRunner):
        locust.runners.WORKER_REPORT_INTERVAL = 1.0
        _on(environment.events.report_to_master, _ship)
        _on(environment.events.test_stop, lambda **_kw: _ship_final(environment))
        return
    if isinstance(runner, MasterRunner):
        _on(environment.events.worker_report, _receive)
        _on(environment.events.worker_connect, lambda client_id, **_kw: _worker_connected(client_id))
        runner.register_message(FINAL_MESSAGE, _receive_final)
        remote.serve_plan(environment, PLAN, HEADERS)
    _on(environment.events.test_start, lambda **_kw: _on_start(environment))
    _on(environment.events.spawning_complete, lambda **_kw: STATE.update(spawned_at=time.time()))
    _on(environment.events.quitting, lambda **_kw: _on_quitting(environment))


def _apply_plan(environment: Environment) -> None:
    """Pacing and the request cap of the plan, on the user classes of this process."""
    rate = pacing.iteration_rate(PLAN)
    if rate:
        users = max(1, int(PLAN["profile"].get("users", 1)))
        for cls in environment.user_classes:
            cls.wait_time = pacing.paced(users / rate)
            cls.context = pacing.with_intended(cls.context)  # type: ignore[method-assign]
    share = pacing.share(PLAN)
    if share is not None and not isinstance(environment.runner, MasterRunner):
        for cls in environment.user_classes:
            cls.wait_time = pacing.capped(cls.wait_time, share, lambda: RECORDER.total)


def _ship(client_id: str, data: dict[str, Any]) -> None:
    data["releasegate"] = RECORDER.drain(before=int(time.time()))


def _ship_final(environment: Environment) -> None:
    assert environment.runner is not None
    environment.runner.send_message(FINAL_MESSAGE, RECORDER.drain())


def _receive(client_id: str, data: dict[str, Any], **_: Any) -> None:
    if "releasegate" in data:
        STORE.add(data["releasegate"])
        ROSTER.delivered(client_id, data["releasegate"])


def _receive_final(environment: Environment, msg: Any, **_: Any) -> None:
    STORE.add(msg.data)
    ROSTER.delivered(msg.node_id, msg.data, final=True)
    STATE["finals"].add(msg.node_id)


def _on_start(environment: Environment) -> None:
    if STATE["t0"] is None:
        STATE["t0"] = time.time()
        if PLAN:
            gevent.spawn(_controller, environment)


def _local_drain(environment: Environment, before: float | None) -> None:
    if not isinstance(environment.runner, MasterRunner):
        STORE.add(RECORDER.drain(before))


def _stages(profile: dict[str, Any]) -> list[tuple[float, int, float]]:
    at = 0.0
    out = []
    for st in profile.get("stages", []):
        out.append((at, int(st["users"]), float(st["spawn_rate"])))
        at += float(st["duration_s"])
    return out


def _controller(environment: Environment) -> None:
    """Stop the run on duration, request cap, rate cap or a breached abort rule; write results."""
    runner = environment.runner
    assert runner is not None
    profile = PLAN["profile"]
    run_time = min(float(profile["duration_s"]), float(profile["max_duration_s"]))
    max_requests = int(profile["max_requests"])
    max_rate = PLAN.get("max_rate")
    rules = [Rule.from_any(r) for r in PLAN.get("abort_rules", [])]
    stages = _stages(profile)[1:]
    lag = 2 if isinstance(runner, MasterRunner) else 1
    t0 = STATE["t0"]
    reason, breach = "duration", None
    last_live = 0.0
    for _ in range(int(run_time / TICK_S) + 2):
        gevent.sleep(TICK_S)
        now = time.time()
        elapsed = now - t0
        _local_drain(environment, int(now))
        if isinstance(runner, MasterRunner):
            ROSTER.check(runner)
        while stages and elapsed >= stages[0][0]:
            _at, users, rate = stages.pop(0)
            runner.start(users, rate)
        if elapsed >= run_time:
            break
        if STORE.total >= max_requests:
            reason = "max_requests"
            break
        now_s = int(now) - lag - int(t0)
        breach = evaluate(rules, STORE.series(int(t0)), now_s)
        if breach is not None:
            reason = "aborted"
            break
        if (
            max_rate
            and elapsed > 5
            and _recent_rps(int(now) - lag - 3, int(now) - lag) > 1.25 * float(max_rate)
        ):
            reason = "max_rate"
            break
        if PLAN.get("live") and now - last_live >= 2.0:
            last_live = now
            _write(PLAN["live"], {"elapsed_s": elapsed, "requests": STORE.total, "users": runner.user_count})
    LOG.info("releasegate: stopping (%s)", reason)
    STATE["stop_reason"], STATE["breach"] = reason, breach
    runner.stop()
    if isinstance(runner, MasterRunner):
        for _ in range(40):
            if STATE["workers"] - ROSTER.dropped() <= STATE["finals"]:
                break
            gevent.sleep(0.25)
    _finish(environment)
    runner.quit()


def _recent_rps(start: int, end: int) -> float:
    secs = [STORE.cells.get(s, {}) for s in range(start, end)]
    return float(sum(c[0] + c[1] for sec in secs for c in sec.values())) / max(1, end - start)


def _write(path: str, payload: dict[str, Any]) -> None:
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    tmp.replace(path)


def _approx(environment: Environment) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for (name, method), e in environment.stats.entries.items():
        out[label(method, name)] = {
            "count": e.num_requests,
            "failures": e.num_failures,
            "avg_ms": e.avg_response_time,
            "p50_ms": e.get_response_time_percentile(0.5),
            "p95_ms": e.get_response_time_percentile(0.95),
            "p99_ms": e.get_response_time_percentile(0.99),
            "max_ms": e.max_response_time,
        }
    return out


def _finish(environment: Environment) -> None:
    if STATE["written"]:
        return
    STATE["written"] = True
    _local_drain(environment, None)
    t0 = int(STATE["t0"] or time.time())
    breach = STATE.get("breach")
    payload = {
        "format": FORMAT,
        "t0": STATE["t0"],
        "stopped_at": time.time(),
        "stop_reason": STATE.get("stop_reason", "locust"),
        "aborted": None if breach is None else {**breach.__dict__, "sentence": breach.sentence()},
        "spawn_complete_s": None if STATE["spawned_at"] is None else STATE["spawned_at"] - STATE["t0"],
        "workers": {
            "connected": len(STATE["workers"]),
            "final": len(STATE["finals"]),
            "missing": sorted(STATE["workers"] - STATE["finals"]),
            "roster": ROSTER.as_json(STATE["t0"]),
        },
        "cells": STORE.rows(t0),
        "errors": {name: dict(msgs) for name, msgs in STORE.errors.items()},
        "locust_approx": _approx(environment),
    }
    if PLAN.get("out"):
        _write(PLAN["out"], payload)
    else:
        _print_exact(payload)


def _print_exact(payload: dict[str, Any]) -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for _t, name, _ok, _failed, h, _lag, _corr in payload["cells"]:
        by_name[name].append(h)
    print("releasegate exact latencies (HDR, 3 significant figures), ms:")
    for name, parts in sorted(by_name.items()):
        s = hdr.summary(hdr.merge(parts))
        print(
            f"  {name:40s} n={int(s['count']):7d} p50={s['p50'] * 1e3:9.3f} "
            f"p95={s['p95'] * 1e3:9.3f} p99={s['p99'] * 1e3:9.3f} max={s['max'] * 1e3:9.3f}"
        )


def _on_quitting(environment: Environment) -> None:
    if STATE["t0"] is not None:
        _finish(environment)


_on(events.init, _on_init)
