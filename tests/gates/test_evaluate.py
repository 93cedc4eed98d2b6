"""The judge: statuses, fail-closed rules and the run's decision (one test per exit code)."""

from __future__ import annotations

from typing import Any

import pytest

from releasegate.exitcodes import ExitCode
from releasegate.gates import BudgetVerdict, Decision, Verdict, judge
from releasegate.gates.model import BudgetStatus
from releasegate.gates.regress import BaselineRuns
from releasegate.results import LayerResult, LayerStatus, MetricKind, Samples
from tests.gates.factories import budgets, counter, failing_record, layer, rate, run, timeline, trend

DURATION = "load.http_req_duration"


def load(values: list[float], **kw: Any) -> LayerResult:
    return layer("load", trend("http_req_duration", values, endpoint="GET /api/prompts", method="GET"), **kw)


def by_key(verdict: Verdict) -> dict[tuple[str, str], BudgetVerdict]:
    return {(b.key, b.expr): b for b in verdict.budgets}


def test_go_exit_0():
    v = judge(run(load([0.1] * 50)), budgets({DURATION: ["avg < 2s", "p(95) < 800ms"]}))
    assert (v.decision, v.exit_code) == (Decision.GO, ExitCode.GO)
    assert v.reason == "all 2 budgets passed"
    b = by_key(v)[(DURATION, "p(95) < 800ms")]
    assert (b.status, b.observed, b.limit, b.operator, b.unit, b.samples) == (
        BudgetStatus.PASS,
        0.1,
        0.8,
        "<",
        "s",
        50,
    )
    assert b.delta == pytest.approx(-0.875)
    assert b.message == "p95 of load.http_req_duration was 100 ms within the budget of 800 ms (-87.5 %)"


def test_no_go_exit_1_with_a_readable_sentence_and_evidence():
    values = [0.5] * 90 + [0.912] * 10
    rec = failing_record("load", "GET /api/prompts", endpoint="GET /api/prompts")
    v = judge(
        run(load(values, records=[rec], artifacts=["load/locust.html"])),
        budgets({"load.http_req_duration{endpoint:GET /api/*}": "p(95) < 800ms"}),
    )
    assert (v.decision, v.exit_code) == (Decision.NO_GO, ExitCode.NO_GO)
    b = v.budgets[0]
    assert b.status is BudgetStatus.FAIL
    assert b.message == "p95 of GET /api/prompts was 912 ms against a budget of 800 ms (+14 %)"
    assert (b.key, b.pattern_key) == (
        "load.http_req_duration{endpoint:GET /api/prompts}",
        "load.http_req_duration{endpoint:GET /api/*}",
    )
    assert b.evidence == [
        "load/GET__api_prompts.png",
        "curl -sS http://127.0.0.1:8000/api/prompts",
        "load/locust.html",
    ]
    assert v.reason.startswith("1 budget failed: load.http_req_duration{endpoint:GET /api/prompts}: p95 of")


def test_warn_level_failure_is_go_with_warnings_exit_0():
    v = judge(run(load([3.0] * 10)), budgets({DURATION: {"expr": "avg < 2s", "level": "warn"}}))
    assert (v.decision, v.exit_code) == (Decision.GO_WITH_WARNINGS, ExitCode.GO)
    assert v.budgets[0].status is BudgetStatus.WARN


def test_layer_error_is_inconclusive_exit_3_even_without_budgets():
    crashed = layer(
        "web", status=LayerStatus.ERROR, error="lighthouse exited 1", artifacts=["web/stderr.txt"]
    )
    v = judge(run(load([0.1] * 10), crashed), budgets({DURATION: "avg < 2s"}))
    assert (v.decision, v.exit_code) == (Decision.INCONCLUSIVE, ExitCode.INCONCLUSIVE)
    synthetic = by_key(v)[("web.layer_status", "status == ok")]
    assert synthetic.status is BudgetStatus.INCONCLUSIVE
    assert "lighthouse exited 1" in synthetic.message
    assert synthetic.evidence == ["web/stderr.txt"]


