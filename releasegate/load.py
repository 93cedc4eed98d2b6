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
when the file runs on its own. This module imports Locust: only locustfiles import it,
never the engine's process.
"""

from __future__ import annotations

import json
import os
from typing import Any

from locust import between

from releasegate.layers._load import recorder
from releasegate.layers._load.launcher import HEADERS_ENV
from releasegate.layers._load.recorder import label

__all__ = ["HEADERS_ENV", "headers", "label", "plan", "think_time"]


def plan() -> dict[str, Any]:
    """The run's plan as the load layer wrote it (``{}`` under plain ``locust -f``)."""
    return recorder.PLAN


def think_time() -> Any:
    """A Locust ``wait_time`` from the profile's ``think_time_s`` (no wait without a plan)."""
    low, high = recorder.PLAN.get("profile", {}).get("think_time_s", (0.0, 0.0))
    return between(float(low), float(high))


def headers() -> dict[str, str]:
    """Extra request headers (the environment's headers and auth), passed by the load layer."""
    raw = os.environ.get(HEADERS_ENV)
    return {str(k): str(v) for k, v in json.loads(raw).items()} if raw else {}
