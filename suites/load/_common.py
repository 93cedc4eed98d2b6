"""What both locustfiles share: the plan's think time and headers from the environment."""

from __future__ import annotations

import json
import os
from typing import Any

from locust import between

from suites.load.recorder import PLAN

HEADERS_ENV = "RELEASEGATE_LOAD_HEADERS"


def think_time() -> Any:
    low, high = PLAN.get("profile", {}).get("think_time_s", (0.0, 0.0))
    return between(float(low), float(high))


def headers() -> dict[str, str]:
    """Extra request headers (e.g. an API key), passed as JSON in an environment variable."""
    raw = os.environ.get(HEADERS_ENV)
    return {str(k): str(v) for k, v in json.loads(raw).items()} if raw else {}
