"""GET /api/prompts (Core statements, fixtures/promptlib/listing.py) answers byte for byte what the
ORM path (service.list_prompts + liked_ids + prompt_json) answers: every filter, sort and page,
anonymous and signed in (Free, Pro, admin; with likes), and with the faults that change fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.responses import JSONResponse

from releasegate.fixtures.promptlib.api.prompts import prompt_json
from releasegate.fixtures.promptlib.app import create_app
from releasegate.fixtures.promptlib.deps import user_from_token
from releasegate.fixtures.promptlib.faults import parse_faults
from releasegate.fixtures.promptlib.listing import list_page
from releasegate.fixtures.promptlib.service import liked_ids, list_prompts
from releasegate.fixtures.promptlib.settings import Settings
from tests.promptlib.helpers import InProcessClient, demo, login

QUERIES: tuple[dict[str, Any], ...] = (
    {},
    {"limit": 10},
    {"limit": 1},
    {"limit": 100},
    {"limit": 3, "offset": 2},
    {"limit": 5, "offset": 5},
    {"offset": 1000},
    {"sort": "most_liked"},
    {"sort": "most_liked", "limit": 4, "offset": 3},
    {"q": "write"},
    {"q": "WRITE"},
    {"q": "100%_off"},
    {"q": "caf\u00e9"},
    {"q": "no such title at all"},
    {"tag": "marketing"},
    {"tag": "seo", "sort": "most_liked"},
    {"tag": "no-such-tag"},
    {"tag": "marketing", "q": "e", "limit": 2, "offset": 1},
)
EXTRA_PROMPTS: tuple[dict[str, Any], ...] = (
    {"title": "100%_off \u2014 caf\u00e9 na\u00efve \U0001f600", "text": "x", "agent_type": "LLM",
     "tags": ["marketing", "zeta", "alpha"], "description": 'quotes " and \\ and </script>'},
    {"title": "Private write-up", "text": "y", "agent_type": "IMAGE", "is_public": False},
    {"title": "Pro write-up", "text": "z", "agent_type": "LLM", "pro_only": True, "tags": ["seo"]},
)  # fmt: skip


class Pair:
    """An app, a client of it, and the ORM path's answer for the same request."""

    def __init__(self, faults: str | None) -> None:
        self.app = create_app(Settings(faults=parse_faults(faults)))
        self.client = InProcessClient(self.app)
        self.state = self.app.state.promptlib
        self.tokens: dict[str, dict[str, str]] = {}
        for who in ("free", "pro", "admin"):
            self.tokens[who] = login(self.client, *demo(who))

    def orm_body(self, auth: dict[str, str] | None, **query: Any) -> bytes:
        faults = self.state.settings.faults
        limit, offset = query.get("limit", 20), query.get("offset", 0)
        with self.state.db.sessions() as db:
            user = None
            if auth:
                user = user_from_token(self.state, db, auth["Authorization"].split(" ", 1)[1])
            items, total = list_prompts(
                db, user, q=query.get("q"), tag=query.get("tag"), sort=query.get("sort", "newest"),
                limit=limit, offset=offset,
            )  # fmt: skip
            liked = liked_ids(db, user, (p.id for p in items))
            page = {
                "items": [prompt_json(p, p.id in liked, faults) for p in items],
                "total": total,
                "limit": limit,
                "offset": offset,
            }
        return bytes(JSONResponse(page).body)


@pytest.fixture(scope="module", params=[None, "schema-drift", "breaking-change"])
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    made = Pair(request.param)
    for body in EXTRA_PROMPTS:
        author = made.tokens["pro" if body.get("pro_only") else "free"]
        assert made.client.post("/api/prompts", json=body, headers=author).status_code == 201
    listed = made.client.get("/api/prompts", params={"limit": 6}).json()["items"]
    for prompt in listed[:4]:  # some likes, so liked_by_me differs between callers
        made.client.post(f"/api/prompts/{prompt['id']}/like", headers=made.tokens["pro"])
    yield made
    made.client.close()


@pytest.mark.parametrize("caller", [None, "free", "pro", "admin"])
def test_listing_answers_exactly_what_the_orm_path_answers(pair: Pair, caller: str | None) -> None:
    auth = pair.tokens[caller] if caller else None
    for query in QUERIES:
        response = pair.client.get("/api/prompts", params=query, headers=auth or {})
        assert response.status_code == 200, (query, response.text)
        assert response.content == pair.orm_body(auth, **query), query


def test_listing_by_author_matches_the_orm_path(pair: Pair) -> None:
    """The pages' own listing (author_id: every prompt of one author, private ones too)."""
    faults = pair.state.settings.faults
    with pair.state.db.sessions() as db:
        user = user_from_token(pair.state, db, pair.tokens["free"]["Authorization"].split(" ", 1)[1])
        assert user is not None
        for query in ({}, {"limit": 2, "offset": 1}, {"q": "write"}, {"sort": "most_liked"}):
            items, total = list_prompts(db, user, author_id=user.id, **query)
            liked = liked_ids(db, user, (p.id for p in items))
            expected = ([prompt_json(p, p.id in liked, faults) for p in items], total)
            assert list_page(db.connection(), user, faults, author_id=user.id, **query) == expected


def test_bad_parameters_and_tokens_are_refused_as_before(pair: Pair) -> None:
    assert pair.client.get("/api/prompts", params={"limit": 0}).status_code == 422
    assert pair.client.get("/api/prompts", params={"tag": "Bad Tag"}).status_code == 422
    assert pair.client.get("/api/prompts", params={"sort": "oldest"}).status_code == 422
    bad = pair.client.get("/api/prompts", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert "invalid_token" in bad.headers["www-authenticate"]
    assert pair.client.get("/api/prompts", headers={"Authorization": "Basic abc"}).status_code == 401