def test_budgets_of_an_errored_layer_are_inconclusive():
    crashed = layer("load", trend("http_req_duration", [0.1]), status=LayerStatus.ERROR, error="locust died")
    v = judge(run(crashed), budgets({DURATION: "avg < 2s"}))
    assert v.budgets[0].status is BudgetStatus.INCONCLUSIVE
    assert "locust died" in v.budgets[0].message


def test_listed_layer_without_result_is_inconclusive():
    v = judge(
        run(load([0.1]), layers=["load", "e2e"]), budgets({DURATION: "avg < 2s", "e2e.failed": "count == 0"})
    )
    assert v.decision is Decision.INCONCLUSIVE
    assert by_key(v)[("e2e.failed", "count == 0")].message == "layer e2e reported no result"
    assert ("e2e.layer_status", "status == ok") in by_key(v)


def test_no_data_and_min_samples_fail_closed():
    v = judge(
        run(load([0.1] * 5)),
        budgets(
            {
                "load.http_req_duration{endpoint:POST *}": "avg < 2s",
                DURATION: {"expr": "avg < 2s", "min_samples": 10},
            }
        ),
    )
    assert v.decision is Decision.INCONCLUSIVE
    first, second = v.budgets
    assert first.message == "no data for load.http_req_duration{endpoint:POST *}"
    assert second.message == "only 5 samples for load.http_req_duration, fewer than min_samples = 10"


def test_allow_missing_does_not_block():
    v = judge(
        run(load([0.1] * 5)),
        budgets(
            {
                DURATION: "avg < 2s",
                "load.http_req_failed": {"expr": "rate < 1%", "allow_missing": True},
            }
        ),
    )
    assert v.decision is Decision.GO
    assert v.budgets[1].status is BudgetStatus.INCONCLUSIVE
    assert v.budgets[1].allow_missing
    assert v.problems == []  # tolerated missing data asks nothing of the reader


def test_allowed_missing_data_is_folded_in_the_html_report_not_listed_as_a_problem():
    from releasegate.gates.reports.html import render_html

    tolerated = "load.http_req_failed"
    result = run(load([0.1] * 5))
    v = judge(
        result, budgets({DURATION: "avg < 2s", tolerated: {"expr": "rate < 1%", "allow_missing": True}})
    )
    html = render_html(v, result)
    assert 'id="problems"' not in html
    folded = html[html.index('id="off"') :]
    assert tolerated in folded


def test_off_budgets_and_layers_not_in_the_run():
    v = judge(
        run(load([0.1])),
        budgets(
            {
                DURATION: "avg < 2s",
                "web.largest_contentful_paint": "med < 2.5s",
                "load.http_req_failed": {"expr": "rate < 1%", "level": "off"},
            }
        ),
    )
    statuses = [b.status for b in v.budgets]
    assert statuses == [BudgetStatus.PASS, BudgetStatus.OFF, BudgetStatus.OFF]
    assert v.decision is Decision.GO


def test_nothing_judged_is_inconclusive():
    v = judge(run(load([0.1])), budgets({"web.largest_contentful_paint": "med < 2.5s"}))
    assert v.decision is Decision.INCONCLUSIVE
    assert v.reason.startswith("nothing was judged")


def test_aborted_layer_fails():
    v = judge(run(load([0.1], aborted="p(95) < 2s broken for 10 s")), budgets({DURATION: "avg < 2s"}))
    assert v.decision is Decision.NO_GO
    assert by_key(v)[("load.aborted", "not aborted")].status is BudgetStatus.FAIL


