"""Glob selectors: one verdict per matching tag value, never one pooled aggregate."""

from __future__ import annotations

from typing import Any

import pytest

from releasegate.gates import Decision, Verdict, abort_rules, judge, validate_budgets
from releasegate.gates.budgets import BudgetSet
from releasegate.gates.expand import escape, expand, format_key, glob_tags, is_glob
from releasegate.gates.model import BudgetStatus
from releasegate.gates.reports.html import render_html
from releasegate.gates.reports.junit import render_junit
from releasegate.gates.reports.markdown import render_markdown
from releasegate.layers._load import hdr
from releasegate.layers._load.abort import Cell, Rule, evaluate
from releasegate.results import LayerStatus, RunResult, Samples
from tests.gates.factories import budgets, failing_record, layer, rate, run, timeline, trend

LCP = "web.largest_contentful_paint"


def lcp(page: str, *seconds: float) -> Samples:
    return trend("largest_contentful_paint", list(seconds), page=page)


def pages(heavy: str | None = None, **kw: Any) -> RunResult:
    """Three Lighthouse runs per page; ``heavy`` takes 4 s instead of 1.2 s."""
    return run(
        layer(
            "web", *(lcp(p, *([4.0] * 3 if p == heavy else [1.2] * 3)) for p in ("/", "/explore", "/login"))
        ),
        **kw,
    )


def statuses(v: Verdict) -> dict[str, BudgetStatus]:
    return {b.key: b.status for b in v.budgets}


@pytest.mark.parametrize(
    ("heavy", "raw", "expected", "decision"),
    [
        pytest.param(
            "/explore",
            {f"{LCP}{{page:*}}": "median <= 2.5s"},
            {
                f"{LCP}{{page:/}}": BudgetStatus.PASS,
                f"{LCP}{{page:/explore}}": BudgetStatus.FAIL,
                f"{LCP}{{page:/login}}": BudgetStatus.PASS,
            },
            Decision.NO_GO,
            id="one heavy page among healthy ones fails",
        ),
        pytest.param(
            None,
            {f"{LCP}{{page:*}}": "median <= 2.5s"},
            {f"{LCP}{{page:{p}}}": BudgetStatus.PASS for p in ("/", "/explore", "/login")},
            Decision.GO,
            id="every page healthy",
        ),
        pytest.param(
            "/explore",
            {LCP: "median <= 2.5s"},
            {LCP: BudgetStatus.PASS},
            Decision.GO,
            id="no selector still pools the layer: 3 heavy runs of 9 pass the median",
        ),
        pytest.param(
            "/explore",
            {f"{LCP}{{page:/log*}}": "median <= 2.5s"},
            {f"{LCP}{{page:/login}}": BudgetStatus.PASS},
            Decision.GO,
            id="a narrower glob judges only its matches",
        ),
        pytest.param(
            "/explore",
            {f"{LCP}{{page:/explore}}": "median <= 2.5s"},
            {f"{LCP}{{page:/explore}}": BudgetStatus.FAIL},
            Decision.NO_GO,
            id="exact value as before",
        ),
        pytest.param(
            None,
            {f"{LCP}{{page:/admin*}}": "median <= 2.5s"},
            {f"{LCP}{{page:/admin*}}": BudgetStatus.INCONCLUSIVE},
            Decision.INCONCLUSIVE,
            id="a glob matching nothing is inconclusive",
        ),
        pytest.param(
            None,
            {
                f"{LCP}{{page:/admin*}}": {"expr": "median <= 2.5s", "allow_missing": True},
                f"{LCP}{{page:/}}": "median <= 2.5s",
            },
            {f"{LCP}{{page:/admin*}}": BudgetStatus.INCONCLUSIVE, f"{LCP}{{page:/}}": BudgetStatus.PASS},
            Decision.GO,
            id="allow_missing tolerates a glob matching nothing",
        ),
    ],
)
def test_glob_expansion(
    heavy: str | None, raw: dict[str, Any], expected: dict[str, BudgetStatus], decision: Decision
) -> None:
    v = judge(pages(heavy), budgets(raw))
    assert statuses(v) == expected
    assert v.decision is decision


