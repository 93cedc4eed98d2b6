"""Pacing and the request cap on the user classes of a Locust process (the recorder applies them).

Open-model profiles pace each user on a fixed schedule (one iteration per ``users / rate``
seconds) and stamp the intended start into the request context, so the recorder can measure
schedule lag and the coordinated-omission-corrected latency. The request cap stops each user
before its next iteration once its process sent its share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from locust.exception import StopUser

__all__ = ["capped", "iteration_rate", "paced", "share", "with_intended"]


def paced(interval: float) -> Any:
    """wait_time for open-model pacing: one iteration per ``interval`` per user, on a fixed schedule."""

    def wait_time(user: Any) -> float:
        now = time.time()
        intended = getattr(user, "_rg_intended", None) or now
        nxt = intended + interval
        user._rg_intended = nxt
        user._rg_pending = True
        return max(0.0, nxt - now)

    return wait_time


def with_intended(original: Any) -> Any:
    def context(user: Any) -> dict[str, Any]:
        ctx = dict(original(user))
        if getattr(user, "_rg_pending", False):
            user._rg_pending = False
            ctx["rg_intended"] = user._rg_intended
        elif getattr(user, "_rg_intended", None) is None:
            user._rg_intended = time.time()
        return ctx

    return context


def iteration_rate(plan: dict[str, Any]) -> float | None:
    profile = plan.get("profile", {})
    rates = [r for r in (profile.get("arrival_rate"), plan.get("max_rate")) if r]
    return float(min(rates)) if rates else None


def share(plan: dict[str, Any]) -> int | None:
    """This process's part of ``max_requests``: the cap split evenly over the workers (rounded up)."""
    cap = plan.get("profile", {}).get("max_requests")
    if not cap:
        return None
    workers = max(1, int(plan.get("workers") or 0))
    return -(-int(cap) // workers)


def capped(original: Any, share: int, sent: Callable[[], int]) -> Any:
    """wait_time that stops the user before its next iteration once the process sent ``share``."""

    def wait_time(user: Any) -> Any:
        if sent() >= share:
            raise StopUser
        return original(user)

    return wait_time
