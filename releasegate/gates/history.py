"""The run history: every judged run, in a SQLite file or a PostgreSQL database shared by
every runner (:mod:`releasegate.gates.historydb` holds the differences and the schema migrations).

Per run: its info, fingerprint and decision; per budget: status, observed value and limit
(and, for one value of a glob key, the key as written in ``pattern_key``);
per metric series: a bounded copy of the observations, enough for baselines and the
statistical comparison (trends with more than ``MAX_VALUES`` raw values are kept as at most
``MAX_VALUES`` weighted points of their distribution; rates as two counts; counters as their
sum). Timelines and records are not kept: they stay in the run directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from releasegate.gates.fingerprint import digest, fingerprint
from releasegate.gates.historydb import Database, connect
from releasegate.gates.model import Verdict
from releasegate.results import LayerResult, LayerStatus, MetricKind, RunInfo, RunResult, Samples

MAX_VALUES = 1000
RUN_COLUMNS = "run_id, started_at, environment, stage, commit_sha, decision, fingerprint_json, fingerprint"


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    started_at: datetime
    environment: str
    stage: str
    commit: str | None
    decision: str
    fingerprint: dict[str, Any]
    digest: str


class History:
    """The history at ``location`` (a SQLite path, ``sqlite:///path`` or ``postgresql://...``);
    use as a context manager or call :meth:`close`. ``where`` is the location fit to print."""

    def __init__(self, location: str | Path) -> None:
        self.db: Database = connect(location)
        self.where = self.db.where

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement written with ``?`` placeholders (for inspection and tests)."""
        return self.db.execute(sql, args)

    # -- writing -----------------------------------------------------------------------------
    def record(self, run: RunResult, verdict: Verdict, *, now: datetime | None = None) -> None:
        """File (or re-file) a judged run, in one transaction: concurrent writers never lose
        or half-write a run."""
        info = run.info
        fp = fingerprint(run)
        layers = [
            {
                "layer": lr.layer,
                "status": lr.status.value,
                "started_at": lr.started_at.isoformat(),
                "finished_at": lr.finished_at.isoformat() if lr.finished_at else None,
                "seed": {k: lr.meta[k] for k in ("seed", "seed_fixed") if k in lr.meta},
            }
            for lr in run.layers
        ]
        with self.db.transaction():
            self.db.execute("DELETE FROM runs WHERE run_id = ?", (info.run_id,))
            self.db.execute(
                "INSERT INTO runs (run_id, started_at, recorded_at, environment, stage, commit_sha,"
                " load_profile, fingerprint, fingerprint_json, decision, info_json, layers_json)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    info.run_id,
                    _iso(info.started_at),
                    _iso(now or datetime.now(UTC)),
                    info.environment,
                    info.stage,
                    info.commit,
                    fp["load_profile"],
                    digest(fp),
                    json.dumps(fp, sort_keys=True, default=str),
                    verdict.decision.value,
                    info.model_dump_json(),
                    json.dumps(layers),
                ),
            )
            self.db.executemany(
                "INSERT INTO budgets (run_id, key, expr, level, status, observed, limit_value, unit, samples,"
                " pattern_key) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        info.run_id,
                        b.key,
                        b.expr,
                        b.level,
                        b.status.value,
                        b.observed,
                        b.limit,
                        b.unit,
                        b.samples,
                        b.pattern_key,
                    )
                    for b in verdict.budgets
                ],
            )
            self.db.executemany(
                "INSERT INTO series (run_id, layer, metric, tags_json, kind, unit, duration_s, values_json,"
                " buckets_json) VALUES (?,?,?,?,?,?,?,?,?)",
                [(info.run_id, lr.layer, *_bounded(s)) for lr in run.layers for s in lr.samples],
            )

    # -- reading -----------------------------------------------------------------------------
    def runs(
        self,
        *,
        environment: str | None = None,
        stage: str | None = None,
        decisions: tuple[str, ...] | None = None,
        limit: int | None = None,
    ) -> list[StoredRun]:
        """Stored runs, newest first."""
        sql = f"SELECT {RUN_COLUMNS} FROM runs WHERE 1=1"
        args: list[Any] = []
        for column, value in (("environment", environment), ("stage", stage)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        if decisions:
            sql += f" AND decision IN ({','.join('?' * len(decisions))})"
            args += list(decisions)
        sql += " ORDER BY started_at DESC, recorded_at DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_stored_run(r) for r in self.db.execute(sql, args)]

    def get(self, run_id: str) -> StoredRun | None:
        """One stored run by id, None when unknown."""
        rows = self.db.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
        return _stored_run(rows[0]) if rows else None

    def load(self, run_id: str) -> RunResult:
        """A stored run as a RunResult holding its (bounded) samples; KeyError when unknown."""
        rows = self.db.execute("SELECT info_json, layers_json FROM runs WHERE run_id = ?", (run_id,))
        if not rows:
            raise KeyError(run_id)
        row = rows[0]
        info = RunInfo.model_validate_json(row[0])
        layers = {
            d["layer"]: LayerResult(
                layer=d["layer"],
                status=LayerStatus(d["status"]),
                started_at=datetime.fromisoformat(d["started_at"]),
                finished_at=_parse(d["finished_at"]),
                meta=dict(d.get("seed") or {}),
            )
            for d in json.loads(row[1])
        }
        sql = (
            "SELECT layer, metric, tags_json, kind, unit, duration_s, values_json, buckets_json FROM series "
            "WHERE run_id = ?"
        )
        for layer, metric, *series in self.db.execute(sql + " ORDER BY metric, tags_json", (run_id,)):
            target = layers.setdefault(layer, LayerResult(layer=layer, status=LayerStatus.OK))
            target.samples.append(_samples(metric, series))
        return RunResult(info=info, layers=list(layers.values()))

    def series_over_time(
        self, *, environment: str, layer: str, metric: str, stage: str | None = None
    ) -> list[tuple[datetime, Samples]]:
        """Every stored series of ``layer.metric`` in an environment, oldest first, with its run's start."""
        sql = (
            "SELECT r.started_at, s.tags_json, s.kind, s.unit, s.duration_s, s.values_json, s.buckets_json "
            "FROM series s JOIN runs r ON r.run_id = s.run_id WHERE r.environment = ? AND s.layer = ? "
            "AND s.metric = ?"
        )
        args: list[Any] = [environment, layer, metric]
        if stage is not None:
            sql += " AND r.stage = ?"
            args.append(stage)
        rows = self.db.execute(sql + " ORDER BY r.started_at", args)
        return [(datetime.fromisoformat(at), _samples(metric, row)) for at, *row in rows]


def _stored_run(row: tuple[Any, ...]) -> StoredRun:
    """A ``runs`` row selected as ``RUN_COLUMNS``."""
    return StoredRun(
        row[0], datetime.fromisoformat(row[1]), row[2], row[3], row[4], row[5], json.loads(row[6]), row[7]
    )


def _samples(metric: str, row: list[Any]) -> Samples:
    """``metric``'s stored series back as Samples; ``row`` holds the ``series`` columns after ``metric``."""
    tags, kind, unit, duration, values, buckets = row
    return Samples(
        metric=metric,
        kind=MetricKind(kind),
        unit=unit,
        tags=json.loads(tags),
        duration_s=duration,
        values=json.loads(values),
        buckets=[tuple(b) for b in json.loads(buckets)],
    )


def _bounded(s: Samples) -> tuple[Any, ...]:
    values: list[float] = list(s.values)
    buckets: list[tuple[float, int]] = list(s.buckets)
    if s.kind is MetricKind.RATE:
        bad = sum(c for v, c in buckets if v) + sum(1 for v in values if v)
        total = s.count
        values, buckets = [], [(0.0, total - bad), (1.0, bad)]
    elif s.kind is MetricKind.COUNTER:
        values, buckets = [sum(values) + sum(v * c for v, c in buckets)], []
    elif s.kind is MetricKind.GAUGE:
        values = values[-MAX_VALUES:]
        buckets = buckets[-MAX_VALUES:]
    elif len(values) + len(buckets) > MAX_VALUES:
        values, buckets = [], _compress(values, buckets, MAX_VALUES)
    return (
        s.metric,
        json.dumps(s.tags, sort_keys=True),
        s.kind.value,
        s.unit,
        s.duration_s,
        json.dumps(values),
        json.dumps(buckets),
    )


def _compress(values: list[float], buckets: list[tuple[float, int]], points: int) -> list[tuple[float, int]]:
    """At most ``points`` (value, count) pairs: equal-count slices of the sorted observations,
    each kept as its middle value with the slice's count (total count preserved)."""
    pairs = sorted([(v, 1) for v in values] + [(v, c) for v, c in buckets if c > 0])
    total = sum(c for _, c in pairs)
    size = max(1, -(-total // points))
    out: list[tuple[float, int]] = []
    chunk: list[tuple[float, int]] = []
    filled = 0
    for value, count in pairs:
        chunk.append((value, count))
        filled += count
        if filled >= size:
            out.append((_middle(chunk, filled), filled))
            chunk, filled = [], 0
    if chunk:
        out.append((_middle(chunk, filled), filled))
    return out


def _middle(chunk: list[tuple[float, int]], total: int) -> float:
    seen = 0
    for value, count in chunk:
        seen += count
        if seen * 2 >= total:
            return value
    return chunk[-1][0]


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
