"""Persona journeys against promptlib: browse, search, log in and create a prompt, like.

Each simulated author logs in once (``on_start``) and reuses its token; created prompts are
deleted in the same iteration and likes are undone, so the data stays tiny. Credentials come
from ``PROMPTLIB_LOAD_EMAIL`` / ``PROMPTLIB_LOAD_PASSWORD`` (the seeded demo account otherwise).
"""

from __future__ import annotations

import os
import random
from typing import Any

from locust import FastHttpUser, task

from releasegate.load import headers, think_time

SEARCH_TERMS = ("write", "summar", "email", "image", "code", "poem")


def _credentials() -> tuple[str, str]:
    email = os.environ.get("PROMPTLIB_LOAD_EMAIL")
    password = os.environ.get("PROMPTLIB_LOAD_PASSWORD")
    if email and password:
        return email, password
    from releasegate.fixtures.promptlib import DEMO_USERS

    demo = next(u for u in DEMO_USERS if u.plan == "pro" and u.role == "user")
    return demo.email, demo.password


class _Visitor(FastHttpUser):
    abstract = True
    wait_time = think_time()
    default_headers = headers()

    def prompt_ids(self, **params: Any) -> list[int]:
        query = "&".join(f"{k}={v}" for k, v in {"limit": 20, **params}.items())
        with self.client.get(f"/api/prompts?{query}", name="GET /api/prompts", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"status {resp.status_code}")
                return []
            return [int(item["id"]) for item in (resp.json() or {}).get("items", [])]

    def read(self, prompt_id: int) -> None:
        self.client.get(f"/api/prompts/{prompt_id}", name="GET /api/prompts/{id}")


class Browser(_Visitor):
    """Opens the catalogue, a prompt, the tags."""

    weight = 4

    @task(3)
    def browse(self) -> None:
        ids = self.prompt_ids()
        if ids:
            self.read(random.choice(ids))

    @task(1)
    def tags(self) -> None:
        self.client.get("/api/tags", name="GET /api/tags")


class Searcher(_Visitor):
    """Searches by title and opens a hit."""

    weight = 2

    @task
    def search(self) -> None:
        ids = self.prompt_ids(q=random.choice(SEARCH_TERMS))
        if ids:
            self.read(ids[0])


class Author(_Visitor):
    """Logs in once, then creates (and removes) a prompt and likes (and unlikes) another."""

    weight = 1
    token: str | None = None

    def on_start(self) -> None:
        email, password = _credentials()
        with self.client.post(
            "/api/auth/login",
            json={"email": email, "password": password},
            name="POST /api/auth/login",
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"login failed: status {resp.status_code}")
                return
            self.token = str(resp.json()["access_token"])

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    @task(2)
    def create(self) -> None:
        body = {
            "title": "load test prompt",
            "text": "Summarise this text.",
            "agent_type": "LLM",
            "tags": ["load"],
        }
        with self.client.post(
            "/api/prompts", json=body, headers=self._auth(), name="POST /api/prompts", catch_response=True
        ) as resp:
            if resp.status_code != 201:
                resp.failure(f"status {resp.status_code}")
                return
            created = int(resp.json()["id"])
        self.client.delete(f"/api/prompts/{created}", headers=self._auth(), name="DELETE /api/prompts/{id}")

    @task(1)
    def like(self) -> None:
        ids = self.prompt_ids()
        if not ids:
            return
        target = random.choice(ids)
        self.client.post(
            f"/api/prompts/{target}/like", headers=self._auth(), name="POST /api/prompts/{id}/like"
        )
        self.client.delete(
            f"/api/prompts/{target}/like", headers=self._auth(), name="DELETE /api/prompts/{id}/like"
        )

    @task(1)
    def me(self) -> None:
        self.client.get("/api/me", headers=self._auth(), name="GET /api/me")