def test_expanded_records_name_their_value_and_keep_the_pattern() -> None:
    v = judge(pages("/explore"), budgets({f"{LCP}{{page:*}}": "median <= 2.5s"}))
    explore = next(b for b in v.budgets if b.status is BudgetStatus.FAIL)
    assert explore.pattern_key == f"{LCP}{{page:*}}"
    assert explore.expanded == {"page": "/explore"}
    assert (explore.observed, explore.samples) == (4.0, 3)
    assert explore.message == "median of /explore was 4 s against a budget of 2.5 s (+60 %)"
    assert v.reason.startswith(f"1 budget failed: {LCP}{{page:/explore}}: median of /explore was 4 s")
    assert {b.pattern_key for b in v.budgets} == {f"{LCP}{{page:*}}"}
    exact = judge(pages(), budgets({f"{LCP}{{page:/}}": "median <= 2.5s"})).budgets[0]
    assert (exact.pattern_key, exact.expanded) == (None, {})


def test_a_glob_matching_nothing_is_one_record_on_the_pattern() -> None:
    v = judge(pages(), budgets({f"{LCP}{{page:/admin*}}": "median <= 2.5s"}))
    (only,) = v.budgets
    assert only.message == f"no data for {LCP}{{page:/admin*}}"
    assert (only.pattern_key, only.expanded) == (f"{LCP}{{page:/admin*}}", {})


def test_two_glob_tags_give_one_verdict_per_combination() -> None:
    samples = [
        trend("http_req_duration", [0.1] * 20, endpoint="GET /a", persona="free"),
        trend("http_req_duration", [0.1] * 20, endpoint="GET /a", persona="pro"),
        trend("http_req_duration", [0.1] * 20, endpoint="GET /b", persona="free"),
        trend("http_req_duration", [3.0] * 5, endpoint="GET /b", persona="pro"),
        trend("http_req_duration", [0.1] * 15, endpoint="GET /b", persona="pro"),
        trend("http_req_duration", [9.0] * 20, endpoint="POST /b", persona="pro"),
    ]
    key = "load.http_req_duration{endpoint:GET *,persona:*}"
    v = judge(run(layer("load", *samples)), budgets({key: "p(95) < 800ms"}))
    assert statuses(v) == {
        "load.http_req_duration{endpoint:GET /a,persona:free}": BudgetStatus.PASS,
        "load.http_req_duration{endpoint:GET /a,persona:pro}": BudgetStatus.PASS,
        "load.http_req_duration{endpoint:GET /b,persona:free}": BudgetStatus.PASS,
        "load.http_req_duration{endpoint:GET /b,persona:pro}": BudgetStatus.FAIL,
    }
    failed = next(b for b in v.budgets if b.status is BudgetStatus.FAIL)
    assert failed.samples == 20  # both series of that combination pooled, POST left out
    assert failed.expanded == {"endpoint": "GET /b", "persona": "pro"}
    assert failed.message.startswith("p95 of GET /b, pro was 3 s")


def test_glob_next_to_an_exact_tag() -> None:
    samples = [
        trend("http_req_duration", [0.1] * 10, endpoint="GET /a", method="GET"),
        trend("http_req_duration", [9.0] * 10, endpoint="GET /a", method="HEAD"),
        trend("http_req_duration", [0.2] * 10, endpoint="GET /b", method="GET"),
    ]
    v = judge(
        run(layer("load", *samples)), budgets({"load.http_req_duration{endpoint:*,method:GET}": "avg < 1s"})
    )
    assert statuses(v) == {
        "load.http_req_duration{endpoint:GET /a,method:GET}": BudgetStatus.PASS,
        "load.http_req_duration{endpoint:GET /b,method:GET}": BudgetStatus.PASS,
    }


def test_values_with_glob_characters_match_only_themselves() -> None:
    samples = [lcp("/a[1]", 4.0), lcp("/a1", 1.0), lcp("/a*", 2.0)]
    v = judge(run(layer("web", *samples)), budgets({f"{LCP}{{page:/a*}}": "max <= 3s"}))
    observed = {b.key: (b.observed, b.samples) for b in v.budgets}
    assert observed == {
        f"{LCP}{{page:/a*}}": (2.0, 1),
        f"{LCP}{{page:/a1}}": (1.0, 1),
        f"{LCP}{{page:/a[1]}}": (4.0, 1),
    }
    assert escape("/a[1]*?") == "/a[[]1][*][?]"


