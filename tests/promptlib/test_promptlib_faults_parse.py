"""The fault grammar: table tests for `parse_faults`."""

from __future__ import annotations

import pytest

from releasegate.fixtures.promptlib import FAULTS
from releasegate.fixtures.promptlib.faults import FaultError, LatencyFault, parse_faults


@pytest.mark.parametrize(
    ("raw", "seconds", "route"),
    [
        ("latency", 0.5, None),
        ("latency=300ms", 0.3, None),
        ("latency=2s", 2.0, None),
        ("latency=1.5s", 1.5, None),
        ("latency=250", 0.25, None),
        ("latency:/api/prompts=300ms", 0.3, "/api/prompts"),
    ],
)
def test_latency(raw: str, seconds: float, route: str | None) -> None:
    assert parse_faults(raw).latency == LatencyFault(seconds, route)


@pytest.mark.parametrize(
    ("raw", "rate"), [("errors", 0.10), ("errors=2%", 0.02), ("errors=0.5", 0.5), ("errors=100%", 1.0)]
)
def test_error_rate(raw: str, rate: float) -> None:
    assert parse_faults(raw).error_rate == pytest.approx(rate)


def test_errors_on_one_route() -> None:
    faults = parse_faults("errors:/api/tags=20%")
    assert (faults.error_rate, faults.error_route) == (pytest.approx(0.2), "/api/tags")
    assert faults.on("errors")
    assert parse_faults("errors=2%").error_route is None


def test_latency_route_matching() -> None:
    fault = LatencyFault(0.1, "/api/prompts")
    assert fault.applies_to("/api/prompts")
    assert fault.applies_to("/api/prompts/3")
    assert not fault.applies_to("/api/promptsx")
    assert not fault.applies_to("/health")
    assert LatencyFault(0.1).applies_to("/api/tags")
    assert not LatencyFault(0.1).applies_to("/explore")


def test_lists_strings_and_sequences_combine() -> None:
    faults = parse_faults(["js-error, unhealthy", "wrong-version"])
    assert faults.names == ("js-error", "wrong-version", "unhealthy")
    assert faults.on("unhealthy")
    assert not faults.on("latency")


@pytest.mark.parametrize("raw", [None, "", " , "])
def test_empty_means_healthy(raw: str | None) -> None:
    faults = parse_faults(raw)
    assert not faults
    assert faults.names == ()


def test_every_documented_fault_parses() -> None:
    together = [name for name in FAULTS if name != "breaking-change"]
    assert parse_faults(",".join(together)).names == tuple(together)
    assert parse_faults("breaking-change").names == ("breaking-change",)


@pytest.mark.parametrize(
    "raw",
    ["schema-drift,breaking-change", "breaking-change, schema-drift", ["schema-drift", "breaking-change"]],
)
def test_schema_drift_and_breaking_change_are_refused_together(raw: str | list[str]) -> None:
    with pytest.raises(FaultError, match="'schema-drift' and 'breaking-change' cannot be on together"):
        parse_faults(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("latncy", "Did you mean 'latency'"),
        ("nope", "unknown fault 'nope'"),
        ("latency=fast", "latency must look like 300ms"),
        ("errors=0%", "above 0%"),
        ("errors=150%", "at most 100%"),
        ("errors=lots", "error rate must look like"),
        ("js-error=1", "takes no parameter"),
        ("js-error:/api=1", "only latency and errors take a route"),
        ("errors:api=2%", "must start with '/'"),
        ("latency:api=1s", "must start with '/'"),
    ],
)
def test_bad_specs_say_why(raw: str, message: str) -> None:
    with pytest.raises(FaultError, match=message.replace("(", r"\(")):
        parse_faults(raw)
