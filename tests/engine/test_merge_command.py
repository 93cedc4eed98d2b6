"""``releasegate merge`` end to end: real runs against the real promptlib, merged, then judged once.

Load: two Locust runs merged give the request count and the percentiles of the union of the
recorded samples; a shard against a failing target makes the merged verdict NO-GO.
E2e shards: each shard is a real smoke run plus the persona results of its shard (built from
the results model), merged into the persona results of both. Conflicts and bad inputs: exit 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from releasegate.cli import main
from releasegate.exitcodes import ExitCode
from releasegate.results import LayerResult, LayerStatus, MetricKind, Record, RunResult, Samples, Status

pytestmark = pytest.mark.integration

CONFIG = """
[history]
enabled = false

[layers.load]
profile = "tiny"
endpoints = [
  { method = "GET", path = "/api/tags", weight = 2 },
  { method = "GET", path = "/health", weight = 1 },
]
[layers.load.profiles.tiny]
users = 4
spawn_rate = 4
arrival_rate = 25
duration_s = 3
max_duration_s = 20
max_requests = 2000

[layers.smoke]
repeats = 2

[budgets]
"load.http_req_duration" = ["p(95) < 2s", "p(99) < 3s"]
"load.http_req_failed" = "rate < 1%"
"smoke.checks_failed" = "count == 0"
"e2e.failed" = "count == 0"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "releasegate.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _run(config: Path, reports: Path, url: str, layers: str, *extra: str) -> Path:
    args = ["run", "--config", str(config), "--base-url", url, "--layers", layers, "--no-history"]
    code = main([*args, "--report-dir", str(reports), "--plain", *extra])
    assert code in (ExitCode.GO, ExitCode.NO_GO), code
    (run_dir,) = [d for d in reports.iterdir() if d.is_dir() and not d.is_symlink()]
    return run_dir


def _results(run_dir: Path) -> RunResult:
    return RunResult.model_validate_json((run_dir / "results.json").read_text(encoding="utf-8"))


def _union(runs: list[RunResult], metric: str) -> list[float]:
    out: list[float] = []
    for r in runs:
        load = r.layer("load")
        assert load is not None
        for s in load.samples:
            if s.metric == metric:
                out += list(s.values) + [v for v, c in s.buckets for _ in range(c)]
    return sorted(out)


def _requests(run: RunResult) -> float:
    """The run's ``load.http_reqs`` counter: the sum of its increments."""
    load = run.layer("load")
    assert load is not None
    return sum(sum(s.values) for s in load.samples if s.metric == "http_reqs")


def _nearest_rank(values: list[float], p: float) -> float:
    return values[max(1, math.ceil(p / 100 * len(values))) - 1]


def _verdict(run_dir: Path) -> dict[str, Any]:
    return dict(json.loads((run_dir / "verdict.json").read_text(encoding="utf-8")))


def _observed(verdict: dict[str, Any], expr: str) -> float:
    (found,) = [b for b in verdict["budgets"] if b["key"] == "load.http_req_duration" and b["expr"] == expr]
    return float(found["observed"])


