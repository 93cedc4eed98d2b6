"""A small client of promptlib's JSON API, for setting up and undoing what scenarios do."""

from __future__ import annotations

from typing import Any

import httpx


class PromptlibAPI:
    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def sign_up(self, email: str, password: str) -> int:
        return self._client.post("/api/auth/signup", json={"email": email, "password": password}).status_code

    def token(self, email: str, password: str) -> str | None:
        """An access token, or None when the account does not exist (or the password is wrong)."""
        response = self._client.post("/api/auth/login", json={"email": email, "password": password})
        if response.status_code == 401:
            return None
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def me(self, token: str) -> dict[str, Any]:
        response = self._client.get("/api/me", headers=self._auth(token))
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def delete_me(self, token: str, password: str) -> httpx.Response:
        """DELETE /api/me, confirmed with the account's password as promptlib requires."""
        return self._client.request(
            "DELETE", "/api/me", headers=self._auth(token), json={"password": password}
        )

    def create_prompt(self, token: str, **fields: Any) -> dict[str, Any]:
        body = {
            "description": "",
            "agent_type": "LLM",
            "tags": [],
            "is_public": True,
            "pro_only": False,
            **fields,
        }
        response = self._client.post("/api/prompts", json=body, headers=self._auth(token))
        if response.status_code != 201:
            raise AssertionError(f"POST /api/prompts answered {response.status_code}: {response.text[:200]}")
        data: dict[str, Any] = response.json()
        return data

    def get_prompt(self, prompt_id: int, token: str | None = None) -> httpx.Response:
        return self._client.get(f"/api/prompts/{prompt_id}", headers=self._auth(token) if token else {})

    def delete_prompt(self, token: str, prompt_id: int) -> None:
        response = self._client.delete(f"/api/prompts/{prompt_id}", headers=self._auth(token))
        if response.status_code not in (204, 404):
            raise AssertionError(f"DELETE /api/prompts/{prompt_id} answered {response.status_code}")

    def unlike(self, token: str, prompt_id: int) -> None:
        response = self._client.delete(f"/api/prompts/{prompt_id}/like", headers=self._auth(token))
        if response.status_code not in (200, 204, 404):
            raise AssertionError(f"DELETE /api/prompts/{prompt_id}/like answered {response.status_code}")

    def prompts(self, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
        response = self._client.get("/api/prompts", params=params, headers=self._auth(token) if token else {})
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items
