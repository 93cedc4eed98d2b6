"""Likes in the service layer: the count stays right, and a like costs no reload of the prompt."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from releasegate.fixtures.promptlib.db import Database
from releasegate.fixtures.promptlib.models import AgentType, Prompt, Tag, User
from releasegate.fixtures.promptlib.service import _apply_like, _like_id, flip_like, set_like

_RELATIONS = re.compile(r"\b(users|tags)\b")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'likes.sqlite3'}")
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.sessions() as db:
        yield db


def _user(db: Session, email: str) -> User:
    user = User(email=email, password_hash="not-a-hash")
    db.add(user)
    db.commit()
    return user


def _prompt(db: Session, author: User) -> Prompt:
    prompt = Prompt(author=author, title="Haiku", text="Write a haiku", agent_type=AgentType.LLM)
    prompt.tags = [Tag(name="poetry")]
    db.add(prompt)
    db.commit()
    return prompt


def _statements(database: Database) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(database.engine, "before_cursor_execute", record)
    return seen


def test_flipping_a_like_looks_it_up_once_and_reloads_nothing(database: Database, session: Session) -> None:
    prompt = _prompt(session, _user(session, "author@example.com"))
    fan = _user(session, "fan@example.com")
    seen = _statements(database)
    assert flip_like(session, fan, prompt) == 1
    lookups = [s for s in seen if s.startswith("select") and "from likes" in s]
    assert len(lookups) == 1
    assert not [s for s in seen if _RELATIONS.search(s)], seen
    assert prompt.like_count == 1
    assert flip_like(session, fan, prompt) == 0
    assert prompt.like_count == 0


def test_set_like_is_idempotent_and_counts_other_likers(database: Database, session: Session) -> None:
    prompt = _prompt(session, _user(session, "author@example.com"))
    first, second = _user(session, "first@example.com"), _user(session, "second@example.com")
    assert set_like(session, first, prompt, True) == 1
    assert set_like(session, first, prompt, True) == 1
    assert set_like(session, second, prompt, True) == 2
    assert set_like(session, first, prompt, False) == 1
    assert set_like(session, first, prompt, False) == 1
    assert flip_like(session, second, prompt) == 0


def test_two_unlikes_of_one_like_count_it_once(session: Session) -> None:
    prompt = _prompt(session, _user(session, "author@example.com"))
    first, second = _user(session, "first@example.com"), _user(session, "second@example.com")
    set_like(session, first, prompt, True)
    set_like(session, second, prompt, True)
    seen_by_both = _like_id(session, first, prompt)
    assert _apply_like(session, first, prompt, False, seen_by_both) == 1
    assert _apply_like(session, first, prompt, False, seen_by_both) == 1