@pytest.mark.parametrize(
    ("base", "current", "expected"),
    [
        pytest.param(
            {"/": 2.0, "/explore": 1.0},
            {"/": 2.0, "/explore": 1.5},
            {"/": (BudgetStatus.PASS, 2.0), "/explore": (BudgetStatus.FAIL, 1.0)},
            id="each value against its own baseline",
        ),
        pytest.param(
            {"/": 2.0},
            {"/": 2.0, "/explore": 1.0},
            {"/": (BudgetStatus.PASS, 2.0), "/explore": (BudgetStatus.INCONCLUSIVE, None)},
            id="a value the baseline lacks has no baseline",
        ),
    ],
)
def test_baseline_per_concrete_value(
    base: dict[str, float], current: dict[str, float], expected: dict[str, tuple[BudgetStatus, float | None]]
) -> None:
    def web_run(values: dict[str, float], run_id: str) -> RunResult:
        return run(layer("web", *(lcp(p, v, v, v) for p, v in values.items())), run_id=run_id)

    v = judge(
        web_run(current, "now"),
        budgets({f"{LCP}{{page:*}}": "median < baseline * 1.10"}),
        baseline=web_run(base, "base"),
    )
    got = {b.expanded["page"]: (b.status, b.baseline) for b in v.budgets}
    assert got == expected


def test_min_samples_and_window_apply_per_value() -> None:
    few = judge(
        run(layer("web", lcp("/", 1.0, 1.0, 1.0), lcp("/explore", 1.0))),
        budgets({f"{LCP}{{page:*}}": {"expr": "median <= 2.5s", "min_samples": 3}}),
    )
    assert statuses(few) == {
        f"{LCP}{{page:/}}": BudgetStatus.PASS,
        f"{LCP}{{page:/explore}}": BudgetStatus.INCONCLUSIVE,
    }
    bad = [[0.1] * 4] * 3 + [[3.0] * 4] * 12
    good = [[0.1] * 4] * 15
    series = []
    for name, seconds in (("GET /bad", bad), ("GET /good", good), ("GET /more", good), ("GET /most", good)):
        s = trend("http_req_duration", [x for sec in seconds for x in sec], endpoint=name)
        s.timeline = timeline(seconds)
        series.append(s)
    windowed = judge(
        run(layer("load", *series)),
        budgets({"load.http_req_duration{endpoint:*}": {"expr": "p(75) < 2s", "window": "for 10s"}}),
    )
    assert statuses(windowed)["load.http_req_duration{endpoint:GET /bad}"] is BudgetStatus.FAIL
    assert [s for s in statuses(windowed).values()].count(BudgetStatus.PASS) == 3
    pooled = judge(
        run(layer("load", *series)),
        budgets({"load.http_req_duration": {"expr": "p(75) < 2s", "window": "for 10s"}}),
    )
    assert pooled.budgets[0].status is BudgetStatus.PASS


def test_errored_layer_and_off_budget_stay_one_record() -> None:
    crashed = layer("web", lcp("/", 1.0), status=LayerStatus.ERROR, error="lighthouse exited 1")
    v = judge(run(crashed), budgets({f"{LCP}{{page:*}}": "median <= 2.5s"}))
    assert [(b.key, b.status, b.pattern_key) for b in v.budgets if b.key.startswith(LCP)] == [
        (f"{LCP}{{page:*}}", BudgetStatus.INCONCLUSIVE, f"{LCP}{{page:*}}")
    ]
    off = judge(pages(), budgets({f"{LCP}{{page:*}}": {"expr": "median <= 2.5s", "level": "off"}}))
    assert [(b.key, b.status) for b in off.budgets] == [(f"{LCP}{{page:*}}", BudgetStatus.OFF)]


def test_evidence_is_that_of_the_value() -> None:
    records = [
        failing_record("load", "GET /a", endpoint="GET /a"),
        failing_record("load", "GET /b", endpoint="GET /b"),
    ]
    samples = [
        trend("http_req_duration", [0.1] * 10, endpoint="GET /a"),
        trend("http_req_duration", [3.0] * 10, endpoint="GET /b"),
    ]
    v = judge(
        run(layer("load", *samples, records=records)),
        budgets({"load.http_req_duration{endpoint:*}": "avg < 1s"}),
    )
    failed = next(b for b in v.budgets if b.status is BudgetStatus.FAIL)
    assert failed.evidence == ["load/GET__b.png", "curl -sS http://127.0.0.1:8000/b"]


def test_reports_list_the_expanded_verdicts() -> None:
    slow = trend("http_req_duration", [0.9] * 30, endpoint="GET /api/prompts/{id}")
    slow.timeline = timeline([[0.9] * 10] * 3)
    fast = trend("http_req_duration", [0.1] * 30, endpoint="GET /api/tags")
    r = run(layer("load", slow, fast))
    v = judge(r, budgets({"load.http_req_duration{endpoint:*}": "p(95) < 800ms"}))
    key = "load.http_req_duration{endpoint:GET /api/prompts/{id}}"
    assert statuses(v)[key] is BudgetStatus.FAIL
    assert f"`{key}`" in render_markdown(v)
    assert f'name="{key} [p(95) &lt; 800ms]"' in render_junit(v)
    html = render_html(v, r)
    assert f'data-key="{key}"' in html
    assert f"{key} over time" in html  # the chart finds the concrete series despite the braces


