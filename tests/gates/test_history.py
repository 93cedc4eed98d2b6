"""The history file and baseline selection: last-pass, RUN_ID, median:N, and refusals."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from releasegate.errors import UsageError
from releasegate.gates import Verdict, judge
from releasegate.gates.baseline import resolve_baseline
from releasegate.gates.history import MAX_VALUES, History
from releasegate.gates.historydb import SCHEMA_VERSION
from releasegate.gates.regress import BaselineRuns
from releasegate.results import MetricKind, RunResult, Samples
from tests.gates.factories import T0, budgets, layer, rate, run, trend

BUDGETS = budgets({"load.http_req_duration": "p(95) < 800ms"})


def make(run_id: str, values: list[float], hours: float, **info: Any) -> RunResult:
    return run(
        layer("load", trend("http_req_duration", values, endpoint="GET /"), rate("http_req_failed", 99, 1)),
        run_id=run_id,
        started=T0 + timedelta(hours=hours),
        **info,
    )


def file_run(history: History, r: RunResult) -> Verdict:
    verdict = judge(r, BUDGETS)
    history.record(r, verdict)
    return verdict


@pytest.fixture
def history(history_location):
    with History(history_location) as h:
        yield h


def test_record_and_load_round_trip(history):
    r = make("r1", [0.1, 0.2, 0.3], 0)
    file_run(history, r)
    stored = history.get("r1")
    assert stored is not None
    assert stored.decision == "GO"
    assert stored.commit == "abc1234"
    loaded = history.load("r1")
    assert loaded.info == r.info
    duration = loaded.layer("load").samples[0]
    assert duration.values == [0.1, 0.2, 0.3]
    assert duration.tags == {"endpoint": "GET /"}
    failed = loaded.layer("load").samples[1]
    assert failed.values == []
    assert sorted(failed.buckets) == [(0.0, 99), (1.0, 1)]
    # re-filing the same run replaces it
    file_run(history, r)
    assert len(history.runs()) == 1
    rows = history.query("SELECT count(*) FROM budgets WHERE run_id = 'r1'")
    assert rows == [(1,)]


def test_large_trends_are_bounded_but_keep_count_and_shape(history):
    values = [i / 10000 for i in range(20000)]
    file_run(history, make("big", values, 0))
    stored = history.load("big").layer("load").samples[0]
    assert len(stored.buckets) <= MAX_VALUES
    assert stored.values == []
    assert stored.count == 20000
    from releasegate.gates.aggregate import aggregate

    p95 = aggregate("p", 95.0, [stored], MetricKind.TREND)
    assert p95 == pytest.approx(1.9, rel=0.01)


def test_counters_keep_their_sum(history):
    r = run(
        layer("contract", Samples(metric="failures", kind=MetricKind.COUNTER, values=[1, 2, 3])), run_id="c"
    )
    history.record(r, judge(r, budgets({"contract.failures": "count == 0"})))
    assert history.load("c").layer("contract").samples[0].values == [6]


def test_last_pass_picks_the_newest_passing_comparable_run(history):
    file_run(history, make("old-pass", [0.1] * 10, 0))
    file_run(history, make("new-pass", [0.2] * 10, 1))
    file_run(history, make("fail", [2.0] * 10, 2))
    current = make("now", [0.3] * 10, 3)
    base = resolve_baseline("last-pass", current, history)
    assert base.info.run_id == "new-pass"  # type: ignore[union-attr]


def test_last_pass_refuses_other_fingerprints_with_the_reason(history):
    file_run(
        history,
        make("peak", [0.1] * 10, 0, options={"load_profile": "peak"}, tool_versions={"locust": "2.46"}),
    )
    current = make("now", [0.1] * 10, 1, options={"load_profile": "steady"}, tool_versions={"locust": "2.47"})
    with pytest.raises(UsageError) as info:
        resolve_baseline("last-pass", current, history)
    text = str(info.value)
    assert "the last passing run peak is not comparable" in text
    assert "load profile 'peak' vs 'steady' now" in text
    assert "locust 2.46 vs 2.47 now" in text


def test_run_id_baseline(history, tmp_path):
    file_run(history, make("a", [0.1] * 10, 0))
    file_run(history, make("b", [0.1] * 10, 1, environment="staging"))
    current = make("now", [0.1] * 10, 2)
    assert resolve_baseline("a", current, history).info.run_id == "a"  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="run b is not comparable: environment 'staging' vs 'demo' now"):
        resolve_baseline("b", current, history)
    with pytest.raises(UsageError, match="neither last-pass, median:N nor a run"):
        resolve_baseline("nope", current, history)
    with pytest.raises(UsageError, match="no passing run of demo/pre-deploy"):
        resolve_baseline("last-pass", make("first", [0.1], 0), History(tmp_path / "empty.sqlite"))


def test_median_of_n(history):
    for i, x in enumerate([0.1, 0.2, 0.3, 0.9]):
        file_run(history, make(f"r{i}", [x] * 10, i))
    current = make("now", [0.25] * 10, 10)
    base = resolve_baseline("median:3", current, history)
    assert isinstance(base, BaselineRuns)
    assert [r.info.run_id for r in base.runs] == ["r2", "r1", "r0"]  # r3 failed its budget
    v = judge(current, budgets({"load.http_req_duration": "med < baseline * 1.5"}), baseline=base)
    assert v.budgets[0].baseline == pytest.approx(0.2)
    assert base.label.startswith("median of 3 runs")
    with pytest.raises(UsageError, match="N >= 1"):
        resolve_baseline("median:0", current, history)


def test_expanded_budgets_are_filed_with_their_pattern(history):
    r = run(
        layer(
            "load",
            trend("http_req_duration", [0.1] * 5, endpoint="GET /a"),
            trend("http_req_duration", [0.2] * 5, endpoint="GET /b"),
        ),
        run_id="glob",
    )
    history.record(r, judge(r, budgets({"load.http_req_duration{endpoint:*}": "p(95) < 800ms"})))
    rows = history.query("SELECT key, pattern_key FROM budgets WHERE run_id = 'glob' ORDER BY key")
    assert rows == [
        ("load.http_req_duration{endpoint:GET /a}", "load.http_req_duration{endpoint:*}"),
        ("load.http_req_duration{endpoint:GET /b}", "load.http_req_duration{endpoint:*}"),
    ]


def test_a_history_file_without_pattern_keys_is_brought_up_to_date(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE budgets (run_id TEXT NOT NULL, key TEXT NOT NULL, expr TEXT NOT NULL,"
        " level TEXT NOT NULL, status TEXT NOT NULL, observed REAL, limit_value REAL, unit TEXT,"
        " samples INTEGER);"
    )
    old.close()
    with History(path) as h:
        file_run(h, make("r1", [0.1], 0))
        assert h.query("SELECT key, pattern_key FROM budgets") == [("load.http_req_duration", None)]
        assert h.query("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    with History(path) as again:
        assert again.get("r1") is not None


def test_get_finds_one_run_among_several(history):
    for i, env in enumerate(["demo", "staging", "demo"]):
        file_run(history, make(f"r{i}", [0.1 * (i + 1)] * 10, i, environment=env))
    stored = history.get("r1")
    assert stored is not None
    assert stored == next(r for r in history.runs() if r.run_id == "r1")
    assert (stored.environment, stored.started_at) == ("staging", T0 + timedelta(hours=1))
    assert history.get("missing") is None
    with pytest.raises(KeyError):
        history.load("missing")


def test_series_over_time_rebuilds_the_stored_samples(history):
    file_run(history, make("early", [0.1, 0.2], 0))
    file_run(history, make("late", [0.3], 1, stage="post-deploy"))
    found = history.series_over_time(environment="demo", layer="load", metric="http_req_duration")
    assert [at for at, _ in found] == [T0, T0 + timedelta(hours=1)]
    assert [s for _, s in found] == [
        history.load(run_id).layer("load").samples[0]  # type: ignore[union-attr]
        for run_id in ("early", "late")
    ]
    assert found[0][1].tags == {"endpoint": "GET /"}
    staged = history.series_over_time(
        environment="demo", layer="load", metric="http_req_failed", stage="post-deploy"
    )
    assert [(at, sorted(s.buckets)) for at, s in staged] == [(T0 + timedelta(hours=1), [(0.0, 99), (1.0, 1)])]
