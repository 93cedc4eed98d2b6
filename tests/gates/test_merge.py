"""Shards -> one run (gates.merge): exact merging of samples, buckets and timelines, records tagged
with their shard, errors kept, and runs that are not shards of one run refused."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasegate.aggregations import percentile, weighted
from releasegate.errors import UsageError
from releasegate.gates import Decision, judge
from releasegate.gates.merge import conflicts, merge_layers, merge_runs, merge_samples
from releasegate.results import LayerStatus, MetricKind, Record, Samples, Status, TimePoint
from tests.gates.factories import T0, budgets, counter, layer, run, trend


def binned(metric: str, buckets: list[tuple[float, int]], **kw) -> Samples:
    return Samples(metric=metric, kind=MetricKind.TREND, unit="s", buckets=buckets, **kw)


def test_values_concatenate_and_buckets_sum_per_value():
    merged = merge_samples(
        [
            (0, binned("d", [(0.1, 3), (0.2, 1)], values=[0.5], duration_s=10)),
            (2, binned("d", [(0.2, 4), (0.3, 2)], values=[0.7], duration_s=10)),
        ]
    )
    assert merged.values == [0.5, 0.7]
    assert merged.buckets == [(0.1, 3), (0.2, 5), (0.3, 2)]
    assert merged.count == 12
    assert merged.duration_s == 12  # side by side: the span, not the sum


def test_timelines_align_on_the_wall_clock_by_second():
    a = binned("d", [], timeline=[TimePoint(t=0, buckets=[(0.1, 1)]), TimePoint(t=1, values=[0.2])])
    b = binned("d", [], timeline=[TimePoint(t=0, buckets=[(0.1, 2)]), TimePoint(t=1, values=[0.4])])
    merged = merge_samples([(0, a), (1, b)])  # b started one second after a
    assert [(p.t, p.values, p.buckets) for p in merged.timeline] == [
        (0, [], [(0.1, 1)]),
        (1, [0.2], [(0.1, 2)]),
        (2, [0.4], []),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.floats(0.001, 5.0), max_size=30),
            st.lists(
                st.tuples(st.sampled_from([0.01, 0.02, 0.05, 0.1, 0.5, 1.0]), st.integers(1, 50)), max_size=6
            ),
        ),
        min_size=2,
        max_size=4,
    ),
    st.sampled_from([50.0, 90.0, 95.0, 99.0, 99.9]),
)
def test_percentiles_of_the_merge_are_those_of_the_union(shards, p):
    series = [(i, binned("d", buckets, values=values)) for i, (values, buckets) in enumerate(shards)]
    merged = merge_samples(series)
    union = sorted(
        [v for values, _ in shards for v in values] + [v for _, bs in shards for v, c in bs for _ in range(c)]
    )
    if not union:
        assert merged.count == 0
        return
    nearest_rank = union[max(1, math.ceil(p / 100 * len(union))) - 1]
    assert merged.count == len(union)
    assert percentile(weighted(merged.values, merged.buckets), p) == nearest_rank


def _shard(run_id: str, *layers, **info):
    return run(*layers, run_id=run_id, **info)


def _e2e(persona: str, failed: bool, *, error: str | None = None):
    record = Record(
        layer="e2e",
        check=f"{persona}: test_journey",
        status=Status.FAIL if failed else Status.PASS,
        tags={"persona": persona, "scenario": "test_journey"},
        artifacts=[f"e2e/{persona}/trace.zip"] if failed else [],
    )
    return layer(
        "e2e",
        counter("failed", 1.0 if failed else 0.0, persona=persona, scenario="test_journey"),
        records=[record],
        status=LayerStatus.ERROR if error else LayerStatus.OK,
        error=error,
        meta={"shard": "1/2" if persona == "marketer" else "2/2"},
        artifacts=[f"e2e/{persona}"],
    )


def test_two_e2e_shards_give_the_persona_results_of_both():
    one = _shard("s1", _e2e("marketer", False))
    two = _shard("s2", _e2e("admin", True), started=T0 + timedelta(seconds=30))
    merged = merge_runs([one, two], run_id="m")
    (e2e,) = merged.layers
    assert merged.info.run_id == "m"
    assert merged.info.options["merged_from"] == ["s1", "s2"]
    assert merged.info.started_at == T0
    assert [(r.tags["persona"], r.tags["shard"], r.status) for r in e2e.records] == [
        ("marketer", "s1", Status.PASS),
        ("admin", "s2", Status.FAIL),
    ]
    assert e2e.records[1].artifacts == ["shards/s2/e2e/admin/trace.zip"]
    assert e2e.artifacts == ["shards/s1/e2e/marketer", "shards/s2/e2e/admin"]
    assert e2e.meta["shards"] == [{"run_id": "s1", "shard": "1/2"}, {"run_id": "s2", "shard": "2/2"}]
    rules = budgets({"e2e.failed": "count == 0"})
    assert judge(merged, rules).decision is Decision.NO_GO
    clean = merge_runs([one, _shard("s2", _e2e("admin", False))], run_id="m")
    assert judge(clean, rules).decision is Decision.GO


def test_a_layer_that_errored_in_one_shard_is_an_error_merged():
    one = _shard("s1", _e2e("marketer", False))
    two = _shard("s2", _e2e("admin", False, error="browser crashed"))
    (e2e,) = merge_runs([one, two], run_id="m").layers
    assert e2e.status is LayerStatus.ERROR
    assert e2e.error == "shard s2: browser crashed"
    assert judge(merge_runs([one, two], run_id="m"), budgets({"e2e.failed": "count == 0"})).decision is (
        Decision.INCONCLUSIVE
    )


def test_different_layers_of_one_run_sit_side_by_side():
    load = _shard(
        "s1", layer("load", trend("http_req_duration", [0.1, 0.2])), tool_versions={"locust": "2.47"}
    )
    e2e = _shard("s2", _e2e("marketer", False), tool_versions={"playwright": "1.65"})
    merged = merge_runs([load, e2e], run_id="m")
    assert [lr.layer for lr in merged.layers] == ["load", "e2e"]
    assert merged.info.layers == ["load", "e2e"]
    assert merged.info.tool_versions == {"locust": "2.47", "playwright": "1.65"}
    skipped = merge_layers([("a", layer("web", status=LayerStatus.SKIPPED))])
    assert skipped.status is LayerStatus.SKIPPED
    mixed = merge_layers([("a", layer("web", status=LayerStatus.SKIPPED)), ("b", layer("web"))])
    assert mixed.status is LayerStatus.OK


@pytest.mark.parametrize(
    ("other", "message"),
    [
        ({"environment": "staging"}, "environment 'staging' vs 'demo' (s2 vs s1)"),
        ({"stage": "post-deploy"}, "stage 'post-deploy' vs 'pre-deploy'"),
        ({"commit": "def5678"}, "target version 'def5678' vs 'abc1234'"),
        ({"tool_versions": {"locust": "2.46"}}, "locust 2.46 vs 2.47"),
        ({"options": {"load_profile": "stress"}}, "load profile 'stress' vs 'average'"),
    ],
)
def test_runs_that_are_not_shards_of_one_run_are_refused(other, message):
    base = {"tool_versions": {"locust": "2.47"}, "options": {"load_profile": "average"}}
    one = _shard("s1", layer("load", trend("http_req_duration", [0.1])), **base)
    two = _shard("s2", layer("load", trend("http_req_duration", [0.1])), **{**base, **other})
    assert any(message in c for c in conflicts([one, two]))
    with pytest.raises(UsageError, match="not shards of one run") as info:
        merge_runs([one, two], run_id="m")
    assert info.value.exit_code == 2
    fine = _shard("s3", layer("load", trend("http_req_duration", [0.1])), **base)
    assert conflicts([one, fine]) == []


def test_layer_settings_must_agree_and_each_run_counts_once():
    one = _shard("s1", layer("load", trend("d", [0.1]), meta={"users": 10}))
    two = _shard("s2", layer("load", trend("d", [0.1]), meta={"users": 50}))
    with pytest.raises(UsageError, match="load users 50 vs 10"):
        merge_runs([one, two], run_id="m")
    with pytest.raises(UsageError, match="run s1 is given twice"):
        merge_runs([one, one], run_id="m")
    with pytest.raises(UsageError, match="two runs or more"):
        merge_runs([one], run_id="m")


def test_findings_of_each_shard_are_kept_with_their_evidence_under_the_shard():
    from releasegate.results import Finding

    failing = _e2e("admin", True)
    failing.findings = [
        Finding(
            layer="e2e",
            kind="step_failed",
            where="admin: ban a user",
            what="admin failed at: ban a user",
            evidence=["e2e/admin/trace.zip"],
            metric="failed",
            tags={"persona": "admin"},
        )
    ]
    merged = merge_runs([_shard("s1", _e2e("marketer", False)), _shard("s2", failing)], run_id="m")
    (finding,) = merged.layers[0].findings
    assert finding.evidence == ["shards/s2/e2e/admin/trace.zip"]
    assert finding.tags == {"persona": "admin", "shard": "s2"}
    (failed,) = [
        b for b in judge(merged, budgets({"e2e.failed": "count == 0"})).budgets if b.key == "e2e.failed"
    ]
    assert [f.where for f in failed.findings] == ["admin: ban a user"]