@pytest.mark.parametrize(
    ("expr", "status"),
    [
        ("rate < 1% or count < 20", BudgetStatus.PASS),  # rate 2 % fails, count 2 passes
        ("rate < 1% and count < 20", BudgetStatus.FAIL),
        ("rate < 5% and count < 20", BudgetStatus.PASS),
        ("(rate < 1% or count < 1) and rate < 5%", BudgetStatus.FAIL),
    ],
)
def test_and_or(expr, status):
    v = judge(run(layer("load", rate("http_req_failed", 98, 2))), budgets({"load.http_req_failed": expr}))
    assert v.budgets[0].status is status


def test_failed_composite_reports_the_broken_comparison():
    v = judge(
        run(layer("load", rate("http_req_failed", 98, 2))),
        budgets({"load.http_req_failed": "count < 20 and rate < 1%"}),
    )
    b = v.budgets[0]
    assert b.operator == "<"
    assert b.limit == pytest.approx(0.01)
    assert b.observed == pytest.approx(0.02)
    assert [c.passed for c in b.comparisons] == [True, False]
    assert b.message.endswith("[count < 20 and rate < 1%]")


def _timed(per_second: list[list[float]]) -> Samples:
    s = trend("http_req_duration", [v for second in per_second for v in second], endpoint="GET /")
    s.timeline = timeline(per_second)
    return s


def _timed_rate(per_second: list[list[float]]) -> Samples:
    s = Samples(
        metric="http_req_failed",
        kind=MetricKind.RATE,
        unit="ratio",
        tags={"endpoint": "GET /"},
        values=[v for second in per_second for v in second],
    )
    s.timeline = timeline(per_second)
    return s


FAILED = "load.http_req_failed{endpoint:*}"
WINDOWED_RATE = {FAILED: {"expr": "rate < 5%", "abort": True, "window": "10s", "grace": "5s"}}


@pytest.mark.parametrize(
    ("name", "per_second", "status", "says"),
    [
        # every request refused, the run stopped at its cap after 4 s: shorter than the window
        ("short run, all failing", [[1.0] * 20] * 4, BudgetStatus.FAIL, "rate of GET / was 100 %"),
        # a 5 s burst in a 12 s run: never 10 s in a row, but 42 % over the whole run
        (
            "burst under the window",
            [[0.0] * 10] * 7 + [[1.0] * 10] * 5,
            BudgetStatus.FAIL,
            "broken over the whole run",
        ),
        # 12 s in breach inside a long clean run: 1.2 % overall, yet a sustained breach
        (
            "sustained in a long run",
            [[0.0] * 10] * 488 + [[0.1] * 10] * 12,
            BudgetStatus.FAIL,
            "longest breach 12 s",
        ),
        # a 3 s blip in a long clean run: whole run and every window hold
        (
            "short blip, long run",
            [[0.0] * 10] * 97 + [[0.1] * 10] * 3,
            BudgetStatus.PASS,
            "longest breach 3 s",
        ),
        ("clean short run", [[0.0] * 20] * 4, BudgetStatus.PASS, "shorter than the window"),
    ],
)
def test_a_window_never_lets_a_broken_budget_pass(
    name: str, per_second: list[list[float]], status: BudgetStatus, says: str
) -> None:
    v = judge(run(layer("load", _timed_rate(per_second))), budgets(WINDOWED_RATE))
    assert v.budgets[0].status is status, (name, v.budgets[0].message)
    assert says in v.budgets[0].message, name


def test_window_adds_a_sustained_breach_to_the_whole_run_judgement():
    spike = [[0.1] * 5] * 10 + [[3.0] * 5] * 5 + [[0.1] * 5] * 10  # 5 s over budget
    long = [[0.1] * 5] * 5 + [[3.0] * 5] * 20  # 20 s over budget
    windowed = {DURATION: {"expr": "p(95) < 2s", "window": "for 10s"}}
    v_spike = judge(run(layer("load", _timed(spike))), budgets(windowed))
    v_long = judge(run(layer("load", _timed(long))), budgets(windowed))
    # 25 of 125 values at 3 s: the whole-run p95 is 3 s, the window cannot excuse it
    assert v_spike.budgets[0].status is BudgetStatus.FAIL
    assert "longest breach 5 s (window 10 s)" in v_spike.budgets[0].message
    assert v_long.budgets[0].status is BudgetStatus.FAIL
    assert "p95 of load.http_req_duration was 3 s against a budget of 2 s" in v_long.budgets[0].message
    # the same spike in a run long enough to absorb it passes: p95 over the run is 100 ms
    diluted = [[0.1] * 5] * 200 + [[3.0] * 5] * 5
    assert (
        judge(run(layer("load", _timed(diluted))), budgets(windowed)).budgets[0].status is BudgetStatus.PASS
    )


