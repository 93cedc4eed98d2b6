"""The generic users, plus every request's latency written where ``RG_TEST_SAMPLES`` points.

The distributed test ships this file to workers (Locust's ``-f -``); each worker host writes
its raw samples, so the test can compare the master's merged percentiles with them, and
whether the token from the master's plan was there (never the token itself).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from locust import events

from releasegate.load import headers
from releasegate.suites.load.generic import WeightedEndpoints

__all__ = ["WeightedEndpoints"]
OUT = os.environ.get("RG_TEST_SAMPLES")


@events.request.add_listener
def _sample(request_type: str, name: str, response_time: float, **_: Any) -> None:
    if OUT:
        with (Path(OUT) / f"{os.getpid()}.tsv").open("a", encoding="utf-8") as fh:
            auth = "auth" if headers().get("X-Load-Token", "").startswith("Bearer ") else "none"
            fh.write(f"{request_type}\t{name}\t{response_time!r}\t{auth}\n")