def test_helpers() -> None:
    assert [is_glob(p) for p in ("GET /api/*", "/a?", "[ab]", "/explore")] == [True, True, True, False]
    assert glob_tags({"page": "*", "category": "performance", "type": "[ti]*"}) == ("page", "type")
    assert (
        format_key("web", "score", {"page": "/", "category": "performance"})
        == "web.score{page:/,category:performance}"
    )
    assert format_key("web", "score", {}) == "web.score"
    spec = budgets({f"{LCP}{{page:/explore}}": "median <= 2.5s"}).budgets[0]
    assert expand(spec, pages()) == [spec]


def _second(*cells: tuple[str, int, int]) -> dict[str, Cell]:
    out = {}
    for name, ok, failed in cells:
        h = hdr.new()
        for _ in range(ok + failed):
            hdr.record_ms(h, 10.0)
        out[name] = Cell(ok, failed, hdr.encode(h))
    return out


def test_abort_rules_from_a_glob_stop_on_one_broken_endpoint() -> None:
    raw = {
        "load.http_req_failed{endpoint:*}": {
            "expr": "rate < 5%",
            "abort": True,
            "window": "3s",
            "grace": "2s",
        }
    }
    (rule,) = (Rule.from_any(r) for r in abort_rules(budgets(raw), "load"))
    assert rule.tags == {"endpoint": "*"}
    # one endpoint fails 20 % of its requests, drowned in healthy traffic: pooled 1 %
    broken = {t: _second(("GET /a", 400, 0), ("GET /b", 400, 0), ("GET /c", 16, 4)) for t in range(6)}
    breach = evaluate([rule], broken, now_s=4)
    assert breach is not None
    assert breach.key == "load.http_req_failed{endpoint:GET /c}"
    assert breach.observed == pytest.approx(0.2)
    assert "GET /c" in breach.sentence()
    healthy = {t: _second(("GET /a", 400, 0), ("GET /b", 400, 0), ("GET /c", 20, 0)) for t in range(6)}
    assert evaluate([rule], healthy, now_s=4) is None
    pooled = Rule.from_any({**rule.as_dict(), "key": "load.http_req_failed", "tags": {}})
    assert evaluate([pooled], broken, now_s=4) is None


def test_rates_expand_too() -> None:
    samples = [
        rate("http_req_failed", 99, 1, endpoint="GET /a"),
        rate("http_req_failed", 50, 50, endpoint="GET /b"),
    ]
    v = judge(run(layer("load", *samples)), budgets({"load.http_req_failed{endpoint:*}": "rate < 5%"}))
    assert statuses(v) == {
        "load.http_req_failed{endpoint:GET /a}": BudgetStatus.PASS,
        "load.http_req_failed{endpoint:GET /b}": BudgetStatus.FAIL,
    }


def test_the_shipped_web_budgets_judge_each_page() -> None:
    from releasegate.configfile import load_config
    from releasegate.layers import available as default_layers

    shipped = validate_budgets(load_config("releasegate.toml"), default_layers())
    web = [b for b in shipped.for_layer("web") if glob_tags(b.selector)]
    assert len(web) == 7
    assert all(glob_tags(b.selector) == ("page",) and b.level == "error" for b in web)

    def page(path: str, lcp_s: float) -> list[Samples]:
        tags = {"page": path, "preset": "desktop"}
        values = {
            "largest_contentful_paint": ([lcp_s] * 3, "s", tags),
            "cumulative_layout_shift": ([0.01] * 3, "", tags),
            "total_blocking_time": ([0.05] * 3, "s", tags),
            "score": ([0.95] * 3, "ratio", {**tags, "category": "performance"}),
        }
        out = [trend(m, v, unit, **t) for m, (v, unit, t) in values.items()]
        sizes = {"total": 600_000.0, "image": 200_000.0, "script": 100_000.0}
        out += [trend("resource_size", [size] * 3, "B", **tags, type=kind) for kind, size in sizes.items()]
        return out

    r = run(layer("web", *page("/", 1.0), *page("/explore", 4.0), *page("/login", 1.0)))
    v = judge(r, BudgetSet(tuple(web), shipped.catalog))
    assert len(v.budgets) == 21
    failed = [b.key for b in v.budgets if b.status is BudgetStatus.FAIL]
    assert failed == ["web.largest_contentful_paint{page:/explore}"]
    assert {b.expanded["page"] for b in v.budgets} == {"/", "/explore", "/login"}
