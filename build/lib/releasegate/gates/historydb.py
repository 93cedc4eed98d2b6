"""Where the history lives: a SQLite file or a PostgreSQL database, behind one small seam.

:func:`connect` takes a location (a file path, ``sqlite:///path`` or ``postgresql://...``)
and returns a :class:`Database`: the same statements (written with ``?`` placeholders) run
on both; only what differs lives here: placeholders, column types, the exclusive
transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL a transaction-scoped advisory lock),
and listing a table's columns. :func:`migrate` creates and upgrades the schema on first use,
one numbered step at a time, recorded in ``schema_version``; concurrent first uses by
several runners are serialized by the same lock.

A password in a URL is never shown: :func:`display` masks it, and every message raised
here has it replaced.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Protocol

from releasegate.errors import ConfigError, HistoryError
from releasegate.redact import URL_MASK, mask_url, url_passwords

__all__ = ["SCHEMA_VERSION", "Database", "connect", "display", "is_url", "migrate"]

POSTGRES_SCHEMES = ("postgresql", "postgres")
_LOCK_KEY = 7_301_911  # the advisory lock the schema and run filings are serialized on
CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT_S = 60  # SQLite's busy timeout is the same
STATEMENT_TIMEOUT_S = 120


def is_url(location: str) -> bool:
    return "://" in location


def _scheme(location: str) -> str:
    return location.split("://", 1)[0].lower() if is_url(location) else ""


def check_location(location: str) -> str:
    """``location`` when it names a history releasegate can open; ConfigError otherwise."""
    scheme = _scheme(location)
    if scheme and scheme not in (*POSTGRES_SCHEMES, "sqlite"):
        raise ConfigError(
            f"history {display(location)!r}: unsupported scheme {scheme!r}",
            hint="use a SQLite file path (or sqlite:///path) or postgresql://user@host:port/db",
        )
    return location


def display(location: str) -> str:
    """``location`` fit to print (see :func:`releasegate.redact.mask_url`)."""
    return mask_url(location)


def scrub(text: str, location: str) -> str:
    """``text`` with every form of ``location``'s password replaced by ``***``."""
    for secret in url_passwords(location):
        text = text.replace(secret, URL_MASK)
    return text


class Database(Protocol):
    """One connection to the history, in autocommit mode outside :meth:`transaction`."""

    where: str  # the location, fit to print
    real: str  # the column type of a double-precision float
    sortable_text: str  # a text column that sorts byte-wise (ISO timestamps)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def transaction(self) -> Any:
        """A context manager: one exclusive transaction (committed, or rolled back on error)."""

    def columns(self, table: str) -> set[str]: ...

    def close(self) -> None: ...


class _Sqlite:
    real = "REAL"
    sortable_text = "TEXT"

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open the history file {path}: {exc}") from None
        self.db.execute("PRAGMA foreign_keys = ON")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._guard(), closing(self.db.execute(sql, tuple(args))) as cur:
            return [tuple(row) for row in cur.fetchall()]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._guard():
            self.db.executemany(sql, rows)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise HistoryError(f"history {self.where}: {exc}") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # the write lock first (waiting up to the busy timeout): writers queue, none fails midway
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.execute(f"PRAGMA table_info({table})")}

    def close(self) -> None:
        self.db.close()


class _Postgres:
    real = "DOUBLE PRECISION"
    sortable_text = 'TEXT COLLATE "C"'

    def __init__(self, url: str) -> None:
        self.where = display(url)
        self._url = url
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                f"history {self.where}: PostgreSQL needs psycopg",
                hint="pip install 'releasegate[postgres]'",
            ) from None
        self._errors: tuple[type[Exception], ...] = (psycopg.Error,)
        try:
            self.db = psycopg.connect(_libpq_url(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
            self.db.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_S}s'")  # every wait is bounded
            self.db.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT_S}s'")
        except psycopg.Error as exc:
            raise HistoryError(
                f"cannot reach the history at {self.where}: {scrub(str(exc).strip(), url)}",
                hint="check the host, port, database and credentials (a password may come from PGPASSWORD)",
            ) from None

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._guard(), self.db.cursor() as cur:
            cur.execute(self._sql(sql), tuple(args))
            return [tuple(row) for row in cur.fetchall()] if cur.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._guard(), self.db.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._guard(), self.db.transaction():
            self.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))
            yield

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            raise HistoryError(f"history {self.where}: {scrub(str(exc).strip(), self._url)}") from None

    def columns(self, table: str) -> set[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
        return {row[0] for row in rows}

    def close(self) -> None:
        self.db.close()


def _libpq_url(url: str) -> str:
    """libpq knows ``postgresql://`` and ``postgres://``; a ``+driver`` suffix is dropped."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.lower().startswith("postgres") else url


def connect(location: str | Path) -> Database:
    """The history at ``location``, schema created or upgraded (see :func:`migrate`)."""
    text = str(location)
    scheme = _scheme(check_location(text))
    db: Database
    if scheme in POSTGRES_SCHEMES:
        db = _Postgres(text)
    else:
        db = _Sqlite(Path(text.split("://", 1)[1] if scheme == "sqlite" else text))
    try:
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db


# -- the schema, one numbered step at a time --------------------------------------------------


def _v1_tables(db: Database) -> None:
    at = db.sortable_text
    for statement in (
        f"""CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY, started_at {at} NOT NULL, recorded_at {at} NOT NULL,
            environment TEXT NOT NULL, stage TEXT NOT NULL, commit_sha TEXT, load_profile TEXT,
            fingerprint TEXT NOT NULL, fingerprint_json TEXT NOT NULL, decision TEXT NOT NULL,
            info_json TEXT NOT NULL, layers_json TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS runs_by_env ON runs (environment, stage, started_at)",
        f"""CREATE TABLE IF NOT EXISTS budgets (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, key TEXT NOT NULL,
            expr TEXT NOT NULL, level TEXT NOT NULL, status TEXT NOT NULL, observed {db.real},
            limit_value {db.real}, unit TEXT, samples INTEGER)""",
        "CREATE INDEX IF NOT EXISTS budgets_by_run ON budgets (run_id)",
        f"""CREATE TABLE IF NOT EXISTS series (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, layer TEXT NOT NULL,
            metric TEXT NOT NULL, tags_json TEXT NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL,
            duration_s {db.real}, values_json TEXT NOT NULL, buckets_json TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS series_by_run ON series (run_id)",
    ):
        db.execute(statement)


def _v2_pattern_keys(db: Database) -> None:
    """Budgets expanded from a glob key keep the key as written (files of before have none)."""
    if "pattern_key" not in db.columns("budgets"):
        db.execute("ALTER TABLE budgets ADD COLUMN pattern_key TEXT")


MIGRATIONS: tuple[tuple[int, Callable[[Database], None]], ...] = ((1, _v1_tables), (2, _v2_pattern_keys))
SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(db: Database) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION` (in one exclusive transaction); the version
    it was at. A history written by a newer releasegate is refused (HistoryError)."""
    with db.transaction():
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        rows = db.execute("SELECT max(version) FROM schema_version")
        current = int(rows[0][0]) if rows and rows[0][0] is not None else 0
        if current > SCHEMA_VERSION:
            raise HistoryError(
                f"the history at {db.where} has schema version {current}, newer than this "
                f"releasegate's {SCHEMA_VERSION}",
                hint="upgrade releasegate on this runner (every runner sharing a history needs the same)",
            )
        for version, step in MIGRATIONS:
            if version > current:
                step(db)
        if current < SCHEMA_VERSION:
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    return current
