"""Peer for bench/load_rps.py: plain Locust HttpUser (requests), no recorder."""

from locust import HttpUser, task


class Plain(HttpUser):
    @task
    def tiny(self) -> None:
        self.client.get("/", name="GET /")