@pytest.mark.slow
def test_two_load_runs_merged_are_judged_on_the_union(
    tmp_path: Path, config: Path, promptlib: Any, start_promptlib: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _run(config, tmp_path / "a", promptlib.url, "load")
    two = _run(config, tmp_path / "b", promptlib.url, "load")
    merged_dir = tmp_path / "merged"
    assert main(["merge", str(one), str(two), "--out", str(merged_dir)]) == ExitCode.GO
    assert f"next: releasegate judge {merged_dir}" in capsys.readouterr().out
    assert main(["judge", str(merged_dir), "--config", str(config)]) == ExitCode.GO

    shards = [_results(one), _results(two)]
    merged = _results(merged_dir)
    union = _union(shards, "http_req_duration")
    assert len(union) > 50
    assert len(_union([merged], "http_req_duration")) == len(union)
    assert _requests(merged) == sum(_requests(r) for r in shards) > 50
    verdict = _verdict(merged_dir)
    assert _observed(verdict, "p(95) < 2s") == pytest.approx(_nearest_rank(union, 95))
    assert _observed(verdict, "p(99) < 3s") == pytest.approx(_nearest_rank(union, 99))
    for shard in shards:  # each shard's files, under its run id
        assert (merged_dir / "shards" / shard.info.run_id / "results.json").is_file()

    failing = start_promptlib("errors=30%")
    three = _run(config, tmp_path / "c", failing.url, "load")
    bad = tmp_path / "merged-bad"
    assert main(["merge", str(one), str(three), "--out", str(bad)]) == ExitCode.GO
    capsys.readouterr()
    assert main(["judge", str(bad), "--config", str(config)]) == ExitCode.NO_GO
    assert "load.http_req_failed" in capsys.readouterr().out


def _persona_layer(persona: str, shard: str, *, failed: bool) -> LayerResult:
    """What the e2e layer of one shard produces for one persona (built from the results model)."""
    status = Status.FAIL if failed else Status.PASS
    return LayerResult(
        layer="e2e",
        status=LayerStatus.OK,
        records=[
            Record(
                layer="e2e",
                check=f"{persona}: test_{persona}_journey",
                status=status,
                message=f"{persona} failed at: publish — boom" if failed else "",
                tags={"persona": persona, "scenario": f"test_{persona}_journey"},
                artifacts=[f"e2e/{persona}/trace.zip"] if failed else [],
            )
        ],
        samples=[
            Samples(
                metric="failed",
                kind=MetricKind.COUNTER,
                tags={"persona": persona, "scenario": f"test_{persona}_journey"},
                values=[1.0 if failed else 0.0],
            ),
            Samples(
                metric="scenario_duration",
                kind=MetricKind.TREND,
                unit="s",
                tags={"persona": persona, "scenario": f"test_{persona}_journey"},
                values=[1.5],
            ),
        ],
        meta={"shard": shard},
    )


def _e2e_shard(config: Path, reports: Path, url: str, persona: str, shard: str, *, failed: bool) -> Path:
    """A real smoke run against promptlib, with the persona results of this shard added to it."""
    run_dir = _run(config, reports, url, "smoke", "--stage", "post-deploy")
    result = _results(run_dir)
    info = result.info.model_copy(update={"layers": [*result.info.layers, "e2e"]})
    with_e2e = result.model_copy(
        update={"info": info, "layers": [*result.layers, _persona_layer(persona, shard, failed=failed)]}
    )
    (run_dir / "results.json").write_text(with_e2e.model_dump_json(), encoding="utf-8")
    if failed:
        (run_dir / "e2e" / persona).mkdir(parents=True)
        (run_dir / "e2e" / persona / "trace.zip").write_bytes(b"PK")
    return run_dir


def test_two_e2e_shards_merged_give_the_persona_results_of_both(
    tmp_path: Path, config: Path, promptlib: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _e2e_shard(config, tmp_path / "a", promptlib.url, "marketer", "1/2", failed=False)
    two = _e2e_shard(config, tmp_path / "b", promptlib.url, "admin", "2/2", failed=False)
    merged_dir = tmp_path / "merged"
    assert main(["merge", str(one), str(two), "--out", str(merged_dir)]) == ExitCode.GO
    assert main(["judge", str(merged_dir), "--config", str(config)]) == ExitCode.GO
    merged = _results(merged_dir)
    e2e, smoke = merged.layer("e2e"), merged.layer("smoke")
    assert e2e is not None
    assert smoke is not None
    assert sorted(r.tags["persona"] for r in e2e.records) == ["admin", "marketer"]
    assert {r.tags["shard"] for r in smoke.records} == {_results(one).info.run_id, _results(two).info.run_id}
    assert sum(1 for s in e2e.samples if s.metric == "failed") == 2

    broken = _e2e_shard(config, tmp_path / "c", promptlib.url, "admin", "2/2", failed=True)
    bad = tmp_path / "merged-bad"
    assert main(["merge", str(one), str(broken), "--out", str(bad)]) == ExitCode.GO
    capsys.readouterr()
    assert main(["judge", str(bad), "--config", str(config)]) == ExitCode.NO_GO
    out = capsys.readouterr().out
    assert "admin failed at: publish" in out
    (failing,) = [r for r in _results(bad).layer("e2e").records if r.status is Status.FAIL]  # type: ignore[union-attr]
    assert (bad / failing.artifacts[0]).is_file()  # the path points at the copied shard


def test_conflicting_or_missing_runs_are_refused(
    tmp_path: Path, config: Path, promptlib: Any, start_promptlib: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    post = _run(config, tmp_path / "a", promptlib.url, "smoke", "--stage", "post-deploy")
    pre = _run(config, tmp_path / "b", promptlib.url, "smoke", "--stage", "pre-deploy")
    out = tmp_path / "merged"
    capsys.readouterr()
    assert main(["merge", str(post), str(pre), "--out", str(out)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "not shards of one run" in err
    assert "stage 'pre-deploy' vs 'post-deploy'" in err
    assert not out.exists()  # nothing written

    other = start_promptlib(commit="fedcba9")
    other_version = _run(config, tmp_path / "c", other.url, "smoke", "--stage", "post-deploy")
    assert main(["merge", str(post), str(other_version), "--out", str(out)]) == ExitCode.USAGE
    assert "target version 'fedcba9'" in capsys.readouterr().err

    assert main(["merge", str(post), str(tmp_path / "nope"), "--out", str(out)]) == ExitCode.USAGE
    assert "results.json does not exist" in capsys.readouterr().err
    out.mkdir()
    (out / "x").write_text("taken")
    assert main(["merge", str(post), str(pre), "--out", str(out)]) == ExitCode.USAGE
    assert "exists and is not empty" in capsys.readouterr().err