def test_window_without_timeline_is_inconclusive():
    v = judge(run(load([0.1] * 10)), budgets({DURATION: {"expr": "avg < 2s", "window": "30s"}}))
    assert v.budgets[0].status is BudgetStatus.INCONCLUSIVE
    assert "needs per-second timeline data" in v.budgets[0].message


def test_baseline_expressions():
    base = run(load([0.5] * 100), run_id="base")
    current = run(load([0.6] * 100))
    relative = budgets({DURATION: ["p(95) < baseline * 1.10", "med < baseline + 200ms"]})
    v = judge(current, relative, baseline=base)
    first, second = v.budgets
    assert first.status is BudgetStatus.FAIL
    assert first.limit == pytest.approx(0.55)
    assert first.baseline == 0.5
    assert "(baseline 500 ms)" in first.message
    assert second.limit == pytest.approx(0.7)
    # within its own limit, but the whole distribution moved by 20 %: a significant, large regression
    assert second.status is BudgetStatus.WARN
    assert "regression: median of load.http_req_duration moved from 500 ms to 600 ms (+20 %" in second.message
    assert second.regression is not None
    assert second.regression.detected
    assert v.baseline_run == "base"


def test_small_shift_is_not_a_regression():
    v = judge(
        run(load([0.52] * 100)),
        budgets({DURATION: "med < baseline + 200ms"}),
        baseline=run(load([0.5] * 100), run_id="base"),
    )
    assert v.budgets[0].status is BudgetStatus.PASS
    assert v.budgets[0].regression is not None
    assert not v.budgets[0].regression.detected


def test_baseline_missing_is_inconclusive_at_its_level():
    v = judge(
        run(load([0.6] * 100)), budgets({DURATION: [{"expr": "p(95) < baseline * 1.1", "level": "warn"}][0]})
    )
    assert v.budgets[0].status is BudgetStatus.INCONCLUSIVE
    assert "no baseline to compare with" in v.budgets[0].message
    assert v.decision is Decision.INCONCLUSIVE  # nothing else was judged


def test_median_of_several_baseline_runs():
    runs = tuple(run(load([x] * 50), run_id=f"b{i}") for i, x in enumerate([0.4, 0.5, 0.9]))
    v = judge(
        run(load([0.52] * 50)), budgets({DURATION: "avg < baseline * 1.1"}), baseline=BaselineRuns(runs)
    )
    assert v.budgets[0].baseline == 0.5
    assert v.budgets[0].status is BudgetStatus.PASS


def test_counter_budget_with_zero():
    v = judge(
        run(layer("contract", counter("failures", 0, check="not_a_server_error"))),
        budgets({"contract.failures": "count == 0"}),
    )
    assert v.budgets[0].status is BudgetStatus.PASS
    assert v.budgets[0].message == "count of contract.failures was 0, as required"
    v = judge(run(layer("contract", counter("failures", 3))), budgets({"contract.failures": "count == 0"}))
    assert v.budgets[0].message == "count of contract.failures was 3, expected 0"


def test_judge_is_pure():
    r = run(load([0.1] * 10))
    before = r.model_dump_json()
    b = budgets({DURATION: "avg < 2s"})
    assert judge(r, b) == judge(r, b)
    assert r.model_dump_json() == before
