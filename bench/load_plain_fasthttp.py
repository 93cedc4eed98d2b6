"""Peer for bench/load_rps.py: plain Locust FastHttpUser, no recorder."""

from locust import FastHttpUser, task


class Plain(FastHttpUser):
    @task
    def tiny(self) -> None:
        self.client.get("/", name="GET /")
