"""Generic load: weighted endpoints from ``[layers.load] endpoints`` (works against any target).

Run alone: ``locust -f suites/load/generic.py --host http://127.0.0.1:8000`` (GET / by default),
or with a plan written by the load layer (``RELEASEGATE_LOAD_PLAN``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from locust import FastHttpUser

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


def _tasks() -> dict[Callable[[FastHttpUser], None], int]:
    endpoints = plan().get("endpoints") or DEFAULT_ENDPOINTS
    return {_task(ep): int(ep.get("weight", 1)) for ep in endpoints}


class WeightedEndpoints(FastHttpUser):
    """One request per iteration, chosen by weight among the configured endpoints."""

    wait_time = think_time()
    tasks = _tasks()  # type: ignore[assignment]  # Locust accepts {task: weight}
    default_headers = headers()
