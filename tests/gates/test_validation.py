"""Meaning checks before any run: every problem is a ConfigError naming the key and what was meant."""

from __future__ import annotations

import pytest

from releasegate.errors import ConfigError
from releasegate.exitcodes import ExitCode
from releasegate.gates import abort_rules, validate_budgets
from releasegate.gates.errors import BudgetSyntaxError
from tests.gates.factories import LAYERS, budgets, config


@pytest.mark.parametrize(
    ("key", "value", "fragments"),
    [
        ("lod.http_req_duration", "avg < 2s", ['budgets."lod.http_req_duration"', "did you mean 'load'"]),
        (
            "load.http_req_duraton",
            "avg < 2s",
            ["no metric 'http_req_duraton'", "did you mean 'http_req_duration'"],
        ),
        (
            "load.http_req_duration{endpont:GET /}",
            "avg < 2s",
            ["no tag 'endpont'", "did you mean 'endpoint'"],
        ),
        ("load.http_req_failed", "p(95) < 1%", ["p(95) does not fit a rate metric", "rate, count"]),
        ("load.http_req_failed", "rate < 5ms", ["5ms is a duration but this value is a share"]),
        ("load.http_req_duration", "p(95) < 800", ["give the duration a unit", "800ms"]),
        ("load.http_req_duration", "avg < 2MB", ["2MB is a size but this value is a duration"]),
        ("load.http_req_duration", "count < 5%", ["5% is a share but this value is a plain number"]),
        ("load.http_reqs", "avg < 3", ["avg does not fit a counter metric", "count, rps"]),
        ("load.vus", "rate < 1%", ["rate does not fit a gauge metric"]),
        ("load.http_req_duration", "p(95) < baseline * 10ms", ["multiplies two quantities"]),
        ("load.http_req_duration", "p(95) < 2s / 1s", ["divides by a quantity"]),
        (
            "load.http_req_duration",
            {"expr": "avg < 2s", "levl": "warn"},
            ["unknown option 'levl'", "'level'"],
        ),
        ("load.http_req_duration", {"level": "warn"}, ["needs 'expr'"]),
        ("load.http_req_duration", {"expr": "avg < 2s", "level": "fatal"}, ["level 'fatal'"]),
        ("load.http_req_duration", {"expr": "avg < 2s", "window": "soon"}, ["not a duration like 'for 30s'"]),
        ("load.http_req_duration", {"expr": "avg < 2s", "min_samples": -1}, ["min_samples"]),
        ("load.http_req_duration", {"expr": "avg < 2s", "abort": "yes"}, ["abort must be true or false"]),
        ("load.http_req_duration", {"expr": "avg < baseline", "abort": True}, ["abort needs one comparison"]),
        ("load.http_req_duration", {"expr": "avg < 2s", "abort": True, "level": "warn"}, ["error-level"]),
        ("load.http_req_duration", {"expr": "avg < 2s", "objective": "99%"}, ["only to slo"]),
        ("load.http_req_duration", 42, ["a budget is a string"]),
        ("load.http_req_duration", [], ["non-empty list"]),
        ("load", "avg < 2s", ["layer.metric"]),
        ("slo.burn_rate{window:2h}", "value < 14.4", ["unknown SLO window '2h'"]),
    ],
)
def test_meaning_errors_name_the_key(key, value, fragments):
    with pytest.raises(ConfigError) as info:
        budgets({key: value})
    text = str(info.value)
    assert info.value.exit_code == ExitCode.USAGE
    for fragment in fragments:
        assert fragment in text


def test_syntax_error_names_the_key_and_file():
    cfg = config({"load.http_req_duration": "p(95) < 800 mss"})
    cfg.source = "releasegate.toml"
    with pytest.raises(BudgetSyntaxError) as info:
        validate_budgets(cfg, LAYERS)
    assert str(info.value).startswith(
        "releasegate.toml:budgets.\"load.http_req_duration\": unknown unit 'mss'"
    )


def test_values_in_every_shape():
    parsed = budgets(
        {
            "load.http_req_duration": ["avg < 2s", "p(95) < 800ms"],
            "load.http_req_failed": "rate < 0.5%",
            "e2e.flaky": {"expr": "count == 0", "level": "warn", "description": "flaky scenarios"},
            "load.http_req_duration{endpoint:GET /api/*, method:GET}": {
                "expr": "p(99) < 1500ms",
                "min_samples": 100,
                "window": "for 30s",
                "abort": True,
                "grace": "10s",
            },
        }
    )
    assert [b.expr_text for b in parsed] == [
        "avg < 2s",
        "p(95) < 800ms",
        "rate < 0.5%",
        "count == 0",
        "p(99) < 1500ms",
    ]
    last = parsed.budgets[-1]
    assert last.selector == {"endpoint": "GET /api/*", "method": "GET"}
    assert (last.min_samples, last.window_s, last.abort, last.grace_s) == (100, 30.0, True, 10.0)
    assert parsed.budgets[3].level == "warn"
    assert parsed.budgets[3].description == "flaky scenarios"


def test_abort_rules_for_the_load_layer():
    parsed = budgets(
        {
            "load.http_req_duration{endpoint:GET /api/*}": {
                "expr": "p(95) < 2s",
                "abort": True,
                "window": "15s",
            },
            "load.http_req_failed": {"expr": "rate < 5%", "abort": True},
            "load.http_reqs": "count > 10",
            "smoke.availability": {"expr": "rate >= 99%", "abort": True},
        }
    )
    rules = abort_rules(parsed, "load")
    assert [(r.metric, r.aggregation, r.op, r.threshold, r.window_s, r.grace_s) for r in rules] == [
        ("http_req_duration", "p(95)", "<", 2.0, 15.0, 5.0),
        ("http_req_failed", "rate", "<", pytest.approx(0.05), 10.0, 5.0),
    ]
    assert rules[0].tags == {"endpoint": "GET /api/*"}
    assert abort_rules(parsed, "web") == ()


def test_slo_budgets_share_one_objective():
    parsed = budgets({"slo.burn_rate{window:1h}": {"expr": "value < 14.4", "objective": "99.9%"}})
    assert parsed.slo_objective == pytest.approx(0.999)
    with pytest.raises(ConfigError, match="disagree on the objective"):
        budgets(
            {
                "slo.burn_rate{window:1h}": {"expr": "value < 14.4", "objective": "99.9%"},
                "slo.burn_rate{window:6h}": {"expr": "value < 6", "objective": "99%"},
            }
        )


def test_the_shipped_budget_file_validates_against_the_real_layers():
    from releasegate.configfile import load_config
    from releasegate.layers import available as default_layers

    cfg = load_config("releasegate.toml")
    assert len(validate_budgets(cfg, default_layers())) >= 1
