"""A test locustfile: the recorder plus a raw log of every latency, the ground truth for accuracy."""

from __future__ import annotations

import os
from typing import Any

from locust import FastHttpUser, events, task

from releasegate.layers._load import recorder

_files: dict[int, Any] = {}


def _raw(request_type: str, name: str, response_time: float, **_: Any) -> None:
    fh = _files.get(os.getpid())
    if fh is None:
        path = os.path.join(os.environ["RG_TEST_RAW_DIR"], f"raw-{os.getpid()}.txt")
        fh = _files[os.getpid()] = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    fh.write(f"{recorder.label(request_type, name)}\t{response_time!r}\n")


class KnownLatencies(FastHttpUser):
    @task(3)
    def mix(self) -> None:
        self.client.get("/mix", name="GET /mix")

    @task(1)
    def fixed(self) -> None:
        self.client.get("/delay/200", name="GET /delay/200")


events.request.add_listener(_raw)  # type: ignore[no-untyped-call]
