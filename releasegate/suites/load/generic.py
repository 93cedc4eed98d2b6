"""Generic load: weighted endpoints from ``[layers.load] endpoints`` (works against any target).

Run alone: ``locust -f suites/load/generic.py --host http://127.0.0.1:8000`` (GET / by default),
or with a plan written by the load layer (``RELEASEGATE_LOAD_PLAN``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from locust import FastHttpUser, task

from releasegate.load import headers, plan, session, think_time

DEFAULT_ENDPOINTS: list[dict[str, Any]] = [{"method": "GET", "path": "/", "weight": 1}]


def _task(endpoint: dict[str, Any]) -> Callable[[FastHttpUser], None]:
    method = str(endpoint.get("method", "GET"))
    path = str(endpoint["path"])
    name = endpoint.get("name") or f"{method} {path}"
    body = endpoint.get("json")
    allowed = set(endpoint.get("status") or ())

    def call(user: FastHttpUser) -> None:
        auth = session()
        with user.client.request(
            method, path, name=name, json=body, headers=auth.headers(), catch_response=True
        ) as resp:
            auth.after(resp.status_code)
            if allowed and resp.status_code in allowed:
                resp.success()
            elif allowed:
                resp.failure(f"status {resp.status_code} not in {sorted(allowed)}")

    return call


_CHOICES: list[tuple[object, list[Callable[[FastHttpUser], None]], list[int]]] = []


def _choices() -> tuple[list[Callable[[FastHttpUser], None]], list[int]]:
    """The plan's endpoints as (calls, weights), read when users run: on a worker of another
    host the plan arrives from the master after this file was imported."""
    endpoints = plan().get("endpoints") or DEFAULT_ENDPOINTS
    if not _CHOICES or _CHOICES[0][0] is not endpoints:
        calls = [_task(ep) for ep in endpoints]
        _CHOICES[:] = [(endpoints, calls, [int(ep.get("weight", 1)) for ep in endpoints])]
    return _CHOICES[0][1], _CHOICES[0][2]


class WeightedEndpoints(FastHttpUser):
    """One request per iteration, chosen by weight among the configured endpoints."""

    wait_time = think_time()
    default_headers = headers()

    @task
    def weighted(self) -> None:
        calls, weights = _choices()
        random.choices(calls, weights)[0](self)
