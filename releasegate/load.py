"""The public API for locustfile authors.

Importing this module from a locustfile registers releasegate's recorder with Locust
(exact HDR statistics per endpoint and per second, live abort rules, the duration and
request caps of the run's plan); the locustfile still runs unchanged with plain
``locust -f``. What a locustfile may use::

    from locust import FastHttpUser, task
    from releasegate.load import headers, label, plan, think_time

    class Shopper(FastHttpUser):
        wait_time = think_time()          # the profile's think time (none without a plan)
        default_headers = headers()       # the environment's headers and auth, from the plan

        @task
        def browse(self) -> None:
            self.client.get("/products", name="GET /products")

``plan()`` is the run's plan (endpoints, profile, ...) written by the load layer, or ``{}``
when the file runs on its own. On a worker of another host (``releasegate load-worker``) the
plan arrives from the master after the locustfile was imported, before any user starts: read
it when a user runs (in a task or ``on_start``), not at import time; ``think_time()`` and
``headers()`` are safe at class level (they follow the plan when it arrives).
This module imports Locust: only locustfiles import it, never the engine's process.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from releasegate.auth import renew_at
from releasegate.layers._load import recorder
from releasegate.layers._load.recorder import HEADERS_ENV, label

__all__ = ["HEADERS_ENV", "Session", "headers", "label", "plan", "renew_at", "session", "think_time"]


def plan() -> dict[str, Any]:
    """The run's plan as the load layer wrote it (``{}`` under plain ``locust -f``)."""
    return recorder.PLAN


def think_time() -> Any:
    """A Locust ``wait_time`` from the profile's ``think_time_s`` (no wait without a plan),
    read at each wait: it follows a plan that arrives after import."""

    def wait_time(_user: Any) -> float:
        low, high = recorder.PLAN.get("profile", {}).get("think_time_s", (0.0, 0.0))
        return float(low) + random.random() * (float(high) - float(low))

    return wait_time


def headers() -> dict[str, str]:
    """Extra request headers (the environment's headers and auth), passed by the load layer:
    the process's one dict, filled in place when a remote worker's plan arrives."""
    return recorder.HEADERS


class Session:
    """The simulated users' token: renewed before it expires and after a 401, each renewal
    counted as a request of its own (``"POST /login (token renewal)"``), never hidden.

    Locustfiles send ``session().headers()`` with each request and call
    ``session().after(response)`` with each answer. Without a login in the plan (a static
    token, or no auth) it only hands out :func:`headers`.
    """

    def __init__(self, renewal: dict[str, Any] | None) -> None:
        self._renewal = renewal
        self._headers = headers()
        self._renew_at: float | None = renewal.get("renew_at") if renewal else None
        self.renewals = 0

    def headers(self) -> dict[str, str]:
        if self._renewal and self._renew_at and time.time() >= self._renew_at:
            self.renew()
        return self._headers

    def after(self, status: int) -> None:
        """Renew the token when the target refused it (the refused request stays a failure)."""
        if status == 401 and self._renewal:
            self.renew()

    def renew(self) -> None:
        from locust import events

        from releasegate.auth import LoginFailed, MissingCredential, login
        from releasegate.config import AuthConfig, LoginFlow

        assert self._renewal is not None
        flow = LoginFlow.model_validate(self._renewal["login"])
        auth = AuthConfig(header=self._renewal["header"], scheme=self._renewal["scheme"], login=flow)
        name = f"{flow.method} {flow.path} (token renewal)"
        started = time.perf_counter()
        error: Exception | None = None
        try:
            signed_in = login(flow, self._renewal["base_url"], os.environ, headers=self._headers)
        except (LoginFailed, MissingCredential) as exc:
            error = exc
        else:
            self._headers = {**self._headers, auth.header: auth.header_value(signed_in.token)}
            self._renew_at = renew_at(signed_in.expires_in)
        self.renewals += 1
        if error is not None:
            self._renew_at = time.time() + 5.0  # try again soon, not on every request
        events.request.fire(  # type: ignore[no-untyped-call]
            request_type=flow.method,
            name=name,
            response_time=(time.perf_counter() - started) * 1000.0,
            response_length=0,
            exception=error,
            context={},
        )


_SESSION: Session | None = None


def session() -> Session:
    """The process's token session (one per Locust process, shared by its users)."""
    global _SESSION  # noqa: PLW0603  (one per process, made on first use)
    if _SESSION is None:
        _SESSION = Session(recorder.PLAN.get("auth"))
    return _SESSION
